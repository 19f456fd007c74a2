"""Labels that several formats share: dates at their precision, gaps, parties, status."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from timeline.dates import Precision
from timeline.vocab import Status

if TYPE_CHECKING:
    from timeline.formats.output import About
    from timeline.query import Responses
    from timeline.rules import EventLike
    from timeline.stats import Stats, Unit


def date_label(event: EventLike, *, with_year: bool = True) -> str:
    """The date as precisely as it is known: 'Tue 6 Aug 2024', 'week of 19 Aug', 'Mar 2022'."""
    d = event.date
    year = f" {d.year}" if with_year else ""
    if event.precision is Precision.YEAR:
        label = str(d.year)
    elif event.precision is Precision.MONTH:
        label = f"{d:%b} {d.year}"
    elif event.precision is Precision.WEEK:
        label = f"week of {d.day} {d:%b}{year}"
    else:
        label = f"{d:%a} {d.day} {d:%b}{year}"
    if event.end is not None and event.end != d:
        label += f" – {event.end.day} {event.end:%b}"
        if event.end.year != d.year:
            label += f" {event.end.year}"
    return label


_DAY = Precision.DAY  # a member looked up on its class costs as much again, a line of a view


def iso_label(event: EventLike) -> str:
    """The date in ISO form at the event's precision: 2024-08-06, 2024-W34, 2024-08, 2024."""
    d = event.date
    if event.precision is _DAY:
        return d.isoformat()
    if event.precision is Precision.YEAR:
        return f"{d.year:04d}"
    if event.precision is Precision.MONTH:
        return f"{d.year:04d}-{d.month:02d}"
    if event.precision is Precision.WEEK:
        iso = d.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    return d.isoformat()


def gap_label(previous: date, current: date, *, approximate: bool = False) -> str:
    """The time between two events: '+4 d', '+3 mo', '+31 y' (or '−…' when sorted backwards);
    '~+5 d' when a side is known only to its week, month or year, so the gap is too."""
    days = (current - previous).days
    sign = ("~" if approximate else "") + ("+" if days >= 0 else "−")
    days = abs(days)
    if days < 60:
        return f"{sign}{days} d"
    if days < 730:
        return f"{sign}{round(days / 30.44)} mo"
    return f"{sign}{round(days / 365.25)} y"


def parties(event: EventLike, names: Mapping[str, str] | None = None) -> str:
    """'belarus, belarus/president → ukraine'; with ``names``, each id that has a display name
    shows it instead: 'Belarus, Alexander Lukashenko → Ukraine'."""
    actors, targets = event.actors, event.targets
    if names:
        actors = tuple(names.get(a, a) for a in actors)
        targets = tuple(names.get(t, t) for t in targets)
    text = ", ".join(actors)
    return f"{text} → {', '.join(targets)}" if targets else text


def status_of(event: EventLike, responses: Responses) -> Status:
    return Status.DISPUTED if responses.is_disputed(event) else event.status


def marked_title(title: str, status: Status) -> str:
    """The title with its status after it (``… [claimed]``, ``… [disputed]``), unless the
    event is only reported: as the one-line views mark it."""
    return title if status is _REPORTED else f"{title} [{status.value}]"


_REPORTED = Status.REPORTED  # looked up once, not on its class for every line


def made_from(about: About, count: int) -> str:
    """What a published page says of itself: 'Generated 2024-08-30 12:00 UTC from
    events.jsonl; selection: actor belarus; 10 events.'"""
    made = []
    if about.generated is not None:
        made.append(f"Generated {about.generated:%Y-%m-%d %H:%M %Z}".rstrip())
    if about.source:
        made.append(f"from {about.source}")
    selected = "; ".join(about.filters) if about.filters else "all events"
    events = "event" if count == 1 else "events"
    return " ".join(made) + ("; " if made else "") + f"selection: {selected}; {count} {events}."


MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
"""English month names, whatever the locale (``%B`` would follow LC_TIME)."""
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def day_words(d: date, *, weekday: bool = False) -> str:
    """'18 August 2024', or with ``weekday`` 'Sunday 18 August 2024'."""
    words = f"{d.day} {MONTHS[d.month - 1]} {d.year}"
    return f"{WEEKDAYS[d.weekday()]} {words}" if weekday else words


def month_words(d: date) -> str:
    """'August 2024'."""
    return f"{MONTHS[d.month - 1]} {d.year}"


def date_words(event: EventLike, *, weekday: bool = False, end: bool = True) -> str:
    """The date in words at its precision: '18 August 2024', 'week of 19 August 2024',
    'August 2024', '1991'; a span: '26 August 2024 – 28 August 2024' (without ``end``, its
    start alone). With ``weekday``, a day is named too ('Sunday 18 August 2024')."""
    d = event.date
    if event.precision is Precision.YEAR:
        label = str(d.year)
    elif event.precision is Precision.MONTH:
        label = month_words(d)
    elif event.precision is Precision.WEEK:
        label = f"week of {day_words(d, weekday=weekday)}"
    else:
        label = day_words(d, weekday=weekday)
    if end and event.end is not None and event.end != d:
        label += f" – {day_words(event.end, weekday=weekday)}"
    return label


# ---------------------------------------------------------------------------- stats

NONE_LABEL = "(none)"  # an event without a value in the field (no tag, no country)
OTHER_LABEL = "(other)"  # the values past --top, added up


def value_label(value: str | None, *, other: bool = False) -> str:
    """A counted value as text (untrusted: pass it through ``text.visible``)."""
    if other:
        return OTHER_LABEL
    return NONE_LABEL if value is None else value


def coarser_than(unit: str) -> str:
    """What an event counted in a band of a series of ``unit``s is known only to: a longer
    period, or (for a month, a quarter, a year) a week that runs across two of them."""
    if unit in ("day", "week"):
        return f"a longer period than a {unit}"
    return f"a period no {unit} holds"


PLACES = 15
"""Digits after the point that a coordinate written out of an exponent keeps: past them a
digit measures less than a nanometre."""


def decimal(value: float) -> str:
    """A coordinate as people (and RFC 5545) write one: digits and a point, never an exponent
    (``0.00001``, not ``1e-05``), never rounded onto a pole (``-89.999999``). Python writes the
    shortest digits that read back as the value; one it writes with an exponent (below 0.0001)
    is written out to ``PLACES`` after the point (``5e-324`` would take 323 zeros)."""
    text = repr(value)
    if "e" in text:
        from decimal import Decimal

        places = round(Decimal(text), PLACES)
        text = format(places.normalize(), "f") if places else "0"  # not "-0"
    return text


def coordinates(lat: float, lon: float) -> str:
    """'53.9, 27.56': a point as the views write it."""
    return f"{decimal(lat)}, {decimal(lon)}"


def plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def stats_notes(stats: Stats) -> list[str]:
    """What every view of stats says besides its rows: how many events were counted, how many
    mentions when an event may count in several rows, and how the dates were binned."""
    from timeline.stats import MULTI_VALUED

    spec = stats.spec
    notes = [plural(stats.events, "event") + " counted"]
    multi = [f.value for f in spec.by if f in MULTI_VALUED]
    if multi:
        notes[0] += (
            f"; the rows add up to {plural(stats.mentions, 'mention')}: an event counts once "
            f"for each {' and each '.join(multi)} it has"
        )
    if stats.other_values:
        notes.append(f"{OTHER_LABEL} adds up {plural(stats.other_values, 'more value')}")
    if spec.per is not None:
        unit = spec.per.value
        if stats.coarser:
            notes.append(
                f"{plural(stats.coarser, 'event')} known only to {coarser_than(unit)}: "
                f"counted in that period's row, not in a {unit}"
            )
        notes.extend(_cut_by_the_window(stats, spec.per))
        if stats.spanning:
            notes.append(
                f"{plural(stats.spanning, 'event')} with an end in a later {unit}: "
                f"counted in the {unit} it starts in{starts_before(stats, unit)}"
            )
    return notes


def _cut_by_the_window(stats: Stats, per: Unit) -> list[str]:
    """A note for the first or last period of a series of ``per`` when the window (--since,
    --until) starts or ends inside it: its count is of the window's part of it only."""
    from timeline.stats import Period, period_index, period_last, period_start

    notes = []
    since, until = stats.since, stats.until
    if since is not None and period_start(period_index(since, per), per) != since:
        label = Period(since, per).label
        notes.append(f"{label} is counted from {since} only, where --since starts")
    if until is not None and period_last(period_index(until, per), per) != until:
        label = Period(until, per).label
        notes.append(f"{label} is counted up to {until} only, where --until ends")
    return notes


def starts_before(stats: Stats, unit: str) -> str:
    """What a note on events with an end adds when a window was asked for (``--since``)."""
    if stats.since is None:
        return ""
    return f", or in the first {unit} of the window when it starts before {stats.since}"


def cells(text: str) -> int:
    """The columns ``text`` takes on a terminal: a CJK character or an emoji takes two."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def cut(text: str, width: int) -> str:
    """``text`` if it fits ``width`` columns, else its start and an ellipsis in them."""
    if cells(text) <= width:
        return text
    from rich.cells import get_character_cell_size

    room, kept = max(width - 1, 0), 0
    for end, character in enumerate(text):
        kept += get_character_cell_size(character)
        if kept > room:  # a wide character that would pass the edge goes whole
            return text[:end] + "…"
    return text + "…"  # pragma: no cover - the text fits, checked above


def padded(text: str, width: int, *, right: bool = False) -> str:
    """``text`` with spaces after it (before it, ``right``) to fill ``width`` columns."""
    gap = " " * max(width - cells(text), 0)
    return gap + text if right else text + gap
