"""Entity mentions (countries, products, measures, organisations, people) and their summary.

Gazetteers are YAML data in extract/gazetteers/; the spaCy ruler in extract.nlp
matches them. This module turns matches into mention records, links spelling
variants with rapidfuzz, keeps unlisted measure names as new entities (so the
gazetteers can grow), and shapes the per-document summary the gold schema uses.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from extract.datafiles import load_yaml
from extract.model import Document
from extract.patterns import plain_norm
from extract.prefilter import Prefiltered

if TYPE_CHECKING:
    from extract.nlp import Hit

GAZ = Path(__file__).with_name("gazetteers")
TYPES = ("country", "product", "measure", "organisation", "person")


def _load(name: str) -> dict:
    return load_yaml(GAZ / name)


@lru_cache(maxsize=1)
def rules() -> dict:
    return _load("rules.yaml")


@lru_cache(maxsize=1)
def gazetteer_entries() -> list[dict]:
    """Every gazetteer entry: {id, type, name, standard_id, aliases (all match forms), display}."""
    out = []
    data = _load("countries.yaml")
    for c in data["countries"]:
        names = c["aliases"] + [n + "'s" for n in c["aliases"] if n[-1:] in "aeiouy"]
        out.append({"id": c["id"], "type": "country", "name": c["name"], "standard_id": c["iso"],
                    "aliases": _uniq([c["name"], *names, *c["adjectives"], *c["demonyms"]]),
                    "display": _uniq([c["name"], *c["aliases"]])})
    for r in data["regions"]:
        out.append({"id": f"region:{_slug(r)}", "type": "region", "name": r, "standard_id": None,
                    "aliases": [r], "display": [r]})
    for kind, key in (("product", "products"), ("measure", "measures"), ("organisation", "organisations")):
        for e in _load(f"{key}.yaml")[key]:
            std = e.get("hs") or e.get("celex")
            aliases = _uniq([e["name"], *(e.get("aliases") or [])])
            out.append({"id": f"{kind}:{e['id']}", "type": kind, "name": e["name"],
                        "standard_id": str(std) if std else None,
                        "aliases": _uniq(aliases + [_dehyphen(a) for a in aliases if "-" in a]),
                        "display": aliases})
    for p in _load("organisations.yaml")["parties"]:
        out.append({"id": f"organisation:party-{_slug(p)}", "type": "organisation", "name": p,
                    "standard_id": None, "aliases": [p], "display": [p]})
    return out


@lru_cache(maxsize=1)
def _by_id() -> dict[str, dict]:
    return {e["id"]: e for e in gazetteer_entries()}


def entity_table() -> list[dict]:
    """Rows of kb.db `entities` for every gazetteer entry (regions are not entities)."""
    return [
        {"id": e["id"], "type": e["type"], "name": e["name"], "standard_id": e["standard_id"],
         "aliases": json.dumps(e["display"], ensure_ascii=False), "is_new": 0}
        for e in gazetteer_entries() if e["type"] != "region"
    ]


def extract_entities(doc: Document) -> list[dict]:
    """Mentions in passages, footnotes and table rows, in document order."""
    units = [(p.order, None, p.text) for p in doc.passages]
    units += [(f.passage, f.number, f.text) for f in doc.footnotes]
    units += [(None, None, " | ".join(c for c in row if c)) for t in doc.tables for row in [t.header, *t.rows] if row]
    lang = doc.meta.language if doc.meta.language in ("nl", "en") else "nl"
    mentions = []
    for (passage, note, _), found in zip(units, find_mentions([text for _, _, text in units], lang)):
        mentions += [m | {"passage": passage, "footnote": note} for m in found]
    return mentions


def find_mentions(texts: list[str], lang: str = "nl") -> list[list[dict]]:
    """The mentions of each text: gazetteer matches (after same-length OCR repairs),
    fuzzy links, new measures and people, with offsets into the text as given."""
    from extract.nlp import gazetteer_hits  # spaCy loads only where text is read, not where the KB is linked

    hits = gazetteer_hits([repair_ocr(t) for t in texts], lang=lang)
    return [mentions_in(text, h) for text, h in zip(texts, hits)]


def mentions_in(text: str, hits: list[Hit]) -> list[dict]:
    """Mentions of one text from its gazetteer hits, plus what rules find beside them."""
    found = [_mention(h.kb_id, text[h.start:h.end], h.start, h.end) for h in _keep(hits)]
    found += _coordinated(text, found)
    taken = [(m["start"], m["end"]) for m in found if m["type"] == "measure"]
    found += _candidates(text, taken)
    found += _people(text)
    return sorted(found, key=lambda m: (m["start"], m["end"]))


def _keep(hits: list[Hit]) -> list[Hit]:
    """Drop regions, hits nested in a longer hit of their type, and countries inside regions."""
    regions = [h for h in hits if h.label == "region"]
    out = []
    for h in hits:
        if h.label == "region":
            continue
        inside = lambda o: o is not h and o.start <= h.start and h.end <= o.end and o.length > h.length  # noqa: E731
        if any(inside(o) and o.label == h.label for o in hits):
            continue
        if h.label == "country" and any(inside(r) or (r.start, r.end) == (h.start, h.end) for r in regions):
            continue
        out.append(h)
    return out


def _mention(eid: str, surface: str, start: int, end: int) -> dict:
    e = _by_id().get(eid)
    etype = e["type"] if e else eid.split(":", 1)[0]
    return {"entity_id": eid, "type": etype, "name": e["name"] if e else surface, "surface": surface,
            "start": start, "end": end, "is_new": e is None}


def repair_ocr(text: str) -> str:
    """Same-length OCR repairs (rules.yaml), so offsets into the original stay valid."""
    for pattern, repl in _ocr_fixes():
        text = pattern.sub(repl, text)
    return text


@lru_cache(maxsize=1)
def _ocr_fixes() -> list[tuple[re.Pattern, str]]:
    return [(re.compile(p), r) for p, r in rules()["ocr_fixes"]]


@lru_cache(maxsize=1)
def _candidate_res() -> list[Prefiltered]:
    return [Prefiltered(re.compile(p)) for p in rules()["new_measure_patterns"]]


@lru_cache(maxsize=1)
def _measure_index() -> tuple[list[str], list[str]]:
    """Folded measure aliases and their entity ids, for rapidfuzz linking."""
    keys, ids = [], []
    for e in gazetteer_entries():
        if e["type"] == "measure":
            for a in e["aliases"]:
                keys.append(fold(a))
                ids.append(e["id"])
    return keys, ids


def fold(name: str) -> str:
    """Case, accents, hyphens and spacing folded: 'anti-dwang instrument' ~ 'anti-dwanginstrument'."""
    return re.sub(r"[\s\-–]+", "", plain_norm(name))


def link_measure(name: str) -> str | None:
    """The gazetteer measure a variant spelling names, if rapidfuzz is sure enough."""
    keys, ids = _measure_index()
    hit = process.extractOne(fold(name), keys, scorer=fuzz.ratio, score_cutoff=rules()["fuzzy_threshold"])
    return ids[hit[2]] if hit else None


def _coordinated(text: str, found: list[dict]) -> list[dict]:
    """Measures named by a cue plus a list: 'IPCEI's voor halfgeleiders, waterstof en cloud'."""
    glue, out = re.compile(rules()["coordination_glue"]), []
    for rule, cue_re in zip(rules()["coordinations"], _coordination_cues()):
        members = [m for m in found if m["type"] == rule["type"]]
        for cue in cue_re.finditer(text):
            pos = cue.end()
            for m in members:
                if m["start"] < pos:
                    continue
                if not glue.match(text[pos:m["start"]]):
                    break
                name = rule["name"].format(surface=m["surface"], name=m["name"])
                eid = _exact_measure(name) or link_measure(name)
                out.append(_mention(eid, m["surface"], m["start"], m["end"]) if eid else {
                    "entity_id": f"measure:new:{_slug(name)}", "type": "measure", "name": name,
                    "surface": m["surface"], "start": m["start"], "end": m["end"], "is_new": True})
                pos = m["end"]
    return out


@lru_cache(maxsize=1)
def _coordination_cues() -> list[Prefiltered]:
    return [Prefiltered(re.compile(rule["cue"])) for rule in rules()["coordinations"]]


def _exact_measure(name: str) -> str | None:
    keys, ids = _measure_index()
    folded = fold(name)
    return next((i for k, i in zip(keys, ids) if k == folded), None)


def _candidates(text: str, taken: list[tuple[int, int]]) -> list[dict]:
    """Measure-like names not matched exactly: linked by rapidfuzz, else kept as new."""
    out, stop = [], set(rules()["candidate_stopwords"])
    for pat in _candidate_res():
        for m in pat.finditer(text):
            start, surface = m.start(), m.group(0).strip()
            first, _, rest = surface.partition(" ")
            if first in stop and rest:
                start, surface = start + len(first) + 1, rest
            end = start + len(surface)
            if any(s <= start and end <= e for s, e in taken) or len(surface) < 5:
                continue
            eid = link_measure(surface)
            if eid and any(s < end and start < e for s, e in taken):
                continue  # a partial overlap with a known measure adds nothing
            m2 = _mention(eid, surface, start, end) if eid else {
                "entity_id": f"measure:new:{_slug(surface)}", "type": "measure", "name": surface,
                "surface": surface, "start": start, "end": end, "is_new": True}
            taken.append((start, end))
            out.append(m2)
    return out


@lru_cache(maxsize=1)
def _person_re() -> Prefiltered:
    cues = "|".join(re.escape(c) for c in sorted(rules()["person_cues"], key=len, reverse=True))
    particle = r"(?:(?:van|de|der|den|ter|ten|te|in ’t|in 't|Van|De|Ter|Ten)\s+){0,3}"
    name = r"[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ'’]+)?"
    return Prefiltered(re.compile(rf"\b(?:{cues})\s+((?:[A-Z]\.\s?)*{particle}{name})(?:\s+en\s+({particle}{name}))?"))


@lru_cache(maxsize=1)
def _place_and_org_names() -> frozenset[str]:
    """Names a person cue can precede without naming a person ('minister van Defensie')."""
    return frozenset(plain_norm(a) for e in gazetteer_entries() if e["type"] in ("organisation", "country", "region")
                     for a in e["aliases"])


def _people(text: str) -> list[dict]:
    """Members and ministers named after a cue ('het lid Kuzu', 'minister Adriaansens')."""
    orgs, out = _place_and_org_names(), []
    for m in _person_re().finditer(text):
        for g in (1, 2):
            name = m.group(g)
            # 'minister van Defensie' names a portfolio: after a cue, a surname's
            # particle is capitalised ('het lid Van der Lee').
            if not name or name[0].islower() or plain_norm(name) in orgs or plain_norm(name.split()[-1]) in orgs:
                continue
            out.append({"entity_id": f"person:{_slug(name)}", "type": "person", "name": name, "surface": name,
                        "start": m.start(g), "end": m.end(g), "is_new": True})
    return out + _heading_people(text)


@lru_cache(maxsize=1)
def _heading_re() -> Prefiltered:
    return Prefiltered(re.compile(rules()["person_heading"], re.M))


def _heading_people(text: str) -> list[dict]:
    """Submitters in a capitalised motion heading, names in their usual case ('DE ROON' -> 'De Roon')."""
    out = []
    for m in _heading_re().finditer(text):
        block, base = m.group(1), m.start(1)
        for part in re.finditer(r"[^,]+?(?=\s+EN\s+|,|$)", block):
            raw = part.group(0).strip()
            if not raw or raw == "EN":
                continue
            raw = re.sub(r"^EN\s+", "", raw)
            name = _name_case(raw)
            start = base + block.index(raw, part.start())
            out.append({"entity_id": f"person:{_slug(name)}", "type": "person", "name": name, "surface": raw,
                        "start": start, "end": start + len(raw), "is_new": True})
    return out


def _name_case(raw: str) -> str:
    """'VAN DER LEE' -> 'Van der Lee': particles lower case except at the start."""
    particles = set(rules()["name_particles"])
    words = raw.lower().split()
    return " ".join(w if (i and w in particles) else w[:1].upper() + w[1:] for i, w in enumerate(words))


def summarise(mentions: list[dict]) -> dict:
    """The gold-schema shape: ISO codes for countries; {required, optional} for products and measures."""
    countries = sorted({_by_id()[m["entity_id"]]["standard_id"] for m in mentions
                        if m["type"] == "country" and m["entity_id"] in _by_id()})
    return {"countries": countries,
            "products": {"required": _named(mentions, "product"), "optional": []},
            "measures": {"required": _named(mentions, "measure"), "optional": []}}


def _named(mentions: list[dict], etype: str) -> list[dict]:
    """One entry per entity: canonical name plus the surfaces seen, in first-mention order."""
    by: dict[str, dict] = {}
    for m in mentions:
        if m["type"] != etype:
            continue
        entry = by.setdefault(m["entity_id"], {"name": m["name"], "aliases": []})
        if m["surface"] != entry["name"] and m["surface"] not in entry["aliases"]:
            entry["aliases"].append(m["surface"])
    return list(by.values())


def _uniq(items) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def _dehyphen(alias: str) -> str:
    return alias.replace("-", " ")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", plain_norm(text)).strip("-")
