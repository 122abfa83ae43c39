"""Links across documents, recomputed after every ingest.

- citations → the corpus document they cite, by its stated Kamerstuk id or,
  when that document states none, by the citation's description (title,
  date) matched with rapidfuzz; the learned id is then known for it too;
- motion mentions → one `motions` row per motion, with its follow-up status
  and the sentence that completed it;
- commitments → the later document that delivered them (`deliveries`), and a
  status as of today; curated decisions (`curation.yaml`) win.
"""
from __future__ import annotations

import datetime as dt
import json
import re

from rapidfuzz import fuzz, process

from extract import store
from extract.curation import load_curation
from extract.metadata import parse_dutch_date
from extract.sentences import split

TITLE_MATCH = 95  # partial ratio (+10 with a matching date) of a document title inside a citation's context
DELIVERY_MATCH = 80
DUE_SOON_DAYS = 30


def link_all(db, today: dt.date | None = None, changed: set[str] | None = None) -> None:
    """Recompute the cross-document links.

    `changed` names the documents added or changed by this run (None: all);
    delivery matching, the one quadratic link, then only pairs a changed
    document takes part in, so one new letter costs the same in a KB of
    a hundred or of ten thousand documents.
    """
    today = today or dt.date.today()
    with store.transaction(db):
        _mark_changed(db, changed)
        refresh_entities(db, changed)
        resolve_citations(db, changed)
        aggregate_motions(db)
        link_deliveries(db, today, changed)
        load_curation(db)
        update_statuses(db, today)  # after curation: a rejected delivery reopens its commitment


def _mark_changed(db, changed: set[str] | None) -> None:
    """The changed documents in a temporary table, so the SQL below can join on them."""
    db.conn.execute("CREATE TEMP TABLE IF NOT EXISTS changed_docs (id TEXT PRIMARY KEY)")
    db.conn.execute("DELETE FROM changed_docs")
    if changed:
        db.conn.executemany("INSERT OR IGNORE INTO changed_docs VALUES (?)", [(d,) for d in changed])


def refresh_entities(db, changed: set[str] | None = None) -> None:
    """The entities table: every gazetteer entity that some document mentions.

    Kept apart from the per-document rows so an entity page survives the
    re-extraction of any one letter. With `changed`, only the entities those
    documents mention are added (a full run also drops unmentioned ones).
    """
    from extract.entities import entity_table

    if changed is None:
        db.conn.execute("DELETE FROM entities")
        scope = "SELECT entity, type, name, count(*) AS n FROM mentions GROUP BY entity"
    else:  # counted over all documents, through the index on mentions(entity)
        scope = ("SELECT entity, type, name, (SELECT count(*) FROM mentions a WHERE a.entity = m.entity) AS n "
                 "FROM mentions m WHERE document IN (SELECT id FROM changed_docs) GROUP BY entity")
    mentioned = {r["entity"]: r for r in db.query(scope)}
    if not mentioned:
        return
    rows = [dict(e, n_mentions=mentioned[e["id"]]["n"]) for e in entity_table() if e["id"] in mentioned]
    known = {e["id"] for e in rows}
    rows += [{"id": k, "type": r["type"], "name": r["name"], "standard_id": None, "aliases": "[]", "is_new": 1,
              "n_mentions": r["n"]} for k, r in mentioned.items() if k not in known]
    db["entities"].insert_all(rows, pk="id", replace=True, alter=True)


# --- citations ---------------------------------------------------------------

def resolve_citations(db, changed: set[str] | None = None) -> None:
    """Fill citations.resolved_document; learn ids of documents that state none.

    With `changed`, only citations in or to the changed documents are looked at;
    ids learned earlier stay (they go with their document when it is cleared).
    """
    if "citations" not in db.table_names():
        return
    if changed is None:
        db.conn.execute("DELETE FROM document_ids WHERE source = 'resolved'")
    unnamed = list(db.query(
        "SELECT id, title, date FROM documents WHERE id NOT IN (SELECT document FROM document_ids)"))
    dates = {r["id"]: r["date"] for r in db.query("SELECT id, date FROM documents")}
    learned: dict[str, str] = {}
    cites = []
    if unnamed:
        where = "" if changed is None else (
            " AND (document IN (SELECT id FROM changed_docs) OR EXISTS (SELECT 1 FROM changed_docs c "
            "JOIN documents d ON d.id = c.id WHERE d.id NOT IN (SELECT document FROM document_ids)))")
        cites = list(db.query("SELECT document, cited, context FROM citations WHERE kind = 'kst' "
                              "AND cited NOT IN (SELECT kst_id FROM document_ids)" + where))
    for c in cites:
        if c["cited"] in learned:
            continue
        match = _match_description(c["context"] or "", [d for d in unnamed if d["id"] != c["document"]],
                                   dates.get(c["document"]))
        # one document, one publication: all its ids share the ondernummer ('kst-29477-794', 'kst-32805-794')
        numbers = {k.rsplit("-", 1)[1] for k, v in learned.items() if v == match}
        if match and (not numbers or c["cited"].rsplit("-", 1)[1] in numbers):
            learned[c["cited"]] = match
    for kst_id, doc in learned.items():
        db["document_ids"].insert({"kst_id": kst_id, "document": doc, "source": "resolved",
                                   "url": _kst_url(kst_id)}, pk=("kst_id", "document"), replace=True)
    scope = "" if changed is None else (
        " AND (document IN (SELECT id FROM changed_docs) OR cited IN (SELECT kst_id FROM document_ids "
        "WHERE document IN (SELECT id FROM changed_docs)) OR cited IN (" + ",".join("?" * len(learned)) + "))")
    db.conn.execute(
        "UPDATE citations SET resolved_document = (SELECT document FROM document_ids i WHERE i.kst_id = citations.cited "
        "ORDER BY i.source = 'resolved' LIMIT 1) WHERE kind IN ('kst', 'eu_doc')" + scope,
        list(learned) if changed is not None else [])
    targets = "" if changed is None else (
        " WHERE id IN (SELECT id FROM changed_docs) OR id IN (" + ",".join("?" * len(learned)) + ")")
    db.conn.execute(
        "UPDATE documents SET kamerstuk_resolved = coalesce((SELECT json_group_array(kst_id) FROM "
        "(SELECT kst_id FROM document_ids i WHERE i.document = documents.id AND i.source = 'resolved' "
        "ORDER BY kst_id)), '[]')" + targets,
        list(learned.values()) if changed is not None else [])


def _match_description(context: str, candidates: list[dict], cited_by_date: str | None = None) -> str | None:
    """The candidate whose title the context names nearly word for word.

    A stated date ('van 8 november 2022') must be the candidate's date, and a
    document cannot cite a later one. Titles shorter than a few words are
    too common to identify a letter alone.
    """
    if not context:
        return None
    stated_date = parse_dutch_date(context)
    low = context.lower()
    best, best_score = None, 0.0
    for d in candidates:
        title = (d["title"] or "").lower()
        if len(title) < 12 or (cited_by_date and d["date"] and d["date"] > cited_by_date):
            continue
        if stated_date and d["date"] and stated_date.isoformat() != d["date"]:
            continue
        if not stated_date and len(title.split()) < 5:
            continue  # a short title ('Geo-economische monitor') names a topic, not one letter, unless dated
        score = fuzz.partial_ratio(title, low) + (10 if stated_date else 0)
        if score > best_score:
            best, best_score = d["id"], score
    return best if best_score >= TITLE_MATCH else None


def _kst_url(kst_id: str) -> str:
    from extract.citations import kst_url

    return kst_url(kst_id)


# --- motions -----------------------------------------------------------------

def aggregate_motions(db) -> None:
    """One row per motion, however many ways the letters name it."""
    db.conn.execute("DELETE FROM motions") if "motions" in db.table_names() else None
    if "motion_mentions" not in db.table_names():
        return
    mentions = list(db.query(
        """SELECT m.rowid AS rowid, m.*, d.date AS doc_date, d.title AS doc_title
           FROM motion_mentions m JOIN documents d ON d.id = m.document
           ORDER BY d.date, m.document"""
    ))
    groups: list[dict] = []
    for m in mentions:
        members = json.loads(m["members"] or "[]")
        group = _find_group(groups, m["motion"], members)
        if group is None:
            group = {"ids": set(), "members": [], "mentions": []}
            groups.append(group)
        if m["motion"]:
            group["ids"].add(m["motion"])
        for name in members:
            if name.lower() not in {x.lower() for x in group["members"]}:
                group["members"].append(name)
        group["mentions"].append(m)
    rows = [_motion_row(g) for g in groups]
    if rows:
        db["motions"].insert_all(rows, pk="id", replace=True, alter=True)
    db.conn.executemany("UPDATE motion_mentions SET motion_key = ? WHERE rowid = ?",
                        [(row["id"], m["rowid"]) for row, g in zip(rows, groups) for m in g["mentions"]])


def _surnames(members: list[str]) -> set[str]:
    return {re.sub(r"^(?:van der|van den|van de|van|de|der|den|ter|ten|te)\s+", "", n.lower()) for n in members}


def _find_group(groups: list[dict], motion_id: str | None, members: list[str]) -> dict | None:
    by_id = next((g for g in groups if motion_id and motion_id in g["ids"]), None) if motion_id else None
    if by_id:
        return by_id
    if not members:
        return None
    wanted = _surnames(members)
    for g in groups:
        have = _surnames(g["members"])
        if motion_id and g["ids"] and motion_id not in g["ids"]:
            continue
        if wanted and have and (wanted <= have or have <= wanted):
            return g
    return None


def _motion_row(g: dict) -> dict:
    ms = g["mentions"]
    completed = next((m for m in ms if m["status"] == "completed"), None)
    responding = next((m for m in ms if m["status"] == "responding"), None)
    doc_row = next((m for m in ms if m["is_motion_document"]), None)
    motion_id = sorted(g["ids"])[0] if g["ids"] else None
    party = next((m["party"] for m in ms if m["party"]), None)
    key = motion_id or "motie-" + "-".join(sorted(_surnames(g["members"]))).replace(" ", "_")
    return {
        "id": key,
        "kst_id": motion_id,
        "members": json.dumps(g["members"], ensure_ascii=False),
        "party": party,
        "title": next((m["title"] for m in ms if m["title"]), None),
        "status": "completed" if completed else ("responding" if responding else "open"),
        "first_seen": min((m["doc_date"] for m in ms if m["doc_date"]), default=None),
        "date": doc_row["date"] if doc_row and "date" in doc_row.keys() else None,
        "requests": doc_row["requests"] if doc_row and "requests" in doc_row.keys() else None,
        "motion_document": doc_row["document"] if doc_row else None,
        "completed_by": completed["document"] if completed else None,
        "completed_passage": completed["passage"] if completed else None,
        "evidence": (completed or responding or ms[0])["sentence"],
        "n_mentions": len(ms),
        "url": _kst_url(motion_id) if motion_id else None,
    }


# --- commitments -------------------------------------------------------------

_DELIVERED_VERBS = re.compile(
    r"\b(?:gepubliceerd|verschenen|toegestuurd|verstuurd|aangeboden|gedeeld|vastgesteld|gepresenteerd|"
    r"aan uw Kamer gezonden|ontvangen|uitgebracht|gelanceerd)\b",
    re.I,
)


def commitment_status(due: str | None, delivered: bool, today: dt.date) -> str:
    """open / due_soon / overdue / delivered / no_deadline, as of `today`."""
    if delivered:
        return "delivered"
    if not due:
        return "no_deadline"
    days = (dt.date.fromisoformat(due) - today).days
    if days < 0:
        return "overdue"
    return "due_soon" if days <= DUE_SOON_DAYS else "open"


def link_deliveries(db, today: dt.date, changed: set[str] | None = None) -> None:
    """A later document delivers a commitment when it is, or reports, the deliverable.

    With `changed`, only the changed documents' commitments (against every
    document) and the other open commitments (against the changed documents)
    are matched; deliveries found before stay (their rows go with a document
    when it is cleared).
    """
    if "commitments" not in db.table_names():
        return
    if changed is None:
        db.conn.execute("DELETE FROM deliveries")
    docs = list(db.query("SELECT id, date, title, type FROM documents WHERE date IS NOT NULL ORDER BY date"))
    by_id = {d["id"]: d for d in docs}
    delivered = {r["commitment"] for r in db.query("SELECT commitment FROM deliveries")}
    latest_changed = max((by_id[d]["date"] for d in (changed or ()) if d in by_id), default=None)
    if changed is not None and latest_changed is None:
        return  # nothing dated changed: no new pair to match
    commitments = list(db.query(
        "SELECT c.id, c.document, c.deliverable, c.subject, c.text, c.kind, c.due, d.date AS promised "
        "FROM commitments c JOIN documents d ON d.id = c.document WHERE coalesce(c.kind, '') != 'eu_action' "
        "AND length(coalesce(c.deliverable, '')) >= 4"
        + ("" if changed is None else " AND (c.document IN (SELECT id FROM changed_docs) OR d.date < :latest)"),
        {"latest": latest_changed} if changed is not None else {},
    ))
    cites = _citations_by_document(db)
    # The changed documents' passages, read once: matching old promises against a
    # few new letters then costs a substring test, not a full-text query each.
    texts: dict[str, list[tuple[str, str]]] = {}
    if changed is not None:
        for r in db.query("SELECT document, text FROM passages WHERE document IN (SELECT id FROM changed_docs)"):
            texts.setdefault(r["document"], []).append((r["text"], " ".join(re.findall(r"\w+", r["text"].lower()))))
    found = []
    for c in commitments:
        if changed is None or c["document"] in changed:
            pool, local = docs, None
        elif c["id"] in delivered:
            continue
        else:
            pool, local = [by_id[d] for d in changed if d in by_id], texts
        best = _best_delivery(db, c, pool, cites, local)
        if best:
            found.append(best)
    if found:
        db["deliveries"].insert_all(found, pk=("commitment", "document"), replace=True, alter=True)


def update_statuses(db, today: dt.date) -> None:
    """Every commitment's status as of `today`, in one statement (see commitment_status)."""
    db.conn.execute(
        """UPDATE commitments SET status = CASE
             WHEN id IN (SELECT commitment FROM deliveries) THEN 'delivered'
             WHEN due IS NULL OR due = '' THEN 'no_deadline'
             WHEN due < :today THEN 'overdue'
             WHEN due <= :soon THEN 'due_soon'
             ELSE 'open' END
           WHERE coalesce(curated, 0) = 0""",
        {"today": today.isoformat(), "soon": (today + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()},
    )


def _citations_by_document(db) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    if "citations" in db.table_names():
        for r in db.query("SELECT document, resolved_document FROM citations WHERE resolved_document IS NOT NULL"):
            out.setdefault(r["document"], set()).add(r["resolved_document"])
    return out


def _best_delivery(db, c: dict, docs: list[dict], cites: dict[str, set[str]],
                   texts: dict[str, list[tuple[str, str]]] | None = None) -> dict | None:
    name = (c["deliverable"] or "").strip()
    if len(name) < 4 or not c["promised"]:
        return None
    later = {d["id"]: d for d in docs
             if d["id"] != c["document"] and d["date"] > c["promised"]}
    if not later:
        return None
    best = None
    titled = {k: (d["title"] or "").lower() for k, d in later.items() if d["title"]}
    hit = process.extractOne(name.lower(), titled, scorer=fuzz.token_set_ratio, score_cutoff=90) if titled else None
    if hit:
        best = {"commitment": c["id"], "document": hit[2], "confidence": round(float(hit[1]), 1),
                "evidence": later[hit[2]]["title"], "method": "title"}
    for doc_id, sentence in _sentences_naming(db, name, later, texts):
        score = 85.0 + (10 if c["document"] in cites.get(doc_id, set()) else 0)
        if score >= DELIVERY_MATCH and (best is None or score > best["confidence"]):
            best = {"commitment": c["id"], "document": doc_id, "confidence": score,
                    "evidence": sentence, "method": "sentence"}
    return best


def _sentences_naming(db, name: str, later: dict[str, dict], texts: dict[str, list[tuple[str, str]]] | None = None):
    """(document, sentence) of later documents that report the deliverable as done.

    Candidates come from the full-text index (a phrase query), so the cost
    does not grow with the number of documents that do not name it; or, when
    the few candidate documents' texts are given, from those.
    """
    words = re.findall(r"\w+", name.lower())
    while words and words[0] in ("de", "het", "een", "deze", "dit", "the", "a"):
        words = words[1:]
    words = words[:8]
    if not words:
        return
    phrase = '"' + " ".join(words) + '"'
    pattern = re.compile(r"\W+".join(map(re.escape, words)), re.I)
    if texts is not None:
        probe = " ".join(words)
        rows = [{"document": d, "text": t} for d, ts in texts.items() if d in later for t, norm in ts if probe in norm]
    else:
        rows = db.query(
            "SELECT p.document, p.text FROM passages_fts f JOIN passages p ON p.rowid = f.rowid "
            "WHERE passages_fts MATCH ? LIMIT 500", [phrase])
    for p in rows:
        if p["document"] not in later:
            continue
        for sentence in split(p["text"]):
            if pattern.search(sentence) and _DELIVERED_VERBS.search(sentence):
                yield p["document"], sentence
