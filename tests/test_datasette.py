"""The Datasette site over HTTP: every page and canned query answers, in Dutch, on the seed
KB and on an empty one; search finds passages; user text is escaped; the SQL policy holds."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import yaml

from support import empty_kb, seed_kb, served

ROOT = Path(__file__).resolve().parent.parent
METADATA = yaml.safe_load((ROOT / "datasette" / "metadata.yml").read_text(encoding="utf-8"))
SETTINGS = json.loads((ROOT / "datasette" / "settings.json").read_text(encoding="utf-8"))
QUERIES = METADATA["databases"]["kb"]["queries"]
PAGES = ["/", "/kb", "/-/toezeggingen", "/-/over", "/-/afhankelijkheden", "/-/feeds/documents.atom", "/-/feeds/commitments.atom",
         "/-/feeds/motions.atom", "/-/toezeggingen?status=overdue"]


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory):
    with served(seed_kb(tmp_path_factory.mktemp("seed"))) as base:
        yield base


@pytest.fixture(scope="module")
def empty_site(tmp_path_factory):
    with served(empty_kb(tmp_path_factory.mktemp("empty"))) as base:
        yield base


def get(url: str, **params) -> httpx.Response:
    return httpx.get(url, params=params, timeout=30)


def query_urls() -> list[tuple[str, dict]]:
    """Every canned query with normal values and with a typo that breaks naive FTS."""
    out = []
    for name, spec in QUERIES.items():
        params = sorted(set(__import__("re").findall(r":(\w+)", spec["sql"])))
        out.append((name, {p: "lithium" for p in params}))
        out.append((name, {p: 'lithum" OR (' for p in params}))
    return out


@pytest.mark.parametrize("site", ["seed_site", "empty_site"])
def test_every_page_table_and_canned_query_answers(site, request):
    base = request.getfixturevalue(site)
    tables = [t for t, spec in METADATA["databases"]["kb"]["tables"].items() if not spec.get("hidden")]
    for path in PAGES + [f"/kb/{t}" for t in tables]:
        r = get(base + path)
        assert r.status_code == 200, f"{path}: {r.status_code}"
    for name, params in query_urls():
        r = get(f"{base}/kb/{name}.json", **params)
        assert r.status_code == 200, f"{name} {params}: {r.status_code} {r.text[:300]}"
        assert r.json().get("ok", True) is not False, f"{name}: {r.text[:300]}"


def test_home_answers_the_daily_questions_in_dutch(seed_site):
    html = get(seed_site + "/").text
    for text in ("Verlopen en bijna verlopen toezeggingen", "Moties die nog open staan", "Nieuwste documenten",
                 "Zoek in alles"):
        assert text in html
    assert "/-/motie/kst-36200-V-50" in html  # the Kuzu motion, one click from home
    assert "/assets/chart.umd.min.js" in html and "cdn" not in html.lower()


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


def test_full_text_search_finds_passages(seed_site):
    rows = get(f"{seed_site}/kb/zoek_passages.json", zoek="Kuzu", _shape="array").json()
    assert any("Kuzu" in r["tekst"] for r in rows)
    both = get(f"{seed_site}/kb/passages_met_twee_entiteiten.json", eerste="lithium", tweede="China",
               _shape="array").json()
    assert both and all("lithium" in r["tekst"].lower() for r in both)


def test_user_text_is_escaped(seed_site):
    evil = "<script>alert(1)</script>"
    for url in (f"{seed_site}/kb/zoek", f"{seed_site}/-/feeds/documents.atom"):
        r = get(url, zoek=evil, q=evil)
        assert r.status_code == 200 and evil not in r.text


def test_atom_feeds_are_valid_and_filterable(seed_site):
    root = ET.fromstring(get(seed_site + "/-/feeds/commitments.atom").content)
    ns = "{http://www.w3.org/2005/Atom}"
    assert root.tag == ns + "feed" and root.findall(ns + "entry")
    only = ET.fromstring(get(seed_site + "/-/feeds/commitments.atom", q="Nationale Technologiestrategie").content)
    titles = [e.find(ns + "title").text for e in only.findall(ns + "entry")]
    assert titles and all("Technologiestrategie" in t for t in titles)


def test_configured_sql_policy_holds(seed_site):
    r = get(f"{seed_site}/kb.json", sql="select 1 as een")
    if SETTINGS.get("default_allow_sql", True):
        assert r.status_code == 200 and r.json()["rows"] == [[1]]
    else:
        assert r.status_code == 403
    assert get(f"{seed_site}/kb.db").status_code == (200 if SETTINGS.get("allow_download", True) else 403)
    slow = get(f"{seed_site}/kb.json", sql="with recursive c(x) as (select 1 union all select x + 1 from c) "
                                           "select count(*) from c")
    assert slow.status_code == 400 and "too long" in slow.text.lower()


def test_missing_document_is_a_dutch_404(seed_site):
    r = get(seed_site + "/-/brief/bestaat-niet.txt")
    assert r.status_code == 404 and "niet gevonden" in r.text


def test_dependency_matrix_shows_difosforpentaoxide_from_china(seed_site):
    html = get(seed_site + "/-/afhankelijkheden").text
    row = html[html.index("difosforpentaoxide"):]
    row = row[: row.index("</tr>")]
    assert "59%" in row
