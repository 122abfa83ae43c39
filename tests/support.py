"""What many tests share: a copy of the seed corpus, knowledge bases built from it, and a
real Datasette server over a knowledge base (for the HTTP, browser and concurrency tests)."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from extract.serve import datasette_args

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_seed(folder: Path) -> Path:
    """A corpus folder `folder/corpus` holding copies of the five seed letters."""
    corpus = folder / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for p in SEED.glob("*.txt"):
        shutil.copy(p, corpus / p.name)
    return corpus


def seed_kb(folder: Path) -> Path:
    """kb.db built from the seed letters (as `kb build` does), in `folder`."""
    import datetime as dt

    from extract.ingest import build

    corpus = copy_seed(folder)
    db = folder / "kb.db"
    build(corpus, db, workers=1, today=dt.date(2026, 11, 22))
    return db


def empty_kb(folder: Path) -> Path:
    from extract import store

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "kb.db"
    store.connect(db).close()
    return db


@contextmanager
def served(db: Path):
    """Serve `db` with the project's configuration; yields the base URL."""
    port = free_port()
    proc = subprocess.Popen(datasette_args(db, port=port), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                httpx.get(f"{base}/-/versions.json", timeout=2)
                break
            except httpx.HTTPError:
                if proc.poll() is not None:
                    raise RuntimeError(f"datasette exited: {proc.stderr.read()[-2000:]}")
                if time.time() > deadline:
                    raise RuntimeError("datasette did not start within 60 s")
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)
