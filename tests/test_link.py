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


LINK_STATE = {
    "motions": "SELECT id, kst_id, members, status, first_seen, completed_by, evidence, n_mentions FROM motions ORDER BY id",
    "motion keys": "SELECT document, surface, motion_key FROM motion_mentions ORDER BY document, id",
    "deliveries": "SELECT commitment, document, confidence, method FROM deliveries ORDER BY commitment, document",
    "statuses": "SELECT id, status FROM commitments ORDER BY id",
    "entities": "SELECT id, n_mentions FROM entities ORDER BY id",
    "citations": "SELECT document, cited, resolved_document FROM citations ORDER BY id",
    "learned ids": "SELECT kst_id, document FROM document_ids WHERE source = 'resolved' ORDER BY kst_id",
}


def link_state(db: Path) -> dict:
    conn = sqlite3.connect(db)
    try:
        return {name: conn.execute(sql).fetchall() for name, sql in LINK_STATE.items()}
    finally:
        conn.close()


def relinked_in_full(db: Path, today: dt.date, tmp_path: Path) -> dict:
    """The link tables a full relink computes over the same documents (on a copy)."""
    from extract import store
    from extract.link import link_all

    tmp_path.mkdir(parents=True, exist_ok=True)
    copy = tmp_path / "full.db"
    src = sqlite3.connect(db)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    conn = store.connect(copy)
    link_all(conn, today=today)
    conn.conn.close()
    return link_state(copy)


TECHNOLOGY_LETTER = ("Den Haag, 15 februari 2024\n\nBetreft Nationale Technologiestrategie\n\nGeachte Voorzitter,\n\n"
                     "Hierbij bied ik uw Kamer de Nationale Technologiestrategie aan.\n")
MOTION_LETTER = ("Den Haag, 20 maart 2024\n\nBetreft Voortgang moties\n\nGeachte Voorzitter,\n\n"
                 "De motie van het lid Kuzu over kritieke grondstoffen is hiermee afgedaan. "
                 "Met deze brief geef ik ook uitvoering aan de motie van de leden Dassen en Omtzigt.\n\n"
                 "Hierbij bied ik uw Kamer de Nationale Technologiestrategie aan. "
                 "De Nationale Technologiestrategie is vandaag gepubliceerd.\n")


def test_incremental_links_equal_a_full_relink(tmp_path):
    """Letters arriving one by one, an edit, a removal and the clock moving on: after each
    build the motions, deliveries, statuses, entity counts and resolved citations are what
    a full relink of the same documents gives."""
    corpus = copy_seed(tmp_path)
    held = {p.name: p.read_text(encoding="utf-8") for p in sorted(corpus.glob("00[124]_*.txt"))}
    for name in held:
        (corpus / name).unlink()
    db = tmp_path / "kb.db"
    steps = [("start", dt.date(2023, 6, 1))] + [(name, dt.date(2024, 1, 10)) for name in held] + [
        ("technology letter", dt.date(2024, 2, 20)), ("motion letter", dt.date(2024, 3, 25)),
        ("edit", dt.date(2024, 3, 25)), ("remove 002", dt.date(2024, 5, 1)),
        ("remove technology letter", dt.date(2024, 5, 1)), ("clock", dt.date(2026, 11, 22))]
    for step, today in steps:
        if step in held:
            (corpus / step).write_text(held[step], encoding="utf-8")
        elif step == "technology letter":  # delivers a promise of 003 by its title
            (corpus / "005_nts.txt").write_text(TECHNOLOGY_LETTER, encoding="utf-8")
        elif step == "remove technology letter":  # the motion letter's sentence delivers it then
            (corpus / "005_nts.txt").unlink()
        elif step == "motion letter":
            (corpus / "006_moties.txt").write_text(MOTION_LETTER, encoding="utf-8")
        elif step == "edit":
            (corpus / "006_moties.txt").write_text(MOTION_LETTER.replace("Kuzu", "Klink"), encoding="utf-8")
        elif step == "remove 002":
            next(corpus.glob("002_*.txt")).unlink()
        report = build(corpus, db, workers=1, today=today)
        assert not report.failed, (step, report.failed)
        assert link_state(db) == relinked_in_full(db, today, tmp_path / step.replace(" ", "_")), step
    state = link_state(db)
    assert state["deliveries"] and state["motions"] and state["learned ids"], "the scenario must exercise every link"


def test_a_delivering_letter_is_found_however_often_earlier_letters_name_the_deliverable(tmp_path):
    """The full-text search for a deliverable's words is capped; the cap must not be
    used up by earlier letters (which cannot deliver), or a large knowledge base loses
    the letter that reports the promise done."""
    corpus = copy_seed(tmp_path)
    archive = "".join(f"Punt {i}: de Nationale Technologiestrategie komt later aan de orde.\n\n" for i in range(520))
    (corpus / "archief.txt").write_text("Den Haag, 3 maart 2020\n\nBetreft Archief\n\nGeachte Voorzitter,\n\n" + archive,
                                        encoding="utf-8")
    (corpus / "zz_moties.txt").write_text(MOTION_LETTER, encoding="utf-8")  # read last: its passages come last
    db = tmp_path / "kb.db"
    build(corpus, db, workers=1, today=TODAY)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM passages WHERE document = 'archief.txt'").fetchone()[0] > 500
    rows = conn.execute("SELECT d.document, d.method FROM deliveries d JOIN commitments c ON c.id = d.commitment "
                        "WHERE c.deliverable = 'de Nationale Technologiestrategie'").fetchall()
    assert rows == [("zz_moties.txt", "sentence")]
