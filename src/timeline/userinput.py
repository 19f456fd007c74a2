"""What a user types on the command line, checked and read: text, numbers and dates.

Every refusal is an ``InputError`` whose message starts with the flag that was given.
"""

from __future__ import annotations

from datetime import date

from timeline.dates import PartialDate, parse_date
from timeline.errors import DateParseError, InputError
from timeline.text import short_repr, visible


def check_utf8(flag: str, value: str) -> None:
    """Refuse an argument holding bytes that are not UTF-8 (Python keeps them as surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{flag}: not valid UTF-8 text") from None


def refuse_controls(flag: str, value: str | None, *, multiline: bool = False) -> None:
    """Refuse control and bidi characters: a terminal must never receive them back from the log."""
    if value is None:
        return
    check_utf8(flag, value)
    if visible(value, keep_newlines=multiline) != value:
        bad = next(ch for ch in value if visible(ch, keep_newlines=multiline) != ch)
        raise InputError(f"{flag}: contains the control character {visible(bad)}")


def number(word: str) -> float:
    """A number as typed; ``ValueError`` with a one-line message otherwise."""
    try:
        return float(word)
    except ValueError:
        raise ValueError(f"{short_repr(word)} is not a number.") from None


def user_date(flag: str, text: str, *, today: date) -> PartialDate:
    """A date as typed after ``flag``; relative dates count back from ``today``."""
    try:
        return parse_date(text, as_of=today)
    except DateParseError as exc:
        raise InputError(f"{flag}: {exc}") from None


def today(as_of: str | None) -> date:
    """Today, or the day --as-of names; a period names its last day ('Aug 2024': 31 August),
    so that the events of that period are not yet to come."""
    current = date.today()
    return current if as_of is None else user_date("--as-of", as_of, today=current).end
