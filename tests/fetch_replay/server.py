"""A local HTTP server that replays the public sources' responses, for tests without the internet.

Responses are files in this folder, in the sources' own formats:
- `sru/<phase>-<startRecord>.xml`: SRU 2.0 searchRetrieveResponse pages (gzd records), a
  diagnostic (HTTP 200 with an error inside) and an empty result;
- `tk/<phase>-<Entity>-skip<N>.json`: OData v4 pages with `@odata.nextLink`;
- `docs/<name>`: the documents the records' manifestation URLs point to.
`{BASE}` in a file is replaced by this server's address, like a recorder rewrites hosts.

Tests steer it: `phase` picks the recorded scenario, `faults` queues failures per
path prefix ('sleep' beyond the client's timeout, or an HTTP status), `trickle`
sends documents slowly (to kill a fetch mid-download), `gone` answers 410.
"""
from __future__ import annotations

import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent


class ReplayServer:
    def __init__(self, phase: str = "run1"):
        self.phase = phase
        self.faults: dict[str, list] = {}  # path prefix → actions for the next requests
        self.sleep_seconds = 1.0
        self.trickle: float = 0.0  # seconds between 64-byte chunks of a document
        self.gone: set[str] = set()  # document names answered with 410 Gone
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "ReplayServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def sru_url(self) -> str:
        return self.base + "/sru"

    @property
    def tk_url(self) -> str:
        return self.base + "/OData/v4/2.0"

    def fault(self, prefix: str, *actions) -> None:
        """Queue one action per coming request whose path starts with `prefix`.

        'ok' passes the request through, 'sleep' stalls it beyond the client's
        timeout, an int answers with that HTTP status.
        """
        self.faults.setdefault(prefix, []).extend(actions)

    def count(self, prefix: str) -> int:
        return sum(1 for r in self.requests if r.startswith(prefix))

    def _next_fault(self, path: str):
        with self._lock:
            for prefix, actions in self.faults.items():
                if path.startswith(prefix) and actions:
                    return actions.pop(0)
        return None

    def read(self, rel: str) -> bytes | None:
        path = HERE / rel
        if not path.is_file():
            return None
        data = path.read_bytes()
        if path.suffix in {".json"} or rel.startswith("sru/"):
            data = data.replace(b"{BASE}", self.base.encode())
        return data


def _handler(server: ReplayServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output clean
            pass

        def do_GET(self):
            parts = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(parts.query)
            server.requests.append(self.path)
            fault = server._next_fault(parts.path)
            if fault in (None, "ok"):
                pass
            elif fault == "sleep":
                time.sleep(server.sleep_seconds)
            elif isinstance(fault, int):
                self._send(fault, b"<html><body>Service tijdelijk niet beschikbaar</body></html>", "text/html",
                           {"Retry-After": "0"} if fault in (429, 503) else None)
                return
            if parts.path == "/sru":
                start = (query.get("startRecord") or ["1"])[0]
                body = server.read(f"sru/{server.phase}-{start}.xml")
                return self._send(200 if body else 404, body or b"not recorded", "text/xml; charset=utf-8")
            if parts.path.startswith("/OData/v4/2.0/"):
                entity = parts.path.rsplit("/", 1)[-1]
                skip = (query.get("$skip") or ["0"])[0]
                body = server.read(f"tk/{server.phase}-{entity}-skip{skip}.json")
                return self._send(200 if body else 404, body or b'{"error": {"message": "not recorded"}}',
                                  "application/json; odata.metadata=minimal")
            if parts.path.startswith("/frbr/"):
                name = parts.path.rsplit("/", 1)[-1]
                if name in server.gone:
                    return self._send(410, b"Gone", "text/plain")
                body = server.read(f"docs/{name}")
                if body is None:
                    return self._send(404, b"not recorded", "text/plain")
                return self._send(200, body, "application/xml", trickle=server.trickle)
            self._send(404, b"unknown path", "text/plain")

        def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None, trickle: float = 0.0):
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if not trickle:
                    self.wfile.write(body)
                    return
                for i in range(0, len(body), 64):
                    self.wfile.write(body[i:i + 64])
                    self.wfile.flush()
                    time.sleep(trickle)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout) or was killed

    return Handler
