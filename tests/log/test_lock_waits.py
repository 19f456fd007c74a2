"""No writer waits on readers for long: readers hold the lock only to take a snapshot, and
pass a turnstile where a waiting writer stands, so a reader whose output nobody reads, or
readers in a loop, keep no ``add`` waiting."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # large logs, many processes

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"TIMELINE_FILE", "COLUMNS"}}
    env["PYTHONPATH"] = str(REPO / "src")
    return env


def _log(path: Path, megabytes: int) -> Path:
    """A log of about ``megabytes`` MB of valid canonical events."""
    from timeline.model import Event, canonical_json

    line = canonical_json(
        Event.model_validate(
            {"id": "e", "date": "2024-08-26", "title": "Event " + "x" * 200, "type": "accuse",
             "actors": ["belarus"], "sources": [{"url": "https://example.org/a"}]}
        )
    )  # fmt: skip
    lines = [line.replace('{"id":"e"', f'{{"id":"e{i}"', 1) for i in range(1000)]
    block = ("\n".join(lines) + "\n").encode()
    with open(path, "wb") as fh:
        for _ in range(megabytes * 1_000_000 // len(block) + 1):
            fh.write(block)  # the ids repeat: readers warn of nothing, check would
    return path


def _add(log: Path, event_id: str, *, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "timeline", "add", "--id", event_id, "--date", "2024-08-27",
         "--type", "accuse", "--actor", "belarus", "--title", "Lands", "--source",
         "https://example.org/l", "-f", str(log)],
        env=_env(), capture_output=True, timeout=timeout, check=False,
    )  # fmt: skip


def test_a_reader_blocked_on_its_output_keeps_no_writer_waiting(tmp_path: Path) -> None:
    """``show --json | (sleep)`` on a log read on every core: its output fills the pipe and
    blocks, and ``add`` lands meanwhile."""
    log = _log(tmp_path / "events.jsonl", 70)  # over the parallel reader's 64 MiB
    reader = subprocess.Popen(
        [sys.executable, "-m", "timeline", "show", "--json", "-f", str(log)],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert reader.stdout is not None
        reader.stdout.read(1)  # it is writing: every worker has read its range
        time.sleep(0.5)
        start = time.monotonic()
        done = _add(log, "during-a-blocked-read")
        took = time.monotonic() - start
        assert done.returncode == 0, done.stderr
        assert took < 20, f"add waited {took:.1f} s"
        assert reader.poll() is None, "the reader should still be blocked on its output"
    finally:
        reader.kill()
        reader.wait()


# A reader that holds its shared lock for HOLD seconds each time it takes a snapshot (its
# length is read slowly), in a loop: what a slow disk, or another program that follows the
# protocol and reads under the lock, would do. It says "ready" once it holds the lock.
SLOW_READER = r"""
import sys, time
import timeline.log.files as files
log, hold, start = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
real = files._committed_length
def slow(fd, path):
    time.sleep(hold)
    return real(fd, path)
files._committed_length = slow
time.sleep(start)
print("ready", flush=True)
while True:
    with files.snapshot(log):
        pass
"""


def test_readers_in_a_loop_do_not_starve_a_writer(tmp_path: Path) -> None:
    """Four readers in a loop, each holding the shared lock 0.6 s per snapshot and started
    0.15 s apart, so that some reader holds it at every moment: ``add`` still lands within
    10 s (about one hold, through the turnstile). flock gives a waiting writer no priority:
    without the turnstile it waits for a moment with no reader, which never comes."""
    log = tmp_path / "events.jsonl"
    log.write_bytes((REPO / "data" / "events.jsonl").read_bytes())
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", SLOW_READER, str(log), "0.6", str(0.15 * i)],
            env=_env(),
            stdout=subprocess.PIPE,
        )
        for i in range(4)
    ]
    try:
        for reader in readers:
            assert reader.stdout is not None
            assert reader.stdout.readline() == b"ready\n"
        time.sleep(1)  # each has taken a few snapshots: the holds overlap
        for attempt in range(2):
            start = time.monotonic()
            try:
                done = _add(log, f"among-readers-{attempt}", timeout=10)
            except subprocess.TimeoutExpired:
                pytest.fail("add waited more than 10 s for the readers")
            took = time.monotonic() - start
            assert done.returncode == 0, done.stderr
            assert all(reader.poll() is None for reader in readers), "a reader stopped"
            assert took < 10, f"add waited {took:.1f} s"
    finally:
        for reader in readers:
            reader.kill()
            reader.wait()
