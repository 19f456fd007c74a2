"""Reading a large log on every core.

A regular file of at least ``MIN_BYTES`` is cut at line boundaries into one byte range per CPU;
a forked worker reads each range with the same pipeline as the serial path (block scan,
prefilter, fast path, validation) and sends back only what the caller keeps, in file order.
Workers do not number lines; the caller numbers the few bad lines it reports from their
offsets. Workers read the open file of the caller's snapshot (``files.snapshot``), so a writer
that replaces or appends to the log meanwhile changes nothing they read.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import signal
import stat
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from timeline.errors import LogReadError, OutputError
from timeline.log.files import RangeReader, Snapshot, write_all
from timeline.log.lines import RawLine
from timeline.log.scan import Anchors, file_blocks, scan_lines

MIN_BYTES = 64 << 20
_READ_SIZE = 1 << 22

R = TypeVar("R")


def workers() -> int:
    """How many workers a large read uses: the CPUs this process may run on; one in a worker,
    which never forks workers of its own (a pool's workers may not, and the CPUs are taken)."""
    if _in_worker:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


_in_worker = False


def _become_worker() -> None:
    global _in_worker
    _in_worker = True


def _size(path: str) -> int:
    """The size of a regular file; 0 for standard input, a git spec or anything else."""
    try:
        st = os.stat(path) if path != "-" else None
    except OSError:
        return 0
    return st.st_size if st is not None and stat.S_ISREG(st.st_mode) else 0


def is_large(path: str) -> bool:
    """Whether a log is worth reading on every core (a cheap check, before any lock)."""
    return _size(path) >= MIN_BYTES


RANGES_PER_WORKER = 8
"""A large log is cut into this many ranges a worker, which the workers take in turn as they
finish: where the lines a reading keeps lie in one stretch of the log (a year of a log in date
order), each worker reads some of them, not one worker all."""


def ranges(snap: Snapshot) -> list[tuple[int, int]] | None:
    """The ranges a large log is read in, on every core (``map_ranges``); None when one reader
    does better (a small log, one CPU)."""
    count = workers()
    if count < 2 or snap.length < MIN_BYTES:
        return None
    # Before the log is read (the workers inherit it): asked once some blocks had come and
    # gone, it kept no fewer pages from being faulted in again.
    _keep_freed_blocks()
    return line_ranges(snap, count * RANGES_PER_WORKER)


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def _keep_freed_blocks() -> None:
    """Have glibc's malloc keep the memory the readers of a large log free, for their next
    blocks. By default a freed block of a few MiB (``scan.file_blocks``, its lowered copy)
    goes back to the system and the next is faulted in page by page: a sixth of the time of an
    actor filter on a large log. No-op on a C library without ``mallopt``."""
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (ImportError, OSError, AttributeError, TypeError):  # no _ctypes, no glibc
        return
    # A block (4 MiB, and its copy) from the heap, where it is reused; larger memory (a spool
    # read whole, the columns of a million events) stays mapped apart and goes back when freed:
    # at 32 MiB, the plain view of a 1M-event log peaked at 260 MB instead of 204.
    mallopt(_M_MMAP_THRESHOLD, 8 << 20)
    mallopt(_M_TRIM_THRESHOLD, 32 << 20)  # the freed memory the heap keeps before shrinking


def line_ranges(snap: Snapshot, parts: int) -> list[tuple[int, int]] | None:
    """``parts`` byte ranges of a snapshot that start and end at line boundaries, or None when
    it is small and one reader does better."""
    size = snap.length
    if parts < 2 or size < MIN_BYTES:
        return None
    cuts = [0]
    for k in range(1, parts):
        start = max(size * k // parts, cuts[-1])
        cut_line = snap.reader(start).readline()  # to the end of the line the cut falls in
        cuts.append(min(start + len(cut_line), size))
    cuts.append(size)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def range_lines(fd: int, start: int, end: int, anchors: Anchors | None) -> Iterator[RawLine]:
    """The lines of one range of an open log (all, or only the anchored ones) with their
    offsets in the file, not numbered (0): counting every newline would cost more than finding
    the candidates, and ``line_numbers`` gives the numbers of the few lines that need one."""
    if anchors is not None:
        blocks = file_blocks(fd, start, end)
        yield from scan_lines(blocks, anchors, offset=start, numbered=False)
        return
    offset = start
    reader = io.BufferedReader(RangeReader(fd, start, end), buffer_size=_READ_SIZE)
    for data in reader:
        yield RawLine(0, data, offset)
        offset += len(data)


def block_lines(fd: int, start: int, end: int) -> Iterator[tuple[list[bytes], bytes]]:
    """The lines of one range of an open log a block at a time, each without its newline (split
    at once, in C), and the block's last line if it has no newline (else b""). How far it has
    read goes to ``map_ranges``'s progress, a block at a time."""
    read, slot, done = _READ, _SLOTS.get(start, -1), 0
    for block, cut in file_blocks(fd, start, end):
        contents = (block[:cut] if cut < len(block) else block).split(b"\n")
        yield contents, contents.pop()  # b"" after the last newline, or a line without one
        done += cut
        if read is not None and slot >= 0:
            read[slot] = done


Progress = Callable[[int], None]
"""Told, now and then, how many bytes of the log the workers have read in all."""

# While workers run with a progress callback: how far each has read (shared memory they
# inherit, one slot each, so none waits for a lock), and each range's slot, by its start.
_READ: Any = None
_SLOTS: dict[int, int] = {}
_POLL_SECONDS = 0.1


def map_ranges(
    work: Callable[[int, int, int], R],
    fd: int,
    ranges: list[tuple[int, int]],
    *,
    progress: Progress | None = None,
) -> list[R]:
    """``work(fd, start, end)`` for every range, in forked workers (one a CPU, each taking the
    next range when it is done with one) that inherit the open log ``fd`` (so they read the
    file of the caller's snapshot), results in range order. With ``progress``, the bytes read
    so far go to it while the workers read their ranges (``block_lines`` tells it), and all of
    them once they are done."""
    import multiprocessing

    global _READ, _SLOTS
    context = multiprocessing.get_context("fork")
    if progress is not None:
        _READ = context.RawArray("q", len(ranges))
        _SLOTS = {start: slot for slot, (start, _) in enumerate(ranges)}
    try:
        pool, readers = _forked_pool(context, len(ranges))
        with pool:
            tasks = [(fd, start, end) for start, end in ranges]
            done = pool.starmap_async(work, tasks, chunksize=1)  # each range as a worker is free
            tick = None if progress is None else lambda: progress(sum(_READ))
            results: list[R] = _result(done, readers, tick=tick)
    finally:
        _READ, _SLOTS = None, {}
    if progress is not None:
        progress(sum(end - start for start, end in ranges))
    return results


def ordered_map(work: Callable[[int], R], count: int) -> Iterator[R]:
    """``work(k)`` for k in ``range(count)``, made in forked workers (one a CPU, each taking
    the next k when it is done with one) and yielded in order of k. ``work`` need not pickle:
    the workers inherit it; what it returns is sent back. At most ``_AHEAD`` results a worker
    are made before the caller takes them, so a slow caller holds a few, not all. The error of
    a ``work`` is raised in its turn; a worker that dies stops them all (``LogReadError``)."""
    import collections
    import multiprocessing

    global _WORK
    if count < 1:
        return
    _WORK = work
    try:
        pool, makers = _forked_pool(multiprocessing.get_context("fork"), count)
    finally:
        _WORK = None
    with pool:
        window, made = _AHEAD * len(makers), 0
        pending: collections.deque[Any] = collections.deque()
        while made < min(window, count):
            pending.append(pool.apply_async(_inherited_work, (made,)))
            made += 1
        while pending:
            result = _result(pending.popleft(), makers)
            if made < count:
                pending.append(pool.apply_async(_inherited_work, (made,)))
                made += 1
            yield result


_AHEAD = 4
_WORK: Callable[[int], Any] | None = None  # ``ordered_map``'s work, inherited by its workers


def _forked_pool(context: Any, tasks: int) -> tuple[Any, list[Any]]:
    """A pool of forked workers for ``tasks`` tasks (one a CPU, no more than the tasks), and its
    worker processes, which ``_result`` watches."""
    import multiprocessing

    others = set(multiprocessing.active_children())
    with _ignoring_interrupts():  # the workers are forked meanwhile, and inherit it
        pool = context.Pool(min(tasks, workers()), initializer=_become_worker)
    return pool, [child for child in multiprocessing.active_children() if child not in others]


def _result(pending: Any, children: list[Any], *, tick: Callable[[], None] | None = None) -> Any:
    """What a pool's ``pending`` task gives once it is done (its error raised), with ``tick``
    called now and then meanwhile; ``LogReadError`` if one of the pool's ``children`` dies."""
    while not pending.ready():
        pending.wait(_POLL_SECONDS)
        if tick is not None:
            tick()
        _stop_if_one_died(children)
    return pending.get()


def _inherited_work(k: int) -> Any:
    assert _WORK is not None
    return _WORK(k)


def write_in_order(piece: Callable[[int], bytes], count: int, out_fd: int) -> None:
    """``piece(k)`` for k in ``range(count)``, made in forked writers (one a CPU, each taking
    every n-th piece) and written to the open file ``out_fd`` by the writer that made it, in
    order of ``k``: while one writes, the other makes the next. A writer holds one piece at a
    time. The error of the first piece that fails (a full disk, a reader gone:
    ``BrokenPipeError``) is raised here, after every piece before it was written and none
    after it; a writer that dies (killed, out of memory) stops them all."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    turn = context.Value("q", 0, lock=False)  # the piece to be written next; -1: stop
    ready = context.Condition()
    count_writers = min(count, workers())
    writers: list[tuple[Any, Any]] = []
    try:
        with _ignoring_interrupts():  # the writers are forked meanwhile, and inherit it
            for first in range(count_writers):
                reader, report = context.Pipe(duplex=False)
                numbers = range(first, count, count_writers)
                writer = context.Process(
                    target=_write_pieces, args=(piece, numbers, out_fd, turn, ready, report)
                )
                writer.start()
                report.close()
                writers.append((writer, reader))
        failures = _failures(writers, turn)
    finally:
        for writer, reader in writers:
            if writer.is_alive():
                writer.terminate()
            writer.join()
            reader.close()
    if failures:
        raise min(failures, key=lambda failure: failure[0])[1]


def _failures(writers: list[tuple[Any, Any]], turn: Any) -> list[tuple[int, BaseException]]:
    """The failures the writers report, each with its piece, once all have ended. A writer
    that dies ends the others, which would wait for a turn that does not come."""
    from multiprocessing.connection import wait

    failures: list[tuple[int, BaseException]] = []
    running = {writer.sentinel: (writer, reader) for writer, reader in writers}
    stopped = False
    while running:
        for ended in wait(list(running)):
            writer, reader = running.pop(ended)
            writer.join()  # its sentinel may come before its exit status
            with contextlib.suppress(EOFError, OSError):  # a report is a few bytes: sent whole
                if reader.poll():
                    failures.append(reader.recv())
            if writer.exitcode != 0 and not stopped:
                stopped = True
                died = f"one of its writers died (exit status {writer.exitcode})"
                failures.append(
                    (max(turn.value, 0), OutputError(f"cannot write the output: {died}"))
                )
                for other, _ in running.values():
                    other.terminate()
    return failures


def _write_pieces(
    piece: Callable[[int], bytes],
    numbers: range,
    out_fd: int,
    turn: Any,
    ready: Any,
    report: Any,
) -> None:
    """A forked writer's work: each of its pieces made, then written in its turn."""
    _become_worker()
    for k in numbers:
        failure: BaseException | None = None
        try:
            data = piece(k)
        except BaseException as exc:  # noqa: BLE001 - reported in its turn, not before
            failure, data = exc, b""
        with ready:
            ready.wait_for(lambda k=k: turn.value in (k, -1))
            if turn.value == -1:
                return  # a piece before this one failed
        next_turn = -1
        try:
            if failure is not None:
                raise failure
            write_all(out_fd, data)
            next_turn = k + 1
        except BaseException as exc:  # noqa: BLE001 - the caller raises it
            report.send((k, _portable(exc)))
            return
        finally:
            with ready:
                turn.value = next_turn
                ready.notify_all()


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives the pipe to the caller as it is (an ``Exception`` that pickles),
    else its text in an error: not a ``SystemExit`` from a piece, which would end the caller."""
    import pickle

    try:
        if isinstance(exc, Exception):
            pickle.loads(pickle.dumps(exc))
            return exc
    except Exception:  # noqa: BLE001 - any failure to pickle or rebuild it
        pass
    return RuntimeError(f"{type(exc).__name__}: {exc}")


def _stop_if_one_died(readers: list[Any]) -> None:
    """Raises if a reader has died (killed, out of memory): the pool would start another, but
    the range it was reading would never be read, and the caller would wait for it forever."""
    for reader in readers:
        if reader.exitcode not in (None, 0):
            raise LogReadError(
                f"the log's readers stopped: one of them died (exit status {reader.exitcode})"
            )


@contextlib.contextmanager
def _ignoring_interrupts() -> Iterator[None]:
    """SIGINT ignored while the block runs (in the main thread). A Ctrl-C reaches the whole
    process group: the caller stops with its one line (exit 130) and ends the pool, whose
    workers must not each print a traceback of their own."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not ours to set
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def line_numbers(fd: int, offsets: Iterable[int]) -> dict[int, int]:
    """The number of the line that starts at each offset of an open log, counting the newlines
    before them in one pass (from the start of the file to the last offset)."""
    numbers: dict[int, int] = {}
    seen, pos = 0, 0
    for offset in sorted(set(offsets)):
        while pos < offset:
            chunk = os.pread(fd, min(_READ_SIZE, offset - pos), pos)
            if not chunk:
                break
            seen += chunk.count(b"\n")
            pos += len(chunk)
        numbers[offset] = seen + 1
    return numbers
