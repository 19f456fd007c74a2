"""Small promises of trust, each once broken: a BOM kept, an ASCII terminal served, a prompt
that holds no lock and shows the log's name safely, list cells a spreadsheet cannot run."""

from __future__ import annotations

import csv
import fcntl
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from timeline.cli import app

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "data" / "events.jsonl"
BOM = b"\xef\xbb\xbf"
ADD = [
    "add", "--id", "new", "--date", "2024-08-27", "--type", "accuse", "--actor", "belarus",
    "--title", "New", "--source", "https://example.org/n",
]  # fmt: skip


def test_add_to_a_log_that_holds_only_a_bom(tmp_path: Path) -> None:
    """The first event goes right after the BOM, so line 1 is that event, not a bad line."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(BOM)
    result = CliRunner().invoke(app, [*ADD, "-f", str(log)])
    assert result.exit_code == 0, result.stderr
    checked = CliRunner().invoke(app, ["check", "-f", str(log), "--as-of", "2026-01-01"])
    assert (checked.exit_code, checked.stdout) == (0, "")
    assert log.read_bytes().startswith(BOM + b'{"id":"new",')


def _bundled_after_a_bom(tmp_path: Path) -> tuple[Path, bytes, str]:
    """A copy of the bundled log with a BOM before it, the bundled bytes, and the first id."""
    log = tmp_path / "events.jsonl"
    data = BUNDLED.read_bytes()
    log.write_bytes(BOM + data)
    return log, data, data.split(b'"', 4)[3].decode()


def test_editing_the_first_line_keeps_the_bom(tmp_path: Path) -> None:
    """A log that starts with a BOM still does after its first event is edited."""
    log, data, first = _bundled_after_a_bom(tmp_path)
    result = CliRunner().invoke(app, ["edit", first, "--tag", "kept", "-f", str(log)])
    assert result.exit_code == 0, result.stderr
    edited = log.read_bytes()
    assert edited.startswith(BOM + b'{"id":"' + first.encode())
    assert edited.split(b"\n", 1)[1] == data.split(b"\n", 1)[1]


@pytest.mark.parametrize("data", [BOM, BOM + b"\n", BOM + b"\n\n"])
def test_a_log_of_a_bom_alone_is_an_empty_log(tmp_path: Path, data: bytes) -> None:
    """An editor's empty file may hold its byte order mark alone (and a newline): no line is
    bad, no event is there, for check and show alike."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(data)
    checked = CliRunner().invoke(app, ["check", "-f", str(log)])
    assert (checked.exit_code, checked.stdout) == (0, "")
    assert checked.stderr == f"{log}: 0 errors, 0 warnings\n"
    shown = CliRunner().invoke(app, ["show", "-f", str(log), "--json"])
    assert (shown.exit_code, shown.stdout, shown.stderr) == (0, "", "")


def test_removing_the_first_event_keeps_the_bom(tmp_path: Path) -> None:
    """The BOM belongs to the file, not to its first line: rm of that line leaves it, and the
    next line after it."""
    log, data, first = _bundled_after_a_bom(tmp_path)
    result = CliRunner().invoke(app, ["rm", first, "--yes", "--force", "-f", str(log)])
    assert result.exit_code == 0, result.stderr
    assert log.read_bytes() == BOM + data.split(b"\n", 1)[1]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["plain", "rich"])
def test_an_ascii_terminal_gets_escapes_not_an_internal_error(fmt: str) -> None:
    """With PYTHONIOENCODING=ascii, characters it cannot hold (→, Кириллица) are escaped."""
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "timeline", "show", "-f", str(BUNDLED), "--format", fmt],
        capture_output=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert done.stdout.isascii()
    assert b"\\u2192" in done.stdout or b"->" in done.stdout


def test_csv_list_cells_protect_each_item(make_event) -> None:  # type: ignore[no-untyped-def]
    """``x;=1+1`` in a tag list: a spreadsheet splitting at ';' would run the second item."""
    from timeline.formats import csv as csv_format
    from timeline.query import Responses
    from timeline.selection import Selection

    event = make_event(tags=["x", "=1+1", "@home"], actors=["belarus"])
    output = csv_format.events(Selection([event], Responses()))
    row = next(csv.DictReader(io.StringIO("\n".join(output.lines) + "\n")))
    assert row["tags"] == "x;'=1+1;'@home"
    assert row["actors"] == "belarus"


@pytest.mark.slow
def test_rm_asks_before_it_locks_and_shows_the_path_safely(tmp_path: Path) -> None:
    """While rm's question waits for an answer, another writer can take the lock; the log's
    name in the question is shown with its control characters escaped."""
    folder = tmp_path / "evil\x1b]0;pwned\x07dir"
    folder.mkdir()
    log = folder / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    first = BUNDLED.read_bytes().split(b'"', 4)[3].decode()
    script = (
        "import pty, os, sys\n"
        "pid, fd = pty.fork()\n"
        "if pid == 0:\n"
        "    os.execv(sys.executable, [sys.executable, '-m', 'timeline', 'rm', sys.argv[1],"
        " '--force', '-f', sys.argv[2]])\n"
        "out = b''\n"
        "while b'?' not in out:\n"
        "    out += os.read(fd, 1024)\n"
        "sys.stdout.buffer.write(out)\n"
        "sys.stdout.flush()\n"
        "sys.stdin.readline()\n"  # the test takes the lock meanwhile, then lets us answer
        "os.write(fd, b'n\\n')\n"
        "os.waitpid(pid, 0)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-c", script, first, str(log)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdin is not None
    asked = proc.stdout.read1(4096)  # type: ignore[attr-defined]
    while b"?" not in asked:
        asked += proc.stdout.read1(4096)  # type: ignore[attr-defined]
    assert b"Remove 1 event from" in asked
    assert b"Belarus becomes independent" in asked  # what would be removed is shown
    assert b"\x1b" not in asked and b"\\x1b]0;pwned\\x07dir" in asked
    with open(log, "rb+") as fh:  # the lock is free while the question is open
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fh, fcntl.LOCK_UN)
    proc.communicate(b"go\n", timeout=30)
    assert log.read_bytes() == BUNDLED.read_bytes()


def _line_with_extra(extra_text: str) -> bytes:
    return (
        b'{"id":"deep","date":"2024-08-26","title":"With extra","type":"accuse",'
        b'"actors":["belarus"],"sources":[{"url":"https://example.org/d"}],"extra":'
        + extra_text.encode()
        + b"}\n"
    )


def test_extra_numbers_are_kept_as_written_by_edit(tmp_path: Path) -> None:
    """edit changes the fields it is told to; the numbers in 'extra' keep their text."""
    numbers = (
        '{"a":1E2,"b":0.1000000000000000055511151231257827,"c":123456789012345678901234567890.5}'
    )
    log = tmp_path / "events.jsonl"
    log.write_bytes(_line_with_extra(numbers))
    result = CliRunner().invoke(app, ["edit", "deep", "--tag", "edited", "-f", str(log)])
    assert result.exit_code == 0, result.stderr
    line = log.read_bytes()
    assert line.endswith(b'"tags":["edited"],"extra":' + numbers.encode() + b"}\n")


@pytest.mark.parametrize(("depth", "accepted"), [(100, True), (101, False)])
def test_one_depth_limit_for_extra_in_every_command(
    tmp_path: Path, depth: int, accepted: bool
) -> None:
    """'extra' may nest 100 levels deep: check accepts it and edit rewrites it; one level more
    is an error that check, show and edit all report alike (never an internal error)."""
    nested = "1"
    for _ in range(depth):
        nested = '{"a":' + nested + "}"
    log = tmp_path / "events.jsonl"
    log.write_bytes(_line_with_extra(nested))
    runner = CliRunner()
    checked = runner.invoke(app, ["check", "-f", str(log), "--as-of", "2026-01-01"])
    edited = runner.invoke(app, ["edit", "deep", "--tag", "x", "-f", str(log)])
    shown = runner.invoke(app, ["show", "--json", "-f", str(log)])
    if accepted:
        assert (checked.exit_code, checked.stdout) == (0, "")
        assert edited.exit_code == 0, edited.stderr
        assert log.read_bytes().endswith(b'"tags":["x"],"extra":' + nested.encode() + b"}\n")
        assert shown.stdout.count("\n") == 1
    else:
        message = "extra: nested more than 100 levels deep"
        assert checked.exit_code == 1 and message in checked.stdout
        assert edited.exit_code == 2 and message in edited.stderr
        assert "internal error" not in edited.stderr
        assert shown.stdout == "" and message in shown.stderr


def test_add_reads_no_line_of_the_log_unless_it_must_look_up(tmp_path: Path) -> None:
    """The cost of an ``add`` does not grow with the log: it appends without reading a line,
    unless ``--id`` or ``--responds-to`` asks for a look-up (the README's promise)."""
    from timeline.log.files import LockedLog

    log = tmp_path / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    reads: list[str] = []
    real = LockedLog.raw_lines

    def counted(self: LockedLog) -> object:
        reads.append(self.name)
        return real(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LockedLog, "raw_lines", counted)
        without_id = [a for a in ADD if a not in ("--id", "new")]
        result = CliRunner().invoke(app, [*without_id, "-f", str(log)])
        assert result.exit_code == 0, result.stderr
        assert reads == []
        result = CliRunner().invoke(app, [*ADD, "-f", str(log)])
        assert result.exit_code == 0, result.stderr
        assert reads == [str(log)]


@pytest.mark.slow  # waits a second for the notice
def test_a_command_that_waits_for_the_lock_says_so(tmp_path: Path) -> None:
    """Another program holds the log's lock: after a second the command says what it waits
    for (it waited without a word), then does its work once the lock is free."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    with open(log, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        # let go after 3 s whatever is said: a command that says nothing is not left waiting
        release = threading.Timer(3, fcntl.flock, (held, fcntl.LOCK_UN))
        release.start()
        proc = subprocess.Popen(
            [sys.executable, "-m", "timeline", "show", "-f", str(log), "--json", "-n", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert proc.stderr is not None
        told = proc.stderr.readline()
        release.cancel()
        fcntl.flock(held, fcntl.LOCK_UN)
        out, rest = proc.communicate(timeout=30)
        release.join()
    assert told == (
        f"timeline: waiting for {log}: another program holds its lock (Ctrl-C to stop)\n"
    )
    assert (proc.returncode, rest, len(out.splitlines())) == (0, "", 1)
