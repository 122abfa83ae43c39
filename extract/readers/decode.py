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
    out, pending = [], []
    lines = text.split("\n")
    # Every alternative of ftfy's BADNESS_RE holds a non-ASCII character, and one
    # anchors at the start ('^Ã '); the others match in a line only where they match
    # in the whole text. So one search over the lines with non-ASCII characters
    # (newlines kept around them) clears every line.
    suspect = "\n".join(line for line in lines if not line.isascii())
    clean = not suspect or (not is_bad(f"\n{suspect}\n") and not _BAD_LINE_START.search(suspect))
    for line in lines:
        plain = _untouched(line, clean)
        if plain is None:
            pending.append(line)
            continue
        if pending:
            out.append(_ftfy("\n".join(pending) + "\n"))
            pending = []
        out.append(plain + "\n")
    if pending:
        out.append(_ftfy("\n".join(pending) + "\n"))
    return "".join(out)[:-1]


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
_PRINTABLE_ASCII = re.compile(r"[\t\r\x20-\x7e]*")


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
