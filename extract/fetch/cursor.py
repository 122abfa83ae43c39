"""Where the last fetch of each source stopped, and which documents it already has.

`fetch_cursors` holds one row per source (and per query slice, e.g. one
dossier): the newest modification date seen in the last complete run, so the
next run asks only for what changed since. A cursor moves only when a run
finished without failures, so a killed or failed run is simply redone.

`fetched` remembers each downloaded document (identifier, its modification
date, where the file is): the cursor's day granularity re-lists the boundary
day, and this table keeps such records from being downloaded twice.
`fetch_runs` has one row per source per run (counts and errors).
"""
from __future__ import annotations

import hashlib
import json

import sqlite_utils

from extract import store


def ensure_tables(db: sqlite_utils.Database) -> None:
    db["fetch_cursors"].create(
        {"source": str, "cursor": str, "params": str, "updated_at": str, "last_run": str},
        pk="source", if_not_exists=True,
    )
    db["fetched"].create(
        {"source": str, "identifier": str, "modified": str, "path": str, "status": str, "sha256": str,
         "url": str, "fetched_at": str},
        pk=("source", "identifier"), if_not_exists=True,
    )
    db["fetched"].create_index(["path"], if_not_exists=True)
    db["fetch_runs"].create(
        {"id": int, "source": str, "started": str, "finished": str, "counts": str, "failed": int, "errors": str,
         "dry_run": int},
        pk="id", if_not_exists=True,
    )


def cursor_key(source: str, params: dict | None = None) -> str:
    """'sru' for the default slice; 'sru:<hash>' when a dossier or query narrows it.

    A narrowed fetch must not move the cursor of the full feed (it has not
    seen everything), so each slice keeps its own.
    """
    params = {k: v for k, v in (params or {}).items() if v not in (None, "", [], ())}
    if not params:
        return source
    blob = json.dumps(params, sort_keys=True, ensure_ascii=False)
    return f"{source}:{hashlib.sha256(blob.encode()).hexdigest()[:12]}"


def get(db: sqlite_utils.Database, key: str) -> str | None:
    ensure_tables(db)
    row = next(iter(db.query("SELECT cursor FROM fetch_cursors WHERE source = ?", [key])), None)
    return row["cursor"] if row else None


def put(db: sqlite_utils.Database, key: str, value: str, params: dict | None = None,
        summary: dict | None = None) -> None:
    """Move a cursor (call inside the caller's transaction when other rows go with it)."""
    ensure_tables(db)
    db["fetch_cursors"].upsert(
        {"source": key, "cursor": value, "params": store.as_json(params or {}), "updated_at": store.now(),
         "last_run": store.as_json(summary or {})},
        pk="source",
    )


def known(db: sqlite_utils.Database, source: str, identifier: str) -> dict | None:
    ensure_tables(db)
    return next(iter(db.query("SELECT * FROM fetched WHERE source = ? AND identifier = ?",
                              [source, identifier])), None)


def remember(db: sqlite_utils.Database, source: str, identifier: str, **fields) -> None:
    ensure_tables(db)
    db["fetched"].upsert({"source": source, "identifier": identifier, "fetched_at": store.now(), **fields},
                         pk=("source", "identifier"))


def log_run(db: sqlite_utils.Database, source: str, started: str, counts: dict, failed: dict,
            dry_run: bool = False) -> None:
    """One row per source per `kb fetch`, beside ingest's `runs`, so Datasette shows both."""
    ensure_tables(db)
    db["fetch_runs"].insert({"source": source, "started": started, "finished": store.now(),
                             "counts": store.as_json(counts), "failed": len(failed),
                             "errors": store.as_json(failed), "dry_run": int(dry_run)})
