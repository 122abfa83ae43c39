"""Property tests: the cleaner and the citation and date grammars never raise or hang,
and cleaning is idempotent."""
from __future__ import annotations

import datetime as dt
import time

from hypothesis import given, settings, strategies as st

from extract.citations import find_references
from extract.clean import clean_block, normalise
from extract.temporal import find_timexes

# Text built from the pieces these grammars care about, plus arbitrary unicode.
PIECES = ["Kamerstuk", "Kamerstukken", " 21 501-02", ", nr. ", "2602", " en ", "36 200 V", "-\n", "\n", " ",
          "COM(2023) ", "mei", " 2023", "Q4", "eind", "voor de zomer", "jl.", "¹", "[^3]", "ge-\nïnformeerd", "II",
          "2022D41854", "/", ".", ";", "reces", "kwartaal", "het eerste"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=60).map("".join) | st.text(max_size=300)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_citation_grammar_never_raises_and_spans_point_into_the_text(text):
    start = time.perf_counter()
    for ref in find_references(text):
        assert 0 <= ref["start"] < ref["end"] <= len(text)
        assert ref["id"]
    assert time.perf_counter() - start < 2


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_date_grammar_never_raises(text):
    start = time.perf_counter()
    for t in find_timexes(text, dt.date(2023, 5, 12)):
        assert t.due is None or dt.date.fromisoformat(t.due)
    assert time.perf_counter() - start < 2


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_cleaning_is_idempotent(text):
    once = clean_block(text)
    assert clean_block(once) == once
    assert normalise(normalise(text)) == normalise(text)
