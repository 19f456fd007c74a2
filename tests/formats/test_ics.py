"""Tests of the iCalendar file, ``timeline.formats.ics``: read back with
``icalendar.Calendar.from_ical`` and compared value by value."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from strategies import events as random_events
from timeline.formats import About, TextLines, ics
from timeline.model import Event
from timeline.query import Responses, order
from timeline.selection import Selection
from timeline.text import visible

MakeEvent = Callable[..., Event]
MADE = datetime(2024, 8, 30, 12, 0, tzinfo=timezone.utc)
ABOUT = About(title="Border brief", source="data/events.jsonl", generated=MADE)


def ics_text(selection: Selection, about: About = ABOUT) -> str:
    output = ics.events(selection, about=about)
    assert isinstance(output, TextLines)
    return "".join(line + "\n" for line in output.lines)  # as the CLI writes it


def calendar(selection: Selection, about: About = ABOUT) -> Calendar:
    return Calendar.from_ical(ics_text(selection, about))


def values(item: Any) -> dict[str, Any]:
    """A VEVENT as plain values, every property it has."""
    out: dict[str, Any] = {}
    for name in item:
        value = item[name]
        if name in ("DTSTART", "DTEND", "DTSTAMP"):
            out[name] = item.decoded(name)
        elif name == "CATEGORIES":
            out[name] = [str(c) for c in value.cats]
        elif name == "GEO":
            out[name] = (value.latitude, value.longitude)
        else:
            out[name] = str(value)
    return out


@pytest.fixture
def claim(make_event: MakeEvent) -> Event:
    """A claim with a summary, a quote, a place and two sources, one a javascript: URL."""
    return make_event(
        id="2024-08-18-claim",
        date="2024-08-18",
        title="Lukashenko claims 120,000 troops; again",
        summary="He said so on TV.\nSecond line.",
        type="accuse",
        actors=["belarus/president"],
        targets=["ukraine"],
        status="claimed",
        location={"name": "Minsk", "country": "BLR", "lat": 53.9, "lon": 27.56},
        sources=[
            {"url": "javascript:alert(1)", "title": "Bad link"},
            {"url": "https://example.org/a?b=1&c=2", "publisher": "Army Recognition",
             "title": "Brief", "quote": "120,000 soldiers"},
        ],
        tags=["border", "a,b"],
    )  # fmt: skip


def test_a_calendar_holds_an_all_day_event_per_event(claim: Event, refutation: Event) -> None:
    """The whole calendar read back: its name, and per event every property, value by value."""
    responses = Responses()
    for event in (claim, refutation):
        responses.note(event)
    cal = calendar(Selection([claim, refutation], responses, {claim.id: claim}))
    assert (str(cal["VERSION"]), str(cal["PRODID"]), str(cal["X-WR-CALNAME"])) == (
        "2.0", ics.PRODID, "Border brief",
    )  # fmt: skip
    assert [values(item) for item in cal.walk("VEVENT")] == [
        {
            "UID": "2024-08-18-claim@timeline",
            "DTSTAMP": MADE,
            "DTSTART": date(2024, 8, 18),
            "DTEND": date(2024, 8, 19),
            "SUMMARY": "Lukashenko claims 120,000 troops; again [disputed]",
            "DESCRIPTION": "belarus/president → ukraine · accuse · disputed\n\n"
            "He said so on TV.\nSecond line.\n\n“120,000 soldiers” [2]\n\nSources:\n"
            "1. Bad link — javascript:alert(1)\n"
            "2. Army Recognition — Brief — https://example.org/a?b=1&c=2\n"
            "Tags: border, a,b\nId: 2024-08-18-claim",
            "CATEGORIES": ["accuse", "border", "a,b"],
            "URL": "https://example.org/a?b=1&c=2",
            "LOCATION": "Minsk, BLR",
            "GEO": (53.9, 27.56),
            "TRANSP": "TRANSPARENT",
        },
        {
            "UID": "2024-08-19-refutation@timeline",
            "DTSTAMP": MADE,
            "DTSTART": date(2024, 8, 19),
            "DTEND": date(2024, 8, 26),
            "SUMMARY": "[week] Ukraine refutes the claim",
            "DESCRIPTION": "Date known only to the week: week of 19 August 2024.\n"
            "ukraine → belarus/president · reject · reported\n\nSources:\n"
            "1. Army Recognition — Situation Brief\n"
            "Answers: 18 August 2024, Lukashenko claims 120,000 troops; again\n"
            "Id: 2024-08-19-refutation",
            "CATEGORIES": ["reject"],
            "TRANSP": "TRANSPARENT",
            "X-TIMELINE-PRECISION": "week",
        },
    ]


@pytest.mark.parametrize(
    ("day", "precision", "end", "start", "stop", "marker"),
    [
        ("2024-08-06", "day", None, date(2024, 8, 6), date(2024, 8, 7), None),
        ("2024-12-30", "week", None, date(2024, 12, 30), date(2025, 1, 6), "week"),
        ("2024-02-01", "month", None, date(2024, 2, 1), date(2024, 3, 1), "month"),
        ("1991-01-01", "year", None, date(1991, 1, 1), date(1992, 1, 1), "year"),
        ("2024-08-26", "day", "2024-08-28", date(2024, 8, 26), date(2024, 8, 29), None),
        ("9999-12-01", "month", None, date(9999, 12, 1), None, "month"),
    ],
)
def test_a_calendar_claims_no_precision_the_log_lacks(
    make_event: MakeEvent,
    day: str,
    precision: str,
    end: str | None,
    start: date,
    stop: date | None,
    marker: str | None,
) -> None:
    """A week, month or year spans the whole period, all day, with DTEND the day after, and is
    marked [week]/[month]/[year] in its SUMMARY, first in its DESCRIPTION and in
    X-TIMELINE-PRECISION; a day (or days) has no marker."""
    event = make_event(date=day, precision=precision, end=end)
    text = ics_text(Selection([event], Responses()))
    (item,) = Calendar.from_ical(text).walk("VEVENT")
    if stop is None:  # no date follows 9999-12-31: the span is a DURATION
        assert item.decoded("DURATION") == timedelta(days=31)
    assert "VALUE=DATE:" in text.split("DTSTART")[1].split("\r\n")[0]
    assert item.decoded("DTSTART") == start
    assert item.decoded("DTEND", None) == stop
    prefix = f"[{marker}] " if marker else ""
    assert str(item["SUMMARY"]) == prefix + "Test event"
    assert item.get("X-TIMELINE-PRECISION") == marker
    assert str(item["DESCRIPTION"]).startswith(
        f"Date known only to the {marker}:" if marker else "belarus · accuse"
    )


HOSTILE = [
    "a,b;c\\d:e",
    "line\r\nBEGIN:VEVENT\r\nUID:evil\r\nEND:VEVENT",
    "\x1b[2J \u202e \x00 \x9b \x7f",
    "x" * 200 + "é" * 50,
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_one_value_in_its_property(text: str, make_event: MakeEvent) -> None:
    """Separators, line breaks, controls and long text in any field stay in their property:
    one event, its summary the visible text, every line CRLF-ended and at most 75 octets."""
    one_line = text.replace("\r\n", " ")
    event = make_event(
        title=one_line,
        summary=text,
        tags=[text],
        location={"name": text},
        sources=[{"url": text, "publisher": text, "title": text, "quote": text}],
    )
    raw = ics_text(Selection([event], Responses()), About(title=text, generated=MADE))
    assert raw.endswith("\r\n") and "\n" not in raw.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
    assert re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202e]", raw) is None
    cal = Calendar.from_ical(raw)
    (item,) = cal.walk("VEVENT")
    assert str(item["SUMMARY"]) == visible(one_line)
    assert str(item["UID"]) == "2024-08-26-test-event@timeline"
    assert [str(c) for c in item["CATEGORIES"].cats] == ["accuse", visible(text)]
    assert "URL" not in item


def test_the_bundled_log_is_a_calendar_of_its_events() -> None:
    """The bundled log reads back as one VEVENT per event, in order, each ending after it starts."""
    from conftest import BUNDLED_LOG

    events = order(Event.model_validate_json(line) for line in BUNDLED_LOG.read_text().splitlines())
    cal = calendar(Selection(events, Responses()), About())
    items = cal.walk("VEVENT")
    assert [str(item["UID"]) for item in items] == [e.id + "@timeline" for e in events]
    assert all(item.decoded("DTEND") > item.decoded("DTSTART") for item in items)
    assert {item.decoded("DTSTAMP") for item in items} == {
        datetime(1970, 1, 1, tzinfo=timezone.utc)
    }
    assert [str(item["SUMMARY"]) for item in items] == [ics.summary(e, e.status) for e in events]


def rfc5545_text(value: str) -> str:
    """TEXT as RFC 5545 (3.3.11) escapes it: the test's own statement of the rule, for text
    that icalendar cannot read back (it reads a backslash then n or N as a line break, even
    where the backslash is itself escaped)."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def raw_values(raw: str, name: str) -> list[str]:
    """The escaped values of every ``name`` property of an iCalendar text, lines unfolded."""
    lines = raw.replace("\r\n ", "").split("\r\n")
    return [line.removeprefix(f"{name}:") for line in lines if line.startswith(f"{name}:")]


@pytest.mark.parametrize(
    "title", ["C:\\New folder", "a\\nb", "a\\\\N", "\\N\\n\\,\\;", "tab\\tN", "end\\"]
)
def test_a_backslash_before_n_is_text_not_a_line_break(title: str, make_event: MakeEvent) -> None:
    """icalendar's escaping took a backslash and N in the text for a line break escaped already
    ('C:\\New folder' became 'C:', a new line and 'ew folder'): every backslash is escaped."""
    event = make_event(title=title, tags=[title], summary=title, location={"name": title})
    raw = ics_text(Selection([event], Responses()))
    assert raw_values(raw, "SUMMARY") == [rfc5545_text(title)]
    assert raw_values(raw, "CATEGORIES") == ["accuse," + rfc5545_text(title)]
    assert raw_values(raw, "LOCATION") == [rfc5545_text(title)]
    (description,) = raw_values(raw, "DESCRIPTION")
    assert "\\n" + rfc5545_text(title) + "\\n" in description


def test_the_summary_marks_a_claim_and_a_disputed_one(claim: Event, refutation: Event) -> None:
    """A calendar's grid shows only the summary: a claim says so, as the views mark it, and a
    rejected one says disputed; a reported event has no mark."""
    responses = Responses()
    for event in (claim, refutation):
        responses.note(event)
    unanswered = claim.model_copy(update={"id": "2024-08-20-other-claim", "title": "Another"})
    events = [claim, refutation, unanswered]
    items = calendar(Selection(events, responses)).walk("VEVENT")
    assert [str(item["SUMMARY"]) for item in items] == [
        "Lukashenko claims 120,000 troops; again [disputed]",
        "[week] Ukraine refutes the claim",
        "Another [claimed]",
    ]
    assert refutation.status.value == "reported"


def test_an_empty_calendar_has_a_note() -> None:
    output = ics.events(Selection([], Responses()), about=ABOUT)
    assert isinstance(output, TextLines)
    assert "BEGIN:VEVENT" not in "".join(output.lines)
    assert output.notes == [ics.NO_EVENTS_NOTE]


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(random_events(), min_size=1, max_size=3))
def test_any_events_read_back_as_the_same_calendar_events(events: list[Event]) -> None:
    """For any valid events, the file reads back with one VEVENT each, its UID and summary
    (escaped as RFC 5545 says, where icalendar cannot read it back: see ``rfc5545_text``)."""
    raw = ics_text(Selection(events, Responses()))
    items = Calendar.from_ical(raw).walk("VEVENT")
    assert [str(item["UID"]) for item in items] == [e.id + "@timeline" for e in events]
    summaries = [ics.summary(e, e.status) for e in events]
    assert raw_values(raw, "SUMMARY") == [rfc5545_text(text) for text in summaries]
    read_back = [str(item["SUMMARY"]) for item in items]
    assert [a for a, s in zip(read_back, summaries, strict=True) if "\\" not in s] == [
        s for s in summaries if "\\" not in s
    ]
    assert [item.decoded("DTSTART") for item in items] == [e.date for e in events]


def test_the_description_names_the_parties_and_dates_the_sources(make_event: MakeEvent) -> None:
    """Actors by the registry's display names, as the other briefs show them, and each
    source's date of publication, which a citation needs."""
    event = make_event(
        actors=["belarus/president"],
        targets=["ukraine"],
        sources=[{"url": "https://example.org/s", "publisher": "Reuters", "title": "Story",
                  "published": "2024-08-11"}],
    )  # fmt: skip
    about = About(names={"belarus/president": "Alexander Lukashenko", "ukraine": "Ukraine"})
    (item,) = calendar(Selection([event], Responses()), about).walk("VEVENT")
    description = str(item["DESCRIPTION"]).split("\n")
    assert description[0] == "Alexander Lukashenko → Ukraine · accuse · reported"
    assert "1. Reuters — Story — published 2024-08-11 — https://example.org/s" in description
