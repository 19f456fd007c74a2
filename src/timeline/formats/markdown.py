"""A brief in GitHub-flavoured Markdown: a title, what was selected, month headings, and per
event its date at its known precision, actors → targets (by their display names when the
actor registry gives them), type, status, title, summary, quotes
as block quotes and sources as a numbered list (only http/https URLs become links).

Text from the log is data, never markup: every ASCII punctuation character in it is
backslash-escaped (``escape``), so ``[x](javascript:…)``, ``<img onerror=…>``, ``*``, ``_``,
``|``, backticks, entities and autolinks such as ``https://x`` or ``www.x`` render as the
literal text. Leading and trailing white space of each line of a text is dropped (four leading
spaces would start a code block) and blank lines with it; the lines left are joined with hard
line breaks. Control and bidi characters are written as visible escapes (``\\x1b``), as in
every other format.

An '@' is not escaped but set in a code span of its own (``evil`@`example.com``): GitHub's
renderer makes an e-mail address a link whatever its escapes, though not across a code span.
That keeps an ``@name`` from being a mention on github.com too.

Not Markdown, and so not escaped: github.com turns ``#123`` in rendered text into an issue
link, and ``:smile:`` into an emoji, after the Markdown is rendered.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from timeline.dates import Precision
from timeline.formats.labels import coordinates, date_words, made_from, month_words, status_of
from timeline.formats.output import About, TextLines
from timeline.formats.urls import web_url
from timeline.query import sorted_date
from timeline.selection import UNANSWERED, Piece, Selection
from timeline.text import visible, visible_address

if TYPE_CHECKING:
    from timeline.rules import EventLike, SourceLike

# CommonMark 0.31.2, section 2.4 "Backslash escapes": "Any ASCII punctuation character may be
# backslash-escaped", and an escaped character is a literal character, never the start of
# emphasis, a link, an image, raw HTML, an entity (``\&``), an autolink (``\<``, ``\:``) or a
# GFM table cell (``\|``). ASCII punctuation (section 2.1) is U+0021 to 002F, U+003A to 0040,
# U+005B to 0060 and U+007B to 007E: exactly ``string.punctuation``. Every one is escaped, not only
# those that are markup today, so that no rule of the spec or of an extension can be missed.
# A search for them, not str.translate: a table that maps a character to two is read by a slow
# path, four times slower on the bench log's text.
_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}]")
# But an '@': GitHub's renderer (cmark-gfm's autolink extension, GFM 0.29 section 6.9) makes
# an e-mail address a link, and one after 'mailto:' or 'xmpp:', wherever it stands in the text
# of a paragraph once its escapes and entities are read: '\\@' and '&#64;' do not stop it. An
# '@' in a code span of its own is not in that text (nor is it an @mention on github.com). A
# run of them is one span: two spans side by side would make a longer run of backticks.
_MARKUP = re.compile(f"@+|{_PUNCTUATION.pattern}")


def _backslashed(found: re.Match[str]) -> str:
    return "\\" + found.group()


def _literal(found: re.Match[str]) -> str:
    mark = found.group()
    return f"`{mark}`" if mark[0] == "@" else "\\" + mark


def escape(text: str) -> str:
    """``text`` as literal Markdown inline text: every ASCII punctuation character escaped, and
    each run of '@' a code span."""
    return _MARKUP.sub(_literal, text)


def _destination(url: str) -> str:
    """A URL as a link's destination between '<' and '>', where a code span is not one: every
    ASCII punctuation character escaped (no autolink is looked for there)."""
    return _PUNCTUATION.sub(_backslashed, url)


def text_lines(text: str) -> list[str]:
    """The lines of a text from the log, made visible, stripped and escaped; blank ones dropped
    (a blank line would end the block, and leading spaces could start a code block)."""
    if text.isprintable():  # one line, nothing to make visible: nearly all text
        line = text.strip()
        return [escape(line)] if line else []
    lines = (line.strip() for line in visible(text, keep_newlines=True).split("\n"))
    return [escape(line) for line in lines if line]


def _inline(text: str) -> str:
    """A text from the log on one line: its lines joined with spaces."""
    if text.isprintable():  # as in text_lines, without a list
        return escape(text.strip())
    return " ".join(text_lines(text))


@functools.lru_cache(maxsize=4096)
def _named(text: str) -> str:
    """``_inline`` of a text that recurs from entry to entry (an actor, a publisher, a tag, a
    day), remembered: a log names a few hundred of them in every entry."""
    return _inline(text)


def _block(lines: list[str], prefix: str = "") -> Iterator[str]:
    """Lines of one block, joined with hard line breaks (a backslash at the end of a line)."""
    for number, line in enumerate(lines, 1):
        yield prefix + line + ("\\" if number < len(lines) else "")


def _heading(place: int) -> str:
    """The heading an event is listed under, by its place in date order (``sort_key``): its
    year when only the year is known, else its month (a week under the month it starts in)."""
    day, precision = sorted_date(place)
    return str(day.year) if precision is Precision.YEAR else month_words(day)


def _source(number: int, source: SourceLike) -> str:
    """'1. Publisher — [Title](<url>) (2024-08-11)': the title (else the URL) is a link for
    http(s) only; the date is when the source was published, where the log knows it."""
    url = web_url(source.url)
    name = source.title or visible_address(source.url or "")
    if url is not None:
        name_text = f"[{_inline(name)}](<{_destination(url)}>)"
    else:
        name_text = _inline(name)
        if source.url and source.title:
            name_text += f", {_inline(visible_address(source.url))}"
    if source.published:
        name_text += " " + _named(f"({source.published.isoformat()})")
    parts = [_named(source.publisher)] if source.publisher else []
    return f"{number}. " + " — ".join([*parts, name_text])


def _parties(event: EventLike, names: Mapping[str, str]) -> str:
    """'Alexander Lukashenko → Ukraine': each actor's display name when the registry gives one
    (text from outside the log, escaped as the log's), else its id."""
    text = ", ".join(_named(names.get(actor) or actor) for actor in event.actors)
    if event.targets:
        text += " → " + ", ".join(_named(names.get(target) or target) for target in event.targets)
    return text


def _answerers(selection: Selection) -> dict[str, list[str]]:
    """For each event of the brief that another in it answers, those answers ('DATE, TITLE'),
    found in a reading of its own before the brief is written (only when an event answers)."""
    answerers: dict[str, list[str]] = {}
    if selection.responses.answered:
        for event in selection.answering():
            for ref in dict.fromkeys(event.responds_to):
                answerers.setdefault(ref, []).append(f"{date_words(event)}, {event.title}")
    return answerers


def _entry(
    event: EventLike, selection: Selection, names: Mapping[str, str], answerers: list[str]
) -> Iterator[str]:
    status = status_of(event, selection.responses)
    yield f"### {_named(date_words(event))}: {_inline(event.title)}"
    yield ""
    yield f"{_parties(event, names)} · {event.type.value} · **{status.value}**"
    if event.summary:
        yield ""
        yield from _block(text_lines(event.summary))
    for number, source in enumerate(event.sources, 1):
        if source.quote:
            yield ""
            yield from _block([*text_lines(source.quote), f"— \\[{number}\\]"], prefix="> ")
    yield ""
    yield "Sources:"
    yield ""
    yield from (_source(number, source) for number, source in enumerate(event.sources, 1))
    details = []
    if event.location is not None and (place := _place(event)):
        details.append("Where: " + escape(place))
    if event.tags:
        details.append("Tags: " + ", ".join(map(_named, event.tags)))
    for ref in event.responds_to:
        answered = selection.answered.get(ref)
        what = f"{date_words(answered)}, {answered.title}" if answered else ref
        details.append("Answers: " + _inline(what))
    details.extend("Answered by: " + _inline(what) for what in answerers)
    if not answerers and event.id in selection.responses.answered:
        details.append("Answered by events not in this brief")
    details.append("Id: " + _inline(event.id))
    yield ""
    yield " · ".join(details)


def _place(event: EventLike) -> str:
    location = event.location
    assert location is not None
    parts = [visible(location.name or ""), location.country or ""]
    if location.lat is not None and location.lon is not None:
        parts.append(coordinates(location.lat, location.lon))
    return ", ".join(part for part in parts if part)


def _front(selection: Selection, about: About) -> Iterator[str]:
    yield f"# {_inline(about.heading)}"
    yield ""
    yield _inline(made_from(about, len(selection.events)))


def _entry_text(
    event: EventLike, selection: Selection, names: Mapping[str, str], answerers: list[str]
) -> str:
    """An event's entry, its lines joined (a blank one where ``_entry`` has one)."""
    return "\n".join(_entry(event, selection, names, answerers))


def _piece(event: EventLike, *, names: Mapping[str, str]) -> str | None:
    # an entry names the events its event answers: those are found once the log is read
    return None if event.responds_to else _entry_text(event, UNANSWERED, names, [])


def piece(about: About) -> Piece:
    """The entries the readers of a log render as they read (``selection.selected``), of the
    events that answer none, as if none answered or rejected theirs: those that one does are
    rendered again."""
    return functools.partial(_piece, names=about.names)


def _lines(selection: Selection, about: About) -> Iterator[str]:
    yield from _front(selection, about)
    heading = None
    answerers = _answerers(selection)

    def entry(event: EventLike) -> str:
        return _entry_text(event, selection, about.names, answerers.get(event.id, []))

    # an entry depends on the rest of the log through the events that answer it (a rejection
    # among them) and those it answers
    redo = selection.responses.answered
    for place, text in selection.pieces(entry, redo=redo, names_answered=True):
        if _heading(place) != heading:
            heading = _heading(place)
            yield ""
            yield f"## {heading}"
        yield ""
        yield text


def _no_blank_lines(lines: Iterator[str]) -> Iterator[str]:
    """The same text with each blank line written as a newline before the next line: every
    line of the output is a line with something in it."""
    blank = ""
    for line in lines:
        if line:
            yield blank + line
            blank = ""
        else:
            blank += "\n"


def events(selection: Selection, *, long: bool = False, about: About = About()) -> TextLines:
    """The brief, line by line."""
    return TextLines(_no_blank_lines(_lines(selection, about)))
