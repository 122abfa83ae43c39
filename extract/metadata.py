"""A document's own metadata: date, type, Kamerstuk ids, title, senders, reference.

Read from the front matter and the first passages, where letters state them
('Den Haag, 12 mei 2023', 'Datum 8 november 2022', 'Betreft ...', the
Kamerstuk header '30 821 ... 21 501-02 ... Nr. 181'). A reader's hints (XML
states them outright) win over what the text suggests; a sidecar
`.meta.yaml` wins over both (applied in `extract.pipeline`).
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

from extract.datafiles import load_yaml
from extract.model import Document, Meta
from extract.patterns import caseless, fold
from extract.prefilter import Prefiltered

_DATA = Path(__file__).with_name("metadata.yaml")
_HEAD_PASSAGES = 12

# The Kamerstuk header: dossier numbers on their own lines ('30 821', '21 501-02',
# '36 200 V'), then 'Nr. 181'. A printed footer line states the same
# ('Tweede Kamer, vergaderjaar 2022–2023, 35 594, nr. 37'), and so do the
# 'kst-35594-37' stamp and a motion's first line ('36410-V-44').
# The official layout's head: each dossier on its own line, alone or with its
# title ('21 501-30 Raad voor Concurrentievermogen', '36 200 V Vaststelling ...'),
# then 'Nr. 590', alone or with the document's kind ('Nr. 590 BRIEF VAN DE ...').
# Beside a title, a toevoeging is a Roman numeral or one letter, so that a title's
# first word ('EU', 'NAVO') is not read as one.
_DOSSIER_LINE = re.compile(r"^[ \t]*(\d{2}\s?\d{3}(?:-[0-9A-Z]{1,3})?(?:(?:[ \t]+[A-Z]{1,4})?[ \t]*$|"
                           r"(?:[ \t]+(?:[IVXL]{1,5}|[A-Z]))?(?=[ \t]+[A-Z][a-z]|[ \t]+[A-Z]{2,}\b)))", re.M)
_NR_LINE = re.compile(r"^[ \t]*Nr\.[ \t]*(\d{1,4})(?:[ \t]*$|[ \t]+[A-Z]{2,})", re.M)
_FOOTER = re.compile(
    r"Tweede Kamer, vergaderjaar \d{4}[–-]\d{4}, ((?:\d{2}\s?\d{3}(?:-[0-9A-Z]{1,3})?(?: [A-Z]{1,4})?(?:,| en) )+)nr\.\s*(\d{1,4})"
)
_KST_STAMP = re.compile(r"\bkst-(\d{5})(?:-([0-9A-Z]{1,3}))?-(\d{1,4}|[A-Z]{1,2})\b")  # 'kst-35300-A': Eerste Kamer
_TOP_ID = re.compile(r"^\s*(\d{5})-(?:([0-9A-Z]{1,3})-)?(\d{1,4})\b(?![-/])", re.M)
_DANGLING = re.compile(r"\b(?:of|the|for|on|and|to|in|a|an|van|de|het|voor|en|op|over|met|naar)$", re.I)
_BETREFT = re.compile(r"(?:^|\s)(?:(?:Betreft|Onderwerp)\s*:?|Subject\s*:)\s+(.+)$", re.M)  # Subject: Council
_REFERENCE = re.compile(r"(?:Onze\s+referentie|Ons\s+kenmerk|Kenmerk)\s*:?\s*\n*\s*([A-Z0-9][\w\-/.]{3,})", re.I)
_FULL_DATE = r"(\d{{1,2}})\s+({months})\s+(\d{{4}})"


@lru_cache(maxsize=1)
def _data() -> dict:
    return load_yaml(_DATA)


def parse_dutch_date(text: str) -> dt.date | None:
    """'12 mei 2023' → date(2023, 5, 12); None when it is no valid date."""
    months = _data()["months"]
    numeric = re.fullmatch(r"\s*(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})\s*", text)
    if numeric:  # '20.6.2023' (EU cover pages), '28-10-2016'
        try:
            return dt.date(int(numeric.group(3)), int(numeric.group(2)), int(numeric.group(1)))
        except ValueError:
            return None
    m = re.search(_FULL_DATE.format(months="|".join(months)), text, re.I)
    if not m:
        return None
    try:
        return dt.date(int(m.group(3)), months[m.group(2).lower()], int(m.group(1)))
    except ValueError:
        return None


def dossier_id(dossier: str, number: str) -> str:
    """'21 501-02' + '181' → 'kst-21501-02-181'; '36 200 V' + '50' → 'kst-36200-V-50'."""
    dossier = re.sub(r"(?<=\d)\s(?=\d)", "", dossier.strip())
    parts = re.split(r"[\s-]+", dossier)
    return "kst-" + "-".join(parts + [number])


def head_text(doc: Document) -> str:
    return "\n".join([doc.front_matter] + [p.text for p in doc.passages[:_HEAD_PASSAGES]])


def own_eu_ids(doc: Document) -> list[str]:
    """An EU paper's own number: 'COM(2023) 335 final' on its cover page.

    The word 'final' (or the number standing before any body text) marks the
    paper's own identity; numbers cited later in the text are citations.
    """
    from extract.citations import find_references

    top = head_text(doc)[:1500]
    ids = [r["id"] for r in find_references(top)
           if r["kind"] == "eu_doc" and re.search(r"\b(?:final|def\.?|definitief)\b",
                                                 r["surface"] + top[r["end"]:r["end"] + 12], re.I)]
    return list(dict.fromkeys(ids))


def own_kamerstuk_ids(doc: Document) -> list[str]:
    """The document's own Kamerstuk ids: from the official head (dossier lines, then
    'Nr. 590'), else its page footer, else its publication stamp."""
    front = doc.front_matter
    ids: list[str] = []
    # a reader that found no front matter leaves the head's lines as the first passages
    head = front or "\n".join(p.text for p in doc.passages[:8])
    nr = _NR_LINE.search(head)
    if nr:
        dossiers = [m.group(1) for m in _DOSSIER_LINE.finditer(head[: nr.start()])]
        ids = [dossier_id(d, nr.group(1)) for d in dossiers]
    tail = "\n".join(p.text for p in doc.passages[:40])
    if not ids:
        m = _FOOTER.search(front + "\n" + tail)
        if m:
            ids = [dossier_id(d, m.group(2)) for d in re.split(r",\s*|\s+en\s+", m.group(1)) if d.strip()]
    if not ids:
        top = "\n".join([front] + [p.text for p in doc.passages[:3]])[:400]
        m = _KST_STAMP.search(front + "\n" + tail) or _TOP_ID.search(top)
        if m:
            ids = ["kst-" + "-".join(g for g in m.groups() if g)]
    return list(dict.fromkeys(ids))


def document_date(doc: Document) -> tuple[dt.date | None, bool]:
    """The document's own date, and whether it had to be estimated."""
    head = head_text(doc)
    for pattern in _data()["date_lines"]:
        for m in re.finditer(pattern, head, re.I | re.M):
            date = parse_dutch_date(m.group("date"))
            if date:
                return date, False
    return estimate_date(doc) or estimate_from_promises(doc), True


def estimate_from_promises(doc: Document) -> dt.date | None:
    """No past date to go by: a little before the earliest period the letter's
    promises name ('in het eerste kwartaal van 2025' → written late 2024 or early 2025)."""
    from extract.sentences import split
    from extract.temporal import earliest_future_start

    future = re.compile(r"\b(?:zal|zullen|wordt|worden|voornemens|streven|verwacht|starten|will)\b", re.I)
    texts = [s for p in doc.passages for s in split(p.text) if future.search(s)]
    start = earliest_future_start(texts)
    return start + dt.timedelta(days=7) if start else None


def estimate_date(doc: Document) -> dt.date | None:
    """No date stated: the latest full date the text mentions as past.

    Letters refer back to recent events ('op 17 oktober jl.', 'Op 25 augustus
    2023 heeft uw Kamer ... ontvangen'); the letter is written shortly after
    the latest of them. Dates in promises ('voor 1 juni 2025') are future and
    not counted: we take only dates in sentences without future markers.
    """
    from extract.sentences import split

    months = _data()["months"]
    full = re.compile(_FULL_DATE.format(months="|".join(months)), re.I)
    month_jl = re.compile(r"\b(?:(\d{1,2})\s+)?(" + "|".join(months) + r")\s+jl\.", re.I)
    future = re.compile(r"\b(?:zal|zullen|wordt verwacht|voornemens|streven|uiterlijk|voor\s+\d|naar verwachting)\b", re.I)
    dated: list[dt.date] = []
    jl_months: list[tuple[int | None, int]] = []
    texts = [p.text for p in doc.passages] + [f.text for f in doc.footnotes]
    for text in texts:
        for sentence in split(text):
            if future.search(sentence):
                continue
            for m in full.finditer(sentence):
                try:
                    dated.append(dt.date(int(m.group(3)), months[m.group(2).lower()], int(m.group(1))))
                except ValueError:
                    pass
            for m in month_jl.finditer(sentence):
                jl_months.append((int(m.group(1)) if m.group(1) else None, months[m.group(2).lower()]))
    if not dated:
        return None
    latest = max(dated)
    # 'd month jl.' names no year: read it in the year of the latest full date;
    # one later in that year moves the estimate on, an earlier one says nothing.
    for day, month in jl_months:
        try:
            candidate = dt.date(latest.year, month, day or 1)
        except ValueError:
            continue
        latest = max(latest, candidate)
    return latest + dt.timedelta(days=7)


def document_type(doc: Document) -> str:
    head = fold(head_text(doc))
    for kind, patterns in _type_rules():
        if any(p.search(head) for p in patterns):
            return kind
    return "other"


@lru_cache(maxsize=1)
def _type_rules() -> list[tuple[str, list[Prefiltered]]]:
    """metadata.yaml's type cues, case-insensitive, compiled once (they read fold(head))."""
    return [(rule["type"], [Prefiltered(caseless(p, re.M | re.S)) for p in rule["head"]]) for rule in _data()["types"]]


def title(doc: Document) -> str | None:
    """The document's subject, from the first source that gives one: its 'Betreft'
    line, an EU paper's kind line, a BNC-fiche's title line, written questions, a
    sending or opening sentence, or else its first heading."""
    for source in (_betreft_title, _eu_title, _fiche_title, _questions_title, _sentence_title, _heading_title):
        found = source(doc)
        if found:
            return found
    return None


def _betreft_title(doc: Document) -> str | None:
    m = _BETREFT.search(doc.front_matter) or _BETREFT.search("\n".join(p.text for p in doc.passages[:6]))
    return _strip_title(m.group(1)) if m else None


def _fiche_title(doc: Document) -> str | None:
    fiche = _title_rule("fiche")
    for text in [p.text for p in doc.passages[:_HEAD_PASSAGES]]:
        m = fiche.search(text) if "Fiche" in text else None
        if m:
            return m.group(1)
    return None


def _questions_title(doc: Document) -> str | None:
    questions = _title_rule("questions")
    for text in [doc.front_matter] + [p.text for p in doc.passages[:8]]:
        m = questions.search(text) if "Vragen" in text else None  # (a substring test first: most texts hold none)
        if m:
            return f"Antwoord op vragen van {m.group('who')} over {m.group('subject')}"
    return None


def _sentence_title(doc: Document) -> str | None:
    """What the first sentence-long passages send or are about (not the head's lines
    a reader left as passages)."""
    long = [p.text for p in doc.passages[:8] if p.kind != "heading" and len(p.text.split()) >= 12][:2]
    sending, sentence_patterns, not_a_subject, _ = _title_rules()
    for m in (pattern.search(text) for pattern in sending for text in long):
        if m:
            return _strip_title(m.group(1))
    for pattern in sentence_patterns:
        m = pattern.search(long[0]) if long else None
        if m and not not_a_subject.match(m.group(1)):
            return _strip_title(m.group(1))
    return None


def _heading_title(doc: Document) -> str | None:
    for i, p in enumerate(doc.passages[:3]):
        if p.kind == "heading" and len(p.text) > 10:
            text = p.text
            for more in doc.passages[i + 1:i + 3]:  # a title set over lines: 'Study on the review of the list of'
                if not _DANGLING.search(text):
                    break
                text += " " + more.text
            return _strip_title(text)
    return None


def _eu_title(doc: Document) -> str | None:
    """An EU paper's title: what follows its kind line in ordinary case
    ('COMMUNICATION FROM THE COMMISSION ...' → 'A secure and sustainable supply of ...');
    for a proposal, 'Proposal for a Regulation establishing ...' without what it amends.
    A text reader may have joined the head's lines: then the title follows on the same line."""
    lines = [ln.strip() for ln in head_text(doc).splitlines() if ln.strip()]
    kind = _title_rule("eu_kind")
    for i, line in enumerate(lines[:40]):
        m = kind.search(line)
        if not m or not (m.start() == 0 or m.group("proposal")):
            continue
        tail = _title_rule("eu_caps").sub("", line[m.end():]).strip()
        rest = tail if len(tail.split()) >= 3 else next(
            (ln for ln in lines[i + 1:i + 6] if re.search(r"[a-z]", ln) and len(ln.split()) >= 3), None)
        if not rest:
            return None
        if m.group("act") and (m.group("proposal") or (i and _title_rule("eu_proposal").search(lines[i - 1]))):
            return f"Proposal for a {m.group('act').capitalize()} {_title_rule('eu_amending').sub('', rest)}"
        return rest
    return None


@lru_cache(maxsize=None)
def _title_rule(name: str) -> re.Pattern:
    """One of metadata.yaml's title rules, compiled once."""
    return re.compile(_data()["title"][name], re.M | re.S)


def _strip_title(text: str) -> str:
    return _title_rules()[3].sub("", text.strip()).strip() or text.strip()


@lru_cache(maxsize=1)
def _title_rules() -> tuple[list[re.Pattern], list[re.Pattern], re.Pattern, re.Pattern]:
    """metadata.yaml's title rules, compiled once: sending-sentence and first-sentence
    patterns, the 'no subject' check, the prefix a title loses."""
    rules = _data()["title"]
    return ([re.compile(p, re.S) for p in rules["from_sending_sentence"]],
            [re.compile(p, re.I) for p in rules["from_first_sentence"]],
            re.compile(rules["not_a_subject"]), re.compile(rules["strip_prefix"]))


def senders(doc: Document) -> list[str]:
    head = head_text(doc)
    found: list[str] = []
    for pattern in _data()["senders"]:
        for m in re.finditer(pattern, head):
            name = re.sub(r",?\s+(?:en|van|voor)$", "", m.group(1).strip())
            if name.lower() not in {f.lower() for f in found}:
                found.append(name)
    return found[:6]


def reference(doc: Document) -> str | None:
    m = _REFERENCE.search(doc.front_matter)
    return m.group(1) if m else None


def extract_meta(doc: Document, hints: dict | None = None) -> Meta:
    """Metadata from the text, with a reader's hints taking precedence."""
    hints = hints or {}
    date, estimated = document_date(doc)
    if estimated and hints.get("vergaderjaar"):
        date = within_session(date, hints["vergaderjaar"])
    meta = Meta(
        date=date,
        date_estimated=estimated if date else False,
        type=document_type(doc),
        kamerstuk=own_kamerstuk_ids(doc),
        eu_ids=own_eu_ids(doc),
        title=title(doc),
        senders=senders(doc),
        reference=reference(doc),
    )
    return apply_overrides(meta, hints)


def within_session(date: dt.date | None, years: list[int]) -> dt.date:
    """An estimated date kept inside the parliamentary year (September to September)
    the publication belongs to; its middle when there is no estimate."""
    start, end = dt.date(years[0], 9, 1), dt.date(years[1], 8, 31)
    if date is None:
        return dt.date(years[1], 3, 1)
    return min(max(date, start), end)


def apply_overrides(meta: Meta, values: dict) -> Meta:
    """Fields given in `values` (reader hints, sidecar) replace the extracted ones."""
    for key, value in (values or {}).items():
        if not hasattr(meta, key) or value in (None, "", []):
            continue
        if key == "date":
            value = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
            meta.date_estimated = False
        if key == "kamerstuk" and isinstance(value, str):
            value = [value]
        setattr(meta, key, value)
    return meta
