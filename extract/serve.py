"""Serve kb.db with Datasette and the project's configuration (datasette/).

The knowledge base is opened read-only by Datasette (it never writes), so
`kb build` can ingest while the server answers; WAL lets both run at once.
Settings (time limit, row caps, SQL policy) come from datasette/settings.json.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parent.parent / "datasette"


def datasette_args(db: Path, port: int = 8001, host: str = "127.0.0.1") -> list[str]:
    """The `datasette serve` command line for a knowledge base file."""
    args = [
        sys.executable, "-m", "datasette", "serve", str(db),
        "--host", host, "--port", str(port),
    ]
    if (CONFIG / "metadata.yml").is_file():
        args += ["--metadata", str(CONFIG / "metadata.yml")]
    for flag, sub in (("--template-dir", "templates"), ("--plugins-dir", "plugins")):
        if (CONFIG / sub).is_dir():
            args += [flag, str(CONFIG / sub)]
    if (CONFIG / "static").is_dir():
        args += ["--static", f"assets:{CONFIG / 'static'}"]
    settings = json.loads((CONFIG / "settings.json").read_text(encoding="utf-8"))
    for key, value in settings.items():
        args += ["--setting", key, str(value).lower() if isinstance(value, bool) else str(value)]
    return args


def serve(db: Path, port: int = 8001, host: str = "127.0.0.1", build_corpus: Path | None = None) -> int:
    if not db.exists():
        if build_corpus is None:
            print(f"error: {db} does not exist; run `kb build` first", file=sys.stderr)
            return 2
        from extract.ingest import build, print_progress

        print(f"{db} not found: building it from {build_corpus}/ ...", file=sys.stderr)
        build(build_corpus, db, progress=print_progress)
    else:
        from extract import store

        store.connect(db).close()  # a KB from an older version gets the indexes the canned queries rely on
    args = datasette_args(db, port, host)
    print(f"Serving {db} on http://{host}:{port}/", file=sys.stderr)
    os.execv(args[0], args)
    return 0  # not reached
