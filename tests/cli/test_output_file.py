"""``show -o FILE``: the output lands whole or not at all, never over the log being read."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from timeline.cli import app
from timeline.cli.output import emit
from timeline.errors import OutputError
from timeline.formats import TextLines


@pytest.mark.parametrize("fmt", ["plain", "json", "csv"])
def test_file_holds_what_stdout_shows(runner: CliRunner, log_copy: Path, fmt: str) -> None:
    """-o writes the very bytes the same command writes to standard output, and prints none."""
    args = ["show", "-f", str(log_copy), "--actor", "belarus", "--format", fmt]
    piped = runner.invoke(app, args)
    out = log_copy.parent / f"out.{fmt}"
    written = runner.invoke(app, [*args, "-o", str(out)])
    assert written.exit_code == piped.exit_code == 0, written.stderr
    assert written.stdout == ""
    assert out.read_bytes() == piped.stdout_bytes
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    """When the output fails half way, the file named by -o keeps its old text and no
    temporary file is left beside it."""
    out = tmp_path / "brief.txt"
    out.write_text("yesterday's brief\n")

    def lines() -> Iterator[str]:
        yield "first line"
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match=r"brief\.txt: cannot write: no space left on device"):
        emit(TextLines(lines()), to=str(out))
    assert out.read_text() == "yesterday's brief\n"
    assert [p.name for p in tmp_path.iterdir()] == ["brief.txt"]


@pytest.mark.parametrize("alias", ["same", "symlink", "hardlink"])
def test_output_over_the_log_is_refused(runner: CliRunner, log_copy: Path, alias: str) -> None:
    """-o naming the log (by its path, a symbolic link or a hard link) is refused: the log
    would be replaced by a view of itself."""
    before = log_copy.read_bytes()
    target = log_copy
    if alias == "symlink":
        target = log_copy.parent / "link.jsonl"
        target.symlink_to(log_copy)
    elif alias == "hardlink":
        target = log_copy.parent / "hard.jsonl"
        os.link(log_copy, target)
    result = runner.invoke(app, ["show", "-f", str(log_copy), "--format", "csv", "-o", str(target)])
    assert result.exit_code == 2
    assert (
        result.stderr == f"timeline: --output {target} is the log being read; name another file\n"
    )
    assert log_copy.read_bytes() == before


def test_output_into_a_missing_folder(runner: CliRunner, log_copy: Path) -> None:
    """A path that cannot be written is one line naming it, exit 2, and nothing is made."""
    out = log_copy.parent / "missing" / "x.csv"
    result = runner.invoke(app, ["show", "-f", str(log_copy), "--format", "csv", "-o", str(out)])
    assert result.exit_code == 2
    folder = out.parent  # as typed
    assert result.stderr == f"timeline: {out}: cannot write: folder '{folder}' does not exist\n"
    assert sorted(p.name for p in log_copy.parent.iterdir()) == ["events.jsonl"]


@pytest.mark.skipif(not os.path.isfile("/proc/version"), reason="no /proc on this system")
@pytest.mark.parametrize("fmt", ["markdown", "parquet"])
def test_output_into_a_folder_that_takes_no_files(
    runner: CliRunner, log_copy: Path, fmt: str
) -> None:
    """/proc holds files and refuses new ones: the folder is said to, not "no such file"."""
    result = runner.invoke(
        app, ["show", "-f", str(log_copy), "--format", fmt, "-o", "/proc/version"]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "timeline: /proc/version: cannot write: folder '/proc' takes no new files\n"
    )


def test_rich_view_to_a_file_has_no_escape_codes(runner: CliRunner, log_copy: Path) -> None:
    """The timeline view written to a file is text, without colour codes, whatever the
    terminal would have had."""
    out = log_copy.parent / "view.txt"
    result = runner.invoke(
        app, ["show", "-f", str(log_copy), "--format", "rich", "-o", str(out)], color=True
    )
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert "\x1b" not in text
    assert "Lukashenko claims Ukraine sent over 120,000 soldiers" in text


@pytest.mark.parametrize("columns", ["60", "120", None])
def test_rich_view_to_a_file_is_as_wide_as_on_standard_output(
    runner: CliRunner, log_copy: Path, columns: str | None
) -> None:
    """-o writes the timeline view as > would: as wide as COLUMNS says, else 80 columns
    (before 7 December: 100, whatever COLUMNS said)."""
    args = ["show", "-f", str(log_copy), "--format", "rich"]
    env = {"COLUMNS": columns}  # None: unset
    piped = runner.invoke(app, args, env=env)
    out = log_copy.parent / "view.txt"
    written = runner.invoke(app, [*args, "-o", str(out)], env=env)
    assert written.exit_code == piped.exit_code == 0, written.stderr
    assert out.read_bytes() == piped.stdout_bytes
    widest = max(len(line) for line in piped.stdout.splitlines())
    assert widest <= int(columns or 80) and widest > int(columns or 80) - 20


def test_output_to_a_fifo_writes_into_it(runner: CliRunner, log_copy: Path) -> None:
    """A FIFO (like a device or /dev/stdout) is written into, as the shell's > does, not
    replaced by a regular file: the reader at its other end gets the output."""
    import threading

    fifo = log_copy.parent / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = runner.invoke(app, ["show", "-f", str(log_copy), "--json", "-o", str(fifo)])
    reader.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert fifo.is_fifo()
    assert received == [runner.invoke(app, ["show", "-f", str(log_copy), "--json"]).stdout_bytes]


def test_output_through_a_link_replaces_what_it_points_at(
    runner: CliRunner, log_copy: Path
) -> None:
    """-o latest.csv, a symbolic link, writes the file it leads to and keeps the link; the
    file keeps its mode."""
    target = log_copy.parent / "brief-2024-08.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    link = log_copy.parent / "latest.csv"
    link.symlink_to(target.name)
    result = runner.invoke(app, ["show", "-f", str(log_copy), "--format", "csv", "-o", str(link)])
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == target.name
    assert target.read_text().startswith("id,date,")
    assert target.stat().st_mode & 0o777 == 0o640


def test_output_dash_is_standard_output(runner: CliRunner, log_copy: Path, in_tmp: Path) -> None:
    """-o - writes to standard output, as '-' reads standard input, and makes no file '-'."""
    result = runner.invoke(app, ["show", "-f", str(log_copy), "--json", "-o", "-"])
    assert result.exit_code == 0
    assert (
        result.stdout_bytes
        == runner.invoke(app, ["show", "-f", str(log_copy), "--json"]).stdout_bytes
    )
    assert not (in_tmp / "-").exists()


def test_empty_output_name_is_refused(runner: CliRunner, log_copy: Path) -> None:
    """-o '' is a one-line error that says what is wrong."""
    result = runner.invoke(app, ["show", "-f", str(log_copy), "--json", "-o", ""])
    assert result.exit_code == 2
    assert result.stderr == "timeline: --output: the file name is empty\n"


@pytest.mark.parametrize("count", [3, 2500])  # within one batch of 1,024 lines, and past two
def test_lines_made_before_an_error_reach_stdout(
    count: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """Standard output takes lines in batches; a failure while making the next line still
    leaves every line made before it written, each whole."""

    def lines() -> Iterator[str]:
        for number in range(count):
            yield f"line {number}"
        raise OutputError("made up")

    with pytest.raises(OutputError):
        emit(TextLines(lines()))
    assert capsys.readouterr().out == "".join(f"line {n}\n" for n in range(count))


def _as_a_user() -> list[str]:
    """The words that run a command without root's power to write into any folder (none for a
    user without it); skips the test where it cannot be dropped."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root writes into a read-only folder, and setpriv is not here to stop it")
    return [setpriv, "--inh-caps=-dac_override", "--bounding-set=-dac_override"]


@pytest.mark.parametrize("kind", ["writable file", "new file", "link to a writable file"])
def test_output_into_a_read_only_folder_names_the_folder(
    log_copy: Path, tmp_path: Path, kind: str
) -> None:
    """A folder that takes no new file, holding a file anyone may write: the error names the
    folder (the file is written beside the old one and renamed), not "permission denied", which
    read as the file's own, and the old file stays as it was. Through a symbolic link, the
    folder named is the one the link leads to, where the new file was to be made."""
    folder = tmp_path / "ro"
    folder.mkdir()
    brief = folder / "brief.html"
    out = brief
    if kind != "new file":
        brief.write_text("yesterday's page\n")
        brief.chmod(0o666)
    if kind == "link to a writable file":
        (tmp_path / "links").mkdir()
        out = tmp_path / "links" / "brief.html"
        out.symlink_to(brief)
    folder.chmod(0o555)
    try:
        done = subprocess.run(
            [*_as_a_user(), sys.executable, "-m", "timeline", "show", "-f", str(log_copy),
             "--format", "html", "-o", str(out)],
            capture_output=True, text=True,
        )  # fmt: skip
    finally:
        folder.chmod(0o755)
    named = os.path.realpath(folder) if out.is_symlink() else folder
    why = (
        "" if kind == "new file"
        else " (the file is written whole beside the old one, then renamed over it)"
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (
        2, f"timeline: {out}: cannot write: folder '{named}' lets no new file be made in it{why}\n"
    )  # fmt: skip
    assert [p.name for p in folder.iterdir()] == ([] if kind == "new file" else ["brief.html"])
    if kind != "new file":
        assert brief.read_text() == "yesterday's page\n"
