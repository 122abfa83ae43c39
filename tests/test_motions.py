"""Motion mentions in letters, their follow-up status, and motion documents themselves."""
from __future__ import annotations

from pathlib import Path

import pytest

from extract.model import Document, Footnote, Meta, NoteRef, Passage
from extract.motions import classify, extract_motion_mentions, merge_mentions, parse_motion_document, surname

FIXTURES = Path(__file__).parent / "fixtures" / "citations"


def make_doc(passages: list[str], footnotes: dict[str, str] | None = None,
             markers: dict[int, list[tuple[str, int]]] | None = None, hints: dict | None = None,
             doc_type: str = "kamerbrief") -> Document:
    """A small Document: passage texts, footnote texts, and marker offsets per passage."""
    markers = markers or {}
    ps = [Passage(order=i, text=t, notes=[NoteRef(n, o) for n, o in markers.get(i, [])])
          for i, t in enumerate(passages)]
    owner = {n: i for i, refs in markers.items() for n, _ in refs}
    fns = [Footnote(number=n, text=t, passage=owner.get(n)) for n, t in (footnotes or {}).items()]
    return Document(path=Path("x.txt"), name="x.txt", format="text", passages=ps, footnotes=fns,
                    meta=Meta(type=doc_type), hints=hints or {})


def one(text: str, **kw) -> dict:
    (m,) = extract_motion_mentions(make_doc([text], **kw))
    return m


@pytest.mark.parametrize("text, members, party", [
    ("Tevens wordt met deze brief de motie van het lid Kuzu (DENK) afgedaan.", ["Kuzu"], "DENK"),
    ("De brief gaat in op de motie Brekelmans/Mulder, die het kabinet oproept.", ["Brekelmans", "Mulder"], None),
    ("Motie van de leden Brekelmans en Agnes Mulder over een taskforce.", ["Brekelmans", "Mulder"], None),
    ("Zoals gevraagd in de motie-Van Raan c.s. is gekeken naar havens.", ["Van Raan"], None),
    ("De gewijzigde motie van het lid Beckerman c.s. over huren is aangenomen.", ["Beckerman"], None),
    ("Dit gebeurt conform de motie Dassen en Omtzigt.", ["Dassen", "Omtzigt"], None),
    ("Dit in lijn met de motie van het Lid Van Der Werf.", ["Van Der Werf"], None),
    ("De motie van de leden Jasper van Dijk en Hammelburg vraagt om een volgsysteem.", ["Van Dijk", "Hammelburg"], None),
    ("Dan de motie-Moorlag/Van der Lee op stuk nr. 236.", ["Moorlag", "Van der Lee"], None),
])
def test_mention_forms(text, members, party):
    m = one(text)
    assert m["members"] == members
    assert m["party"] == party


def test_several_members_with_honorifics_and_quoted_dictum():
    m = one('In het dictum van die motie van de heer Veldman, de heer Amhaouch en de heer Paternotte staat: '
            '"verzoekt de regering periodiek te rapporteren over de voortgang".')
    assert m["members"] == ["Veldman", "Amhaouch", "Paternotte"]
    # The quoted motion text is not the letter's own progress report.
    assert m["status"] == "referenced"


def test_handelingen_vote_form():
    doc = make_doc(["In stemming komt de gewijzigde motie-Wassenberg (21501-08, nr. 726, was nr. 719).",
                    "In stemming komt de motie-Kröger (21501-08, nr. 722)."])
    ms = extract_motion_mentions(doc)
    assert [(m["id"], m["members"]) for m in ms] == [("kst-21501-08-726", ["Wassenberg"]),
                                                     ("kst-21501-08-722", ["Kröger"])]


def test_id_inline_after_mention():
    assert one("De motie Brekelmans/Mulder (Kamerstuk 35925-V-97), roept het kabinet op.")["id"] == "kst-35925-V-97"
    m = one("Conform motie Hammelburg over een toolbox die zou kunnen bijdragen aan het afbouwen van "
            "afhankelijkheden (Kamerstuk 21 501-02, nr. 2531) bevatten de bijlagen ook beleidsinstrumenten.")
    assert m["id"] == "kst-21501-02-2531"
    assert m["title"].startswith("een toolbox")
    # The motion's own wording ('zou kunnen') is no hedge of the letter.
    assert m["status"] == "completed"


def test_bare_motion_with_kamerstuk():
    m = one("Ik verwijs naar de motie (Kamerstukken 32852, nr. 199) over grondstoffen.")
    assert m["id"] == "kst-32852-199" and m["members"] == []


def test_id_from_the_footnote_the_marker_points_to():
    text = "Tevens wordt met deze brief de motie van het lid Kuzu (DENK) afgedaan."
    doc = make_doc([text], {"4": "Kamerstuk 36 200 V, nr. 50."}, {0: [("4", len(text))]})
    (m,) = extract_motion_mentions(doc)
    assert m["id"] == "kst-36200-V-50" and m["status"] == "completed"


def test_marker_of_another_sentence_is_not_taken():
    text = "Zie de brief over OSA. De motie van het lid Klink vraagt om steun."
    doc = make_doc([text], {"1": "Kamerstuk 35 982, nr. 9."}, {0: [("1", 22)]})
    (m,) = extract_motion_mentions(doc)
    assert m["id"] is None


def test_marker_after_another_document_is_not_the_motion():
    text = "De motie van het lid Klink vraagt om steun, zoals beschreven in de Kamerbrief over OSA."
    doc = make_doc([text], {"5": "Kamerstuk 35 982, nr. 9."}, {0: [("5", len(text))]})
    (m,) = extract_motion_mentions(doc)
    assert m["id"] is None


def test_same_members_share_the_id_within_a_document():
    doc = make_doc(["De motie Brekelmans/Mulder (Kamerstuk 35925-V-97) roept op tot een taskforce.",
                    "In reactie op de motie Brekelmans/Mulder richt het kabinet een taskforce in."])
    ms = extract_motion_mentions(doc)
    assert [m["id"] for m in ms] == ["kst-35925-V-97", "kst-35925-V-97"]
    (merged,) = merge_mentions(ms)
    assert merged["status"] == "completed"


@pytest.mark.parametrize("sentence, status", [
    ("Hiermee beschouw ik de motie van het lid X als afgedaan.", "completed"),
    ("Met deze brief wordt tevens de motie van het lid Klink afgedaan.", "completed"),
    ("Hiermee geef ik uitvoering aan de motie van het lid X.", "completed"),
    ("In reactie op de motie Brekelmans/Mulder richt het kabinet een taskforce in.", "completed"),
    ("In dat kader verwelkomt het kabinet, conform de motie van het lid Klink, de aanpak.", "completed"),
    ("Hieronder valt bijvoorbeeld advies over sectoren, conform de motie Dassen en Omtzigt.", "responding"),
    ("Over de voortgang van de uitvoering van de motie van het lid X informeer ik u in het najaar.", "responding"),
    ("De motie van het lid X is nog niet afgedaan.", "responding"),
    ("De motie van het lid X verzoekt de regering een plan te maken.", "referenced"),
    ("Ik ontraad de motie van het lid X.", "referenced"),
    ("Met deze brief informeer ik u over de uitvoering van de motie van het lid X.", "responding"),
    ("De motie van het lid X is eerder afgedaan met de brief van 3 mei 2022.", "referenced"),
])
def test_status(sentence, status):
    assert classify(sentence) == status


@pytest.mark.parametrize("text", [
    "De Kamer heeft vorig jaar diverse moties aangenomen over dit onderwerp.",
    "Deze motie is besproken.",
    "De motie. Het kabinet neemt dit mee.",
    "Kamerbrief reactie op moties over afhankelijkheden en mensenrechten China.",
])
def test_no_mention_without_members_or_id(text):
    assert extract_motion_mentions(make_doc([text])) == []


def test_reader_hints_become_referenced_mentions():
    hints = {"motions": [{"id": "kst-23987-232", "members": ["Amhaouch"], "party": "CDA", "text": "verzoekt de regering ..."}]}
    (m,) = extract_motion_mentions(make_doc(["Geen motie hier."], hints=hints))
    assert (m["id"], m["members"], m["party"], m["status"]) == ("kst-23987-232", ["Amhaouch"], "CDA", "referenced")


def test_surnames():
    assert surname("Agnes Mulder") == "Mulder"
    assert surname("Jasper van Dijk") == "Van Dijk"
    assert surname("Van Der Werf") == "Van Der Werf"
    assert surname("Kuzu") == "Kuzu"


# --- seeds: what the gold annotations expect ------------------------------------------------

def test_seed_motions_completed(seed_docs):
    expected = {"000": ("kst-36200-V-50", ["Kuzu"], "DENK"), "003": ("kst-21501-02-2739", ["Klink"], None),
                "004": ("kst-36600-X-25", ["Van Der Werf"], None)}
    for key, (kst, members, party) in expected.items():
        (m,) = merge_mentions(extract_motion_mentions(seed_docs[key]))
        assert (m["id"], m["members"], m["party"], m["status"]) == (kst, members, party, "completed")
        assert m["sentence"]


def test_seed_osa_letter(seed_docs):
    merged = {m["id"]: m for m in merge_mentions(extract_motion_mentions(seed_docs["001"]))}
    assert set(merged) == {"kst-35925-V-97", "kst-36200-129", "kst-21501-02-2531"}
    assert merged["kst-35925-V-97"]["status"] == "completed"
    assert merged["kst-21501-02-2531"]["status"] == "completed"
    assert merged["kst-36200-129"]["status"] != "completed"
    assert merged["kst-36200-129"]["members"] == ["Dassen", "Omtzigt"]


def test_seed_without_motions(seed_docs):
    assert extract_motion_mentions(seed_docs["002"]) == []
    assert parse_motion_document(seed_docs["000"]) is None


# --- motion documents ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def motion_docs():
    from extract.pipeline import load_document

    return {p.name[:2]: load_document(p) for p in sorted(FIXTURES.glob("*.txt"))}


def test_motion_document(motion_docs):
    m = parse_motion_document(motion_docs["20"])
    assert m["id"] == "kst-35594-37"
    assert m["members"] == ["Erkens"]
    assert m["date"] == "2023-01-26"
    assert len(m["considerations"]) == 2 and m["considerations"][0].startswith("constaterende dat")
    assert [r[:26] for r in m["requests"]] == ["verzoekt de regering te on", "verzoekt de regering de Ka"]
    assert m["deadline_text"] == "uiterlijk 1 september 2023"


def test_motion_document_cosigners(motion_docs):
    assert parse_motion_document(motion_docs["21"])["members"] == ["Van der Lee", "Piri", "Dassen"]
    assert parse_motion_document(motion_docs["22"])["members"] == ["Van Dijk", "Hammelburg"]


@pytest.mark.parametrize("key, kst, members, deadline", [
    ("27", "kst-36410-V-44", ["De Roon"], "binnen een maand"),
    ("29", "kst-21501-02-2834", ["Hirsch", "Teunissen"], None),
    ("30", "kst-36197-15", ["Erkens", "Grinwis"], "uiterlijk eind 2024"),
])
def test_ocr_motion_documents(motion_docs, key, kst, members, deadline):
    m = parse_motion_document(motion_docs[key])
    assert (m["id"], m["members"], m["deadline_text"]) == (kst, members, deadline)
    assert m["requests"] and all(r.lower().startswith("verzoekt") for r in m["requests"])
    assert not any("orde van de dag" in r for r in m["requests"])


def test_motion_document_is_no_mention_of_itself(motion_docs):
    assert extract_motion_mentions(motion_docs["20"]) == []


def test_handelingen_quoting_a_motion_is_no_motion_document():
    doc = make_doc(["Motie", "De Kamer, gehoord de beraadslaging, verzoekt de regering X, en gaat over tot de orde van de dag."],
                   doc_type="handelingen")
    assert parse_motion_document(doc) is None


DEBATE = """Aan de orde is het debat over de begroting van Economische Zaken.

De heer Jansen (VVD):

Voorzitter. Ik dien een motie in over de voorraad van kritieke grondstoffen.

De Kamer,

gehoord de beraadslaging,

overwegende dat Nederland voor zeldzame aardmetalen afhankelijk is van een enkel land;

verzoekt de regering, voor de zomer van 2025 een plan voor strategische voorraden te presenteren,

en gaat over tot de orde van de dag.

De voorzitter:

Deze motie is voorgesteld door de leden Jansen en Van der Berg. Naar mij blijkt, wordt de indiening ervan voldoende ondersteund.

Zij krijgt nr. 12 (36200-XIII).

Mevrouw De Vries (CDA):

Voorzitter. Ook ik heb een motie.

De Kamer,

gehoord de beraadslaging,

verzoekt de regering, de Kamer jaarlijks over de afhankelijkheden te informeren,

en gaat over tot de orde van de dag.

De voorzitter:

Deze motie is voorgesteld door het lid De Vries. Naar mij blijkt, wordt de indiening ervan voldoende ondersteund.

Zij krijgt nr.13(36200 XIII).

Mevrouw Pietersen (SP):

Voorzitter. Ik vind dit sympathieke moties.
"""


def test_debate_text_holds_its_motions_whole(tmp_path):
    """Handelingen read from text or PDF (no <motie> elements): each motion the debate
    quotes, with the members and number the chair announces after it."""
    from extract.motions import embedded_motions
    from extract.pipeline import load_document

    path = tmp_path / "debat.txt"
    path.write_text(DEBATE, encoding="utf-8")
    doc = load_document(path)
    assert doc.meta.type == "handelingen"
    assert parse_motion_document(doc) is None
    found = {m["id"]: (m["members"], m["party"]) for m in extract_motion_mentions(doc)}
    assert found == {"kst-36200-XIII-12": (["Jansen", "Van der Berg"], "VVD"),
                     "kst-36200-XIII-13": (["De Vries"], "CDA")}
    first, second = embedded_motions(doc)
    assert first["requests"] == ["verzoekt de regering, voor de zomer van 2025 een plan voor strategische voorraden "
                                 "te presenteren"]
    assert first["deadline_text"] and "zomer" in first["deadline_text"]
    assert second["considerations"] == []


@pytest.mark.parametrize("sentence, members, status", [
    ("Met deze brief beantwoord ik de door uw Kamer aangenomen motie van het lid Kops over kernenergie.",
     ["Kops"], "completed"),
    ("Hiermee reageer ik op de motie van het lid Klink over de haven.", ["Klink"], "completed"),
    ("Ook de motie ingediend door de leden Dassen en Sjoerdsma vraagt hierom.", ["Dassen", "Sjoerdsma"], "referenced"),
    ("De motie van het lid Klink wordt nog uitgevoerd.", ["Klink"], "responding"),
])
def test_more_ways_letters_name_and_answer_motions(sentence, members, status):
    m = one(sentence)
    assert (m["members"], m["status"]) == (members, status)


def test_mixed_case_motion_header_is_no_mention():
    doc = make_doc(["Motie van het lid Inge van Dijk c.s.", "De Kamer, gehoord de beraadslaging,",
                    "verzoekt de regering de motie-Alkaya uit te voeren, en gaat over tot de orde van de dag."],
                   doc_type="motie")
    assert [m["members"] for m in extract_motion_mentions(doc)] == [["Alkaya"]]
    assert parse_motion_document(doc)["members"] == ["Van Dijk"]


def test_motion_text_without_metadata_type():
    text = ["MOTIE VAN DE LEDEN INGE VAN DIJK EN GRINWIS", "De Kamer, gehoord de beraadslaging,",
            "overwegende dat spaarders worden geraakt;", "verzoekt de regering uiterlijk vóór de zomer van 2022 "
            "met een voorstel te komen, en gaat over tot de orde van de dag.", "Inge van Dijk Grinwis"]
    m = parse_motion_document(make_doc(text, doc_type="other"))
    assert m["members"] == ["Van Dijk", "Grinwis"]
    assert m["considerations"] == ["overwegende dat spaarders worden geraakt"]
    assert m["deadline_text"] == "uiterlijk vóór de zomer van 2022"


def test_motions_in_handelingen_carry_their_requests():
    from pathlib import Path

    from extract.motions import embedded_motions
    from extract.pipeline import load_document

    path = Path(__file__).parent / "fixtures" / "markup" / "19_handelingen_h-tk-20172018-70-6_stemmingen_moties_milieuraad.xml"
    found = {m["id"]: m for m in embedded_motions(load_document(path))}
    assert "kst-21501-08-726" in found
    m = found["kst-21501-08-726"]
    assert m["members"] == ["Wassenberg"] and m["requests"][0].startswith("verzoekt de regering")
