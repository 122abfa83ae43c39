"""Dutch (and English) deadline expressions → TIMEX3 values and due dates.

No library reads the forms these letters use ('eind Q1 2023', 'voor het
mei-reces', 'dit najaar', '17 oktober jl.'), so this is a small grammar of
regular expressions over cleaned text, with its word tables in
temporal.yaml. Relative expressions resolve against an anchor (the
document's date). Values follow ../shared/gold/SCHEMA.md: `2023-Q4`,
`2025-SU`, `2024-01`, `2023`, `2023-H1`, `2024-01-15`; `due` is the last day
of the interval, with the modifiers ('begin', 'medio', 'voor de zomer')
folded in.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from extract.datafiles import load_yaml
from extract.patterns import caseless, fold
from extract.prefilter import Gates


@dataclass
class Timex:
    start: int
    end: int
    text: str
    value: str | None
    due: str | None
    past: bool = False

    @property
    def due_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.due) if self.due else None


@lru_cache(maxsize=1)
def data() -> dict:
    return load_yaml(Path(__file__).with_suffix(".yaml"))


def _alt(words) -> str:
    return "|".join(sorted((re.escape(w) if not w.endswith("\\.") else w for w in words), key=len, reverse=True))


YEAR = r"(?:19[5-9]\d|20\d\d|21\d\d)"


@lru_cache(maxsize=1)
def _grammar() -> list[tuple[str, re.Pattern, tuple]]:
    """(rule name, pattern, gates), most specific first; every pattern is case-insensitive.

    A rule runs only on a text where each of its gates occurs (`prefilter.Gates`):
    a month name, a year, 'reces', 'kwartaal' ... Most passages name no date, and
    the full patterns, which open with a word boundary or an optional modifier,
    cost a try at every position.
    """
    d = data()
    months, seasons, ords = _alt(d["months"]), _alt(d["seasons"]), _alt(d["ordinals"])
    yw = _alt(d["year_words"])
    year_ref = rf"(?:(?:van\s+|of\s+)?(?P<year>{YEAR})|(?:van\s+)?(?P<yword>{yw}))"
    mod_words = "begin|start|medio|halverwege|half|eind|einde|ultimo|end|early|mid|late"
    # the English phrases hold 'end', 'begin'; 'de eerste/laatste maanden van' are a begin or an end
    mod = rf"(?P<mod>{mod_words}|the\s+end\s+of|the\s+beginning\s+of|(?:de\s+)?(?:eerste|laatste)\s+maanden)"
    gate = {name: caseless(p) for name, p in {
        # a phrase holds each of its words: its longest (or last) one is a cheaper gate than the phrase
        "vague": _alt({max(v.split(), key=len) for v in d["vague"]}), "month": months, "season": seasons,
        "year": YEAR, "year_word": _alt({w.split()[-1] for w in d["year_words"]}), "later": "later",
        "mod": mod_words + "|maanden", "numeric_date": r"\d[-/.]\d{1,2}[-/.]",
        "q": "q[1-4]", "quarter": "kwartaal|quarter", "half": "helft|half", "recess": "reces",
        "year_noun": "jaar|year", "within": "binnen|within", "month_noun": "maand|month",
    }.items()}
    gate["year_ref"] = (gate["year"], gate["year_word"])  # any one of them
    # words as substrings of the folded (lower-case) text: cheaper than a pattern's scan
    gate["budget_day"] = tuple(d["budget_days"])
    gate["week"] = ("week", "wk.")
    gate["year_ref_or_later"] = (*gate["year_ref"], gate["later"])
    rules = [
        ("vague", rf"\b(?:{_alt(d['vague'])})\b", ["vague"]),
        ("date", rf"\b(?:(?P<prep>voor|vóór|uiterlijk|per|tot)\s+(?:op\s+)?)?(?P<day>[0-3]?\d)(?:e|ste|de)?\s+"
                 rf"(?P<month>{months})\.?(?:\s+(?P<year>{YEAR}))?\b", ["month"]),
        ("date_en", rf"\b(?P<month>{months})\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<year>{YEAR})\b",
         ["month", "year"]),
        ("numeric_date", rf"\b(?P<day>[0-3]?\d)[-/.](?P<month>[01]?\d)[-/.](?P<year>{YEAR})\b",
         ["year", "numeric_date"]),
        ("quarter", rf"\b(?:{mod}\s+)?Q(?P<q>[1-4])(?:[\s-]+(?P<year>{YEAR})|\s+(?P<yword>{yw}))?\b", ["q"]),
        ("quarter_words", rf"\b(?:{mod}\s+(?:van\s+)?)?(?:het\s+|the\s+)?(?P<ord>{ords})\s+(?:kwartaal|quarter)"
                          rf"(?:\s+{year_ref})?", ["quarter"]),
        ("half", rf"\b(?:de\s+|het\s+|the\s+)?(?P<ord>eerste|tweede|first|second)\s+"
                 rf"(?:helft|half\s*jaar|jaarhelft|half)\b(?:\s+(?:van|of))?"
                 rf"(?:\s+{year_ref})?", ["half"]),
        ("recess", r"\b(?P<prep>voor|vóór|na|tijdens|rond|before|after)?\s*(?:het\s+)?"
                   rf"(?P<recess>{_alt(d['recesses'])})[-\s]?reces(?:\s+(?:van\s+)?(?P<year>{YEAR}))?", ["recess"]),
        ("budget_day", r"\b(?P<prep>voor|vóór|uiterlijk\s+op|op|bij|met|rond|tegen|na|before|by|on|after)\s+"
                       rf"(?:de\s+|het\s+)?(?P<event>{_alt(d['budget_days'])})(?:\s+(?:van\s+)?(?P<year>{YEAR}))?\b",
         ["budget_day"]),
        ("week", rf"\b(?:(?P<prep>in|voor|vóór|uiterlijk|vanaf|by|before)\s+)?(?:week|wk\.)\s*(?P<week>[1-5]?\d)\b"
                 rf"(?:\s+(?:van\s+)?(?:(?P<year>{YEAR})|(?P<yword>{yw})))?", ["week"]),
        ("season", r"\b(?:(?P<prep>voor|vóór|na|tot|rond|in|tijdens|vanaf|by|before|after|in|during)\s+)?"
                   r"(?:(?P<det>de|het|dit|deze|komend|komende|volgend|aankomend|aankomende|afgelopen|the|this|next)\s+)?"
                   rf"(?P<season>{seasons})(?:maanden)?(?:\s+(?:van\s+|of\s+)?(?P<year>{YEAR}))?\b", ["season"]),
        ("month", rf"\b(?:{mod}\s+|(?P<prep>per|in|voor|vóór|uiterlijk|vanaf|by|before)\s+)?(?P<month>{months})"
                  rf"\.?(?:\s+(?:van\s+)?(?:(?P<year>{YEAR})|(?P<yword>{yw})))?\b", ["month"]),
        ("year_part", rf"\b{mod}\s+(?:van\s+|of\s+)?(?:{year_ref})", ["mod", "year_ref"]),
        ("end_of_year", r"\b(?:voor|vóór|tegen|aan|by|before)?\s*(?:het\s+|the\s+)?(?:einde?|end)\s+(?:van\s+|of\s+)"
                        r"(?:het\s+|dit\s+|the\s+|this\s+)?(?:jaar|year)\b|"
                        r"\b(?:voor|vóór|tegen|rond|bij|(?P<after>na))\s+de\s+jaarwisseling\b", ["year_noun"]),
        ("course_of_year", rf"\b(?:later\s+dit\s+jaar|later\s+this\s+year|(?:in\s+de\s+loop\s+van|in|voor|vóór|"
                           rf"uiterlijk|per|tot(?:\s+en\s+met)?|t/m|vanaf|rond|by|in|before|until)\s+(?:{year_ref}))",
         ["year_ref_or_later"]),
        ("bare_yword", rf"\b(?P<yword>{yw})\b", ["year_word"]),
        ("within", rf"\bbinnen\s+(?P<n>\d+|{_alt(d['numbers'])})\s+(?P<unit>{_alt(d['units'])})\b|"
                   rf"\bwithin\s+(?P<n2>\d+|{_alt(d['numbers'])})\s+(?P<unit2>{_alt(d['units'])})\b", ["within"]),
        ("month_word", r"\b(?:(?P<which>deze|volgende|komende|this|next)\s+(?:maand|month)|"
                       r"(?:het\s+)?einde?\s+van\s+de(?:ze)?\s+maand)\b", ["month_noun"]),
    ]
    return [(name, caseless(p), tuple(gate[g] for g in gates)) for name, p, gates in rules]  # they read fold(text)


@lru_cache(maxsize=1)
def time_words() -> re.Pattern:
    """Any word a deadline with a value holds when it has no digit: a month, a season,
    a recess, 'kwartaal', 'jaar', 'Prinsjesdag'... (case-insensitive; run on fold(text)).
    Abbreviations ('jan', 'sept') are left out, each being the start of its full name,
    and so are the vague phrases, which give no value."""
    d = data()
    months = [m for m in d["months"] if not any(o != m and o.startswith(m) for o in d["months"])]
    nouns = ["reces", "kwartaal", "quarter", "maand", "month", "week", "jaar", "year"]
    return caseless(_alt({*months, *d["seasons"], *nouns, *d["budget_days"]}))


@lru_cache(maxsize=1)
def _past_after() -> re.Pattern:
    return re.compile(r"^\s*(?:" + "|".join(data()["past_markers"][:2]) + r")", re.I)


@lru_cache(maxsize=1)
def _past_before() -> re.Pattern:
    return re.compile(r"(?:" + "|".join(data()["past_markers"][2:]) + r")\s*$", re.I)


def find_timexes(text: str, anchor: dt.date | None = None, lang: str = "nl") -> list[Timex]:
    """Every deadline-like expression in `text`, left to right, without overlaps."""
    found: list[Timex] = []
    taken: list[tuple[int, int]] = []
    folded = fold(text)
    gates = Gates(folded)
    for name, pattern, needs in _grammar():
        if not gates.open(*needs):
            continue
        for m in pattern.finditer(folded):
            s, e = m.span()
            s += len(m.group(0)) - len(m.group(0).lstrip())
            if e - s < 2 or any(s < te and ts < e for ts, te in taken):
                continue
            if name in ("month",) and not _month_is_date(m, text):
                continue
            tx = _resolve(name, m, anchor)
            if tx is None:
                continue
            value, due = tx
            past = bool(_past_after().match(text[e:e + 15])) or bool(_past_before().search(text[max(0, s - 20):s]))
            if not past and due and anchor and name != "vague" and due < anchor.isoformat():
                past = True
            found.append(Timex(s, e, text[s:e], value, due, past))
            taken.append((s, e))
    return sorted(found, key=lambda t: t.start)


def parse(expression: str, anchor: dt.date | None = None) -> Timex | None:
    """The longest expression found in `expression`."""
    found = find_timexes(expression, anchor)
    return max(found, key=lambda t: t.end - t.start) if found else None


def _month_is_date(m: re.Match, text: str) -> bool:
    """'mei' alone is a month only with a year, a modifier or a preposition ('in mei'),
    and 'mei' in 'mei-reces' is not a month here."""
    if text[m.end():m.end() + 1] == "-":
        return False
    g = m.groupdict()
    return bool(g.get("year") or g.get("yword") or g.get("mod") or g.get("prep"))


# --- resolution --------------------------------------------------------------

def _resolve(name: str, m: re.Match, anchor: dt.date | None) -> tuple[str | None, str | None] | None:
    g = {k: v for k, v in m.groupdict().items() if v}
    d = data()
    if name == "vague":
        return None, None
    if name in ("date", "date_en", "numeric_date"):
        year = _year(g, anchor)
        month = int(g["month"]) if name == "numeric_date" else d["months"][g["month"].lower().rstrip(".")]
        try:
            day = dt.date(year, month, int(g["day"])) if year else None
            if day and "year" not in g and g.get("prep") and anchor and day < anchor:
                day = dt.date(year + 1, month, int(g["day"]))  # 'voor 1 juli' written in November: next July
        except ValueError:
            return None
        return (day.isoformat(), day.isoformat()) if day else None
    if name in ("quarter", "quarter_words"):
        q = int(g["q"]) if "q" in g else d["ordinals"][g["ord"].lower()]
        year = _year(g, anchor)
        if not year:
            return None
        end = dt.date(year, 3 * q, calendar.monthrange(year, 3 * q)[1])
        return f"{year}-Q{q}", end.isoformat()
    if name == "half":
        h = 1 if g["ord"].lower() in ("eerste", "first") else 2
        year = _year(g, anchor)
        return (f"{year}-H{h}", f"{year}-06-30" if h == 1 else f"{year}-12-31") if year else None
    if name == "recess":
        return _recess(g, anchor)
    if name == "budget_day":
        return _budget_day(g, anchor)
    if name == "week":
        return _week(g, anchor)
    if name == "season":
        return _season(g, anchor)
    if name == "month":
        month = d["months"][g["month"].lower().rstrip(".")]
        year = _year(g, anchor)
        if not year:
            return None
        if "year" not in g and "yword" not in g and anchor and month < anchor.month and g.get("prep", "").lower() not in ("", "per"):
            year += 1  # 'in maart' written in november: next March
        return f"{year}-{month:02d}", dt.date(year, month, calendar.monthrange(year, month)[1]).isoformat()
    if name == "year_part":
        year = _year(g, anchor)
        if not year:
            return None
        words = g["mod"].lower().split()
        key = words[-2] if words[-1] in ("of", "maanden") else words[-1]
        key = {"end": "end", "beginning": "begin"}.get(key, key)
        month, day = d["part_of_year"].get(key, [12, 31])
        return str(year), dt.date(year, month, day).isoformat()
    if name in ("end_of_year", "course_of_year", "bare_yword"):
        year = _year(g, anchor)
        if year and g.get("after"):  # 'na de jaarwisseling': early next year
            return str(year + 1), f"{year + 1}-03-31"
        return (str(year), f"{year}-12-31") if year else None
    if name == "within":
        if not anchor:
            return None
        n = g.get("n") or g.get("n2")
        unit = (g.get("unit") or g.get("unit2")).lower()
        count = int(n) if n.isdigit() else d["numbers"][n.lower()]
        due = anchor + dt.timedelta(days=count * d["units"][unit])
        return due.isoformat(), due.isoformat()
    if name == "month_word":
        if not anchor:
            return None
        step = 0 if g.get("which", "deze").lower() in ("deze", "this") else 1
        y, mth = divmod(anchor.month - 1 + step, 12)
        year, month = anchor.year + y, mth + 1
        return f"{year}-{month:02d}", dt.date(year, month, calendar.monthrange(year, month)[1]).isoformat()
    return None


def _year(g: dict, anchor: dt.date | None) -> int | None:
    if g.get("year"):
        return int(g["year"])
    if g.get("yword"):
        offset = data()["year_words"].get(re.sub(r"\s+", " ", g["yword"].lower()))
        return anchor.year + offset if anchor and offset is not None else None
    return anchor.year if anchor else None


def _season(g: dict, anchor: dt.date | None) -> tuple[str, str] | None:
    d = data()
    code = d["seasons"][g["season"].lower()]
    prep = (g.get("prep") or "").lower()
    det = (g.get("det") or "").lower()
    year = _year(g, anchor)
    if not year:
        return None
    if prep in ("na", "after"):  # 'na de zomer' → the autumn after it
        code = {"SP": "SU", "SU": "FA", "FA": "WI", "WI": "SP"}[code]
    bounds = d["season_bounds"][code]
    if prep in ("voor", "vóór", "tot", "before"):
        sm, sd = bounds["start"]
        due = dt.date(year, sm, sd) - dt.timedelta(days=1)
    else:
        em, ed = bounds["end"]
        due = dt.date(year + (1 if code == "WI" else 0), em, ed)
    if "year" not in g and anchor and due < anchor and det not in ("afgelopen",):
        return _season(g | {"year": str(year + 1)}, anchor)  # 'voor de zomer' written in the autumn
    return f"{year}-{code}", due.isoformat()


def recess_start(name: str, year: int) -> dt.date:
    """The first day of a recess in `year`, by the rule in temporal.yaml."""
    rule = data()["recesses"][name.lower()]
    month, weekday = rule["month"], rule["weekday"]
    if rule["which"] == "first":
        return _nth_weekday(year, month, weekday, 1)
    if rule["which"] == "last":
        day = dt.date(year, month, calendar.monthrange(year, month)[1])
        return day - dt.timedelta(days=(day.weekday() - weekday) % 7)
    day = dt.date(year, month, rule["day"])
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def _recess(g: dict, anchor: dt.date | None) -> tuple[str, str] | None:
    year = _year(g, anchor)
    if not year:
        return None
    start = recess_start(g["recess"], year)
    if "year" not in g and anchor and start <= anchor:
        start = recess_start(g["recess"], year + 1)
    prep = (g.get("prep") or "").lower()
    due = start - dt.timedelta(days=1) if prep in ("voor", "vóór", "before", "") else start + dt.timedelta(days=60)
    if prep in ("na", "after"):
        due = dt.date(due.year, due.month, calendar.monthrange(due.year, due.month)[1])
    return f"{due.year}-{due.month:02d}", due.isoformat()


def _budget_day(g: dict, anchor: dt.date | None) -> tuple[str, str] | None:
    """'voor Prinsjesdag' → the day before the third Tuesday of September; 'na' names no deadline."""
    prep = g["prep"].lower()
    rule = data()["budget_days"][g["event"].lower()]
    if prep in ("na", "after"):
        return None
    year = int(g["year"]) - rule.get("year_named", 0) if g.get("year") else _year(g, anchor)
    if not year:
        return None
    day = _nth_weekday(year, rule["month"], rule["weekday"], rule["nth"])
    if "year" not in g and anchor and day <= anchor:
        day = _nth_weekday(year + 1, rule["month"], rule["weekday"], rule["nth"])
    due = day - dt.timedelta(days=1) if prep in ("voor", "vóór", "before") else day
    return due.isoformat(), due.isoformat()


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _week(g: dict, anchor: dt.date | None) -> tuple[str, str] | None:
    """'in week 40' → ISO week 40 ('2024-W40'), due on its Sunday; 'voor week 40' on the Sunday before.
    A week without a preposition or a year is not read as a date."""
    week, year = int(g["week"]), _year(g, anchor)
    prep = (g.get("prep") or "").lower()
    if not year or not 1 <= week <= 53 or not (prep or g.get("year") or g.get("yword")):
        return None
    if "year" not in g and "yword" not in g and anchor and prep and week < anchor.isocalendar()[1]:
        year += 1  # 'in week 2' written in November: next January
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        return None
    due = monday - dt.timedelta(days=1) if prep in ("voor", "vóór", "before") else monday + dt.timedelta(days=6)
    return f"{year}-W{week:02d}", due.isoformat()


def timex_start(value: str | None) -> dt.date | None:
    """First day of a TIMEX3 value's interval ('2025-Q1' → 2025-01-01)."""
    if not value:
        return None
    m = re.fullmatch(r"(\d{4})(?:-(Q[1-4]|H[12]|SP|SU|FA|WI|W\d{2}|\d{2})(?:-(\d{2}))?)?", value)
    if not m:
        return None
    year, part, day = int(m.group(1)), m.group(2), m.group(3)
    if not part:
        return dt.date(year, 1, 1)
    if part.startswith("W"):
        return dt.date.fromisocalendar(year, int(part[1:]), 1)
    if part.startswith("Q"):
        return dt.date(year, 3 * int(part[1]) - 2, 1)
    if part.startswith("H"):
        return dt.date(year, 1 if part == "H1" else 7, 1)
    if part in data()["season_bounds"]:
        sm, sd = data()["season_bounds"][part]["start"]
        return dt.date(year, sm, sd)
    return dt.date(year, int(part), int(day) if day else 1)


def earliest_future_start(texts: list[str]) -> dt.date | None:
    """For a letter with no date: the earliest interval its promises name.

    A letter that says 'in het eerste kwartaal van 2025' was written before
    that quarter began; the start of the earliest such interval is a fair
    guess at its date. Only expressions with an explicit year count, since
    relative ones need the very date we are looking for.
    """
    starts = []
    for text in texts:
        for t in find_timexes(text, anchor=None):
            if t.value and not t.past and re.search(YEAR, t.text) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", t.value):
                starts.append(timex_start(t.value))
    return min((s for s in starts if s), default=None)
