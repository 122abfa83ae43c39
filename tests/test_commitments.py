"""Commitments to the Kamer, with their deadlines, read from letters."""
import datetime as dt

from pathlib import Path

import pytest

from extract.commitments import classify, extract_commitments
from extract.model import Document, Meta, Passage

NOV_2022 = dt.date(2022, 11, 8)


@pytest.mark.parametrize("sentence,kind,timex", [
    ("Uw Kamer wordt later dit jaar geïnformeerd over deze zogenaamde Aanpak Vitaal.", "inform_parliament", "2022"),
    ("Het kabinet is eveneens voornemens om in januari 2024 de Nationale Technologiestrategie aan uw Kamer aan te "
     "bieden.", "inform_parliament", "2024-01"),
    ("Het streven is om de nationale grondstoffenstrategie voor het einde van het jaar uw Kamer toe te sturen.",
     "inform_parliament", "2022"),
    ("Hierover zal uw Kamer geïnformeerd worden.", "inform_parliament", None),
    ("Deze invulling is naar verwachting in de loop van 2023 gereed.", "action", "2023"),
    ("In het eerste kwartaal van 2025 starten we een pilot om de systematiek te testen.", "action", "2025-Q1"),
    ("The Commission will present a proposal by the end of 2023.", "eu_action", "2023"),
    ("Het kabinet zal de uitwerking voor Prinsjesdag publiceren.", "action", "2023-09-18"),
    ("De evaluatie wordt in het eerste halfjaar van 2024 afgerond.", "action", "2024-H1"),
    ("Eind 2023 wil de Commissie, met de lidstaten, risicoanalyses opleveren.", "eu_action", "2023"),
    ("Ik kom hier voor de zomer bij uw Kamer op terug.", "inform_parliament", "2023-SU"),
    ("Ik kom daarop in het najaar bij uw Kamer terug.", "inform_parliament", "2022-FA"),
    ("Ik zeg toe dat ik de Kamer voor 1 juli informeer.", "inform_parliament", "2023-07-01"),
    ("De minister zegt toe de Kamer een brief te sturen over de evaluatie.", "inform_parliament", None),
    ("Ik informeer uw Kamer hierover in mei.", "inform_parliament", "2023-05"),
    ("Ik houd uw Kamer op de hoogte van de voortgang.", "inform_parliament", None),
    ("Voor de zomer stuur ik uw Kamer de evaluatie.", "inform_parliament", "2023-SU"),
    ("Het kabinet kiest ervoor om in 2024 eerst een voorraad aan te leggen.", "action", "2024"),
    ("Wij kiezen er daarom voor om ons tot eind 2023 op de pilot te richten.", "action", "2023"),
])
def test_promises(sentence, kind, timex):
    c = classify(sentence, NOV_2022)
    assert c is not None, sentence
    assert (c["kind"], c["timex"]) == (kind, timex)


@pytest.mark.parametrize("sentence", [
    "Op 17 oktober jl. is uw Kamer geïnformeerd over de uitkomsten.",
    "Uw Kamer heeft op 3 april de Veiligheidsstrategie ontvangen.",
    "De leden van de D66-fractie vragen of het kabinet uw Kamer hierover voor de zomer wil informeren?",
    "In februari van dit jaar is een vervolganalyse gepubliceerd.",
    "Met deze brief informeren wij uw Kamer over de kabinetsaanpak.",
    "Met deze brief stuur ik u de evaluatie.",
    "Veel bedrijven kiezen ervoor om tot 2025 in China te produceren.",
    "Op 3 maart heb ik uw Kamer de evaluatie gestuurd.",
    "Het kabinet zou de Kamer kunnen informeren als dat nodig is.",
    # an EU body and a date, but no future verb: a meeting, an appreciation
    "Op 7 en 8 december 2023 vindt de Raad voor Concurrentievermogen plaats over de interne markt.",
    "Het kabinet waardeert de voortvarendheid waarmee de Commissie de acties uit de strategie van juni 2023 oppakt.",
])
def test_not_promises(sentence):
    assert classify(sentence, NOV_2022) is None


def test_a_passage_whose_only_date_is_a_named_day_is_read():
    """A promise not addressed to the Kamer is read only where a passage holds a digit
    or a word of time: every deadline word of the grammar counts, 'Prinsjesdag' too."""
    text = "Het kabinet zal de uitwerking voor Prinsjesdag publiceren. Wij verwachten veel belangstelling."
    doc = Document(path=Path("x.txt"), name="x.txt", format="text", passages=[Passage(0, text)], footnotes=[],
                   meta=Meta(date=NOV_2022))
    (c,) = extract_commitments(doc, today=NOV_2022)
    assert (c["kind"], c["due"]) == ("action", "2023-09-18")


@pytest.mark.parametrize("sentence, actor", [
    ("De Raad zal in december 2023 een besluit nemen over de verordening.", "Raad van de EU"),
    ("De Europese Raad zal in juni 2023 conclusies aannemen over economische veiligheid.", "Europese Raad"),
    ("De Commissie zal eind 2023 een voorstel presenteren.", "Europese Commissie"),
    ("The Council will adopt its position by June 2023.", "Raad van de EU"),
])
def test_eu_plans_name_their_institution(sentence, actor):
    c = classify(sentence, NOV_2022)
    assert (c["kind"], c["actor"]) == ("eu_action", actor)


def test_deliverable_is_what_the_kamer_receives():
    c = classify("Het kabinet is voornemens om in januari 2024 de Nationale Technologiestrategie aan uw Kamer aan "
                 "te bieden.", dt.date(2023, 10, 30))
    assert c["deliverable"] == "de Nationale Technologiestrategie"
    c = classify("Ook wordt uw Kamer naar verwachting dit najaar geïnformeerd over de verdere invulling van DOSA.",
                 dt.date(2023, 5, 12))
    assert c["deliverable"].startswith("de verdere invulling") and (c["timex"], c["due"]) == ("2023-FA", "2023-12-20")


def test_planning_items_take_their_heading_deadline(seed_docs):
    found = extract_commitments(seed_docs["000"], today=dt.date(2026, 11, 22))
    report = next(c for c in found if c["text"].startswith("Voortgangsrapportage"))
    assert (report["kind"], report["timex"], report["due"]) == ("inform_parliament", "2023-Q4", "2023-12-31")
    assert report["status"] == "overdue"
    assert sum(c["timex"] == "2023-Q2" for c in found) >= 5


def test_promises_in_footnotes_are_found(seed_docs):
    texts = [c["text"] for c in extract_commitments(seed_docs["001"])]
    assert any("Dreigingsbeeld Statelijke Actoren" in t for t in texts)


def test_undated_letter_resolves_relative_deadlines_against_its_estimated_date(seed_docs):
    found = extract_commitments(seed_docs["004"])
    update = next(c for c in found if "in de zomer van 2025" in c["text"])
    assert (update["timex"], update["due"]) == ("2025-SU", "2025-09-22")
