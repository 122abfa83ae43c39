"""Bytes to text: encodings, binary garbage and mojibake.

Government exports arrive as UTF-8, sometimes as cp1252/Latin-1, and now and
then double-encoded ('CoÃ¶rdinatie'). We decode strictly first, fall back to
cp1252, refuse binary data with a clear reason, and let ftfy undo mojibake.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import ftfy
from ftfy.badness import is_bad
from ftfy.chardata import CONTROL_CHARS, LIGATURES

from extract.model import ReadError

_CONTROL = bytes([*range(0, 9), 11, 12, *range(14, 32)])


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KB mean not text."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL))
    return bool(head) and controls / len(head) > 0.05


def decode_bytes(data: bytes, path: Path) -> str:
    if looks_binary(data):
        raise ReadError(path, "binary data, not text (wrong file extension?)")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return fix_text(text)


def fix_text(text: str) -> str:
    """Repair mojibake and normalise to NFC; keeps line breaks and quotes as they are.

    ftfy works line by line and costs about as much as the rest of reading;
    a line it would leave alone, or only compose to NFC, skips it (`_untouched`),
    so the result is ftfy's at a fraction of the cost.
    """
    suspect = _around_non_ascii(text)
    clean = not suspect or (not is_bad(f"\n{suspect}\n") and not _BAD_LINE_START.search(suspect))
    out, pending = [], []
    for line in _lines(text):
        plain = _untouched(line, clean)
        if plain is None:
            pending.append(line)
            continue
        if pending:
            out.append(_ftfy("".join(pending)))
            pending = []
        out.append(plain)
    if pending:
        out.append(_ftfy("".join(pending)))
    return "".join(out)


def _lines(text: str) -> list[str]:
    """`text` cut after each newline, as ftfy cuts it: a line's check sees its newline."""
    *full, last = text.split("\n")
    return [line + "\n" for line in full] + ([last] if last else [])


# Every alternative of ftfy's BADNESS_RE holds a non-ASCII character and spans at
# most six characters; one anchors at the start ('^Ã '), the others match in a line
# only where they match in the whole text. So a match lies within five characters
# of a non-ASCII one, and one search over those stretches (newlines between them)
# clears every line. A stretch's cut edge can only add a false alarm, which costs
# time (ftfy then looks at each line), never a missed repair.
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_REACH = 5


def _around_non_ascii(text: str) -> str:
    """The stretches of `text` within `_REACH` characters of a non-ASCII one, newline-joined."""
    stretches: list[list[int]] = []
    for m in _NON_ASCII.finditer(text):
        start, end = max(0, m.start() - _REACH), m.end() + _REACH
        if stretches and start <= stretches[-1][1]:
            stretches[-1][1] = end
        else:
            stretches.append([start, end])
    return "\n".join(text[s:e] for s, e in stretches)


def _ftfy(text: str) -> str:
    return ftfy.fix_text(
        text,
        uncurl_quotes=False,
        fix_line_breaks=False,
        normalization="NFC",
        unescape_html=False,
        fix_latin_ligatures=True,
        fix_character_width=False,
    )


# Characters one of ftfy's fixers (other than the encoding repair) acts on.
_TOUCHED = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(set(CONTROL_CHARS) | set(LIGATURES)))
                      + "\x1b\x80-\x9f\ud800-\udfff]")
_PRINTABLE_ASCII = re.compile(r"[\t\n\r\x20-\x7e]*")


_BAD_LINE_START = re.compile("^[ÃÂ] ", re.M)


def _untouched(line: str, clean: bool = False) -> str | None:
    """What ftfy makes of a line when that is plain NFC composition, else None
    (`clean`: the whole text is known to have no mojibake)."""
    if _PRINTABLE_ASCII.fullmatch(line):
        return line
    if _TOUCHED.search(line) or (not clean and is_bad(line)):
        return None
    composed = unicodedata.normalize("NFC", line)
    return composed if composed == line or not is_bad(composed) else None
