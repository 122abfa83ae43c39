"""Incremental ingest into kb.db: what a user running `kb build` twice would notice."""
from __future__ import annotations

import os
import sqlite3

import pytest

from extract import store
from extract.cli import main
from extract.ingest import build
from support import copy_seed



@pytest.fixture()
def corpus(tmp_path):
    return copy_seed(tmp_path)


def rows(db_path, sql, params=()):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


def test_second_build_skips_unchanged_and_replaces_changed(corpus, tmp_path):
    db = tmp_path / "kb.db"
    first = build(corpus, db, workers=1)
    assert len(first.added) == 5 and not first.failed
    again = build(corpus, db, workers=1)
    assert not again.added and not again.changed and len(again.unchanged) == 5

    # touched but not changed: still unchanged
    target = next(corpus.glob("001_*.txt"))
    os.utime(target, ns=(1, 1))
    assert len(build(corpus, db, workers=1).unchanged) == 5

    before = rows(db, "SELECT count(*) FROM passages WHERE document = ?", [target.name])[0][0]
    target.write_text(target.read_text(encoding="utf-8") + "\n\nEen nieuwe slotalinea over lithium.\n",
                      encoding="utf-8")
    changed = build(corpus, db, workers=1)
    assert changed.changed == [target.name]
    after = rows(db, "SELECT count(*) FROM passages WHERE document = ?", [target.name])[0][0]
    assert after == before + 1
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == 5


def test_removed_file_loses_its_rows(corpus, tmp_path):
    db = tmp_path / "kb.db"
    build(corpus, db, workers=1)
    gone = next(corpus.glob("002_*.txt"))
    gone.unlink()
    report = build(corpus, db, workers=1)
    assert report.removed == [gone.name]
    for table in ("documents", "passages", "footnotes"):
        col = "id" if table == "documents" else "document"
        assert rows(db, f"SELECT count(*) FROM {table} WHERE {col} = ?", [gone.name])[0][0] == 0


def test_bad_file_is_reported_and_others_ingest(corpus, tmp_path, capsys):
    (corpus / "kapot.pdf").write_bytes(b"%PDF-1.7\n garbage, no xref")
    db = tmp_path / "kb.db"
    assert main(["build", "--corpus", str(corpus), "--db", str(db), "--quiet", "--workers", "1"]) == 0
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == 5
    problems = rows(db, "SELECT file, reason FROM problems")
    assert [p[0] for p in problems] == ["kapot.pdf"] and problems[0][1]
    assert "kapot.pdf" in capsys.readouterr().err
    # --strict says so in the exit status
    assert main(["build", "--corpus", str(corpus), "--db", str(db), "--quiet", "--strict"]) == 1


def test_sidecar_overrides_metadata(corpus, tmp_path):
    doc = next(corpus.glob("003_*.txt"))
    doc.with_name(doc.name + ".meta.yaml").write_text(
        "date: 2023-10-30\ntitle: Kabinetsappreciatie CRMA\nkamerstuk: [kst-21501-33-1037]\n", encoding="utf-8")
    db = tmp_path / "kb.db"
    build(corpus, db, workers=1)
    date, title, estimated = rows(db, "SELECT date, title, date_estimated FROM documents WHERE id = ?", [doc.name])[0]
    assert (date, title, estimated) == ("2023-10-30", "Kabinetsappreciatie CRMA", 0)
    assert rows(db, "SELECT kst_id FROM document_ids WHERE document = ?", [doc.name]) == [("kst-21501-33-1037",)]


def test_full_text_search_finds_passage_without_accents(corpus, tmp_path):
    db = tmp_path / "kb.db"
    build(corpus, db, workers=1)
    hits = rows(db, "SELECT p.document FROM passages_fts f JOIN passages p ON p.rowid = f.rowid "
                    "WHERE passages_fts MATCH ?", ['"geinformeerd"'])
    assert hits, "FTS must match 'geïnformeerd' when searched without the diaeresis"


def test_two_workers_give_the_same_rows_as_one(corpus, tmp_path):
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    build(corpus, one, workers=1)
    build(corpus, two, workers=2)
    q = "SELECT document, ord, text FROM passages ORDER BY document, ord"
    assert rows(one, q) == rows(two, q)


def test_kb_is_consistent_and_in_wal_mode(corpus, tmp_path):
    db = tmp_path / "kb.db"
    build(corpus, db, workers=1)
    assert rows(db, "PRAGMA journal_mode")[0][0] == "wal"
    assert rows(db, "PRAGMA integrity_check")[0][0] == "ok"
    conn = store.connect(db)
    for doc_id, n in conn.execute("SELECT id, n_passages FROM documents").fetchall():
        assert conn.execute("SELECT count(*) FROM passages WHERE document = ?", [doc_id]).fetchone()[0] == n


def test_a_file_that_takes_too_long_is_skipped_with_a_reason(corpus, tmp_path, monkeypatch):
    import extract.ingest as ingest

    import time

    import extract.pipeline as pipeline

    monkeypatch.setattr(ingest, "FILE_TIMEOUT", 1)
    original = pipeline.load_document

    def slow(path):  # one file hangs, as a PDF bomb would
        if path.name.startswith("002"):
            time.sleep(5)
        return original(path)

    monkeypatch.setattr(pipeline, "load_document", slow)
    report = build(corpus, tmp_path / "kb.db", workers=1)
    assert "took longer than 1 s" in report.failed["002_36a098cc29e33766.txt"]
    assert len(report.added) == 4
