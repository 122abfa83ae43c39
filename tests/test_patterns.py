"""The fast cue patterns find what the plain case-insensitive ones find."""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.patterns import caseless, fold, one_of
from extract.temporal import find_timexes

CUES = yaml.safe_load(Path("extract/commitments.yaml").read_text(encoding="utf-8"))
WORDS = ["Zal", "zullen", "de", "Kamer", "uw", "U", "informeren", "geïnformeerd", "İstanbul", "Wordt", "verwachting",
         "naar", "is", "heeft", "eerder", "gestuurd", "worden", "vraagt", "zich", "?", ",", "de leden", "kabinet"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["kamer", "inform_verbs", "future", "past", "not_government", "government"]),
       st.lists(st.sampled_from(WORDS), max_size=14))
def test_cue_lists_match_where_the_plain_alternation_matches(name, words):
    text = " ".join(words)
    plain = re.compile("|".join(f"(?:{w})" for w in CUES[name]), re.I)
    assert bool(caseless(one_of(CUES[name])).search(fold(text))) == bool(plain.search(text))


def test_fold_keeps_offsets():
    text = "İstanbul en Ærø"
    assert len(fold(text)) == len(text)


def test_caseless_keeps_escapes_meaning():
    pattern = caseless(r"\bQ(?P<q>[1-4])\S*\W")
    m = pattern.search(fold("eind Q2-2025 gereed"))
    assert m and m.group("q") == "2" and m.group(0) == "q2-2025 "


def test_deadline_offsets_point_into_the_original_text():
    text = "Na het bezoek aan İstanbul volgt eind Q1 2025 een brief."
    [t] = [t for t in find_timexes(text) if t.value]
    assert text[t.start:t.end] == t.text == "eind Q1 2025" and t.value == "2025-Q1"


def test_leading_word_boundary_still_holds():
    pattern = caseless(r"\bKamer\b")
    assert [m.start() for m in pattern.finditer(fold("Kamer, tweedekamer (kamer) kamers 'kamer"))] == [0, 20, 35]
