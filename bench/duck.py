"""DuckDB as a peer of ``timeline show`` and ``check``: the same filters over a JSON-lines log.

    python bench/duck.py actor LOG belarus            # the actor or one of its parts, belarus/…
    python bench/duck.py type LOG protest
    python bench/duck.py window LOG 2019-06-01 2019-06-30
    python bench/duck.py text LOG ceasefire
    python bench/duck.py copy LOG                     # every event, as JSON lines
    python bench/duck.py rows LOG                     # read every row and column, write a count

A filter and ``copy`` write the events they keep as JSON lines (DuckDB's ``COPY … TO`` JSON) to
``/dev/stdout``, which the runner points at /dev/null or a file, so the counts of lines can be
compared with timeline's and jq's.

DuckDB at its best, as the jq rows are: every read is ``read_json(…, format='newline_delimited')``
with ``columns=`` given, so it neither samples the file to guess a schema nor guesses wrong
(``end`` is null in most events, ``extra`` in 98%). Dates are read as text where they are only
compared or written back, as jq does; ``rows`` reads them as dates, as ``check`` validates them.
It keeps the file's order (timeline sorts by date; an ``ORDER BY`` would add a sort of the
whole table). Unlike jq or timeline, DuckDB stops at the first line whose value has the wrong
type: it reads a table, not a log of lines each valid or not.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import duckdb

_SOURCE = "STRUCT(url VARCHAR, publisher VARCHAR, title VARCHAR, published {date}, quote VARCHAR)"
_LOCATION = "STRUCT(name VARCHAR, country VARCHAR, lat DOUBLE, lon DOUBLE)"


def _columns(date: str) -> str:
    """The event's fields and their types, as ``read_json``'s ``columns=`` struct."""
    kinds = {
        "id": "VARCHAR",
        "date": date,
        "precision": "VARCHAR",
        "end": date,
        "title": "VARCHAR",
        "summary": "VARCHAR",
        "type": "VARCHAR",
        "actors": "VARCHAR[]",
        "targets": "VARCHAR[]",
        "status": "VARCHAR",
        "responds_to": "VARCHAR[]",
        "location": _LOCATION,
        "sources": _SOURCE.format(date=date) + "[]",
        "tags": "VARCHAR[]",
        # JSON, not VARCHAR: written back as the object it is, not as a string of its text
        "extra": "JSON",
    }
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in kinds.items()) + "}"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _read(log: str, *, date: str = "VARCHAR") -> str:
    return f"read_json({_literal(log)}, format='newline_delimited', columns={_columns(date)})"


def actor(name: str) -> str:
    """As ``jq_actor``: an actor equal to ``name`` or under it, ignoring (ASCII) case."""
    name = name.lower()
    return (
        f"len(list_filter(actors, lambda a: lower(a) = {_literal(name)} "
        f"OR starts_with(lower(a), {_literal(name + '/')}))) > 0"
    )


def window(since: str, until: str) -> str:
    """As ``jq_overlaps``: the event's period meets ``since`` … ``until``, compared as text.

    Where it differs from jq's: a week ends six days after its date by date arithmetic, where jq
    goes through epoch seconds (``fromdate``, ``strftime``): the same day for any valid date.
    A month ends on its "-31" in both, which compares with a real date as its last day does.
    An ``end`` or week date that is not a date fails the whole query here; jq fails too.
    """
    last_day = (
        'coalesce("end", CASE precision '
        "WHEN 'day' THEN date "
        "WHEN 'month' THEN substr(date, 1, 7) || '-31' "
        "WHEN 'year' THEN substr(date, 1, 4) || '-12-31' "
        "ELSE strftime(CAST(date AS DATE) + 6, '%Y-%m-%d') END)"
    )
    return f"date <= {_literal(until)} AND {last_day} >= {_literal(since)}"


def text(word: str) -> str:
    """As ``jq_text``: title, summary, a quote or a tag contains ``word``, ignoring case.

    ``ILIKE`` rather than a regular expression, DuckDB's fastest way; for an ASCII word it
    matches what jq's ``test(word; "i")`` matches.
    """
    if not word.isalnum():
        raise ValueError(f"{word!r} would need escaping in a LIKE pattern")
    like = _literal(f"%{word}%")
    return (
        f"title ILIKE {like} OR summary ILIKE {like} "
        f"OR len(list_filter(sources, lambda s: s.quote ILIKE {like})) > 0 "
        f"OR len(list_filter(tags, lambda t: t ILIKE {like})) > 0"
    )


def kind(name: str) -> str:
    return f"type = {_literal(name)}"


FILTERS: dict[str, Callable[..., str]] = {
    "actor": actor,
    "type": kind,
    "window": window,
    "text": text,
}


def query(mode: str, log: str, args: list[str]) -> str:
    if mode == "rows":
        # count(COLUMNS(*)) makes DuckDB parse and convert every column of every row; a bare
        # count(*) would let it skip them
        return f"SELECT count(COLUMNS(*)) FROM {_read(log, date='DATE')}"
    where = "" if mode == "copy" else f" WHERE {FILTERS[mode](*args)}"
    return f"COPY (SELECT * FROM {_read(log)}{where}) TO '/dev/stdout' (FORMAT json)"


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in {*FILTERS, "copy", "rows"}:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    mode, log, *args = argv
    sql = query(mode, log, args)
    if mode == "rows":
        print(*duckdb.sql(sql).fetchone() or ())
    else:
        duckdb.execute(sql)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
