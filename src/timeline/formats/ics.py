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

Text is escaped by ``icalendar`` (``\\,``, ``\\;``, ``\\n``) and its long lines folded; control
and bidi characters, which RFC 5545 does not allow in text, are written as visible escapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from icalendar import Calendar, vGeo, vText
from icalendar import Event as VEvent

from timeline.dates import Precision
from timeline.formats.labels import date_words, decimal, made_from, status_of
from timeline.formats.output import About, TextLines
from timeline.formats.urls import first_web_url, web_url
from timeline.text import visible

if TYPE_CHECKING:
    from timeline.rules import EventLike
    from timeline.selection import Selection

PRODID = "-//timeline//timeline show --format ics//EN"
UID_SUFFIX = "@timeline"
_UNKNOWN_TIME = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _text(text: str) -> str:
    return visible(text, keep_newlines=True)


def summary(event: EventLike) -> str:
    """The title, after ``[week]``, ``[month]`` or ``[year]`` when that is all the log knows."""
    title = _text(event.title)
    return title if event.precision is Precision.DAY else f"[{event.precision.value}] {title}"


def _description(event: EventLike, selection: Selection) -> str:
    lines = []
    if event.precision is not Precision.DAY:
        lines.append(f"Date known only to the {event.precision.value}: {date_words(event)}.")
    parties = ", ".join(event.actors) + (" → " + ", ".join(event.targets) if event.targets else "")
    status = status_of(event, selection.responses).value
    lines += [f"{parties} · {event.type.value} · {status}", ""]
    if event.summary:
        lines += [_text(event.summary), ""]
    for number, source in enumerate(event.sources, 1):
        if source.quote:
            lines += [f"“{_text(source.quote)}” [{number}]", ""]
    lines.append("Sources:")
    for number, source in enumerate(event.sources, 1):
        parts = [_text(p) for p in (source.publisher, source.title) if p]
        if source.url:
            url = web_url(source.url)
            parts.append(url if url is not None else _text(source.url))
        lines.append(f"{number}. " + " — ".join(parts))
    if event.tags:
        lines.append("Tags: " + ", ".join(_text(tag) for tag in event.tags))
    for ref in event.responds_to:
        answered = selection.answered.get(ref)
        what = f"{date_words(answered)}, {answered.title}" if answered else ref
        lines.append("Answers: " + _text(what))
    lines.append("Id: " + _text(event.id))
    return "\n".join(lines)


class _Geo(vGeo):
    """``GEO`` as RFC 5545 writes a FLOAT: digits and a point, no exponent (``1e-05``)."""

    def to_ical(self) -> str:
        return f"{decimal(self.latitude)};{decimal(self.longitude)}"


def vevent(event: EventLike, selection: Selection, *, stamp: datetime) -> VEvent:
    """The calendar event of one event."""
    item = VEvent()
    item.add("uid", vText(_text(event.id) + UID_SUFFIX))
    item.add("dtstamp", stamp)
    item.add("dtstart", event.date)
    if event.last_day < date.max:
        item.add("dtend", event.last_day + timedelta(days=1))
    else:  # no date follows 9999-12-31, where DTEND would be: the same span as a duration
        item.add("duration", event.last_day - event.date + timedelta(days=1))
    item.add("summary", vText(summary(event)))
    item.add("description", vText(_description(event, selection)))
    item.add("categories", [vText(event.type.value), *(vText(_text(tag)) for tag in event.tags)])
    url = first_web_url([source.url for source in event.sources])
    if url is not None:
        item.add("url", url)
    location = event.location
    if location is not None:
        place = ", ".join(_text(p) for p in (location.name, location.country) if p)
        if place:
            item.add("location", vText(place))
        if location.lat is not None and location.lon is not None:
            item.add("geo", _Geo((location.lat, location.lon)))
    item.add("transp", "TRANSPARENT")
    if event.precision is not Precision.DAY:
        item.add("x-timeline-precision", vText(event.precision.value))
    return item


def _calendar_head(selection: Selection, about: About) -> str:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", vText(_text(about.heading)))
    calendar.add("x-wr-caldesc", vText(_text(made_from(about, len(selection.events)))))
    text: str = calendar.to_ical().decode("utf-8")
    return text.removesuffix("END:VCALENDAR\r\n")


def _chunks(selection: Selection, about: About) -> Iterator[str]:
    """The calendar in pieces of whole CRLF lines, a ``VEVENT`` at a time."""
    stamp = about.generated or _UNKNOWN_TIME

    def render(event: EventLike) -> str:
        text: str = vevent(event, selection, stamp=stamp).to_ical().decode("utf-8")
        return text

    yield _calendar_head(selection, about)
    # on every core for a large selection: a VEVENT costs far more to make than to read
    yield from (text for _, text in selection.pieces(render, names_answered=True))
    yield "END:VCALENDAR\r\n"


def events(selection: Selection, *, long: bool = False, about: About = About()) -> TextLines:
    """An iCalendar file; its lines end in CRLF, as RFC 5545 requires (each piece's last
    newline is the one the CLI writes)."""
    return TextLines(chunk.removesuffix("\n") for chunk in _chunks(selection, about))
