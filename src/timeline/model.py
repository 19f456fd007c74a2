"""The event schema: pydantic models that explain, field by field, what is wrong with an event.

Knows nothing of files or terminals. ``cli`` and ``store`` turn its errors into located messages.
The rules themselves live in ``rules`` (shared with the fast path); their names are exported
here too, as the model's public face.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from timeline.dates import Precision, parse_iso_date, period_end
from timeline.rules import (
    COUNTRY_RE,
    ID_RE,
    EventLike,
    RuleError,
    canonical_json,
    check_event,
    check_extra,
    check_source,
    is_blank,
    make_id,
    normalize_actor,
    to_json_dict,
)
from timeline.text import MAX_REPR, cut_short, short_repr
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


def _to_date(value: object) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{_as_json(value)} is not a valid date (expected 'YYYY-MM-DD')")
    try:
        return parse_iso_date(value)
    except ValueError as exc:
        if _ISO_SHAPE.fullmatch(value):
            raise  # a day the calendar lacks: the shape is right
        raise ValueError(f"{exc} (expected 'YYYY-MM-DD'{_date_hint(value)})") from None


_ISO_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_WITH_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]", re.ASCII)
_MONTH_OR_YEAR = re.compile(r"[0-9]{4}(-(0[1-9]|1[0-2]))?", re.ASCII)


def _date_hint(text: str) -> str:
    """What a date another program wrote needs, said after the form a log's date takes."""
    if _WITH_TIME.match(text):
        return ": the day alone, without its time"
    if _MONTH_OR_YEAR.fullmatch(text):
        return ', the first day of a month or year, with "precision": "month" or "year"'
    return ""


def _check_id(value: str) -> str:
    if not ID_RE.fullmatch(value):
        raise ValueError(
            f"{short_repr(value)} is not a valid id (printable characters without spaces, "
            "not starting with '-', at most 200)"
        )
    return value


def _one_line(value: str) -> str:
    _non_empty(value)
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    return value


def _non_empty(value: str) -> str:
    if is_blank(value):
        raise ValueError("must not be empty")
    return value


def _extra(value: dict[str, Any] | None) -> dict[str, Any] | None:
    check_extra(value)
    return value


def _country(value: str) -> str:
    upper = value.upper()
    if not COUNTRY_RE.fullmatch(upper):
        raise ValueError(f"{short_repr(value)} is not an ISO 3166-1 alpha-3 code (e.g. 'UKR')")
    return upper


# Each type's JSON Schema states the rule its validator applies, so that `timeline schema`
# refuses what `check` refuses (rules between fields are in the Event's description).
_NOT_BLANK = "\\S"  # holds a character other than white space
IsoDate = Annotated[date, BeforeValidator(_to_date)]
EventId = Annotated[
    str,
    AfterValidator(_check_id),
    WithJsonSchema({"type": "string", "pattern": f"^{ID_RE.pattern}$"}),
]
ActorId = Annotated[str, BeforeValidator(normalize_actor)]
OneLine = Annotated[
    str,
    AfterValidator(_one_line),
    WithJsonSchema({"type": "string", "pattern": f"^[^\\r\\n]*{_NOT_BLANK}[^\\r\\n]*$"}),
]
Text = Annotated[
    str, AfterValidator(_non_empty), WithJsonSchema({"type": "string", "pattern": _NOT_BLANK})
]
Country = Annotated[
    str,
    AfterValidator(_country),
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{3}$"}),  # upper-cased on reading
]


_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Location(BaseModel):
    """Where an event happened; every part is optional."""

    model_config = _FROZEN

    name: Text | None = None
    country: Country | None = None
    # strict: a JSON number only; true or "27.5" is an error, not a coordinate read into it
    lat: Annotated[float, Field(ge=-90, le=90, strict=True)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180, strict=True)] | None = None


class Source(BaseModel):
    """Where an event comes from; ``quote`` holds the source's exact words."""

    model_config = ConfigDict(
        **_FROZEN,
        json_schema_extra={  # check_source: a url or a title
            "anyOf": [
                {"required": ["url"], "properties": {"url": {"type": "string"}}},
                {"required": ["title"], "properties": {"title": {"type": "string"}}},
            ]
        },
    )

    url: Text | None = None
    publisher: Text | None = None
    title: Text | None = None
    published: IsoDate | None = None
    quote: Text | None = None

    @model_validator(mode="after")
    def _needs_url_or_title(self) -> Source:
        check_source(self.url, self.title)
        return self


_EVENT_RULES = (
    "One dated incident. Besides each field's own rule: a date with precision week, month or "
    "year is the first day of its period (a Monday, the 1st, 1 January); end is not before "
    "date; responds_to does not hold the event's own id; each source has a url or a title; "
    "actor ids are normalised on reading ('Belarus MoD' -> 'belarus-mod')."
)


class Event(BaseModel):
    """One dated incident. Field order here is the canonical key order of the JSON form."""

    model_config = ConfigDict(
        **_FROZEN,
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "description": _EVENT_RULES,
        },
    )

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
    extra: Annotated[dict[str, Any] | None, AfterValidator(_extra)] = None

    @model_validator(mode="after")
    def _fields_agree(self) -> Event:
        check_event(self)
        return self

    @property
    def last_day(self) -> datetime.date:
        """Inclusive last day of the period the event is known to fall in."""
        return self.end if self.end is not None else period_end(self.date, self.precision)


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
        return f"{_as_json(value)} is not one of: {choices}"
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
        return f"expected {kind_names[kind]}, got {_as_json(value)}"
    bounds = {"less_than_equal": ("at most", "le"), "greater_than_equal": ("at least", "ge")}
    if kind in bounds:
        words, key = bounds[kind]
        bound = error["ctx"][key]
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)  # 90, not 90.0
        return f"must be {words} {bound} (got {_as_json(value)})"
    return f"{error['msg']} (got {_as_json(value)})"


def _as_json(value: object) -> str:
    """A value from a line as its JSON spells it (``true``, ``null``, ``[1]``), cut short; a
    string quoted as every message quotes one."""
    if isinstance(value, str) or not isinstance(value, bool | int | float | list | dict | None):
        return short_repr(value)
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):  # not from JSON after all
        return short_repr(value)
    return cut_short(text)


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
        broken = error.get("ctx", {}).get("error")
        if not loc and isinstance(broken, RuleError):  # a rule between fields: at its field
            loc = (broken.field,)
        path = _field_path(loc)  # an unknown key is the line's own text: cut as values are
        out.append(
            (
                path[: MAX_REPR - 3] + "..." if len(path) > MAX_REPR else path or None,
                _message(error),
            )
        )
    return out
