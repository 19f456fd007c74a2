"""Logs given as pipes (``<(…)`` in a shell, a FIFO): read as they are written, to the end,
once, and then as a file would be: by forked workers, and twice where a view needs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from timeline.cli import app
from timeline.log import parallel

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "data" / "events.jsonl"


def _named(output: str, log: Path) -> str:
    """The output with the log's name, as said (the brief escapes it), made one word."""
    return re.sub(r"(?<= from )\S+(?=; selection)", "LOG", output).replace(str(log), "LOG")


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def pipes(tmp_path: Path, deadline: Callable[[float], None]) -> Iterator[Callable[[bytes], Path]]:
    """A FIFO that a writer fills with the bytes given, once a reader opens it; a reading that
    waits for a writer that is gone (a pipe opened twice) fails the test in 20 seconds."""
    writers: list[threading.Thread] = []
    deadline(20)

    def pipe(data: bytes) -> Path:
        path = tmp_path / f"pipe-{len(writers)}"
        os.mkfifo(path)
        writer = threading.Thread(target=path.write_bytes, args=(data,), daemon=True)
        writer.start()
        writers.append(writer)
        return path

    yield pipe
    for writer in writers:
        writer.join(timeout=10)
        assert not writer.is_alive(), "a pipe was never read"


@pytest.fixture(params=[1, 3], ids=["one-reader", "forked"])
def readers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: request.param)


@pytest.mark.parametrize(
    "args",
    [
        ["show"],
        ["show", "--actor", "ukraine", "--format", "rich", "--long"],  # answered: read again
        ["show", "--actor", "belarus", "--format", "markdown"],
        ["show", "--json", "--reverse", "--limit", "3"],
        ["check", "--json"],
        ["stats", "--by", "status"],
        ["actors", "--json"],
    ],
)
def test_a_piped_log_reads_as_the_file(
    pipes: Callable[[bytes], Path], readers: None, args: list[str]
) -> None:
    """Every reading command gives from a pipe what it gives from the file it carries (the
    actor registry given, as none lies beside a pipe)."""
    registry = ["--actors", str(BUNDLED.with_name("actors.toml"))]
    from_file = run(*args, *registry, "-f", str(BUNDLED))
    pipe = pipes(BUNDLED.read_bytes())
    from_pipe = run(*args, *registry, "-f", str(pipe))
    assert from_pipe.exit_code == from_file.exit_code
    assert _named(from_pipe.stdout, pipe) == _named(from_file.stdout, BUNDLED)
    assert from_file.stdout


def test_two_pipes_diff_as_two_files(
    pipes: Callable[[bytes], Path], readers: None, tmp_path: Path
) -> None:
    """``diff <(git show …) <(…)``: both sides piped."""
    lines = BUNDLED.read_bytes().splitlines(keepends=True)
    old = b"".join(lines[:15])
    (tmp_path / "old.jsonl").write_bytes(old)
    from_files = run("diff", str(tmp_path / "old.jsonl"), str(BUNDLED))
    from_pipes = run("diff", str(pipes(old)), str(pipes(BUNDLED.read_bytes())))
    assert (from_pipes.exit_code, from_pipes.stdout) == (1, from_files.stdout)
    assert from_files.stdout.count("\n") >= 6


def test_import_from_a_pipe(pipes: Callable[[bytes], Path], tmp_path: Path) -> None:
    """``import <(…)``: the events of the pipe, appended."""
    target = tmp_path / "events.jsonl"
    result = run("import", str(pipes(BUNDLED.read_bytes())), "-f", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == BUNDLED.read_bytes()


def _timeline(*args: str, stdin: Any) -> subprocess.CompletedProcess[bytes]:
    """The command in its own process, whose standard input is ``stdin`` (a file or bytes)."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    command = [sys.executable, "-m", "timeline", *args]
    if isinstance(stdin, bytes):
        return subprocess.run(command, input=stdin, capture_output=True, env=env, timeout=60)
    return subprocess.run(command, stdin=stdin, capture_output=True, env=env, timeout=60)


@pytest.mark.parametrize("spelling", ["/dev/stdin", "/dev/fd/0"])
def test_standard_input_named_as_a_path_and_as_dash_is_refused(spelling: str) -> None:
    """`diff - /dev/stdin` with a pipe for standard input: one side would drain it and the
    other read it empty (every event 'removed'): refused, with the spelling to use."""
    done = _timeline("diff", "-", spelling, "--stat", stdin=BUNDLED.read_bytes())
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr.decode() == (
        f"timeline: {spelling}: cannot read: it is standard input: give it as '-'\n"
    )


def test_standard_input_redirected_from_a_log_also_named_is_read_once() -> None:
    """`show -f a.jsonl -f - < a.jsonl`: one log, not every event twice."""
    with BUNDLED.open("rb") as log:
        done = _timeline("show", "--json", "-f", str(BUNDLED), "-f", "-", stdin=log)
    alone = run("show", "--json", "-f", str(BUNDLED))
    assert (done.returncode, done.stdout.decode()) == (0, alone.stdout)


@pytest.mark.parametrize(
    "args",
    [
        ["rm", "some-id", "--yes"],
        ["edit", "some-id", "--title", "New"],
        [
            "add",
            "--date",
            "2024-08-01",
            "--title",
            "T",
            "--type",
            "accuse",
            "--actor",
            "belarus",
            "--source",
            "https://example.org/a",
        ],
    ],
    ids=["rm", "edit", "add"],
)
def test_a_writer_given_a_pipe_says_it_is_not_a_file(args: list[str]) -> None:
    """`-f <(…)` to a command that changes the log: a pipe cannot be rewritten, and the error
    says so (its /dev/fd link leads to no path, which read as 'no such file')."""
    read_end, write_end = os.pipe()
    try:
        result = run(*args, "-f", f"/dev/fd/{read_end}")
    finally:
        os.close(read_end)
        os.close(write_end)
    assert result.exit_code == 2
    assert result.stderr == f"timeline: /dev/fd/{read_end}: cannot write: not a regular file\n"
