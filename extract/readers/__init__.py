"""Readers: one per format, all returning `extract.model.RawDocument`.

`read(path)` picks the reader from the file's extension and, where the
extension lies or is missing, from its first bytes.
"""
from __future__ import annotations

import os
from pathlib import Path

from extract.model import RawDocument, ReadError

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
SUPPORTED = TEXT_SUFFIXES | {".pdf", ".xml", ".html", ".htm", ".xhtml"}
SIDECAR_SUFFIX = ".meta.yaml"
MAX_BYTES = 200 * 1024 * 1024  # larger files are refused, not read into memory
# A text, XML or HTML document this large is a data dump, not a letter: refuse it
# rather than spend minutes of NLP on it.
MAX_TEXT_BYTES = 20 * 1024 * 1024


def is_document(path: Path) -> bool:
    """A corpus file we should read (not a sidecar, not hidden, known extension)."""
    return is_document_name(path.name)


def is_document_name(name: str) -> bool:
    """is_document on a bare file name: the corpus scan asks it of every file, so
    it makes no Path object."""
    dot = name.rfind(".")
    if dot <= 0 or name[dot:].lower() not in SUPPORTED:
        return False
    # an upper case is never shorter: the first seven characters decide 'SOURCES'
    return not (name[0] == "." or name.endswith(SIDECAR_SUFFIX) or name[:7].upper().startswith("SOURCES"))


def file_stamp(path: str, sidecar: str | None) -> str:
    """Size and modification time of a document file and of its sidecar, if there is one.

    When the stamp is unchanged the file is taken as unchanged without
    reading it, so an incremental run over a large corpus reads only what is
    new. Raises OSError when the document itself cannot be stat'ed.
    """
    st = os.stat(path)
    stamp = f"{st.st_size}:{st.st_mtime_ns}"
    if sidecar:
        try:
            side = os.stat(sidecar)
        except FileNotFoundError:
            return stamp
        stamp += f"/{side.st_size}:{side.st_mtime_ns}"
    return stamp


def sniff(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(2048)
    # byte-order marks, also double-encoded ones ('ï»¿' re-encoded as UTF-8)
    for bom in (b"\xc3\xaf\xc2\xbb\xc2\xbf", b"\xef\xbb\xbf"):
        head = head.lstrip(b" \t\r\n").removeprefix(bom)
    head = head.lstrip(b" \t\r\n")
    if head.startswith(b"%PDF"):
        return "pdf"
    lower = head[:512].lower()
    if lower.startswith(b"<!doctype html") or lower.startswith(b"<html") or b"<html" in lower:
        return "html"
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        return "xml"
    return "text"


def read(path: Path) -> RawDocument:
    """Read one file; raises ReadError with the reason when it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise ReadError(path, "not a regular file")
    size = path.stat().st_size
    if size == 0:
        raise ReadError(path, "empty file (0 bytes)")
    if size > MAX_BYTES:
        raise ReadError(path, f"file too large ({size // (1024 * 1024)} MB > {MAX_BYTES // (1024 * 1024)} MB)")
    kind = sniff(path)
    suffix = path.suffix.lower()
    if kind != "pdf" and size > MAX_TEXT_BYTES:
        raise ReadError(path, f"text too large to extract ({size // (1024 * 1024)} MB > "
                              f"{MAX_TEXT_BYTES // (1024 * 1024)} MB); split the document")
    if suffix == ".pdf" and kind != "pdf":
        raise ReadError(path, "not a readable PDF: no %PDF header")
    if kind == "pdf":
        from extract.readers.pdf import read_pdf

        return read_pdf(path)
    if kind == "html" or suffix in {".html", ".htm", ".xhtml"}:
        from extract.readers.html import read_html

        return read_html(path)
    if kind == "xml":
        from extract.readers.xml import read_xml

        return read_xml(path)
    if suffix in TEXT_SUFFIXES or kind == "text":
        from extract.readers.text import read_text

        return read_text(path)
    raise ReadError(path, f"unknown format '{suffix}'")
