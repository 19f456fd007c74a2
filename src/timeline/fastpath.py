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
from timeline.model import (
    COUNTRY_PATTERN,
    ID_PATTERN,
    NON_EMPTY_PATTERN,
    check_event,
    check_source,
)
from timeline.vocab import EventType, Status

__all__ = ["FastEvent", "fast_event"]

# The ASCII form normalize_actor() leaves unchanged; any other actor id takes the slow path.
_ACTOR_PART = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_Id = Annotated[str, msgspec.Meta(pattern=rf"\A{ID_PATTERN}\Z")]
_Actor = Annotated[str, msgspec.Meta(pattern=rf"\A{_ACTOR_PART}(?:/{_ACTOR_PART})*\Z")]
_Text = Annotated[str, msgspec.Meta(pattern=NON_EMPTY_PATTERN)]
_Country = Annotated[str, msgspec.Meta(pattern=rf"\A{COUNTRY_PATTERN}\Z")]
_Lat = Annotated[float, msgspec.Meta(ge=-90, le=90)]
_Lon = Annotated[float, msgspec.Meta(ge=-180, le=180)]


class FastLocation(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    name: _Text | None = None
    country: _Country | None = None
    lat: _Lat | None = None
    lon: _Lon | None = None


class FastSource(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    url: _Text | None = None
    publisher: _Text | None = None
    title: _Text | None = None
    published: datetime.date | None = None
    quote: _Text | None = None


class FastEvent(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The same fields, order and constraints as ``model.Event``."""

    id: _Id
    date: datetime.date
    precision: Precision = Precision.DAY
    end: datetime.date | None = None
    title: _Text
    summary: _Text | None = None
    type: EventType
    actors: Annotated[tuple[_Actor, ...], msgspec.Meta(min_length=1)]
    targets: tuple[_Actor, ...] = ()
    status: Status = Status.REPORTED
    responds_to: tuple[_Id, ...] = ()
    location: FastLocation | None = None
    sources: Annotated[tuple[FastSource, ...], msgspec.Meta(min_length=1)]
    tags: tuple[_Text, ...] = ()
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
    except (msgspec.DecodeError, UnicodeDecodeError):  # DecodeError covers ValidationError
        return None
    if _encode(event) != content:
        return None
    if (b"\x7f" in content or b"\xc2" in content or b"\xd8" in content or b"\xe2" in content) and (
        _ESCAPED.search(content)
    ):
        return None
    try:
        check_event(event)
        for source in event.sources:
            check_source(source.url, source.title)
    except ValueError:
        return None
    return event
