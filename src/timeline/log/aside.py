"""Lines set aside in a temporary file while a log is read, to be read back by position: what
a reader keeps that the log does not hold as it is (an event of another layout, in its
canonical form), without holding it in memory.

The files are made before the parallel readers are forked, so that each reader writes into
one it inherited and the caller reads them all back: a position is the file's descriptor and
an offset in it, packed into one integer (``Aside.append``, ``unpack``).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

from timeline.errors import OutputError
from timeline.log.lines import os_reason

_FLUSH_BYTES = 1 << 20
_OFFSET_BITS = 40  # a spool of up to 1 TiB; the descriptor in the bits above
_OFFSET_MASK = (1 << _OFFSET_BITS) - 1


@contextlib.contextmanager
def aside_files(count: int) -> Iterator[list[int]]:
    """``count`` unlinked temporary files open for reading and writing (their descriptors),
    closed on exit."""
    with contextlib.ExitStack() as stack:
        try:
            files = [stack.enter_context(tempfile.TemporaryFile()) for _ in range(count)]
        except OSError as exc:
            raise OutputError(_cannot(exc)) from None
        yield [f.fileno() for f in files]


def _cannot(exc: OSError) -> str:
    return f"cannot write a temporary file in {tempfile.gettempdir()}: {os_reason(exc)}"


class Aside:
    """Appends bytes to the open file ``fd`` (written at its end, a megabyte at a time)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._written = os.fstat(fd).st_size

    @property
    def size(self) -> int:
        """How many bytes the file holds, those pending included."""
        return self._written + self._pending_bytes

    def append(self, data: bytes) -> int:
        """Where ``data`` will lie: its offset, packed with the descriptor (see ``unpack``)."""
        offset = self._written + self._pending_bytes
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= _FLUSH_BYTES:
            self.flush()
        return (self.fd << _OFFSET_BITS) | offset

    def flush(self) -> None:
        """Write what is pending; a reader may read it back from then on."""
        data = b"".join(self._pending)
        self._pending.clear()
        self._pending_bytes = 0
        try:
            view = memoryview(data)
            while view:
                done = os.pwrite(self.fd, view, self._written)
                self._written += done
                view = view[done:]
        except OSError as exc:
            raise OutputError(_cannot(exc)) from None


def read_at(where: int, length: int) -> bytes:
    """The ``length`` bytes that lie at ``where`` (see ``Aside.append``), written out."""
    return os.pread(where >> _OFFSET_BITS, length, where & _OFFSET_MASK)


def unpack(where: int) -> tuple[int, int]:
    """The descriptor and offset that ``Aside.append`` packed into ``where``."""
    return where >> _OFFSET_BITS, where & _OFFSET_MASK
