"""Bytes to text: encodings, binary garbage and mojibake.

Government exports arrive as UTF-8, sometimes as cp1252/Latin-1, and now and
then double-encoded ('CoÃ¶rdinatie'). We decode strictly first, fall back to
cp1252, refuse binary data with a clear reason, and let ftfy undo mojibake.
"""
from __future__ import annotations

from pathlib import Path

import ftfy

from extract.model import ReadError

_CONTROL = set(range(0, 9)) | {11, 12} | set(range(14, 32))


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KB mean not text."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b in _CONTROL)
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
    """Repair mojibake and normalise to NFC; keeps line breaks and quotes as they are."""
    return ftfy.fix_text(
        text,
        uncurl_quotes=False,
        fix_line_breaks=False,
        normalization="NFC",
        unescape_html=False,
        fix_latin_ligatures=True,
        fix_character_width=False,
    )
