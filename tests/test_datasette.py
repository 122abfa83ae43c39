"""The served site over real HTTP, on the seed KB and on an empty KB: every page, table and
canned query answers 200 in Dutch; full-text search finds passages; the reading pages (letter,
motion, commitments, dependencies) show what staff look for; feeds are Atom; user text is
escaped; the configured SQL policy holds."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import yaml
from datasette.utils import tilde_encode

ROOT = Path(__file__).resolve().parent.parent
METADATA = yaml.safe_load((ROOT / "datasette" / "metadata.yml").read_text(encoding="utf-8"))
SETTINGS = json.loads((ROOT / "datasette" / "settings.json").read_text(encoding="utf-8"))
KB = METADATA["databases"]["kb"]
QUERIES = KB.get("queries", {})
ATOM = "{http://www.w3.org/2005/Atom}"
DOC = "000_58daee204d757405.txt"  # the critical raw materials letter with the Kuzu footnote
EVIL = "<script>alert(1)</script>"
PAGES = ["/", "/kb", "/-/toezeggingen", "/-/toezeggingen?status=overdue", "/-/over", "/-/afhankelijkheden"]


def get(url: str, **params) -> httpx.Response:
    return httpx.get(url, params=params, timeout=30)


def query_params(sql: str) -> list[str]:
    return sorted(set(re.findall(r"(?<![:\w]):(\w+)", sql)))


def tables_of(base: str) -> list[str]:
    """Every visible table of the served kb (what a user can click on)."""
    data = get(f"{base}/kb.json").json()
    return [t["name"] for t in data["tables"] if not t["hidden"]]


# --- every page answers, on the seed KB and the empty KB ----------------------------------

@pytest.mark.parametrize("site", ["seed_site", "empty_site"])
def test_home_is_dutch(site, request):
    base = request.getfixturevalue(site)
    r = get(base + "/")
    assert r.status_code == 200
    assert "kamer-kb: Kamerstukken, moties en toezeggingen" in r.text
    for text in ("Verlopen en bijna verlopen toezeggingen", "Moties die nog open staan", "Nieuwste documenten"):
        assert text in r.text
    assert "/assets/chart.umd.min.js" in r.text


@pytest.mark.parametrize("site", ["seed_site", "empty_site"])
def test_every_page_answers(site, request):
    base = request.getfixturevalue(site)
    for path in PAGES:
        r = get(base + path)
        assert r.status_code == 200, f"{path}: {r.status_code}"


@pytest.mark.parametrize("site", ["seed_site", "empty_site"])
def test_every_table_page_answers(site, request):
    base = request.getfixturevalue(site)
    tables = tables_of(base)
    assert {"documents", "passages", "commitments", "motions"} <= set(tables)
    for t in tables:
        for suffix in ("", ".json"):
            r = get(f"{base}/kb/{t}{suffix}")
            assert r.status_code == 200, f"/kb/{t}{suffix}: {r.status_code}"


@pytest.mark.parametrize("site", ["seed_site", "empty_site"])
@pytest.mark.parametrize("value", ["lithium", 'lithum"', "", 'lithum" OR (', EVIL])
def test_every_canned_query_answers(site, value, request):
    """Normal values, the empty string and FTS-breaking typos: never an error page."""
    base = request.getfixturevalue(site)
    assert QUERIES, "metadata.yml defines no canned queries"
    for name, spec in QUERIES.items():
        params = {p: value for p in query_params(spec["sql"])}
        r = get(f"{base}/kb/{name}.json", **params)
        assert r.status_code == 200, f"{name} {params}: {r.status_code} {r.text[:300]}"
        assert r.json().get("ok", True) is not False, f"{name} {params}: {r.text[:300]}"
        html = get(f"{base}/kb/{name}", **params)
        assert html.status_code == 200, f"{name} (html) {params}: {html.status_code}"
        assert EVIL not in html.text


def test_canned_queries_are_described_in_dutch():
    for name, spec in QUERIES.items():
        assert spec.get("title"), f"{name} has no title"
        assert not re.search(r"\b(the|and|with|of)\b", spec["title"]), f"{name}: title looks English"


def test_every_column_has_a_dutch_description(seed_db):
    """Each column of each visible table in a built KB is described in metadata.yml."""
    import sqlite3

    conn = sqlite3.connect(seed_db)
    tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
    missing = []
    for t in tables:
        spec = KB["tables"].get(t)
        if t.startswith(("passages_fts", "sqlite_")) or (spec or {}).get("hidden"):
            continue
        assert spec and spec.get("title"), f"table {t} has no Dutch title"
        cols = [r[1] for r in conn.execute(f"pragma table_info([{t}])")]
        missing += [f"{t}.{c}" for c in cols if c not in (spec.get("columns") or {})]
    assert not missing, f"columns without a description: {missing}"


def test_every_facet_and_the_commitments_chart_read_an_index(seed_db):
    """A facet counts a column over its whole table on every visit of the table page;
    on a large KB that must be an index scan, as must the commitments page's sort and
    its chart by quarter (also the canned query 'toezeggingen_per_kwartaal')."""
    import sqlite3

    from extract.store import QUARTER_OF_DUE

    conn = sqlite3.connect(seed_db)
    unindexed = []
    for table, spec in KB["tables"].items():
        leading = {conn.execute(f"pragma index_info([{i[1]}])").fetchone()[2]
                   for i in conn.execute(f"pragma index_list([{table}])")}
        unindexed += [f"{table}.{c}" for c in spec.get("facets") or [] if c not in leading]
    assert not unindexed, f"facets without an index: {unindexed}"

    def plan(sql):
        return " ".join(r[3] for r in conn.execute("explain query plan " + sql))

    chart = (f"select {QUARTER_OF_DUE} as q, status, count(*) from commitments "
             "where due is not null and kind != 'eu_action' group by 1, 2 order by 1")
    assert "COVERING INDEX commitments_quarter" in plan(chart)
    assert "COVERING INDEX commitments_quarter" in plan(QUERIES["toezeggingen_per_kwartaal"]["sql"])
    assert "INDEX commitments_due_nulls_last" in plan(
        "select * from commitments where kind != 'eu_action' order by due is null, due limit 100")


# --- content ------------------------------------------------------------------------------

def test_full_text_search_finds_kuzu(seed_site):
    rows = get(f"{seed_site}/kb/passages.json", _search="Kuzu", _shape="array").json()
    assert rows and any("Kuzu" in r["text"] for r in rows)
    rows = get(f"{seed_site}/kb/zoek_passages.json", zoek="Kuzu", _shape="array").json()
    assert rows and any("Kuzu" in r["tekst"] for r in rows)
    # accents and case do not matter (unicode61 remove_diacritics)
    assert get(f"{seed_site}/kb/zoek_passages.json", zoek="kuzu", _shape="array").json()


def test_passages_on_lithium_and_china(seed_site):
    name = next((q for q in ("passages_met_entiteiten", "passages_met_twee_entiteiten") if q in QUERIES), None)
    assert name, "no canned query for passages mentioning two entities"
    params = query_params(QUERIES[name]["sql"])
    assert len(params) == 2, params
    rows = []
    for values in (["lithium", "China"], ["China", "lithium"]):
        rows = rows or get(f"{seed_site}/kb/{name}.json", _shape="array", **dict(zip(params, values))).json()
    assert rows, f"{name}: no passage on lithium and China"
    assert all("lithium" in json.dumps(r, ensure_ascii=False).lower() for r in rows)


def test_document_row_page_shows_text_and_footnotes(seed_site):
    r = get(f"{seed_site}/kb/documents/{tilde_encode(DOC)}")
    assert r.status_code == 200
    assert "Tekst van het document" in r.text and "Voetnoten" in r.text
    assert "Kamerstuk 36 200 V, nr. 50." in r.text  # footnote 4
    assert "https://zoek.officielebekendmakingen.nl/" in r.text  # the public source
    assert f"/-/brief/{DOC}" in r.text


def test_other_row_pages_are_untouched(seed_site):
    rows = get(f"{seed_site}/kb/passages.json", _shape="array", _size=1).json()
    r = get(f"{seed_site}/kb/passages/{tilde_encode(rows[0]['id'])}")
    assert r.status_code == 200 and "Tekst van het document" not in r.text


@pytest.mark.parametrize("kind", ["commitments", "documents", "motions"])
@pytest.mark.parametrize("site", ["seed_site", "empty_site"])
def test_atom_feeds_parse(kind, site, request):
    base = request.getfixturevalue(site)
    for params in ({}, {"q": "Kuzu"}, {"q": EVIL}):
        r = get(f"{base}/-/feeds/{kind}.atom", **params)
        assert r.status_code == 200 and "atom" in r.headers["content-type"]
        root = ET.fromstring(r.content)
        assert root.tag == ATOM + "feed" and root.find(ATOM + "title") is not None
        assert len(root.findall(ATOM + "entry")) <= 50
        assert EVIL not in r.text
    if site == "seed_site" and kind != "motions":
        assert ET.fromstring(get(f"{base}/-/feeds/{kind}.atom").content).findall(ATOM + "entry")


def test_search_term_is_escaped(seed_site):
    for url, params in ((f"{seed_site}/kb/zoek_passages", {"zoek": EVIL}),
                        (f"{seed_site}/kb/passages", {"_search": EVIL}),
                        (f"{seed_site}/-/feeds/documents.atom", {"q": EVIL})):
        r = get(url, **params)
        assert r.status_code == 200, url
        assert EVIL not in r.text, url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in get(f"{seed_site}/kb/zoek_passages", zoek=EVIL).text


def test_settings_hold(seed_site):
    r = get(f"{seed_site}/kb.json", sql="select 1 as een", _shape="array")
    if SETTINGS.get("default_allow_sql", True):
        assert r.status_code == 200 and r.json() == [{"een": 1}]
    else:
        assert r.status_code == 403
    assert get(f"{seed_site}/kb.db").status_code == (200 if SETTINGS.get("allow_download", True) else 403)
    served = {s: v for s, v in get(f"{seed_site}/-/settings.json").json().items() if s in SETTINGS}
    assert served == SETTINGS
    slow = get(f"{seed_site}/kb.json", sql="with recursive c(x) as (select 1 union all select x + 1 from c) "
                                           "select count(*) from c")
    assert slow.status_code == 400 and "too long" in slow.text.lower()


def test_feeds_filter_on_a_search_term(seed_site):
    only = ET.fromstring(get(seed_site + "/-/feeds/commitments.atom", q="Nationale Technologiestrategie").content)
    titles = [e.find(ATOM + "title").text for e in only.findall(ATOM + "entry")]
    assert titles and all("Technologiestrategie" in t for t in titles)


def test_home_counts_and_links(seed_site, empty_site):
    html = get(seed_site + "/").text
    assert "/-/motie/kst-36200-V-50" in html  # the Kuzu motion is one click from home
    assert re.search(r"\d+ verlopen", html)
    empty = get(empty_site + "/").text
    assert "0 verlopen" in empty and "Nog geen documenten" in empty


def test_query_results_link_to_the_letter(seed_site):
    """In canned query results, document ids, passages and motions are links (render_cell)."""
    name = next(q for q in ("toezeggingen_over_tijd", "toezeggingen_termijn") if q in QUERIES)
    html = get(f"{seed_site}/kb/{name}", onderwerp="").text
    assert f'<a href="/-/brief/{DOC}">{DOC}</a>' in html
    assert f'<a href="/-/brief/{DOC}#{DOC}%23' in html  # a passage anchor
    html = get(f"{seed_site}/kb/open_moties").text + get(f"{seed_site}/kb/afgedane_moties").text
    assert '<a href="/-/motie/kst-36200-V-50">kst-36200-V-50</a>' in html
    # table pages keep Datasette's own foreign-key rendering
    assert '<a href="/-/brief/' not in get(f"{seed_site}/kb/commitments").text


def test_feed_per_entity(seed_site):
    all_docs = ET.fromstring(get(f"{seed_site}/-/feeds/documents.atom").content).findall(ATOM + "entry")
    root = ET.fromstring(get(f"{seed_site}/-/feeds/documents.atom", entiteit="country:CN").content)
    some = root.findall(ATOM + "entry")
    assert some and len(some) <= len(all_docs)
    assert "China" in root.find(ATOM + "title").text
    none = ET.fromstring(get(f"{seed_site}/-/feeds/commitments.atom", entiteit="bestaat:niet").content)
    assert not none.findall(ATOM + "entry")
    html = get(f"{seed_site}/-/entiteit/country:CN").text
    assert "/-/feeds/commitments.atom?entiteit=country%3ACN" in html


def test_query_pages_speak_dutch(seed_site, empty_site):
    html = get(f"{seed_site}/kb/zoek_passages", zoek="Kuzu").text
    for text in ("Resultaat", "Zoekvelden", "Deze gegevens als", 'value="Zoeken"'):
        assert text in html, text
    assert "Custom SQL query" not in html and "This data as" not in html
    assert "Geen resultaten." in get(f"{empty_site}/kb/zoek_passages", zoek="Kuzu").text


def test_overridden_templates_match_the_pinned_datasette():
    """templates/query.html is a translated copy of Datasette 0.65.5's: re-copy it on an upgrade."""
    import datasette.version

    assert datasette.version.__version__ == "0.65.5"


def test_row_pages_link_to_the_reading_pages(seed_site):
    html = get(f"{seed_site}/kb/motions/{tilde_encode('kst-36200-V-50')}").text
    assert 'href="/-/motie/kst-36200-V-50"' in html and "Motiepagina" in html
    html = get(f"{seed_site}/kb/entities/{tilde_encode('country:CN')}").text
    assert 'href="/-/entiteit/country%3ACN"' in html
    c = get(f"{seed_site}/kb/commitments.json", _shape="array", _size=1).json()[0]
    html = get(f"{seed_site}/kb/commitments/{tilde_encode(c['id'])}").text
    assert f'href="/-/brief/{c["document"]}"' in html and "Lees de brief" in html


# --- the reading pages ---------------------------------------------------------------------

def test_kuzu_motion_page_names_the_letter_that_completed_it(seed_site):
    html = get(seed_site + "/-/motie/kst-36200-V-50").text
    assert "Kuzu" in html and "afgedaan" in html
    assert "/-/brief/000_58daee204d757405.txt" in html


def test_document_page_reads_as_the_letter_with_footnotes(seed_site):
    html = get(seed_site + "/-/brief/" + quote("000_58daee204d757405.txt", safe="")).text
    assert "Kamerstuk 36 200 V, nr. 50." in html  # footnote 4 beneath the text
    assert "Voetnoten" in html and "Toezeggingen in dit document" in html
    assert 'class="kb-ent kb-ent-country"' in html
    assert "https://zoek.officielebekendmakingen.nl/kst-30821-181.html" in html


def test_overdue_q4_report_is_listed_with_its_letter(seed_site):
    rows = get(f"{seed_site}/kb/toezeggingen_termijn.json", onderwerp="Voortgangsrapportage", _shape="array").json()
    assert rows and rows[0]["uiterlijk"] == "2023-12-31" and rows[0]["status"] == "overdue"
    assert rows[0]["document"] == "000_58daee204d757405.txt"


def test_missing_document_is_a_dutch_404(seed_site):
    r = get(seed_site + "/-/brief/bestaat-niet.txt")
    assert r.status_code == 404 and "niet gevonden" in r.text


def test_dependency_matrix_shows_difosforpentaoxide_from_china(seed_site):
    html = get(seed_site + "/-/afhankelijkheden").text
    row = html[html.index("difosforpentaoxide"):]
    row = row[: row.index("</tr>")]
    assert "59%" in row


def test_commitments_page_is_paged(seed_site):
    """A large KB holds tens of thousands of commitments: the page shows them a page at a time."""
    first = get(seed_site + "/-/toezeggingen").text
    assert "Voortgangsrapportage" in first
    for bad in ("abc", "-3", "0"):
        assert get(seed_site + "/-/toezeggingen", pagina=bad).text.count("kb-status-") == first.count("kb-status-")
    beyond = get(seed_site + "/-/toezeggingen", pagina="999")
    assert beyond.status_code == 200 and "Geen toezeggingen" in beyond.text


def test_home_ranks_the_most_mentioned_entities(seed_site):
    html = get(seed_site + "/").text
    assert "/-/entiteit/country%3ACN" in html or "/-/entiteit/country:CN" in html
    assert get(seed_site + "/.json").status_code == 200  # Datasette's own index stays reachable as JSON
