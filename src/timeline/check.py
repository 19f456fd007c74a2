"""Linting a log: every problem of every line, found in one pass over the parsed lines."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from timeline.parsing import InvalidLine, ParsedLine
from timeline.rules import EventLike
from timeline.vocab import EventType, Status


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one line."""

    lineno: int
    severity: Severity
    message: str
    field: str | None = None


def not_yet(event: EventLike, as_of: date) -> str | None:
    """Why an event cannot be in a log on ``as_of``: it begins later. The writers (``add``,
    ``edit``, ``import``) refuse what ``check`` would report."""
    if event.date > as_of:
        return f"{event.date.isoformat()} is after {as_of.isoformat()} (--as-of)"
    return None


def check_lines(lines: Iterable[ParsedLine], *, as_of: date) -> list[Problem]:
    """Every problem in a log, sorted by line: bad lines, duplicate ids, dangling references,
    future dates, claims rejected but not marked disputed, and a torn last line."""
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    references: list[tuple[int, str]] = []
    claims: dict[str, int] = {}
    rejections: list[tuple[int, str, str]] = []
    last = None
    for parsed in lines:
        last = parsed
        if isinstance(parsed, InvalidLine):
            problems.extend(
                Problem(parsed.line.lineno, Severity.ERROR, message, field)
                for field, message in parsed.error.problems
            )
            continue
        event = parsed.event
        lineno = parsed.line.lineno
        if event.id in first_line:
            problems.append(
                Problem(
                    lineno,
                    Severity.ERROR,
                    f"{event.id!r} is also the id on line {first_line[event.id]}",
                    "id",
                )
            )
        else:
            first_line[event.id] = lineno
        if (future := not_yet(event, as_of)) is not None:
            problems.append(Problem(lineno, Severity.ERROR, future, "date"))
        references.extend((lineno, ref) for ref in event.responds_to)
        if event.status is Status.CLAIMED:
            claims[event.id] = lineno
        if event.type is EventType.REJECT:
            rejections.extend((lineno, event.id, ref) for ref in event.responds_to)
    for lineno, ref in references:
        if ref not in first_line:
            problems.append(
                Problem(
                    lineno, Severity.ERROR, f"no event with id {ref!r} in the log", "responds_to"
                )
            )
    warned: set[str] = set()
    for lineno, rejecting, ref in rejections:
        if ref in claims and ref not in warned:
            warned.add(ref)
            problems.append(
                Problem(
                    claims[ref],
                    Severity.WARNING,
                    f"'claimed', but {rejecting!r} (line {lineno}) rejects it: mark it 'disputed'?",
                    "status",
                )
            )
    if last is not None and not last.line.is_complete:
        problems.append(
            Problem(
                last.line.lineno, Severity.WARNING, "last line has no newline (a write cut short?)"
            )
        )
    problems.sort(key=lambda p: p.lineno)
    return problems
