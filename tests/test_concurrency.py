"""Datasette keeps answering, with whole documents only, while `kb build` writes."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from extract.ingest import build
from extract.serve import datasette_args

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed"
CHECK = ("SELECT d.id, d.n_passages, (SELECT count(*) FROM passages p WHERE p.document = d.id) AS n "
         "FROM documents d")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_reader_loop_during_rebuilds(tmp_path):
    corpus, db = tmp_path / "corpus", tmp_path / "kb.db"
    corpus.mkdir()
    for p in SEED.glob("*.txt"):
        shutil.copy(p, corpus / p.name)
    build(corpus, db, workers=1)
    port = free_port()
    server = subprocess.Popen(datasette_args(db, port=port), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    errors: list[str] = []
    reads = 0
    stop = threading.Event()
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                httpx.get(f"{base}/-/versions.json", timeout=2)
                break
            except httpx.HTTPError:
                assert server.poll() is None, "datasette exited at start"
                time.sleep(0.2)
        else:
            raise AssertionError("datasette did not answer within 60 s")

        def reader():
            nonlocal reads
            with httpx.Client(timeout=10) as client:
                while not stop.is_set():
                    r = client.get(f"{base}/kb.json", params={"sql": CHECK, "_shape": "array"})
                    if r.status_code != 200:
                        errors.append(f"HTTP {r.status_code}: {r.text[:200]}")
                        continue
                    for row in r.json():
                        if row["n_passages"] != row["n"]:
                            errors.append(f"partial document seen: {row}")
                    reads += 1

        threads = [threading.Thread(target=reader) for _ in range(2)]
        for t in threads:
            t.start()
        writer = subprocess.run([sys.executable, "-m", "extract.cli", "build", "--corpus", str(corpus), "--db", str(db),
                                 "--rebuild", "--quiet", "--workers", "1"], cwd=ROOT, capture_output=True, text=True)
        stop.set()
        for t in threads:
            t.join()
        assert writer.returncode == 0, writer.stderr[-1000:]
    finally:
        stop.set()
        server.terminate()
        server.wait(10)
    assert reads > 10, "the reader loop must have run during the build"
    assert not errors, errors[:5]
