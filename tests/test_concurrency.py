"""Datasette keeps answering, with whole documents only, while `kb build` writes."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import httpx

from extract.ingest import build
from support import copy_seed, served

ROOT = Path(__file__).resolve().parent.parent
CHECK = ("SELECT d.id, d.n_passages, (SELECT count(*) FROM passages p WHERE p.document = d.id) AS n "
         "FROM documents d")


def test_reader_loop_during_rebuilds(tmp_path):
    corpus, db = copy_seed(tmp_path), tmp_path / "kb.db"
    build(corpus, db, workers=1)
    errors: list[str] = []
    reads = 0
    stop = threading.Event()
    with served(db) as base:

        def reader():
            nonlocal reads
            with httpx.Client(timeout=10) as client:
                while not stop.is_set():
                    r = client.get(f"{base}/kb.json", params={"sql": CHECK, "_shape": "array"})
                    if r.status_code != 200:
                        errors.append(f"HTTP {r.status_code}: {r.text[:200]}")
                        continue
                    errors.extend(f"partial document seen: {row}" for row in r.json() if row["n_passages"] != row["n"])
                    reads += 1

        threads = [threading.Thread(target=reader) for _ in range(2)]
        for t in threads:
            t.start()
        try:
            writer = subprocess.run([sys.executable, "-m", "extract.cli", "build", "--corpus", str(corpus), "--db",
                                     str(db), "--rebuild", "--quiet", "--workers", "1"],
                                    cwd=ROOT, capture_output=True, text=True)
        finally:
            stop.set()
            for t in threads:
                t.join()
    assert writer.returncode == 0, writer.stderr[-1000:]
    assert reads > 10, "the reader loop must have run during the build"
    assert not errors, errors[:5]
