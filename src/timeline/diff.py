"""Comparing two versions of a log by meaning: events matched by id, fields compared as values."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from timeline.log.decoding import named_id
from timeline.log.lines import RawLine
from timeline.parsing import InvalidLine, parse_lines, valid_lines
from timeline.prefilter import Prefilter
from timeline.query import Filter, matches
from timeline.rules import EventLike, canonical_json, json_scalars, to_json_dict


class Op(str, enum.Enum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's value before and after, as JSON values."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class Change:
    """What happened to one id between the two versions."""

    op: Op
    id: str
    before: EventLike | None
    after: EventLike | None
    fields: tuple[FieldChange, ...] = ()

    @property
    def date(self) -> date:
        event = self.after or self.before
        assert event is not None  # a change always has at least one side
        return event.date


@dataclass(frozen=True, slots=True)
class Stat:
    added: int
    removed: int
    changed: int

    @property
    def total(self) -> int:
        return self.added + self.removed + self.changed


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values: ``true`` is not ``1``, and key order inside objects does not count."""
    if a != b:
        return False
    # Python's == says so of text, null, and lists and objects of them (most fields); only a
    # number or a boolean may be equal to one that JSON writes otherwise (1 == 1.0 == True).
    return _numberless(a) or json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _numberless(value: Any) -> bool:
    """Whether a JSON value holds no number and no boolean (``a == b`` then means equal)."""
    return all(item is None or isinstance(item, str) for item in json_scalars(value))


def field_changes(before: EventLike, after: EventLike) -> tuple[FieldChange, ...]:
    """The fields whose values differ, in schema order; defaults written out or not are equal."""
    old, new = to_json_dict(before), to_json_dict(after)
    return tuple(
        FieldChange(name, old[name], new[name]) for name in old if not _same(old[name], new[name])
    )


def diff_events(old: Mapping[str, EventLike], new: Mapping[str, EventLike]) -> list[Change]:
    """Every added, removed and changed event, by date, then id."""
    changes: list[Change] = []
    for event_id, before in old.items():
        after = new.get(event_id)
        if after is None:
            changes.append(Change(Op.REMOVED, event_id, before, None))
        else:
            fields = field_changes(before, after)
            if fields:
                changes.append(Change(Op.CHANGED, event_id, before, after, fields))
    changes.extend(Change(Op.ADDED, i, None, e) for i, e in new.items() if i not in old)
    changes.sort(key=lambda c: (c.date, c.id))
    return changes


def differing_ids(old: dict[str, int], new: Iterable[tuple[str, int]]) -> set[str]:
    """The ids that may have changed, from per-id digests of the canonical form: on one side
    only, or with another digest. Only these need their events compared. Consumes ``old``."""
    differing = set()
    for event_id, digest in new:
        if old.pop(event_id, None) != digest:
            differing.add(event_id)
    differing.update(old)
    return differing


def stat(changes: Iterable[Change]) -> Stat:
    counts = {op: 0 for op in Op}
    for change in changes:
        counts[change.op] += 1
    return Stat(counts[Op.ADDED], counts[Op.REMOVED], counts[Op.CHANGED])


def apply(old: Mapping[str, EventLike], changes: Iterable[Change]) -> dict[str, EventLike]:
    """``old`` with ``changes`` applied: ``apply(a, diff_events(a, b)) == b`` as mappings."""
    result = dict(old)
    for change in changes:
        if change.op is Op.REMOVED:
            del result[change.id]
        else:
            assert change.after is not None  # added and changed events have an after side
            result[change.id] = change.after
    return result


# ---------------------------------------------------------------------------- two logs


@dataclass(frozen=True, slots=True)
class Comparison:
    """The changes between two logs, and what kept the answer from being complete."""

    changes: list[Change]
    stat: Stat
    notes: list[str]  # one line each: ids not compared, ids repeated on a side
    complete: bool  # False when a side has a line that is not a valid event, or an id twice


class _Side:
    """One log of a comparison: a way to read its lines (twice) and its name in messages.

    Its bad lines are counted, not kept: which of them hide an event that differs is found on
    the second reading, so memory does not grow with them."""

    def __init__(self, read: Callable[[], Iterable[RawLine]], name: str) -> None:
        self.read, self.name = read, name
        self.bad = 0  # lines that are not valid events

    def digests(
        self, *, strict: bool, on_invalid: Callable[[InvalidLine], None]
    ) -> Iterator[tuple[str, int]]:
        """Each valid event's id and a hash of its canonical form."""

        def invalid(parsed: InvalidLine) -> None:
            on_invalid(parsed)
            self.bad += 1

        for parsed in valid_lines(self.read(), source=self.name, strict=strict, on_invalid=invalid):
            event = parsed.event
            canonical = parsed.form
            if canonical is None:
                canonical = canonical_json(event).encode()
            yield event.id, hash(canonical)

    def events(
        self, ids: set[str], unreadable: dict[str, str], repeats: list[tuple[str, str]]
    ) -> dict[str, EventLike]:
        """The events of ``ids`` by id; a repeated id keeps its last event (a note in
        ``repeats`` says so, and the comparison is then incomplete). An id of ``ids`` that a
        bad line holds too goes to ``unreadable`` with a note, once (its event cannot be
        compared)."""
        keyed: dict[str, EventLike] = {}
        first: dict[str, int] = {}
        if not ids:
            return keyed
        want = Prefilter(Filter(ids=tuple(ids)))
        for parsed in parse_lines(self.read(), source=self.name, want=want):
            lineno = parsed.line.lineno
            if isinstance(parsed, InvalidLine):
                event_id = named_id(parsed.line)
                if event_id in ids and event_id not in unreadable:
                    note = f"{event_id!r} is not compared: its line is not valid"
                    unreadable[event_id] = f"{self.name}:{lineno}: {note}"
                continue
            if parsed.event.id not in ids:
                continue
            event = parsed.event
            if event.id in keyed:
                note = f"id {event.id!r} is also on line {first[event.id]}: comparing the last one"
                repeats.append((event.id, f"{self.name}:{lineno}: {note}"))
            first.setdefault(event.id, lineno)
            keyed[event.id] = event
        return keyed


def compare(
    old: tuple[Callable[[], Iterable[RawLine]], str],
    new: tuple[Callable[[], Iterable[RawLine]], str],
    *,
    flt: Filter,
    strict: bool,
    on_invalid: Callable[[InvalidLine], None],
) -> Comparison:
    """The changes between two logs, each given as a way to read its lines and its name.

    Two passes over each side: first a digest per id, so that only events that differ are ever
    held in memory; then the events of those ids. Filters keep a change whose event matches on
    either side. An event whose line cannot be read on one side is neither added nor removed:
    it is not compared, and a note says so. Memory grows with the ids of valid events, not
    with bad lines.
    """
    sides = [_Side(*old), _Side(*new)]
    digests: dict[str, int] = {}
    repeated: set[str] = set()  # ids on two lines of the old side: said, as the new side's are
    for event_id, digest in sides[0].digests(strict=strict, on_invalid=on_invalid):
        if event_id in digests:
            repeated.add(event_id)
        digests[event_id] = digest
    differing = differing_ids(digests, sides[1].digests(strict=strict, on_invalid=on_invalid))
    differing |= repeated
    del digests
    unreadable: dict[str, str] = {}  # id → the note on the first bad line that holds it
    repeats: list[tuple[str, str]] = []
    before = sides[0].events(differing, unreadable, repeats)
    after = sides[1].events(differing - unreadable.keys(), unreadable, repeats)
    for event_id in unreadable:
        before.pop(event_id, None)
    notes = [*unreadable.values(), *(note for i, note in repeats if i not in unreadable)]
    changes = diff_events(before, after)
    if not flt.is_empty:
        changes = [
            c for c in changes
            if any(e is not None and matches(e, flt) for e in (c.before, c.after))
        ]  # fmt: skip
    # An id on two lines of a side is two events: the one not compared makes the answer
    # incomplete, as a bad line does (the diff of its last event is still shown).
    complete = not any(side.bad for side in sides) and not repeats
    return Comparison(changes, stat(changes), notes, complete)
