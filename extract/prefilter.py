"""The literals every match of a regular expression holds: a cheap prefilter.

Python's engine scans quickly for a pattern that opens with a literal, but
tries every position of the text for one that opens with a word boundary, an
optional group or a character class ('\\b(?:[A-Z][\\w-]+ ){0,4}…strategie').
Every match of such a pattern still holds one of a few literals ('strategie',
'verordening', …); a search for those rules out most passages at a fraction
of the cost. This is RE2's prefilter idea, worked out on the parse tree of
Python's own `re` parser; where the tree holds something this module does
not know, it answers "no requirement" and the pattern simply runs everywhere.

Where a grammar knows sharper gates than the derived ones (a citation pattern's
'D\\d{5}', a deadline rule that needs a month name *and* a year), it names
them itself and asks `Gates`, which searches each gate once per text.
"""
from __future__ import annotations

import re
from typing import Iterator

try:  # the parser behind re.compile; private, so any surprise means "no prefilter"
    from re import _constants as _c, _parser as _p
except ImportError:  # pragma: no cover - other Pythons
    _p = _c = None

MAX_SET = 64  # literal sets grow by products and unions; beyond this they stop being cheap to scan for
MIN_LENGTH = 3  # shorter literals ('u', 'de') occur in nearly every passage
_ZERO_WIDTH = frozenset({""})

Info = tuple  # (exact: frozenset[str] | None, required: frozenset[str] | None)


def required_literals(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Strings one of which every match of `pattern` contains, or None if none is known.

    Case-insensitive patterns give literals to be searched case-insensitively too.
    """
    tree = _parse(pattern, flags)
    return _best(list(_sequence(tree))) if tree else None


def gate_for(rx: re.Pattern, min_length: int = MIN_LENGTH) -> re.Pattern | None:
    """A pattern for the literals every match of `rx` holds, or None where it would not pay:
    `rx` opens with a literal already, or its literals are too short to be selective."""
    tree = _parse(rx.pattern, rx.flags)
    if not tree or (tree[0][0] is _c.LITERAL and not rx.flags & re.IGNORECASE):
        return None  # nothing known, or the engine already scans for the opening literal
    found = _best(list(_sequence(tree)))
    if not found or min(map(len, found)) < min_length:
        return None
    return re.compile("|".join(re.escape(s) for s in sorted(found, key=lambda s: (-len(s), s))), rx.flags & re.IGNORECASE)


class Prefiltered:
    """`regex`, searched only in a text that holds one of the literals its matches hold.

    `search` and `finditer` go through the gate; anything else (`fullmatch`,
    `sub`, `pattern`) is the compiled pattern's own, so it stands in for one.
    """

    __slots__ = ("regex", "gate")

    def __init__(self, regex: re.Pattern):
        self.regex = regex
        self.gate = gate_for(regex)

    def __getattr__(self, name: str):
        return getattr(self.regex, name)

    def search(self, text: str) -> re.Match | None:
        if self.gate is not None and self.gate.search(text) is None:
            return None
        return self.regex.search(text)

    def finditer(self, text: str) -> Iterator[re.Match]:
        if self.gate is not None and self.gate.search(text) is None:
            return iter(())
        return self.regex.finditer(text)


class Gates:
    """Whether each gate pattern occurs in one text, each searched for at most once.

    A grammar's full patterns often start with a word boundary or an optional
    group, so the engine tries them at every position; a gate is a cheap pattern
    every match contains, starting with a literal the engine scans for. Several
    rules share a gate, so the answer is kept per text.
    """

    def __init__(self, text: str):
        self.text = text
        self._seen: dict[re.Pattern, bool] = {}

    def open(self, *gates: re.Pattern | str | tuple) -> bool:
        """True if every one of `gates` occurs in the text; a tuple of gates needs any one of them.

        A gate that is a plain string is a substring test, several times faster than
        the engine's scan for the same literal."""
        for gate in gates:  # a loop, not all() over a generator: this runs for every rule on every passage
            if not (any(map(self._found, gate)) if isinstance(gate, tuple) else self._found(gate)):
                return False
        return True

    def _found(self, gate: re.Pattern | str) -> bool:
        hit = self._seen.get(gate)
        if hit is None:
            hit = self._seen[gate] = gate in self.text if isinstance(gate, str) else gate.search(self.text) is not None
        return hit


def _parse(pattern: str, flags: int) -> list | None:
    """The top-level items of `pattern`'s parse tree; None where it cannot be had."""
    if _p is None:
        return None
    try:
        return list(_p.parse(pattern, flags))
    except Exception:  # noqa: BLE001 - an unparsable pattern just has no prefilter
        return None


def _sequence(items: list) -> Info:
    """Exact strings of a sequence (while every element has them) and its best required set."""
    candidates, run, all_exact = [], _ZERO_WIDTH, True
    for op, av in items:
        exact, req = _node(op, av)
        if exact is not None:
            joined = frozenset(a + b for a in run for b in exact)
            if len(joined) <= MAX_SET:
                run = joined
                continue
            candidates.append(run)
            run, all_exact = exact, False
            continue
        all_exact = False
        candidates += [run, req]
        run = _ZERO_WIDTH
    candidates.append(run)
    return (run if all_exact else None), _best(candidates)


def _node(op, av) -> Info:
    if op is _c.LITERAL:
        return frozenset({chr(av)}), None
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return _ZERO_WIDTH, None
    if op is _c.IN:
        return _char_set(av), None
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if (add_flags | del_flags) & re.IGNORECASE:
            return None, None  # a local case switch: its literals would need their own flag
        return _sequence(list(sub))
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _sequence(list(av))
    if op is _c.BRANCH:
        return _branch(av[1])
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, high, sub = av
        if low == 0:
            return None, None
        exact, req = _sequence(list(sub))
        return (exact if low == high == 1 else None), _best([exact, req])
    return None, None


def _char_set(items) -> frozenset[str] | None:
    """A small class of single characters ('[Ss]', '[1-4]') as its strings."""
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < 10:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:
            return None
    return frozenset(chars) if 0 < len(chars) <= 10 else None


def _branch(branches: list) -> Info:
    infos = [_sequence(list(b)) for b in branches]
    exacts = [e for e, _ in infos]
    exact = frozenset().union(*exacts) if all(e is not None for e in exacts) else None
    bests = [_best([e, r]) for e, r in infos]
    req = frozenset().union(*bests) if all(bests) else None
    return (exact if exact is not None and len(exact) <= MAX_SET else None), \
        (req if req is not None and len(req) <= MAX_SET else None)


def _best(sets: list) -> frozenset[str] | None:
    """The most selective set: the longest shortest literal, then the fewest literals."""
    usable = [s for s in sets if s and "" not in s]
    if not usable:
        return None
    return max(usable, key=lambda s: (min(map(len, s)), -len(s)))
