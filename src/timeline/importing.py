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


def conflicts(batch: Batch, known: Mapping[str, int], *, name: str, log: str) -> list[LineError]:
    """What stops ``batch`` from going into a log whose ids are ``known``: an id it holds
    already, or a response to an event that is neither in the log nor in the batch."""
    problems = []
    for event in batch.events:
        lineno = batch.lines[event.id]
        if event.id in known:
            message = f"{event.id!r} exists already ({log}:{known[event.id]})"
            problems.append(LineError(name, lineno, message, field="id"))
        for ref in event.responds_to:  # to the log, or to another event of the input
            if ref not in known and ref not in batch.lines:
                message = f"no event with id {ref!r} in {log} or the input"
                problems.append(LineError(name, lineno, message, field="responds_to"))
    return problems
