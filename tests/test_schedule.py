"""`kb schedule` prints working systemd/cron set-ups; `kb watch` rebuilds when a folder changes."""
from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

import pytest

from extract import schedule


def parse(*argv):
    p = argparse.ArgumentParser(prog="kb")
    sub = p.add_subparsers(dest="command", required=True)
    schedule.register(sub)
    return p.parse_args(argv)


def exec_lines(service: str) -> list[str]:
    return [line.split("=", 1)[1] for line in service.splitlines() if line.startswith("ExecStart=")]


def test_systemd_units_run_fetch_then_build_with_absolute_paths(tmp_path):
    units = schedule.systemd_units(tmp_path, Path("corpus"), Path("kb.db"), user="kb")
    service, timer = units["kamer-kb.service"], units["kamer-kb.timer"]
    fetch, build = exec_lines(service)
    assert " fetch " in fetch and f"--inbox {tmp_path / 'corpus'}" in fetch and f"--db {tmp_path / 'kb.db'}" in fetch
    assert " build " in build and f"--corpus {tmp_path / 'corpus'}" in build
    assert fetch.split()[0].startswith("/")  # a scheduler has no PATH to find `kb` on
    assert "Type=oneshot" in service and f"WorkingDirectory={tmp_path}" in service and "User=kb" in service
    assert "SuccessExitStatus=1" in service  # a few failed documents still let the build run
    assert "OnCalendar=Mon..Fri *-*-* 07..19:05:00" in timer and "Persistent=true" in timer
    assert "WantedBy=timers.target" in timer and "Unit=kamer-kb.service" in timer


def test_absolute_paths_are_kept_and_fetch_args_are_passed_on(tmp_path):
    units = schedule.systemd_units(tmp_path, Path("/srv/inbox"), Path("/srv/kb.db"),
                                   fetch_args="--source sru --dossier 36045")
    fetch, build = exec_lines(units["kamer-kb.service"])
    assert "--inbox /srv/inbox" in fetch and fetch.endswith("--source sru --dossier 36045")
    assert "--dossier" not in build  # fetch flags do not leak into the build
    assert "User=" not in units["kamer-kb.service"]


def test_cron_line_is_one_line_and_builds_after_fetch(tmp_path):
    line = schedule.cron_line(tmp_path, Path("corpus"), Path("kb.db"))
    assert "\n" not in line and "%" not in line  # cron treats % as a newline
    fields = line.split()
    assert fields[:5] == ["5", "7-19", "*", "*", "1-5"]
    assert line.index(" fetch ") < line.index(" build ")
    assert "[ $? -le 1 ] &&" in line  # build unless fetch failed outright
    assert line.endswith(f">> {tmp_path / 'kb-schedule.log'} 2>&1")


def test_cli_prints_or_writes_the_units(tmp_path, capsys):
    args = parse("schedule", "--print", "cron", "--project", str(tmp_path), "--cron", "0 8 * * *")
    assert args.func(args) == 0
    assert capsys.readouterr().out.startswith("0 8 * * * cd ")
    args = parse("schedule", "--print", "systemd", "--project", str(tmp_path), "--output-dir", str(tmp_path / "units"))
    assert args.func(args) == 0
    assert sorted(p.name for p in (tmp_path / "units").iterdir()) == ["kamer-kb.service", "kamer-kb.timer"]
    with pytest.raises(SystemExit):
        parse("schedule", "--print", "launchd")


def run_watch_in_thread(folder: Path):
    builds, stop = [], threading.Event()
    thread = threading.Thread(target=schedule.watch, args=(folder, builds.append),
                              kwargs={"interval": 0.02, "settle": 0.05, "stop": stop}, daemon=True)
    thread.start()
    return builds, stop, thread


def wait_for(cond, seconds=3.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return False


def test_watch_builds_at_start_and_after_a_document_arrives(tmp_path):
    builds, stop, thread = run_watch_in_thread(tmp_path)
    try:
        assert wait_for(lambda: len(builds) == 1)
        (tmp_path / "brief.txt").write_text("Geachte voorzitter,")
        assert wait_for(lambda: len(builds) == 2)
        (tmp_path / "brief.txt.meta.yaml").write_text("title: Brief\n")  # a sidecar change counts too
        assert wait_for(lambda: len(builds) == 3)
        (tmp_path / "brief.txt").unlink()
        assert wait_for(lambda: len(builds) == 4)
    finally:
        stop.set()
        thread.join(2)
    assert not thread.is_alive()
    # the first build scans the folder; each later one is told what changed since the one before
    assert builds == [None, ["brief.txt"], ["brief.txt.meta.yaml"], ["brief.txt"]]


def test_watch_ignores_unfinished_downloads_and_other_files(tmp_path):
    builds, stop, thread = run_watch_in_thread(tmp_path)
    try:
        assert wait_for(lambda: len(builds) == 1)
        (tmp_path / ".kbfetch-1-abc-x.xml.part").write_bytes(b"<half")
        (tmp_path / "notes.docx").write_bytes(b"PK")
        (tmp_path / ".kbfetch.lock").write_text("")
        assert not wait_for(lambda: len(builds) > 1, seconds=0.4)
    finally:
        stop.set()
        thread.join(2)


def test_watch_of_a_missing_folder_is_an_error(tmp_path, capsys):
    args = parse("watch", str(tmp_path / "nope"))
    assert args.func(args) == 2
    assert "folder not found" in capsys.readouterr().err


def test_kb_watch_ingests_a_letter_dropped_in_and_then_its_removal(tmp_path):
    """The real command: `kb watch` scans the folder at start, then reads just the
    letter that arrives, and drops it from the knowledge base when it is deleted."""
    import signal
    import sqlite3
    import subprocess
    import sys

    from support import ROOT, copy_seed

    corpus = copy_seed(tmp_path)
    db = tmp_path / "kb.db"
    proc = subprocess.Popen([sys.executable, "-m", "extract.cli", "watch", str(corpus), "--db", str(db),
                             "--interval", "0.2", "--settle", "0.2", "--workers", "1", "--quiet"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def documents() -> set[str]:
        try:
            with sqlite3.connect(db) as conn:
                return {r[0] for r in conn.execute("SELECT id FROM documents")}
        except sqlite3.Error:
            return set()

    try:
        assert wait_for(lambda: len(documents()) == 5, seconds=90)
        letter = next(corpus.glob("000_*.txt"))
        (corpus / "nieuw.txt").write_text(letter.read_text(encoding="utf-8"), encoding="utf-8")
        assert wait_for(lambda: "nieuw.txt" in documents(), seconds=60)
        (corpus / "nieuw.txt").unlink()
        assert wait_for(lambda: "nieuw.txt" not in documents(), seconds=60)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    lines = [line.split(": ", 1)[1] for line in out.splitlines() if ": " in line]
    assert lines[:3] == ["5 added, 0 changed, 0 unchanged, 0 removed, 0 failed",
                         "1 added, 0 changed, 0 unchanged, 0 removed, 0 failed",   # the new letter alone
                         "0 added, 0 changed, 0 unchanged, 1 removed, 0 failed"]
