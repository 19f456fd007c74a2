"""The one date parser: turns what a user types into a day, an ISO week, a month or a year.

Knows nothing of files or terminals and never prints. ISO and relative forms are read with
regular expressions; only free text such as ``26 August 2024`` imports ``dateutil.parser``,
lazily, to keep start-up fast. Every refusal is a :class:`DateParseError` whose message is one
line and quotes the user's text with ``repr()``.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from timeline.errors import DateParseError
from timeline.text import short_repr

__all__ = [
    "PartialDate",
    "Precision",
    "is_period_start",
    "parse_date",
    "parse_iso_date",
    "period_end",
]


class Precision(str, enum.Enum):
    """How much of a date is known: the length of the period a :class:`PartialDate` denotes."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A period of the calendar: its first day and its length (a day, ISO week, month or year)."""

    start: date
    precision: Precision

    def __post_init__(self) -> None:
        if not is_period_start(self.start, self.precision):
            raise ValueError(f"{self.start.isoformat()} does not start a {self.precision.value}")

    @property
    def end(self) -> date:
        """The inclusive last day of the period."""
        return period_end(self.start, self.precision)


_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_MAX_AGO = 100_000
_MAX_FREE_TEXT = 100

_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_ISO_YEAR = re.compile(r"[0-9]{4}", re.ASCII)
_ISO_WEEK = re.compile(r"([0-9]{4})-[Ww]([0-9]{2})", re.ASCII)
_ISO_DAY_INSIDE = re.compile(r"(?<![0-9])([0-9]{4})-([0-9]{2})-([0-9]{2})(?![0-9])", re.ASCII)
_AGO = re.compile(r"([0-9]+|an?)\s+(day|week)s?\s+ago", re.ASCII | re.IGNORECASE)
_LAST_WEEKDAY = re.compile(r"last\s+([a-z]+)", re.ASCII | re.IGNORECASE)
# Day and month in numbers, then a four-digit year: read only when one reading exists.
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})([-/. ])([0-9]{1,2})\2([0-9]{4})", re.ASCII)
_THIS_OR_LAST = re.compile(r"(this|last)\s+(week|month|year)", re.ASCII | re.IGNORECASE)
_DIGIT_RUN = re.compile(r"[0-9]+", re.ASCII)
_WORD = re.compile(r"[A-Za-z]+", re.ASCII)
_TIME_FIELDS = ("hour", "minute", "second", "microsecond", "ampm", "tzname", "tzoffset")


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if _is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def period_end(start: date, precision: Precision) -> date:
    """Return the inclusive last day of the period of ``precision`` that begins on ``start``."""
    if precision == Precision.DAY:
        return start
    if precision == Precision.WEEK:
        return start + timedelta(days=6)
    if precision == Precision.MONTH:
        return start.replace(day=_days_in_month(start.year, start.month))
    if precision == Precision.YEAR:
        return start.replace(month=12, day=31)
    raise ValueError(f"unknown precision {precision!r}")


def is_period_start(d: date, precision: Precision) -> bool:
    """Tell whether ``d`` is the first day of a period of ``precision`` (weeks start on Monday)."""
    # Compared with the values, not the members: the fast path asks this of a third of the
    # events of a log, and a member is looked up on its class each time.
    if precision == "day":
        return True
    if precision == "month":
        return d.day == 1
    if precision == "week":
        return d.weekday() == 0
    if precision == "year":
        return d.month == 1 and d.day == 1
    raise ValueError(f"unknown precision {precision!r}")


def parse_iso_date(text: str) -> date:
    """Read a strict ``YYYY-MM-DD`` date; raise ``ValueError`` "'…' is not a valid date" otherwise.

    The error is a :class:`DateParseError`, which is a ``ValueError``.
    """
    match = _ISO_DAY.fullmatch(text) if isinstance(text, str) else None
    if match is not None:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise DateParseError(f"{short_repr(text)} is not a valid date")


_AS_ASCII = str.maketrans(
    {
        **{chr(0xFF01 + i): chr(0x21 + i) for i in range(94)},  # full-width forms (U+FF10 is 0)
        "\u3000": " ",  # an ideographic space
        # hyphens, dashes, a minus, a hyphen bullet, and the long sound mark typed for one
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u30fc\uff70", "-"),
    }
)


def parse_date(text: str, *, as_of: date) -> PartialDate:
    """Read a date as a user types it; relative forms ('last week') count back from ``as_of``.

    Accepts ISO forms (``2024-08-26``, ``2024-08``, ``2024``, ``2024-W34``), relative forms
    (``today``, ``yesterday``, ``3 days ago``, ``2 weeks ago``, ``this``/``last`` ``week``,
    ``month`` or ``year``) and English free text (``26 August 2024``, ``Aug 6, 2024``,
    ``March 2022``), case-insensitively. Raises :class:`DateParseError` for anything else.
    """
    if isinstance(as_of, datetime):  # a datetime is a date too; keep only its day
        as_of = as_of.date()
    # A date pasted from a page may be written in full-width digits or with a typographic
    # hyphen or dash: read as the ASCII it stands for (nothing else is changed: NFKC would
    # make '26¹' of a footnote mark '261').
    stripped = text.translate(_AS_ASCII).strip()
    result = _parse_iso(stripped, text)
    if result is None:
        result = _parse_relative(stripped, text, as_of)
    if result is None:
        result = _parse_free_text(stripped, text)
    return result


# --- messages -------------------------------------------------------------------------------


def _unreadable(text: str) -> DateParseError:
    return DateParseError(
        f"{short_repr(text)} is not a date I can read (try YYYY-MM-DD, YYYY-MM, YYYY, YYYY-Www, "
        "'26 August 2024' or 'last week')"
    )


def _ambiguous(text: str) -> DateParseError:
    return DateParseError(
        f"{short_repr(text)}: a date in numbers must start with the year (05/06/2024 is May or "
        "June depending on who wrote it): write it as YYYY-MM-DD"
    )


def _period(text: str) -> DateParseError:
    return DateParseError(
        f"{short_repr(text)} is a period: give its first day as the date and its last as the end"
    )


def _out_of_range(text: str) -> DateParseError:
    return DateParseError(f"{short_repr(text)} falls outside the years 1 to 9999")


def _spell(d: date) -> str:
    return f"{d.day} {_MONTH_NAMES[d.month - 1]} {d.year}"


def _make(start: date, precision: Precision, text: str) -> PartialDate:
    """Build the result, refusing a period that would run past 9999-12-31."""
    try:
        period_end(start, precision)
    except OverflowError:
        raise _out_of_range(text) from None
    return PartialDate(start, precision)


# --- ISO forms ------------------------------------------------------------------------------


def _parse_iso(s: str, text: str) -> PartialDate | None:
    q = short_repr(text)
    if match := _ISO_DAY.fullmatch(s):
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise DateParseError(f"{q} is not a valid date") from None
        return _make(day, Precision.DAY, text)
    if match := _ISO_MONTH.fullmatch(s):
        year, month = int(match[1]), int(match[2])
        if year < 1 or not 1 <= month <= 12:
            raise DateParseError(f"{q} is not a valid month")
        return _make(date(year, month, 1), Precision.MONTH, text)
    if _ISO_YEAR.fullmatch(s):
        if int(s) < 1:
            raise DateParseError(f"{q} is not a valid year")
        return _make(date(int(s), 1, 1), Precision.YEAR, text)
    if match := _ISO_WEEK.fullmatch(s):
        year, week = int(match[1]), int(match[2])
        try:
            monday = date.fromisocalendar(year, week, 1)
        except ValueError:
            if 1 <= year <= 9999:
                weeks = date(year, 12, 28).isocalendar()[1]
                raise DateParseError(
                    f"{q} is not a valid ISO week ({year} has weeks 1 to {weeks})"
                ) from None
            raise DateParseError(f"{q} is not a valid ISO week") from None
        return _make(monday, Precision.WEEK, text)
    return None


# --- relative forms -------------------------------------------------------------------------


def _parse_relative(s: str, text: str, as_of: date) -> PartialDate | None:
    lowered = s.lower() if s.isascii() else ""
    try:
        if lowered == "today":
            return _make(as_of, Precision.DAY, text)
        if lowered == "yesterday":
            return _make(as_of - timedelta(days=1), Precision.DAY, text)
        if lowered == "tomorrow":
            return _make(as_of + timedelta(days=1), Precision.DAY, text)
        this_monday = as_of - timedelta(days=as_of.weekday())
        if (match := _LAST_WEEKDAY.fullmatch(s)) and match[1].capitalize() in _WEEKDAY_NAMES:
            back = (as_of.weekday() - _WEEKDAY_NAMES.index(match[1].capitalize())) % 7 or 7
            return _make(as_of - timedelta(days=back), Precision.DAY, text)
        if match := _AGO.fullmatch(s):
            digits, unit = match[1], match[2].lower()
            digits = "1" if digits.lower() in ("a", "an") else digits
            if len(digits) > len(str(_MAX_AGO)) or int(digits) > _MAX_AGO:
                raise DateParseError(
                    f"{short_repr(text)}: the number of {unit}s must be between 0 and {_MAX_AGO}"
                )
            if unit == "day":
                return _make(as_of - timedelta(days=int(digits)), Precision.DAY, text)
            return _make(this_monday - timedelta(weeks=int(digits)), Precision.WEEK, text)
        if match := _THIS_OR_LAST.fullmatch(s):
            last = match[1].lower() == "last"
            unit = match[2].lower()
            if unit == "week":
                start = this_monday - timedelta(weeks=1) if last else this_monday
                return _make(start, Precision.WEEK, text)
            if unit == "month":
                start = as_of.replace(day=1)
                if last:
                    start = (start - timedelta(days=1)).replace(day=1)
                return _make(start, Precision.MONTH, text)
            return _make(date(as_of.year - (1 if last else 0), 1, 1), Precision.YEAR, text)
    except DateParseError:
        raise
    except (OverflowError, ValueError):  # stepping back past 0001-01-01
        raise _out_of_range(text) from None
    return None


# --- free text ------------------------------------------------------------------------------


@functools.cache
def _dateutil_parser() -> Any:
    """Return a shared ``dateutil.parser.parser``, importing dateutil on first use only."""
    from dateutil.parser import parser  # type: ignore[import-untyped, unused-ignore]

    return parser()


def _is_all_numeric(s: str) -> bool:
    """Digits with only punctuation and spaces: '05/06/2024', '5.6.2024', '20240826' (not 10:00)."""
    return any(ch.isdigit() for ch in s) and not any(ch.isalpha() or ch == ":" for ch in s)


_DAY_RANGE = re.compile(r"(?<![0-9-])[0-9]{1,2}\s*-\s*[0-9]{1,2}(?![0-9-])", re.ASCII)
_YEAR_FIRST = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})(?:\2([0-9]{1,2}))?", re.ASCII)


def _parse_numbers(s: str, text: str) -> PartialDate:
    """Numbers alone, other than the ISO forms. Year first ('2024/08/26', '2024-8-1') is read
    as year, month, day. Any other order is refused: 05/06/2024 is May or June depending on
    who wrote it, so it is never guessed; a single number is just not a date."""
    q = short_repr(text)
    runs = _DIGIT_RUN.findall(s)
    if len(runs) < 2:
        raise _unreadable(text)
    if len(runs[0]) > 4 and int(runs[0]) > 9999:
        raise _out_of_range(text)
    if s.count("/") == 1 and all(_ISO_DAY_INSIDE.fullmatch(half.strip()) for half in s.split("/")):
        raise _period(text)
    if day_month := _DAY_MONTH_YEAR.fullmatch(s):
        return _day_month_year(int(day_month[1]), int(day_month[3]), int(day_month[4]), text)
    found = _YEAR_FIRST.fullmatch(s)
    if found is None:  # it starts with the year, or it would say that it must
        raise _unreadable(text) if _YEAR_FIRST.match(s) else _ambiguous(text)
    year, month = int(found[1]), int(found[3])
    if not 1 <= year <= 9999:
        raise _out_of_range(text)
    if not 1 <= month <= 12:
        raise DateParseError(f"{q} is not a valid date: there is no month {month}")
    if found[4] is None:
        return _make(date(year, month, 1), Precision.MONTH, text)
    day, length = int(found[4]), _days_in_month(year, month)
    if not 1 <= day <= length:
        raise DateParseError(
            f"{q} is not a valid date: {_MONTH_NAMES[month - 1]} {year} has {length} days"
        )
    return _make(date(year, month, day), Precision.DAY, text)


def _day_month_year(first: int, second: int, year: int, text: str) -> PartialDate:
    """'29.08.2024' (only day first can be meant) or '08/29/2024' (only month first): read
    where one reading exists; '05/06/2024' (5 June or 6 May) is refused, naming both."""
    if not 1 <= year <= 9999:
        raise _out_of_range(text)
    readings = {
        date(year, month, day)
        for day, month in ((first, second), (second, first))
        if 1 <= month <= 12 and 1 <= day <= _days_in_month(year, month)
    }
    if len(readings) == 1:
        return _make(readings.pop(), Precision.DAY, text)
    if not readings:
        raise DateParseError(f"{short_repr(text)} is not a valid date in either order")
    a, b = sorted(readings)
    raise DateParseError(
        f"{short_repr(text)} could be {_spell(a)} or {_spell(b)}: write it as YYYY-MM-DD"
    )


def _take(runs: list[str], value: int, min_len: int, max_len: int) -> bool:
    """Remove from ``runs`` one run of digits that spells ``value`` with an allowed length."""
    for i, run in enumerate(runs):
        if min_len <= len(run) <= max_len and int(run) == value:
            del runs[i]
            return True
    return False


def _parse_free_text(s: str, text: str) -> PartialDate:
    q = short_repr(text)
    if _is_all_numeric(s):
        return _parse_numbers(s.strip(), text)
    normalized = " ".join(s.split())  # also turns non-breaking spaces into plain ones
    if not normalized or len(normalized) > _MAX_FREE_TEXT:
        raise _unreadable(text)
    if not (normalized.isascii() and normalized.isprintable()):
        raise _unreadable(text)

    parser = _dateutil_parser()
    try:
        # The private _parse says which parts the text gave (None for the rest) instead of filling
        # them in from a default date, and keeps the weekday that parse() would silently drop.
        res, _ = parser._parse(normalized, dayfirst=False, yearfirst=False)
    except (ValueError, TypeError, IndexError, ArithmeticError):  # ArithmeticError: overflow
        raise _unreadable(text) from None
    if res is None:
        raise _unreadable(text)

    year: int | None = res.year
    month: int | None = res.month
    day: int | None = res.day
    weekday: int | None = res.weekday
    if any(getattr(res, name) is not None for name in _TIME_FIELDS):
        if _DAY_RANGE.search(normalized):  # '26-28 August': dateutil reads a time into it
            raise _period(text)
        raise DateParseError(f"{q} has a time of day: give only the date, e.g. 2024-08-26")
    if month is None:  # a lone year, day or weekday ('AD 2024', '26th', 'Monday')
        raise _unreadable(text)
    if year is None:
        raise DateParseError(f"{q} has no year: add one, e.g. '26 August 2024'")

    if not 1 <= year <= 9999:
        raise DateParseError(f"{q}: the year must be between 1 and 9999")
    # Every number in the text must be one dateutil used, written the way that part is written:
    # this refuses two-digit years and the numbers dateutil quietly skips ('26.5 August 2024').
    runs = _DIGIT_RUN.findall(normalized)
    if not _take(runs, year, 3, 4):
        if any(len(run) >= 3 and int(run) == 0 for run in runs):  # dateutil reads 0000 as 2000
            raise DateParseError(f"{q}: the year must be between 1 and 9999")
        if all(len(run) < 3 for run in runs):
            raise DateParseError(
                f"{q} has a two-digit year: write it in full, e.g. '26 August 2024'"
            )
        raise _unreadable(text)
    if not any(parser.info.month(word) is not None for word in _WORD.findall(normalized)):
        # The month was a number: fine only inside an ISO date ('Monday, 2024-08-26').
        iso = _ISO_DAY_INSIDE.search(normalized)
        if iso is None or (int(iso[1]), int(iso[2]), int(iso[3])) != (year, month, day):
            raise _ambiguous(text)
        _take(runs, month, 2, 2)
    if day is not None:
        _take(runs, day, 1, 2)
    if runs:
        raise _unreadable(text)

    if day is None:
        if weekday is not None:
            raise DateParseError(
                f"{q} names a weekday but no day of the month: write e.g. 'Monday, 26 August 2024'"
            )
        return _make(date(year, month, 1), Precision.MONTH, text)

    try:
        found = date(year, month, day)
    except ValueError:
        length = _days_in_month(year, month) if 1 <= month <= 12 else 0
        if not length:
            raise _unreadable(text) from None
        raise DateParseError(
            f"{q} is not a valid date: {_MONTH_NAMES[month - 1]} {year} has {length} days"
        ) from None
    if weekday is not None and weekday != found.weekday():
        raise DateParseError(
            f"{q}: {_spell(found)} was a {_WEEKDAY_NAMES[found.weekday()]}, "
            f"not a {_WEEKDAY_NAMES[weekday]}"
        )
    return _make(found, Precision.DAY, text)
