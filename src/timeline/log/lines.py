"""One physical line of a log, and a stream read line by line."""

from __future__ import annotations

import errno
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple

from timeline.errors import LogReadError

STDIN = "-"
STDIN_NAME = "<stdin>"
BOM = b"\xef\xbb\xbf"


def display_name(path: str | Path) -> str:
    """How a log is named in messages: the path as given, or ``<stdin>``."""
    return STDIN_NAME if str(path) == STDIN else str(path)


class RawLine(NamedTuple):
    """One physical line of a log: its 1-based number and bytes, line end included.

    A named tuple rather than a frozen dataclass: a log of a million lines makes a million.
    """

    lineno: int
    data: bytes
    offset: int = -1  # where the line starts in what was read, when the reader counts it

    @property
    def content(self) -> bytes:
        """The line without its line end (``\\n`` or ``\\r\\n``)."""
        data = self.data
        if data.endswith(b"\n"):
            data = data[:-1]
            if data.endswith(b"\r"):
                data = data[:-1]
        return data

    @property
    def ending(self) -> bytes:
        """The line end: ``\\n``, ``\\r\\n``, or nothing on a last line without one."""
        return self.data[len(self.content) :]

    @property
    def is_blank(self) -> bool:
        return not self.content.strip()

    @property
    def is_complete(self) -> bool:
        """False for a last line without a newline: possibly a write cut short."""
        return self.data.endswith(b"\n")

    @property
    def starts_log(self) -> bool:
        """Whether this is the log's first line, where a BOM may stand. A line read at a known
        offset starts the log only at 0 (a worker numbers its lines from 1, or not at all); a
        line from a stream only as line 1."""
        return self.offset == 0 if self.offset >= 0 else self.lineno == 1


def os_reason(exc: OSError) -> str:
    """A short, lower-case reason for an operating system error, for one-line messages."""
    return {
        errno.ENOENT: "no such file",
        errno.EACCES: "permission denied",
        errno.EISDIR: "is a directory",
        errno.ENOTDIR: "a part of the path is not a folder",
        errno.EROFS: "read-only file system",
        errno.ENOSPC: "no space left on device",
    }.get(exc.errno or 0) or _lower_first(exc.strerror or str(exc))


def _lower_first(text: str) -> str:
    # 'File too large' as 'file too large', as the reasons above are written
    return text[:1].lower() + text[1:]


def unreadable_kind(mode: int) -> str | None:
    """Why a file of ``mode`` (``st_mode``) is not read, or None: a regular file or a pipe is.
    A device may never end (``/dev/zero``) or wait for a person (a terminal)."""
    if stat.S_ISDIR(mode):
        return "is a directory"
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        return "not a regular file or a pipe"
    return None


def iter_raw_lines(fh: IO[bytes], *, name: str) -> Iterator[RawLine]:
    """Every physical line of an open log, numbered from 1."""
    try:
        for lineno, data in enumerate(fh, 1):
            yield RawLine(lineno, data)
    except OSError as exc:
        raise LogReadError(f"{name}: cannot read: {os_reason(exc)}") from None
