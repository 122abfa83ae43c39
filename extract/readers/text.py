"""Plain-text and Markdown-ish exports of letters.

The exports we meet differ in how they mark footnotes and layout:
- Unicode superscripts ('afgedaan.⁴') with notes as lines starting '⁴ ...';
- HTML superscripts ('<sup>2</sup>') with notes as lines starting '<sup>2</sup> ...';
- Word exports ('[footnoteRef:1]' markers, notes inline as '[1:  text]',
  '[bookmark: _Hlk...]' artefacts);
- PDF-to-text dumps: hard-wrapped lines, digits glued to words as markers
  ('Autonomie1'), notes as 'N text' lines at page bottoms, a page's first line
  indented by one space;
- Markdown: '**bold**', '## headings', '- ' bullets, '---' page breaks, links.

All become the canonical `[^N]` marker and `RawDocument.footnotes`. Cleaning
(de-hyphenation, re-flow) is done later by `extract.clean`.
"""
from __future__ import annotations

import re
from pathlib import Path

from extract.model import Block, RawDocument, ReadError
from extract.readers.decode import decode_bytes

SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUP_RUN = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_HTML_SUP = re.compile(r"<sup>\s*(\d{1,3})\s*</sup>")
_WORD_REF = re.compile(r"\[footnoteRef:(\d{1,3})\]")
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_NOTE_LINE = re.compile(r"^\[\^(\d{1,3})\]\s*(.*)$")
_PLAIN_NOTE_LINE = re.compile(r"^(\d{1,3}) (\S.*)$")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:#|https?://[^)]*)\)")
_ANGLE_URL = re.compile(r"<(https?://[^>\s]+)>")
_MD_EMPH = re.compile(r"(\*{1,3})(?=\S)(.+?)(?<=\S)\1")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*(?:[-*•·▪–]|\(?[a-z]\)|[ivx]{1,4}\))\s+")
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+[A-ZÀ-Þ]")
_PAGE_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
# Where a letter's front matter (letterhead, Kamerstuk header) ends: the
# salutation, the 'Den Haag, <date>' line, or a motion's 'Voorgesteld <date>'.
_FRONT_END = re.compile(
    r"^\s*(?:Geachte\s+(?:voorzitter|heer|mevrouw|leden)\b.*"
    r"|(?:Den Haag|'s-Gravenhage),?\s+\d{1,2}\s+\w+\s+\d{4}\.?"
    r"|Voorgesteld\s+(?:\w+\s+)?\d{1,2}\s+\w+\s+\d{4})\s*$",
    re.M | re.I,
)


def read_text(path: Path) -> RawDocument:
    """Read a .txt/.md export into blocks and footnotes."""
    text = decode_bytes(path.read_bytes(), path)
    if not text.strip():
        raise ReadError(path, "empty file: no text")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text, word_notes = _word_export(text)
    text = _markers_to_canonical(text)
    front, body = split_front_matter(text)
    lines = _drop_repeated_lines(body.split("\n"))
    lines, notes = _collect_note_lines(lines)
    notes.update(word_notes)
    if not notes:
        lines, notes = _plain_notes(lines)
    blocks = _blocks(lines)
    return RawDocument(path=path, format="text", blocks=blocks, footnotes=notes, front_matter=front)


def _word_export(text: str) -> tuple[str, dict[str, str]]:
    """Word exports: '[footnoteRef:N]' markers and '[N:  note]' texts in line."""
    text = _BOOKMARK.sub("", text)
    notes: dict[str, str] = {}
    if "[footnoteRef:" not in text:
        return text, notes

    def take(m: re.Match) -> str:
        notes[m.group(1)] = " ".join(m.group(2).split())
        return ""

    text = _WORD_REF.sub(lambda m: f"[^{m.group(1)}]", text)
    text = re.sub(r"\[(\d{1,3}):\s+([^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*)\]", take, text)
    return text, notes


def _markers_to_canonical(text: str) -> str:
    text = _HTML_SUP.sub(lambda m: f"[^{m.group(1)}]", text)
    return _SUP_RUN.sub(lambda m: f"[^{m.group(0).translate(SUPERSCRIPT)}]", text)


def split_front_matter(text: str) -> tuple[str, str]:
    """Letterhead up to the salutation or the dated 'Den Haag' line is front matter.

    Only when that line comes early: a letter's address block and
    'Datum'/'Betreft' lines precede it; one deep in the text is a quoted
    letter, not the start of this one. The line itself stays with the front
    matter, where metadata extraction reads the date.
    """
    m = _FRONT_END.search(text)
    if m and text[: m.start()].count("\n") < 80:
        return text[: m.end()].strip(), text[m.end() :]
    return "", text


def _collect_note_lines(lines: list[str]) -> tuple[list[str], dict[str, str]]:
    """Lines that open with a marker ('[^4] Kamerstuk ...') are footnote texts."""
    body, notes, current = [], {}, None
    for line in lines:
        m = _NOTE_LINE.match(line.strip())
        if m and m.group(2):
            current = m.group(1)
            notes[current] = m.group(2).strip()
            continue
        if current and line.strip() and not line.startswith(" ") and not _is_structural(line):
            # A continuation line of a wrapped note (PDF dumps); a page's body
            # resumes with an indented line or after a blank line.
            if not notes[current].rstrip().endswith((".", "]")) or len(line) < 60:
                notes[current] += " " + line.strip()
                continue
        current = None if not line.strip() else current
        if not line.strip():
            current = None
        body.append(line)
    return body, notes


def _is_structural(line: str) -> bool:
    return bool(_PAGE_RULE.match(line) or _MD_HEADING.match(line) or _BULLET.match(line))


def _plain_notes(lines: list[str]) -> tuple[list[str], dict[str, str]]:
    """PDF-to-text dumps: notes are 'N text' lines after a blank line, numbered
    in sequence, and their markers are the same digits glued to a word before.

    A line is taken as note N only when N is the next number expected and the
    body text before it has a glued 'N' marker: numbered paragraphs and
    headings ('1. Antwoord', '2 Inleiding') fail one of the two tests.
    """
    body: list[str] = []
    notes: dict[str, str] = {}
    expected, current, prev_blank = 1, None, True
    for line in lines:
        stripped = line.strip()
        m = _PLAIN_NOTE_LINE.match(stripped)
        if m and int(m.group(1)) == expected and (prev_blank or current) and not line.startswith(" "):
            if _glued_marker(body, str(expected)):
                current = str(expected)
                notes[current] = m.group(2).strip()
                expected += 1
                prev_blank = False
                continue
        # A wrapped note goes on until a blank or indented line; a continuation
        # may itself start with digits ('31 125, nr. 123.'), but not with the next number.
        if current and stripped and not line.startswith(" ") and not (m and int(m.group(1)) == expected):
            notes[current] += "\n" + stripped
            continue
        current = None
        prev_blank = not stripped
        body.append(line)
    if notes:
        body = _canonical_glued_markers(body, notes)
    return body, notes


_GLUED = r"(?<=[A-Za-zÀ-ÿ)\].,;:’'”%])({n})(?=[\s,.;:)]|$)"


def _glued_marker(body: list[str], number: str) -> bool:
    tail = "\n".join(body[-80:])
    return re.search(_GLUED.format(n=number), tail) is not None


def _canonical_glued_markers(lines: list[str], notes: dict[str, str]) -> list[str]:
    """Replace glued digits by `[^N]`, scanning for 1, 2, 3 ... in order."""
    text = "\n".join(lines)
    pos = 0
    for n in sorted(notes, key=int):
        m = re.compile(_GLUED.format(n=n)).search(text, pos)
        if not m:
            continue
        text = text[: m.start()] + f"[^{n}]" + text[m.end() :]
        pos = m.start() + len(n) + 3
    return text.split("\n")


def _blocks(lines: list[str]) -> list[Block]:
    """Group lines into paragraphs (blank-line separated), headings and list items."""
    blocks: list[Block] = []
    para: list[str] = []

    def flush():
        if para:
            text = "\n".join(para).strip()
            if text:
                blocks.append(_classify(text))
            para.clear()

    for raw in lines:
        line = _inline_markdown(raw.rstrip())
        if _PAGE_RULE.match(line):
            flush()
            continue
        if not line.strip():
            flush()
            continue
        if _MD_HEADING.match(line.strip()) or _BULLET.match(line):
            flush()
            para.append(line)
            flush()
            continue
        para.append(line)
    flush()
    return blocks


def _inline_markdown(line: str) -> str:
    # most lines hold no markup: a character test spares them three substitutions
    if "[" in line:
        line = _MD_LINK.sub(r"\1", line)
    if "<" in line:
        line = _ANGLE_URL.sub(r"\1", line)
    prev = None
    while prev != line and "*" in line:
        prev, line = line, _MD_EMPH.sub(r"\2", line)
    return line.replace("\\", "") if "\\" in line and not re.search(r"\\[a-z]", line) else line


def _classify(text: str) -> Block:
    m = _MD_HEADING.match(text)
    if m:
        return Block(m.group(2).strip(), kind="heading", level=len(m.group(1)))
    if _BULLET.match(text):
        return Block(_BULLET.sub("", text, count=1).strip(), kind="li")
    if _looks_like_heading(text):
        num = _NUMBERED_HEADING.match(text)
        level = num.group(1).count(".") + 1 if num else 2
        return Block(text.strip(), kind="heading", level=level)
    return Block(text)


def _looks_like_heading(text: str) -> bool:
    """A short single line without sentence punctuation that starts upper-case."""
    line = text.strip()
    if "\n" in line or len(line) > 90 or len(line) < 3:
        return False
    if line[-1] in ".,;:?!" or "[^" in line:
        return False
    return line[0].isupper() or bool(_NUMBERED_HEADING.match(line))


def _drop_repeated_lines(lines: list[str]) -> list[str]:
    """Running headers ('Onze Referentie' + its number on every page) repeat verbatim.

    A short line seen three times or more that is not a sentence is layout,
    not text.
    """
    counts: dict[str, int] = {}
    keys = [_inline_markdown(line).strip() for line in lines]
    for key in keys:
        if key and len(key) < 80 and key[-1] not in ".?!;,":
            counts[key] = counts.get(key, 0) + 1
    repeated = {k for k, c in counts.items() if c >= 3 and not _PAGE_RULE.match(k)}
    return [line for line, key in zip(lines, keys) if key not in repeated]
