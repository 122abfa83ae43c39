"""Commitments: what the government promises the Kamer, and by when.

A sentence is a commitment when the government (not a Kamer member, not a
motion) says it will inform or send something to the Kamer
(`inform_parliament`), or says it will do something by a stated time
(`action`). EU institutions' plans in EU papers are kept apart as
`eu_action`. Reports of the past ('Uw Kamer is op 3 april geïnformeerd') are
not promises. List items under a dated heading ('Q2 2023' in a planning)
are commitments with that heading's deadline. Cue lists live in
commitments.yaml; the deadline grammar is extract.temporal.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

from extract.datafiles import load_yaml
from extract.model import Document
from extract.patterns import caseless, fold, one_of
from extract.sentences import split_spans
from extract.temporal import Timex, find_timexes, time_words


@lru_cache(maxsize=1)
def cues() -> dict:
    raw = load_yaml(Path(__file__).with_suffix(".yaml"))

    def join(words):  # run on fold(text): see extract.patterns
        return caseless(one_of(words))

    return {
        "kamer": join(raw["kamer"]),
        "inform": join(raw["inform_verbs"]),
        "future": join(raw["future"]),
        "past": join(raw["past"]),
        "not_government": join(raw["not_government"]),
        "government": join(raw["government"]),
        "delivered": join(raw["delivered_verbs"]),
        "delivered_words": _whole_words(raw["delivered_verbs"]),
        "eu_actor": re.compile(raw["eu_actor"]),
        "actors": [(re.compile(p), name) for p, name in raw["actors"]],
        "deliverable": [re.compile(p, re.I) for p in raw["deliverable"]],
    }


def _whole_words(patterns: list[str]) -> list[str] | None:
    """The phrases of patterns that are whole words ('\\bgepubliceerd\\b' → 'gepubliceerd'),
    for a full-text index to look up; None when one of them is more than that."""
    words = [re.fullmatch(r"\\b([\w ]+)\\b", p) for p in patterns]
    return [w.group(1) for w in words] if all(words) else None


def extract_commitments(doc: Document, today: dt.date | None = None) -> list[dict]:
    """Every commitment in the document's passages, in reading order."""
    from extract.link import commitment_status

    today = today or dt.date.today()
    anchor = doc.meta.date
    out: list[dict] = []
    seen: set[str] = set()
    units = [(p.order, p.text, p.heading, p.kind, p.language) for p in doc.passages if p.kind != "heading"]
    units += [(f.passage, f.text, None, "note", None) for f in doc.footnotes]  # promises hide in notes too
    cue = cues()
    for order, text, heading, kind, language in units:
        heading_tx = _heading_timex(heading, anchor)
        folded = fold(text)
        if not heading_tx and not _worth_reading(folded, cue):
            continue
        found = find_timexes(text, anchor, language or doc.meta.language)  # once per passage, not per sentence
        for start, end in split_spans(text):
            timexes = [t for t in found if start <= t.start and t.end <= end]
            if not (heading_tx and kind == "li") and not _may_promise(folded[start:end], timexes, cue):
                continue
            c = classify(text[start:end].strip(), anchor, lang=language or doc.meta.language,
                         heading_timex=heading_tx, list_item=kind == "li", timexes=timexes)
            if c and c["text"] not in seen:
                seen.add(c["text"])
                c["passage"] = order
                c["status"] = commitment_status(c["due"], False, today)
                out.append(c)
    return out


def _worth_reading(folded: str, cue: dict) -> bool:
    """A cheap test before sentence-level work: a promise names the Kamer, or a
    future verb with a date-like word (`folded`: the passage through fold())."""
    return bool(cue["kamer"].search(folded) or (cue["future"].search(folded) and _dateish(folded)))


def _may_promise(folded: str, timexes: list[Timex], cue: dict) -> bool:
    """What classify needs before it can find a promise: a future date, or the Kamer addressed."""
    return any(t.value and not t.past for t in timexes) or bool(cue["kamer"].search(folded))


_DIGIT = re.compile(r"\d")


def _dateish(folded: str) -> bool:
    """A digit or a word of time; two searches, as a digit in one alternation would
    keep the engine from scanning for the words' first letters."""
    return _DIGIT.search(folded) is not None or time_words().search(folded) is not None


def classify(sentence: str, anchor: dt.date | None, lang: str = "nl", heading_timex: Timex | None = None,
             list_item: bool = False, timexes: list[Timex] | None = None) -> dict | None:
    """The commitment a sentence makes, or None (`timexes`: the sentence's, when already found)."""
    cue = cues()
    text = re.sub(r"\[\^\w+\]", "", sentence).strip()
    low = fold(text)  # what the cue patterns read
    if len(text) < 15 or cue["not_government"].search(low):
        return None
    if timexes is None:
        timexes = find_timexes(text, anchor, lang)
    future_tx = [t for t in timexes if not t.past]
    if timexes and not future_tx and not heading_timex:
        return None  # only past dates: a report
    tx = next((t for t in future_tx if t.value), future_tx[0] if future_tx else None)
    informs = bool(cue["kamer"].search(low) and cue["inform"].search(low))
    is_future = bool(cue["future"].search(low)) or bool(tx and tx.value)
    if cue["past"].search(low) and not (tx and tx.value and cue["future"].search(low)):
        return None
    eu = cue["eu_actor"].search(text)
    if heading_timex and list_item and not tx:
        tx = heading_timex
        kind = "inform_parliament" if informs else "action"
    elif informs and is_future:
        kind = "inform_parliament"
    elif eu and tx and tx.value and cue["future"].search(low) and not cue["kamer"].search(low):
        kind = "eu_action"  # a future verb, not a date alone: 'op 7 december vindt de Raad plaats' is a meeting
    elif tx and tx.value and is_future and cue["future"].search(low):
        kind = "eu_action" if eu and not cue["government"].search(low) else "action"
    else:
        return None
    if kind == "inform_parliament" and eu and not re.search(r"\b(?:kabinet|ik|wij|we)\b", text, re.I):
        if re.match(r"^(?:De|The)\s+(?:Europese\s+)?Commiss", text):
            kind = "eu_action"
    return {
        "text": text,
        "kind": kind,
        "actor": actor(text, kind),
        "deliverable": deliverable(text),
        "subject": deliverable(text),
        "deadline_text": tx.text if tx else None,
        "timex": tx.value if tx else None,
        "due": tx.due if tx else None,
    }


def _heading_timex(heading: str | None, anchor: dt.date | None) -> Timex | None:
    """A deadline that a short heading states ('Q2 2023', 'Voor de zomer')."""
    if not heading:
        return None
    last = heading.split(" > ")[-1]
    if len(last) > 40:
        return None
    found = [t for t in find_timexes(last, anchor) if t.value]
    return found[0] if found and (found[0].end - found[0].start) >= len(last.strip()) - 12 else None


def actor(text: str, kind: str) -> str:
    for pattern, name in cues()["actors"]:
        m = pattern.search(text)
        if m:
            if kind != "eu_action" and name in ("Europese Commissie", "Raad van de EU", "Europese Raad"):
                continue
            return name or m.group(0).removeprefix("de ").removeprefix("De ")
    return "Europese Commissie" if kind == "eu_action" else "kabinet"


def deliverable(text: str) -> str | None:
    for pattern in cues()["deliverable"]:
        m = pattern.search(text)
        if m:
            d = m.group("d").strip()
            if cues()["kamer"].fullmatch(fold(d)) or re.fullmatch(r"(?:de|het)\s+(?:Tweede\s+)?Kamer", d, re.I):
                continue
            if 3 <= len(d) <= 160 and not re.match(r"^(?:de|het|een)?\s*(?:wijze|stand|voortgang)$", d, re.I):
                return d
    return None
