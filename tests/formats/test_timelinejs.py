"""Tests of the TimelineJS3 JSON, ``timeline.formats.timelinejs``: parsed as one JSON value and
compared whole; the HTML in its slides read back with the standard library's HTML parser."""

from __future__ import annotations

import dataclasses
import html
import json
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATED_SOURCES, ShowBothWays
from strategies import events as random_events
from timeline.formats import About, TextLines, timelinejs
from timeline.formats.urls import web_url
from timeline.model import Event
from timeline.query import Responses, order
from timeline.selection import Selection
from timeline.text import visible

MakeEvent = Callable[..., Event]
ABOUT = About(
    title="Border <b>brief</b>",
    source="data/events.jsonl",
    filters=("actor belarus",),
    generated=datetime(2024, 8, 30, 12, 0, tzinfo=timezone.utc),
)
# The HTML our slides are made of; anything else came from the data.
OUR_TAGS = {"p", "br", "strong", "blockquote", "ol", "li", "a"}


def parsed(selection: Selection, about: About = ABOUT) -> Any:
    output = timelinejs.events(selection, about=about)
    assert isinstance(output, TextLines)
    return json.loads("\n".join(output.lines))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        raise AssertionError(f"a comment came through: {data!r}")


def tags_of(fragment: str) -> _Tags:
    parser = _Tags()
    parser.feed(fragment)
    parser.close()
    return parser


def assert_only_earned_html(document: Any, events: Sequence[Event]) -> None:
    """Every HTML field holds only our tags, and a link only to an http(s) source URL."""
    earned = {web_url(s.url) for e in events for s in e.sources} - {None}
    slides = [document["title"], *document["events"]]
    for slide in slides:
        assert slide["autolink"] is False
        for field in ("headline", "text"):
            for tag, attrs in tags_of(slide["text"][field]).tags:
                assert tag in OUR_TAGS, (tag, attrs)
                if tag == "a":
                    assert [name for name, _ in attrs] == ["href"]
                    assert attrs[0][1] in earned
                else:
                    assert attrs == []
        for field in ("group", "display_date"):
            if field in slide:
                assert tags_of(shown_as_markup_stripped(slide[field])).tags == []


def shown_as_markup_stripped(value: str) -> str:
    """What TimelineJS writes into the page as HTML for a field it strips of markup: the
    field's text content (``stripMarkup``: read as HTML, its escapes decoded)."""
    return "".join(tags_of(value).text)


@pytest.fixture
def claim(make_event: MakeEvent) -> Event:
    """A claim with a two-line summary, a quote, a web source and a javascript: one."""
    return make_event(
        id="2024-08-18-claim",
        date="2024-08-18",
        title="Lukashenko claims 120,000 troops",
        summary="He said so on TV.\nSecond line.",
        type="accuse",
        actors=["belarus/president"],
        targets=["ukraine"],
        status="claimed",
        location={"name": "Minsk", "country": "BLR"},
        sources=[
            {"url": "https://example.org/a?b=1&c=2", "publisher": "Army Recognition",
             "title": "Brief", "quote": "120,000 soldiers"},
            {"url": "javascript:alert(1)", "title": "Bad link"},
        ],
        tags=["border"],
    )  # fmt: skip


def test_a_timeline_is_a_title_slide_and_a_slide_per_event(claim: Event, refutation: Event) -> None:
    """The whole value: the title slide, then per event its id, dates, escaped headline, text
    (parties, status, summary, quote, numbered sources, details) and its first actor's group;
    a week spans Monday to Sunday and says so."""
    responses = Responses()
    for event in (claim, refutation):
        responses.note(event)
    document = parsed(Selection([claim, refutation], responses, {claim.id: claim}))
    assert document == {
        "title": {
            "text": {
                "headline": "Border &lt;b&gt;brief&lt;/b&gt;",
                "text": "<p>Generated 2024-08-30 12:00 UTC from data/events.jsonl; "
                "selection: actor belarus; 2 events.</p>",
            },
            "autolink": False,
        },
        "events": [
            {
                "unique_id": "2024-08-18-claim",
                "start_date": {"year": 2024, "month": 8, "day": 18},
                "text": {
                    "headline": "Lukashenko claims 120,000 troops",
                    "text": "<p>belarus/president → ukraine · accuse · "
                    "<strong>disputed</strong></p>"
                    "<p>He said so on TV.<br>Second line.</p>"
                    "<blockquote>120,000 soldiers<br>— [1]</blockquote>"
                    '<ol><li>Army Recognition — <a href="https://example.org/a?b=1&amp;c=2">'
                    "Brief</a></li><li>Bad link, javascript:alert(1)</li></ol>"
                    "<p>Where: Minsk · Tags: border · Id: 2024-08-18-claim</p>",
                },
                "group": "belarus/president",
                "autolink": False,
            },
            {
                "unique_id": "2024-08-19-refutation",
                "start_date": {"year": 2024, "month": 8, "day": 19},
                "end_date": {"year": 2024, "month": 8, "day": 25},
                "display_date": "week of 19 August 2024",
                "text": {
                    "headline": "Ukraine refutes the claim",
                    "text": "<p>ukraine → belarus/president · reject · "
                    "<strong>reported</strong></p>"
                    "<ol><li>Army Recognition — Situation Brief</li></ol>"
                    "<p>Answers: 18 August 2024, Lukashenko claims 120,000 troops · "
                    "Id: 2024-08-19-refutation</p>",
                },
                "group": "ukraine",
                "autolink": False,
            },
        ],
    }


def test_display_names_in_the_parties_and_the_group(claim: Event, refutation: Event) -> None:
    """With names from the registry, each slide's parties and its group (TimelineJS's row
    label) are display names, HTML-escaped as the log's text; an actor without one stays its
    id; ``unique_id`` and "Id:" keep the event's id."""
    names = {"belarus/president": "Alexander <b>Lukashenko</b>", "ukraine": "Ukraine \u202e"}
    about = dataclasses.replace(ABOUT, names=names)
    other = claim.model_copy(update={"id": "2024-08-18-other", "actors": ["belarus/kgb"]})
    document = parsed(Selection([claim, other, refutation], Responses()), about)
    slides = document["events"]
    groups = [shown_as_markup_stripped(slide["group"]) for slide in slides]
    assert groups == ["Alexander &lt;b&gt;Lukashenko&lt;/b&gt;", "belarus/kgb", "Ukraine \\u202e"]
    assert ["".join(tags_of(group).text) for group in groups] == [
        "Alexander <b>Lukashenko</b>", "belarus/kgb", "Ukraine \\u202e"
    ]  # fmt: skip
    assert [slide["text"]["text"].split("·")[0] for slide in slides] == [
        "<p>Alexander &lt;b&gt;Lukashenko&lt;/b&gt; → Ukraine \\u202e ",
        "<p>belarus/kgb → Ukraine \\u202e ",
        "<p>Ukraine \\u202e → Alexander &lt;b&gt;Lukashenko&lt;/b&gt; ",
    ]
    assert [slide["unique_id"] for slide in slides] == [claim.id, other.id, refutation.id]
    assert_only_earned_html(document, [claim, other, refutation])


@pytest.mark.parametrize(
    ("day", "precision", "end", "dates"),
    [
        ("2024-08-06", "day", None, {"start_date": {"year": 2024, "month": 8, "day": 6}}),
        ("2022-03-01", "month", None, {"start_date": {"year": 2022, "month": 3}}),
        ("1991-01-01", "year", None, {"start_date": {"year": 1991}}),
        (
            "2024-12-30", "week", None,
            {"start_date": {"year": 2024, "month": 12, "day": 30},
             "end_date": {"year": 2025, "month": 1, "day": 5},
             "display_date": "week of 30 December 2024"},
        ),
        (
            "2024-08-26", "day", "2024-08-28",
            {"start_date": {"year": 2024, "month": 8, "day": 26},
             "end_date": {"year": 2024, "month": 8, "day": 28}},
        ),
        (  # TimelineJS leaves out an end in the start's month: the words keep it
            "2024-08-01", "month", "2024-08-03",
            {"start_date": {"year": 2024, "month": 8},
             "end_date": {"year": 2024, "month": 8, "day": 3},
             "display_date": "August 2024 – 3 August 2024"},
        ),
        (
            "1991-01-01", "year", "1993-06-30",
            {"start_date": {"year": 1991},
             "end_date": {"year": 1993, "month": 6, "day": 30},
             "display_date": "1991 – 30 June 1993"},
        ),
    ],
)  # fmt: skip
def test_dates_give_only_the_parts_the_precision_knows(
    make_event: MakeEvent, day: str, precision: str, end: str | None, dates: dict[str, Any]
) -> None:
    """A year is only a year, a month has no day; a week is its seven days, named as a week."""
    event = make_event(date=day, precision=precision, end=end)
    (slide,) = parsed(Selection([event], Responses()))["events"]
    assert {k: v for k, v in slide.items() if k.endswith("date")} == dates


@given(st.text(alphabet=st.sampled_from(" \t\r\n\x1b\u202e\u2028x<&\"'é")))
def test_a_one_line_printable_text_takes_a_shortcut_to_the_same_html(text: str) -> None:
    """A printable text (one line, nothing to make visible) is escaped at once: the same HTML
    as making it visible, splitting it into lines, stripping them and joining with <br>."""
    lines = (line.strip() for line in visible(text, keep_newlines=True).split("\n"))
    assert timelinejs._text(text) == "<br>".join(html.escape(line) for line in lines if line)


def test_no_events_is_still_one_json_value_and_a_note_says_timelinejs_will_refuse_it(
    claim: Event,
) -> None:
    """TimelineJS refuses a timeline without events: the file is written, and the person who
    made it is told (a note, on stderr through the CLI); with an event there is no note."""
    output = timelinejs.events(Selection([], Responses()), about=ABOUT)
    assert json.loads("\n".join(output.lines))["events"] == []
    assert list(output.notes) == [timelinejs.NO_EVENTS_NOTE]
    assert "TimelineJS loads no timeline without events" in timelinejs.NO_EVENTS_NOTE
    output = timelinejs.events(Selection([claim], Responses()), about=ABOUT)
    assert len(json.loads("\n".join(output.lines))["events"]) == 1
    assert list(output.notes) == []


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(event=random_events(), text=st.text())
def test_a_slide_s_json_is_what_json_dumps_writes(event: Event, text: str) -> None:
    """msgspec writes each slide; json.dumps would write the same bytes (a lone surrogate in
    a value, which msgspec refuses, goes to json.dumps)."""
    from timeline.text import json_safe

    slide = timelinejs.slide(event, Selection([event], Responses()))
    for value in (slide, {**slide, "unique_id": text}):
        expected = json_safe(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
        assert timelinejs._json(value) == expected


def test_a_lone_surrogate_is_written_as_json_dumps_escapes_it() -> None:
    """UTF-8 cannot hold a lone surrogate, so msgspec refuses it: json.dumps writes it."""
    from timeline.text import json_safe

    value = {"unique_id": "a\ud800b"}
    compact = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert timelinejs._json(value) == json_safe(compact)
    assert timelinejs._json(value) == '{"unique_id":"a\\ud800b"}'


def test_the_bundled_log_is_one_json_value_with_a_slide_per_event() -> None:
    """The bundled log parses as one JSON value: a slide per event in order, each with the
    date parts of its precision, and no HTML but ours."""
    from conftest import BUNDLED_LOG

    events = order(Event.model_validate_json(line) for line in BUNDLED_LOG.read_text().splitlines())
    document = parsed(Selection(events, Responses()), About())
    assert document["title"]["text"]["headline"] == "Timeline"
    assert [slide["unique_id"] for slide in document["events"]] == [e.id for e in events]
    parts = {"year": ["year"], "month": ["year", "month"], "week": ["year", "month", "day"],
             "day": ["year", "month", "day"]}  # fmt: skip
    for slide, event in zip(document["events"], events, strict=True):
        assert list(slide["start_date"]) == parts[event.precision.value]
        assert html.unescape(slide["text"]["headline"]) == event.title
        assert slide["group"] == event.actors[0]
    assert_only_earned_html(document, events)


HOSTILE = [
    "<script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "<!-- c --> &lt;b&gt; &amp;",
    "https://evil.example www.evil.example a@evil.example",
    "\x1b[2J \u202e \x00 \x9b",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_stays_text_in_every_field(text: str, make_event: MakeEvent) -> None:
    """HTML, URLs and control characters in any field of the log are escaped text: the
    slides' HTML holds only our tags and earned links, and reads back as the visible text."""
    event = make_event(
        id=f"x{text.replace(' ', '_')}"[:60] if "\x00" not in text else "x",
        title=text,
        summary=text,
        tags=[text],
        location={"name": text},
        sources=[{"url": text, "publisher": text, "title": text, "quote": text}],
    )
    document = parsed(Selection([event], Responses()), About(title=text))
    assert_only_earned_html(document, [event])
    (slide,) = document["events"]
    shown = visible(text).strip()
    assert "".join(tags_of(slide["text"]["headline"]).text) == shown
    assert "".join(tags_of(document["title"]["text"]["headline"]).text) == shown
    assert shown in "".join(tags_of(slide["text"]["text"]).text)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(random_events(), min_size=1, max_size=3))
def test_any_events_make_one_json_value_with_only_our_html(events: list[Event]) -> None:
    """For any valid events, the output is one JSON value whose HTML holds only our tags."""
    document = parsed(Selection(events, Responses()))
    assert [slide["unique_id"] for slide in document["events"]] == [e.id for e in events]
    assert_only_earned_html(document, events)


def test_the_readers_slides_are_the_serial_ones(
    make_event: MakeEvent, show_both_ways: ShowBothWays
) -> None:
    """A large log's readers render each slide as they read it, as if nothing rejected its
    claim; the slide of a claim that a rejection in another reader's range answers is
    rendered again (disputed), and that of an event answering another is rendered where the
    answered event is known: the slides are those of the serial reading."""
    claim = make_event(id="claim", title="The claim", status="claimed")
    others = [make_event(id=f"e{n}", date=f"2024-08-{1 + n % 28:02d}") for n in range(60)]
    answer = make_event(id="answer", responds_to=["e3"])
    reject = make_event(id="no", type="reject", responds_to=["claim"])
    options = ["--format", "timelinejs", "--title", "T"]
    serial, forked = show_both_ways([claim, *others, answer, reject], options)
    events = json.loads(forked.stdout)["events"]
    assert events == json.loads(serial.stdout)["events"]  # the title slide says when it was made
    slides = {s["unique_id"]: s for s in events}
    assert "<strong>disputed</strong>" in slides["claim"]["text"]["text"]
    assert "Answers: " in slides["answer"]["text"]["text"]
    assert "Answers: e3" not in slides["answer"]["text"]["text"]  # named by date and title


def test_a_source_says_when_it_was_published(make_event: MakeEvent) -> None:
    """A citation needs its date: each source's date of publication after its name, as the
    HTML page gives it, linked or not."""
    event = make_event(sources=DATED_SOURCES)
    (slide,) = parsed(Selection([event], Responses()))["events"]
    items = "".join(tags_of(slide["text"]["text"]).text)
    assert "Reuters — Story (2024-08-11)" in items
    assert "Old, ftp://e.org/b (2024-08-01)" in items
    assert "https://e.org/c (" not in items
