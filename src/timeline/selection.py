"""What ``show`` selects from a log, in date order: validated events for the views, or canonical
JSON lines for machines, read on every core when the log is large."""

from __future__ import annotations

import contextlib
import functools
import operator
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from timeline.errors import LineError
from timeline.log import parallel
from timeline.log.files import open_log
from timeline.log.lines import RawLine, display_name
from timeline.log.sources import read_any_lines
from timeline.parsing import InvalidLine, parse_lines, valid_lines, with_torn_note
from timeline.prefilter import Prefilter
from timeline.query import Filter, Responses, matches, order
from timeline.rules import EventLike, canonical_json

OnInvalid = Callable[[InvalidLine], None]


@dataclass(frozen=True, slots=True)
class Selection:
    """The events a view shows, in order, and what the whole log says of them (answers and
    rejections), which the views mark."""

    events: Sequence[EventLike]
    responses: Responses


def select_events(
    lines: Iterable[RawLine],
    flt: Filter,
    *,
    source: str,
    strict: bool,
    reverse: bool = False,
    limit: int | None = None,
    on_invalid: OnInvalid,
) -> Selection:
    """The events of ``lines`` that match ``flt``, sorted by date, and the responses of all."""
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
    for parsed in valid:
        event = parsed.event
        responses.note(event)
        if matches(event, flt):
            kept.append(event)
    return Selection(order(kept, reverse=reverse, limit=limit), responses)


class LineSpan(NamedTuple):
    """Where a line's content lies in the log file."""

    offset: int
    length: int


class Kept(NamedTuple):
    """A kept event of ``show --json``: its date as an ordinal, and its canonical JSON, or
    where its line is when that is canonical already (to be read there again)."""

    day: int
    data: bytes | LineSpan


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
) -> tuple[list[Kept], list[BadLine]]:
    """Each matching event, in file order, and the lines that are not events. With
    ``by_offset``, a canonical line is not copied: the caller reads it again at its offset
    when it writes the output."""
    kept: list[Kept] = []
    bad: list[BadLine] = []
    for parsed in parse_lines(lines, source="", want=want):
        line = parsed.line
        if isinstance(parsed, InvalidLine):
            bad.append(BadLine(line.lineno, line.offset, parsed.error.problems, line.is_complete))
            continue
        event = parsed.event
        if matches(event, flt):
            if by_offset and parsed.canonical:
                kept.append(Kept(event.date.toordinal(), LineSpan(line.offset, len(line.content))))
            else:
                data = line.content if parsed.canonical else canonical_json(event).encode()
                kept.append(Kept(event.date.toordinal(), data))
    return kept, bad


def canonical_range(
    path: str, start: int, end: int, *, flt: Filter
) -> tuple[list[Kept], list[BadLine]]:
    """``select_canonical`` over one byte range of a log: the work of one parallel worker."""
    want = None if flt.is_empty else Prefilter(flt)
    lines = parallel.range_lines(path, start, end, want.anchors() if want else None)
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
    the file straight to the output, which is why the log stays open until the caller is done.
    Bad lines go to ``on_invalid`` before the first line is yielded.
    """
    name = display_name(spec)
    ranges = None
    log_fd = -1  # the log, open under a shared lock, when lines are copied from it
    with contextlib.ExitStack() as stack:
        if not strict and parallel.is_large(spec):
            # Cut the ranges only under the lock: a rewrite in between would move every line.
            log_fd = stack.enter_context(open_log(spec)).fileno()
            ranges = parallel.line_ranges(spec, parallel.workers())
        if ranges is None:
            want = None if strict or flt.is_empty else Prefilter(flt)
            lines = read_any_lines(spec, anchors=want.anchors() if want else None)
            kept, bad = select_canonical(lines, flt, want=want)
        else:
            parts = parallel.map_ranges(functools.partial(canonical_range, flt=flt), spec, ranges)
            kept = [item for part_kept, _ in parts for item in part_kept]
            bad = [item for _, part_bad in parts for item in part_bad]
            numbers = parallel.line_numbers(spec, (b.offset for b in bad))
            bad = [b._replace(lineno=numbers[b.offset]) for b in bad]
        for lineno, offset, problems, complete in bad:
            error = LineError.from_problems(name, lineno, problems)
            with_torn_note(error, complete=complete)
            if strict:
                raise error
            on_invalid(InvalidLine(RawLine(lineno, b"\n" if complete else b"", offset), error))
        ranked = order(kept, key=operator.itemgetter(0), reverse=reverse, limit=limit)
        yield _canonical_bytes(ranked, log_fd)


def _canonical_bytes(ranked: Iterable[Kept], log_fd: int) -> Iterator[bytes]:
    for _, data in ranked:
        if isinstance(data, LineSpan):  # a canonical line: copied from the log itself
            data = os.pread(log_fd, data.length, data.offset)
        yield data
