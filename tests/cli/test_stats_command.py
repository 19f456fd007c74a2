"""``timeline stats`` through typer's CliRunner (stdout and stderr apart), and the properties
that tie its counts to what ``show`` shows."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from conftest import event_dict
from strategies import events as random_events
from timeline import stats as stats_core
from timeline.cli import app
from timeline.counting import count_log
from timeline.dates import period_end
from timeline.formats.labels import status_of
from timeline.log import parallel
from timeline.log.sources import read_any_lines
from timeline.model import Event, canonical_json
from timeline.query import Filter
from timeline.selection import select_events
from timeline.stats import Field, Spec, Unit
from timeline.vocab import EventType, Status


def invoke(runner: CliRunner, args: list[str], **kwargs: Any) -> Result:
    return runner.invoke(app, args, **kwargs)


def rows(result: Result) -> list[list[str]]:
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return [line.split("\t") for line in result.stdout.splitlines()]


# ---------------------------------------------------------------------------- the bundled log


def test_by_type_on_the_bundled_log(runner: CliRunner, log_copy: Path) -> None:
    """Piped, the counts by type are tab-separated value and count, most first; the totals go
    to stderr."""
    result = invoke(runner, ["stats", "-f", str(log_copy), "--by", "type"])
    assert rows(result) == [
        ["accuse", "4"],
        ["mobilize", "3"],
        ["threaten", "3"],
        ["aid", "2"],
        ["cooperate", "2"],
        ["reject", "2"],
        ["assault", "1"],
        ["request", "1"],
        ["retreat", "1"],
        ["sanction", "1"],
        ["support", "1"],
    ]
    assert result.stderr == "21 events counted\n"
    default = invoke(runner, ["stats", "-f", str(log_copy)])
    assert default.stdout == result.stdout


def test_a_weekly_series_since_august(runner: CliRunner, log_copy: Path) -> None:
    """Every week from the one holding 1 August, with the four events dated only 'August 2024'
    in the month's own row, and stderr saying so."""
    result = invoke(runner, ["stats", "-f", str(log_copy), "--per", "week", "--since", "2024-08"])
    assert rows(result) == [
        ["2024-W31", "0"],
        ["2024-08", "4"],
        ["2024-W32", "3"],
        ["2024-W33", "1"],
        ["2024-W34", "2"],
        ["2024-W35", "5"],
    ]
    assert result.stderr.splitlines() == [
        "15 events counted",
        "4 events known only to a longer period than a week: counted in that period's row, "
        "not in a week",
        "2024-W31 is counted from 2024-08-01 only, where --since starts",
    ]


def test_statuses_are_those_show_shows(runner: CliRunner, log_copy: Path) -> None:
    """Two claims that rejects answer count as disputed, as show marks them; with a filter that
    leaves the rejects out too, and from standard input, which is read once."""
    result = invoke(runner, ["stats", "-f", str(log_copy), "--by", "status"])
    assert rows(result) == [["reported", "17"], ["claimed", "2"], ["disputed", "2"]]
    shown = invoke(runner, ["show", "-f", str(log_copy)]).stdout
    assert shown.count("[disputed]\t") == 2
    expected = [["reported", "8"], ["disputed", "2"]]
    args = ["stats", "--by", "status", "--actor", "belarus"]
    assert rows(invoke(runner, [*args, "-f", str(log_copy)])) == expected
    piped = invoke(runner, [*args, "-f", "-"], input=log_copy.read_bytes())
    assert rows(piped) == expected


def test_a_rejected_fact_keeps_its_status(runner: CliRunner, tmp_path: Path) -> None:
    """A confirmed or reported event that a reject answers is counted, and shown, as stored:
    only a claim becomes disputed (read twice from a file, once from standard input)."""
    events = [
        event_dict(id="fact", type="mobilize", status="confirmed"),
        event_dict(id="report", type="mobilize", status="reported"),
        event_dict(id="claim", type="accuse", status="claimed"),
        event_dict(id="denial", type="reject", responds_to=["fact", "report", "claim"]),
    ]
    log = tmp_path / "events.jsonl"
    log.write_text("".join(json.dumps(event) + "\n" for event in events))
    expected = [["reported", "2"], ["confirmed", "1"], ["disputed", "1"]]
    args = ["stats", "--by", "status"]
    assert rows(invoke(runner, [*args, "-f", str(log)])) == expected
    assert rows(invoke(runner, [*args, "-f", "-"], input=log.read_bytes())) == expected
    shown = invoke(runner, ["show", "-f", str(log), "--format", "csv"]).stdout
    statuses = {row["id"]: row["status"] for row in csv.DictReader(io.StringIO(shown))}
    assert statuses == {
        "fact": "confirmed", "report": "reported", "claim": "disputed", "denial": "reported"
    }  # fmt: skip


def test_json_rows_for_machines(runner: CliRunner, log_copy: Path) -> None:
    """--json: one record per row, with the period, its length, whether it is a coarser band,
    the value (null: none), the other flag and the count."""
    args = ["stats", "-f", str(log_copy), "--json", "--per", "month", "--by", "target"]
    result = invoke(runner, [*args, "--since", "2024-07", "--top", "1"])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"period": "2024-07", "precision": "month", "coarser": False, "target": "ukraine",
         "other": False, "count": 0},
        {"period": "2024-07", "precision": "month", "coarser": False, "target": None,
         "other": True, "count": 0},
        {"period": "2024-08", "precision": "month", "coarser": False, "target": "ukraine",
         "other": False, "count": 7},
        {"period": "2024-08", "precision": "month", "coarser": False, "target": None,
         "other": True, "count": 9},
    ]  # fmt: skip
    assert "the rows add up to 16 mentions" in result.stderr


def test_a_series_by_precision_names_the_events_precision_apart(
    runner: CliRunner, log_copy: Path
) -> None:
    """In a series, ``precision`` is the period's length: the events' precision counted by
    ``--by precision`` is ``event_precision``, in every JSON record and as a CSV column."""
    args = ["stats", "-f", str(log_copy), "--by", "precision", "--per", "month"]
    window = ["--since", "2024-08", "--until", "2024-08"]
    result = invoke(runner, [*args, *window, "--json"])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"period": "2024-08", "precision": "month", "coarser": False,
         "event_precision": "day", "other": False, "count": 10},
        {"period": "2024-08", "precision": "month", "coarser": False,
         "event_precision": "month", "other": False, "count": 4},
        {"period": "2024-08", "precision": "month", "coarser": False,
         "event_precision": "week", "other": False, "count": 1},
    ]  # fmt: skip
    result = invoke(runner, [*args, *window, "--format", "csv"])
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0] == ["period", "precision", "coarser", "event_precision", "other", "count"]
    assert {len(row) for row in table} == {6}


def test_csv_has_a_header_and_the_json_columns(runner: CliRunner, log_copy: Path) -> None:
    """--format csv: the JSON record's keys as a header, an empty cell for no value."""
    args = ["stats", "-f", str(log_copy), "--format", "csv", "--by", "country", "--top", "0"]
    table = list(csv.reader(io.StringIO(invoke(runner, args).stdout)))
    assert table == [
        ["country", "other", "count"],
        ["", "false", "10"],
        ["BLR", "false", "7"],
        ["UKR", "false", "2"],
        ["KAZ", "false", "1"],
        ["RUS", "false", "1"],
    ]


def test_depth_one_counts_belarus_and_its_parts_as_belarus(
    runner: CliRunner, log_copy: Path
) -> None:
    """At depth 1, belarus's row holds every event show --actor belarus shows."""
    by_actor = invoke(runner, ["stats", "-f", str(log_copy), "--by", "actor", "--depth", "1"])
    counts = {value: int(n) for value, n in rows(by_actor)}
    shown = invoke(runner, ["show", "-f", str(log_copy), "--actor", "belarus", "--json"])
    assert counts["belarus"] == len(shown.stdout.splitlines()) == 10
    assert "belarus/president" not in counts


def test_the_rich_view_fits_the_terminal_and_shows_the_bands(
    runner: CliRunner, log_copy: Path
) -> None:
    """The chart is at most 100 columns wide, without escape codes off a terminal, and names
    the month row of the events known only to August."""
    args = ["stats", "-f", str(log_copy), "--format", "rich", "--per", "week"]
    result = invoke(runner, [*args, "--since", "2024-08-01"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert "\x1b" not in result.stdout
    assert "  Aug 2024 (month): 4" in lines
    assert any("█" in line for line in lines)
    assert lines[-2].startswith("4 events known only to a longer period than a week")
    assert lines[-1] == "2024-W31 is counted from 2024-08-01 only, where --since starts"
    assert result.stderr == ""


@pytest.mark.parametrize(
    "args",
    [["--by", "type"], ["--per", "month", "--by", "actor", "--depth", "1"], ["--per", "week"]],
)
def test_no_color_gives_the_same_chart_without_colour(
    runner: CliRunner, log_copy: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    """With colours forced, the chart is coloured; NO_COLOR takes the colours away (bold and dim
    stay, as rich keeps them) and leaves every character as it was."""
    base = ["stats", "-f", str(log_copy), "--format", "rich", *args]
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    coloured = invoke(runner, base).stdout
    monkeypatch.setenv("NO_COLOR", "1")
    plain = invoke(runner, base).stdout
    colour = re.compile(r"\x1b\[(?:[0-9]+;)*(?:3[0-7]|9[0-7]|38;5;[0-9]+)m")
    assert colour.search(coloured)
    assert not colour.search(plain)
    codes = re.compile(r"\x1b\[[0-9;]*m")
    assert codes.sub("", coloured) == codes.sub("", plain)


def test_hostile_values_are_shown_as_escapes(
    runner: CliRunner, tmp_path: Path, event_data: Any
) -> None:
    """A tag holding ESC or rich markup is data: escaped in every format, never acted on."""
    log = tmp_path / "events.jsonl"
    tag = "\x1b[31m[bold]red[/bold]\u202e"
    event = Event.model_validate(event_data(tags=[tag]))
    log.write_text(canonical_json(event) + "\n", encoding="utf-8")
    expected = "\\x1b[31m[bold]red[/bold]\\u202e"
    plain = invoke(runner, ["stats", "-f", str(log), "--by", "tag"])
    assert rows(plain) == [[expected, "1"]]
    rich_view = invoke(runner, ["stats", "-f", str(log), "--by", "tag", "--format", "rich"])
    assert expected in rich_view.stdout and "\x1b" not in rich_view.stdout
    as_json = invoke(runner, ["stats", "-f", str(log), "--by", "tag", "--json"])
    assert json.loads(as_json.stdout)["tag"] == tag
    assert "\x1b" not in as_json.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "type", "--depth", "1"], "--depth"),
        (["--by", "type", "--by", "type"], "two different"),
        (["--json", "--format", "csv"], "--json and --format csv"),
        (["--by", "colour"], "colour"),
    ],
)
def test_bad_options_are_one_line_errors(
    runner: CliRunner, log_copy: Path, args: list[str], message: str
) -> None:
    """Options that cannot be counted: exit 2, nothing on stdout, one line saying why."""
    result = invoke(runner, ["stats", "-f", str(log_copy), *args])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_line_is_a_warning_and_strict_an_error(runner: CliRunner, log_copy: Path) -> None:
    """As in show: a bad line is warned about and left out; --strict makes it an error."""
    with log_copy.open("a") as out:
        out.write('{"id": "bad"}\n')
    result = invoke(runner, ["stats", "-f", str(log_copy), "--by", "precision"])
    assert rows(result) == [["day", "12"], ["month", "5"], ["year", "3"], ["week", "1"]]
    assert result.stderr.startswith(f"{log_copy}:22: ")
    strict = invoke(runner, ["stats", "-f", str(log_copy), "--strict"])
    assert strict.exit_code == 2 and strict.stdout == ""


# ---------------------------------------------------------------------------- properties

FILTERS = [
    Filter(),
    Filter(types=(EventType.ACCUSE, EventType.REJECT)),
    Filter(types=(EventType.ACCUSE, EventType.AGREE)),  # leaves the rejects out
    Filter(statuses=(Status.CLAIMED,)),
    Filter(since=stats_core.period_start(8000, Unit.YEAR)),
    Filter(texts=("a",)),
]


@st.composite
def logs(draw: st.DrawFn) -> list[Event]:
    """Random events, some of them rejects that answer others (so statuses are corrected)."""
    found = draw(st.lists(random_events(), min_size=1, max_size=12, unique_by=lambda e: e.id))
    ids = [e.id for e in found]
    out = []
    for event in found:
        if draw(st.booleans()) and len(ids) > 1:
            answered = [draw(st.sampled_from([i for i in ids if i != event.id]))]
            event = event.model_copy(
                update={"type": EventType.REJECT, "responds_to": tuple(answered)}
            )
        out.append(event)
    return out


def _write(tmp_path: Path, events: list[Event]) -> str:
    log = tmp_path / "events.jsonl"
    log.write_text("".join(canonical_json(e) + "\n" for e in events), encoding="utf-8")
    return str(log)


def _shown(path: str, flt: Filter) -> tuple[list[Any], Any]:
    """The events ``show`` would show, and the responses it marks them with."""
    selection = select_events(
        read_any_lines(path), flt, source=path, strict=False, on_invalid=lambda bad: None
    )
    return list(selection.events), selection.responses


def _count(path: str, flt: Filter, spec: Spec) -> stats_core.Stats:
    return count_log(
        path, flt, spec, strict=False, on_invalid=lambda bad: None, on_more=lambda n: None
    )


_PROPERTY = settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
_UNITS = st.sampled_from([Unit.YEAR, Unit.QUARTER])  # random dates span millennia


def _distinct(event: Any, field: Field) -> int:
    """How many rows of a multi-valued field an event counts in, worked out apart."""
    values = {
        Field.ACTOR: set(event.actors),
        Field.TARGET: set(event.targets),
        Field.TAG: set(event.tags),
        Field.PUBLISHER: {s.publisher for s in event.sources if s.publisher is not None},
    }[field]
    return len(values) or 1  # none: the (none) row


@_PROPERTY
@given(events=logs(), field=st.sampled_from(list(Field)), flt=st.sampled_from(FILTERS))
def test_counts_by_a_field_add_up_to_the_events_show_shows(
    tmp_path: Path, events: list[Event], field: Field, flt: Filter
) -> None:
    """The rows of --by FIELD add up to the number of events show gives with the same filters,
    or, for a multi-valued field, to their mentions (one per distinct value, or one for none)."""
    path = _write(tmp_path, events)
    shown, _ = _shown(path, flt)
    result = _count(path, flt, Spec(by=(field,)))
    assert result.events == len(shown)
    assert sum(r.count for r in result.rows) == result.mentions
    if field in stats_core.MULTI_VALUED:
        assert result.mentions == sum(_distinct(e, field) for e in shown)
    else:
        assert result.mentions == len(shown)


@_PROPERTY
@given(events=logs(), flt=st.sampled_from(FILTERS))
def test_counts_by_status_are_the_statuses_show_gives(
    tmp_path: Path, events: list[Event], flt: Filter
) -> None:
    """--by status counts each event under the status show marks it with: disputed when a
    reject anywhere in the log answers it."""
    path = _write(tmp_path, events)
    shown, responses = _shown(path, flt)
    result = _count(path, flt, Spec(by=(Field.STATUS,)))
    expected = Counter(status_of(e, responses).value for e in shown)
    assert {r.key[0]: r.count for r in result.rows if r.count} == expected


@_PROPERTY
@given(events=logs(), unit=_UNITS, flt=st.sampled_from(FILTERS), by=st.sampled_from(list(Field)))
def test_a_series_and_its_coarser_rows_add_up_to_the_events(
    tmp_path: Path, events: list[Event], unit: Unit, flt: Filter, by: Field
) -> None:
    """A series' counts plus those held at coarser precision are the events show gives (or
    their mentions); the coarser rows hold exactly the events the totals say."""
    path = _write(tmp_path, events)
    shown, _ = _shown(path, flt)
    total = _count(path, flt, Spec(per=unit))
    fine = sum(r.count for r in total.rows if r.period and not r.period.coarse)
    coarse = sum(r.count for r in total.rows if r.period and r.period.coarse)
    assert fine + coarse == len(shown)
    assert coarse == total.coarser
    whole = stats_core.period_index
    assert coarse == sum(  # the events whose known period is not inside one period of the unit
        whole(e.date, unit) != whole(period_end(e.date, e.precision), unit) for e in shown
    )
    per_value = _count(path, flt, Spec(per=unit, by=(by,)))
    assert sum(r.count for r in per_value.rows) == per_value.mentions
    assert per_value.events == len(shown)


@_PROPERTY
@given(events=logs(), depth=st.integers(1, 3), field=st.sampled_from([Field.ACTOR, Field.TARGET]))
def test_depth_never_changes_the_number_of_events(
    tmp_path: Path, events: list[Event], depth: int, field: Field
) -> None:
    """--depth regroups values but counts the same events; at depth 1 an actor's row is what
    show --actor (or --target) gives for it."""
    path = _write(tmp_path, events)
    full = _count(path, Filter(), Spec(by=(field,)))
    cut = _count(path, Filter(), Spec(by=(field,), depth=depth))
    assert cut.events == full.events == len(events)
    assert cut.mentions <= full.mentions
    assert all(row.key[0] is None or row.key[0].count("/") < depth for row in cut.rows)
    if depth == 1:
        for row in cut.rows:
            if row.key[0] is None or row.other:
                continue
            flt = Filter(actors=row.key) if field is Field.ACTOR else Filter(targets=row.key)
            assert row.count == len(_shown(path, flt)[0])


@pytest.mark.slow
@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    events=logs(),
    spec=st.sampled_from(
        [
            Spec(by=(Field.STATUS,)),
            Spec(by=(Field.ACTOR, Field.STATUS), per=Unit.YEAR),
            Spec(per=Unit.QUARTER, by=(Field.TAG,)),
        ]
    ),
    flt=st.sampled_from(FILTERS),
)
def test_every_core_counts_what_one_process_counts(
    tmp_path: Path, events: list[Event], spec: Spec, flt: Filter
) -> None:
    """A log cut into ranges counted by forked workers gives the same stats as one reader,
    statuses corrected across ranges included."""
    path = _write(tmp_path, events * 20)  # enough lines for three ranges
    serial = _count(path, flt, spec)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_BYTES", 0)
        patch.setattr(parallel, "workers", lambda: 3)
        forked = _count(path, flt, spec)
    assert forked == serial


@pytest.mark.slow
def test_the_forked_path_is_taken_and_warns_with_line_numbers(
    runner: CliRunner, log_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On every core, a bad line is warned about with its line number in the whole file, and
    the counts are those of the serial read."""
    lines = log_copy.read_text(encoding="utf-8").splitlines()
    lines.insert(15, '{"id": "bad"}')
    log_copy.write_text("\n".join(lines * 3) + "\n", encoding="utf-8")
    args = ["stats", "-f", str(log_copy), "--by", "status", "--per", "year"]
    serial = invoke(runner, args)
    calls: list[int] = []
    real = parallel.map_ranges

    def spying(*a: Any) -> Any:
        calls.append(1)
        return real(*a)

    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    monkeypatch.setattr(parallel, "map_ranges", spying)
    forked = invoke(runner, args)
    assert calls == [1, 1]  # the count, and the second reading of the rejected claims
    assert forked.exit_code == serial.exit_code == 0
    assert forked.stdout == serial.stdout
    assert forked.stderr == serial.stderr
    assert f"{log_copy}:16: " in forked.stderr and f"{log_copy}:38: " in forked.stderr


@pytest.mark.slow
def test_every_core_counts_every_kind_of_line_as_one_process(
    runner: CliRunner, log_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read without a filter, the workers take the lines the fast path reads in a loop of
    their own: a blank line, a bad one, one in another layout, one only the model reads (an
    actor id it normalises) and a last line without a newline count and warn as one reader
    counts and warns."""
    lines = log_copy.read_text(encoding="utf-8").splitlines()
    spaced = json.dumps(json.loads(lines[3]))
    normalised = json.loads(lines[4]) | {"id": "2024-08-30-normalised", "actors": ["Belarus MoD"]}
    lines[5:5] = ["", '{"id": "bad"}', spaced, json.dumps(normalised)]
    log_copy.write_text("\n".join(lines * 3), encoding="utf-8")  # no newline at the end
    args = ["stats", "-f", str(log_copy), "--by", "actor", "--by", "status"]
    serial = invoke(runner, [*args, "--strict"])
    assert serial.exit_code == 2 and f"{log_copy}:7: " in serial.stderr  # strict: the first
    serial = invoke(runner, args)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    forked = invoke(runner, args)
    assert (forked.exit_code, forked.stdout, forked.stderr) == (
        serial.exit_code, serial.stdout, serial.stderr
    )  # fmt: skip
    assert "belarus-mod" in forked.stdout
    assert forked.stderr.count(": date: required field is missing") == 3
