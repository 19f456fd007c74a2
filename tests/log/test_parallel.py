"""Reading a log on every core: what the workers tell a progress callback."""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from timeline.errors import LineError, LogReadError, OutputError
from timeline.log import parallel
from timeline.log.files import snapshot

pytestmark = pytest.mark.slow  # forks workers


def _lines_in(fd: int, start: int, end: int) -> int:
    lines = 0
    for contents, last in parallel.block_lines(fd, start, end):
        lines += len(contents) + bool(last)
        time.sleep(0.05)  # slow enough for the caller to hear of the reading midway
    return lines


def test_workers_tell_how_far_they_have_read_a_block_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker tells its progress after every block it splits into lines, without a lock;
    the callback hears it while they read, and the whole size once they are done; every line
    of every range is read once."""
    log = tmp_path / "events.jsonl"
    line = b'{"x":"' + b"y" * 1000 + b'"}\n'
    log.write_bytes(line * 20_000)  # about 20 MB: several blocks per worker
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "_POLL_SECONDS", 0.001)
    told: list[int] = []
    with snapshot(log) as snap:
        ranges = parallel.line_ranges(snap, 3)
        assert ranges is not None
        counts = parallel.map_ranges(_lines_in, snap.fd, ranges, progress=told.append)
    size = log.stat().st_size
    assert told[-1] == size
    assert told == sorted(told)
    assert any(0 < done < size for done in told), told
    assert counts == [(end - start) // len(line) for start, end in ranges]
    assert parallel._READ is None  # nothing is left for a later reading without a callback


def _reader(fd: int, start: int, end: int) -> tuple[int, int, int]:
    import os

    return os.getpid(), start, end


def test_a_large_log_is_cut_into_eight_ranges_a_worker_which_they_take_in_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight ranges per CPU, at line boundaries, covering the log; a pool of one worker per
    CPU reads them all, results in range order. One CPU reads the log itself."""
    import itertools

    log = tmp_path / "events.jsonl"
    line = b'{"x":"' + b"y" * 100 + b'"}\n'
    log.write_bytes(line * 2000)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    kept: list[None] = []  # the allocator is asked to keep freed blocks, once a log is cut
    monkeypatch.setattr(parallel, "_keep_freed_blocks", lambda: kept.append(None))
    with snapshot(log) as snap:
        ranges = parallel.ranges(snap)
        assert kept == [None]
        assert ranges is not None and len(ranges) == 2 * parallel.RANGES_PER_WORKER
        assert ranges[0][0] == 0 and ranges[-1][1] == log.stat().st_size
        assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
        assert all(start % len(line) == 0 for start, _ in ranges)
        read = parallel.map_ranges(_reader, snap.fd, ranges)
    assert [(start, end) for _, start, end in read] == ranges
    assert len({pid for pid, _, _ in read}) <= 2
    monkeypatch.setattr(parallel, "workers", lambda: 1)
    with snapshot(log) as snap:
        assert parallel.ranges(snap) is None
    assert kept == [None]


@pytest.mark.parametrize("missing", [OSError("no such library"), AttributeError("mallopt")])
def test_the_allocator_setting_is_skipped_without_glibc(
    monkeypatch: pytest.MonkeyPatch, missing: Exception
) -> None:
    """The request to glibc's malloc before a large log is read (keep freed blocks) is a
    no-op on a C library that lacks it, never an error; with glibc, both settings are asked
    for."""
    import ctypes
    import sys

    asked: list[tuple[int, int]] = []

    class NoMallopt:
        def __getattr__(self, name: str) -> Any:
            raise missing

    def library(name: object) -> NoMallopt:
        if isinstance(missing, OSError):
            raise missing
        return NoMallopt()

    monkeypatch.setattr(ctypes, "CDLL", library)
    parallel._keep_freed_blocks()
    assert asked == []
    monkeypatch.setitem(sys.modules, "ctypes", None)  # a Python built without _ctypes
    parallel._keep_freed_blocks()
    monkeypatch.undo()

    class Glibc:
        def mallopt(self, *args: int) -> int:
            asked.append(args)
            return 1

    monkeypatch.setattr(ctypes, "CDLL", lambda name: Glibc())
    parallel._keep_freed_blocks()
    assert [param for param, _ in asked] == [-3, -1]


# `timeline check` with its workers slowed down, so that a Ctrl-C finds them at work. A shell
# starts a command in the background with SIGINT ignored, which Python keeps: the test's command
# takes it back, so that it runs the same however the tests were started.
_SLOW_CHECK = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # as at a terminal, whoever started us
import timeline.check as check, timeline.cli as cli, timeline.log.parallel as parallel
parallel.MIN_BYTES = 0
parallel.workers = lambda: 2
facts = check._range_facts
def slow(*args, **kwargs):
    time.sleep(60)
    return facts(*args, **kwargs)
check._range_facts = slow
sys.argv = ["timeline", *sys.argv[1:]]
cli.main()
"""


def test_ctrl_c_stops_the_workers_without_a_traceback(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group: the command exits 130, and no worker prints a
    traceback of its own (they ignore SIGINT; the pool ends them)."""
    import os
    import signal
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo / "src")}
    argv = [sys.executable, "-c", _SLOW_CHECK, "check", "-f", str(repo / "data" / "events.jsonl")]
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
    ) as command:
        time.sleep(2)  # past start-up: the workers are asleep in their ranges
        os.killpg(command.pid, signal.SIGINT)
        try:
            _, stderr = command.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(command.pid, signal.SIGKILL)  # not minutes more of sleeping workers
            raise
    assert command.returncode == 130, stderr
    assert b"Traceback" not in stderr and b"ForkPoolWorker" not in stderr, stderr


def _numbered_piece(k: int) -> bytes:
    time.sleep((20 - k) * 0.002 if k < 20 else 0)  # the later pieces are made first
    return f"piece {k}\n".encode()


def _failing_piece(k: int, *, failing: int) -> bytes:
    if k == failing:
        raise ValueError(f"piece {k} cannot be made")
    return _numbered_piece(k)


class _Unpicklable(Exception):
    def __init__(self, what: str, why: str) -> None:  # args holds one: it cannot be rebuilt
        super().__init__(f"{what}: {why}")


def _piece_that_ends(k: int, *, how: str) -> bytes:
    """Piece 5 fails as ``how`` says; the others are numbered pieces."""
    if k != 5:
        return _numbered_piece(k)
    if how == "exit":
        raise SystemExit(3)
    if how == "unpicklable":
        raise _Unpicklable("piece 5", "cannot be made")
    if how == "line error":
        raise LineError.from_problems("log.jsonl", 7, [("date", "bad"), ("title", "empty")])
    os._exit(3)  # the writer dies


@contextlib.contextmanager
def _within(seconds: int) -> Iterator[None]:
    """Fails the test instead of hanging it: a writer that waits forever is the bug."""

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    ("how", "raised", "message"),
    [
        ("exit", RuntimeError, "SystemExit: 3"),
        ("unpicklable", RuntimeError, "_Unpicklable: piece 5: cannot be made"),
        ("line error", LineError, "log.jsonl:7: date: bad; log.jsonl:7: title: empty"),
        ("death", OutputError, "one of its writers died"),
    ],
)
def test_a_piece_that_ends_its_writer_is_an_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str, raised: type, message: str
) -> None:
    """A piece that exits, raises what cannot be sent back as it is, or kills its writer:
    the others stop, the caller gets one error, and what was written is whole pieces from
    the first."""
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    out = tmp_path / "out"
    with open(out, "wb") as fh, _within(20), pytest.raises(raised) as error:
        parallel.write_in_order(functools.partial(_piece_that_ends, how=how), 12, fh.fileno())
    assert message in str(error.value)
    written = out.read_bytes()
    whole = b"".join(_numbered_piece(k) for k in range(5))
    assert written == whole if how != "death" else whole.startswith(written)


def _dying_reader(fd: int, start: int, end: int) -> int:
    if start == 0:
        os._exit(3)  # killed, say, for want of memory
    return end - start


def test_a_reader_that_dies_is_an_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool would start another worker, but the range the dead one read is never read."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"{}\n" * 10_000)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    with snapshot(log) as snap, _within(20), pytest.raises(LogReadError, match="died"):
        ranges = parallel.ranges(snap)
        assert ranges is not None
        parallel.map_ranges(_dying_reader, snap.fd, ranges)


def test_pieces_are_written_in_their_order_whichever_is_made_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "workers", lambda: 3)
    out = tmp_path / "out"
    with open(out, "wb") as fh:
        parallel.write_in_order(_numbered_piece, 30, fh.fileno())
    assert out.read_bytes() == b"".join(_numbered_piece(k) for k in range(30))


def test_a_piece_that_fails_is_raised_after_those_before_it_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its own error, not that of a worker told to stop; nothing after it is written."""
    monkeypatch.setattr(parallel, "workers", lambda: 3)
    out = tmp_path / "out"
    with open(out, "wb") as fh, pytest.raises(ValueError, match="piece 7 cannot be made"):
        parallel.write_in_order(functools.partial(_failing_piece, failing=7), 30, fh.fileno())
    assert out.read_bytes() == b"".join(_numbered_piece(k) for k in range(7))


def test_a_reader_gone_is_a_broken_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """As when the caller writes: `timeline show --json | head` ends quietly on it."""
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        with pytest.raises(BrokenPipeError):
            parallel.write_in_order(_numbered_piece, 10, write_end)
    finally:
        os.close(write_end)


def test_ordered_map_yields_in_order_what_workers_made_of_a_closure() -> None:
    """The work need not pickle (a closure over a local): the workers inherit it; the results
    come in order of k, whichever worker made each and however long it took."""
    squares = {k: k * k for k in range(40)}

    def work(k: int) -> tuple[int, int]:
        time.sleep(0.01 * (k % 3))  # later ones are sometimes made first
        return os.getpid(), squares[k]

    made = list(parallel.ordered_map(work, 40))
    assert [square for _, square in made] == [k * k for k in range(40)]
    assert os.getpid() not in {pid for pid, _ in made}


def test_ordered_map_raises_a_failing_work_in_its_turn() -> None:
    def work(k: int) -> int:
        if k == 7:
            raise ValueError("run 7 cannot be made")
        return k

    got: list[int] = []
    with _within(20), pytest.raises(ValueError, match="run 7 cannot be made"):
        got.extend(parallel.ordered_map(work, 30))
    assert got == list(range(7))


def test_ordered_map_with_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    def work(k: int) -> int:
        if k == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return k

    with _within(20), pytest.raises(LogReadError, match="died"):
        list(parallel.ordered_map(work, 10))


def test_ordered_map_makes_a_few_results_ahead_of_a_slow_caller(tmp_path: Path) -> None:
    """Each worker makes at most ``_AHEAD`` results before the caller takes them: a caller that
    stops after the first has had a bounded number made, not all, and the workers end."""
    started = tmp_path / "started"

    def work(k: int) -> int:
        with open(started, "a") as fh:
            fh.write(f"{k}\n")
        return k

    before = set(multiprocessing.active_children())
    made = parallel.ordered_map(work, 1000)
    assert next(made) == 0
    time.sleep(0.5)  # time enough for the workers to make all they may
    made.close()
    window = parallel._AHEAD * parallel.workers()
    assert len(started.read_text().split()) <= window + 1
    assert not set(multiprocessing.active_children()) - before
