"""One benchmark stage per call, run in its own process so peak memory is its own.

`python -m benchmarks.stages STAGE --work DIR` prints one JSON object:
the stage's rates, the reference tools' rates on the same files, and the
process's peak RSS in MB.
"""
from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from benchmarks.corpus import generate

ROOT = Path(__file__).resolve().parent.parent


def peak_mb() -> float:
    """Peak RSS of this process and of the children it waited for (KB on Linux)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, kids) / 1024, 1)


def sources(extra: list[str]) -> list[Path]:
    return [ROOT / "corpus"] + [Path(p) for p in extra if Path(p).is_dir()]


# --- PDF ---------------------------------------------------------------------

def stage_pdf(work: Path, n: int, extra: list[str]) -> dict:
    """Pages/s of our reader vs pypdfium2 raw text and plain pdfplumber extract_text."""
    import pdfplumber
    import pypdfium2

    from extract.readers.pdf import read_pdf

    folder = work / "pdf"
    if not folder.exists():
        generate(folder, n, sources(extra), pdf_share=1.0)

    def pdfium(path: Path) -> int:
        pdf = pypdfium2.PdfDocument(str(path))
        for page in pdf:
            page.get_textpage().get_text_range()
        n = len(pdf)
        pdf.close()
        return n

    def plumber(path: Path) -> int:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.close()
            return len(pdf.pages)

    def ours(path: Path) -> int:
        return read_pdf(path).pages or 0

    synthetic = sorted(folder.glob("*.pdf"))
    real = [p for p in sorted({Path(x) for x in extra if x.endswith(".pdf")}) if _readable(p)]
    out = {}
    for label, group in (("", synthetic), ("real_", real)):
        if not group:
            continue
        rates = _page_rates(group, {"pypdfium2": pdfium, "kamerkb_reader": ours,
                                    **({"pdfplumber_text": plumber} if not label else {})})
        out.update({f"{label}{k}": v for k, v in rates.items()})
        out[f"{label}ratio_pdfium_over_ours"] = round(rates["pypdfium2"] / rates["kamerkb_reader"], 2)
    return out


def _readable(path: Path) -> bool:
    """Real PDFs our reader refuses (a scan without text) are left out of the comparison."""
    from extract.model import ReadError
    from extract.readers.pdf import read_pdf

    try:
        read_pdf(path)
        return True
    except ReadError:
        return False


def _page_rates(files: list[Path], tools: dict, rounds: int = 3) -> dict:
    """Pages/s of each tool over `files`: the median of `rounds` runs, the tools
    interleaved so that caches and CPU clock treat them alike."""
    runs: dict[str, list[float]] = {name: [] for name in tools}
    pages = 0
    for _ in range(rounds):
        for name, fn in tools.items():
            start, pages = time.perf_counter(), 0
            for path in files:
                pages += fn(path)
            runs[name].append(pages / (time.perf_counter() - start))
    return {"pages": pages, **{name: round(statistics.median(r), 1) for name, r in runs.items()}}


# --- extraction ----------------------------------------------------------------

def stage_extract(work: Path, n: int, extra: list[str]) -> dict:
    """Tokens/s of the full pipeline vs spaCy's blank Dutch tokeniser, one core."""
    import spacy

    from extract.export import extract_all
    from extract.pipeline import load_document, warm

    folder = work / "text"
    if not folder.exists():
        generate(folder, n, sources(extra))
    files = sorted(folder.glob("*.txt"))[:n]
    blank = spacy.blank("nl")
    texts = [p.read_text(encoding="utf-8") for p in files]
    start = time.perf_counter()
    tokens = sum(len(d) for d in blank.pipe(texts, batch_size=64))
    blank_rate = tokens / (time.perf_counter() - start)
    warm()  # the pipeline, its gazetteer matchers and the language model load outside the timing,
    extract_all(load_document(files[0]))  # and so do the grammars, compiled on first use
    start = time.perf_counter()
    for path in files:
        extract_all(load_document(path))
    ours = tokens / (time.perf_counter() - start)
    return {"tokens": tokens, "blank_nl_tokens_per_s": round(blank_rate), "pipeline_tokens_per_s": round(ours),
            "ratio_blank_over_pipeline": round(blank_rate / ours, 1)}


# --- build -------------------------------------------------------------------

def stage_build(work: Path, n: int, extra: list[str]) -> dict:
    """Documents/s of a fresh `kb build` with 1 and with 2 workers.

    Each build is its own process, as when a user runs it: both pay the same
    start-up (models, gazetteers), and neither inherits the other's warm caches.
    """
    folder = work / f"build-corpus-{n}"
    if not folder.exists():
        generate(folder, n, sources(extra), pdf_share=0.1)
    out = {"documents": n}
    for workers in (1, 2):
        start = time.perf_counter()
        _wait_for(_fresh_build(folder, work / f"build-{workers}.db", workers))
        out[f"docs_per_s_{workers}w"] = round(n / (time.perf_counter() - start), 2)
    out["speedup_2w"] = round(out["docs_per_s_2w"] / out["docs_per_s_1w"], 2)
    return out


def _fresh_build(folder: Path, db: Path, workers: int) -> subprocess.Popen:
    """`kb build` of `folder` into a new `db` (an old one and its WAL files go first), started."""
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    return subprocess.Popen([sys.executable, "-m", "extract.cli", "build", "--corpus", str(folder), "--db", str(db),
                             "--workers", str(workers), "--quiet"], cwd=ROOT)


def _wait_for(proc: subprocess.Popen) -> None:
    if proc.wait():
        raise SystemExit(f"kb build failed with exit code {proc.returncode}")


# --- memory ----------------------------------------------------------------------

def stage_memory(work: Path, n: int, extra: list[str]) -> dict:
    """Peak memory of a fresh `kb build` of `n` synthetic documents with 2 workers.

    RSS is sampled over the whole process tree (the writer and its workers), as
    the machine sees it. The writer's own RSS halfway and at the end shows
    whether memory grows with the number of files.
    """
    folder = work / f"memory-{n}"
    if not folder.exists():
        generate(folder, n, sources(extra), seed=n)
    start = time.perf_counter()
    proc = _fresh_build(folder, work / f"memory-{n}.db", workers=2)
    samples = []  # (seconds, tree MB, writer MB)
    while proc.poll() is None:
        tree = _tree_rss(proc.pid)
        if tree:
            samples.append((time.perf_counter() - start, sum(tree.values()), tree.get(proc.pid, 0.0)))
        time.sleep(0.25)
    _wait_for(proc)
    wall = time.perf_counter() - start
    writer = [w for _, _, w in samples]
    return {"documents": n, "docs_per_s": round(n / wall, 1),
            "peak_tree_rss_mb": round(max(t for _, t, _ in samples), 1),
            "writer_rss_mb_at_half": round(writer[len(writer) // 2], 1),
            "writer_rss_mb_at_end": round(max(writer[-8:]), 1)}


def _tree_rss(root: int) -> dict[int, float]:
    """RSS in MB of `root` and its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)  # fields[1]: parent pid
        rss[pid] = int(fields[21]) * resource.getpagesize() / 2**20  # fields[21]: resident pages
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in rss:
            tree[pid] = rss[pid]
        todo.extend(children.get(pid, []))
    return tree


# --- a large KB, cheaply ---------------------------------------------------------

def large_kb(work: Path, size: int, base: int, extra: list[str]) -> tuple[Path, Path]:
    """A corpus of `size` files and its KB, made by extracting `base` documents once
    and cloning their rows under the other files' names (each clone file differs in
    its first line, and the KB records that file's real hash, so ingest sees it as
    unchanged). Returns (corpus, db)."""
    from extract import store
    from extract.ingest import doc_id, link_version, pipeline_version, process_file
    from extract.link import link_all
    from extract.pipeline import file_hash

    corpus, db_path = work / f"kb{size}" / "corpus", work / f"kb{size}" / "kb.db"  # named kb: the canned queries
    if db_path.exists() and _current(db_path):
        return corpus, db_path
    shutil.rmtree(corpus.parent, ignore_errors=True)  # stale: an ingest would re-extract it all and time that
    seed_dir = work / "base"
    if not seed_dir.exists():
        generate(seed_dir, base, sources(extra))
    bases = sorted(seed_dir.glob("*.txt"))
    rows = [process_file(str(p), p.name)[1] for p in bases]
    corpus.mkdir(parents=True, exist_ok=True)
    db = store.connect(db_path)
    for i in range(size):
        k = i % len(bases)
        path = corpus / f"doc_{i:05d}.txt"
        path.write_text(f"kloon {i}\n\n" + bases[k].read_text(encoding="utf-8"), encoding="utf-8")
        key = doc_id(corpus, path)
        cloned = _rekey(rows[k], bases[k].name, key)
        cloned["documents"][0]["sha256"] = file_hash(path)
        cloned["documents"][0]["path"] = str(path)
        store.write_document(db, cloned)
    link_all(db)
    store.set_info(db, "pipeline", pipeline_version())
    store.set_info(db, "linker", link_version())
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as a KB is when a letter arrives: written and settled
    db.close()
    return corpus, db_path


def _current(db_path: Path) -> bool:
    """True when a KB kept from an earlier run was made by today's pipeline and linker."""
    from extract import store
    from extract.ingest import link_version, pipeline_version

    db = store.connect(db_path)
    try:
        return store.get_info(db, "pipeline") == pipeline_version() and store.get_info(db, "linker") == link_version()
    finally:
        db.close()


def _rekey(rows: dict, old: str, new: str) -> dict:
    def fix(v):
        if isinstance(v, str) and (v == old or v.startswith(old + "#")):
            return new + v[len(old):]
        return v
    return {t: [{k: fix(v) for k, v in r.items()} for r in items] for t, items in rows.items()}


def stage_incremental(work: Path, n: int, extra: list[str]) -> dict:
    """Seconds to ingest one new letter into a KB of 100 and of `n` documents, two ways:
    named (`kb build FILE`, what `kb watch` runs when a letter arrives) and by a scan of
    the whole corpus (`kb build`, what the scheduled run does)."""
    from extract.ingest import build, process_file

    out = {}
    letter_dir = work / "new-letter"
    for size in (100, n):
        corpus, db = large_kb(work, size, min(100, size), extra)
        if not letter_dir.exists():
            generate(letter_dir, 1, sources(extra), seed=size + 1)
        new = corpus / "nieuw.txt"
        letter = next(letter_dir.glob("*.txt"))
        process_file(str(letter), letter.name)  # warm the pipeline: time the ingest, not the model load
        for mode, only in (("named", [new]), ("scan", None)):
            times = []
            for _ in range(5):  # the median: one run on a busy machine says little
                shutil.copy(letter, new)
                start = time.perf_counter()
                report = build(corpus, db, only=only)
                times.append(time.perf_counter() - start)
                assert report.added == ["nieuw.txt"], report.summary()
                new.unlink()
                build(corpus, db, only=[new])  # remove it again for the next run
            out[f"{mode}_seconds_into_{size}"] = round(statistics.median(times), 3)
    for mode in ("named", "scan"):
        out[f"{mode}_ratio_large_over_small"] = round(out[f"{mode}_seconds_into_{n}"] / out[f"{mode}_seconds_into_100"], 2)
    return out


# --- serving -----------------------------------------------------------------

def stage_serve(work: Path, n: int, extra: list[str]) -> dict:
    """p50/p95 latency of FTS search and every canned query, 4 concurrent clients."""
    import yaml

    from extract.serve import datasette_args

    from extract import store

    _, db = large_kb(work, n, 100, extra)
    store.connect(db).close()  # as `kb serve` does: the current schema's indexes
    port = _free_port()
    args = datasette_args(db, port=port, host="127.0.0.1")
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port)
        name = db.stem
        urls = [f"/{name}/passages.json?_search=lithium", f"/{name}/passages.json?_search=china+grondstoffen"]
        # reported apart: the floor is for FTS and canned queries, these are the pages staff open first
        pages = [f"/{name}/mentions", f"/{name}/entities", f"/{name}/commitments",
                 "/", "/-/toezeggingen", "/-/afhankelijkheden"]
        meta = yaml.safe_load((ROOT / "datasette" / "metadata.yml").read_text()) if (ROOT / "datasette" / "metadata.yml").exists() else {}
        for dbname, dbmeta in (meta.get("databases") or {}).items():
            for q, spec in (dbmeta.get("queries") or {}).items():
                params = {p: "lithium" for p in sorted(set(re.findall(r":(\w+)", spec["sql"])))}
                urls.append(f"/{name}/{q}.json?" + urllib.parse.urlencode(params))
        for url in urls + pages:  # warm up: a serving KB's pages are in the OS cache, a fresh one's are not
            _hammer(f"http://127.0.0.1:{port}{url}", clients=1, each=1)
        result = {}
        for url in urls + pages:
            times = _hammer(f"http://127.0.0.1:{port}{url}", clients=4, each=10)
            result[url] = {"p50_ms": round(statistics.median(times), 1),
                           "p95_ms": round(statistics.quantiles(times, n=20)[18], 1)}
        return {"documents": n, "worst_p95_ms": max(result[u]["p95_ms"] for u in urls),
                "worst_page_p95_ms": max(result[u]["p95_ms"] for u in pages), "queries": result}
    finally:
        proc.terminate()
        proc.wait(10)


def _hammer(url: str, clients: int, each: int) -> list[float]:
    times: list[float] = []
    errors: list[str] = []

    def worker():
        for _ in range(each):
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=30) as r:
                    r.read()
            except Exception as exc:  # a failing query is a result, not a crash
                errors.append(f"{url}: {exc}")
            times.append((time.perf_counter() - start) * 1000)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(errors[0], file=sys.stderr)
    return times


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("datasette did not start")


STAGES = {"pdf": stage_pdf, "extract": stage_extract, "build": stage_build,
          "incremental": stage_incremental, "serve": stage_serve, "memory": stage_memory}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Run one benchmark stage and print its result as JSON.")
    p.add_argument("stage", choices=sorted(STAGES))
    p.add_argument("--work", type=Path, required=True, help="working folder (generated corpora, KBs)")
    p.add_argument("-n", type=int, default=100, help="size parameter of the stage")
    p.add_argument("--extra", action="append", default=[], help="extra source folder or PDF file")
    args = p.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    result = STAGES[args.stage](args.work, args.n, args.extra)
    result["peak_rss_mb"] = peak_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
