"""Text cleaning: line-end hyphenation, re-flow of wrapped lines, whitespace.

Readers keep the line breaks they found; here they become running text.
De-hyphenation is careful: 'uitge-\\nvoerd' → 'uitgevoerd', but 'EU-\\nlidstaten'
keeps its hyphen (upper case or digit before it), and 'investerings- en' keeps
its hyphen and space (a suspended compound). A hyphenated form that the
document itself also writes with a hyphen ('anti-dwanginstrument') keeps it.
"""
from __future__ import annotations

import re
import unicodedata

_HYPHEN_BREAK = re.compile(r"(\S*?)([A-Za-zÀ-ÿ0-9]+)-[ \t]*\n[ \t]*([A-Za-zÀ-ÿ0-9]+)(\S*)")
_LINE_END_HYPHEN = re.compile(r"-[ \t]*\n")  # cheap test before the costly pattern above
_SUSPENDED = {"en", "of", "tot", "and", "or", "to"}
_SOFT_HYPHEN = "\u00ad"
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f]+")
_SLASH_BREAK = re.compile(r"/[ \t]*\n[ \t]*")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*")


def dehyphenate(text: str, vocabulary: set[str] | None = None) -> str:
    """Join words split across lines by a hyphen.

    `vocabulary` holds the document's own hyphenated words (lower-cased);
    a split that matches one of them keeps its hyphen.
    """
    vocabulary = vocabulary or set()

    def join(m: re.Match) -> str:
        prefix, left, right, rest = m.groups()
        if right.lower() in _SUSPENDED:
            return f"{prefix}{left}- {right}{rest}"
        hyphenated = f"{left}-{right}".lower()
        keep = (
            left[-1].isupper()
            or left[-1].isdigit()
            or right[0].isupper()
            or right[0].isdigit()
            or hyphenated in vocabulary
        )
        return f"{prefix}{left}{'-' if keep else ''}{right}{rest}"

    text = text.replace(_SOFT_HYPHEN, "")
    return _HYPHEN_BREAK.sub(join, text) if _LINE_END_HYPHEN.search(text) else text


def hyphenated_words(text: str) -> set[str]:
    """Words the text writes with an in-line hyphen ('anti-dwanginstrument')."""
    return {w.lower() for w in re.findall(r"\b[A-Za-zÀ-ÿ]+-[A-Za-zÀ-ÿ]+\b", text)}


def reflow(text: str) -> str:
    """Wrapped lines become one paragraph; a slash at line end joins without a space."""
    if "\n" in text:
        text = _SLASH_BREAK.sub("/", text)
        text = _LINE_BREAK.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def normalise(text: str) -> str:
    """NFC, typographic spaces to plain spaces, no control characters."""
    text = unicodedata.normalize("NFC", text)
    control = {ord(ch): None for ch in set(text) if ch not in "\n\t" and unicodedata.category(ch)[0] == "C"}
    return _SPACES.sub(" ", text.translate(control) if control else text)


def clean_block(text: str, vocabulary: set[str] | None = None) -> str:
    """The full cleaning of one block of reader text."""
    return reflow(dehyphenate(normalise(text), vocabulary))
