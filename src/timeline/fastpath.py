"""Reading a valid event without pydantic, in any JSON layout.

A line is decoded into a msgspec ``Struct`` with the same fields and constraints as
``model.Event``; the string and cross-field rules are then the model's own functions. Most lines
of a log were written by this tool, so they are canonical: encoding the struct back gives the
line byte for byte, and its bytes can be copied to the output as they are. A line in another
layout (another program's key order or spacing) is read the same way, after the checks that
msgspec leaves to us (a key written twice, an integer longer than Python reads). Any doubt
returns ``None``, and the caller takes the pydantic path, which stays the only judge of what is
wrong: a property test says the two accept the same lines and read the same events.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any

import msgspec

from timeline.dates import Precision, period_end
from timeline.rules import ASCII_ACTOR, COUNTRY_RE, ID_RE, check_event, check_extra, is_blank
from timeline.vocab import EventType, Status

__all__ = ["FastEvent", "fast_event", "read_event"]

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


def decode_checked(content: bytes) -> FastEvent:
    """The event of a canonical line that was read and found valid before (a selection's
    kept line): decoded without checking it again. Raises ``msgspec.DecodeError`` if the
    line is not of that kind after all."""
    return _decode(content)


def fast_event(content: bytes) -> FastEvent | None:
    """The event if ``content`` is exactly the canonical form of a valid event, else None."""
    read = read_event(content)
    return read[0] if read is not None and read[1] else None


_decode_any = msgspec.json.Decoder().decode
# A JSON string, however it escapes: what lies outside these is structure.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_MAX_INT_BITS = 14_000  # about 4,300 digits, past which Python refuses to read an integer


def read_event(content: bytes) -> tuple[FastEvent, bool] | None:
    """The valid event on a line in any layout, and whether the line is its canonical form;
    None when only the model can tell."""
    try:
        event = _decode(content)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    if _encode(event) == content:
        has_escaped = (
            b"\x7f" in content or b"\xc2" in content or b"\xd8" in content or b"\xe2" in content
        ) and _ESCAPED.search(content) is not None
        if not has_escaped:
            return (event, True) if _valid(event) else None
    if not _written_once(content) or (event.extra and not _readable_numbers(event.extra)):
        return None
    return (event, False) if _valid(event) else None


def _written_once(content: bytes) -> bool:
    """No object of the line holds a key twice (msgspec keeps the last; the model refuses)."""
    colons = _STRING.sub(b"", content).count(b":")  # one per key, in every object
    try:
        return colons == _keys(_decode_any(content))
    except (msgspec.DecodeError, RecursionError):
        return False


def _keys(value: object) -> int:
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            count += len(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _readable_numbers(extra: dict[str, Any]) -> bool:
    """Every integer in 'extra' is one Python's JSON reader takes (it limits their digits)."""
    stack: list[Any] = [extra]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, int) and item.bit_length() > _MAX_INT_BITS:
            return False
    return True


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
    if event.extra:
        try:
            check_extra(event.extra)
        except ValueError:
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
