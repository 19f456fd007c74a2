"""Reading a log into stats (``stats.Tally``): the same reading as ``show``, keeping counters
instead of events.

Lines that cannot match are passed over unparsed (``Prefilter``), and a large log is read on
every core (``log.parallel``), each worker counting its range into a small tally that the
parent adds up: memory grows with the number of values and periods, not of events.

A counted status is the one ``show`` gives: a claim that a ``reject`` answers anywhere in the
log is disputed. The first reading counts stored statuses and collects the ids that rejects
answer; a second, which reads only the lines holding those ids, moves their counts to
disputed. Standard input cannot be read twice: there, the first reading remembers where it
counted each event instead.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Callable, Iterable, Sequence

from timeline.log import parallel
from timeline.log.files import snapshot
from timeline.log.lines import RawLine, display_name
from timeline.log.scan import Anchors
from timeline.log.sources import read_any_lines
from timeline.parsing import InvalidLine, ValidLine, parse_lines
from timeline.prefilter import Prefilter
from timeline.query import Filter, matches
from timeline.rules import EventLike
from timeline.selection import (
    BadLine,
    BadLines,
    OnInvalid,
    OnMore,
    joined_bad_lines,
    range_events,
    report_bad_lines,
)
from timeline.stats import Spec, Stats, Tally, counter, finish, note_rejections
from timeline.vocab import Status


def _reading(
    flt: Filter, spec: Spec, *, recount: bool, strict: bool
) -> tuple[Callable[[bytes], bool] | None, Anchors | None]:
    """Which lines to parse (``want``) and where to look for them (``anchors``)."""
    if strict:
        return None, None  # every line is read, so that every bad one is found
    may_match = None if flt.is_empty else Prefilter(flt)
    if spec.status_at is not None and not recount:
        # The rejections of the whole log decide statuses, so lines that may be rejects are read.
        if may_match is None:
            return None, None
        return (lambda c: b"reject" in c or b"\\" in c or may_match(c)), None
    return may_match, may_match.anchors() if may_match is not None else None


def tally_lines(
    lines: Iterable[RawLine], flt: Filter, spec: Spec, tally: Tally, *,
    want: Callable[[bytes], bool] | None, recount: bool = False,
) -> BadLines:  # fmt: skip
    """Count the events of ``lines`` that match ``flt`` into ``tally``; the bad lines, in
    order. ``recount``: count only those not stored as disputed (the second reading)."""
    parsed = parse_lines(lines, source="", want=want)
    events = (one.event if isinstance(one, ValidLine) else one for one in parsed)
    return _tally(events, flt, spec, tally, recount=recount)


def _tally(
    events: Iterable[EventLike | InvalidLine], flt: Filter, spec: Spec, tally: Tally, *,
    recount: bool,
) -> BadLines:  # fmt: skip
    """``tally_lines`` of events already read, and the lines that hold none."""
    count = counter(spec)
    rejections = spec.status_at is not None and not recount
    bad = BadLines()
    for event in events:
        if isinstance(event, InvalidLine):
            line = event.line
            bad.add(BadLine(line.lineno, line.offset, event.error.problems, line.is_complete))
            continue
        if rejections:
            note_rejections(tally, event)
        if matches(event, flt) and not (recount and event.status is not Status.CLAIMED):
            count(tally, event)
    return bad


def tally_range(
    fd: int, start: int, end: int, *, flt: Filter, spec: Spec, recount: bool = False
) -> tuple[Tally, BadLines]:
    """``tally_lines`` over one byte range of a log: the work of one parallel worker. When
    every line is read, the lines the fast path reads skip the pipeline (``range_events``)."""
    want, anchors = _reading(flt, spec, recount=recount, strict=False)
    tally = Tally()
    if want is None and anchors is None:
        return tally, _tally(range_events(fd, start, end), flt, spec, tally, recount=recount)
    lines = parallel.range_lines(fd, start, end, anchors)
    return tally, tally_lines(lines, flt, spec, tally, want=want, recount=recount)


def _disputed_filter(flt: Filter, rejected: set[str]) -> Filter | None:
    """The filter of the events to move to disputed: those that match and a reject answers."""
    ids = [i for i in flt.ids if i in rejected] if flt.ids else sorted(rejected)
    return dataclasses.replace(flt, ids=tuple(ids)) if ids else None


def count_log(
    spec_path: str, flt: Filter, spec: Spec, *, strict: bool, on_invalid: OnInvalid,
    on_more: OnMore, top: int | None = None,
) -> Stats:  # fmt: skip
    """The stats of the events of a log (a path, ``-`` or git's ``REV:PATH``) that match
    ``flt``. Bad lines go to ``on_invalid``; with ``strict``, the first is raised."""
    return count_logs(
        [spec_path], flt, spec, strict=strict, on_invalid=on_invalid, on_more=on_more, top=top
    )


def count_logs(
    spec_paths: Sequence[str], flt: Filter, spec: Spec, *, strict: bool, on_invalid: OnInvalid,
    on_more: OnMore, top: int | None = None,
) -> Stats:  # fmt: skip
    """``count_log`` over several logs read as one: a ``reject`` in one disputes a claim in
    another. Each log's bad lines are reported with its own name."""
    tally = Tally()
    with contextlib.ExitStack() as stack:
        recounts = []
        for spec_path in spec_paths:
            part, recount = _first_reading(
                spec_path, flt, spec, strict=strict, on_invalid=on_invalid, on_more=on_more,
                stack=stack,
            )  # fmt: skip
            tally.merge(part)
            recounts.append(recount)
        if spec.status_at is not None:
            disputed = _disputed_filter(flt, tally.rejected)
            if disputed is not None:
                moved = Tally()
                for recount in recounts:
                    moved.merge(recount(disputed))
                tally.correct_status(spec, moved.counts.elements())
    return finish(tally, spec, top=top, since=flt.since, until=flt.until)


Recount = Callable[[Filter], Tally]
"""A second reading of a log: the claims of a filter (a reject answering one disputes it)."""


def _first_reading(
    spec_path: str, flt: Filter, spec: Spec, *, strict: bool, on_invalid: OnInvalid,
    on_more: OnMore, stack: contextlib.ExitStack,
) -> tuple[Tally, Recount]:  # fmt: skip
    """The tally of one log, and how to read it again to move claims that a ``reject`` answers
    to disputed (standard input too: it is read from its copy)."""
    name = display_name(spec_path)
    ranges = None
    log_fd = -1
    if not strict and parallel.is_large(spec_path):
        snap = stack.enter_context(snapshot(spec_path))
        log_fd = snap.fd
        ranges = parallel.ranges(snap)
    if ranges is None:
        return _serial(
            spec_path, flt, spec, strict=strict, name=name, on_invalid=on_invalid,
            on_more=on_more,
        )  # fmt: skip
    work = functools.partial(tally_range, flt=flt, spec=spec)
    tally = Tally()
    parts = parallel.map_ranges(work, log_fd, ranges)
    for part, _ in parts:
        tally.merge(part)
    bad = joined_bad_lines((part_bad for _, part_bad in parts), log_fd)
    report_bad_lines(bad, name=name, strict=False, on_invalid=on_invalid, on_more=on_more)

    def recount(disputed: Filter) -> Tally:
        again = functools.partial(tally_range, flt=disputed, spec=spec, recount=True)
        moved = Tally()
        for part, _ in parallel.map_ranges(again, log_fd, ranges):
            moved.merge(part)
        return moved

    return tally, recount


def _serial(
    spec_path: str, flt: Filter, spec: Spec, *, strict: bool, name: str, on_invalid: OnInvalid,
    on_more: OnMore,
) -> tuple[Tally, Recount]:  # fmt: skip
    """The tally of a log read by this process alone."""
    tally = Tally()
    want, anchors = _reading(flt, spec, recount=False, strict=strict)
    lines = read_any_lines(spec_path, anchors=anchors)
    bad = tally_lines(lines, flt, spec, tally, want=want)
    report_bad_lines(bad, name=name, strict=strict, on_invalid=on_invalid, on_more=on_more)

    def recount(disputed: Filter) -> Tally:
        want, anchors = _reading(disputed, spec, recount=True, strict=False)
        moved = Tally()
        lines = read_any_lines(spec_path, anchors=anchors)
        tally_lines(lines, disputed, spec, moved, want=want, recount=True)
        return moved

    return tally, recount
