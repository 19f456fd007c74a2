"""Tests of the ACLED-shaped CSV, ``timeline.formats.acled``: read back with ``csv.DictReader``
and compared row by row, whole."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import ShowBothWays
from strategies import events as any_event
from timeline.formats import About, TextLines, acled
from timeline.formats.csv import spreadsheet_safe
from timeline.formats.urls import web_url
from timeline.model import Event
from timeline.query import Responses, order
from timeline.selection import Selection
from timeline.text import visible

MakeEvent = Callable[..., Event]
MADE = datetime(2024, 8, 30, 12, 0, tzinfo=timezone.utc)  # 1725019200


def rows(selection: Selection, about: About = About(generated=MADE)) -> list[dict[str, str]]:
    output = acled.events(selection, about=about)
    assert isinstance(output, TextLines)
    reader = csv.DictReader(io.StringIO("".join(line + "\n" for line in output.lines)))
    assert reader.fieldnames == list(acled.COLUMNS)
    return list(reader)


def test_columns_take_acled_names_then_ours() -> None:
    """ACLED's export names where the meaning is the same, then ours, named timeline_…."""
    assert acled.COLUMNS == (
        "event_id_cnty", "event_date", "year", "time_precision", "actor1", "assoc_actor_1",
        "actor2", "assoc_actor_2", "iso3", "location", "latitude", "longitude", "source",
        "notes", "tags", "timestamp", "timeline_precision", "timeline_end", "timeline_title",
        "timeline_type", "timeline_status", "timeline_responds_to", "timeline_source_url",
    )  # fmt: skip
    assert rows(Selection([], Responses())) == []


def test_rows_read_back_whole(make_event: MakeEvent) -> None:
    """Every cell of a claim (two actors, two targets, a place south and west, two sources of
    one publisher) and of an event known only to its year, which ACLED has no code for."""
    claim = make_event(
        id="claim",
        date="2024-08-18",
        title="Claim",
        summary="He said so.\nTwice.",
        type="accuse",
        actors=["belarus/president", "belarus"],
        targets=["ukraine", "ukraine/mfa", "poland"],
        status="claimed",
        location={"name": "Somewhere", "country": "CHL", "lat": -33.87, "lon": -70.65},
        sources=[
            {"title": "Brief", "publisher": "Army Recognition"},
            {"url": "https://example.org/a", "publisher": "Army Recognition"},
            {"url": "https://example.org/b", "publisher": "Kyiv Independent"},
        ],
        tags=["border", "claims"],
    )
    reject = make_event(id="reject", type="reject", responds_to=["claim"])
    year = make_event(id="year", date="1991-01-01", precision="year", end="1991-12-31",
                      title="Independence", sources=[{"url": "ftp://x"}])  # fmt: skip
    responses = Responses()
    for event in (claim, reject):
        responses.note(event)
    assert rows(Selection([year, claim], responses)) == [
        {
            "event_id_cnty": "year", "event_date": "1991-01-01", "year": "1991",
            "time_precision": "", "actor1": "belarus", "assoc_actor_1": "", "actor2": "",
            "assoc_actor_2": "", "iso3": "", "location": "", "latitude": "", "longitude": "",
            "source": "", "notes": "Independence", "tags": "", "timestamp": "1725019200",
            "timeline_precision": "year", "timeline_end": "1991-12-31",
            "timeline_title": "Independence", "timeline_type": "accuse",
            "timeline_status": "reported", "timeline_responds_to": "", "timeline_source_url": "",
        },
        {
            "event_id_cnty": "claim", "event_date": "2024-08-18", "year": "2024",
            "time_precision": "1", "actor1": "belarus/president", "assoc_actor_1": "belarus",
            "actor2": "ukraine", "assoc_actor_2": "ukraine/mfa; poland", "iso3": "CHL",
            "location": "Somewhere", "latitude": "-33.87", "longitude": "-70.65",
            "source": "Army Recognition; Kyiv Independent",
            "notes": "Claim — He said so.\nTwice.", "tags": "border; claims",
            "timestamp": "1725019200", "timeline_precision": "day", "timeline_end": "",
            "timeline_title": "Claim", "timeline_type": "accuse", "timeline_status": "disputed",
            "timeline_responds_to": "", "timeline_source_url": "https://example.org/a",
        },
    ]  # fmt: skip


def test_time_precision_is_acleds_code(make_event: MakeEvent) -> None:
    """A day is 1, a week 2, a month 3; a year has none (timeline_precision says 'year')."""
    events = [
        make_event(id="d", date="2024-08-06"),
        make_event(id="w", date="2024-08-19", precision="week"),
        make_event(id="m", date="2024-08-01", precision="month"),
        make_event(id="y", date="2024-01-01", precision="year"),
    ]
    got = [
        (r["time_precision"], r["timeline_precision"]) for r in rows(Selection(events, Responses()))
    ]
    assert got == [("1", "day"), ("2", "week"), ("3", "month"), ("", "year")]


def test_text_a_spreadsheet_would_run_is_quoted_and_numbers_are_not(make_event: MakeEvent) -> None:
    """=, +, - and @ at the start of a text cell, or of an item of a list cell, get a leading
    quote, as in --format csv; a negative coordinate stays a number; no timestamp unmade."""
    event = make_event(
        id="=id",
        title='=HYPERLINK("http://evil.example","x")',
        tags=["ok", "+1", "-cmd"],
        location={"name": "@here", "lat": -1.5, "lon": -2.5},
        sources=[{"title": "t", "publisher": "=p"}],
    )
    (row,) = rows(Selection([event], Responses()), About())
    assert row["event_id_cnty"] == "'=id"
    assert row["timeline_title"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["notes"] == row["timeline_title"]
    assert row["tags"] == "ok; '+1; '-cmd"
    assert (row["location"], row["source"]) == ("'@here", "'=p")
    assert (row["latitude"], row["longitude"], row["timestamp"]) == ("-1.5", "-2.5", "")


def _expected(event: Event, responses: Responses) -> dict[str, Any]:
    """A row as the README describes it, written out from the event (the bundled log holds
    no text a spreadsheet would run)."""
    place = event.location
    web = [s.url for s in event.sources if s.url and s.url.startswith(("http://", "https://"))]
    return {
        "event_id_cnty": event.id, "event_date": event.date.isoformat(),
        "year": str(event.date.year),
        "time_precision": {"day": "1", "week": "2", "month": "3"}.get(event.precision, ""),
        "actor1": event.actors[0], "assoc_actor_1": "; ".join(event.actors[1:]),
        "actor2": event.targets[0] if event.targets else "",
        "assoc_actor_2": "; ".join(event.targets[1:]),
        "iso3": place.country or "" if place else "", "location": place.name or "" if place else "",
        "latitude": str(place.lat) if place and place.lat is not None else "",
        "longitude": str(place.lon) if place and place.lon is not None else "",
        "source": "; ".join(dict.fromkeys(s.publisher or s.title or "" for s in event.sources)),
        "notes": event.title + (" — " + event.summary if event.summary else ""),
        "tags": "; ".join(event.tags), "timestamp": "",
        "timeline_precision": event.precision.value,
        "timeline_end": event.end.isoformat() if event.end else "",
        "timeline_title": event.title, "timeline_type": event.type.value,
        "timeline_status": "disputed" if responses.is_disputed(event) else event.status.value,
        "timeline_responds_to": "; ".join(event.responds_to),
        "timeline_source_url": web[0] if web else "",
    }  # fmt: skip


def test_the_bundled_log_reads_back_row_by_row() -> None:
    """Every row of the bundled log, whole, as the README's column notes say."""
    from conftest import BUNDLED_LOG

    events = order(Event.model_validate_json(line) for line in BUNDLED_LOG.read_text().splitlines())
    responses = Responses()
    for event in events:
        responses.note(event)
    got = rows(Selection(events, responses), About())
    assert got == [_expected(event, responses) for event in events]


def test_many_rows_read_back_in_order_across_the_written_chunks(make_event: MakeEvent) -> None:
    """Rows are written in chunks of many: none is lost, doubled or cut where chunks meet."""
    events = order(
        make_event(id=f"e-{n:04d}", date=f"2024-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}")
        for n in range(3 * 256 + 5)
    )
    read = rows(Selection(events, Responses()))
    assert [row["event_id_cnty"] for row in read] == [event.id for event in events]
    assert read == [
        dict(
            zip(acled.COLUMNS, acled.row(e, Selection(events, Responses()), made=MADE), strict=True)
        )
        for e in events
    ]


def test_the_readers_rows_are_the_serial_ones(
    make_event: MakeEvent, show_both_ways: ShowBothWays
) -> None:
    """A large log's readers render each row as they read it, as if nothing rejected its
    claim; the row of a claim that a rejection in another reader's range answers is rendered
    again (disputed): the rows are those of the serial reading."""
    claim = make_event(id="claim", summary="two\nlines", status="claimed")
    others = [make_event(id=f"e{n}", date=f"2024-08-{1 + n % 28:02d}") for n in range(60)]
    reject = make_event(id="no", type="reject", responds_to=["claim"])
    serial, forked = show_both_ways([claim, *others, reject], ["--format", "acled"])

    def rows(text: str) -> list[dict[str, str]]:  # without the time of making
        return [{**r, "timestamp": ""} for r in csv.DictReader(io.StringIO(text))]

    assert rows(forked.stdout) == rows(serial.stdout)
    status = {r["event_id_cnty"]: r["timeline_status"] for r in rows(forked.stdout)}
    assert status["claim"] == "disputed" and len(status) == 62


def _safe(text: str | None, *, keep_newlines: bool = False) -> str:
    return spreadsheet_safe(visible(text or "", keep_newlines=keep_newlines))


def _cell_by_cell(event: Event) -> list[str]:
    """A row with each text cell and each item of a list made safe on its own, one by one:
    what ``acled.row`` does at once when it finds nothing to change."""
    place = event.location

    def joined(values: Any) -> str:  # each item safe, and the cell ('-5; x' is no number)
        return _safe("; ".join(_safe(value) for value in values if value))

    urls = [web_url(s.url) for s in event.sources]
    return [
        _safe(event.id), event.date.isoformat(), str(event.date.year),
        {"day": "1", "week": "2", "month": "3"}.get(event.precision, ""),
        _safe(event.actors[0]), joined(event.actors[1:]),
        _safe(event.targets[0] if event.targets else ""), joined(event.targets[1:]),
        _safe(place.country if place else ""), _safe(place.name if place else ""),
        repr(place.lat) if place and place.lat is not None else "",
        repr(place.lon) if place and place.lon is not None else "",
        joined(dict.fromkeys(s.publisher or s.title for s in event.sources)),
        _safe(event.title + (" — " + event.summary if event.summary else ""), keep_newlines=True),
        joined(event.tags), "", event.precision.value,
        event.end.isoformat() if event.end else "", _safe(event.title), event.type.value,
        event.status.value, joined(event.responds_to),
        _safe(next((url for url in urls if url is not None), "")),
    ]  # fmt: skip


@st.composite
def _risky_texts(draw: st.DrawFn) -> dict[str, Any]:
    """Every text of an event that the row writes, of the characters that a spreadsheet runs
    and the list separator, printable or with characters that ``visible`` escapes: the cases
    where the one check of a row must find something (or nothing)."""
    risky = draw(st.booleans())
    ids = r"[=+@a][a=+-]{0,4}" if risky else r"a[a=+-]{0,4}"
    starts = "=+-@ a5" if risky else "a5;"
    rest = "=+-@ a5;" if draw(st.booleans()) else "=+-@ a5;\t\n\u202e\x1b"
    text = st.builds(
        str.__add__, st.sampled_from(starts), st.text(st.sampled_from(rest), max_size=4)
    ).filter(str.strip)
    one_line = text.filter(lambda t: "\n" not in t)
    source = {"title": text, "publisher": st.none() | text}
    return {
        "id": draw(st.from_regex(ids, fullmatch=True)),
        "title": draw(one_line),
        "summary": draw(st.none() | text),
        "tags": draw(st.lists(text, max_size=3)),
        "location": draw(st.fixed_dictionaries({"name": text, "lat": st.floats(-90, 90)})),
        "sources": draw(
            st.lists(
                st.fixed_dictionaries(source, optional={"url": st.just("https://a.example")}),
                min_size=1,
                max_size=3,
            )
        ),
    }


@settings(max_examples=300)
@given(event=any_event(), texts=_risky_texts())
def test_a_row_is_each_cell_made_safe_on_its_own(event: Event, texts: dict[str, Any]) -> None:
    """The one check of a whole row (printable, no text or item that may start a formula)
    agrees with making each cell and each list item safe on its own, for any event."""
    assume(texts.get("id") not in event.responds_to)
    event = Event.model_validate({**event.model_dump(), **texts})
    assert acled.row(event, Selection([event], Responses()), made=None) == _cell_by_cell(event)


_ONE_TEXT = {
    "id": lambda text: {"id": text},
    "title": lambda text: {"title": text},
    "summary": lambda text: {"summary": text},
    "second tag": lambda text: {"tags": ["ok", text]},
    "place": lambda text: {"location": {"name": text}},
    "publisher": lambda text: {"sources": [{"title": "t", "publisher": text}]},
    "second publisher": lambda text: {
        "sources": [{"title": "t", "publisher": "p"}, {"title": "t", "publisher": text}]
    },
    "second answer": lambda text: {"responds_to": ["ok", text]},
    "first tag": lambda text: {"tags": [text, "x"]},  # '-5' a number, '-5; x' a formula
}


@pytest.mark.parametrize(
    ("field", "text"),
    [
        (field, text)
        for field in _ONE_TEXT
        for text in ("=x", "+x", "-x", "@x", " =x", "x\x1b", "x\u202e", "-5")
        # an id is printable, without spaces, and does not start with '-'
        if field not in ("id", "second answer") or text.startswith(("=", "+", "@"))
    ],
)
def test_one_text_that_needs_making_safe_is_found_in_a_row(
    make_event: MakeEvent, field: str, text: str
) -> None:
    """A row whose every other text is plain and one text (or one item of a list) would run
    in a spreadsheet, or holds a character to escape: that one is made safe."""
    event = make_event(**_ONE_TEXT[field](text))
    assert acled.row(event, Selection([event], Responses()), made=None) == _cell_by_cell(event)
