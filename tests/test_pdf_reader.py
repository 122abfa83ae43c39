"""The PDF reader on real PDFs (pdfplumber) and on PDFs rendered from real letters."""
from __future__ import annotations

from pathlib import Path

import pytest
from rapidfuzz import fuzz

from benchmarks.corpus import write_pdf
from extract.model import ReadError
from extract.pipeline import load_document
from extract.readers.pdf import read_pdf
from extract.readers.text import read_text
from extract.readers.xml import read_xml

FIX = Path(__file__).parent / "fixtures"
MOTION = FIX / "pdf" / "08_motie_kst-32545-143_negatieve_spaarrente_2021-07-06.pdf"
MOTION_XML = FIX / "markup" / "08_motie_kst-32545-143_negatieve_spaarrente_2021-07-06.xml"
SCAN = FIX / "pdf" / "13_bijlage_blg-1007826_beslisnota_moties_nitraatrichtlijn_2021-12-03_SCANNED.pdf"
LETTER = FIX / "pdf" / "12_kamerbrief_draagmoederschap_2011-03-01.pdf"


def joined(blocks) -> str:
    return " ".join(" ".join(b.text.split()) for b in blocks).lower()


def test_same_motion_as_pdf_and_xml_agrees():
    assert fuzz.ratio(joined(read_pdf(MOTION).blocks), joined(read_xml(MOTION_XML).blocks)) >= 97


def test_motion_pdf_metadata_from_its_header():
    meta = load_document(MOTION).meta
    assert (meta.type, meta.kamerstuk, meta.date.isoformat()) == ("motie", ["kst-32545-143"], "2021-07-06")


def test_letterhead_column_is_front_matter_not_body():
    raw = read_pdf(LETTER)
    body = joined(raw.blocks)
    assert "ons kenmerk" in raw.front_matter.lower() and "5687928/11" in raw.front_matter
    assert "schedeldoekshaven" not in body and "draagmoederschap is een complex onderwerp" in body
    assert load_document(LETTER).meta.date.isoformat() == "2011-03-01"


def test_scanned_pdf_says_no_text_layer():
    with pytest.raises(ReadError, match="no text layer"):
        read_pdf(SCAN)


def test_truncated_and_encrypted_pdfs_are_clear_errors(tmp_path):
    cut = tmp_path / "afgekapt.pdf"
    cut.write_bytes(MOTION.read_bytes()[:3000])
    with pytest.raises(ReadError, match="corrupt|no text"):
        read_pdf(cut)
    from reportlab.pdfgen import canvas

    locked = tmp_path / "versleuteld.pdf"
    c = canvas.Canvas(str(locked), encrypt="geheim")
    c.drawString(72, 720, "Vertrouwelijk")
    c.save()
    with pytest.raises(ReadError, match="encrypted"):
        read_pdf(locked)


def test_rendered_letter_loses_headers_footers_and_keeps_footnotes(seed_paths, tmp_path):
    paragraphs = [b.text.replace("\n", " ") for b in read_text(seed_paths["001"]).blocks
                  if b.kind == "p" and len(b.text) > 200 and "[^" not in b.text][:10]
    notes = [("1", "Kamerstuk 35 982, nr. 9."), ("2", "Kamerstuk 21 501-02, nr. 2602.")]
    body = "\n\n".join(paragraphs[:3] + [paragraphs[3] + "¹"] + paragraphs[4:7] + [paragraphs[7] + "²"] + paragraphs[8:])
    pdf = tmp_path / "brief.pdf"
    pages = write_pdf(pdf, body, notes)
    assert pages >= 2
    raw = read_pdf(pdf)
    text = joined(raw.blocks)
    assert fuzz.ratio(text.replace("[^1]", "").replace("[^2]", ""), " ".join(p.lower() for p in paragraphs)) >= 97
    assert "pagina" not in text and "onze referentie" not in text
    assert raw.footnotes == {"1": "Kamerstuk 35 982, nr. 9.", "2": "Kamerstuk 21 501-02, nr. 2602."}
    last_word = paragraphs[3].split()[-1].lower()
    assert f"{last_word}[^1]" in text


def test_two_columns_read_left_then_right(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "twee-kolommen.pdf"
    c = canvas.Canvas(str(pdf), pagesize=A4)
    for i in range(30):
        c.drawString(50, 780 - i * 14, f"links regel {i:02d} over grondstoffen")
        c.drawString(320, 780 - i * 14, f"rechts regel {i:02d} over chips")
    c.save()
    text = joined(read_pdf(pdf).blocks)
    assert text.index("links regel 29") < text.index("rechts regel 00")


def test_ruled_table_becomes_a_table(tmp_path):
    from reportlab.lib import colors
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle, Paragraph
    from reportlab.lib.styles import getSampleStyleSheet

    pdf = tmp_path / "tabel.pdf"
    data = [["Product", "Land", "Aandeel"], ["difosforpentaoxide", "China", "59%"], ["silicium", "China", "88%"],
            ["kunstmest", "Israël", "77%"]]
    t = Table(data)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    SimpleDocTemplate(str(pdf)).build([Paragraph("Tabel 1 Afhankelijkheden van China", getSampleStyleSheet()["Normal"]),
                                       t, Paragraph("Dit is de tekst onder de tabel. " * 5, getSampleStyleSheet()["Normal"])])
    raw = read_pdf(pdf)
    assert len(raw.tables) == 1
    table = raw.tables[0]
    assert table.header == ["Product", "Land", "Aandeel"]
    assert ["silicium", "China", "88%"] in table.rows and table.page == 1
    assert table.caption and table.caption.startswith("Tabel 1")
    assert any(b.kind == "table" and "difosforpentaoxide" in b.text for b in raw.blocks)
