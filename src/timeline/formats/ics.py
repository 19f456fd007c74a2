"""iCalendar (RFC 5545), written with the ``icalendar`` package: one all-day ``VEVENT`` per
event, for a shared calendar.

An event is all-day (``DTSTART;VALUE=DATE``) and ends where RFC 5545 says, on the day after its
last (``DTEND`` is exclusive). ``UID`` is the event's id with ``@timeline`` after it (a UID is
usually ``something@a-domain``; the same id gives the same UID, so a calendar that imports a
newer file updates its events instead of doubling them). ``URL`` is the first http(s) source,
``DESCRIPTION`` holds the parties, type, status, summary, quotes and sources, ``CATEGORIES``
the type and tags, ``LOCATION`` and ``GEO`` the place, ``DTSTAMP`` the time the file was made
(1970-01-01 when it is not known). Events are ``TRANSP:TRANSPARENT``: they take no one's time.

A calendar must not claim a precision the log does not have. An event known only to its week,
month or year spans that whole week, month or year, as every calendar can show, and says so
where a reader looks: its ``SUMMARY`` starts with ``[week]``, ``[month]`` or ``[year]``, its
``DESCRIPTION`` with "Date known only to the month: August 2024", and
``X-TIMELINE-PRECISION`` holds the precision for programs. An event known to the day has none
of these; one that spans days (``end``) spans them.

Text is escaped by ``icalendar`` (``\\,``, ``\\;``, ``\\n``), but for a backslash before an N,
which it would take for a line break (``_Text``), and its long lines folded; control and bidi
characters, which RFC 5545 does not allow in text, are written as visible escapes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from icalendar import Calendar, vCategory, vGeo, vText
from icalendar import Event as VEvent

from timeline.dates import Precision
from timeline.formats.labels import (
    date_words,
    decimal,
    made_from,
    marked_title,
    parties,
    status_of,
)
from timeline.formats.output import About, TextLines
from timeline.formats.urls import first_web_url, web_url
from timeline.text import visible, visible_address
from timeline.vocab import Status

if TYPE_CHECKING:
    from timeline.rules import EventLike
    from timeline.selection import Selection

PRODID = "-//timeline//timeline show --format ics//EN"
UID_SUFFIX = "@timeline"
_UNKNOWN_TIME = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _text(text: str) -> str:
    """A text of lines (a summary, a quote): its line ends kept, as the other views keep them."""
    return visible(text, keep_newlines=True)


class _Text(vText):
    """TEXT escaped as RFC 5545 says. icalendar reads a backslash and an N in the text as a
    line break escaped already and writes it as one ('C:\\New' became 'C:', a new line and 'ew'),
    so the text between them is escaped by icalendar, and each of them as a backslash and N."""

    def to_ical(self) -> bytes:
        return b"\\\\N".join(vText(piece).to_ical() for piece in self.split("\\N"))


class _Categories(vCategory):
    """``CATEGORIES``, each escaped as ``_Text``."""

    def to_ical(self) -> bytes:
        return b",".join(_Text(str(category)).to_ical() for category in self.cats)


def summary(event: EventLike, status: Status) -> str:
    """The title, after ``[week]``, ``[month]`` or ``[year]`` when that is all the log knows,
    and before the status (as the views mark it: ``[claimed]``, ``[disputed]``) unless it is
    only reported: a calendar's grid shows only this."""
    title = marked_title(visible(event.title), status)
    return title if event.precision is Precision.DAY else f"[{event.precision.value}] {title}"


def _description(
    event: EventLike, selection: Selection, status: Status, names: Mapping[str, str]
) -> str:
    lines = []
    if event.precision is not Precision.DAY:
        lines.append(f"Date known only to the {event.precision.value}: {date_words(event)}.")
    lines += [f"{visible(parties(event, names))} · {event.type.value} · {status.value}", ""]
    if event.summary:
        lines += [_text(event.summary), ""]
    for number, source in enumerate(event.sources, 1):
        if source.quote:
            lines += [f"“{_text(source.quote)}” [{number}]", ""]
    lines.append("Sources:")
    for number, source in enumerate(event.sources, 1):
        parts = [visible(p) for p in (source.publisher, source.title) if p]
        if source.published:
            parts.append(f"published {source.published.isoformat()}")
        if source.url:
            url = web_url(source.url)
            parts.append(url if url is not None else visible_address(source.url))
        lines.append(f"{number}. " + " — ".join(parts))
    if event.tags:
        lines.append("Tags: " + ", ".join(visible(tag) for tag in event.tags))
    for ref in event.responds_to:
        answered = selection.answered.get(ref)
        what = f"{date_words(answered)}, {answered.title}" if answered else ref
        lines.append("Answers: " + visible(what))
    lines.append("Id: " + visible(event.id))
    return "\n".join(lines)


class _Geo(vGeo):
    """``GEO`` as RFC 5545 writes a FLOAT: digits and a point, no exponent (``1e-05``)."""

    def to_ical(self) -> str:
        return f"{decimal(self.latitude)};{decimal(self.longitude)}"


def vevent(
    event: EventLike,
    selection: Selection,
    *,
    stamp: datetime,
    names: Mapping[str, str] | None = None,
) -> VEvent:
    """The calendar event of one event; ``names``: the actors' display names, by id."""
    status = status_of(event, selection.responses)
    item = VEvent()
    item.add("uid", _Text(visible(event.id) + UID_SUFFIX))
    item.add("dtstamp", stamp)
    item.add("dtstart", event.date)
    if event.last_day < date.max:
        item.add("dtend", event.last_day + timedelta(days=1))
    else:  # no date follows 9999-12-31, where DTEND would be: the same span as a duration
        item.add("duration", event.last_day - event.date + timedelta(days=1))
    item.add("summary", _Text(summary(event, status)))
    item.add("description", _Text(_description(event, selection, status, names or {})))
    item.add("categories", _Categories([event.type.value, *map(visible, event.tags)]))
    url = first_web_url([source.url for source in event.sources])
    if url is not None:
        item.add("url", url)
    location = event.location
    if location is not None:
        place = ", ".join(visible(p) for p in (location.name, location.country) if p)
        if place:
            item.add("location", _Text(place))
        if location.lat is not None and location.lon is not None:
            item.add("geo", _Geo((location.lat, location.lon)))
    item.add("transp", "TRANSPARENT")
    if event.precision is not Precision.DAY:
        item.add("x-timeline-precision", _Text(event.precision.value))
    return item


def _calendar_head(selection: Selection, about: About) -> str:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _Text(_text(about.heading)))
    calendar.add("x-wr-caldesc", _Text(_text(made_from(about, len(selection.events)))))
    text: str = calendar.to_ical().decode("utf-8")
    return text.removesuffix("END:VCALENDAR\r\n")


def _chunks(selection: Selection, about: About, notes: list[str]) -> Iterator[str]:
    """The calendar in pieces of whole CRLF lines, a ``VEVENT`` at a time; a note in ``notes``
    when no event is in it."""
    stamp = about.generated or _UNKNOWN_TIME

    def render(event: EventLike) -> str:
        item = vevent(event, selection, stamp=stamp, names=about.names)
        text: str = item.to_ical().decode("utf-8")
        return text

    yield _calendar_head(selection, about)
    # on every core for a large selection: a VEVENT costs far more to make than to read
    empty = True
    for _, text in selection.pieces(render, names_answered=True):
        empty = False
        yield text
    if empty:
        notes.append(NO_EVENTS_NOTE)
    yield "END:VCALENDAR\r\n"


NO_EVENTS_NOTE = (
    "0 events: RFC 5545 wants a calendar to hold one at least, and some calendar programs "
    "refuse one that holds none"
)


def events(selection: Selection, *, long: bool = False, about: About = About()) -> TextLines:
    """An iCalendar file; its lines end in CRLF, as RFC 5545 requires (each piece's last
    newline is the one the CLI writes); a note when no event is in it."""
    notes: list[str] = []
    return TextLines(
        (chunk.removesuffix("\n") for chunk in _chunks(selection, about, notes)), notes=notes
    )
