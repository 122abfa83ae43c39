"""EU papers: English text, their own COM number, the Commission's dated plans, and
Dutch letters that cite them."""
from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from extract.commitments import extract_commitments
from extract.ingest import build
from extract.pipeline import load_document

EU = Path(__file__).parent / "fixtures" / "eu" / "COM2023_335_STEP_excerpt.txt"


def test_english_paper_identity_and_language():
    doc = load_document(EU)
    assert doc.meta.language == "en"
    assert doc.meta.eu_ids == ["COM(2023)335"]
    assert doc.meta.date == dt.date(2023, 6, 20) and not doc.meta.date_estimated


def test_proposal_title_says_what_it_establishes_not_what_it_amends():
    assert load_document(EU).meta.title == ("Proposal for a Regulation establishing the Strategic Technologies for "
                                            "Europe Platform (‘STEP’)")


@pytest.mark.parametrize("head, title", [
    ("EUROPEAN COMMISSION\nBrussels, 16.3.2023\nCOM(2023) 165 final\n\nCOMMUNICATION FROM THE COMMISSION TO THE "
     "EUROPEAN PARLIAMENT, THE COUNCIL,\nTHE EUROPEAN ECONOMIC AND SOCIAL COMMITTEE AND THE COMMITTEE OF THE REGIONS\n\n"
     "A secure and sustainable supply of critical raw materials in support of the twin transition\n",
     "A secure and sustainable supply of critical raw materials in support of the twin transition"),
    ("Council of the European Union\nBrussels, 21 December 2022\n\nOUTCOME OF PROCEEDINGS\n\nSubject: Proposal for "
     "a Regulation on deforestation-free products\n", "Proposal for a Regulation on deforestation-free products"),
])
def test_eu_paper_titles(tmp_path, head, title):
    path = tmp_path / "paper.txt"
    path.write_text(head + "\nThe Commission will report on progress in 2025.\n", encoding="utf-8")
    assert load_document(path).meta.title == title


def test_commission_plans_are_eu_actions_not_promises_to_the_kamer():
    found = extract_commitments(load_document(EU), today=dt.date(2026, 11, 22))
    kinds = {c["kind"] for c in found}
    assert kinds == {"eu_action"}, found
    report = next(c for c in found if "evaluation report" in c["text"])
    assert (report["due"], report["actor"]) == ("2025-12-31", "Europese Commissie")


def test_dutch_letter_citing_the_com_number_links_to_the_paper(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(EU, corpus / EU.name)
    (corpus / "bnc_fiche_step.txt").write_text(
        "Den Haag, 14 juli 2023\n\nGeachte Voorzitter,\n\nHierbij ontvangt uw Kamer het BNC-fiche over het "
        "voorstel voor het Strategic Technologies for Europe Platform (COM(2023) 335).\n", encoding="utf-8")
    db = tmp_path / "kb.db"
    build(corpus, db, workers=1)
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT cited, resolved_document, url FROM citations WHERE kind = 'eu_doc'").fetchall()
    assert ("COM(2023)335", EU.name) == rows[0][:2]
    assert rows[0][2] and rows[0][2].startswith("https://")
