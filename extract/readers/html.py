"""HTML pages: officielebekendmakingen .html, the XHTML body of PLOOI records, other web pages.

Only the document body is text: scripts, styles, navigation, page headers and
footers are dropped before anything is read. Footnote markers (`<sup>`, or
links to a note) become `[^N]`, and the notes they point to (a note list, a
`noot` div) become `RawDocument.footnotes`. The `<meta>` fields that
officielebekendmakingen pages carry (identifier, date, type, title,
submitters) become hints. Element roles are data in `markup.yaml`.
"""
from __future__ import annotations

import re
from pathlib import Path

import lxml.html
from lxml import etree

from extract.metadata import dossier_id
from extract.model import RawDocument, ReadError
from extract.readers.xml import (
    MarkupWalker, Roles, classes, decode_markup, document_type, markup, strip_namespaces, tidy,
)

_NUMBER = re.compile(r"\(?\[?([0-9]{1,3}[a-z]?)\]?\)?")
_KST = re.compile(r"(kst-\d{5}(?:-[0-9A-Z]{1,4})?-(?:\d{1,4}|[A-Z]{1,2}))(?:_\d+)?")  # letters: Eerste Kamer
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_html(path: Path) -> RawDocument:
    """Read an HTML/XHTML page into blocks, footnotes and metadata hints."""
    path = Path(path)
    text = decode_markup(path.read_bytes(), path)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                  huge_tree=False, default_doctype=False)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ReadError(path, f"unreadable HTML: {exc}") from exc
    strip_namespaces(root)
    return raw_from_html_tree(path, root, fmt="html")


def raw_from_html_tree(path: Path, root, fmt: str = "html") -> RawDocument:
    """Blocks, notes and hints from a parsed (X)HTML tree; used by the XML reader too."""
    spec = markup()["html"]
    hints = meta_hints(root)
    _drop_furniture(root, spec)
    body = _body(root, spec)
    walker = MarkupWalker(Roles(spec))
    walker.notes = extract_notes(body, spec)
    walker.walk(body)
    if not walker.blocks:
        raise ReadError(path, "HTML page holds no body text")
    if hints.get("type") == "kamervragen" and not hints.get("senders"):
        for block in walker.blocks[:6]:
            m = re.search(markup()["answerer"], block.text)
            if m:
                hints["senders"] = [f"{m.group('role').capitalize()} van {m.group('org').strip()}"]
                break
    return RawDocument(
        path=path, format=fmt, blocks=walker.blocks, footnotes=walker.notes,
        hints={k: v for k, v in hints.items() if v not in (None, "", [])},
        front_matter="\n".join(walker.front), tables=walker.tables,
    )


# --- page furniture -----------------------------------------------------------


def remove_keep_tail(el) -> None:
    """Remove an element but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _drop_furniture(root, spec: dict) -> None:
    drop = set(spec["drop"])
    ids = {i.lower() for i in spec["drop_ids"]}
    cls = set(spec["drop_classes"])
    roles = set(spec["drop_roles"])
    doomed = [
        el for el in root.iter()
        if not isinstance(el.tag, str) or el.tag in drop or (el.get("id") or "").lower() in ids
        or classes(el) & cls or (el.get("role") or "").lower() in roles
    ]
    for el in doomed:
        remove_keep_tail(el)


def _body(root, spec: dict):
    ids = set(spec["body_ids"])
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("id") in ids:
            return el
    for tag in spec["body_tags"]:
        found = next(root.iter(tag), None)
        if found is not None:
            return found
    return next(root.iter("body"), root)


# --- footnotes ----------------------------------------------------------------


def _tokens(el) -> set[str]:
    ident = (el.get("id") or "").lower()
    return {c.lower() for c in classes(el)} | ({ident} if ident else set())


def _is_note_container(el, spec: dict) -> bool:
    return bool(_tokens(el) & set(spec["note_container_tokens"])) or el.get("role") == spec["note_roles"][0]


def _is_note_item(el, spec: dict) -> bool:
    return bool(_tokens(el) & set(spec["note_tokens"])) or el.get("role") in spec["note_roles"][1:]


def extract_notes(body, spec: dict) -> dict[str, str]:
    """Find note texts and their markers; markers become `[^N]`, notes leave the body.

    A marker is a link to an element in the page ('<a href="#n1">1</a>',
    often inside <sup>) or a bare '<sup>1</sup>' whose number has a note.
    A bare superscript without a note (m<sup>2</sup>) stays text.
    """
    by_id = {el.get("id"): el for el in body.iter() if isinstance(el.tag, str) and el.get("id")}
    by_id.update({el.get("name"): el for el in body.iter("a") if el.get("name") and el.get("name") not in by_id})
    containers = [el for el in body.iter() if isinstance(el.tag, str) and _is_note_container(el, spec)]
    items = _note_items(containers, body, spec)

    def in_notes(el) -> bool:
        return any(a in containers or a in items for a in [el, *el.iterancestors()])

    links = []
    for a in body.iter("a"):
        href = a.get("href") or ""
        m = _NUMBER.fullmatch(tidy("".join(a.itertext())))
        if not (href.startswith("#") and m and href[1:] in by_id) or in_notes(a):
            continue
        item = _item_for(by_id[href[1:]], items, spec)
        note_like = item in items or _marker_element(a).tag == "sup" or _tokens(a) & set(spec["note_number_tokens"])
        if note_like and len("".join(item.itertext())) < 3000:
            links.append((a, m.group(1), item))
    notes: dict = {}
    for a, number, item in links:
        if number not in notes and not any(item is x for x in notes.values()):
            notes[number] = item
    for seq, item in enumerate(items, 1):
        if not any(item is x for x in notes.values()):
            notes.setdefault(_item_number(item, spec) or str(seq), item)
    texts = {n: _note_text(item, spec) for n, item in notes.items()}
    texts = {n: t for n, t in texts.items() if t}
    for a, number, item in links:
        if number in texts:
            _replace_marker(_marker_element(a), number)
    # A bare superscript is a marker only for a note no link claims: 'm<sup>2</sup>' stays text.
    linked = {number for _, number, _ in links}
    for sup in list(body.iter("sup")):
        m = _NUMBER.fullmatch(tidy("".join(sup.itertext())))
        if (m and m.group(1) in texts and m.group(1) not in linked and not in_notes(sup)
                and sup.getparent() is not None):
            _replace_marker(sup, m.group(1))
    for el in containers + items + list(notes.values()):
        if el.getparent() is not None:
            remove_keep_tail(el)
    return texts


def _note_items(containers: list, body, spec: dict) -> list:
    """Single notes: marked note elements, or the items of a note container."""
    items = [el for el in body.iter() if isinstance(el.tag, str) and _is_note_item(el, spec)
             and el not in containers]
    for box in containers:
        if any(i in items for i in box.iter()):
            continue
        items += [el for el in box.iter("li", "dd")] or [el for el in box if el.tag in ("p", "div")]
    return items


def _item_for(target, items: list, spec: dict):
    """The note a marker's link points to: the target itself or the note around it."""
    for el in [target, *target.iterancestors()]:
        if el in items:
            return el
    if target.tag == "a" and not "".join(target.itertext()).strip() and target.getparent() is not None:
        return target.getparent()
    return target


def _item_number(item, spec: dict) -> str | None:
    tokens = set(spec["note_number_tokens"])
    for el in item.iter():
        if el is not item and (_tokens(el) & tokens or el.tag in ("sup", "dt")):
            m = _NUMBER.fullmatch(tidy("".join(el.itertext())))
            if m:
                return m.group(1)
    prev = item.getprevious()
    if item.tag == "dd" and prev is not None and prev.tag == "dt":
        m = _NUMBER.fullmatch(tidy("".join(prev.itertext())))
        return m.group(1) if m else None
    if item.tag == "li":
        if item.get("value", "").isdigit():
            return item.get("value")
        siblings = [s for s in item.itersiblings(preceding=True) if s.tag == "li"]
        return str(len(siblings) + 1)
    m = re.match(r"\s*([0-9]{1,3}[a-z]?)[\s.)]", "".join(item.itertext()))
    return m.group(1) if m else None


def _note_text(item, spec: dict) -> str:
    """A note's text without its number and its link back to the marker."""
    clone = lxml.html.fromstring(etree.tostring(item, encoding="unicode"))
    back = set(spec["backlink_tokens"])
    numbers = set(spec["note_number_tokens"])
    for el in list(clone.iter()):
        if el is clone:
            continue
        text = tidy("".join(el.itertext()))
        if (_tokens(el) & (back | numbers) or text in {"↩", "↩︎", "^", "↑"}
                or (el.tag in ("sup", "a", "span", "dt") and _NUMBER.fullmatch(text) and _is_leading(el, clone))):
            remove_keep_tail(el)
    text = tidy("".join(clone.itertext()))
    # A number typed before the note ('1 Kamerstuk ...'), not a dossier number ('30 821, nr. 1').
    if not re.match(r"\d{2}\s\d{3}\b", text):
        text = re.sub(r"^[0-9]{1,3}[a-z]?[.)]?\s+(?=\S)", "", text)
    return text


def _is_leading(el, item) -> bool:
    """No text comes before `el` inside the note: it is the note's number."""
    before = []
    for node in item.iter():
        if node is el:
            break
        before.append(node.text or "")
        if node is not item and el not in node.iterdescendants():
            before.append(node.tail or "")
    return not "".join(before).strip()


def _marker_element(a):
    parent = a.getparent()
    if parent is not None and parent.tag == "sup" and tidy("".join(parent.itertext())) == tidy("".join(a.itertext())):
        return parent
    return a


def _replace_marker(el, number: str) -> None:
    tail = el.tail
    el.clear()
    el.tag = "span"
    el.text = f"[^{number}]"
    el.tail = tail


# --- metadata -----------------------------------------------------------------


def meta_hints(root) -> dict:
    """What the page's <meta> fields state: Kamerstuk id, date, title, type, submitters."""
    spec = markup()["meta"]
    metas: dict[str, list[str]] = {}
    for m in root.iter("meta"):
        name = (m.get("name") or "").lower()
        content = tidy(m.get("content") or "")
        if name and content:
            metas.setdefault(name, []).append(content)

    def values(field: str) -> list[str]:
        return [v for name in spec[field] for v in metas.get(name, [])]

    hints: dict = {}
    ids = [m.group(1) for v in values("identifier") for m in [_KST.fullmatch(v)] if m]
    if not ids and values("dossier") and values("number"):
        ids = [dossier_id(values("dossier")[0], values("number")[0])]
    hints["kamerstuk"] = list(dict.fromkeys(ids))
    hints["date"] = next((v[:10] for v in values("date") if _ISO_DATE.match(v)), None)
    title_el = next(root.iter("title"), None)
    hints["title"] = next(iter(values("title")), None) or (tidy(title_el.text_content()) if title_el is not None else None)
    hints["type"] = next((t for t in map(document_type, values("type")) if t), None)
    if hints["type"] == "motie":
        hints["senders"] = values("submitters")
    hints["reference"] = next(iter(values("reference")), None)
    return hints
