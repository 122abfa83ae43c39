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


def test_a_file_that_kills_its_worker_is_reported_and_the_others_ingest(corpus, tmp_path, monkeypatch):
    import extract.pipeline as pipeline

    pipeline.warm()  # forked workers start with the pipeline loaded: the test stays fast
    original = pipeline.load_document

    def deadly(path):  # one file kills the process reading it, as a native crash or OOM kill would
        if path.name.startswith("003"):
            os._exit(9)
        return original(path)

    monkeypatch.setattr(pipeline, "load_document", deadly)
    report = build(corpus, tmp_path / "kb.db", workers=2)
    (bad,) = [k for k in report.failed]
    assert bad.startswith("003") and "worker failed" in report.failed[bad]
    assert len(report.added) == 4
    assert rows(tmp_path / "kb.db", "SELECT count(*) FROM documents")[0][0] == 4


def test_corpus_scan_keys_subfolders_and_refuses_links_out(corpus, tmp_path):
    """What the scan finds decides what is published: subfolders keep their path as key,
    hidden files, sidecars and unknown formats are not documents, a link out is refused."""
    from pathlib import Path

    from extract.ingest import corpus_files
    from extract.readers import is_document

    letter = next(corpus.glob("000_*.txt"))
    (corpus / "2024" / "q1").mkdir(parents=True)
    (corpus / "2024" / "q1" / "brief.TXT").write_text(letter.read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / ".verborgen").mkdir()
    (corpus / ".verborgen" / "geheim.txt").write_text("x", encoding="utf-8")
    (corpus / ".swp.txt").write_text("x", encoding="utf-8")
    (corpus / "notities.docx").write_text("x", encoding="utf-8")
    (corpus / "SOURCES.md").write_text("x", encoding="utf-8")
    outside = tmp_path / "buiten.txt"
    outside.write_text("niet publiceren", encoding="utf-8")
    (corpus / "link.txt").symlink_to(outside)
    (corpus / "binnen.txt").symlink_to(letter)
    files, refused = corpus_files(corpus)
    keys = [f.key for f in files]
    assert keys == sorted(p.name for p in corpus.glob("0*.txt")) + ["2024/q1/brief.TXT", "binnen.txt"]
    assert refused == {"link.txt": "symbolic link points outside the corpus"}
    names = ("a.txt", "a.PDF", "a.meta.yaml", ".a.txt", "sources.txt", "a.tar.gz", "a.", "a..html", "README",
             "sourceß.txt", "ſources.md", "Sources-2024.pdf")
    assert [n for n in names if is_document(Path(n))] == ["a.txt", "a.PDF", "a..html"]


def test_editing_only_the_sidecar_reingests_the_document(corpus, tmp_path):
    db = tmp_path / "kb.db"
    doc = next(corpus.glob("003_*.txt"))
    build(corpus, db, workers=1)
    side = doc.with_name(doc.name + ".meta.yaml")
    side.write_text("title: Eerste titel van deze brief\n", encoding="utf-8")
    assert build(corpus, db, workers=1).changed == [doc.name]
    side.write_text("title: Tweede titel van deze brief\n", encoding="utf-8")
    assert build(corpus, db, workers=1).changed == [doc.name]
    assert rows(db, "SELECT title FROM documents WHERE id = ?", [doc.name]) == [("Tweede titel van deze brief",)]
    assert build(corpus, db, workers=1).changed == []


def test_naming_files_ingests_only_those(corpus, tmp_path, capsys):
    """`kb build FILE...` (what `kb watch` runs): the named files are read or removed,
    the rest of the corpus is not looked at, and the links take in the new letter."""
    db = tmp_path / "kb.db"
    build(corpus, db, workers=1)
    letters = sorted(corpus.glob("0*.txt"))
    new = corpus / "2026" / "nieuw.txt"
    new.parent.mkdir()
    new.write_text(letters[0].read_text(encoding="utf-8").replace("Geachte", "Geachte  ", 1), encoding="utf-8")
    other = letters[1]
    other.write_text(other.read_text(encoding="utf-8") + "\n\nNiet genoemd, dus nog niet gelezen.\n",
                     encoding="utf-8")
    gone = letters[2]
    gone.unlink()

    assert main(["build", "--quiet", "--corpus", str(corpus), "--db", str(db), str(new), str(gone)]) == 0
    assert "1 added, 0 changed, 0 unchanged, 1 removed, 0 failed" in capsys.readouterr().out
    docs = {r[0] for r in rows(db, "SELECT id FROM documents")}
    assert "2026/nieuw.txt" in docs and gone.name not in docs
    assert rows(db, "SELECT count(*) FROM passages WHERE text LIKE 'Niet genoemd%'") == [(0,)]
    # the new letter repeats the first one's citations: they resolve like the first one's do
    resolved = rows(db, "SELECT count(*) FROM citations WHERE document = ? AND resolved_document IS NOT NULL",
                    [letters[0].name])[0][0]
    assert rows(db, "SELECT count(*) FROM citations WHERE document = '2026/nieuw.txt' "
                    "AND resolved_document IS NOT NULL") == [(resolved,)]

    # a sidecar stands for its document; the full scan then still finds the unnamed change
    (corpus / (other.name + ".meta.yaml")).write_text("title: Gecorrigeerde titel\n", encoding="utf-8")
    assert build(corpus, db, workers=1, only=[corpus / (other.name + ".meta.yaml")]).changed == [other.name]
    assert rows(db, "SELECT title FROM documents WHERE id = ?", [other.name]) == [("Gecorrigeerde titel",)]
    assert rows(db, "SELECT count(*) FROM passages WHERE text LIKE 'Niet genoemd%'") == [(1,)]
    assert build(corpus, db, workers=1, only=[new]).unchanged == ["2026/nieuw.txt"]


def test_named_files_the_scan_would_not_read_are_refused(corpus, tmp_path):
    db = tmp_path / "kb.db"
    build(corpus, db, workers=1)
    outside = tmp_path / "buiten.txt"
    outside.write_text("niet publiceren", encoding="utf-8")
    (corpus / "link.txt").symlink_to(outside)
    (corpus / ".verborgen.txt").write_text("x", encoding="utf-8")
    (corpus / "notities.docx").write_text("x", encoding="utf-8")
    report = build(corpus, db, workers=1, only=[outside, corpus / "link.txt", corpus / ".verborgen.txt",
                                                corpus / "notities.docx", corpus / "nooit-bestaan.txt"])
    assert report.failed == {
        str(outside): "not inside the corpus folder",
        "link.txt": "symbolic link points outside the corpus",
        ".verborgen.txt": "hidden files are not read",
        "notities.docx": "not a document file (text, Markdown, PDF, XML or HTML)",
    }
    assert not report.added and not report.removed  # a name never ingested and now gone: nothing to do
    assert rows(db, "SELECT count(*) FROM documents") == [(5,)]


def test_naming_files_in_a_kb_of_another_pipeline_scans_everything(corpus, tmp_path):
    """Named files cannot leave the rest of the KB extracted by an older pipeline."""
    db = tmp_path / "kb.db"
    build(corpus, db, workers=1)
    conn = store.connect(db)
    store.set_info(conn, "pipeline", "older")
    conn.close()
    report = build(corpus, db, workers=1, only=[next(corpus.glob("000_*.txt"))])
    assert len(report.changed) == 5


def test_batched_writes_commit_in_batches_and_undo_only_the_failing_document(tmp_path):
    """A build writes several documents per transaction; a reader sees each batch once it
    is committed, and a document that fails to write is undone alone."""
    path = tmp_path / "kb.db"
    db = store.connect(path)
    reader = sqlite3.connect(path)

    def doc(i: int, passages: list[dict] | None = None) -> dict:
        return {"documents": [{"id": f"d{i}.txt", "title": f"brief {i}"}], "passages": passages or []}

    def seen() -> list[str]:
        return [r[0] for r in reader.execute("SELECT id FROM documents ORDER BY id")]

    with store.BatchedWrites(db, size=2, seconds=60) as writes:
        writes.write(doc(1))
        assert seen() == []  # not committed yet
        writes.write(doc(2))
        assert seen() == ["d1.txt", "d2.txt"]  # a full batch is committed
        writes.write(doc(3))
        twice = [{"id": "d4.txt#p0", "document": "d4.txt", "ord": 0, "text": "a"}] * 2  # same key twice
        with pytest.raises(sqlite3.IntegrityError):
            writes.write(doc(4, twice))
    assert seen() == ["d1.txt", "d2.txt", "d3.txt"]  # d3 kept, d4 undone whole
    assert reader.execute("SELECT count(*) FROM passages WHERE document = 'd4.txt'").fetchone()[0] == 0


def test_a_kb_of_an_earlier_schema_gets_the_new_indexes_when_opened(tmp_path):
    """Indexes added to the schema reach a knowledge base built before them: opening it
    makes them, and keeps its rows."""
    path = tmp_path / "kb.db"
    db = store.connect(path)
    db["documents"].insert({"id": "d1.txt", "title": "brief"})
    db.conn.execute("DROP INDEX idx_citations_kind")
    db.conn.execute("DROP INDEX commitments_quarter")
    store.set_info(db, "complete", "3")  # the schema before these indexes
    db.close()
    db = store.connect(path)
    names = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"idx_citations_kind", "commitments_quarter"} <= names
    assert [r[0] for r in db.conn.execute("SELECT id FROM documents")] == ["d1.txt"]
