"""The event schema: pydantic models, actor ids, and the canonical JSON form of an event.

Knows nothing of files or terminals. ``cli`` and ``store`` turn its errors into located messages.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import secrets
from datetime import date
from typing import Annotated, Any

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
    "Location",
    "Source",
    "canonical_json",
    "describe_validation_error",
    "make_id",
    "normalize_actor",
]

_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")
_SLUG_JUNK = re.compile(r"[^\w]+")
_ACTOR_PART = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_COUNTRY_RE = re.compile(r"[A-Z]{3}")
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
    if not _ID_RE.fullmatch(value):
        raise ValueError(
            f"{_short_repr(value)} is not a valid id (letters, digits and . _ : -, "
            "starting with a letter or digit, at most 200 characters)"
        )
    return value


def _one_line(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    return value


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _country(value: str) -> str:
    upper = value.upper()
    if not _COUNTRY_RE.fullmatch(upper):
        raise ValueError(f"{_short_repr(value)} is not an ISO 3166-1 alpha-3 code (e.g. 'UKR')")
    return upper


IsoDate = Annotated[date, BeforeValidator(_to_date)]
EventId = Annotated[str, AfterValidator(_check_id)]
ActorId = Annotated[str, BeforeValidator(normalize_actor)]
OneLine = Annotated[str, AfterValidator(_one_line)]
Text = Annotated[str, AfterValidator(_non_empty)]
Country = Annotated[str, AfterValidator(_country)]

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
        if self.url is None and self.title is None:
            raise ValueError("a source needs a 'url' or a 'title'")
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
    def _dates_agree(self) -> Event:
        if not is_period_start(self.date, self.precision):
            first = {
                Precision.WEEK: "a Monday",
                Precision.MONTH: "the first of a month",
                Precision.YEAR: "1 January",
            }.get(self.precision, "")
            raise ValueError(
                f"date {self.date.isoformat()} with precision '{self.precision.value}' "
                f"must be {first}: the first day of the period"
            )
        try:
            period_end(self.date, self.precision)
        except OverflowError:
            raise ValueError("the period of the date ends after 9999-12-31") from None
        if self.end is not None and self.end < self.date:
            raise ValueError(f"end {self.end.isoformat()} is before date {self.date.isoformat()}")
        if self.id in self.responds_to:
            raise ValueError("an event cannot respond to itself")
        return self

    @property
    def last_day(self) -> datetime.date:
        """Inclusive last day of the period the event is known to fall in."""
        return self.end if self.end is not None else period_end(self.date, self.precision)


def make_id(day: date, title: str) -> str:
    """A readable, unique id without reading the log: date, slug of the title, random suffix."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")[:48].rstrip("-") or "event"
    return f"{day.isoformat()}-{slug}-{secrets.token_hex(3)}"


def canonical_json(event: Event) -> str:
    """The one JSON form the tool writes: every key, in schema order, compact, UTF-8 text."""
    return json_safe(
        json.dumps(
            event.model_dump(mode="json"),
            ensure_ascii=False,
            separators=(",", ":"),
            allow_nan=False,
        )
    )


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
    out: list[tuple[str | None, str]] = []
    for error in exc.errors(include_url=False):
        out.append((_field_path(tuple(error["loc"])) or None, _message(error)))
    return out
