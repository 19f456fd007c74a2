"""What makes an event valid, in plain Python: the patterns, actor ids, cross-field rules and
the canonical JSON form, shared by the pydantic model (``model``) and the fast path
(``fastpath``), so that both judge by one definition. Imports no pydantic: reading a log of
canonical lines never pays for building the models.
"""

from __future__ import annotations

import datetime
import re
import secrets
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, Protocol

import msgspec

from timeline.dates import Precision, is_period_start, period_end
from timeline.text import json_safe, short_repr
from timeline.vocab import EventType, Status

# An id is any printable text without white space, up to 200 characters: ids from other
# systems ("…-putin's-graduate-education", "…-raises-$100-million") are stable keys that other
# data points at. Refused: white space (it would split a shell word or a line), control and
# bidi characters (they would act on a terminal), characters that show nothing (a soft hyphen,
# zero-width space, word joiner, byte order mark, Hangul fillers, Mongolian variation
# selectors: two ids that look alike would differ), lone surrogates, and a leading '-' (it
# would read as an option on the command line). The joiners U+200C and U+200D stay: some
# scripts and emoji need them.
_NOT_IN_ID = (
    r"\s\x00-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b"
    r"\u200e\u200f\u202a-\u202e\u2060-\u2069\u3164\ufeff\uffa0\ufff9-\ufffb\ud800-\udfff"
)
ID_RE = re.compile(rf"[^{_NOT_IN_ID}-][^{_NOT_IN_ID}]{{0,199}}")
COUNTRY_RE = re.compile(r"[A-Z]{3}")
# An actor id in the ASCII form normalize_actor() leaves unchanged: runs of letters and digits
# joined by single '-' (words) or '/' (parts). The fast paths judge only ids of this form.
ASCII_ACTOR = r"[a-z0-9]+(?:[-/][a-z0-9]+)*"
_SLUG_JUNK = re.compile(r"[^\w]+")
_ACTOR_PART = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def fold(text: str) -> str:
    """Text for comparing without regard to case or to how accents were typed: case-folded and
    composed (NFC), so that 'й' typed as one character or as 'и' plus a combining breve, and
    'É' or 'é', all compare equal."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


def normalize_actor(text: str) -> str:
    """Turn ``'Belarus MoD'`` into ``'belarus-mod'``; ``/`` separates an actor from its parts."""
    if not isinstance(text, str):
        raise ValueError(f"{short_repr(text)} is not an actor id (expected a string)")
    parts = []
    for raw in text.split("/"):
        part = _SLUG_JUNK.sub("-", fold(raw)).replace("_", "-").strip("-")
        part = re.sub("-{2,}", "-", part)
        if not part or not _ACTOR_PART.fullmatch(part):
            raise ValueError(
                f"{short_repr(text)} is not an actor id (use words joined by '-', "
                "with '/' for a part, e.g. 'belarus/president')"
            )
        parts.append(part)
    return "/".join(parts)


def is_blank(value: str) -> bool:
    """Empty or only white space (shared with ``fastpath``)."""
    return not value or value.isspace()


class SourceLike(Protocol):
    """What readers of a source use; both ``Source`` and the fast path's source provide it."""

    @property
    def url(self) -> str | None: ...
    @property
    def publisher(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def published(self) -> datetime.date | None: ...
    @property
    def quote(self) -> str | None: ...


class LocationLike(Protocol):
    @property
    def name(self) -> str | None: ...
    @property
    def country(self) -> str | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...


class EventLike(Protocol):
    """A validated event as readers see it: ``Event``, or the fast path's ``FastEvent``."""

    @property
    def id(self) -> str: ...
    @property
    def date(self) -> datetime.date: ...
    @property
    def precision(self) -> Precision: ...
    @property
    def end(self) -> datetime.date | None: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str | None: ...
    @property
    def type(self) -> EventType: ...
    @property
    def actors(self) -> tuple[str, ...]: ...
    @property
    def targets(self) -> tuple[str, ...]: ...
    @property
    def status(self) -> Status: ...
    @property
    def responds_to(self) -> tuple[str, ...]: ...
    @property
    def location(self) -> LocationLike | None: ...
    @property
    def sources(self) -> Sequence[SourceLike]: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def extra(self) -> dict[str, Any] | None: ...
    @property
    def last_day(self) -> datetime.date: ...


def check_source(url: str | None, title: str | None) -> None:
    """A source needs a url or a title (shared with ``fastpath``)."""
    if url is None and title is None:
        raise ValueError("a source needs a 'url' or a 'title'")


class RuleError(ValueError):
    """A rule that ties fields together is broken; ``field`` is where it is reported."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_event(event: EventLike) -> None:
    """The rules that tie fields together (shared with ``fastpath``); raises ``RuleError``."""
    if "\n" in event.title or "\r" in event.title:
        raise RuleError("title", "must be a single line")
    if not is_period_start(event.date, event.precision):
        first = {
            Precision.WEEK: "a Monday",
            Precision.MONTH: "the first of a month",
            Precision.YEAR: "1 January",
        }.get(event.precision, "")
        raise RuleError(
            "date",
            f"{event.date.isoformat()} with precision '{event.precision.value}' must be {first}, "
            "the first day of the period",
        )
    if event.date.year == datetime.MAXYEAR:  # only a period that starts then can end later
        try:
            period_end(event.date, event.precision)
        except OverflowError:
            raise RuleError("date", "the period of the date ends after 9999-12-31") from None
    if event.end is not None and event.end < event.date:
        raise RuleError(
            "end", f"{event.end.isoformat()} is before the date {event.date.isoformat()}"
        )
    if event.id in event.responds_to:
        raise RuleError("responds_to", "an event cannot respond to itself")


MAX_EXTRA_DEPTH = 100  # levels of arrays and objects in 'extra', itself the first


_NESTING = (dict, list, tuple)


def nested_deeper_than(value: object, most: int) -> bool:
    """Whether arrays and objects nest in a JSON value more than ``most`` levels deep; no
    recursion, and it stops at the first level past ``most`` (a line nested 10,000 levels deep
    costs what one nested ``most + 1`` does). Only arrays and objects are visited."""
    stack = [(value, 1)] if isinstance(value, _NESTING) else []
    while stack:
        item, depth = stack.pop()
        if depth > most:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, _NESTING))
    return False


def json_scalars(value: object) -> Iterator[object]:
    """Every scalar of a JSON value (its strings, numbers, booleans and nulls, object keys
    aside), however deep, without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            yield item


def check_extra(extra: dict[str, Any] | None) -> None:
    """One nesting limit for 'extra', the same for every reader and writer: what ``check``
    accepts, every command can write back (shared with ``fastpath``)."""
    if extra is not None and nested_deeper_than(extra, MAX_EXTRA_DEPTH):
        raise ValueError(f"nested more than {MAX_EXTRA_DEPTH} levels deep")


def make_id(day: date, title: str) -> str:
    """A readable, unique id without reading the log: date, slug of the title, random suffix."""
    # Accents are dropped rather than letters: 'Ärger über Straße' -> 'arger-uber-strasse'.
    plain = "".join(c for c in unicodedata.normalize("NFKD", title) if not unicodedata.combining(c))
    words = re.sub(r"[^a-z0-9]+", "-", plain.casefold()).strip("-")
    slug = words[:48]
    if len(words) > 48 and words[48] != "-" and "-" in slug:  # cut at a word's end, not inside
        slug = slug[: slug.rindex("-")]
    slug = slug.rstrip("-") or "event"
    # 48 random bits: two ids alike need about 16 million adds of one title on one day.
    return f"{day.isoformat()}-{slug}-{secrets.token_hex(6)}"


def canonical_json(event: EventLike) -> str:
    """The one JSON form the tool writes: every key, in schema order, compact, UTF-8 text,
    with control and bidi characters escaped. ``fastpath`` recognises it byte for byte."""
    # A pydantic Event dumps to a dict; a fast path Struct encodes as it is.
    dump = getattr(event, "model_dump", None)
    data = dump() if dump is not None else event
    return json_safe(msgspec.json.encode(data).decode("utf-8"))


def to_json_dict(event: EventLike) -> dict[str, Any]:
    """The event as JSON values (dates as strings), exactly as in its canonical form."""
    value: dict[str, Any] = msgspec.json.decode(canonical_json(event))
    return value
