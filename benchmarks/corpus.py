"""Generate a synthetic benchmark corpus from real paragraphs.

Every generated document says it is synthetic: its paragraphs are real
sentences of the seed (and, when given, dev) documents, recombined, with
varied dates, dossier numbers and footnote citations, so that extraction does
real work on realistic text. Documents are written as text and, for a share
of them, as PDFs with a running header, footer, page numbers and footnotes at
the page bottom.
"""
from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december"]
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
NOTE_LINE = re.compile(r"^[⁰¹²³⁴⁵⁶⁷⁸⁹]+\s")
SYNTHETIC = "SYNTHETISCH BENCHMARKDOCUMENT: echte alinea's opnieuw gecombineerd; geen echte brief."


def paragraphs(sources: list[Path]) -> list[str]:
    """Body paragraphs (long enough, no footnote lines or headers) of the source texts."""
    out = []
    for folder in sources:
        for path in sorted(folder.glob("*.txt")):
            for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8", errors="replace")):
                text = " ".join(block.split())
                if len(text) >= 120 and not NOTE_LINE.match(text):
                    out.append(re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+", "", text))
    return out


def letter(i: int, pool: list[str], rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    """One synthetic letter: header, dated opening, paragraphs with numbered footnotes."""
    year = rng.randint(2012, 2026)
    date = f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {year}"
    dossier = rng.randint(21000, 36999)
    head = [SYNTHETIC, "Tweede Kamer der Staten-Generaal", f"Vergaderjaar {year}–{year + 1}", f"{dossier // 1000} {dossier % 1000:03d}",
            f"Nr. {rng.randint(1, 400)}", "BRIEF VAN DE MINISTER VAN ECONOMISCHE ZAKEN EN KLIMAAT",
            "Aan de Voorzitter van de Tweede Kamer der Staten-Generaal", f"Den Haag, {date}"]
    body, notes = [], []
    for _ in range(rng.randint(6, 18)):
        text = _vary(rng.choice(pool), year, rng)
        if rng.random() < 0.4:
            n = len(notes) + 1
            cited = f"Kamerstuk {rng.randint(21, 36)} {rng.randint(100, 999)}, nr. {rng.randint(1, 3000)}."
            notes.append((str(n), cited))
            text = text.rstrip() + str(n).translate(SUPERSCRIPTS)
        body.append(text)
    return "\n\n".join(head + body), notes


def _vary(text: str, year: int, rng: random.Random) -> str:
    """Shift years and amounts so no two documents are the same text."""
    shift = year - 2023
    text = re.sub(r"\b(20[12]\d)\b", lambda m: str(int(m.group(1)) + shift), text)
    return re.sub(r"\b(\d{2,3})%", lambda m: f"{rng.randint(5, 99)}%", text)


def write_text(path: Path, body: str, notes: list[tuple[str, str]]) -> None:
    lines = [body, ""] + [f"{n.translate(SUPERSCRIPTS)} {t}" for n, t in notes]
    path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")


def write_pdf(path: Path, body: str, notes: list[tuple[str, str]]) -> int:
    """A letter PDF: running header, 'Pagina N', superscript markers, notes at the page bottom."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    width, height = A4
    c = canvas.Canvas(str(path), pagesize=A4)
    page, y = 1, height - 90
    page_notes: list[tuple[str, str]] = []
    note_text = dict(notes)

    def finish_page() -> None:
        nonlocal page, y, page_notes
        c.setFont("Helvetica", 8)
        c.drawString(70, height - 50, "Onze referentie BENCH-2024/0001  -  synthetisch")
        c.drawString(width / 2 - 20, 40, f"Pagina {page}")
        ny = 60 + 10 * len(page_notes)
        for n, t in page_notes:
            c.setFont("Helvetica", 6)
            c.drawString(70, ny + 3, n)
            c.setFont("Helvetica", 8)
            c.drawString(78, ny, t)
            ny -= 10
        c.showPage()
        page, y, page_notes = page + 1, height - 90, []

    for para in body.split("\n\n"):
        marker = re.search(r"([⁰¹²³⁴⁵⁶⁷⁸⁹]+)$", para)
        text = para[: marker.start()] if marker else para
        lines = simpleSplit(text, "Helvetica", 10, width - 140)
        for k, line in enumerate(lines):
            if y < 80 + 10 * (len(page_notes) + 1):
                finish_page()
            c.setFont("Helvetica", 10)
            c.drawString(70, y, line)
            if marker and k == len(lines) - 1:
                n = marker.group(1).translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
                c.setFont("Helvetica", 6)
                c.drawString(70 + c.stringWidth(line, "Helvetica", 10) + 1, y + 4, n)
                page_notes.append((n, note_text.get(n, "")))
            y -= 13
        y -= 8
    finish_page()
    c.save()
    return page - 1


def generate(out: Path, n: int, sources: list[Path], pdf_share: float = 0.0, seed: int = 7) -> list[Path]:
    """Write `n` synthetic documents into `out`; returns their paths."""
    rng = random.Random(seed)
    pool = paragraphs(sources)
    if not pool:
        raise SystemExit(f"no paragraphs found in {', '.join(map(str, sources))}")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        body, notes = letter(i, pool, rng)
        if rng.random() < pdf_share:
            path = out / f"synthetic_{i:05d}.pdf"
            write_pdf(path, body, notes)
        else:
            path = out / f"synthetic_{i:05d}.txt"
            write_text(path, body, notes)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Write N synthetic benchmark documents recombined from real paragraphs.")
    p.add_argument("out", type=Path, help="output folder")
    p.add_argument("-n", type=int, default=100, help="number of documents (default 100)")
    p.add_argument("--source", type=Path, action="append", default=None,
                   help="folder of .txt documents to take paragraphs from (default: corpus/; repeatable)")
    p.add_argument("--pdf-share", type=float, default=0.0, help="share of documents written as PDF (0..1)")
    args = p.parse_args(argv)
    paths = generate(args.out, args.n, args.source or [Path("corpus")], args.pdf_share)
    print(f"wrote {len(paths)} synthetic documents to {args.out}")


if __name__ == "__main__":
    main()
