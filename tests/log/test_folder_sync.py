"""A folder that cannot be synced: a change made is said to be made, and a file system that
cannot sync folders at all (EINVAL: some FUSE and network ones) still takes every write.

The failures are injected into ``os.fsync`` of folders, in process, through the CLI."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from timeline.cli import app

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "events.jsonl"
FIRST_ID = "1991-01-01-belarus-independence-from-soviet-union"


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _failing_folder_syncs(
    monkeypatch: pytest.MonkeyPatch, code: int, *, after_rename: bool
) -> list[int]:
    """Make ``os.fsync`` of a folder fail with ``code`` (only once a file was renamed into
    place, with ``after_rename``); returns the list that counts the failures."""
    real_fsync, real_replace = os.fsync, os.replace
    failed: list[int] = []
    renamed: list[bool] = []

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode) and (renamed or not after_rename):
            failed.append(fd)
            raise OSError(code, os.strerror(code))
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        real_replace(src, dst)
        renamed.append(True)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return failed


def _log(tmp_path: Path) -> Path:
    log = tmp_path / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    return log


@pytest.mark.parametrize(
    "command",
    [
        lambda log: ("rm", "--file", str(log), FIRST_ID, "--yes"),
        lambda log: ("edit", "--file", str(log), FIRST_ID, "--title", "Independence"),
    ],
    ids=["rm", "edit"],
)
def test_a_rewrite_made_is_said_to_be_made_when_its_folder_cannot_be_synced(
    command: Callable[[Path], tuple[str, ...]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new log is in place when the folder's sync fails (EIO): exit 0 and the change said,
    not 'cannot write' (before 7 December: exit 2, and a retry found the event gone)."""
    log = _log(tmp_path)
    before = log.read_bytes()
    failed = _failing_folder_syncs(monkeypatch, errno.EIO, after_rename=True)
    result = cli(*command(log))
    assert failed, "no folder was synced after the rename"
    assert result.exit_code == 0, result.output
    assert "cannot write" not in result.output
    assert log.read_bytes() != before
    assert list(tmp_path.iterdir()) == [log]


def test_every_writer_works_where_folders_cannot_be_synced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EINVAL from every folder's sync: add, import, edit and rm each make their change (before
    7 December add failed at its journal's folder, every time)."""
    log = _log(tmp_path)
    failed = _failing_folder_syncs(monkeypatch, errno.EINVAL, after_rename=False)
    added = cli(
        "add", "--file", str(log), "--id", "added-1", "--date", "2024-08-27", "--type",
        "threaten", "--actor", "belarus", "--title", "Added", "--source", "https://e.org/a",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    line = b'{"id":"imported-1","date":"2024-08-27","title":"I","type":"accuse",'
    line += b'"actors":["belarus"],"sources":[{"url":"https://e.org/i"}]}\n'
    (tmp_path / "in.jsonl").write_bytes(line)
    imported = cli("import", str(tmp_path / "in.jsonl"), "--file", str(log))
    assert imported.exit_code == 0, imported.output
    edited = cli("edit", "--file", str(log), "added-1", "--title", "Changed")
    assert edited.exit_code == 0, edited.output
    removed = cli("rm", "--file", str(log), "imported-1", "--yes")
    assert removed.exit_code == 0, removed.output
    assert failed
    text = log.read_text(encoding="utf-8")
    assert '"title":"Changed"' in text and "imported-1" not in text


def test_a_folder_that_fails_before_a_change_stops_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EIO from the folder's sync before anything is in place (the journal of an append): the
    add fails with one line, exit 2, and the log is as it was."""
    log = _log(tmp_path)
    before = log.read_bytes()
    _failing_folder_syncs(monkeypatch, errno.EIO, after_rename=False)
    result = cli(
        "add", "--file", str(log), "--date", "2024-08-27", "--type", "threaten", "--actor",
        "belarus", "--title", "Added", "--source", "https://e.org/a",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "cannot write" in result.output
    assert log.read_bytes() == before
