"""The document model every reader produces and every extractor consumes.

Data flows one way: a reader turns a file into a `RawDocument` (blocks of text
with inline footnote markers, footnote texts, metadata hints); `structure.build`
cleans it into a `Document` of passages; extractors read `Document`s.

Footnote markers inside block text use one canonical inline form, `[^N]`
(Markdown footnote syntax), whatever the source format used (superscripts,
`<sup>`, `[footnoteRef:N]`, `<noot>`, small-font PDF digits).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

MARKER = "[^{}]"
MARKER_RE = re.compile(r"\[\^([0-9]{1,3}[a-z]?)\]")

DOC_TYPES = (
    "kamerbrief", "verslag_schriftelijk_overleg", "kabinetsappreciatie", "bnc_fiche",
    "motie", "kamervragen", "handelingen", "other",
)


class ReadError(Exception):
    """A file that cannot be read; the message names the reason in plain words."""

    def __init__(self, path: Path | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{Path(path).name}: {reason}")


@dataclass
class Block:
    """A unit of layout from the reader: a paragraph, heading, list item or table row.

    `text` may still hold line breaks and line-end hyphen splits: cleaning is
    not the reader's job. Footnote markers are inline as `[^N]`.
    """

    text: str
    kind: str = "p"  # p | heading | li | table
    page: int | None = None
    level: int = 0  # heading depth (1 = top), 0 for non-headings


@dataclass
class Table:
    """A table as the reader found it: its page, caption, header row and body rows.

    Cells are plain strings (line breaks kept); `rows` excludes the header.
    """

    rows: list[list[str]]
    header: list[str] = field(default_factory=list)
    page: int | None = None
    caption: str | None = None


@dataclass
class RawDocument:
    """What a reader found, before cleaning and structuring."""

    path: Path
    format: str  # text | pdf | xml | html
    blocks: list[Block]
    footnotes: dict[str, str] = field(default_factory=dict)  # number -> raw text
    # Metadata the format states outright (XML: dossier, ondernummer, date, title ...).
    # Keys follow `Meta` field names; values override text-derived guesses.
    hints: dict = field(default_factory=dict)
    # Letterhead / front matter that is not body text but carries metadata
    # ('Datum 8 november 2022', 'Onze referentie ...'), kept for metadata extraction.
    front_matter: str = ""
    pages: int | None = None
    tables: list[Table] = field(default_factory=list)


@dataclass
class NoteRef:
    """A footnote marker at a character offset of a passage's cleaned text."""

    number: str
    offset: int


@dataclass
class Passage:
    order: int
    text: str
    heading: str | None = None  # section heading path, ' > '-joined
    page: int | None = None
    kind: str = "p"  # p | li | table | heading
    notes: list[NoteRef] = field(default_factory=list)
    language: str | None = None  # when detected per passage (EU papers mix languages)


@dataclass
class Footnote:
    number: str
    text: str
    passage: int | None = None  # order of the passage whose marker points here


@dataclass
class Meta:
    date: dt.date | None = None
    date_estimated: bool = False
    type: str = "other"
    kamerstuk: list[str] = field(default_factory=list)  # this document's own kst ids
    eu_ids: list[str] = field(default_factory=list)  # an EU paper's own COM/SWD/JOIN/C number
    title: str | None = None
    senders: list[str] = field(default_factory=list)
    reference: str | None = None  # kenmerk / onze referentie
    source_url: str | None = None
    language: str = "nl"


@dataclass
class Document:
    path: Path
    name: str  # file name: the document's key in kb.db and in `kb extract`
    format: str
    passages: list[Passage]
    footnotes: list[Footnote]
    meta: Meta
    front_matter: str = ""
    pages: int | None = None
    sha256: str = ""
    hints: dict = field(default_factory=dict)  # the reader's hints (e.g. embedded motions)
    tables: list[Table] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The body as one string, passages separated by blank lines."""
        return "\n\n".join(p.text for p in self.passages)

    def footnote(self, number: str) -> Footnote | None:
        return next((f for f in self.footnotes if f.number == number), None)

    def meta_dict(self) -> dict:
        d = asdict(self.meta)
        d["date"] = self.meta.date.isoformat() if self.meta.date else None
        return d
