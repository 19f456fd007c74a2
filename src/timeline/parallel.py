"""Reading a large log on every core.

A regular file of at least ``MIN_BYTES`` is cut at line boundaries into one byte range per CPU;
a forked worker reads each range with the same pipeline as the serial path (block scan,
prefilter, fast path, validation) and sends back only what the caller keeps, in file order,
with line numbers made whole by adding the lines of the ranges before. The caller holds the
log's shared lock throughout, so no writer can replace the file while the workers read it.
"""

from __future__ import annotations

import io
import itertools
import os
import stat
from collections.abc import Callable, Iterator
from typing import TypeVar

from timeline.query import Anchors, BadLine, Filter, Kept, Prefilter, select_json
from timeline.store import RawLine, scan_lines

MIN_BYTES = 64 << 20
_READ_SIZE = 1 << 22

R = TypeVar("R")


def workers() -> int:
    """How many workers a large read uses: the CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


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


def line_ranges(path: str, parts: int) -> list[tuple[int, int]] | None:
    """``parts`` byte ranges of a regular file that start and end at line boundaries, or None
    when the file is small (or not a regular file) and one reader does better."""
    size = _size(path)
    if parts < 2 or size < MIN_BYTES:
        return None
    cuts = [0]
    with open(path, "rb") as fh:
        for k in range(1, parts):
            fh.seek(max(size * k // parts, cuts[-1]))
            fh.readline()  # to the end of the line the cut falls in
            cuts.append(min(fh.tell(), size))
    cuts.append(size)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


class _Range(io.RawIOBase):
    """The bytes [start, end) of a file, read with pread: a file object for the readers."""

    def __init__(self, fd: int, start: int, end: int) -> None:
        self._fd, self._pos, self._end = fd, start, end

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        wanted = min(len(buffer), self._end - self._pos)
        if wanted <= 0:
            return 0
        data = os.pread(self._fd, wanted, self._pos)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


def range_lines(path: str, start: int, end: int, anchors: Anchors | None) -> Iterator[RawLine]:
    """The lines of one range, numbered from 1 within it (all, or only the anchored ones)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        reader = io.BufferedReader(_Range(fd, start, end), buffer_size=_READ_SIZE)
        if anchors is not None:
            for line in scan_lines(reader, anchors):
                yield line._replace(offset=start + line.offset)
        else:
            offset = start
            for lineno, data in enumerate(reader, 1):
                yield RawLine(lineno, data, offset)
                offset += len(data)
    finally:
        os.close(fd)


def map_ranges(
    work: Callable[[str, int, int], R], path: str, ranges: list[tuple[int, int]]
) -> list[R]:
    """``work(path, start, end)`` for every range, in forked workers, results in range order."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with context.Pool(len(ranges)) as pool:
        return pool.starmap(work, [(path, start, end) for start, end in ranges])


def newlines(path: str, start: int, end: int) -> int:
    """How many lines end in [start, end) of a file."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        reader = _Range(fd, start, end)
        return sum(chunk.count(b"\n") for chunk in iter(lambda: reader.read(_READ_SIZE), b""))
    finally:
        os.close(fd)


def json_range(path: str, start: int, end: int, *, flt: Filter) -> tuple[list[Kept], list[BadLine]]:
    """``query.select_json`` over one range: the worker of ``show --json``."""
    want = None if flt.is_empty else Prefilter(flt)
    lines = range_lines(path, start, end, want.anchors() if want else None)
    return select_json(lines, flt, want=want, by_offset=True)
