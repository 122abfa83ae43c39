"""officielebekendmakingen: search Kamerstukken over SRU and download them into the inbox.

KOOP's SRU 2.0 service (repository.overheid.nl/sru) answers a CQL query with
a `searchRetrieveResponse`; each record's `gzd:originalData` holds the
publication's metadata (owmskern, owmsmantel, tpmeta) and `gzd:enrichedData`
the URLs of its manifestations (xml, html, pdf, metadata). A query the server
cannot run still comes back as HTTP 200, with a `diagnostic` inside instead
of records: that is raised as SRUDiagnosticError, never read as "no results".

Each downloaded document lands as `<identifier>.<ext>` with a
`<file>.meta.yaml` sidecar carrying the source's metadata (the fields
`extract.pipeline.read_sidecar` uses, plus the full record under `source`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import defusedxml.ElementTree as SafeET
import yaml

from extract.fetch import cursor
from extract.fetch.http import FetchError, HttpClient, write_atomic
from extract.readers import SIDECAR_SUFFIX, sniff

SOURCE = "sru"
EXTENSIONS = {"xml": ".xml", "html": ".html", "pdf": ".pdf"}
# Fields of a record kept as lists (they repeat); all others keep their first value.
LIST_FIELDS = {"indiener", "subject", "source", "itemUrl"}


class SRUError(Exception):
    """The SRU service answered something that is not a usable search response."""


class SRUDiagnosticError(SRUError):
    """HTTP 200 with an SRU diagnostic inside: the query was refused (bad CQL, unknown index)."""

    def __init__(self, uri: str, message: str, details: str = "", query: str = ""):
        text = f"SRU service refused the query: {message or 'no message'}"
        if details:
            text += f" ({details})"
        text += f" [diagnostic {uri or 'unknown'}]"
        if query:
            text += f"; query was: {query}"
        super().__init__(text)
        self.uri, self.message, self.details, self.query = uri, message, details, query


@dataclass
class Record:
    """One search hit, flattened: metadata fields by local name, manifestation URLs by kind."""

    identifier: str
    fields: dict
    manifestations: dict[str, str]
    preferred_url: str | None = None

    def get(self, name: str, default=None):
        value = self.fields.get(name, default)
        return value[0] if isinstance(value, list) and name not in LIST_FIELDS and value else value

    @property
    def modified(self) -> str:
        return str(self.get("modified") or self.get("available") or self.get("date") or "")

    def withdrawn(self, statuses: list[str]) -> bool:
        status = str(self.get("documentstatus") or "").strip().lower()
        return bool(status) and status in {s.lower() for s in statuses}


@dataclass
class Page:
    total: int
    records: list[Record]
    next_position: int | None


@dataclass
class FetchReport:
    downloaded: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    pages: int = 0
    query: str = ""
    cursor: str | None = None

    def summary(self) -> str:
        return (f"{len(self.downloaded)} new, {len(self.updated)} updated, {len(self.skipped)} already had, "
                f"{len(self.withdrawn)} withdrawn, {len(self.failed)} failed ({self.pages} pages)")

    def as_dict(self) -> dict:
        return {"downloaded": len(self.downloaded), "updated": len(self.updated), "skipped": len(self.skipped),
                "withdrawn": len(self.withdrawn), "failed": len(self.failed), "pages": self.pages}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _find(el, name: str):
    return next((c for c in el.iter() if _local(c.tag) == name), None)


def _text(el) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def parse_response(body: bytes, query: str = "") -> Page:
    """Read one searchRetrieveResponse; raise on a diagnostic or anything that is not one."""
    try:
        root = SafeET.fromstring(body)
    except Exception as exc:
        head = body[:200].decode("utf-8", errors="replace").strip()
        raise SRUError(f"SRU service sent something that is not XML: {exc}; it began with: {head!r}") from exc
    if _local(root.tag) != "searchRetrieveResponse":
        raise SRUError(f"SRU service sent <{_local(root.tag)}>, not a searchRetrieveResponse")
    diag = _find(root, "diagnostic")
    if diag is not None:
        raise SRUDiagnosticError(_text(_child(diag, "uri")), _text(_child(diag, "message")),
                                 _text(_child(diag, "details")), query)
    count = _child(root, "numberOfRecords")
    if count is None or not _text(count).isdigit():
        raise SRUError("SRU response without numberOfRecords and without a diagnostic")
    records_el = _child(root, "records")
    records = [parse_record(r) for r in (records_el if records_el is not None else []) if _local(r.tag) == "record"]
    nxt = _child(root, "nextRecordPosition")
    return Page(int(_text(count)), [r for r in records if r], int(_text(nxt)) if nxt is not None and _text(nxt).isdigit() else None)


def _child(el, name: str):
    return next((c for c in el if _local(c.tag) == name), None)


def parse_record(rec) -> Record | None:
    """Flatten a `record`'s gzd metadata (owmskern, owmsmantel, tpmeta) and its URLs."""
    gzd = _find(rec, "gzd")
    if gzd is None:
        return None
    fields: dict[str, list[str]] = {}
    original = _child(gzd, "originalData")
    for block in (original.iter() if original is not None else []):
        if _local(block.tag) in {"owmskern", "owmsmantel", "tpmeta"}:
            for item in block:
                value = _text(item)
                if value:
                    fields.setdefault(_local(item.tag), []).append(value)
    manifestations, preferred = {}, None
    enriched = _child(gzd, "enrichedData")
    for item in (enriched if enriched is not None else []):
        name = _local(item.tag)
        if name == "itemUrl" and item.get("manifestation"):
            manifestations.setdefault(item.get("manifestation").strip(), _text(item))
        elif name == "preferredUrl":
            preferred = _text(item)
    identifier = (fields.get("identifier") or [""])[0]
    if not identifier:
        return None
    return Record(identifier, fields, manifestations, preferred)


def build_query(cfg: dict, since: dt.date | None = None, until: dt.date | None = None,
                date_field: str = "modified", dossiers: list[str] | None = None, text: str | None = None) -> str:
    """The CQL for a date range, dossier numbers and/or free text, on top of the base query."""
    idx = cfg["indexes"]
    parts = [f"({cfg['base_query']})"] if cfg.get("base_query") else []
    index = idx[date_field]
    if since:
        parts.append(f"{index}>={since.isoformat()}")
    if until:
        parts.append(f"{index}<={until.isoformat()}")
    if dossiers:
        ors = " or ".join(f'{idx["dossier"]}=="{_cql_escape(d)}"' for d in dossiers)
        parts.append(f"({ors})")
    if text:
        parts.append(f'{idx["text"]} any "{_cql_escape(text)}"')
    return " and ".join(parts) or "cql.allRecords=1"


def _cql_escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"')


def search(client: HttpClient, cfg: dict, query: str, report: FetchReport | None = None):
    """Every record of a query, page by page (startRecord / maximumRecords)."""
    start, size = 1, int(cfg["page_size"])
    for _ in range(int(cfg.get("max_pages", 500))):
        params = {"operation": "searchRetrieve", "version": cfg.get("version", "2.0"), "query": query,
                  "startRecord": start, "maximumRecords": size}
        page = parse_response(client.get(cfg["url"], params, accept="application/xml").body, query)
        if report is not None:
            report.pages += 1
        yield from page.records
        if not page.records:
            return
        nxt = page.next_position or (start + len(page.records))
        if nxt > page.total or nxt <= start:
            return
        start = nxt
    raise SRUError(f"more than {cfg.get('max_pages')} pages; narrow the query or raise sru.max_pages")


def file_name(record: Record, kind: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", record.identifier).strip("._") or "document"
    return safe + EXTENSIONS.get(kind, "." + kind)


def sidecar(record: Record, kind: str, url: str, cfg: dict) -> dict:
    """Metadata for `<file>.meta.yaml`: fields our pipeline overrides, plus the whole record."""
    out: dict = {}
    title = record.get("documenttitel") or record.get("title")
    if title:
        out["title"] = title
    date = record.get("date") or record.get("issued") or record.get("available")
    if date:
        out["date"] = str(date)[:10]
    kind_name = record.get("subrubriek") or record.get("publicatienaam") or record.get("type")
    if kind_name in cfg.get("type_map", {}):
        out["type"] = cfg["type_map"][kind_name]
    if record.identifier.startswith("kst-"):
        out["kamerstuk"] = [record.identifier]
    out["source_url"] = record.preferred_url or url
    out["source"] = {
        "name": "officielebekendmakingen",
        "identifier": record.identifier,
        "manifestation": kind,
        "download_url": url,
        "fetched_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "metadata": {k: (v if k in LIST_FIELDS or len(v) > 1 else v[0]) for k, v in sorted(record.fields.items())},
    }
    return out


def _check_xml(path: Path, url: str) -> None:
    """A document that should be XML must look like XML, not an HTML error page or a PDF.

    The check is the readers' own sniffing, not a strict parse: real
    publications carry quirks (a stray BOM before the declaration) that the
    XML reader copes with and a strict parser would refuse.
    """
    if path.stat().st_size == 0:
        raise FetchError(url, "server sent an empty document")
    kind = sniff(path)
    if kind in {"html", "pdf"}:
        raise FetchError(url, f"server sent {kind.upper()} where the XML document should be")
    with path.open("rb") as fh:
        if b"<" not in fh.read(1024):
            raise FetchError(url, "server sent something that is not XML where the XML document should be")


def fetch(db, inbox: Path, cfg: dict, client: HttpClient, since: dt.date | None = None,
          until: dt.date | None = None, date_field: str = "modified", dossiers: list[str] | None = None,
          text: str | None = None, full: bool = False, dry_run: bool = False, limit: int | None = None,
          log=None) -> FetchReport:
    """Search, then download every new or changed record and drop withdrawn ones.

    The cursor moves only after a complete run (no failures, no --limit cut, no
    upper date bound), so whatever a run missed is asked for again next time.
    """
    cursor.ensure_tables(db)
    slice_params = {"dossiers": sorted(dossiers or []), "text": text or "", "date_field": date_field}
    if date_field == "modified":
        slice_params.pop("date_field")
    key = cursor.cursor_key(SOURCE, slice_params)
    previous = cursor.get(db, key)
    if since is None and not full:
        since = (dt.date.fromisoformat(previous[:10]) if previous
                 else dt.date.today() - dt.timedelta(days=int(cfg.get("first_since_days", 7))))
    report = FetchReport(query=build_query(cfg, since, until, date_field, dossiers, text))
    folder = Path(inbox) / cfg.get("subdir", "")
    newest, complete = previous or "", True
    for record in search(client, cfg, report.query, report):
        if limit is not None and len(report.downloaded) + len(report.updated) >= limit:
            complete = False  # records come in no date order: a partial run must not move the cursor
            break
        stamp = record.modified if date_field == "modified" else str(record.get("date") or "")
        newest = max(newest, stamp[:10])
        try:
            _handle(db, folder, Path(inbox), cfg, client, record, report, dry_run)
        except FetchError as exc:
            report.failed[record.identifier] = exc.reason
        if log:
            log(record.identifier)
    if complete and not dry_run and not report.failed and until is None and newest:
        cursor.put(db, key, newest, slice_params, report.as_dict())
        report.cursor = newest
    return report


def _handle(db, folder: Path, inbox: Path, cfg: dict, client: HttpClient, record: Record,
            report: FetchReport, dry_run: bool) -> None:
    prev = cursor.known(db, SOURCE, record.identifier)
    prev_path = inbox / prev["path"] if prev and prev.get("path") else None
    if record.withdrawn(cfg.get("withdrawn_status", [])):
        _withdraw(db, record.identifier, prev_path, report, dry_run, record.modified)
        return
    if prev and prev["status"] == "present" and prev["modified"] == record.modified and prev_path and prev_path.exists():
        report.skipped.append(record.identifier)
        return
    kind = next((k for k in cfg.get("manifestations", ["xml"]) if record.manifestations.get(k)), None)
    if kind is None:
        report.failed[record.identifier] = ("no downloadable manifestation (" +
                                            ", ".join(cfg.get("manifestations", [])) + ")")
        return
    url = record.manifestations[kind]
    target = folder / file_name(record, kind)
    if dry_run:
        (report.updated if prev_path and prev_path.exists() else report.downloaded).append(record.identifier)
        return
    meta = sidecar(record, kind, url, cfg)
    side = target.with_name(target.name + SIDECAR_SUFFIX)
    digest = hashlib.sha256()

    def commit(tmp: Path) -> None:
        if kind == "xml":
            _check_xml(tmp, url)
        digest.update(tmp.read_bytes())
        write_atomic(side, yaml.safe_dump(meta, allow_unicode=True, sort_keys=False).encode("utf-8"))

    try:
        client.download(url, target, before_commit=commit)
    except FetchError as exc:
        if exc.status in set(cfg.get("gone_http_status", [410])):
            _withdraw(db, record.identifier, prev_path, report, dry_run, record.modified)
            return
        raise
    if prev_path and prev_path.exists() and prev_path.resolve() != target.resolve():
        _remove(prev_path)
    cursor.remember(db, SOURCE, record.identifier, modified=record.modified, status="present",
                    path=target.relative_to(inbox).as_posix(), sha256=digest.hexdigest(), url=url)
    (report.updated if prev else report.downloaded).append(record.identifier)


def _withdraw(db, identifier: str, prev_path: Path | None, report: FetchReport, dry_run: bool, modified: str) -> None:
    """A withdrawn publication leaves the corpus: its file and sidecar go, ingest drops its rows."""
    report.withdrawn.append(identifier)
    if dry_run:
        return
    if prev_path and prev_path.exists():
        _remove(prev_path)
    cursor.remember(db, SOURCE, identifier, modified=modified, status="withdrawn", path=None, sha256=None, url=None)


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + SIDECAR_SUFFIX)):  # document first: no doc without its sidecar
        try:
            p.unlink()
        except FileNotFoundError:
            pass
