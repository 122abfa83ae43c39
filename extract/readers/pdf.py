"""PDF reader on pdfplumber: the letter's body as a person reads it.

pdfplumber gives words with their font, size and position; from those we
drop what a reader skips (running headers and footers, page numbers, the
letterhead column with 'Onze referentie' repeated on every page), find
footnote markers by size and raised baseline, take the footnote texts from
the page bottoms, read two-column pages column by column, and keep ruled
tables as tables. Layout thresholds live in pdf.yaml.

Pages are read one at a time and closed, so memory stays flat on long
reports; only small per-line records are kept for the document-wide
analysis (repeated lines, the body font size).
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from extract.model import Block, RawDocument, ReadError, Table
from extract.readers.text import split_front_matter


@lru_cache(maxsize=1)
def settings() -> dict:
    return yaml.safe_load(Path(__file__).with_suffix(".yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _res() -> dict[str, re.Pattern]:
    s = settings()
    return {k: re.compile(s[k], re.I if k != "bold_font" else 0)
            for k in ("page_number", "bullet", "numbered_heading", "caption", "bold_font")}


@dataclass
class Line:
    text: str
    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    bold: bool
    first_word: str = ""
    first_small: bool = False  # the line opens with a superscript-sized number (a footnote)
    kind: str = "p"  # p | table
    column: int = 0
    zone: str = "body"  # body | margin | letterhead | note


@dataclass
class Page:
    number: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)


def read_pdf(path: Path) -> RawDocument:
    """Read a PDF into blocks, footnotes, front matter and tables (raises ReadError)."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(path)
    except Exception as exc:  # pdfminer raises many types for one cause: a file it cannot read
        raise ReadError(path, _open_error(exc)) from None
    pages: list[Page] = []
    tables: list[Table] = []
    try:
        with pdf:
            try:
                n = len(pdf.pages)
            except Exception as exc:
                raise ReadError(path, _open_error(exc)) from None
            if n > settings()["max_pages"]:
                raise ReadError(path, f"too many pages ({n} > {settings()['max_pages']})")
            for i, page in enumerate(pdf.pages, 1):
                try:
                    pages.append(_read_page(page, i, tables))
                except RecursionError:
                    raise ReadError(path, "corrupt PDF: structure nested too deeply") from None
                except ReadError:
                    raise
                except Exception as exc:
                    raise ReadError(path, f"corrupt PDF: page {i}: {type(exc).__name__}: {exc}"[:200]) from None
                finally:
                    page.close()
    except ReadError:
        raise
    except RecursionError:
        raise ReadError(path, "corrupt PDF: structure nested too deeply") from None
    except Exception as exc:
        raise ReadError(path, _open_error(exc)) from None
    if sum(len(ln.text) for p in pages for ln in p.lines) < 20:
        raise ReadError(path, "no text layer (scanned PDF?): no extractable text on any page")
    return _assemble(path, pages, tables)


def _open_error(exc: Exception) -> str:
    """A reason a person can act on; pdfplumber wraps pdfminer's error in its args."""
    inner = next((a for a in getattr(exc, "args", ()) if isinstance(a, Exception)), None) or exc.__context__ or exc
    names = f"{type(exc).__name__} {type(inner).__name__} {inner}"
    if "Password" in names or "Encrypt" in names or "encrypt" in names.lower():
        return "encrypted PDF: cannot read without the password"
    detail = f"{type(inner).__name__}: {inner}" if str(inner) else type(inner).__name__
    return f"corrupt PDF: {detail}"[:200]


# --- one page ------------------------------------------------------------------

def _read_page(page, number: int, tables: list[Table]) -> Page:
    out = Page(number, float(page.width), float(page.height))
    words = page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False, x_tolerance=1.5)
    boxes = []
    if len(page.lines) + len(page.rects) >= settings()["min_table_rules"]:
        for t in page.find_tables():
            rows = [r for row in t.extract() for r in _unstack([(c or "").strip() for c in row]) if any(r)]
            if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
                boxes.append((t.bbox, rows))
    if boxes:
        words = [w for w in words if not any(_inside(w, b) for b, _ in boxes)]
    words, letterhead = _split_letterhead(words, out.width)
    for line in _lines(letterhead, number):
        line.zone = "letterhead"
        out.lines.append(line)
    columns = _columns(words, out.width)
    for col, col_words in enumerate(columns):
        for line in _lines(col_words, number):
            line.column = col
            out.lines.append(line)
    for bbox, rows in boxes:
        caption = _caption(out.lines, bbox)
        tables.append(Table(rows=rows[1:], header=rows[0], page=number, caption=caption))
        for r in rows:
            out.lines.append(Line(" | ".join(c for c in r if c), number, bbox[1], bbox[3], bbox[0], bbox[2], 0, False,
                                  kind="table", column=_table_column(bbox, columns, out.width)))
    out.lines.sort(key=lambda ln: (ln.column, ln.top))
    return out


def _unstack(row: list[str]) -> list[list[str]]:
    """An unruled table comes out as one row whose filled cells hold the same number
    of lines ('China\nUSA\nRussia' beside '30%\n10%\n4.9%'): split it into rows."""
    filled = [c for c in row if c]
    counts = {c.count("\n") + 1 for c in filled}
    if len(filled) >= 2 and len(counts) == 1 and (n := counts.pop()) > 1:
        cells = [c.split("\n") if c else [""] * n for c in row]
        return [[col[i] for col in cells] for i in range(n)]
    return [row]


def _table_column(bbox, columns: list[list[dict]], width: float) -> int:
    """The column a table stands in (its place in the reading order)."""
    if len(columns) == 1:
        return 0
    right = bbox[0] > width / 2
    return len(columns) - 1 if right else len(columns) - 2


def _split_letterhead(words: list[dict], width: float) -> tuple[list[dict], list[dict]]:
    """The narrow right-hand column of Dutch government letters (address, 'Datum',
    'Onze referentie'): words in a smaller font that start far right, on a page
    whose body text starts on the left. Split before lines are built, so a
    letterhead line never merges with the body line beside it."""
    if not words:
        return words, []
    sizes = Counter()
    for w in words:
        sizes[round(float(w["size"]), 1)] += len(w["text"])
    body = sizes.most_common(1)[0][0]
    edge = width * settings()["letterhead_x"]
    head = [w for w in _right_of_gap(words, edge) if float(w["size"]) < body * 0.95]
    if len(head) < 3 or not any(w["x1"] < width * 0.4 for w in words):
        return words, []
    ids = {id(w) for w in head}
    return [w for w in words if id(w) not in ids], head


def _right_of_gap(words: list[dict], edge: float) -> list[dict]:
    """Words right of `edge` that do not carry on a line starting further left:
    per row, everything after the first gap of 15 points at or beyond the edge."""
    rows: dict[int, list[dict]] = {}
    for w in words:
        rows.setdefault(round(w["top"] / 2), []).append(w)
    out = []
    for row in rows.values():
        row.sort(key=lambda w: w["x0"])
        for i, w in enumerate(row):
            if w["x0"] >= edge and (i == 0 or w["x0"] - row[i - 1]["x1"] > 15):
                out += row[i:]
                break
    return out


def _inside(w: dict, bbox) -> bool:
    x0, top, x1, bottom = bbox
    return w["x0"] >= x0 - 1 and w["x1"] <= x1 + 1 and w["top"] >= top - 1 and w["bottom"] <= bottom + 1


def _caption(lines: list[Line], bbox) -> str | None:
    above = [ln for ln in lines if ln.bottom <= bbox[1] + 1 and bbox[1] - ln.bottom < 40 and _res()["caption"].match(ln.text)]
    return above[-1].text if above else None


def _columns(words: list[dict], width: float) -> list[list[dict]]:
    """Split a page's words into two columns when an empty gutter runs down its middle."""
    if len(words) < 40:
        return [words]
    lo, hi = width * 0.33, width * 0.67
    step = 2.0
    bins = [0] * int((hi - lo) / step + 1)
    for w in words:
        a, b = max(w["x0"], lo), min(w["x1"], hi)
        for k in range(int((a - lo) / step), int((b - lo) / step) + 1) if b > a else ():
            if 0 <= k < len(bins):
                bins[k] += 1
    best, run, best_end = 0, 0, 0
    for k, v in enumerate(bins):
        run = run + 1 if v <= len(words) * 0.01 else 0
        if run > best:
            best, best_end = run, k
    if best * step < settings()["column_gutter"]:
        return [words]
    gutter = lo + (best_end - best / 2) * step
    left = [w for w in words if w["x1"] <= gutter]
    right = [w for w in words if w["x0"] >= gutter]
    spanning = [w for w in words if w["x0"] < gutter < w["x1"]]
    if len(left) < 15 or len(right) < 15:
        return [words]
    return [spanning, left, right] if spanning else [left, right]


def _lines(words: list[dict], page: int) -> list[Line]:
    """Words grouped into lines by vertical overlap, left to right."""
    rows: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["bottom"]), w["x0"])):
        mid = (w["top"] + w["bottom"]) / 2
        for row in rows[-3:]:
            top = min(x["top"] for x in row)
            bottom = max(x["bottom"] for x in row)
            if top - 0.5 <= mid <= bottom + 0.5:
                row.append(w)
                break
        else:
            rows.append([w])
    return [_line(sorted(r, key=lambda w: w["x0"]), page) for r in rows]


def _line(words: list[dict], page: int) -> Line:
    sizes = Counter()
    for w in words:
        sizes[round(float(w["size"]), 1)] += len(w["text"])
    size = sizes.most_common(1)[0][0]
    baseline = statistics.median(w["bottom"] for w in words if round(float(w["size"]), 1) == size)
    ratio = settings()["superscript_ratio"]
    parts: list[str] = []
    first_small = False
    for i, w in enumerate(words):
        small = float(w["size"]) < size * ratio and w["bottom"] < baseline - 0.5
        if small and re.fullmatch(r"\d{1,3}", w["text"]):
            if i == 0:
                first_small = True
                parts.append(w["text"])
            elif parts:
                parts[-1] += f"[^{w['text']}]"
            continue
        gap = i and (w["x0"] - words[i - 1]["x1"]) < 0.8 and parts and not parts[-1].endswith("]")
        if gap:
            parts[-1] += w["text"]
        else:
            parts.append(w["text"])
    bold_re = _res()["bold_font"]
    bold = all(bold_re.search(w.get("fontname") or "") for w in words)
    return Line(" ".join(parts), page, min(w["top"] for w in words), max(w["bottom"] for w in words),
                words[0]["x0"], words[-1]["x1"], size, bold, first_word=words[0]["text"], first_small=first_small)


# --- the whole document -----------------------------------------------------------

def _assemble(path: Path, pages: list[Page], tables: list[Table]) -> RawDocument:
    s = settings()
    body_size = _body_size(pages)
    _mark_margins(pages)
    notes = _take_notes(pages, body_size)
    front_lines = [ln.text for p in pages for ln in p.lines if ln.zone == "letterhead"]
    body = [ln for p in pages for ln in p.lines if ln.zone == "body"]
    front, body = _front_matter(body)
    blocks = _paragraphs(body, body_size, s)
    return RawDocument(path=path, format="pdf", blocks=blocks, footnotes=notes,
                       front_matter="\n".join([front] + front_lines).strip(), pages=len(pages), tables=tables)


def _body_size(pages: list[Page]) -> float:
    sizes = Counter()
    for p in pages:
        for ln in p.lines:
            if ln.kind == "p":
                sizes[ln.size] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _mark_margins(pages: list[Page]) -> None:
    """Running headers, footers and page numbers: short lines in the top and bottom
    zone that repeat across pages (digits ignored), or that are a page number."""
    s = settings()
    zone = s["margin_zone"]
    key = lambda ln: re.sub(r"\d+", "#", ln.text.lower()).strip()  # noqa: E731
    counts = Counter()
    for p in pages:
        for k in {key(ln) for ln in p.lines if _in_margin(ln, p, zone)}:
            counts[k] += 1
    need = max(2, int(len(pages) * s["repeat_share"]))
    for p in pages:
        for ln in p.lines:
            if ln.kind == "table" or not _in_margin(ln, p, zone * 1.6):
                continue
            if _res()["page_number"].match(ln.text) or (len(pages) > 1 and counts[key(ln)] >= need):
                ln.zone = "margin"


def _in_margin(ln: Line, p: Page, zone: float) -> bool:
    return ln.top < p.height * zone or ln.bottom > p.height * (1 - zone)


def _take_notes(pages: list[Page], body_size: float) -> dict[str, str]:
    """Footnote texts at page bottoms: small lines opening with the next note number."""
    ratio = settings()["note_ratio"]
    notes: dict[str, str] = {}
    markers_seen: set[str] = set()
    for p in pages:
        for ln in p.lines:
            if ln.zone == "body":
                markers_seen.update(re.findall(r"\[\^(\d+)\]", ln.text))
        current = None
        body_lines = [ln for ln in p.lines if ln.zone == "body" and ln.kind == "p"]
        for ln in body_lines:
            small = ln.size <= body_size * ratio
            m = re.match(r"(\d{1,3})\s*(.*)", ln.text)
            starts = (small and m and ln.top > p.height * 0.45
                      and (ln.first_small or m.group(1) in markers_seen) and m.group(1) not in notes)
            if starts:
                current = m.group(1)
                notes[current] = m.group(2).strip()
                ln.zone = "note"
            elif current and small and ln.top > p.height * 0.45:
                notes[current] += "\n" + ln.text
                ln.zone = "note"
            else:
                current = None
    return notes


def _front_matter(body: list[Line]) -> tuple[str, list[Line]]:
    """The letterhead and heading lines before the salutation or 'Den Haag, <date>'."""
    first_pages = [ln for ln in body if ln.page <= 2]
    text = "\n".join(ln.text for ln in first_pages)
    front, rest = split_front_matter(text)
    if not front:
        return "", body
    n = front.count("\n") + 1
    return front, body[n:]


def _paragraphs(lines: list[Line], body_size: float, s: dict) -> list[Block]:
    """Lines joined into paragraphs, headings and list items."""
    blocks: list[Block] = []
    spacing = _usual_spacing(lines)
    prev: Line | None = None
    for ln in lines:
        if ln.kind == "table":
            blocks.append(Block(ln.text, "table", ln.page))
            prev = None
            continue
        heading = _heading_level(ln, body_size, s)
        new = (prev is None or heading or _is_heading_block(blocks) or ln.page != prev.page or ln.column != prev.column
               or ln.top - prev.bottom > spacing * s["paragraph_gap"] or abs(ln.size - prev.size) > 0.6
               or bool(_res()["bullet"].match(ln.text)))
        if heading and prev is not None and _is_heading_block(blocks) and prev.size == ln.size \
                and ln.page == prev.page and ln.top - prev.bottom <= spacing * s["paragraph_gap"] \
                and not _res()["numbered_heading"].match(ln.text):
            blocks[-1].text += " " + ln.text  # a heading wrapped over two lines
        elif heading:
            blocks.append(Block(ln.text, "heading", ln.page, heading))
        elif new or not blocks:
            kind = "li" if _res()["bullet"].match(ln.text) else "p"
            blocks.append(Block(ln.text, kind, ln.page))
        else:
            blocks[-1].text += "\n" + ln.text
        prev = ln
    return blocks


def _is_heading_block(blocks: list[Block]) -> bool:
    return bool(blocks) and blocks[-1].kind == "heading"


def _usual_spacing(lines: list[Line]) -> float:
    gaps = [b.top - a.bottom for a, b in zip(lines, lines[1:])
            if a.page == b.page and a.column == b.column and 0 <= b.top - a.bottom < 30]
    return max(statistics.median(gaps), 1.0) if gaps else 4.0


def _heading_level(ln: Line, body_size: float, s: dict) -> int:
    text = ln.text.strip()
    if len(text) > 120 or text.endswith((".", ",", ";", ":")) or not re.search(r"[A-Za-zÀ-ÿ]", text):
        return 0
    numbered = _res()["numbered_heading"].match(text)
    depth = 1 + text.split()[0].rstrip(".").count(".") if numbered else 1  # '4.2 Titel' → 2
    if ln.size >= body_size * s["heading_ratio"] or (ln.bold and len(text) < 100):
        return depth
    if numbered and len(text) < 80 and text[len(numbered.group(0)) - 1:][:1].isupper():
        return depth
    return 0
