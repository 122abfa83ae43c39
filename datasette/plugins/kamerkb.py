"""kamer-kb pages on top of Datasette: the home page's daily questions, a letter
as a person reads it, motion, entity and commitment pages, and Atom feeds.

Every page reads the first attached database (kb.db) and works on an empty
knowledge base too. Text is passed to Jinja unmarked, so autoescaping covers
everything a document or a search term can contain.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import quote
from xml.sax.saxutils import escape

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from extract.store import QUARTER_OF_DUE

STATUS_NL = {
    "overdue": "verlopen", "due_soon": "bijna verlopen", "open": "open", "delivered": "geleverd",
    "no_deadline": "zonder termijn", "completed": "afgedaan", "responding": "deels beantwoord",
    "referenced": "genoemd", "document": "motietekst",
}
TYPE_NL = {
    "kamerbrief": "Kamerbrief", "motie": "Motie", "bnc_fiche": "BNC-fiche", "kabinetsappreciatie": "Kabinetsappreciatie",
    "verslag_schriftelijk_overleg": "Verslag schriftelijk overleg", "kamervragen": "Kamervragen",
    "handelingen": "Handelingen", "other": "Overig",
}
ENTITY_NL = {"country": "land", "product": "product", "measure": "maatregel", "organisation": "organisatie",
             "person": "persoon", "region": "regio"}


# Commitments per quarter of their due date and status (the charts on home and /-/toezeggingen).
QUARTERS_SQL = f"""
    select {QUARTER_OF_DUE} as q, status, count(*) as n
    from commitments where due is not null and kind != 'eu_action' group by 1, 2 order by 1"""


def _db(datasette):
    return datasette.get_database()


async def _rows(datasette, sql: str, params=None) -> list[dict]:
    """Rows as dicts; an empty list when a table does not exist yet (empty KB)."""
    db = _db(datasette)
    try:
        result = await db.execute(sql, params or {})
    except Exception as exc:  # noqa: BLE001 - a missing table on a fresh KB is not an error page
        if "no such table" in str(exc) or "no such column" in str(exc):
            return []
        raise
    return [dict(r) for r in result.rows]


def _link(prefix: str, key: str | None) -> str | None:
    return f"{prefix}{quote(key, safe='')}" if key else None


def _filters(env):
    env.filters["status_nl"] = lambda s: STATUS_NL.get(s or "", s or "")
    env.filters["type_nl"] = lambda s: TYPE_NL.get(s or "", s or "")
    env.filters["entity_nl"] = lambda s: ENTITY_NL.get(s or "", s or "")
    env.filters["urlpart"] = lambda s: quote(s or "", safe="")
    env.filters["fromjson"] = lambda s: json.loads(s) if s else []


@hookimpl
def prepare_jinja2_environment(env):
    _filters(env)


# --- home --------------------------------------------------------------------

@hookimpl
def extra_template_vars(template, datasette, request, database, table):
    if template == "row.html" and table == "documents" and request is not None:
        return _document_row_vars(datasette, request, database)
    if template != "index.html":
        return {}

    async def home():
        today = dt.date.today().isoformat()
        return {
            "kb_db": _db(datasette).name,
            "kb_overdue": await _rows(datasette, """
                select c.id, c.text, c.due, c.status, c.document, d.title from commitments c
                join documents d on d.id = c.document
                where c.status in ('overdue', 'due_soon') and c.kind != 'eu_action'
                order by c.status = 'due_soon' desc, c.due desc limit 8"""),
            "kb_counts": {r["status"]: r["n"] for r in await _rows(
                datasette, "select status, count(*) as n from commitments where kind != 'eu_action' group by status")},
            "kb_open_motions": await _rows(datasette, """
                select id, members, party, status, evidence from motions where status != 'completed'
                order by first_seen desc limit 8"""),
            "kb_completed_motions": await _rows(datasette, """
                select m.id, m.members, m.party, m.completed_by, d.title from motions m
                left join documents d on d.id = m.completed_by where m.status = 'completed' limit 8"""),
            "kb_newest": await _rows(datasette, """
                select id, date, type, title from documents order by date desc, id limit 10"""),
            "kb_quarters": await _rows(datasette, QUARTERS_SQL),
            "kb_top_entities": await _rows(datasette, """
                select id as entity, name, type, n_mentions as n from entities
                where type in ('country', 'product', 'measure') order by n_mentions desc limit 12"""),
            "kb_today": today,
        }

    return home


DOC_LABELS = {
    "id": "Bestand", "path": "Pad", "format": "Formaat", "sha256": "Hash", "stamp": "Stempel", "date": "Datum",
    "date_estimated": "Datum geschat", "type": "Soort", "title": "Titel", "kamerstuk": "Kamerstuk",
    "kamerstuk_resolved": "Kamerstuk (afgeleid)", "senders": "Afzenders", "reference": "Kenmerk",
    "source_url": "Bron", "language": "Taal", "pages": "Pagina's", "n_passages": "Passages",
    "ingested_at": "Ingelezen",
}


def _plain(value):
    """A JSON list as 'a, b'; anything else unchanged (the template escapes it)."""
    if isinstance(value, str) and value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            return value
        if isinstance(items, list):
            return ", ".join(str(i) for i in items)
    return value


def _document_row_vars(datasette, request, database):
    """A document's row page: its fields (Dutch labels, without the long text column), then the
    cleaned passages and the footnotes beneath."""
    from datasette.utils import urlsafe_components

    async def inner():
        doc_id = (urlsafe_components(request.url_vars.get("pks", "")) or [""])[0]
        p = {"id": doc_id}
        docs = await _rows(datasette, "select * from documents where id = :id", p)
        labels = (datasette.table_metadata(database, "documents") or {}).get("columns") or {}
        fields = [{"name": k, "label": DOC_LABELS.get(k, k), "help": labels.get(k, ""), "value": _plain(v)}
                  for k, v in (docs[0].items() if docs else []) if k != "text" and v not in (None, "", "[]")]
        return {
            "kb_doc": docs[0] if docs else None,
            "kb_doc_fields": fields,
            "kb_doc_passages": await _rows(datasette, "select id, kind, heading, text from passages "
                                                      "where document = :id order by ord", p),
            "kb_doc_footnotes": await _rows(datasette, "select number, text from footnotes where document = :id "
                                                       "order by cast(number as integer)", p),
        }

    return inner


# --- links in canned query results ---------------------------------------------

DOC_COLUMNS = {"document", "verwijzend_document", "afgedaan_in", "completed_by", "motion_document", "brief_id"}
MOTION_COLUMNS = {"motie"}


@hookimpl
def render_cell(value, column, table, database, datasette):
    """In query results (no table), document ids, passages, motions and '/-/…' paths become links."""
    if table is not None or not isinstance(value, str) or not value:
        return None
    from markupsafe import Markup

    if column == "link" and value.startswith("/-/"):
        return Markup('<a href="{}">{}</a>').format(value, "openen")
    if column in DOC_COLUMNS and "#" not in value:
        return Markup('<a href="/-/brief/{}">{}</a>').format(quote(value, safe=""), value)
    if column == "passage" and "#" in value:
        doc = value.split("#", 1)[0]
        return Markup('<a href="/-/brief/{}#{}">{}</a>').format(quote(doc, safe=""), quote(value, safe=""), value)
    if column in MOTION_COLUMNS:
        return Markup('<a href="/-/motie/{}">{}</a>').format(quote(value, safe=""), value)
    if column == "status" and value in STATUS_NL:
        return Markup('<span class="kb-status kb-status-{}" title="{}">{}</span>').format(value, value, STATUS_NL[value])
    return None


# --- pages -------------------------------------------------------------------

async def brief(datasette, request):
    """One document as a person reads it: passages, highlights, footnotes, links."""
    doc_id = request.url_vars["doc_id"]
    docs = await _rows(datasette, "select * from documents where id = :id", {"id": doc_id})
    if not docs:
        raise NotFound(f"Document niet gevonden: {doc_id}")
    doc = docs[0]
    p = {"id": doc_id}
    passages = await _rows(datasette, "select * from passages where document = :id order by ord", p)
    mentions = await _rows(datasette, "select passage, entity, name, type, start, end from mentions "
                                      "where document = :id and footnote is null order by start", p)
    commitments = await _rows(datasette, "select * from commitments where document = :id order by passage", p)
    by_passage: dict[str, list] = {}
    for m in mentions:
        by_passage.setdefault(m["passage"], []).append(m)
    promised = {c["passage"] for c in commitments}
    rendered = [
        {**row, "parts": _highlight(row["text"], by_passage.get(row["id"], [])), "promise": row["id"] in promised}
        for row in passages
    ]
    context = {
        "doc": doc,
        "kb_db": _db(datasette).name,
        "passages": rendered,
        "footnotes": await _rows(datasette, "select * from footnotes where document = :id "
                                            "order by cast(number as integer)", p),
        "commitments": commitments,
        "motions": await _rows(datasette, "select * from motion_mentions where document = :id", p),
        "cites": await _rows(datasette, "select cited, kind, surface, url, resolved_document from citations "
                                        "where document = :id group by cited order by cited", p),
        "cited_by": await _rows(datasette, """
            select distinct c.document, d.title, d.date from citations c join documents d on d.id = c.document
            where c.resolved_document = :id and c.document != :id order by d.date""", p),
        "ids": await _rows(datasette, "select * from document_ids where document = :id", p),
        "entities": await _rows(datasette, "select entity, name, type, count(*) as n from mentions "
                                           "where document = :id group by entity order by type, n desc", p),
        "delivers": await _rows(datasette, """
            select c.text, c.document, c.due from deliveries v join commitments c on c.id = v.commitment
            where v.document = :id""", p),
    }
    return Response.html(await datasette.render_template("kamerkb_brief.html", context, request=request))


def _highlight(text: str, mentions: list[dict]) -> list[dict]:
    """The passage text cut into plain and entity parts (no markup: the template escapes)."""
    parts, pos = [], 0
    for m in sorted(mentions, key=lambda m: (m["start"] or 0)):
        start, end = m["start"], m["end"]
        if start is None or end is None or start < pos or end > len(text):
            continue
        if start > pos:
            parts.append({"text": text[pos:start]})
        parts.append({"text": text[start:end], "entity": m["entity"], "type": m["type"], "name": m["name"]})
        pos = end
    parts.append({"text": text[pos:]})
    return parts


async def motie(datasette, request):
    motion_id = request.url_vars["motion_id"]
    rows = await _rows(datasette, "select * from motions where id = :id", {"id": motion_id})
    if not rows:
        raise NotFound(f"Motie niet gevonden: {motion_id}")
    mentions = await _rows(datasette, """
        select m.*, d.date as doc_date, d.title as doc_title from motion_mentions m
        join documents d on d.id = m.document where m.motion_key = :id order by d.date""", {"id": motion_id})
    context = {"motion": rows[0], "mentions": mentions, "kb_db": _db(datasette).name}
    return Response.html(await datasette.render_template("kamerkb_motie.html", context, request=request))


async def entiteit(datasette, request):
    entity_id = request.url_vars["entity_id"]
    rows = await _rows(datasette, "select * from entities where id = :id", {"id": entity_id})
    if not rows:
        raise NotFound(f"Entiteit niet gevonden: {entity_id}")
    p = {"id": entity_id}
    context = {
        "entity": rows[0],
        "kb_db": _db(datasette).name,
        "quarters": await _rows(datasette, """
            select substr(d.date, 1, 4) || '-Q' || ((cast(substr(d.date, 6, 2) as integer) + 2) / 3) as q,
            count(*) as n from mentions m join documents d on d.id = m.document
            where m.entity = :id and d.date is not null group by 1 order by 1""", p),
        "passages": await _rows(datasette, """
            select distinct p.id, p.document, p.text, d.date, d.title from mentions m
            join passages p on p.id = m.passage join documents d on d.id = p.document
            where m.entity = :id order by d.date desc limit 100""", p),
        "dependencies": await _rows(datasette, """
            select * from dependencies where product = (select name from entities where id = :id)
            or country = (select standard_id from entities where id = :id) order by share desc""", p),
    }
    return Response.html(await datasette.render_template("kamerkb_entiteit.html", context, request=request))


PAGE_SIZE = 100  # rows per page of the commitments list: a large KB holds tens of thousands


async def toezeggingen(datasette, request):
    """Commitments to the Kamer by due date, a page at a time, with the quarter chart."""
    status = request.args.get("status") or ""
    try:
        page = max(1, int(request.args.get("pagina") or 1))
    except ValueError:
        page = 1
    p = {"status": status, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
    rows = await _rows(datasette, """
        select c.*, d.title as doc_title, v.document as delivered_by from commitments c
        join documents d on d.id = c.document left join deliveries v on v.commitment = c.id
        where c.kind != 'eu_action' and (:status = '' or c.status = :status)
        order by c.due is null, c.due limit :limit offset :offset""", p)
    total = (await _rows(datasette, "select count(*) as n from commitments where kind != 'eu_action' "
                                    "and (:status = '' or status = :status)", p))[0]["n"]
    quarters = await _rows(datasette, QUARTERS_SQL)
    context = {"rows": rows, "quarters": quarters, "status": status, "kb_db": _db(datasette).name,
               "page": page, "total": total, "first": p["offset"] + 1, "last": p["offset"] + len(rows),
               "pages": max(1, -(-total // PAGE_SIZE)),
               "eu": await _rows(datasette, "select * from commitments where kind = 'eu_action' order by due limit :limit",
                                 p)}
    return Response.html(await datasette.render_template("kamerkb_toezeggingen.html", context, request=request))


async def afhankelijkheden(datasette, request):
    """Product × country matrix of the highest stated share, each cell linked to its source."""
    rows = await _rows(datasette, """
        select product, country, max(share) as share, count(*) as n, min(document) as document
        from dependencies where share is not null group by product, country order by product""")
    countries = sorted({r["country"] for r in rows if r["country"]},
                       key=lambda c: -sum(1 for r in rows if r["country"] == c))[:25]
    matrix: dict[str, dict] = {}
    for r in rows:
        matrix.setdefault(r["product"], {})[r["country"]] = r
    context = {"countries": countries, "matrix": sorted(matrix.items()), "kb_db": _db(datasette).name}
    return Response.html(await datasette.render_template("kamerkb_afhankelijkheden.html", context, request=request))


async def over(datasette, request):
    return Response.html(await datasette.render_template("kamerkb_over.html", {}, request=request))


# --- feeds -------------------------------------------------------------------

FEEDS = {
    "documents": ("Nieuwe documenten", "select id as key, coalesce(title, id) as title, text as summary, "
                  "ingested_at as updated, '/-/brief/' as prefix, id as scope from documents"),
    "commitments": ("Nieuwe toezeggingen", "select c.id as key, c.text as title, coalesce(c.deadline_text, '') || ' — ' "
                    "|| coalesce(c.status, '') as summary, d.ingested_at as updated, '/-/brief/' as prefix, "
                    "c.document as target, c.passage as scope from commitments c join documents d on d.id = c.document"),
    "motions": ("Moties", "select m.id as key, m.id || ' (' || coalesce(m.members, '') || ')' as title, "
                "coalesce(m.evidence, '') as summary, coalesce(m.first_seen, '') as updated, '/-/motie/' as prefix, "
                "coalesce(m.completed_passage, m.completed_by, m.motion_document) as scope from motions m"),
}


async def feed(datasette, request):
    """Atom feed of the newest items; ?q= keeps only items whose text contains it, ?entiteit=<id>
    only documents, commitments (by passage) or motions (by the completing passage) that mention it."""
    kind = request.url_vars["kind"]
    title, sql = FEEDS[kind]
    q = (request.args.get("q") or "").strip()
    ent = (request.args.get("entiteit") or "").strip()
    rows = await _rows(datasette, f"select * from ({sql}) where (:q = '' or title like '%' || :q || '%' "
                                  f"or summary like '%' || :q || '%') and (:ent = '' or scope in "
                                  f"(select passage from mentions where entity = :ent union "
                                  f"select document from mentions where entity = :ent)) "
                                  f"order by updated desc limit 50", {"q": q, "ent": ent})
    if ent:
        names = await _rows(datasette, "select name from entities where id = :ent", {"ent": ent})
        title += " over " + (names[0]["name"] if names else ent)
    base = f"{request.scheme}://{request.host}"
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    entries = []
    for r in rows:
        target = r.get("target") or r["key"]
        link = base + r["prefix"] + quote(target, safe="")
        updated = _atom_time(r["updated"]) or now
        entries.append(
            f"<entry><id>{escape(link)}#{escape(quote(r['key'], safe=''))}</id><title>{escape(r['title'] or '')}</title>"
            f"<link href=\"{escape(link)}\"/><updated>{updated}</updated>"
            f"<summary>{escape((r['summary'] or '')[:1000])}</summary></entry>")
    feed_title = title + (f" — {q}" if q else "")
    xml = (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
           f"<id>{escape(base + request.full_path)}</id><title>{escape('kamer-kb: ' + feed_title)}</title>"
           f"<updated>{now}</updated><link rel=\"self\" href=\"{escape(base + request.full_path)}\"/>"
           + "".join(entries) + "</feed>")
    return Response(xml, content_type="application/atom+xml; charset=utf-8")


def _atom_time(value: str | None) -> str | None:
    if not value:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value + "T00:00:00+00:00"
    return value if "T" in value else None


async def index(datasette, request):
    """The home page without Datasette's index view, which counts the rows of every
    table first (up to 10 ms each: a fifth of a second on a large KB) for a table
    list this page does not show. `/.json` still answers from Datasette."""
    return Response.html(await datasette.render_template("index.html", {}, request=request))


@hookimpl
def register_routes():
    return [
        (r"^/$", index),
        (r"^/-/brief/(?P<doc_id>.+)$", brief),
        (r"^/-/motie/(?P<motion_id>.+)$", motie),
        (r"^/-/entiteit/(?P<entity_id>.+)$", entiteit),
        (r"^/-/toezeggingen$", toezeggingen),
        (r"^/-/over$", over),
        (r"^/-/afhankelijkheden$", afhankelijkheden),
        (r"^/-/feeds/(?P<kind>documents|commitments|motions)\.atom$", feed),
    ]
