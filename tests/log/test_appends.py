"""Appends are all or nothing: a writer killed at any byte of its append, or stopped by a full
disk, leaves the log as it was for every reader, and the next writer trims what it left.

The kills are deterministic: the writer runs with its one low-level write replaced by one that
writes a chosen number of bytes and then SIGKILLs its own process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from timeline.cli import app
from timeline.log.files import journal_path
from timeline.model import Event, canonical_json

pytestmark = pytest.mark.slow  # spawns a process per kill, mounts file systems

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "data" / "events.jsonl"

KILLER = r"""
import os, signal, sys
import timeline.log.files as files
call, cut = int(sys.argv[1]), int(sys.argv[2])
real = files.write_all
def torn(fd, data):
    # call 1: the journal's first write; call 2: the log's first write
    path = os.readlink(f"/proc/self/fd/{fd}")
    if path.endswith(".timeline-journal") != (call == 1):
        return real(fd, data)
    os.write(fd, bytes(data[:cut]))
    os.kill(os.getpid(), signal.SIGKILL)
files.write_all = torn
sys.argv = ["timeline", *sys.argv[3:]]
from timeline.cli import main
main()
"""

ADD = [
    "add", "--id", "killed", "--date", "2024-08-27", "--type", "accuse", "--actor", "belarus",
    "--title", "An event whose append is killed", "--source", "https://example.org/k",
]  # fmt: skip


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"TIMELINE_FILE", "COLUMNS"}}
    env["PYTHONPATH"] = str(REPO / "src")
    return env


def killed_at(call: int, cut: int, args: list[str], stdin: bytes = b"") -> None:
    """Run timeline ARGS with a low-level write cut after ``cut`` bytes, then killed: the
    journal's first (``call`` 1), or the log's (``call`` 2)."""
    done = subprocess.run(
        [sys.executable, "-c", KILLER, str(call), str(cut), *args],
        input=stdin, env=_env(), capture_output=True, check=False,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()


def seen(log: Path) -> tuple[str, str]:
    """What readers make of the log: ``show --json`` and ``check --json``."""
    runner = CliRunner()
    shown = runner.invoke(app, ["show", "--json", "-f", str(log)])
    checked = runner.invoke(app, ["check", "--json", "-f", str(log), "--as-of", "2026-01-01"])
    return shown.stdout, checked.stdout


def _payload_sizes() -> Iterator[tuple[str, int, int]]:
    yield "journal cut short", 1, 5
    yield "journal written, nothing appended", 2, 0
    for name, cut in (("one byte", 1), ("half", 150), ("all but one byte", -1), ("all", 10**6)):
        yield f"append killed after {name}", 2, cut


def import_lines(count: int) -> bytes:
    """``count`` small valid events as JSON Lines."""
    return b"".join(
        json.dumps(
            {"id": f"imp-{i}", "date": "2024-08-27", "title": f"Imported {i}", "type": "accuse",
             "actors": ["belarus"], "sources": [{"url": "https://example.org/i"}]},
            separators=(",", ":"),
        ).encode() + b"\n"
        for i in range(count)
    )  # fmt: skip


IMPORT_LINES = import_lines(40)


@pytest.mark.parametrize("command", ["add", "import"])
@pytest.mark.parametrize(("when", "call", "cut"), list(_payload_sizes()))
def test_a_killed_append_leaves_the_old_log(
    tmp_path: Path, command: str, when: str, call: int, cut: int
) -> None:
    """Killed anywhere in its append, ``add`` or ``import`` leaves the log as it was: readers see
    the old log, the next writer trims the torn bytes and appends after the old log, and no
    journal stays behind."""
    log = tmp_path / "events.jsonl"
    base = BUNDLED.read_bytes()
    log.write_bytes(base)
    before = seen(log)
    args = [*ADD, "-f", str(log)] if command == "add" else ["import", "-", "-f", str(log)]
    payload = len(IMPORT_LINES) if command == "import" else 300
    killed_at(call, cut if cut >= 0 else payload - 1, args, IMPORT_LINES)
    assert log.read_bytes().startswith(base), when
    if call == 2:  # the journal is whole: readers of a shared log, any user, must read it
        assert journal_path(log).stat().st_mode & 0o044 == 0o044, when
    assert seen(log) == before, when
    first_line = IMPORT_LINES.split(b"\n", 1)[0] + b"\n"
    result = CliRunner().invoke(app, ["import", "-", "-f", str(log)], input=first_line)
    assert result.exit_code == 0, (when, result.stderr)
    stored = canonical_json(Event.model_validate_json(first_line)).encode() + b"\n"
    assert log.read_bytes() == base + stored, when
    assert not journal_path(log).exists()


def test_a_journal_of_another_file_rolls_nothing_back(tmp_path: Path) -> None:
    """A journal left beside a log that has since been replaced (another inode) is dropped
    without touching the log."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    killed_at(2, 10, [*ADD, "-f", str(log)])
    torn = log.read_bytes()
    replaced = tmp_path / "new.jsonl"
    replaced.write_bytes(torn)  # e.g. an editor saved the file anew, torn bytes and all
    os.replace(replaced, log)
    assert seen(log)[0].count("\n") == BUNDLED.read_bytes().count(b"\n")
    result = CliRunner().invoke(app, [*ADD[:2], "other", *ADD[3:], "-f", str(log)])
    assert result.exit_code == 0, result.stderr
    assert log.read_bytes().startswith(torn)
    assert not journal_path(log).exists()


@pytest.mark.parametrize("command", ["add", "import"])
@pytest.mark.parametrize("kept", [False, True], ids=["torn-bytes-dropped", "torn-bytes-kept"])
def test_a_stale_journal_never_takes_away_a_line_saved_since(
    tmp_path: Path, command: str, kept: bool
) -> None:
    """After an append was killed, another program saves the log in place (the same file, as
    `cat > log`, cp or an editor do), with a line typed by hand after the old ones (and the
    torn bytes, or without them). The journal's length and size still fit, but the bytes are
    not the append's: readers show the hand-typed line, and the next writer keeps it."""
    log = tmp_path / "events.jsonl"
    base = BUNDLED.read_bytes()
    log.write_bytes(base)
    args = [*ADD, "-f", str(log)] if command == "add" else ["import", "-", "-f", str(log)]
    killed_at(2, 150, args, IMPORT_LINES)
    torn = log.read_bytes()[len(base) :]
    assert journal_path(log).exists() and len(torn) == 150
    by_hand = import_lines(1).replace(b"imp-0", b"by-hand")[:-1]  # short: the journal fits it
    with open(log, "r+b") as fh:  # in place: the same file
        fh.write(base + (torn if kept else b"") + b"\n" + by_hand + b"\n")
        fh.truncate()
    shown = CliRunner().invoke(app, ["show", "--json", "--id", "by-hand", "-f", str(log)])
    assert shown.stdout.count("\n") == 1, shown.stderr
    added = CliRunner().invoke(app, [*ADD[:2], "next", *ADD[3:], "-f", str(log)])
    assert added.exit_code == 0, added.stderr
    assert b'"id":"by-hand"' in log.read_bytes()
    assert not journal_path(log).exists()


INTERRUPTER = r"""
import os, signal, sys
import timeline.log.files as files
signal.signal(signal.SIGINT, signal.default_int_handler)  # a test runner may ignore it
when = sys.argv[1]
real = files.made
def hooked():
    if when == "before":
        os.kill(os.getpid(), signal.SIGINT)
    real()
    if when == "after":
        os.kill(os.getpid(), signal.SIGINT)
files.made = hooked
if when == "at the end":  # once the command has returned: the process is ending
    from timeline.cli import exits
    real_main = exits.ExitGroup.main
    def main_then_ctrl_c(self, *args, **kwargs):
        try:
            return real_main(self, *args, **kwargs)
        finally:
            os.kill(os.getpid(), signal.SIGINT)
    exits.ExitGroup.main = main_then_ctrl_c
sys.argv = ["timeline", *sys.argv[2:]]
from timeline.cli import main
main()
"""


@pytest.mark.parametrize("command", ["add", "edit", "import"])
@pytest.mark.parametrize("when", ["before", "after", "at the end"])
def test_a_ctrl_c_undoes_a_change_before_it_is_made_and_not_after(
    tmp_path: Path, command: str, when: str
) -> None:
    """A Ctrl-C before the change is made (the append synced, the new file about to be renamed
    in) undoes it: the log as it was, no file left beside it, "interrupted", exit 130. One
    after it no longer stops the command, which says what it did and exits 0 (it exited 130
    without a word, and an ``add`` run again stored its event twice); nor does one once the
    command has returned, as the process ends (it said "interrupted", exit 130, or ended by
    the signal: 9 of 220 interrupted adds in a fuzz)."""
    log = tmp_path / "events.jsonl"
    base = BUNDLED.read_bytes()
    log.write_bytes(base)
    first = json.loads(base.split(b"\n", 1)[0])["id"]
    args = {
        "add": ADD,
        "edit": ["edit", first, "--summary", "Edited"],
        "import": ["import", "-"],
    }[command]
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTER, when, *args, "-f", str(log)],
        input=IMPORT_LINES, env=_env(), capture_output=True, check=False,
    )  # fmt: skip
    if when == "before":
        assert (done.returncode, done.stderr) == (130, b"timeline: interrupted\n")
        assert log.read_bytes() == base
    else:
        assert done.returncode == 0, done.stderr
        assert done.stdout and log.read_bytes() != base
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl"]


def test_a_planted_journal_link_is_never_followed(tmp_path: Path) -> None:
    """A link at the journal's name (planted by someone who may write to the folder, between
    one writer removing a journal and the next writing one) is refused, never written
    through: the file it leads to keeps its bytes."""
    from timeline.log.files import Journal, _write_journal

    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious\n")
    planted = journal_path(tmp_path / "events.jsonl")
    planted.symlink_to(victim)
    with pytest.raises(FileExistsError):
        _write_journal(planted, Journal(1, 2, 3, 1), [b"x"], like=victim.stat())
    assert victim.read_bytes() == b"precious\n"


# ---------------------------------------------------------------------------- a full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, mounted for the test (root only; skipped with the reason elsewhere)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip() or 'mount failed'}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def _fill(folder: Path, *, leave: int) -> None:
    """Fill the file system of ``folder`` until about ``leave`` bytes are free."""
    filler = folder / "filler"
    with open(filler, "wb") as fh:
        while True:
            free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
            if free <= leave:
                break
            try:
                fh.write(b"\0" * min(4096, free - leave))
                fh.flush()
            except OSError:
                break


@pytest.mark.parametrize("leave", [0, 4096], ids=["no-room", "room-for-the-journal"])
@pytest.mark.parametrize("command", ["add", "import", "edit", "rm"])
def test_a_full_disk_changes_nothing(small_disk: Path, command: str, leave: int) -> None:
    """On a full disk every writer fails with one line and exit 2, and the log keeps every byte;
    no journal or temporary file is left."""
    log = small_disk / "events.jsonl"
    base = BUNDLED.read_bytes()
    log.write_bytes(base)
    first = json.loads(base.split(b"\n", 1)[0])["id"]
    long_title = "A very long title " * 500  # about 9 KB: more than is left
    args = {
        "add": [*ADD[:9], "--title", long_title, *ADD[11:]],
        "import": ["import", "-"],
        "edit": ["edit", first, "--summary", long_title],
        "rm": ["rm", first, "--yes", "--force"],
    }[command]
    _fill(small_disk, leave=leave)
    stdin = import_lines(800) if command == "import" else b""
    result = CliRunner().invoke(app, [*args, "-f", str(log)], input=stdin)
    if command == "rm" and result.exit_code == 0:
        pytest.skip("the smaller log fit: rm needs no more room than the log had")
    assert result.exit_code == 2, result.stdout
    assert "no space left on device" in result.stderr
    assert result.stderr.startswith(f"timeline: {log}: cannot "), result.stderr  # not stdout's
    assert len(result.stderr.strip().splitlines()) == 1
    assert log.read_bytes() == base
    assert sorted(p.name for p in small_disk.iterdir()) == ["events.jsonl", "filler"]


# ---------------------------------------------------------------------------- the journal's bytes


@pytest.mark.parametrize(
    "name",
    ["events.jsonl", "x" * 229 + ".jsonl", "caf\udce9.jsonl"],
    ids=["plain", "long-name", "not-utf8-name"],
)
def test_appends_of_any_size_to_a_log_of_any_name(tmp_path: Path, name: str) -> None:
    """The journal holds the append's bytes, however many (an event of 70 KB, an import of
    hundreds), beside a log whose name is long or not UTF-8: all land."""
    log = tmp_path / name
    runner = CliRunner()
    big = [*ADD[:9], "--summary", "word " * 14_000, *ADD[9:]]
    added = runner.invoke(app, [*big, "-f", str(log)])
    assert added.exit_code == 0, added.stderr
    imported = runner.invoke(app, ["import", "-", "-f", str(log)], input=import_lines(800))
    assert imported.exit_code == 0, imported.stderr
    assert log.read_bytes().count(b"\n") == 801
    assert sorted(p.name for p in tmp_path.iterdir()) == [os.fsdecode(os.fsencode(name))]


@pytest.mark.parametrize("mode", [0o600, 0o664])
def test_a_journal_is_as_readable_as_its_log(tmp_path: Path, mode: int) -> None:
    """The journal holds the event being added: it may be read by those who may read the log
    (a shared log's other readers must, to hide a killed append), and by no one else."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    log.chmod(mode)
    killed_at(2, 150, [*ADD, "-f", str(log)])
    assert journal_path(log).stat().st_mode & 0o777 == mode & 0o644  # written by its owner


def test_a_killed_append_whose_bytes_a_crash_made_nul_is_rolled_back(tmp_path: Path) -> None:
    """A file system that lost an append's data in a crash may show its room as NUL bytes:
    those are taken away too (no other program writes NULs into a log)."""
    log = tmp_path / "events.jsonl"
    base = BUNDLED.read_bytes()
    log.write_bytes(base)
    killed_at(2, 150, [*ADD, "-f", str(log)])
    log.write_bytes(base + b"\0" * 150)  # in place: the same file
    added = CliRunner().invoke(app, [*ADD[:2], "next", *ADD[3:], "-f", str(log)])
    assert added.exit_code == 0, added.stderr
    assert log.read_bytes().startswith(base + b'{"id":"next"')


def test_a_killed_first_append_to_a_new_log_is_hidden(tmp_path: Path) -> None:
    """The torn bytes of the first append to a new log are hidden from readers too (an empty
    committed log was read to its end, as a /proc file that says size 0 is)."""
    log = tmp_path / "events.jsonl"
    killed_at(2, 150, [*ADD, "-f", str(log)])
    assert log.stat().st_size == 150
    shown, checked = seen(log)
    assert (shown, checked) == ("", "")


def test_an_append_outside_a_command_leaves_ctrl_c_alone(tmp_path: Path) -> None:
    """Only a command of the CLI ignores a Ctrl-C once its change is made: a program using
    the store keeps its own handler."""
    from timeline.log.files import lock_log

    before = signal.getsignal(signal.SIGINT)
    with lock_log(tmp_path / "events.jsonl", create=True) as log:
        log.append(['{"id":"a"}'])
    assert signal.getsignal(signal.SIGINT) is before


def _forged_journal(log: Path, *, cut: int) -> bytes:
    """A journal that claims the log's last ``cut`` bytes as an unfinished append."""
    from timeline.log.files import Journal

    data, st = log.read_bytes(), log.stat()
    copy = data[len(data) - cut :]
    return Journal(st.st_dev, st.st_ino, len(data) - cut, cut).head() + copy + b"end\n"


def test_a_journal_made_by_one_who_may_not_write_the_log_is_not_trusted(tmp_path: Path) -> None:
    """Someone who may create files in the log's folder but not write the log (a sticky
    shared folder) plants a journal claiming its last event: readers still show it, and the
    next writer drops the journal, not the event."""
    log = tmp_path / "events.jsonl"
    base = BUNDLED.read_bytes()
    log.write_bytes(base)
    log.chmod(0o644)
    last = len(base) - base.rstrip(b"\n").rfind(b"\n") - 1
    planted = journal_path(log)
    planted.write_bytes(_forged_journal(log, cut=last))
    os.chown(planted, 65534, 65534)  # nobody's
    assert seen(log)[0].count("\n") == base.count(b"\n")
    added = CliRunner().invoke(app, [*ADD, "-f", str(log)])
    assert added.exit_code == 0, added.stderr
    assert log.read_bytes().startswith(base) and not planted.exists()


@pytest.mark.parametrize(
    ("how", "trusted"),
    [
        ("the log's owner", True),
        ("another user, the log writable by all", True),
        ("another user, the log writable by a group not theirs", False),
        ("the log's owner, but writable by all", False),
        ("the log's owner, but a hard link", False),
    ],
)
def test_a_journal_is_trusted_only_as_its_log_writer_made_it(
    tmp_path: Path, how: str, trusted: bool
) -> None:
    """A killed append's journal hides and takes away its bytes only when a writer of the log
    could alone have made it: its owner may write the log (by the log's owner and mode, and
    the owner's groups), no one else may write it, and it has no other name (a file of the
    right shape linked in, or made in a setgid folder, is not)."""
    log = tmp_path / "events.jsonl"
    base = BUNDLED.read_bytes()
    log.write_bytes(base)
    killed_at(2, 150, [*ADD, "-f", str(log)])
    journal = journal_path(log)
    log.chmod(0o666 if "by all" in how else 0o664)
    if how.startswith("another user"):
        os.chown(journal, 65534, 54321)  # a group nobody is not in; the log's group is root's
        os.chown(log, 0, 54321) if "group" in how else None
    if "writable by all" in how and how.startswith("the log's owner"):
        journal.chmod(0o666)
    if "hard link" in how:
        os.link(journal, tmp_path / "elsewhere")
    shown = seen(log)[0].count("\n")
    assert shown == base.count(b"\n")  # the torn bytes are a bad line, or hidden: no event
    added = CliRunner().invoke(app, [*ADD[:2], "next", *ADD[3:], "-f", str(log)])
    assert added.exit_code == 0, added.stderr
    assert log.read_bytes().startswith(base + b'{"id":"next"') == trusted


def test_a_journal_is_matched_by_inode_not_device_number(tmp_path: Path) -> None:
    """A disk mounted again may give the log another device number: a killed append's
    journal, beside it, still rolls it back (it was dropped, the torn import kept)."""
    from timeline.log.files import Journal

    log = tmp_path / "events.jsonl"
    base = BUNDLED.read_bytes()
    log.write_bytes(base)
    killed_at(2, 150, [*ADD, "-f", str(log)])
    journal = journal_path(log)
    found = Journal.read(os.open(journal, os.O_RDONLY))
    assert found is not None
    moved = Journal(found.dev + 1, found.ino, found.length, found.adding)
    copy = journal.read_bytes()[found.offset :]
    journal.unlink()
    journal.write_bytes(moved.head() + copy)
    assert seen(log)[0].count("\n") == base.count(b"\n")
    added = CliRunner().invoke(app, [*ADD[:2], "next", *ADD[3:], "-f", str(log)])
    assert added.exit_code == 0, added.stderr
    assert log.read_bytes().startswith(base + b'{"id":"next"')


def test_an_append_cut_by_a_crash_into_nul_bytes_is_rolled_back(tmp_path: Path) -> None:
    """A crash may leave the start of an append and NULs where the rest would be: rolled
    back too (only its own bytes, then NULs)."""
    log = tmp_path / "events.jsonl"
    base = BUNDLED.read_bytes()
    log.write_bytes(base)
    killed_at(2, 300, [*ADD, "-f", str(log)])
    torn = log.read_bytes()[len(base) :]
    log.write_bytes(base + torn[:100] + b"\0" * 200)  # in place: the same file
    assert seen(log)[0].count("\n") == base.count(b"\n")
    added = CliRunner().invoke(app, [*ADD[:2], "next", *ADD[3:], "-f", str(log)])
    assert added.exit_code == 0, added.stderr
    assert log.read_bytes().startswith(base + b'{"id":"next"')


@pytest.mark.parametrize("kind", ["folder", "pipe"])
def test_no_file_at_the_journal_name_stops_readers(tmp_path: Path, kind: str) -> None:
    """A folder or a named pipe at the journal's name: readers read the log (a pipe hung
    them), and a writer says what stands there (a folder) or removes it (a pipe)."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    journal = journal_path(log)
    journal.mkdir() if kind == "folder" else os.mkfifo(journal)
    shown = subprocess.run(
        [sys.executable, "-m", "timeline", "show", "--json", "-f", str(log)],
        env=_env(), capture_output=True, timeout=20, check=False,
    )  # fmt: skip
    assert shown.returncode == 0 and shown.stdout.count(b"\n") == 21, shown.stderr
    added = CliRunner().invoke(app, [*ADD, "-f", str(log)])
    if kind == "folder":
        assert added.exit_code == 2
        assert added.stderr == (
            f"timeline: {log}: cannot write: {journal} is a folder where the journal of an "
            "append goes: remove it\n"
        )
    else:
        assert added.exit_code == 0, added.stderr
        assert not journal.exists()


def test_a_log_whose_name_leaves_no_room_for_the_journal_name(tmp_path: Path) -> None:
    """A log named with 250 bytes: its journal and a rewrite's temporary file are named after
    a digest of its name (an edit failed: "File name too long")."""
    log = tmp_path / ("x" * 244 + ".jsonl")
    added = CliRunner().invoke(app, [*ADD, "-f", str(log)])
    assert added.exit_code == 0, added.stderr
    assert journal_path(log).name.startswith(".timeline-journal-")
    edited = CliRunner().invoke(app, ["edit", "killed", "--summary", "S", "-f", str(log)])
    assert edited.exit_code == 0, edited.stderr
    killed_at(2, 150, [*ADD[:2], "next", *ADD[3:], "-f", str(log)])
    assert journal_path(log).exists()
    assert seen(log)[0].count("\n") == 1
