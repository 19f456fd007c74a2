"""Records kept in the order they were found, in memory up to a size and then in a temporary
file: what lets a command report millions of problems in line order in bounded memory."""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterator
from typing import IO, Generic, TypeVar

T = TypeVar("T")

SPOOL_BYTES = 8 << 20
"""What a spool keeps in memory before it moves to a temporary file."""
_BATCH = 10_000  # records pickled at once


class Spool(Generic[T]):
    """Picklable records, read back in the order they were added (once, after the last).

    Memory: one batch of records, and up to ``SPOOL_BYTES`` of pickled batches; the rest is
    on disk, in a file that is gone when the spool is closed (or the process ends).

    With ``fd`` (an empty temporary file made before a parallel reader forks,
    ``log.aside.aside_files``), the records go to that file: a worker adds them and ``flush``es,
    and the caller reads them back with a spool of its own on the same descriptor."""

    def __init__(self, fd: int | None = None) -> None:
        self._file: IO[bytes] = (
            tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed by close)
            if fd is None
            else os.fdopen(fd, "w+b", closefd=False)
        )
        self._held: list[T] = []
        self.count = 0

    def add(self, record: T) -> None:
        self._held.append(record)
        self.count += 1
        if len(self._held) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._held:
            pickle.dump(self._held, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._held.clear()

    def flush(self) -> None:
        """Write every record added so far to the file (for a spool on a descriptor)."""
        self._flush()
        self._file.flush()

    def __iter__(self) -> Iterator[T]:
        self._flush()
        self._file.seek(0)
        while True:
            try:
                batch: list[T] = pickle.load(self._file)
            except EOFError:
                return
            yield from batch

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
