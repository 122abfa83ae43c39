"""One document from file to extracted knowledge: read → clean → structure → metadata.

`load_document(path)` is what every extractor and test uses to get a
`Document`; `extract_all(doc)` (in `extract.export`) runs the extractors.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from extract.language import annotate
from extract.metadata import apply_overrides, extract_meta
from extract.model import Document, ReadError
from extract.motions import debate_motions
from extract import readers
from extract.readers import SIDECAR_SUFFIX, read
from extract.structure import build


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> dict:
    """The `<file>.meta.yaml` beside a document, if any: fields that override extraction."""
    side = sidecar_path(path)
    if not side.exists():
        return {}
    try:
        data = yaml.safe_load(side.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ReadError(side, f"sidecar is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ReadError(side, "sidecar must be a YAML mapping of metadata fields")
    if "url" in data and "source_url" not in data:
        data["source_url"] = data.pop("url")
    return data


def file_hash(path: Path) -> str:
    """Content hash of a document and its sidecar: a change to either re-ingests it."""
    h = hashlib.sha256(path.read_bytes())
    side = sidecar_path(path)
    if side.exists():
        h.update(b"\0sidecar\0" + side.read_bytes())
    return h.hexdigest()


def file_stamp(path: Path) -> str:
    """The document's and its sidecar's size and mtime (see extract.readers.file_stamp)."""
    return readers.file_stamp(str(path), str(sidecar_path(path)))


def load_document(path: Path | str) -> Document:
    """Read, clean and structure one file, with its metadata. Raises ReadError."""
    path = Path(path)
    raw = read(path)
    doc = build(raw)
    hints = raw.hints if "language" in raw.hints else raw.hints | {"language": annotate(doc)}
    doc.meta = apply_overrides(extract_meta(doc, hints), read_sidecar(path))
    doc.sha256 = file_hash(path)
    doc.hints = raw.hints
    if doc.meta.type == "handelingen" and not doc.hints.get("motions"):
        # read as text or PDF: the motions the debate quotes, as the XML reader gives them
        doc.hints = doc.hints | {"motions": debate_motions(doc)}
    doc.tables = raw.tables
    return doc


def warm(lang: str = "nl") -> None:
    """Load what extraction loads lazily (the spaCy pipeline with its gazetteer
    matchers, the language classifier) in this process.

    A process that forks workers after calling it gives them all of it loaded,
    instead of each building it again (the tests use it so).
    """
    from extract.language import warm as warm_language
    from extract.nlp import get_nlp

    get_nlp(lang)
    warm_language()
