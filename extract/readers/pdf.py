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
    return {k: re.compile(s[k], re.I if not k.endswith("_font") else 0)
            for k in ("page_number", "bullet", "numbered_heading", "caption", "bold_font", "italic_font",
                      "toc_leader", "top_heading")}


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
    italic: bool = False
    first_word: str = ""
    first_small: bool = False  # the line opens with a superscript-sized number (a footnote)
    kind: str = "p"  # p | table
    column: int = 0
    zone: str = "body"  # body | margin | letterhead | note
    page_height: float = 0.0


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
            for i, page in enumerate(_pages(path, pdf, n), 1):
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


def _pages(path: Path, pdf, n: int):
    """The pages to read: pdfplumber's, or with `engine: pdfium` pdfium pages that
    hand over to pdfplumber only for the table finder."""
    if settings().get("engine") != "pdfium":
        yield from pdf.pages
        return
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(path))
    try:
        paths = [_path_boxes(doc, i) for i in range(n)]
        # Rules in the same place on most pages (a header line, a logo) are decoration, not tables.
        seen = Counter(box for boxes in paths for box in set(boxes))
        decoration = {box for box, k in seen.items() if n >= 3 and k >= n / 2}
        for i in range(n):
            ruled = _grid_like([box for box in paths[i] if box not in decoration])
            yield _FastPage(doc[i], lambda i=i: pdf.pages[i], ruled)
    finally:
        doc.close()


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
    words = page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False,
                               use_text_flow=True, x_tolerance=1.5)
    boxes = []
    if len(page.lines) + len(page.rects) >= settings()["min_table_rules"]:
        for t in page.find_tables():
            rows = _tidy_table([r for row in t.extract() for r in _unstack([(c or "").strip() for c in row]) if any(r)])
            if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
                boxes.append((t.bbox, rows))
    if boxes:
        words = [w for w in words if not any(_inside(w, b) for b, _ in boxes)]
    words, letterhead = _split_letterhead(words, out.width, number)
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
    for ln in out.lines:
        ln.page_height = out.height
    return out


# --- fast word source: pdfium ------------------------------------------------------
# pdfplumber spends ~95 % of its time parsing content streams in Python (10-20
# pages/s); pdfium does that in C (500-1000 pages/s). With `engine: pdfium` the
# words, their fonts, sizes and boxes come from pdfium, and a page goes to
# pdfplumber only for its table finder, when pdfium sees enough ruling paths.

class _FastPage:
    """A pdfium page that answers the few pdfplumber calls `_read_page` makes."""

    def __init__(self, page, plumber_page, ruled: bool):
        self._page = page
        self._ruled = ruled  # enough path objects for a table grid: worth pdfplumber's table finder
        self._plumber_page = plumber_page  # a callable: the pdfplumber page, parsed on demand
        self._opened = None
        self.width, self.height = page.get_size()

    def extract_words(self, **_kw) -> list[dict]:
        return _pdfium_words(self._page, self.height)

    def _plumber(self):
        if self._opened is None:
            self._opened = self._plumber_page()
        return self._opened

    @property
    def lines(self) -> list:
        return self._plumber().lines if self._ruled else []

    @property
    def rects(self) -> list:
        return self._plumber().rects if self._ruled else []

    def find_tables(self):
        return self._plumber().find_tables()

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()
        self._page.close()


def _grid_like(boxes: list[tuple[int, int, int, int]]) -> bool:
    """Enough rules for pdfplumber's table finder to build cells from: it needs
    edges both ways, so a page of underlines (a compromise text's changes) is none."""
    across = sum(1 for x0, y0, x1, y1 in boxes if x1 - x0 >= 3)
    down = sum(1 for x0, y0, x1, y1 in boxes if y1 - y0 >= 3)
    return across >= 2 and down >= 2 and len(boxes) >= settings()["min_table_rules"]


def _path_boxes(doc, index: int) -> list[tuple[int, int, int, int]]:
    """Rounded bounds of the path objects (lines, rectangles) on a page: the rules
    and cell shading of tables, and page decoration."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    page = doc[index]
    try:
        out = []
        l, b, r, t = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
        for i in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
            obj = pdfium_c.FPDFPage_GetObject(page.raw, i)
            if pdfium_c.FPDFPageObj_GetType(obj) == pdfium_c.FPDF_PAGEOBJ_PATH:
                pdfium_c.FPDFPageObj_GetBounds(obj, l, b, r, t)
                out.append((round(l.value), round(b.value), round(r.value), round(t.value)))
        return out
    finally:
        page.close()


def _pdfium_words(page, height: float) -> list[dict]:
    """Words as pdfplumber gives them (text, x0, x1, top, bottom, size, fontname),
    read char by char from pdfium's text page in content-stream order.

    A word ends at whitespace, at a gap wider than a fifth of the font size, at
    a change of font or size, or where the text jumps to another line. Font and
    size are looked up once per text object, not per char."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    tp = page.get_textpage()
    try:
        raw = tp.raw
        n = tp.count_chars()
        text = tp.get_text_range() if n else ""
        if len(text) != n:  # surrogate pairs: fall back to one char per call
            text = "".join(chr(pdfium_c.FPDFText_GetUnicode(raw, i) or 32) for i in range(n))
        box, matrix = pdfium_c.FS_RECTF(), pdfium_c.FS_MATRIX()
        object_at = _object_at()
        fonts: dict[int, str] = {}
        words: list[dict] = []
        cur = None
        last_obj, size, font = None, 0.0, ""
        for i, ch in enumerate(text):
            if ch.isspace() or ch == "\x00":
                cur = None
                continue
            pdfium_c.FPDFText_GetLooseCharBox(raw, i, box)
            x0, x1, top, bottom = box.left, box.right, height - box.top, height - box.bottom
            if bottom - top <= 0:
                continue
            obj = object_at(raw, i)
            if obj != last_obj:
                last_obj = obj
                ptr = ctypes.cast(obj, pdfium_c.FPDF_PAGEOBJECT) if obj else None
                pdfium_c.FPDFText_GetMatrix(raw, i, matrix)  # 'Tf 1' scaled by the text matrix
                size = round(pdfium_c.FPDFText_GetFontSize(raw, i) * (abs(matrix.d) or abs(matrix.b) or 1.0), 2)
                font = _pdfium_font(pdfium_c, ptr, fonts)
            if ch == "\ufffe":
                ch = "-"  # pdfium's mark for a hyphen at a word break
            if (cur is not None and cur["size"] == size and cur["fontname"] == font
                    and abs(top - cur["top"]) < 0.5 * size and -0.5 * size < x0 - cur["x1"] < 0.2 * size):
                cur["text"] += ch
                cur["x1"] = max(cur["x1"], x1)
                cur["bottom"] = max(cur["bottom"], bottom)
                continue
            cur = {"text": ch, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "size": size, "fontname": font}
            words.append(cur)
        return words
    finally:
        tp.close()


@lru_cache(maxsize=1)
def _object_at():
    """FPDFText_GetTextObject returning a plain address, so comparing the text
    objects of consecutive chars costs no pointer cast per char."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    address = ctypes.cast(pdfium_c.FPDFText_GetTextObject, ctypes.c_void_p).value
    return ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)(address)


def _pdfium_font(pdfium_c, obj, cache: dict) -> str:
    """The base font name of a text object ('Verdana,Bold'), with '-Bold' or
    '-Italic' added when only the font's weight or flags say so."""
    import ctypes

    handle = pdfium_c.FPDFTextObj_GetFont(obj) if obj else None
    key = ctypes.cast(handle, ctypes.c_void_p).value if handle else 0
    if key in cache:
        return cache[key]
    name = ""
    if handle:
        buf = ctypes.create_string_buffer(256)
        pdfium_c.FPDFFont_GetBaseFontName(handle, buf, 256)
        name = buf.value.decode("latin-1")
        name = name.split("+", 1)[1] if re.match(r"[A-Z]{6}\+", name) else name
        if pdfium_c.FPDFFont_GetWeight(handle) >= 600 and not _res()["bold_font"].search(name):
            name += "-Bold"
        if pdfium_c.FPDFFont_GetFlags(handle) & 64 and not _res()["italic_font"].search(name):
            name += "-Italic"
    cache[key] = name
    return name


def _unstack(row: list[str]) -> list[list[str]]:
    """An unruled table comes out as one row whose filled cells hold the same number
    of lines ('China\nUSA\nRussia' beside '30%\n10%\n4.9%'): split it into rows."""
    filled = [c for c in row if c]
    counts = {c.count("\n") + 1 for c in filled}
    if len(filled) >= 2 and len(counts) == 1 and (n := counts.pop()) > 1:
        cells = [c.split("\n") if c else [""] * n for c in row]
        return [[col[i] for col in cells] for i in range(n)]
    return [row]


def _tidy_table(rows: list[list[str]]) -> list[list[str]]:
    """pdfplumber's cell grid follows every rule, so merged cells leave empty
    columns and a cell may land one column off. Drop empty columns, merge
    neighbouring columns that are never both filled, and fold the header's
    wrapped lines (rows before the data with an empty first cell and no
    figures) into the header."""
    if not rows:
        return rows
    width = max(len(r) for r in rows)
    cols = [[(r[i] if i < len(r) else "") for r in rows] for i in range(width)]
    cols = [c for c in cols if any(c)]
    merged: list[list[str]] = []
    for col in cols:
        if merged and not any(a and b for a, b in zip(merged[-1], col)):
            merged[-1] = [a or b for a, b in zip(merged[-1], col)]
        else:
            merged.append(col)
    rows = [list(r) for r in zip(*merged)] if merged else []
    while len(rows) > 2 and not rows[1][0]:
        filled = [c for c in rows[1] if c]
        if len(filled) == 1 and re.fullmatch(r"\d{1,3}", filled[0]):
            del rows[1]  # a header's raised note number, split off onto a row of its own
            continue
        if any(_FIGURE.search(c) for c in rows[1]):
            break
        rows[0] = [f"{h}\n{c}".strip() if c else h for h, c in zip(rows[0], rows[1])]
        del rows[1]
    return rows


_FIGURE = re.compile(r"\d")


def _table_column(bbox, columns: list[list[dict]], width: float) -> int:
    """The column a table stands in (its place in the reading order)."""
    if len(columns) == 1:
        return 0
    right = bbox[0] > width / 2
    return len(columns) - 1 if right else len(columns) - 2


def _split_letterhead(words: list[dict], width: float, page: int) -> tuple[list[dict], list[dict]]:
    """The narrow right-hand column of Dutch government letters (address, 'Datum',
    'Onze referentie'): words that start far right, after a gap, on a page whose
    body text starts on the left. On page 1 the column counts when its font is
    smaller than the body or it carries a letterhead label ('Datum', 'Kenmerk'
    ...); on later pages only when it carries a label (the repeated 'Onze
    referentie' block). Split before lines are built, so a letterhead line never
    merges with the body line beside it."""
    if not words:
        return words, []
    sizes = Counter()
    for w in words:
        sizes[round(float(w["size"]), 1)] += len(w["text"])
    body = sizes.most_common(1)[0][0]
    edge = width * settings()["letterhead_x"]
    right = _right_of_gap(words, edge)
    if len(right) < 2 or not any(w["x1"] < width * 0.4 for w in words):
        return words, []
    text = " ".join(w["text"] for w in sorted(right, key=lambda w: (round(w["top"]), w["x0"])))
    labelled = bool(_labels().search(text))
    small = [w for w in right if float(w["size"]) < body * 0.95]
    if page == 1 and len(small) >= 3 and not labelled:
        head = small
    elif labelled and (page == 1 or len(text) < 400):
        head = right
    else:
        return words, []
    ids = {id(w) for w in head}
    return [w for w in words if id(w) not in ids], head


@lru_cache(maxsize=1)
def _labels() -> re.Pattern:
    labels = settings().get("letterhead_labels") or []
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(x) for x in labels) + r")(?!\w)", re.I)


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
    if min(len(left), len(right)) < max(15, 0.25 * max(len(left), len(right))) or not (_prose(left, lo, gutter) and _prose(right, gutter, width - lo)):
        return [words]
    return [spanning, left, right] if spanning else [left, right]


def _prose(words: list[dict], x0: float, x1: float) -> bool:
    """A text column, not a table's cells: its typical line fills most of the
    column, holds several words, and its words are mostly words, not figures.

    Tables and two-up lists leave a gutter too; reading them column by column
    would tear their rows apart."""
    rows: dict[int, list] = {}
    for w in words:
        r = rows.setdefault(round(w["top"] / 3), [w["x0"], w["x1"], 0])
        r[0], r[1], r[2] = min(r[0], w["x0"]), max(r[1], w["x1"]), r[2] + 1
    left = min(w["x0"] for w in words)
    spans = sorted(b - a for a, b, _ in rows.values())
    counts = sorted(n for _, _, n in rows.values())
    alpha = sum(1 for w in words if _ALPHA.search(w["text"])) / len(words)
    s = settings()
    return (spans[len(spans) // 2] >= (x1 - left) * s["column_fill"]
            and counts[len(counts) // 2] >= s["column_words"] and alpha >= 0.7)


_ALPHA = re.compile(r"[^\W\d_]{2}")


def _lines(words: list[dict], page: int) -> list[Line]:
    """Words grouped into lines by vertical overlap, left to right."""
    rows: list[list[dict]] = []
    spans: list[list[float]] = []  # each row's running [top, bottom]: no rescan per word
    for w in sorted(words, key=lambda w: (round(w["bottom"]), w["x0"])):
        mid = (w["top"] + w["bottom"]) / 2
        for row, span in zip(rows[-3:], spans[-3:]):
            if span[0] - 0.5 <= mid <= span[1] + 0.5:
                row.append(w)
                span[0], span[1] = min(span[0], w["top"]), max(span[1], w["bottom"])
                break
        else:
            rows.append([w])
            spans.append([w["top"], w["bottom"]])
    rows = _attach_lone_superscripts(rows)
    return [_line(sorted(r, key=lambda w: w["x0"]), page) for r in rows]


def _attach_lone_superscripts(rows: list[list[dict]]) -> list[list[dict]]:
    """A raised note number ('1' before a footnote text, or after a word) can sit
    so high that it forms a row of its own: put it back on the row it overlaps."""
    out: list[list[dict]] = []
    lone = []
    for row in rows:
        if len(row) == 1 and re.fullmatch(r"\d{1,3}", row[0]["text"]):
            lone.append(row)
        else:
            out.append(row)
    for row in lone:
        w0 = row[0]
        best, overlap = None, 0.0
        for other in out:
            size = max(float(x["size"]) for x in other)
            if float(w0["size"]) >= size * 0.95:
                continue
            top, bottom = min(x["top"] for x in other), max(x["bottom"] for x in other)
            if w0["bottom"] > bottom - 0.5 or w0["top"] > top:  # not raised above that row's baseline
                continue
            ov = min(bottom, w0["bottom"]) - max(top, w0["top"])
            if ov > overlap:
                best, overlap = other, ov
        if best is not None:
            best.extend(row)
        else:
            out.append(row)
    out.sort(key=lambda r: min(x["bottom"] for x in r))
    return out


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
        # a note's own number at the start of a line may be only a little smaller
        small = float(w["size"]) < size * (ratio if i else 0.92) and w["bottom"] < baseline - 0.5
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
    italic = all(_res()["italic_font"].search(w.get("fontname") or "") for w in words)
    return Line(" ".join(parts), page, min(w["top"] for w in words), max(w["bottom"] for w in words),
                words[0]["x0"], words[-1]["x1"], size, bold, first_word=words[0]["text"], first_small=first_small, italic=italic)


# --- the whole document -----------------------------------------------------------

def _assemble(path: Path, pages: list[Page], tables: list[Table]) -> RawDocument:
    s = settings()
    body_size = _body_size(pages)
    _mark_margins(pages)
    notes = _take_notes(pages, body_size)
    front_lines = list(dict.fromkeys(ln.text for p in pages for ln in p.lines if ln.zone in ("letterhead", "imprint")))
    body = [ln for p in pages for ln in p.lines if ln.zone == "body"]
    front, body = _front_matter(body)
    blocks = _nest_headings(_paragraphs(body, body_size, s))
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
    pats = s.get("imprint_patterns") or []
    imprint = re.compile("|".join(f"(?:{x})" for x in pats)) if pats else None
    for p in pages:
        for ln in p.lines:
            if ln.kind == "table" or not _in_margin(ln, p, zone * 1.6):
                continue
            if _res()["page_number"].match(ln.text) or (len(pages) > 1 and counts[key(ln)] >= need):
                ln.zone = "margin"
            elif imprint and imprint.search(ln.text):
                ln.zone = "imprint"  # publisher's footer lines: metadata, not body


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
        return _labelled_front_matter(body)
    n = front.count("\n") + 1
    return front, body[n:]


def _labelled_front_matter(body: list[Line]) -> tuple[str, list[Line]]:
    """Without a salutation: page-1 lines down to the last letterhead label line
    ('Datum 1 maart 2011', 'Onderwerp ...', 'Betreft ...') near the top."""
    labels = re.compile(r"^\s*(?:" + "|".join(re.escape(x) for x in settings().get("front_end_labels") or []) + r")\b",
                        re.I)
    first = [ln for ln in body[:40] if ln.page == 1]
    ends = [i for i, ln in enumerate(first) if labels.match(ln.text) and ln.top < settings()["front_end_top"] * _page_h(ln)]
    if not ends:
        return "", body
    n = ends[-1] + 1
    return "\n".join(ln.text for ln in body[:n]), body[n:]


def _page_h(ln: Line) -> float:
    return ln.page_height or 842.0


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
        if (not heading and prev is not None and _is_heading_block(blocks) and ln.page == prev.page
                and ln.column == prev.column and ln.size == prev.size and (ln.bold and prev.bold or ln.italic and prev.italic)
                and ln.size >= body_size * 0.95 and ln.top - prev.bottom <= spacing * s["paragraph_gap"]
                and len(blocks[-1].text) + len(ln.text) < 200 and not _res()["bullet"].match(ln.text)):
            blocks[-1].text += " " + ln.text  # the last line of a heading wrapped over two lines
            prev = ln
            continue
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


def _nest_headings(blocks: list[Block]) -> list[Block]:
    """Long reports number their sections ('2.3 Data collection'); an unnumbered
    heading after one ('Bottleneck screening' in bold) is a subsection of it, not a
    new chapter, so the section path stays '2. … > 2.3 … > Bottleneck screening'.
    Upper-case headings and parts like 'Annex', 'References' stay top level.
    A numbered line that does not continue the numbering ('3 Borate' after 3.1,
    a chart label) is not a section heading."""
    depth, last = 0, None
    for b in blocks:
        if b.kind != "heading":
            continue
        num = _res()["numbered_heading"].match(b.text)
        if num:
            number = tuple(int(x) for x in re.findall(r"\d+", b.text.split()[0]))
            if last is not None and not _continues(last, number):
                b.kind, b.level = "p", 0
                continue
            depth, last = b.level, number
        elif depth and b.level <= depth:
            if b.text.isupper() or _res()["top_heading"].match(b.text):
                depth = 0
            else:
                b.level = depth + 1
    return blocks


def _continues(last: tuple[int, ...], number: tuple[int, ...]) -> bool:
    """'2.3' may follow '2.2' or '2.2.4' (next sibling of an ancestor, a gap of
    one missed heading allowed) or '2' ('2.1', a first child)."""
    if number[:-1] == last and number[-1] in (1, 2):
        return True
    if len(number) == 1:  # a chapter: the next one, or '1' restarting (annexes, after a contents page)
        return number[0] == 1 or number[0] == last[0] + 1
    for k in range(1, len(last) + 1):
        if number[:-1] == last[: k - 1] and 0 < number[-1] - last[k - 1] <= 2:
            return True
    return False


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
    if _res()["caption"].match(text) or _res()["toc_leader"].search(text):
        return 0  # a table/figure caption or a table-of-contents entry names a section; it is not one
    numbered = _res()["numbered_heading"].match(text)
    if not numbered and not text[:1].isupper():
        return 0  # a heading starts with a capital; this is a wrapped line of something else
    depth = 1 + text.split()[0].rstrip(".").count(".") if numbered else 1  # '4.2 Titel' → 2
    if ln.size >= body_size * s["heading_ratio"] or (ln.bold and len(text) < 100):
        return depth
    if numbered and len(text) < 80 and text[len(numbered.group(0)) - 1:][:1].isupper():
        return depth
    if ln.italic and not ln.bold and len(text) < 70 and text[:1].isupper() and not text.endswith("!"):
        return max(depth, 2)  # an italic run-in subheading ('Belangen') above its paragraph
    return 0
