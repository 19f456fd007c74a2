"""Tests of ``show --format parquet``: DuckDB reads back every value we write, with the types of
the fixed schema, and the file appears whole or not at all."""

from __future__ import annotations

import csv
import datetime
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import BUNDLED_LOG, event_dict
from strategies import events as any_event
from timeline.cli import app
from timeline.formats import FileWriter, parquet
from timeline.model import Event
from timeline.query import Responses
from timeline.rules import canonical_json, to_json_dict
from timeline.selection import Selection


def _read_back(path: Path) -> list[dict[str, Any]]:
    """Every row of a Parquet file as DuckDB reads it, in file order."""
    with duckdb.connect() as db:
        cursor = db.execute("SELECT * FROM read_parquet(?)", [str(path)])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _as_typed(event: Event) -> dict[str, Any]:
    """What a row must hold for ``event``: its JSON values with dates as dates, lists as lists,
    absent lists empty and ``extra`` as the JSON text the log wrote."""
    data = to_json_dict(event)

    def day(text: str | None) -> datetime.date | None:
        return datetime.date.fromisoformat(text) if text else None

    data["date"] = day(data["date"])
    data["end"] = day(data["end"])
    data["sources"] = [{**s, "published": day(s["published"])} for s in data["sources"]]
    if data["extra"] is not None:  # the text of the canonical line, escapes and all
        line = canonical_json(event)
        data["extra"] = line[line.index(',"extra":') + len(',"extra":') : -1]
    return data


def _written(events: Sequence[Event], path: Path) -> list[dict[str, Any]]:
    output = parquet.events(Selection(events, Responses()))
    assert isinstance(output, FileWriter)
    output.write(path)
    return _read_back(path)


def test_schema_is_fixed(tmp_path: Path, make_event: Any) -> None:
    """The columns and their types are the same for every file, whatever the events hold:
    DuckDB reads dates as DATE, lists as lists and sources as structs."""
    _written([make_event()], tmp_path / "a.parquet")
    with duckdb.connect() as db:
        described = db.execute(
            "DESCRIBE SELECT * FROM read_parquet(?)", [str(tmp_path / "a.parquet")]
        ).fetchall()
    assert {name: kind for name, kind, *_ in described} == {
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
        "location": 'STRUCT("name" VARCHAR, country VARCHAR, lat DOUBLE, lon DOUBLE)',
        "sources": "STRUCT(url VARCHAR, publisher VARCHAR, title VARCHAR, published DATE, "
        '"quote" VARCHAR)[]',
        "tags": "VARCHAR[]",
        "extra": "VARCHAR",
    }


def test_bundled_log_reads_back_value_for_value(tmp_path: Path) -> None:
    """Every field of every bundled event comes back from DuckDB as it was, in date order."""
    from timeline.log.files import read_raw_lines
    from timeline.query import Filter
    from timeline.selection import select_events

    selection = select_events(
        read_raw_lines(BUNDLED_LOG), Filter(), source="events.jsonl", strict=True,
        on_invalid=lambda bad: pytest.fail(str(bad.error)),
    )  # fmt: skip
    rows = _written(selection.events, tmp_path / "events.parquet")
    assert rows == [_as_typed(event) for event in selection.events]


def test_extra_is_the_text_show_json_writes(tmp_path: Path) -> None:
    """``extra`` is the JSON text ``show --json`` writes, escapes and all: DuckDB's JSON type
    would write 1E2 as 100.0 and the escaped bidi override as the character itself; a key
    named extra inside it is not the event's."""
    log = tmp_path / "events.jsonl"
    extra = (
        '{"big":123456789012345678901234567890,"f":1e300,'
        '"s":"a,\\"extra\\":b","extra":[1],"u":"\\u202e"}'
    )
    line = json.dumps(event_dict(extra={}), separators=(",", ":")).replace(
        '"extra":{}', '"extra":' + extra
    )
    log.write_text(line + "\n")
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(
        app, ["show", "-f", str(log), "--format", "parquet", "-o", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    shown = CliRunner().invoke(app, ["show", "-f", str(log), "--json"]).stdout
    assert json.loads(shown)["extra"]["big"] == 123456789012345678901234567890
    expected = shown[shown.index('"extra":') + len('"extra":') : -2]
    assert [row["extra"] for row in _read_back(out)] == [expected]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(any_event(), min_size=1, max_size=6, unique_by=lambda e: e.id))
def test_any_events_read_back(tmp_path: Path, events: list[Event]) -> None:
    """Any valid events, whatever text, numbers or dates they hold (NUL, quotes, any script,
    year 1 to 9999), come back from DuckDB as they were."""
    assert _written(events, tmp_path / "any.parquet") == [_as_typed(event) for event in events]


def test_output_path_with_quotes(tmp_path: Path) -> None:
    """A path is the one value put into DuckDB's SQL text: a quote in it is a quote, not SQL."""
    folder = tmp_path / "it's here"
    folder.mkdir()
    out = folder / "x'; COPY (SELECT 1) TO 'pwned.csv.parquet"
    result = CliRunner().invoke(
        app, ["show", "-f", str(BUNDLED_LOG), "--format", "parquet", "-o", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == [out.name]
    assert len(_read_back(out)) == len(BUNDLED_LOG.read_text().splitlines())


def test_selection_and_stdout(tmp_path: Path) -> None:
    """A filtered selection piped to stdout is a Parquet file of exactly those events."""
    result = CliRunner().invoke(
        app, ["show", "-f", str(BUNDLED_LOG), "--actor", "belarus", "--format", "parquet"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes[:4] == b"PAR1"
    (tmp_path / "piped.parquet").write_bytes(result.stdout_bytes)
    rows = _read_back(tmp_path / "piped.parquet")
    shown = CliRunner().invoke(
        app, ["show", "-f", str(BUNDLED_LOG), "--actor", "belarus", "--json"]
    )
    assert [row["id"] for row in rows] == [json.loads(x)["id"] for x in shown.stdout.splitlines()]


def test_binary_to_a_terminal_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parquet bytes on a terminal would be noise: the user is told to use -o."""
    from timeline.cli.output import emit
    from timeline.errors import InputError

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    written: list[Path] = []
    with pytest.raises(InputError, match="-o FILE"):
        emit(FileWriter(written.append))
    assert written == []


def test_missing_duckdb_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without DuckDB the error is one line naming what to install, exit 2, and no file."""
    monkeypatch.setitem(sys.modules, "duckdb", None)
    out = tmp_path / "x.parquet"
    result = CliRunner().invoke(
        app, ["show", "-f", str(BUNDLED_LOG), "--format", "parquet", "-o", str(out)]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "timeline: the parquet format needs DuckDB: python -m pip install 'duckdb<2,>=1.1'\n"
    )  # the extra's requirement, as pyproject.toml says it
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow  # forks writers, and a line of megabytes
def test_a_large_selection_is_spooled_by_the_writers_as_one_process_spools_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writers of a large selection spool the lines for DuckDB, each 'extra' as its text
    (DuckDB's JSON would write an escaped bidi control as itself): the same rows, in the same order,
    as a strict reading, a line of megabytes among them (an 'extra' of quotes, longer as
    text)."""
    from timeline import selection
    from timeline.log import parallel

    days = [f"2024-08-{n % 28 + 1:02d}" for n in range(40)]
    events = [
        Event.model_validate(event_dict(id=f"{day}-e{n}", date=day)) for n, day in enumerate(days)
    ]
    events[7] = Event.model_validate(
        event_dict(id="2024-08-08-quotes", date="2024-08-08", extra={"q": '"\\' * 300_000})
    )
    events[9] = Event.model_validate(
        event_dict(id="2024-08-10-big", date="2024-08-10", extra={"f": 1e300, "u": "\u202e"})
    )
    log = tmp_path / "events.jsonl"
    log.write_text("".join(canonical_json(event) + "\n" for event in events))

    def written(name: str, *options: str) -> list[dict[str, Any]]:
        out = tmp_path / name
        args = ["show", "-f", str(log), "--format", "parquet", "-o", str(out), *options]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.stderr
        return _read_back(out)

    expected = written("strict.parquet", "--strict")
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 3)
    monkeypatch.setattr(selection, "PIECE_LINES", 4)
    calls: list[int] = []
    real = parallel.write_in_order

    def spying(*args: Any) -> None:
        calls.append(1)
        real(*args)

    monkeypatch.setattr(parallel, "write_in_order", spying)
    assert written("forked.parquet") == expected
    assert calls == [1]  # the spool was written by the forked writers
    assert len(expected) == 40 and any(row["id"] == "2024-08-08-quotes" for row in expected)
    assert '{"f":1e300,"u":"\\u202e"}' in [row["extra"] for row in expected]


def test_the_readme_s_query_shows_the_status_the_views_show(tmp_path: Path) -> None:
    """Parquet keeps the stored status; the README's SQL over a file of the whole log gives
    each event the status the views and CSV show (a rejected claim as disputed)."""
    readme = (BUNDLED_LOG.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Parquet (`--format parquet`)") :]
    query = section[section.index("```sql\n") + 7 : section.index("\n```", section.index("```sql"))]
    runner = CliRunner()
    written = runner.invoke(app, ["show", "-f", str(BUNDLED_LOG), "--format", "parquet",
                                  "-o", str(tmp_path / "all.parquet")])  # fmt: skip
    assert written.exit_code == 0, written.stderr
    shown = runner.invoke(app, ["show", "-f", str(BUNDLED_LOG), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(shown.stdout)))
    with duckdb.connect() as db:
        db.execute(f"SET file_search_path = '{tmp_path}'")
        statuses = dict(db.sql(query).fetchall())
    assert statuses == {row["id"]: row["status"] for row in rows}
    assert "disputed" in statuses.values()
