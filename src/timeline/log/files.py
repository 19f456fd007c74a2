"""Opening, locking, appending and rewriting a log file.

Locking protocol (one for every writer): a writer opens the log itself and takes an exclusive
``flock``; a reader takes a shared one. After the lock is granted the holder checks that the
path still names the file it locked (a rewrite replaces the file by ``rename``) and starts over
if not. Appends are one ``write`` of whole lines followed by ``fsync``; rewrites go to a temporary
file in the same folder that is fsynced and renamed over the log, and the folder is fsynced.
A reader therefore sees the log before or after a write, never half of one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

from timeline.errors import LogReadError, LogWriteError
from timeline.log.lines import STDIN, RawLine, display_name, iter_raw_lines, os_reason

_TMP_MARK = ".tmp-"


# ---------------------------------------------------------------------------- opening and locking


def _lock_current(path: Path, flags: int, lock: int, *, mode: int = 0o644) -> int:
    """Open ``path`` and lock it; retry until the locked file is still the one ``path`` names."""
    while True:
        fd = os.open(path, flags | os.O_CLOEXEC, mode)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise IsADirectoryError(errno.EISDIR, "not a regular file")
            fcntl.flock(fd, lock)
            try:
                current = os.stat(path)
            except FileNotFoundError:
                current = None
            if current is not None and (current.st_dev, current.st_ino) == (st.st_dev, st.st_ino):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


def _check_regular(path: Path, name: str) -> None:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise LogReadError(f"{name}: cannot read: {os_reason(exc)}") from None
    if stat.S_ISDIR(st.st_mode):
        raise LogReadError(f"{name}: cannot read: is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise LogReadError(f"{name}: cannot read: not a regular file")


@contextlib.contextmanager
def open_log(path: str | Path) -> Iterator[IO[bytes]]:
    """Open a log for reading under a shared lock; ``-`` is standard input."""
    if str(path) == STDIN:
        yield sys.stdin.buffer
        return
    name = display_name(path)
    target = Path(path)
    _check_regular(target, name)  # before open(): opening a FIFO would block
    try:
        fd = _lock_current(target, os.O_RDONLY, fcntl.LOCK_SH)
    except OSError as exc:
        raise LogReadError(f"{name}: cannot read: {os_reason(exc)}") from None
    with os.fdopen(fd, "rb") as fh:
        yield fh


def read_raw_lines(path: str | Path) -> Iterator[RawLine]:
    """Every physical line of the log at ``path`` (``-``: stdin), streamed under a shared lock."""
    with open_log(path) as fh:
        yield from iter_raw_lines(fh, name=display_name(path))


# ---------------------------------------------------------------------------- writing


def _check_writable(path: Path, name: str) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise LogWriteError(f"{name}: cannot write: folder '{folder}' does not exist")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise LogWriteError(f"{name}: cannot write: {os_reason(exc)}") from None
    if not stat.S_ISREG(st.st_mode):
        raise LogWriteError(f"{name}: cannot write: not a regular file")
    # Checked by hand because root ignores permission bits: a log its owner made read-only
    # stays untouched whoever runs the tool.
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise LogWriteError(f"{name}: cannot write: the file is read-only")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class LockedLog:
    """A log held under the exclusive lock: read it, then append or rewrite it."""

    def __init__(self, path: Path, fd: int, *, name: str) -> None:
        self.path = path  # symbolic links resolved: a rewrite replaces the file they lead to
        self.name = name
        self._fd = fd

    def raw_lines(self) -> Iterator[RawLine]:
        """Every line of the log as it is now (the lock keeps other writers out)."""
        with os.fdopen(os.dup(self._fd), "rb") as fh:
            fh.seek(0)
            yield from iter_raw_lines(fh, name=self.name)

    def append(self, lines: Sequence[str]) -> None:
        """Append whole lines in one write; start on a new line if the log ends without one.
        Lines end as the log's last line does (CRLF in a log edited on Windows, else LF)."""
        if not lines:
            return
        try:
            size = os.fstat(self._fd).st_size
            tail = os.pread(self._fd, 2, max(size - 2, 0)) if size else b""
            end = "\r\n" if tail == b"\r\n" else "\n"
            payload = "".join(line + end for line in lines).encode("utf-8")
            if size and not tail.endswith(b"\n"):
                payload = b"\n" + payload
            _write_all(self._fd, payload)
            os.fsync(self._fd)
        except OSError as exc:
            raise LogWriteError(f"{self.name}: cannot write: {os_reason(exc)}") from None

    def rewrite(self, lines: Iterable[bytes]) -> None:
        """Replace the log by ``lines`` (bytes, line ends included) atomically."""
        folder = self.path.parent
        tmp = folder / f".{self.path.name}{_TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
        st = os.fstat(self._fd)
        if st.st_nlink > 1:
            raise LogWriteError(
                f"{self.name}: cannot rewrite: the file has {st.st_nlink} hard links, and the "
                "others would keep the old text (make it a single file, or use a symbolic link)"
            )
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            try:
                # The new file takes the log's place, so it takes its owner and mode too (the
                # umask would narrow a shared log's group write; root would become its owner).
                with contextlib.suppress(PermissionError):
                    os.fchown(fd, st.st_uid, st.st_gid)
                os.fchmod(fd, stat.S_IMODE(st.st_mode))
                for data in lines:
                    _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
            dir_fd = os.open(folder, os.O_RDONLY | os.O_CLOEXEC)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise LogWriteError(f"{self.name}: cannot write: {os_reason(exc)}") from None

    def remove_stale_temporaries(self) -> None:
        """Delete temporaries left by a rewrite that was killed; only the lock holder writes one."""
        prefix = f".{self.path.name}{_TMP_MARK}"
        with contextlib.suppress(OSError):
            for entry in self.path.parent.iterdir():
                if entry.name.startswith(prefix):
                    entry.unlink()


@contextlib.contextmanager
def lock_log(path: str | Path, *, create: bool) -> Iterator[LockedLog]:
    """Hold the log under the exclusive lock; with ``create``, make it if it does not exist."""
    name = display_name(path)
    if str(path) == STDIN:
        raise LogWriteError("cannot write to standard input: give the log with --file")
    target = Path(os.path.realpath(path))  # a symbolic link names the log it leads to
    _check_writable(target, name)
    if not create and not target.exists():
        raise LogWriteError(f"{name}: cannot write: no such file")
    flags = os.O_RDWR | os.O_APPEND | (os.O_CREAT if create else 0)
    try:
        fd = _lock_current(target, flags, fcntl.LOCK_EX)
    except OSError as exc:
        raise LogWriteError(f"{name}: cannot write: {os_reason(exc)}") from None
    try:
        log = LockedLog(target, fd, name=name)
        log.remove_stale_temporaries()
        yield log
    finally:
        os.close(fd)
