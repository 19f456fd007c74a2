"""Linting a log: every problem of every line, found in one pass over the parsed lines."""

from __future__ import annotations

import enum
import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from timeline.log.spool import Spool
from timeline.parsing import InvalidLine, ParsedLine
from timeline.rules import EventLike
from timeline.vocab import EventType, Status

if TYPE_CHECKING:
    from timeline.actors import Registry


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"  # worth knowing, never a problem: reported with --strict only


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one line."""

    lineno: int
    severity: Severity
    message: str
    field: str | None = None
    source: str | None = None  # another file than the log (the actor registry)


def not_yet(event: EventLike, as_of: date) -> str | None:
    """Why an event cannot be in a log on ``as_of``: it begins later. The writers (``add``,
    ``edit``, ``import``) refuse what ``check`` would report."""
    if event.date > as_of:
        return f"{event.date.isoformat()} is after {as_of.isoformat()} (--as-of)"
    return None


def check_lines(
    lines: Iterable[ParsedLine],
    *,
    as_of: date,
    registry: Registry | None = None,
    unused: bool = False,
) -> Iterator[Problem]:
    """Every problem in a log, in line order: bad lines, duplicate ids, dangling references,
    future dates, claims rejected but not marked disputed, and a torn last line. With a
    ``registry``, actors drifting from it too (see ``actor_drift``); with ``unused`` as well,
    the registry's actors that no event names, after the log's problems.

    Memory grows with the log's valid events (their ids) and its actors, not with its bad lines.
    """
    first_line: dict[str, int] = {}
    actors: dict[str, tuple[int, str]] = {}  # each actor's first line, and the field there
    references: list[tuple[int, str]] = []
    claims: dict[str, int] = {}
    rejections: list[tuple[int, str, str]] = []
    last = None
    # Problems found line by line wait in a spool, in line order, until those that only the end
    # of the log can tell (dangling references, rejected claims) are known: so a log of millions
    # of bad lines is checked in bounded memory.
    with Spool[tuple[int, str, str | None]]() as spool:  # errors: line, message, field
        hold = spool.add
        for parsed in lines:
            last = parsed
            lineno = parsed.line.lineno
            if isinstance(parsed, InvalidLine):
                for field, message in parsed.error.problems:
                    hold((lineno, message, field))
                continue
            event = parsed.event
            if event.id in first_line:
                message = f"{event.id!r} is also the id on line {first_line[event.id]}"
                hold((lineno, message, "id"))
            else:
                first_line[event.id] = lineno
            if (future := not_yet(event, as_of)) is not None:
                hold((lineno, future, "date"))
            if registry is not None:
                for field_name, ids in (("actors", event.actors), ("targets", event.targets)):
                    for actor in ids:
                        if actor not in actors:
                            actors[actor] = (lineno, field_name)
            references.extend((lineno, ref) for ref in event.responds_to)
            if event.status is Status.CLAIMED:
                claims[event.id] = lineno
            if event.type is EventType.REJECT:
                rejections.extend((lineno, event.id, ref) for ref in event.responds_to)
        found_late = [
            Problem(lineno, Severity.ERROR, f"no event with id {ref!r} in the log", "responds_to")
            for lineno, ref in references
            if ref not in first_line
        ]
        warned: set[str] = set()
        for lineno, rejecting, ref in rejections:
            if ref in claims and ref not in warned:
                warned.add(ref)
                message = (
                    f"'claimed', but {rejecting!r} (line {lineno}) rejects it: mark it 'disputed'?"
                )
                found_late.append(Problem(claims[ref], Severity.WARNING, message, "status"))
        if last is not None and not last.line.is_complete:
            message = "last line has no newline (a write cut short?)"
            found_late.append(Problem(last.line.lineno, Severity.WARNING, message))
        if registry is not None:
            found_late.extend(actor_drift(actors, registry))
        found_late.sort(key=_line_of)  # stable: on one line, in the order found
        held = (Problem(lineno, Severity.ERROR, message, field) for lineno, message, field in spool)
        # On one line, problems found as the line was read come first (merge is stable).
        yield from heapq.merge(held, found_late, key=_line_of)
    if registry is not None and unused:
        yield from unused_actors(actors, registry)


def actor_drift(actors: Mapping[str, tuple[int, str]], registry: Registry) -> list[Problem]:
    """Warnings for the log's actors (each with its first line and field) that drift from
    ``registry``: one it does not hold, and two ids so alike they are probably one actor (unless
    the registry holds both: then they are two on purpose)."""
    from timeline.actors import similar_pairs

    found = [
        Problem(lineno, Severity.WARNING, registry.unknown(actor), field)
        for actor, (lineno, field) in actors.items()
        if not registry.knows(actor)
    ]
    for first, second in similar_pairs(actors):
        if registry.knows(first) and registry.knows(second):
            continue
        (line_a, _), (line_b, field) = actors[first], actors[second]
        message = (
            f"{second!r} (line {line_b}) and {first!r} (line {line_a}) are probably one actor: "
            f"'timeline actors rename' one to the other"
        )
        found.append(Problem(line_b, Severity.WARNING, message, field))
    return found


def unused_actors(actors: Mapping[str, tuple[int, str]], registry: Registry) -> Iterator[Problem]:
    """A note for each actor of ``registry`` that no event names, at its table's line."""
    for actor in registry.actors.values():
        if actor.id not in actors:
            message = f"[{actor.id}] is not used by any event"
            yield Problem(actor.line or 0, Severity.INFO, message, source=registry.source)


def _line_of(problem: Problem) -> int:
    return problem.lineno
