"""`kb fetch`: bring new Kamerstukken, motions and toezeggingen in from the public sources.

Two sources, each behind its own client and cursor:
- `sru`: officielebekendmakingen (KOOP SRU) → document files + `.meta.yaml`
  sidecars in the inbox (the corpus folder); `kb build` then ingests them.
- `tk`: Tweede Kamer open data (OData) → tables `tk_motions` and
  `tk_toezeggingen` in kb.db, beside our own extracted motions and commitments.

Settings come from `sources.yaml` beside this module, then the file named by
KAMERKB_FETCH_CONFIG, then KAMERKB_SRU_URL / KAMERKB_TK_URL, then flags.
Only one fetch runs per inbox at a time (a lock file), so a timer and a
person starting one by hand do not download the same files twice.
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import fcntl
import functools
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import yaml

CONFIG_FILE = Path(__file__).with_name("sources.yaml")
ENV_CONFIG = "KAMERKB_FETCH_CONFIG"
ENV_URLS = {"sru": "KAMERKB_SRU_URL", "tk": "KAMERKB_TK_URL"}
LOCK_NAME = ".kbfetch.lock"


@functools.lru_cache(maxsize=1)
def _defaults() -> dict:
    return yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in (over or {}).items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_config(path: Path | str | None = None, overrides: dict | None = None) -> dict:
    """sources.yaml, merged with a config file, the URL environment variables and `overrides`."""
    cfg = _defaults()
    extra = path or os.environ.get(ENV_CONFIG)
    if extra:
        cfg = _merge(cfg, yaml.safe_load(Path(extra).read_text(encoding="utf-8")) or {})
    for source, var in ENV_URLS.items():
        if os.environ.get(var):
            cfg = _merge(cfg, {source: {"url": os.environ[var]}})
    return _merge(cfg, overrides or {})


class FetchLocked(Exception):
    """Another fetch holds the inbox."""


@contextmanager
def inbox_lock(inbox: Path):
    """An exclusive, non-blocking lock on the inbox; released when the process ends, even by SIGKILL."""
    inbox.mkdir(parents=True, exist_ok=True)
    fh = open(inbox / LOCK_NAME, "w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise FetchLocked(f"another `kb fetch` is running on {inbox}") from exc
        yield
    finally:
        fh.close()


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {value}") from exc


def register(subparsers) -> argparse.ArgumentParser:
    """Add `kb fetch` to the `kb` command's subparsers."""
    f = subparsers.add_parser(
        "fetch", help="download new Kamerstukken, motions and toezeggingen from the public sources",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Fetch what is new since the last fetch, from two public sources:\n"
            "  sru  officielebekendmakingen (repository.overheid.nl/sru): Kamerstukken as XML (else HTML/PDF)\n"
            "       with a <file>.meta.yaml sidecar of the source's metadata, into the inbox (corpus/).\n"
            "       Withdrawn publications are removed from the inbox.\n"
            "  tk   Tweede Kamer open data (gegevensmagazijn OData): motions with votes and\n"
            "       kabinetsappreciatie into table tk_motions, the toezeggingen register into\n"
            "       tk_toezeggingen (kb.db).\n"
            "A cursor per source (table fetch_cursors) makes each run incremental; it only moves after a\n"
            "run without failures, so an interrupted run is simply redone. Files are written whole or not\n"
            "at all. Run `kb build` afterwards to ingest the new files."),
        epilog=(
            "examples:\n"
            "  kb fetch                                  everything new since the last run\n"
            "  kb fetch --source sru --since 2024-01-01 --until 2024-01-31\n"
            "  kb fetch --source sru --dossier 36045 --dossier 21501-02\n"
            "  kb fetch --source sru --query 'strategische afhankelijkheden' --date-field date\n"
            "  kb fetch --source tk --full               the whole motion and toezegging registers\n"
            "environment: KAMERKB_SRU_URL, KAMERKB_TK_URL (base URLs), KAMERKB_FETCH_CONFIG (YAML merged\n"
            "over extract/fetch/sources.yaml)."),
    )
    f.add_argument("--source", choices=["all", "sru", "tk"], default="all", help="which source (default: all)")
    f.add_argument("--inbox", "--corpus", dest="inbox", type=Path, default=Path("corpus"),
                   help="folder the documents are written to (default: corpus/)")
    f.add_argument("--db", type=Path, default=Path("kb.db"), help="knowledge base with the cursors (default: kb.db)")
    f.add_argument("--since", type=_date, help="from this date (default: the source's cursor)")
    f.add_argument("--until", type=_date, help="up to this date (sru only; the cursor does not move)")
    f.add_argument("--date-field", choices=["modified", "date"], default="modified",
                   help="sru: filter on modification date (default) or publication date")
    f.add_argument("--dossier", action="append", default=[], metavar="NUMBER",
                   help="sru: only this dossier (Kamerstuk number, e.g. 36045 or 21501-02); repeatable")
    f.add_argument("--query", help="sru: free-text words that must occur (CQL 'any')")
    f.add_argument("--full", action="store_true", help="ignore the cursor and the default look-back window "
                                                          "(for sru, narrow with --dossier or --query)")
    f.add_argument("--limit", type=int, help="sru: download at most this many documents (the cursor then stays)")
    f.add_argument("--dry-run", action="store_true", help="list what would be fetched; download nothing, move no cursor")
    f.add_argument("--config", type=Path, help="YAML file merged over sources.yaml")
    f.add_argument("--sru-url", help="SRU base URL (default: sources.yaml or $KAMERKB_SRU_URL)")
    f.add_argument("--tk-url", help="OData base URL (default: sources.yaml or $KAMERKB_TK_URL)")
    f.add_argument("--page-size", type=int, help="records per request for both sources")
    f.add_argument("--timeout", type=float, help="seconds before a stalled request is retried (default: 30)")
    f.add_argument("--retries", type=int, help="retries after a timeout, reset, 429 or 5xx (default: 4)")
    f.add_argument("--backoff", type=float, help="first wait between retries in seconds, doubling (default: 1)")
    f.add_argument("--quiet", action="store_true", help="no per-document progress lines")
    f.set_defaults(func=run)
    return f


def config_from_args(args) -> dict:
    over: dict = {"http": {}, "sru": {}, "tk": {}}
    for flag, key in (("timeout", "timeout"), ("retries", "retries"), ("backoff", "backoff")):
        if getattr(args, flag, None) is not None:
            over["http"][key] = getattr(args, flag)
    if getattr(args, "sru_url", None):
        over["sru"]["url"] = args.sru_url
    if getattr(args, "tk_url", None):
        over["tk"]["url"] = args.tk_url
    if getattr(args, "page_size", None):
        over["sru"]["page_size"] = over["tk"]["page_size"] = args.page_size
    return load_config(getattr(args, "config", None), over)


def run(args) -> int:
    """Run `kb fetch`; 0 when every source was fetched, 1 when some documents failed, 2 on errors."""
    from extract import store
    from extract.fetch import cursor, sru, tkapi
    from extract.fetch.http import FetchError, HttpClient, clean_stale_temps

    cfg = config_from_args(args)
    say = (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    client = HttpClient.from_config(cfg["http"], log=say)
    inbox: Path = args.inbox
    code = 0
    try:
        with inbox_lock(inbox):
            for tmp in clean_stale_temps(inbox):
                say(f"removed an unfinished download: {tmp}")
            db = store.connect(args.db)
            cursor.ensure_tables(db)
            started = store.now()
            if args.source in ("all", "sru"):
                try:
                    rep = sru.fetch(db, inbox, cfg["sru"], client, since=args.since, until=args.until,
                                    date_field=args.date_field, dossiers=args.dossier, text=args.query,
                                    full=args.full, dry_run=args.dry_run, limit=args.limit,
                                    log=None if args.quiet else (lambda ident: say(f"sru: {ident}")))
                    print(f"officielebekendmakingen: {rep.summary()}")
                    for ident, reason in sorted(rep.failed.items()):
                        print(f"  failed {ident}: {reason}", file=sys.stderr)
                    cursor.log_run(db, "sru", started, rep.as_dict(), rep.failed, args.dry_run)
                    code = max(code, 1 if rep.failed else 0)
                except (FetchError, sru.SRUError) as exc:
                    print(f"error: officielebekendmakingen: {exc}", file=sys.stderr)
                    cursor.log_run(db, "sru", started, {}, {"*": str(exc)}, args.dry_run)
                    code = 2
            if args.source in ("all", "tk"):
                started = store.now()
                try:
                    rep = tkapi.fetch(db, cfg["tk"], client, since=args.since, full=args.full, dry_run=args.dry_run)
                    print(f"tweedekamer open data: {rep.summary()}")
                    cursor.log_run(db, "tk", started, {"upserted": rep.upserted, "deleted": rep.deleted,
                                                        "pages": rep.pages}, {}, args.dry_run)
                except (FetchError, tkapi.ODataError) as exc:
                    print(f"error: tweedekamer open data: {exc}", file=sys.stderr)
                    cursor.log_run(db, "tk", started, {}, {"*": str(exc)}, args.dry_run)
                    code = 2
    except FetchLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return code


def main(argv: list[str] | None = None) -> int:
    """Run `fetch` on its own (`python -c 'from extract.fetch import main; main()'`), as `kb fetch` does."""
    parser = argparse.ArgumentParser(prog="kb")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["fetch", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)
