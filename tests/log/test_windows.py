"""Reading ranges of a file through a window gives what reading each alone gives."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline.log.files import Windows

_DATA = bytes(range(256)) * 40  # 10 KiB


@settings(max_examples=200, deadline=None)
@given(
    reads=st.lists(st.tuples(st.integers(0, len(_DATA) + 50), st.integers(0, 3000)), max_size=40),
    sequential=st.booleans(),
)
def test_a_window_reads_what_pread_reads(reads: list[tuple[int, int]], sequential: bool) -> None:
    """Any reads (in order, out of order, past the end, longer than the window) give the
    bytes os.pread gives."""
    with tempfile.TemporaryFile() as f:
        f.write(_DATA)
        f.flush()
        fd = f.fileno()
        if sequential:
            reads = sorted(reads)
        windows = Windows()
        windows.SIZE = 1000  # type: ignore[misc]  # a small window, so that reads cross it
        for offset, length in reads:
            assert windows.read(fd, length, offset) == os.pread(fd, length, offset)


def test_lines_in_order_cost_a_read_per_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Consecutive lines are served from one read of the window."""
    path = tmp_path / "f"
    path.write_bytes(_DATA)
    calls = []
    real = os.pread

    def counting(fd: int, length: int, offset: int) -> bytes:
        calls.append(offset)
        return real(fd, length, offset)

    monkeypatch.setattr(os, "pread", counting)
    fd = os.open(path, os.O_RDONLY)
    try:
        windows = Windows()
        got = [windows.read(fd, 100, offset) for offset in range(0, 5000, 100)]
    finally:
        os.close(fd)
    assert got == [_DATA[o : o + 100] for o in range(0, 5000, 100)]
    assert len(calls) == 2  # the first line alone, then one window
