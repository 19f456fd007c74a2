"""The event schema: pydantic models, actor ids, and the canonical JSON form of an event.

Knows nothing of files or terminals. ``cli`` and ``store`` turn its errors into located messages.
"""

from __future__ import annotations

import datetime
import math
import re
import secrets
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Protocol

import msgspec
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from timeline.dates import Precision, is_period_start, parse_iso_date, period_end
from timeline.text import json_safe
from timeline.vocab import EventType, Status

__all__ = [
    "Event",
    "EventLike",
    "Location",
    "Source",
    "canonical_json",
    "check_event",
    "check_source",
    "describe_validation_error",
    "make_id",
    "normalize_actor",
    "to_json_dict",
]

# Shared with ``fastpath``: one definition of validity.
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")
COUNTRY_RE = re.compile(r"[A-Z]{3}")
_SLUG_JUNK = re.compile(r"[^\w]+")
_ACTOR_PART = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_MAX_REPR = 60


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 4] + "...'"


def normalize_actor(text: str) -> str:
    """Turn ``'Belarus MoD'`` into ``'belarus-mod'``; ``/`` separates an actor from its parts."""
    if not isinstance(text, str):
        raise ValueError(f"{_short_repr(text)} is not an actor id (expected a string)")
    parts = []
    for raw in text.split("/"):
        part = _SLUG_JUNK.sub("-", raw.casefold()).replace("_", "-").strip("-")
        part = re.sub("-{2,}", "-", part)
        if not part or not _ACTOR_PART.fullmatch(part):
            raise ValueError(
                f"{_short_repr(text)} is not an actor id (use words joined by '-', "
                "with '/' for a part, e.g. 'belarus/president')"
            )
        parts.append(part)
    return "/".join(parts)


def _to_date(value: object) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_iso_date(value)
    raise ValueError(f"{_short_repr(value)} is not a valid date (expected 'YYYY-MM-DD')")


def _check_id(value: str) -> str:
    if not ID_RE.fullmatch(value):
        raise ValueError(
            f"{_short_repr(value)} is not a valid id (letters, digits and . _ : -, "
            "starting with a letter or digit, at most 200 characters)"
        )
    return value


def _one_line(value: str) -> str:
    _non_empty(value)
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    return value


def is_blank(value: str) -> bool:
    """Empty or only white space (shared with ``fastpath``)."""
    return not value or value.isspace()


def _non_empty(value: str) -> str:
    if is_blank(value):
        raise ValueError("must not be empty")
    return value


def _country(value: str) -> str:
    upper = value.upper()
    if not COUNTRY_RE.fullmatch(upper):
        raise ValueError(f"{_short_repr(value)} is not an ISO 3166-1 alpha-3 code (e.g. 'UKR')")
    return upper


def check_source(url: str | None, title: str | None) -> None:
    """A source needs a url or a title (shared with ``fastpath``)."""
    if url is None and title is None:
        raise ValueError("a source needs a 'url' or a 'title'")


def check_event(event: EventLike) -> None:
    """The rules that tie fields together (shared with ``fastpath``); raises ``ValueError``."""
    if "\n" in event.title or "\r" in event.title:
        raise ValueError("title must be a single line")
    if not is_period_start(event.date, event.precision):
        first = {
            Precision.WEEK: "a Monday",
            Precision.MONTH: "the first of a month",
            Precision.YEAR: "1 January",
        }.get(event.precision, "")
        raise ValueError(
            f"date {event.date.isoformat()} with precision '{event.precision.value}' "
            f"must be {first}: the first day of the period"
        )
    try:
        period_end(event.date, event.precision)
    except OverflowError:
        raise ValueError("the period of the date ends after 9999-12-31") from None
    if event.end is not None and event.end < event.date:
        raise ValueError(f"end {event.end.isoformat()} is before date {event.date.isoformat()}")
    if event.id in event.responds_to:
        raise ValueError("an event cannot respond to itself")


IsoDate = Annotated[date, BeforeValidator(_to_date)]
EventId = Annotated[str, AfterValidator(_check_id)]
ActorId = Annotated[str, BeforeValidator(normalize_actor)]
OneLine = Annotated[str, AfterValidator(_one_line)]
Text = Annotated[str, AfterValidator(_non_empty)]
Country = Annotated[str, AfterValidator(_country)]


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


_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Location(BaseModel):
    """Where an event happened; every part is optional."""

    model_config = _FROZEN

    name: Text | None = None
    country: Country | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class Source(BaseModel):
    """Where an event comes from; ``quote`` holds the source's exact words."""

    model_config = _FROZEN

    url: Text | None = None
    publisher: Text | None = None
    title: Text | None = None
    published: IsoDate | None = None
    quote: Text | None = None

    @model_validator(mode="after")
    def _needs_url_or_title(self) -> Source:
        check_source(self.url, self.title)
        return self


class Event(BaseModel):
    """One dated incident. Field order here is the canonical key order of the JSON form."""

    model_config = _FROZEN

    id: EventId
    date: IsoDate
    precision: Precision = Precision.DAY
    end: IsoDate | None = None
    title: OneLine
    summary: Text | None = None
    type: EventType
    actors: Annotated[tuple[ActorId, ...], Field(min_length=1)]
    targets: tuple[ActorId, ...] = ()
    status: Status = Status.REPORTED
    responds_to: tuple[EventId, ...] = ()
    location: Location | None = None
    sources: Annotated[tuple[Source, ...], Field(min_length=1)]
    tags: tuple[Text, ...] = ()
    extra: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _fields_agree(self) -> Event:
        check_event(self)
        return self

    @property
    def last_day(self) -> datetime.date:
        """Inclusive last day of the period the event is known to fall in."""
        return self.end if self.end is not None else period_end(self.date, self.precision)


def make_id(day: date, title: str) -> str:
    """A readable, unique id without reading the log: date, slug of the title, random suffix."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")[:48].rstrip("-") or "event"
    return f"{day.isoformat()}-{slug}-{secrets.token_hex(3)}"


def canonical_json(event: EventLike) -> str:
    """The one JSON form the tool writes: every key, in schema order, compact, UTF-8 text,
    with control and bidi characters escaped. ``fastpath`` recognises it byte for byte."""
    data = event.model_dump() if isinstance(event, Event) else event
    return json_safe(msgspec.json.encode(data).decode("utf-8"))


def to_json_dict(event: EventLike) -> dict[str, Any]:
    """The event as JSON values (dates as strings), exactly as in its canonical form."""
    value: dict[str, Any] = msgspec.json.decode(canonical_json(event))
    return value


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith(("function-", "tagged-union")):
            continue
        else:
            path += f".{part}" if path else part
    return path


def _message(error: Any) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown key (custom data belongs in 'extra')"
    if kind in {"value_error", "assertion_error"}:
        return str(error["ctx"]["error"])
    if kind == "enum":
        choices = str(error["ctx"]["expected"]).replace("'", "")
        return f"{_short_repr(value)} is not one of: {choices}"
    if kind == "too_short" and isinstance(value, list | tuple) and not value:
        return "must not be empty"
    if kind in {"finite_number"} and isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a finite number"
    kind_names = {
        "string_type": "a string",
        "list_type": "a list",
        "tuple_type": "a list",
        "dict_type": "an object",
        "model_type": "an object",
        "model_attributes_type": "an object",
        "float_type": "a number",
        "float_parsing": "a number",
    }
    if kind in kind_names:
        return f"expected {kind_names[kind]}, got {_short_repr(value)}"
    return f"{error['msg']} (got {_short_repr(value)})"


def describe_validation_error(exc: ValidationError) -> list[tuple[str | None, str]]:
    """Each problem as ``(field path or None, one-line message)``: ``('sources[0].url', …)``."""
    errors = exc.errors(include_url=False)
    located = [tuple(error["loc"]) for error in errors]
    out: list[tuple[str | None, str]] = []
    for loc, error in zip(located, errors, strict=True):
        if error["type"] == "too_short" and any(
            other[: len(loc)] == loc and len(other) > len(loc) for other in located
        ):
            continue  # a list emptied by its own invalid items: the items' errors say it all
        out.append((_field_path(loc) or None, _message(error)))
    return out
