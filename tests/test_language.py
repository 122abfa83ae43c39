"""Language per document and passage: Dutch letters, English EU papers."""
from __future__ import annotations

from pathlib import Path

from extract import language
from extract.language import detect, detect_document, detect_passages
from extract.model import Document, Meta, Passage

NL = "Het kabinet zal de Kamer voor de zomer informeren over de voortgang van de aanpak."
EN = "The Commission will present a proposal on critical raw materials by the end of 2023."


def doc_of(*texts):
    return Document(path=Path("x"), name="x", format="text", meta=Meta(),
                    passages=[Passage(order=i, text=t) for i, t in enumerate(texts)], footnotes=[])


def test_dutch_and_english_sentences():
    assert detect(NL) == "nl" and detect(EN) == "en"


def test_short_text_inherits_the_default():
    assert detect("Critical Raw Materials Act", default="nl") == "nl"
    assert detect("Zie ook", default="en") == "en"


def test_passages_of_a_dutch_letter_quoting_english():
    d = doc_of(NL, EN, "Tabel 1", NL)
    assert detect_passages(d) == ["nl", "en", "nl", "nl"]
    assert detect_document(d) == "nl"


def test_english_paper():
    assert detect_document(doc_of(EN, EN.replace("2023", "2024"), "Annex I")) == "en"


def test_stopword_fallback(monkeypatch):
    monkeypatch.setattr(language, "_identifier", lambda: None)
    assert detect(NL) == "nl" and detect(EN) == "en"


def test_seed_letter_is_dutch(seed_docs):
    assert detect_document(seed_docs["003"]) == "nl"
