"""Grouping motion mentions into motions, and adding a new mention without grouping again.

A new letter that names a known motion must not make the linker read every
mention of every motion of the same members: `joined_group` and `add_to_row`
add it to its motion's row. Whatever letters arrive, the rows must be the
ones grouping every mention again gives.
"""
from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from extract.motion_groups import (add_to_row, group_mentions, group_state, joined_group, members, motion_key,
                                   motion_row, order, surnames)

DATES = [None, "2023-01-10", "2023-05-02", "2024-02-01"]


def mention(i: int, *, date: str | None = "2023-05-02", doc: str = "a.txt", motion: str | None = None,
            names: tuple[str, ...] = (), status: str | None = None, is_doc: int = 0, party: str | None = None,
            title: str | None = None) -> dict:
    return {"rowid": i, "id": i, "document": doc, "doc_date": date, "motion": motion,
            "members": json.dumps(list(names)), "status": status, "is_motion_document": is_doc, "party": party,
            "title": title, "date": date if is_doc else None, "requests": f"verzoek {i}" if is_doc else None,
            "passage": f"{doc}#p{i}", "sentence": f"zin {i}", "motion_key": None}


mentions = st.builds(
    mention, st.integers(0, 10**6),
    date=st.sampled_from(DATES), doc=st.sampled_from(["a.txt", "b.txt", "c.txt"]),
    motion=st.sampled_from([None, None, "kst-1-1", "kst-2-2"]),
    names=st.lists(st.sampled_from(["Kuzu", "kuzu", "Klink", "Van der Werf", "Mulder"]), max_size=2).map(tuple),
    status=st.sampled_from([None, "completed", "responding"]), is_doc=st.sampled_from([0, 0, 1]),
    party=st.sampled_from([None, "DENK"]), title=st.sampled_from([None, "Motie over grondstoffen"]))


def unique(ms: list[dict]) -> list[dict]:
    """Mentions with distinct ids (a mention's id is its row's)."""
    for i, m in enumerate(ms):
        m["id"] = m["rowid"] = i
    return ms


def kb_of(ms: list[dict]) -> tuple[dict, dict, dict]:
    """Rows, states and surnames per motion, as a knowledge base holds them."""
    groups = group_mentions(sorted(ms, key=order))
    return ({motion_key(g): motion_row(g) for g in groups}, {motion_key(g): group_state(g) for g in groups},
            {motion_key(g): g["surnames"] for g in groups})


def candidates(m: dict, rows: dict, states: dict, names: dict) -> dict:
    """The motions with the mention's id or one of its surnames (what the linker reads)."""
    wanted = surnames(members(m["members"]))
    return {k: (rows[k]["kst_id"], states[k]) for k in rows
            if (m["motion"] and rows[k]["kst_id"] == m["motion"]) or names[k] & wanted}


@settings(max_examples=400, deadline=None)
@given(st.lists(mentions, max_size=12), st.lists(mentions, min_size=1, max_size=3))
def test_a_joined_mention_gives_the_rows_of_grouping_all_again(old, new):
    ms = unique(old + new)
    old, new = ms[:len(old)], ms[len(old):]
    rows, states, names = kb_of(old)
    keys = [joined_group(m, candidates(m, rows, states, names)) for m in new]
    if None in keys:
        return  # the linker groups again
    for key in set(keys):
        add_to_row(rows[key], states[key], [m for m, k in zip(new, keys) if k == key])
    full_rows, full_states, _ = kb_of(old + new)
    assert rows == full_rows
    assert states == full_states


def test_a_letter_naming_a_known_motion_joins_it():
    first = mention(0, date="2023-01-10", motion="kst-1-1", names=("Kuzu",), title="Motie-Kuzu")
    other = mention(1, date="2023-02-01", motion="kst-2-2", names=("Kuzu",))
    rows, states, names = kb_of([first, other])
    by_id = mention(2, date="2024-02-01", doc="b.txt", motion="kst-1-1", status="completed")
    by_name = mention(3, date="2024-02-01", doc="b.txt", names=("Kuzu",))
    assert joined_group(by_id, candidates(by_id, rows, states, names)) == "kst-1-1"
    assert joined_group(by_name, candidates(by_name, rows, states, names)) == "kst-1-1"  # the first made
    add_to_row(rows["kst-1-1"], states["kst-1-1"], [by_id])
    assert rows["kst-1-1"]["status"] == "completed" and rows["kst-1-1"]["completed_by"] == "b.txt"
    assert rows["kst-1-1"]["evidence"] == "zin 2" and rows["kst-1-1"]["n_mentions"] == 2


def test_a_mention_that_changes_a_group_asks_for_grouping_again():
    rows, states, names = kb_of([mention(0, date="2023-01-10", names=("Kuzu",)),  # the id comes later
                                 mention(1, date="2024-02-01", motion="kst-1-1", names=("Kuzu",))])
    for m in (mention(2, names=("Kuzu", "Klink")),  # brings a name
              mention(3, date=None, names=("Kuzu",)),  # comes before the motion was first named
              mention(4, motion="kst-1-1"),  # brings the id before the motion had it
              mention(5, motion="kst-2-2", names=("Mulder",)),  # starts a motion
              mention(6)):  # names neither id nor member
        assert joined_group(m, candidates(m, rows, states, names)) is None, m
    late = mention(7, date="2024-02-01", doc="b.txt", motion="kst-1-1")
    assert joined_group(late, candidates(late, rows, states, names)) == "kst-1-1"
