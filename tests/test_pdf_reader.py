"""The PDF reader on real PDFs (pdfplumber) and on PDFs rendered in the test with reportlab.

Fixtures are small copies in tests/fixtures/pdf/ (see tests/fixtures/SOURCES-pdf.md);
nothing here reads the shared development corpus.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from extract.model import ReadError
from extract.readers.pdf import read_pdf
from extract.readers.text import read_text
from extract.readers.xml import read_xml

FIX = Path(__file__).parent / "fixtures"
PDFS = FIX / "pdf"
MOTION = PDFS / "08_motie_kst-32545-143_negatieve_spaarrente_2021-07-06.pdf"
MOTION_XML = PDFS / "08_motie_kst-32545-143_negatieve_spaarrente_2021-07-06.xml"
LETTER = PDFS / "12_kamerbrief_draagmoederschap_2011-03-01.pdf"
SCAN = PDFS / "13_bijlage_blg-1007826_beslisnota_moties_nitraatrichtlijn_2021-12-03_SCANNED.pdf"
SEED_001 = next((FIX / "seed").glob("001_*.txt"))


def joined(blocks) -> str:
    """Block text, whitespace-normalised and lower-cased, blocks joined by spaces."""
    return " ".join(" ".join(b.text.split()) for b in blocks).lower()


def _marker_free(text: str) -> str:
    return re.sub(r"\[\^\d+\]", "", text)


# --- real PDFs ------------------------------------------------------------------

def test_same_motion_as_pdf_and_xml_agrees():
    raw = read_pdf(MOTION)
    assert raw.format == "pdf" and raw.pages == 1
    assert fuzz.ratio(joined(raw.blocks), joined(read_xml(MOTION_XML).blocks)) >= 97


def test_motion_pdf_metadata_through_the_pipeline():
    from extract.pipeline import load_document

    meta = load_document(MOTION).meta
    assert meta.kamerstuk == ["kst-32545-143"]
    assert meta.type == "motie" and meta.date.isoformat() == "2021-07-06"


def test_letterhead_column_is_front_matter_not_body():
    raw = read_pdf(LETTER)
    body = joined(raw.blocks)
    assert raw.pages == 3
    assert "ons kenmerk" in raw.front_matter.lower() and "5687928/11" in raw.front_matter
    assert "Datum 1 maart 2011" in raw.front_matter
    assert "schedeldoekshaven" not in body and "pagina" not in body
    assert body.startswith("draagmoederschap is een complex onderwerp")


def test_letter_footnote_and_italic_subheadings():
    raw = read_pdf(LETTER)
    assert set(raw.footnotes) == {"1"}
    assert raw.footnotes["1"].startswith("Bij hoogtechnologisch draagmoederschap")
    assert "genetische moeder." in raw.footnotes["1"]
    body = joined(raw.blocks)
    assert "draagmoederschap.[^1]" in body and "bij hoogtechnologisch" not in body
    headings = [b.text for b in raw.blocks if b.kind == "heading"]
    assert "Belangen" in headings and "Vrijwilligheid" in headings


def test_scanned_pdf_says_no_text_layer():
    with pytest.raises(ReadError, match="no text layer"):
        read_pdf(SCAN)


def test_truncated_pdf_is_a_clear_error(tmp_path):
    cut = tmp_path / "afgekapt.pdf"
    cut.write_bytes(MOTION.read_bytes()[: MOTION.stat().st_size // 3])
    with pytest.raises(ReadError, match="corrupt|no text"):
        read_pdf(cut)
    junk = tmp_path / "rommel.pdf"
    junk.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    with pytest.raises(ReadError, match="corrupt|no text"):
        read_pdf(junk)


def test_encrypted_pdf_is_a_clear_error(tmp_path):
    from reportlab.pdfgen import canvas

    locked = tmp_path / "versleuteld.pdf"
    c = canvas.Canvas(str(locked), encrypt="secret")
    c.drawString(72, 720, "Vertrouwelijk")
    c.save()
    with pytest.raises(ReadError, match="encrypted"):
        read_pdf(locked)


def test_too_many_pages(tmp_path, monkeypatch):
    from reportlab.pdfgen import canvas

    from extract.readers import pdf as reader

    long = tmp_path / "lang.pdf"
    c = canvas.Canvas(str(long))
    for i in range(4):
        c.drawString(72, 720, f"Bladzijde met tekst nummer {i}")
        c.showPage()
    c.save()
    monkeypatch.setitem(reader.settings(), "max_pages", 3)
    with pytest.raises(ReadError, match="too many pages"):
        read_pdf(long)


# --- a letter rendered from a seed text -------------------------------------------

NOTES = {
    "1": "Kamerstuk 35 982, nr. 9.",
    "2": "Kamerstuk 21 501-02, nr. 2602. Zie ook de brief over de open strategische autonomie van "
         "8 november 2022 en de daarbij gevoegde bijlagen over de grondstoffenstrategie.",
}


def _seed_paragraphs() -> list[str]:
    return [" ".join(b.text.split()) for b in read_text(SEED_001).blocks
            if b.kind == "p" and len(b.text) > 200 and "[^" not in b.text][:9]


def _render_letter(path: Path, paragraphs: list[str], total: int | None = None) -> int:
    """A two-or-more-page letter: a right-hand letterhead column on page 1 and an
    'Onze referentie' block on later pages, a running header and 'Pagina N van M'
    footer, superscript markers (written '{N}' in the paragraphs) and notes at the
    page bottom in a small font with a raised number. Returns the page count."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    width, height = A4
    c = canvas.Canvas(str(path), pagesize=A4)
    left, body_w = 70, 300
    state = {"page": 1, "y": height - 110, "notes": []}

    def letterhead(page: int) -> None:
        c.setFont("Helvetica", 7)
        lines = (["Rijnstraat 8", "2515 XP Den Haag", "Postbus 20061", "", "Onze referentie", "BZ-2024/0001",
                  "", "Datum", "8 november 2022"] if page == 1 else ["Onze referentie", "BZ-2024/0001"])
        for k, t in enumerate(lines):
            c.drawString(430, height - 110 - 10 * k, t)

    def note_lines(n: str) -> list[str]:
        return simpleSplit(NOTES[n], "Helvetica", 7, body_w)

    def finish_page() -> None:
        page = state["page"]
        c.setFont("Helvetica", 7)
        c.drawString(left, height - 40, "Onze referentie BZ-2024/0001")
        c.drawString(width - 140, 30, f"Pagina {page} van {total or 99}")
        y = 50 + 9 * sum(len(note_lines(n)) for n in state["notes"])
        for n in state["notes"]:
            for k, t in enumerate(note_lines(n)):
                if k == 0:
                    c.setFont("Helvetica", 5)
                    c.drawString(left, y + 3, n)
                c.setFont("Helvetica", 7)
                c.drawString(left + 6, y, t)
                y -= 9
        letterhead(page)
        c.showPage()
        state.update(page=page + 1, y=height - 110, notes=[])

    for para in paragraphs:
        for line in simpleSplit(para, "Helvetica", 10, body_w):
            reserve = 60 + 9 * sum(len(note_lines(n)) for n in state["notes"] + re.findall(r"\{(\d+)\}", line))
            if state["y"] < reserve + 20:
                finish_page()
            x = left
            for part in re.split(r"(\{\d+\})", line):
                m = re.fullmatch(r"\{(\d+)\}", part)
                if m:
                    c.setFont("Helvetica", 6)
                    c.drawString(x + 0.5, state["y"] + 4, m.group(1))
                    x += c.stringWidth(m.group(1), "Helvetica", 6) + 0.5
                    state["notes"].append(m.group(1))
                elif part:
                    c.setFont("Helvetica", 10)
                    c.drawString(x, state["y"], part)
                    x += c.stringWidth(part, "Helvetica", 10)
            state["y"] -= 13
        state["y"] -= 9
    finish_page()
    c.save()
    return state["page"] - 1


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    paragraphs = _seed_paragraphs()
    assert len(paragraphs) >= 6
    words3, words6 = paragraphs[2].split(), paragraphs[5].split()
    marked = list(paragraphs)
    marked[2] = " ".join(words3[:12] + [words3[12] + "{1}"] + words3[13:])
    marked[5] = " ".join(words6[:-1] + [words6[-1] + "{2}"])
    path = tmp_path_factory.mktemp("pdf") / "brief.pdf"
    pages = _render_letter(path, marked)
    _render_letter(path, marked, total=pages)  # again, now that 'van M' is known
    return {"raw": read_pdf(path), "paragraphs": paragraphs, "pages": pages,
            "marked_words": (words3[12], words6[-1])}


def test_rendered_letter_text_agrees_with_the_source(rendered):
    raw = rendered["raw"]
    assert rendered["pages"] >= 2 and raw.pages == rendered["pages"]
    expected = " ".join(p.lower() for p in rendered["paragraphs"])
    assert fuzz.ratio(_marker_free(joined(raw.blocks)), expected) >= 97


def test_rendered_letter_drops_headers_footers_and_letterhead(rendered):
    raw = rendered["raw"]
    text = joined(raw.blocks)
    assert "pagina" not in text and "onze referentie" not in text and "bz-2024/0001" not in text
    assert "postbus 20061" not in text and "8 november 2022" not in text
    assert "Onze referentie" in raw.front_matter and "Datum" in raw.front_matter
    assert "8 november 2022" in raw.front_matter


def test_rendered_letter_footnotes(rendered):
    raw = rendered["raw"]
    assert set(raw.footnotes) == {"1", "2"}
    assert " ".join(raw.footnotes["1"].split()) == NOTES["1"]
    assert " ".join(raw.footnotes["2"].split()) == NOTES["2"]
    text = joined(raw.blocks)
    first, second = (w.lower() for w in rendered["marked_words"])
    assert f"{first}[^1]" in text and f"{second}[^2]" in text
    assert "kamerstuk 35 982" not in text
    assert text.count("[^1]") == 1 and text.count("[^2]") == 1


# --- layout -------------------------------------------------------------------------

def test_two_columns_read_left_then_right(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "twee-kolommen.pdf"
    c = canvas.Canvas(str(pdf), pagesize=A4)
    for i in range(30):
        c.drawString(50, 780 - i * 14, f"links regel {i:02d} over grondstoffen")
        c.drawString(320, 780 - i * 14, f"rechts regel {i:02d} over chips")
    c.save()
    blocks = read_pdf(pdf).blocks
    text = joined(blocks)
    assert text.index("links regel 00") < text.index("links regel 29") < text.index("rechts regel 00")
    assert not any("links" in b.text and "rechts" in b.text for b in blocks)  # no line mixes the columns


def test_ruled_table_becomes_a_table(tmp_path):
    from reportlab.lib import colors
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdf = tmp_path / "tabel.pdf"
    data = [["Product", "Land", "Aandeel"], ["difosforpentaoxide", "China", "59%"], ["silicium", "China", "88%"],
            ["kunstmest", "Israël", "77%"]]
    t = Table(data)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    normal = getSampleStyleSheet()["Normal"]
    SimpleDocTemplate(str(pdf)).build([Paragraph("Tabel 1 Afhankelijkheden van China", normal), t,
                                       Paragraph("Dit is de tekst onder de tabel. " * 5, normal)])
    raw = read_pdf(pdf)
    assert len(raw.tables) == 1
    table = raw.tables[0]
    assert table.header == ["Product", "Land", "Aandeel"]
    assert table.rows == data[1:] and table.page == 1
    assert table.caption and table.caption.startswith("Tabel 1")
    rows = [b.text for b in raw.blocks if b.kind == "table"]
    assert rows == [" | ".join(r) for r in data]
    prose = " ".join(b.text for b in raw.blocks if b.kind != "table")
    assert "silicium" not in prose and "tekst onder de tabel" in prose


# --- long reports: real tables, numbered sections, two columns ----------------------
# Page excerpts of the EU critical-raw-materials reports (cut with pypdfium2, see
# tests/fixtures/SOURCES-pdf.md).

CRM_2014_P8 = Path(__file__).parent / "fixtures" / "pdf" / "eu01_crm_report_2014_p8.pdf"
CRM_2017_EXCERPT = Path(__file__).parent / "fixtures" / "pdf" / "eu02_crm_study_2017_p14_p27_p28_p34.pdf"


@pytest.fixture(scope="module")
def crm_2017():
    return read_pdf(CRM_2017_EXCERPT)


def test_real_import_share_table_has_header_rows_and_caption():
    raw = read_pdf(CRM_2014_P8)
    assert len(raw.tables) == 1
    table = raw.tables[0]
    assert table.page == 1 and table.caption.startswith("Table 1: Countries supplying raw materials")
    assert table.header[0] == "Country" and "supply" in table.header[2]
    assert ["China", "48", "30%", "South Africa", "26", "3.9%"] in table.rows
    assert ["Australia", "34", "4.0%", "Turkey", "25", "2.1%"] in table.rows
    table_blocks = [b.text for b in raw.blocks if b.kind == "table"]
    assert "China | 48 | 30% | South Africa | 26 | 3.9%" in table_blocks
    prose = " ".join(b.text for b in raw.blocks if b.kind != "table")
    assert "South Africa" not in prose and "sources in Annex C" in prose


def test_real_tables_keep_rows_whole(crm_2017):
    by_caption = {t.caption: t for t in crm_2017.tables if t.caption}
    table_a = by_caption["Table A: Global supply of the CRMs – individual materials"]
    assert ["1", "Antimony", "P", "China", "87%", "23", "Natural graphite", "E", "China", "69%"] in table_a.rows
    # merged header cells and a cell that slipped one column are realigned
    assert ["3", "Beryllium", "E", "USA", "90%", "25", "Neodymium", "E", "China", "95%"] in table_a.rows
    table_b = by_caption["Table B: Global supply of the CRMs – grouped materials (average)"]
    assert table_b.rows[0] == ["HREEs", "E", "China", "95%"]  # the header's stray note number is no row
    # a page-wide table with a gap down its middle is a table, not two text columns
    results = next(t for t in crm_2017.tables if t.page == 4)
    assert results.header[:2] == ["Material", "Stage\nassessed"]
    assert ["Dysprosium", "Extraction", "5.2", "6.3", "100", "0", "GS + EUS"] in results.rows


def test_numbered_sections_give_section_paths(crm_2017):
    headings = [(b.level, b.text) for b in crm_2017.blocks if b.kind == "heading"]
    assert (1, "2. CRITICALITY ASSESSMENT APPROACH") in headings
    assert (2, "2.1 SCOPE & MATERIALS COVERED") in headings
    assert (3, "2.1.2 Time coverage") in headings
    assert not any(text.startswith(("Table", "Figure")) for _, text in headings)  # captions are no sections
    from extract.pipeline import load_document

    doc = load_document(CRM_2017_EXCERPT)
    passage = next(p for p in doc.passages if "reference period for the data" in p.text)
    assert passage.heading == ("2. CRITICALITY ASSESSMENT APPROACH > 2.1 SCOPE & MATERIALS COVERED"
                               " > 2.1.2 Time coverage")
    assert passage.page == 3


def test_unnumbered_and_stray_numbered_headings_nest_sensibly():
    from extract.model import Block
    from extract.readers.pdf import _nest_headings

    blocks = _nest_headings([Block("2 Methode", "heading", 1, 1), Block("2.1 Gegevens", "heading", 1, 2),
                             Block("Knelpuntanalyse", "heading", 1, 1), Block("7 Germanium", "heading", 2, 1),
                             Block("2.2 Raadpleging", "heading", 2, 2), Block("BIJLAGEN", "heading", 3, 1),
                             Block("Annex 1. Bronnen", "heading", 3, 1)])
    assert [(b.kind, b.level) for b in blocks] == [("heading", 1), ("heading", 2), ("heading", 3), ("p", 0),
                                                   ("heading", 2), ("heading", 1), ("heading", 1)]


def test_two_column_page_of_real_text_reads_column_by_column(tmp_path):
    """Synthetic: seed-letter paragraphs set in two columns with reportlab."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    paragraphs = [" ".join(b.text.split()) for b in read_text(next((FIX / "seed").glob("001_*.txt"))).blocks
                  if b.kind == "p" and len(b.text) > 200 and "[^" not in b.text][:8]
    width, height = A4
    col = (width - 72 * 2 - 24) / 2
    frames = [Frame(72, 72, col, height - 144, id="links"), Frame(72 + col + 24, 72, col, height - 144, id="rechts")]
    pdf = tmp_path / "twee-kolommen-tekst.pdf"
    doc = BaseDocTemplate(str(pdf), pagesize=A4, pageTemplates=[PageTemplate(frames=frames)])
    style = getSampleStyleSheet()["BodyText"]
    doc.build([Paragraph(p, style) for p in paragraphs])
    raw = read_pdf(pdf)
    text = joined(raw.blocks)
    assert fuzz.ratio(text, " ".join(p.lower() for p in paragraphs)) >= 97
    starts = [text.index(" ".join(p.lower().split()[:8])) for p in paragraphs]
    assert starts == sorted(starts)  # every paragraph in reading order, across columns and pages


def test_lists_and_tables_beside_each_other_are_not_columns():
    """Counter-example: the two-up country table is not read as two text columns."""
    raw = read_pdf(CRM_2014_P8)
    assert not any("China" in b.text and "South Africa" not in b.text for b in raw.blocks if b.kind == "table")


@pytest.mark.parametrize("path", [MOTION, LETTER, CRM_2014_P8])
def test_pdfium_and_pdfplumber_engines_read_the_same(path, monkeypatch):
    """The fast word source (pdfium) must give what pdfplumber's words give."""
    from extract.readers import pdf as reader

    monkeypatch.setitem(reader.settings(), "engine", "pdfium")
    fast = read_pdf(path)
    monkeypatch.setitem(reader.settings(), "engine", "pdfplumber")
    slow = read_pdf(path)
    assert fuzz.ratio(joined(fast.blocks), joined(slow.blocks)) >= 99
    assert fast.footnotes == slow.footnotes and fast.front_matter == slow.front_matter
    assert [(t.header, t.rows) for t in fast.tables] == [(t.header, t.rows) for t in slow.tables]


def test_only_a_grid_of_rules_goes_to_the_table_finder():
    """pdfplumber's table finder costs a full Python parse of the page: a page goes
    there only when its rules can make a table of two rows and two columns. Boxes
    as pdfium gives them: (left, bottom, right, top)."""
    from extract.readers.pdf import _grid_like

    cells = [(100 + 60 * c, 500 - 20 * r, 160 + 60 * c, 520 - 20 * r) for r in range(3) for c in range(3)]
    assert _grid_like(cells)  # a table drawn as one rectangle per cell
    lines = [(100, y, 400, y) for y in (500, 520, 540)] + [(x, 500, x, 540) for x in (100, 250, 400)]
    assert _grid_like(lines)  # a table drawn with rules
    highlights = [(181, 462, 196, 473), (196, 462, 200, 473), (200, 462, 212, 473), (181, 340, 194, 351)]
    assert not _grid_like(highlights)  # shading behind words on one line
    bands = [(66, y, 180, y + 11) for y in (451, 375, 309)] + [(180, y, 547, y + 11) for y in (451, 375, 309)]
    assert not _grid_like(bands)  # boxed label rows far apart: no row of cells above another
    underlines = [(80, y, 500, y) for y in range(100, 700, 20)]
    assert not _grid_like(underlines)


@pytest.mark.parametrize("path", [MOTION, LETTER])
def test_pdfium_runs_keep_words_whole_and_apart(path):
    """Text runs (one per pdfium text object) rejoin words a PDF writer cut over two
    objects and keep apart words it set side by side: no word is glued or split."""
    fast = joined(read_pdf(path).blocks)
    assert "opneming" in fast or path == MOTION
    assert not re.search(r"\b(?:opnemi ng|utrech t|interneten|echterniet|toeste mming)\b", fast, re.I)
