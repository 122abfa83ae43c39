"""Dutch and English deadline expressions → TIMEX3 value and due date (SCHEMA.md conventions)."""
import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from extract.prefilter import Gates
from extract.temporal import find_timexes, parse, recess_start, timex_start

MAY_2023 = dt.date(2023, 5, 12)


EXPRESSIONS = [
    ("12 mei 2023", "2023-05-12", "2023-05-12"),
    ("uiterlijk 1 september 2023", "2023-09-01", "2023-09-01"),
    ("28-10-2016", "2016-10-28", "2016-10-28"),
    ("in januari 2024", "2024-01", "2024-01-31"),
    ("per december 2022", "2022-12", "2022-12-31"),
    ("medio maart 2024", "2024-03", "2024-03-31"),
    ("Q4 2023", "2023-Q4", "2023-12-31"),
    ("eind Q1 2024", "2024-Q1", "2024-03-31"),
    ("in het eerste kwartaal van 2025", "2025-Q1", "2025-03-31"),
    ("de eerste helft van 2023", "2023-H1", "2023-06-30"),
    ("de tweede helft van dit jaar", "2023-H2", "2023-12-31"),
    ("dit najaar", "2023-FA", "2023-12-20"),
    ("voor de zomer", "2023-SU", "2023-06-20"),
    ("tot de zomer 2025", "2025-SU", "2025-06-20"),
    ("in de zomer van 2025", "2025-SU", "2025-09-22"),
    ("rond de zomer 2023", "2023-SU", "2023-09-22"),
    ("na de zomer", "2023-FA", "2023-12-20"),
    ("in het voorjaar van 2024", "2024-SP", "2024-06-20"),
    ("begin 2025", "2025", "2025-03-31"),
    ("eind 2023", "2023", "2023-12-31"),
    ("eind dit jaar", "2023", "2023-12-31"),
    ("voor het einde van het jaar", "2023", "2023-12-31"),
    ("later dit jaar", "2023", "2023-12-31"),
    ("volgend jaar", "2024", "2024-12-31"),
    ("in de loop van 2023", "2023", "2023-12-31"),
    ("voor het zomerreces", "2023-07", "2023-07-06"),
    ("binnen een maand", "2023-06-11", "2023-06-11"),
    ("by the end of 2023", "2023", "2023-12-31"),
    ("in Q4 2023", "2023-Q4", "2023-12-31"),
    ("by spring 2024", "2024-SP", "2024-06-20"),
    ("early 2025", "2025", "2025-03-31"),
    ("sept. 2024", "2024-09", "2024-09-30"),
    ("in het eerste halfjaar van 2025", "2025-H1", "2025-06-30"),
    ("het tweede half jaar", "2023-H2", "2023-12-31"),
    ("in de eerste jaarhelft van 2024", "2024-H1", "2024-06-30"),
    ("ultimo 2024", "2024", "2024-12-31"),
    ("uiterlijk half juni", "2023-06", "2023-06-30"),
    ("rond de jaarwisseling", "2023", "2023-12-31"),
    ("binnen een half jaar", "2023-11-10", "2023-11-10"),
    ("in week 40", "2023-W40", "2023-10-08"),          # ISO week 40 of 2023 ends on Sunday 8 October
    ("voor week 2 van 2024", "2024-W02", "2024-01-07"),
    ("voor Prinsjesdag", "2023-09-18", "2023-09-18"),  # Prinsjesdag 2023: Tuesday 19 September
    ("met de Miljoenennota 2025", "2024-09-17", "2024-09-17"),  # the 2025 budget came on Prinsjesdag 2024
    ("op Verantwoordingsdag", "2023-05-17", "2023-05-17"),  # third Wednesday of May
    ("in de eerste maanden van 2025", "2025", "2025-03-31"),
    ("de laatste maanden van 2024", "2024", "2024-12-31"),
    ("voor het einde van de maand", "2023-05", "2023-05-31"),
    ("in de zomermaanden", "2023-SU", "2023-09-22"),
    ("na de jaarwisseling", "2024", "2024-03-31"),
    ("tot en met 2027", "2027", "2027-12-31"),
]
MORE = ["Op 17 oktober jl. is uw Kamer geïnformeerd.", "voor het mei-reces", "op korte termijn", "as soon as possible",
        "June 5, 2024", "5-6-2024", "Q2-2025", "het laatste kwartaal", "de tweede helft van volgend jaar",
        "na het kerstreces", "in the first half of next year", "halverwege 2026", "uiterlijk in het najaar van 2024",
        "binnen drie weken", "within two months", "volgende maand", "eind JANUARI", "per 1 jan. 2025", "eind okt. 2024"]


@pytest.mark.parametrize("text,value,due", EXPRESSIONS)
def test_expression_value_and_due(text, value, due):
    t = parse(text, MAY_2023)
    assert t is not None, text
    assert (t.value, t.due) == (value, due)


def test_gates_only_skip_texts_without_a_deadline():
    """A rule's gates are words every match holds: without them (every rule tried
    on every text) each expression is read the same."""
    texts = [t for t, _, _ in EXPRESSIONS] + MORE
    gated = [find_timexes(t, MAY_2023) for t in texts]
    assert all(gated)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Gates, "open", lambda self, *gates: True)
        assert [find_timexes(t, MAY_2023) for t in texts] == gated


def test_recess_resolves_against_the_document_date():
    # written 2 March 2023: the May recess of 2023 began on Friday 28 April
    t = parse("voor het mei-reces", dt.date(2023, 3, 2))
    assert (t.value, t.due) == ("2023-04", "2023-04-27")
    assert recess_start("mei", 2023) == dt.date(2023, 4, 28)


@pytest.mark.parametrize("text", ["op korte termijn", "in de komende maanden", "de komende weken"])
def test_vague_deadline_has_no_value(text):
    t = parse(text, MAY_2023)
    assert t is not None and t.value is None and t.due is None


def test_a_day_named_as_a_deadline_is_the_next_one():
    # 'voor 1 juli' written in November is next July; '1 juli' alone stays in the letter's year
    assert parse("voor 1 juli", dt.date(2022, 11, 8)).due == "2023-07-01"
    assert parse("op 1 juli", dt.date(2022, 11, 8)).due == "2022-07-01"


def test_budget_days_and_weeks_resolve_to_the_next_one():
    # written after Prinsjesdag 2023: the next is Tuesday 17 September 2024
    assert parse("voor Prinsjesdag", dt.date(2023, 10, 1)).due == "2024-09-16"
    # 'in week 2' written in November: the second week of next year
    assert parse("in week 2", dt.date(2023, 11, 20)).value == "2024-W02"


def test_jl_and_past_dates_are_past():
    (t,) = find_timexes("Op 17 oktober jl. is uw Kamer geïnformeerd.", dt.date(2023, 10, 30))
    assert t.past and t.value == "2023-10-17"
    (old,) = find_timexes("het kabinet schreef op 22 april 2022", MAY_2023)
    assert old.past


@pytest.mark.parametrize("text", [
    "Kamerstuk 36 200, nr. 129", "Kamerstukken 21 501-02, nr. 2602", "een bedrag van 2025 euro",
    "artikel 2023 van de wet", "de Tweede Kamer", "mei-reces", "in mei",
    "7 dagen per week 24 uur bereikbaar", "na Prinsjesdag", "In de Miljoenennota staat het bedrag",
    "een half jaar geleden", "na anderhalf jaar",
])
def test_not_deadlines(text):
    assert all(t.value is None or t.text.lower() not in ("2025", "2023", "mei") for t in find_timexes(text, MAY_2023))
    if not text.startswith(("de Tweede", "mei", "in mei")):
        assert not [t for t in find_timexes(text, MAY_2023) if t.value]


def test_relative_expressions_need_an_anchor():
    assert parse("later dit jaar", None) is None
    assert parse("Q1 2025", None).value == "2025-Q1"


def test_timex_start():
    assert timex_start("2025-Q1") == dt.date(2025, 1, 1)
    assert timex_start("2023-SU") == dt.date(2023, 6, 21)
    assert timex_start("2024-01-15") == dt.date(2024, 1, 15)
    assert timex_start("2024-W02") == dt.date(2024, 1, 8)
    assert timex_start(None) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("0123456789 -/.QqH eindbgmoratzjlkvw") + ["mei", "zomer", " 2023", "reces"]),
                max_size=40).map("".join) | st.text(max_size=80))
def test_never_raises_on_arbitrary_text(text):
    for t in find_timexes(text, MAY_2023):
        assert 0 <= t.start < t.end <= len(text)
