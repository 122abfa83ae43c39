"""Entity mentions and gazetteers: what a policy officer would see in the entity pages."""
from __future__ import annotations

from pathlib import Path

import pycountry
import pytest
import yaml

from extract.entities import (
    entity_table, extract_entities, find_mentions, gazetteer_entries, link_measure, summarise,
)
from extract.model import Document, Footnote, Meta, Passage


def doc_of(*texts: str, lang: str = "nl", notes: dict | None = None) -> Document:
    passages = [Passage(order=i, text=t) for i, t in enumerate(texts)]
    footnotes = [Footnote(number=n, text=t, passage=0) for n, t in (notes or {}).items()]
    return Document(path=Path("x.txt"), name="x.txt", format="text", passages=passages,
                    footnotes=footnotes, meta=Meta(language=lang))


def ids(text: str, lang: str = "nl") -> set[str]:
    return {m["entity_id"] for m in find_mentions([text], lang)[0]}


def countries(text: str) -> set[str]:
    return set(summarise(extract_entities(doc_of(text)))["countries"])


# --- gazetteer coverage -----------------------------------------------------

def test_every_iso_country_is_in_the_gazetteer():
    have = {e["standard_id"] for e in gazetteer_entries() if e["type"] == "country"}
    assert {c.alpha_2 for c in pycountry.countries} <= have


def test_generated_countries_file_is_reproducible():
    from extract.gazetteers.build_countries import HERE, build

    on_disk = yaml.safe_load((HERE / "countries.yaml").read_text(encoding="utf-8"))
    assert on_disk == build()


@pytest.mark.parametrize("text,iso", [
    ("de Russische inval", "RU"), ("Chinese zonnepanelen", "CN"), ("het Israëlisch bedrijf", "IL"),
    ("een Spaanse studie", "ES"), ("de VS en het VK", "US"), ("Duitsers en Fransen", "DE"),
    ("de Verenigde Staten", "US"), ("Zuid-Korea", "KR"), ("Oekraine", "UA"), ("Israel", "IL"),
    ("Zuid-Afrika", "ZA"), ("Peking reageerde", "CN"), ("Türkiye", "TR"), ("the Netherlands", "NL"),
])
def test_names_adjectives_and_short_forms_map_to_iso(text, iso):
    assert iso in countries(text)


@pytest.mark.parametrize("text", [
    "Brussel besloot vorige week", "Europa en Azië", "Zuid-Amerikaanse landen", "in Afrika",
    "de Europese Commissie", "het Midden-Oosten", "het Latijns-Amerikaanse continent",
])
def test_continents_regions_and_brussels_are_no_countries(text):
    assert countries(text) == set()


def test_brussels_is_the_eu():
    assert "organisation:eu" in ids("Brussel besloot vorige week.")


@pytest.mark.parametrize("text", ["de polen van de magneet", "chili con carne", "een man en een vrouw"])
def test_lower_case_words_are_not_countries(text):
    assert countries(text) == set()


def test_adjectives_are_never_lemmatised_into_another_country():
    # 'Indiase' is India; 'Indische' (Indian Ocean, historic) is not listed: no guess.
    assert countries("Indiase generieke geneesmiddelen") == {"IN"}
    assert countries("de Indische Oceaan") == set()


def test_ocr_l_for_capital_i_is_repaired():
    assert countries("sancties tegen de lraanse regering") == {"IR"}


# --- products and measures --------------------------------------------------

@pytest.mark.parametrize("text,eid", [
    ("de productie van zonnepaneel", "product:zonnepanelen"),
    ("halfgeleiders en chips", "product:halfgeleiders"),
    ("één halfgeleider", "product:halfgeleiders"),
    ("rare earth elements", "product:zeldzame-aardmetalen"),
    ("API's uit India", "product:werkzame-stoffen"),
    ("de siliciumproductie", "product:silicium"),
    ("vloeibaar aardgas (LNG)", "product:lng"),
    ("kwantumtechnologie", "product:quantumtechnologie"),
    ("de bouw van quantumcomputers", "product:quantumtechnologie"),
    ("tekorten aan paracetamol", "product:geneesmiddelen"),
    ("smartphones en laptops uit China", "product:consumentenelektronica"),
    ("de aanleg van glasvezel", "product:telecom"),
    ("textiel uit Bangladesh", "product:textiel"),
])
def test_products_by_lemma_alias_and_compound(text, eid):
    assert eid in ids(text)


def test_an_industry_named_after_a_product_group_is_no_product():
    assert "product:consumentenelektronica" not in ids("de Nederlandse elektronica-industrie groeit")


def test_english_gold_is_not_the_dutch_verb_gelden():
    assert "product:goud" not in ids("Dit geldt voor alle lidstaten.")


@pytest.mark.parametrize("text,eid", [
    ("de CRMA", "measure:crma"), ("de Chips Act", "measure:chips-act"),
    ("de Wet Vifo", "measure:wet-vifo"), ("het anti-dwang instrument", "measure:aci"),
    ("exportcontrole op dual-use goederen", "measure:exportcontrole"),
    ("het twaalfde sanctiepakket", "measure:sancties"), ("Invest-NL", "measure:invest-nl"),
    ("het Nationaal Groeifonds", "measure:nationaal-groeifonds"),
    ("middelen uit InvestEU", "measure:investeu"), ("het Klimaatfonds", "measure:klimaatfonds"),
    ("de WBSO", "measure:wbso"), ("de Clean Industrial Deal", "measure:clean-industrial-deal"),
    ("het Omnibus-pakket", "measure:omnibus"), ("ReArm Europe", "measure:rearm-europe"),
])
def test_measures_with_dutch_and_english_aliases(text, eid):
    assert eid in ids(text)


def test_fuzzy_linking_of_variant_spellings():
    assert link_measure("Critical Raw Material Act") == "measure:crma"
    assert link_measure("Net Zero Industrie Act") == "measure:nzia"
    assert link_measure("AI Act") != "measure:chips-act"
    assert link_measure("Waterstofstrategie") is None


def test_unlisted_measure_names_are_kept_as_new():
    [ms] = find_mentions(["Het kabinet werkt aan de Nationale Waterstofstrategie."])
    new = [m for m in ms if m["is_new"] and m["type"] == "measure"]
    assert [m["name"] for m in new] == ["Nationale Waterstofstrategie"]


def test_coordinated_ipcei_list_names_each_ipcei():
    names = {m["name"] for m in extract_entities(doc_of(
        "Via de IPCEI's voor halfgeleiders, waterstof en cloud-infrastructuur.")) if m["type"] == "measure"}
    assert {"IPCEI halfgeleiders", "IPCEI waterstof", "IPCEI Cloud"} <= names


def test_trade_agreement_with_countries():
    names = {m["name"] for m in extract_entities(doc_of(
        "In de handelsakkoordonderhandelingen met bijvoorbeeld Australië en Chili.")) if m["type"] == "measure"}
    assert {"handelsakkoord EU-Australië", "handelsakkoord EU-Chili"} <= names


# --- organisations and people -----------------------------------------------

def test_ministries_by_abbreviation_and_companies():
    found = ids("Het ministerie van EZK, BZ en VWS spreekt met ASML en TenneT.")
    assert {"organisation:ezk", "organisation:bz", "organisation:vws", "organisation:asml",
            "organisation:tennet"} <= found


def test_people_after_cues_but_not_ministries():
    ms = extract_entities(doc_of("De motie van het lid Kuzu en minister Adriaansens. De minister van Defensie."))
    assert {m["name"] for m in ms if m["type"] == "person"} == {"Kuzu", "Adriaansens"}


# --- records and summary ----------------------------------------------------

def test_mentions_carry_passage_footnote_and_offsets():
    d = doc_of("Lithium uit Chili.", notes={"3": "Zie de brief over kobalt."})
    ms = extract_entities(d)
    lith = next(m for m in ms if m["entity_id"] == "product:lithium")
    assert (lith["passage"], lith["footnote"], lith["start"], lith["end"], lith["surface"]) == (0, None, 0, 7, "Lithium")
    cob = next(m for m in ms if m["entity_id"] == "product:kobalt")
    assert cob["footnote"] == "3" and cob["passage"] == 0


def test_summary_has_gold_schema_shape():
    s = summarise(extract_entities(doc_of("Lithium uit Chili en China; de CRMA en de Chips Act.")))
    assert s["countries"] == ["CL", "CN"]
    assert s["products"]["required"][0]["name"] == "lithium" and s["products"]["optional"] == []
    assert {m["name"] for m in s["measures"]["required"]} == {"Critical Raw Materials Act", "EU Chips Act"}


def test_entity_table_rows():
    rows = entity_table()
    crma = next(r for r in rows if r["id"] == "measure:crma")
    assert crma["type"] == "measure" and crma["standard_id"] == "32024R1252" and crma["is_new"] == 0
    assert "CRMA" in yaml.safe_load(crma["aliases"])
    assert not any(r["type"] == "region" for r in rows)


def test_english_document_uses_the_english_pipeline():
    s = summarise(extract_entities(doc_of(
        "The Critical Raw Materials Act lists gallium and germanium; China restricts their export.", lang="en")))
    assert s["countries"] == ["CN"]
    assert {"gallium", "germanium"} <= {p["name"] for p in s["products"]["required"]}


def test_seed_letter_countries(seed_docs):
    s = summarise(extract_entities(seed_docs["000"]))
    assert set(s["countries"]) == {"CN", "IN", "IL", "MA", "RU", "NL", "ES"}


@pytest.mark.parametrize("text,eid", [
    ("export van computerchips naar Iran", "product:halfgeleiders"), ("kernwapens", "product:wapens"),
])
def test_compounds_ending_in_a_product(text, eid):
    assert eid in ids(text)


def test_ordinary_words_ending_like_a_product_are_not_products():
    assert ids("de verkoper en de inkoper") == set()


def test_capitalised_motion_heading_names_submitters():
    ms = extract_entities(doc_of("MOTIE VAN DE LEDEN VAN DER LEE EN KUZU\nDe Kamer,"))
    assert {m["name"] for m in ms if m["type"] == "person"} == {"Van der Lee", "Kuzu"}


def test_unlisted_english_initiative_is_kept():
    names = {m["name"] for m in extract_entities(doc_of("het kabinet tekende de Joint Statement Initiative over e-commerce"))}
    assert "Joint Statement Initiative" in names


def test_countries_inside_hyphenated_words():
    assert countries("de Frans-Duitse samenwerking en de EU-China top") == {"FR", "DE", "CN"}
    assert countries("Zuid-Amerikaanse en Oost-Europese landen") == set()
