"""JSON Lines for machines: events in their canonical form, changes, problems and counts.

Text from a log is escaped by ``json.dumps``; ``json_safe`` then writes DEL, C1 and bidi
characters as ``\\uXXXX`` too, so that no output line can act on a terminal it reaches.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from timeline.formats.output import About, ByteLines, TextLines
from timeline.text import json_safe

if TYPE_CHECKING:
    from timeline.check import Problem
    from timeline.diff import Change, Comparison, Stat
    from timeline.selection import Selection
    from timeline.stats import Row, Stats


def events(selection: Selection, *, long: bool = False, about: About = About()) -> TextLines:
    """The canonical JSON form, one event per line."""
    from timeline.rules import canonical_json

    return TextLines(canonical_json(event) for event in selection.events)


def canonical(lines: Iterable[bytes]) -> ByteLines:
    """Events that are canonical JSON lines already (``selection.canonical_lines``): as they are."""
    return ByteLines.of(lines)


def _compact(record: dict[str, Any]) -> str:
    return json_safe(json.dumps(record, ensure_ascii=False, separators=(",", ":")))


def change_record(change: Change) -> dict[str, Any]:
    """The JSON record of one change for ``diff --json``."""
    from timeline.rules import to_json_dict

    return {
        "op": change.op.value,
        "id": change.id,
        "date": change.date.isoformat(),
        "before": to_json_dict(change.before) if change.before else None,
        "after": to_json_dict(change.after) if change.after else None,
        "changes": {f.field: {"before": f.before, "after": f.after} for f in change.fields},
    }


def changes(comparison: Comparison) -> TextLines:
    """One record per change."""
    return TextLines(_compact(change_record(change)) for change in comparison.changes)


def diff_stat(stat: Stat) -> TextLines:
    """``{"added": 3, "removed": 1, "changed": 2}``."""
    record = {"added": stat.added, "removed": stat.removed, "changed": stat.changed}
    return TextLines([json.dumps(record)])


def problem_record(problem: Problem, source: str) -> dict[str, Any]:
    """The JSON record of one problem for ``check --json``."""
    return {
        "file": problem.source or source,
        "line": problem.lineno or None,
        "severity": problem.severity.value,
        "field": problem.field,
        "message": problem.message,
    }


def problems(found: Iterable[Problem], *, source: str) -> TextLines:
    """One record per problem."""
    return TextLines(
        json_safe(json.dumps(problem_record(p, source), ensure_ascii=False)) for p in found
    )


def schema(document: dict[str, Any]) -> TextLines:
    """A JSON Schema, indented for people to read."""
    return TextLines([json.dumps(document, indent=2, ensure_ascii=False)])


def stats_keys(result: Stats) -> list[str]:
    """The keys of a record of ``stats --json`` (the columns of its CSV), in order. In a
    series, ``precision`` is the period's length: ``--by precision`` is ``event_precision``."""
    from timeline.stats import Field

    series = ["period", "precision", "coarser"] if result.series else []
    by = [
        "event_precision" if result.series and f is Field.PRECISION else f.value
        for f in result.spec.by
    ]
    return series + by + (["other", "count"] if result.spec.by else ["count"])


def stats_record(result: Stats, row: Row) -> dict[str, Any]:
    """The JSON record of one row of ``stats --json`` (``stats_keys``): the period (for a
    series: its label, its length, and ``coarser`` when events are there because their date
    is known only to it), a key per --by field (null: no value; on the ``other`` row, the
    values past --top), and the count."""
    values: list[Any] = []
    if row.period is not None:
        values += [row.period.label, row.period.length.value, row.period.coarse]
    values += row.key
    if result.spec.by:
        values.append(row.other)
    values.append(row.count)
    return dict(zip(stats_keys(result), values, strict=True))


def stats(result: Stats) -> TextLines:
    """One record per row."""
    return TextLines(_compact(stats_record(result, row)) for row in result.rows)
