"""What ``show`` selects from a log, in date order: validated events for the views, or canonical
JSON lines for machines, read on every core when the log is large."""

from __future__ import annotations

import contextlib
import functools
import os
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from timeline.errors import LineError
from timeline.log import parallel
from timeline.log.files import snapshot
from timeline.log.lines import RawLine, display_name
from timeline.log.sources import read_any_lines
from timeline.parsing import InvalidLine, ValidLine, parse_lines, valid_lines, with_torn_note
from timeline.prefilter import Prefilter
from timeline.query import Filter, Responses, matches, order, sort_key
from timeline.rules import EventLike, canonical_json

OnInvalid = Callable[[InvalidLine], None]


@dataclass(frozen=True, slots=True)
class Selection:
    """The events a view shows, in order, what the whole log says of them (answers and
    rejections), which the views mark, and the events they answer, by id (the views name
    them)."""

    events: Sequence[EventLike]
    responses: Responses
    answered: Mapping[str, EventLike] = field(default_factory=dict)


def select_events(
    lines: Iterable[RawLine],
    flt: Filter,
    *,
    source: str,
    strict: bool,
    reverse: bool = False,
    limit: int | None = None,
    on_invalid: OnInvalid,
    reread: Callable[[], Iterable[RawLine]] | None = None,
) -> Selection:
    """The events of ``lines`` that match ``flt``, sorted by date, the responses of all, and
    the events the selected ones answer. Those the first reading passed over are looked up in
    a second, by id, when ``reread`` gives the lines again."""
    # The views mark answered and disputed events, so lines that answer others are read too.
    answers_or_may_match: Callable[[bytes], bool] | None = None
    if not (strict or flt.is_empty):
        may_match = Prefilter(flt)
        answers_or_may_match = lambda c: b'"responds_to":[]' not in c or may_match(c)  # noqa: E731
    responses = Responses()
    kept = []
    valid = valid_lines(
        lines, source=source, strict=strict, want=answers_or_may_match, on_invalid=on_invalid
    )
    seen: dict[str, EventLike] = {}
    for parsed in valid:
        event = parsed.event
        responses.note(event)
        seen.setdefault(event.id, event)
        if matches(event, flt):
            kept.append(event)
    events = order(kept, reverse=reverse, limit=limit)
    wanted = {ref for event in events for ref in event.responds_to}
    answered = {ref: seen[ref] for ref in wanted if ref in seen}
    missing = wanted - answered.keys()
    if missing and reread is not None:
        by_id = Prefilter(Filter(ids=tuple(missing)))
        for found in parse_lines(reread(), source=source, want=by_id):
            if isinstance(found, ValidLine) and found.event.id in missing:
                answered.setdefault(found.event.id, found.event)
    return Selection(events, responses, answered)


@dataclass(slots=True)
class Kept:
    """The events ``show --json`` keeps, in file order, as columns: each event's place in date
    order (``query.sort_key``) and either where its canonical line lies in the log (to be read
    there again when the output is written) or a copy of its canonical JSON. Columns of machine
    integers cost a fraction of a tuple per event, in memory and in passing them from a worker
    to the parent.
    """

    places: array[int] = field(default_factory=lambda: array("l"))
    offsets: array[int] = field(default_factory=lambda: array("q"))  # -1: see ``copies``
    lengths: array[int] = field(default_factory=lambda: array("q"))
    copies: dict[int, bytes] = field(default_factory=dict)  # by position

    def add_span(self, place: int, offset: int, length: int) -> None:
        self.places.append(place)
        self.offsets.append(offset)
        self.lengths.append(length)

    def add_copy(self, place: int, data: bytes) -> None:
        self.copies[len(self.places)] = data
        self.add_span(place, -1, 0)

    def extend(self, other: Kept) -> None:
        """``other``'s events after these (the next range of the log)."""
        base = len(self.places)
        self.places.extend(other.places)
        self.offsets.extend(other.offsets)
        self.lengths.extend(other.lengths)
        self.copies.update((base + at, data) for at, data in other.copies.items())

    def lines(self, positions: Iterable[int], log_fd: int) -> Iterator[bytes]:
        """The canonical lines at ``positions``, read from the open log where they lie."""
        for at in positions:
            offset = self.offsets[at]
            yield self.copies[at] if offset < 0 else os.pread(log_fd, self.lengths[at], offset)


class BadLine(NamedTuple):
    """A line that holds no valid event, as a worker reports it."""

    lineno: int  # 0: not numbered
    offset: int  # -1: not known
    problems: list[tuple[str | None, str]]
    complete: bool  # the line ends with a newline


def select_canonical(
    lines: Iterable[RawLine],
    flt: Filter,
    *,
    want: Callable[[bytes], bool] | None = None,
    by_offset: bool = False,
) -> tuple[Kept, list[BadLine]]:
    """Each matching event, in file order, and the lines that are not events. With
    ``by_offset``, a canonical line is not copied: the caller reads it again at its offset
    when it writes the output."""
    kept = Kept()
    bad: list[BadLine] = []
    for parsed in parse_lines(lines, source="", want=want):
        line = parsed.line
        if isinstance(parsed, InvalidLine):
            bad.append(BadLine(line.lineno, line.offset, parsed.error.problems, line.is_complete))
            continue
        event = parsed.event
        if matches(event, flt):
            if by_offset and parsed.canonical:
                kept.add_span(sort_key(event), line.offset, len(line.content))
            else:
                data = line.content if parsed.canonical else canonical_json(event).encode()
                kept.add_copy(sort_key(event), data)
    return kept, bad


def numbered(log_fd: int, bad: list[BadLine]) -> list[BadLine]:
    """Bad lines that workers found, numbered from their offsets in the open log."""
    numbers = parallel.line_numbers(log_fd, (b.offset for b in bad))
    return [b._replace(lineno=numbers[b.offset]) for b in bad]


def report_bad_lines(
    bad: Iterable[BadLine], *, source: str, strict: bool, on_invalid: OnInvalid
) -> None:
    """Each bad line to ``on_invalid``, in order; with ``strict``, the first is raised."""
    for lineno, offset, problems, complete in bad:
        error = LineError.from_problems(source, lineno, problems)
        with_torn_note(error, complete=complete)
        if strict:
            raise error
        on_invalid(InvalidLine(RawLine(lineno, b"\n" if complete else b"", offset), error))


def canonical_range(fd: int, start: int, end: int, *, flt: Filter) -> tuple[Kept, list[BadLine]]:
    """``select_canonical`` over one byte range of a log: the work of one parallel worker."""
    want = None if flt.is_empty else Prefilter(flt)
    lines = parallel.range_lines(fd, start, end, want.anchors() if want else None)
    return select_canonical(lines, flt, want=want, by_offset=True)


@contextlib.contextmanager
def canonical_lines(
    spec: str,
    flt: Filter,
    *,
    strict: bool,
    reverse: bool = False,
    limit: int | None = None,
    on_invalid: OnInvalid,
) -> Iterator[Iterator[bytes]]:
    """The matching events as canonical JSON lines (without line ends), sorted by date.

    Machine output needs no responses, so lines that cannot match are never parsed; a large
    log is read on every core (see ``log.parallel``), and its canonical lines are copied from
    the file straight to the output, which is why the log stays open until the caller is done
    (its lock is not held: see ``log.files.snapshot``).
    Bad lines go to ``on_invalid`` before the first line is yielded.
    """
    name = display_name(spec)
    ranges = None
    log_fd = -1  # the log's snapshot, when lines are copied from it
    with contextlib.ExitStack() as stack:
        if not strict and parallel.is_large(spec):
            snap = stack.enter_context(snapshot(spec))
            log_fd = snap.fd
            ranges = parallel.line_ranges(snap, parallel.workers())
        if ranges is None:
            want = None if strict or flt.is_empty else Prefilter(flt)
            lines = read_any_lines(spec, anchors=want.anchors() if want else None)
            kept, bad = select_canonical(lines, flt, want=want)
        else:
            parts = parallel.map_ranges(functools.partial(canonical_range, flt=flt), log_fd, ranges)
            kept = Kept()
            for part_kept, _ in parts:
                kept.extend(part_kept)
            bad = numbered(log_fd, [item for _, part_bad in parts for item in part_bad])
        report_bad_lines(bad, source=name, strict=strict, on_invalid=on_invalid)
        places = kept.places
        ranked = order(range(len(places)), key=places.__getitem__, reverse=reverse, limit=limit)
        yield kept.lines(ranked, log_fd)
