"""Run fetch + ingest without anyone typing a command: systemd/cron set-up and a folder watcher.

`kb schedule --print systemd` prints a service and a timer unit with this
installation's paths filled in; `--print cron` prints one crontab line. Both
run `kb fetch` and then, only if it did not fail outright, `kb build`.
`kb watch DIR` polls a folder and, when its files change, ingests the files
that changed (for a folder staff drop files into, or a share mounted from
elsewhere).
Ingest writes through SQLite WAL, so a running Datasette keeps serving.
"""
from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
import time
from pathlib import Path

from extract.readers import SIDECAR_SUFFIX, is_document

UNIT_NAME = "kamer-kb"
# Every hour from 07:00 to 19:00 on working days: letters appear during office hours.
DEFAULT_ON_CALENDAR = "Mon..Fri *-*-* 07..19:05:00"
DEFAULT_CRON = "5 7-19 * * 1-5"


def kb_command() -> list[str]:
    """How to start `kb` from a scheduler: the venv's script if present, else this Python."""
    script = Path(sys.executable).with_name("kb")
    return [str(script)] if script.exists() else [sys.executable, "-m", "extract.cli"]


def _commands(project: Path, corpus: Path, db: Path, fetch_args: str) -> tuple[list[str], list[str]]:
    kb = kb_command()
    corpus, db = (p if p.is_absolute() else project / p for p in (corpus, db))
    fetch = kb + ["fetch", "--quiet", "--inbox", str(corpus), "--db", str(db)] + shlex.split(fetch_args or "")
    build = kb + ["build", "--quiet", "--corpus", str(corpus), "--db", str(db)]
    return fetch, build


def systemd_units(project: Path, corpus: Path, db: Path, user: str | None = None,
                  on_calendar: str = DEFAULT_ON_CALENDAR, fetch_args: str = "") -> dict[str, str]:
    """`kamer-kb.service` (oneshot: fetch, then build) and `kamer-kb.timer`."""
    fetch, build = _commands(project, corpus, db, fetch_args)
    user_line = f"User={user}\n" if user else ""
    service = (
        "[Unit]\n"
        "Description=kamer-kb: fetch new Kamerstukken and ingest them into the knowledge base\n"
        "Wants=network-online.target\nAfter=network-online.target\n\n"
        "[Service]\nType=oneshot\n"
        f"{user_line}WorkingDirectory={project}\n"
        "# Exit status 1 means some documents failed and will be retried next time: still build.\n"
        "SuccessExitStatus=1\n"
        f"ExecStart={shlex.join(fetch)}\n"
        f"ExecStart={shlex.join(build)}\n"
        "Nice=10\nIOSchedulingClass=idle\nTimeoutStartSec=2h\n"
    )
    timer = (
        "[Unit]\nDescription=Run kamer-kb fetch and ingest on working days\n\n"
        f"[Timer]\nOnCalendar={on_calendar}\nPersistent=true\nRandomizedDelaySec=5min\n"
        f"Unit={UNIT_NAME}.service\n\n"
        "[Install]\nWantedBy=timers.target\n"
    )
    return {f"{UNIT_NAME}.service": service, f"{UNIT_NAME}.timer": timer}


def cron_line(project: Path, corpus: Path, db: Path, schedule: str = DEFAULT_CRON, fetch_args: str = "",
              log: Path | None = None) -> str:
    """One crontab line; fetch's exit 1 (some documents failed) still lets the build run."""
    fetch, build = _commands(project, corpus, db, fetch_args)
    log = log or project / "kb-schedule.log"
    return (f"{schedule} cd {shlex.quote(str(project))} && {{ {shlex.join(fetch)}; [ $? -le 1 ] && "
            f"{shlex.join(build)}; }} >> {shlex.quote(str(log))} 2>&1")


def register(subparsers) -> None:
    """Add `kb schedule` and `kb watch` to the `kb` command's subparsers."""
    s = subparsers.add_parser(
        "schedule", help="print a systemd timer or crontab line that runs fetch + build",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=("Print ready-to-install scheduler configuration that runs `kb fetch` and then `kb build`\n"
                     "(new and changed files only) with this installation's absolute paths filled in.\n"
                     "Default: hourly at :05 from 07:00 to 19:00 on working days."),
        epilog=("install (systemd):\n"
                "  kb schedule --print systemd --output-dir /etc/systemd/system\n"
                "  systemctl daemon-reload && systemctl enable --now kamer-kb.timer\n"
                "  systemctl list-timers kamer-kb.timer; journalctl -u kamer-kb.service\n"
                "install (cron):\n"
                "  (crontab -l; kb schedule --print cron) | crontab -"),
    )
    s.add_argument("--print", dest="kind", choices=["systemd", "cron"], required=True,
                   help="systemd: a service and a timer unit; cron: one crontab line")
    s.add_argument("--project", type=Path, default=Path.cwd(), help="project folder (default: current folder)")
    s.add_argument("--corpus", type=Path, default=Path("corpus"), help="inbox/corpus folder, relative to --project")
    s.add_argument("--db", type=Path, default=Path("kb.db"), help="knowledge base, relative to --project")
    s.add_argument("--user", help="systemd: run as this user (User=)")
    s.add_argument("--on-calendar", default=DEFAULT_ON_CALENDAR, help=f"systemd OnCalendar= (default: {DEFAULT_ON_CALENDAR!r})")
    s.add_argument("--cron", default=DEFAULT_CRON, help=f"cron schedule fields (default: {DEFAULT_CRON!r})")
    s.add_argument("--log", type=Path, help="cron: file the output is appended to (default: <project>/kb-schedule.log)")
    s.add_argument("--fetch-args", default="", help="extra `kb fetch` flags, e.g. \"--source sru --dossier 36045\"")
    s.add_argument("--output-dir", type=Path, help="systemd: write the unit files here instead of printing them")
    s.set_defaults(func=run)

    w = subparsers.add_parser(
        "watch", help="rebuild the knowledge base whenever files in a folder change",
        description=("Poll a folder every --interval seconds; when documents or sidecars are added, changed or "
                     "removed and the folder has then been quiet for --settle seconds (so a file still being "
                     "copied is not read half), ingest just those files (as `kb build FILE...`). Scans the "
                     "whole folder once at start. Stop with Ctrl-C or SIGTERM; a build in progress is "
                     "finished first."),
    )
    w.add_argument("dir", type=Path, help="folder to watch (the corpus)")
    w.add_argument("--db", type=Path, default=Path("kb.db"), help="knowledge base file (default: kb.db)")
    w.add_argument("--interval", type=float, default=10.0, help="seconds between polls (default: 10)")
    w.add_argument("--settle", type=float, default=2.0, help="quiet seconds before building (default: 2)")
    w.add_argument("--workers", type=int, default=None, help="extraction processes (default: up to 2)")
    w.add_argument("--quiet", action="store_true", help="only one summary line per build")
    w.set_defaults(func=run)


def run(args) -> int:
    if args.command == "watch":
        return run_watch(args)
    project = args.project.resolve()
    if args.kind == "cron":
        print(cron_line(project, args.corpus, args.db, args.cron, args.fetch_args, args.log))
        return 0
    units = systemd_units(project, args.corpus, args.db, args.user, args.on_calendar, args.fetch_args)
    if args.output_dir:
        args.output_dir.mkdir(parents=True, exist_ok=True)
        for name, text in units.items():
            (args.output_dir / name).write_text(text, encoding="utf-8")
            print(f"wrote {args.output_dir / name}")
        return 0
    for name, text in units.items():
        print(f"# --- {name} ---\n{text}")
    return 0


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and mtime of every document and sidecar under `folder` (hidden files excluded)."""
    state = {}
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if is_document(path) or path.name.endswith(SIDECAR_SUFFIX):
            st = path.stat()
            state[rel.as_posix()] = (st.st_size, st.st_mtime_ns)
    return state


def watch(folder: Path, build, interval: float = 10.0, settle: float = 2.0, stop: threading.Event | None = None,
          max_builds: int | None = None, clock=time.monotonic) -> int:
    """Poll `folder`; call `build(None)` at start and, once the folder is quiet after
    a change, `build(names)` with the documents and sidecars (paths relative to
    `folder`) that were added, changed or removed since the last build.

    Returns the number of builds run. `stop` ends the loop (signals set it).
    """
    stop = stop or threading.Event()
    builds = 0

    def do_build(changed: list[str] | None) -> None:
        nonlocal builds
        build(changed)
        builds += 1

    seen = snapshot(folder)  # taken before the build: a file arriving during it triggers the next one
    built = seen
    do_build(None)
    pending_since = None
    while not stop.is_set() and (max_builds is None or builds < max_builds):
        stop.wait(interval)
        if stop.is_set():
            break
        now_state = snapshot(folder)
        if now_state != seen:
            seen, pending_since = now_state, clock()  # still changing: wait for quiet
            continue
        if pending_since is not None and clock() - pending_since >= settle:
            pending_since = None
            changed = sorted(name for name in built.keys() | seen.keys() if built.get(name) != seen.get(name))
            built = seen
            do_build(changed)
    return builds


def run_watch(args) -> int:
    from extract.ingest import build, print_progress

    folder: Path = args.dir
    if not folder.is_dir():
        print(f"error: folder not found: {folder}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def one_build(changed: list[str] | None) -> None:
        only = None if changed is None else [folder / name for name in changed]
        report = build(folder, args.db, workers=args.workers, progress=None if args.quiet else print_progress,
                       only=only)
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {args.db}: {report.summary()}", flush=True)

    print(f"watching {folder} every {args.interval:g} s (Ctrl-C stops)", file=sys.stderr, flush=True)
    watch(folder, one_build, interval=args.interval, settle=args.settle, stop=stop)
    return 0
