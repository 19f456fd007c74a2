"""Parquet for warehouses: every file has one fixed schema, so DuckDB, Spark and BigQuery read
the same types from each (dates as dates, sources as a list of structs) instead of guessing.

DuckDB writes the file (the ``parquet`` extra): it reads the selection's canonical
JSON lines, spooled to a file beside the output, with the schema below. ``extra`` is kept as the
JSON text of the log; DuckDB's own JSON type would rewrite its numbers (``1E2`` as ``100.0``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from timeline.errors import InputError, OutputError
from timeline.formats.output import About, FileWriter

if TYPE_CHECKING:
    from timeline.selection import Selection

_SOURCE = "STRUCT(url VARCHAR, publisher VARCHAR, title VARCHAR, published DATE, quote VARCHAR)"
_LOCATION = "STRUCT(name VARCHAR, country VARCHAR, lat DOUBLE, lon DOUBLE)"

SCHEMA: dict[str, str] = {
    "id": "VARCHAR",
    "date": "DATE",
    "precision": "VARCHAR",
    "end": "DATE",
    "title": "VARCHAR",
    "summary": "VARCHAR",
    "type": "VARCHAR",
    "actors": "VARCHAR[]",
    "targets": "VARCHAR[]",
    "status": "VARCHAR",
    "responds_to": "VARCHAR[]",
    "location": _LOCATION,
    "sources": f"{_SOURCE}[]",
    "tags": "VARCHAR[]",
    "extra": "VARCHAR",
}
"""Each column and its DuckDB type, in the event's field order."""


def install_hint() -> str:
    """What to install for the parquet format: the DuckDB its extra asks for (as installed)."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        wanted = requires("timeline") or []
    except PackageNotFoundError:  # pragma: no cover - run from a tree never installed
        wanted = []
    duckdb = next((w.split(";")[0] for w in wanted if 'extra == "parquet"' in w), "duckdb")
    return f"the parquet format needs DuckDB: python -m pip install '{duckdb}'"


_EXTRA_KEY = b',"extra":'
_NO_EXTRA = b',"extra":null}'


def _extra_as_text(line: bytes) -> bytes:
    """The canonical line with ``extra`` as a JSON string of its text. ``extra`` is the last
    key of a canonical line, and no key before it holds an object with a key ``extra``, so its
    first ``,"extra":`` outside a string is the event's own (inside a string, quotes are
    escaped)."""
    if line.endswith(_NO_EXTRA):
        return line
    at = line.index(_EXTRA_KEY)
    text = line[at + len(_EXTRA_KEY) : -1]
    return line[:at] + _EXTRA_KEY + msgspec.json.encode(text.decode("utf-8")) + b"}"


def _query(spool: Path, *, longest: int) -> str:
    columns = ", ".join(f"'{name}': '{kind}'" for name, kind in SCHEMA.items())
    lists = {"actors", "targets", "responds_to", "sources", "tags"}
    # A list read from [] is empty, but say so for any reader of the spool that gives NULL.
    select = ", ".join(
        f'coalesce("{name}", []) AS "{name}"' if name in lists else f'"{name}"' for name in SCHEMA
    )
    return (
        f"SELECT {select} FROM read_json({_literal(str(spool))}, format = 'newline_delimited', "
        f"columns = {{{columns}}}, maximum_object_size = {max(longest + 1, 1 << 20)})"
    )


def _literal(text: str) -> str:
    """A SQL string literal (a path: the one value put into the query's text)."""
    return "'" + text.replace("'", "''") + "'"


@contextlib.contextmanager
def _spool_beside(path: Path) -> Iterator[Path]:
    spool = path.with_name(path.name + ".jsonl")
    try:
        yield spool
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(spool)


def _write(lines: Iterable[bytes], path: Path) -> None:
    try:
        import duckdb
    except ImportError:
        raise InputError(install_hint()) from None
    from timeline.selection import KeptLines

    with _spool_beside(path) as spool:
        longest = 0  # DuckDB's reader buffers twice the longest object it is told to expect
        with open(spool, "wb") as out:
            if isinstance(lines, KeptLines):  # spooled by the writers of a large selection
                lines.mapped(_extra_as_text).write_to(out.fileno())
                longest = 2 * lines.longest() + 2  # 'extra' as text: each '"' or '\' escaped
            else:
                for line in lines:
                    data = _extra_as_text(line)
                    longest = max(longest, len(data))
                    out.write(data + b"\n")
        try:
            with duckdb.connect(":memory:") as db:
                target = _literal(str(path))
                db.execute(f"COPY ({_query(spool, longest=longest)}) TO {target} (FORMAT parquet)")
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise OutputError(f"cannot write Parquet: {first}") from None


def canonical(lines: Iterable[bytes]) -> FileWriter:
    """Canonical JSON lines (``selection.canonical_lines``) as a Parquet file."""
    return FileWriter(lambda path: _write(lines, path))


def events(selection: Selection, *, long: bool = False, about: About = About()) -> FileWriter:
    """The selection's events as a Parquet file."""
    from timeline.rules import canonical_json

    return canonical(canonical_json(event).encode() for event in selection.events)
