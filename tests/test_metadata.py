"""Document metadata read from the letters' own text."""
import datetime as dt

import pytest

from extract.metadata import dossier_id, parse_dutch_date
from extract.pipeline import load_document


@pytest.mark.parametrize("key,date,estimated,doctype,ids", [
    ("000", "2023-05-12", False, "kamerbrief", ["kst-30821-181", "kst-21501-02-181"]),
    ("001", "2022-11-08", False, "kamerbrief", []),
    ("002", "2023-03-02", False, "verslag_schriftelijk_overleg", []),
    ("003", None, True, "kabinetsappreciatie", []),
    ("004", None, True, "kamerbrief", []),
])
def test_seed_metadata(seed_docs, key, date, estimated, doctype, ids):
    meta = seed_docs[key].meta
    assert meta.type == doctype
    assert meta.kamerstuk == ids
    assert meta.date_estimated is estimated
    if date:
        assert meta.date.isoformat() == date


def test_estimated_date_is_near_the_real_one(seed_docs):
    # 003 states no date; it was sent on 30 oktober 2023 and mentions '17 oktober jl.'.
    meta = seed_docs["003"].meta
    assert abs((meta.date - dt.date(2023, 10, 30)).days) <= 60


def meta_of(tmp_path, text: str, name: str = "brief.txt"):
    """The metadata of `text`, read as the plain-text file `name`."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_document(path).meta


def test_sidecar_overrides_extracted_metadata(tmp_path, seed_paths):
    src = seed_paths["001"]
    doc_path = tmp_path / src.name
    doc_path.write_bytes(src.read_bytes())
    (tmp_path / (src.name + ".meta.yaml")).write_text(
        "date: 2022-11-09\ntype: other\nkamerstuk: [kst-35982-9]\ntitle: Open strategische autonomie\n"
        "source_url: https://zoek.officielebekendmakingen.nl/kst-35982-9\n", encoding="utf-8")
    meta = load_document(doc_path).meta
    assert meta.date == dt.date(2022, 11, 9)
    assert meta.type == "other"
    assert meta.kamerstuk == ["kst-35982-9"]
    assert meta.source_url.endswith("kst-35982-9")


def test_motion_header_ids_and_dates(tmp_path):
    meta = meta_of(tmp_path, "36410-V-44\n\n14 februari 2024\n\nVaststelling van de begrotingsstaat\n"
                   "MOTIE VAN HET LID DE ROON\n\nDe Kamer,\n\ngehoord de beraadslaging,\n"
                   "verzoekt de regering om binnen een maand met een plan te komen,\n\n"
                   "en gaat over tot de orde van de dag.\n", "motie.txt")
    assert meta.kamerstuk == ["kst-36410-V-44"]
    assert meta.date == dt.date(2024, 2, 14)
    assert meta.type == "motie"


@pytest.mark.parametrize("head, ids", [
    # each dossier with its title on the same line, the number with the document's kind
    ("21 501-30 Raad voor Concurrentievermogen\n\nNr. 590 BRIEF VAN DE MINISTER VAN ECONOMISCHE ZAKEN",
     ["kst-21501-30-590"]),
    ("36 200 V Vaststelling van de begrotingsstaten\n29 477 Geneesmiddelenbeleid\nNr. 12 VERSLAG VAN EEN "
     "SCHRIFTELIJK OVERLEG", ["kst-36200-V-12", "kst-29477-12"]),
    # a title's first word is not a toevoeging
    ("21 501-20 EU Raad\nNr. 7 BRIEF VAN DE MINISTER-PRESIDENT", ["kst-21501-20-7"]),
    # an Eerste Kamer document's publication stamp: numbered by letter
    ("kst-35300-A\nISSN 0921 - 7371", ["kst-35300-A"]),
])
def test_official_layout_head_on_shared_lines(tmp_path, head, ids):
    text = ("Tweede Kamer der Staten-Generaal 2\nVergaderjaar 2023-2024\n\n" + head + "\n\n"
            "Aan de Voorzitter van de Tweede Kamer der Staten-Generaal\n\nDen Haag, 24 november 2023\n\n"
            "Met deze brief stuur ik u de geannoteerde agenda van de Raad.\n")
    assert meta_of(tmp_path, text).kamerstuk == ids


def test_report_head_without_front_matter(tmp_path):
    """A report has no 'Den Haag, <date>' line to end a front matter: its head's lines
    are the first passages, and still give its ids; its title comes from its first
    sentence, not from a head line."""
    meta = meta_of(tmp_path, "Tweede Kamer der Staten-Generaal 2\nVergaderjaar 2022-2023\n\n30 821 Nationale "
                   "Veiligheid\n\n21 501-02 Raad Algemene Zaken en Raad Buitenlandse Zaken\n\nNr. 196 VERSLAG VAN EEN "
                   "SCHRIFTELIJK OVERLEG\n\nVastgesteld 31 juli 2023\n\nDe vaste commissie voor Buitenlandse Zaken "
                   "heeft een aantal vragen en opmerkingen voorgelegd over de brief van 12 mei 2023 over Kabinetsaanpak "
                   "Strategische Afhankelijkheden (Kamerstukken 30 821 en 21 501-02, nr. 181).\n", "verslag.txt")
    assert meta.kamerstuk == ["kst-30821-196", "kst-21501-02-196"]
    assert meta.title == "Kabinetsaanpak Strategische Afhankelijkheden"
    assert meta.type == "verslag_schriftelijk_overleg"


@pytest.mark.parametrize("body, expected", [
    ("Op 7 en 8 december 2023 vindt de Raad voor Concurrentievermogen plaats over de onderdelen interne markt en "
     "industrie.\n\nMet deze brief stuur ik u, mede namens de Minister van Onderwijs, Cultuur en Wetenschap, de "
     "geannoteerde agenda met daarin een beschrijving van de discussiepunten en de Nederlandse inzet.\n",
     "geannoteerde agenda"),
    ("Hierbij bied ik u de voortgangsrapportage over de Nationale Grondstoffenstrategie aan, zoals toegezegd in het "
     "debat van vorig jaar.\n", "voortgangsrapportage over de Nationale Grondstoffenstrategie"),    ("In deze brief ga ik in op de uitvoering van de motie van het lid Kuzu over strategische voorraden. Ik heb "
     "daarover gesproken met de sector.\n", "uitvoering van de motie van het lid Kuzu over strategische voorraden"),
])
def test_a_letter_without_betreft_is_titled_by_its_opening(tmp_path, body, expected):
    assert meta_of(tmp_path, "Den Haag, 24 november 2023\n\n" + body).title == expected


def test_bnc_fiche_package_is_typed_and_titled_by_its_own_fiche(tmp_path):
    """The letter that sends fiches lists those published apart (with their Kamerstuk)
    and the one it holds: the document is that fiche."""
    meta = meta_of(tmp_path, "Den Haag, 17 mei 2023\n\nOvereenkomstig de bestaande afspraken ontvangt u hierbij 2 "
                   "fiches die werden opgesteld door de werkgroep BNC.\n\nFiche: Verordening overdracht van "
                   "strafvervolging (Kamerstuk 22 112, nr. 3684)\n\nFiche: Mededeling en verordening kritieke "
                   "grondstoffen\n\nDe Minister van Buitenlandse Zaken,\nW.B. Hoekstra\n\n1. Algemene gegevens\n\n"
                   "a) Titels voorstellen\n\nCOMMUNICATION FROM THE COMMISSION\n")
    assert (meta.type, meta.title) == ("bnc_fiche", "Fiche: Mededeling en verordening kritieke grondstoffen")


def test_a_head_line_as_title_loses_its_number(tmp_path):
    meta = meta_of(tmp_path, "32 852 Grondstoffenvoorzieningszekerheid\n\n# Nr. 261 VERSLAG VAN EEN COMMISSIEDEBAT\n\n"
                   "Vastgesteld 1 augustus 2023\n\nDe commissie heeft overleg gevoerd.\n", "debat.md")
    assert meta.title == "VERSLAG VAN EEN COMMISSIEDEBAT"


def test_senders_keep_ministries_whose_names_hold_commas(tmp_path):
    meta = meta_of(tmp_path, "Den Haag, 24 november 2023\n\nMet deze brief stuur ik u, mede namens de Minister van "
                   "Onderwijs, Cultuur en Wetenschap en de Minister van Buitenlandse Zaken, en de Minister voor "
                   "Buitenlandse Handel, de agenda.\n\nDe Minister van Economische Zaken en Klimaat,\n"
                   "M.A.M. Adriaansens\n")
    assert meta.senders == [
        "Minister van Onderwijs, Cultuur en Wetenschap", "Minister van Buitenlandse Zaken",
        "Minister voor Buitenlandse Handel", "Minister van Economische Zaken en Klimaat"]


def test_written_questions_take_their_answer_date_and_published_title(tmp_path):
    meta = meta_of(tmp_path, "Vragen van het lid Beckerman (SP) aan de Minister van Economische Zaken en Klimaat over "
                   "de kritiek van SodM op de afhandeling van mijnbouwschade (ingezonden 28 oktober 2021).\n\n"
                   "Antwoord van Minister Blok (Economische Zaken en Klimaat) (ontvangen 6 december 2021).\n\n"
                   "Vraag 1\n\nGaat u de nazorg goed regelen?\n\nAntwoord 1\n\nJa.\n", "antwoord.txt")
    assert meta.date == dt.date(2021, 12, 6)
    assert meta.title == ("Antwoord op vragen van het lid Beckerman over de kritiek van SodM op de afhandeling "
                          "van mijnbouwschade")


def test_small_grammar_pieces():
    assert parse_dutch_date("Den Haag, 12 mei 2023") == dt.date(2023, 5, 12)
    assert parse_dutch_date("31 februari 2023") is None
    assert dossier_id("36 200 V", "50") == "kst-36200-V-50"
    assert dossier_id("21 501-02", "181") == "kst-21501-02-181"


def test_date_estimated_from_promises_when_no_past_date(seed_docs):
    # 004 names only future periods ('Q1 2025', 'in de zomer van 2025'); it was sent 13 januari 2025.
    meta = seed_docs["004"].meta
    assert meta.date_estimated and abs((meta.date - dt.date(2025, 1, 13)).days) <= 60


def test_handelingen_without_date_stays_in_its_parliamentary_year():
    from pathlib import Path

    path = Path(__file__).parent / "fixtures" / "markup" / "14_handelingen_h-tk-20172018-70-12_debat_economie_na_brexit_moties.xml"
    meta = load_document(path).meta
    assert meta.date_estimated and dt.date(2017, 9, 1) <= meta.date <= dt.date(2018, 8, 31)
    assert meta.source_url == "https://zoek.officielebekendmakingen.nl/h-tk-20172018-70-12.html"
