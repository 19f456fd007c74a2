"""Importing a batch of events: all of them, or none if any is invalid.

The input is read once, as a stream: each line (or element of a JSON array) is validated and
its canonical line written to a staging file, so that memory holds the input's ids (and the ids
its events respond to), never its events. Problems are passed on in line order as they are
found, to be reported, not raised: every one of them is reported at once. The batch is checked
on its own first (each line valid, no id twice, no date after ``as_of``), then, under the log's
lock, against the log it goes into (no id the log holds, no response to an unknown event).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import IO, TYPE_CHECKING

from timeline.check import not_yet
from timeline.errors import LineError, LogReadError
from timeline.log.decoding import (
    INPUT_LINE_LIMIT,
    KnownIds,
    json_objects,
    split_json_array,
    split_json_values,
    wide_encoding_error,
)
from timeline.log.lines import BOM, RawLine, os_reason
from timeline.parsing import InvalidLine, parse_lines
from timeline.rules import canonical_json

if TYPE_CHECKING:
    from timeline.actors import Registry
    from timeline.rules import EventLike

OnProblem = Callable[[LineError], None]

_HEAD = 1 << 20  # bytes of a line read at once while looking for the input's first value
_CHUNK = 1 << 20


def input_lines(
    fh: IO[bytes], *, name: str, on_problem: OnProblem, limit: int = INPUT_LINE_LIMIT
) -> Iterator[RawLine]:
    """The lines of JSON Lines input; a JSON array is split into one line per element, and
    objects printed over many lines (an input whose first line is a lone '{' that goes on
    inside its object) into one line per object.

    Memory holds one line (or element) at a time: a line longer than ``limit`` bytes goes to
    ``on_problem`` unread, and so does an element longer than that (raised: what follows it
    in the array cannot be read). An array that ends early is a ``LineError`` at its line."""
    try:
        yield from _input_lines(fh, name=name, on_problem=on_problem, limit=limit)
    except OSError as exc:
        raise LogReadError(f"{name}: cannot read: {os_reason(exc)}") from None


def _input_lines(
    fh: IO[bytes], *, name: str, on_problem: OnProblem, limit: int
) -> Iterator[RawLine]:
    lineno = 0
    while True:
        lineno += 1
        line = fh.readline(_HEAD)
        text = line.removeprefix(BOM) if lineno == 1 else line
        while text and not text.strip() and not text.endswith(b"\n"):  # a long blank line
            line = text = fh.readline(_HEAD)
        if not line:
            return
        wide = wide_encoding_error(line, source=name, lineno=lineno) if lineno == 1 else None
        if wide is not None:  # every line of it: one error, not one a line
            raise wide
        if not text.strip():
            continue
        opened = text.strip()
        if opened.startswith(b"["):
            chunks = itertools.chain([text], iter(functools.partial(fh.read, _CHUNK), b""))
            yield from split_json_array(chunks, first_lineno=lineno, source=name, limit=limit)
            return
        if opened == b"{":
            following = fh.readline(_HEAD)
            if _inside_an_object(following):  # objects printed over many lines (jq without -c)
                rest = iter(functools.partial(fh.read, _CHUNK), b"")
                chunks = itertools.chain([text, following], rest)
                yield from split_json_values(chunks, first_lineno=lineno, source=name, limit=limit)
                return
            # JSON Lines whose first event a hand edit broke: a bad line, and the others read
            yield RawLine(lineno, line)
            line, lineno = following, lineno + 1
            if not line:
                return
        break
    # JSON Lines: this first line read on to its end, then the others, each at most ``limit``.
    while True:
        if not line.endswith(b"\n") and len(line) >= _HEAD:  # a long line: read on in pieces
            pieces, size = [line], len(line)
            while size <= limit and line and not line.endswith(b"\n"):
                line = fh.readline(_CHUNK)
                pieces.append(line)
                size += len(line)
            if size > limit:
                pieces.clear()
                while line and not line.endswith(b"\n"):  # the rest of it, never held
                    line = fh.readline(_CHUNK)
                message = f"a line longer than {limit >> 20} MiB: not imported"
                on_problem(LineError(name, lineno, message))
            else:
                yield RawLine(lineno, b"".join(pieces))
        else:
            yield RawLine(lineno, line)
        line = fh.readline(_HEAD)
        if not line:
            return
        lineno += 1


def _inside_an_object(line: bytes) -> bool:
    """Whether the line after a lone '{' goes on inside that object, as a pretty-printer
    writes it (indented, a key, or its '}'), rather than being an event of its own."""
    return line[:1] in (b" ", b"\t") or line.lstrip().startswith((b'"', b"}"))


class Resolver:
    """Actors and targets that a registry knows by a name or an alias, replaced by their ids;
    what was replaced (value → id) and the values it does not know, each once, in the order
    met, with the line of the first event that names it. Each distinct value is looked up
    once."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._ids: dict[str, str | None] = {}
        self._unknown: dict[str, int] = {}

    def _resolved(self, values: tuple[str, ...], lineno: int) -> tuple[str, ...]:
        ids = self._ids
        for value in values:
            if value not in ids:
                ids[value] = found = self._registry.resolve(value)
                if found is None:
                    self._unknown[value] = lineno
        return tuple(dict.fromkeys(ids[v] or v for v in values))

    def __call__(self, event: EventLike, lineno: int) -> EventLike:
        actors = self._resolved(event.actors, lineno)
        targets = self._resolved(event.targets, lineno)
        if (actors, targets) == (event.actors, event.targets):
            return event
        return _replaced(event, actors=actors, targets=targets)

    @property
    def renamed(self) -> dict[str, str]:
        return {v: id_ for v, id_ in self._ids.items() if id_ is not None and id_ != v}

    @property
    def unknown(self) -> dict[str, int]:
        """Each value the registry does not know, and the line that first names it."""
        return dict(self._unknown)


@dataclass(slots=True)
class Staged:
    """The valid events of an input: their canonical lines (LF-terminated) in ``file``, in
    input order, and in memory only the input line of each id and what each event answers."""

    file: IO[bytes]
    lines: dict[str, int] = field(default_factory=dict)  # id → input line, in input order
    responses: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id → responds_to
    refused: dict[str, int] = field(default_factory=dict)  # id → first line not staged
    size: int = 0  # bytes in ``file``

    def canonical(self) -> Iterator[tuple[str, bytes]]:
        """Each staged event's id and canonical line (with its newline), in input order."""
        self.file.seek(0)
        return zip(self.lines, self.file, strict=True)


def stage(
    lines: Iterable[RawLine],
    into: IO[bytes],
    *,
    name: str,
    as_of: date,
    on_problem: OnProblem,
    resolve: Resolver | None = None,
) -> Staged:
    """The valid events of an input (JSON Lines or one JSON array, see ``input_lines``),
    written to ``into``; each problem to ``on_problem``, in line order."""
    staged = Staged(into)
    known, responses, write = staged.lines, staged.responses, into.write
    try:
        for parsed in parse_lines(lines, source=name):
            lineno = parsed.line.lineno
            if isinstance(parsed, InvalidLine):
                on_problem(parsed.error)
                for _, obj in json_objects([parsed.line]):  # its id, if it names one
                    if isinstance(obj.get("id"), str):
                        staged.refused.setdefault(obj["id"], lineno)
                continue
            event = parsed.event
            if event.id in known:
                first = known[event.id]
                where = f"line {first}" if first != lineno else "an element before it on its line"
                message = f"{event.id!r} repeats {where}"
                on_problem(LineError(name, lineno, message, field="id"))
            elif (future := not_yet(event, as_of)) is not None:
                on_problem(LineError(name, lineno, future, field="date"))
                staged.refused.setdefault(event.id, lineno)
            else:
                known[event.id] = lineno
                if event.responds_to:
                    responses[event.id] = event.responds_to
                resolved = event if resolve is None else resolve(event, lineno)
                if parsed.canonical and resolved is event:
                    data = parsed.line.content + b"\n"
                else:
                    data = canonical_json(resolved).encode("utf-8") + b"\n"
                write(data)
                staged.size += len(data)
    except LineError as exc:  # a JSON array that ends early: nothing after the error is read
        on_problem(exc)
    into.flush()
    return staged


@dataclass(slots=True)
class Review:
    """What reviewing staged events against a log found (its problems went to ``on_problem``):
    the events with a problem, and the links dropped from others."""

    conflicting: set[str] = field(default_factory=set)  # ids of the events with a problem
    dropped_links: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id → kept links


def review(
    staged: Staged,
    known: KnownIds,
    *,
    name: str,
    log: str,
    drop_missing_links: bool,
    on_problem: OnProblem,
    on_note: Callable[[int, str], None],
) -> Review:
    """Check the staged events against a log whose ids are ``known``: an id the log holds
    already, or a response to an event that is neither in the log nor in the input (or on an
    input line with a problem). With ``drop_missing_links``, such a response is dropped
    instead, with a note each (its line number, and the note)."""
    found = Review()
    ids, responses, events = staged.lines, staged.responses, known.events
    for event_id, lineno in ids.items():
        taken = known.taken(event_id, name=log)
        if taken is not None:
            message = f"{event_id!r} exists already ({taken})"
            on_problem(LineError(name, lineno, message, field="id"))
            found.conflicting.add(event_id)
        refs = responses.get(event_id, ())
        missing = [ref for ref in refs if ref not in events and ref not in ids]
        if missing and drop_missing_links:
            for ref in missing:
                line = staged.refused.get(ref)
                why = f"not in {log} or the input" if line is None else f"line {line} has a problem"
                on_note(lineno, f"{name}:{lineno}: responds_to: dropped {ref!r}: {why}")
            kept = tuple(ref for ref in refs if ref not in missing)
            found.dropped_links[event_id] = kept
            if kept:
                responses[event_id] = kept
            else:
                del responses[event_id]
        elif missing:
            for ref in missing:  # to the log, or to another event of the input
                if ref in staged.refused:
                    message = f"{ref!r} is not imported: line {staged.refused[ref]} has a problem"
                else:
                    message = f"no event with id {ref!r} in {log} or the input"
                on_problem(LineError(name, lineno, message, field="responds_to"))
            found.conflicting.add(event_id)
    return found


def without(
    staged: Staged, skipped: set[str], known: Mapping[str, int], *, name: str
) -> tuple[set[str], list[LineError]]:
    """The events ``skipped`` names, and the events that respond to one of those (they would
    point nowhere), repeatedly; and a problem for each of the latter, in line order. (The
    input's invalid elements never entered the batch; events of a JSON array can share a line.)
    """
    answered_by: dict[str, list[str]] = {}  # an input event's id → the events answering it
    for event_id, refs in staged.responses.items():
        for ref in refs:
            if ref not in known:
                answered_by.setdefault(ref, []).append(event_id)
    dropped = set(skipped)
    cascaded: list[str] = []
    waiting = list(skipped)
    while waiting:
        for event_id in answered_by.get(waiting.pop(), ()):
            if event_id not in dropped:
                dropped.add(event_id)
                cascaded.append(event_id)
                waiting.append(event_id)
    problems = []
    for event_id in sorted(cascaded, key=staged.lines.__getitem__):
        lost = next(r for r in staged.responses[event_id] if r not in known and r in dropped)
        message = f"responds to {lost!r}, which is not imported"
        problems.append(LineError(name, staged.lines[event_id], message, field="responds_to"))
    return dropped, problems


def final_lines(
    staged: Staged, dropped: set[str], dropped_links: Mapping[str, tuple[str, ...]]
) -> Iterator[bytes]:
    """The staged canonical lines less the ``dropped`` events, with the links dropped."""
    for event_id, data in staged.canonical():
        if event_id in dropped:
            continue
        if event_id in dropped_links:
            (parsed,) = parse_lines([RawLine(1, data)], source="")
            assert not isinstance(parsed, InvalidLine)  # it was staged valid
            changed = _replaced(parsed.event, responds_to=dropped_links[event_id])
            data = canonical_json(changed).encode("utf-8") + b"\n"
        yield data


def _replaced(event: EventLike, **changes: tuple[str, ...]) -> EventLike:
    """``event`` with some fields replaced (either kind of event: fast path or model)."""
    import msgspec

    copy = getattr(event, "model_copy", None)
    if copy is not None:
        changed: EventLike = copy(update=changes)
        return changed
    return msgspec.structs.replace(event, **changes)  # type: ignore[type-var]
