"""The prefilter: literals every match of a pattern holds, so passages without them skip it."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from extract.prefilter import Prefiltered, gate_for, required_literals


@pytest.mark.parametrize("pattern, expected", [
    (r"\bkabinet\b", {"kabinet"}),
    (r"\b[Mm]otie\s+van", {"Motie", "motie"}),  # a small class multiplies out; the longer literal wins
    (r"\b(?:[A-Z]\w+ ){1,5}(?:Act|Strategy)\b", {"Act", "Strategy"}),  # one of the alternatives
    (r"(?:EU|Europese)?\s*\w+strategie", {"strategie"}),  # an optional group requires nothing
    (r"(?:IPCEI|Important Project)s?\s+voor", {"IPCEI", "Important Project"}),  # shortest 5 beats 'voor' (4)
])
def test_required_literals(pattern, expected):
    assert required_literals(pattern) == expected


@pytest.mark.parametrize("pattern", [
    r"\d{4}",                      # no literal at all
    r"(?:de|het)?\s+kamer|\bu\b",  # one alternative holds only 'u'
    r"x*",                         # may match the empty string
    r"(?i:kamer)brief",            # a local case switch: given up, not guessed
])
def test_no_gate_where_no_selective_literal_is_known(pattern):
    gate = gate_for(re.compile(pattern))
    assert gate is None or (pattern.startswith("(?i:") and gate.pattern == "brief")


def test_a_pattern_that_opens_with_a_literal_is_left_alone():
    assert gate_for(re.compile(r"Kamerstuk\s+\d+")) is None  # the engine already scans for 'K'


def test_case_insensitive_patterns_get_case_insensitive_gates():
    gate = gate_for(re.compile(r"\bverzoekt\s+de\s+regering", re.I))
    assert gate.search("VERZOEKT de Regering") and gate.flags & re.I


def test_prefiltered_finds_what_the_pattern_finds_and_stands_in_for_it():
    rx = Prefiltered(re.compile(r"\b(?:[A-Z][\w-]+ ){0,3}[A-Z]\w*(?:strategie|verordening)\b"))
    text = "Het kabinet presenteert de Nationale Grondstoffenstrategie en de Chips Act."
    assert [m.group(0) for m in rx.finditer(text)] == ["Nationale Grondstoffenstrategie"]
    assert rx.search("Geen maatregel hier.") is None and not list(rx.finditer("Geen maatregel hier."))
    assert rx.fullmatch("Grondstoffenstrategie") and rx.pattern.startswith(r"\b")


PATTERNS = [
    r"(?:[Gg]ewijzigde\s+)?[Mm]otie\s+(?:van\s+)?(?:het\s+)?[Ll]id",
    r"(?:[A-Z][a-z-]+ ){1,3}(?:Act|Fund)",
    r"(?P<day>[0-3]?\d)\s+(?P<month>mei|juni|jan\.?)(?:\s+20\d\d)?",
    r"(?:ab|cd)+e{2,3}(?:f|gh)?",
    r"(?:zal|zullen|gaat).{0,20}(?:informeren|sturen)",
    r"[Qq][1-4][\s-]+20[23]\d",
    r"(?:uitvoering|gevolg)\s+(?:ge)?geven",
    r"(?:de\s+)?(?:eerste|tweede)\s+(?:helft|half)(?:\s+van)?",
    r"(?:x|yz|)w{1,2}(?:uv)*kst-\d{5}",
]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_gate_never_rules_out_a_text_the_pattern_matches(data):
    """Texts made to match each pattern (hypothesis' from_regex), inside other text."""
    for pattern in PATTERNS:
        text = data.draw(st.from_regex(pattern, fullmatch=False))
        gate = gate_for(re.compile(pattern), min_length=1)
        assert gate is not None and gate.search(text), (pattern, text)
