"""Bad input never crashes, stalls or corrupts a build; each file gets a clear outcome."""
from __future__ import annotations

import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

from support import copy_seed

from badinput import write_cases

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
SECRET = "GEHEIM-7f3a9c-NIET-PUBLICEREN"


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (6 * 1024**3, 6 * 1024**3))


def kb_build(corpus: Path, db: Path, timeout: int = 420) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "extract.cli", "build", "--corpus", str(corpus), "--db", str(db),
                           "--quiet"], capture_output=True, text=True, timeout=timeout, preexec_fn=_limits, cwd=ROOT)


def snapshot(db: Path, ids: list[str]) -> list:
    with sqlite3.connect(db) as conn:
        q = ",".join("?" * len(ids))
        return conn.execute(f"SELECT document, ord, text FROM passages WHERE document IN ({q}) ORDER BY 1, 2",
                            ids).fetchall()


def test_bad_input_corpus(tmp_path):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET, encoding="utf-8")
    corpus, db = copy_seed(tmp_path), tmp_path / "kb.db"
    seeds = sorted(p.name for p in corpus.iterdir())
    assert kb_build(corpus, db).returncode == 0
    before = snapshot(db, seeds)

    expected = write_cases(corpus, secret)
    result = kb_build(corpus, db)
    assert result.returncode == 0, result.stderr[-2000:]

    with sqlite3.connect(db) as conn:
        docs = {r[0] for r in conn.execute("SELECT id FROM documents")}
        problems = dict(conn.execute(
            "SELECT file, reason FROM problems WHERE run = (SELECT max(id) FROM runs)").fetchall())
        dump = "\n".join(conn.iterdump())
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    lines, failures = [], []
    for name, want in sorted(expected.items()):
        got = "ok" if name in docs else ("error" if name in problems else "missing")
        reason = problems.get(name, "")
        lines.append(f"{name!r:48} expected {want:6} got {got:6} {reason}")
        if got == "missing" or (want != "either" and got != want):
            failures.append(name)
        if got == "error":
            assert reason and len(reason) > 5, f"{name}: an error needs a reason a person can act on"
    report = "\n".join(lines)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "bad-input-report.txt").write_text(report + "\n", encoding="utf-8")
    print("\n" + report)
    assert not failures, report
    assert snapshot(db, seeds) == before, "bad files must not change other documents' rows"
    assert SECRET not in dump, "a file outside the corpus leaked into the knowledge base"
    assert "kwaad" not in dump and "alert(" not in dump, "script content must not be stored as text"
