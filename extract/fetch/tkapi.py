"""Tweede Kamer open data: motions with their votes, and the Kamer's toezeggingen register.

The gegevensmagazijn's OData v4 API gives `Zaak` entities of soort 'Motie'
(with `Kabinetsappreciatie`, their `Besluit`en and each Besluit's
`Stemming`en) and `Toezegging` entities (Nummer, Tekst, Status, DatumNakoming,
KamerbriefNakoming, Ministerie). Pages follow `@odata.nextLink`.

Rows go to `tk_motions` and `tk_toezeggingen`, keyed so they join with what
we extract ourselves: `tk_motions.kst_id` has the same 'kst-36410-V-44' form
as `motions.kst_id`. A run's rows, deletions (`Verwijderd`) and its cursor
are written in one transaction: a killed run changes nothing and is redone.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from extract import store
from extract.fetch import cursor
from extract.fetch.http import HttpClient, with_params

SOURCE_MOTIONS = "tk_motions"
SOURCE_TOEZEGGINGEN = "tk_toezeggingen"
NO_DATE = "0001-01-01"  # the API's way of saying "no date"


class ODataError(Exception):
    """The OData service answered something that is not a page of entities."""


@dataclass
class TkReport:
    upserted: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    cursors: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"{t}: {self.upserted.get(t, 0)} stored, {self.deleted.get(t, 0)} deleted"
                 for t in sorted(set(self.upserted) | set(self.deleted))]
        return "; ".join(parts) + f" ({self.pages} pages)"


def ensure_tables(db) -> None:
    db["tk_motions"].create(
        {"id": str, "nummer": str, "kst_id": str, "dossier": str, "volgnummer": str, "titel": str,
         "onderwerp": str, "status": str, "gestart_op": str, "vergaderjaar": str, "kabinetsappreciatie": str,
         "besluit": str, "besluit_soort": str, "stemmingssoort": str, "uitslag": str, "votes_for": int,
         "votes_against": int, "votes": str, "afgedaan": int, "gewijzigd_op": str, "url": str, "fetched_at": str},
        pk="id", if_not_exists=True,
    )
    db["tk_toezeggingen"].create(
        {"id": str, "nummer": str, "tekst": str, "status": str, "datum_nakoming": str, "kamerbrief_nakoming": str,
         "ministerie": str, "naam": str, "functie": str, "aanmaakdatum": str, "activiteit_nummer": str,
         "gewijzigd_op": str, "url": str, "fetched_at": str},
        pk="id", if_not_exists=True,
    )
    for table, cols in (("tk_motions", ["kst_id"]), ("tk_motions", ["nummer"]), ("tk_toezeggingen", ["status"]),
                        ("tk_toezeggingen", ["ministerie"]), ("tk_toezeggingen", ["datum_nakoming"])):
        db[table].create_index(cols, if_not_exists=True)


def pages(client: HttpClient, url: str, params: dict, max_pages: int, report: TkReport):
    """Every entity of an OData query, following @odata.nextLink (which already holds the query)."""
    next_url = with_params(url, params)
    for _ in range(max_pages):
        resp = client.get(next_url, accept="application/json")
        try:
            data = json.loads(resp.body)
        except ValueError as exc:
            raise ODataError(f"OData service sent something that is not JSON ({next_url}): "
                             f"{resp.body[:200]!r}") from exc
        if not isinstance(data, dict) or "value" not in data:
            err = data.get("error") if isinstance(data, dict) else None
            msg = err.get("message") if isinstance(err, dict) else str(data)[:200]
            raise ODataError(f"OData service refused the query: {msg} ({next_url})")
        report.pages += 1
        yield from data["value"]
        next_url = data.get("@odata.nextLink")
        if not next_url:
            return
    raise ODataError(f"more than {max_pages} pages; raise tk.max_pages")


def _since_filter(since: str | None) -> str:
    return f"GewijzigdOp ge {since}" if since else ""


def _stamp(value: str | dt.date | None) -> str | None:
    """An OData DateTimeOffset literal for a date or a stored cursor value."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00Z"
    return value if "T" in value else f"{value}T00:00:00Z"


def motion_query(cfg: dict, since: str | None) -> dict:
    filters = [f"Soort eq '{cfg.get('motion_soort', 'Motie')}'", _since_filter(since)]
    return {
        "$filter": " and ".join(f for f in filters if f),
        "$expand": "Kamerstukdossier($select=Nummer,Toevoeging),Besluit($expand=Stemming)",
        "$orderby": "GewijzigdOp",
        "$top": int(cfg["page_size"]),
    }


def toezegging_query(cfg: dict, since: str | None) -> dict:
    params = {"$orderby": "GewijzigdOp", "$top": int(cfg["page_size"])}
    if since:
        params["$filter"] = _since_filter(since)
    return params


def _date(value) -> str | None:
    if not value or str(value).startswith(NO_DATE):
        return None
    return str(value)[:10]


def kst_id(dossier: dict | list | None, volgnummer) -> str | None:
    """'kst-36410-V-44' from Kamerstukdossier {Nummer: 36410, Toevoeging: 'V'} and volgnummer 44."""
    if isinstance(dossier, list):
        dossier = dossier[0] if dossier else None
    if not dossier or dossier.get("Nummer") in (None, "") or volgnummer in (None, "", 0):
        return None
    parts = [str(dossier["Nummer"]).replace(" ", "")]
    if dossier.get("Toevoeging"):
        parts.append(str(dossier["Toevoeging"]).replace(" ", ""))
    return "kst-" + "-".join(parts + [str(volgnummer)])


def outcome(text: str | None, outcomes: dict[str, list[str]]) -> str | None:
    """'Aangenomen.' → 'aangenomen', by the words listed in sources.yaml."""
    low = (text or "").lower()
    return next((name for name, words in outcomes.items() if any(w in low for w in words)), None)


def motion_row(z: dict, cfg: dict) -> dict:
    besluiten = [b for b in (z.get("Besluit") or []) if not b.get("Verwijderd")]
    voted = [b for b in besluiten if any(not s.get("Verwijderd") for s in b.get("Stemming") or [])]
    decisive = max(voted or besluiten, key=lambda b: str(b.get("GewijzigdOp") or ""), default={})
    votes = [{"actor": s.get("ActorFractie") or s.get("ActorNaam"), "soort": s.get("Soort"),
              "zetels": s.get("FractieGrootte"), "vergissing": bool(s.get("Vergissing"))}
             for s in decisive.get("Stemming") or [] if not s.get("Verwijderd")]

    def total(kind: str) -> int | None:
        if not votes:
            return None
        return sum((v["zetels"] or 1) for v in votes if (v["soort"] or "").lower() == kind)

    dossier = z.get("Kamerstukdossier")
    first = dossier[0] if isinstance(dossier, list) and dossier else (dossier or {})
    return {
        "id": z["Id"], "nummer": z.get("Nummer"), "kst_id": kst_id(dossier, z.get("Volgnummer")),
        "dossier": "-".join(str(x) for x in (first.get("Nummer"), first.get("Toevoeging")) if x) or None,
        "volgnummer": str(z["Volgnummer"]) if z.get("Volgnummer") not in (None, "") else None,
        "titel": z.get("Titel"), "onderwerp": z.get("Onderwerp"), "status": z.get("Status"),
        "gestart_op": _date(z.get("GestartOp")), "vergaderjaar": z.get("Vergaderjaar"),
        "kabinetsappreciatie": z.get("Kabinetsappreciatie"),
        "besluit": decisive.get("BesluitTekst"), "besluit_soort": decisive.get("BesluitSoort"),
        "stemmingssoort": decisive.get("StemmingsSoort"),
        "uitslag": outcome(decisive.get("BesluitTekst"), cfg.get("besluit_outcomes", {})),
        "votes_for": total("voor"), "votes_against": total("tegen"),
        "votes": store.as_json(votes), "afgedaan": int(bool(z.get("Afgedaan"))) if "Afgedaan" in z else None,
        "gewijzigd_op": z.get("GewijzigdOp"),
        "url": cfg.get("motion_url", "").format(nummer=z.get("Nummer") or z["Id"]) or None,
        "fetched_at": store.now(),
    }


def toezegging_row(t: dict, cfg: dict) -> dict:
    brief = t.get("KamerbriefNakoming") or t.get("kamerbriefNakoming")
    return {
        "id": t["Id"], "nummer": t.get("Nummer"), "tekst": t.get("Tekst"), "status": t.get("Status"),
        "datum_nakoming": _date(t.get("DatumNakoming")),
        "kamerbrief_nakoming": brief if not isinstance(brief, (dict, list)) else store.as_json(brief),
        "ministerie": t.get("Ministerie"), "naam": t.get("Naam"), "functie": t.get("Functie"),
        "aanmaakdatum": _date(t.get("Aanmaakdatum")), "activiteit_nummer": t.get("ActiviteitNummer"),
        "gewijzigd_op": t.get("GewijzigdOp"),
        "url": cfg.get("toezegging_url", "").format(nummer=t.get("Nummer") or t["Id"]) or None,
        "fetched_at": store.now(),
    }


ENTITIES = {
    # table: (entity set, query builder, row builder)
    SOURCE_MOTIONS: ("Zaak", motion_query, motion_row),
    SOURCE_TOEZEGGINGEN: ("Toezegging", toezegging_query, toezegging_row),
}


def fetch(db, cfg: dict, client: HttpClient, since: dt.date | None = None, tables=tuple(ENTITIES),
          full: bool = False, dry_run: bool = False) -> TkReport:
    """Fetch changed motions and toezeggingen since each one's cursor, and store them.

    All pages are read first; rows, deletions and the moved cursors are then
    written in one transaction, so the tables never hold half a run.
    """
    report = TkReport()
    ensure_tables(db)
    cursor.ensure_tables(db)
    batches = {}
    for table in tables:
        entity, query, to_row = ENTITIES[table]
        start = _stamp(since) if since else (None if full else _stamp(cursor.get(db, table)))
        if start is None and not full and since is None:
            start = _stamp(dt.date.today() - dt.timedelta(days=int(cfg.get("first_since_days", 30))))
        keep, drop, newest = [], [], cursor.get(db, table) or ""
        for item in pages(client, cfg["url"].rstrip("/") + "/" + entity, query(cfg, start),
                          int(cfg.get("max_pages", 2000)), report):
            if not item.get("Id"):
                continue
            newest = max(newest, str(item.get("GewijzigdOp") or ""))
            (drop if item.get("Verwijderd") else keep).append(item["Id"] if item.get("Verwijderd") else to_row(item, cfg))
        batches[table] = (keep, drop, newest)
        report.upserted[table], report.deleted[table] = len(keep), len(drop)
    if dry_run:
        return report
    with store.transaction(db):
        for table, (keep, drop, newest) in batches.items():
            if keep:
                db[table].upsert_all(keep, pk="id")
            for ident in drop:
                db.conn.execute(f"DELETE FROM [{table}] WHERE id = ?", [ident])
            if newest:
                cursor.put(db, table, newest, {}, {"stored": len(keep), "deleted": len(drop)})
                report.cursors[table] = newest
    return report
