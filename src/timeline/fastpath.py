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
from timeline.log.decoding import JSON_STRING
from timeline.rules import (
    ASCII_ACTOR,
    COUNTRY_RE,
    ID_RE,
    check_event,
    check_extra,
    json_scalars,
)
from timeline.text import json_safe
from timeline.vocab import EventType, Status

__all__ = ["FastEvent", "fast_event", "read_event", "read_line"]

# Actor ids of the ASCII form; any other id takes the slow path. A log names a few hundred
# actors a million times: those already seen are looked up, not matched again.
_ACTOR_RE = re.compile(ASCII_ACTOR)
_SEEN_ACTORS: set[str] = set()
_MAX_SEEN_ACTORS = 10_000
_SEEN_COUNTRIES: set[str] = set()  # the country codes seen, likewise
_DAY = Precision.DAY
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


class _LocationOfEveryKey(
    FastLocation, frozen=True, forbid_unknown_fields=True, kw_only=True, gc=False
):
    name: str | None
    country: str | None
    lat: _Lat | None
    lon: _Lon | None


class _SourceOfEveryKey(
    FastSource, frozen=True, forbid_unknown_fields=True, kw_only=True, gc=False
):
    url: str | None
    publisher: str | None
    title: str | None
    published: datetime.date | None
    quote: str | None


class _EventOfEveryKey(FastEvent, frozen=True, forbid_unknown_fields=True, kw_only=True, gc=False):
    """A ``FastEvent`` whose line writes every key of every object (as the canonical form does,
    and most programs that write all of a record): each field is required. Its decoding proves
    that no key is left out, which ``_written_once`` otherwise learns from a second decoding."""

    precision: Precision
    end: datetime.date | None
    summary: str | None
    targets: tuple[str, ...]
    status: Status
    responds_to: tuple[str, ...]
    location: _LocationOfEveryKey | None
    sources: Annotated[tuple[_SourceOfEveryKey, ...], _NonEmpty]
    tags: tuple[str, ...]
    extra: dict[str, Any] | None


_decode = msgspec.json.Decoder(FastEvent).decode
_decode_every_key = msgspec.json.Decoder(_EventOfEveryKey).decode
_encode = msgspec.json.Encoder().encode
# Characters that the canonical form escapes (text.json_safe): DEL, C1 controls, bidi controls,
# line and paragraph separators.
_ESCAPED = re.compile(
    rb"\x7f|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]"
)


def decode_checked(content: bytes) -> FastEvent:
    """The event of a line that ``read_event`` read and found valid before, in any layout (a
    selection's kept line): decoded without checking it again. Raises ``msgspec.DecodeError``
    if the line is not of that kind after all."""
    return _decode(content)


def _escapes(encoded: bytes) -> bool:
    """Whether msgspec's encoding holds a character the canonical form escapes (``_ESCAPED``)."""
    if encoded.isascii():  # most lines, told apart four times faster than by the byte searches
        return b"\x7f" in encoded
    return (
        b"\x7f" in encoded or b"\xc2" in encoded or b"\xd8" in encoded or b"\xe2" in encoded
    ) and _ESCAPED.search(encoded) is not None


def fast_event(content: bytes) -> FastEvent | None:
    """The event if ``content`` is exactly the canonical form of a valid event, else None."""
    read = read_event(content)
    return read[0] if read is not None and read[1] else None


_decode_any = msgspec.json.Decoder().decode
_MAX_INT_BITS = 14_000  # about 4,300 digits, past which Python refuses to read an integer
# A colon written as an escape: it would hide from a count of the line's colons.
_ESCAPED_COLON = re.compile(rb"\\u003[aA]")


def read_event(content: bytes) -> tuple[FastEvent, bool] | None:
    """The valid event on a line in any layout, and whether the line is its canonical form;
    None when only the model can tell."""
    read = read_line(content)
    return None if read is None else (read[0], read[1] is content)


# A log keeps to one layout: a line is first decoded as the last one was, as an event that
# writes every key (one decoding) or not (two: see ``_written_once``). Either way is sound.
_every_key_first = True


def read_line(content: bytes) -> tuple[FastEvent, bytes] | None:
    """The valid event on a line in any layout, and its canonical form (``rules.canonical_json``
    as bytes): ``content`` itself when the line is canonical. None when only the model can tell.
    """
    global _every_key_first
    every_key = _every_key_first
    try:
        if every_key:
            try:
                event: FastEvent = _decode_every_key(content)
            except msgspec.ValidationError:  # a key left out, which the model allows?
                event, every_key = _decode(content), False
                _every_key_first = False
        else:
            event = _decode(content)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    encoded = _encode(event)
    if encoded == content and not _escapes(content):
        _every_key_first = True  # the canonical form writes every key
        return (event, content) if _valid(event) else None
    extra = event.extra
    if extra and not _readable_numbers(extra):
        return None
    left_out = 0 if every_key else _left_out(content)
    if left_out == 0 and not every_key:
        _every_key_first = True
    if not _written_once(content, encoded, left_out) or not _valid(event):
        return None
    # msgspec's encoding is the canonical form, unless it holds a character to escape
    return event, json_safe(encoded.decode()).encode() if _escapes(encoded) else encoded


class _Answers(msgspec.Struct, gc=False):
    """What an event answers, read from a line without the rest of it."""

    responds_to: list[str] = msgspec.field(default_factory=list)


_decode_answers = msgspec.json.Decoder(_Answers).decode


def answered_ids(content: bytes) -> list[str] | None:
    """The ids a line's event answers, read without checking the rest of the line (a fifth
    of the time of reading and checking it): whether it holds a valid event is for the caller
    to find out, when it matters. None if the line is not an object with such a list."""
    try:
        return _decode_answers(content).responds_to
    except (msgspec.DecodeError, RecursionError):  # a ValidationError is a DecodeError
        return None


_Keys = dict[str, msgspec.Raw]  # an object's keys, each once, whatever their values


class _EventKeys(msgspec.Struct, gc=False):
    """Which keys an event object holds (``UNSET``: not written), and those of its sources and
    location."""

    id: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    date: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    precision: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    end: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    title: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    summary: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    type: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    actors: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    targets: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    status: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    responds_to: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    location: _Keys | msgspec.UnsetType | None = msgspec.UNSET
    sources: list[_Keys] | msgspec.UnsetType = msgspec.UNSET
    tags: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    extra: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET


_decode_keys = msgspec.json.Decoder(_EventKeys).decode
_UNSET = msgspec.UNSET
_SOURCE_KEYS = len(FastSource.__struct_fields__)
_LOCATION_KEYS = len(FastLocation.__struct_fields__)


def _written_once(content: bytes, encoded: bytes, left_out: int | None) -> bool:
    """No object of the line holds a key twice (msgspec keeps the last; the model refuses).

    Every colon outside a string follows a key, and the strings of the line hold the colons
    of those of ``encoded`` (which writes every field once, and the keys of 'extra' that its
    decoding kept), unless the line writes a colon as an escape. So the line's colons less
    those of ``encoded`` are minus the number of keys it leaves out (``left_out``: none for a
    line that decoded as ``_EventOfEveryKey``, else counted by ``_left_out``; None if that
    cannot tell), plus one for each key it writes twice and for each colon in a value that
    msgspec dropped for a later one.
    """
    if _ESCAPED_COLON.search(content) is not None:  # a search that skips to each backslash
        return _written_once_slow(content)
    return left_out is not None and content.count(b":") - encoded.count(b":") == -left_out


def _left_out(content: bytes) -> int | None:
    """How many keys of an event's objects the line does not write; None if it cannot tell."""
    try:
        written = _decode_keys(content)
    except (msgspec.DecodeError, RecursionError):
        return None
    left_out = msgspec.structs.astuple(written).count(_UNSET)
    sources, where = written.sources, written.location
    if sources is not _UNSET:
        left_out += _SOURCE_KEYS * len(sources) - sum(map(len, sources))
    if isinstance(where, dict):
        left_out += _LOCATION_KEYS - len(where)
    return left_out


def _written_once_slow(content: bytes) -> bool:
    """``_written_once`` by decoding the whole line as plain JSON and counting its keys."""
    colons = JSON_STRING.sub(b"", content).count(b":")  # one per key, in every object
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
    return not any(
        isinstance(item, int) and item.bit_length() > _MAX_INT_BITS for item in json_scalars(extra)
    )


def _is_id(text: str) -> bool:
    """``rules.ID_RE`` matches ``text``: at once for printable ASCII (``_ascii_id``)."""
    ascii_id = _ascii_id(text)
    return ID_RE.fullmatch(text) is not None if ascii_id is None else ascii_id


def _ascii_id(text: str) -> bool | None:
    """Whether ``text``, printable ASCII of an id's length, is an id (no space, no leading
    '-': the only characters of that kind that ``rules.ID_RE`` refuses); None for other text."""
    if text.isascii() and text.isprintable() and 0 < len(text) <= 200:
        return " " not in text and text[0] != "-"
    return None


def _ascii_actors(ids: tuple[str, ...]) -> bool:
    """Every id is an actor id of the ASCII form (remembered, while they are few)."""
    for actor in ids:
        if actor not in _SEEN_ACTORS:
            if not _ACTOR_RE.fullmatch(actor):
                return False
            if len(_SEEN_ACTORS) < _MAX_SEEN_ACTORS:
                _SEEN_ACTORS.add(actor)
    return True


def _valid(event: FastEvent) -> bool:
    """The model's string and cross-field rules, on a decoded event. Written out field by
    field, without a call where a test will do: it runs for every line of a log."""
    event_id, responds_to = event.id, event.responds_to
    if event_id.isascii() and event_id.isprintable() and 0 < len(event_id) <= 200:
        if " " in event_id or event_id[0] == "-":  # as ``_ascii_id``
            return False
    elif ID_RE.fullmatch(event_id) is None:
        return False
    if responds_to and (event_id in responds_to or not all(map(_is_id, responds_to))):
        return False
    targets = event.targets
    parties = event.actors + targets if targets else event.actors
    if not _SEEN_ACTORS.issuperset(parties) and not _ascii_actors(parties):
        return False
    # rules.is_blank: no text is empty or white space only (None is no text)
    title, summary, tags = event.title, event.summary, event.tags
    if not title or title.isspace() or (summary is not None and (not summary or summary.isspace())):
        return False
    if tags and ("" in tags or any(map(str.isspace, tags))):
        return False
    for source in event.sources:
        url, source_title, publisher, quote = (
            source.url,
            source.title,
            source.publisher,
            source.quote,
        )
        if url is None:  # then the title is the source
            if source_title is None or not source_title or source_title.isspace():
                return False
        elif (
            not url
            or url.isspace()
            or (source_title is not None and (not source_title or source_title.isspace()))
        ):
            return False
        if (publisher is not None and (not publisher or publisher.isspace())) or (
            quote is not None and (not quote or quote.isspace())
        ):
            return False
    location = event.location
    if location is not None:
        name, country = location.name, location.country
        if name is not None and (not name or name.isspace()):
            return False
        if country is not None and country not in _SEEN_COUNTRIES:
            if not COUNTRY_RE.fullmatch(country):
                return False
            _SEEN_COUNTRIES.add(country)  # at most 26^3 of them
    if event.extra:
        try:
            check_extra(event.extra)
        except ValueError:
            return False
    # the rest of rules.check_event, for the events it may refuse (an answer to itself is above)
    if event.precision is not _DAY or event.end is not None or "\n" in title or "\r" in title:
        try:
            check_event(event)
        except ValueError:
            return False
    return True
