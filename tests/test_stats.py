"""Tests of ``timeline.stats``, the pure counters: literal events in, whole expected rows out."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from conftest import CLAIM, MOBILIZE, REJECT, ev
from timeline.errors import InputError
from timeline.model import Event
from timeline.stats import (
    Band,
    Field,
    Period,
    Row,
    Spec,
    Tally,
    Unit,
    count_events,
    counter,
    finish,
    period_index,
    period_last,
    period_start,
)


def table(events: list[Event], *by: Field, **kwargs: Any) -> list[tuple[Any, ...]]:
    """The rows of counts by ``by`` as (values..., count), with '(other)' for the other row."""
    depth = kwargs.pop("depth", None)
    result = count_events(events, Spec(by=by, depth=depth), **kwargs)
    return [(*(("(other)",) if r.other else r.key), r.count) for r in result.rows]


def series(events: list[Event], per: Unit, *by: Field, **kwargs: Any) -> list[tuple[Any, ...]]:
    """The rows of a series as (period label, coarse?, values..., count)."""
    result = count_events(events, Spec(by=by, per=per), **kwargs)
    return [
        (r.period.label if r.period else None, r.period.coarse if r.period else None, *r.key,
         r.count)
        for r in result.rows
    ]  # fmt: skip


def test_counts_by_type_most_first_ties_by_value() -> None:
    """Each type once per event, the most counted first, ties in alphabetical order."""
    events = [
        ev(MOBILIZE),
        ev(CLAIM),
        ev(MOBILIZE, id="m2"),
        ev(REJECT),
        ev(CLAIM, id="c2", type="threaten"),
    ]
    assert table(events, Field.TYPE) == [
        ("mobilize", 2),
        ("accuse", 1),
        ("reject", 1),
        ("threaten", 1),
    ]


def test_an_event_counts_once_per_actor_and_the_totals_say_mentions() -> None:
    """Two actors: a row each, so the rows add up to mentions; the events stay the events."""
    both = ev(MOBILIZE, id="both", actors=["belarus", "belarus/president"])
    result = count_events([both, ev(CLAIM)], Spec(by=(Field.ACTOR,)))
    assert [(r.key, r.count) for r in result.rows] == [
        (("belarus/president",), 2),
        (("belarus",), 1),
    ]
    assert (result.events, result.mentions) == (2, 3)


def test_depth_counts_an_actor_and_its_parts_once_as_the_actor() -> None:
    """At depth 1, belarus and belarus/president in one event count once, as belarus."""
    both = ev(MOBILIZE, id="both", actors=["belarus", "belarus/president"])
    events = [both, ev(CLAIM), ev(REJECT)]
    assert table(events, Field.ACTOR, depth=1) == [("belarus", 2), ("ukraine", 1)]
    assert table(events, Field.TARGET, depth=1) == [("belarus", 1), ("ukraine", 1), (None, 1)]


def test_an_event_without_a_value_is_counted_in_the_none_row_last() -> None:
    """No tag, no country: the event is in a None row, after every value however small."""
    events = [ev(CLAIM), ev(MOBILIZE), ev(REJECT), ev(CLAIM, id="c2", tags=["a", "border"])]
    assert table(events, Field.TAG) == [("border", 2), (None, 2), ("a", 1)]
    assert table(events, Field.COUNTRY) == [(None, 4)]


def test_publishers_count_once_per_event_even_from_several_sources() -> None:
    """Two sources of one publisher are one mention; a source without one adds none."""
    sources = [
        {"url": "https://a.example", "publisher": "Army Recognition"},
        {"url": "https://b.example", "publisher": "Army Recognition"},
        {"url": "https://c.example"},
    ]
    events = [ev(CLAIM, sources=sources), ev(MOBILIZE)]
    assert table(events, Field.PUBLISHER) == [("Army Recognition", 1), (None, 1)]


def test_tags_that_tag_finds_alike_count_as_one_under_the_spelling_used_most() -> None:
    """``--tag nato`` finds ``NATO`` and ``nato``: stats counts them as one value, named as most
    events spell it; an event that has both counts once. ``İzmir`` and ``izmir`` are alike too."""
    events = [
        ev(CLAIM, tags=["NATO", "nato"]),
        ev(REJECT, tags=["NATO", "İzmir"]),
        ev(MOBILIZE, tags=["nato", "izmir"]),
    ]
    assert table(events, Field.TAG) == [("NATO", 3), ("izmir", 2)]
    result = count_events(events, Spec(by=(Field.TAG,)))
    assert (result.events, result.mentions) == (3, 5)
    # With another field, an event may count in several rows: the spelling is still the one
    # most events have (two spell it 'nato', one 'NATO' for three actors).
    three = [
        ev(CLAIM, tags=["NATO"], actors=["a", "b", "c"]),
        ev(REJECT, tags=["nato"], actors=["a"]),
        ev(MOBILIZE, tags=["nato"], actors=["a"]),
    ]
    assert table(three, Field.TAG) == [("nato", 3)]
    assert table(three, Field.TAG, Field.ACTOR) == [
        ("nato", "a", 3), ("nato", "b", 1), ("nato", "c", 1)
    ]  # fmt: skip
    assert sorted(table(events, Field.TYPE, Field.TAG)) == [
        ("accuse", "NATO", 1),
        ("mobilize", "NATO", 1),  # one spelling in every row
        ("mobilize", "izmir", 1),
        ("reject", "NATO", 1),
        ("reject", "izmir", 1),
    ]


def test_top_puts_the_rest_in_one_other_row_of_two_values_or_more() -> None:
    """--top 1 of three values: one shown, the other two added up; a lone rest is shown."""
    events = [ev(MOBILIZE), ev(MOBILIZE, id="m2"), ev(CLAIM), ev(REJECT)]
    result = count_events(events, Spec(by=(Field.TYPE,)), top=1)
    assert [(r.key, r.count, r.other) for r in result.rows] == [
        (("mobilize",), 2, False),
        ((None,), 2, True),
    ]
    assert result.other_values == 2
    assert table(events[:3], Field.TYPE, top=1) == [("mobilize", 2), ("accuse", 1)]


def test_two_fields_count_each_pair() -> None:
    """--by actor --by type: one row per pair of values an event has."""
    both = ev(MOBILIZE, id="both", actors=["belarus", "russia"])
    assert table([both, ev(MOBILIZE)], Field.ACTOR, Field.TYPE) == [
        ("belarus", "mobilize", 2),
        ("russia", "mobilize", 1),
    ]


def test_a_status_shows_as_show_shows_it() -> None:
    """A claim that a reject answers counts as disputed, whatever its stored status; one
    stored as disputed is counted once."""
    events = [ev(CLAIM), ev(REJECT), ev(MOBILIZE, status="disputed")]
    assert table(events, Field.STATUS) == [("disputed", 2), ("reported", 1)]
    assert table([ev(CLAIM)], Field.STATUS) == [("claimed", 1)]


def test_a_weekly_series_has_every_week_and_a_month_date_in_its_month_row() -> None:
    """A date known to its month is never put in a week: it is counted in the month's own row,
    placed before the weeks that start in it; weeks without events are there, with zero."""
    events = [
        ev(MOBILIZE, date="2024-07-30"),
        ev(CLAIM, date="2024-08-01", precision="month"),
        ev(REJECT, date="2024-08-14"),
    ]
    result = count_events(events, Spec(per=Unit.WEEK))
    assert series(events, Unit.WEEK) == [
        ("2024-W31", False, 1),
        ("2024-08", True, 1),
        ("2024-W32", False, 0),
        ("2024-W33", False, 1),
        ("2024-W34", False, 0),
        ("2024-W35", False, 0),  # the month's last day, 31 August, is in this week
    ]
    assert (result.events, result.coarser, result.spanning) == (3, 1, 0)


def test_the_notes_name_events_in_a_longer_period_only_when_there_are_some() -> None:
    """A yearly series of events known to the day has nothing in a band: no note says "0"."""
    from timeline.formats.labels import stats_notes

    events = [ev(MOBILIZE, date="2024-07-30"), ev(CLAIM, date="2024-08-01", precision="month")]
    assert stats_notes(count_events(events, Spec(per=Unit.YEAR))) == ["2 events counted"]
    assert stats_notes(count_events(events, Spec(per=Unit.WEEK)))[1:] == [
        "1 event known only to a longer period than a week: counted in that period's row, "
        "not in a week"
    ]


def test_the_notes_say_when_the_window_cuts_its_first_or_last_period() -> None:
    """--since 2024-08-01 in a weekly series: the row of 2024-W31 (29 July to 4 August) counts
    only the window's days of it, which the notes say; a window on whole periods says nothing."""
    from timeline.formats.labels import stats_notes

    events = [ev(MOBILIZE, date="2024-07-30"), ev(CLAIM, date="2024-08-02")]
    cut = count_events(events[1:], Spec(per=Unit.WEEK), since=date(2024, 8, 1),
                       until=date(2024, 8, 10))  # fmt: skip
    assert stats_notes(cut)[1:] == [
        "2024-W31 is counted from 2024-08-01 only, where --since starts",
        "2024-W32 is counted up to 2024-08-10 only, where --until ends",
    ]
    whole = count_events(events, Spec(per=Unit.MONTH), since=date(2024, 7, 1),
                         until=date(2024, 8, 31))  # fmt: skip
    assert stats_notes(whole) == ["2 events counted"]


def test_a_week_in_one_month_counts_in_it_and_one_across_two_months_in_its_own_row() -> None:
    """In a monthly series, the week of 19 August 2024 is in August; the week of 26 August runs
    into September, so it is counted in its own week's row."""
    events = [
        ev(MOBILIZE, date="2024-08-19", precision="week"),
        ev(CLAIM, date="2024-08-26", precision="week"),
    ]
    assert series(events, Unit.MONTH) == [
        ("2024-08", False, 1),
        ("2024-W35", True, 1),
        ("2024-09", False, 0),
    ]


def test_an_event_with_an_end_counts_where_it_starts_and_is_counted_as_spanning() -> None:
    """An event from 30 July to 12 August counts once, in July; the totals say one spans."""
    events = [ev(MOBILIZE, date="2024-07-30", end="2024-08-12"), ev(CLAIM)]
    result = count_events(events, Spec(per=Unit.MONTH))
    assert [(r.period and r.period.label, r.count) for r in result.rows] == [
        ("2024-07", 1),
        ("2024-08", 1),
    ]
    assert (result.spanning, result.coarser) == (1, 0)
    same_month = count_events([ev(MOBILIZE, end="2024-08-12")], Spec(per=Unit.MONTH))
    assert same_month.spanning == 0


def test_a_series_by_a_field_has_a_row_per_value_in_every_period() -> None:
    """Both at once: each period has a row for each value, zeros included."""
    events = [ev(MOBILIZE, date="2024-06-03"), ev(CLAIM), ev(MOBILIZE, id="m2")]
    assert series(events, Unit.MONTH, Field.TYPE) == [
        ("2024-06", False, "mobilize", 1),
        ("2024-06", False, "accuse", 0),
        ("2024-07", False, "mobilize", 0),
        ("2024-07", False, "accuse", 0),
        ("2024-08", False, "mobilize", 1),
        ("2024-08", False, "accuse", 1),
    ]


def test_since_and_until_widen_a_series_to_the_window_asked_for() -> None:
    """Empty quarters before and after the events are shown when the window asks for them."""
    rows = series([ev(CLAIM)], Unit.QUARTER, since=date(2024, 1, 1), until=date(2024, 12, 31))
    assert rows == [
        ("2024-Q1", False, 0),
        ("2024-Q2", False, 0),
        ("2024-Q3", False, 1),
        ("2024-Q4", False, 0),
    ]


def test_a_series_of_a_window_holds_its_periods_alone() -> None:
    """A month known only to its month would stretch a daily series over the month, and an
    event that starts before the window reaches into it: outside --since/--until no event was
    counted, so the series is the window's days (no row may say a day outside holds none); an
    event that starts before it counts in its first day, and the note says so."""
    events = [
        ev(CLAIM, date="2024-08-01", precision="month"),
        ev(MOBILIZE, date="2024-08-15", end="2024-08-18"),  # reaches into the window
        ev(REJECT, date="2024-08-18"),
    ]
    window = {"since": date(2024, 8, 18), "until": date(2024, 8, 19)}
    assert series(events, Unit.DAY, **window) == [
        ("2024-08", True, 1),
        ("2024-08-18", False, 2),
        ("2024-08-19", False, 0),
    ]
    by_type = series(events, Unit.DAY, Field.TYPE, **window)
    assert sorted(row for row in by_type if row[0] == "2024-08-18") == [
        ("2024-08-18", False, "accuse", 0),
        ("2024-08-18", False, "mobilize", 1),
        ("2024-08-18", False, "reject", 1),
    ]
    result = count_events(events, Spec(per=Unit.DAY), **window)
    assert (result.events, result.mentions, result.spanning) == (3, 3, 1)
    from timeline.formats.labels import stats_notes

    assert stats_notes(result)[-1] == (
        "1 event with an end in a later day: counted in the day it starts in, or in the first "
        "day of the window when it starts before 2024-08-18"
    )
    assert series(events, Unit.DAY)[:3] == [
        ("2024-08", True, 1),
        ("2024-08-01", False, 0),  # no window: every day of the span was counted
        ("2024-08-02", False, 0),
    ]


def test_a_year_band_in_a_quarterly_series() -> None:
    """A year-precision event in a quarterly series: its year's row, and the series spans the
    year (its known period)."""
    rows = series([ev(MOBILIZE, date="2022-01-01", precision="year")], Unit.QUARTER)
    assert rows == [
        ("2022", True, 1),
        ("2022-Q1", False, 0),
        ("2022-Q2", False, 0),
        ("2022-Q3", False, 0),
        ("2022-Q4", False, 0),
    ]


def test_no_events_give_no_rows() -> None:
    """Nothing to count: no rows, and no periods."""
    assert count_events([], Spec(by=(Field.TYPE,))).rows == ()
    assert count_events([], Spec(per=Unit.WEEK)).rows == ()


def test_too_many_periods_is_an_input_error() -> None:
    """A daily series over centuries is refused with a message naming --per."""
    events = [ev(CLAIM, date="1024-08-18"), ev(CLAIM, id="later")]
    with pytest.raises(InputError, match="--per day: 365,"):
        count_events(events, Spec(per=Unit.DAY))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"by": (Field.TYPE, Field.TYPE)}, "two different"),
        ({"by": (Field.TYPE, Field.ACTOR, Field.TAG)}, "one or two"),
        ({"by": (Field.TYPE,), "depth": 1}, "--depth"),
        ({"by": (Field.ACTOR,), "depth": 0}, "--depth"),
    ],
)
def test_specs_that_cannot_be_counted_are_refused(spec: dict[str, Any], message: str) -> None:
    """Three fields, one twice, or a depth without actors is an input error."""
    with pytest.raises(InputError, match=message):
        Spec(**spec)


@pytest.mark.parametrize("unit", list(Unit))
def test_periods_are_numbered_consecutively_and_back(unit: Unit) -> None:
    """period_start inverts period_index; a period's last day is the day before the next."""
    for day in (date(2024, 8, 26), date(2023, 12, 31), date(1, 1, 1), date(2024, 2, 29)):
        index = period_index(day, unit)
        start = period_start(index, unit)
        assert period_index(start, unit) == index
        assert start <= day <= period_last(index, unit)
        assert period_start(index + 1, unit).toordinal() == period_last(index, unit).toordinal() + 1


def test_period_labels() -> None:
    """Labels are ISO at the period's length; a week is labelled by its ISO year."""
    assert [Period(date(2024, 12, 30), unit).label for unit in Unit] == [
        "2024-12-30",
        "2025-W01",
        "2024-12",
        "2024-Q4",
        "2024",
    ]


def test_tallies_of_parts_add_up_to_the_tally_of_the_whole() -> None:
    """What parallel workers send back merges into what one reader counts."""
    spec = Spec(by=(Field.ACTOR,), per=Unit.WEEK)
    events = [ev(CLAIM), ev(MOBILIZE, date="2024-08-01", precision="month"), ev(REJECT)]
    count = counter(spec)
    whole, first, second = Tally(), Tally(), Tally()
    for event in events:
        count(whole, event)
    count(first, events[0])
    for event in events[1:]:
        count(second, event)
    first.merge(second)
    assert first == whole
    assert Band.__name__ in repr(first.counts)
    assert finish(first, spec) == finish(whole, spec)


def test_rows_hold_the_other_flag() -> None:
    """A Row defaults to a value's row, not the other row."""
    assert Row(None, ("x",), 1) == Row(None, ("x",), 1, other=False)
