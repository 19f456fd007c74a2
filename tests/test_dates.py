"""Tests of the one date parser, ``timeline.dates``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline.dates import (
    PartialDate,
    Precision,
    is_period_start,
    parse_date,
    parse_iso_date,
    period_end,
)
from timeline.errors import DateParseError, TimelineError

DAY, WEEK, MONTH, YEAR = Precision.DAY, Precision.WEEK, Precision.MONTH, Precision.YEAR
MONDAY = date(2024, 8, 26)
SUNDAY = date(2024, 8, 25)
SRC = Path(__file__).resolve().parent.parent / "src"
MONTHS = (
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


ACCEPTED = [
    # ISO forms
    ("2024-08-26", date(2024, 8, 26), DAY),
    ("2024-02-29", date(2024, 2, 29), DAY),
    ("0001-01-01", date(1, 1, 1), DAY),
    ("9999-12-31", date(9999, 12, 31), DAY),
    ("2024-08", date(2024, 8, 1), MONTH),
    ("2024-12", date(2024, 12, 1), MONTH),
    ("2024", date(2024, 1, 1), YEAR),
    ("0001", date(1, 1, 1), YEAR),
    ("9999", date(9999, 1, 1), YEAR),
    ("2024-W34", date(2024, 8, 19), WEEK),
    ("2024-w34", date(2024, 8, 19), WEEK),
    ("2024-W01", date(2024, 1, 1), WEEK),
    ("2025-W01", date(2024, 12, 30), WEEK),
    ("2020-W53", date(2020, 12, 28), WEEK),
    ("2026-W53", date(2026, 12, 28), WEEK),
    # surrounding whitespace and case
    ("  2024-08-26\n", date(2024, 8, 26), DAY),
    ("\t2024-W34 ", date(2024, 8, 19), WEEK),
    # free text
    ("26 August 2024", date(2024, 8, 26), DAY),
    ("Aug 6, 2024", date(2024, 8, 6), DAY),
    ("August 6 2024", date(2024, 8, 6), DAY),
    ("6 Aug 2024", date(2024, 8, 6), DAY),
    ("6 aug 2024", date(2024, 8, 6), DAY),
    ("26 AUGUST 2024", date(2024, 8, 26), DAY),
    ("26th of August, 2024", date(2024, 8, 26), DAY),
    ("August 26th, 2024", date(2024, 8, 26), DAY),
    ("26-Aug-2024", date(2024, 8, 26), DAY),
    ("2024 August 26", date(2024, 8, 26), DAY),
    ("6 Sept 2024", date(2024, 9, 6), DAY),
    ("29 February 2024", date(2024, 2, 29), DAY),
    ("26\u00a0August  2024", date(2024, 8, 26), DAY),
    ("Monday, 26 August 2024", date(2024, 8, 26), DAY),
    ("mon 26 aug 2024", date(2024, 8, 26), DAY),
    ("Monday, 2024-08-26", date(2024, 8, 26), DAY),
    ("1 January 1000", date(1000, 1, 1), DAY),
    ("6 Aug 999", date(999, 8, 6), DAY),
    ("March 2022", date(2022, 3, 1), MONTH),
    ("Mar 2022", date(2022, 3, 1), MONTH),
    ("mar 2022", date(2022, 3, 1), MONTH),
    ("December 2024", date(2024, 12, 1), MONTH),
    ("Aug-2024", date(2024, 8, 1), MONTH),
    # pasted from a page: full-width digits, a typographic hyphen, dash or minus
    ("\uff12\uff10\uff12\uff14-08-26", date(2024, 8, 26), DAY),
    ("2024\u201008\u201026", date(2024, 8, 26), DAY),
    ("2024\u201308", date(2024, 8, 1), MONTH),
    ("2024\u2212W34", date(2024, 8, 19), WEEK),
    ("2024\u204308\u204326", date(2024, 8, 26), DAY),
    ("2024\u30fc08\u30fc26", date(2024, 8, 26), DAY),
    ("\uff12\uff10\uff12\uff14\uff0f\uff18\uff0f\uff12\uff16", date(2024, 8, 26), DAY),
    # relative, against Monday 2024-08-26
    ("today", date(2024, 8, 26), DAY),
    ("TODAY", date(2024, 8, 26), DAY),
    ("yesterday", date(2024, 8, 25), DAY),
    ("0 days ago", date(2024, 8, 26), DAY),
    ("1 day ago", date(2024, 8, 25), DAY),
    ("3 days ago", date(2024, 8, 23), DAY),
    ("30 days ago", date(2024, 7, 27), DAY),
    ("100000 days ago", date(1750, 11, 11), DAY),
    ("0 weeks ago", date(2024, 8, 26), WEEK),
    ("1 week ago", date(2024, 8, 19), WEEK),
    ("2 weeks ago", date(2024, 8, 12), WEEK),
    ("last week", date(2024, 8, 19), WEEK),
    ("Last  Week", date(2024, 8, 19), WEEK),
    ("this week", date(2024, 8, 26), WEEK),
    ("last month", date(2024, 7, 1), MONTH),
    ("this month", date(2024, 8, 1), MONTH),
    ("last year", date(2023, 1, 1), YEAR),
    ("this year", date(2024, 1, 1), YEAR),
]


@pytest.mark.parametrize(("text", "start", "precision"), ACCEPTED)
def test_accepted_forms(text: str, start: date, precision: Precision) -> None:
    """Every accepted form reads as exactly the expected period (as_of is Monday 2024-08-26)."""
    assert parse_date(text, as_of=MONDAY) == PartialDate(start, precision)


@pytest.mark.parametrize(
    ("text", "start", "precision"),
    [
        ("today", date(2024, 8, 25), DAY),
        ("yesterday", date(2024, 8, 24), DAY),
        ("6 days ago", date(2024, 8, 19), DAY),
        ("this week", date(2024, 8, 19), WEEK),
        ("last week", date(2024, 8, 12), WEEK),
        ("0 weeks ago", date(2024, 8, 19), WEEK),
        ("1 week ago", date(2024, 8, 12), WEEK),
        ("this month", date(2024, 8, 1), MONTH),
        ("last month", date(2024, 7, 1), MONTH),
        ("last year", date(2023, 1, 1), YEAR),
    ],
)
def test_relative_forms_on_a_sunday(text: str, start: date, precision: Precision) -> None:
    """On a Sunday, 'this week' is the ISO week that began six days earlier, not the next one."""
    assert parse_date(text, as_of=SUNDAY) == PartialDate(start, precision)


@pytest.mark.parametrize(
    ("as_of", "text", "start", "precision"),
    [
        (date(2024, 1, 15), "last month", date(2023, 12, 1), MONTH),
        (date(2024, 3, 31), "last month", date(2024, 2, 1), MONTH),
        (date(2024, 1, 1), "yesterday", date(2023, 12, 31), DAY),
        (date(2024, 1, 3), "last week", date(2023, 12, 25), WEEK),
        (date(2024, 3, 1), "1 day ago", date(2024, 2, 29), DAY),
        (date(2024, 12, 31), "tomorrow", date(2025, 1, 1), DAY),
        (date(2024, 3, 1), "a day ago", date(2024, 2, 29), DAY),
        (date(2024, 1, 3), "a week ago", date(2023, 12, 25), WEEK),
        (date(2024, 8, 26), "last Monday", date(2024, 8, 19), DAY),  # a Monday: the one before
        (date(2024, 8, 26), "last sunday", date(2024, 8, 25), DAY),
        (date(2024, 1, 3), "LAST FRIDAY", date(2023, 12, 29), DAY),
    ],
)
def test_relative_forms_across_month_and_year(
    as_of: date, text: str, start: date, precision: Precision
) -> None:
    """Relative forms step back correctly over month, year and leap-day boundaries."""
    assert parse_date(text, as_of=as_of) == PartialDate(start, precision)


@pytest.mark.parametrize(
    ("text", "as_of"),
    [
        ("yesterday", date(1, 1, 1)),
        ("1 day ago", date(1, 1, 1)),
        ("100000 weeks ago", date(100, 1, 1)),
        ("last year", date(1, 6, 1)),
        ("last month", date(1, 1, 31)),
        ("this week", date(9999, 12, 31)),
    ],
)
def test_relative_forms_out_of_calendar_range(text: str, as_of: date) -> None:
    """Stepping outside years 1..9999 is a DateParseError, not an OverflowError."""
    with pytest.raises(DateParseError, match="outside the years 1 to 9999"):
        parse_date(text, as_of=as_of)


@pytest.mark.parametrize("text", ["100001 days ago", "100001 weeks ago", f"{'9' * 5000} days ago"])
def test_relative_count_is_bounded(text: str) -> None:
    """'N days/weeks ago' refuses N above 100000, however many digits it has."""
    with pytest.raises(DateParseError, match="between 0 and 100000"):
        parse_date(text, as_of=MONDAY)


def test_weekday_contradicting_the_date_names_the_real_weekday() -> None:
    """A weekday that disagrees with its date is refused, saying it was really a Monday."""
    with pytest.raises(DateParseError) as info:
        parse_date("Sunday, 26 August 2024", as_of=MONDAY)
    assert str(info.value) == "'Sunday, 26 August 2024': 26 August 2024 was a Monday, not a Sunday"


def test_weekday_contradicting_an_iso_date_is_refused() -> None:
    """The weekday check also applies when the date part is ISO."""
    with pytest.raises(DateParseError, match="was a Monday, not a Friday"):
        parse_date("Friday 2024-08-26", as_of=MONDAY)


def test_weekday_without_a_day_is_refused() -> None:
    """'Monday August 2024' names no day, so it is refused rather than guessed."""
    with pytest.raises(DateParseError, match="weekday but no day"):
        parse_date("Monday August 2024", as_of=MONDAY)


@pytest.mark.parametrize(
    ("text", "start"),
    [("29.08.2024", date(2024, 8, 29)), ("13/06/2024", date(2024, 6, 13)),
     ("26 08 2024", date(2024, 8, 26)), ("08/29/2024", date(2024, 8, 29)),
     ("05/05/2024", date(2024, 5, 5)), ("1-13-2024", date(2024, 1, 13))],
)  # fmt: skip
def test_numeric_dates_with_one_reading_are_read(text: str, start: date) -> None:
    """Day and month in numbers are read when only one order makes a date ('29.08.2024')."""
    assert parse_date(text, as_of=MONDAY) == PartialDate(start, Precision.DAY)


@pytest.mark.parametrize(
    ("text", "message"),
    [("05/06/2024", "'05/06/2024' could be 6 May 2024 or 5 June 2024: write it as YYYY-MM-DD"),
     ("5.6.2024", "'5.6.2024' could be 6 May 2024 or 5 June 2024: write it as YYYY-MM-DD"),
     ("31/02/2024", "'31/02/2024' is not a valid date in either order"),
     ("01/02/0000", "'01/02/0000' falls outside the years 1 to 9999")],
)  # fmt: skip
def test_numeric_dates_with_two_readings_are_refused_naming_both(text: str, message: str) -> None:
    """'05/06/2024' is 5 June or 6 May depending on who wrote it: never guessed."""
    with pytest.raises(DateParseError) as info:
        parse_date(text, as_of=MONDAY)
    assert str(info.value) == message


@pytest.mark.parametrize("text", ["05-06-24", "5/6/24", "2024 08 26", "Monday 05/06/2024"])
def test_other_numeric_dates_not_starting_with_the_year_are_refused(text: str) -> None:
    """A two-digit year, or numbers in another shape: refused, pointing to YYYY-MM-DD."""
    with pytest.raises(DateParseError) as info:
        parse_date(text, as_of=MONDAY)
    assert str(info.value) == (
        f"{text!r}: a date in numbers must start with the year (05/06/2024 is May or June "
        "depending on who wrote it): write it as YYYY-MM-DD"
    )


@pytest.mark.parametrize(
    ("text", "start", "precision"),
    [
        ("2024/08/26", date(2024, 8, 26), Precision.DAY),
        ("2024-8-6", date(2024, 8, 6), Precision.DAY),
        ("2024.08.26", date(2024, 8, 26), Precision.DAY),
        ("2024/8", date(2024, 8, 1), Precision.MONTH),
    ],
)
def test_numeric_dates_year_first_are_read(text: str, start: date, precision: Precision) -> None:
    assert parse_date(text, as_of=MONDAY) == PartialDate(start, precision)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10000-01-01", "'10000-01-01' falls outside the years 1 to 9999"),
        ("0000/01/01", "'0000/01/01' falls outside the years 1 to 9999"),
        ("2024/13/01", "'2024/13/01' is not a valid date: there is no month 13"),
        ("2024/02/30", "'2024/02/30' is not a valid date: February 2024 has 29 days"),
        ("2024/08-26", "'2024/08-26' is not a date I can read (try YYYY-MM-DD, YYYY-MM, YYYY, "
         "YYYY-Www, '26 August 2024' or 'last week')"),  # it starts with the year
        ("2024-08-26\u00b9", "'2024-08-26\u00b9' is not a date I can read (try YYYY-MM-DD, "
         "YYYY-MM, YYYY, YYYY-Www, '26 August 2024' or 'last week')"),  # a footnote: no digit
        ("2024-08-26/2024-08-28",
         "'2024-08-26/2024-08-28' is a period: give its first day as the date and its last as "
         "the end"),
        ("26-28 August 2024",
         "'26-28 August 2024' is a period: give its first day as the date and its last as the end"),
    ],
)  # fmt: skip
def test_numeric_dates_explain_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(DateParseError) as info:
        parse_date(text, as_of=MONDAY)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "as_of",
    [
        date(2024, 8, 25),
        date(2024, 8, 31),
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2023, 12, 25),
        date(2022, 3, 15),
    ],
)
@pytest.mark.parametrize("text", ["March 2022", "Mar 2022", "february 2023", "Aug-2024"])
def test_month_text_never_gets_a_day_filled_in(text: str, as_of: date) -> None:
    """A month written as text starts on the 1st, whatever today or as_of is."""
    result = parse_date(text, as_of=as_of)
    assert result.precision is MONTH
    assert result.start.day == 1


@pytest.mark.parametrize("text", ["26 August", "August 26", "March 22", "August", "Monday 26 Aug"])
def test_day_or_month_without_a_year_is_refused(text: str) -> None:
    """A text that gives no year is refused with a request for one, never completed from today."""
    with pytest.raises(DateParseError, match="has no year"):
        parse_date(text, as_of=MONDAY)


@pytest.mark.parametrize("text", ["Aug 6, 24", "6 Aug 24", "26 August of 24"])
def test_two_digit_years_are_refused(text: str) -> None:
    """A two-digit year would be guessed against the clock, so the year must be written in full."""
    with pytest.raises(DateParseError, match="two-digit year"):
        parse_date(text, as_of=MONDAY)


@pytest.mark.parametrize(
    "text",
    ["2024-08-26T10:00", "2024-08-26 10:00", "26 August 2024 10:00", "26 August 2024 3pm"],
)
def test_times_are_refused(text: str) -> None:
    """A text with a time of day is refused with a message saying so."""
    with pytest.raises(DateParseError, match="time of day"):
        parse_date(text, as_of=MONDAY)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-13-01", "'2024-13-01' is not a valid date"),
        ("2023-02-29", "'2023-02-29' is not a valid date"),
        ("0000-01-01", "'0000-01-01' is not a valid date"),
        ("2024-13", "'2024-13' is not a valid month"),
        ("2024-00", "'2024-00' is not a valid month"),
        ("0000", "'0000' is not a valid year"),
        ("2024-W53", "'2024-W53' is not a valid ISO week (2024 has weeks 1 to 52)"),
        ("2024-W00", "'2024-W00' is not a valid ISO week (2024 has weeks 1 to 52)"),
        ("0000-W01", "'0000-W01' is not a valid ISO week"),
        ("9999-W52", "'9999-W52' falls outside the years 1 to 9999"),
        ("31 February 2024", "'31 February 2024' is not a valid date: February 2024 has 29 days"),
        ("26 August 12345", "'26 August 12345': the year must be between 1 and 9999"),
        ("26 August 0000", "'26 August 0000': the year must be between 1 and 9999"),
    ],
)
def test_impossible_dates_are_refused_with_a_precise_message(text: str, message: str) -> None:
    """Well-formed but impossible dates get a message naming what is wrong."""
    with pytest.raises(DateParseError) as info:
        parse_date(text, as_of=MONDAY)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "the 26th of never",
        "tomorrow-ish",
        "Monday",
        "26th",
        "AD 2024",
        "at 2024",
        "of",
        "99999999999999999999",
        "20240826",
        "2024-W1",
        "26.5 August 2024",
        "26 August 2024 UTC",
        "1e400 August 2024",
        "26 August ٢٠٢٤",
        "x" * 10_000,
        "a fortnight ago",
        "last Caturday",
        "next week",
    ],
)
def test_unreadable_text_is_refused(text: str) -> None:
    """Text that is not a date (no fuzzy parsing) gets the one-line 'cannot read' message."""
    with pytest.raises(DateParseError, match="is not a date I can read") as info:
        parse_date(text, as_of=MONDAY)
    assert "\n" not in str(info.value)


def test_messages_quote_text_with_control_characters_escaped() -> None:
    """User text is quoted with repr() so control characters cannot break the one-line message."""
    with pytest.raises(DateParseError) as info:
        parse_date("26 Aug\x1b[31m", as_of=MONDAY)
    assert str(info.value).startswith("'26 Aug\\x1b[31m' ")


def test_long_text_is_quoted_shortened() -> None:
    """A very long text is not echoed whole into the message."""
    with pytest.raises(DateParseError) as info:
        parse_date("y" * 10_000, as_of=MONDAY)
    assert len(str(info.value)) < 250


def test_date_parse_error_is_a_timeline_error_and_value_error() -> None:
    """Callers can catch parse failures as TimelineError or as ValueError."""
    with pytest.raises(TimelineError):
        parse_date("nope", as_of=MONDAY)
    with pytest.raises(ValueError):
        parse_date("nope", as_of=MONDAY)


@pytest.mark.parametrize(
    ("start", "precision", "end"),
    [
        (date(2024, 8, 26), DAY, date(2024, 8, 26)),
        (date(2024, 8, 26), WEEK, date(2024, 9, 1)),
        (date(2024, 12, 30), WEEK, date(2025, 1, 5)),
        (date(2024, 2, 1), MONTH, date(2024, 2, 29)),
        (date(2023, 2, 1), MONTH, date(2023, 2, 28)),
        (date(2000, 2, 1), MONTH, date(2000, 2, 29)),
        (date(1900, 2, 1), MONTH, date(1900, 2, 28)),
        (date(2024, 4, 1), MONTH, date(2024, 4, 30)),
        (date(2024, 12, 1), MONTH, date(2024, 12, 31)),
        (date(9999, 12, 1), MONTH, date(9999, 12, 31)),
        (date(2024, 1, 1), YEAR, date(2024, 12, 31)),
        (date(9999, 1, 1), YEAR, date(9999, 12, 31)),
    ],
)
def test_period_end(start: date, precision: Precision, end: date) -> None:
    """period_end gives the inclusive last day, incl. leap Februaries and December."""
    assert period_end(start, precision) == end
    assert PartialDate(start, precision).end == end


@pytest.mark.parametrize(
    ("d", "precision", "expected"),
    [
        (date(2024, 8, 27), DAY, True),
        (date(2024, 8, 26), WEEK, True),
        (date(2024, 8, 25), WEEK, False),
        (date(2024, 9, 1), WEEK, False),
        (date(2024, 2, 1), MONTH, True),
        (date(2024, 2, 29), MONTH, False),
        (date(2024, 12, 1), MONTH, True),
        (date(2024, 1, 1), YEAR, True),
        (date(2024, 12, 1), YEAR, False),
        (date(2024, 1, 2), YEAR, False),
    ],
)
def test_is_period_start(d: date, precision: Precision, expected: bool) -> None:
    """is_period_start knows ISO weeks start on Monday, months on the 1st, years on 1 January."""
    assert is_period_start(d, precision) is expected


def test_partial_date_refuses_a_start_that_does_not_begin_its_period() -> None:
    """PartialDate keeps its invariant: start is the first day of its period."""
    with pytest.raises(ValueError, match="does not start a week"):
        PartialDate(date(2024, 8, 25), WEEK)


def test_a_datetime_as_of_gives_plain_dates() -> None:
    """Passing datetime.now() as as_of still yields a PartialDate holding a plain date."""
    result = parse_date("yesterday", as_of=datetime(2024, 8, 26, 23, 59))
    assert type(result.start) is date
    assert result == PartialDate(date(2024, 8, 25), DAY)


def test_precision_values_are_plain_strings() -> None:
    """Precision serialises as its lowercase name, as other modules and the log rely on."""
    assert [p.value for p in Precision] == ["day", "week", "month", "year"]
    assert Precision("month") is MONTH


@pytest.mark.parametrize("text", ["2024-08-26", "2024-02-29", "0001-01-01", "9999-12-31"])
def test_parse_iso_date_accepts_valid_dates(text: str) -> None:
    """parse_iso_date reads strict YYYY-MM-DD."""
    assert parse_iso_date(text) == date.fromisoformat(text)


@pytest.mark.parametrize(
    "text",
    [
        "2024-13-01",
        "2024-8-1",
        "20240801",
        " 2024-08-01",
        "2024-08-01 ",
        "2024-08-01\n",
        "2023-02-29",
        "0000-01-01",
        "2024-08",
        "26 August 2024",
        "\uff12\uff10\uff12\uff14-08-01",
        "",
    ],
)
def test_parse_iso_date_rejects_everything_else(text: str) -> None:
    """parse_iso_date is strict and its message is the one the schema shows users."""
    with pytest.raises(ValueError) as info:
        parse_iso_date(text)
    assert str(info.value) == f"{text!r} is not a valid date"


def test_parse_iso_date_message_is_exact() -> None:
    """The schema's user-facing message for a bad month is exactly this."""
    with pytest.raises(ValueError) as info:
        parse_iso_date("2024-13-01")
    assert str(info.value) == "'2024-13-01' is not a valid date"


def _run_isolated(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_iso_and_relative_forms_do_not_import_dateutil() -> None:
    """Reading ISO or relative dates leaves dateutil, pydantic, typer and rich unimported."""
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from timeline.dates import parse_date, parse_iso_date\n"
        "for t in ['2024-08-26', '2024-08', '2024', '2024-W34', 'today', 'last week',\n"
        "          '3 days ago', '05/06/2024', '2024-13-01', '']:\n"
        "    try:\n"
        "        parse_date(t, as_of=date(2024, 8, 26))\n"
        "    except ValueError:\n"
        "        pass\n"
        "parse_iso_date('2024-08-26')\n"
        "heavy = ('dateutil', 'pydantic', 'typer', 'rich')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    assert _run_isolated(code) == "[]"


def test_free_text_imports_dateutil_lazily() -> None:
    """Free text still works in a fresh process, importing dateutil only then."""
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from timeline.dates import parse_date\n"
        "before = 'dateutil' in sys.modules\n"
        "r = parse_date('26 August 2024', as_of=date(2000, 1, 1))\n"
        "print(before, 'dateutil' in sys.modules, r.start)\n"
    )
    assert _run_isolated(code) == "False True 2024-08-26"


# --- properties -----------------------------------------------------------------------------

as_of_dates = st.dates(min_value=date(2, 1, 1), max_value=date(9998, 12, 1))


@given(st.dates(), as_of_dates)
def test_any_iso_date_reads_as_that_day(d: date, as_of: date) -> None:
    """For any date d, its ISO form reads back as the day d."""
    assert parse_date(d.isoformat(), as_of=as_of) == PartialDate(d, DAY)


@given(
    st.dates(min_value=date(1000, 1, 1)),
    as_of_dates,
    st.sampled_from(["{d} {M} {y}", "{M} {d}, {y}", "{d} {m} {y}", "{W}, {d} {M} {y}"]),
    st.sampled_from([str, str.lower, str.upper]),
)
def test_any_spelled_out_date_reads_as_that_day(
    d: date, as_of: date, form: str, case: Callable[[str], str]
) -> None:
    """For any date from year 1000 on, '26 August 2024'-style text reads back as that day."""
    name = MONTHS[d.month - 1]
    weekday = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    text = form.format(d=d.day, M=name, m=name[:3], y=d.year, W=weekday[d.weekday()])
    assert parse_date(case(text), as_of=as_of) == PartialDate(d, DAY)


@given(st.text(), as_of_dates)
def test_any_text_either_parses_or_raises_date_parse_error(text: str, as_of: date) -> None:
    """Whatever the text, parse_date returns a PartialDate or raises a one-line DateParseError."""
    try:
        result = parse_date(text, as_of=as_of)
    except DateParseError as err:
        assert "\n" not in str(err)
    else:
        assert isinstance(result, PartialDate)


date_like_texts = st.one_of(
    st.text(),
    st.text(alphabet="0123456789-Ww/. ,", max_size=12),
    st.lists(
        st.sampled_from(
            [
                "26",
                "6",
                "2024",
                "0999",
                "Aug",
                "March",
                "Sunday",
                "of",
                ",",
                "-",
                "W34",
                "days",
                "weeks",
                "ago",
                "last",
                "this",
                "week",
                "month",
                "year",
                "today",
                "9999",
                "31",
            ]
        ),
        max_size=5,
    ).map(" ".join),
    st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}"),
    st.dates().map(lambda d: f"{d.year:04d}-W{d.isocalendar()[1]:02d}"),
)


@given(date_like_texts, st.dates())
def test_every_result_starts_its_period_and_ends_after_it_starts(text: str, as_of: date) -> None:
    """Any PartialDate parse_date returns starts its period and has start <= end."""
    try:
        result = parse_date(text, as_of=as_of)
    except DateParseError:
        return
    assert is_period_start(result.start, result.precision)
    assert result.start <= result.end
