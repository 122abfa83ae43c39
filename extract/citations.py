"""References to other documents, found in a document's text and footnotes.

Dutch parliamentary texts cite Kamerstukken in a dozen shapes ('Kamerstuk
21 501-02, nr. 2602', 'Kamerstukken 29 477 en 32 805, nr. 794', '35925-V-97',
'36 200 V, nr. 50', numbers split over lines by PDF layout). This module turns
every shape into the official publication id `kst-<dossier>[-<toevoeging>]-<nr>`
so that citations can be resolved to documents and linked to their public page.
Other identifiers (Tweede Kamer document and case numbers, Handelingen, EU
COM/SWD/C numbers, Council documents, CELEX, BNC-fiches) are kept as their
own kinds. The grammar lives in `citations.yaml`.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from extract.datafiles import load_yaml
from extract.model import Document
from extract.patterns import expand
from extract.prefilter import Gates

_DATA = Path(__file__).with_name("citations.yaml")


@lru_cache(maxsize=1)
def _data() -> dict:
    return load_yaml(_DATA)


def _expand(template: str, parts: dict[str, str]) -> str:
    return expand(template, parts)


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, str, re.Pattern, re.Pattern]]:
    """(kind, form, pattern, gate) in the order they are tried."""
    data = _data()
    parts = data["parts"]
    return [(p["kind"], p["form"], re.compile(_expand(p["regex"], parts)), re.compile(p["gate"]))
            for p in data["patterns"]]


@lru_cache(maxsize=1)
def _dossier_re() -> re.Pattern:
    parts = _data()["parts"]
    return re.compile(_expand("{dossier}", parts))


@lru_cache(maxsize=1)
def _reject_before_re() -> re.Pattern:
    words = "|".join(re.escape(w) for w in _data()["reject_before"])
    return re.compile(rf"(?:^|[\s(])(?:{words})[\s:.\-]*$")


# --- normalisation ---------------------------------------------------------------

def kst_id(dossier: str, toevoeging: str | None, nr: str) -> str:
    """'21 501', '02', '2602' → 'kst-21501-02-2602'; toevoeging letters upper-case. An
    Eerste Kamer document's number is a letter: '35 300', None, 'A' → 'kst-35300-A'."""
    dossier = re.sub(r"\D", "", dossier)
    parts = [dossier]
    if toevoeging:
        parts.append(toevoeging.strip().upper())
    parts.append(str(int(nr)) if nr.isdigit() else nr.upper())
    return "kst-" + "-".join(parts)


def split_dossier(text: str) -> tuple[str, str | None]:
    """'21 501-02' → ('21501', '02'); '36 200 V' → ('36200', 'V')."""
    text = text.strip()
    m = re.match(r"([1-4]\d\s?\d{3})\s*(?:-\s*|\s+)?(\d{1,2}|[A-Za-z]{1,5})?$", re.sub(r"\s+", " ", text))
    if not m:
        return re.sub(r"\D", "", text)[:5], None
    return m.group(1), m.group(2)


def _numbers(text: str) -> list[str]:
    return [n for n in re.findall(r"\d{1,4}", text) if int(n) > 0]


def _dossier_nr_ids(m: re.Match) -> list[str]:
    dossiers = [split_dossier(d.group(0)) for d in _dossier_re().finditer(m.group("dossiers") + ",")]
    nrs = _numbers(m.group("nrs"))
    return [kst_id(d, t, n) for d, t in dossiers for n in nrs]


def _letter_ids(m: re.Match) -> list[str]:
    """'35 300 VII, A' → 'kst-35300-VII-A': an Eerste Kamer document's letter in place of a number."""
    return [kst_id(*split_dossier(m.group("dossiers")), m.group("letter"))]


def _publication_id(m: re.Match) -> str:
    """'Stb. 2023, 123' → 'stb-2023-123', the id of its page on officielebekendmakingen.nl."""
    series = _data()["publication_series"][m.group("series").lower()]
    return f"{series}-{m.group('year')}-{int(m.group('nr'))}"


def _handelingen_id(m: re.Match) -> str:
    g = m.groupdict()
    if g.get("id"):
        return g["id"].lower()
    y1, y2 = g["y1"], g["y2"]
    if len(y2) == 2:
        y2 = y1[:2] + y2
    chamber = "ek" if g["chamber"] in ("I", "EK") else "tk"
    prefix = "ah" if g.get("aanhangsel") else "h"
    parts = [f"{prefix}-{chamber}-{y1}{y2}", g["nr"]]
    if g.get("item"):
        parts.append(g["item"])
    return "-".join(parts)


def _eu_ids(m: re.Match) -> list[str]:
    year = m.group("y1") or m.group("y2")
    return [f"{m.group('series')}({year}){int(n)}" for n in re.findall(r"\d{1,4}", m.group("nrs"))]


def _council_id(m: re.Match) -> str:
    yy = int(m.group("yy"))
    year = 2000 + yy if yy < 70 else 1900 + yy
    return f"ST-{int(m.group('nr'))}-{year}"


def _eu_act_id(m: re.Match) -> str:
    """'Verordening (EU) 2023/1781' → '32023R1781'; before 2015 the number came first."""
    letter = _data()["act_types"][re.sub(r"\s+", " ", m.group("type")).lower()]
    a, b = m.group("a"), m.group("b")
    if len(a) == 4 and a[:2] in ("19", "20") and not (len(b) == 4 and b[:2] in ("19", "20") and int(a) < 2015):
        year, nr = a, b
    else:
        year, nr = (b if len(b) == 4 else ("19" if int(b) > 50 else "20") + b.zfill(2)), a
    return f"3{year}{letter}{int(nr):04d}"


def _bnc_id(m: re.Match) -> str | None:
    title = m.group("title") or ""
    stop = set(_data()["bnc_title_stop"])
    words = []
    for w in title.split():
        if w in stop:
            break
        words.append(w)
    if words:
        return "bnc-fiche:" + " ".join(words).lower().strip(" .,;:")
    if m.group("num"):
        return f"bnc-fiche:{m.group('num')}"
    return None


def _ids(kind: str, form: str, m: re.Match) -> list[str]:
    if form in ("stamp", "compact"):
        return [kst_id(m.group("dossier"), m.group("toev"), m.group("nr"))]
    if form == "dossier_nr":
        return _dossier_nr_ids(m)
    if form == "letter":
        return _letter_ids(m)
    if form == "publication":
        return [_publication_id(m)]
    if kind == "handelingen":
        return [_handelingen_id(m)]
    if form == "plain":
        return [m.group(0)]
    if form == "eu_doc":
        return _eu_ids(m)
    if form == "council":
        return [_council_id(m)]
    if form == "celex":
        return [m.group("celex")]
    if form == "eu_act":
        return [_eu_act_id(m)]
    if form == "bnc":
        bid = _bnc_id(m)
        return [bid] if bid else []
    return []


def _rejected(text: str, start: int, form: str) -> bool:
    """A number that a preceding word marks as a standard, article, amount, phone ..."""
    if form not in ("compact", "dossier_nr"):
        return False
    return bool(_reject_before_re().search(text[max(0, start - 15) : start]))


# --- public API --------------------------------------------------------------------

def find_references(text: str) -> list[dict]:
    """Every reference in `text`: dicts {id, kind, surface, start, end}, in text order.

    One match can give several ids ('Kamerstukken 29 477 en 32 805, nr. 794'
    cites two dossiers); they share the surface and span. Overlapping matches
    of later patterns are dropped, so a stamp or a labelled form wins over the
    compact one inside it.
    """
    taken: list[tuple[int, int]] = []
    found: list[dict] = []
    gates = Gates(text)
    for kind, form, rx, gate in _patterns():
        if not gates.open(gate):
            continue
        for m in rx.finditer(text):
            start, end = m.start(), m.end()
            surface = m.group(0)
            stripped = surface.rstrip(" \t\n,.;:")
            end -= len(surface) - len(stripped)
            lead = len(stripped) - len(stripped.lstrip())
            start += lead
            if end <= start or any(s < end and start < e for s, e in taken):
                continue
            if _rejected(text, start, form):
                continue
            ids = _ids(kind, form, m)
            if not ids:
                continue
            taken.append((start, end))
            for i in dict.fromkeys(ids):
                found.append({"id": i, "kind": kind, "surface": text[start:end], "start": start, "end": end})
    return sorted(found, key=lambda r: (r["start"], r["id"]))


def extract_citations(doc: Document) -> list[dict]:
    """References in the passages and footnotes of `doc`, except the document's own ids.

    A footnote's citation carries `footnote` (its number) and `passage` (the
    passage whose marker points to that note), with offsets into the note text.
    """
    own = set(doc.meta.kamerstuk)
    out: list[dict] = []
    for p in doc.passages:
        for r in find_references(p.text):
            if r["id"] not in own:
                out.append(r | {"passage": p.order, "footnote": None})
    for f in doc.footnotes:
        for r in find_references(f.text):
            if r["id"] not in own:
                out.append(r | {"passage": f.passage, "footnote": f.number})
    return out


def kst_url(kst: str) -> str:
    """The public page of a Kamerstuk (or Handelingen) id on officielebekendmakingen.nl."""
    return _data()["urls"]["kst"].format(id=kst)


def eu_url(ref: str) -> str | None:
    """EUR-Lex / Council register page of an EU reference id; None for other ids."""
    urls = _data()["urls"]
    m = re.fullmatch(r"(COM|SWD|JOIN|SEC|C)\((\d{4})\)(\d+)", ref)
    if m:
        return urls["eu_doc"].format(series=m.group(1), year=m.group(2), nr=m.group(3))
    if re.fullmatch(r"ST-\d+-\d{4}", ref):
        return urls["council"].format(id=ref)
    if re.fullmatch(r"[1-9]\d{4}[A-Z]{1,2}\d{4}(?:\(\d+\))?", ref):
        return urls["celex"].format(id=ref)
    return None


def reference_url(ref: str, kind: str) -> str | None:
    """The public page of any reference id this module produces, when one exists."""
    if kind in ("kst", "handelingen", "publication"):
        return kst_url(ref)
    if kind in ("eu_doc", "celex"):
        return eu_url(ref)
    return None
