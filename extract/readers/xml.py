"""XML publications: officielebekendmakingen Kamerstukken, Kamervragen, Handelingen, PLOOI.

The official XML states outright what text readers must guess: the dossier
and ondernummer, the date, the kind of document, where footnotes stand. We
walk the tree with element roles from `markup.yaml` (paragraph, heading, list
item, table, footnote ...) into `Block`s, turn each `<noot>` into an inline
`[^N]` marker plus `RawDocument.footnotes[N]`, and put the stated metadata in
`RawDocument.hints` (keys are `Meta` field names, plus 'motions' for the
motions a Handelingen item contains).

Untrusted input: entity declarations (XXE, billion laughs) are refused before
parsing, and lxml never resolves entities, loads a DTD or touches the network.
Double-encoded UTF-8 ('Ã«' for 'ë', as in Handelingen exports) is undone for
the whole file before parsing.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lxml import etree

from extract.datafiles import load_yaml
from extract.metadata import dossier_id
from extract.model import Block, RawDocument, ReadError, Table
from extract.readers.decode import fix_text, looks_binary

_DATA = Path(__file__).with_name("markup.yaml")

# --- data ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def markup() -> dict:
    """The element-role tables of markup.yaml, loaded once."""
    return load_yaml(_DATA)


# Roles in priority order: when a name is listed under two roles, the first wins.
_ROLE_ORDER = ("skip", "front", "heading", "note", "paragraph", "list_item", "list",
               "table", "row", "cell", "caption", "table_head", "inline")


class Roles:
    """Which role an element plays, from a schema section of markup.yaml."""

    def __init__(self, spec: dict):
        self.spec = spec
        self._by: dict[tuple[str | None, str], str] = {}
        self.levels: dict[tuple[str | None, str], int] = {}
        for role in reversed(_ROLE_ORDER):
            entries = spec.get(role) or []
            for sel in entries:
                key = _selector(sel)
                self._by[key] = role
                if role == "heading":
                    self.levels[key] = int(entries[sel])
        self.sections = set(spec.get("sections") or [])
        self.front_classes = set(spec.get("front_classes") or [])
        self.front_line_classes = set(spec.get("front_line_classes") or [])
        self.front_line = set(spec.get("front_line") or [])

    def _key(self, el) -> tuple[str | None, str] | None:
        parent = el.getparent()
        specific = (parent.tag if parent is not None else None, el.tag)
        if specific in self._by:
            return specific
        return (None, el.tag) if (None, el.tag) in self._by else None

    def role(self, el, front: bool = True) -> str | None:
        """`front=False` once body text has begun: a header class there is a heading."""
        if not isinstance(el.tag, str):
            return "skip"
        if front and self.front_classes and classes(el) & self.front_classes:
            return "front"
        key = self._key(el)
        return self._by[key] if key else None

    def level(self, el) -> int:
        key = self._key(el)
        base = self.levels.get(key, 2) if key else 2
        depth = sum(1 for a in el.iterancestors() if a.tag in self.sections)
        return max(1, min(6, base + depth))


def _selector(sel: str) -> tuple[str | None, str]:
    parent, _, name = sel.rpartition("/")
    return (parent or None, name.lower())


def classes(el) -> set[str]:
    return set((el.get("class") or "").split())


# --- text ---------------------------------------------------------------------

# Pretty-printed XML puts a line break between an inline element and the
# punctuation after it ('( <politiek> SP </politiek> ):'): that whitespace was
# never in the text.
_PRETTY_BEFORE = re.compile(r"\s*\n\s*(?=[,.;:!?)\]»”%])")
_PRETTY_AFTER = re.compile(r"(?<=[(\[«“])\s*\n\s*")
_BEFORE_MARKER = re.compile(r"\s+(?=\[\^[0-9]{1,3}[a-z]?\])")
_WS = re.compile(r"\s+")


def tidy(text: str) -> str:
    """Markup text as it reads: one space between words, no layout whitespace."""
    text = _PRETTY_BEFORE.sub("", text)
    text = _PRETTY_AFTER.sub("", text)
    text = _WS.sub(" ", text).strip()
    return _BEFORE_MARKER.sub("", text)


# --- bytes → text → tree ------------------------------------------------------

_DECLARED = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", re.I)
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# A lead character of a UTF-8 sequence read as Latin-1/cp1252, followed by a
# continuation byte read the same way: the signature of double encoding.
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
                       "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")


def decode_markup(data: bytes, path: Path) -> str:
    """Bytes of an XML/HTML file to clean text, without its XML declaration."""
    if looks_binary(data):
        raise ReadError(path, "binary data, not XML/HTML text")
    declared = _DECLARED.search(data[:400])
    encodings = ["utf-8-sig", "cp1252", "latin-1"]
    if declared and declared.group(1).decode("ascii").lower().replace("_", "-") not in {"utf-8", "utf8"}:
        encodings.insert(0, declared.group(1).decode("ascii"))
    text = ""
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    text = fix_text(undo_double_encoding(text))
    text = text.lstrip("\ufeff \t\r\n")
    start = text.find("<")
    if start > 0:  # debris before the markup (a mis-encoded BOM)
        text = text[start:]
    return _DECLARATION.sub("", text, count=1)


def undo_double_encoding(text: str) -> str:
    """'CoÃ¶rdinatie' → 'Coördinatie' for a file that was UTF-8-encoded twice.

    The whole text is re-encoded as Latin-1 (or cp1252) and decoded as UTF-8,
    strictly: that round trip only succeeds when every non-ASCII character is
    part of a double-encoded sequence, so genuine accents are never touched.
    Mixed files fail the round trip and are left to ftfy's piecewise repair.
    """
    if not _MOJIBAKE.search(text):
        return text
    for encoding in ("latin-1", "cp1252"):
        try:
            return text.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text


_ENTITY_DECL = re.compile(r"<!ENTITY\b", re.I)
_EXTERNAL_ENTITY = re.compile(r"<!ENTITY\s+(?:%\s*)?[^\s>]+\s+(?:SYSTEM|PUBLIC)\b", re.I)


def check_safe(text: str, path: Path) -> None:
    """Refuse entity declarations: external entities leak files (XXE), nested
    ones expand exponentially (billion laughs). Publications never need them."""
    if "<!DOCTYPE" not in text.upper()[:100_000] or not _ENTITY_DECL.search(text):
        return
    if _EXTERNAL_ENTITY.search(text):
        raise ReadError(path, "unsafe XML: external entity declaration (XXE); not parsed")
    raise ReadError(path, "unsafe XML: entity declarations (entity expansion, 'billion laughs'); not parsed")


def parse_xml(text: str, path: Path):
    """A namespace-free lxml tree, parsed without entities, DTDs or network."""
    check_safe(text, path)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
        dtd_validation=False, remove_comments=True, remove_pis=True, recover=False, encoding="utf-8",
    )
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise ReadError(path, f"malformed XML: {exc}") from exc
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ReadError(path, "unsafe XML: entity declarations; not parsed")
    strip_namespaces(root)
    return root


def strip_namespaces(root) -> None:
    """'{http://www.w3.org/1999/xhtml}p' → 'p': roles are matched by local name."""
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = etree.QName(el).localname.lower()


# --- the walker ---------------------------------------------------------------


class MarkupWalker:
    """Turns an element tree into blocks, footnotes, front matter and tables."""

    def __init__(self, roles: Roles):
        self.roles = roles
        self.blocks: list[Block] = []
        self.notes: dict[str, str] = {}
        self.front: list[str] = []
        self.tables: list[Table] = []

    def walk(self, el) -> None:
        """A container: loose text between its block children becomes paragraphs."""
        run: list[str] = [el.text or ""]
        for child in el:
            role = self.roles.role(child)
            if role in ("inline", "note"):
                run.append(self.inline(child))
            elif role != "skip":
                self._flush(run)
                self.handle(child, role)
            run.append(child.tail or "")
        self._flush(run)

    def _flush(self, run: list[str]) -> None:
        text = tidy("".join(run))
        run.clear()
        if text:
            self.blocks.append(Block(text))

    def handle(self, el, role: str | None) -> None:
        if role == "front" and self.blocks and self.roles.front_classes:
            role = self.roles.role(el, front=False)
        if role == "front":
            self.front.extend(line for line in self.front_lines(el) if line)
        elif role == "heading":
            self._add(el, "heading", self.roles.level(el))
        elif role in ("paragraph", "caption"):
            self._add(el, "p")
        elif role == "list_item":
            self.list_item(el)
        elif role == "table":
            self.table(el)
        else:
            self.walk(el)

    def _add(self, el, kind: str, level: int = 0) -> None:
        text = tidy(self.inline(el))
        if text:
            self.blocks.append(Block(text, kind=kind, level=level))

    def inline(self, el) -> str:
        """An element's text as running text, footnotes as markers."""
        role = self.roles.role(el)
        if role == "skip":
            return ""
        if role == "note":
            return self.note(el)
        if el.tag == "br":
            return "\n"
        parts = [el.text or ""]
        for child in el:
            child_role = self.roles.role(child)
            text = self.inline(child)
            # Block-level children inside running text still separate words.
            parts.append(text if child_role in ("inline", "note", "skip") else f" {text} ")
            parts.append(child.tail or "")
        return "".join(parts)

    def note(self, el) -> str:
        """A footnote where it stands: `[^N]` here, its text in `self.notes`."""
        numbers = set(self.roles.spec.get("note_number") or [])
        number = next((tidy("".join(c.itertext())) for c in el if c.tag in numbers), "")
        for attr in self.roles.spec.get("note_number_attribute") or []:
            number = number or (el.get(attr) or "").strip()
        number = re.sub(r"[^0-9a-z]", "", number.lower())
        if not re.fullmatch(r"[0-9]{1,3}[a-z]?", number) or number in self.notes:
            number = str(max([int(re.match(r"\d+", n).group()) for n in self.notes] or [0]) + 1)
        parts = [el.text or ""]
        for child in el:
            if child.tag not in numbers:
                parts.append(" " + self.inline(child) + " ")
            parts.append(child.tail or "")
        self.notes[number] = tidy("".join(parts))
        return f"[^{number}]"

    def list_item(self, el) -> None:
        """One list item is one block; a nested list follows as its own items."""
        parts = [el.text or ""]
        nested = []
        for child in el:
            role = self.roles.role(child)
            if role in ("list", "list_item"):
                nested.append(child)
            elif role != "skip":
                text = self.inline(child)
                parts.append(text if role in ("inline", "note") else f" {text} ")
            parts.append(child.tail or "")
        text = tidy("".join(parts))
        if text:
            self.blocks.append(Block(text, kind="li"))
        for child in nested:
            self.handle(child, self.roles.role(child))

    def table(self, el) -> None:
        """Rows as 'cell | cell' blocks, and the table itself for `RawDocument.tables`."""
        header: list[str] = []
        rows: list[list[str]] = []
        caption = None
        for sub in el.iter():
            role = self.roles.role(sub)
            if role == "caption" and caption is None:
                caption = tidy(self.inline(sub)) or None
            if role != "row":
                continue
            cells = [tidy(self.inline(c)) for c in sub if self.roles.role(c) == "cell"]
            if not any(cells):
                continue
            in_head = any(self.roles.role(a) == "table_head" for a in sub.iterancestors() if a is not el)
            if in_head and not header and not rows:
                header = cells
            else:
                rows.append(cells)
        self.tables.append(Table(rows=rows, header=header, caption=caption))
        if caption:
            self.blocks.append(Block(caption))
        for cells in ([header] if header else []) + rows:
            self.blocks.append(Block(" | ".join(cells), kind="table"))

    def front_lines(self, el) -> list[str]:
        """The printed header, one line per leaf ('32 545', 'Nr. 143', 'Voorgesteld ...')."""
        line_classes = self.roles.front_line_classes
        if line_classes and any(classes(c) & line_classes for c in el.iter() if c is not el):
            lines, rest = [], [el.text or ""]
            for child in el:
                if isinstance(child.tag, str) and classes(child) & line_classes:
                    lines.append(tidy(self.inline(child)))
                elif isinstance(child.tag, str):
                    rest.append(self.inline(child))
                rest.append(child.tail or "")
            return lines + [tidy("".join(rest))]
        if el.tag in self.roles.front_line:
            return [tidy(self.inline(el))]
        has_text = (el.text or "").strip() or any((c.tail or "").strip() for c in el)
        children = [c for c in el if isinstance(c.tag, str) and self.roles.role(c) != "skip"]
        if has_text or not children:
            return [tidy(self.inline(el))]
        return [line for c in children for line in self.front_lines(c)]


# --- reading ------------------------------------------------------------------


def read_xml(path: Path) -> RawDocument:
    """Read an XML publication (OEP Kamerstuk/Kamervragen/Handelingen, PLOOI, XHTML)."""
    path = Path(path)
    text = decode_markup(path.read_bytes(), path)
    try:
        root = parse_xml(text, path)
    except ReadError as exc:
        # XHTML saved as .xml often uses HTML entities (&nbsp;) that XML does not know.
        if exc.reason.startswith("malformed") and "<html" in text[:2000].lower():
            from extract.readers.html import read_html

            return read_html(path)
        raise
    if root.tag == "plooi":
        return _read_plooi(path, root)
    if root.tag == "html":
        from extract.readers.html import raw_from_html_tree

        return raw_from_html_tree(path, root, fmt="xml")
    return _read_oep(path, root)


def _read_oep(path: Path, root) -> RawDocument:
    walker = MarkupWalker(Roles(markup()["oep"]))
    walker.walk(root)
    if not walker.blocks:
        raise ReadError(path, "XML holds no text")
    return RawDocument(
        path=path, format="xml", blocks=walker.blocks, footnotes=walker.notes,
        hints=oep_hints(root, walker), front_matter="\n".join(walker.front), tables=walker.tables,
    )


def _read_plooi(path: Path, root) -> RawDocument:
    """PLOOI wrapper: Dublin Core metadata around an XHTML (or OEP) body."""
    from extract.readers.html import raw_from_html_tree

    body = next(root.iter("tekst", "body"), None)
    if body is None or not "".join(body.itertext()).strip():
        raise ReadError(path, "PLOOI XML without a text body")
    if any(body.iter("kamerstuk", "kamervragen", "handelingen")):
        raw = _read_oep(path, body)
    else:
        raw = raw_from_html_tree(path, body, fmt="xml")
    hints = plooi_hints(root)
    raw.hints = {**raw.hints, **{k: v for k, v in hints.items() if v}}
    return raw


# --- hints --------------------------------------------------------------------


def document_type(label: str | None) -> str | None:
    """'MOTIE VAN HET LID ...', 'Motie', 'Aanhangsel van de Handelingen' → a Meta type."""
    if not label:
        return None
    for rule in markup()["types"]:
        if re.search(rule["pattern"], label, re.I):
            return rule["type"]
    return None


def _text(el) -> str:
    return tidy("".join(el.itertext())) if el is not None else ""


def _first(root, path: str):
    found = root.xpath(path)
    return found[0] if found else None


def oep_hints(root, walker: MarkupWalker) -> dict:
    """Metadata an OEP publication states in its elements."""
    content = next(root.iter("kamerstuk", "kamervragen", "handelingen"), root)
    hints: dict = {}
    root_type = markup()["root_types"].get(content.tag)
    if content.tag == "kamerstuk" or root_type is None:
        hints.update(_kamerstuk_hints(content, walker))
    if content.tag == "kamervragen":
        hints.update(_kamervragen_hints(content))
    if content.tag == "handelingen":
        titles = [_text(t) for t in content.iter("item-titel")]
        hints["title"] = "; ".join(t for t in titles if t) or None
        hints["motions"] = handelingen_motions(content)
    if root_type:
        hints["type"] = root_type
    hints.update(_publication_hints(root))
    return {k: v for k, v in hints.items() if v not in (None, "", [])}


_PUBLICATION_ID = re.compile(r"officielebekendmakingen\.nl/((?:kst|h|ah|blg|stcrt|stb)-[\w-]+?)(?:/metadata\.xml)?$")


def _publication_hints(root) -> dict:
    """The publication's own identifier, from its metadata record
    ('…/h-tk-20172018-70-12/metadata.xml'): a public URL, and for Handelingen the
    parliamentary year, which bounds a date the text does not state."""
    for meta in root.iter("meta"):
        m = _PUBLICATION_ID.search(meta.get("content") or "")
        if m:
            ident = m.group(1)
            hints = {"source_url": f"https://zoek.officielebekendmakingen.nl/{ident}.html"}
            year = re.match(r"(?:a?h)-\w+-(\d{4})(\d{4})-", ident)
            if year:
                hints["vergaderjaar"] = [int(year.group(1)), int(year.group(2))]
            return hints
    return {}


def _kamerstuk_hints(content, walker: MarkupWalker) -> dict:
    hints: dict = {}
    number = _text(_first(content, ".//stuknr//ondernummer")) or _text(_first(content, ".//ondernummer"))
    dossiers = [_dossier(d) for d in content.iter("dossiernummer")] or [_text(d) for d in content.iter("dossiernr")]
    if number and dossiers:
        hints["kamerstuk"] = list(dict.fromkeys(dossier_id(d, number) for d in dossiers if d))
    date = _first(content, ".//datumtekst//datum[@isodatum]")
    if date is not None:
        hints["date"] = date.get("isodatum")[:10]
    title = _text(_first(content, "./stuk/titel")) or _text(_first(content, ".//stuk/titel"))
    hints["title"] = title or None
    hints["type"] = document_type(title)
    if hints["type"] == "motie":
        hints["senders"] = _signatures(content)
    return hints


def _dossier(el) -> str:
    """'<dossiernr>36 200</dossiernr><toevoeging>V</toevoeging>' → '36 200 V'."""
    nr = next(el.iter("dossiernr"), el)
    base = tidy((nr.text or "") + "".join(
        (c.tail or "") if c.tag == "toevoeging" else "".join(c.itertext()) + (c.tail or "") for c in nr))
    extra = [_text(t) for t in el.iter("toevoeging")]
    return " ".join([base] + [t for t in extra if t and t not in base.split()])


def _signatures(content) -> list[str]:
    """A motion's signature block: the last group of short name-only paragraphs."""
    groups = list(content.iter("al-groep"))
    if not groups:
        return []
    names = [_text(al) for al in groups[-1].iter("al")]
    if names and all(n and len(n.split()) <= 5 and not re.search(r"[.,;:]$", n) for n in names):
        return names
    return []


def _kamervragen_hints(content) -> dict:
    hints: dict = {}
    answer = _first(content, "./kamervraagomschrijving[@type='antwoord']")
    question = _first(content, "./kamervraagomschrijving[@type='vraag']")
    for el in (answer, question):
        date = _first(el, ".//datum[@isodatum]") if el is not None else None
        if date is not None:
            hints["date"] = date.get("isodatum")[:10]
            break
    if question is not None:
        hints["title"] = re.sub(r"\s*\((?:ingezonden|ontvangen)[^()]*\)\.?\s*$", "", _text(question)) or None
    m = re.search(markup()["answerer"], _text(answer)) if answer is not None else None
    if m:
        hints["senders"] = [f"{m.group('role').capitalize()} van {m.group('org').strip()}"]
    return hints


# --- Handelingen motions ------------------------------------------------------


def handelingen_motions(content) -> list[dict]:
    """Every `<motie>` in a Handelingen item: {id, members, party, text}."""
    motions = []
    for motie in content.iter("motie"):
        info = next(motie.iter("motie-info"), None)
        text = "\n".join(_text(al) for al in motie.iterchildren("al"))
        members = _announced_members(info) or _dash_members(motie) or _speaker_members(motie)
        motions.append({
            "id": _motion_id(motie, info),
            "members": members,
            "party": _party(motie, members),
            "text": text,
        })
    return motions


def _motion_id(motie, info) -> str | None:
    refs = [r.get("doc") for r in (info.iter("extref") if info is not None else [])]
    for doc in refs:
        if doc and re.fullmatch(r"kst-\d{5}(?:-[0-9A-Z]{1,4})?-\d{1,4}", doc):
            return doc
    m = re.fullmatch(r"M-(\d{5}(?:-[0-9A-Z]{1,4})?-\d{1,4})", motie.get("id") or "")
    return f"kst-{m.group(1)}" if m else None


def _split_names(names: str) -> list[str]:
    return [n.strip() for n in re.split(r",\s*|\s+en\s+|/", names) if n.strip()]


def _announced_members(info) -> list[str]:
    """'Deze motie is voorgesteld door de leden Moorlag en Van der Lee.'"""
    if info is None:
        return []
    m = re.search(markup()["motion_members"], _text(info))
    return _split_names(m.group("names")) if m else []


def _dash_members(motie) -> list[str]:
    """An amended motion is announced as 'De motie-Wassenberg (...) is gewijzigd'."""
    prev = motie.getprevious()
    m = re.search(markup()["motion_dash"], _text(prev)) if prev is not None else None
    return _split_names(m.group("names")) if m else []


def _speaker(motie):
    turn = next(motie.iterancestors("spreekbeurt"), None)
    return next(turn.iterchildren("spreker"), None) if turn is not None else None


def _speaker_name(spreker) -> str:
    naam = next(spreker.iter("naam"), None)
    if naam is None:
        return ""
    return tidy(" ".join(t for c in naam.iter() if c.tag not in ("naam", "voornaam") for t in [c.text or ""]))


def _speaker_members(motie) -> list[str]:
    spreker = _speaker(motie)
    name = _speaker_name(spreker) if spreker is not None else ""
    return [name] if name and name.lower() != "voorzitter" else []


def _party(motie, members: list[str]) -> str | None:
    """The speaker's party, when the speaker is (the first of) the submitters."""
    spreker = _speaker(motie)
    if spreker is None:
        return None
    party = _text(next(spreker.iter("politiek"), None))
    name = _speaker_name(spreker).lower()
    if party and members and name and name.split()[-1] in members[0].lower():
        return party
    return None


# --- PLOOI --------------------------------------------------------------------


def plooi_hints(root) -> dict:
    """Dublin Core fields of a PLOOI record: identifier, title, type, dates."""
    hints: dict = {}
    ident = _text(_first(root, ".//owmskern/identifier"))
    m = re.match(r"(kst-\d{5}(?:-[0-9A-Z]{1,4})?-(?:\d{1,4}|[A-Z]{1,2}))(?:_\d+)?$", ident)
    if m:
        hints["kamerstuk"] = [m.group(1)]
    title = _text(_first(root, ".//owmskern/title"))
    if title:
        parts = [p.strip() for p in title.split(";") if p.strip()]
        hints["title"] = parts[-1]
        hints["type"] = next((t for t in map(document_type, parts[1:] + parts[:1]) if t), None)
    issued = _text(_first(root, ".//issued"))
    if re.match(r"\d{4}-\d{2}-\d{2}", issued):
        hints["date"] = issued[:10]
    return hints
