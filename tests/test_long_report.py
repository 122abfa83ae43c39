"""A 100-page monitor report with tables (synthetic: reportlab, real paragraph text from the
seed letters) ingests with its sections, pages and tables, and its table rows become
dependency facts with the table as evidence."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from extract.ingest import build
from extract.readers.pdf import _unstack

SEED = Path(__file__).parent / "fixtures" / "seed"


def render_report(path: Path, paragraphs: list[str]) -> None:
    """Ten chapters of three sections of real paragraphs, a ruled table in chapter 4,
    padded with more paragraphs until the PDF has at least 100 pages."""
    import pypdfium2

    for padding in range(10, 200, 10):
        _render(path, paragraphs, padding)
        if len(pypdfium2.PdfDocument(str(path))) >= 100:
            return
    raise AssertionError("could not render 100 pages")


def _render(path: Path, paragraphs: list[str], padding: int) -> None:
    from reportlab.lib import colors
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    styles = getSampleStyleSheet()
    story = [Paragraph("Geo-economische monitor (synthetisch testdocument)", styles["Title"])]
    k = 0
    for chapter in range(1, 11):
        story.append(Paragraph(f"{chapter}. Hoofdstuk {chapter} over strategische afhankelijkheden", styles["Heading1"]))
        for section in range(1, 4):
            story.append(Paragraph(f"{chapter}.{section} Paragraaf {chapter}.{section}", styles["Heading2"]))
            for _ in range(3 + padding // 3):
                story.append(Paragraph(paragraphs[k % len(paragraphs)], styles["Normal"]))
                k += 1
        if chapter == 4:
            story.append(Paragraph("Tabel 3: Aandeel van China in de Nederlandse import", styles["Normal"]))
            t = Table([["Product", "Land", "Aandeel"], ["difosforpentaoxide", "China", "59%"],
                       ["silicium", "China", "88%"], ["lithium", "Chili", "78%"]])
            t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
            story.append(t)
        story.append(PageBreak())
    SimpleDocTemplate(str(path)).build(story)


def test_long_report_with_tables(tmp_path):
    paragraphs = [" ".join(b.split()) for p in sorted(SEED.glob("*.txt"))
                  for b in p.read_text(encoding="utf-8").split("\n\n") if 300 < len(b) < 1500 and "<" not in b
                  and "[" not in b and "*" not in b and "&" not in b][:120]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    render_report(corpus / "monitor.pdf", paragraphs)
    db = tmp_path / "kb.db"
    report = build(corpus, db, workers=1)
    assert report.added == ["monitor.pdf"], report.failed
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT pages FROM documents").fetchone()[0] >= 100
    headings = {r[0] for r in conn.execute("SELECT heading FROM passages WHERE heading IS NOT NULL")}
    assert any(" > 4.2 Paragraaf 4.2" in h for h in headings), sorted(headings)[:10]
    assert conn.execute("SELECT max(page) FROM passages").fetchone()[0] >= 90
    table = conn.execute("SELECT id, page, caption, header FROM tables").fetchone()
    assert table and table[2].startswith("Tabel 3") and "Aandeel" in table[3]
    deps = conn.execute("SELECT product, country, share, source, sentence FROM dependencies "
                        "WHERE source = 'table'").fetchall()
    assert ("difosforpentaoxide", "CN", 0.59) in [d[:3] for d in deps], deps
    assert all("Tabel 3" in d[4] for d in deps)


def test_unruled_table_rows_are_unstacked():
    assert _unstack(["China\nUSA", "48\n36", "", "30%\n10%"]) == [["China", "48", "", "30%"], ["USA", "36", "", "10%"]]
    assert _unstack(["Nota\nover iets", "12"]) == [["Nota\nover iets", "12"]]
