"""Motions (moties): how letters refer to them, and motion documents themselves.

A letter names a motion by its submitters ('de motie van het lid Kuzu (DENK)',
'motie Brekelmans/Mulder', 'motie-Van Raan c.s.'), by its Kamerstuk number
(inline or in the footnote its marker points to), or both. Policy staff want
to know which letter answered which motion, so every mention gets a status:
`completed` when the letter declares the motion done, `responding` for a
partial answer or progress report, else `referenced`. Cue lists and name
grammar are data in `motions.yaml`.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from extract.citations import find_references, kst_id, split_dossier
from extract.datafiles import load_yaml
from extract.model import Document
from extract.patterns import expand
from extract.prefilter import Prefiltered
from extract.sentences import split_spans

_DATA = Path(__file__).with_name("motions.yaml")
_PARTICLES = {"van", "de", "der", "den", "ter", "ten", "te", "in", "'t", "le", "la", "di", "du", "op"}
_STATUS_RANK = {"completed": 3, "responding": 2, "referenced": 1}


@lru_cache(maxsize=1)
def _data() -> dict:
    return load_yaml(_DATA)


def _expand(template: str) -> str:
    return expand(template, _data()["parts"])


@lru_cache(maxsize=None)
def _rx(template: str, flags: int = 0) -> re.Pattern:
    return re.compile(_expand(template), flags)


@lru_cache(maxsize=1)
def _parties() -> dict[str, str]:
    return {p.lower(): p for p in _data()["parties"]}


# --- names ---------------------------------------------------------------------

def surname(name: str) -> str:
    """The surname as the Kamer writes it: 'Agnes Mulder' → 'Mulder', 'Jasper van Dijk' → 'Van Dijk'.

    A leading capitalised word followed by more name words is a given name,
    unless it is a particle ('Van Der Werf' stays whole).
    """
    words = name.split()
    if len(words) > 1 and words[0].lower() not in _PARTICLES:
        words = words[1:]
    out = " ".join(words)
    return out[:1].upper() + out[1:]


def _title_case(upper: str) -> str:
    """'VAN DER LEE' → 'Van der Lee'; 'DE ROON' → 'De Roon'; 'AGNES MULDER' → 'Agnes Mulder'."""
    words = upper.lower().split()
    out = []
    for i, w in enumerate(words):
        if w in _PARTICLES and i > 0:
            out.append(w)
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in w.split("-")))
    return " ".join(out)


def _split_names(text: str) -> list[str]:
    parts = re.split(r"\s*/\s*|\s*,\s*|\s+en\s+", text.strip())
    parts = [re.sub(r"^(?:de\s+heer|mevrouw|het\s+lid)\s+", "", p) for p in parts]
    return [surname(p) for p in parts if p.strip()]


# --- mentions in running text -------------------------------------------------

def _find_mentions(text: str) -> list[dict]:
    """Motion mentions in one text: {start, end, members, party, cs}."""
    taken: list[tuple[int, int]] = []
    out = []
    for pattern in _mention_res():
        for m in pattern.finditer(text):
            start = m.start()
            if any(s < m.end() and start < e for s, e in taken):
                continue
            gd = m.groupdict()
            members = _split_names(gd["members"]) if gd.get("members") else []
            party = _parties().get((gd.get("party") or "").lower())
            if party:
                end = m.end()
            elif gd.get("cs"):
                end = m.end("cs")
            elif gd.get("members"):
                end = m.end("members")
            else:
                end = m.end()
            taken.append((start, end))
            out.append({"start": start, "end": end, "members": members, "party": party, "cs": bool(gd.get("cs"))})
    return sorted(out, key=lambda x: x["start"])


@lru_cache(maxsize=1)
def _mention_res() -> list[Prefiltered]:
    return [Prefiltered(_rx(template)) for template in _data()["mention_patterns"]]


def _sentence_span(spans: list[tuple[int, int]], offset: int, length: int) -> tuple[int, int]:
    for s, e in spans:
        if s <= offset < e:
            return s, e
    return 0, length


def _inline_id(text: str, refs: list[dict], end: int, limit: int) -> str | None:
    """A kst id right after the mention: inside a parenthesis it opens, or after a comma."""
    for r in refs:
        if r["kind"] != "kst" or r["start"] < end or r["start"] >= limit:
            continue
        between = text[end : r["start"]]
        if len(between) > 220:
            return None
        if between.count("(") > between.count(")") or re.fullmatch(r"\s*[,:]?\s*", between):
            return r["id"]
        return None
    return None


def _footnote_id(doc: Document, text: str, notes: list, lo: int, hi: int) -> str | None:
    """The first kst id in a footnote whose marker sits between `lo` and `hi`.

    A marker after another document's name ('zoals beschreven in de brief²')
    cites that document, not the motion.
    """
    other = _data()["other_document_nouns"]
    for ref in sorted(notes, key=lambda n: n.offset):
        if lo <= ref.offset <= hi:
            if re.search(other, text[lo : ref.offset], re.I):
                return None
            note = doc.footnote(ref.number)
            if note:
                kst = [r for r in find_references(note.text) if r["kind"] == "kst"]
                if kst:
                    return kst[0]["id"]
    return None


def classify(sentence: str) -> str:
    """completed | responding | referenced, from the cues of the mention's sentence.

    Pass the sentence without the motion's own title: a hedge inside the
    title ('een toolbox die zou kunnen bijdragen') is the motion's wording,
    not the letter's.
    """
    st = _data()["status"]
    flags = re.I | re.S
    if any(re.search(p, sentence, flags) for p in st["earlier"]):
        return "referenced"
    negated = any(re.search(p, sentence, flags) for p in st["negations"])
    if not negated and any(re.search(p, sentence, flags) for p in st["completed"]):
        return "completed"
    if not negated and any(re.search(p, sentence, flags) for p in st["completed_weak"]):
        hedged = any(re.search(p, sentence, flags) for p in st["hedges"])
        return "responding" if hedged else "completed"
    if any(re.search(p, sentence, flags) for p in st["responding"]):
        return "responding"
    return "referenced"


def _title(text: str, end: int) -> tuple[str | None, int]:
    """The 'over ...' title after a mention, and where it (and a following parenthesis) ends."""
    m = re.match(_data()["title_pattern"], text[end:])
    if not m:
        return None, end
    stop = end + m.end()
    paren = re.match(r"\s*\([^()]*\)", text[stop:])
    return m.group("title").strip(), stop + (paren.end() if paren else 0)


def _mentions_in(doc: Document, text: str, notes: list, passage: int | None, footnote: str | None) -> list[dict]:
    found = _find_mentions(text)
    if not found:
        return []
    refs = find_references(text)
    spans = split_spans(text)
    out = []
    for i, m in enumerate(found):
        s_start, s_end = _sentence_span(spans, m["start"], len(text))
        nxt = found[i + 1]["start"] if i + 1 < len(found) and found[i + 1]["start"] < s_end else s_end
        motion_id = _inline_id(text, refs, m["end"], nxt) or _footnote_id(doc, text, notes, m["end"], nxt + 2)
        if not m["members"] and not motion_id:
            continue
        sentence = text[s_start:s_end].strip()
        title, title_end = _title(text, m["end"])
        own_words = text[s_start : m["end"]] + " " + text[min(title_end, s_end) : s_end]
        own_words = re.sub(_data()["quoted"], " ", own_words)
        out.append({
            "id": motion_id, "members": m["members"], "party": m["party"],
            "status": classify(own_words), "passage": passage, "footnote": footnote,
            "sentence": sentence, "surface": text[m["start"] : m["end"]], "title": title,
            "cs": m["cs"],
        })
    return out


def _key(members: list[str]) -> frozenset[str]:
    return frozenset(re.sub(r"^(?:(?:van|de|der|den|ter|ten|te)\s+)+", "", n.lower()) for n in members)


def _share_ids(mentions: list[dict]) -> None:
    """Within one document the same submitters name the same motion: lend it the id."""
    by_members: dict[frozenset, set[str]] = {}
    for m in mentions:
        if m["id"] and m["members"]:
            by_members.setdefault(_key(m["members"]), set()).add(m["id"])
    for m in mentions:
        if not m["id"] and m["members"]:
            ids = by_members.get(_key(m["members"]), set())
            if len(ids) == 1:
                m["id"] = next(iter(ids))


def debate_motions(doc: Document) -> list[dict]:
    """The motions a debate's text holds whole, as the XML reader gives them from
    `<motie>` elements ({id, members, party, text}): for Handelingen read from PDF or
    text (load_document puts them in the same hint). Each runs from 'De Kamer, gehoord
    de beraadslaging' to 'en gaat over tot de orde van de dag'; the chair's
    announcement after it names its members and number."""
    d = _data()["debate"]
    text = _full_text(doc)
    starts = [m.start() for m in re.finditer(d["start"], text)]
    out = []
    for i, start in enumerate(starts):
        end = re.compile(d["end"]).search(text, start)
        if not end:
            continue
        after = text[end.end():starts[i + 1] if i + 1 < len(starts) else end.end() + 1500]
        names = re.search(d["members"], after)
        number = re.search(d["number"], after)
        members = _split_names(names.group("names")) if names else []
        speaker = list(re.finditer(d["speaker"], text[max(0, start - 3000):start]))
        party = speaker[-1].group("party") if speaker and members and surname(speaker[-1].group("name")) in (
            members[0], surname(members[0])) else None
        out.append({
            "id": kst_id(*split_dossier(number.group("dossier")), number.group("nr")) if number else None,
            "members": members, "party": party, "text": text[start:end.end()],
        })
    return out


def _hint_mentions(doc: Document) -> list[dict]:
    """Motions a reader found in the source's structure (Handelingen XML), or the
    text of a debate holds whole (see `debate_motions`)."""
    out = []
    for h in doc.hints.get("motions") or []:
        text = h.get("text") or ""
        out.append({
            "id": h.get("id"), "members": [surname(n) for n in h.get("members") or []], "party": h.get("party"),
            "status": "referenced", "passage": None, "footnote": None,
            "sentence": text[:500] or None, "surface": None, "title": h.get("title"), "cs": False,
        })
    return out


def extract_motion_mentions(doc: Document) -> list[dict]:
    """Every motion mention in `doc` (passages, footnotes, reader hints), in reading order.

    Each: {id, members, party, status, passage, footnote, sentence, surface, title}.
    A motion document's own header is not a mention (see `parse_motion_document`).
    """
    own = set(doc.meta.kamerstuk)
    out: list[dict] = []
    for p in doc.passages:
        out += _mentions_in(doc, p.text, p.notes, p.order, None)
    for f in doc.footnotes:
        out += _mentions_in(doc, f.text, [], f.passage, f.number)
    _share_ids(out)
    known = {m["id"] for m in out if m["id"]}
    out += [h for h in _hint_mentions(doc) if not h["id"] or h["id"] not in known]
    if is_motion_document(doc):
        # The motion's own header ('Motie van het lid X') is the document, not a mention of it.
        mine = _key(_header_members(_full_text(doc))[0])
        out = [m for m in out if not ((m["id"] and m["id"] in own) or (not m["id"] and _key(m["members"]) & mine))]
    return out


def merge_mentions(mentions: list[dict]) -> list[dict]:
    """One entry per motion of a document: the strongest status wins.

    The per-document summary (`kb extract`) wants each motion once; the
    mentions table keeps every mention with its sentence as evidence.
    """
    merged: list[dict] = []
    for m in mentions:
        same = next((g for g in merged if (m["id"] and g["id"] == m["id"])
                     or (not (m["id"] and g["id"]) and m["members"] and _key(m["members"]) & _key(g["members"]))), None)
        if same is None:
            merged.append(dict(m))
            continue
        same["id"] = same["id"] or m["id"]
        same["party"] = same["party"] or m["party"]
        for n in m["members"]:
            if _key([n]) - _key(same["members"]):
                same["members"] = same["members"] + [n]
        if _STATUS_RANK[m["status"]] > _STATUS_RANK[same["status"]]:
            same.update(status=m["status"], sentence=m["sentence"], passage=m["passage"])
    return merged


# --- motion documents -----------------------------------------------------------

def _full_text(doc: Document) -> str:
    return "\n".join([doc.front_matter] + [p.text for p in doc.passages])


def is_motion_document(doc: Document) -> bool:
    """Typed 'motie', or untyped with a motion's header or formula.

    Handelingen and letters quote whole motions; those are not motion documents.
    """
    if doc.meta.type == "motie":
        return True
    if doc.meta.type != "other":
        return False
    text = _full_text(doc)[:6000]
    return any(re.search(p, text, re.S) for p in _data()["document"]["is_motion"])


def _header_members(text: str) -> tuple[list[str], bool]:
    d = _data()["document"]
    m = re.search(d["header"], text)
    if m:
        raw = m.group("members").strip()
        cs = bool(re.search(r"\bC\.\s?S\.?$", raw))
        raw = re.sub(r"\s*\bC\.\s?S\.?$", "", raw).strip()
        names = [n for n in re.split(r"\s*,\s*|\s+EN\s+", raw) if n.strip()]
        return [surname(_title_case(n)) for n in names], cs
    m = _rx(d["header_mixed"]).search(text)
    if m:
        return _split_names(m.group("members")), bool(m.group("cs"))
    return [], False


def _signatures(text: str) -> list[str]:
    """Names after 'en gaat over tot de orde van de dag', before the print footer."""
    d = _data()["document"]
    end = None
    for c in d["clauses"]:
        if c["kind"] == "end":
            end = list(re.finditer(c["regex"], text, re.I))
    if not end:
        return []
    tail = text[end[-1].end():]
    stop = re.search(d["signature_end"], tail)
    tail = tail[: stop.start()] if stop else tail
    name = _rx("(?:{particle}\\s+)*{cap_word}")
    names = [m.group(0) for m in name.finditer(tail.lstrip(" .,;\n"))]
    return [surname(_title_case(n)) if n.isupper() else surname(n) for n in names if len(n) > 2]


def _clauses(text: str) -> tuple[list[str], list[str]]:
    d = _data()["document"]
    start = re.search(d["start"], text, re.I)
    body = text[start.end():] if start else text
    marks = []
    for c in d["clauses"]:
        marks += [(m.start(), c["kind"]) for m in re.finditer(c["regex"], body, re.I)]
    marks.sort()
    considerations, requests = [], []
    for i, (pos, kind) in enumerate(marks):
        if kind == "end":
            break
        # A clause opener inside a clause ('van mening' mid-sentence) only counts after ';' ',' or a line start.
        if i and not re.search(r"(?:[;,:]|\n|^)\s*$", body[:pos]):
            continue
        nxt = next((p for p, _ in marks[i + 1:] if p > pos and re.search(r"(?:[;,:.]|\n)\s*$", body[:p])), len(body))
        clause = re.sub(r"\s+", " ", body[pos:nxt]).strip(" ,;.\n")
        (considerations if kind == "consideration" else requests).append(clause)
    return considerations, requests


def _deadline(requests: list[str]) -> str | None:
    for r in requests:
        for p in _data()["document"]["deadlines"]:
            m = re.search(p, r, re.I)
            if m:
                return m.group(0).strip()
    return None


def parse_motion_document(doc: Document) -> dict | None:
    """The motion a document IS: submitters, date, considerations, requests, deadline.

    None for documents that are no motion. Tolerates OCR noise: the header
    and clause openers are matched loosely and case-insensitively.
    """
    if not is_motion_document(doc):
        return None
    from extract.metadata import parse_dutch_date

    text = _full_text(doc)
    members, cs = _header_members(text)
    signed = _signatures(text)
    if cs or not members:
        have = _key(members)
        members = members + [n for n in signed if not (_key([n]) & have)]
    party = next((m.group(1) for m in re.finditer(r"\(([^()]{2,25})\)", text[:3000])
                  if m.group(1).lower() in _parties()), None)
    proposed = re.search(_data()["document"]["proposed"], text)
    date = parse_dutch_date(proposed.group("date")) if proposed else doc.meta.date
    considerations, requests = _clauses(text)
    return {
        "id": doc.meta.kamerstuk[0] if doc.meta.kamerstuk else None,
        "members": members,
        "party": party,
        "date": date.isoformat() if date else None,
        "considerations": considerations,
        "requests": requests,
        "deadline_text": _deadline(requests),
    }


def embedded_motions(doc: Document) -> list[dict]:
    """Motions whose full text a document carries (Handelingen: `<motie>` elements, as the
    XML reader hands them over in hints, or their text), parsed like a motion document."""
    out = []
    for m in doc.hints.get("motions") or []:
        considerations, requests = _clauses(m.get("text") or "")
        if not m.get("id") and not requests:
            continue
        out.append({"id": m.get("id"), "members": m.get("members") or [], "party": m.get("party"),
                    "date": doc.meta.date.isoformat() if doc.meta.date else None,
                    "considerations": considerations, "requests": requests, "deadline_text": _deadline(requests)})
    return out
