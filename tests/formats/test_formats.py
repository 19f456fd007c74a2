"""Tests of the event formats, ``timeline.formats``: parsed output compared with whole values."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from timeline import formats
from timeline.formats import FileWriter, Format, Rendered, TextLines, html, labels, rich
from timeline.formats.csv import CSV_COLUMNS
from timeline.formats.labels import date_label, gap_label, iso_label
from timeline.model import Event, Location, canonical_json
from timeline.query import Responses
from timeline.selection import Selection

MakeEvent = Callable[..., Event]


def lines_of(fmt: Format, events: Sequence[Event], responses: Responses) -> list[str]:
    """The lines ``show`` writes in a text format."""
    output = formats.SHOW[fmt].render(Selection(events, responses))
    assert isinstance(output, TextLines)
    return list(output.lines)


def timeline_view(events: Sequence[Event], responses: Responses, *, long: bool = False) -> object:
    """The rich timeline of ``events``."""
    return rich.events(Selection(events, responses), long=long).renderable


@pytest.fixture
def claim(make_event: MakeEvent) -> Event:
    """Lukashenko's claim, as a small literal event."""
    return make_event(
        id="2024-08-18-claim",
        date="2024-08-18",
        title="Lukashenko claims 120,000 troops",
        type="accuse",
        actors=["belarus/president"],
        targets=["ukraine"],
        status="claimed",
        sources=[{"url": "https://example.org/a", "publisher": "Army Recognition"}],
        tags=["border"],
    )


def _responses(events: Sequence[Event]) -> Responses:
    responses = Responses()
    for event in events:
        responses.note(event)
    return responses


def _article_ids(page: str) -> list[str]:
    """The ``id`` of each ``<article>`` of an HTML page, in order."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Articles(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "article":
                found.append(dict(attrs)["id"] or "")

    Articles().feed(page)
    return found


def _text(renderable: object, *, width: int = 100) -> str:
    console = Console(
        file=io.StringIO(), record=True, width=width, color_system=None, force_terminal=False
    )
    console.print(renderable)
    return console.export_text()


# ---------------------------------------------------------------------------- the registry


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_renders_a_selection(fmt: Format, claim: Event, tmp_path: Path) -> None:
    """Every member of ``Format`` has a ``show`` renderer that makes text lines or a renderable:
    a new member without one fails here."""
    assert fmt in formats.SHOW, f"{fmt} is new: add its module to formats.SHOW"
    output = formats.SHOW[fmt].render(Selection([claim], Responses()))
    if isinstance(output, TextLines):
        lines = list(output.lines)
        assert lines and all(isinstance(line, str) and line for line in lines)
    elif isinstance(output, FileWriter):
        written = tmp_path / "out"
        output.write(written)
        assert written.stat().st_size > 0
    else:
        assert isinstance(output, Rendered)
        assert "Lukashenko claims 120,000 troops" in _text(output.renderable)


def test_format_values_are_plain_strings() -> None:
    """The formats are the documented lowercase words, and --format offers each and auto."""
    from timeline.cli.options import FormatChoice

    assert [fmt.value for fmt in Format] == [
        "rich", "plain", "json", "csv", "parquet", "markdown", "timelinejs", "ics", "geojson",
        "acled", "html",
    ]  # fmt: skip
    assert [c.value for c in FormatChoice] == ["auto", *(fmt.value for fmt in Format)]


# ---------------------------------------------------------------------------- machine formats


def test_json_lines_are_the_canonical_lines(claim: Event, refutation: Event) -> None:
    """--json writes each event's canonical line, in the order given."""
    lines = list(lines_of(Format.JSON, [claim, refutation], Responses()))
    assert lines == [canonical_json(claim), canonical_json(refutation)]
    assert [Event.model_validate_json(line) for line in lines] == [claim, refutation]


def test_plain_lines_are_tab_separated(claim: Event, refutation: Event) -> None:
    """Plain: date, type, actors → targets, title (with a status mark), id — tab-separated."""
    lines = list(lines_of(Format.PLAIN, [claim, refutation], Responses()))
    assert lines == [
        "2024-08-18\taccuse\tbelarus/president → ukraine\t"
        "Lukashenko claims 120,000 troops [claimed]\t2024-08-18-claim",
        "2024-W34\treject\tukraine → belarus/president\tUkraine refutes the claim\t"
        "2024-08-19-refutation",
    ]


def test_plain_marks_a_rejected_claim_disputed(claim: Event, refutation: Event) -> None:
    """A claim that a reject answers is shown as disputed in plain output."""
    responses = _responses([claim, refutation])
    first = next(iter(lines_of(Format.PLAIN, [claim], responses)))
    assert first.split("\t")[3] == "Lukashenko claims 120,000 troops [disputed]"


def test_plain_lines_escape_tabs_and_controls(make_event: MakeEvent) -> None:
    """A tab or escape code in a title cannot add a column or reach the terminal."""
    event = make_event(title="a\tb\x1b[2Jc\u202ed")
    (line,) = lines_of(Format.PLAIN, [event], Responses())
    fields = line.split("\t")
    assert len(fields) == 5
    assert fields[3] == "a\\x09b\\x1b[2Jc\\u202ed"


def test_csv_parses_back_with_the_header(claim: Event, refutation: Event) -> None:
    """CSV output reads back with csv.reader: the header, then one full row per event."""
    text = "\n".join(lines_of(Format.CSV, [claim, refutation], Responses())) + "\n"
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(CSV_COLUMNS)
    assert [dict(zip(rows[0], row, strict=True)) for row in rows[1:]] == [
        {
            "id": "2024-08-18-claim",
            "date": "2024-08-18",
            "precision": "day",
            "end": "",
            "title": "Lukashenko claims 120,000 troops",
            "type": "accuse",
            "actors": "belarus/president",
            "targets": "ukraine",
            "status": "claimed",
            "responds_to": "",
            "tags": "border",
            "summary": "",
            "source_publisher": "Army Recognition",
            "source_title": "",
            "source_url": "https://example.org/a",
            "source_quote": "",
            "location": "",
            "country": "",
            "lat": "",
            "lon": "",
        },
        {
            "id": "2024-08-19-refutation",
            "date": "2024-08-19",
            "precision": "week",
            "end": "",
            "title": "Ukraine refutes the claim",
            "type": "reject",
            "actors": "ukraine",
            "targets": "belarus/president",
            "status": "reported",
            "responds_to": "2024-08-18-claim",
            "tags": "",
            "summary": "",
            "source_publisher": "Army Recognition",
            "source_title": "Situation Brief",
            "source_url": "",
            "source_quote": "",
            "location": "",
            "country": "",
            "lat": "",
            "lon": "",
        },
    ]


def test_csv_quotes_commas_and_newlines(make_event: MakeEvent) -> None:
    """Commas, quotes and multi-line summaries stay inside their cell. A summary's and a
    quote's lines are kept (a CRLF or a CR as a newline), as spreadsheets, pandas and DuckDB read
    a quoted cell: written as '\\x0a', a line break could not be told from those four characters
    typed. A one-line value (a tag, a publisher, an address, a place) shows one as '\\x0a', as
    the views do; other control characters are escapes everywhere."""
    event = make_event(
        title='Say "no", twice',
        summary="one\ntwo\r\nthree\rfour \\x0a\x1b[31m",
        actors=["a", "b"],
        tags=["a\nb"],
        location={"name": "here\nthere"},
        sources=[{"url": "https://e.org/a\nb", "publisher": "P\r\nQ", "quote": "\r=1+1"}],
    )
    text = "\n".join(lines_of(Format.CSV, [event], Responses())) + "\n"
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["title"], row["summary"], row["actors"], row["source_quote"]) == (
        'Say "no", twice',
        "one\ntwo\nthree\nfour \\x0a\\x1b[31m",
        "a;b",
        "'\n=1+1",  # a spreadsheet that trims the line break would run what follows
    )
    assert [row[k] for k in ("tags", "location", "source_url", "source_publisher")] == [
        "a\\x0ab", "here\\x0athere", "https://e.org/a\\x0ab", "P\\x0d\\x0aQ"
    ]  # fmt: skip


def test_csv_cells_a_spreadsheet_would_run_are_quoted(make_event: MakeEvent) -> None:
    """A title or summary starting with = + - @ gets a leading quote, so that a spreadsheet
    shows it as text instead of running it; other cells are untouched."""
    event = make_event(
        title='=HYPERLINK("http://evil.example","click")',
        summary="+cmd|' /C calc'!A0",
        sources=[{"url": "https://example.org/a", "publisher": "@handle", "title": "-1 ok"}],
    )
    text = "\n".join(lines_of(Format.CSV, [event], Responses())) + "\n"
    row = dict(zip(*csv.reader(io.StringIO(text)), strict=True))
    assert row["title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["summary"] == "'+cmd|' /C calc'!A0"
    assert (row["source_publisher"], row["source_title"]) == ("'@handle", "'-1 ok")
    assert row["id"] == event.id
    assert row["source_url"] == "https://example.org/a"


def test_csv_cells_a_spreadsheet_would_run_after_trimming_spaces_are_quoted(
    make_event: MakeEvent,
) -> None:
    """A spreadsheet may trim a cell's leading spaces as it reads it: a formula after them is
    quoted too; a number after them is left alone."""
    event = make_event(
        title=' =HYPERLINK("http://evil.example","click")',
        summary="\u00a0+1+1",
        sources=[{"url": "https://example.org/a", "publisher": " @SUM(1)", "title": "  -3"}],
        tags=[" -2+3", "ok"],
    )
    text = "\n".join(lines_of(Format.CSV, [event], Responses())) + "\n"
    row = dict(zip(*csv.reader(io.StringIO(text)), strict=True))
    assert [row[k] for k in ("title", "summary", "source_publisher", "source_title", "tags")] == [
        '\' =HYPERLINK("http://evil.example","click")',
        "'\u00a0+1+1",
        "' @SUM(1)",
        "  -3",
        "' -2+3;ok",
    ]


def test_csv_has_the_location_and_the_first_quote(make_event: MakeEvent) -> None:
    """The location (name, country, coordinates) and the first source's quote have columns."""
    event = make_event(
        location={"name": "Gomel", "country": "BLR", "lat": 52.43, "lon": 31.0},
        sources=[{"url": "https://example.org/a", "quote": "troops are massing"}],
    )
    text = "\n".join(lines_of(Format.CSV, [event], Responses())) + "\n"
    row = dict(zip(*csv.reader(io.StringIO(text)), strict=True))
    assert [row[k] for k in ("location", "country", "lat", "lon", "source_quote")] == [
        "Gomel", "BLR", "52.43", "31.0", "troops are massing",
    ]  # fmt: skip


def test_csv_negative_numbers_stay_numbers(make_event: MakeEvent) -> None:
    """A coordinate south or west of zero is a number to a spreadsheet, not a formula: no
    quote; a cell that only starts like one (-1+1) is still quoted."""
    event = make_event(
        title="-1+1", summary="-2", location={"name": "Sydney", "lat": -33.87, "lon": -151.2}
    )
    text = "\n".join(lines_of(Format.CSV, [event], Responses())) + "\n"
    row = dict(zip(*csv.reader(io.StringIO(text)), strict=True))
    assert [row[k] for k in ("title", "summary", "lat", "lon")] == [
        "'-1+1",
        "-2",
        "-33.87",
        "-151.2",
    ]


def test_exact_gaps_are_not_marked(make_event: MakeEvent) -> None:
    """Between two events known to the day, the gap is exact: no '~'."""
    events = [make_event(id="a", date="2024-08-01"), make_event(id="b", date="2024-08-05")]
    text = _text(timeline_view(events, _responses(events)))
    assert "+4 d" in text and "~" not in text


def test_long_view_shows_location_and_tags_and_a_bare_url_once(make_event: MakeEvent) -> None:
    """--long adds where it happened and its tags; a source that is only a URL is shown once."""
    event = make_event(
        location={"name": "Gomel", "country": "BLR", "lat": 52.43, "lon": 31.0},
        tags=["border", "gomel"],
        sources=[{"url": "https://example.org/only-a-url"}],
    )
    text = _text(timeline_view([event], Responses(), long=True))
    assert "⌖ Gomel, BLR, 52.43, 31" in text
    assert "# border, gomel" in text
    assert text.count("https://example.org/only-a-url") == 1


def test_csv_of_no_events_is_just_the_header() -> None:
    """An empty result still has the header, so tools know the columns."""
    lines = list(lines_of(Format.CSV, [], Responses()))
    assert list(csv.reader(io.StringIO("\n".join(lines)))) == [list(CSV_COLUMNS)]


# ---------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("day", "precision", "end", "label", "short", "iso"),
    [
        ("2024-08-06", "day", None, "Tue 6 Aug 2024", "Tue 6 Aug", "2024-08-06"),
        ("2024-08-19", "week", None, "week of 19 Aug 2024", "week of 19 Aug", "2024-W34"),
        ("2024-12-30", "week", None, "week of 30 Dec 2024", "week of 30 Dec", "2025-W01"),
        ("2022-03-01", "month", None, "Mar 2022", "Mar 2022", "2022-03"),
        ("1991-01-01", "year", None, "1991", "1991", "1991"),
        (
            "2024-08-26",
            "day",
            "2024-08-28",
            "Mon 26 Aug 2024 – 28 Aug",
            "Mon 26 Aug – 28 Aug",
            "2024-08-26",
        ),
        (
            "2024-12-30",
            "day",
            "2025-01-02",
            "Mon 30 Dec 2024 – 2 Jan 2025",
            "Mon 30 Dec – 2 Jan 2025",
            "2024-12-30",
        ),
    ],
)
def test_date_labels_follow_the_precision(
    make_event: MakeEvent,
    day: str,
    precision: str,
    end: str | None,
    label: str,
    short: str,
    iso: str,
) -> None:
    """Dates show as precisely as known: weekday for a day, 'week of', month, year, a span."""
    event = make_event(date=day, precision=precision, end=end)
    assert date_label(event) == label
    assert date_label(event, with_year=False) == short
    assert iso_label(event) == iso


@pytest.mark.parametrize(
    ("before", "after", "label"),
    [
        (date(2024, 8, 6), date(2024, 8, 6), "+0 d"),
        (date(2024, 8, 6), date(2024, 8, 10), "+4 d"),
        (date(2024, 8, 10), date(2024, 8, 6), "−4 d"),
        (date(2024, 8, 1), date(2024, 9, 29), "+59 d"),
        (date(2024, 8, 1), date(2024, 9, 30), "+2 mo"),
        (date(2022, 3, 1), date(2023, 7, 14), "+16 mo"),
        (date(1991, 1, 1), date(2022, 1, 1), "+31 y"),
    ],
)
def test_gap_labels(before: date, after: date, label: str) -> None:
    """The gap reads in days under 60, months under two years, then years."""
    assert gap_label(before, after) == label


# ---------------------------------------------------------------------------- terminal view


def test_timeline_view_has_headings_labels_and_marks(
    make_event: MakeEvent, claim: Event, refutation: Event
) -> None:
    """Year and month headings, 'week of 19 Aug', gaps, and the disputed/answered marks show."""
    background = make_event(
        id="1991", date="1991-01-01", precision="year", title="Independence", type="cooperate"
    )
    events = [background, claim, refutation]
    text = _text(timeline_view(events, _responses(events)))
    lines = [line.rstrip() for line in text.splitlines()]
    assert "1991" in lines
    assert "2024" in lines
    assert "  August" in lines
    claim_line = next(line for line in lines if "Sun 18 Aug" in line)
    assert "accuse  belarus/president → ukraine  ✖ disputed  ↩ answered" in claim_line
    week_line = next(line for line in lines if "week of 19 Aug" in line)
    assert "reject  ukraine → belarus/president" in week_line
    assert "disputed" not in week_line
    # Gaps from or to a date known only to its week or year are approximate.
    assert any(line.strip().startswith("~+1 d") for line in lines)
    assert any(line.strip().startswith("~+34 y") for line in lines)
    assert "Lukashenko claims 120,000 troops" in text
    assert "↳ Army Recognition — Situation Brief" in text


def test_timeline_view_marks_claims_without_answers(claim: Event) -> None:
    """An unanswered claim is marked claimed, not disputed."""
    text = _text(timeline_view([claim], Responses()))
    assert "◆ claimed" in text
    assert "disputed" not in text
    assert "answered" not in text


def test_timeline_view_long_adds_summary_quotes_urls_and_id(make_event: MakeEvent) -> None:
    """--long shows the summary, each quote, each source URL and the id."""
    event = make_event(
        id="e-long",
        summary="A neutral summary.",
        sources=[
            {"url": "https://example.org/a", "quote": "first words"},
            {"url": "https://example.org/b", "title": "Second"},
        ],
    )
    short = _text(timeline_view([event], Responses()))
    long = _text(timeline_view([event], Responses(), long=True))
    for part in ("A neutral summary.", "“first words”", "https://example.org/b", "id: e-long"):
        assert part not in short
        assert part in long


def test_timeline_view_of_nothing_says_so() -> None:
    """An empty result is a short note, not an empty screen."""
    assert _text(timeline_view([], Responses())).strip() == "No events match."


def test_markup_in_a_title_is_shown_literally(make_event: MakeEvent) -> None:
    """Log text is never read as rich markup: '[bold red]x[/bold red]' appears as typed."""
    event = make_event(title="[bold red]x[/bold red] and [link=http://evil]y[/link]")
    text = _text(timeline_view([event], Responses()))
    assert "[bold red]x[/bold red] and [link=http://evil]y[/link]" in text


def test_terminal_output_has_no_raw_escape_or_bidi_characters(make_event: MakeEvent) -> None:
    """On a colour terminal, control and bidi characters from the log appear as visible escapes."""
    event = make_event(
        title="clear\x1b[2Jscreen \u202ereversed",
        summary="osc\x1b]8;;http://evil\x07link",
        actors=["belarus"],
        sources=[{"url": "https://example.org/\x1b[2J", "publisher": "P\u202eQ", "quote": "\x07"}],
    )
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="truecolor", width=100)
    console.print(timeline_view([event], Responses(), long=True))
    out = buffer.getvalue()
    assert "\x1b[1m" in out  # styles are on, so the absence checks below mean something
    for raw in ("\x1b[2J", "\x1b]8;;http://evil", "\u202e", "\x07"):
        assert raw not in out
    assert "\\x1b[2J" in out
    assert "\\u202e" in out
    assert "\\x07" in out


def test_view_wraps_to_the_console_width(make_event: MakeEvent) -> None:
    """Long titles wrap: no line is wider than the console."""
    event = make_event(title="word " * 60)
    text = _text(timeline_view([event], Responses()), width=60)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 60
    assert text.count("word") == 60


def test_a_narrow_terminal_wraps_long_words_instead_of_cutting_them(
    make_event: MakeEvent,
) -> None:
    """At 40 columns the id and an unbroken URL are folded onto further lines, whole, so they
    can still be read and copied; nothing is replaced by an ellipsis."""
    event = make_event(
        id="1991-01-01-belarus-independence-from-soviet-union",
        sources=[{"url": "https://example.org/" + "x" * 60}],
    )
    shown = _text(timeline_view([event], Responses(), long=True), width=40)
    assert "\u2026" not in shown
    joined = "".join(line.strip() for line in shown.splitlines())
    assert event.id in joined
    assert "https://example.org/" + "x" * 60 in joined


@pytest.mark.parametrize("width", [20, 30, 41])
def test_a_terminal_too_narrow_for_the_date_beside_the_text_puts_it_above(
    make_event: MakeEvent, width: int
) -> None:
    """Below 42 columns the date column would leave the text a few columns and cut its words
    into pieces: the date goes on a line of its own, and the text takes the width."""
    title = "Belarus becomes independent from the Soviet Union"
    event = make_event(title=title)
    shown = _text(timeline_view([event], Responses()), width=width)
    lines = [line.strip() for line in shown.splitlines()]
    assert "● Mon 26 Aug" in lines
    assert max(map(len, shown.splitlines())) <= width
    assert " ".join(lines).count(title) == 1  # every word whole, in order
    wide = _text(timeline_view([event], Responses()), width=42)
    assert "Mon 26 Aug ● " in wide


@pytest.mark.parametrize("fmt", [Format.HTML, Format.MARKDOWN, Format.ICS, Format.RICH])
def test_coordinates_are_written_with_every_digit_and_no_exponent(
    fmt: Format, claim: Event
) -> None:
    """A point near zero is 0.00001, never 1e-05 (RFC 5545's GEO has no exponent, and a
    reader may not know one), and one near a pole is never rounded onto it."""
    near = claim.model_copy(update={"location": Location(name="x", lat=0.00001, lon=-89.999999)})
    if fmt is Format.RICH:
        text = _text(timeline_view([near], Responses(), long=True))
    else:
        text = "\n".join(lines_of(fmt, [near], Responses()))
    if fmt is Format.MARKDOWN:
        text = text.replace("\\", "")  # its punctuation is escaped
    assert "e-0" not in text and "-90" not in text
    assert ("0.00001;-89.999999" if fmt is Format.ICS else "0.00001, -89.999999") in text


@pytest.mark.parametrize(
    ("value", "written"),
    [(1e-05, "0.00001"), (-89.999999, "-89.999999"), (1.5e-15, "0.000000000000002"),
     (5e-324, "0"), (-4e-20, "0"), (53.123456789012344, "53.123456789012344")],
)  # fmt: skip
def test_a_coordinate_is_written_to_a_nanometre(value: float, written: str) -> None:
    """The smallest double is not written with 323 zeros: a digit past the fifteenth place
    measures less than a nanometre."""
    assert labels.decimal(value) == written


@pytest.mark.parametrize(
    ("url", "link"),
    [("https://example.org/a", True), ("https://exa\u200bmple.org/a", False),
     ("https://", False), ("https://example.org/ x", False), ("https://:80/", False),
     ("javascript:alert(1)", False)],
)  # fmt: skip
def test_the_terminal_view_links_by_the_rule_of_every_format(url: str, link: bool) -> None:
    """A terminal hyperlink only for an address ``urls.web_url`` calls a link."""
    style = rich._link_style(url)
    assert (style.link if style else None) == (url if link else None)


# ---------------------------------------------------------------------------- the bundled log


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_renders_the_bundled_log(fmt: Format, tmp_path: Path) -> None:
    """The whole bundled log, selected as ``show`` selects it, in every registered format:
    each event appears once, in date order (a JSON line, a CSV row, a plain line, a title)."""
    import json

    from conftest import BUNDLED_LOG
    from timeline.log.files import read_raw_lines
    from timeline.query import Filter
    from timeline.selection import select_events

    selection = select_events(
        read_raw_lines(BUNDLED_LOG), Filter(), source="events.jsonl", strict=True,
        on_invalid=lambda bad: pytest.fail(str(bad.error)),
    )  # fmt: skip
    ids = [event.id for event in selection.events]
    lines_in_file = [line for line in BUNDLED_LOG.read_bytes().splitlines() if line.strip()]
    assert len(ids) == len(set(ids)) == len(lines_in_file)
    output = formats.SHOW[fmt].render(selection)
    if fmt is Format.RICH:
        assert isinstance(output, Rendered)
        text = _text(output.renderable, width=200)
        at = 0
        for event in selection.events:  # each title after the one before it
            at = text.index(event.title[:60], at) + 1
        return
    if fmt is Format.PARQUET:
        import duckdb

        assert isinstance(output, FileWriter)
        output.write(tmp_path / "events.parquet")
        rows = duckdb.sql(f"SELECT id FROM '{tmp_path / 'events.parquet'}'").fetchall()
        assert [row[0] for row in rows] == ids
        return
    assert isinstance(output, TextLines)
    lines = list(output.lines)
    if fmt is Format.JSON:
        assert [json.loads(line)["id"] for line in lines] == ids
        assert lines == [canonical_json(event) for event in selection.events]
    elif fmt is Format.CSV:
        rows = list(csv.DictReader(io.StringIO("\n".join(lines) + "\n")))
        assert [row["id"] for row in rows] == ids
    elif fmt is Format.ACLED:
        rows = list(csv.DictReader(io.StringIO("\n".join(lines) + "\n")))
        assert [row["event_id_cnty"] for row in rows] == ids
    elif fmt is Format.GEOJSON:  # only the events with coordinates are on a map
        located = [e.id for e in selection.events if e.location and e.location.lat is not None]
        assert [f["id"] for f in json.loads("\n".join(lines))["features"]] == located
    elif fmt is Format.ICS:
        from icalendar import Calendar

        items = Calendar.from_ical("".join(line + "\n" for line in lines)).walk("VEVENT")
        assert [str(item["UID"]).removesuffix("@timeline") for item in items] == ids
    elif fmt is Format.TIMELINEJS:
        assert [s["unique_id"] for s in json.loads("\n".join(lines))["events"]] == ids
    elif fmt is Format.MARKDOWN:  # '… · Id: 2024\-08\-18…', escaped
        found = [re.search(r"Id: (\S+)$", line) for line in lines]
        assert [re.sub(r"\\(.)", r"\1", m[1]) for m in found if m] == ids
    elif fmt is Format.HTML:
        assert _article_ids("\n".join(lines)) == [html.anchor(id_) for id_ in ids]
    else:
        assert [line.split("\t")[-1] for line in lines] == ids


def test_one_heading_per_month_with_the_coarser_dates_first(make_event: MakeEvent) -> None:
    """'2024', 'January 2024' and '2024-01-01' in any order: the year's event heads the year,
    then one 'January' heading with the month's event before the day's."""
    from timeline.query import order

    events = [
        make_event(id="jan", date="2024-01-01", precision="month", title="In January"),
        make_event(id="day", date="2024-01-01", title="On the first"),
        make_event(id="year", date="2024-01-01", precision="year", title="In 2024"),
    ]
    ordered = order(events)
    assert [e.id for e in ordered] == ["year", "jan", "day"]
    lines = [line.strip() for line in _text(timeline_view(ordered, Responses())).splitlines()]
    assert lines.count("January") == 1
    year_at, january_at = lines.index("2024"), lines.index("January")
    titles = [next(i for i, line in enumerate(lines) if t in line) for t in
              ("In 2024", "In January", "On the first")]  # fmt: skip
    assert year_at < titles[0] < january_at < titles[1] < titles[2]


def test_the_date_column_has_one_width_in_every_month(make_event: MakeEvent) -> None:
    """A long date label in one month widens the date column of every month alike."""
    events = [
        make_event(id="a", date="2024-07-01", end="2024-08-30", title="Long span"),
        make_event(id="b", date="2024-08-05", title="Short"),
    ]
    text = _text(timeline_view(events, Responses()))
    dots = {line.index("●") for line in text.splitlines() if "●" in line}
    assert len(dots) == 1


def test_a_response_names_what_it_answers(claim: Event, refutation: Event) -> None:
    """The view says which event a response answers, by date and title, not only by id; an
    answer to an event the log does not hold says so."""
    selection = Selection([refutation], Responses(), {claim.id: claim})
    text = _text(rich.events(selection).renderable, width=200)
    assert "↪ answers Sun 18 Aug 2024: Lukashenko claims 120,000 troops" in text
    orphan = Selection([refutation], Responses())
    assert "↪ answers 2024-08-18-claim (not in the log)" in _text(rich.events(orphan).renderable)


def test_stats_format_offers_exactly_the_forms_stats_has() -> None:
    """stats --format lists auto and the formats of formats.STATS, no more (a publishing
    format there would be offered, then refused)."""
    from timeline.cli.options import StatsFormatChoice

    assert [c.value for c in StatsFormatChoice] == ["auto", *(f.value for f in formats.STATS)]


@pytest.mark.parametrize("fmt", list(Format))
def test_titled_formats_are_those_that_write_the_title(
    fmt: Format, claim: Event, tmp_path: Path
) -> None:
    """A format marked ``titled`` writes --title somewhere in its output; one that is not never
    does (show then says --title is not used)."""
    from timeline.formats import About

    title = "Qzx brief title"
    output = formats.SHOW[fmt].render(Selection([claim], Responses()), about=About(title=title))
    if isinstance(output, FileWriter):
        output.write(tmp_path / "out")
        text = (tmp_path / "out").read_bytes().decode("utf-8", "replace")
    elif isinstance(output, TextLines):
        text = "\n".join(output.lines)
    else:
        text = _text(output.renderable)
    assert (title in text) == formats.SHOW[fmt].titled


@pytest.mark.parametrize(
    ("title", "heading"),
    [(None, "Timeline: actor belarus"), ("", "Timeline: actor belarus"),
     ("   ", "Timeline: actor belarus"), ("\t", "Timeline: actor belarus"),
     ("  Brief  ", "Brief"), ("Brief\t", "Brief\\x09")],
)  # fmt: skip
def test_a_title_of_spaces_is_no_title(title: str | None, heading: str) -> None:
    """--title '   ' gives the title made from the selection, as --title '' does, not a blank
    heading; any other title is the heading as every view shows a text: visible, stripped."""
    from timeline.formats import About

    assert About(title=title, filters=("actor belarus",)).heading == heading


def test_an_unused_title_is_said(log_copy: Path) -> None:
    """--title with a format that has no title is one warning line on stderr, not silence."""
    from typer.testing import CliRunner

    from timeline.cli import app

    result = CliRunner().invoke(
        app, ["show", "-f", str(log_copy), "--format", "csv", "--title", "Brief", "-n", "1"]
    )
    assert result.exit_code == 0
    assert result.stderr == "timeline: --title: the csv format has no title; it is not used\n"


@pytest.mark.parametrize("fmt", ["plain", "json", "markdown"])
def test_an_unused_long_is_said(log_copy: Path, fmt: str) -> None:
    """--long with a format that has no long form (piped, the plain one) is one line on
    stderr, not silence; the output is what it is without it."""
    from typer.testing import CliRunner

    from timeline.cli import app

    args = ["show", "-f", str(log_copy), "--format", fmt, "-n", "1"]
    result = CliRunner().invoke(app, [*args, "--long"])
    assert result.exit_code == 0
    assert result.stderr == (
        f"timeline: --long: the {fmt} format has no long form (the timeline view has: "
        "--format rich); it is not used\n"
    )
    without = CliRunner().invoke(app, args)
    if fmt != "markdown":  # its first lines say when it was made
        assert result.stdout == without.stdout
    rich = CliRunner().invoke(app, ["show", "-f", str(log_copy), "--format", "rich", "--long"])
    assert (rich.exit_code, rich.stderr) == (0, "")


def _cells_split_at_semicolons(text: str) -> list[str]:
    """Every cell a spreadsheet sees that reads the CSV with ',' and then splits at ';', and
    one that reads it with ';' alone: both are common (the list separator of many locales)."""
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    parts = [part for cell in cells for part in cell.split(";")]
    return parts + [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]


def _runs(cell: str) -> bool:
    start = cell.strip('"').lstrip()
    return start[:1] in ("=", "+", "-", "@") and not re.fullmatch(r"-?[0-9.]+", start)


@pytest.mark.parametrize("fmt", [Format.CSV, Format.ACLED])
def test_csv_guards_what_follows_a_semicolon_in_any_cell(
    make_event: MakeEvent, fmt: Format
) -> None:
    """A ';' inside a title, a summary, a source's name or a list's item starts a cell to a
    spreadsheet that splits at ';', as the ';' between items does: what follows it is guarded
    too (it came out as ``x;=1+1``, unguarded, beside a guarded ``x;'=1+1``)."""
    event = make_event(
        title="x;=1+1",
        summary="a; -2+3; -5",
        actors=["ukraine", "belarus"],
        tags=["x;=1+1", "y; @SUM(1)"],
        sources=[{"url": "https://example.org/a", "publisher": "p;+1+1", "title": "s;=1"}],
    )
    text = "\n".join(lines_of(fmt, [event], Responses())) + "\n"
    assert "x;'=1+1" in text
    assert [cell for cell in _cells_split_at_semicolons(text) if _runs(cell)] == []


@pytest.mark.parametrize("fmt", [Format.CSV, Format.ACLED])
def test_an_address_keeps_its_link_whole_where_a_semicolon_would_start_a_formula(
    make_event: MakeEvent, fmt: Format
) -> None:
    """A quote after the ';' would break the link (a review, helper): the ';' is written as
    '%3B', its escape in a URL; a ';' before anything else stays as it is."""
    url = "https://example.org/a;-b;c;=d"
    event = make_event(sources=[{"url": url, "title": "t"}])
    text = "\n".join(lines_of(fmt, [event], Responses())) + "\n"
    assert "https://example.org/a%3B-b;c%3B=d" in text
    assert [cell for cell in _cells_split_at_semicolons(text) if _runs(cell)] == []
