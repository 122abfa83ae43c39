"""The `kb` command: build, serve, extract and inspect the knowledge base."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path("corpus")
DEFAULT_DB = Path("kb.db")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {value}") from exc


def cmd_build(args) -> int:
    from extract.ingest import build, print_progress

    if not args.corpus.is_dir():
        print(f"error: corpus folder not found: {args.corpus}", file=sys.stderr)
        return 2
    report = build(args.corpus, args.db, rebuild=args.rebuild, workers=args.workers,
                   progress=None if args.quiet else print_progress, today=args.today, only=args.files or None)
    print(f"{args.db}: {report.summary()}")
    for key, reason in sorted(report.failed.items()):
        print(f"  skipped {key}: {reason}", file=sys.stderr)
    return 1 if (args.strict and report.failed) else 0


def cmd_serve(args) -> int:
    from extract.serve import serve

    return serve(args.db, port=args.port, host=args.host, build_corpus=args.corpus)


def cmd_extract(args) -> int:
    from extract.export import extract_all, to_schema
    from extract.model import ReadError
    from extract.pipeline import load_document

    out, failed = [], 0
    for path in args.files:
        try:
            doc = load_document(path)
        except ReadError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        out.append(to_schema(doc, extract_all(doc, today=args.today)))
    if args.format == "jsonl":
        for item in out:
            print(json.dumps(item, ensure_ascii=False, default=str))
    else:
        print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    return 1 if failed and not out else 0


def cmd_status(args) -> int:
    from extract import store

    if not args.db.exists():
        print(f"{args.db}: not built yet (run `kb build`)")
        return 1
    db = store.connect(args.db)
    counts = {t: db[t].count for t in ("documents", "passages", "footnotes", "citations", "motions",
                                       "commitments", "mentions", "dependencies", "problems") if t in db.table_names()}
    print(f"{args.db}")
    for table, n in counts.items():
        print(f"  {table:<14}{n:>8}")
    last = next(iter(db.query("SELECT * FROM runs ORDER BY id DESC LIMIT 1")), None)
    if last:
        print(f"  last run {last['id']}: started {last['started']}, finished {last['finished'] or '(not finished)'}, "
              f"{last['added']} added, {last['changed']} changed, {last['failed']} failed")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kb",
        description="kamer-kb: a knowledge base of Dutch government documents (Kamerbrieven, EU papers, "
                    "written Q&A, motions). Reads documents from a corpus folder into kb.db and serves it "
                    "with Datasette.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="ingest new and changed corpus files into the knowledge base",
                       description="Read every document in the corpus folder (text, Markdown, PDF, XML, HTML) "
                                   "and bring the knowledge base in line: new and changed files are extracted, "
                                   "unchanged ones skipped (by content hash), removed ones deleted. Files that "
                                   "cannot be read are listed with their reason and recorded in `problems`. "
                                   "Name files to ingest only those (a new letter, a corrected one, one "
                                   "deleted): the rest of the corpus is not scanned.")
    b.add_argument("files", nargs="*", type=Path,
                   help="only these files in the corpus folder: read when new or changed, removed from the "
                        "knowledge base when deleted (default: the whole corpus)")
    b.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of source documents (default: corpus/)")
    b.add_argument("--db", type=Path, default=DEFAULT_DB, help="knowledge base file (default: kb.db)")
    b.add_argument("--rebuild", action="store_true", help="re-extract every file, even unchanged ones "
                                                           "(curated decisions are kept)")
    b.add_argument("--workers", type=int, default=None, help="extraction processes (default: up to 2)")
    b.add_argument("--strict", action="store_true", help="exit non-zero when any file could not be read")
    b.add_argument("--quiet", action="store_true", help="no per-file progress lines")
    b.add_argument("--today", type=_date, default=None, help="date for commitment status (default: today)")
    b.set_defaults(func=cmd_build)

    s = sub.add_parser("serve", help="serve the knowledge base with Datasette",
                       description="Serve kb.db with Datasette and the project's configuration in datasette/ "
                                   "(read-only, Dutch labels, canned queries). Builds kb.db first when missing.")
    s.add_argument("--db", type=Path, default=DEFAULT_DB, help="knowledge base file (default: kb.db)")
    s.add_argument("--port", type=int, default=8001, help="port (default: 8001)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    s.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus to build from when kb.db is missing")
    s.set_defaults(func=cmd_serve)

    e = sub.add_parser("extract", help="print what extraction finds in files, without touching kb.db",
                       description="Extract metadata, citations, motions, commitments and entities from the "
                                   "given files and print them as JSON in the shape of the gold schema "
                                   "(one object per document). kb.db is not read or written.")
    e.add_argument("files", nargs="+", type=Path, help="document files")
    e.add_argument("--format", choices=["json", "jsonl"], default="json", help="output format (default: json)")
    e.add_argument("--today", type=_date, default=None, help="date for commitment status (default: today)")
    e.set_defaults(func=cmd_extract)

    st = sub.add_parser("status", help="what the knowledge base holds and how the last run went",
                        description="Print row counts of the main tables and the last ingest run.")
    st.add_argument("--db", type=Path, default=DEFAULT_DB, help="knowledge base file (default: kb.db)")
    st.set_defaults(func=cmd_status)

    from extract import fetch, schedule

    fetch.register(sub)
    schedule.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
