"""Reading a large log on every core.

A regular file of at least ``MIN_BYTES`` is cut at line boundaries into one byte range per CPU;
a forked worker reads each range with the same pipeline as the serial path (block scan,
prefilter, fast path, validation) and sends back only what the caller keeps, in file order.
Workers do not number lines; the caller numbers the few bad lines it reports from their
offsets. The caller holds the log's shared lock throughout, so no writer can replace the file
while the workers read it.
"""

from __future__ import annotations

import io
import itertools
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from timeline.log.lines import RawLine
from timeline.log.scan import Anchors, file_blocks, scan_lines

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
    """The bytes [start, end) of a file, read with pread: a file object for the line reader."""

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
    """The lines of one range (all, or only the anchored ones) with their offsets in the file.

    Lines are not numbered (0): counting every newline would cost more than finding the
    candidates, and ``line_numbers`` gives the numbers of the few lines that need one.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if anchors is not None:
            blocks = file_blocks(fd, start, end)
            yield from scan_lines(blocks, anchors, offset=start, numbered=False)
            return
        offset = start
        for data in io.BufferedReader(_Range(fd, start, end), buffer_size=_READ_SIZE):
            yield RawLine(0, data, offset)
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


def line_numbers(path: str, offsets: Iterable[int]) -> dict[int, int]:
    """The number of the line that starts at each offset, counting the newlines before them in
    one pass (from the start of the file to the last offset)."""
    numbers: dict[int, int] = {}
    wanted = sorted(set(offsets))
    if not wanted:
        return numbers
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        seen, pos = 0, 0
        for offset in wanted:
            while pos < offset:
                chunk = os.pread(fd, min(_READ_SIZE, offset - pos), pos)
                if not chunk:
                    break
                seen += chunk.count(b"\n")
                pos += len(chunk)
            numbers[offset] = seen + 1
    finally:
        os.close(fd)
    return numbers
