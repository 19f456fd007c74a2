"""Tests of the Markdown brief, ``timeline.formats.markdown``: rendered with markdown-it-py
(CommonMark with GitHub's tables, strikethrough and autolinks) and read back as tokens."""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any

import cmarkgfm
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from conftest import DATED_SOURCES, ShowBothWays
from strategies import events as random_events
from timeline.formats import About, Format, TextLines, markdown
from timeline.formats.labels import date_words
from timeline.formats.urls import web_url
from timeline.model import Event, Location
from timeline.query import Responses, order
from timeline.selection import Selection
from timeline.text import visible

MakeEvent = Callable[..., Event]
# GitHub-flavoured: raw HTML allowed, tables, strikethrough, and bare URLs made links.
GFM = MarkdownIt("gfm-like")
COMMONMARK = MarkdownIt("commonmark")
ABOUT = About(
    title="Border brief",
    source="data/events.jsonl",
    filters=("actor belarus",),
    generated=datetime(2024, 8, 30, 12, 0, tzinfo=timezone.utc),
)


def render(
    events: Sequence[Any], *, about: About = ABOUT, responses: Responses | None = None
) -> str:
    selection = Selection(events, responses or Responses())
    output = markdown.events(selection, about=about)
    assert isinstance(output, TextLines)
    return "\n".join(output.lines) + "\n"


def walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from walk(token.children or [])


def outline(text: str) -> list[tuple[str, str]]:
    """Each block of the rendered document as (kind, its text): headings with their level,
    paragraphs, quotes and list items; text as a reader sees it (line breaks as '/')."""
    blocks: list[tuple[str, str]] = []
    tokens = GFM.parse(text)
    quoted = 0
    for at, token in enumerate(tokens):
        if token.type == "blockquote_open":
            quoted += 1
        elif token.type == "blockquote_close":
            quoted -= 1
        elif token.type == "inline":
            opener = tokens[at - 1]
            kind = opener.tag if opener.type == "heading_open" else "p"
            if tokens[at - 2].type == "list_item_open":
                kind = "li"
            blocks.append((">" + kind if quoted else kind, _plain(token.children or [])))
    return blocks


def _plain(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "text_special", "code_inline"):
            parts.append(child.content)
        elif child.type in ("hardbreak", "softbreak"):
            parts.append("/")
        elif child.type == "link_open":
            parts.append("<" + str(child.attrs["href"]) + ">")
    return "".join(parts)


def earned_links(events: Sequence[Any]) -> set[str]:
    """The links a brief may hold: the http(s) source URLs, as markdown-it normalises them."""
    urls = {web_url(source.url) for event in events for source in event.sources}
    return {GFM.normalizeLink(url) for url in urls if url is not None}


class _GitHubPage(HTMLParser):
    """What GitHub's renderer (cmark-gfm, with its autolink, table, strikethrough and tag
    filter extensions) makes of a brief: every tag opened, every link's target, and the text
    of each third-level heading (an entry's)."""

    def __init__(self, markdown_text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.links: list[str | None] = []
        self.entries: list[str] = []
        self._in_entry = False
        self.feed(cmarkgfm.github_flavored_markdown_to_html(markdown_text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "a":
            self.links.append(dict(attrs).get("href"))
        if tag == "h3":
            self._in_entry = True
            self.entries.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3":
            self._in_entry = False

    def handle_data(self, data: str) -> None:
        if self._in_entry:
            self.entries[-1] += data


# The elements a brief is made of, on github.com: nothing else may come from the data.
_BRIEF_TAGS = {"h1", "h2", "h3", "p", "strong", "ol", "li", "a", "code", "blockquote", "br"}


def assert_nothing_from_the_data_on_github(text: str, events: Sequence[Any]) -> _GitHubPage:
    """No link in the brief as GitHub renders it but the source links it earned, no element
    but those a brief is made of."""
    page = _GitHubPage(text)
    assert page.tags <= _BRIEF_TAGS, page.tags
    earned = {web_url(source.url) for event in events for source in event.sources}
    assert set(page.links) <= earned - {None}, page.links
    return page


def assert_nothing_from_the_data(text: str, events: Sequence[Any]) -> None:
    """No link, image or HTML in the rendered brief but the source links it earned."""
    allowed = earned_links(events)
    for md in (GFM, COMMONMARK):
        for token in walk(md.parse(text)):
            assert token.type not in ("image", "html_inline", "html_block"), token
            if token.type == "link_open":
                assert token.attrs["href"] in allowed, token.attrs
            assert token.type not in ("fence", "code_block", "table_open", "s_open"), token


# ---------------------------------------------------------------------------- the escaper


def test_escape_covers_every_ascii_punctuation_character_of_commonmark() -> None:
    """CommonMark 2.1: ASCII punctuation is U+0021–2F, 3A–40, 5B–60, 7B–7E; each one, and
    nothing else, gets a backslash."""
    spec = [chr(c) for r in ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E))
            for c in range(r[0], r[1] + 1)]  # fmt: skip
    assert "".join(spec) == string.punctuation
    escaped = "".join("`@`" if c == "@" else "\\" + c for c in spec)  # '@': see the next test
    assert markdown.escape("".join(spec)) == escaped
    assert markdown._destination("".join(spec)) == "".join("\\" + c for c in spec)
    others = "".join(chr(c) for c in range(0x80) if chr(c) not in spec) + "é—→«»。＜"
    assert markdown.escape(others) == others
    assert markdown._destination(others) == others


@pytest.mark.parametrize(
    "text",
    [
        "write to evil@example.com",
        "mailto:x@evil.example or xmpp:a@b.example/res",
        "a.b+c@d-e.example.org.",
        "@everyone @@two `@` @`",
        "<x@y.example> [y](mailto:x@y.example)",
    ],
)
def test_an_address_in_the_text_is_no_link_on_github(text: str, make_event: MakeEvent) -> None:
    """GitHub's renderer makes an e-mail address a link whatever backslashes or entities stand
    in it (an '@' is escaped, and the address still a link, before 7 December): each '@' in a
    code span keeps the address text, and the heading reads as the title."""
    event = make_event(title=text)
    rendered = render([event])
    page = assert_nothing_from_the_data_on_github(rendered, [event])
    assert page.entries == [f"26 August 2024: {text}"]
    assert_nothing_from_the_data(rendered, [event])


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(alphabet=st.sampled_from("ab.@:`\\-_+/w <>&#*[]()!~|"), min_size=1))
def test_any_title_reads_as_itself_on_github(title: str, make_event: MakeEvent) -> None:
    """A title of Markdown's punctuation, '@' and backticks among it, is its heading's literal
    text as GitHub renders it, with no link and no element the brief does not make."""
    if not title.strip():
        return
    event = make_event(title=title)
    rendered = render([event])
    page = assert_nothing_from_the_data_on_github(rendered, [event])
    assert page.entries == [f"26 August 2024: {title.strip()}"]


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "*bold* _it_ **b** ~~s~~ `code` ``x``",
        "a | b |\n|---|---|\n| c | d |",
        "# heading",
        "> quote",
        "1. item",
        "- item",
        "+ item",
        "    indented code",
        "```\nfence\n```",
        "~~~\nfence\n~~~",
        "https://evil.example www.evil.example user@evil.example",
        "<https://evil.example> <mailto:a@b.c>",
        "&lt;b&gt; &amp; &#60; &#x3C;",
        "![img](https://evil.example/x.png)",
        "[ref]\n\n[ref]: https://evil.example",
        "title\n===",
        "title\n---",
        "***",
        "[^note]\n\n[^note]: https://evil.example",
        "- [ ] task",
        "\\<b>\\",
        "a  \nb",
        "\x1b[2J \u202e \x00",
    ],
)
def test_markdown_syntax_in_a_title_renders_as_the_literal_text(
    text: str, make_event: MakeEvent
) -> None:
    """A title's Markdown, HTML or URL is the heading's literal text, and nothing more."""
    title = " ".join(text.split("\n"))
    event = make_event(title=title)
    rendered = render([event])
    assert_nothing_from_the_data(rendered, [event])
    assert_nothing_from_the_data_on_github(rendered, [event])
    headings = [text for kind, text in outline(rendered) if kind == "h3"]
    assert headings == [f"26 August 2024: {visible(title).strip()}"]


# ---------------------------------------------------------------------------- whole briefs


@pytest.fixture
def claim(make_event: MakeEvent) -> Event:
    """A claim with a summary over two lines, a quote, two sources and a place."""
    return make_event(
        id="2024-08-18-claim",
        date="2024-08-18",
        title="Lukashenko claims 120,000 troops",
        summary="He said so on TV.\n\n    Second line.",
        type="accuse",
        actors=["belarus/president"],
        targets=["ukraine"],
        status="claimed",
        location={"name": "Minsk", "country": "BLR", "lat": 53.9, "lon": 27.56},
        sources=[
            {"url": "https://example.org/a", "publisher": "Army Recognition", "title": "Brief",
             "quote": "120,000 soldiers"},
            {"url": "javascript:alert(1)", "title": "Bad link"},
        ],
        tags=["border"],
    )  # fmt: skip


def test_a_brief_reads_as_headings_entries_quotes_and_numbered_sources(
    claim: Event, refutation: Event
) -> None:
    """The whole brief, block by block: title, what was selected, a month heading, and per
    event its date, parties, type, status, summary, quote and numbered sources; a rejected
    claim is disputed, a javascript: source is text."""
    responses = Responses()
    for event in (claim, refutation):
        responses.note(event)
    selection = Selection([claim, refutation], responses, {claim.id: claim})
    output = markdown.events(selection, about=ABOUT)
    assert isinstance(output, TextLines)
    text = "\n".join(output.lines) + "\n"
    assert outline(text) == [
        ("h1", "Border brief"),
        ("p", "Generated 2024-08-30 12:00 UTC from data/events.jsonl; selection: actor belarus; "
              "2 events."),
        ("h2", "August 2024"),
        ("h3", "18 August 2024: Lukashenko claims 120,000 troops"),
        ("p", "belarus/president → ukraine · accuse · disputed"),
        ("p", "He said so on TV./Second line."),
        (">p", "120,000 soldiers/— [1]"),
        ("p", "Sources:"),
        ("li", "Army Recognition — <https://example.org/a>Brief"),
        ("li", "Bad link, javascript:alert(1)"),
        ("p", "Where: Minsk, BLR, 53.9, 27.56 · Tags: border · "
              "Answered by: week of 19 August 2024, Ukraine refutes the claim · "
              "Id: 2024-08-18-claim"),
        ("h3", "week of 19 August 2024: Ukraine refutes the claim"),
        ("p", "ukraine → belarus/president · reject · reported"),
        ("p", "Sources:"),
        ("li", "Army Recognition — Situation Brief"),
        ("p", "Answers: 18 August 2024, Lukashenko claims 120,000 troops · "
              "Id: 2024-08-19-refutation"),
    ]  # fmt: skip
    assert_nothing_from_the_data(text, [claim, refutation])


def test_an_event_answered_from_outside_the_brief_says_so(claim: Event, refutation: Event) -> None:
    """The claim alone in a brief, answered by an event the selection left out."""
    responses = Responses()
    responses.note(refutation)
    text = render([claim], responses=responses)
    assert outline(text)[-1] == (
        "p", "Where: Minsk, BLR, 53.9, 27.56 · Tags: border · "
             "Answered by events not in this brief · Id: 2024-08-18-claim",
    )  # fmt: skip


def test_a_text_written_with_crlf_or_cr_keeps_its_lines() -> None:
    """Line ends written as CRLF (Windows) or CR are line ends: each line stripped, blank ones
    dropped, no '\\x0d' left behind; a tab inside a line is still escaped."""
    text = "Line one\r\n\r\n  Line two  \r\nLine three\twith tab\rLine four"
    assert markdown.text_lines(text) == [
        "Line one",
        "Line two",
        "Line three\\\\x09with tab",
        "Line four",
    ]


@given(st.text(alphabet=st.sampled_from(" \t\r\n\x1b\u202e\u2028x*[]\\é")))
def test_a_one_line_printable_text_takes_a_shortcut_to_the_same_lines(text: str) -> None:
    """``text_lines`` and ``_inline`` read a printable text (one line, nothing to make
    visible) at once: the same as making it visible, splitting it and stripping each line."""
    lines = (line.strip() for line in visible(text, keep_newlines=True).split("\n"))
    expected = [markdown.escape(line) for line in lines if line]
    assert markdown.text_lines(text) == expected
    assert markdown._inline(text) == " ".join(expected)


def test_a_place_with_nothing_to_say_has_no_where(claim: Event) -> None:
    """A location of half a point (a log written elsewhere) says nothing: no empty 'Where:'."""
    half = claim.model_copy(update={"location": Location(lat=50.0)})
    assert outline(render([half]))[-1] == ("p", "Tags: border · Id: 2024-08-18-claim")


def test_parties_are_display_names_escaped_as_the_log_s_text(
    claim: Event, refutation: Event
) -> None:
    """With names from the registry, actors → targets shows them (escaped: a name is no more
    trusted than the log); an actor without one shows its id; the Id line keeps the event's."""
    names = {
        "belarus/president": "Alexander *[Lukashenko](https://evil.example/)*",
        "ukraine": "Ukraine",
    }
    about = About(title="Brief", names=names)
    other = claim.model_copy(update={"id": "2024-08-18-other", "actors": ["belarus/kgb"]})
    text = render([claim, other, refutation], about=about)
    blocks = [block for kind, block in outline(text) if kind == "p"]
    parties = [b for b in blocks if b.rsplit(" · ", 1)[-1] in {"claimed", "reported"}]
    assert parties == [
        "Alexander *[Lukashenko](https://evil.example/)* → Ukraine · accuse · claimed",
        "belarus/kgb → Ukraine · accuse · claimed",
        "Ukraine → Alexander *[Lukashenko](https://evil.example/)* · reject · reported",
    ]
    assert [b.rsplit("Id: ", 1)[-1] for b in blocks if "Id: " in b] == [
        claim.id, other.id, refutation.id
    ]  # fmt: skip
    assert_nothing_from_the_data(text, [claim, other, refutation])


@pytest.mark.parametrize(
    ("day", "precision", "end", "words", "heading"),
    [
        ("2024-08-06", "day", None, "6 August 2024", "August 2024"),
        ("2024-07-29", "week", None, "week of 29 July 2024", "July 2024"),
        ("2022-03-01", "month", None, "March 2022", "March 2022"),
        ("1991-01-01", "year", None, "1991", "1991"),
        ("2024-08-26", "day", "2024-08-28", "26 August 2024 – 28 August 2024", "August 2024"),
    ],
)
def test_dates_are_written_at_their_precision(
    make_event: MakeEvent, day: str, precision: str, end: str | None, words: str, heading: str
) -> None:
    """A month is 'March 2022', a week says so, a year is a year and is listed under a year
    heading, never under January."""
    event = make_event(date=day, precision=precision, end=end)
    assert date_words(event) == words
    blocks = outline(render([event]))
    assert blocks[2:4] == [("h2", heading), ("h3", f"{words}: Test event")]


def test_the_bundled_log_renders_every_event_under_its_heading() -> None:
    """The bundled log: one entry per event in order, under year or month headings, and the
    only links are its http(s) sources."""
    from conftest import BUNDLED_LOG

    events = [Event.model_validate_json(line) for line in BUNDLED_LOG.read_text().splitlines()]
    events = order(events)
    text = render(events, about=About())
    blocks = outline(text)
    assert blocks[:2] == [
        ("h1", "Timeline"),
        ("p", f"selection: all events; {len(events)} events."),
    ]
    assert [b for b in blocks if b[0] == "h2"] == [
        ("h2", h)
        for h in ["1991", "2022", "January 2022", "March 2022", "July 2023", "August 2024"]
    ]
    entries = [b[1] for b in blocks if b[0] == "h3"]
    assert entries == [f"{date_words(e)}: {e.title}" for e in events]
    assert_nothing_from_the_data(text, events)


# ---------------------------------------------------------------------------- by property

_MARKUP = st.sampled_from(
    ["[", "]", "(", ")", "<", ">", "!", "*", "_", "`", "#", "|", "\\", "&", ":", "/", ".", "-",
     "+", "=", "~", "@", "\n", "\t", " ", "    ", "1.", "http://", "https://x.y", "www.x.y",
     "javascript:", "<img src=x onerror=y>", "&amp;", "&#60;", "a@b.co", "\u202e", "\x1b",
     "w", "x", "é", "。"]
)  # fmt: skip
_TEXT = (
    st.lists(_MARKUP | st.text(max_size=3), min_size=1, max_size=20)
    .map("".join)
    .filter(lambda s: bool(s.strip()))
)


@st.composite
def _hostile_events(draw: st.DrawFn) -> Event:
    """Events with Markdown, HTML, URLs and control characters in every text field."""
    base = draw(random_events())
    data = base.model_dump(mode="json")
    data.update(
        title=draw(_TEXT).replace("\n", " ").replace("\r", " "),
        summary=draw(_TEXT),
        tags=draw(st.lists(_TEXT, max_size=2)),
        location={"name": draw(_TEXT), "country": "UKR", "lat": 1.5, "lon": -2.0},
        sources=[
            {"url": draw(_TEXT | st.sampled_from(["https://ok.example/a?b=(c)", "https://x"])),
             "publisher": draw(_TEXT), "title": draw(_TEXT), "quote": draw(_TEXT)},
        ],
    )  # fmt: skip
    return Event.model_validate(data)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(_hostile_events() | random_events(), min_size=1, max_size=3), title=_TEXT)
def test_no_link_image_or_html_comes_from_the_data(events: list[Event], title: str) -> None:
    """For any text in any field (and in --title), the rendered brief holds no link, image,
    HTML, code block or table that the data wrote, and each title is its heading's text."""
    text = render(events, about=About(title=title, source="<b>[x](y)</b>", filters=("*a*",)))
    assert_nothing_from_the_data(text, events)
    blocks = outline(text)
    lines = (line.strip() for line in visible(title, keep_newlines=True).split("\n"))
    assert blocks[0] == ("h1", " ".join(line for line in lines if line))
    headings = [text for kind, text in blocks if kind == "h3"]
    assert headings == [f"{date_words(e)}: {visible(e.title).strip()}" for e in events]


def test_show_writes_a_brief(log_copy: Any, tmp_path: Any) -> None:
    """`show --format markdown --title T -o FILE` writes the brief to FILE, nothing to stdout."""
    from typer.testing import CliRunner

    from timeline.cli import app

    out = tmp_path / "brief.md"
    result = CliRunner().invoke(
        app,
        ["show", "--file", str(log_copy), "--actor", "belarus", "--format", "markdown",
         "--title", "Belarus", "-o", str(out)],
    )  # fmt: skip
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    blocks = outline(out.read_text(encoding="utf-8"))
    assert blocks[0] == ("h1", "Belarus")
    assert blocks[1][1].endswith("selection: actor belarus; 10 events.")
    assert Format.MARKDOWN.value == "markdown"


def test_a_source_says_when_it_was_published(make_event: MakeEvent) -> None:
    """A citation needs its date: each source's date of publication after its name, as the
    HTML page gives it, linked or not; rendered, it is text after the link."""
    event = make_event(sources=DATED_SOURCES)
    items = [text for kind, text in outline(render([event])) if kind == "li"]
    assert items == [
        "Reuters — <https://e.org/a>Story (2024-08-11)",  # the link, then its text
        "Old, ftp://e.org/b (2024-08-01)",
        "<https://e.org/c>https://e.org/c",
    ]


def test_the_readers_entries_are_the_serial_ones(
    make_event: Callable[..., Event], show_both_ways: ShowBothWays
) -> None:
    """A large log's readers render each entry as they read it, as if nothing answered its
    event; the entry of a claim that a rejection in another reader's range answers is
    rendered again (disputed), as are those of an event another answers (in the brief, or
    outside it in a line the filter's search passes over) and of an event answering another:
    the brief is the one of the serial reading."""
    claim = make_event(id="claim", title="The claim", status="claimed", date="2024-08-02")
    others = [make_event(id=f"e{n}", date=f"2024-08-{1 + n % 28:02d}") for n in range(60)]
    answer = make_event(id="answer", responds_to=["e3"], date="2024-08-20")
    outside = make_event(id="outside", responds_to=["e5"], actors=["ukraine"])
    reject = make_event(id="no", type="reject", responds_to=["claim"], actors=["ukraine"])
    options = ["--format", "markdown", "--actor", "belarus", "--title", "T"]
    serial, forked = show_both_ways([claim, *others, answer, reject, outside], options)

    def brief(text: str) -> list[str]:  # without the line that says when it was made
        return [line for line in text.splitlines() if not line.startswith("Generated ")]

    assert brief(forked.stdout) == brief(serial.stdout)
    entries = {
        entry.rsplit("Id: ", 1)[1].strip(): entry for entry in forked.stdout.split("\n### ")[1:]
    }
    assert "**disputed**" in entries["claim"]
    assert "Answered by events not in this brief" in entries["claim"]
    assert "Answered by: " in entries["e3"] and "Answers: " in entries["answer"]
    assert "Answered by events not in this brief" in entries["e5"]
