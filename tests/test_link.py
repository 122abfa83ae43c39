"""Links across documents: what cites what, which motion was answered, which promise delivered."""
from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from extract.ingest import build
from support import copy_seed

SEED = Path(__file__).parent / "fixtures" / "seed"
TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("link")
    corpus = copy_seed(root)
    db = root / "kb.db"
    build(corpus, db, workers=1, today=TODAY)
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    yield conn, corpus, db
    conn.close()


def test_citation_resolves_by_title_and_date_when_the_letter_states_no_id(kb):
    conn, _, _ = kb
    # 000: 'de brief over Open Strategische Autonomie (OSA) van 8 november 2022' + note 'Kamerstuk 35 982, nr. 9'
    learned = conn.execute("SELECT kst_id, document FROM document_ids WHERE source = 'resolved'").fetchall()
    assert [tuple(r) for r in learned] == [("kst-35982-9", "001_deee28364741ce25.txt")]
    cited_by = {r[0] for r in conn.execute(
        "SELECT document FROM citations WHERE resolved_document = '001_deee28364741ce25.txt'")}
    assert "000_58daee204d757405.txt" in cited_by


def test_kuzu_motion_completed_by_the_letter_that_says_so(kb):
    conn, _, _ = kb
    row = conn.execute("SELECT * FROM motions WHERE id = 'kst-36200-V-50'").fetchone()
    assert row["status"] == "completed"
    assert row["completed_by"] == "000_58daee204d757405.txt"
    assert "afgedaan" in row["evidence"]


def test_promise_delivered_by_a_later_letter(kb):
    conn, _, _ = kb
    rows = conn.execute(
        "SELECT c.text, d.document, c.status FROM deliveries d JOIN commitments c ON c.id = d.commitment").fetchall()
    strategy = [r for r in rows if "grondstoffenstrategie" in r["text"]]
    assert strategy and strategy[0]["document"] == "002_36a098cc29e33766.txt"
    assert strategy[0]["status"] == "delivered"


def test_undelivered_dated_promise_is_overdue(kb):
    conn, _, _ = kb
    row = conn.execute("SELECT status, due FROM commitments WHERE text LIKE 'Voortgangsrapportage%'").fetchone()
    assert (row["status"], row["due"]) == ("overdue", "2023-12-31")


def test_new_letter_delivers_open_promise_incrementally(kb, tmp_path):
    _, corpus, db = kb
    letter = corpus / "005_nts.txt"
    letter.write_text(
        "Den Haag, 15 februari 2024\n\nBetreft Nationale Technologiestrategie\n\n"
        "Geachte Voorzitter,\n\nHierbij bied ik uw Kamer de Nationale Technologiestrategie aan. "
        "Het kabinet heeft de Nationale Technologiestrategie vandaag gepubliceerd.\n", encoding="utf-8")
    try:
        report = build(corpus, db, workers=1, today=TODAY)
        assert report.added == ["005_nts.txt"] and len(report.unchanged) == 5
        conn = sqlite3.connect(db)
        row = conn.execute("SELECT d.document, c.status FROM deliveries d JOIN commitments c ON c.id = d.commitment "
                           "WHERE c.deliverable = 'de Nationale Technologiestrategie'").fetchone()
        assert row == ("005_nts.txt", "delivered")
    finally:
        letter.unlink()
        build(corpus, db, workers=1, today=TODAY)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM deliveries WHERE document = '005_nts.txt'").fetchone()[0] == 0


def test_status_follows_the_clock(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(next(SEED.glob("000_*.txt")), corpus)
    db = tmp_path / "kb.db"
    q = "SELECT status FROM commitments WHERE text LIKE 'Voortgangsrapportage%'"
    build(corpus, db, workers=1, today=dt.date(2023, 6, 1))
    assert sqlite3.connect(db).execute(q).fetchone() == ("open",)
    build(corpus, db, workers=1, today=dt.date(2023, 12, 15))
    assert sqlite3.connect(db).execute(q).fetchone() == ("due_soon",)
    build(corpus, db, workers=1, today=dt.date(2024, 6, 1))
    assert sqlite3.connect(db).execute(q).fetchone() == ("overdue",)


def test_curated_decisions_survive_a_rebuild(tmp_path, monkeypatch):
    corpus = copy_seed(tmp_path)
    db = tmp_path / "kb.db"
    build(corpus, db, workers=1, today=TODAY)
    conn = sqlite3.connect(db)
    cid = conn.execute("SELECT id FROM commitments WHERE text LIKE 'Voortgangsrapportage%'").fetchone()[0]
    delivery = conn.execute("SELECT commitment, document FROM deliveries").fetchone()
    conn.close()
    curation = tmp_path / "curation.yaml"
    curation.write_text(
        f"commitments:\n  - id: '{cid}'\n    status: dropped\n    note: vervallen na debat\n"
        f"deliveries:\n  - commitment: '{delivery[0]}'\n    document: '{delivery[1]}'\n    decision: rejected\n",
        encoding="utf-8")
    monkeypatch.setenv("KAMERKB_CURATION", str(curation))
    build(corpus, db, workers=1, today=TODAY, rebuild=True)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status, curated FROM commitments WHERE id = ?", [cid]).fetchone() == ("dropped", 1)
    assert conn.execute("SELECT count(*) FROM deliveries WHERE commitment = ? AND document = ?",
                        list(delivery)).fetchone()[0] == 0
    reopened = conn.execute("SELECT status FROM commitments WHERE id = ?", [delivery[0]]).fetchone()[0]
    assert reopened in ("overdue", "open", "due_soon", "no_deadline")


def test_mention_counts_follow_letters_in_and_out(tmp_path):
    """The home page ranks entities by entities.n_mentions; it must equal the mentions
    table after a build, after a new letter and after a letter is removed."""
    corpus = copy_seed(tmp_path)
    db = tmp_path / "kb.db"

    def mismatches() -> list:
        conn = sqlite3.connect(db)
        try:
            return conn.execute("""SELECT e.id, e.n_mentions, (SELECT count(*) FROM mentions m WHERE m.entity = e.id)
                                   FROM entities e WHERE e.n_mentions != (SELECT count(*) FROM mentions m
                                   WHERE m.entity = e.id)""").fetchall()
        finally:
            conn.close()

    build(corpus, db, workers=1, today=TODAY)
    assert not mismatches()
    china = lambda: sqlite3.connect(db).execute("SELECT n_mentions FROM entities WHERE id = 'country:CN'").fetchone()[0]  # noqa: E731
    before = china()
    extra = corpus / "005_china.txt"
    extra.write_text("Den Haag, 1 maart 2024\n\nGeachte Voorzitter,\n\nChina levert het meeste gallium. "
                     "Ook voor germanium is China de grootste producent.\n", encoding="utf-8")
    build(corpus, db, workers=1, today=TODAY)
    assert not mismatches() and china() == before + 2
    extra.unlink()
    build(corpus, db, workers=1, today=TODAY)
    assert not mismatches() and china() == before
