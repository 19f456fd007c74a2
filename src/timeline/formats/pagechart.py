"""The column chart of the HTML page: events per week, month or year of the page's selection,
drawn as inline SVG by the page's template from the numbers made here.

The bins are those of ``timeline stats`` (``stats.counter`` and ``stats.finish``), so the
precision rule is the same: an event is counted in the period of the chart that holds its whole
known date. One known only to a longer period (its month, in a weekly chart) is never put in
one of that period's columns: it is counted in a band drawn under them, one row of bands per
precision. An event with an ``end`` counts in the period it starts in.

The length of a period is chosen by the span of the selection: weeks when it spans at most
``WEEKS`` weeks, months when at most ``MONTHS`` months, years beyond. ``ChartCounts`` counts
every event into one small tally per length while the page surveys its selection, so memory
grows with the number of periods, not of events.

Every value here is a number or text made from dates; the template escapes all of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from timeline.formats.labels import MONTHS as MONTH_NAMES
from timeline.formats.labels import coarser_than, starts_before
from timeline.stats import (
    Period,
    Spec,
    Stats,
    Tally,
    Unit,
    counter,
    finish,
    period_index,
    period_range,
    period_start,
)

if TYPE_CHECKING:
    from datetime import date

    from timeline.rules import EventLike

WEEKS = 26  # the longest span drawn in weeks: half a year
MONTHS = 120  # the longest span drawn in months: ten years
# The longest span drawn at all, in years: beyond it a column is a hair, and the page's table
# of counts a long list of zeros (most often one year was mistyped: 0224 for 2024).
YEARS = 250
UNITS = (Unit.WEEK, Unit.MONTH, Unit.YEAR)


# The drawing, in the SVG's own units (its viewBox): the page scales it to its width.
WIDTH = 640
LEFT = 40  # room for the count at the top of the scale
RIGHT = 8
TOP = 12
COLUMNS = 120  # the height of a full column
BAND = 26  # the height of a row of bands
GAP = 4
TICKS = 5  # at most this many period labels under the chart
CHAR = 0.6 * 19  # a label character's width at the largest font the style sheet gives it
MAX_BAR = 48  # a column is never wider than this, however few there are


@dataclass(frozen=True, slots=True)
class Column:
    """A period of the chart: where its column is drawn, its count, and what it is in words."""

    x: str
    y: str
    width: str
    height: str
    count: int
    label: str  # ISO-like: 2024-W34, 2024-08, 2024
    words: str  # "week of 19 August 2024"


@dataclass(frozen=True, slots=True)
class Band:
    """A period longer than the chart's, drawn under the columns it spans: the events whose
    date is known only to it."""

    x: str
    y: str
    width: str
    height: str
    text_x: str
    text_y: str
    count: int
    label: str
    words: str  # "August 2024 (known only to the month)"
    precision: str  # week, month or year
    text: str  # what is written in it: as much of what it is as fits, or nothing


@dataclass(frozen=True, slots=True)
class Tick:
    """A period label under the chart, under the middle of its column."""

    x: str
    y: str
    text: str


@dataclass(frozen=True, slots=True)
class Chart:
    """The page's chart: its periods, bands, scale and labels, and what it says in words."""

    unit: str
    width: int
    height: int
    baseline: str
    left: int
    right: int
    top: str  # where the scale's top line is
    most: int  # the count at the top of the scale
    columns: tuple[Column, ...]
    bands: tuple[Band, ...]
    ticks: tuple[Tick, ...]
    summary: str  # the chart in one sentence, for a screen reader
    notes: tuple[str, ...]  # the rule that places events, with how many it placed where
    rows: tuple[tuple[str, int], ...]  # every period and band in order, for the table


def _n(value: float) -> str:
    """A coordinate, short: 12, 12.5, 12.33."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def period_words(period: Period) -> str:
    """A period in words: 'week of 19 August 2024', 'August 2024', '2024'."""
    start = period.start
    if period.length is Unit.WEEK:
        return f"week of {start.day} {MONTH_NAMES[start.month - 1]} {start.year}"
    if period.length is Unit.MONTH:
        return f"{MONTH_NAMES[start.month - 1]} {start.year}"
    if period.length is Unit.DAY:
        return f"{start.day} {MONTH_NAMES[start.month - 1]} {start.year}"
    return period.label


def _tick_text(period: Period, every: int) -> str:
    start = period.start
    if period.length is Unit.WEEK:
        return f"{start.day} {MONTH_NAMES[start.month - 1][:3]}"
    if period.length is Unit.MONTH and every < 12:
        return f"{MONTH_NAMES[start.month - 1][:3]} {start.year}"
    return str(start.year)


def _tick_every(unit: Unit, count: int) -> int:
    """How many periods apart the labels are: at most ``TICKS`` labels, at round steps."""
    steps = {Unit.WEEK: (1, 2, 4, 8, 13, 26), Unit.MONTH: (1, 2, 3, 6, 12, 24, 60, 120)}
    for step in steps.get(unit, ()):
        if math.ceil(count / step) <= TICKS:
            return step
    if unit is not Unit.YEAR:
        return math.ceil(count / TICKS)
    step = 1
    while math.ceil(count / step) > TICKS:  # 1, 2, 5, 10, 20, 50, ...
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return step


def _labelled(period: Period, index: int, every: int) -> bool:
    """Whether a period's column gets a label: round ones (January of a year divisible by the
    step, for years) so that the labels read as a scale."""
    if period.length is Unit.WEEK:
        return index % every == 0
    if period.length is Unit.MONTH:
        return period_index(period.start, Unit.MONTH) % every == 0
    return period.start.year % every == 0


class ChartCounts:
    """Counters of a selection's events for each length the chart may take, fed one event at
    a time (``add``)."""

    def __init__(self, tallies: dict[Unit, Tally] | None = None) -> None:
        self._tallies = tallies if tallies is not None else {unit: Tally() for unit in UNITS}
        self._counters = [(self._tallies[unit], counter(Spec(per=unit))) for unit in UNITS]

    def __reduce__(self) -> tuple[type[ChartCounts], tuple[dict[Unit, Tally]]]:
        return ChartCounts, (self._tallies,)  # its counters are functions: made again

    def add(self, event: EventLike) -> None:
        for tally, count in self._counters:
            count(tally, event)

    def merge(self, other: ChartCounts) -> None:
        """Add what ``other`` counted (other events of the same selection)."""
        for unit, tally in self._tallies.items():
            tally.merge(other._tallies[unit])

    def unit(self) -> Unit:
        """The chart's period: the shortest whose periods over the selection are few enough."""
        for unit, most in ((Unit.WEEK, WEEKS), (Unit.MONTH, MONTHS)):
            span = period_range(self._tallies[unit].counts, unit)
            if span is not None and span[1] - span[0] < most:
                return unit
        return Unit.YEAR

    def chart(self, since: date | None = None, until: date | None = None) -> Chart | None:
        """The chart of what was counted; None when nothing was. ``since`` and ``until``: the
        window of dates the selection was made from (``stats.finish``)."""
        unit = self.unit()
        tally = self._tallies[unit]
        if not tally.events or self.left_out(since, until) is not None:
            return None
        return draw(finish(tally, Spec(per=unit), since=since, until=until))

    def left_out(self, since: date | None = None, until: date | None = None) -> str | None:
        """Why there is no chart though events were counted (a span of more than ``YEARS``
        years), in words for the page; None when there is one, or nothing to chart."""
        span = period_range(self._tallies[Unit.YEAR].counts, Unit.YEAR, since=since, until=until)
        if span is None or span[1] - span[0] < YEARS:
            return None
        first, last = (f"{period_start(i, Unit.YEAR).year:04d}" for i in span)
        years = f"{span[1] - span[0] + 1:,} years, from {first} to {last}"
        if since is not None or until is not None:  # the window asked for makes the span
            return f"No chart: the dates asked for (--since, --until) span {years}."
        return f"No chart: these events span {years}; is a year mistyped?"


def _events(n: int, verb: str) -> str:
    """'1 event is', '3 events are'; '1 event has', '3 events have'."""
    return f"1 event {verb}" if n == 1 else f"{n} events {_PLURAL[verb]}"


_PLURAL = {"is": "are", "has": "have"}


def _fitted(width: float, period: Period, n: int) -> str:
    """The longest of a band's texts that fits in ``width``: 'August 2024, known only to the
    month: 4', 'August 2024: 4', '4', or none."""
    words = period_words(period)
    for text in (f"{words}, known only to the {period.length.value}: {n}", f"{words}: {n}", str(n)):
        if CHAR * len(text) + 8 <= width:
            return text
    return ""


def _row_words(period: Period) -> str:
    words = period_words(period)
    return f"{words} (known only to the {period.length.value})" if period.coarse else words


def draw(stats: Stats) -> Chart:
    """The geometry of the chart of ``stats``: a series (``--per``) with no ``--by``."""
    unit = stats.spec.per
    assert unit is not None and not stats.spec.by, "a series of all events"
    rows = [(row.period, row.count) for row in stats.rows if row.period is not None]
    fine = [(period, n) for period, n in rows if not period.coarse]
    coarse = [(period, n) for period, n in rows if period.coarse and n]
    first = period_index(fine[0][0].start, unit)
    most = max(n for _, n in fine) or 1
    step = (WIDTH - LEFT - RIGHT) / len(fine)
    bar = min(step * 0.8 if step >= 4 else step, MAX_BAR)
    baseline = TOP + COLUMNS

    columns = []
    for i, (period, n) in enumerate(fine):
        height = max(n / most * COLUMNS, 1.5) if n else 0.0  # any count shows
        columns.append(
            Column(
                x=_n(LEFT + i * step + (step - bar) / 2),
                y=_n(baseline - height),
                width=_n(bar),
                height=_n(height),
                count=n,
                label=period.label,
                words=period_words(period),
            )
        )

    lengths = [u for u in UNITS if any(period.length is u for period, _ in coarse)]
    bands = []
    for period, n in coarse:
        at = max(period_index(period.start, unit) - first, 0)
        to = min(period_index(period.last, unit) - first, len(fine) - 1)
        y = baseline + GAP + lengths.index(period.length) * (BAND + GAP)
        x, width = LEFT + at * step + 0.5, (to - at + 1) * step - 1
        bands.append(
            Band(
                x=_n(x),
                y=_n(y),
                width=_n(width),
                height=_n(BAND),
                text_x=_n(x + width / 2),
                text_y=_n(y + BAND / 2),
                count=n,
                label=period.label,
                words=_row_words(period),
                precision=period.length.value,
                text=_fitted(width, period, n),
            )
        )

    under = baseline + GAP + len(lengths) * (BAND + GAP)
    every = _tick_every(unit, len(fine))
    ticks = []
    for i, (period, _) in enumerate(fine):
        if not _labelled(period, i, every):
            continue
        text = _tick_text(period, every)
        x = LEFT + (i + 0.5) * step
        if CHAR * len(text) / 2 <= min(x, WIDTH - x):  # one that would run off is left out
            ticks.append(Tick(x=_n(x), y=_n(under + 18), text=text))

    busiest, top = max(fine, key=lambda row: row[1])
    name = unit.value
    summary = (
        f"Column chart of events per {name}, {period_words(fine[0][0])} to "
        f"{period_words(fine[-1][0])}: {sum(n for _, n in fine)} counted in {name}s, "
        f"the most in one {name} {top} ({period_words(busiest)})"
    )
    notes = [f"Events per {name}, each in the {name} it starts in."]
    if stats.coarser:
        summary += f"; {stats.coarser} known only to a longer period, in bands below"
        notes.append(
            f"{_events(stats.coarser, 'is')} known only to {coarser_than(name)}: "
            f"counted in a band under that period's {name}s, never in one {name}."
        )
    if stats.spanning:
        notes.append(
            f"{_events(stats.spanning, 'has')} an end in a later {name}: "
            f"counted in the {name} it starts in{starts_before(stats, name)}."
        )
    return Chart(
        unit=name, width=WIDTH, height=math.ceil(under + 26), baseline=_n(baseline),
        left=LEFT, right=WIDTH - RIGHT, top=_n(TOP), most=most, columns=tuple(columns),
        bands=tuple(bands), ticks=tuple(ticks), summary=summary + ".", notes=tuple(notes),
        rows=tuple((_row_words(period), n) for period, n in rows if n or not period.coarse),
    )  # fmt: skip
