"""Opening, locking, appending and rewriting a log file.

The protocol, for every program that writes a log (other programs may follow it):

- A writer opens the log and takes an exclusive ``flock`` on it; a reader takes a shared one.
  After the lock is granted the holder checks that the path still names the file it locked (a
  rewrite replaces the file by ``rename``) and starts over if not.
- Writers are not starved by readers: the log's byte at offset 2**62 (``TURNSTILE_BYTE``, far
  past any data) is a turnstile, locked with a POSIX byte-range lock (``F_OFD_SETLKW`` on
  Linux, ``lockf`` elsewhere), as SQLite's pending byte is. A writer write-locks it, then waits
  for its ``flock``, then unlocks it; a reader read-locks it and unlocks it at once, then asks
  for its ``flock``. So a reader that comes while a writer waits queues behind the writer.
- An append is all or nothing. Under the lock, the writer first writes a journal beside the log,
  ``.NAME.timeline-journal`` (a new file, never through a link, as readable as the log),
  holding the log's device, inode and length and the bytes it is adding (see ``Journal``), and
  fsyncs it and the folder; then it appends and fsyncs the log; then it removes the journal
  and fsyncs the folder. If the append fails, the writer truncates the log back to the
  recorded length itself. If it is killed, the next writer (under the lock) finds the journal
  and truncates the log back, and until then every reader reads only the recorded length: in
  both cases only when the bytes past that length are the start of the append's own (then
  perhaps NUL bytes, as a crash may leave them), so that a line saved since by another program
  (the log rewritten in place, or appended to through a hard link) is never taken away; and
  only when the journal is a file made by one who may write the log (``_may_write``) and names
  the log's inode.
- A rewrite goes to a temporary file in the same folder, ``.NAME.timeline-tmp-PID-HEX``, that is
  fsynced and renamed over the log; the folder is fsynced. A writer removes such files only when
  the process that made them is gone.
- A reader holds its lock only to take a snapshot: an open file and the length it may read.
  Appends never change earlier bytes, and a rewrite renames a new file in while the reader's
  open file is still the old one, so the snapshot stays whole after the lock is released; the
  reader then reads and writes its output at leisure, and no writer waits for it.

A reader therefore sees the log before or after a write, never half of one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import io
import os
import re
import secrets
import signal
import stat
import struct
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from timeline.errors import LogReadError, LogWriteError
from timeline.log.lines import (
    BOM,
    STDIN,
    RawLine,
    display_name,
    iter_raw_lines,
    os_reason,
    unreadable_kind,
)

_READ_SIZE = 1 << 22


# ---------------------------------------------------------------------------- the journal


def journal_path(log: Path) -> Path:
    """Where the journal of an append to ``log`` (symbolic links resolved) is kept: beside it,
    named after it, or after a digest of its name when that would be too long for a name."""
    named = f".{log.name}.timeline-journal"
    if len(os.fsencode(named)) <= _NAME_MAX:
        return log.parent / named
    digest = hashlib.sha256(os.fsencode(log.name)).hexdigest()[:32]
    return log.parent / f".timeline-journal-{digest}"


_NAME_MAX = 255  # bytes of a file name on the file systems a log lives on


_JOURNAL_HEAD = b"timeline append journal 2\n"
_JOURNAL_NUMBERS = re.compile(rb"timeline append journal 2\n(\d+) (\d+) (\d+) (\d+)\n")
_JOURNAL_END = b"end\n"


@dataclass(frozen=True, slots=True)
class Journal:
    """What an append in progress recorded: the file, its length before, and the ``adding``
    bytes it writes, which the journal holds after its numbers (from ``offset``), so that a
    rollback takes away only bytes that are its own: an editor may have saved the file in
    place since, with a line typed by hand."""

    dev: int
    ino: int
    length: int
    adding: int
    offset: int = 0  # where the bytes begin in the journal's file

    def head(self) -> bytes:
        """The journal's first lines; the bytes and ``end`` follow."""
        return _JOURNAL_HEAD + f"{self.dev} {self.ino} {self.length} {self.adding}\n".encode()

    @classmethod
    def read(cls, fd: int) -> Journal | None:
        """The journal in the open file ``fd``; None for one cut short (its append had not
        begun), or of a form this version does not write (whose bytes cannot be told)."""
        found = _JOURNAL_NUMBERS.match(os.pread(fd, 256, 0))
        if found is None:
            return None
        dev, ino, length, adding = map(int, found.groups())
        end = found.end() + adding
        whole = os.fstat(fd).st_size == end + len(_JOURNAL_END)
        if not whole or os.pread(fd, len(_JOURNAL_END), end) != _JOURNAL_END:
            return None
        return cls(dev, ino, length, adding, found.end())

    def rolls_back(self, log_fd: int, st: os.stat_result, journal_fd: int) -> bool:
        """Whether this journal's append is unfinished on the open log ``log_fd`` (``st``):
        the same file (its inode: the device's number may change when a disk is mounted
        again, and the journal is beside it), no shorter than before, longer by no more than
        the append adds, and what follows the old length is the start of what the append
        writes, byte for byte, then perhaps NUL bytes (a file system that lost the rest of the
        append in a crash may show its room so)."""
        if not (st.st_ino == self.ino and self.length <= st.st_size <= self.length + self.adding):
            return False
        at = 0
        while at < st.st_size - self.length:
            size = min(_READ_SIZE, st.st_size - self.length - at)
            tail = os.pread(log_fd, size, self.length + at)
            copy = os.pread(journal_fd, size, self.offset + at)
            if tail != copy:
                same = next(i for i, (a, b) in enumerate(zip(tail, copy, strict=True)) if a != b)
                return _only_nul(log_fd, self.length + at + same, st.st_size)
            at += size
        return True


def _only_nul(fd: int, start: int, end: int) -> bool:
    """Whether bytes ``start`` to ``end`` of the open file ``fd`` are all NUL."""
    for at in range(start, end, _READ_SIZE):
        if os.pread(fd, min(_READ_SIZE, end - at), at).strip(b"\0"):
            return False
    return True


@contextlib.contextmanager
def _open_journal(log: Path, log_st: os.stat_result) -> Iterator[tuple[int, Journal | None] | None]:
    """The journal beside ``log`` (``log_st``), open, with what it records: None for one that
    records nothing this version can use, or that someone who may not write the log made (a
    journal is trusted to take bytes away only from one who could write them); None when
    there is none, or what stands at its name is no file (a link, a folder, a pipe)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(journal_path(log), flags)
    except OSError:
        yield None
        return
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            yield None
            return
        yield fd, Journal.read(fd) if _may_write(st, log_st) else None
    finally:
        os.close(fd)


def _may_write(journal: os.stat_result, log: os.stat_result) -> bool:
    """Whether the journal is one that only a writer of the log could have made: a file of
    one name (not a link to a file made for something else), that no one but its owner may
    write, whose owner may write the log by the log's mode: its owner, root, whoever runs
    this, a member of its group when the group may write it, anyone when all may."""
    if journal.st_nlink != 1 or journal.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    owner = journal.st_uid
    if owner in (log.st_uid, 0, os.geteuid()) or log.st_mode & stat.S_IWOTH:
        return True
    return bool(log.st_mode & stat.S_IWGRP) and log.st_gid in _groups_of(owner)


def _groups_of(uid: int) -> set[int]:
    """The groups of the user ``uid`` (none for a user this system does not know)."""
    import pwd

    try:
        user = pwd.getpwuid(uid)
        return set(os.getgrouplist(user.pw_name, user.pw_gid))
    except (KeyError, OSError):
        return set()


def _committed_length(fd: int, log: Path) -> int:
    """The length of the log without an append that a killed writer left unfinished."""
    st = os.fstat(fd)
    with _open_journal(log, st) as found:
        if found is not None and found[1] is not None and found[1].rolls_back(fd, st, found[0]):
            return found[1].length
    return st.st_size


_GUARDING = False  # whether a command of the CLI runs: see ``made``


@contextlib.contextmanager
def changes_finish(*, process_ends: bool = False) -> Iterator[None]:
    """While a command of the CLI runs: a Ctrl-C that comes once its change is made (see
    ``made``) is ignored, and Ctrl-C's handler is given back at the end. Unless the process
    ends with the command (``process_ends``): then Ctrl-C is ignored from the command's end
    on, its status decided. Given back, a Ctrl-C in the process's last moments would end it by
    the signal, Python's handler reset as it shuts down, a failure to a script after a change
    made and said, which would run an ``add`` again (9 of 220 interrupted adds, a fuzz)."""
    global _GUARDING
    interrupt = signal.getsignal(signal.SIGINT)
    _GUARDING = True
    try:
        yield
    finally:
        _GUARDING = False
        end_with = signal.SIG_IGN if process_ends else interrupt
        if end_with is not None and signal.getsignal(signal.SIGINT) is not end_with:
            with contextlib.suppress(ValueError):  # not the main thread: nothing was changed
                signal.signal(signal.SIGINT, end_with)


def made() -> None:
    """The change is made, from here on: a Ctrl-C no longer stops the command, which says what
    it did (stopped now, it would leave the change made and unsaid, and an ``add`` run again
    would store its event twice). Before here, a Ctrl-C undoes the change. Only while
    ``changes_finish`` holds (a command of the CLI), and in the main thread."""
    if _GUARDING and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _fsync_folder(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(dir_fd)
    except OSError as exc:
        # EINVAL: a file system that cannot sync a folder (some FUSE and network ones), where
        # nothing more can be done for a name to last; a writer that failed there would fail
        # every time (SQLite passes it over too).
        if exc.errno != errno.EINVAL:
            raise
    finally:
        os.close(dir_fd)


def _fsync_folder_after(folder: Path) -> None:
    """Sync the folder once a new name is in place there: the change is made, whatever the
    sync says, and is said to be (an error would tell the user that it was not)."""
    with contextlib.suppress(OSError):
        _fsync_folder(folder)


# ---------------------------------------------------------------------------- opening and locking


# The turnstile: one byte of the log, far past any data it will hold, locked with a byte-range
# lock (POSIX, independent of flock), as SQLite's pending byte is. A writer holds it while it
# waits for the log's exclusive flock; a reader takes and drops it before it asks for its
# shared flock, so a reader that comes while a writer waits queues behind that writer.
TURNSTILE_BYTE = 1 << 62
_OFD_SETLKW = getattr(fcntl, "F_OFD_SETLKW", None)  # Linux: owned by the open file, not the process
_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", None)  # the same, refused at once where it would wait
_FLOCK = struct.Struct("hhqqi4x")  # struct flock on Linux: type, whence, start, len, pid
_NO_BYTE_LOCKS = frozenset({errno.ENOLCK, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOSYS})
_HELD = frozenset({errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK})  # a lock that would wait

LockWait = Callable[[str], None]
"""Told the display name of a log whose lock a command has waited ``LOCK_WAIT_SECONDS`` for."""

LOCK_WAIT_SECONDS = 1.0
_lock_wait: LockWait | None = None


def tell_lock_waits(notice: LockWait | None) -> None:
    """Have ``notice`` told of each lock waited for longer than ``LOCK_WAIT_SECONDS`` (another
    program holds the log: a long rewrite, or its own ``flock``), from a thread of its own,
    while the wait goes on; None: no one is told."""
    global _lock_wait
    _lock_wait = notice


class _WouldWait(Exception):
    """A lock asked for without waiting is held by another."""


def _turnstile(fd: int, kind: int, *, wait: bool = True) -> None:
    """Take (``F_WRLCK``, ``F_RDLCK``) or release (``F_UNLCK``) the turnstile of the open log
    ``fd``: as long as it takes, or, without ``wait``, at once or ``_WouldWait``. Where the
    file system has no byte-range locks, there is no turnstile, and the flock alone serves."""
    try:
        if _OFD_SETLKW is not None and _OFD_SETLK is not None:
            command = _OFD_SETLKW if wait else _OFD_SETLK
            fcntl.fcntl(fd, command, _FLOCK.pack(kind, os.SEEK_SET, TURNSTILE_BYTE, 1, 0))
        else:
            how = {fcntl.F_WRLCK: fcntl.LOCK_EX, fcntl.F_RDLCK: fcntl.LOCK_SH}
            flags = how.get(kind, fcntl.LOCK_UN) | (0 if wait else fcntl.LOCK_NB)
            fcntl.lockf(fd, flags, 1, TURNSTILE_BYTE, os.SEEK_SET)
    except OSError as exc:
        if not wait and exc.errno in _HELD:
            raise _WouldWait from None
        if exc.errno not in _NO_BYTE_LOCKS:
            raise


def _flock(fd: int, lock: int, *, wait: bool) -> None:
    try:
        fcntl.flock(fd, lock | (0 if wait else fcntl.LOCK_NB))
    except OSError as exc:
        if not wait and exc.errno in _HELD:
            raise _WouldWait from None
        raise


def _lock_through_turnstile(fd: int, lock: int, *, wait: bool) -> None:
    """The log's flock, through the turnstile: a writer holds it while it waits, a reader only
    passes it (see the module's docstring)."""
    if lock == fcntl.LOCK_EX:
        _turnstile(fd, fcntl.F_WRLCK, wait=wait)
        try:
            _flock(fd, lock, wait=wait)
        finally:
            _turnstile(fd, fcntl.F_UNLCK)
    else:
        _turnstile(fd, fcntl.F_RDLCK, wait=wait)
        _turnstile(fd, fcntl.F_UNLCK)
        _flock(fd, lock, wait=wait)


def _lock(fd: int, lock: int, name: str) -> None:
    """The log's lock, at once when no one holds it; else waited for, and the wait told (see
    ``tell_lock_waits``) once it has lasted ``LOCK_WAIT_SECONDS``."""
    try:
        _lock_through_turnstile(fd, lock, wait=False)
        return
    except _WouldWait:
        pass
    notice = _lock_wait
    if notice is None:
        _lock_through_turnstile(fd, lock, wait=True)
        return
    timer = threading.Timer(LOCK_WAIT_SECONDS, notice, (name,))
    timer.daemon = True
    timer.start()
    try:
        _lock_through_turnstile(fd, lock, wait=True)
    finally:
        timer.cancel()
        timer.join()  # no thread left running when the readers fork


def _lock_current(path: Path, flags: int, lock: int, *, name: str, mode: int = 0o644) -> int:
    """Open ``path`` and lock it; retry until the locked file is still the one ``path`` names."""
    while True:
        fd = os.open(path, flags | os.O_CLOEXEC, mode)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise IsADirectoryError(errno.EISDIR, "not a regular file")
            _lock(fd, lock, name)
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


def _check_readable(path: Path, name: str) -> os.stat_result:
    """The status of a log to read: a regular file, or a pipe (``<(…)``, a FIFO)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise LogReadError(f"{name}: cannot read: {os_reason(exc)}") from None
    why = unreadable_kind(st.st_mode)
    if why is not None:
        raise LogReadError(f"{name}: cannot read: {why}")
    return st


# A pipe's bytes can be read once, and the readers of a log read it in ranges, some twice: each
# pipe is copied whole into a private temporary file the first time it is read, for the rest of
# the process. Its own descriptor stays open too, so that no other pipe can take its (device,
# inode) while the copy is known by them.
_PIPE_COPIES: dict[tuple[int, int], tuple[int, IO[bytes]]] = {}


def _is_stdin(key: tuple[int, int]) -> bool:
    try:
        st = os.fstat(0)
    except OSError:  # no standard input at all
        return False
    return (st.st_dev, st.st_ino) == key


def _pipe_copy(path: Path, st: os.stat_result, name: str) -> int:
    """A descriptor of the copy of the pipe at ``path`` (the caller closes it)."""
    key = (st.st_dev, st.st_ino)
    if key not in _PIPE_COPIES:
        if _is_stdin(key):  # '-' would read it too, and find it empty
            raise LogReadError(f"{name}: cannot read: it is standard input: give it as '-'")
        try:
            pipe = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise LogReadError(f"{name}: cannot read: {os_reason(exc)}") from None
        try:
            copy = _copy_whole(functools.partial(os.read, pipe), name)
        except BaseException:
            os.close(pipe)
            raise
        _PIPE_COPIES[key] = (pipe, copy)
    return os.dup(_PIPE_COPIES[key][1].fileno())


# Standard input's copy, once it is made, and the stream it copies (a program that runs the
# command line more than once, say a test, gives each run a stream of its own).
_STDIN_COPY: list[tuple[IO[bytes], IO[bytes]]] = []


def _stdin_copy(name: str) -> int:
    """A descriptor of the copy of standard input (the caller closes it), read whole into a
    private temporary file the first time a log is read from it, as a pipe is: a view reads it
    again for the events its selection answers, which its filter passed over."""
    stream = sys.stdin.buffer
    if not _STDIN_COPY or _STDIN_COPY[0][0] is not stream:
        _STDIN_COPY[:] = [(stream, _copy_whole(stream.read, name))]
    return os.dup(_STDIN_COPY[0][1].fileno())


def _copy_whole(read: Callable[[int], bytes], name: str) -> IO[bytes]:
    """A private temporary file holding all that ``read`` gives, to its end."""
    copy = None
    try:
        copy = tempfile.TemporaryFile()  # noqa: SIM115 (kept open for the run)
        while chunk := read(_READ_SIZE):
            write_all(copy.fileno(), chunk)
    except OSError as exc:
        if copy is not None:
            copy.close()
        raise LogReadError(f"{name}: cannot read: {os_reason(exc)}") from None
    return copy


class RangeReader(io.RawIOBase):
    """The bytes [start, end) of an open file, read with pread: a file object for line readers
    that shares no position with anyone (forked workers read the same descriptor)."""

    def __init__(self, fd: int, start: int, end: int) -> None:
        self._fd, self._pos, self._end = fd, start, end

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        wanted = min(len(buffer), self._end - self._pos)
        if wanted <= 0:
            return 0
        data = os.pread(self._fd, wanted, self._pos)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A log as a reader sees it: an open file and how many of its bytes are the log."""

    fd: int
    length: int

    def reader(self, start: int = 0, end: int | None = None) -> IO[bytes]:
        """The bytes [start, end) of the snapshot (to its length by default), buffered."""
        stop = self.length if end is None else min(end, self.length)
        return io.BufferedReader(RangeReader(self.fd, start, stop), buffer_size=_READ_SIZE)


EMPTY_NAME = "a log's file name is empty: give a path, or - for standard input"
STDIN_UNWRITABLE = "cannot write to standard input: give the log with --file"


@contextlib.contextmanager
def snapshot(path: str | Path) -> Iterator[Snapshot]:
    """The log at ``path`` (a regular file) as it is now. The shared lock is held only while
    the snapshot is taken; the file stays open, and the snapshot whole, until the block ends.
    A pipe, or standard input (``-``), is a private copy of all of it, made the first time."""
    if not str(path):  # Path('') would be the current folder
        raise LogReadError(EMPTY_NAME)
    name = display_name(path)
    target = Path(path)
    if str(path) == STDIN:
        fd = _stdin_copy(name)
    else:
        st = _check_readable(target, name)  # before open(): a FIFO is read whole, once
        fd = _pipe_copy(target, st, name) if stat.S_ISFIFO(st.st_mode) else -1
    if fd != -1:
        try:
            yield Snapshot(fd, os.fstat(fd).st_size)
        finally:
            os.close(fd)
        return
    try:
        fd = _lock_current(target, os.O_RDONLY, fcntl.LOCK_SH, name=name)
    except OSError as exc:
        raise LogReadError(f"{name}: cannot read: {os_reason(exc)}") from None
    try:
        try:
            length = _committed_length(fd, Path(os.path.realpath(target)))
            if os.fstat(fd).st_size == 0 and os.pread(fd, 1, 0):  # a pseudo-file (/proc)
                length = sys.maxsize  # read it to its end
        except OSError as exc:
            raise LogReadError(f"{name}: cannot read: {os_reason(exc)}") from None
        fcntl.flock(fd, fcntl.LOCK_UN)
        yield Snapshot(fd, length)
    finally:
        os.close(fd)


def read_raw_lines(path: str | Path) -> Iterator[RawLine]:
    """Every physical line of the log at ``path`` (``-``: stdin, copied), from a snapshot."""
    name = display_name(path)
    with snapshot(path) as snap:
        yield from iter_raw_lines(snap.reader(), name=name)


@contextlib.contextmanager
def open_input(path: str | Path) -> Iterator[IO[bytes]]:
    """The bytes of the file at ``path`` (``-``: stdin) as a stream, from a snapshot."""
    if str(path) == STDIN:
        yield sys.stdin.buffer
        return
    with snapshot(path) as snap:
        yield snap.reader()


# ---------------------------------------------------------------------------- writing


def _check_writable(path: Path, name: str, *, rewrite: bool = False) -> None:
    folder = path.parent
    if not folder.is_dir():
        # 'HEAD:data' is more often git's REV:PATH ($TIMELINE_FILE for reading) than a folder
        git = " (a log in git, REV:PATH, can only be read)" if ":" in str(path) else ""
        raise LogWriteError(f"{name}: cannot write: folder '{folder}' does not exist{git}")
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
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return  # not ours to read: the open for writing says why
    try:
        _refuse_protected(fd, name, rewrite=rewrite)
    finally:
        os.close(fd)


def _ioctl_number(direction: str, number: int) -> int:
    """Linux's ``_IOR('f', number, long)`` (``direction`` "r") or ``_IOW`` ("w") on this
    machine: the bits of a direction and their place differ from one architecture to
    another (asm-generic/ioctl.h and its exceptions), and the size is a C long's."""
    machine = os.uname().machine if hasattr(os, "uname") else ""
    if machine.startswith(("ppc", "powerpc", "mips", "sparc", "alpha")):
        bits, shift = {"r": 2, "w": 4}[direction], 29
    elif machine.startswith("parisc"):
        bits, shift = {"r": 1, "w": 2}[direction], 30
    else:
        bits, shift = {"r": 2, "w": 1}[direction], 30
    return (bits << shift) | (struct.calcsize("l") << 16) | (ord("f") << 8) | number


# Linux's file attributes (chattr, linux/fs.h); the kernel reads and writes them as an int.
_FS_IOC_GETFLAGS = _ioctl_number("r", 1)
_FS_IMMUTABLE_FL, _FS_APPEND_FL = 0x10, 0x20
# The BSDs' and macOS's (chflags): a user's flag, or the system's (root's, at securelevel 0).
_BSD_FLAGS = (
    ("immutable", getattr(stat, "UF_IMMUTABLE", 0), "chflags uchg", "chflags nouchg"),
    ("immutable", getattr(stat, "SF_IMMUTABLE", 0), "chflags schg", "chflags noschg"),
    ("append-only", getattr(stat, "UF_APPEND", 0), "chflags uappnd", "chflags nouappnd"),
    ("append-only", getattr(stat, "SF_APPEND", 0), "chflags sappnd", "chflags nosappnd"),
)


@dataclass(frozen=True, slots=True)
class _Protection:
    """An attribute that protects a file even from root: what it makes the file, the command
    that sets it, and the one that takes it off."""

    kind: str  # "immutable" or "append-only"
    command: str
    undo: str

    def __str__(self) -> str:
        return f"the file is {self.kind} ({self.command}; {self.undo} takes that off)"


def _protection(fd: int) -> _Protection | None:
    """How the open file's attributes protect it, or None: they do not, or the system cannot
    tell (it is asked while another error is being told: it raises none of its own)."""
    try:
        bsd_flags = getattr(os.fstat(fd), "st_flags", 0)
    except OSError:
        return None
    for kind, flag, command, undo in _BSD_FLAGS:
        if flag and bsd_flags & flag:
            return _Protection(kind, command, undo)
    flags = struct.pack("ii", 0, 0)
    try:
        flags = fcntl.ioctl(fd, _FS_IOC_GETFLAGS, flags)
    except (OSError, OverflowError):  # another system, or a file system without attributes
        return None
    linux_flags = struct.unpack("ii", flags)[0]
    if linux_flags & _FS_IMMUTABLE_FL:
        return _Protection("immutable", "chattr +i", "chattr -i")
    if linux_flags & _FS_APPEND_FL:
        return _Protection("append-only", "chattr +a", "chattr -a")
    return None


def _refuse_protected(fd: int, name: str, *, rewrite: bool) -> None:
    """Refuse a change that the file's attributes forbid even to root, naming the attribute:
    any change of an immutable file; a rewrite of an append-only one, which ``add`` and
    ``import`` may still append to."""
    protection = _protection(fd)
    if protection is None:
        return
    if protection.kind == "immutable":
        raise LogWriteError(f"{name}: cannot write: {protection}")
    if rewrite:
        raise LogWriteError(
            f"{name}: cannot rewrite: {protection}: add and import may append to it; a change "
            "of its lines needs the attribute taken off"
        )


def _left_unrolled(name: str, protection: _Protection, why: str | None = None) -> LogWriteError:
    """The error of an append that failed (``why``), or of a writer after it, when the bytes
    it wrote stay because the file's attributes forbid cutting them off."""
    left = f"{why}, and the bytes it wrote stay" if why else "an append failed, and its bytes stay"
    return LogWriteError(
        f"{name}: cannot write: {left} at the end of the log, as {protection}: take the "
        "attribute off for the next command to take them back"
    )


def _refuse_hard_links(st: os.stat_result, name: str) -> None:
    if st.st_nlink > 1:
        raise LogWriteError(
            f"{name}: cannot rewrite: the file has {st.st_nlink} hard links, and the others "
            "would keep the old text (make it a single file, or use a symbolic link)"
        )


def refuse_unrewritable(path: str | Path, name: str) -> None:
    """Raise what a rewrite of the existing file ``path`` would raise for the file and its
    folder (not a regular file, read-only, hard-linked, not ours to write, a folder where no
    temporary can be made, a read-only file system), before another file is changed: so that
    a change of two files is refused whole rather than left half made."""
    target = Path(os.path.realpath(path))
    _check_writable(target, name, rewrite=True)
    try:
        _refuse_hard_links(os.stat(target), name)
        for place, mode in ((target, os.W_OK), (target.parent, os.W_OK | os.X_OK)):
            if not os.access(place, mode):  # not ours, or a read-only file system (root too)
                read_only = os.statvfs(place).f_flag & os.ST_RDONLY
                code = errno.EROFS if read_only else errno.EACCES
                raise OSError(code, os.strerror(code), str(place))
    except OSError as exc:
        raise LogWriteError(f"{name}: cannot write: {os_reason(exc)}") from None


def write_all(fd: int, data: bytes) -> None:
    """All of ``data`` to the open file ``fd`` (a write to a pipe may take part of it)."""
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
        """Append whole lines, all or nothing (see the journal in this module's docstring);
        start on a new line if the log ends without one. Lines end as the log's last line does
        (CRLF in a log edited on Windows, else LF)."""
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        self.append_staged(io.BytesIO(data), size=len(data), count=len(lines))

    def append_staged(self, staged: IO[bytes], *, size: int, count: int) -> None:
        """Append the ``count`` lines of ``staged`` (``size`` bytes, each line ending in LF,
        read from its start in pieces: an import of any size), as ``append`` does."""
        if not count:
            return
        journal = journal_path(self.path)
        try:
            st = os.fstat(self._fd)
            length = st.st_size
            tail = os.pread(self._fd, 3, max(length - 3, 0)) if length else b""
            crlf = tail.endswith(b"\r\n")
            torn = not tail.endswith(b"\n") and not (length == len(BOM) and tail == BOM)
            lead = b"\n" if length and torn else b""
            adding = len(lead) + size + (count if crlf else 0)
            record = Journal(st.st_dev, st.st_ino, length, adding)
            _write_journal(journal, record, _written(staged, lead, crlf), like=st)
        except BaseException as exc:  # a failure, or an interrupt: no journal is left
            with contextlib.suppress(OSError):
                journal.unlink()
            if isinstance(exc, OSError):
                raise LogWriteError(f"{self.name}: cannot write: {os_reason(exc)}") from None
            raise
        try:
            written = 0
            for data in _written(staged, lead, crlf):
                write_all(self._fd, data)
                written += len(data)
            if written != adding:  # the staged file changed under us: never half of it
                raise OSError(errno.EIO, f"wrote {written} bytes, not {adding}")
            os.fsync(self._fd)
            made()
        except BaseException as exc:  # a failed write, or an interrupt: the log as it was
            try:
                if os.fstat(self._fd).st_size != length:
                    os.ftruncate(self._fd, length)
                    os.fsync(self._fd)
                journal.unlink()
            except OSError as kept:  # the journal stays, for the next writer to roll back
                if kept.errno == errno.EPERM and isinstance(exc, OSError):
                    protection = _protection(self._fd)
                    if protection is not None:
                        raise _left_unrolled(self.name, protection, os_reason(exc)) from None
            if isinstance(exc, OSError):
                raise LogWriteError(f"{self.name}: cannot write: {os_reason(exc)}") from None
            raise
        try:
            journal.unlink()  # the append is whole: nothing to roll back
        except FileNotFoundError:
            pass
        except OSError as exc:  # still there: the next writer would take the append away
            raise LogWriteError(f"{self.name}: cannot write: {os_reason(exc)}") from None
        # For good: a journal back after a crash would take away an append said to be made.
        _fsync_folder_after(self.path.parent)

    def roll_back_unfinished_append(self) -> None:
        """Truncate the log back to where a killed writer's append began, and drop its journal.
        A journal of another file, or of an append that never began, is dropped alone."""
        journal = journal_path(self.path)
        try:
            st = os.fstat(self._fd)
            with _open_journal(self.path, st) as found:
                if found is None and not os.path.lexists(journal):
                    return
                pending = found[1] if found is not None else None
                if (
                    pending is not None
                    and found is not None
                    and st.st_size != pending.length
                    and pending.rolls_back(self._fd, st, found[0])
                ):
                    os.ftruncate(self._fd, pending.length)
                    os.fsync(self._fd)
            if journal.is_dir() and not journal.is_symlink():
                raise LogWriteError(
                    f"{self.name}: cannot write: {journal} is a folder where the journal of an "
                    "append goes: remove it"
                )
            try:
                journal.unlink()
            except OSError as exc:
                raise LogWriteError(
                    f"{self.name}: cannot write: cannot remove {journal}, left by another "
                    f"program or user: {os_reason(exc)}"
                ) from None
            _fsync_folder(self.path.parent)
        except OSError as exc:
            protection = _protection(self._fd) if exc.errno == errno.EPERM else None
            if protection is not None:
                raise _left_unrolled(self.name, protection) from None
            raise LogWriteError(f"{self.name}: cannot write: {os_reason(exc)}") from None

    def rewrite(self, lines: Iterable[bytes]) -> str | None:
        """Replace the log by ``lines`` (bytes, line ends included) atomically. Returns a note
        when the new file could not keep the old one's owner (only root can give a file away),
        for the user to hear; None otherwise."""
        folder = self.path.parent
        tmp = folder / f"{_tmp_prefix(self.path)}{os.getpid()}-{secrets.token_hex(4)}"
        st = os.fstat(self._fd)
        _refuse_hard_links(st, self.name)
        _refuse_protected(self._fd, self.name, rewrite=True)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            try:
                # The new file takes the log's place, so it takes its owner and mode too (the
                # umask would narrow a shared log's group write; root would become its owner).
                with contextlib.suppress(PermissionError):
                    os.fchown(fd, st.st_uid, st.st_gid)
                with contextlib.suppress(PermissionError):  # a group we are not in
                    os.fchown(fd, -1, st.st_gid)
                os.fchmod(fd, stat.S_IMODE(st.st_mode))
                owner = os.fstat(fd).st_uid
                for data in lines:
                    write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            made()
            os.replace(tmp, self.path)
        except BaseException as exc:  # a failure, or an interrupt: the log as it was
            with contextlib.suppress(OSError):
                tmp.unlink()
            if isinstance(exc, OSError):
                raise LogWriteError(f"{self.name}: cannot write: {os_reason(exc)}") from None
            raise
        _fsync_folder_after(folder)
        if owner == st.st_uid:
            return None
        return (
            f"{self.name}: the log is now owned by you (user {owner}), not by user {st.st_uid}: "
            "a rewrite makes a new file, and only root can give a file to another user"
        )

    def remove_stale_temporaries(self) -> None:
        remove_stale_temporaries(self.path)


def remove_stale_temporaries(path: Path) -> None:
    """Delete the temporaries of rewrites of the file ``path`` that were killed: files named
    as this program names them, made by a process that no longer runs. Any other file is left
    alone."""
    ours = re.compile(re.escape(_tmp_prefix(path)) + r"([0-9]+)-[0-9a-f]{8}")
    with contextlib.suppress(OSError):
        for entry in path.parent.iterdir():
            found = ours.fullmatch(entry.name)
            if found is not None and not _is_running(int(found.group(1))):
                entry.unlink()


@contextlib.contextmanager
def new_file(path: str | Path) -> Iterator[Path]:
    """A temporary path beside the file ``path`` names (where a symbolic link leads) to write;
    when the block ends without an error it is synced and renamed into place, so that the file
    is the old one or the whole new one, never half written. On an error the temporary file
    is removed. A file that existed keeps its mode (and owner, where we may give it); a new
    one takes the mode the umask gives."""
    target = Path(os.path.realpath(path))
    try:
        old: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        old = None
    if old is not None and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "permission denied", str(path))
    tmp = target.parent / f"{_tmp_prefix(target)}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY | os.O_CLOEXEC)
        try:
            if old is None:
                umask = os.umask(0)
                os.umask(umask)
                os.fchmod(fd, 0o666 & ~umask)
            else:
                with contextlib.suppress(PermissionError):
                    os.fchown(fd, old.st_uid, old.st_gid)
                os.fchmod(fd, stat.S_IMODE(old.st_mode))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_folder_after(target.parent)


@contextlib.contextmanager
def staging_file(log: str | Path) -> Iterator[IO[bytes]]:
    """A temporary file for what is to be appended to ``log``, in the log's folder where it
    can be made (the same disk: a full one fails before the lock is taken), else in the
    system's; it has no name that outlives it, and it is gone when the block ends."""
    folder = Path(os.path.realpath(log)).parent
    try:
        fh = tempfile.TemporaryFile(dir=folder, prefix=f".{Path(log).name}.timeline-stage-")  # noqa: SIM115
    except OSError:
        fh = tempfile.TemporaryFile(prefix="timeline-stage-")  # noqa: SIM115
    try:
        yield fh
    finally:
        with contextlib.suppress(OSError):  # a full disk: said already, if it was
            fh.close()


@contextlib.contextmanager
def cannot_write(log: str | Path) -> Iterator[None]:
    """An operating system error in the block (writing a staging file for ``log``: a full
    disk) as the one-line error of a writer of ``log``."""
    try:
        yield
    except OSError as exc:
        raise LogWriteError(f"{display_name(log)}: cannot write: {os_reason(exc)}") from None


def _tmp_prefix(log: Path) -> str:
    """How the temporaries of ``log`` begin: named after it, or after a digest of its name
    when the name would be too long for a file's (with room for ``PID-HEX``)."""
    prefix = f".{log.name}.timeline-tmp-"
    if len(os.fsencode(prefix)) + 24 <= _NAME_MAX:
        return prefix
    return f".timeline-tmp-{hashlib.sha256(os.fsencode(log.name)).hexdigest()[:32]}-"


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's, or not a pid we can ask about: leave its file alone
    return True


def _written(staged: IO[bytes], lead: bytes, crlf: bool) -> Iterator[bytes]:
    """What an append of ``staged`` writes, in pieces: ``lead``, then its lines, each LF as
    CRLF when ``crlf``."""
    if lead:
        yield lead
    staged.seek(0)
    for piece in iter(functools.partial(staged.read, _READ_SIZE), b""):
        yield piece.replace(b"\n", b"\r\n") if crlf else piece


def _write_journal(
    path: Path, record: Journal, data: Iterable[bytes], *, like: os.stat_result
) -> None:
    """Write the journal of an append, its bytes and all, as a new file (one there already, a
    link planted since the last writer removed the journal, is refused, never followed) that
    those who may read the log may read, and fsync it and its folder."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(path, flags, 0o600)
    try:
        with contextlib.suppress(PermissionError):  # a group we are not in
            os.fchown(fd, -1, like.st_gid)
        os.fchmod(fd, stat.S_IMODE(like.st_mode) & 0o644)  # written by its owner alone
        write_all(fd, record.head())
        for piece in data:
            write_all(fd, piece)
        write_all(fd, _JOURNAL_END)
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_folder(path.parent)


@contextlib.contextmanager
def lock_log(path: str | Path, *, create: bool) -> Iterator[LockedLog]:
    """Hold the log under the exclusive lock; with ``create``, make it if it does not exist.
    An append that a killed writer left unfinished is rolled back first."""
    name = display_name(path)
    if str(path) == STDIN:
        raise LogWriteError(STDIN_UNWRITABLE)
    if not str(path):  # Path('') would be the current folder
        raise LogWriteError(EMPTY_NAME)
    _check_writable(Path(path), name)  # as given: a pipe's link (/dev/fd/N) leads to no path
    target = Path(os.path.realpath(path))  # a symbolic link names the log it leads to
    _check_writable(target, name)
    if not create and not target.exists():
        raise LogWriteError(f"{name}: cannot write: no such file")
    flags = os.O_RDWR | os.O_APPEND | (os.O_CREAT if create else 0)
    existed = target.exists()
    try:
        fd = _lock_current(target, flags, fcntl.LOCK_EX, name=name)
    except OSError as exc:
        raise LogWriteError(f"{name}: cannot write: {os_reason(exc)}") from None
    try:
        log = LockedLog(target, fd, name=name)
        log.roll_back_unfinished_append()
        log.remove_stale_temporaries()
        yield log
    except BaseException:
        # A command that fails changes nothing: not even a new, empty log is left behind.
        if not existed and os.fstat(fd).st_size == 0:
            with contextlib.suppress(OSError):
                target.unlink()
        raise
    finally:
        os.close(fd)
