"""Tests of the event schema, ``timeline.model``: validation, messages and the canonical JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from strategies import events
from timeline.dates import Precision
from timeline.model import (
    Event,
    canonical_json,
    describe_validation_error,
    make_id,
    normalize_actor,
)
from timeline.vocab import EventType, Status

CANONICAL_KEYS = [
    "id",
    "date",
    "precision",
    "end",
    "title",
    "summary",
    "type",
    "actors",
    "targets",
    "status",
    "responds_to",
    "location",
    "sources",
    "tags",
    "extra",
]
SOURCE_KEYS = ["url", "publisher", "title", "published", "quote"]
EventData = Callable[..., dict[str, Any]]
MakeEvent = Callable[..., Event]


def problems(data: dict[str, Any]) -> list[tuple[str | None, str]]:
    """The described validation problems of ``data``; fails the test if it validates."""
    with pytest.raises(ValidationError) as info:
        Event.model_validate(data)
    return describe_validation_error(info.value)


# ---------------------------------------------------------------------------- a valid event


def test_full_event_round_trips_through_its_canonical_line(event_data: EventData) -> None:
    """Every field survives event → canonical line → event, and the line holds the whole value."""
    data = event_data(
        id="2024-08-18-claim",
        date="2024-08-01",
        precision="month",
        end="2024-08-31",
        title="Lukashenko claims 120,000 troops",
        summary="He said so.\nTwice.",
        type="accuse",
        actors=["Belarus/President"],
        targets=["Ukraine"],
        status="claimed",
        responds_to=["2024-08-06-other"],
        location={"name": "Border", "country": "blr", "lat": 51.5, "lon": 30.25},
        sources=[
            {
                "url": "https://example.org/a",
                "publisher": "Army Recognition",
                "title": "Situation Brief",
                "published": "2024-08-26",
                "quote": "over 120,000 soldiers",
            }
        ],
        tags=["border"],
        extra={"person": "Alexander Lukashenko", "n": [1, 2.5, None, True]},
    )
    event = Event.model_validate(data)
    line = canonical_json(event)
    assert json.loads(line) == {
        "id": "2024-08-18-claim",
        "date": "2024-08-01",
        "precision": "month",
        "end": "2024-08-31",
        "title": "Lukashenko claims 120,000 troops",
        "summary": "He said so.\nTwice.",
        "type": "accuse",
        "actors": ["belarus/president"],
        "targets": ["ukraine"],
        "status": "claimed",
        "responds_to": ["2024-08-06-other"],
        "location": {"name": "Border", "country": "BLR", "lat": 51.5, "lon": 30.25},
        "sources": [
            {
                "url": "https://example.org/a",
                "publisher": "Army Recognition",
                "title": "Situation Brief",
                "published": "2024-08-26",
                "quote": "over 120,000 soldiers",
            }
        ],
        "tags": ["border"],
        "extra": {"person": "Alexander Lukashenko", "n": [1, 2.5, None, True]},
    }
    assert Event.model_validate_json(line) == event


def test_defaults_are_filled_in(make_event: MakeEvent) -> None:
    """Optional fields take the documented defaults: day precision, reported, empty lists."""
    event = make_event()
    assert (event.precision, event.status, event.end, event.summary) == (
        Precision.DAY,
        Status.REPORTED,
        None,
        None,
    )
    assert (event.targets, event.responds_to, event.tags, event.location, event.extra) == (
        (),
        (),
        (),
        None,
        None,
    )


def test_events_are_frozen(make_event: MakeEvent) -> None:
    """An event is an immutable value: assigning to a field is refused."""
    event = make_event()
    with pytest.raises(ValidationError):
        event.title = "changed"  # type: ignore[misc]
    assert event.title == "Test event"


# ---------------------------------------------------------------------------- canonical JSON


def test_canonical_json_key_order_is_the_schema_order(make_event: MakeEvent) -> None:
    """Every key is written, always in the same order, even when the input omitted most of them."""
    line = canonical_json(make_event())
    obj = json.loads(line)
    assert list(obj) == CANONICAL_KEYS
    assert list(obj["sources"][0]) == SOURCE_KEYS


def test_canonical_json_is_compact_and_one_line(make_event: MakeEvent) -> None:
    """No spaces after separators, no newline: exactly one compact JSON line."""
    event = make_event(summary="line one\nline two", title="A, b: c")
    line = canonical_json(event)
    assert "\n" not in line
    assert line == json.dumps(json.loads(line), ensure_ascii=False, separators=(",", ":"))
    assert line.startswith('{"id":"2024-08-26-test-event","date":"2024-08-26","precision":"day",')


def test_canonical_json_keeps_cyrillic_as_utf8(make_event: MakeEvent) -> None:
    """Cyrillic text is written as itself, not as \\u escapes."""
    line = canonical_json(make_event(title="Лукашенко заявил", actors=["Беларусь"]))
    assert '"title":"Лукашенко заявил"' in line
    assert '"actors":["беларусь"]' in line
    assert "\\u" not in line


def test_canonical_json_escapes_control_and_bidi_characters(make_event: MakeEvent) -> None:
    """ESC, DEL, C1 controls and bidi overrides are written as \\u escapes, never raw."""
    title = "a\x1b[2Jb\x7fc\x85d\u202ee\u2066f\u200fg\u2029h"
    line = canonical_json(make_event(title=title))
    for raw, escaped in [
        ("\u2029", "\\u2029"),  # a paragraph separator: a line's end to splitlines
        ("\x1b", "\\u001b"),
        ("\x7f", "\\u007f"),
        ("\x85", "\\u0085"),
        ("\u202e", "\\u202e"),
        ("\u2066", "\\u2066"),
        ("\u200f", "\\u200f"),
    ]:
        assert raw not in line
        assert escaped in line
    assert json.loads(line)["title"] == title


# ---------------------------------------------------------------------------- refusals


def test_unknown_key_is_refused_not_dropped(event_data: EventData) -> None:
    """A typo such as 'actor' for 'actors' is an error naming the key, not silently ignored."""
    data = event_data(actor=["ukraine"])
    assert problems(data) == [("actor", "unknown key (custom data belongs in 'extra')")]


def test_unknown_key_inside_a_source_is_refused(event_data: EventData) -> None:
    """Nested objects are strict too: a misspelt source key is named by its path."""
    data = event_data(sources=[{"url": "https://example.org", "quoted": "x"}])
    found = problems(data)
    assert found[0] == ("sources[0].quoted", "unknown key (custom data belongs in 'extra')")


def test_custom_data_in_extra_is_kept_as_is(make_event: MakeEvent) -> None:
    """Whatever the schema does not cover goes in 'extra' and comes back unchanged."""
    extra = {"person": "Viktor Khrenin", "nested": {"a": [1, "два", None]}}
    event = make_event(extra=extra)
    assert json.loads(canonical_json(event))["extra"] == extra


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Belarus MoD", "belarus-mod"),
        ("Belarus/President", "belarus/president"),
        ("  Ukraine / MFA ", "ukraine/mfa"),
        ("belarus_mod", "belarus-mod"),
        ("Wagner -- Group", "wagner-group"),
        ("Беларусь", "беларусь"),
        ("united-states", "united-states"),
        (
            "\u0413\u043e\u043c\u0435\u043b\u044c\u0441\u043a\u0438\u0439",
            "\u0433\u043e\u043c\u0435\u043b\u044c\u0441\u043a\u0438\u0439",
        ),
        (
            "\u0413\u043e\u043c\u0435\u043b\u044c\u0441\u043a\u0438\u0438\u0306",
            "\u0433\u043e\u043c\u0435\u043b\u044c\u0441\u043a\u0438\u0439",
        ),
        ("Cafe\u0301 Owner", "caf\u00e9-owner"),
        ("CAF\u00c9 OWNER", "caf\u00e9-owner"),
        # a control, bidi or invisible character is read as white space (the README says so)
        ("bela\u200brus", "bela-rus"),
        ("bela\u202erus", "bela-rus"),
        ("\u200bbelarus\x07", "belarus"),
    ],
)
def test_actor_ids_are_normalised(text: str, expected: str) -> None:
    """Actor input is lower-cased and slugged; '/' separates an actor from its part."""
    assert normalize_actor(text) == expected


def test_event_actors_and_targets_are_normalised(make_event: MakeEvent) -> None:
    """The model stores normalised ids for actors and targets."""
    event = make_event(actors=["Belarus MoD", "Belarus/President"], targets=["Ukraine/MFA"])
    assert event.actors == ("belarus-mod", "belarus/president")
    assert event.targets == ("ukraine/mfa",)


@pytest.mark.parametrize("text", ["", "   ", "!!", "a//b", "/belarus", "belarus/", "---", "_"])
def test_bad_actor_ids_are_refused(text: str) -> None:
    """Text that normalises to nothing, or has an empty part, is not an actor id."""
    with pytest.raises(ValueError, match="is not an actor id"):
        normalize_actor(text)


def test_bad_actor_id_in_an_event_names_its_position(event_data: EventData) -> None:
    """A bad actor is reported at its index, quoting what was given."""
    found = problems(event_data(actors=["belarus", "a//b"]))
    assert found[0] == (
        "actors[1]",
        "'a//b' is not an actor id (use words joined by '-', with '/' for a part, "
        "e.g. 'belarus/president')",
    )


@pytest.mark.parametrize(
    ("day", "precision"),
    [
        ("2024-08-19", "week"),
        ("2024-08-01", "month"),
        ("2024-01-01", "year"),
        ("2024-08-27", "day"),
    ],
)
def test_aligned_dates_are_accepted(make_event: MakeEvent, day: str, precision: str) -> None:
    """A date that starts its period (Monday, 1st of month, 1 January) is valid."""
    event = make_event(date=day, precision=precision)
    assert (event.date.isoformat(), event.precision.value) == (day, precision)


@pytest.mark.parametrize(
    ("day", "precision", "message"),
    [
        ("2024-08-20", "week", "2024-08-20 with precision 'week' must be a Monday"),
        (
            "2024-08-02",
            "month",
            "2024-08-02 with precision 'month' must be the first of a month",
        ),
        ("2024-02-01", "year", "2024-02-01 with precision 'year' must be 1 January"),
    ],
)
def test_misaligned_dates_are_refused(
    event_data: EventData, day: str, precision: str, message: str
) -> None:
    """A month event must be dated the 1st, a week event a Monday, a year event 1 January."""
    assert problems(event_data(date=day, precision=precision)) == [
        ("date", f"{message}, the first day of the period")
    ]


def test_end_before_date_is_refused(event_data: EventData) -> None:
    """An event cannot end before it starts."""
    assert problems(event_data(date="2024-08-26", end="2024-08-25")) == [
        ("end", "2024-08-25 is before the date 2024-08-26")
    ]


def test_end_on_the_start_day_and_last_day(make_event: MakeEvent) -> None:
    """end may equal date; last_day is end when given, else the end of the period."""
    assert make_event(end="2024-08-26").last_day == date(2024, 8, 26)
    assert make_event(date="2024-08-19", precision="week").last_day == date(2024, 8, 25)
    assert make_event(date="2024-02-01", precision="month").last_day == date(2024, 2, 29)
    assert make_event(date="2024-01-01", precision="year").last_day == date(2024, 12, 31)
    assert make_event(date="2024-08-01", precision="month", end="2024-09-03").last_day == date(
        2024, 9, 3
    )


def test_source_needs_a_url_or_a_title(event_data: EventData, make_event: MakeEvent) -> None:
    """A source with neither url nor title is refused; either one alone is enough."""
    found = problems(event_data(sources=[{"publisher": "Army Recognition"}]))
    assert ("sources[0]", "a source needs a 'url' or a 'title'") in found
    assert make_event(sources=[{"title": "Situation Brief"}]).sources[0].url is None
    assert make_event(sources=[{"url": "https://example.org"}]).sources[0].title is None


def test_invalid_only_source_is_reported_once(event_data: EventData) -> None:
    """One bad source gives one problem, not a second claim that the list is empty."""
    assert problems(event_data(sources=[{"publisher": "Army Recognition"}])) == [
        ("sources[0]", "a source needs a 'url' or a 'title'")
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [("sources", []), ("actors", [])],
)
def test_required_lists_must_not_be_empty(event_data: EventData, field: str, value: Any) -> None:
    """At least one actor and one source are required."""
    assert problems(event_data(**{field: value})) == [(field, "must not be empty")]


def test_missing_required_fields_are_each_named(event_data: EventData) -> None:
    """Each missing required field is one problem with its name."""
    data = event_data()
    for key in ("title", "type", "sources"):
        del data[key]
    assert problems(data) == [
        ("title", "required field is missing"),
        ("type", "required field is missing"),
        ("sources", "required field is missing"),
    ]


def test_title_must_be_one_line(event_data: EventData) -> None:
    """A title with a line break would break one-line output and is refused."""
    assert problems(event_data(title="two\nlines")) == [("title", "must be a single line")]


def test_event_cannot_respond_to_itself(event_data: EventData) -> None:
    """responds_to may not name the event's own id."""
    data = event_data(responds_to=["2024-08-26-test-event"])
    assert problems(data) == [("responds_to", "an event cannot respond to itself")]


@pytest.mark.parametrize("lat", [float("nan"), float("inf"), 91.0])
def test_latitude_must_be_a_finite_number_in_range(event_data: EventData, lat: float) -> None:
    """NaN, infinity and out-of-range latitudes are refused at location.lat."""
    found = problems(event_data(location={"lat": lat}))
    assert [field for field, _ in found] == ["location.lat"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "expected a number, got true"),  # as the line spells it
        ({"a": None}, 'expected a number, got {"a": null}'),
        ([1], "expected a number, got [1]"),
        ("27.5", "expected a number, got '27.5'"),
    ],
)
def test_coordinates_are_json_numbers_only(event_data: EventData, value: Any, message: str) -> None:
    """`true` or `"27.5"` is not read as a coordinate (1.0, 27.5): the published schema says
    number, and check reports it, naming the value as the line spells it; whole numbers are
    numbers."""
    assert problems(event_data(location={"lat": value, "lon": value})) == [
        ("location.lat", message),
        ("location.lon", message),
    ]
    event = Event.model_validate(event_data(location={"lat": 51, "lon": -3}))
    assert event.location is not None
    assert (event.location.lat, event.location.lon) == (51.0, -3.0)


def test_a_coordinate_out_of_range_is_told_its_bound(event_data: EventData) -> None:
    assert problems(event_data(location={"lat": 181, "lon": -180.5})) == [
        ("location.lat", "must be at most 90 (got 181)"),
        ("location.lon", "must be at least -180 (got -180.5)"),
    ]


# ---------------------------------------------------------------------------- messages


def test_invalid_date_message_is_exact(event_data: EventData) -> None:
    """A bad date reads "'2024-13-01' is not a valid date" at field 'date'."""
    assert problems(event_data(date="2024-13-01")) == [("date", "'2024-13-01' is not a valid date")]


def test_nested_field_paths_use_brackets_and_dots(event_data: EventData) -> None:
    """Paths name list items by index and nested keys with dots: 'sources[0].url'."""
    found = problems(event_data(sources=[{"url": 5}], location={"country": "Belarus"}))
    assert ("sources[0].url", "expected a string, got 5") in found
    assert (
        "location.country",
        "'Belarus' is not an ISO 3166-1 alpha-3 code (e.g. 'UKR')",
    ) in found


def test_published_date_of_a_source_is_checked(event_data: EventData) -> None:
    """A source's published date is validated like the event date and located precisely."""
    data = event_data(sources=[{"url": "https://example.org", "published": "26/08/2024"}])
    assert (
        "sources[0].published", "'26/08/2024' is not a valid date (expected 'YYYY-MM-DD')"
    ) in problems(data)  # fmt: skip


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-08-20T00:00:00.000",
         "'2024-08-20T00:00:00.000' is not a valid date (expected 'YYYY-MM-DD': the day alone, "
         "without its time)"),
        ("2024-08",
         "'2024-08' is not a valid date (expected 'YYYY-MM-DD', the first day of a month or year, "
         'with "precision": "month" or "year")'),
        (1724112000000, "1724112000000 is not a valid date (expected 'YYYY-MM-DD')"),
        (None, "null is not a valid date (expected 'YYYY-MM-DD')"),
        ("2024-02-30", "'2024-02-30' is not a valid date"),
    ],
)  # fmt: skip
def test_a_date_another_program_wrote_is_told_what_a_log_takes(
    event_data: EventData, value: object, message: str
) -> None:
    """Dates as pandas or a database write them are refused with the form a log takes, and
    what to do with a time or a month; a value is named as its JSON spells it."""
    assert problems(event_data(date=value)) == [("date", message)]


def test_an_enum_names_a_json_value_as_json_spells_it(event_data: EventData) -> None:
    """A null where a precision goes is named null, as the line spells it, not Python's None."""
    assert problems(event_data(precision=None)) == [
        ("precision", "null is not one of: day, week, month or year")
    ]


@pytest.mark.parametrize(
    ("field", "choices"),
    [("type", [t.value for t in EventType]), ("status", [s.value for s in Status])],
)
def test_enum_error_lists_every_valid_choice(
    event_data: EventData, field: str, choices: list[str]
) -> None:
    """A bad type or status names the value and lists all the valid choices, in order."""
    ((where, message),) = problems(event_data(**{field: "bogus"}))
    assert where == field
    assert "bogus" in message
    assert message.endswith(f" is not one of: {', '.join(choices[:-1])} or {choices[-1]}")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"type": "x" * 500}, "type"),
        ({"date": "x" * 500}, "date"),
        ({"end": "x" * 500}, "end"),
        (
            {"sources": [{"url": "https://example.org/a", "published": "x" * 500}]},
            "sources[0].published",
        ),
        ({"x" * 500: 1}, "x" * 57 + "..."),
    ],
    ids=["type", "date", "end", "published", "unknown-key"],
)
def test_long_values_are_shortened_in_messages(
    event_data: EventData, changes: dict[str, object], expected: str
) -> None:
    """A huge bad value, or a huge unknown key, is quoted shortened, so the message stays one
    readable line."""
    ((field, message),) = problems(event_data(**changes))
    assert field == expected
    assert "x" * 100 not in message
    if field == "type" or "date" in message:
        assert "x" * 50 in message


# ---------------------------------------------------------------------------- ids


def test_make_id_is_date_slug_and_random_suffix() -> None:
    """make_id gives 'YYYY-MM-DD-slug-' and 12 hex digits, a valid id, different each call."""
    first = make_id(date(2024, 8, 26), "Ukraine warns: Belarus sites are targets!")
    second = make_id(date(2024, 8, 26), "Ukraine warns: Belarus sites are targets!")
    pattern = r"2024-08-26-ukraine-warns-belarus-sites-are-targets-[0-9a-f]{12}"
    assert re.fullmatch(pattern, first), first
    assert re.fullmatch(pattern, second), second
    assert first != second


def test_make_id_keeps_accented_letters_without_their_accents() -> None:
    """'Ärger über Straße', typed composed or decomposed, gives 'arger-uber-strasse'."""
    for title in ("\u00c4rger \u00fcber Stra\u00dfe", "A\u0308rger u\u0308ber Stra\u00dfe"):
        made = make_id(date(2024, 1, 1), title)
        assert re.fullmatch(r"2024-01-01-arger-uber-strasse-[0-9a-f]{12}", made), made


@given(st.text(max_size=30))
def test_actor_ids_do_not_depend_on_how_accents_are_typed(text: str) -> None:
    """Composed (NFC) and decomposed (NFD) spellings of a name give the same actor id, or
    are both refused."""
    import unicodedata

    def outcome(spelling: str) -> str:
        try:
            return normalize_actor(spelling)
        except ValueError:
            return "refused"

    composed = unicodedata.normalize("NFC", text)
    assert outcome(unicodedata.normalize("NFD", text)) == outcome(composed)


def test_make_id_shortens_long_titles_and_falls_back_to_event() -> None:
    """The slug is at most 48 characters without a trailing '-'; no letters gives 'event'."""
    long_id = make_id(date(2024, 8, 26), "word " * 40)
    slug = long_id[len("2024-08-26-") : -len("-0123456789ab")]
    assert len(slug) <= 48
    assert not slug.endswith("-")
    assert re.fullmatch(r"2024-08-26-event-[0-9a-f]{12}", make_id(date(2024, 8, 26), "?!"))


def test_made_ids_are_valid_event_ids(make_event: MakeEvent) -> None:
    """Whatever the title, make_id's result passes the model's id check."""
    for title in ["Лукашенко", "a" * 300, "Ukraine: 120,000?", "   "]:
        new_id = make_id(date(1, 1, 1), title)
        assert make_event(id=new_id).id == new_id


@pytest.mark.parametrize(
    "bad",
    ["", "-starts-with-dash", "has space", "a" * 201, "tab\tid", "esc\x1bid", "bidi\u202eid",
     "nbsp\u00a0id", "line\u2028id", "soft\u00adhyphen", "zero\u200bwidth", "word\u2060joiner",
     "\ufeffbom", "anchor\ufff9id", "grapheme\u034fjoiner", "hangul\u3164filler", "half\uffa0width",
     "khmer\u17b4vowel", "mongolian\u180bselector"],
)  # fmt: skip
def test_bad_ids_are_refused(event_data: EventData, bad: str) -> None:
    """Ids are printable characters without white space, not starting with '-', at most 200."""
    assert [field for field, _ in problems(event_data(id=bad))] == ["id"]


# ---------------------------------------------------------------------------- property


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=events())
def test_event_to_line_to_event_round_trip(event: Event) -> None:
    """Any valid event survives its canonical line, and the canonical form is a fixed point."""
    line = canonical_json(event)
    assert "\n" not in line
    assert Event.model_validate_json(line) == event
    assert Event.model_validate(json.loads(line)) == event
    assert canonical_json(Event.model_validate(json.loads(line))) == line


def test_a_period_that_runs_past_9999_is_refused_at_the_date(event_data: EventData) -> None:
    """A week starting 9999-12-27 would end in the year 10000, which no date can hold."""
    assert problems(event_data(date="9999-12-27", precision="week")) == [
        ("date", "the period of the date ends after 9999-12-31")
    ]


@pytest.mark.parametrize(
    "good",
    ["2022-03-15--putin's-graduate-education-in-leningrad",
     "1984-01-01--drexel-burnham-lambert-raises-$100-million-blind-p",
     'quoted-"word"-(and),more', "slash/id", "Лукашенко-2024", "a" * 200, "x-",
     "می\u200cخواهم"],
)  # fmt: skip
def test_ids_from_other_systems_are_accepted(event_data: EventData, good: str) -> None:
    """Ids from a real public timeline: quotes, '$', parentheses, commas, any script; the
    canonical line holds them (escaped as JSON says) and reads back the same."""
    event = Event.model_validate(event_data(id=good, responds_to=[good[:150] + "-answered"]))
    assert event.id == good
    assert Event.model_validate_json(canonical_json(event)) == event


def test_made_ids_do_not_collide_on_one_title_and_day() -> None:
    """20,000 ids for one title on one day are all different (with 24 random bits, about 12
    pairs were alike; with 48, a pair needs about 16 million)."""
    made = {make_id(date(2024, 8, 26), "Same title") for _ in range(20_000)}
    assert len(made) == 20_000


def test_made_ids_are_cut_at_a_word_boundary() -> None:
    """A long title's slug ends with a whole word ('…-near-mozyr'), not a piece ('…-near-mozy');
    a single word longer than the slug is cut."""
    made = make_id(
        date(2024, 8, 26), "Ukraine warns that troop concentrations near Mozyr are legitimate"
    )
    slug = made[len("2024-08-26-") : -len("-0123456789ab")]
    assert slug == "ukraine-warns-that-troop-concentrations-near"
    long_word = make_id(date(2024, 8, 26), "x" * 60)
    assert long_word[len("2024-08-26-") : -len("-0123456789ab")] == "x" * 48


def _depth(value: object) -> int:
    """How deeply arrays and objects nest in ``value``, by recursion: the plain definition."""
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


_JSON_VALUES = st.recursive(
    st.none() | st.integers() | st.text(max_size=2),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=30,
)


@given(_JSON_VALUES, st.integers(0, 8))
def test_nesting_is_measured_as_the_plain_definition_says(value: object, most: int) -> None:
    """The walk that stops at the first level past the limit (a line nested 200 levels deep
    cost 15 times a plain one per byte, walked whole, twice) says what the depth says."""
    from timeline.rules import nested_deeper_than

    assert nested_deeper_than(value, most) == (_depth(value) > most)


def test_a_deep_extra_is_refused_without_walking_all_of_it() -> None:
    from timeline.rules import MAX_EXTRA_DEPTH, check_extra

    deep: Any = 1
    for _ in range(MAX_EXTRA_DEPTH - 1):
        deep = [deep]
    check_extra({"a": deep})  # 100 levels: the limit
    with pytest.raises(ValueError, match="nested more than 100 levels deep"):
        check_extra({"a": [deep]})
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueError):
        check_extra({"a": deep})
