"""Comparing two versions of a log by meaning: events matched by id, fields compared as values."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from timeline.rules import EventLike, to_json_dict


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
    return a == b and json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


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


def change_record(change: Change) -> dict[str, Any]:
    """The JSON record of one change for ``diff --json``."""
    return {
        "op": change.op.value,
        "id": change.id,
        "date": change.date.isoformat(),
        "before": to_json_dict(change.before) if change.before else None,
        "after": to_json_dict(change.after) if change.after else None,
        "changes": {f.field: {"before": f.before, "after": f.after} for f in change.fields},
    }
