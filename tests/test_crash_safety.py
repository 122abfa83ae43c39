"""SIGKILL at random points of a build never leaves a half-ingested document or a
corrupt file, never touches curated decisions, and the next build completes."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from support import copy_seed

ROOT = Path(__file__).resolve().parent.parent
KILLS = 20


def consistent(db: Path) -> tuple[int, list[str]]:
    """(documents, problems) of a knowledge base after a kill."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        half = conn.execute(
            "SELECT d.id FROM documents d WHERE d.n_passages != (SELECT count(*) FROM passages p WHERE p.document = d.id)"
        ).fetchall()
        orphans = conn.execute(
            "SELECT count(*) FROM passages WHERE document NOT IN (SELECT id FROM documents)").fetchone()[0]
        n = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        return n, [f"half-ingested: {r[0]}" for r in half] + ([f"{orphans} orphan passages"] if orphans else [])
    finally:
        conn.close()


def test_repeated_sigkill_during_build(tmp_path):
    corpus, db = copy_seed(tmp_path), tmp_path / "kb.db"
    curation = tmp_path / "curation.yaml"
    curation.write_text("motions:\n  - id: kst-36200-V-50\n    status: completed\n    note: bevestigd\n",
                        encoding="utf-8")
    env = os.environ | {"KAMERKB_CURATION": str(curation)}
    cmd = [sys.executable, "-m", "extract.cli", "build", "--corpus", str(corpus), "--db", str(db), "--quiet",
           "--rebuild", "--workers", "1"]
    rng = random.Random(20261123)
    problems, killed_while_running = [], 0
    for _ in range(KILLS):
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 4.0))
        if proc.poll() is None:
            killed_while_running += 1
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if db.exists():
            _, found = consistent(db)
            problems += found
    assert killed_while_running >= KILLS // 2, "the kills must land while the build runs"
    assert not problems, problems
    done = subprocess.run(cmd[:-3] + ["--workers", "1"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-1500:]
    n, found = consistent(db)
    assert n == 5 and not found
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status, curated FROM motions WHERE id = 'kst-36200-V-50'").fetchone() == ("completed", 1)
    assert conn.execute("SELECT count(*) FROM curation").fetchone()[0] >= 1
