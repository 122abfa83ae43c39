"""The knowledge base: one SQLite file written with sqlite-utils.

Every document's rows are replaced in one transaction, so a reader (Datasette,
in WAL mode) sees a document either whole or not at all, and a crash never
leaves half a document behind. Curated decisions live in their own table,
which no rebuild touches.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

SCHEMA_VERSION = 4  # 4: the facet and commitments-page indexes

# Tables whose rows belong to one document and are replaced with it.
DOCUMENT_TABLES = (
    "passages", "footnotes", "citations", "motion_mentions", "commitments",
    "mentions", "dependencies", "tables", "table_rows", "document_ids",
)
# Derived across documents by the linking step; rebuilt after each ingest.
LINKED_TABLES = ("motions", "deliveries")

FTS_TOKENIZE = "unicode61 remove_diacritics 2"
# The quarter of a commitment's due date ('2025-Q3'), as the commitments chart and
# the canned query 'toezeggingen_per_kwartaal' group by it: an index on this very
# expression answers them without reading the table.
QUARTER_OF_DUE = "substr(due, 1, 4) || '-Q' || ((cast(substr(due, 6, 2) as integer) + 2) / 3)"
# The indexes the pages read: lookups by document and entity, the sort orders, and
# every facet datasette/metadata.yml shows (a facet counts a column over its table;
# tests/test_datasette.py keeps the two lists in step).
INDEXES = (
    ("passages", ["document", "ord"]), ("footnotes", ["document"]), ("document_ids", ["document"]),
    ("document_ids", ["source"]), ("documents", ["date"]), ("documents", ["type"]), ("documents", ["language"]),
    ("documents", ["date_estimated"]), ("citations", ["document"]), ("citations", ["cited"]),
    ("citations", ["resolved_document"]), ("citations", ["kind"]), ("motion_mentions", ["document"]),
    ("motion_mentions", ["motion_key"]), ("motion_mentions", ["status"]), ("motion_mentions", ["party"]),
    ("commitments", ["document"]), ("commitments", ["due"]), ("commitments", ["status"]),
    ("commitments", ["kind", "due"]), ("commitments", ["actor"]), ("deliveries", ["method"]),
    ("mentions", ["document", "entity"]), ("mentions", ["entity"]), ("mentions", ["passage", "entity"]),
    ("entities", ["type"]), ("entities", ["is_new"]), ("dependencies", ["product"]), ("dependencies", ["country"]),
    ("dependencies", ["source"]), ("motions", ["status"]), ("motions", ["party"]), ("tables", ["document"]),
    ("table_rows", ["table_id"]), ("curation", ["kind"]), ("curation", ["field"]),
)


def connect(path: Path | str) -> sqlite_utils.Database:
    """Open (and create) the knowledge base with WAL and a busy timeout."""
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 30000")
    db = sqlite_utils.Database(conn)
    if db.journal_mode != "wal":
        db.enable_wal()
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    ensure_schema(db)
    return db


@contextmanager
def transaction(db: sqlite_utils.Database):
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create tables, indexes and full-text search once; cheap when they exist.

    All in one transaction, marked complete at the end: a crash while a new
    knowledge base is being created leaves nothing half made.
    """
    if db["schema_info"].exists() and get_info(db, "complete") == str(SCHEMA_VERSION):
        return
    with transaction(db):
        _create_schema(db)
        set_info(db, "complete", str(SCHEMA_VERSION))


def _create_schema(db: sqlite_utils.Database) -> None:
    db["schema_info"].insert({"key": "version", "value": str(SCHEMA_VERSION)}, pk="key", replace=True)
    db["documents"].create(
        {
            "id": str, "path": str, "format": str, "sha256": str, "stamp": str, "date": str, "date_estimated": int,
            "type": str, "title": str, "kamerstuk": str, "kamerstuk_resolved": str, "senders": str,
            "reference": str, "source_url": str, "language": str, "pages": int, "n_passages": int,
            "text": str, "ingested_at": str,
        },
        pk="id", if_not_exists=True,
    )
    db["passages"].create(
        {"id": str, "document": str, "ord": int, "heading": str, "page": int, "kind": str, "text": str,
         "language": str},
        pk="id", foreign_keys=[("document", "documents", "id")], if_not_exists=True,
    )
    db["footnotes"].create(
        {"id": str, "document": str, "number": str, "text": str, "passage": str},
        pk="id", foreign_keys=[("document", "documents", "id")], if_not_exists=True,
    )
    db["document_ids"].create(
        {"kst_id": str, "document": str, "source": str, "url": str},
        pk=("kst_id", "document"), if_not_exists=True,
    )
    db["problems"].create(
        {"id": int, "run": int, "file": str, "reason": str, "at": str}, pk="id", if_not_exists=True,
    )
    db["runs"].create(
        {"id": int, "started": str, "finished": str, "corpus": str, "added": int, "changed": int,
         "unchanged": int, "removed": int, "failed": int, "errors": str},
        pk="id", if_not_exists=True,
    )
    db["curation"].create(
        {"id": int, "kind": str, "target": str, "field": str, "value": str, "note": str, "by": str, "at": str},
        pk="id", if_not_exists=True,
    )
    _create_extraction_tables(db)
    tables = set(db.table_names())
    for table, cols in INDEXES:  # (a knowledge base made by an earlier version may lack a column yet)
        if table in tables and set(cols) <= db[table].columns_dict.keys():
            db[table].create_index(cols, if_not_exists=True)
    # the commitments page: by due date with the undated last, and the quarter chart
    db.conn.execute("CREATE INDEX IF NOT EXISTS commitments_due_nulls_last ON commitments(due IS NULL, due)")
    db.conn.execute(f"CREATE INDEX IF NOT EXISTS commitments_quarter ON commitments({QUARTER_OF_DUE}, status, kind, due)")
    _count_mentions(db)
    if not db["passages"].detect_fts():
        db["passages"].enable_fts(["text", "heading"], tokenize=FTS_TOKENIZE, create_triggers=True)


def _count_mentions(db: sqlite_utils.Database) -> None:
    """entities.n_mentions, so the home page's most-mentioned list reads a few rows,
    not every mention. The link step sets exact counts for the entities a new letter
    mentions; this trigger takes off the mentions of letters that are cleared."""
    if "n_mentions" not in db["entities"].columns_dict:  # a knowledge base of an earlier version
        db["entities"].add_column("n_mentions", int)
        db.conn.execute("UPDATE entities SET n_mentions = (SELECT count(*) FROM mentions m WHERE m.entity = entities.id)")
    db.conn.execute("""CREATE TRIGGER IF NOT EXISTS mentions_count_down AFTER DELETE ON mentions BEGIN
        UPDATE entities SET n_mentions = n_mentions - 1 WHERE id = old.entity; END""")
    db["entities"].create_index(["n_mentions"], if_not_exists=True)


def _create_extraction_tables(db: sqlite_utils.Database) -> None:
    doc_fk = [("document", "documents", "id")]
    db["citations"].create(
        {"id": int, "document": str, "passage": str, "footnote": str, "cited": str, "kind": str, "surface": str,
         "context": str, "url": str, "resolved_document": str},
        pk="id", foreign_keys=doc_fk, if_not_exists=True,
    )
    db["motion_mentions"].create(
        {"id": int, "document": str, "passage": str, "motion": str, "motion_key": str, "members": str,
         "party": str, "status": str, "sentence": str, "surface": str, "title": str, "is_motion_document": int,
         "date": str, "considerations": str, "requests": str, "deadline_text": str},
        pk="id", foreign_keys=doc_fk, if_not_exists=True,
    )
    db["motions"].create(
        {"id": str, "kst_id": str, "members": str, "party": str, "title": str, "status": str, "first_seen": str,
         "date": str, "requests": str, "motion_document": str, "completed_by": str, "completed_passage": str,
         "evidence": str, "n_mentions": int, "url": str, "curated": int},
        pk="id", if_not_exists=True,
    )
    db["commitments"].create(
        {"id": str, "document": str, "passage": str, "text": str, "kind": str, "actor": str, "deliverable": str,
         "subject": str, "deadline_text": str, "timex": str, "due": str, "promised_on": str, "status": str,
         "curated": int},
        pk="id", foreign_keys=doc_fk, if_not_exists=True,
    )
    db["deliveries"].create(
        {"commitment": str, "document": str, "confidence": float, "evidence": str, "method": str},
        pk=("commitment", "document"), if_not_exists=True,
    )
    db["entities"].create(
        {"id": str, "type": str, "name": str, "standard_id": str, "aliases": str, "is_new": int,
         "n_mentions": int},
        pk="id", if_not_exists=True,
    )
    db["mentions"].create(
        {"id": int, "document": str, "passage": str, "footnote": str, "entity": str, "type": str, "name": str,
         "surface": str, "start": int, "end": int},
        pk="id", foreign_keys=doc_fk, if_not_exists=True,
    )
    db["dependencies"].create(
        {"id": int, "document": str, "passage": str, "product": str, "country": str, "share": float,
         "scope": str, "year": int, "sentence": str, "source": str},
        pk="id", foreign_keys=doc_fk, if_not_exists=True,
    )
    db["tables"].create(
        {"id": str, "document": str, "ord": int, "page": int, "caption": str, "header": str, "n_rows": int},
        pk="id", foreign_keys=doc_fk, if_not_exists=True,
    )
    db["table_rows"].create(
        {"id": str, "document": str, "table_id": str, "ord": int, "cells": str, "text": str},
        pk="id", foreign_keys=doc_fk, if_not_exists=True,
    )


def clear_document(db: sqlite_utils.Database, doc_id: str) -> None:
    """Remove every derived row of one document (not curated rows)."""
    tables = set(db.table_names())
    for table in DOCUMENT_TABLES:
        if table in tables:
            db.conn.execute(f"DELETE FROM [{table}] WHERE document = ?", [doc_id])
    if "citations" in tables:  # citations of other documents that pointed here
        db.conn.execute("UPDATE citations SET resolved_document = NULL WHERE resolved_document = ?", [doc_id])
    if "deliveries" in tables:  # links to or from this document
        db.conn.execute("DELETE FROM deliveries WHERE document = ? OR substr(commitment, 1, length(?) + 2) = ? || '#c'",
                        [doc_id, doc_id, doc_id])
    db.conn.execute("DELETE FROM documents WHERE id = ?", [doc_id])


def write_document(db: sqlite_utils.Database, rows: dict[str, list[dict]]) -> None:
    """Replace one document's rows in one transaction.

    `rows` maps table name → rows; 'documents' holds exactly one row.
    """
    with transaction(db):
        _write_rows(db, rows)


def _write_rows(db: sqlite_utils.Database, rows: dict[str, list[dict]]) -> None:
    doc = rows["documents"][0]
    clear_document(db, doc["id"])
    insert_rows(db, "documents", [doc])
    for table, items in rows.items():
        if table != "documents" and items:
            insert_rows(db, table, items)


class BatchedWrites:
    """Write documents as write_document does, several to one transaction.

    A commit costs about a third of a small document's write; a build commits
    every `size` documents or `seconds`, whichever comes first, so readers see
    new letters within a moment. Each document sits in its own savepoint: one
    that fails to write is undone alone, the ones before it are committed, and
    the error goes on to the caller. Killed mid-batch, the documents of the open
    batch are not in the knowledge base (nor their stamps): the next build reads
    them again. Use as a context manager: leaving it commits what was written.
    """

    def __init__(self, db: sqlite_utils.Database, size: int = 20, seconds: float = 0.5):
        self.db, self.size, self.seconds = db, size, seconds
        self.pending, self.opened = 0, 0.0

    def write(self, rows: dict[str, list[dict]]) -> None:
        if not self.pending:
            self.db.conn.execute("BEGIN IMMEDIATE")
            self.opened = time.monotonic()
        self.db.conn.execute("SAVEPOINT document")
        try:
            _write_rows(self.db, rows)
        except BaseException:
            self.db.conn.execute("ROLLBACK TO document")
            self.db.conn.execute("RELEASE document")
            self.commit()
            raise
        self.db.conn.execute("RELEASE document")
        self.pending += 1
        if self.pending >= self.size or time.monotonic() - self.opened >= self.seconds:
            self.commit()

    def commit(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.execute("COMMIT")
        self.pending = 0

    def __enter__(self) -> "BatchedWrites":
        return self

    def __exit__(self, *exc) -> None:
        self.commit()


def insert_rows(db: sqlite_utils.Database, table: str, items: list[dict]) -> None:
    """Insert rows into an existing table with one prepared statement.

    sqlite-utils' insert_all spends most of a document's write in per-value
    Python (type checks, schema lookups) that a table made by our schema does not
    need. Rows with a column the table lacks go through insert_all, which adds it.
    """
    columns = list(dict.fromkeys(k for row in items for k in row))
    have = {r[0] for r in db.conn.execute("SELECT name FROM pragma_table_info(?)", [table])}
    if not have or not have.issuperset(columns):
        db[table].insert_all(items, alter=True, pk=_PKS.get(table, "id"))
        return
    sql = f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) VALUES ({', '.join('?' * len(columns))})"
    db.conn.executemany(sql, [[_sql_value(row.get(c)) for c in columns] for row in items])


def _sql_value(value):
    return as_json(value) if isinstance(value, (list, dict, tuple)) else value


_PKS = {"document_ids": ("kst_id", "document")}


def get_info(db: sqlite_utils.Database, key: str) -> str | None:
    row = next(iter(db.query("SELECT value FROM schema_info WHERE key = ?", [key])), None)
    return row["value"] if row else None


def set_info(db: sqlite_utils.Database, key: str, value: str) -> None:
    db["schema_info"].insert({"key": key, "value": value}, pk="key", replace=True)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
