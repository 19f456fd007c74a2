"""The JSON that Knight Lab's TimelineJS3 loads (https://timeline.knightlab.com/docs/json-format.html):
a title slide and one slide per event.

Each ``start_date`` gives only the parts of the date the log knows: ``{year}`` for a year,
``{year, month}`` for a month, the whole day otherwise. TimelineJS has no weeks, so a week is
its Monday to its Sunday (``end_date``), with ``display_date`` "week of 19 August 2024" so that
no reader takes the Monday for the day; a month or a year with an end has its words too
("August 2024 – 3 August 2024"), TimelineJS leaving out an end in a month's own month.
``unique_id`` is the event's id and ``group`` its first actor: TimelineJS shows a group as the
label of a row of slides, so it is the actor's display name when the registry gives one (its id
otherwise), as are the parties on each slide; the id stays the key of the event, in
``unique_id`` and the slide's "Id:".

TimelineJS puts ``headline`` and ``text`` into the page as HTML, so the log's text goes in
escaped by ``html.escape`` (and control or bidi characters as visible escapes); ``group`` and
``display_date`` it first strips of markup, which decodes their escapes, so they are escaped
twice (``_markup_stripped``); only
``http``/``https`` source URLs become links, and ``autolink`` is off on every slide, so that
TimelineJS does not make links of URLs in the escaped text either.

The JSON is written a slide a line, so a long selection streams.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from timeline.dates import Precision, period_end
from timeline.formats.labels import date_words, made_from, status_of
from timeline.formats.output import About, TextLines
from timeline.formats.urls import web_url
from timeline.selection import UNANSWERED, Piece, Selection
from timeline.text import json_safe, visible, visible_address

if TYPE_CHECKING:
    from datetime import date

    from timeline.rules import EventLike, SourceLike


def _text(text: str) -> str:
    """Text from the log as HTML: escaped, its line breaks kept as ``<br>``."""
    if text.isprintable():  # one line, nothing to make visible: nearly all text
        return html.escape(text.strip())
    lines = visible(text, keep_newlines=True).split("\n")
    return "<br>".join(html.escape(line.strip()) for line in lines if line.strip())


@functools.lru_cache(maxsize=4096)
def _named(text: str) -> str:
    """``_text`` of a name that recurs from slide to slide (an actor, a publisher, a tag, a
    place), remembered: a log names a few hundred of them on every slide."""
    return _text(text)


@functools.lru_cache(maxsize=4096)  # an actor's name or a week's dates, on many slides
def _markup_stripped(text: str) -> str:
    """Text for a field that TimelineJS strips of markup (``group``, ``display_date``): it
    reads the field as HTML and keeps its text, which undoes one escaping, and then writes
    that text into the page as HTML (the group's label). Escaped twice, it shows as itself."""
    return html.escape(html.escape(visible(text).strip()))


def _day(d: date) -> dict[str, int]:
    return {"year": d.year, "month": d.month, "day": d.day}


def _dates(event: EventLike) -> dict[str, Any]:
    """``start_date`` with the parts the precision knows, ``end_date`` where the event spans
    days (a week always: TimelineJS has no weeks), ``display_date`` for a week and for a
    month or year with an end."""
    d = event.date
    start: dict[str, int]
    if event.precision is Precision.YEAR:
        start = {"year": d.year}
    elif event.precision is Precision.MONTH:
        start = {"year": d.year, "month": d.month}
    else:
        start = _day(d)
    dates: dict[str, Any] = {"start_date": start}
    last = event.end
    if last is None and event.precision is Precision.WEEK:
        last = period_end(d, Precision.WEEK)
    if last is not None and last != d:
        dates["end_date"] = _day(last)
    # TimelineJS writes a slide's dates from these parts, and leaves out an end that falls in
    # the month a month's start names; for a start of a month or a year with an end, the
    # words say what the log says.
    if event.precision is Precision.WEEK or ("end_date" in dates and len(start) < 3):
        dates["display_date"] = _markup_stripped(date_words(event))
    return dates


def _source(source: SourceLike) -> str:
    url = web_url(source.url)
    name = _text(source.title or visible_address(source.url or ""))
    if url is not None:
        name = f'<a href="{html.escape(url)}">{name}</a>'
    elif source.url and source.title:
        name += ", " + _text(visible_address(source.url))
    if source.published:  # when it was published, as the HTML page says it
        name += f" ({source.published.isoformat()})"
    parts = [_named(source.publisher), name] if source.publisher else [name]
    return "<li>" + " — ".join(parts) + "</li>"


def _name(actor: str, names: Mapping[str, str]) -> str:
    """An actor's display name when the registry gives one, else its id, as HTML."""
    return _named(names.get(actor) or actor)


def _body(event: EventLike, selection: Selection, names: Mapping[str, str]) -> str:
    """The slide's text: parties, type and status; summary; quotes; numbered sources; place,
    tags, the events it answers and the id."""
    status = status_of(event, selection.responses)
    parties = ", ".join(_name(actor, names) for actor in event.actors)
    if event.targets:
        parties += " → " + ", ".join(_name(target, names) for target in event.targets)
    out = [f"<p>{parties} · {event.type.value} · <strong>{status.value}</strong></p>"]
    if event.summary:
        out.append(f"<p>{_text(event.summary)}</p>")
    for number, source in enumerate(event.sources, 1):
        if source.quote:
            out.append(f"<blockquote>{_text(source.quote)}<br>— [{number}]</blockquote>")
    out.append("<ol>" + "".join(_source(source) for source in event.sources) + "</ol>")
    details = []
    if event.location is not None and event.location.name:
        details.append("Where: " + _named(event.location.name))
    if event.tags:
        details.append("Tags: " + ", ".join(map(_named, event.tags)))
    for ref in event.responds_to:
        answered = selection.answered.get(ref)
        what = f"{date_words(answered)}, {answered.title}" if answered else ref
        details.append("Answers: " + _text(what))
    details.append("Id: " + _text(event.id))
    out.append("<p>" + " · ".join(details) + "</p>")
    return "".join(out)


def slide(
    event: EventLike, selection: Selection, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The TimelineJS slide of one event; ``names``: actors' display names, by id."""
    names = names or {}
    return {
        "unique_id": event.id,
        **_dates(event),
        "text": {"headline": _text(event.title), "text": _body(event, selection, names)},
        "group": _markup_stripped(names.get(event.actors[0]) or event.actors[0]),
        "autolink": False,
    }


def _json(value: Any) -> str:
    """``value`` as compact JSON, as ``json.dumps`` writes it (msgspec writes the same, faster;
    a lone surrogate, which UTF-8 cannot hold, is left to json.dumps's escape)."""
    try:
        text = msgspec.json.encode(value).decode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json_safe(text)


def _piece(event: EventLike, *, names: Mapping[str, str]) -> str | None:
    # a slide names the events its event answers: those are found once the log is read
    return None if event.responds_to else _json(slide(event, UNANSWERED, names))


def piece(about: About) -> Piece:
    """The slides the readers of a log render as they read (``selection.selected``), as if no
    event rejected theirs (those that one does are rendered again), of the events that answer
    none."""
    return functools.partial(_piece, names=about.names)


def _lines(selection: Selection, about: About, notes: list[str]) -> Iterator[str]:
    title = {
        "text": {
            "headline": _text(about.heading),
            "text": f"<p>{_text(made_from(about, len(selection.events)))}</p>",
        },
        "autolink": False,
    }
    yield '{"title":' + _json(title) + ',"events":['
    previous = None

    def line(event: EventLike) -> str:
        return _json(slide(event, selection, about.names))

    # a slide depends on the rest of the log through a rejection of its event, and the events
    # it answers
    redo = selection.responses.rejected
    for _, text in selection.pieces(line, redo=redo, names_answered=True):
        if previous is not None:
            yield previous + ","
        previous = text
    if previous is not None:
        yield previous
    else:
        notes.append(NO_EVENTS_NOTE)
    yield "]}"


NO_EVENTS_NOTE = (
    '0 events: TimelineJS loads no timeline without events ("Timeline configuration has no '
    'events.")'
)


def events(selection: Selection, *, long: bool = False, about: About = About()) -> TextLines:
    """One JSON value: the title slide and the events, a slide a line; a note when no event
    is in it."""
    notes: list[str] = []
    return TextLines(_lines(selection, about, notes), notes=notes)
