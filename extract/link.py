"""Links across documents, recomputed after every ingest.

- citations → the corpus document they cite, by its stated Kamerstuk id or,
  when that document states none, by the citation's description (title,
  date) matched with rapidfuzz; the learned id is then known for it too;
- motion mentions → one `motions` row per motion, with its follow-up status
  and the sentence that completed it;
- commitments → the later document that delivered them (`deliveries`), and a
  status as of today; curated decisions (`curation.yaml`) win.

After an incremental ingest only what the changed documents (and the ones
cleared) can touch is recomputed, with the same result as a full relink: a
new letter costs about the same in a KB of a hundred or of ten thousand
documents. `watch` must run before documents are cleared, so the linker
knows what the clearing took away.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from bisect import bisect_right
from functools import lru_cache

from rapidfuzz import fuzz, process

from extract import store
from extract.commitments import cues
from extract.curation import load_curation
from extract.metadata import parse_dutch_date
from extract.motion_groups import (add_to_row, group_mentions, joined_group, members, motion_key, order,
                                   row_and_state, surnames)
from extract.patterns import fold, lower_words
from extract.sentences import split, split_spans

TITLE_MATCH = 95  # partial ratio (+10 with a matching date) of a document title inside a citation's context
DELIVERY_MATCH = 80
DELIVERY_TITLE_MATCH = 90  # token set ratio of a deliverable and a later document's title
DUE_SOON_DAYS = 30


def link_all(db, today: dt.date | None = None, changed: set[str] | None = None) -> None:
    """Recompute the cross-document links.

    `changed` names the documents added or changed by this run (None: all).
    Without a `watch` on this connection nothing recorded what clearing
    documents took away, so everything is relinked.
    """
    today = today or dt.date.today()
    if changed is not None and not _watching(db):
        changed = None
    with store.transaction(db):
        _ensure_link_tables(db)
        _mark_changed(db, changed)
        refresh_entities(db, changed)
        resolve_citations(db, changed)
        aggregate_motions(db, changed)
        link_deliveries(db, today, changed)
        load_curation(db)
        update_statuses(db, today, changed)  # after curation: a rejected delivery reopens its commitment
        _clear_watch(db)


def watch(db) -> None:
    """Record, on this connection, what clearing a document takes from the links.

    Temporary triggers note the motions that lose a mention and the
    commitments that lose or gain a delivery, and drop a cleared commitment's
    delivery probe; the incremental link starts from these instead of
    comparing every row. Call before any document is cleared or rewritten.
    """
    _ensure_link_tables(db)
    c = db.conn
    c.execute("CREATE TEMP TABLE IF NOT EXISTS cleared_motions (key TEXT PRIMARY KEY)")
    c.execute("CREATE TEMP TABLE IF NOT EXISTS touched_commitments (id TEXT PRIMARY KEY)")
    c.execute("CREATE TEMP TRIGGER IF NOT EXISTS link_mention_cleared AFTER DELETE ON main.motion_mentions "
              "WHEN old.motion_key IS NOT NULL BEGIN INSERT OR IGNORE INTO cleared_motions VALUES (old.motion_key); END")
    c.execute("CREATE TEMP TRIGGER IF NOT EXISTS link_delivery_gone AFTER DELETE ON main.deliveries "
              "BEGIN INSERT OR IGNORE INTO touched_commitments VALUES (old.commitment); END")
    c.execute("CREATE TEMP TRIGGER IF NOT EXISTS link_delivery_added AFTER INSERT ON main.deliveries "
              "BEGIN INSERT OR IGNORE INTO touched_commitments VALUES (new.commitment); END")
    c.execute("CREATE TEMP TRIGGER IF NOT EXISTS link_commitment_cleared AFTER DELETE ON main.commitments "
              "BEGIN DELETE FROM delivery_probes WHERE commitment = old.id; END")
    _clear_watch(db)


def _watching(db) -> bool:
    return db.conn.execute("SELECT 1 FROM temp.sqlite_master WHERE name = 'link_delivery_gone'").fetchone() is not None


def _clear_watch(db) -> None:
    """Start the next run's record afresh (what this run recorded is linked now)."""
    if _watching(db):
        db.conn.execute("DELETE FROM cleared_motions")
        db.conn.execute("DELETE FROM touched_commitments")


def _mark_changed(db, changed: set[str] | None) -> None:
    """The changed documents in a temporary table, so the SQL below can join on them."""
    db.conn.execute("CREATE TEMP TABLE IF NOT EXISTS changed_docs (id TEXT PRIMARY KEY)")
    db.conn.execute("DELETE FROM changed_docs")
    if changed:
        db.conn.executemany("INSERT OR IGNORE INTO changed_docs VALUES (?)", [(d,) for d in changed])


def refresh_entities(db, changed: set[str] | None = None) -> None:
    """The entities table: every gazetteer entity that some document mentions.

    Kept apart from the per-document rows so an entity page survives the
    re-extraction of any one letter. A full run recounts every entity; with
    `changed`, the mentions of the changed documents are added to the stored
    counts (a trigger took off those of cleared documents), and entities no
    document mentions any more go.
    """
    from extract.entities import entity_table

    if changed is None:
        db.conn.execute("DELETE FROM entities")
        mentioned = {r["entity"]: r for r in db.query(
            "SELECT entity, type, name, count(*) AS n FROM mentions GROUP BY entity")}
    else:
        mentioned = {r["entity"]: r for r in db.query(
            "SELECT entity, type, name, count(*) AS n FROM mentions "
            "WHERE document IN (SELECT id FROM changed_docs) GROUP BY entity")}
        have = dict(db.conn.execute(
            f"SELECT id, n_mentions FROM entities WHERE id IN ({','.join('?' * len(mentioned))})", list(mentioned)))
        for entity, r in mentioned.items():
            r["n"] += have[entity] if have.get(entity) is not None else _count_mentions(db, entity, r["n"])
        db.conn.execute("DELETE FROM entities WHERE n_mentions <= 0")
    if not mentioned:
        return
    rows = [dict(e, n_mentions=mentioned[e["id"]]["n"]) for e in entity_table() if e["id"] in mentioned]
    known = {e["id"] for e in rows}
    rows += [{"id": k, "type": r["type"], "name": r["name"], "standard_id": None, "aliases": "[]", "is_new": 1,
              "n_mentions": r["n"]} for k, r in mentioned.items() if k not in known]
    db["entities"].insert_all(rows, pk="id", replace=True, alter=True)


def _count_mentions(db, entity: str, in_changed: int) -> int:
    """Mentions of an entity without a row yet outside the changed documents (usually none)."""
    total = db.conn.execute("SELECT count(*) FROM mentions WHERE entity = ?", [entity]).fetchone()[0]
    return total - in_changed


# --- citations ---------------------------------------------------------------

def resolve_citations(db, changed: set[str] | None = None) -> None:
    """Fill citations.resolved_document; learn ids of documents that state none.

    With `changed`, the changed documents' citations are matched against
    every document that states no id, and the other documents' citations
    only against the changed ones among those (they were matched against the
    others before); ids learned earlier stay (they go with their document
    when it is cleared).
    """
    if "citations" not in db.table_names():
        return
    if changed is None:
        db.conn.execute("DELETE FROM document_ids WHERE source = 'resolved'")
    learned = _learn_ids(db, changed)
    for kst_id, doc in learned.items():
        db["document_ids"].insert({"kst_id": kst_id, "document": doc, "source": "resolved",
                                   "url": _kst_url(kst_id)}, pk=("kst_id", "document"), replace=True)
    # incremental: the citations in the changed documents, to their ids and to the ids
    # learned now; written as a union of index searches (an OR here scans the table).
    # '+kind' keeps SQLite from reading every citation of a kind through the facet index.
    scope = "" if changed is None else (
        " AND rowid IN (SELECT rowid FROM citations WHERE document IN (SELECT id FROM changed_docs) "
        "UNION SELECT rowid FROM citations WHERE cited IN "
        "(SELECT kst_id FROM document_ids WHERE document IN (SELECT id FROM changed_docs)) "
        "UNION SELECT rowid FROM citations WHERE cited IN (SELECT value FROM json_each(:learned)))")
    db.conn.execute(
        "UPDATE citations SET resolved_document = (SELECT document FROM document_ids i WHERE i.kst_id = citations.cited "
        "ORDER BY i.source = 'resolved' LIMIT 1) WHERE +kind IN ('kst', 'eu_doc')" + scope,
        {"learned": json.dumps(list(learned))})
    targets = "" if changed is None else (
        " WHERE id IN (SELECT id FROM changed_docs UNION SELECT value FROM json_each(:learned))")
    db.conn.execute(
        "UPDATE documents SET kamerstuk_resolved = coalesce((SELECT json_group_array(kst_id) FROM "
        "(SELECT kst_id FROM document_ids i WHERE i.document = documents.id AND i.source = 'resolved' "
        "ORDER BY kst_id)), '[]')" + targets,
        {"learned": json.dumps(list(learned.values()))})


_UNRESOLVED_KST = ("SELECT document, cited, context FROM citations WHERE +kind = 'kst' "  # (+: not the kind index)
                   "AND cited NOT IN (SELECT kst_id FROM document_ids)")
# A document that states a Kamerstuk id has a row for it in document_ids, so only those that
# state none (a partial index holds them, see _ensure_link_tables) can lack one.
_UNNAMED = ("coalesce(d.kamerstuk, '[]') = '[]' "
            "AND NOT EXISTS (SELECT 1 FROM document_ids i WHERE i.document = d.id)")


def _learn_ids(db, changed: set[str] | None) -> dict[str, str]:
    """Kamerstuk id → the document without a stated id that a citation describes."""
    if changed is None:
        unnamed = list(db.query(f"SELECT id, title, date FROM documents d WHERE {_UNNAMED}"))
        cites = [(c, unnamed) for c in db.query(_UNRESOLVED_KST)] if unnamed else []
    else:
        new_unnamed = list(db.query(
            f"SELECT id, title, date FROM documents d WHERE id IN (SELECT id FROM changed_docs) AND {_UNNAMED}"))
        own = list(db.query(_UNRESOLVED_KST + " AND document IN (SELECT id FROM changed_docs)"))
        others = list(db.query(_UNRESOLVED_KST + " AND document NOT IN (SELECT id FROM changed_docs)")) \
            if new_unnamed else []
        unnamed = _unnamed_documents(db) if own else []
        cites = [(c, unnamed) for c in own] + [(c, new_unnamed) for c in others]
    dates = _dates(db, {c["document"] for c, _ in cites})
    learned: dict[str, str] = {}
    for c, candidates in cites:
        if c["cited"] in learned:
            continue
        match = _match_description(c["context"] or "", [d for d in candidates if d["id"] != c["document"]],
                                   dates.get(c["document"]))
        # one document, one publication: all its ids share the ondernummer ('kst-29477-794', 'kst-32805-794')
        numbers = {k.rsplit("-", 1)[1] for k, v in learned.items() if v == match}
        if match and (not numbers or c["cited"].rsplit("-", 1)[1] in numbers):
            learned[c["cited"]] = match
    return learned


def _unnamed_documents(db) -> list[dict]:
    """Documents without any Kamerstuk id: their ids from the index of those that state none,
    then their rows."""
    ids = [r[0] for r in db.conn.execute(
        "SELECT id FROM documents d INDEXED BY documents_unstated WHERE " + _UNNAMED)]
    return _query_in(db, "SELECT id, title, date FROM documents WHERE id", ids)


def _dates(db, ids: set[str]) -> dict[str, str]:
    return {r["id"]: r["date"] for r in _query_in(db, "SELECT id, date FROM documents WHERE id", sorted(ids))}


IN_CHUNK = 500  # values per IN (...) list, well below SQLite's limit on bound parameters


def _query_in(db, sql: str, values: list, after: str = "", params: tuple = ()) -> list[dict]:
    """The rows of `sql IN (values) after`, asked IN_CHUNK values at a time."""
    rows: list[dict] = []
    for i in range(0, len(values), IN_CHUNK):
        chunk = values[i:i + IN_CHUNK]
        rows += db.query(f"{sql} IN ({','.join('?' * len(chunk))}){after}", [*chunk, *params])
    return rows


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

# The date comes from the index on (id, date) (see _ensure_link_tables): left to itself
# SQLite takes the primary key's and reads each document's row, whole text and all.
_MENTIONS = ("SELECT m.rowid AS rowid, m.*, d.date AS doc_date FROM motion_mentions m "
             "JOIN documents d INDEXED BY documents_id_date ON d.id = m.document")
_MENTION_ORDER = " ORDER BY d.date, m.document, m.id"


def aggregate_motions(db, changed: set[str] | None = None) -> None:
    """One row per motion, however many ways the letters name it.

    Mentions are grouped in date order, by motion id or else by members'
    surnames, so a group only ever takes mentions that share an id or a
    surname with it (see motion_groups). With `changed`, new mentions that
    join a motion without changing any group are added to its row; else only
    the groups connected to the new mentions (and to the motions that lost
    one) are grouped again, from all their mentions: the same groups as a
    full run, at the cost of them.
    """
    if "motion_mentions" not in db.table_names():
        db.conn.execute("DELETE FROM motions") if "motions" in db.table_names() else None
        db.conn.execute("DELETE FROM motion_groups")
        return
    if changed is None:
        db.conn.execute("DELETE FROM motions")
        db.conn.execute("DELETE FROM motion_groups")
        groups, keys = group_mentions(list(db.query(_MENTIONS + _MENTION_ORDER))), set()
    else:
        if _join_fresh(db):
            return
        groups, keys = _regroup_affected(db)
        if not groups and not keys:
            return
    made = [row_and_state(g) for g in groups]
    rows = [row for row, _ in made]
    if keys:
        db.conn.executemany("DELETE FROM motions WHERE id = ?", [(k,) for k in keys])
        db.conn.executemany("DELETE FROM motion_groups WHERE motion = ?", [(k,) for k in keys])
    if rows:
        db["motions"].insert_all(rows, pk="id", replace=True, alter=True)
        states = [(row["id"], row["kst_id"], _padded(g["surnames"]), json.dumps(state))
                  for (row, state), g in zip(made, groups)]
        db.conn.executemany("INSERT OR REPLACE INTO motion_groups VALUES (?, ?, ?, ?)", states)
    db.conn.executemany("UPDATE motion_mentions SET motion_key = ? WHERE rowid = ?",
                        [(row["id"], m["rowid"]) for row, g in zip(rows, groups) for m in g["mentions"]
                         if m["motion_key"] != row["id"]])


def _join_fresh(db) -> bool:
    """Add the new mentions to their motions' rows, when none of them changes a group
    (see motion_groups.joined_group); False, with nothing written, when the groups must
    be made again. Reads the states of the motions that share an id or a surname with
    a new mention, not their mentions."""
    if db.conn.execute("SELECT 1 FROM cleared_motions LIMIT 1").fetchone():
        return False
    fresh = list(db.query(_MENTIONS + " WHERE m.motion_key IS NULL"))
    placed: dict[str, list] = {}
    states: dict[str, dict] = {}
    for m in fresh:
        wanted = sorted(surnames(members(m["members"])))
        candidates = {key: (kst, json.loads(state)) for key, kst, state in db.conn.execute(
            "SELECT motion, kst_id, state FROM motion_groups WHERE kst_id = ?"
            + " OR instr(surnames, ?)" * len(wanted), [m["motion"], *(_padded([w]) for w in wanted)])}
        key = joined_group(m, candidates)
        if key is None:
            return False
        states.setdefault(key, candidates[key][1])
        placed.setdefault(key, []).append(m)
    rows = {r["id"]: r for r in _query_in(db, "SELECT * FROM motions WHERE id", sorted(placed))}
    if rows.keys() != placed.keys():
        return False  # (a motion without its row: not kept by this linker)
    for key, ms in placed.items():
        row = rows[key]
        add_to_row(row, states[key], ms)
        db.conn.execute(f"UPDATE motions SET {', '.join(f'[{c}] = ?' for c in _JOINED_FIELDS)} WHERE id = ?",
                        [row[c] for c in _JOINED_FIELDS] + [key])
        db.conn.execute("UPDATE motion_groups SET state = ? WHERE motion = ?", [json.dumps(states[key]), key])
        db.conn.executemany("UPDATE motion_mentions SET motion_key = ? WHERE rowid = ?", [(key, m["rowid"]) for m in ms])
    return bool(fresh)


# The fields a mention that joins a motion can change (not its id, members or Kamerstuk id).
_JOINED_FIELDS = ("party", "title", "status", "first_seen", "date", "requests", "motion_document",
                  "completed_by", "completed_passage", "evidence", "n_mentions")


def _padded(words) -> str:
    """Words between spaces, for instr() to find one whole."""
    return " " + " ".join(sorted(words)) + " "


def _regroup_affected(db) -> tuple[list[dict], set[str]]:
    """The groups of the mentions to group again, and the motion keys these were under.

    Starts from the mentions never grouped (the changed documents') and the
    motions that lost a mention; takes in every motion connected to them (see
    _connected), and a motion whose key a regrouped group would take.
    """
    fresh = list(db.query(_MENTIONS + " WHERE m.motion_key IS NULL"))
    keys = {r[0] for r in db.conn.execute("SELECT key FROM cleared_motions")}
    if not fresh and not keys:
        return [], set()
    motions = {r[0]: (r[1], surnames(members(r[2])), (r[2] or "").lower())
               for r in db.conn.execute("SELECT id, kst_id, members FROM motions")}
    while True:
        keys = _connected(motions, fresh, keys)
        groups = group_mentions(sorted(fresh + _mentions_of(db, keys), key=order))
        taken = {motion_key(g) for g in groups} & motions.keys() - keys
        if not taken:
            return groups, keys
        keys |= taken


def _connected(motions: dict[str, tuple], fresh: list[dict], keys: set[str]) -> set[str]:
    """`keys` and every motion that shares a motion id or a surname with them or with
    the fresh mentions, directly or through other motions."""
    keys = set(keys)
    ids = {m["motion"] for m in fresh if m["motion"]}
    names = set().union(*(surnames(members(m["members"])) for m in fresh))
    added = keys & motions.keys()
    while True:
        for key in added:
            ids.add(motions[key][0])
            names |= motions[key][1]
        added = {k for k, (kst, surnames, low) in motions.items() if k not in keys and (
            (kst and kst in ids) or (any(n in low for n in names) and surnames & names))}
        if not added:
            return keys
        keys |= added


def _mentions_of(db, keys: set[str]) -> list[dict]:
    return _query_in(db, _MENTIONS + " WHERE m.motion_key", sorted(keys))


# --- commitments -------------------------------------------------------------

# Sentence spans of passages: the linking asks them of the same passages for every
# commitment whose words they hold.
_sentence_spans = lru_cache(maxsize=2048)(split_spans)


@lru_cache(maxsize=8192)
def _reports_done(text: str) -> bool:
    """Whether a text has a verb that reports something done ('toegestuurd', 'gepubliceerd').

    Cached: linking asks it of the same passages for every commitment whose words they hold."""
    return cues()["delivered"].search(fold(text)) is not None


@lru_cache(maxsize=1)
def _reports_done_fts() -> str:
    """The verbs of _reports_done as a full-text query ('"gepubliceerd" OR "verschenen"
    OR ...'), so the index leaves out the passages that hold none of them; '' when a
    cue is more than whole words (then the passages are not filtered)."""
    words = cues()["delivered_words"]
    return " OR ".join(f'"{fold(w)}"' for w in words) if words else ""


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

    Each commitment keeps its best match. With `changed`, the changed
    documents' commitments, and those whose delivering document was cleared,
    are matched against every document; every other commitment only against
    the changed documents, found through its delivery probe (see
    _probe_candidates), and its stored delivery gives way only to a better match.
    """
    if "commitments" not in db.table_names():
        return
    if changed is None:
        db.conn.execute("DELETE FROM deliveries")
        db.conn.execute("DELETE FROM delivery_probes")
        _add_probes(db, None)
        docs = _dated_documents(db, "date IS NOT NULL")
        found = [_best_delivery(db, c, docs.after(c), _citing(db, c))
                 for c in db.query(_PROBE_ROWS + " ORDER BY commitment")]
    else:
        _add_probes(db, changed)
        rematched = _rematch(db)  # {'commitment': id} alone where none was found
        unmatched = {f["commitment"] for f in rematched}
        found = [f for f in rematched if "document" in f] + _match_against_changed(db, unmatched)
    found = [f for f in found if f]
    if found:
        db["deliveries"].insert_all(found, pk=("commitment", "document"), replace=True, alter=True)


# One row per commitment a later document could deliver: its deliverable, lower case
# (for the title match) and its first words as they must appear in a passage.
_PROBE_ROWS = "SELECT commitment AS id, document, promised, deliverable, probe FROM delivery_probes"


def _ensure_link_tables(db) -> None:
    db.conn.execute("CREATE TABLE IF NOT EXISTS delivery_probes (commitment TEXT PRIMARY KEY, document TEXT, "
                    "promised TEXT, deliverable TEXT, probe TEXT, first_word TEXT)")
    db.conn.execute("CREATE INDEX IF NOT EXISTS delivery_probes_first_word ON delivery_probes(first_word)")
    # what a motion's group must remember to take a new mention (see motion_groups); surnames padded with spaces
    db.conn.execute("CREATE TABLE IF NOT EXISTS motion_groups (motion TEXT PRIMARY KEY, kst_id TEXT, "
                    "surnames TEXT, state TEXT)")
    db.conn.execute("CREATE INDEX IF NOT EXISTS delivery_probes_document ON delivery_probes(document)")
    db.conn.execute("CREATE INDEX IF NOT EXISTS delivery_probes_deliverable ON delivery_probes(deliverable, promised)")
    db.conn.execute("CREATE INDEX IF NOT EXISTS documents_date_title ON documents(date, id, title)")
    db.conn.execute("CREATE INDEX IF NOT EXISTS documents_id_date ON documents(id, date)")  # mentions in date order
    db.conn.execute("CREATE INDEX IF NOT EXISTS documents_unstated ON documents(id) "
                    "WHERE coalesce(kamerstuk, '[]') = '[]'")  # the few that can be unnamed


def _add_probes(db, changed: set[str] | None) -> None:
    """Probe rows for the commitments of the changed documents (None: of all)."""
    where = "" if changed is None else " AND c.document IN (SELECT id FROM changed_docs)"
    rows = []
    for c in db.conn.execute(
            "SELECT c.id, c.document, c.deliverable, d.date FROM commitments c JOIN documents d ON d.id = c.document "
            "WHERE coalesce(c.kind, '') != 'eu_action' AND length(coalesce(c.deliverable, '')) >= 4" + where):
        name = c[2].strip()
        if len(name) >= 4 and c[3]:
            words = _probe_words(name)
            rows.append((c[0], c[1], c[3], name.lower(), " ".join(words), words[0] if words else None))
    db.conn.executemany("INSERT OR REPLACE INTO delivery_probes VALUES (?, ?, ?, ?, ?, ?)", rows)


def _probe_words(name: str) -> list[str]:
    """The words of a deliverable a reporting sentence must name in a row: up to eight,
    without a leading article."""
    words = re.findall(r"\w+", name.lower())
    while words and words[0] in ("de", "het", "een", "deze", "dit", "the", "a"):
        words = words[1:]
    return words[:8]


def _dated_documents(db, where: str, params: list | None = None) -> "_Dated":
    """The documents `where` says, in date order, read through the index on (date, id, title):
    a documents row holds the whole text, so reading titles from the table reads every page."""
    return _Dated(db.conn.execute(
        "SELECT date, id, title FROM documents WHERE " + where + " ORDER BY date, id", params or []).fetchall())


def _citing(db, c: dict) -> set[str]:
    """The documents that cite the commitment's document (a delivery that cites it is likelier)."""
    try:
        return {r[0] for r in db.conn.execute(
            "SELECT document FROM citations WHERE resolved_document = ?", [c["document"]])}
    except sqlite3.OperationalError:  # no citations table (a KB without any citation yet)
        return set()


def _rematch(db) -> list[dict]:
    """Best deliveries, among all documents, of the changed documents' commitments and of
    the commitments whose delivery went with a cleared document."""
    rows = list(db.query(
        _PROBE_ROWS + " WHERE document IN (SELECT id FROM changed_docs) OR (commitment IN "
        "(SELECT id FROM touched_commitments) AND commitment NOT IN (SELECT commitment FROM deliveries)) "
        "ORDER BY commitment"))
    later: dict[tuple[str, str], _LaterInKB] = {}  # a letter's commitments share them
    return [_best_delivery(db, c, later.setdefault((c["promised"], c["document"]), _LaterInKB(db, c)), _citing(db, c))
            or {"commitment": c["id"]} for c in rows]


def _match_against_changed(db, rematched: set[str]) -> list[dict]:
    """Deliveries by the changed documents of the other documents' commitments.

    A stored delivery stays unless the new match scores higher, or as high
    by title from an earlier document: what a full relink would choose.
    """
    new = _dated_documents(db, "id IN (SELECT id FROM changed_docs) AND date IS NOT NULL")
    if not new.ids:
        return []
    texts = _passage_texts(db)
    citing: dict[str, set[str]] = {}
    if "citations" in db.table_names():
        for target, doc in db.conn.execute(
                "SELECT DISTINCT resolved_document, document FROM citations "
                "WHERE document IN (SELECT id FROM changed_docs) AND resolved_document IS NOT NULL"):
            citing.setdefault(target, set()).add(doc)
    found = []
    for c in _probe_candidates(db, new, texts):
        if c["id"] in rematched:
            continue
        best = _best_delivery(db, c, new.after(c), citing.get(c["document"], set()), texts)
        if best and _better(db, best, c["id"]):
            db.conn.execute("DELETE FROM deliveries WHERE commitment = ?", [c["id"]])
            found.append(best)
    return found


def _passage_texts(db) -> dict[str, list[tuple[str, str]]]:
    """The changed documents' passages, read once: (text, its words joined by spaces)."""
    texts: dict[str, list[tuple[str, str]]] = {}
    for r in db.query("SELECT document, text FROM passages WHERE document IN (SELECT id FROM changed_docs)"):
        texts.setdefault(r["document"], []).append((r["text"], lower_words(r["text"])))
    return texts


def _probe_candidates(db, new: "_Dated", texts: dict) -> list[dict]:
    """Commitments of unchanged documents that a changed document might deliver.

    By title: the deliverable against each new title in one rapidfuzz call
    over the compact probe table. By sentence: a reporting passage must
    contain the probe's words as words, so its first word is one of that
    passage's words, which the index on first_word finds.
    """
    latest = new.dates[-1]
    outside = " AND document NOT IN (SELECT id FROM changed_docs)"
    wanted = set()
    for date, title in zip(new.dates, new.lower):
        if title:  # commitments often share a deliverable: each distinct one is scored once
            deliverables = [r[0] for r in db.conn.execute(
                "SELECT DISTINCT deliverable FROM delivery_probes WHERE promised < ?", [date])]
            hits = process.extract(title, deliverables, scorer=fuzz.token_set_ratio,
                                   score_cutoff=DELIVERY_TITLE_MATCH, limit=None)
            wanted |= {r[0] for r in db.conn.execute(
                "SELECT commitment FROM delivery_probes WHERE deliverable IN (SELECT value FROM json_each(?)) "
                "AND promised < ?" + outside, [json.dumps([h[0] for h in hits]), date])}
    reporting = _reporting_passages(texts)
    words = sorted({w for norm, _ in reporting for w in norm.split()})
    probes = _query_in(db, "SELECT commitment, probe FROM delivery_probes WHERE first_word", words,
                       " AND promised < ?" + outside, (latest,))
    wanted |= {r["commitment"] for r in probes if any(
        f" {r['probe']} " in norm and any(r["probe"] in s for s in sentences) for norm, sentences in reporting)}
    return sorted(_query_in(db, _PROBE_ROWS + " WHERE commitment", sorted(wanted)), key=lambda c: c["id"])


def _reporting_passages(texts: dict) -> list[tuple[str, list[str]]]:
    """The changed documents' passages that report something done: (their words, padded
    with spaces; the words of each sentence that has a reporting verb). A probe must be
    among the first as words and inside one of the second, as _sentences_naming requires."""
    out = []
    for ts in texts.values():
        for text, norm in ts:
            if _reports_done(text):
                sentences = [lower_words(s) for s in split(text) if _reports_done(s)]
                if sentences:
                    out.append((f" {norm} ", sentences))
    return out


def _better(db, best: dict, commitment: str) -> bool:
    """Whether `best` would win over the commitment's stored delivery in a full relink."""
    stored = db.conn.execute(
        "SELECT l.confidence, l.method, d.date, l.document FROM deliveries l LEFT JOIN documents d ON d.id = l.document "
        "WHERE l.commitment = ? ORDER BY l.confidence DESC LIMIT 1", [commitment]).fetchone()
    if stored is None:
        return True
    confidence, method, date, document = stored
    if method == "curated" or best["confidence"] != confidence:
        return method != "curated" and best["confidence"] > confidence
    # as high: a full relink takes the best title first (the first document in date
    # order among equals, see _dated_documents), and a sentence only when it scores higher
    if best["method"] != "title":
        return False
    if method != "title":
        return True
    new_date = db.conn.execute("SELECT date FROM documents WHERE id = ?", [best["document"]]).fetchone()[0]
    return date is not None and (new_date, best["document"]) < (date, document)


def update_statuses(db, today: dt.date, changed: set[str] | None = None) -> None:
    """Every commitment's status as of `today` (see commitment_status).

    With `changed`, only the commitments whose status can have moved since
    the last run: those of the changed documents, those that gained or lost a
    delivery, and those whose due date lies between the last run's day (or
    its 'soon') and today's.
    """
    last = store.get_info(db, "statuses_as_of")
    soon = (today + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()
    scope, params = "", {"today": today.isoformat(), "soon": soon}
    if changed is not None and last:
        last_soon = (dt.date.fromisoformat(last) + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()
        scope = (" AND (document IN (SELECT id FROM changed_docs) OR id IN (SELECT id FROM touched_commitments)"
                 " OR due BETWEEN :a1 AND :a2 OR due BETWEEN :b1 AND :b2)")
        params |= {"a1": min(last, today.isoformat()), "a2": max(last, today.isoformat()),
                   "b1": min(last_soon, soon), "b2": max(last_soon, soon)}
    db.conn.execute(
        """UPDATE commitments SET status = CASE
             WHEN id IN (SELECT commitment FROM deliveries) THEN 'delivered'
             WHEN due IS NULL OR due = '' THEN 'no_deadline'
             WHEN due < :today THEN 'overdue'
             WHEN due <= :soon THEN 'due_soon'
             ELSE 'open' END
           WHERE coalesce(curated, 0) = 0""" + scope, params)
    store.set_info(db, "statuses_as_of", today.isoformat())


class _Dated:
    """Documents in date order, for the matching of many commitments against them.

    A commitment's later documents are the ones after its promise date: a
    suffix found by bisection, so each commitment costs no pass over all the
    documents in Python. The lower-case titles are made once.
    """

    def __init__(self, rows: list[tuple[str, str, str | None]]):
        """`rows`: (date, id, title) in date order."""
        self.dates = [r[0] for r in rows]
        self.ids = [r[1] for r in rows]
        self.titles = [r[2] for r in rows]
        self.lower = [t.lower() if t else None for t in self.titles]
        self.position = {doc_id: i for i, doc_id in enumerate(self.ids)}

    def after(self, c: dict) -> "_Later":
        """The documents dated after the commitment's promise, other than its own."""
        return _Later(self, bisect_right(self.dates, c["promised"]), c["document"], c["promised"])


class _Later:
    """A commitment's later documents (see _Dated.after): `doc_id in later` asks one."""

    def __init__(self, dated: _Dated, start: int, own: str, promised: str):
        self.dated, self.start, self.own, self.promised = dated, start, own, promised
        self.own_at = dated.position.get(own, -1)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id != self.own and self.dated.position.get(doc_id, -1) >= self.start

    def __bool__(self) -> bool:
        return len(self.dated.ids) - self.start > (self.own_at >= self.start)

    def best_title(self, deliverable: str) -> tuple[str, float, str] | None:
        """(document, score, title) of the first of them whose title names the deliverable
        best, by token set ratio of at least DELIVERY_TITLE_MATCH; or None."""
        titles = self.dated.lower[self.start:]
        if self.own_at >= self.start:
            titles[self.own_at - self.start] = None
        hit = process.extractOne(deliverable, titles, scorer=fuzz.token_set_ratio,
                                 score_cutoff=DELIVERY_TITLE_MATCH) if any(titles) else None
        if not hit:
            return None
        at = self.start + hit[2]
        return self.dated.ids[at], hit[1], self.dated.titles[at]


class _LaterInKB:
    """A commitment's later documents as the KB holds them, for the few commitments an
    incremental run matches against every document: the same answers as _Later, without
    reading every later document into Python. Each distinct title is scored once."""

    def __init__(self, db, c: dict):
        self.db, self.own, self.promised = db, c["document"], c["promised"]
        self._titles: dict[str, list[str]] | None = None

    def _ask(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self.db.conn.execute(sql, (*params, self.promised, self.own)).fetchall()

    def __contains__(self, doc_id: str) -> bool:
        return bool(self._ask("SELECT 1 FROM documents WHERE id = ? AND date > ? AND id != ?", (doc_id,)))

    def __bool__(self) -> bool:
        return bool(self._ask("SELECT 1 FROM documents WHERE date > ? AND id != ? LIMIT 1"))

    def best_title(self, deliverable: str) -> tuple[str, float, str] | None:
        if self._titles is None:
            self._titles = {}
            for (title,) in self._ask("SELECT DISTINCT title FROM documents WHERE date > ? AND id != ?"):
                if title:
                    self._titles.setdefault(title.lower(), []).append(title)
        hits = process.extract(deliverable, list(self._titles), scorer=fuzz.token_set_ratio,
                               score_cutoff=DELIVERY_TITLE_MATCH, limit=None)
        if not hits:
            return None
        top = max(h[1] for h in hits)
        titles = [t for h in hits if h[1] == top for t in self._titles[h[0]]]
        first = self._ask("SELECT id, title FROM documents WHERE title IN (SELECT value FROM json_each(?)) "
                          "AND date > ? AND id != ? ORDER BY date, id LIMIT 1", (json.dumps(titles),))
        return first[0][0], top, first[0][1]


def _best_delivery(db, c: dict, later: "_Later | _LaterInKB", citing: set[str],
                   texts: dict[str, list[tuple[str, str]]] | None = None) -> dict | None:
    """The commitment's best delivery among its `later` documents, or None.

    `c` is a probe row; `citing` the documents that cite the commitment's document.
    """
    if not later:
        return None
    best = None
    hit = later.best_title(c["deliverable"])
    if hit:
        doc_id, score, title = hit
        best = {"commitment": c["id"], "document": doc_id, "confidence": round(float(score), 1),
                "evidence": title, "method": "title"}
    ceiling = 85.0 + (10 if citing else 0)  # the most a sentence can score here
    if ceiling < DELIVERY_MATCH or (best and best["confidence"] >= ceiling):
        return best  # no sentence could replace it: the full-text search is not needed
    for doc_id, sentence in _sentences_naming(db, c["probe"], later, texts):
        score = 85.0 + (10 if doc_id in citing else 0)
        if score >= DELIVERY_MATCH and (best is None or score > best["confidence"]):
            best = {"commitment": c["id"], "document": doc_id, "confidence": score,
                    "evidence": sentence, "method": "sentence"}
            if score >= ceiling:
                break  # none after it can score higher
    return best


def _sentences_naming(db, probe: str, later: "_Later | _LaterInKB",
                      texts: dict[str, list[tuple[str, str]]] | None = None):
    """(document, sentence) of later documents that report the deliverable as done.

    `probe` is the deliverable's first words (see _probe_words). Candidates
    come from the full-text index (a phrase query, capped, and asked for later
    documents only: earlier ones naming the deliverable often must not use up
    the cap), so the cost does not grow with the number of documents that do
    not name it; or, when the few candidate documents' texts are given, from
    those passages that hold the same words in a row.
    """
    if not probe:
        return
    words = probe.split()
    pattern = re.compile(r"\W+".join(map(re.escape, words)), re.I)
    if texts is not None:
        rows = [(d, t) for d, ts in texts.items() if d in later for t, norm in ts if f" {probe} " in f" {norm} "]
    else:
        rows = db.conn.execute(
            "SELECT p.document, p.text FROM passages_fts f JOIN passages p ON p.rowid = f.rowid "
            "JOIN documents d INDEXED BY documents_id_date ON d.id = p.document "
            "WHERE passages_fts MATCH ? AND d.date > ? AND p.document != ? LIMIT 500",
            ['"' + probe + '"' + (f" AND ({_reports_done_fts()})" if _reports_done_fts() else ""),
             later.promised, later.own])
    for doc_id, text in rows:  # later documents' passages only (both queries ask for no others)
        if not _reports_done(text):
            continue  # (the passage as a whole lacks what a sentence of it needs)
        named = [(m.start(), m.end()) for m in pattern.finditer(text)]
        for s, e in _sentence_spans(text) if named else ():
            if not any(a < e and b > s for a, b in named):
                continue  # only sentences a match overlaps can hold one
            sentence = text[s:e].strip()
            if pattern.search(sentence) and _reports_done(sentence):
                yield doc_id, sentence
