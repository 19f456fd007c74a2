"""Reading a log on every core: what the workers tell a progress callback."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import pytest

from timeline.log import parallel
from timeline.log.files import snapshot

pytestmark = pytest.mark.slow  # forks workers


def _lines_in(fd: int, start: int, end: int, *, numbered: bool) -> list[int]:
    numbers = []
    for line in parallel.range_lines(fd, start, end, None, numbered=numbered):
        numbers.append(line.lineno)
        if len(numbers) % 1000 == 0:
            time.sleep(0.01)  # slow enough for the caller to hear of the reading midway
    return numbers


def test_workers_tell_how_far_they_have_read_and_number_their_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker tells its progress every few megabytes, without a lock; the callback hears
    it while they read, and the whole size once they are done. Numbered lines count from 1 in
    each range; unnumbered ones are 0."""
    log = tmp_path / "events.jsonl"
    line = b'{"x":"' + b"y" * 1000 + b'"}\n'
    log.write_bytes(line * 20_000)  # about 20 MB: several reports per worker
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "_POLL_SECONDS", 0.001)
    told: list[int] = []
    with snapshot(log) as snap:
        ranges = parallel.line_ranges(snap, 3)
        assert ranges is not None
        work = functools.partial(_lines_in, numbered=True)
        numbers = parallel.map_ranges(work, snap.fd, ranges, progress=told.append)
        plain = parallel.map_ranges(functools.partial(_lines_in, numbered=False), snap.fd, ranges)
    size = log.stat().st_size
    assert told[-1] == size
    assert told == sorted(told)
    assert any(0 < done < size for done in told), told
    assert [n[-1] for n in numbers] == [(end - start) // len(line) for start, end in ranges]
    assert all(n == list(range(1, len(n) + 1)) for n in numbers)
    assert {n for part in plain for n in part} == {0}
    assert parallel._READ is None  # nothing is left for a later reading without a callback
