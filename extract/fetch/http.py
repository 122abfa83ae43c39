"""A small HTTP client for scheduled fetches: timeouts, retries with backoff, atomic files.

Public servers stall, reset connections and answer 503 under load; a fetch
that runs unattended must wait and try again rather than give up or hang.
Downloads are written to a hidden temporary file in the target folder and
moved into place with `os.replace`, so a reader of the folder (ingest,
Datasette, staff) sees a whole file or none: never half of one, even when
the fetch is killed mid-download.
"""
from __future__ import annotations

import http.client
import os
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
TEMP_PREFIX = ".kbfetch-"
TEMP_SUFFIX = ".part"
CHUNK = 64 * 1024


class FetchError(Exception):
    """A request that failed for good (after retries), with a reason a person can act on."""

    def __init__(self, url: str, reason: str, status: int | None = None):
        super().__init__(f"{reason} ({url})")
        self.url = url
        self.reason = reason
        self.status = status


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class HttpClient:
    """GET with a timeout per socket operation and exponential backoff between attempts."""

    timeout: float = 30.0
    retries: int = 4
    backoff: float = 1.0
    backoff_max: float = 60.0
    max_bytes: int = 200 * 1024 * 1024
    user_agent: str = "kamer-kb"
    sleep: callable = field(default=time.sleep, repr=False)
    log: callable = field(default=None, repr=False)
    attempts: list[str] = field(default_factory=list, repr=False)  # every retry, for reports and tests

    @classmethod
    def from_config(cls, cfg: dict, **kw) -> "HttpClient":
        keys = ("timeout", "retries", "backoff", "backoff_max", "max_bytes", "user_agent")
        return cls(**{k: cfg[k] for k in keys if k in cfg}, **kw)

    def get(self, url: str, params: dict | None = None, accept: str | None = None) -> Response:
        """The whole body of a successful (2xx) answer; raises FetchError otherwise."""
        url = with_params(url, params)
        return self._with_retries(url, accept, lambda resp: _read_limited(resp, self.max_bytes, url))

    def download(self, url: str, target: Path, accept: str | None = None, before_commit=None) -> Response:
        """Stream `url` into `target` atomically; the Response carries no body.

        `before_commit(tmp_path)` runs after the bytes are on disk and before the
        file is moved into place: the place to validate it (raise to refuse it)
        or to write its sidecar first, so the document never appears without it.
        """
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)

        def save(resp) -> bytes:
            tmp = target.parent / f"{TEMP_PREFIX}{os.getpid()}-{random.getrandbits(32):08x}-{target.name}{TEMP_SUFFIX}"
            try:
                with open(tmp, "wb") as fh:
                    total = 0
                    while chunk := resp.read1(CHUNK):  # what has arrived, not a full 64 KB
                        total += len(chunk)
                        if total > self.max_bytes:
                            raise FetchError(url, f"download larger than {self.max_bytes} bytes")
                        fh.write(chunk)
                        fh.flush()
                    expected = resp.headers.get("Content-Length")
                    if expected and expected.isdigit() and int(expected) != total:
                        raise http.client.IncompleteRead(b"", int(expected) - total)
                    fh.flush()
                    os.fsync(fh.fileno())
                if before_commit:
                    before_commit(tmp)
                os.replace(tmp, target)
            finally:
                if tmp.exists():
                    tmp.unlink()
            return b""

        return self._with_retries(url, accept, save)

    def _with_retries(self, url: str, accept: str | None, consume) -> Response:
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "identity"}
        if accept:
            headers["Accept"] = accept
        last = "no attempt made"
        for attempt in range(self.retries + 1):
            wait = None
            try:
                req = urllib.request.Request(url, headers=headers)
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    body = consume(resp)
                    return Response(url, resp.status, dict(resp.headers.items()), body)
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code} {exc.reason}"
                if exc.code not in RETRY_STATUS:
                    raise FetchError(url, last, exc.code) from exc
                wait = _retry_after(exc.headers.get("Retry-After"))
            except FetchError:
                raise
            except (socket.timeout, TimeoutError):
                last = f"timed out after {self.timeout:g} s"
            except (urllib.error.URLError, ConnectionError, http.client.HTTPException, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, (socket.timeout, TimeoutError)):
                    last = f"timed out after {self.timeout:g} s"
                else:
                    last = f"network error: {reason}"
            if attempt == self.retries:
                break
            delay = min(self.backoff_max, wait if wait is not None else self.backoff * (2 ** attempt))
            self.attempts.append(f"{url}: {last}; retry {attempt + 1}/{self.retries} in {delay:g} s")
            if self.log:
                self.log(self.attempts[-1])
            self.sleep(delay)
        raise FetchError(url, f"gave up after {self.retries + 1} attempts: {last}")


def with_params(url: str, params: dict | None) -> str:
    if not params:
        return url
    sep = "&" if urllib.parse.urlsplit(url).query else "?"
    return url + sep + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def _read_limited(resp, limit: int, url: str) -> bytes:
    body = resp.read(limit + 1)
    if len(body) > limit:
        raise FetchError(url, f"response larger than {limit} bytes")
    return body


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (only the delta-seconds form; dates are ignored)."""
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def clean_stale_temps(folder: Path) -> list[Path]:
    """Remove temporary download files left by fetches that died (their process is gone)."""
    removed = []
    if not folder.is_dir():
        return removed
    for tmp in folder.rglob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
        pid = tmp.name[len(TEMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
            continue
        try:
            tmp.unlink()
            removed.append(tmp)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_atomic(target: Path, data: bytes) -> None:
    """Write small content (a sidecar) with the same temp-file-and-rename guarantee."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f"{TEMP_PREFIX}{os.getpid()}-{random.getrandbits(32):08x}-{target.name}{TEMP_SUFFIX}"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
