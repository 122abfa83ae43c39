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
from operator import itemgetter
from pathlib import Path

from extract.datafiles import load_yaml
from extract.model import Block, RawDocument, ReadError, Table
from extract.readers.text import split_front_matter


@lru_cache(maxsize=1)
def settings() -> dict:
    return load_yaml(Path(__file__).with_suffix(".yaml"))


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


# pdfminer recurses into nested objects: a crafted or broken file exhausts the stack
_TOO_DEEP = "corrupt PDF: structure nested too deeply"


def read_pdf(path: Path) -> RawDocument:
    """Read a PDF into blocks, footnotes, front matter and tables (raises ReadError)."""
    tables: list[Table] = []
    try:
        if settings().get("engine") == "pdfium":
            pages = _read_with_pdfium(path, tables)
        else:
            pages = _read_with_pdfplumber(path, tables)
    except ReadError:
        raise
    except RecursionError:
        raise ReadError(path, _TOO_DEEP) from None
    except Exception as exc:  # pdfminer and pdfium raise many types for one cause: a file they cannot read
        raise ReadError(path, _open_error(exc)) from None
    if sum(len(ln.text) for p in pages for ln in p.lines) < 20:
        raise ReadError(path, "no text layer (scanned PDF?): no extractable text on any page")
    return _assemble(path, pages, tables)


def _check_length(path: Path, n: int) -> None:
    if n > settings()["max_pages"]:
        raise ReadError(path, f"too many pages ({n} > {settings()['max_pages']})")


def _page_error(path: Path, number: int, exc: BaseException) -> ReadError:
    if isinstance(exc, ReadError):
        return exc
    if isinstance(exc, RecursionError):
        return ReadError(path, _TOO_DEEP)
    return ReadError(path, f"corrupt PDF: page {number}: {type(exc).__name__}: {exc}"[:200])


def _read_with_pdfplumber(path: Path, tables: list[Table]) -> list[Page]:
    """Every page through pdfplumber: its words and, on ruled pages, its table finder."""
    import pdfplumber

    pages: list[Page] = []
    with pdfplumber.open(path) as pdf:
        _check_length(path, len(pdf.pages))
        for i, page in enumerate(pdf.pages, 1):
            try:
                words = page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False,
                                           use_text_flow=True, x_tolerance=1.5)
                ruled = len(page.lines) + len(page.rects) >= settings()["min_table_rules"]
                pages.append(_read_page(words, float(page.width), float(page.height), i, tables,
                                        page.find_tables if ruled else None))
            except Exception as exc:
                raise _page_error(path, i, exc) from None
            finally:
                page.close()
    return pages


# --- fast path: pdfium -----------------------------------------------------------
# pdfplumber spends ~95 % of its time parsing content streams in Python (10-20
# pages/s); pdfium does that in C (500-1000 pages/s). With `engine: pdfium` the
# text comes from pdfium one text object (one show operation) at a time, and a
# page goes to pdfplumber only for its table finder, when pdfium sees a grid of
# ruling paths that is not page decoration.

def _read_with_pdfium(path: Path, tables: list[Table]) -> list[Page]:
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(path))
    plumber = None
    try:
        n = len(doc)
        _check_length(path, n)
        done: dict[int, Page] = {}
        ruled: dict[int, tuple] = {}  # pages with a grid of rules: read once decoration is known
        boxes_per_page: list[set] = []
        for i in range(n):
            try:
                words, width, height, boxes = _pdfium_page(doc, i)
            except Exception as exc:
                raise _page_error(path, i + 1, exc) from None
            boxes_per_page.append(set(boxes))
            if _grid_like(boxes):
                ruled[i] = (words, width, height, boxes)
            else:
                done[i] = _read_page(words, width, height, i + 1, tables)
        # Rules in the same place on most pages (a header line, a logo) are decoration, not tables.
        seen = Counter(box for boxes in boxes_per_page for box in boxes)
        decoration = {box for box, k in seen.items() if n >= 3 and k >= n / 2}
        for i, (words, width, height, boxes) in ruled.items():
            finder = None
            if _grid_like([b for b in boxes if b not in decoration]):
                if plumber is None:
                    import pdfplumber

                    plumber = pdfplumber.open(path)
                finder = plumber.pages[i].find_tables
            try:
                done[i] = _read_page(words, width, height, i + 1, tables, finder)
            except Exception as exc:
                raise _page_error(path, i + 1, exc) from None
            finally:
                if finder is not None:
                    plumber.pages[i].close()
        tables.sort(key=lambda t: t.page)
        return [done[i] for i in range(n)]
    finally:
        if plumber is not None:
            plumber.close()
        doc.close()


def _pdfium_page(doc, index: int) -> tuple[list[dict], float, float, list[tuple[int, int, int, int]]]:
    """A page's text runs, size and rounded path-object bounds, the page loaded once."""
    page = doc[index]
    try:
        left, bottom, right, top = page.get_mediabox()  # pdfplumber's frame, so its table boxes fit
        tp = page.get_textpage()
        try:
            words, boxes = _pdfium_objects(page, tp, top)
        finally:
            tp.close()
        if left:
            for w in words:
                w["x0"] -= left
                w["x1"] -= left
        return words, right - left, top - bottom, boxes
    finally:
        page.close()


def _pdfium_objects(page, tp, height: float) -> tuple[list[dict], list[tuple[int, int, int, int]]]:
    """Text runs in content order, and the bounds of path objects (table rules).

    A run is one text object (a Tj/TJ show): its text from pdfium's text page,
    x extent from its bounds, bottom at the font's descent below the baseline and
    top one font size above that (pdfminer's char boxes), its size scaled by the text
    matrix. Runs carry `n`, their number of words, so counts made on words mean
    the same on runs. Form XObjects are read through.

    Whether a run carries on the word before it ('opnemi' + 'ng', '(' + an
    italic 'Markets') is pdfium's call: its page text puts a space or a line
    break between objects it sees apart, nothing between those that touch.

    This runs once per page object, the reader's hottest loop: pdfium's
    functions are bound to locals once, and take and return handles as plain
    addresses (see _plain), so no pointer object or cast is made per object."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    get_type, get_matrix, get_bounds = (_plain(f) for f in ("FPDFPageObj_GetType", "FPDFPageObj_GetMatrix",
                                                            "FPDFPageObj_GetBounds"))
    get_text, get_size, get_font = (_plain(f) for f in ("FPDFTextObj_GetText", "FPDFTextObj_GetFontSize",
                                                        "FPDFTextObj_GetFont"))
    get_descent = _plain("FPDFFont_GetDescent")
    TEXT, PATH, FORM = pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
    full = tp.get_text_range()
    find = full.find
    cursor = 0
    textpage = tp.raw
    buf = ctypes.create_string_buffer(1 << 16)
    wbuf, buf_len = ctypes.cast(buf, ctypes.POINTER(pdfium_c.FPDF_WCHAR)), len(buf)
    l, b, r, t = (ctypes.c_float() for _ in range(4))
    matrix, fsize, desc = pdfium_c.FS_MATRIX(), ctypes.c_float(), ctypes.c_float()
    fonts: dict[int | None, str] = {}
    metrics: dict[tuple, float] = {}  # (font, size) → descent
    words: list[dict] = []
    boxes: list[tuple[int, int, int, int]] = []

    def visit(obj: int, outer: tuple | None) -> None:
        nonlocal cursor
        kind = get_type(obj)
        if kind == PATH:
            get_bounds(obj, l, b, r, t)
            boxes.append((round(l.value), round(b.value), round(r.value), round(t.value)))
        elif kind == FORM:
            _visit_form(obj, outer, visit)
        elif kind == TEXT:
            if spans is not None:
                first, last = spans.get(obj, (0, -1))
                raw = full[first:last + 1]
                touching, cursor = first == cursor, (last + 1 if raw.strip() else -1)  # a blank object parts words
            else:
                n = get_text(obj, textpage, wbuf, buf_len)
                raw = buf[: max(0, n - 2)].decode("utf-16-le", "replace")  # n counts bytes, with the NUL
                core = raw.strip().replace("\x02", "\ufffe")
                found = find(core, cursor, cursor + len(core) + 400) if core else -1
                touching = found == cursor
                if found >= 0:
                    cursor = found + len(core)
            text = _run_text(raw)
            if not text.strip():
                return
            get_matrix(obj, matrix)
            if outer is None:  # the common case: the matrix is already in page space
                mb, md, mf = matrix.b, matrix.d, matrix.f
            else:
                _, mb, _, md, _, mf = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
            get_size(obj, fsize)
            size = round(fsize.value * (abs(md) or abs(mb) or 1.0), 2)
            font = get_font(obj)
            key = (font, size)
            descent = metrics.get(key)
            if descent is None:
                get_descent(font, size, desc)
                descent = metrics[key] = desc.value if desc.value else -0.2 * size
            name = fonts.get(font)
            if name is None:
                name = fonts[font] = _pdfium_font(font)
            get_bounds(obj, l, b, r, t)
            x0, x1 = l.value, r.value
            if outer is not None:
                (x0, _), (x1, _) = _apply(outer, x0, b.value), _apply(outer, x1, t.value)
            base = height - mf
            _add_run(words, text, touching, x0, x1, base - descent - size, base - descent, size, name)

    get_object = _plain("FPDFPage_GetObject")
    page_raw = page.raw
    count = _plain("FPDFPage_CountObjects")(page_raw)
    # FPDFTextObj_GetText scans the whole page per object: on pages of many small
    # objects (a table-like agenda) one pass over the chars' owners is cheaper.
    spans = _char_spans(tp, len(full)) if count > settings()["many_objects"] else None
    for i in range(count):
        visit(get_object(page_raw, i), None)
    return words, boxes


def _visit_form(obj: int, outer: tuple | None, visit) -> None:
    """The objects of a Form XObject, each visited with the form's matrix in page space."""
    import pypdfium2.raw as pdfium_c

    matrix = pdfium_c.FS_MATRIX()
    _plain("FPDFPageObj_GetMatrix")(obj, matrix)
    m = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
    get_object = _plain("FPDFFormObj_GetObject")
    for k in range(_plain("FPDFFormObj_CountObjects")(obj)):
        visit(get_object(obj, k), m)


def _char_spans(tp, n: int) -> dict[int, tuple[int, int]]:
    """The first and last char index of each text object on a text page."""
    owner_of = _plain("FPDFText_GetTextObject")
    textpage = tp.raw
    spans: dict[int, list[int]] = {}
    for i in range(n):
        owner = owner_of(textpage, i)
        if owner:
            span = spans.get(owner)
            if span is None:
                spans[owner] = [i, i]
            else:
                span[1] = i
    return {k: (a, b) for k, (a, b) in spans.items()}


@lru_cache(maxsize=None)
def _plain(name: str):
    """pdfium's function `name` re-declared to take and return its handles (page,
    page object, text page, font) as plain addresses: pypdfium2's own binding
    makes a pointer object per returned handle, and keying a dict by a handle
    would need a ctypes.cast each time. A NULL handle comes back as None."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    handles = (pdfium_c.FPDF_PAGE, pdfium_c.FPDF_PAGEOBJECT, pdfium_c.FPDF_TEXTPAGE, pdfium_c.FPDF_FONT)
    fn = getattr(pdfium_c, name)
    plain = [ctypes.c_void_p if t in handles else t for t in (fn.restype, *fn.argtypes)]
    return ctypes.CFUNCTYPE(*plain)(ctypes.cast(fn, ctypes.c_void_p).value)


# pdfium's marks in object text: 0x02 and U+FFFE a hyphen at a line end, NUL and line breaks blanks
_RUN_MAP = {"\x02": "-", "\ufffe": "-", "\x00": " ", "\r": " ", "\n": " "}
_RUN_CHARS = re.compile("[\x02\ufffe\x00\r\n]")


def _run_text(raw: str) -> str:
    """A text object's text with pdfium's marks replaced (most have none: no substitution then)."""
    if _RUN_CHARS.search(raw) is None:
        return raw
    return _RUN_CHARS.sub(lambda c: _RUN_MAP[c.group()], raw)


def _add_run(words: list[dict], text: str, touching: bool, x0: float, x1: float, top: float, bottom: float,
             size: float, font: str) -> None:
    """Append a text run; `glue` marks one that carries on the word before it. A run
    in the same font and size as the one it carries on is merged into it."""
    last = words[-1] if words else None
    glue = (touching and last is not None and not last["raw"].endswith(" ") and not text.startswith(" ")
            and abs(top - last["top"]) < 0.5 * size)
    if glue and last["size"] == size and last["fontname"] == font:
        last["raw"] += text
        last["text"] = last["raw"].strip()
        last["x1"] = max(last["x1"], x1)
        last["bottom"] = max(last["bottom"], bottom)
        last["n"] = len(last["text"].split())
        return
    clean = text.strip()
    if clean:
        words.append({"text": clean, "raw": text, "glue": glue, "x0": x0, "x1": x1, "top": top, "bottom": bottom,
                      "size": size, "fontname": font, "n": len(clean.split())})


def _compose(m: tuple, outer: tuple | None) -> tuple:
    """The matrix `m` of an object inside a form, in page space."""
    if outer is None:
        return m
    a, b, c, d, e, f = m
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply(m: tuple, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _grid_like(boxes: list[tuple[int, int, int, int]]) -> bool:
    """Whether the rules and cell rectangles on a page can make a table of at
    least two rows and two columns, which is all pdfplumber's table finder can
    give us: some vertical rule is crossed by three horizontal ones and some
    horizontal rule by three vertical ones (edges joined as pdfplumber joins
    them). Underlines, highlights behind words and single boxed rows are not."""
    if len(boxes) < settings()["min_table_rules"]:
        return False
    across, down = [], []  # (position, start, end)
    for x0, y0, x1, y1 in boxes:
        if y1 - y0 < 3 and x1 - x0 >= 3:
            across.append((y0, x0, x1))
        elif x1 - x0 < 3 and y1 - y0 >= 3:
            down.append((x0, y0, y1))
        elif x1 - x0 >= 3 and y1 - y0 >= 3:  # a rectangle: its four sides
            across += [(y0, x0, x1), (y1, x0, x1)]
            down += [(x0, y0, y1), (x1, y0, y1)]
    across, down = _join_edges(across), _join_edges(down)
    if len(across) < 3 or len(down) < 3:
        return False

    def crossings(edge, others) -> int:
        pos, start, end = edge
        return len({o[0] for o in others if start - 3 <= o[0] <= end + 3 and o[1] - 3 <= pos <= o[2] + 3})

    return any(crossings(e, across) >= 3 for e in down) and any(crossings(e, down) >= 3 for e in across)


def _join_edges(edges: list[tuple[int, int, int]], tolerance: int = 3) -> list[tuple[int, int, int]]:
    """Collinear edges (same position within `tolerance`) that touch or overlap, joined."""
    out: list[list[int]] = []
    for pos, start, end in sorted(edges):
        last = out[-1] if out else None
        if last and pos - last[0] <= tolerance and start <= last[2] + tolerance:
            last[2] = max(last[2], end)
        else:
            out.append([pos, start, end])
    return [tuple(e) for e in out]


def _open_error(exc: Exception) -> str:
    """A reason a person can act on; pdfplumber wraps pdfminer's error in its args,
    pdfium names its error in the message."""
    inner = next((a for a in getattr(exc, "args", ()) if isinstance(a, Exception)), None) or exc.__context__ or exc
    names = f"{type(exc).__name__} {type(inner).__name__} {inner}"
    if "Password" in names or "password" in names or "Encrypt" in names or "encrypt" in names.lower():
        return "encrypted PDF: cannot read without the password"
    detail = f"{type(inner).__name__}: {inner}" if str(inner) else type(inner).__name__
    return f"corrupt PDF: {detail}"[:200]


# --- one page ------------------------------------------------------------------

def _read_page(words: list[dict], width: float, height: float, number: int, tables: list[Table],
               find_tables=None) -> Page:
    """One page's lines: letterhead, columns and ruled tables (when `find_tables` is given)."""
    out = Page(number, float(width), float(height))
    boxes = []
    for t in (find_tables() if find_tables else ()):
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


def _pdfium_font(handle: int | None) -> str:
    """The base font name of a font handle ('Verdana,Bold'), with '-Bold' or
    '-Italic' added when only the font's weight or flags say so."""
    import ctypes

    name = ""
    if handle:
        buf = ctypes.create_string_buffer(256)
        _plain("FPDFFont_GetBaseFontName")(handle, buf, 256)
        name = buf.value.decode("latin-1")
        name = name.split("+", 1)[1] if re.match(r"[A-Z]{6}\+", name) else name
        if _plain("FPDFFont_GetWeight")(handle) >= 600 and not _res()["bold_font"].search(name):
            name += "-Bold"
        if _plain("FPDFFont_GetFlags")(handle) & 64 and not _res()["italic_font"].search(name):
            name += "-Italic"
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
    if _count(right) < 2 or not any(w["x1"] < width * 0.4 for w in words):
        return words, []
    text = " ".join(w["text"] for w in sorted(right, key=lambda w: (round(w["top"]), w["x0"])))
    labelled = bool(_labels().search(text))
    small = [w for w in right if float(w["size"]) < body * 0.95]
    if page == 1 and _count(small) >= 3 and not labelled:
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


def _count(words: list[dict]) -> int:
    """How many words: pdfplumber's words are one each, pdfium's text runs carry `n`."""
    return sum(w.get("n", 1) for w in words)


def _columns(words: list[dict], width: float) -> list[list[dict]]:
    """Split a page's words into two columns when an empty gutter runs down its middle."""
    if _count(words) < 40:
        return [words]
    lo, hi = width * 0.33, width * 0.67
    step = 2.0
    n = int((hi - lo) / step + 1)
    starts = [0] * (n + 1)  # words covering each bin, as a difference array: one pass per word
    for w in words:
        a, b = max(w["x0"], lo), min(w["x1"], hi)
        if b > a:
            starts[max(0, int((a - lo) / step))] += 1
            starts[min(n, int((b - lo) / step) + 1)] -= 1
    bins, cover = [], 0
    for k in range(n):
        cover += starts[k]
        bins.append(cover)
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
    if min(_count(left), _count(right)) < max(15, 0.25 * max(_count(left), _count(right))) or not (_prose(left, lo, gutter) and _prose(right, gutter, width - lo)):
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
        r[0], r[1], r[2] = min(r[0], w["x0"]), max(r[1], w["x1"]), r[2] + w.get("n", 1)
    left = min(w["x0"] for w in words)
    spans = sorted(b - a for a, b, _ in rows.values())
    counts = sorted(n for _, _, n in rows.values())
    alpha = sum(1 for w in words for token in w["text"].split() if _ALPHA.search(token)) / max(_count(words), 1)
    s = settings()
    return (spans[len(spans) // 2] >= (x1 - left) * s["column_fill"]
            and counts[len(counts) // 2] >= s["column_words"] and alpha >= 0.7)


_ALPHA = re.compile(r"[^\W\d_]{2}")


def _lines(words: list[dict], page: int) -> list[Line]:
    """Words grouped into lines by vertical overlap, left to right."""
    rows: list[list[dict]] = []
    spans: list[list[float]] = []  # each row's running [top, bottom]: no rescan per word
    for w in sorted(words, key=lambda w: (round(w["bottom"]), w["x0"])):
        top, bottom = w["top"], w["bottom"]
        mid = (top + bottom) / 2
        for k in range(max(0, len(rows) - 3), len(rows)):  # the last three rows, oldest first
            span = spans[k]
            if span[0] - 0.5 <= mid <= span[1] + 0.5:
                rows[k].append(w)
                span[0], span[1] = min(span[0], top), max(span[1], bottom)
                break
        else:
            rows.append([w])
            spans.append([top, bottom])
    rows = _attach_lone_superscripts(rows)
    by_x = itemgetter("x0")
    return [_line(sorted(r, key=by_x), page) for r in rows]


def _attach_lone_superscripts(rows: list[list[dict]]) -> list[list[dict]]:
    """A raised note number ('1' before a footnote text, or after a word) can sit
    so high that it forms a row of its own: put it back on the row it overlaps."""
    out: list[list[dict]] = []
    lone = []
    for row in rows:
        if len(row) == 1 and _NOTE_NUMBER.fullmatch(row[0]["text"]):
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
    """One row of words (left to right) as a line: its size is the size most of
    its text is in, and raised smaller numbers in it become note markers."""
    sizes = [round(float(w["size"]), 1) for w in words]
    size = sizes[0]
    if all(r == size for r in sizes):
        baseline = None  # the usual line, one size throughout: its baseline is needed only beside a smaller word
    else:
        weights = Counter()
        for w, r in zip(words, sizes):
            weights[r] += len(w["text"])
        size = weights.most_common(1)[0][0]
        baseline = statistics.median(w["bottom"] for w, r in zip(words, sizes) if r == size)
    ratio = settings()["superscript_ratio"]
    parts: list[str] = []
    first_small = False
    for i, w in enumerate(words):
        # a note's own number at the start of a line may be only a little smaller
        small = float(w["size"]) < size * (ratio if i else 0.92)
        if small:
            if baseline is None:
                baseline = statistics.median([x["bottom"] for x in words])
            small = w["bottom"] < baseline - 0.5
        if small and _NOTE_NUMBER.fullmatch(w["text"]):
            if i == 0:
                first_small = True
                parts.append(w["text"])
            elif parts:
                parts[-1] += f"[^{w['text']}]"
            continue
        touches = w["glue"] if "glue" in w else (w["x0"] - words[i - 1]["x1"]) < 0.8  # pdfium runs know
        gap = i and touches and parts and not parts[-1].endswith("]")
        if gap:
            parts[-1] += w["text"]
        else:
            parts.append(w["text"])
    styles = [_font_style(w.get("fontname") or "") for w in words]
    bold = all(b for b, _ in styles)
    italic = all(i for _, i in styles)
    return Line(" ".join(parts), page, min(w["top"] for w in words), max(w["bottom"] for w in words),
                words[0]["x0"], words[-1]["x1"], size, bold, first_word=words[0]["text"].split()[0], first_small=first_small, italic=italic)


_NOTE_NUMBER = re.compile(r"\d{1,3}")


@lru_cache(maxsize=4096)
def _font_style(fontname: str) -> tuple[bool, bool]:
    """Whether a font name is bold, and italic: a document has a few fonts and
    many lines, so each name is tested against the patterns once."""
    return bool(_res()["bold_font"].search(fontname)), bool(_res()["italic_font"].search(fontname))


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
                markers_seen.update(_MARKER.findall(ln.text))
        current = None
        body_lines = [ln for ln in p.lines if ln.zone == "body" and ln.kind == "p"]
        for ln in body_lines:
            small = ln.size <= body_size * ratio
            m = small and _NOTE_START.match(ln.text)  # only a small line can open a note
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


_MARKER = re.compile(r"\[\^(\d+)\]")
_NOTE_START = re.compile(r"(\d{1,3})\s*(.*)")


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
    """The line's heading depth, 0 for a line that is no heading.

    A caption or contents entry can look like a heading; those patterns (the
    contents entry's is slow) are tried only on a line that does."""
    text = ln.text.strip()
    if len(text) > 120 or text.endswith((".", ",", ";", ":")) or not _LETTER.search(text):
        return 0
    depth = _heading_looks(ln, text, body_size, s)
    if depth and (_res()["caption"].match(text) or _res()["toc_leader"].search(text)):
        return 0  # a table/figure caption or a table-of-contents entry names a section; it is not one
    return depth


_LETTER = re.compile(r"[A-Za-zÀ-ÿ]")


def _heading_looks(ln: Line, text: str, body_size: float, s: dict) -> int:
    """The heading depth the line's looks give (size, weight, numbering), 0 for none."""
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
