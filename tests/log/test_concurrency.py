"""Many writers at once, readers during writes, and SIGKILL at any moment.

Writers and readers are separate processes (``python -c WORKER``) that each loop over the CLI
in-process with ``CliRunner``; they start together when a 'go' file appears. Crash tests run
``python -m timeline`` and SIGKILL it after a delay, or the moment it starts to write.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from timeline.cli import app
from timeline.log.lines import RawLine
from timeline.model import Event, canonical_json
from timeline.parsing import parse_raw_line

pytestmark = pytest.mark.slow  # forks, kills and spawns processes

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "data" / "events.jsonl"
WORKERS, EACH = 4, 20
TMP_MARK = ".events.jsonl.timeline-tmp-"


def _env() -> dict[str, str]:
    drop = {"TIMELINE_FILE", "FORCE_COLOR", "NO_COLOR", "COLUMNS"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = str(REPO / "src")
    return env


def event_line(event_id: str, **fields: object) -> str:
    """The canonical line of a small valid event."""
    obj = {
        "id": event_id,
        "date": "2024-08-26",
        "title": f"Event {event_id}",
        "type": "accuse",
        "actors": ["belarus"],
        "sources": [{"url": "https://example.org/a"}],
        **fields,
    }
    return canonical_json(Event.model_validate(obj))


def cli(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.stdout + result.stderr
    return result


def complete_lines(data: bytes) -> tuple[list[bytes], bytes]:
    """The newline-terminated lines of ``data`` and what follows the last newline."""
    *lines, rest = data.split(b"\n")
    return lines, rest


# ---------------------------------------------------------------------------- worker processes

WORKER = r"""
import json, sys, time
from pathlib import Path
from typer.testing import CliRunner
from timeline.cli import app

mode, log, index, count, go, stop = sys.argv[1:7]
index, count = int(index), int(count)
runner = CliRunner()

def invoke(args, stdin=None):
    result = runner.invoke(app, args, input=stdin)
    if result.exit_code != 0 or "Traceback" in result.stderr:
        sys.exit(f"{args!r}: exit {result.exit_code}: {result.stderr!r} {result.exception!r}")
    return result

def event(event_id):
    return {"id": event_id, "date": "2024-08-26", "title": f"Imported {event_id}",
            "type": "accuse", "actors": ["belarus"], "sources": [{"url": "https://example.org/i"}]}

Path(f"{go}.ready.{mode}.{index}").touch()  # imports done: waiting costs the others nothing
while not Path(go).exists():
    time.sleep(0.001)
if mode == "add":
    for i in range(count):
        invoke(["add", "--file", log, "--id", f"w{index}-{i}", "--date", "2024-08-26",
                "--type", "accuse", "--actor", "belarus", "--title", f"Worker {index} event {i}",
                "--source", "https://example.org/w"])
elif mode == "import":  # count events, in batches of 4 from stdin
    for batch in range(0, count, 4):
        text = "".join(json.dumps(event(f"w{index}-{i}")) + "\n"
                       for i in range(batch, min(batch + 4, count)))
        invoke(["import", "-", "--file", log], stdin=text)
elif mode == "edit":
    for i in range(count):
        invoke(["edit", f"e{index}-{i}", "--tag", f"t{index}-{i}", "--file", log])
elif mode == "read":
    reads, seen = 0, set()
    while True:
        last = Path(stop).exists()
        result = invoke(["show", "--file", log, "--json"])
        if result.stderr:
            sys.exit(f"reader saw a bad line: {result.stderr!r}")
        ids = set()
        for line in result.stdout.splitlines():
            try:
                ids.add(json.loads(line)["id"])
            except ValueError:
                sys.exit(f"reader got a line that does not parse: {line!r}")
        if not seen <= ids:
            sys.exit(f"events vanished between two reads: {sorted(seen - ids)}")
        seen, reads = ids, reads + 1
        if last:
            break
    print(reads)
"""


def run_workers(
    folder: Path, log: Path, plan: list[tuple[str, int, int]], *, readers: int = 0
) -> list[str]:
    """Start every (mode, index, count) worker at once; return the readers' outputs."""
    go, stop = folder / "go", folder / "stop"
    env = _env()

    def spawn(mode: str, index: int, count: int) -> subprocess.Popen[str]:
        args = [mode, str(log), str(index), str(count), str(go), str(stop)]
        return subprocess.Popen(
            [sys.executable, "-c", WORKER, *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    writers = [spawn(mode, index, count) for mode, index, count in plan]
    reading = [spawn("read", i, 0) for i in range(readers)]
    try:
        ready = [f"go.ready.{mode}.{i}" for mode, i, _ in plan] + [
            f"go.ready.read.{i}" for i in range(readers)
        ]
        deadline = time.monotonic() + 60
        while not all((folder / name).exists() for name in ready):
            assert time.monotonic() < deadline, "workers did not start"
            for proc in writers + reading:
                assert proc.poll() is None, f"a worker died: {proc.communicate()[1]}"
            time.sleep(0.01)
        go.touch()
        for proc in writers:
            _, err = proc.communicate(timeout=90)
            assert proc.returncode == 0, err
        stop.touch()
        outputs = []
        for proc in reading:
            out, err = proc.communicate(timeout=90)
            assert proc.returncode == 0, err
            outputs.append(out)
        return outputs
    finally:
        for proc in writers + reading:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def valid_lines(log: Path) -> list[Event]:
    """Every line of the log as an event; fails on a torn, blank or invalid line."""
    data = log.read_bytes()
    assert data.endswith(b"\n")
    events = []
    for lineno, content in enumerate(data[:-1].split(b"\n"), 1):
        events.append(parse_raw_line(RawLine(lineno, content + b"\n"), source=str(log)))
    return events


# ---------------------------------------------------------------------------- concurrency


def test_concurrent_adds_write_every_event_on_its_own_line(tmp_path: Path) -> None:
    """4 processes × 20 `add`s at once: exactly 80 valid lines, with 80 distinct ids."""
    log = tmp_path / "events.jsonl"
    run_workers(tmp_path, log, [("add", w, EACH) for w in range(WORKERS)])
    events = valid_lines(log)
    assert sorted(e.id for e in events) == sorted(
        f"w{w}-{i}" for w in range(WORKERS) for i in range(EACH)
    )
    assert sorted(e.title for e in events) == sorted(
        f"Worker {w} event {i}" for w in range(WORKERS) for i in range(EACH)
    )


def test_concurrent_imports_and_adds_write_every_event_once(tmp_path: Path) -> None:
    """2 processes adding and 2 importing (batches of 4), at once: every event once, all valid."""
    log = tmp_path / "events.jsonl"
    log.write_text(event_line("first") + "\n", encoding="utf-8")
    plan = [("add", 0, EACH), ("import", 1, EACH), ("add", 2, EACH), ("import", 3, EACH)]
    run_workers(tmp_path, log, plan)
    events = valid_lines(log)
    assert events[0].id == "first"
    assert sorted(e.id for e in events[1:]) == sorted(
        f"w{w}-{i}" for w in range(WORKERS) for i in range(EACH)
    )


def test_concurrent_edits_and_adds_lose_nothing(tmp_path: Path) -> None:
    """4 processes editing different events (a tag each) while one adds: no change is lost."""
    log = tmp_path / "events.jsonl"
    edits = 10
    ids = [f"e{w}-{i}" for w in range(WORKERS) for i in range(edits)]
    log.write_text("".join(event_line(id_) + "\n" for id_ in ids), encoding="utf-8")
    plan = [("edit", w, edits) for w in range(WORKERS)] + [("add", 9, edits)]
    run_workers(tmp_path, log, plan)
    tags = {e.id: list(e.tags) for e in valid_lines(log)}
    expected = {f"e{w}-{i}": [f"t{w}-{i}"] for w in range(WORKERS) for i in range(edits)}
    expected |= {f"w9-{i}": [] for i in range(edits)}
    assert tags == expected


def test_readers_during_writes_never_see_half_a_line(tmp_path: Path) -> None:
    """Readers looping `show --json` during adds and edits see only whole lines, none vanishing."""
    log = tmp_path / "events.jsonl"
    ids = [f"e0-{i}" for i in range(10)]
    log.write_text("".join(event_line(id_) + "\n" for id_ in ids), encoding="utf-8")
    plan = [("add", 1, EACH), ("add", 2, EACH), ("edit", 0, 10)]
    outputs = run_workers(tmp_path, log, plan, readers=2)
    assert all(int(out) >= 2 for out in outputs), outputs
    assert len(valid_lines(log)) == 10 + 2 * EACH


# ---------------------------------------------------------------------------- SIGKILL


def timeline(*args: str, stdin: Path | None = None) -> subprocess.Popen[bytes]:
    """``python -m timeline`` in the background, its stdin a file (or nothing)."""
    with open(stdin or os.devnull, "rb") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "timeline", *args],
            env=_env(),
            stdin=handle,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )


def kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool], limit: float = 30) -> None:
    """SIGKILL ``proc`` the moment ``ready()`` holds (or when it has exited anyway)."""
    deadline = time.monotonic() + limit
    while proc.poll() is None and not ready() and time.monotonic() < deadline:
        pass
    proc.kill()
    proc.wait()


def kill_after(proc: subprocess.Popen[bytes], delay: float) -> None:
    time.sleep(delay)
    proc.kill()
    proc.wait()


def finish(proc: subprocess.Popen[bytes]) -> float:
    start = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return time.monotonic() - start


IMPORTED = 20_000


@pytest.fixture(scope="module")
def import_input(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """20,000 valid events as canonical JSON Lines (the form `import` appends them in)."""
    template = event_line("imp-00000", title="Imported event", tags=["bulk"])
    data = "".join(
        template.replace("imp-00000", f"imp-{i:05d}", 1) + "\n" for i in range(IMPORTED)
    ).encode()
    path = tmp_path_factory.mktemp("input") / "input.jsonl"
    path.write_bytes(data)
    return path, data


def located_lines(text: str, log: Path) -> set[int]:
    return {int(n) for n in re.findall(rf"^{re.escape(str(log))}:(\d+): ", text, re.MULTILINE)}


def check_after_a_cut(log: Path, base: bytes, data: bytes, why: str) -> None:
    """The log is the old log plus a prefix of some lines; check/show/add then behave."""
    now = log.read_bytes()
    assert now.startswith(base), why
    tail = now[len(base) :]
    assert data.startswith(tail), f"{why}: the appended bytes are not a prefix of the import"
    lines, rest = complete_lines(now)
    torn = {len(lines) + 1} if rest else set()
    for lineno in {base.count(b"\n") + 1, len(lines)} - {0, len(lines) + 1}:
        parse_raw_line(RawLine(lineno, lines[lineno - 1] + b"\n"), source=str(log))

    old = log.with_name("base.jsonl")
    old.write_bytes(base)
    before = cli("check", "--file", str(old))
    result = cli("check", "--file", str(log))
    assert located_lines(result.stdout, log) == located_lines(before.stdout, old) | torn, why
    assert result.exit_code == (1 if torn else before.exit_code), why

    result = cli("show", "--file", str(log), "--json")
    assert result.exit_code == 0, why
    assert len(result.stdout.splitlines()) == len(lines), why
    assert located_lines(result.stderr, log) == torn, (why, result.stderr)

    result = cli(
        "add", "--file", str(log), "--id", "after-crash", "--date", "2024-08-27",
        "--type", "accuse", "--actor", "belarus", "--title", "After the crash",
        "--source", "https://example.org/after", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, (why, result.stderr)
    assert log.read_bytes() == now + (b"\n" if torn else b"") + result.stdout.encode(), why


def check_after_killed_import(log: Path, base: bytes, data: bytes, why: str) -> None:
    """A killed import left all or nothing: readers see the old log, or the old log and the
    whole import (when the kill came after the append was complete), and the next writer
    appends right after that (trimming whatever an unfinished import had written)."""
    assert log.read_bytes().startswith(base), why
    whole = cli("show", "--json", "--id", "imp-19999", "--file", str(log)).stdout != ""
    if whole:
        base += data
    old = log.with_name("base.jsonl")
    old.write_bytes(base)
    for args in (["check", "--json"], ["show", "--json"]):
        got, want = cli(*args, "--file", str(log)), cli(*args, "--file", str(old))
        assert got.exit_code == want.exit_code, (why, args)
        assert got.stdout == want.stdout.replace(str(old), str(log)), (why, args)
        assert got.stderr == want.stderr.replace(str(old), str(log)), (why, args)
    result = cli(
        "add", "--file", str(log), "--id", "after-crash", "--date", "2024-08-27",
        "--type", "accuse", "--actor", "belarus", "--title", "After the crash",
        "--source", "https://example.org/after", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, (why, result.stderr)
    assert log.read_bytes() == base + result.stdout.encode(), why


def test_sigkill_during_a_large_import_leaves_the_old_log(
    import_input: tuple[Path, bytes], tmp_path: Path
) -> None:
    """SIGKILL mid-import of 20,000 events, at any moment: the import is all or nothing."""
    source, data = import_input
    base = BUNDLED.read_bytes()
    log = tmp_path / "events.jsonl"
    log.write_bytes(base)
    took = finish(timeline("import", "-", "--file", str(log), stdin=source))
    assert log.read_bytes() == base + data

    rng = random.Random()
    delays = [took * f for f in (0.2, 0.6, 0.9)] + [rng.uniform(0.05, took)]
    for delay in delays:
        log.write_bytes(base)
        kill_after(timeline("import", "-", "--file", str(log), stdin=source), delay)
        check_after_killed_import(log, base, data, f"killed after {delay:.3f} s of {took:.3f} s")

    for attempt in range(2):  # the one kill likely to tear a line: as the write begins
        log.write_bytes(base)
        proc = timeline("import", "-", "--file", str(log), stdin=source)
        kill_when(proc, lambda: log.stat().st_size != len(base))
        check_after_killed_import(log, base, data, f"killed as the log grew (try {attempt + 1})")


def test_a_torn_last_line_is_reported_and_add_starts_a_new_line(tmp_path: Path) -> None:
    """A log cut mid-line: check and show name the torn line, add writes on a line of its own."""
    base = BUNDLED.read_bytes()
    data = "".join(event_line(f"t-{i}") + "\n" for i in range(5)).encode()
    cut = len(data) - 37  # inside the last event
    log = tmp_path / "events.jsonl"
    log.write_bytes(base + data[:cut])
    check_after_a_cut(log, base, data, "cut by hand")


BIG_LINES = 50_000
TARGET = "big-25000"


@pytest.fixture(scope="module")
def big_log() -> bytes:
    """50,000 lines: valid events, a bad line, a blank line, and no newline at the very end."""
    template = event_line("big-00000")
    lines = [template.replace("big-00000", f"big-{i:05d}", 1) for i in range(BIG_LINES - 2)]
    lines[2] = '{"id": "bad", "date": "not a date"}'
    lines.insert(4, "  ")
    lines.append(event_line("big-last"))
    return "\n".join(lines).encode()


@pytest.mark.parametrize("command", ["edit", "rm"])
def test_sigkill_during_edit_or_rm_leaves_the_old_or_the_new_log(
    command: str, big_log: bytes, tmp_path: Path
) -> None:
    """SIGKILL mid-edit/rm of 50,000 lines: old or new log exactly; a later run leaves no temp."""
    log = tmp_path / "events.jsonl"
    args = (
        ["edit", TARGET, "--tag", "crash"] if command == "edit" else ["rm", TARGET, "--yes"]
    ) + ["--file", str(log)]
    log.write_bytes(big_log)
    took = finish(timeline(*args))
    new = log.read_bytes()
    assert new != big_log
    assert len(new.split(b"\n")) == len(big_log.split(b"\n")) - (command == "rm")

    def strays() -> list[str]:
        return sorted(n for n in os.listdir(tmp_path) if n.startswith(TMP_MARK))

    for delay in [took * f for f in (0.15, 0.5, 0.85)]:
        log.write_bytes(big_log)
        kill_after(timeline(*args), delay)
        assert log.read_bytes() in (big_log, new), f"killed after {delay:.3f} s of {took:.3f} s"

    log.write_bytes(big_log)
    kill_when(timeline(*args), lambda: bool(strays()))
    assert log.read_bytes() in (big_log, new), "killed as the temporary file appeared"
    left = strays()
    assert left, "the kill came too late to leave a temporary file: nothing was tested"

    log.write_bytes(big_log)
    finish(timeline(*args))
    assert log.read_bytes() == new
    assert strays() == []
    assert sorted(os.listdir(tmp_path)) == ["events.jsonl"]


def test_a_stray_temporary_file_trips_no_reader_or_writer(tmp_path: Path) -> None:
    """A temporary file left by a killed rewrite: show and check ignore it, add removes it."""
    log, clean = tmp_path / "a" / "events.jsonl", tmp_path / "b" / "events.jsonl"
    for path in (log, clean):
        path.parent.mkdir()
        shutil.copyfile(BUNDLED, path)
    ended = subprocess.Popen(["true"])  # a process that has ended, for its pid
    ended.wait()
    stray = log.parent / f"{TMP_MARK}{ended.pid}-deadbeef"
    stray.write_bytes(BUNDLED.read_bytes()[:100])
    # Files that are not ours, or whose maker still runs, are never removed.
    kept = [
        log.parent / ".events.jsonl.tmp-mine",  # a user's file that looks like an old name
        log.parent / f"{TMP_MARK}{os.getpid()}-cafebabe",  # a rewrite still under way
    ]
    for path in kept:
        path.write_bytes(b"keep me")
    for args in (["show", "--json"], ["check"]):
        got, want = cli(*args, "--file", str(log)), cli(*args, "--file", str(clean))
        assert got.exit_code == want.exit_code
        assert got.stdout == want.stdout.replace(str(clean), str(log))
        assert got.stderr == want.stderr.replace(str(clean), str(log))
    assert stray.exists()
    result = cli(
        "add", "--file", str(log), "--id", "after", "--date", "2024-08-27", "--type", "accuse",
        "--actor", "belarus", "--title", "After", "--source", "https://example.org/x", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert log.read_bytes() == BUNDLED.read_bytes() + result.stdout.encode()
    assert sorted(os.listdir(log.parent)) == sorted(["events.jsonl", *(p.name for p in kept)])
    assert all(path.read_bytes() == b"keep me" for path in kept)
