"""What ``show`` selects from a log, in date order: validated events for the views, or canonical
JSON lines for machines, read on every core when the log is large."""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import re
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol, TypeVar, overload, runtime_checkable

from timeline.errors import LineError, LogReadError
from timeline.fastpath import FastEvent, answered_ids
from timeline.log import parallel
from timeline.log.aside import Aside, aside_files, read_at, unpack
from timeline.log.files import Snapshot, snapshot, write_all
from timeline.log.lines import RawLine, display_name, os_reason
from timeline.log.scan import Anchors, file_blocks
from timeline.log.sources import is_path, read_any_lines
from timeline.parsing import (
    InvalidLine,
    ValidLine,
    parse_lines,
    parse_raw_line,
    valid_lines,
    with_torn_note,
)
from timeline.prefilter import ANSWER_LIST, ANSWERS_SHOWN, Prefilter, may_answer
from timeline.query import Filter, Responses, matches, order, sort_key
from timeline.rules import EventLike, canonical_json
from timeline.vocab import EventType

R = TypeVar("R")

OnInvalid = Callable[[InvalidLine], None]
OnMore = Callable[[int], None]  # how many more bad lines there were than were reported
EventLine = Callable[[EventLike, Responses], str]
"""An event's line of text in a view (``formats.SHOW``), given what the log says of it."""
Piece = Callable[[EventLike], str | None]
"""An event's part of a view as if no event answered it, rendered by the readers of a log
(``Selection.pieces``), for a view that depends on the rest of the log only through the
rejections (``Responses.rejected``: the readers read only those of the answers), or also
through which events answer it (``selected``'s ``answered_by``: they read every answer); None
when it depends on others all the same (say, on those it answers)."""


@dataclass(frozen=True, slots=True)
class Selection:
    """The events a view shows, in order, what the whole log says of them (answers and
    rejections), which the views mark, and the events they answer, by id (the views name
    them)."""

    events: Sequence[EventLike]
    responses: Responses
    answered: Mapping[str, EventLike] = field(default_factory=dict)

    def repeated_ids(self) -> dict[str, int]:
        """The ids that more than one of the events has, with how many have each, in the
        order they first come: the hashes of the ids are compared (those the readers kept,
        see ``id_hashes``), and only the events whose hash repeats are visited."""
        events = self.events
        hashes = id_hashes(events)
        counts = Counter(hashes)
        if len(counts) == len(hashes):
            return {}
        again = {value for value, count in counts.items() if count > 1}
        found = Counter(events[at].id for at, value in enumerate(hashes) if value in again)
        return {event_id: count for event_id, count in found.items() if count > 1}

    def answering(self) -> Iterator[EventLike]:
        """The events that answer another, in order: of events read again from the log as
        they are visited (``KeptEvents``), only those whose line may answer are decoded."""
        events = self.events
        if isinstance(events, KeptEvents):
            return events.answering()
        return (event for event in events if event.responds_to)

    def pieces(
        self,
        render: Callable[[EventLike], str],
        *,
        redo: Collection[str] = (),
        names_answered: bool = False,
    ) -> Iterator[tuple[int, str]]:
        """Each event's place in date order (``query.sort_key``) and its part of a view, in
        order: the ``Piece`` its reader rendered (see ``selected``'s ``piece``), unless there
        is none or the event's id is in ``redo`` (what the view's piece could not know, say
        the ids others answer); else ``render(event)``. When a large selection read from a
        log (``KeptEvents``) leaves many events to render, forked workers render them on
        every core, with all ``render`` knows; with ``names_answered`` (``render`` looks up
        ``answered``), the events the selection answers are found first, once, not by each
        worker."""
        events = self.events
        if not isinstance(events, KeptEvents):
            return ((sort_key(event), render(event)) for event in events)
        if names_answered:
            len(self.answered)  # a lookup in the log, when the selection holds a log's events
        return events.pieces(render, redo)

    def runs(self, work: Callable[[Sequence[EventLike]], R]) -> Iterator[R]:
        """``work`` over the events, in order, a run of them at a time: a large selection read
        from a log (``KeptEvents``) in runs of ``TALLY_RUN`` events, in forked workers on
        every core, which inherit ``work`` and all it knows; any other in one run."""
        events = self.events
        if isinstance(events, KeptEvents):
            return events.runs(work)
        return iter([work(events)])


UNANSWERED = Selection((), Responses())
"""The selection a reader of a log renders a ``Piece`` (or a view's line) against: it knows
of no other event, so none answers, rejects or is answered by the one it reads."""


@runtime_checkable
class HashedIds(Protocol):
    """Events whose ids' hashes are known without visiting them."""

    def id_hashes(self) -> list[int]: ...


def id_hashes(events: Sequence[EventLike]) -> list[int]:
    """The hash of each event's id, in order."""
    if isinstance(events, HashedIds):
        return events.id_hashes()
    return [hash(event.id) for event in events]


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
    the events the selected ones answer: the first line of each id, found in the lines read
    when every line was, else in a second reading, by id, when ``reread`` gives the lines
    again."""
    # The views mark answered and disputed events, so lines that answer others are read too.
    answers_or_may_match: Callable[[bytes], bool] | None = None
    if not (strict or flt.is_empty):
        may_match = Prefilter(flt)
        answers_or_may_match = lambda c: may_answer(c) or may_match(c)  # noqa: E731
    responses = Responses()
    kept = []
    valid = valid_lines(
        lines, source=source, strict=strict, want=answers_or_may_match, on_invalid=on_invalid
    )
    # Of lines read in part, an id's first may be one passed over: the second reading finds it.
    seen: dict[str, EventLike] | None = (
        {} if answers_or_may_match is None or reread is None else None
    )
    for parsed in valid:
        event = parsed.event
        responses.note(event)
        if seen is not None:
            seen.setdefault(event.id, event)
        if matches(event, flt):
            kept.append(event)
    events = order(kept, reverse=reverse, limit=limit)
    wanted = {ref for event in events for ref in event.responds_to}
    answered = {} if seen is None else {ref: seen[ref] for ref in wanted if ref in seen}
    missing = wanted - answered.keys()
    if missing and reread is not None:
        by_id = Prefilter(Filter(ids=tuple(missing)))
        for found in parse_lines(reread(), source=source, want=by_id):
            if isinstance(found, ValidLine) and found.event.id in missing:
                answered.setdefault(found.event.id, found.event)
    return Selection(events, responses, answered)


_WHOLE_SPOOLS = 32 << 20


@dataclass(slots=True)
class Kept:
    """The events ``show`` keeps, in file order, as columns: each event's place in date order
    (``query.sort_key``) and where its line lies, to be read there again when the output is
    written: in the log (its canonical line, or for a view, which decodes it again, a line in
    any layout that the fast path read), in a spool (``log.aside``: the canonical form of an
    event whose line is not), or else in ``copies``. Columns of machine integers cost a
    fraction of a tuple per event, in memory and in passing them from a worker to the parent.
    """

    places: array[int] = field(default_factory=lambda: array("l"))
    # From 0: in the log; -1: see ``copies``; from -2 down: in a spool, at -2 - offset.
    offsets: array[int] = field(default_factory=lambda: array("q"))
    lengths: array[int] = field(default_factory=lambda: array("q"))
    copies: dict[int, bytes] = field(default_factory=dict)  # by position
    # Each event's rendered line, when the readers render them: where it lies in a spool
    # (``Aside.append``) and its length.
    texts: array[int] = field(default_factory=lambda: array("q"))
    text_lengths: array[int] = field(default_factory=lambda: array("q"))
    # The hash of each event's id, when a view reads them (``select_canonical``'s ``ids``):
    # forked readers share the parent's hash seed.
    ids: array[int] = field(default_factory=lambda: array("q"))

    def add_span(self, place: int, offset: int, length: int) -> None:
        self.places.append(place)
        self.offsets.append(offset)
        self.lengths.append(length)

    def add_copy(self, place: int, data: bytes) -> None:
        self.copies[len(self.places)] = data
        self.add_span(place, -1, 0)

    def add_spooled(self, place: int, data: bytes, spool: Aside) -> None:
        self.add_span(place, -2 - spool.append(data), len(data))

    def add_text(self, text: str | None, spool: Aside) -> None:
        """The rendered line of the event added last (None: not rendered)."""
        if text is None:
            self.texts.append(-1)
            self.text_lengths.append(0)
        else:
            data = text.encode()
            self.texts.append(spool.append(data))
            self.text_lengths.append(len(data))

    def extend(self, other: Kept) -> None:
        """``other``'s events after these (the next range of the log)."""
        base = len(self.places)
        self.places.extend(other.places)
        self.offsets.extend(other.offsets)
        self.lengths.extend(other.lengths)
        self.copies.update((base + at, data) for at, data in other.copies.items())
        self.texts.extend(other.texts)
        self.text_lengths.extend(other.text_lengths)
        self.ids.extend(other.ids)

    def lines(
        self,
        positions: Iterable[int],
        log_fd: int,
        spools: Sequence[int] = (),
        *,
        from_spool: Callable[[int, int], bytes] | None = None,
    ) -> Iterator[bytes]:
        """The lines at ``positions``, read from the open log or the spool where they lie (see
        ``_spool_reader`` for ``spools``, unless ``from_spool`` is that reader already)."""
        offsets, lengths, pread = self.offsets, self.lengths, os.pread
        if from_spool is None:
            from_spool = _spool_reader(spools)
        for at in positions:
            offset = offsets[at]
            if offset >= 0:
                yield pread(log_fd, lengths[at], offset)
            elif offset == -1:
                yield self.copies[at]
            else:
                yield from_spool(-2 - offset, lengths[at])

    def longest_of_all(self) -> int:
        """The length of the longest line kept (in C over the lengths: at once)."""
        return max(max(self.lengths, default=0), *map(len, self.copies.values()), 0)

    def length(self, at: int) -> int:
        """The length of the line at position ``at``."""
        copy = self.copies.get(at)
        return self.lengths[at] if copy is None else len(copy)

    def longest(self, positions: Iterable[int]) -> int:
        """The length of the longest line at ``positions``."""
        return max(map(self.length, positions), default=0)

    def stored(self, at: int, again: Collection[int] = ()) -> bool:
        """Whether the event at position ``at`` has its rendered line in a spool, not to be
        rendered again: its id's hash is not in ``again``."""
        return bool(self.texts) and self.texts[at] != -1 and self.ids[at] not in again

    def stored_texts(
        self,
        positions: Iterable[int],
        from_spool: Callable[[int, int], bytes],
        *,
        again: Collection[int] = (),
    ) -> Iterator[bytes | None]:
        """The rendered lines of the events at ``positions`` (UTF-8, read by ``from_spool``:
        ``_spool_reader``); None for an event not ``stored``, to be rendered again."""
        texts, lengths, ids = self.texts, self.text_lengths, self.ids
        if not texts:  # none rendered
            yield from (None for _ in positions)
            return
        for at in positions:  # as ``stored`` says, written out: it runs for every line
            where = texts[at]
            yield None if where == -1 or ids[at] in again else from_spool(where, lengths[at])

    def event(self, at: int, log_fd: int) -> EventLike:
        """The event at position ``at``, decoded again from where its line lies."""
        return _decoded(next(self.lines([at], log_fd)))


def _spool_reader(spools: Sequence[int]) -> Callable[[int, int], bytes]:
    """Reads a number of bytes at a position in a spool (``Aside.append``): from all the
    ``spools`` read whole, when they hold ``_WHOLE_SPOOLS`` or less (one read each instead of
    one a line: a system call costs more than a line), else with a read each time."""
    sizes = {fd: os.fstat(fd).st_size for fd in spools}
    if not sizes or sum(sizes.values()) > _WHOLE_SPOOLS:
        return read_at
    whole = {fd: os.pread(fd, size, 0) for fd, size in sizes.items()}

    def read_whole(packed: int, length: int) -> bytes:
        spool_fd, where = unpack(packed)
        return whole[spool_fd][where : where + length]

    return read_whole


class BadLine(NamedTuple):
    """A line that holds no valid event, as a worker reports it."""

    lineno: int  # 0: not numbered
    offset: int  # -1: not known
    problems: list[tuple[str | None, str]]
    complete: bool  # the line ends with a newline


REPORTED_BAD_LINES = 100
"""Bad lines a reading reports in full; the rest it counts (``check`` lists every one)."""


@dataclass(slots=True)
class BadLines:
    """The bad lines a reading found: the first ``REPORTED_BAD_LINES`` in full, and how many
    in all, so that memory stays bounded however many there are."""

    first: list[BadLine] = field(default_factory=list)
    total: int = 0

    def add(self, line: BadLine) -> None:
        self.total += 1
        if len(self.first) < REPORTED_BAD_LINES:
            self.first.append(line)

    def extend(self, other: BadLines) -> None:
        """``other``'s lines after these (the next range of the log)."""
        self.total += other.total
        self.first.extend(other.first[: REPORTED_BAD_LINES - len(self.first)])


def select_canonical(
    lines: Iterable[RawLine],
    flt: Filter,
    *,
    want: Callable[[bytes], bool] | None = None,
    by_offset: bool = False,
    any_layout: bool = False,
    spool: Aside | None = None,
    render: Piece | None = None,
    responses: Responses | None = None,
    answers: set[str] | None = None,
    copy_bytes: int = 0,
    ids: bool = False,
) -> tuple[Kept, BadLines]:
    """Each matching event, in file order, and the lines that are not events. With
    ``by_offset``, a canonical line is not copied: the caller reads it again at its offset
    when it writes the output (unless the spool has room for it within ``copy_bytes``: then it
    goes there, to be read back with the rest of a small spool); with ``any_layout`` too, nor
    is a line in another layout that the fast path read (the caller decodes it again). The
    canonical form of any other event goes to ``spool`` if there is one, else is copied.
    With ``render`` (and a spool), each matching event's rendered line goes to the spool too.
    ``responses`` notes every event read; ``answers`` collects the ids that the matching
    events answer; with ``ids``, ``Kept.ids`` the hashes of their own."""
    kept = Kept()
    bad = BadLines()
    for parsed in parse_lines(lines, source="", want=want):
        line = parsed.line
        if isinstance(parsed, InvalidLine):
            bad.add(BadLine(line.lineno, line.offset, parsed.error.problems, line.is_complete))
            continue
        event = parsed.event
        if responses is not None:
            responses.note(event)
        if matches(event, flt):
            if answers is not None:
                answers.update(event.responds_to)
            if ids:
                kept.ids.append(hash(event.id))
            place = sort_key(event)
            if by_offset and (parsed.canonical or (any_layout and isinstance(event, FastEvent))):
                # a canonical line's form is its content, at hand
                content = parsed.form if parsed.canonical and parsed.form else line.content
                if (
                    spool is not None
                    and parsed.canonical
                    and spool.size + len(content) <= copy_bytes
                ):
                    kept.add_spooled(place, content, spool)
                else:
                    kept.add_span(place, line.offset, len(content))
            else:
                data = parsed.form
                if data is None:
                    data = canonical_json(event).encode()
                if spool is not None:
                    kept.add_spooled(place, data, spool)
                else:
                    kept.add_copy(place, data)
            if render is not None and spool is not None:
                kept.add_text(render(event), spool)
    if spool is not None:
        spool.flush()
    return kept, bad


def canonical_range(
    fd: int,
    start: int,
    end: int,
    *,
    flt: Filter,
    spools: Mapping[int, int],
    copy_bytes: int = 0,
) -> tuple[Kept, BadLines]:
    """``select_canonical`` over one byte range of a log: the work of one parallel worker,
    which writes the canonical form of events in other layouts into its spool (the file
    ``spools`` gives for ``start``), and canonical lines until it holds ``copy_bytes``."""
    spool = Aside(spools[start])
    if flt.is_empty:
        return _every_event(fd, start, end, flt, spool=spool, copy_bytes=copy_bytes)
    want = Prefilter(flt)
    lines = parallel.range_lines(fd, start, end, want.anchors())
    return select_canonical(
        lines, flt, want=want, by_offset=True, spool=spool, copy_bytes=copy_bytes
    )


def _every_event(
    fd: int,
    start: int,
    end: int,
    empty: Filter,
    *,
    spool: Aside | None,
    copy_bytes: int = 0,
    any_layout: bool = False,
    render: Piece | None = None,
    responses: Responses | None = None,
    answers: set[str] | None = None,
    ids: bool = False,
) -> tuple[Kept, BadLines]:
    """``select_canonical`` of every line of a range with no filter (``empty``) and
    ``by_offset``, in a loop of its own over each block's lines: a line the fast path reads
    (most lines of any log) costs its reading and a few appends, a third less than through
    the pipeline that serves every filter, which reads any other line (blank, bad, or one that
    only the model reads). The keywords are ``select_canonical``'s."""
    from timeline.fastpath import read_line
    from timeline.query import sort_key

    kept, bad = Kept(), BadLines()
    places, offsets, lengths = kept.places.append, kept.offsets.append, kept.lengths.append
    note_id = kept.ids.append
    copy_to = spool if copy_bytes > 0 else None  # where the first canonical lines go

    def through_pipeline(line: RawLine) -> None:
        part, part_bad = select_canonical(
            [line], empty, by_offset=True, any_layout=any_layout, spool=spool,
            render=render, responses=responses, answers=answers, copy_bytes=copy_bytes, ids=ids,
        )  # fmt: skip
        kept.extend(part)
        bad.extend(part_bad)

    offset = start
    for contents, last in parallel.block_lines(fd, start, end):
        for content in contents:
            read = read_line(content)
            if read is None:
                through_pipeline(RawLine(0, content + b"\n", offset))
                offset += len(content) + 1
                continue
            event, form = read
            if ids:
                note_id(hash(event.id))
            if event.responds_to:
                if responses is not None:
                    responses.note(event)
                if answers is not None:
                    answers.update(event.responds_to)
            if form is content or any_layout:  # in the log: read there again
                if (
                    copy_to is not None
                    and form is content
                    and copy_to.size + len(content) <= copy_bytes
                ):
                    kept.add_spooled(sort_key(event), content, copy_to)
                else:
                    copy_to = None
                    places(sort_key(event))
                    offsets(offset)
                    lengths(len(content))
            elif spool is not None:  # the canonical form of a line in another layout
                kept.add_spooled(sort_key(event), form, spool)
            else:
                kept.add_copy(sort_key(event), form)
            if render is not None and spool is not None:
                kept.add_text(render(event), spool)
            offset += len(content) + 1
        if last:
            through_pipeline(RawLine(0, last, offset))
    if spool is not None:
        spool.flush()
    return kept, bad


def range_events(fd: int, start: int, end: int) -> Iterator[EventLike | InvalidLine]:
    """Every event of a byte range of an open log, in file order, and each line that holds
    none as its ``InvalidLine`` (not numbered, as a worker's): the lines the fast path reads
    in a loop of their own, as ``_every_event`` reads them, and the rest through
    ``parse_lines``. For a reading that keeps no line, only what its events say (``stats``)."""
    from timeline.fastpath import read_line

    def parsed(line: RawLine) -> Iterator[EventLike | InvalidLine]:
        for one in parse_lines([line], source=""):
            yield one.event if isinstance(one, ValidLine) else one

    offset = start
    for contents, last in parallel.block_lines(fd, start, end):
        for content in contents:
            read = read_line(content)
            if read is not None:
                yield read[0]
            else:
                yield from parsed(RawLine(0, content + b"\n", offset))
            offset += len(content) + 1
        if last:
            yield from parsed(RawLine(0, last, offset))


def joined_bad_lines(parts: Iterable[BadLines], log_fd: int) -> BadLines:
    """The bad lines of the ranges of a log, in order, numbered (workers do not count lines)."""
    bad = BadLines()
    for part in parts:
        bad.extend(part)
    numbers = parallel.line_numbers(log_fd, (b.offset for b in bad.first))
    bad.first = [b._replace(lineno=numbers[b.offset]) for b in bad.first]
    return bad


def report_bad_lines(
    bad: BadLines, *, name: str, strict: bool, on_invalid: OnInvalid, on_more: OnMore
) -> None:
    """The first bad lines to ``on_invalid``, in order, and how many more to ``on_more``;
    with ``strict``, the first is raised."""
    for lineno, offset, problems, complete in bad.first:
        error = LineError.from_problems(name, lineno, problems)
        with_torn_note(error, complete=complete)
        if strict:
            raise error
        on_invalid(InvalidLine(RawLine(lineno, b"\n" if complete else b"", offset), error))
    if bad.total > len(bad.first):
        on_more(bad.total - len(bad.first))


@contextlib.contextmanager
def canonical_lines(
    spec: str,
    flt: Filter,
    *,
    strict: bool,
    reverse: bool = False,
    limit: int | None = None,
    on_invalid: OnInvalid,
    on_more: OnMore,
) -> Iterator[Iterable[bytes]]:
    """The matching events as canonical JSON lines (without line ends), sorted by date.

    Machine output needs no responses, so lines that cannot match are never parsed; a large
    log is read on every core (see ``log.parallel``), and its canonical lines are copied from
    the file straight to the output, which is why the log stays open until the caller is done
    (its lock is not held: see ``log.files.snapshot``).
    The first ``REPORTED_BAD_LINES`` bad lines go to ``on_invalid``, and how many more there
    were to ``on_more``, before the first line is yielded.
    """
    name = display_name(spec)
    ranges = None
    log_fd = -1  # the log's snapshot, when lines are copied from it
    spools: list[int] = []
    with contextlib.ExitStack() as stack:
        if not strict and parallel.is_large(spec):
            snap = stack.enter_context(snapshot(spec))
            log_fd = snap.fd
            ranges = parallel.ranges(snap)
        if ranges is None:
            want = None if strict or flt.is_empty else Prefilter(flt)
            lines = read_any_lines(spec, anchors=want.anchors() if want else None)
            kept, bad = select_canonical(lines, flt, want=want)
        else:
            spools = stack.enter_context(aside_files(len(ranges)))
            by_start = {start: spool for (start, _), spool in zip(ranges, spools, strict=True)}
            # Each worker copies the first of its canonical lines into its spool, so that a
            # small selection is read back with a read a spool, not one a line.
            copy_bytes = _WHOLE_SPOOLS // len(ranges)
            work = functools.partial(
                canonical_range, flt=flt, spools=by_start, copy_bytes=copy_bytes
            )
            parts = parallel.map_ranges(work, log_fd, ranges)
            kept = Kept()
            for part_kept, _ in parts:
                kept.extend(part_kept)
            bad = joined_bad_lines((part_bad for _, part_bad in parts), log_fd)
        report_bad_lines(bad, name=name, strict=strict, on_invalid=on_invalid, on_more=on_more)
        places = kept.places
        ranked = order(range(len(places)), key=places.__getitem__, reverse=reverse, limit=limit)
        # the spools read once (whole, when small), before any writer inherits the reader
        from_spool = _spool_reader(spools)
        read = functools.partial(kept.lines, log_fd=log_fd, from_spool=from_spool)
        yield KeptLines(ranked, read, sizes=kept)


class KeptLines(Iterable[bytes]):
    """Kept lines in the order ``ranked`` gives, each without its line end, after the lines
    ``head``: read one by one, or written all at once to an open file (``write_to``).
    ``read`` gives the lines at some of the positions (``Kept.lines``, ``_rendered``)."""

    def __init__(
        self,
        ranked: Sequence[int],
        read: Callable[[Sequence[int]], Iterable[bytes]],
        head: Sequence[bytes] = (),
        *,
        sizes: Kept | None = None,
    ) -> None:
        self._ranked, self._read, self._head = ranked, read, head
        self._sizes = sizes  # the lines' lengths as they were kept (None: not known)

    def after(self, head: Iterable[bytes]) -> KeptLines:
        """These lines after ``head`` (a table's header)."""
        return KeptLines(self._ranked, self._read, [*self._head, *head], sizes=self._sizes)

    def mapped(self, change: Callable[[bytes], bytes]) -> KeptLines:
        """Each line changed by ``change`` (in the writers, with ``write_to``)."""
        read = self._read
        return KeptLines(
            self._ranked,
            lambda positions: map(change, read(positions)),
            [change(line) for line in self._head],
            sizes=self._sizes,
        )

    def longest(self) -> int:
        """The length of the longest of these lines (as they were kept, before ``mapped``)."""
        if self._sizes is not None:
            return self._sizes.longest(self._ranked)
        return max(map(len, self), default=0)

    def __iter__(self) -> Iterator[bytes]:
        yield from self._head
        yield from self._read(self._ranked)

    def __len__(self) -> int:
        return len(self._head) + len(self._ranked)

    def write_to(self, out_fd: int) -> None:
        """Every line, each with a newline, to the open file ``out_fd``. Reading a line back
        costs a system call (the lines of a log in date order lie all over it): many lines
        are read back and written on every core, a piece of ``PIECE_LINES`` each; fewer, by
        the caller, ``_CALLERS_PIECE_LINES`` at a time; where long lines are kept, fewer of
        them a piece, about ``_PIECE_BYTES`` of them as they were kept (a piece is held
        twice while it is joined)."""
        if self._head:
            write_all(out_fd, b"".join(line + b"\n" for line in self._head))
        ranked, read = array("q", self._ranked), self._read  # no objects for forks to touch
        forked = len(ranked) >= _PARALLEL_PIECES * PIECE_LINES and parallel.workers() >= 2
        # Alone, the caller holds a smaller piece: the few lines of a filter, in less memory.
        size = PIECE_LINES if forked else _CALLERS_PIECE_LINES
        sizes = self._sizes
        if sizes is not None and sizes.longest_of_all() * size > 2 * _PIECE_BYTES:
            starts = _piece_starts(ranked, sizes.length, size)
        else:  # no piece can hold much: a piece each ``size`` lines
            starts = array("q", range(0, len(ranked), size))
        starts.append(len(ranked))

        def piece(k: int) -> bytes:
            lines = list(read(ranked[starts[k] : starts[k + 1]]))
            return b"\n".join(lines) + b"\n" if lines else b""

        count = len(starts) - 1
        if forked:
            parallel.write_in_order(piece, count, out_fd)
            return
        for k in range(count):
            write_all(out_fd, piece(k))


def _piece_starts(ranked: Sequence[int], length: Callable[[int], int], most: int) -> array[int]:
    """Where in ``ranked`` each piece starts: at most ``most`` lines a piece, and no more
    lines once it holds ``_PIECE_BYTES`` (a line alone may hold more)."""
    starts = array("q", [0] if ranked else [])
    lines = held = 0
    for index, at in enumerate(ranked):
        if lines == most or (lines and held >= _PIECE_BYTES):
            starts.append(index)
            lines = held = 0
        lines += 1
        held += length(at) + 1
    return starts


PIECE_LINES = 8192
"""Lines that a writer of ``KeptLines.write_to`` reads back and writes at once."""
_PARALLEL_PIECES = 8  # fewer pieces (64k lines): forking writers would cost more than it saves
_CALLERS_PIECE_LINES = 1024
_PIECE_BYTES = 16 << 20


class ViewPart(NamedTuple):
    """What a view needs from one range of a log: the matching events (``Kept``), the bad
    lines among those read, what the range's events say of others, the ids the matching
    events answer; and, when only what the log says of the matching events is wanted, the
    answers yet to be checked (``_unchecked_answers``)."""

    kept: Kept
    bad: BadLines
    responses: Responses
    answers: set[str]
    unchecked: Sequence[UncheckedAnswer] = ()


class UncheckedAnswer(NamedTuple):
    """A line that a reader found to answer events without checking the rest of it: where it
    lies in the log, and the hashes of the ids it answers."""

    offset: int
    length: int
    answered: tuple[int, ...]


_REJECTIONS = Prefilter(Filter(types=(EventType.REJECT,)))
# The rejections a filtered view has not parsed yet: those whose type and non-empty answer
# list the bytes show (see ``ANSWERS_SHOWN``: the filter's reading parsed those spelled with
# escapes). Most rejections answer nothing: the list is looked at in C, in the block search.
_SHOWN_REJECTIONS = Anchors((b'"reject"',), False, (), within=ANSWER_LIST)


def _answering_rejection(content: bytes) -> bool:
    # may_answer first: two searches in C that turn most rejections away (an empty answer
    # list), before the prefilter's checks in Python
    return may_answer(content) and _REJECTIONS(content)


def view_range(
    fd: int,
    start: int,
    end: int,
    *,
    flt: Filter,
    line: EventLine | None = None,
    piece: Piece | None = None,
    spools: Mapping[int, int] | None = None,
    alone: bool = False,
    answered_by: bool = False,
) -> ViewPart:
    """The work of one reader of a log for a view: with a filter, only the candidate lines
    are read, then the lines that answer others (both at the speed of a search). With
    ``line``, each matching event's line is rendered into the reader's spool (the file
    ``spools`` gives for ``start``) as if nothing disputed it, or with ``piece`` its piece,
    and of the answers only the rejections are read, all that such a line or piece depends
    on (see ``selected_lines``, ``Piece``). Else, or for a piece that depends on the events
    that answer its event (``answered_by``), every answer is read: only those that answer a
    matching event are checked when the view shows this log ``alone`` (see
    ``_unchecked_answers``)."""
    responses, answers = Responses(), set[str]()
    spool = None if (line is None and piece is None) or spools is None else Aside(spools[start])

    def render(event: EventLike) -> str | None:
        if piece is not None:
            return piece(event)
        assert line is not None
        return line(event, UNANSWERED.responses)

    if flt.is_empty:
        kept, bad = _every_event(
            fd, start, end, flt, any_layout=True, spool=spool,
            render=render if spool is not None else None, responses=responses, answers=answers,
            ids=True,
        )  # fmt: skip
        return ViewPart(kept, bad, responses, answers)
    want = Prefilter(flt)
    lines = parallel.range_lines(fd, start, end, want.anchors())
    kept, bad = select_canonical(
        lines, flt, want=want, by_offset=True, any_layout=True, spool=spool,
        render=render if spool is not None else None, answers=answers, responses=responses,
        ids=True,
    )  # fmt: skip
    # The answers among the lines the filter's reading parsed are noted; of the rest, those
    # whose bytes show it (it parsed every line with an escape that could hide a needle). A
    # rendered line or piece depends only on the rejections among them: searching for those
    # (often fewer; one block search) is cheaper than for every answer (two).
    if spool is not None and not answered_by:
        anchors, want_answer = _SHOWN_REJECTIONS, _answering_rejection
    elif alone:  # the kept lines' answers are noted: they were read whole
        unchecked = _unchecked_answers(fd, start, end, responses, skip=set(kept.offsets))
        return ViewPart(kept, bad, responses, answers, unchecked)
    else:
        anchors, want_answer = ANSWERS_SHOWN, None
    answering = parallel.range_lines(fd, start, end, anchors)
    _note_valid(answering, responses, want=want_answer)
    return ViewPart(kept, bad, responses, answers)


def _note_valid(
    lines: Iterable[RawLine], responses: Responses, *, want: Callable[[bytes], bool] | None = None
) -> None:
    """Notes in ``responses`` what each valid event of ``lines`` answers (of those ``want``
    keeps); a bad line is passed over: it is reported where the filter's reading reads it."""
    for parsed in parse_lines(lines, source="", want=want):
        if isinstance(parsed, ValidLine):
            responses.note(parsed.event)


def _unchecked_answers(
    fd: int, start: int, end: int, responses: Responses, *, skip: AbstractSet[int]
) -> list[UncheckedAnswer]:
    """The lines of a range of a log whose bytes show an answer, but those that start at an
    offset in ``skip``, read without checking them (msgspec reads one field): most answer
    events that the view does not show, which it need not know of, and only the rest are
    checked (``_note_answers``). A line that is not an object with such a list is parsed here,
    and noted if it is valid."""
    found = []
    for line in parallel.range_lines(fd, start, end, ANSWERS_SHOWN):
        if line.offset in skip:
            continue
        answered = answered_ids(line.content)
        if answered is None:
            _note_valid([line], responses)
        elif answered:
            hashes = tuple(map(hash, answered))  # forked readers share the parent's hash seed
            found.append(UncheckedAnswer(line.offset, len(line.data), hashes))
    return found


def _note_answers(part: ViewPart, log_fd: int) -> None:
    """Notes in ``part.responses`` each of its unchecked answers that answers a kept event (by
    the hash of its id), once it is read again and found valid."""
    if not part.unchecked:
        return
    kept_ids = set(part.kept.ids)
    lines = (
        RawLine(0, os.pread(log_fd, found.length, found.offset), found.offset)
        for found in part.unchecked
        if not kept_ids.isdisjoint(found.answered)
    )
    _note_valid(lines, part.responses)


def _decoded(line: bytes) -> EventLike:
    """The event of a line that was valid when it was read: a canonical line, or one in
    another layout that the fast path read."""
    import msgspec

    from timeline.fastpath import decode_checked

    try:
        return decode_checked(line)
    except msgspec.DecodeError:  # not a form the fast path reads: the model does
        return parse_raw_line(RawLine(0, line), source="")


RENDER_RUN = 512
"""Events a worker of ``KeptEvents.pieces`` renders at a time."""
TALLY_RUN = 8192
"""Events a worker of ``KeptEvents.runs`` takes at a time."""
_PARALLEL_RUNS = 8  # fewer events to render (4k): forking workers would cost more than it saves


class KeptEvents(Sequence[EventLike]):
    """The kept events in date order, decoded from the log (or their copies) each time they
    are visited, so that a view holds one event at a time, not the selection."""

    def __init__(
        self, kept: Kept, ranked: list[int], log_fd: int, spools: Sequence[int] = ()
    ) -> None:
        self._kept, self._ranked, self._fd, self._spools = kept, ranked, log_fd, spools

    @property
    def rendered(self) -> bool:
        """Whether the readers rendered each event's piece (``Selection.pieces``)."""
        return bool(self._spools) and len(self._kept.texts) == len(self._kept.places)

    def pieces(
        self, render: Callable[[EventLike], str], redo: Collection[str]
    ) -> Iterator[tuple[int, str]]:
        """``Selection.pieces``: with ``_PARALLEL_RUNS`` runs of events or more to render
        (and two CPUs or more), forked workers make those pieces, ``RENDER_RUN`` events at a
        time (see ``parallel.ordered_map``), while the pieces the readers stored are read
        here (sent back by a worker, they would cost more than they take to read)."""
        kept, ranked, places, log_fd = self._kept, self._ranked, self._kept.places, self._fd
        again = {hash(event_id) for event_id in redo}  # or whose id's hash is that of one
        from_spool = _spool_reader(self._spools)

        def texts(positions: Sequence[int]) -> Iterator[str]:
            stored = kept.stored_texts(positions, from_spool, again=again)
            for at, text in zip(positions, stored, strict=True):
                yield render(kept.event(at, log_fd)) if text is None else text.decode()

        size = RENDER_RUN
        to_render = [at for at in ranked if not kept.stored(at, again)]
        if len(to_render) < _PARALLEL_RUNS * size or parallel.workers() < 2:
            yield from zip((places[at] for at in ranked), texts(ranked), strict=True)
            return

        def run(k: int) -> list[str]:
            return [render(kept.event(at, log_fd)) for at in to_render[k * size : (k + 1) * size]]

        runs = parallel.ordered_map(run, -(-len(to_render) // size))
        made = itertools.chain.from_iterable(runs)  # in the order of ``ranked``, as needed
        stored = kept.stored_texts(ranked, from_spool, again=again)
        for at, text in zip(ranked, stored, strict=True):
            yield places[at], next(made) if text is None else text.decode()

    def runs(self, work: Callable[[Sequence[EventLike]], R]) -> Iterator[R]:
        """``Selection.runs``."""
        ranked, size = self._ranked, TALLY_RUN
        if len(ranked) < 2 * size or parallel.workers() < 2:
            yield work(self)
            return

        def run(k: int) -> R:
            lines = self._kept.lines(ranked[k * size : (k + 1) * size], self._fd)
            return work([_decoded(line) for line in lines])

        yield from parallel.ordered_map(run, -(-len(ranked) // size))

    def __len__(self) -> int:
        return len(self._ranked)

    @overload
    def __getitem__(self, index: int) -> EventLike: ...
    @overload
    def __getitem__(self, index: slice) -> list[EventLike]: ...
    def __getitem__(self, index: int | slice) -> EventLike | list[EventLike]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._kept.event(self._ranked[index], self._fd)

    def __iter__(self) -> Iterator[EventLike]:
        return map(_decoded, self._kept.lines(self._ranked, self._fd))

    def answering(self) -> Iterator[EventLike]:
        """The events that answer another, in order; a line whose bytes show an empty answer
        list (``prefilter.may_answer``) is not decoded."""
        for line in self._kept.lines(self._ranked, self._fd):
            if may_answer(line):
                event = _decoded(line)
                if event.responds_to:
                    yield event

    def keys(self) -> list[int]:
        """Each event's place in date order (``query.sort_key``), read without decoding it."""
        places = self._kept.places
        return [places[at] for at in self._ranked]

    def id_hashes(self) -> list[int]:
        """``HashedIds``: as the readers kept them (``Kept.ids``: a view's always do)."""
        ids = self._kept.ids
        return [ids[at] for at in self._ranked]


class AnsweredEvents(Mapping[str, EventLike]):
    """The events the selection answers, by id, looked up in the log the first time a view
    asks (most views never do)."""

    def __init__(self, snap: Snapshot, ids: set[str]) -> None:
        self._snap, self._ids = snap, ids

    @functools.cached_property
    def _found(self) -> dict[str, EventLike]:
        return _events_by_id(self._snap, self._ids)

    def __getitem__(self, event_id: str) -> EventLike:
        return self._found[event_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)


_MANY_IDS = 64  # more than this, and one id pattern per line beats a search for each
# An id never runs past its line's end: a torn line ('{"id":"ab' and a newline) begins with
# none, and each match at a newline takes that newline alone, so the n-th is the n-th line's.
_ID_FIRST = re.compile(rb'\{"id":"([^"\\\n]*)"')
# At every newline, the id that begins the next line as the canonical form writes it, or b""
# when it begins otherwise: one search gives both the ids and whether every line has one.
_IDS_AT_NEWLINES = re.compile(rb'\n(?:\{"id":"([^"\\\n]*)")?')


def _events_by_id(snap: Snapshot, ids: set[str]) -> dict[str, EventLike]:
    """The first event of each id in ``ids`` in the log, read on every core when it is
    large."""
    if not ids:
        return {}
    ranges = parallel.ranges(snap)
    work = functools.partial(_events_of_ids, ids=frozenset(ids))
    if ranges is None:
        parts = [work(snap.fd, 0, snap.length)]
    else:
        parts = parallel.map_ranges(work, snap.fd, ranges)
    found: dict[str, EventLike] = {}
    for part in parts:  # in the log's order: the first of an id wins
        for event_id, event in part.items():
            found.setdefault(event_id, event)
    return found


def _events_of_ids(fd: int, start: int, end: int, *, ids: frozenset[str]) -> dict[str, EventLike]:
    """The first event of each id in ``ids`` in a range of a log (a reader's work)."""
    want: Callable[[bytes], bool] | None = None
    if len(ids) <= _MANY_IDS:
        want = Prefilter(Filter(ids=tuple(sorted(ids))))
        lines = parallel.range_lines(fd, start, end, want.anchors())
    else:
        lines = _lines_of_ids(fd, start, end, {i.encode() for i in ids})
    found: dict[str, EventLike] = {}
    for parsed in parse_lines(lines, source="", want=want):
        if isinstance(parsed, ValidLine) and parsed.event.id in ids:
            found.setdefault(parsed.event.id, parsed.event)
    return found


def _lines_of_ids(fd: int, start: int, end: int, wanted: set[bytes]) -> Iterator[RawLine]:
    """The lines of a range of a log that begin with one of the ``wanted`` ids as the
    canonical form writes it (``{"id":"…"``), and those that begin otherwise (another
    layout: the caller parses them). The ids that begin lines are found a block at a time,
    by one search in C: a block where each line begins with an id, none of them wanted (most
    blocks), is passed over at once; a block where some line begins otherwise is read line by
    line."""
    base = start
    for block, cut in file_blocks(fd, start, end):
        first = _ID_FIRST.match(block, 0, cut)
        # The newlines before the block's last byte: each begins a line of the block.
        ids = _IDS_AT_NEWLINES.findall(block, 0, cut - 1)
        if first is not None and first.group(1) and b"" not in ids:
            find = block.find
            if first.group(1) in wanted:
                yield RawLine(0, block[: (find(b"\n", 0, cut) + 1) or cut], base)
            if not wanted.isdisjoint(ids):
                # Each wanted id's line, found after the last one's: an id is free of quotes,
                # backslashes and newlines, so a newline, '{"id":"', it and a quote are where
                # a line begins with it, and its next one after the line before is its own.
                line_start = 0
                for found in filter(wanted.__contains__, ids):
                    line_start = find(b'\n{"id":"%s"' % found, line_start, cut) + 1
                    line_end = (find(b"\n", line_start, cut) + 1) or cut
                    yield RawLine(0, block[line_start:line_end], base + line_start)
        else:
            line_start = 0
            while line_start < cut:
                line_end = (block.find(b"\n", line_start, cut) + 1) or cut
                begins = _ID_FIRST.match(block, line_start, line_end)
                if begins is None or begins.group(1) in wanted:  # None: not canonical, parse it
                    yield RawLine(0, block[line_start:line_end], base + line_start)
                line_start = line_end
        base += cut


def _read_view(
    snap: Snapshot,
    *,
    name: str,
    ranges: list[tuple[int, int]] | None,
    work: Callable[[int, int, int], ViewPart],
    on_invalid: OnInvalid,
    on_more: OnMore,
) -> ViewPart:
    """``work`` over the ranges of a snapshot (or over the whole of it), joined, its bad lines
    reported."""
    try:
        if ranges is None:
            parts = [work(snap.fd, 0, snap.length)]
        else:
            parts = parallel.map_ranges(work, snap.fd, ranges)
    except OSError as exc:
        raise LogReadError(f"{name}: cannot read: {os_reason(exc)}") from None
    kept, responses, answers = Kept(), Responses(), set[str]()
    unchecked: list[UncheckedAnswer] = []
    for part in parts:
        kept.extend(part.kept)
        responses.update(part.responses)
        answers |= part.answers
        unchecked += part.unchecked
    bad = joined_bad_lines((part.bad for part in parts), snap.fd)
    report_bad_lines(bad, name=name, strict=False, on_invalid=on_invalid, on_more=on_more)
    joined = ViewPart(kept, bad, responses, answers, unchecked)
    _note_answers(joined, snap.fd)
    return joined


@contextlib.contextmanager
def selected(
    spec: str,
    flt: Filter,
    *,
    strict: bool,
    reverse: bool = False,
    limit: int | None = None,
    on_invalid: OnInvalid,
    on_more: OnMore,
    piece: Piece | None = None,
    answered_by: bool = False,
    alone: bool = False,
) -> Iterator[Selection]:
    """The selection a view shows, read as ``canonical_lines`` reads (only the candidate
    lines, on every core when the log is large) and held as ``Kept`` columns: the events are
    decoded again as the view visits them, while the log stays open (unlocked: see
    ``log.files.snapshot``). Standard input, git and ``strict`` reading hold the events.
    With ``piece`` (and no ``limit``: a few events are rendered at once), the readers render
    each event's piece as they read it, in parallel, for ``Selection.pieces``; with
    ``answered_by``, a piece depends on which events answer its event too. ``alone``: the
    view shows this log alone, so that only what it says of the selected events is wanted
    (``Selection.responses``), not of events another log's selection may hold."""
    name = display_name(spec)
    if strict or not is_path(spec):
        reread = functools.partial(read_any_lines, spec)
        yield select_events(
            read_any_lines(spec), flt, source=name, strict=strict, reverse=reverse,
            limit=limit, on_invalid=on_invalid, reread=reread,
        )  # fmt: skip
        return
    with snapshot(spec) as snap, contextlib.ExitStack() as stack:
        ranges = parallel.ranges(snap)
        spools: Sequence[int] = ()
        if piece is not None and limit is None:
            spools, by_start = stack.enter_context(_reader_spools(ranges))
            work = functools.partial(
                view_range, flt=flt, piece=piece, spools=by_start, alone=alone,
                answered_by=answered_by,
            )  # fmt: skip
        else:
            work = functools.partial(view_range, flt=flt, alone=alone)
        kept, _, responses, answers, *_ = _read_view(
            snap, name=name, ranges=ranges, work=work, on_invalid=on_invalid,
            on_more=on_more,
        )  # fmt: skip
        places = kept.places
        ranked = order(range(len(places)), key=places.__getitem__, reverse=reverse, limit=limit)
        events = KeptEvents(kept, ranked, snap.fd, spools)
        if limit is not None:  # only the shown events' answers are named
            answers = {ref for event in events for ref in event.responds_to}
        yield Selection(events, responses, AnsweredEvents(snap, answers))


@contextlib.contextmanager
def selected_lines(
    spec: str,
    flt: Filter,
    *,
    line: EventLine,
    strict: bool,
    reverse: bool = False,
    limit: int | None = None,
    on_invalid: OnInvalid,
    on_more: OnMore,
) -> Iterator[Iterable[bytes]]:
    """``line(event, responses)``, in UTF-8, for each event of the selection ``selected``
    reads, in its order, for a view whose line depends on the rest of the log only through
    ``responses.is_disputed``: the readers of the log render each line as they read its
    event, in parallel, as if nothing disputed it, and set it aside in a spool; an event
    that the rejections read at last dispute is rendered again. With a ``limit``, the few
    lines shown are rendered from the selection, as are those of the logs ``selected`` holds
    whole (standard input, git, ``strict``)."""
    if strict or limit is not None or not is_path(spec):
        with selected(
            spec, flt, strict=strict, reverse=reverse, limit=limit, on_invalid=on_invalid,
            on_more=on_more,
        ) as selection:  # fmt: skip
            responses = selection.responses
            yield (line(event, responses).encode() for event in selection.events)
        return
    name = display_name(spec)
    with snapshot(spec) as snap:
        ranges = parallel.ranges(snap)
        with _reader_spools(ranges) as (spools, by_start):
            work = functools.partial(view_range, flt=flt, line=line, spools=by_start)
            kept, _, responses, *_ = _read_view(
                snap, name=name, ranges=ranges, work=work, on_invalid=on_invalid,
                on_more=on_more,
            )  # fmt: skip
            places = kept.places
            ranked = order(range(len(places)), key=places.__getitem__, reverse=reverse)
            read = functools.partial(
                _rendered, kept, log_fd=snap.fd, from_spool=_spool_reader(spools), line=line,
                responses=responses, disputed={hash(ref) for ref in responses.rejected},
            )  # fmt: skip
            yield KeptLines(ranked, read, sizes=kept)


@contextlib.contextmanager
def _reader_spools(
    ranges: list[tuple[int, int]] | None,
) -> Iterator[tuple[Sequence[int], dict[int, int]]]:
    """A spool for each reader of a log (one when it is read whole, ``ranges`` None), and
    each spool by where its reader's range starts."""
    starts = [0] if ranges is None else [start for start, _ in ranges]
    with aside_files(len(starts)) as spools:
        yield spools, dict(zip(starts, spools, strict=True))


def _rendered(
    kept: Kept,
    ranked: Sequence[int],
    *,
    log_fd: int,
    from_spool: Callable[[int, int], bytes],
    line: EventLine,
    responses: Responses,
    disputed: Collection[int],
) -> Iterator[bytes]:
    """The kept lines at ``ranked`` (their texts read by ``from_spool``); an event the whole
    log disputes is rendered again: one whose id's hash is in ``disputed`` (the hashes of
    the ids that rejections answer, so that an id sharing one is rendered again too)."""
    texts = kept.stored_texts(ranked, from_spool, again=disputed)
    for at, text in zip(ranked, texts, strict=True):
        yield line(kept.event(at, log_fd), responses).encode() if text is None else text
