"""Linting a log: every problem of every line, found in one pass over the parsed lines."""

from __future__ import annotations

import enum
import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
    return check_logs([(None, lines)], as_of=as_of, registry=registry, unused=unused)


_LINE_BITS = 40  # a place: the file's index above these bits, the line's number in them
_LINE_MASK = (1 << _LINE_BITS) - 1


@dataclass(frozen=True, slots=True)
class _Files:
    """The files of a check, and how a problem names a line of one (``None``: the one log,
    named by the view)."""

    names: Sequence[str | None]

    def problem(
        self, place: int, severity: Severity, message: str, field: str | None = None
    ) -> Problem:
        lineno = place & _LINE_MASK
        return Problem(lineno, severity, message, field, self.names[place >> _LINE_BITS])

    def line(self, place: int, *, seen_from: int) -> str:
        """'line 5', or 'line 5 of a.jsonl' when seen from another file."""
        lineno, name = place & _LINE_MASK, self.names[place >> _LINE_BITS]
        same = place >> _LINE_BITS == seen_from >> _LINE_BITS
        return f"line {lineno}" if same or name is None else f"line {lineno} of {name}"


def check_logs(
    logs: Sequence[tuple[str | None, Iterable[ParsedLine]]],
    *,
    as_of: date,
    registry: Registry | None = None,
    unused: bool = False,
) -> Iterator[Problem]:
    """``check_lines`` over several logs read as one, each given with its name (which every
    problem of its lines carries as its ``source``): an id in two of them is a duplicate, and a
    response may answer an event of another. Problems come file by file, in line order."""
    files = _Files([name for name, _ in logs])
    first_line: dict[str, int] = {}  # each id's place (see _LINE_BITS)
    actors: dict[str, tuple[int, str]] = {}  # each actor's first place, and the field there
    references: list[tuple[int, str]] = []
    claims: dict[str, int] = {}
    rejections: list[tuple[int, str, str]] = []
    torn: list[int] = []  # the last line of each file that has no newline
    # Problems found line by line wait in a spool, in line order, until those that only the end
    # of the logs can tell (dangling references, rejected claims) are known: so a log of
    # millions of bad lines is checked in bounded memory.
    with Spool[tuple[int, str, str | None]]() as spool:  # errors: place, message, field
        hold = spool.add
        for index, (_, lines) in enumerate(logs):
            base = index << _LINE_BITS
            last = None
            for parsed in lines:
                last = parsed
                place = base | parsed.line.lineno
                if isinstance(parsed, InvalidLine):
                    for field, message in parsed.error.problems:
                        hold((place, message, field))
                    continue
                event = parsed.event
                if event.id in first_line:
                    also = files.line(first_line[event.id], seen_from=place)
                    hold((place, f"{event.id!r} is also the id on {also}", "id"))
                else:
                    first_line[event.id] = place
                if (future := not_yet(event, as_of)) is not None:
                    hold((place, future, "date"))
                if registry is not None:
                    for field_name, ids in (("actors", event.actors), ("targets", event.targets)):
                        for actor in ids:
                            if actor not in actors:
                                actors[actor] = (place, field_name)
                references.extend((place, ref) for ref in event.responds_to)
                if event.status is Status.CLAIMED:
                    claims[event.id] = place
                if event.type is EventType.REJECT:
                    rejections.extend((place, event.id, ref) for ref in event.responds_to)
            if last is not None and not last.line.is_complete:
                torn.append(base | last.line.lineno)
        found_late: list[tuple[int, Problem]] = []
        where = "in the log" if len(logs) == 1 else "in the logs"
        found_late.extend(
            (place, files.problem(place, Severity.ERROR, f"no event with id {ref!r} {where}",
                                  "responds_to"))
            for place, ref in references
            if ref not in first_line
        )  # fmt: skip
        warned: set[str] = set()
        for place, rejecting, ref in rejections:
            if ref in claims and ref not in warned:
                warned.add(ref)
                at = claims[ref]
                message = (
                    f"'claimed', but {rejecting!r} ({files.line(place, seen_from=at)}) rejects "
                    "it: mark it 'disputed'?"
                )
                found_late.append((at, files.problem(at, Severity.WARNING, message, "status")))
        message = "last line has no newline (a write cut short?)"
        found_late.extend((at, files.problem(at, Severity.WARNING, message)) for at in torn)
        if registry is not None:
            found_late.extend(actor_drift(actors, registry, files=files))
        found_late.sort(key=_place_of)  # stable: on one line, in the order found
        held = (
            (place, files.problem(place, Severity.ERROR, message, field))
            for place, message, field in spool
        )
        # On one line, problems found as the line was read come first (merge is stable).
        merged = heapq.merge(held, found_late, key=_place_of)
        yield from (problem for _, problem in merged)
    if registry is not None and unused:
        yield from unused_actors(actors, registry)


def actor_drift(
    actors: Mapping[str, tuple[int, str]], registry: Registry, *, files: _Files | None = None
) -> list[tuple[int, Problem]]:
    """Warnings for the log's actors (each with its first place and field) that drift from
    ``registry``: one it does not hold, and two ids so alike they are probably one actor (unless
    the registry holds both: then they are two on purpose); each with its place."""
    from timeline.actors import similar_pairs

    files = files or _Files([None])
    found = [
        (place, files.problem(place, Severity.WARNING, registry.unknown(actor), field))
        for actor, (place, field) in actors.items()
        if not registry.knows(actor)
    ]
    for first, second in similar_pairs(actors):
        if registry.knows(first) and registry.knows(second):
            continue
        (place_a, _), (place_b, field) = actors[first], actors[second]
        message = (
            f"{second!r} ({files.line(place_b, seen_from=place_b)}) and {first!r} "
            f"({files.line(place_a, seen_from=place_b)}) are probably one actor: "
            f"'timeline actors rename' one to the other"
        )
        found.append((place_b, files.problem(place_b, Severity.WARNING, message, field)))
    return found


def unused_actors(actors: Mapping[str, tuple[int, str]], registry: Registry) -> Iterator[Problem]:
    """A note for each actor of ``registry`` that no event names, at its table's line."""
    for actor in registry.actors.values():
        if actor.id not in actors:
            message = f"[{actor.id}] is not used by any event"
            yield Problem(actor.line or 0, Severity.INFO, message, source=registry.source)


def _place_of(found: tuple[int, Problem]) -> int:
    return found[0]
