"""Sentence splitting that survives Dutch abbreviations ('o.a.', 'nr.', 'jl.').

A small regex splitter shared by the extractors that work sentence by sentence
(motions, commitments, dependencies). The spaCy pipeline (`extract.nlp`) uses
the same abbreviation list, so both agree on where sentences end.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from extract.datafiles import load_yaml

_DATA = Path(__file__).with_name("abbreviations.yaml")

# A candidate boundary: sentence-final punctuation (optionally closing quotes,
# brackets or a footnote marker) followed by whitespace and an upper-case
# letter, digit, bullet or opening quote.
_BOUNDARY = re.compile(
    r"(?<=[.!?])(?:[\"'»”’)\]]|\[\^[0-9a-z]+\])*\s+(?=[A-ZÀ-ÖØ-Þ0-9•\-–(«\"'‘“])"
)


@lru_cache(maxsize=1)
def abbreviations() -> frozenset[str]:
    data = load_yaml(_DATA)
    return frozenset(a.lower() for a in data["abbreviations"])


def _ends_with_abbreviation(head: str) -> bool:
    last = head.rsplit(None, 1)[-1].lower() if head.strip() else ""
    last = last.lstrip("([«\"'")
    if last in abbreviations():
        return True
    # A single initial ('J. de Vries') is no sentence end.
    return bool(re.fullmatch(r"[a-zà-þ]\.", last))


def split_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of `text`."""
    spans, start = [], 0
    for m in _BOUNDARY.finditer(text):
        head = text[start : m.start()]
        if _ends_with_abbreviation(head):
            continue
        # The match holds closing quotes/markers, which stay with their sentence.
        spans.append((start, _trim_end(text, start, m.end())))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def split(text: str) -> list[str]:
    """The sentences of `text`, stripped."""
    return [text[s:e].strip() for s, e in split_spans(text)]
