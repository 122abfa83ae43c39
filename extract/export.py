"""Run the extractors over a document and shape the results two ways.

`extract_all(doc)` gathers every extractor's records; `to_schema` gives the
stable `kb extract --format json` object (the gold SCHEMA's keys) and
`to_rows` the kb.db rows of one document.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from extract.model import Document
from extract.patterns import lower_words
from extract.pipeline import file_stamp
from extract.sentences import split_spans
from extract.store import as_json, now


@dataclass
class Extraction:
    citations: list[dict] = field(default_factory=list)
    motion_mentions: list[dict] = field(default_factory=list)
    motion_document: dict | None = None
    commitments: list[dict] = field(default_factory=list)
    mentions: list[dict] = field(default_factory=list)
    dependencies: list[dict] = field(default_factory=list)


def extract_all(doc: Document, today: dt.date | None = None) -> Extraction:
    """Every extractor, in the order data flows: citations feed motions."""
    from extract import citations, commitments, dependencies, entities, motions

    ex = Extraction()
    ex.citations = citations.extract_citations(doc)
    ex.motion_mentions = motions.extract_motion_mentions(doc)
    ex.motion_document = motions.parse_motion_document(doc)
    ex.commitments = commitments.extract_commitments(doc, today=today)
    ex.mentions = entities.extract_entities(doc)
    ex.dependencies = dependencies.extract_dependencies(doc, ex.mentions)
    return ex


def to_schema(doc: Document, ex: Extraction) -> dict:
    """The gold-schema object for one document (see ../shared/gold/SCHEMA.md)."""
    from extract.entities import summarise

    summary = summarise(ex.mentions)
    meta = doc.meta_dict()
    return {
        "document": doc.name,
        "meta": {k: meta[k] for k in ("date", "date_estimated", "type", "kamerstuk", "title")}
        | {"senders": meta["senders"], "reference": meta["reference"], "language": meta["language"]},
        "countries": summary["countries"],
        "products": summary["products"],
        "measures": summary["measures"],
        "motions": _schema_motions(ex),
        "citations": sorted({c["id"] for c in ex.citations if c["kind"] == "kst"}),
        "references": sorted({c["id"] for c in ex.citations if c["kind"] != "kst"}),
        "commitments": [
            {k: c.get(k) for k in ("text", "kind", "timex", "due", "actor", "deliverable", "deadline_text", "status")}
            for c in ex.commitments
        ],
        "dependencies": [
            {k: d.get(k) for k in ("product", "country", "share", "scope", "year", "sentence")} for d in ex.dependencies
        ],
    }


def _schema_motions(ex: Extraction) -> list[dict]:
    """One entry per motion the document names (its strongest status wins)."""
    from extract.motions import merge_mentions

    out = [
        {"id": m.get("id"), "members": m.get("members") or [], "party": m.get("party"),
         "completed_here": m.get("status") == "completed", "status": m.get("status")}
        for m in merge_mentions(ex.motion_mentions)
    ]
    md = ex.motion_document
    if md and not any(o["id"] and o["id"] == md.get("id") for o in out):
        out.append({"id": md.get("id"), "members": md.get("members") or [], "party": md.get("party"),
                    "completed_here": False, "status": "document"})
    return out


def to_rows(doc_id: str, doc: Document, ex: Extraction) -> dict[str, list[dict]]:
    """kb.db rows of one document, keyed by table."""
    pid = lambda order: f"{doc_id}#{order}" if order is not None else None  # noqa: E731
    rows: dict[str, list[dict]] = {
        "documents": [{
            "id": doc_id, "path": str(doc.path), "format": doc.format, "sha256": doc.sha256,
            "stamp": file_stamp(doc.path),
            "date": doc.meta.date.isoformat() if doc.meta.date else None,
            "date_estimated": int(doc.meta.date_estimated), "type": doc.meta.type, "title": doc.meta.title,
            "kamerstuk": as_json(doc.meta.kamerstuk), "kamerstuk_resolved": as_json([]),
            "senders": as_json(doc.meta.senders), "reference": doc.meta.reference,
            "source_url": doc.meta.source_url or _public_url(doc.meta.kamerstuk), "language": doc.meta.language,
            "pages": doc.pages, "n_passages": len(doc.passages), "text": doc.text, "ingested_at": now(),
        }],
        "passages": [
            {"id": pid(p.order), "document": doc_id, "ord": p.order, "heading": p.heading, "page": p.page,
             "kind": p.kind, "text": p.text, "language": p.language or doc.meta.language}
            for p in doc.passages
        ],
        "footnotes": [
            {"id": f"{doc_id}#fn{f.number}", "document": doc_id, "number": f.number, "text": f.text,
             "passage": pid(f.passage)}
            for f in doc.footnotes
        ],
        "document_ids": [
            {"kst_id": k, "document": doc_id, "source": "stated", "url": _public_url([k])} for k in doc.meta.kamerstuk
        ] + [
            {"kst_id": k, "document": doc_id, "source": "stated", "url": _reference_url(k, "eu_doc")}
            for k in doc.meta.eu_ids
        ],
        "citations": [
            {"document": doc_id, "passage": pid(c.get("passage")), "footnote": c.get("footnote"),
             "cited": c["id"], "kind": c["kind"], "surface": c.get("surface"), "context": citation_context(doc, c),
             "url": _reference_url(c["id"], c["kind"])}
            for c in ex.citations
        ],
        "motion_mentions": [
            {"document": doc_id, "passage": pid(m.get("passage")), "motion": m.get("id"),
             "members": as_json(m.get("members") or []), "party": m.get("party"), "status": m.get("status"),
             "sentence": m.get("sentence"), "surface": m.get("surface"), "title": m.get("title"),
             "is_motion_document": 0}
            for m in ex.motion_mentions
        ],
        "commitments": [
            {"id": cid, "document": doc_id, "passage": pid(c.get("passage")),
             "text": c.get("text"), "kind": c.get("kind"), "actor": c.get("actor"),
             "deliverable": c.get("deliverable"), "subject": c.get("subject"),
             "deadline_text": c.get("deadline_text"), "timex": c.get("timex"), "due": c.get("due"),
             "promised_on": doc.meta.date.isoformat() if doc.meta.date else None}
            for cid, c in zip(commitment_ids(doc_id, ex.commitments), ex.commitments)
        ],
        "mentions": [
            {"document": doc_id, "passage": pid(m.get("passage")), "footnote": m.get("footnote"),
             "entity": m["entity_id"], "type": m.get("type"), "name": m.get("name"), "surface": m.get("surface"),
             "start": m.get("start"), "end": m.get("end")}
            for m in ex.mentions
        ],
        "dependencies": [
            {"document": doc_id, "passage": pid(d.get("passage")), "product": d.get("product"),
             "country": d.get("country"), "share": d.get("share"), "scope": d.get("scope"),
             "year": d.get("year"), "sentence": d.get("sentence"), "source": d.get("source")}
            for d in ex.dependencies
        ],
    }
    rows.update(_table_rows(doc_id, doc))
    from extract.motions import embedded_motions

    for em in embedded_motions(doc):
        rows["motion_mentions"].append(
            {"document": doc_id, "passage": None, "motion": em["id"], "members": as_json(em["members"]),
             "party": em["party"], "status": "document", "sentence": "; ".join(em["requests"]), "surface": None,
             "title": None, "is_motion_document": 1, "date": em["date"],
             "considerations": as_json(em["considerations"]), "requests": as_json(em["requests"]),
             "deadline_text": em["deadline_text"]})
    md = ex.motion_document
    if md:
        rows["motion_mentions"].append(
            {"document": doc_id, "passage": None, "motion": md.get("id"), "members": as_json(md.get("members") or []),
             "party": md.get("party"), "status": "document", "sentence": "; ".join(md.get("requests") or []),
             "surface": None, "title": doc.meta.title, "is_motion_document": 1,
             "date": md.get("date"), "considerations": as_json(md.get("considerations") or []),
             "requests": as_json(md.get("requests") or []), "deadline_text": md.get("deadline_text")}
        )
    return rows


def _table_rows(doc_id: str, doc: Document) -> dict[str, list[dict]]:
    """The document's tables and their rows (cells as JSON, text for search)."""
    tables, table_rows = [], []
    for i, t in enumerate(doc.tables):
        tid = f"{doc_id}#t{i}"
        tables.append({"id": tid, "document": doc_id, "ord": i, "page": t.page, "caption": t.caption,
                       "header": as_json(t.header), "n_rows": len(t.rows)})
        table_rows += [
            {"id": f"{tid}r{j}", "document": doc_id, "table_id": tid, "ord": j, "cells": as_json(cells),
             "text": " | ".join(c for c in cells if c)}
            for j, cells in enumerate(t.rows)
        ]
    return {"tables": tables, "table_rows": table_rows}


def commitment_ids(doc_id: str, commitments: list[dict]) -> list[str]:
    """Ids that survive re-extraction: the document plus a hash of the promise's words.

    Curated decisions refer to these ids, so they must not depend on order.
    """
    ids, seen = [], set()
    for c in commitments:
        words = lower_words(c.get("text") or "")
        base = f"{doc_id}#c{hashlib.sha1(words.encode()).hexdigest()[:10]}"
        cid, n = base, 1
        while cid in seen:
            n += 1
            cid = f"{base}-{n}"
        seen.add(cid)
        ids.append(cid)
    return ids


def citation_context(doc: Document, c: dict) -> str:
    """The words around a citation that describe what it cites.

    A footnote citation's context is the footnote text plus the sentence
    whose marker points to the note ('de brief over OSA van 8 november 2022.²').
    """
    parts = []
    if c.get("footnote"):
        note = doc.footnote(str(c["footnote"]))
        if note:
            parts.append(note.text)
            if note.passage is not None:
                p = doc.passages[note.passage]
                ref = next((r for r in p.notes if r.number == note.number), None)
                if ref:
                    parts.append(_sentence_at(p.text, max(ref.offset - 1, 0)))
    elif c.get("passage") is not None and c.get("start") is not None:
        parts.append(_sentence_at(doc.passages[c["passage"]].text, c["start"]))
    return " | ".join(x for x in parts if x)


def _sentence_at(text: str, offset: int) -> str:
    for start, end in split_spans(text):
        if start <= offset <= end:
            return text[start:end]
    return ""


def _reference_url(ref: str, kind: str) -> str | None:
    from extract.citations import reference_url

    return reference_url(ref, kind)


def _public_url(kst_ids: list[str]) -> str | None:
    from extract.citations import kst_url

    return kst_url(kst_ids[0]) if kst_ids else None
