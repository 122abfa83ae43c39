"""The citation grammar: every way Dutch documents cite Kamerstukken, and what is no citation."""
from __future__ import annotations

import pytest

from extract.citations import eu_url, extract_citations, find_references, kst_url, reference_url
from extract.prefilter import Gates


def ids(text: str, kind: str | None = "kst") -> list[str]:
    return sorted({r["id"] for r in find_references(text) if kind is None or r["kind"] == kind})


KAMERSTUK_FORMS = [
    ("Kamerstuk 21 501-02, nr. 2602.", ["kst-21501-02-2602"]),
    ("(Kamerstukken 29 477 en 32 805, nr. 794)", ["kst-29477-794", "kst-32805-794"]),
    ("Kamerstukken 33 009, 32 637 en 31 288, nr. 117", ["kst-31288-117", "kst-32637-117", "kst-33009-117"]),
    ("de motie Brekelmans/Mulder (Kamerstuk 35925-V-97)", ["kst-35925-V-97"]),
    ("Kamerbrief Strategisch en Groen Industriebeleid (29826-147)", ["kst-29826-147"]),
    ("Kamerstuk 36 200 V, nr. 50.", ["kst-36200-V-50"]),
    ("Kamerstuk 36 600 X, nr. 25", ["kst-36600-X-25"]),
    ("Kamerstuk 22112 nr. 3073", ["kst-22112-3073"]),
    ("Kamerstukken II 2020/21, 22 112, nr. 2953", ["kst-22112-2953"]),
    ("Kamerstukken II 2020/21, 22 112 nr. 2953", ["kst-22112-2953"]),
    ("Kamerstuk 2022-2023, 36 200, nr. 129.", ["kst-36200-129"]),
    ("Bijlage bij Kamerstuk 21 501-30, nr. 571", ["kst-21501-30-571"]),
    ("In stemming komt de motie-Wassenberg (21501-08, nr. 719).", ["kst-21501-08-719"]),
    ("Kamerstuk 21501-08, nrs. 719 en 721", ["kst-21501-08-719", "kst-21501-08-721"]),
    ("Reactie op de motie - 21501-02-1855", ["kst-21501-02-1855"]),
    ("Jaarverslag - 34775-XVI-129", ["kst-34775-XVI-129"]),
    ("Kamerstukken II 2009/10, 32 123 XVI, nr. 30", ["kst-32123-XVI-30"]),
    ("zie https://zoek.officielebekendmakingen.nl/kst-36200-V-50.html", ["kst-36200-V-50"]),
    ("Kamerstukken 32 852, nr. 224 en nr. 249", ["kst-32852-224", "kst-32852-249"]),
    # the first digits of the next dossier are not one more number
    ("(Kamerstuk 32 852, nr. 224, 36 410, nr. 5)", ["kst-32852-224", "kst-36410-5"]),
    # Eerste Kamer documents are numbered by letter
    ("Kamerstukken I 2019/20, 35 300, A.", ["kst-35300-A"]),
    ("Kamerstukken I 2022/23, 36 200 VII, B", ["kst-36200-VII-B"]),
    ("zie kst-35300-A", ["kst-35300-A"]),
]
SPLIT_FORMS = [
    # A number split over lines by the PDF layout, and a hyphenated label.
    ("Defensie Industrie Strategie, Kamerstuk \n31 125, nr. 123.", ["kst-31125-123"]),
    ("Kamerstuk 21 501-\n02, nr. 2602", ["kst-21501-02-2602"]),
    ("leveringszekerheid, Kamer- stukken 29 477 en 32 805, nr. 794.", ["kst-29477-794", "kst-32805-794"]),
    ("Innovatie en Impact (Kamerstukken 33 009, 32 637 en 31 288, \nnr. 117), werkt", ["kst-31288-117", "kst-32637-117", "kst-33009-117"]),
]
OTHER_FORMS = [
    "Kamerbrief Vestigingsklimaat (2022Z19558) Strategische Agenda (2022D41854)",
    "Handelingen II 2022/23, nr. 26, item 10", "Aanhangsel van de Handelingen II 2019/20, nr. 1234",
    "zie h-tk-20172018-70-12", "COM(2023) 160 final", "SWD(2022) 41", "JOIN(2023) 20", "C(2023) 6689 final",
    "COM/2023/160", "COM(2021) 726/727", "ST 16298/22", "Raadsdocument 9012/23 REV 1", "CELEX:32023R1781",
    "52023PC0160", "Verordening (EU) 2023/1781", "Regulation (EC) No 1907/2006", "Richtlijn (EU) 2022/2555",
    "Verordening (EEG) nr. 2658/87", "BNC-fiche Mededeling Europese Normalisatiestrategie", "BNC Fiche EU Chips Act",
    "Stb. 2023, 123", "Staatscourant 2022, 12345", "Trb. 2021, 45",
]


@pytest.mark.parametrize("text, expected", KAMERSTUK_FORMS)
def test_kamerstuk_forms(text, expected):
    assert ids(text) == expected


@pytest.mark.parametrize("text, expected", SPLIT_FORMS)
def test_numbers_split_by_layout(text, expected):
    assert ids(text) == expected


NOT_KAMERSTUKKEN = [
    "Kamerstuk 2022D41854; Strategische agenda",
    "zaak 2022Z24775 is geagendeerd",
    "Den Haag, 12 mei 2023 en 12-05-2023",
    "een bedrag van € 12 345, nr 5 van de lijst en 1.234.567 euro",
    "in de periode 2022-2023 en 2030-2040",
    "Postbus 20401, 2500 EK Den Haag, tel. 070-3456789, 06-12345678",
    "volgens ISO 27001-2013 en NEN 7510-2017",
    "artikel 12345-6 van de wet",
    "BZDOC-1239418757-71",
    "de Raad Algemene Zaken (21501-02) en Begroting Buitenlandse Zaken (36410-V)",
    "tussen 20.000-30.000 ton",
    "ISSN 0921 - 7371",
    "de begroting (36 200, A-lijst) en dossier 35 300, B-status",
]


@pytest.mark.parametrize("text", NOT_KAMERSTUKKEN)
def test_no_false_kamerstukken(text):
    assert ids(text) == []


def test_gates_only_skip_texts_that_hold_no_reference():
    """Each pattern's gate is something every match contains: without the gates
    (every pattern tried on every text) each form gives the same references."""
    texts = [t for t, _ in KAMERSTUK_FORMS + SPLIT_FORMS] + NOT_KAMERSTUKKEN + OTHER_FORMS
    gated = [find_references(t) for t in texts]
    assert all(gated[: len(KAMERSTUK_FORMS + SPLIT_FORMS)]) and all(gated[-len(OTHER_FORMS):])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Gates, "open", lambda self, *gates: True)
        assert [find_references(t) for t in texts] == gated


def test_document_and_case_numbers_are_their_own_kind():
    refs = find_references("Kamerbrief Vestigingsklimaat (2022Z19558) Strategische Agenda (2022D41854)")
    assert {(r["kind"], r["id"]) for r in refs} == {("zaak_nr", "2022Z19558"), ("document_nr", "2022D41854")}


def test_handelingen():
    assert ids("Handelingen II 2022/23, nr. 26, item 10", "handelingen") == ["h-tk-20222023-26-10"]
    assert ids("zie h-tk-20172018-70-12", "handelingen") == ["h-tk-20172018-70-12"]
    # no chamber named: the Tweede Kamer's, as in its own answers to written questions
    assert ids("Zie ook Aanhangsel Handelingen, vergaderjaar 2021–2022, nr. 722.", "handelingen") == [
        "ah-tk-20212022-722"]


def test_eu_documents():
    text = ("COM(2023) 160 final, SWD(2022) 41, JOIN(2023) 20, C(2023) 6689 final en bijlage, "
            "COM(2021) 726/727, ST 16298/22")
    assert ids(text, "eu_doc") == ["C(2023)6689", "COM(2021)726", "COM(2021)727", "COM(2023)160",
                                   "JOIN(2023)20", "ST-16298-2022", "SWD(2022)41"]


def test_celex_and_eu_acts():
    text = "CELEX:32023R1781; Verordening (EU) 2023/1781; Regulation (EC) No 1907/2006; Richtlijn (EU) 2022/2555"
    assert ids(text, "celex") == ["32006R1907", "32022L2555", "32023R1781"]


def test_bnc_fiche():
    refs = find_references("[BNC-fiche Mededeling Europese Normalisatiestrategie](#); BNC Fiche EU Chips Act, "
                           "Kamerstuk 22 112, nr. 3369. Deze brief vervangt het reguliere BNC-fiche, dat ...")
    assert {r["id"] for r in refs if r["kind"] == "bnc_fiche"} == {
        "bnc-fiche:mededeling europese normalisatiestrategie", "bnc-fiche:eu chips act"}
    assert "kst-22112-3369" in {r["id"] for r in refs}


def test_official_publications():
    """Laws and regulations are cited by their Staatsblad, Staatscourant or Tractatenblad
    number: each is a reference with its page on officielebekendmakingen.nl."""
    refs = find_references("de wet (Stb. 2023, 123), de regeling (Staatscourant 2022, nr. 12345) en Trb. 2021, 45")
    assert {(r["kind"], r["id"]) for r in refs} == {
        ("publication", "stb-2023-123"), ("publication", "stcrt-2022-12345"), ("publication", "trb-2021-45")}
    assert reference_url("stb-2023-123", "publication") == "https://zoek.officielebekendmakingen.nl/stb-2023-123.html"


def test_spans_point_at_the_surface():
    text = "Zie de brief (Kamerstuk 36 180, nr. 31) hierover."
    (r,) = find_references(text)
    assert text[r["start"]:r["end"]] == r["surface"] == "Kamerstuk 36 180, nr. 31"


def test_urls():
    assert kst_url("kst-36200-V-50") == "https://zoek.officielebekendmakingen.nl/kst-36200-V-50.html"
    assert "COM:2023:160:FIN" in eu_url("COM(2023)160")
    assert eu_url("32023R1781").endswith("CELEX:32023R1781")
    assert eu_url("kst-36200-V-50") is None


def test_seed_letter_citations_in_text_and_footnotes(seed_docs):
    cites = extract_citations(seed_docs["000"])
    kst = {c["id"] for c in cites if c["kind"] == "kst"}
    assert {"kst-35982-9", "kst-36200-V-50", "kst-29477-794", "kst-32805-794", "kst-21501-33-845",
            "kst-29477-806"} <= kst
    # The letter's own ids (its header) are no citations.
    assert "kst-30821-181" not in kst
    note = next(c for c in cites if c["id"] == "kst-36200-V-50")
    assert note["footnote"] == "4" and note["passage"] == 1


def test_seed_letter_without_false_kamerstuk(seed_docs):
    cites = extract_citations(seed_docs["001"])
    assert "kst-35925-V-97" in {c["id"] for c in cites}
    assert not any(c["kind"] == "kst" and "2022" in c["id"] for c in cites)
    assert {"2022D41854", "2022Z19558"} <= {c["id"] for c in cites}
