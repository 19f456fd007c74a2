"""No writer waits on readers for long: readers hold the lock only to take a snapshot, so a
reader whose output nobody reads, or readers in a loop, keep no ``add`` waiting."""

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


def _add(log: Path, event_id: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "timeline", "add", "--id", event_id, "--date", "2024-08-27",
         "--type", "accuse", "--actor", "belarus", "--title", "Lands", "--source",
         "https://example.org/l", "-f", str(log)],
        env=_env(), capture_output=True, timeout=60, check=False,
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


def test_readers_in_a_loop_do_not_starve_a_writer(tmp_path: Path) -> None:
    """Three readers reading a 30 MB log over and over: ``add`` still lands in bounded time."""
    log = _log(tmp_path / "events.jsonl", 30)
    loop = (
        "import subprocess, sys\n"
        "while True:\n"
        "    subprocess.run([sys.executable, '-m', 'timeline', 'show', '--json', '-f',"
        " sys.argv[1]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    )
    readers = [
        subprocess.Popen([sys.executable, "-c", loop, str(log)], env=_env()) for _ in range(3)
    ]
    try:
        time.sleep(2)
        for attempt in range(3):
            start = time.monotonic()
            done = _add(log, f"among-readers-{attempt}")
            took = time.monotonic() - start
            assert done.returncode == 0, done.stderr
            assert took < 15, f"add waited {took:.1f} s"
    finally:
        for reader in readers:
            reader.kill()
            reader.wait()
