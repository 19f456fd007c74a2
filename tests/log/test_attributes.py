"""A log that Linux's file attributes protect (``chattr +a``, ``+i``: root's way to keep
history from being rewritten): each refusal names the attribute, an append-only log still
takes appends, and a failed append on one neither blocks the next writer with an unexplained
"operation not permitted" nor is forgotten.

The attributes are set with the ioctl that ``chattr`` uses; the tests skip where this process
may not set them (not root, not Linux) or the file system keeps none."""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import stat
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from timeline.cli import app
from timeline.log import files

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "data" / "events.jsonl"
REGISTRY = ROOT / "data" / "actors.toml"
FIRST_ID = "1991-01-01-belarus-independence-from-soviet-union"
# linux/fs.h's numbers for a 64-bit x86 or arm machine, as the kernel has them: not taken from
# the code under test, whose wrong number would only make these tests skip
_FS_IOC_GETFLAGS, _FS_IOC_SETFLAGS = 0x80086601, 0x40086602
APPEND, IMMUTABLE = 0x20, 0x10
ADD = ("add", "--date", "2024-08-30", "--type", "accuse", "--actor", "ukraine", "--title",
       "A new claim", "--source", "https://example.org/x", "--id", "2024-08-30-new")  # fmt: skip


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _set_attributes(path: Path, flags: int) -> None:
    """Set or clear the append-only and immutable attributes, keeping the others (ext4 refuses
    to clear some, such as its extents)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        now = struct.unpack("ii", fcntl.ioctl(fd, _FS_IOC_GETFLAGS, struct.pack("ii", 0, 0)))[0]
        wanted = now & ~(APPEND | IMMUTABLE) | flags
        fcntl.ioctl(fd, _FS_IOC_SETFLAGS, struct.pack("ii", wanted, 0))
    finally:
        os.close(fd)


@pytest.fixture
def protect(tmp_path: Path) -> Iterator[list[Path]]:
    """Paths appended to the yielded list lose their attributes when the test ends (else
    pytest could not remove them)."""
    if os.uname().machine not in ("x86_64", "aarch64"):
        pytest.skip("the ioctl numbers here are those of 64-bit x86 and arm")
    probe = tmp_path / "probe"
    probe.write_bytes(b"")
    try:
        _set_attributes(probe, APPEND)
    except OSError as exc:
        pytest.skip(f"cannot set file attributes here: {os.strerror(exc.errno or 0)}")
    _set_attributes(probe, 0)
    protected: list[Path] = []
    yield protected
    for path in protected:
        if path.exists():
            _set_attributes(path, 0)


def _log(tmp_path: Path, protected: list[Path], flags: int) -> Path:
    log = tmp_path / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    protected.append(log)
    _set_attributes(log, flags)
    return log


@pytest.mark.parametrize(
    "command",
    [
        ("edit", FIRST_ID, "--tag", "x"),
        ("rm", FIRST_ID, "--yes", "--force"),
        ("actors", "rename", "belarus", "belarus-state"),
    ],
    ids=["edit", "rm", "rename"],
)
def test_an_append_only_log_is_not_rewritten_and_says_why(
    tmp_path: Path, protect: list[Path], command: tuple[str, ...]
) -> None:
    log = _log(tmp_path, protect, APPEND)
    before = log.read_bytes()
    result = cli(*command, "-f", str(log))
    assert result.exit_code == 2
    assert result.stderr == (
        f"timeline: {log}: cannot rewrite: the file is append-only (chattr +a; chattr -a takes "
        "that off): add and import may append to it; a change of its lines needs the attribute "
        "taken off\n"
    )
    assert log.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl", "probe"]


def test_an_append_only_log_takes_appends(tmp_path: Path, protect: list[Path]) -> None:
    log = _log(tmp_path, protect, APPEND)
    before = log.read_bytes()
    result = cli(*ADD, "-f", str(log))
    assert (result.exit_code, result.stdout) == (0, "2024-08-30-new\n"), result.stderr
    assert log.read_bytes().startswith(before)


def test_an_immutable_log_is_not_written_and_says_why(tmp_path: Path, protect: list[Path]) -> None:
    log = _log(tmp_path, protect, IMMUTABLE)
    before = log.read_bytes()
    for command in (ADD, ("edit", FIRST_ID, "--tag", "x")):
        result = cli(*command, "-f", str(log))
        assert result.exit_code == 2
        assert (
            result.stderr == f"timeline: {log}: cannot write: the file is immutable (chattr "
            "+i; chattr -i takes that off)\n"
        )
    assert log.read_bytes() == before


def test_a_rename_with_an_append_only_registry_leaves_the_log_as_it_was(
    tmp_path: Path, protect: list[Path]
) -> None:
    log = _log(tmp_path, protect, 0)
    registry = tmp_path / "actors.toml"
    shutil.copyfile(REGISTRY, registry)
    protect.append(registry)
    _set_attributes(registry, APPEND)
    before = (log.read_bytes(), registry.read_bytes())
    result = cli("actors", "rename", "belarus/president", "belarus/head-of-state", "-f", str(log))
    assert result.exit_code == 2
    assert "actors.toml: cannot rewrite: the file is append-only (chattr +a;" in result.stderr
    assert (log.read_bytes(), registry.read_bytes()) == before


def _failing_writes(monkeypatch: pytest.MonkeyPatch, *, keep: int) -> None:
    """Make the log's writes fail with a full disk after ``keep`` bytes of the first."""
    real = files.write_all

    def write_all(fd: int, data: bytes) -> None:
        if fd > 2 and not os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).startswith("."):
            real(fd, bytes(data[:keep]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd, data)

    monkeypatch.setattr(files, "write_all", write_all)


def test_an_append_that_fails_before_its_first_byte_leaves_no_journal(
    tmp_path: Path, protect: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing to take back: the journal goes, and the next writer appends (it could not,
    when the failed append tried to truncate the file and so left its journal)."""
    log = _log(tmp_path, protect, APPEND)
    before = log.read_bytes()
    with monkeypatch.context() as patch:
        _failing_writes(patch, keep=0)
        failed = cli(*ADD, "-f", str(log))
    assert failed.exit_code == 2
    assert failed.stderr == f"timeline: {log}: cannot write: no space left on device\n"
    assert log.read_bytes() == before
    assert not files.journal_path(log).exists()
    again = cli(*ADD, "-f", str(log))
    assert again.exit_code == 0, again.stderr


def test_an_append_that_fails_halfway_is_named_and_taken_back_once_allowed(
    tmp_path: Path, protect: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its bytes cannot be taken back while the file is append-only: the next writer says so
    and what to do; once the attribute is off, the next writer takes them back."""
    log = _log(tmp_path, protect, APPEND)
    before = log.read_bytes()
    with monkeypatch.context() as patch:
        _failing_writes(patch, keep=40)
        failed = cli(*ADD, "-f", str(log))
    assert failed.exit_code == 2
    assert failed.stderr == (
        f"timeline: {log}: cannot write: no space left on device, and the bytes it wrote stay "
        "at the end of the log, as the file is append-only (chattr +a; chattr -a takes that "
        "off): take the attribute off for the next command to take them back\n"
    )
    assert log.read_bytes() != before  # the torn bytes stay: nothing can truncate the file
    blocked = cli(*ADD, "-f", str(log))
    assert blocked.exit_code == 2
    assert blocked.stderr == (
        f"timeline: {log}: cannot write: an append failed, and its bytes stay at the end of the "
        "log, as the file is append-only (chattr +a; chattr -a takes that off): take the "
        "attribute off for the next command to take them back\n"
    )
    _set_attributes(log, 0)
    again = cli(*ADD, "-f", str(log))
    assert again.exit_code == 0, again.stderr
    assert log.read_bytes().startswith(before)
    assert log.read_bytes().count(b"\n") == before.count(b"\n") + 1


@pytest.mark.parametrize(
    ("machine", "long_size", "get", "put"),
    [
        ("x86_64", 8, 0x80086601, 0x40086602),
        ("aarch64", 8, 0x80086601, 0x40086602),
        ("ppc64le", 8, 0x40086601, 0x80086602),
        ("mips64", 8, 0x40086601, 0x80086602),
        ("sparc64", 8, 0x40086601, 0x80086602),
        ("parisc64", 8, 0x40086601, 0x80086602),
        ("armv7l", 4, 0x80046601, 0x40046602),
        ("i686", 4, 0x80046601, 0x40046602),
    ],
)
def test_the_ioctl_numbers_are_the_kernels_on_each_machine(
    monkeypatch: pytest.MonkeyPatch, machine: str, long_size: int, get: int, put: int
) -> None:
    """FS_IOC_GETFLAGS and SETFLAGS as linux/fs.h makes them on each architecture (a wrong
    number is ENOTTY, read as 'no attributes': the refusals would be lost without a word)."""
    real_calcsize = struct.calcsize
    monkeypatch.setattr(os, "uname", lambda: os.uname_result(("Linux", "h", "6", "1", machine)))
    monkeypatch.setattr(
        struct, "calcsize", lambda fmt: long_size if fmt == "l" else real_calcsize(fmt)
    )
    assert (files._ioctl_number("r", 1), files._ioctl_number("w", 2)) == (get, put)


@pytest.mark.parametrize(
    ("flag", "said"),
    [
        ("UF_APPEND", "append-only (chflags uappnd; chflags nouappnd takes that off)"),
        ("SF_APPEND", "append-only (chflags sappnd; chflags nosappnd takes that off)"),
        ("UF_IMMUTABLE", "immutable (chflags uchg; chflags nouchg takes that off)"),
        ("SF_IMMUTABLE", "immutable (chflags schg; chflags noschg takes that off)"),
    ],
)
def test_the_bsd_flags_are_named_as_chflags_sets_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: str, said: str
) -> None:
    """macOS and the BSDs keep the attributes in ``st_flags``: a user's flag and root's are
    set and taken off by different words (faked here: this machine has no st_flags)."""
    import types

    log = tmp_path / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    real_fstat = os.fstat

    def fstat(fd: int) -> object:
        st = real_fstat(fd)
        fields = {name: getattr(st, name) for name in dir(st) if name.startswith("st_")}
        return types.SimpleNamespace(**fields, st_flags=getattr(stat, flag))

    monkeypatch.setattr(os, "fstat", fstat)
    with os.fdopen(os.open(log, os.O_RDONLY)) as fh:
        assert str(files._protection(fh.fileno())) == f"the file is {said}"
