"""The spaCy pipeline: tokens, sentences, lemmas and gazetteer spans a reader would check."""
from __future__ import annotations

import pytest

from extract.nlp import SPAN_KEY, Hit, gazetteer_hits, get_nlp


@pytest.fixture(scope="module")
def nl():
    return get_nlp("nl")


def tokens(nlp, text):
    return [t.text for t in nlp(text)]


def test_abbreviations_stay_one_token(nl):
    toks = tokens(nl, "Er is 3 mld. euro o.a. voor chips i.c.m. batterijen, zie nr. 5 en de brief van 3 mei jl. hierover.")
    for abbr in ("mld.", "o.a.", "i.c.m.", "nr.", "jl."):
        assert abbr in toks


def test_dossier_number_is_one_token(nl):
    assert "21 501-02" in tokens(nl, "Zie Kamerstuk 21 501-02, nr. 2602.")
    assert "36 200 V" in tokens(nl, "Kamerstuk 36 200 V, nr. 50")


def test_thousands_with_space_are_not_dossiers(nl):
    assert "15 000" not in tokens(nl, "Er werken 15 000 mensen.")


def test_footnote_marker_glued_to_word_is_split(nl):
    toks = tokens(nl, "strategische afhankelijkheden[^3] en halfgeleiders.[^12] Dit")
    assert "afhankelijkheden" in toks and "[^3]" in toks and "[^12]" in toks


def test_acronym_before_full_stop_is_split(nl):
    assert tokens(nl, "uit de VS. Zie")[:4] == ["uit", "de", "VS", "."]


def test_sentences_survive_abbreviations(nl):
    doc = nl("Het kabinet zet o.a. in op diversificatie. Zie nr. 5 van de reeks. De EU volgt.")
    assert [s.text for s in doc.sents] == [
        "Het kabinet zet o.a. in op diversificatie.", "Zie nr. 5 van de reeks.", "De EU volgt."]


def test_lemmas_join_plural_and_singular(nl):
    doc = nl("zonnepanelen zonnepaneel halfgeleiders halfgeleider")
    assert doc[0].lemma_ == doc[1].lemma_ and doc[2].lemma_ == doc[3].lemma_


@pytest.mark.parametrize("text", ["een zonnepaneel", "de halfgeleider", "één batterij"])
def test_ruler_matches_singular_forms(nl, text):
    doc = nl(text)
    assert any(s.label_ == "product" for s in doc.spans[SPAN_KEY])


def test_ruler_spans_carry_entity_ids(nl):
    doc = nl("De Critical Raw Materials Act en lithium uit Chili.")
    ids = {s.kb_id_ for s in doc.ents}
    assert {"measure:crma", "product:lithium", "country:CL"} <= ids


def test_english_pipeline_has_the_same_components():
    en = get_nlp("en")
    assert en.lang == "en" and "gazetteer_ruler" in en.pipe_names
    doc = en("The Commission proposed the Net-Zero Industry Act on semiconductors from Taiwan.")
    assert {"measure:nzia", "product:halfgeleiders", "country:TW"} <= {s.kb_id_ for s in doc.ents}


def test_missing_trained_model_falls_back_to_blank(monkeypatch):
    from extract import nlp as nlp_mod

    monkeypatch.setenv("KAMERKB_SPACY_MODEL", "nl_no_such_model")
    base = nlp_mod._base_pipeline("nl", "nl_no_such_model")
    assert base.pipe_names == []


def test_pipe_runs_in_batches(nl):
    from extract.nlp import pipe

    docs = list(pipe(["lithium uit China", "kobalt uit Congo"] * 50))
    assert len(docs) == 100 and docs[-1].ents[0].kb_id_ == "product:kobalt"


def test_gazetteer_hits_are_the_components_spans(nl):
    """Extraction asks the ruler for its matches without making Spans; spaCy users
    get the same matches as doc.spans['gazetteer']."""
    texts = ["De Critical Raw Materials Act en lithium uit Chili.",
             "Siliciumproductie in China (88%) en Frans-Duitse zonnepanelen; de VS en de EU."]
    docs = [nl(t) for t in texts]
    expected = [[Hit(s.start_char, s.end_char, s.label_, s.kb_id_, len(s)) for s in d.spans[SPAN_KEY]] for d in docs]
    assert gazetteer_hits(texts) == expected and all(expected)
