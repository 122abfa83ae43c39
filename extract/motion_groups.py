"""Motion mentions grouped into motions, and what a group must remember to take a new mention.

Letters name a motion by its Kamerstuk id ('kst-36600-X-25'), by its members
('de motie van het lid Kuzu'), or both. Mentions are grouped in date order:
a mention joins the group that has its id, or else the first group whose
members' surnames contain its own or are contained in them; otherwise it
starts a group. So a mention can only change the grouping of later mentions
by bringing a group an id or a name it did not have.

A group's state (`group_state`) records when it got its id, each name and
the first mention in each role (the first completing one, the motion
document, ...). With it, a new mention that brings nothing new
(`joined_group`) is added to its motion's row (`add_to_row`) without reading
the group's other mentions: the same row as grouping them all again.

Mentions are mappings with the motion_mentions columns plus `doc_date`, the
date of the mentioning document.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

from extract.citations import kst_url

# The roles whose first mention (in date order) sets fields of the motion's row.
ROLES = {
    "completed": lambda m: m["status"] == "completed",
    "responding": lambda m: m["status"] == "responding",
    "document": lambda m: bool(m["is_motion_document"]),
    "party": lambda m: bool(m["party"]),
    "title": lambda m: bool(m["title"]),
    "first": lambda m: True,
}
EVIDENCE_ROLES = ("completed", "responding", "first")  # the evidence sentence is the first of these found


def order(m) -> tuple:
    """A mention's place in date order (undated documents first, as SQL sorts NULL)."""
    return (m["doc_date"] is not None, m["doc_date"] or "", m["document"], m["id"])


# Mentions of one motion repeat the same members list and names: parsed once.
@lru_cache(maxsize=4096)
def members(raw: str | None) -> tuple[str, ...]:
    """A mention's members column as names."""
    return tuple(json.loads(raw or "[]"))


@lru_cache(maxsize=4096)
def surname(name: str) -> str:
    """A member's surname, lower case, without its prefix ('van der Plas' → 'plas')."""
    return re.sub(r"^(?:van der|van den|van de|van|de|der|den|ter|ten|te)\s+", "", name.lower())


def surnames(names) -> set[str]:
    return {surname(n) for n in names}


def group_mentions(mentions: list) -> list[dict]:
    """Mentions (in date order) grouped into motions: {'ids', 'members', 'mentions'}.

    A group also keeps its members' lower-case names and surnames, so matching a
    mention against the groups does not derive them again each time.
    """
    groups: list[dict] = []
    for m in mentions:
        names = members(m["members"])
        group = _find_group(groups, m["motion"], names)
        if group is None:
            group = {"ids": set(), "members": [], "mentions": [], "lower": set(), "surnames": set()}
            groups.append(group)
        if m["motion"]:
            group["ids"].add(m["motion"])
        for name in names:
            if name.lower() not in group["lower"]:
                group["members"].append(name)
                group["lower"].add(name.lower())
                group["surnames"].add(surname(name))
        group["mentions"].append(m)
    return groups


def _find_group(groups: list[dict], motion_id: str | None, names: tuple[str, ...]) -> dict | None:
    by_id = next((g for g in groups if motion_id in g["ids"]), None) if motion_id else None
    if by_id:
        return by_id
    if not names:
        return None
    wanted = surnames(names)
    for g in groups:
        have = g["surnames"]
        if motion_id and g["ids"] and motion_id not in g["ids"]:
            continue
        if _matches(wanted, have):
            return g
    return None


def _matches(wanted: set[str], have: set[str]) -> bool:
    return bool(wanted and have and (wanted <= have or have <= wanted))


def motion_key(g: dict) -> str:
    """The motion's id: its Kamerstuk id, or its members' surnames."""
    return sorted(g["ids"])[0] if g["ids"] else "motie-" + "-".join(sorted(g["surnames"])).replace(" ", "_")


def motion_row(g: dict) -> dict:
    """The motions row of a group."""
    return row_and_state(g)[0]


def group_state(g: dict) -> dict:
    """When the group got its id and each name, and its first mention in each role (as
    `order` lists, for JSON)."""
    return row_and_state(g)[1]


def row_and_state(g: dict) -> tuple[dict, dict]:
    """A group's motions row and its state: the row add_to_row makes of all its mentions
    from none, so grouping anew and joining one mention follow the same rule."""
    motion_id = sorted(g["ids"])[0] if g["ids"] else None
    row = {
        "id": motion_key(g), "kst_id": motion_id, "members": json.dumps(g["members"], ensure_ascii=False),
        "party": None, "title": None, "first_seen": None, "date": None, "requests": None, "motion_document": None,
        "completed_by": None, "completed_passage": None, "n_mentions": 0,
        "url": kst_url(motion_id) if motion_id else None,
    }
    state: dict = {"id_at": None, "names": {}, "roles": {}}
    for m in g["mentions"]:
        at = list(order(m))
        if m["motion"] and state["id_at"] is None:
            state["id_at"] = at
        for name in members(m["members"]):
            state["names"].setdefault(name.lower(), at)
    add_to_row(row, state, g["mentions"])
    return row, state


def _role_fields(role: str, m) -> dict:
    """The row fields the first mention in a role sets."""
    if role == "completed":
        return {"completed_by": m["document"], "completed_passage": m["passage"]}
    if role == "document":
        return {"date": m["date"], "requests": m["requests"], "motion_document": m["document"]}
    if role in ("party", "title"):
        return {role: m[role]}
    return {}


def _status(roles) -> str:
    return "completed" if "completed" in roles else "responding" if "responding" in roles else "open"


def joined_group(m, candidates: dict[str, tuple[str | None, dict]]) -> str | None:
    """The motion a new mention joins when that changes no group, or None.

    `candidates`: every motion that has the mention's id or shares a surname with
    it, as key → (kst_id, state). None when the mention would start a group or
    bring its group an id or a name: then the grouping must be done again.
    """
    at = order(m)
    names = members(m["members"])
    # in the order the groups were made; one made after the mention has neither id nor names before it
    live = sorted((tuple(s["roles"]["first"]), key) for key, (_, s) in candidates.items())
    if m["motion"]:
        key = next((k for _, k in live if candidates[k][0] == m["motion"] and candidates[k][1]["id_at"]
                    and tuple(candidates[k][1]["id_at"]) < at), None)
    else:
        wanted = surnames(names)
        key = next((k for _, k in live if _matches(wanted, surnames(_names_before(candidates[k][1], at)))), None)
    if key is None or not {n.lower() for n in names} <= _names_before(candidates[key][1], at):
        return None
    return key


def _names_before(state: dict, at: tuple) -> set[str]:
    return {n for n, when in state["names"].items() if tuple(when) < at}


def add_to_row(row: dict, state: dict, mentions: list) -> None:
    """Add new mentions that joined the group (see joined_group) to its row and state."""
    new_firsts = {}
    for m in sorted(mentions, key=order):
        at = order(m)
        for role, has in ROLES.items():
            if has(m) and (role not in state["roles"] or at < tuple(state["roles"][role])):
                state["roles"][role] = list(at)
                new_firsts[role] = m
                row |= _role_fields(role, m)
        if m["doc_date"] and (row["first_seen"] is None or m["doc_date"] < row["first_seen"]):
            row["first_seen"] = m["doc_date"]
    row["n_mentions"] += len(mentions)
    row["status"] = _status(state["roles"])
    evidence = next(r for r in EVIDENCE_ROLES if r in state["roles"])
    if evidence in new_firsts:
        row["evidence"] = new_firsts[evidence]["sentence"]
