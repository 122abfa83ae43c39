"""Incremental ingest of a corpus folder into kb.db.

Unchanged files (same content hash) are skipped; a changed file replaces its
own rows in one transaction; a removed file's rows go. Files are extracted in
worker processes (one per core by default) and written by this process only,
so there is one writer. A file that cannot be read is recorded in `problems`
with its reason and the others go on.
"""
from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import threading
from collections import deque
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from extract import store
from extract.model import ReadError
from extract.readers import SIDECAR_SUFFIX, file_stamp, is_document_name

IN_FLIGHT = 4  # files queued per worker: enough to keep workers busy, few enough to hold in memory


@dataclass
class RunReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.changed)} changed, {len(self.unchanged)} unchanged, "
                f"{len(self.removed)} removed, {len(self.failed)} failed")


class CorpusFile(NamedTuple):
    """One document file found in the corpus."""
    key: str  # its path relative to the corpus, with '/'
    path: str
    sidecar: str | None  # its <name>.meta.yaml, when the folder has one


def corpus_files(corpus: Path) -> tuple[list[CorpusFile], dict[str, str]]:
    """Document files under `corpus`, and the ones refused before reading (with why).

    Symbolic links that leave the corpus are refused: a corpus is a folder
    staff fill, and a link out of it must not publish other files.

    One directory read per folder and no stat per name (DirEntry knows its
    type), keys built as strings: an incremental run over ten thousand
    unchanged files costs little more than listing them.
    """
    files: list[CorpusFile] = []
    refused: dict[str, str] = {}
    _scan_folder(str(corpus), "", corpus.resolve(), files, refused)
    return files, refused


def _scan_folder(folder: str, prefix: str, root: Path, files: list, refused: dict) -> None:
    """Add the documents of `folder` (their keys start with `prefix`) and of its subfolders.

    As os.walk did: hidden names are skipped, symlinked folders are not
    followed, and a folder that cannot be listed is passed over. Names are
    taken in sorted order, a subfolder's documents at its place: `files`
    comes out ordered by path components, with no sort over all keys.
    """
    try:
        with os.scandir(folder) as it:
            entries = [e for e in it if e.name[0] != "."]
    except OSError:
        return
    names = {e.name for e in entries}
    found = []  # (name, path, is a folder)
    for entry in entries:
        name = entry.name
        if entry.is_file(follow_symlinks=False):  # a plain file: the common case, no stat
            if is_document_name(name):
                found.append((name, entry.path, False))
        elif entry.is_dir(follow_symlinks=False):
            found.append((name, entry.path, True))
        elif entry.is_symlink():
            reason = _link_leaves(entry.path, root)
            if reason:
                refused[prefix + name] = reason
            elif is_document_name(name) and entry.is_file():
                found.append((name, entry.path, False))
    found.sort()
    for name, path, is_folder in found:
        if is_folder:
            _scan_folder(path, prefix + name + "/", root, files, refused)
        else:
            side = name + SIDECAR_SUFFIX
            files.append(CorpusFile(prefix + name, path, os.path.join(folder, side) if side in names else None))


def _link_leaves(path: str, root: Path) -> str | None:
    """Why the symbolic link at `path` may not be read, or None when it stays in the corpus."""
    try:
        inside = Path(path).resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a loop of links
        return "symbolic link cannot be resolved"
    return None if inside else "symbolic link points outside the corpus"


def doc_id(corpus: Path, path: Path) -> str:
    """A document's key: its path relative to the corpus folder."""
    return path.relative_to(corpus).as_posix()


def process_file(path: str, key: str, today: str | None = None) -> tuple[str, dict | str]:
    """Read and extract one file (runs in a worker): ('ok', rows) or ('error', reason)."""
    from extract.export import extract_all, to_rows
    from extract.pipeline import load_document

    alarm = _start_alarm(path)
    try:
        doc = load_document(Path(path))
        ex = extract_all(doc, today=dt.date.fromisoformat(today) if today else None)
        return "ok", to_rows(key, doc, ex)
    except ReadError as exc:
        return "error", exc.reason
    except _TimedOut:
        return "error", f"took longer than {FILE_TIMEOUT} s to read; skipped (split or convert the document)"
    except RecursionError:
        return "error", "document too deeply nested to read"
    except MemoryError:
        return "error", "document too large to read in memory"
    except Exception as exc:  # one bad file never stops the others
        return "error", f"internal error while reading: {type(exc).__name__}: {exc}"
    finally:
        if alarm:
            signal.alarm(0)


# One slow file (a PDF bomb, a huge scan) must not stall a scheduled build.
FILE_TIMEOUT = int(os.environ.get("KAMERKB_FILE_TIMEOUT", "300"))


class _TimedOut(Exception):
    pass


def _start_alarm(path: str) -> bool:
    """Arm SIGALRM for this file when we run in a main thread (workers do)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        return False

    def expire(signum, frame):
        raise _TimedOut(path)

    signal.signal(signal.SIGALRM, expire)
    signal.alarm(FILE_TIMEOUT)
    return True


def build(corpus: Path, db_path: Path, rebuild: bool = False, workers: int | None = None,
          progress=None, today: dt.date | None = None, only: list[Path | str] | None = None) -> RunReport:
    """Bring kb.db in line with the corpus folder; returns what changed.

    `only` names the files that changed (documents or their sidecars, inside
    the corpus): those are read, or removed when gone, and the rest of the
    corpus is taken as it is, unscanned. A folder watcher knows what changed,
    and a new letter then costs no listing and stat of every corpus file,
    which in a KB of ten thousand documents is over half of an incremental
    run. A KB made by another pipeline version is scanned whole anyway.
    """
    db = store.connect(db_path)
    run_id = db["runs"].insert({"started": store.now(), "corpus": str(corpus)}).last_pk
    report = RunReport()
    version = pipeline_version()
    reread = rebuild or store.get_info(db, "pipeline") != version  # every file is read again
    if only is None or reread:
        files, refused = corpus_files(corpus)
        known = _known_stamps(db)
        gone = sorted(set(known) - {f.key for f in files})
    else:
        files, refused, missing = named_files(corpus, only)
        known = _known_stamps(db, [f.key for f in files] + missing)
        gone = [key for key in missing if key in known]
    report.failed.update(refused)
    todo = _to_read(db, files, known, reread, report)

    from extract.link import link_all, watch

    relink = rebuild or store.get_info(db, "linker") != link_version() or store.get_info(db, "link_pending")
    if todo or gone:
        # a crash before the link below completes leaves this mark: the next run relinks everything
        store.set_info(db, "link_pending", "1")
    watch(db)
    for key in gone:
        with store.transaction(db):
            store.clear_document(db, key)
        report.removed.append(key)
    _extract_and_write(db, todo, known, report, workers, progress, today)
    link_all(db, today=today, changed=None if relink else set(report.added) | set(report.changed))
    db.conn.execute("DELETE FROM schema_info WHERE key = 'link_pending'")
    store.set_info(db, "pipeline", version)
    store.set_info(db, "linker", link_version())
    _record_run(db, run_id, report)
    return report


def named_files(corpus: Path, names: list[Path | str]) -> tuple[list[CorpusFile], dict[str, str], list[str]]:
    """The named files as corpus files, the names refused (with why), and the keys
    of named documents that no longer exist.

    A sidecar stands for its document. A name is refused as the corpus scan
    would pass it over: outside the corpus, hidden, not a document, or a
    symbolic link out of the corpus.
    """
    root, top = corpus.resolve(), os.path.abspath(corpus)
    files: dict[str, CorpusFile] = {}
    refused: dict[str, str] = {}
    missing: list[str] = []
    for name in names:
        path = os.path.abspath(name)
        if path.endswith(SIDECAR_SUFFIX):
            path = path[: -len(SIDECAR_SUFFIX)]
        key = os.path.relpath(path, top).replace(os.sep, "/")
        if key.startswith("../") or key in {".", ".."}:
            refused[str(name)] = "not inside the corpus folder"
        elif any(part.startswith(".") for part in key.split("/")):
            refused[key] = "hidden files are not read"
        elif not is_document_name(os.path.basename(key)):
            refused[key] = "not a document file (text, Markdown, PDF, XML or HTML)"
        elif not os.path.lexists(path):
            missing.append(key)
        elif reason := _link_leaves(path, root):  # a link, or a linked folder, out of the corpus
            refused[key] = reason
        elif key not in files:
            side = path + SIDECAR_SUFFIX
            files[key] = CorpusFile(key, path, side if os.path.exists(side) else None)
    return sorted(files.values()), refused, sorted(set(missing))


def _to_read(db, files: list[CorpusFile], known: dict, reread: bool, report: RunReport) -> list[tuple[str, str]]:
    """(path, key) of the files to extract: new ones, and known ones whose content
    changed (all of them when `reread`); the others are reported unchanged."""
    todo: list[tuple[str, str]] = []
    for f in files:
        if reread or f.key not in known:
            todo.append((f.path, f.key))
            continue
        try:
            unchanged = file_stamp(f.path, f.sidecar) == known[f.key] or _same_content(db, f)
        except OSError as exc:
            report.failed[f.key] = f"cannot read file: {exc.strerror or exc}"
            continue
        if unchanged:
            report.unchanged.append(f.key)
        else:
            todo.append((f.path, f.key))
    return todo


def _known_stamps(db, keys: list[str] | None = None) -> dict[str, str | None]:
    """id → size/mtime stamp (None: not recorded) of the ingested documents (of
    those among `keys`, when given), read through a covering index.

    A documents row carries the full text, so a table scan reads every page
    of the table; the index (id, stamp) holds only what the check needs. It is
    made here, not in the schema, as only this check uses it.
    """
    where, params = ("WHERE id IN (SELECT value FROM json_each(?))", [store.as_json(keys)]) if keys is not None else ("", [])
    if "stamp" not in db["documents"].columns_dict:  # a KB from before stamps
        return {r[0]: None for r in db.conn.execute(f"SELECT id FROM documents {where}", params)}
    db.conn.execute("CREATE INDEX IF NOT EXISTS documents_id_stamp ON documents(id, stamp)")
    return dict(db.conn.execute(f"SELECT id, stamp FROM documents {where}", params))


def _same_content(db, f: CorpusFile) -> bool:
    """A file whose stamp moved: unchanged when its content hash is the one ingested
    (then its new stamp is recorded, so the next run needs no hash)."""
    from extract.pipeline import file_hash

    row = db.conn.execute("SELECT sha256 FROM documents WHERE id = ?", [f.key]).fetchone()
    if row and row[0] and row[0] == file_hash(Path(f.path)):
        db["documents"].update(f.key, {"stamp": file_stamp(f.path, f.sidecar)}, alter=True)  # touched, not changed
        return True
    return False


# Code whose change needs a full relink but no re-extraction.
LINKING = {"link.py", "motion_groups.py", "curation.py"}
# Code that does not change what extraction produces (fetching, scheduling, serving,
# the CLI, linking): editing it must not re-extract the corpus.
NOT_EXTRACTION = {"fetch", "schedule.py", "serve.py", "cli.py", "ingest.py"} | LINKING


def pipeline_version() -> str:
    """A hash of the extraction code and data: when it changes, every file is re-extracted."""
    return _code_hash(lambda rel: rel[0] not in NOT_EXTRACTION)


def link_version() -> str:
    """A hash of the linking code: when it changes, every link is recomputed."""
    return _code_hash(lambda rel: rel[0] in LINKING)


def _code_hash(include) -> str:
    import hashlib

    h = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        rel = path.relative_to(package).parts
        if include(rel) and path.suffix in {".py", ".yaml"} and "__pycache__" not in path.parts:
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def _extract_and_write(db, todo, known, report, workers, progress, today) -> None:
    with store.BatchedWrites(db) as writes:
        _extract_and_write_batched(writes, todo, known, report, workers, progress, today)


def _extract_and_write_batched(writes, todo, known, report, workers, progress, today) -> None:
    workers = workers or min(2, os.cpu_count() or 1)
    iso_today = today.isoformat() if today else None
    total = len(todo)

    def handle(i: int, key: str, result: tuple[str, dict | str]) -> None:
        status, payload = result
        if status == "ok":
            writes.write(payload)
            (report.changed if key in known else report.added).append(key)
        else:
            report.failed[key] = payload
        if progress:
            progress(i, total, key, status if status == "ok" else f"FOUT: {payload}")

    if workers <= 1 or total <= 1:
        for i, (path, key) in enumerate(todo, 1):
            handle(i, key, process_file(str(path), key, iso_today))
        return
    retry: list[tuple[int, str, str]] = []
    start = 0
    while start < total:  # a pool a worker's death broke is replaced for the files after it
        start = _pool_run(todo, start, workers, iso_today, handle, retry)
    # Files caught in a broken pool get a pool of their own, one at a time, so only
    # the file that kills a worker again is reported.
    for i, path, key in retry:
        with ProcessPoolExecutor(max_workers=1) as pool:
            try:
                result = pool.submit(process_file, str(path), key, iso_today).result()
            except Exception as exc:
                result = ("error", f"worker failed while reading this file: {type(exc).__name__}: {exc}")
        handle(i, key, result)


def _pool_run(todo, first: int, workers: int, iso_today, handle, retry: list) -> int:
    """Extract todo[first:] in one pool of workers, writing each result as it comes,
    until all are done or a worker dies; returns the index to go on from.

    A bounded window of files is in flight, and results are written and dropped in
    order, so memory does not grow with the number of files (a backfill is thousands).
    Files in flight when the pool broke go on the retry list."""
    window: deque = deque()
    going_on = len(todo)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for i in range(first, len(todo)):
            path, key = todo[i]
            try:
                window.append((i + 1, path, key, pool.submit(process_file, str(path), key, iso_today)))
            except BrokenExecutor:  # broke before this file went in: it is retried alone
                retry.append((i + 1, path, key))
                going_on = i + 1
                break
            if len(window) >= IN_FLIGHT * workers and not _settle(window.popleft(), handle, retry):
                going_on = i + 1
                break
        while window:
            _settle(window.popleft(), handle, retry)
    return going_on


def _settle(item, handle, retry: list) -> bool:
    """Write one finished file; False (and the file on the retry list) when its worker died."""
    i, path, key, fut = item
    try:
        result = fut.result()
    except Exception:  # a worker died (memory, signal) and took the pool with it
        retry.append((i, path, key))
        return False
    handle(i, key, result)
    return True


def _record_run(db, run_id: int, report: RunReport) -> None:
    with store.transaction(db):
        for key, reason in report.failed.items():
            db["problems"].insert({"run": run_id, "file": key, "reason": reason, "at": store.now()})
        db["runs"].update(run_id, {
            "finished": store.now(), "added": len(report.added), "changed": len(report.changed),
            "unchanged": len(report.unchanged), "removed": len(report.removed), "failed": len(report.failed),
            "errors": store.as_json(report.failed),
        })


def print_progress(i: int, total: int, key: str, status: str) -> None:
    print(f"[{i}/{total}] {key}: {status}", file=sys.stderr, flush=True)
