"""Curated decisions by staff, kept apart from derived rows.

Decisions live in a versioned YAML file (`curation.yaml` at the project root,
or the path in KAMERKB_CURATION): reviewed like code, never touched by a
rebuild. Each build loads them into the `curation` table and applies them
over the derived `commitments`, `deliveries` and `motions` rows.

    commitments:
      - id: "000_58daee204d757405.txt#c3f2a91b0c"   # stable commitment id
        status: delivered                           # open | delivered | dropped
        delivered_by: 002_36a098cc29e33766.txt
        note: "Bevestigd door beleidsmedewerker"
        by: j.jansen
    deliveries:
      - commitment: "..."
        document: "..."
        decision: rejected                          # confirmed | rejected
    motions:
      - id: kst-36200-V-50
        status: completed
"""
from __future__ import annotations

import os
from pathlib import Path

import yaml

from extract import store

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "curation.yaml"


def curation_path() -> Path:
    return Path(os.environ.get("KAMERKB_CURATION", DEFAULT_PATH))


def read_curation(path: Path | None = None) -> dict:
    path = path or curation_path()
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data if isinstance(data, dict) else {}


def load_curation(db, path: Path | None = None) -> None:
    """Replace the `curation` table by the file's decisions and apply them."""
    data = read_curation(path)
    db.conn.execute("DELETE FROM curation")
    rows = []
    for kind in ("commitments", "deliveries", "motions"):
        for item in data.get(kind) or []:
            target = item.get("id") or f"{item.get('commitment')}|{item.get('document')}"
            for field in ("status", "delivered_by", "decision"):
                if field in item:
                    rows.append({"kind": kind, "target": target, "field": field, "value": str(item[field]),
                                 "note": item.get("note"), "by": item.get("by"), "at": str(item.get("at") or store.now())})
    if rows:
        db["curation"].insert_all(rows)
    _apply(db, data)


def _apply(db, data: dict) -> None:
    tables = set(db.table_names())
    for item in data.get("deliveries") or []:
        if "deliveries" not in tables:
            break
        key = [item.get("commitment"), item.get("document")]
        if item.get("decision") == "rejected":
            db.conn.execute("DELETE FROM deliveries WHERE commitment = ? AND document = ?", key)
        elif item.get("decision") == "confirmed":
            db["deliveries"].upsert({"commitment": key[0], "document": key[1], "confidence": 100.0,
                                     "method": "curated", "evidence": item.get("note")},
                                    pk=("commitment", "document"), alter=True)
            db.conn.execute("UPDATE commitments SET status = 'delivered' WHERE id = ?", key[:1])
    for item in data.get("commitments") or []:
        if "commitments" in tables and item.get("status"):
            db.conn.execute("UPDATE commitments SET status = ?, curated = 1 WHERE id = ?", [item["status"], item["id"]])
    for item in data.get("motions") or []:
        if "motions" in tables and item.get("status"):
            db.conn.execute("UPDATE motions SET status = ?, curated = 1 WHERE id = ?", [item["status"], item["id"]])
