"""From a reader's blocks to a document's passages.

Cleans each block, joins a paragraph that a page break cut in two, keeps the
section heading path of every passage, and turns inline `[^N]` markers into
`NoteRef`s at their offsets in the cleaned text, so a passage reads as a
person reads it and still knows which footnotes it points to.
"""
from __future__ import annotations

import re

from extract.clean import clean_block, hyphenated_words, reflow
from extract.model import MARKER_RE, Block, Document, Footnote, Meta, NoteRef, Passage, RawDocument

_SENTENCE_END = re.compile(r"[.!?:;»”\"')\]]\s*$")
_CLAUSE_LINE_END = re.compile(r";\s*\n")


def build(raw: RawDocument, meta: Meta | None = None) -> Document:
    """Cleaned passages and footnotes for a raw document (metadata is added later)."""
    vocabulary = hyphenated_words("\n".join(b.text for b in raw.blocks))
    blocks = _join_page_splits([b for b in _split_clauses(raw.blocks)])
    passages: list[Passage] = []
    path: list[tuple[int, str]] = []
    for block in blocks:
        text = clean_block(block.text, vocabulary)
        if not text:
            continue
        text, notes = _extract_markers(text)
        if block.kind == "heading":
            level = max(block.level, 1)
            path = [(lvl, t) for lvl, t in path if lvl < level] + [(level, text)]
        heading = " > ".join(t for _, t in path) or None
        passages.append(
            Passage(order=len(passages), text=text, heading=heading, page=block.page, kind=block.kind, notes=notes)
        )
    footnotes = _footnotes(raw.footnotes, passages, vocabulary)
    return Document(
        path=raw.path,
        name=raw.path.name,
        format=raw.format,
        passages=passages,
        footnotes=footnotes,
        meta=meta or Meta(),
        front_matter=raw.front_matter,
        pages=raw.pages,
    )


def _split_clauses(blocks: list[Block]) -> list[Block]:
    """Lines ending in ';' are clauses of their own (a motion's 'constaterende dat ...;')."""
    out = []
    for b in blocks:
        if b.kind == "p" and _CLAUSE_LINE_END.search(b.text):
            out.extend(Block(part, b.kind, b.page, b.level) for part in re.split(r"(?<=;)\s*\n", b.text) if part.strip())
        else:
            out.append(b)
    return out


def _join_page_splits(blocks: list[Block]) -> list[Block]:
    """A paragraph that stops mid-sentence and a next one starting lower-case are one."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind == "p"
            and b.kind == "p"
            and not _SENTENCE_END.search(prev.text)
            and b.text.lstrip()[:1].islower()
        ):
            out[-1] = Block(prev.text.rstrip() + "\n" + b.text.lstrip(), "p", prev.page, 0)
        else:
            out.append(b)
    return out


def _extract_markers(text: str) -> tuple[str, list[NoteRef]]:
    """Remove `[^N]` markers from the text and remember where they stood."""
    notes: list[NoteRef] = []
    parts: list[str] = []
    pos = 0
    length = 0
    for m in MARKER_RE.finditer(text):
        chunk = text[pos : m.start()]
        parts.append(chunk)
        length += len(chunk)
        notes.append(NoteRef(number=m.group(1), offset=length))
        pos = m.end()
    parts.append(text[pos:])
    cleaned = "".join(parts)
    # A marker removed before a space may leave a double space; offsets stay valid
    # because we only collapse spaces that follow no marker.
    return cleaned, notes


def _footnotes(raw_notes: dict[str, str], passages: list[Passage], vocabulary: set[str]) -> list[Footnote]:
    where = {ref.number: p.order for p in passages for ref in p.notes}
    notes = []
    for number in sorted(raw_notes, key=_note_key):
        text = MARKER_RE.sub("", clean_block(raw_notes[number], vocabulary)).strip()
        notes.append(Footnote(number=number, text=reflow(text), passage=where.get(number)))
    return notes


def _note_key(number: str) -> tuple[int, str]:
    digits = re.match(r"\d+", number)
    return (int(digits.group(0)) if digits else 10**6, number)
