"""The HTML page (``show --format html``) without a browser: the page parsed with the standard
library's ``html.parser`` and compared with whole expected values; escaping held for any text in
any field (hypothesis) and for a hostile log; the hostile corpus through ``show --format html``.
The same page in a real browser: ``test_html_browser.py``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import strategies
from conftest import BUNDLED_LOG, CLAIM, REJECT, ev
from timeline.cli import app
from timeline.formats import About, TextLines, html
from timeline.formats.urls import web_url
from timeline.log.files import read_raw_lines
from timeline.model import Event
from timeline.query import Filter, Responses
from timeline.selection import Selection, select_events
from timeline.text import visible

HERE = Path(__file__).resolve().parent
HOSTILE_PAGE = HERE / "hostile_page.jsonl"
CORPUS = HERE.parent / "hostile"
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
)


# ---------------------------------------------------------------------------- a page as a tree


@dataclass
class Element:
    """An element of a parsed page: its tag, attributes and children (elements or text)."""

    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()

    def all(self, tag: str, cls: str | None = None) -> list[Element]:
        return [
            e
            for e in self.walk()
            if e.tag == tag and (cls is None or cls in e.attrs.get("class", "").split())
        ]

    def one(self, tag: str, cls: str | None = None) -> Element:
        (found,) = self.all(tag, cls)
        return found

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        assert self.open[-1].tag == tag, f"</{tag}> closes <{self.open[-1].tag}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def parse(page: str) -> Element:
    """The page as a tree; fails on an end tag that closes another element than the last one
    opened (a page whose structure data could break)."""
    builder = _TreeBuilder()
    builder.feed(page)
    builder.close()
    assert [e.tag for e in builder.open] == ["#document"], "elements left open"
    return builder.root


def render(selection: Selection, *, about: About = About()) -> str:
    output = html.events(selection, about=about)
    assert isinstance(output, TextLines)
    return "".join(line + "\n" for line in output.lines)


def selection_of(events: Sequence[Event]) -> Selection:
    responses = Responses()
    for event in events:
        responses.note(event)
    return Selection(events, responses, {e.id: e for e in events})


def bundled() -> Selection:
    return select_events(
        read_raw_lines(BUNDLED_LOG), Filter(), source="events.jsonl", strict=True,
        on_invalid=lambda bad: pytest.fail(str(bad.error)),
    )  # fmt: skip


def log_selection(path: Path) -> Selection:
    """A log read as ``show`` reads it; its invalid lines are left out."""
    return select_events(
        read_raw_lines(path), Filter(), source=path.name, strict=False, on_invalid=lambda _: None
    )


def words(element: Element) -> str:
    return " ".join(element.text.split())


def href_ids(paragraphs: list[Element]) -> list[str]:
    return [a.attrs["href"].removeprefix("#ev-") for p in paragraphs for a in p.all("a")]


# Every tag of the page, with the attributes it may carry: nothing else may appear.
TEMPLATE_TAGS = {
    ("html", ("lang",)), ("head", ()), ("meta", ("charset",)),
    ("meta", ("content", "http-equiv")), ("meta", ("content", "name")), ("title", ()),
    ("style", ()), ("body", ()), ("header", ()), ("h1", ("dir",)), ("p", ("class",)),
    ("time", ("datetime",)), ("bdi", ()), ("bdi", ("class",)), ("bdi", ("title",)), ("strong", ()),
    ("form", ("class", "hidden", "id")), ("label", ()), ("select", ("name",)),
    ("option", ("value",)), ("input", ("name", "placeholder", "type")),
    ("output", ("aria-live", "name")), ("main", ()), ("section", ("class", "id")), ("h2", ()),
    ("h3", ()), ("article", ("class", "data-involving", "data-status", "data-type", "id")),
    ("span", ("class",)), ("h4", ("dir",)), ("p", ("class", "dir")), ("ul", ("class",)),
    ("li", ()), ("blockquote", ("dir",)), ("a", ("href", "rel")), ("a", ("href",)),
    ("footer", ()), ("p", ()), ("script", ()),
    ("figure", ("class",)), ("svg", ("aria-labelledby", "class", "role", "viewbox")),
    ("title", ("id",)), ("line", ("class", "x1", "x2", "y1", "y2")),
    ("text", ("class", "dominant-baseline", "text-anchor", "x", "y")),
    ("text", ("class", "text-anchor", "x", "y")),
    ("rect", ("class", "data-count", "data-period", "height", "width", "x", "y")),
    ("figcaption", ()), ("details", ("class",)), ("summary", ()), ("table", ()), ("thead", ()),
    ("tbody", ()), ("tr", ()), ("th", ("scope",)), ("td", ()),
}  # fmt: skip


def tags_of(tree: Element) -> set[tuple[str, tuple[str, ...]]]:
    return {(e.tag, tuple(sorted(e.attrs))) for e in tree.walk() if e.tag != "#document"}


def assert_only_earned_markup(tree: Element) -> None:
    """The page holds only the template's tags and attributes, one script (ours), links that
    are in-page anchors to an event on the page or http(s) addresses, and no bidi control."""
    assert tags_of(tree) <= TEMPLATE_TAGS
    assert len(tree.all("script")) == 1
    anchors = {e.attrs["id"] for e in tree.all("article")}
    for link in tree.all("a"):
        href = link.attrs["href"]
        if href.startswith("#"):
            assert href[1:] in anchors, href
            assert "rel" not in link.attrs
        else:
            assert re.match(r"https?://", href), href
            assert link.attrs["rel"] == "noopener noreferrer"
    text = "".join(e.text for e in tree.all("body"))
    assert not re.search("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]", text)


# ---------------------------------------------------------------------------- the bundled log

BUNDLED_EVENTS = [
    # id, date in words, datetime, type, mark, answers, answered by
    ("1991-01-01-belarus-independence-from-soviet-union",
     "1991", "1991", "cooperate", "",
     [],
     []),
    ("2022-01-01-russia-stations-troops-in-belarus",
     "2022", "2022", "cooperate", "",
     [],
     ["2022-01-01-western-sanctions-on-belarus"]),
    ("2022-01-01-western-sanctions-on-belarus",
     "2022", "2022", "sanction", "",
     ["2022-01-01-russia-stations-troops-in-belarus", "2022-03-01-belarus-evacuates-kyiv-embassy"],
     []),
    ("2022-01-13-csto-mission-in-kazakhstan-ends",
     "Thursday 13 January 2022", "2022-01-13", "retreat", "",
     [],
     []),
    ("2022-03-01-belarus-evacuates-kyiv-embassy",
     "March 2022", "2022-03", "support", "",
     [],
     ["2022-01-01-western-sanctions-on-belarus"]),
    ("2023-07-14-wagner-fighter-instructs-belarusian-soldier",
     "Friday 14 July 2023", "2023-07-14", "aid", "",
     [],
     []),
    ("2024-08-01-russia-threatens-firm-response-to-kursk-offensive",
     "August 2024", "2024-08", "threaten", "",
     ["2024-08-06-ukraine-attacks-kursk-region"],
     []),
    ("2024-08-01-khrenin-ready-for-retaliatory-measures",
     "August 2024", "2024-08", "threaten", "",
     [],
     []),
    ("2024-08-01-ukraine-refutes-120000-troops-claim",
     "August 2024", "2024-08", "reject", "",
     ["2024-08-18-lukashenko-claims-120000-ukrainian-troops"],
     []),
    ("2024-08-01-wagner-says-it-trains-belarusian-military",
     "August 2024", "2024-08", "aid", "",
     [],
     []),
    ("2024-08-06-ukraine-attacks-kursk-region",
     "Tuesday 6 August 2024", "2024-08-06", "assault", "",
     [],
     ["2024-08-01-russia-threatens-firm-response-to-kursk-offensive",
      "2024-08-06-belarus-accuses-ukraine-of-airspace-violation"]),
    ("2024-08-06-belarus-accuses-ukraine-of-airspace-violation",
     "Tuesday 6 August 2024", "2024-08-06", "accuse", "✖ disputed",
     ["2024-08-06-ukraine-attacks-kursk-region"],
     ["2024-08-26-ukraine-denies-hostile-actions-against-belarusians"]),
    ("2024-08-10-belarus-declares-border-troop-movement-self-defence",
     "Saturday 10 August 2024", "2024-08-10", "mobilize", "",
     [],
     ["2024-08-26-ukraine-demands-belarus-withdraw-troops",
      "2024-08-26-ukraine-warns-belarus-sites-legitimate-targets"]),
    ("2024-08-18-lukashenko-claims-120000-ukrainian-troops",
     "Sunday 18 August 2024", "2024-08-18", "accuse", "✖ disputed",
     [],
     ["2024-08-01-ukraine-refutes-120000-troops-claim",
      "2024-08-26-ukraine-denies-hostile-actions-against-belarusians"]),
    ("2024-08-19-belarus-moves-third-of-forces-to-border",
     "week of Monday 19 August 2024", "2024-W34", "mobilize", "",
     [],
     ["2024-08-26-ukraine-demands-belarus-withdraw-troops",
      "2024-08-26-ukraine-warns-belarus-sites-legitimate-targets"]),
    ("2024-08-19-belarus-deploys-planes-air-defence-arsenal",
     "Monday 19 August 2024", "2024-08-19", "mobilize", "",
     [],
     ["2024-08-26-ukraine-demands-belarus-withdraw-troops",
      "2024-08-26-ukraine-warns-belarus-sites-legitimate-targets"]),
    ("2024-08-26-ukraine-demands-belarus-withdraw-troops",
     "Monday 26 August 2024", "2024-08-26", "request", "",
     ["2024-08-10-belarus-declares-border-troop-movement-self-defence",
      "2024-08-19-belarus-deploys-planes-air-defence-arsenal",
      "2024-08-19-belarus-moves-third-of-forces-to-border"],
     []),
    ("2024-08-26-ukraine-accuses-belarus-of-gomel-buildup",
     "Monday 26 August 2024", "2024-08-26", "accuse", "◆ claimed",
     [],
     []),
    ("2024-08-26-ukraine-warns-belarus-sites-legitimate-targets",
     "Monday 26 August 2024", "2024-08-26", "threaten", "",
     ["2024-08-10-belarus-declares-border-troop-movement-self-defence",
      "2024-08-19-belarus-deploys-planes-air-defence-arsenal",
      "2024-08-19-belarus-moves-third-of-forces-to-border"],
     []),
    ("2024-08-26-ukraine-calls-gomel-exercises-chernobyl-threat",
     "Monday 26 August 2024", "2024-08-26", "accuse", "◆ claimed",
     [],
     []),
    ("2024-08-26-ukraine-denies-hostile-actions-against-belarusians",
     "Monday 26 August 2024", "2024-08-26", "reject", "",
     ["2024-08-18-lukashenko-claims-120000-ukrainian-troops",
      "2024-08-06-belarus-accuses-ukraine-of-airspace-violation"],
     []),
]  # fmt: skip


def test_the_bundled_page_holds_every_event_with_its_date_marks_and_links() -> None:
    """Each event of the bundled log, in order: its anchor, its date at its precision in words
    and in ``<time datetime>``, type, status mark, and the in-page links both ways."""
    tree = parse(render(bundled()))
    found = []
    for article in tree.all("article"):
        when = article.one("p", "when")
        marks = when.all("span", "mark")
        found.append((
            article.attrs["id"].removeprefix("ev-"),
            words(when.all("time")[0]),
            when.all("time")[0].attrs["datetime"],
            words(when.one("span", "type")),
            words(marks[0]) if marks else "",
            href_ids(article.all("p", "answers")),
            href_ids(article.all("p", "answered-by")),
        ))  # fmt: skip
    assert found == [(*row[:5], row[5], row[6]) for row in BUNDLED_EVENTS]
    assert_only_earned_markup(tree)


def test_the_bundled_page_has_a_heading_per_year_and_month_and_says_what_it_is() -> None:
    """Title, when and from what it was made, counts, then year and month headings (a year's
    events known only to the year come first, under their own heading)."""
    about = About(
        title=None, source="data/events.jsonl", filters=("actor belarus", "since 2024-08-01"),
        generated=datetime(2024, 8, 27, 9, 30, tzinfo=timezone.utc),
    )  # fmt: skip
    tree = parse(render(bundled(), about=about))
    heading = "Timeline: actor belarus, since 2024-08-01"
    assert words(tree.one("head").one("title")) == words(tree.one("h1")) == heading
    header = tree.one("header")
    assert words(header.one("p", "about")) == (
        "Generated 27 August 2024, 09:30 UTC from data/events.jsonl; "
        "selection: actor belarus, since 2024-08-01."
    )
    assert header.one("p", "about").one("time").attrs["datetime"] == "2024-08-27T09:30:00Z"
    assert [words(p) for p in header.all("p")[1:]] == [
        "21 events, 1991 to Monday 26 August 2024",
        "By type: accuse 4, mobilize 3, threaten 3, aid 2, cooperate 2, reject 2, assault 1, "
        "request 1, retreat 1, sanction 1, support 1",
        "By status: reported 17, claimed 2, disputed 2",
    ]
    assert [(h.tag, words(h)) for h in tree.walk() if h.tag in {"h2", "h3"}] == [
        ("h2", "1991"), ("h3", "1991, month not known"),
        ("h2", "2022"), ("h3", "2022, month not known"), ("h3", "January 2022"),
        ("h3", "March 2022"),
        ("h2", "2023"), ("h3", "July 2023"),
        ("h2", "2024"), ("h3", "August 2024"),
    ]  # fmt: skip


def test_the_policy_allows_exactly_the_page_s_own_style_and_script() -> None:
    """The Content-Security-Policy forbids everything by default and allows the inline style
    and script by the SHA-256 of the very text the page holds: nothing else can load or run."""
    import base64
    import hashlib

    tree = parse(render(bundled()))
    (policy,) = [m.attrs["content"] for m in tree.all("meta") if "http-equiv" in m.attrs]

    def sha(element: Element) -> str:
        digest = hashlib.sha256(element.text.encode()).digest()
        return "'sha256-" + base64.b64encode(digest).decode() + "'"

    assert policy.split("; ") == [
        "default-src 'none'", f"style-src {sha(tree.one('style'))}",
        f"script-src {sha(tree.one('script'))}", "img-src 'none'", "base-uri 'none'",
        "form-action 'none'",
    ]  # fmt: skip
    assert tree.one("form").attrs["hidden"] == ""  # shown by the script: no script, no form


# ---------------------------------------------------------------------------- the chart


def chart_of(tree: Element) -> tuple[list[tuple[str, int]], list[tuple[str, str, int]]]:
    """The chart's columns as (period, count), and its bands as (precision, period, count)."""
    svg = tree.one("svg", "chart")
    columns = [
        (r.attrs["data-period"], int(r.attrs["data-count"])) for r in svg.all("rect", "column")
    ]
    bands = [
        (r.attrs["class"].split()[1], r.attrs["data-period"], int(r.attrs["data-count"]))
        for r in svg.all("rect", "band")
    ]
    return columns, bands


def test_the_bundled_page_charts_its_events_per_year() -> None:
    """The bundled log spans 1991 to 2024, more than ten years: a column a year, empty years
    included, each event in its year, and the chart said in words for a screen reader."""
    tree = parse(render(bundled()))
    columns, bands = chart_of(tree)
    expected = {"1991": 1, "2022": 4, "2023": 1, "2024": 15}
    assert columns == [(str(year), expected.get(str(year), 0)) for year in range(1991, 2025)]
    assert bands == []
    svg = tree.one("svg", "chart")
    assert svg.attrs["role"] == "img"
    assert words(svg.all("title")[0]) == (
        "Column chart of events per year, 1991 to 2024: 21 counted in years, the most in one "
        "year 15 (2024)."
    )
    assert svg.attrs["aria-labelledby"] == svg.all("title")[0].attrs["id"]
    assert [words(t) for t in svg.all("text", "tick")] == ["2000", "2010", "2020"]
    rows = [[words(td) for td in tr.all("td")] for tr in tree.one("table").all("tr")[1:]]
    assert sum(int(n) for _, n in rows) == 21 and rows[-1] == ["2024", "15"]


def test_a_weekly_chart_never_puts_a_month_in_a_week() -> None:
    """A selection within half a year is charted by week; events known only to their month
    are counted in that month's band under its weeks, not in any week, and a week-precision
    event in its week. The counts add up to the events."""
    events = [
        ev(CLAIM, id="a", date="2024-08-06"),
        ev(CLAIM, id="b", date="2024-08-01", precision="month"),
        ev(CLAIM, id="c", date="2024-08-01", precision="month"),
        ev(CLAIM, id="d", date="2024-08-18"),
        ev(CLAIM, id="e", date="2024-08-19", precision="week"),
        ev(CLAIM, id="f", date="2024-08-26", end="2024-09-03"),
        ev(CLAIM, id="g", date="2024-09-01", precision="month"),
    ]
    tree = parse(render(selection_of(sorted(events, key=lambda e: e.date))))
    columns, bands = chart_of(tree)
    assert columns == [
        ("2024-W31", 0), ("2024-W32", 1), ("2024-W33", 1), ("2024-W34", 1), ("2024-W35", 1),
        ("2024-W36", 0), ("2024-W37", 0), ("2024-W38", 0), ("2024-W39", 0), ("2024-W40", 0),
    ]  # fmt: skip
    assert bands == [("month", "2024-08", 2), ("month", "2024-09", 1)]
    assert sum(n for _, n in columns) + sum(n for *_, n in bands) == len(events)
    assert words(tree.one("figcaption")) == (
        "Events per week, each in the week it starts in. 3 events are known only to a longer "
        "period than a week: counted in a band under that period's weeks, never in one week. "
        "1 event has an end in a later week: counted in the week it starts in."
    )
    svg = tree.one("svg", "chart")
    month = next(r for r in svg.all("rect", "band") if r.attrs["data-period"] == "2024-08")
    first_week, last_week = (svg.all("rect", "column")[i] for i in (0, 4))
    assert float(month.attrs["x"]) <= float(first_week.attrs["x"])  # under its weeks, all five
    assert float(month.attrs["x"]) + float(month.attrs["width"]) >= float(last_week.attrs["x"])


def test_an_end_is_shown_once_in_a_time_of_its_own() -> None:
    """An event with an end: its start in one <time>, its end in another, the end said once;
    the page's span runs from the first start."""
    events = [
        ev(CLAIM, id="m", date="2024-02-01", precision="month", end="2024-03-15"),
        ev(CLAIM, id="d", date="2024-08-10", end="2024-08-20"),
    ]
    tree = parse(render(selection_of(events)))
    whens = [
        [(words(t), t.attrs["datetime"]) for t in article.one("p", "when").all("time")]
        for article in tree.all("article")
    ]
    assert whens == [
        [("February 2024", "2024-02"), ("Friday 15 March 2024", "2024-03-15")],
        [("Saturday 10 August 2024", "2024-08-10"), ("Tuesday 20 August 2024", "2024-08-20")],
    ]


def test_a_chart_of_a_window_of_dates_has_no_columns_outside_it() -> None:
    """A month known only to its month stretches the weeks charted over the month; with
    --since and --until the weeks outside them were not counted, so no column says zero."""
    events = [
        ev(CLAIM, id="b", date="2024-08-01", precision="month"),
        ev(CLAIM, id="d", date="2024-08-18"),
        ev(CLAIM, id="e", date="2024-08-19", precision="week"),
    ]
    window = About(since=date(2024, 8, 18), until=date(2024, 8, 19))
    columns, bands = chart_of(parse(render(selection_of(events), about=window)))
    assert columns == [("2024-W33", 1), ("2024-W34", 1)]
    assert bands == [("month", "2024-08", 1)]
    columns, _ = chart_of(parse(render(selection_of(events))))
    assert [period for period, _ in columns] == [f"2024-W{n}" for n in range(31, 36)]


def test_a_monthly_chart_puts_a_year_and_a_straddling_week_in_bands() -> None:
    """Over more than half a year the chart is by month: an event known only to its year is
    counted in the year's band, a week that straddles two months in its week's band, each in
    a row of its own."""
    events = [
        ev(CLAIM, id="a", date="2024-01-10"),
        ev(CLAIM, id="b", date="2024-01-01", precision="year"),
        ev(CLAIM, id="c", date="2024-07-29", precision="week"),  # 29 July to 4 August
        ev(CLAIM, id="d", date="2024-08-12", precision="week"),
        ev(CLAIM, id="e", date="2024-08-20"),
    ]
    tree = parse(render(selection_of(sorted(events, key=lambda e: e.date))))
    columns, bands = chart_of(tree)
    assert columns == [(f"2024-{m:02d}", {1: 1, 8: 2}.get(m, 0)) for m in range(1, 13)]
    assert bands == [("year", "2024", 1), ("week", "2024-W31", 1)]
    svg = tree.one("svg", "chart")
    ys = {r.attrs["class"]: r.attrs["y"] for r in svg.all("rect", "band")}
    assert ys["band week"] != ys["band year"]
    assert [words(t) for t in svg.all("text", "band")] == [
        "2024, known only to the year: 1",
        "1",  # a week's band: room for its count only
    ]


def test_the_chart_s_text_is_escaped_and_an_empty_page_has_none() -> None:
    """No chart without events; the chart holds no text from the log at all (periods and
    counts only), so a hostile log leaves it as it would be."""
    assert parse(render(Selection([], Responses()))).all("svg") == []
    tree = parse(render(log_selection(HOSTILE_PAGE)))
    assert_only_earned_markup(tree)
    assert len(tree.all("svg")) == 1


def test_a_span_of_centuries_has_no_chart_but_says_why() -> None:
    """A year mistyped (0224 for 2024) would stretch the chart over 1,801 years of hair-thin
    columns: the page says so instead of drawing them; 250 years are still drawn."""
    typo = [ev(CLAIM), ev(REJECT, date="0224-08-26")]
    tree = parse(render(selection_of(typo)))
    assert tree.all("svg") == []
    assert words(tree.one("p", "chart-left-out")) == (
        "No chart: these events span 1,801 years, from 0224 to 2024; is a year mistyped?"
    )
    window = About(since=date(2024, 8, 1), until=date(2399, 12, 31))
    tree = parse(render(selection_of([ev(CLAIM), ev(REJECT)]), about=window))
    assert words(tree.one("p", "chart-left-out")) == (
        "No chart: the dates asked for (--since, --until) span 376 years, from 2024 to 2399."
    )
    long_ago = [ev(CLAIM), ev(REJECT, date="1775-08-26")]
    tree = parse(render(selection_of(long_ago)))
    assert len(chart_of(tree)[0]) == 250 and tree.all("p", "chart-left-out") == []


# ---------------------------------------------------------------------------- display names

NAMES = {
    "belarus/president": "Alexander Lukashenko",
    "ukraine": "<script>window.pwned=1</script> \u202eUkraine",
}


def test_actors_show_their_display_names_with_the_id_as_a_tooltip() -> None:
    """With names from the registry, actors → targets shows each name (untrusted text:
    escaped, bidi controls as escapes), its id as the title; an actor without a name shows
    its id, with no title; the filter still works on ids, its labels naming both."""
    claim = ev(CLAIM, actors=["belarus/president", "belarus/kgb"], targets=["ukraine"])
    tree = parse(render(selection_of([claim]), about=About(names=NAMES)))
    assert_only_earned_markup(tree)
    parties = tree.one("p", "parties")
    assert [(words(b), b.attrs.get("title")) for b in parties.all("bdi")] == [
        ("Alexander Lukashenko", "belarus/president"),
        ("belarus/kgb", None),
        ("<script>window.pwned=1</script> \\u202eUkraine", "ukraine"),
    ]
    assert tree.one("article").attrs["data-involving"] == "belarus/president belarus/kgb ukraine"
    assert [(o.attrs["value"], words(o)) for o in tree.all("select")[0].all("option")] == [
        ("", "anyone"),
        ("belarus/kgb", "belarus/kgb"),
        ("belarus/president", "Alexander Lukashenko (belarus/president)"),
        ("ukraine", "<script>window.pwned=1</script> \\u202eUkraine (ukraine)"),
    ]


def test_without_names_actors_are_their_ids() -> None:
    """No registry: ids, as before, and no title on any of them."""
    claim = ev(CLAIM, targets=["ukraine"])
    tree = parse(render(selection_of([claim])))
    parties = tree.one("p", "parties")
    assert [(words(b), b.attrs) for b in parties.all("bdi")] == [
        ("belarus/president", {}), ("ukraine", {})
    ]  # fmt: skip
    assert [words(o) for o in tree.all("select")[0].all("option")] == [
        "anyone", "belarus/president", "ukraine"
    ]  # fmt: skip


# ---------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"date": "2024-08-18"}, "Sunday 18 August 2024"),
        ({"date": "2024-08-19", "precision": "week"}, "week of Monday 19 August 2024"),
        ({"date": "2024-08-01", "precision": "month"}, "August 2024"),
        ({"date": "1991-01-01", "precision": "year"}, "1991"),
        ({"date": "2024-08-18", "end": "2024-08-20"},
         "Sunday 18 August 2024 – Tuesday 20 August 2024"),
        ({"date": "2024-12-01", "precision": "month", "end": "2025-01-03"},
         "December 2024 – Friday 3 January 2025"),
        ({"date": "2024-08-18", "end": "2024-08-18"}, "Sunday 18 August 2024"),
    ],
)  # fmt: skip
def test_a_date_is_said_at_its_precision(changes: dict[str, str], expected: str) -> None:
    """A month is "August 2024", never "1 August"; a week says so; an end follows a dash
    (the page gives the start and the end a <time> each: the start alone, without it)."""
    from timeline.formats.labels import date_words

    event = ev(CLAIM, **changes)
    assert date_words(event, weekday=True) == expected
    assert date_words(event, weekday=True, end=False) == expected.split(" – ")[0]


@pytest.mark.parametrize(
    ("event_id", "expected"),
    [
        ("2024-08-18-claim", "ev-2024-08-18-claim"),
        ("x'y", "ev-x_27y"),
        ('a"b', "ev-a_22b"),
        ("1984-01-01--raises-$100-million", "ev-1984-01-01--raises-_24100-million"),
        ("(1)", "ev-_281_29"),
        ("ид", "ev-_D0_B8_D0_B4"),
        ("a_b", "ev-a_5Fb"),
        ("#top", "ev-_23top"),
    ],
)
def test_an_anchor_keeps_plain_ids_readable_and_encodes_the_rest(
    event_id: str, expected: str
) -> None:
    """Letters, digits, '-' and '.' stay; each other character is '_' and its UTF-8 in hex."""
    assert html.anchor(event_id) == expected


@example(["a'", "a_27"])  # a literal '_' must not read as the start of an escape
@given(st.lists(strategies._IDS, min_size=2, max_size=2, unique=True))
def test_two_ids_never_share_an_anchor(ids: list[str]) -> None:
    """Anchors are one-to-one with ids, and use only characters that need no escaping in a URL
    fragment, a CSS selector or an attribute value."""
    first, second = map(html.anchor, ids)
    assert first != second
    assert re.fullmatch(r"ev-[A-Za-z0-9._-]*", first)


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://example.org/a?b=1#c", True),
        ("HTTP://EXAMPLE.ORG", True),
        ("javascript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("//evil.example/x", False),
        ("ftp://example.org", False),
        ("https://example.org/\u202etxt.exe", False),
        ('https://example.org/" onmouseover="x', False),
        ("https://example.org/\nx", False),
        ("https://x.example/\u200bzw", False),
        ("https://", False),
        ("http://[::1", False),
        (None, False),
    ],
)
def test_only_a_web_address_becomes_a_link(url: str | None, link: bool) -> None:
    """http and https with a host only, as every format decides (``urls.web_url``); never an
    address holding white space, control, bidi or invisible characters."""
    source = {"title": "Source", "url": url} if url is not None else {"title": "Source"}
    tree = parse(render(selection_of([ev(CLAIM, sources=[source])])))
    links = [a.attrs["href"] for a in tree.all("a") if not a.attrs["href"].startswith("#")]
    assert links == ([url] if link else [])


# ---------------------------------------------------------------------------- answers


def test_answers_link_within_the_page_and_name_what_is_not_on_it() -> None:
    """An answer to an event on the page is a link both ways; to an event outside the
    selection, its date and title without a link; to an id the log lacks, the id, said so."""
    claim = ev(CLAIM)
    outside = ev(CLAIM, id="2024-08-01-outside", title="Outside", date="2024-08-01")
    reject = ev(REJECT, responds_to=[claim.id, outside.id, "2024-01-01-gone"])
    responses = Responses()
    for event in (claim, outside, reject):
        responses.note(event)
    selection = Selection([claim, reject], responses, {claim.id: claim, outside.id: outside})
    tree = parse(render(selection))
    claim_article, reject_article = tree.all("article")
    (answered_by,) = claim_article.all("p", "answered-by")
    assert [(a.attrs["href"], words(a)) for a in answered_by.all("a")] == [
        ("#ev-" + reject.id, "2024-08-26: " + reject.title)
    ]
    (answers,) = reject_article.all("p", "answers")
    assert words(answers) == (
        f"↪ answers 2024-08-18: {claim.title}; 2024-08-01: Outside (not in this selection); "
        "2024-01-01-gone (not in the log)"
    )
    assert [a.attrs["href"] for a in answers.all("a")] == ["#ev-" + claim.id]
    assert words(claim_article.one("span", "mark")) == "✖ disputed"


def test_a_named_event_isolates_its_title_alone() -> None:
    """In "answers" and "answered by", the title (or the missing id) is the isolate, not the
    date and the note beside it: a right-to-left title carried them across (a review, helper:
    "(not in this selection) TITLE :2024-03-10")."""
    claim = ev(CLAIM, title="إيران تتهم")
    outside = ev(CLAIM, id="2024-08-01-outside", title="מכחישה", date="2024-08-01")
    reject = ev(REJECT, title="ישראל", responds_to=[claim.id, outside.id, "2024-01-01-gone"])
    responses = Responses()
    for event in (claim, outside, reject):
        responses.note(event)
    selection = Selection([claim, reject], responses, {claim.id: claim, outside.id: outside})
    claim_article, reject_article = parse(render(selection)).all("article")
    (answers,) = reject_article.all("p", "answers")
    assert [words(b) for b in answers.all("bdi")] == [claim.title, outside.title, "2024-01-01-gone"]
    (answered_by,) = claim_article.all("p", "answered-by")
    assert [words(b) for b in answered_by.all("bdi")] == [reject.title]
    assert words(answered_by.one("a")) == f"2024-08-26: {reject.title}"


def test_answers_on_the_page_link_when_the_selection_noted_none_of_them() -> None:
    """The page finds its answers itself: links both ways between events on it, even when the
    selection's record of the log's answers lacks them."""
    claim = ev(CLAIM)
    reject = ev(REJECT, responds_to=[claim.id])
    tree = parse(render(Selection([claim, reject], Responses())))
    claim_article, reject_article = tree.all("article")
    (answered_by,) = claim_article.all("p", "answered-by")
    assert [a.attrs["href"] for a in answered_by.all("a")] == ["#ev-" + reject.id]
    (answers,) = reject_article.all("p", "answers")
    assert [a.attrs["href"] for a in answers.all("a")] == ["#ev-" + claim.id]


def test_an_event_answered_only_off_the_page_says_so() -> None:
    """An event that events outside the selection answer says it is answered, with no link."""
    claim, reject = ev(CLAIM), ev(REJECT)
    responses = Responses()
    responses.note(reject)
    tree = parse(render(Selection([claim], responses)))
    assert words(tree.one("p", "answered-by")) == "↩ answered by events not in this selection"
    assert tree.all("a") == []


def test_an_empty_selection_is_a_page_that_says_so() -> None:
    """No events: a whole page with its heading, zero counts and a line saying none match."""
    tree = parse(render(Selection([], Responses())))
    assert words(tree.one("p", "counts")) == "0 events"
    assert words(tree.one("p", "empty")) == "No events match."
    assert tree.all("article") == []


# ---------------------------------------------------------------------------- hostile text


def test_a_hostile_log_is_shown_as_text_and_earns_no_markup() -> None:
    """Script tags, attribute breakouts, javascript: and data: URLs, template syntax and bidi
    overrides in every text field stay text: no tag, attribute or link comes from the log, and
    each title reads back exactly as the log has it (bidi controls as visible escapes)."""
    selection = log_selection(HOSTILE_PAGE)
    assert len(selection.events) == 20  # the line with a bidi control in its id is refused
    about = About(title="<script>window.pwned='title'</script> \u202ex", source="<b>log</b>")
    page = render(selection, about=about)
    tree = parse(page)
    assert_only_earned_markup(tree)
    assert {a.attrs["href"] for a in tree.all("a") if not a.attrs["href"].startswith("#")} == {
        "https://ok.example/fine"
    }
    assert [words(h) for h in tree.all("h4")] == [
        " ".join(visible(event.title).split()) for event in selection.events
    ]
    assert words(tree.one("h1")) == "<script>window.pwned='title'</script> \\u202ex"
    assert "49" not in page  # {{ 7*7 }} in the data is not a template
    assert [a.attrs["id"] for a in tree.all("article")] == [
        html.anchor(e.id) for e in selection.events
    ]


def _hostile_text(*, one_line: bool = False) -> st.SearchStrategy[str]:
    """Text mixed from pieces of markup, URLs, template syntax and bidi controls."""
    pieces = st.sampled_from([
        "<", ">", '"', "'", "&", "&amp;", "<script>", "</script>", "<a href=", "javascript:",
        "data:", " onmouseover=", "</bdi>", "</article>", "{{", "}}", "{%", "<!--", "-->",
        "<![CDATA[", "\u202e", "\u2066", "\u2069", "\u200f", "http://", "https://x/",
    ])  # fmt: skip
    chars = st.characters(exclude_categories=("Cs",), exclude_characters="\r\n" if one_line else "")
    return st.lists(pieces | st.text(chars, max_size=3), min_size=1, max_size=8).map("".join)


@st.composite
def hostile_events(draw: st.DrawFn) -> Event:
    """A random valid event whose every text field holds hostile text."""
    event = draw(strategies.events())
    text = _hostile_text().filter(lambda s: bool(s.strip()))
    nonblank = _hostile_text(one_line=True).filter(lambda s: bool(s.strip()))
    data: dict[str, Any] = event.model_dump(mode="json")
    data.update(
        title=draw(nonblank), summary=draw(st.none() | text), tags=draw(st.lists(text, max_size=2))
    )
    data["sources"] = [
        {"url": draw(nonblank), "publisher": draw(st.none() | nonblank),
         "title": draw(nonblank), "quote": draw(st.none() | text)}
    ]  # fmt: skip
    data["location"] = {"name": draw(nonblank), "country": "UKR"}
    return Event.model_validate(data)


@settings(max_examples=40)
@given(st.lists(hostile_events(), min_size=1, max_size=4, unique_by=lambda e: e.id))
def test_no_text_in_any_field_makes_markup(events: list[Event]) -> None:
    """Whatever text the fields hold, the page has only the template's tags and attributes,
    only earned links, balanced elements, and each title as its text."""
    selection = selection_of(sorted(events, key=lambda e: e.date))
    tree = parse(render(selection, about=About(title=events[0].title)))
    assert_only_earned_markup(tree)
    assert [words(h) for h in tree.all("h4")] == [
        " ".join(visible(e.title).split()) for e in selection.events
    ]
    links = [a.attrs["href"] for a in tree.all("a") if not a.attrs["href"].startswith("#")]
    expected = [web_url(s.url) for e in selection.events for s in e.sources]
    assert links == [url for url in expected if url]


# ---------------------------------------------------------------------------- through the CLI


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.jsonl")), ids=lambda p: p.stem)
def test_the_hostile_corpus_through_show_html(path: Path, tmp_path: Path) -> None:
    """Every file of tests/hostile/ gives a whole page (exit 0) holding exactly the events that
    `show --format plain` shows; bad lines are warnings, as for every format."""
    runner = CliRunner()
    log = tmp_path / path.name
    log.write_bytes(path.read_bytes())
    plain = runner.invoke(app, ["show", "--file", str(log), "--format", "plain"])
    result = runner.invoke(app, ["show", "--file", str(log), "--format", "html"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == plain.stderr
    tree = parse(result.stdout)
    shown = [line.split("\t")[-1] for line in plain.stdout.splitlines()]
    assert [a.attrs["id"] for a in tree.all("article")] == [html.anchor(i) for i in shown]
    assert_only_earned_markup(tree)


def test_show_writes_the_brief_to_a_file(log_copy: Path, tmp_path: Path) -> None:
    """The issue's command: `show --actor belarus --format html -o brief.html` writes a page of
    Belarus's events, titled from the selection or by --title, and nothing on stdout."""
    brief = tmp_path / "brief.html"
    args = ["show", "-f", str(log_copy), "--actor", "belarus", "--format", "html", "-o"]
    result = CliRunner().invoke(app, [*args, str(brief)])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    tree = parse(brief.read_text(encoding="utf-8"))
    assert words(tree.one("h1")) == "Timeline: actor belarus"
    assert len(tree.all("article")) == 10
    result = CliRunner().invoke(app, [*args, str(brief), "--title", "Belarus, August 2024"])
    assert words(parse(brief.read_text(encoding="utf-8")).one("h1")) == "Belarus, August 2024"


@given(st.sampled_from(["http://", "HTTPS://", "javascript:", ""]), st.text(max_size=12))
def test_a_link_has_nothing_unseen_in_it(scheme: str, rest: str) -> None:
    """No address that ``text.visible`` would escape, or that holds white space, is a link:
    ``urls.web_url``'s own check must not drift from the views' rule."""
    url = scheme + rest
    if visible(url) != url or any(char.isspace() for char in url):
        assert web_url(url) is None


@settings(max_examples=300, deadline=None)
@given(
    chunks=st.lists(st.text(alphabet="ab<&\n", max_size=6), max_size=40),
    markup=st.booleans(),
    batch=st.integers(1, 5),
)
def test_the_page_s_chunks_are_written_as_lines_of_the_same_text(
    chunks: list[str], markup: bool, batch: int
) -> None:
    """The template's chunks, cut into pieces at line ends that are written each with a line
    end, give the page's text (with a last line end if it had none); a chunk that is Markup
    (as jinja2 yields) never escapes the text held before it."""
    from jinja2.utils import markupsafe

    given_chunks = [markupsafe.Markup(c) for c in chunks] if markup else chunks
    pieces = list(html._lines(iter(given_chunks), batch=batch))
    text = "".join(chunks)
    assert "".join(piece + "\n" for piece in pieces) == (
        text if not text or text.endswith("\n") else text + "\n"
    )
    assert all(type(piece) is str for piece in pieces)


def test_a_survey_in_runs_on_every_core_is_the_survey_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's survey of a large selection, seen a run at a time by forked workers
    (``Selection.runs``), adds the runs up in page order: the counts, the chart, the ends, and
    the answers to an event from several runs, listed in page order."""
    from timeline import selection
    from timeline.log import parallel
    from timeline.selection import selected

    claim = ev(CLAIM, id="2024-08-01-claim", date="2024-08-01")
    answers = [
        ev(
            REJECT,
            id=f"2024-08-{day:02d}-answer",
            date=f"2024-08-{day:02d}",
            responds_to=[claim.id],
        )
        for day in (3, 9, 5, 7)
    ]
    others = [ev(CLAIM, id=f"2024-0{month}-other", date=f"2024-0{month}-02") for month in (6, 9)]
    log = tmp_path / "events.jsonl"
    log.write_text("".join(e.model_dump_json() + "\n" for e in [*answers, claim, *others]))
    serial = html._survey(log_selection(log), About())
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    monkeypatch.setattr(selection, "TALLY_RUN", 1)  # each event a run of its own
    runs: list[int] = []
    ordered_map = parallel.ordered_map
    monkeypatch.setattr(
        parallel, "ordered_map", lambda work, count: runs.append(count) or ordered_map(work, count)
    )
    with selected(
        str(log), Filter(), strict=False, on_invalid=pytest.fail, on_more=pytest.fail
    ) as sel:
        forked = html._survey(sel, About())
    assert runs == [7]
    assert forked == serial
    links = [link.when for link in forked.answerers[claim.id]]
    assert [text[:10] for text in links] == ["2024-08-03", "2024-08-05", "2024-08-07", "2024-08-09"]
    assert forked.counts.events == 7 and dict(forked.counts.types) == {"reject": 4, "accuse": 3}
    assert forked.chart is not None and sum(n for _, n in forked.chart.rows) == 7
