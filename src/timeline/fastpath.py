"""Recognising, without pydantic, a line that is already the canonical form of a valid event.

Most lines of a log were written by this tool, so they are canonical. For those, decoding into a
msgspec ``Struct`` with the same constraints as ``model.Event`` and encoding it back gives the
line byte for byte; then the line is valid (the cross-field rules are the model's own
functions) and nothing more needs doing. Any other line, or any doubt, returns ``None`` and the
caller takes the full pydantic path, which stays the only judge of what is wrong.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any

import msgspec

from timeline.dates import Precision, period_end
from timeline.rules import ASCII_ACTOR, COUNTRY_RE, ID_RE, check_event, is_blank
from timeline.vocab import EventType, Status

__all__ = ["FastEvent", "fast_event"]

# Actor ids of the ASCII form, one a line; any other id takes the slow path.
_ACTORS_RE = re.compile(rf"{ASCII_ACTOR}(?:\n{ASCII_ACTOR})*")
_Lat = Annotated[float, msgspec.Meta(ge=-90, le=90)]
_Lon = Annotated[float, msgspec.Meta(ge=-180, le=180)]
_NonEmpty = msgspec.Meta(min_length=1)


class FastLocation(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, gc=False):
    name: str | None = None
    country: str | None = None
    lat: _Lat | None = None
    lon: _Lon | None = None


class FastSource(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, gc=False):
    url: str | None = None
    publisher: str | None = None
    title: str | None = None
    published: datetime.date | None = None
    quote: str | None = None


class FastEvent(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, gc=False):
    """The same fields, order and types as ``model.Event``; the string rules are checked after
    decoding (``_valid``), with the model's own patterns and functions."""

    id: str
    date: datetime.date
    precision: Precision = Precision.DAY
    end: datetime.date | None = None
    title: str
    summary: str | None = None
    type: EventType
    actors: Annotated[tuple[str, ...], _NonEmpty]
    targets: tuple[str, ...] = ()
    status: Status = Status.REPORTED
    responds_to: tuple[str, ...] = ()
    location: FastLocation | None = None
    sources: Annotated[tuple[FastSource, ...], _NonEmpty]
    tags: tuple[str, ...] = ()
    extra: dict[str, Any] | None = None

    @property
    def last_day(self) -> datetime.date:
        return self.end if self.end is not None else period_end(self.date, self.precision)


_decode = msgspec.json.Decoder(FastEvent).decode
_encode = msgspec.json.Encoder().encode
# Characters that the canonical form escapes (text.json_safe): DEL, C1 controls, bidi controls.
_ESCAPED = re.compile(
    rb"\x7f|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
)


def fast_event(content: bytes) -> FastEvent | None:
    """The event if ``content`` is exactly the canonical form of a valid event, else None."""
    try:
        event = _decode(content)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    if _encode(event) != content:
        return None
    if (b"\x7f" in content or b"\xc2" in content or b"\xd8" in content or b"\xe2" in content) and (
        _ESCAPED.search(content)
    ):
        return None
    return event if _valid(event) else None


def _valid(event: FastEvent) -> bool:
    """The model's string and cross-field rules, on a decoded event."""
    if not ID_RE.fullmatch(event.id) or not all(map(ID_RE.fullmatch, event.responds_to)):
        return False
    if not _ACTORS_RE.fullmatch("\n".join(event.actors + event.targets)):
        return False
    texts = [event.title, event.summary, *event.tags]
    for source in event.sources:
        if source.url is None and source.title is None:
            return False
        texts += (source.url, source.publisher, source.title, source.quote)
    location = event.location
    if location is not None:
        texts.append(location.name)
        if location.country is not None and not COUNTRY_RE.fullmatch(location.country):
            return False
    if any(map(is_blank, [t for t in texts if t is not None])):
        return False
    title = event.title
    if (
        event.precision is not Precision.DAY
        or event.end is not None
        or event.responds_to
        or "\n" in title
        or "\r" in title
    ):
        try:
            check_event(event)
        except ValueError:
            return False
    return True
