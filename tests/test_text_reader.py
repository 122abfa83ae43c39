"""The text reader and cleaning on the five seed exports, each in its own style."""
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.clean import clean_block, dehyphenate
from extract.model import ReadError
from extract.readers import read
from extract.readers.text import read_text


def test_unicode_superscript_footnote_is_linked_to_the_kuzu_passage(seed_docs):
    doc = seed_docs["000"]
    passage = next(p for p in doc.passages if "motie van het lid Kuzu (DENK) afgedaan" in p.text)
    numbers = [n.number for n in passage.notes]
    assert "4" in numbers
    note = doc.footnote("4")
    assert note.text == "Kamerstuk 36 200 V, nr. 50."
    assert note.passage == passage.order
    # The marker stood right after 'afgedaan.'
    ref = next(n for n in passage.notes if n.number == "4")
    assert passage.text[:ref.offset].endswith("afgedaan.")


def test_word_export_footnote_ref_resolves_to_its_note(seed_docs):
    doc = seed_docs["004"]
    assert doc.footnote("1").text.startswith("Vaststelling van de begrotingsstaten")
    passage = next(p for p in doc.passages if "Van Der Werf" in p.text)
    assert "1" in [n.number for n in passage.notes]
    assert not any("[1:" in p.text or "footnoteRef" in p.text for p in doc.passages)


def test_html_sup_markers_and_repeated_reference_blocks_are_removed(seed_docs):
    doc = seed_docs["001"]
    assert doc.footnote("2").text.startswith("Motie van de leden Brekelmans en Agnes Mulder")
    assert not any(p.text.strip().lower() == "onze referentie" for p in doc.passages)
    assert not any("BZDOC-" in p.text for p in doc.passages)
    assert "BZDOC-1239418757-71" in doc.front_matter


def test_pdf_text_dump_glued_markers_become_footnotes(seed_docs):
    doc = seed_docs["002"]
    assert doc.footnote("1").text == "Kamerbrief Open Strategische Autonomie, Kamerstuk 35 982, nr. 9"
    passage = next(p for p in doc.passages if "Kamerbrief Open Strategische Autonomie" in p.text)
    assert "1" in [n.number for n in passage.notes]
    assert "Autonomie1" not in passage.text
    # A note wrapped over two lines is one note.
    assert doc.footnote("6").text.endswith("Bijlage bij Kamerstuk 21 501-30, nr. 571")


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_no_artifacts_in_passages(seed_docs, seed_paths, key):
    source = seed_paths[key].read_text(encoding="utf-8")
    # Hyphen-space sequences the source writes within one line ('korte- als lange-termijn') are text.
    written = set(re.findall(r"[a-zà-ÿ]- [a-zà-ÿ]{3,}", source))
    for p in seed_docs[key].passages:
        splits = set(re.findall(r"[a-zà-ÿ]- [a-zà-ÿ]{3,}", p.text)) - written
        assert not splits, f"line-end hyphen split left in: {splits}"
        assert "[bookmark:" not in p.text and "**" not in p.text and "<sup>" not in p.text
        assert not re.fullmatch(r"\s*\d{1,3}\s*", p.text), "a page number became a passage"
        assert "[^" not in p.text


def test_dehyphenation_keeps_real_hyphens():
    assert dehyphenate("uitge-\nvoerd") == "uitgevoerd"
    assert dehyphenate("EU-\nlidstaten") == "EU-lidstaten"
    assert dehyphenate("investerings-\nen vestigingsklimaat") == "investerings- en vestigingsklimaat"
    assert dehyphenate("anti-\ndwanginstrument", {"anti-dwanginstrument"}) == "anti-dwanginstrument"
    assert clean_block("product/\nsectorspecifieke  studies") == "product/sectorspecifieke studies"


def test_page_split_paragraph_is_joined(seed_docs):
    doc = seed_docs["002"]
    # 'Verder werkt de EU onder andere aan een' | notes | 'anti-dwanginstrument.4 Het doel ...'
    passage = next(p for p in doc.passages if "Verder werkt de EU onder andere aan een" in p.text)
    assert "aan een anti-dwanginstrument." in passage.text


def test_bad_text_inputs_get_clear_reasons(tmp_path):
    empty = tmp_path / "leeg.txt"
    empty.write_bytes(b"")
    with pytest.raises(ReadError, match="empty"):
        read(empty)
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(ReadError, match="binary"):
        read(garbage)


def test_cp1252_and_double_encoded_text_decode_to_proper_accents(tmp_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Het kabinet heeft de coördinatie van de geïdentificeerde risico's besproken.".encode("cp1252"))
    double = tmp_path / "double.txt"
    double.write_bytes("De Minister voor Buitenlandse Handel en coördinatie van geïdentificeerde zaken.".encode("utf-8").decode("latin-1").encode("utf-8"))
    for path in (latin, double):
        text = read_text(path).blocks[0].text
        assert "coördinatie" in text and "geïdentificeerde" in text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Coördinatie", "CoÃ¶rdinatie", "ﬁnanciën", "e\u0301", "\x1b[31m", "\x85", "\x00",
                                 "â€™", "Ã©", "Ã ", "Â ", "a", " ", "\n", "\n\n", "plain text", "\t", "€", "İ",
                                 "ГўВЂВ™", "œ", "×²", "ØŸ", "√±", "é", "É", "\r\n", "plain text of some length"]),
                max_size=20))
def test_fast_mojibake_repair_agrees_with_ftfy(parts):
    from extract.readers.decode import _ftfy, fix_text

    text = "".join(parts)
    assert fix_text(text) == _ftfy(text)
