"""Plain text: tab-separated events, one ``file:line:`` line per problem, the diff counts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from timeline.formats.labels import iso_label, marked_title, parties, status_of, value_label
from timeline.formats.output import About, TextLines
from timeline.text import visible, visible_joined

if TYPE_CHECKING:
    from timeline.check import Problem
    from timeline.diff import Stat
    from timeline.query import Responses
    from timeline.rules import EventLike
    from timeline.selection import Selection
    from timeline.stats import Stats


def events(selection: Selection, *, long: bool = False, about: About = About()) -> TextLines:
    """Tab-separated: date, type, actors→targets, title, id — with a status mark when it matters."""
    responses = selection.responses
    return TextLines(event_line(event, responses) for event in selection.events)


def event_line(event: EventLike, responses: Responses) -> str:
    """One event's line of ``events`` (it depends on the others only through
    ``responses.is_disputed``: the readers of a large log render it, see ``formats.SHOW``)."""
    status = status_of(event, responses)
    title = marked_title(event.title, status)
    fields = (iso_label(event), event.type.value, parties(event), title, event.id)
    return visible_joined(fields, "\t")


def problem_text(problem: Problem, source: str) -> str:
    """``events.jsonl:7: date: …`` (warnings say so after the line number)."""
    from timeline.check import Severity

    where = problem.source or source  # the registry's problems name it
    parts = [f"{where}:{problem.lineno}" if problem.lineno else where]
    if problem.severity is not Severity.ERROR:
        parts.append(problem.severity.value)
    if problem.field:
        parts.append(problem.field)
    parts.append(problem.message)
    return ": ".join(parts)


def problems(found: Iterable[Problem], *, source: str) -> TextLines:
    """One line per problem, like a compiler's."""
    return TextLines(visible(problem_text(p, source)) for p in found)


def diff_stat(stat: Stat) -> TextLines:
    """'+3 −1 ~2'."""
    return TextLines([stat_label(stat)])


def stat_label(stat: Stat) -> str:
    """'+3 −1 ~2'."""
    return f"+{stat.added} −{stat.removed} ~{stat.changed}"


def stats(result: Stats) -> TextLines:
    """Tab-separated rows: the period (for a series), a column per --by field, the count. A
    period known only coarser than the series' shows as such (``2024-08`` among weeks)."""
    return TextLines(_stats_lines(result))


def _stats_lines(result: Stats) -> Iterator[str]:
    for row in result.rows:
        cells = [] if row.period is None else [row.period.label]
        cells += [visible(value_label(v, other=row.other)) for v in row.key]
        cells.append(str(row.count))
        yield "\t".join(cells)
