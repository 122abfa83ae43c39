"""Dependency facts: product, supplier country and share, from sentences and tables."""
from __future__ import annotations

from pathlib import Path

from extract.dependencies import extract_dependencies, from_table
from extract.entities import extract_entities
from extract.model import Document, Meta, Passage, Table


def deps(*texts: str, tables=(), lang="nl") -> list[dict]:
    doc = Document(path=Path("x.txt"), name="x.txt", format="text",
                   passages=[Passage(order=i, text=t) for i, t in enumerate(texts)], footnotes=[],
                   meta=Meta(language=lang), tables=list(tables))
    return extract_dependencies(doc, extract_entities(doc))


def triples(facts):
    return {(f["product"], f["country"], f["share"]) for f in facts}


def test_share_of_dutch_import_from_china():
    facts = deps("De geo-economische monitor rapporteert een strategische afhankelijkheid voor "
                 "difosforpentaoxide, waarbij 59% van de totale Nederlandse import afkomstig is uit China.")
    assert triples(facts) == {("difosforpentaoxide", "CN", 0.59)}
    assert facts[0]["scope"] == "totale Nederlandse import" and facts[0]["source"] == "sentence"
    assert facts[0]["sentence"].startswith("De geo-economische monitor") and facts[0]["passage"] == 0


def test_parenthesised_shares_per_country():
    facts = deps("Analyse wijst uit dat grondstoffen voor fosfaatkunstmestproductie met name uit "
                 "Israël (77%) en Marokko (11,7%) komen.")
    assert triples(facts) == {("kunstmest", "IL", 0.77), ("kunstmest", "MA", 0.117)}


def test_possessive_share_in_production():
    facts = deps("China's aandeel in de siliciumproductie is in 2022 opgelopen tot 88%.")
    assert triples(facts) == {("silicium", "CN", 0.88)}
    assert facts[0]["year"] == 2022


def test_country_responsible_for_a_share_of_world_production():
    facts = deps("Zuid-Afrika is verantwoordelijk voor 71% van de wereldproductie van platina.")
    assert triples(facts) == {("platinagroepmetalen", "ZA", 0.71)}
    assert facts[0]["scope"] == "wereldproductie"


def test_dependent_for_share_on_country():
    assert triples(deps("De EU is voor 98% afhankelijk van China voor zeldzame aardmetalen.")) == {
        ("zeldzame aardmetalen", "CN", 0.98)}


def test_english_sentence_with_two_shares_for_one_supplier():
    facts = deps("China supplies 98% of the EU's rare earth elements and 93% of its magnesium.", lang="en")
    assert triples(facts) == {("zeldzame aardmetalen", "CN", 0.98), ("magnesium", "CN", 0.93)}


def test_product_from_an_earlier_sentence_of_the_passage():
    facts = deps("Lithium is cruciaal voor batterijen. Ongeveer 79% van de import komt uit Chili.")
    assert ("batterijen", "CL", 0.79) in triples(facts) or ("lithium", "CL", 0.79) in triples(facts)


def test_no_fact_without_share_country_or_supply_sense():
    assert deps("Chips zouden 35–65% duurder worden als China de export beperkt.") == []
    assert deps("Het kabinet wil 42,5% hernieuwbare energie in 2030.") == []
    assert deps("De prijzen in Duitsland liggen 6% hoger voor halfgeleiders.") == []
    assert deps("Ongeveer 95% van de kunstmestproductie in Nederland wordt weer geëxporteerd.") == []


def test_long_table_row_becomes_a_fact_with_evidence():
    t = Table(header=["Product", "Land van herkomst", "Aandeel import (%)", "Jaar"],
              rows=[["Magnesium", "China", "93", "2022"], ["Kobalt", "Congo", "63%", "2021"],
                    ["Totaal", "", "", ""]], caption="Tabel 2: afhankelijkheden", page=4)
    facts = deps("Zie tabel.", tables=[t])
    assert triples(facts) == {("magnesium", "CN", 0.93), ("kobalt", "CD", 0.63)}
    mg = next(f for f in facts if f["product"] == "magnesium")
    assert mg["source"] == "table" and mg["year"] == 2022 and "Magnesium | China | 93" in mg["sentence"]
    assert mg["passage"] is None


def test_wide_table_with_countries_as_columns():
    t = Table(header=["Grondstof", "China", "Turkije", "VS"],
              rows=[["Boraten", "", "98%", ""], ["Gallium", "71%", "", "2%"]])
    assert triples(from_table(t)) == {("boor", "TR", 0.98), ("gallium", "CN", 0.71), ("gallium", "US", 0.02)}


def test_cell_with_supplier_and_share():
    t = Table(header=["Material", "Main global supplier"], rows=[["Antimony", "China (87%)"]])
    assert triples(from_table(t)) == {("antimoon", "CN", 0.87)}
