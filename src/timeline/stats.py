"""Counts of events by field and over time: pure counters, honest about date precision.

An event is counted once per distinct value it has in each ``--by`` field (an event that names
two actors counts once for each: the rows then add up to *mentions*, not events), and once in a
time series: in the period of the asked length that holds its whole known date. An event whose
date is known only to a longer period (a month, in a weekly series) is never put in one of its
weeks: it is counted in a band of its own period ("known only to the month: Aug 2024"). An
event with an ``end`` is counted in the period it starts in; the totals say how many such
events reach into a later period. Tags that ``--tag`` finds alike (``NATO``, ``nato``) are
one value, shown as the spelling most events have.

The counters (``Tally``) are small and add up, so that forked workers can each count a part of
a log and the parent merges them (``Tally.merge``); ``finish`` turns them into ``Stats``, rows
ready for a format.
"""

from __future__ import annotations

import enum
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from timeline.dates import Precision, period_end
from timeline.errors import InputError
from timeline.query import search_fold
from timeline.vocab import EventType, Status

if TYPE_CHECKING:
    from timeline.rules import EventLike


class Field(str, enum.Enum):
    """What ``--by`` counts by."""

    TYPE = "type"
    ACTOR = "actor"
    TARGET = "target"
    STATUS = "status"
    TAG = "tag"
    COUNTRY = "country"
    PUBLISHER = "publisher"
    PRECISION = "precision"


# Fields an event may hold several values of: rows of these add up to mentions, not events.
MULTI_VALUED = frozenset({Field.ACTOR, Field.TARGET, Field.TAG, Field.PUBLISHER})
# Fields whose values are actor ids, which --depth cuts at a level of the hierarchy.
ACTOR_FIELDS = frozenset({Field.ACTOR, Field.TARGET})


class Unit(str, enum.Enum):
    """The length of a period of a time series (``--per``)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


MAX_PERIODS = 100_000  # a longer series is a mistake (--per day over centuries), not a chart

Value = str | None  # None: the event has no value in that field (no tag, no country)
Key = tuple[Value, ...]  # one value per --by field


class Band(NamedTuple):
    """A period longer than the series' own, that an event's date is known only to: its own
    period (a month in a weekly series), by its length and first day."""

    precision: Precision
    start: int  # the first day's ordinal


Slot = int | Band  # a period of the series by its index (see ``period_index``), or a band


def period_index(day: date, unit: Unit) -> int:
    """The number of the period of ``unit`` that holds ``day``; consecutive periods have
    consecutive numbers."""
    if unit is Unit.DAY:
        return day.toordinal()
    if unit is Unit.WEEK:
        return (day.toordinal() - 1) // 7  # 0001-01-01 was a Monday
    if unit is Unit.MONTH:
        return day.year * 12 + day.month - 1
    if unit is Unit.QUARTER:
        return day.year * 4 + (day.month - 1) // 3
    return day.year


def period_start(index: int, unit: Unit) -> date:
    """The first day of the period numbered ``index`` (the inverse of ``period_index``)."""
    if unit is Unit.DAY:
        return date.fromordinal(index)
    if unit is Unit.WEEK:
        return date.fromordinal(index * 7 + 1)
    if unit is Unit.MONTH:
        return date(index // 12, index % 12 + 1, 1)
    if unit is Unit.QUARTER:
        return date(index // 4, index % 4 * 3 + 1, 1)
    return date(index, 1, 1)


def period_last(index: int, unit: Unit) -> date:
    """The last day of the period numbered ``index``."""
    start = period_start(index, unit)
    if unit is Unit.QUARTER:
        return period_end(start.replace(month=start.month + 2), Precision.MONTH)
    return period_end(start, Precision(unit.value))


@dataclass(frozen=True, slots=True)
class Period:
    """A row's period: a period of the series (``coarse`` False), or a band of a longer one
    that some events' dates are known only to."""

    start: date
    length: Unit  # a band's length is one of the event precisions (week, month, year)
    coarse: bool = False

    @property
    def last(self) -> date:
        return period_last(period_index(self.start, self.length), self.length)

    @property
    def label(self) -> str:
        """ISO-like, at the period's length: 2024-08-26, 2024-W35, 2024-08, 2024-Q3, 2024."""
        d, length = self.start, self.length
        if length is Unit.DAY:
            return d.isoformat()
        if length is Unit.WEEK:
            iso = d.isocalendar()
            return f"{iso.year:04d}-W{iso.week:02d}"
        if length is Unit.MONTH:
            return f"{d.year:04d}-{d.month:02d}"
        if length is Unit.QUARTER:
            return f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}"
        return f"{d.year:04d}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Spec:
    """What to count: the ``--by`` fields, the ``--per`` period, the ``--depth`` of actor ids."""

    by: tuple[Field, ...] = ()
    per: Unit | None = None
    depth: int | None = None

    def __post_init__(self) -> None:
        if len(self.by) > 2:
            raise InputError("--by: give one or two fields")
        if len(set(self.by)) != len(self.by):
            raise InputError("--by: give two different fields")
        if self.depth is not None and not ACTOR_FIELDS & set(self.by):
            raise InputError(
                "--depth counts actor ids at a level: use it with --by actor or target"
            )
        if self.depth is not None and self.depth < 1:
            raise InputError("--depth: give 1 or more")

    @property
    def per_mention(self) -> bool:
        """Whether an event may count in several rows (a multi-valued field)."""
        return bool(MULTI_VALUED & set(self.by))

    @property
    def status_at(self) -> int | None:
        """Where the status is in a key, when it is counted (it may need correcting)."""
        return self.by.index(Field.STATUS) if Field.STATUS in self.by else None


def _cut(actor: str, depth: int | None) -> str:
    if depth is None:
        return actor
    return "/".join(actor.split("/")[:depth])


def _values(event: EventLike, by: Field, depth: int | None) -> Sequence[Value]:
    """The distinct values of one field of an event; ``[None]`` when it has none."""
    if by is Field.TYPE:
        return (event.type.value,)
    if by is Field.STATUS:
        return (event.status.value,)
    if by is Field.PRECISION:
        return (event.precision.value,)
    if by is Field.COUNTRY:
        location = event.location
        return (location.country if location is not None else None,)
    if by is Field.ACTOR:
        found: Iterable[str] = {_cut(actor, depth) for actor in event.actors}
    elif by is Field.TARGET:
        found = {_cut(actor, depth) for actor in event.targets}
    elif by is Field.TAG:
        found = set(_one_per_fold(event.tags))
    else:
        found = {source.publisher for source in event.sources if source.publisher is not None}
    return tuple(found) or (None,)


def _one_per_fold(tags: Sequence[str]) -> Iterable[str]:
    """An event's tags, those that ``--tag`` finds alike (``Protest``, ``protest``) once: the
    first spelling."""
    if len(tags) < 2:
        return tags
    firsts: dict[str, str] = {}
    for tag in tags:
        firsts.setdefault(search_fold(tag), tag)
    return firsts.values()


def _tags_as_one(
    counts: Counter[tuple[Slot, Key]], at: int, spellings: Counter[str]
) -> Counter[tuple[Slot, Key]]:
    """``counts`` with the tags (at ``at`` in a key) that ``--tag`` finds alike counted as one,
    under the spelling most events have (``spellings``; a tie: the first in code-point order)."""
    uses: dict[str, set[str]] = {}
    for _, key in counts:
        tag = key[at]
        if tag is not None:
            uses.setdefault(search_fold(tag), set()).add(tag)
    spelling: dict[str, str] = {}
    for alike in uses.values():
        if len(alike) > 1:
            most = min(alike, key=lambda s: (-spellings[s], s))
            spelling.update(dict.fromkeys(alike, most))
    if not spelling:
        return counts
    merged: Counter[tuple[Slot, Key]] = Counter()
    for (slot, key), n in counts.items():
        tag = key[at]
        if tag in spelling:
            key = (*key[:at], spelling[tag], *key[at + 1 :])
        merged[(slot, key)] += n
    return merged


@dataclass(slots=True)
class Tally:
    """Counters over events: what one worker sends back, and what workers' tallies add up to.

    ``counts`` holds, by period (or band) and key, how many events (or mentions) it counted.
    ``rejected`` holds the ids that ``reject`` events answer, which a counted status needs
    (``Tally.correct_status``); ``pending``, when kept, where each event that may need that
    correction was counted (for a log that cannot be read twice: standard input).
    """

    counts: Counter[tuple[Slot, Key]] = field(default_factory=Counter)
    events: int = 0
    coarser: int = 0  # events counted in a band, at a coarser precision than asked
    spanning: int = 0  # events with an end in a later period than the one they are counted in
    rejected: set[str] = field(default_factory=set)
    pending: dict[str, list[tuple[Slot, Key]]] | None = None
    spellings: Counter[str] = field(default_factory=Counter)  # events by each tag as spelled

    def merge(self, other: Tally) -> None:
        """Add ``other``'s counts to these."""
        self.counts.update(other.counts)
        self.spellings.update(other.spellings)
        self.events += other.events
        self.coarser += other.coarser
        self.spanning += other.spanning
        self.rejected |= other.rejected
        if other.pending is not None:
            if self.pending is None:
                self.pending = {}
            for event_id, places in other.pending.items():
                self.pending.setdefault(event_id, []).extend(places)

    def correct_status(self, spec: Spec, moved: Iterable[tuple[Slot, Key]]) -> None:
        """Move each of ``moved`` (a place where a claim was counted under its stored status,
        though a ``reject`` answers it) to the status ``show`` gives it: disputed."""
        at = spec.status_at
        if at is None:
            return
        disputed = Status.DISPUTED.value
        for slot, key in moved:
            self.counts[(slot, key)] -= 1
            self.counts[(slot, (*key[:at], disputed, *key[at + 1 :]))] += 1
        self.counts = +self.counts  # drop the keys that fell to zero

    def pending_disputed(self) -> list[tuple[Slot, Key]]:
        """The places of the kept claims that a ``reject`` answers (see ``pending``)."""
        if self.pending is None:
            return []
        return [place for i in self.rejected & self.pending.keys() for place in self.pending[i]]


def counter(spec: Spec) -> Callable[[Tally, EventLike], None]:
    """A function that counts one event into a tally, by ``spec``."""
    by, depth, per = spec.by, spec.depth, spec.per
    remember_status = spec.status_at is not None
    by_tag = Field.TAG in by

    def slot_of(event: EventLike, tally: Tally) -> Slot:
        if per is None:
            return 0
        start = event.date
        index = period_index(start, per)
        precision = event.precision
        if precision is Precision.DAY or period_index(period_end(start, precision), per) == index:
            if event.end is not None and period_index(event.end, per) != index:
                tally.spanning += 1
            return index
        # Known only to a longer period than the series': never put in one of its periods.
        tally.coarser += 1
        if event.end is not None and event.end > period_end(start, precision):
            tally.spanning += 1
        return Band(precision, start.toordinal())

    def count(tally: Tally, event: EventLike) -> None:
        tally.events += 1
        if by_tag:  # which spelling names a tag is told by events, not by rows
            tally.spellings.update(_one_per_fold(event.tags))
        slot = slot_of(event, tally)
        if len(by) == 1:
            keys: Iterable[Key] = [(value,) for value in _values(event, by[0], depth)]
        else:
            keys = itertools.product(*(_values(event, f, depth) for f in by))
        counts = tally.counts
        places = [(slot, key) for key in keys]
        for place in places:
            counts[place] += 1
        if remember_status and tally.pending is not None and event.status is Status.CLAIMED:
            tally.pending.setdefault(event.id, []).extend(places)

    return count


def note_rejections(tally: Tally, event: EventLike) -> None:
    """Remember which events a ``reject`` answers: ``show`` marks them disputed."""
    if event.type is EventType.REJECT:
        tally.rejected.update(event.responds_to)


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Row:
    """One count: in a period (None when no series is asked), for a key of values (``other``:
    the values past ``--top``, added up)."""

    period: Period | None
    key: Key
    count: int
    other: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Stats:
    """Counts ready to show: the rows in order, and the totals every view states."""

    spec: Spec
    keys: tuple[Key, ...]  # the values shown, most counted first
    other_values: int  # how many values the "other" row adds up (0: no such row)
    periods: tuple[Period, ...]  # the periods of the series in order, bands among them
    rows: tuple[Row, ...]  # by period (in date order, a band before the periods it holds)
    events: int
    mentions: int  # the sum of the rows: events, or one per value of a multi-valued field
    coarser: int  # events counted in a band, at a coarser precision than --per
    spanning: int  # events whose end reaches into a later period than where they count
    since: date | None = None  # the window's first day: what starts before counts in its period
    until: date | None = None  # the window's last day

    @property
    def series(self) -> bool:
        return self.spec.per is not None

    def total(self, key: Key, *, other: bool = False) -> int:
        """A key's count over every period and band."""
        return sum(r.count for r in self.rows if r.key == key and r.other == other)


def _rank(totals: Counter[Key]) -> list[Key]:
    """Most counted first; ties by value, none last."""
    return sorted(totals, key=lambda k: (-totals[k], [(v is None, v or "") for v in k]))


def period_range(
    counts: Counter[tuple[Slot, Key]], per: Unit, *, since: date | None = None,
    until: date | None = None,
) -> tuple[int, int] | None:  # fmt: skip
    """The first and last period of a series of ``counts`` (the indexes of ``period_index``):
    from the first period counted to the last, a band's whole period included; those of
    ``since`` and ``until`` when given (the window asked for: outside it no event was counted,
    and no period may say it holds none); None when there is nothing to span."""
    starts: list[int] = []
    ends: list[int] = []
    for slot, _ in counts:
        if isinstance(slot, Band):
            start = date.fromordinal(slot.start)
            starts.append(period_index(start, per))
            ends.append(period_index(period_end(start, slot.precision), per))
        else:
            starts.append(slot)
            ends.append(slot)
    first = period_index(since, per) if since is not None else min(starts, default=None)
    last = period_index(until, per) if until is not None else max(ends, default=None)
    if first is None or last is None:
        return None
    return first, max(first, last)


def _from_window(counts: Counter[tuple[Slot, Key]], first: int) -> Counter[tuple[Slot, Key]]:
    """``counts`` with what counts in a period before ``first`` (an event that starts before
    the window asked for and reaches into it) counted in ``first``."""
    moved: Counter[tuple[Slot, Key]] = Counter()
    for (slot, key), n in counts.items():
        moved[(first, key) if isinstance(slot, int) and slot < first else (slot, key)] += n
    return moved


def finish(
    tally: Tally, spec: Spec, *, top: int | None = None, since: date | None = None,
    until: date | None = None,
) -> Stats:  # fmt: skip
    """The rows of a tally: the ``top`` keys (all when None), the rest in one "other" row;
    for a series, every period from the first to the last, or of the window ``since`` and
    ``until`` give (an event that starts before it counts in its first period), empty ones
    included, with bands where they start."""
    counts = +tally.counts
    if Field.TAG in spec.by:
        counts = _tags_as_one(counts, spec.by.index(Field.TAG), tally.spellings)
    if spec.per is not None and since is not None:
        counts = _from_window(counts, period_index(since, spec.per))
    totals: Counter[Key] = Counter()
    for (_, key), n in counts.items():
        totals[key] += n
    ranked = _rank(totals)
    # An "other" row stands for two values or more: one value is shown as itself.
    shown = ranked if top is None or len(ranked) <= top + 1 else ranked[:top]
    rest = ranked[len(shown) :]
    other_values = len(rest)
    if not ranked and not spec.by:
        shown = [()]  # a series of all events, even when it is empty

    periods: list[Period] = []
    slots: list[Slot] = []
    per = spec.per
    if per is None:
        slots = [0] if counts or not spec.by else []
        periods_out: list[Period | None] = [None] * len(slots)
    else:
        bands = sorted({s for s, _ in counts if isinstance(s, Band)})
        span = period_range(counts, per, since=since, until=until)
        if span is not None:
            first, last = span
            if last - first + 1 > MAX_PERIODS:
                raise InputError(
                    f"--per {per.value}: {last - first + 1:,} periods is too many to show; "
                    "use a longer period, or --since and --until"
                )
            fine_slots: list[tuple[date, int, Slot]] = [
                (period_start(i, per), 1, i) for i in range(first, last + 1)
            ]
            band_slots: list[tuple[date, int, Slot]] = [
                (date.fromordinal(b.start), 0, b) for b in bands
            ]
            # A band before the periods it holds, as a coarser date heads finer ones in `show`.
            for _, _, slot in sorted(fine_slots + band_slots, key=lambda s: (s[0], s[1])):
                slots.append(slot)
                if isinstance(slot, Band):
                    length = Unit(slot.precision.value)
                    periods.append(Period(date.fromordinal(slot.start), length, coarse=True))
                else:
                    periods.append(Period(period_start(slot, per), per))
        periods_out = list(periods)

    rows: list[Row] = []
    rest_set = set(rest)
    other_by_slot: Counter[Slot] = Counter()
    if rest_set:
        for (slot, key), n in counts.items():
            if key in rest_set:
                other_by_slot[slot] += n
    for slot, period in zip(slots, periods_out, strict=True):
        for key in shown:
            rows.append(Row(period, key, counts.get((slot, key), 0)))
        if rest:
            rows.append(Row(period, (None,) * len(spec.by), other_by_slot[slot], other=True))
    return Stats(
        spec=spec,
        keys=tuple(shown),
        other_values=other_values,
        periods=tuple(periods),
        rows=tuple(rows),
        events=tally.events,
        mentions=sum(counts.values()),
        coarser=tally.coarser,
        spanning=tally.spanning,
        since=since if per is not None else None,
        until=until if per is not None else None,
    )


def count_events(
    events: Iterable[EventLike], spec: Spec, *, top: int | None = None,
    since: date | None = None, until: date | None = None,
) -> Stats:  # fmt: skip
    """The stats of events already selected, with the status each shows (the rejections are
    those among ``events``): for tests and small selections."""
    events = list(events)
    tally = Tally(pending={})
    count = counter(spec)
    for event in events:
        note_rejections(tally, event)
        count(tally, event)
    tally.correct_status(spec, tally.pending_disputed())
    return finish(tally, spec, top=top, since=since, until=until)
