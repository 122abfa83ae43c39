"""Regular-expression helpers shared by the grammars whose patterns live in YAML.

Two of them are about speed, measured on the benchmark corpus: Python's
engine tries every alternative of `(?:\\bzal\\b)|(?:\\bzullen\\b)|…` at every
position, and compares case-insensitively one character at a time. Writing
the shared word boundary once (`one_of`) and matching lower-case patterns
against lower-cased text (`caseless`, `fold`) finds the same matches four
to ten times faster.
"""
from __future__ import annotations

import re
import unicodedata


def expand(template: str, parts: dict[str, str]) -> str:
    """Fill `{name}` placeholders from `parts` (which may nest) until none is left."""
    for _ in range(10):
        new = re.sub(r"\{(\w+)\}", lambda m: parts.get(m.group(1), m.group(0)), template)
        if new == template:
            break
        template = new
    return template


def fold(text: str) -> str:
    """Lower case with every offset kept: the text `caseless` patterns run on.

    'İ' is the one character whose lower case is two characters long.
    """
    return text.replace("İ", "I").lower()


def plain_norm(text: str) -> str:
    """Lower case without diacritics: 'Israël' and 'Israel' meet, OCR'd 'Oekraine' too."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def lower_words(text: str) -> str:
    """A text's words in lower case, one space apart: punctuation and spacing do not
    count (commitment ids hash it; delivery probes are compared with it)."""
    return " ".join(re.findall(r"\w+", text.lower()))


def caseless(source: str, flags: int = 0) -> re.Pattern:
    """`source` compiled to match `fold(text)` as re.IGNORECASE would match `text`.

    Literals are lowered; escapes keep their case (`\\S` is not `\\s`).
    """
    lowered = re.sub(r"\\.|[^\\]+", lambda m: m.group(0) if m.group(0)[0] == "\\" else m.group(0).lower(), source)
    lowered = lowered.replace("(?p<", "(?P<").replace("(?p=", "(?P=")
    return re.compile(_boundary_after_first(lowered), flags & ~re.IGNORECASE)


def _boundary_after_first(source: str) -> str:
    """`\\bkabinet…` as `k(?<!\\w.)abinet…`: the same matches, but the pattern now
    starts with a literal, which the engine scans for instead of testing a word
    boundary at every position (fifteen times faster on a letter's first page)."""
    m = re.match(r"\\b([a-z0-9])(?![?*+{])", source)
    return m.group(1) + r"(?<!\w.)" + source[m.end():] if m else source


def one_of(alternatives: list[str]) -> str:
    """One pattern matching wherever any of `alternatives` matches.

    A leading or trailing `\\b` shared by alternatives is written once, outside
    their group, so positions inside words fail at once.
    """
    groups: dict[tuple[bool, bool], list[str]] = {}
    for alt in alternatives:
        lead = alt.startswith(r"\b") and not _has_top_level_bar(alt)
        trail = lead and alt.endswith(r"\b") and not alt.endswith(r"\\b") and len(alt) > 4
        core = alt[2:] if lead else alt
        core = core[:-2] if trail else core
        groups.setdefault((lead, trail), []).append(core)
    parts = []
    for (lead, trail), cores in groups.items():
        body = "(?:" + "|".join(f"(?:{c})" for c in cores) + ")"
        parts.append((r"\b" if lead else "") + body + (r"\b" if trail else ""))
    return "|".join(parts)


def _has_top_level_bar(pattern: str) -> bool:
    """Whether `pattern` has an alternation outside any group or class."""
    depth, in_class, i = 0, False, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "]":
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False
