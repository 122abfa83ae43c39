"""Dependency facts: which share of a product comes from which country.

From sentences ('waarbij 59% van de totale Nederlandse import afkomstig is uit
China', 'Israël (77%) en Marokko (11,7%)', "China's aandeel in de
siliciumproductie ... 88%") and from table rows (product × country × share ×
year). Entity mentions come from extract.entities, so any product or country
the gazetteers know can take part. Shares are fractions (0.59).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from extract.datafiles import load_yaml
from extract.model import Document, Table
from extract.sentences import split_spans

_DATA = Path(__file__).with_name("dependencies.yaml")


@lru_cache(maxsize=1)
def rules() -> dict:
    data = load_yaml(_DATA)
    data["re"] = {k: re.compile(data[k], re.I if k not in ("percent", "range_before") else 0)
                  for k in ("percent", "range_before", "cues", "export_only", "import_words", "not_share", "scope_nouns", "scope", "origin_before")}
    data["col_re"] = {k: re.compile(v) for k, v in data["table_columns"].items()}
    return data


def extract_dependencies(doc: Document, mentions: list[dict]) -> list[dict]:
    """Facts from the passages' sentences, then from the document's tables."""
    facts, by_passage = [], {}
    for m in mentions:
        if m.get("footnote") is None:
            by_passage.setdefault(m.get("passage"), []).append(m)
    percent = rules()["re"]["percent"]
    for p in doc.passages:
        if p.order in by_passage and percent.search(p.text):  # a fact needs a share and a mention
            facts += from_text(p.text, by_passage[p.order], passage=p.order)
    for i, table in enumerate(doc.tables):
        facts += from_table(table, i)
    return _dedupe(facts)


def from_text(text: str, mentions: list[dict], passage: int | None = None, cue: bool = True,
              product_name: str | None = None) -> list[dict]:
    """Facts of one passage; `mentions` carry char offsets into `text`.

    `cue=False` drops the need for a supply word in the sentence (table cells,
    whose header says what the numbers mean); `product_name` serves when no
    product is in reach (a table row's product).
    """
    r, facts, last_product = rules()["re"], [], None
    for s, e in split_spans(text):
        sentence = text[s:e]
        inside = [m for m in mentions if s <= m["start"] and m["end"] <= e]
        products = [m for m in inside if m["type"] == "product"]
        if products:
            last_product = _best_product(products, e)
        shares = [(m.start(), m.end(), m.group(1)) for m in r["percent"].finditer(text, s, e)
                  if _is_share(text, s, m.start(), m.end())]
        countries = [m for m in inside if m["type"] == "country" and not r["scope_nouns"].match(text[m["end"]:e])]
        if not shares or not countries or (cue and not r["cues"].search(sentence)):
            continue
        if r["export_only"].search(sentence) and not r["import_words"].search(sentence):
            continue
        used = set()
        for ps, pe, value in shares:
            country = _country_for(text, ps, pe, countries, used)
            if country is None:
                continue
            used.add(id(country))
            product = _best_product(products, ps) if products else last_product
            name = product["name"] if product else product_name
            if name is None:
                continue
            facts.append(_fact(name, country, _share(value), sentence, passage, "sentence"))
    return facts


def _is_share(text: str, sent_start: int, start: int, end: int) -> bool:
    r = rules()["re"]
    if r["range_before"].search(text[max(sent_start, start - 3):start]):
        return False
    return not r["not_share"].search(text[end:end + 25]) and not r["not_share"].search(text[max(sent_start, start - 12):start])


def _country_for(text: str, ps: int, pe: int, countries: list[dict], used: set) -> dict | None:
    """The supplier a percentage belongs to: 'Israël (77%)', '59% ... uit China', "China's aandeel ... 88%"."""
    free = [c for c in countries if id(c) not in used]
    for c in free:  # parenthetical share right after the country
        if 0 <= ps - c["end"] <= 3 and "(" in text[c["end"]:ps]:
            return c
    after = [c for c in free if c["start"] >= pe and rules()["re"]["origin_before"].search(text[max(pe, c["start"] - 12):c["start"]])]
    if after:
        return min(after, key=lambda c: c["start"] - pe)
    if not free:  # 'China supplies 98% of X and 93% of Y': one supplier, several shares
        return countries[0] if len({c["entity_id"] for c in countries}) == 1 else None
    return min(free, key=lambda c: min(abs(c["start"] - pe), abs(ps - c["end"])))


def _best_product(products: list[dict], anchor: int) -> dict:
    """The specific product nearest the anchor; generic words ('grondstoffen') only as a last resort."""
    generic = set(rules()["generic_products"])
    pool = [p for p in products if p["name"] not in generic] or products
    return min(pool, key=lambda p: (abs(p["start"] - anchor), -p["start"]))


def _share(value: str) -> float:
    return round(float(value.replace(",", ".")) / 100, 4)


def _year(text: str) -> int | None:
    m = re.search(r"(?<![\d.,])(?<!\d )\b((?:19|20)\d{2})\b(?![\d-])(?! \d{3})", text)
    return int(m.group(1)) if m else None


def _scope(text: str) -> str | None:
    m = rules()["re"]["scope"].search(text)
    return m.group(0) if m else None


def _fact(product: str, country: dict, share: float, sentence: str, passage, source: str) -> dict:
    iso = country.get("standard_id") or country["entity_id"].split(":", 1)[-1]
    return {"product": product, "country": iso, "share": share, "scope": _scope(sentence),
            "year": _year(sentence), "sentence": sentence.strip(), "passage": passage, "source": source}


def from_table(table: Table, index: int = 0) -> list[dict]:
    """Facts from a table: long form (product | country | share | year columns) or
    wide form (countries as column headers, products as rows), or cells like 'China (87%)'."""
    from extract.entities import find_mentions

    header = [h or "" for h in table.header]
    cols = _columns(header)
    header_countries = [_first(found, "country") for found in find_mentions(header)]
    facts = []
    for row in table.rows:
        cells = [c or "" for c in row]
        found = find_mentions(cells)
        evidence = " | ".join(x for x in [table.caption or "", " | ".join(header), " | ".join(cells)] if x)
        product = _row_product(cells, found, cols)
        year = _cell_year(cells, cols) or _year(table.caption or "")
        for i, cell in enumerate(cells):  # 'China (87%)' inside a cell
            for f in from_text(cell, found[i], cue=False, product_name=product):
                facts.append(f | {"product": product or f["product"], "passage": None,
                                  "source": "table", "sentence": evidence, "year": f["year"] or year})
        if facts and facts[-1]["sentence"] == evidence or product is None:
            continue
        country = next((_first(found[i], "country") for i in cols.get("country", []) if _first(found[i], "country")), None)
        share_cols = cols.get("share", []) or [i for i, c in enumerate(cells) if "%" in c]
        if country is not None:
            share = next((_number(cells[i]) for i in share_cols if i < len(cells) and _number(cells[i]) is not None), None)
            if share is not None:
                facts.append(_table_fact(product, country, share, year, evidence, _scope(evidence)))
            continue
        for i, hc in enumerate(header_countries):  # wide form
            if hc is not None and i < len(cells) and _number(cells[i]) is not None:
                facts.append(_table_fact(product, hc, _number(cells[i]), year, evidence, _scope(evidence)))
    return facts


def _table_fact(product: str, country: dict, share: float, year, evidence: str, scope) -> dict:
    return _fact(product, country, share, evidence, None, "table") | {"year": year, "scope": scope}


def _columns(header: list[str]) -> dict[str, list[int]]:
    cols: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        for key, pat in rules()["col_re"].items():
            if pat.search(h):
                cols.setdefault(key, []).append(i)
                break
    return cols


def _row_product(cells: list[str], found: list[list[dict]], cols: dict) -> str | None:
    for i in cols.get("product", []) + list(range(len(cells))):
        p = _first(found[i], "product") if i < len(found) else None
        if p:
            return p["name"]
    for i in cols.get("product", []):  # an unknown product in the product column: keep its text
        if i < len(cells) and cells[i].strip():
            return cells[i].strip()
    return None


def _cell_year(cells: list[str], cols: dict) -> int | None:
    for i in cols.get("year", []):
        if i < len(cells):
            y = _year(cells[i])
            if y:
                return y
    return None


def _number(cell: str) -> float | None:
    """A share from a cell: '59%', '59', '0,59', '11,7 %' (fractions kept, percentages divided)."""
    m = re.fullmatch(r"\s*(\d{1,3}(?:[.,]\d+)?)\s*(%?)\s*", cell)
    if not m:
        return None
    v = float(m.group(1).replace(",", "."))
    if m.group(2) or v > 1:
        return round(v / 100, 4) if v <= 100 else None
    return v


def _first(mentions: list[dict], etype: str) -> dict | None:
    return next((m for m in mentions if m["type"] == etype), None)


def _dedupe(facts: list[dict]) -> list[dict]:
    seen, out = set(), []
    for f in facts:
        key = (f["product"], f["country"], f["share"], f["sentence"])
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
