"""Importing a batch of events: all of them, or none if any is invalid.

The batch is checked on its own first (each line valid, no id twice, no date after ``as_of``),
then against the log it goes into (no id the log holds, no response to an unknown event).
Problems are returned, not raised, so that every one of them can be reported at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from timeline.check import not_yet
from timeline.errors import LineError
from timeline.log.decoding import split_json_array
from timeline.log.lines import BOM, RawLine
from timeline.parsing import InvalidLine, parse_lines

if TYPE_CHECKING:
    from timeline.actors import Registry
    from timeline.rules import EventLike


def input_lines(lines: Iterable[RawLine], *, name: str) -> Iterator[RawLine]:
    """Lines of JSON Lines input; a JSON array is split into one line per element."""
    buffered = iter(lines)
    for line in buffered:
        if line.is_blank:
            continue
        first = line.data.removeprefix(BOM) if line.lineno == 1 else line.data
        if first.lstrip().startswith(b"["):
            data = first + b"".join(rest.data for rest in buffered)
            yield from split_json_array(data, first_lineno=line.lineno, source=name)
            return
        yield line
        yield from buffered
        return


@dataclass(slots=True)
class Batch:
    """The valid events of an input, the input line of each id, and its problems."""

    events: list[EventLike] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[LineError] = field(default_factory=list)


def read_batch(lines: Iterable[RawLine], *, name: str, as_of: date) -> Batch:
    """The events of an input (JSON Lines or one JSON array) and every problem found in it."""
    batch = Batch()
    try:
        for parsed in parse_lines(input_lines(lines, name=name), source=name):
            lineno = parsed.line.lineno
            if isinstance(parsed, InvalidLine):
                batch.problems.append(parsed.error)
                continue
            event = parsed.event
            if event.id in batch.lines:
                message = f"{event.id!r} repeats line {batch.lines[event.id]}"
                batch.problems.append(LineError(name, lineno, message, field="id"))
            elif (future := not_yet(event, as_of)) is not None:
                batch.problems.append(LineError(name, lineno, future, field="date"))
            else:
                batch.lines[event.id] = lineno
                batch.events.append(event)
    except LineError as exc:  # a JSON array that ends early: nothing after the error is read
        batch.problems.append(exc)
    return batch


def conflicts(
    batch: Batch, known: Mapping[str, int], *, name: str, log: str
) -> list[tuple[str, LineError]]:
    """What stops events of ``batch`` from going into a log whose ids are ``known``, with the
    id of each: an id the log holds already, or a response to an event that is neither in the
    log nor in the batch."""
    problems = []
    for event in batch.events:
        lineno = batch.lines[event.id]
        if event.id in known:
            message = f"{event.id!r} exists already ({log}:{known[event.id]})"
            problems.append((event.id, LineError(name, lineno, message, field="id")))
        for ref in event.responds_to:  # to the log, or to another event of the input
            if ref not in known and ref not in batch.lines:
                message = f"no event with id {ref!r} in {log} or the input"
                problems.append((event.id, LineError(name, lineno, message, field="responds_to")))
    return problems


def _replaced(event: EventLike, **changes: tuple[str, ...]) -> EventLike:
    """``event`` with some fields replaced (either kind of event: fast path or model)."""
    import msgspec

    copy = getattr(event, "model_copy", None)
    if copy is not None:
        changed: EventLike = copy(update=changes)
        return changed
    return msgspec.structs.replace(event, **changes)  # type: ignore[type-var]


def _without_links(event: EventLike, keep: tuple[str, ...]) -> EventLike:
    """``event`` responding only to ``keep``."""
    return _replaced(event, responds_to=keep)


def resolve_actors(batch: Batch, registry: Registry) -> tuple[dict[str, str], list[str]]:
    """Each actor and target of ``batch`` that ``registry`` knows by a name or an alias,
    replaced by its id. Returns what was replaced (value → id) and the values it does not know,
    each once, in the order met. Each distinct value is looked up once."""
    ids: dict[str, str | None] = {}

    def resolved(values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if value not in ids:
                ids[value] = registry.resolve(value)
        return tuple(dict.fromkeys(ids[v] or v for v in values))

    for index, event in enumerate(batch.events):
        actors, targets = resolved(event.actors), resolved(event.targets)
        if (actors, targets) != (event.actors, event.targets):
            batch.events[index] = _replaced(event, actors=actors, targets=targets)
    renamed = {value: id_ for value, id_ in ids.items() if id_ is not None and id_ != value}
    return renamed, [value for value, id_ in ids.items() if id_ is None]


def drop_missing_links(batch: Batch, known: Mapping[str, int], *, name: str, log: str) -> list[str]:
    """Drop from each event of ``batch`` the responses to events that are neither in the log
    nor in the batch (a selection copied from another log); one note per dropped link."""
    notes = []
    for index, event in enumerate(batch.events):
        keep = tuple(r for r in event.responds_to if r in known or r in batch.lines)
        if keep != event.responds_to:
            for ref in event.responds_to:
                if ref not in keep:
                    where = f"{name}:{batch.lines[event.id]}"
                    notes.append(
                        f"{where}: responds_to: dropped {ref!r}: not in {log} or the input"
                    )
            batch.events[index] = _without_links(event, keep)
    return notes


def without(
    batch: Batch, skipped: set[str], known: Mapping[str, int], *, name: str
) -> tuple[Batch, list[LineError]]:
    """``batch`` less the events ``skipped`` names, and less the events that respond to one of
    those (they would point nowhere), repeatedly; and a problem for each of the latter. (The
    input's invalid elements never entered the batch; events of a JSON array can share a line.)
    """
    events = [e for e in batch.events if e.id not in skipped]
    cascaded: list[LineError] = []
    while True:
        kept_ids = {e.id for e in events}
        keep = []
        for event in events:
            lost = [r for r in event.responds_to if r not in known and r not in kept_ids]
            if not lost:
                keep.append(event)
                continue
            message = f"responds to {lost[0]!r}, which is not imported"
            cascaded.append(LineError(name, batch.lines[event.id], message, field="responds_to"))
        if len(keep) == len(events):
            return Batch(events, {e.id: batch.lines[e.id] for e in events}, []), cascaded
        events = keep
