"""Tests of every command through typer's CliRunner, with stdout and stderr checked apart."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner, Result

from conftest import BUNDLED_LOG
from timeline import __version__
from timeline.cli import app
from timeline.formats.csv import CSV_COLUMNS
from timeline.model import Event, canonical_json
from timeline.vocab import EventType, Status

REPO = Path(__file__).resolve().parents[2]
EventData = Callable[..., dict[str, Any]]
CLAIM_ID = "2024-08-18-lukashenko-claims-120000-ukrainian-troops"

# Minsk's incidents in the bundled log (belarus or a part of it acted), in date order; ties on
# 2024-08-19 keep file order. Written out by hand from data/events.jsonl.
BELARUS_IDS = [
    "1991-01-01-belarus-independence-from-soviet-union",
    "2022-01-01-russia-stations-troops-in-belarus",
    "2022-01-13-csto-mission-in-kazakhstan-ends",
    "2022-03-01-belarus-evacuates-kyiv-embassy",
    "2024-08-01-khrenin-ready-for-retaliatory-measures",
    "2024-08-06-belarus-accuses-ukraine-of-airspace-violation",
    "2024-08-10-belarus-declares-border-troop-movement-self-defence",
    CLAIM_ID,
    "2024-08-19-belarus-moves-third-of-forces-to-border",
    "2024-08-19-belarus-deploys-planes-air-defence-arsenal",
]


def invoke(runner: CliRunner, args: Sequence[str], **kwargs: Any) -> Result:
    """Run the app; a crash inside the app is a failed exit, never re-raised by the runner."""
    return runner.invoke(app, list(args), **kwargs)


def assert_one_line_error(result: Result) -> None:
    """Exit 2, nothing on stdout, exactly one line on stderr, no traceback."""
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith("\n")
    assert result.stderr.count("\n") == 1, result.stderr


def file_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def parsed(lines: Sequence[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines]


def event_line(event_data: EventData, **overrides: Any) -> str:
    return canonical_json(Event.model_validate(event_data(**overrides)))


ADD_ARGS = [
    "--date",
    "2024-08-27",
    "--type",
    "threaten",
    "--actor",
    "Belarus/President",
    "--target",
    "ukraine",
    "--title",
    "Lukashenko warns Kyiv",
    "--source",
    "https://example.org/a",
]


# ---------------------------------------------------------------------------- show


def test_show_plain_output_of_the_bundled_log(runner: CliRunner, log_copy: Path) -> None:
    """Piped show writes one tab-separated line per event: iso date, type, parties, title, id."""
    result = invoke(runner, ["show", "--file", str(log_copy)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    events = [json.loads(line) for line in file_lines(log_copy)]
    assert len(lines) == len(events)
    assert [line.split("\t")[4] for line in lines] == [e["id"] for e in events]
    assert all(line.count("\t") == 4 for line in lines)
    assert "\x1b" not in result.stdout
    claim = next(line for line in lines if line.endswith(CLAIM_ID))
    assert claim.split("\t") == [
        "2024-08-18",
        "accuse",
        "belarus/president → ukraine",
        "Lukashenko claims Ukraine sent over 120,000 soldiers to the Belarusian border [disputed]",
        CLAIM_ID,
    ]
    assert lines[0].split("\t")[:3] == ["1991", "cooperate", "belarus, russia"]


def test_show_json_re_imports_unchanged(runner: CliRunner, log_copy: Path) -> None:
    """--json writes canonical lines that parse into exactly the file's events, in order."""
    result = invoke(runner, ["show", "-f", str(log_copy), "--json"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout.splitlines()
    assert parsed(out) == parsed(file_lines(log_copy))
    assert [Event.model_validate_json(line) for line in out] == [
        Event.model_validate_json(line) for line in file_lines(log_copy)
    ]
    assert result.stdout == log_copy.read_text(encoding="utf-8")  # the bundled log is canonical


def test_show_actor_belarus_in_date_order(runner: CliRunner, log_copy: Path) -> None:
    """--actor belarus shows Minsk's incidents (its parts too) by date, a week before the day it
    begins on, other ties in file order."""
    result = invoke(runner, ["show", "-f", str(log_copy), "--actor", "Belarus", "--json"])
    assert result.exit_code == 0, result.stderr
    assert [e["id"] for e in parsed(result.stdout.splitlines())] == BELARUS_IDS


def test_show_since_until_with_free_text_dates(runner: CliRunner, log_copy: Path) -> None:
    """Free-text --since/--until keep events whose known period overlaps, month events included."""
    args = ["show", "-f", str(log_copy), "--since", "Aug 18, 2024", "--until", "19 August 2024"]
    result = invoke(runner, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    assert [e["id"] for e in parsed(result.stdout.splitlines())] == [
        "2024-08-01-russia-threatens-firm-response-to-kursk-offensive",
        "2024-08-01-khrenin-ready-for-retaliatory-measures",
        "2024-08-01-ukraine-refutes-120000-troops-claim",
        "2024-08-01-wagner-says-it-trains-belarusian-military",
        CLAIM_ID,
        "2024-08-19-belarus-moves-third-of-forces-to-border",  # its week began that day
        "2024-08-19-belarus-deploys-planes-air-defence-arsenal",
    ]


def test_show_limit_and_reverse(runner: CliRunner, log_copy: Path) -> None:
    """--limit keeps the latest N, in date order; with --reverse, latest first."""
    every = [json.loads(line)["id"] for line in file_lines(log_copy)]
    latest = invoke(runner, ["show", "-f", str(log_copy), "--json", "--limit", "3"])
    last = invoke(runner, ["show", "-f", str(log_copy), "--json", "-r", "-n", "3"])
    backwards = invoke(runner, ["show", "-f", str(log_copy), "--json", "--reverse"])
    assert [e["id"] for e in parsed(latest.stdout.splitlines())] == every[-3:]
    assert [e["id"] for e in parsed(last.stdout.splitlines())] == every[::-1][:3]
    assert [e["id"] for e in parsed(backwards.stdout.splitlines())] == every[::-1]


def test_show_filters_combine(runner: CliRunner, log_copy: Path) -> None:
    """Type, text and involving filters combine with AND."""
    args = ["show", "-f", str(log_copy), "--json", "--type", "accuse", "--type", "reject"]
    result = invoke(runner, [*args, "--text", "120,000", "--involving", "ukraine"])
    assert result.exit_code == 0, result.stderr
    assert [e["id"] for e in parsed(result.stdout.splitlines())] == [
        "2024-08-01-ukraine-refutes-120000-troops-claim",
        CLAIM_ID,
    ]


def test_show_empty_result_is_success(runner: CliRunner, log_copy: Path) -> None:
    """Nothing matching is not an error: exit 0, empty stdout."""
    result = invoke(runner, ["show", "-f", str(log_copy), "--actor", "atlantis"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_show_csv(runner: CliRunner, log_copy: Path) -> None:
    """--format csv parses back: the header, then one row per event with its id and date."""
    result = invoke(runner, ["show", "-f", str(log_copy), "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == list(CSV_COLUMNS)
    events = [json.loads(line) for line in file_lines(log_copy)]
    assert [(row[0], row[1], row[2]) for row in rows[1:]] == [
        (e["id"], e["date"], e["precision"]) for e in events
    ]


def test_show_rich_format_without_a_terminal(runner: CliRunner, log_copy: Path) -> None:
    """--format rich draws the timeline, and writes no escape codes when stdout is not a tty."""
    result = invoke(runner, ["show", "-f", str(log_copy), "--format", "rich", "--actor", "belarus"])
    assert result.exit_code == 0, result.stderr
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert "2024" in lines
    assert "  August" in lines
    assert any("week of 19 Aug" in line for line in lines)
    assert "\x1b" not in result.stdout
    assert max(len(line) for line in lines) <= 100


def test_no_color_is_honoured(runner: CliRunner, log_copy: Path) -> None:
    """With NO_COLOR set, even a forced terminal gets no colour codes."""
    args = ["show", "-f", str(log_copy), "--format", "rich", "--id", CLAIM_ID]
    terminal = {"FORCE_COLOR": "1", "TERM": "xterm-256color"}
    colour = invoke(runner, args, env=terminal)
    plain = invoke(runner, args, env={**terminal, "NO_COLOR": "1"})
    assert re.search(r"\x1b\[3\dm", colour.stdout)
    assert not re.search(r"\x1b\[3\dm", plain.stdout)


def _break_line_7(path: Path) -> None:
    lines = file_lines(path)
    obj = json.loads(lines[6])
    obj["date"] = "2024-13-01"
    lines[6] = json.dumps(obj, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_bad_line_is_a_warning_and_the_rest_is_shown(
    runner: CliRunner, log_copy: Path, in_tmp: Path
) -> None:
    """A bad line gives 'events.jsonl:7: date: …' on stderr; the other events are shown."""
    _break_line_7(log_copy)
    result = invoke(runner, ["show", "-f", "events.jsonl", "--json"])
    assert result.exit_code == 0
    assert result.stderr == "events.jsonl:7: date: '2024-13-01' is not a valid date\n"
    good = [line for number, line in enumerate(file_lines(log_copy), 1) if number != 7]
    assert parsed(result.stdout.splitlines()) == parsed(good)


def test_strict_makes_a_bad_line_an_error(runner: CliRunner, log_copy: Path, in_tmp: Path) -> None:
    """--strict turns the warning into an error: exit 2, the same one line, nothing shown."""
    _break_line_7(log_copy)
    result = invoke(runner, ["show", "-f", "events.jsonl", "--strict"])
    assert_one_line_error(result)
    assert result.stderr == "events.jsonl:7: date: '2024-13-01' is not a valid date\n"


def test_cut_short_last_line_says_so(
    runner: CliRunner, in_tmp: Path, event_data: EventData
) -> None:
    """A broken last line without a newline is flagged as a possibly interrupted write."""
    Path("events.jsonl").write_text(event_line(event_data) + '\n{"id": "x", "da', encoding="utf-8")
    result = invoke(runner, ["show", "-f", "events.jsonl", "--json"])
    assert result.exit_code == 0
    assert result.stderr.startswith("events.jsonl:2: not valid JSON")
    assert result.stderr.endswith("(last line has no newline: a write cut short?)\n")
    assert result.stderr.count("\n") == 1
    assert parsed(result.stdout.splitlines()) == [json.loads(event_line(event_data))]


def test_timeline_file_is_used_without_file(
    runner: CliRunner, log_copy: Path, in_tmp: Path
) -> None:
    """$TIMELINE_FILE names the log when --file is not given; --file wins over it."""
    result = invoke(
        runner, ["show", "--json", "--id", CLAIM_ID], env={"TIMELINE_FILE": str(log_copy)}
    )
    assert result.exit_code == 0, result.stderr
    assert [e["id"] for e in parsed(result.stdout.splitlines())] == [CLAIM_ID]
    missing = invoke(runner, ["show", "-f", "nope.jsonl"], env={"TIMELINE_FILE": str(log_copy)})
    assert missing.stderr == "timeline: nope.jsonl: cannot read: no such file\n"


def test_default_log_is_data_events_jsonl(runner: CliRunner, log_copy: Path, in_tmp: Path) -> None:
    """Without --file or $TIMELINE_FILE the log is data/events.jsonl under the current folder."""
    absent = invoke(runner, ["show"])
    assert_one_line_error(absent)
    assert absent.stderr == f"timeline: data/events.jsonl: cannot read: no such file{_HINT}\n"
    (in_tmp / "data").mkdir()
    log_copy.rename(in_tmp / "data" / "events.jsonl")
    present = invoke(runner, ["show", "--json", "--id", CLAIM_ID])
    assert [e["id"] for e in parsed(present.stdout.splitlines())] == [CLAIM_ID]


def test_show_reads_stdin(runner: CliRunner, log_copy: Path) -> None:
    """'-f -' reads the log from standard input."""
    text = log_copy.read_text(encoding="utf-8")
    result = invoke(runner, ["show", "-f", "-", "--json", "--id", CLAIM_ID], input=text)
    assert result.exit_code == 0, result.stderr
    assert [e["id"] for e in parsed(result.stdout.splitlines())] == [CLAIM_ID]


def test_missing_file_is_one_line_without_traceback(runner: CliRunner, tmp_path: Path) -> None:
    """A missing log: exit 2 and one line on stderr naming it."""
    missing = tmp_path / "missing.jsonl"
    result = invoke(runner, ["show", "-f", str(missing)])
    assert_one_line_error(result)
    assert result.stderr == f"timeline: {missing}: cannot read: no such file\n"


@pytest.mark.parametrize(
    "args",
    [["show", "-f", ""], ["check", "-f", ""], ["stats", "-f", ""], ["diff", "", "x.jsonl"],
     ["rm", "x", "--yes", "-f", ""], ["edit", "x", "--title", "T", "-f", ""],
     ["add", "-d", "2024-08-01", "-t", "aid", "-a", "a", "--title", "T", "-s", "https://e.org",
      "-f", ""]],
    ids=lambda args: args[0],
)  # fmt: skip
def test_an_empty_file_name_is_one_line_error(runner: CliRunner, args: list[str]) -> None:
    """'' is no file (Path('') would be the current folder: "is a directory" misled)."""
    result = invoke(runner, args)
    assert_one_line_error(result)
    assert result.stderr == (
        "timeline: a log's file name is empty: give a path, or - for standard input\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [(["show", "--actors", ""], "the actor registry's file name is empty (--actors, "
      "$TIMELINE_ACTORS)"),
     (["import", "", "-f", "x.jsonl"], "import: the input's file name is empty: give a path, or "
      "- for stdin")],
    ids=["actors", "import"],
)  # fmt: skip
def test_an_empty_name_of_another_file_says_which(
    runner: CliRunner, args: list[str], message: str
) -> None:
    result = invoke(runner, args)
    assert_one_line_error(result)
    assert result.stderr == f"timeline: {message}\n"


def test_directory_as_log_is_one_line_error(runner: CliRunner, tmp_path: Path) -> None:
    """A directory given as the log is refused cleanly."""
    result = invoke(runner, ["show", "-f", str(tmp_path)])
    assert_one_line_error(result)
    assert result.stderr == f"timeline: {tmp_path}: cannot read: is a directory\n"


@pytest.mark.parametrize(
    ("option", "choices"),
    [
        ("--type", [t.value for t in EventType]),
        ("--status", [s.value for s in Status]),
    ],
)
def test_unknown_choice_lists_the_valid_ones(
    runner: CliRunner, log_copy: Path, option: str, choices: list[str]
) -> None:
    """An unknown --type or --status is a usage error (exit 2) that lists the valid choices."""
    result = invoke(runner, ["show", "-f", str(log_copy), option, "bogus"])
    assert_one_line_error(result)
    assert "'bogus'" in result.stderr
    for choice in choices:
        assert f"'{choice}'" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--since", "2024-08-30", "--until", "2024-08-01"], "is after --until"),
        (["--since", "Sunday, 26 August 2024"], "was a Monday"),
        (["--until", "05/06/2024"], "could be 6 May 2024 or 5 June 2024"),
        (["--actor", "!!"], "is not an actor id"),
        (["--since", ""], "--since: '' is not a date"),
        (["--until", " "], "--until: ' ' is not a date"),
        (["--tag", ""], "--tag: must not be empty"),  # no event has one: it would match none
        (["--id", " "], "--id: must not be empty"),
    ],
)
def test_bad_filter_values_are_one_line_errors(
    runner: CliRunner, log_copy: Path, args: list[str], expected: str
) -> None:
    """Bad dates and actor ids in filters are refused with exit 2 and a one-line reason."""
    result = invoke(runner, ["show", "-f", str(log_copy), *args])
    assert_one_line_error(result)
    assert expected in result.stderr


# ---------------------------------------------------------------------------- add


def test_add_appends_exactly_one_line_and_prints_the_id(runner: CliRunner, log_copy: Path) -> None:
    """add keeps every old byte, appends one canonical line, and prints the new id."""
    before = log_copy.read_bytes()
    result = invoke(runner, ["add", "-f", str(log_copy), *ADD_ARGS])
    assert result.exit_code == 0, result.stderr
    after = log_copy.read_bytes()
    assert after.startswith(before)
    added = after[len(before) :].decode("utf-8")
    assert added.endswith("\n")
    assert added.count("\n") == 1
    new_id = result.stdout.strip()
    assert result.stdout == new_id + "\n"
    assert re.fullmatch(r"2024-08-27-lukashenko-warns-kyiv-[0-9a-f]{12}", new_id)
    event = Event.model_validate_json(added)
    assert added == canonical_json(event) + "\n"
    assert json.loads(added) == {
        "id": new_id,
        "date": "2024-08-27",
        "precision": "day",
        "end": None,
        "title": "Lukashenko warns Kyiv",
        "summary": None,
        "type": "threaten",
        "actors": ["belarus/president"],
        "targets": ["ukraine"],
        "status": "reported",
        "responds_to": [],
        "location": None,
        "sources": [
            {
                "url": "https://example.org/a",
                "publisher": None,
                "title": None,
                "published": None,
                "quote": None,
            }
        ],
        "tags": [],
        "extra": None,
    }


def test_add_json_prints_the_stored_event(runner: CliRunner, log_copy: Path) -> None:
    """--json prints exactly the line that was stored."""
    result = invoke(runner, ["add", "-f", str(log_copy), *ADD_ARGS, "--json"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == file_lines(log_copy)[-1:]


def test_add_last_week_is_a_week(runner: CliRunner, log_copy: Path) -> None:
    """'last week' as of Monday 26 August 2024 is the ISO week starting Monday 19 August."""
    args = [
        "add",
        "-f",
        str(log_copy),
        "--date",
        "last week",
        "--as-of",
        "2024-08-26",
        "--type",
        "mobilize",
        "--actor",
        "belarus",
        "--title",
        "Belarus moves a third of its forces",
        "--source-title",
        "Situation Brief",
        "--publisher",
        "Army Recognition",
        "--json",
    ]
    result = invoke(runner, args)
    assert result.exit_code == 0, result.stderr
    stored = json.loads(file_lines(log_copy)[-1])
    assert (stored["date"], stored["precision"]) == ("2024-08-19", "week")
    assert stored["sources"] == [
        {
            "url": None,
            "publisher": "Army Recognition",
            "title": "Situation Brief",
            "published": None,
            "quote": None,
        }
    ]


def test_add_creates_a_missing_log(runner: CliRunner, tmp_path: Path) -> None:
    """add creates the log when its folder exists."""
    log = tmp_path / "new.jsonl"
    result = invoke(runner, ["add", "-f", str(log), *ADD_ARGS, "--id", "first"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "first\n"
    assert [e["id"] for e in parsed(file_lines(log))] == ["first"]


def test_add_after_a_line_without_newline(runner: CliRunner, log_copy: Path) -> None:
    """A log that does not end with a newline gets one before the new line."""
    text = log_copy.read_bytes().rstrip(b"\n")
    log_copy.write_bytes(text)
    result = invoke(runner, ["add", "-f", str(log_copy), *ADD_ARGS, "--id", "new"])
    assert result.exit_code == 0, result.stderr
    assert log_copy.read_bytes().startswith(text + b"\n{")
    assert json.loads(file_lines(log_copy)[-1])["id"] == "new"


def _assert_refused_unchanged(result: Result, log: Path, before: bytes) -> None:
    assert_one_line_error(result)
    assert log.read_bytes() == before


def test_add_duplicate_id_is_refused(runner: CliRunner, log_copy: Path) -> None:
    """--id of an existing event: exit 2, one line naming the id, log byte-identical."""
    before = log_copy.read_bytes()
    result = invoke(runner, ["add", "-f", str(log_copy), *ADD_ARGS, "--id", CLAIM_ID])
    _assert_refused_unchanged(result, log_copy, before)
    assert CLAIM_ID in result.stderr


@pytest.mark.parametrize("empty", ["", "  "])
def test_add_empty_id_is_refused(runner: CliRunner, log_copy: Path, empty: str) -> None:
    """--id '' is no id: refused, not replaced by a made-up one without a word."""
    before = log_copy.read_bytes()
    result = invoke(runner, ["add", "-f", str(log_copy), *ADD_ARGS, "--id", empty])
    _assert_refused_unchanged(result, log_copy, before)
    assert result.stderr.startswith(f"timeline: --id: {empty!r} is not a valid id")


def test_add_responds_to_must_exist(runner: CliRunner, log_copy: Path) -> None:
    """--responds-to an unknown id: exit 2, log untouched; a known one is stored."""
    before = log_copy.read_bytes()
    bad = invoke(runner, ["add", "-f", str(log_copy), *ADD_ARGS, "--responds-to", "nope"])
    _assert_refused_unchanged(bad, log_copy, before)
    assert "'nope'" in bad.stderr
    good = invoke(runner, ["add", "-f", str(log_copy), *ADD_ARGS, "--responds-to", CLAIM_ID])
    assert good.exit_code == 0, good.stderr
    assert json.loads(file_lines(log_copy)[-1])["responds_to"] == [CLAIM_ID]


def test_add_missing_title_is_refused_without_prompting(runner: CliRunner, log_copy: Path) -> None:
    """A missing required flag is a usage error naming it; nothing is asked or written."""
    before = log_copy.read_bytes()
    args = [a for a in ADD_ARGS if a not in {"--title", "Lukashenko warns Kyiv"}]
    result = invoke(runner, ["add", "-f", str(log_copy), *args], input="typed title\n")
    _assert_refused_unchanged(result, log_copy, before)
    assert "--title" in result.stderr


_HINT = " (the default log, under the current folder: name one with -f FILE or $TIMELINE_FILE)"


@pytest.mark.parametrize(
    ("command", "here", "why"),
    [
        (["show"], "", "cannot read: no such file"),
        (["check"], "", "cannot read: no such file"),
        (["stats"], "", "cannot read: no such file"),
        (["actors"], "", "cannot read: no such file"),
        (["show"], "data is a file", "cannot read: a part of the path is not a folder"),
        (["add", *ADD_ARGS], "", "cannot write: folder 'data' does not exist"),
        (["edit", "x", "--tag", "y"], "", "cannot write: folder 'data' does not exist"),
        (["edit", "x", "--tag", "y"], "data/", "cannot write: no such file"),
        (["rm", "x", "--yes"], "data/", "cannot write: no such file"),
        (["actors", "rename", "a", "b"], "data/", "cannot write: no such file"),
    ],
)
def test_a_first_run_in_another_folder_is_told_how_to_name_a_log(
    runner: CliRunner, in_tmp: Path, command: list[str], here: str, why: str
) -> None:
    """No -f, no $TIMELINE_FILE, and no data/events.jsonl here: the error is the one a named
    log would get, then how to name a log; nothing is made."""
    if here == "data/":
        (in_tmp / "data").mkdir()
    elif here:
        (in_tmp / "data").write_text("")
    result = invoke(runner, command)
    assert (result.exit_code, result.stderr) == (2, f"timeline: data/events.jsonl: {why}{_HINT}\n")
    assert sorted(p.name for p in in_tmp.rglob("*")) == (["data"] if here else [])
    named = invoke(runner, [*command, "-f", "data/events.jsonl"])
    assert named.stderr == f"timeline: data/events.jsonl: {why}\n"


def test_add_missing_type_lists_the_types_on_one_line(runner: CliRunner, log_copy: Path) -> None:
    """A missing choice flag: click lists the choices a line each, tab-indented, which a
    message shows as '\\x0a\\x09' escapes; one line of words, as every message is."""
    args = [a for a in ADD_ARGS if a not in {"--type", "threaten"}]
    result = invoke(runner, ["add", "-f", str(log_copy), *args])
    assert result.exit_code == 2
    assert result.stderr == (
        "timeline add: Missing option '--type' / '-t'. Choose from: "
        + ", ".join(t.value for t in EventType)
        + " (see 'timeline add --help')\n"
    )
    typed = invoke(runner, ["add", "-f", str(log_copy), *args, "--type", "ag  ree"])
    assert "'ag  ree' is not a choice" in typed.stderr  # a value typed keeps its own spaces


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--title", "clear\x1b[2Jscreen", "--title: contains the control character \\x1b"),
        ("--title", "rev\u202eersed", "--title: contains the control character \\u202e"),
        ("--actor", "bel\x07arus", "--actor: contains the control character \\x07"),
    ],
)
def test_add_refuses_control_characters(
    runner: CliRunner, log_copy: Path, option: str, value: str, expected: str
) -> None:
    """Control and bidi characters in flags are refused, named visibly, never echoed raw."""
    before = log_copy.read_bytes()
    args = ["add", "-f", str(log_copy), *ADD_ARGS, option, value]
    result = invoke(runner, args)
    _assert_refused_unchanged(result, log_copy, before)
    assert result.stderr == f"timeline: {expected}\n"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--type", "bogus"], "'assault'"),
        (["--status", "rumour"], "'disputed'"),
        (["--date", "05/06/2024"], "could be 6 May 2024 or 5 June 2024"),
        (["--date", "2024-08-27", "--end", "2024-08-01"], "before"),
        (["--country", "Belarus"], "--country"),
        (["--lat", "95"], "--lat"),
        (["--lat", "north"], "'north' is not a number."),
        (["--lat", "50"], "--lat, --lon: a point needs both"),  # half a point: on no map
        (["--lon", "30"], "--lat, --lon: a point needs both"),
        (["--type", "accusation"], "'accusation' is not a choice: did you mean 'accuse'?"),
    ],
)
def test_add_bad_values_leave_the_log_untouched(
    runner: CliRunner, log_copy: Path, extra: list[str], expected: str
) -> None:
    """Every bad value is refused with exit 2, a one-line reason, and the log untouched."""
    before = log_copy.read_bytes()
    result = invoke(runner, ["add", "-f", str(log_copy), *ADD_ARGS, *extra])
    _assert_refused_unchanged(result, log_copy, before)
    assert expected in result.stderr


def test_add_and_edit_name_a_repeated_value_once(runner: CliRunner, log_copy: Path) -> None:
    """A flag given twice with one value, spelled alike or two ways that normalise to one,
    stores it once; edit too."""
    args = [*ADD_ARGS, "--target", "Ukraine", "--tag", "border", "--tag", "border", "--json"]
    result = invoke(runner, ["add", "-f", str(log_copy), *args])
    assert result.exit_code == 0, result.stderr
    stored = json.loads(result.stdout)
    assert (stored["targets"], stored["tags"]) == (["ukraine"], ["border"])
    edit = ["edit", "-f", str(log_copy), stored["id"], "--json", "--new-actor"]
    edited = invoke(runner, [*edit, "--actor", "Belarus MoD", "--actor", "belarus-mod"])
    assert edited.exit_code == 0, edited.stderr
    assert json.loads(edited.stdout)["actors"] == ["belarus-mod"]


def test_add_needs_a_source(runner: CliRunner, log_copy: Path) -> None:
    """An event without --source or --source-title is refused."""
    before = log_copy.read_bytes()
    args = [a for a in ADD_ARGS if a not in {"--source", "https://example.org/a"}]
    result = invoke(runner, ["add", "-f", str(log_copy), *args])
    _assert_refused_unchanged(result, log_copy, before)
    assert "--source" in result.stderr


def test_add_into_a_missing_folder_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    """add does not create folders."""
    log = tmp_path / "nowhere" / "events.jsonl"
    result = invoke(runner, ["add", "-f", str(log), *ADD_ARGS])
    assert_one_line_error(result)
    assert not log.parent.exists()


def test_add_to_a_read_only_log_is_refused(runner: CliRunner, log_copy: Path) -> None:
    """A read-only log is not written, whoever runs the tool."""
    before = log_copy.read_bytes()
    log_copy.chmod(0o444)
    try:
        result = invoke(runner, ["add", "-f", str(log_copy), *ADD_ARGS])
    finally:
        log_copy.chmod(0o644)
    _assert_refused_unchanged(result, log_copy, before)


# ---------------------------------------------------------------------------- import


def test_import_json_lines_from_a_file(
    runner: CliRunner, log_copy: Path, tmp_path: Path, event_data: EventData
) -> None:
    """JSON Lines are validated and appended in canonical form; their ids are printed."""
    new = [event_line(event_data, id="n1"), event_line(event_data, id="n2", title="Второе")]
    source = tmp_path / "new.jsonl"
    source.write_text("\n".join(json.dumps(json.loads(line)) for line in new) + "\n")
    before = log_copy.read_bytes()
    result = invoke(runner, ["import", str(source), "-f", str(log_copy)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "n1\nn2\n"
    assert "imported 2 events" in result.stderr
    assert log_copy.read_bytes() == before + ("\n".join(new) + "\n").encode("utf-8")


def test_import_skips_blank_lines(
    runner: CliRunner, log_copy: Path, tmp_path: Path, event_data: EventData
) -> None:
    """Blank lines in JSON Lines input are skipped, as show skips them in a log."""
    source = tmp_path / "new.jsonl"
    one, two = event_line(event_data, id="b1"), event_line(event_data, id="b2")
    source.write_text(f"\n{one}\n\n{two}\n\n", encoding="utf-8")
    before = log_copy.read_bytes()
    result = invoke(runner, ["import", str(source), "-f", str(log_copy)])
    assert result.exit_code == 0, result.stderr
    assert log_copy.read_bytes() == before + f"{one}\n{two}\n".encode()


@pytest.mark.parametrize("data", ["", "\n\n", "[]", " [ ]\n"])
def test_import_of_no_events_makes_no_log(runner: CliRunner, tmp_path: Path, data: str) -> None:
    """An empty input (a file, blank lines, an empty array) imports nothing, says so, and
    leaves a log that did not exist not made (an empty file would be made for nothing)."""
    source, log = tmp_path / "empty.jsonl", tmp_path / "new" / "events.jsonl"
    source.write_text(data, encoding="utf-8")
    log.parent.mkdir()
    result = invoke(runner, ["import", str(source), "-f", str(log)])
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"timeline: {source} holds no events: nothing imported\n"
    assert not log.exists()


def test_import_skipping_every_line_makes_no_log(runner: CliRunner, tmp_path: Path) -> None:
    """--skip-invalid on an input whose every line has a problem: each is named, nothing is
    imported (exit 1), and no empty log is made."""
    source, log = tmp_path / "bad.jsonl", tmp_path / "events.jsonl"
    source.write_text('{"bad": 1}\ngarbage\n', encoding="utf-8")
    result = invoke(runner, ["import", str(source), "-f", str(log), "--skip-invalid"])
    assert (result.exit_code, result.stdout) == (1, "")
    told = result.stderr.splitlines()
    assert told[-2] == f"{source}:2: not valid JSON: Expecting value (column 1)"
    assert told[-1] == "timeline: nothing imported; skipped 2 lines with problems"
    assert not log.exists()


def test_import_a_pretty_json_array_from_a_file(
    runner: CliRunner, log_copy: Path, tmp_path: Path, event_data: EventData
) -> None:
    """One JSON array, pretty-printed over many lines, imports like JSON Lines."""
    objs = [event_data(id="a1"), event_data(id="a2", actors=["Ukraine MFA"])]
    source = tmp_path / "new.json"
    source.write_text(json.dumps(objs, indent=2), encoding="utf-8")
    before = log_copy.read_bytes()
    result = invoke(runner, ["import", str(source), "-f", str(log_copy)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "a1\na2\n"
    added = log_copy.read_bytes()[len(before) :].decode("utf-8").splitlines()
    assert added == [canonical_json(Event.model_validate(obj)) for obj in objs]
    assert json.loads(added[1])["actors"] == ["ukraine-mfa"]


@pytest.mark.parametrize("args", [["import", "-"], ["import"]])
def test_import_from_stdin(
    runner: CliRunner, log_copy: Path, event_data: EventData, args: list[str]
) -> None:
    """'-' (the default) reads standard input, as JSON Lines or as one array."""
    lines = event_line(event_data, id="s1") + "\n"
    array = json.dumps([event_data(id="s2")])
    for text, new_id in ((lines, "s1"), (array, "s2")):
        result = invoke(runner, [*args, "-f", str(log_copy)], input=text)
        assert result.exit_code == 0, result.stderr
        assert result.stdout == f"{new_id}\n"
        assert json.loads(file_lines(log_copy)[-1])["id"] == new_id


def test_import_show_json_round_trip(runner: CliRunner, log_copy: Path, tmp_path: Path) -> None:
    """show --json piped into import reproduces the events in a new log, line for line."""
    shown = invoke(runner, ["show", "-f", str(log_copy), "--json"])
    target = tmp_path / "copy.jsonl"
    result = invoke(runner, ["import", "-", "-f", str(target)], input=shown.stdout)
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8") == shown.stdout


def test_import_is_all_or_nothing(runner: CliRunner, log_copy: Path, event_data: EventData) -> None:
    """One invalid line: nothing is appended, and each error names '<stdin>:LINE: field'."""
    good = event_line(event_data, id="ok")
    bad = json.dumps(event_data(id="bad", date="2024-13-01"))
    before = log_copy.read_bytes()
    result = invoke(runner, ["import", "-f", str(log_copy)], input=f"{good}\n{bad}\n")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert log_copy.read_bytes() == before
    lines = result.stderr.splitlines()
    assert lines[0] == "<stdin>:2: date: '2024-13-01' is not a valid date"
    assert lines[-1].startswith("timeline: nothing imported")
    assert len(lines) == 2
    assert "Traceback" not in result.stderr


def test_a_refused_import_names_every_problem_of_the_input(
    runner: CliRunner, log_copy: Path, event_data: EventData
) -> None:
    """An invalid line does not hide the others' ids that the log holds already, or their
    answers to events in neither: every problem is said, in line order (whichever reading
    found it), and nothing imported."""
    taken = json.loads(file_lines(log_copy)[0])["id"]
    lines = [
        event_line(event_data, id=taken),
        json.dumps(event_data(id="bad", date="2024-13-01")),
        event_line(event_data, id="lost", responds_to=["nowhere"]),
    ]
    before = log_copy.read_bytes()
    result = invoke(runner, ["import", "-f", str(log_copy)], input="\n".join(lines) + "\n")
    assert result.exit_code == 2
    assert log_copy.read_bytes() == before
    assert result.stderr.splitlines() == [
        f"<stdin>:1: id: '{taken}' exists already ({log_copy}:1)",
        "<stdin>:2: date: '2024-13-01' is not a valid date",
        f"<stdin>:3: responds_to: no event with id 'nowhere' in {log_copy} or the input",
        "timeline: nothing imported: 3 lines with problems in <stdin>",
    ]


@pytest.mark.parametrize("layout", ["lines", "array"])
def test_an_answer_to_an_invalid_line_of_the_input_names_that_line(
    runner: CliRunner, log_copy: Path, event_data: EventData, layout: str
) -> None:
    """An event that answers one the input holds on an invalid line is not said to answer an
    event in neither the log nor the input: the answered line is named."""
    events = [
        event_data(id="answer", type="reject", responds_to=["claim"]),
        event_data(id="claim", status="claimd"),
    ]
    text = (
        json.dumps(events, indent=2)
        if layout == "array"
        else "".join(json.dumps(event) + "\n" for event in events)
    )
    result = invoke(runner, ["import", "--skip-invalid", "-f", str(log_copy)], input=text)
    assert result.exit_code == 1
    starts = [number for number, line in enumerate(text.splitlines(), 1) if line == "  {"]
    claim_line = starts[1] if layout == "array" else 2
    answer_line = 2 if layout == "array" else 1
    assert (
        f"<stdin>:{answer_line}: responds_to: 'claim' is not imported: line {claim_line} has a "
        "problem" in result.stderr.splitlines()
    )


def test_a_refused_import_keeps_drop_missing_links(
    runner: CliRunner, log_copy: Path, event_data: EventData
) -> None:
    """With --drop-missing-links, an answer to an event in neither the log nor the input is not
    one of the problems that refuse the import: only the invalid line is."""
    lines = [
        event_line(event_data, id="lost", responds_to=["nowhere"]),
        json.dumps(event_data(id="bad", date="2024-13-01")),
    ]
    args = ["import", "--drop-missing-links", "-f", str(log_copy)]
    result = invoke(runner, args, input="\n".join(lines) + "\n")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "<stdin>:2: date: '2024-13-01' is not a valid date",
        "timeline: nothing imported: 1 line with problems in <stdin>",
    ]


def test_a_refused_import_counts_lines_not_problems(
    runner: CliRunner, log_copy: Path, event_data: EventData
) -> None:
    """The summary counts the lines with problems, as --skip-invalid's does: a line whose id is
    taken and whose two answers are missing is one line, and so is an array of two bad events
    on one line (before 7 December: 3 and 2)."""
    taken = event_line(event_data, id="taken", responds_to=["nope1", "nope2"])
    invoke(runner, ["import", "-f", str(log_copy)], input=event_line(event_data, id="taken") + "\n")
    result = invoke(runner, ["import", "-f", str(log_copy)], input=taken + "\n")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 4  # three problems on line 1, then the summary
    assert result.stderr.splitlines()[-1] == (
        "timeline: nothing imported: 1 line with problems in <stdin>"
    )
    bad = [event_data(id=f"u{n}", date=f"2024-13-0{n}") for n in (1, 2)]
    result = invoke(runner, ["import", "-f", str(log_copy)], input=json.dumps(bad) + "\n")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "timeline: nothing imported: 1 line with problems in <stdin>"
    )


@pytest.mark.parametrize("command", ["show", "check", "stats"])
def test_a_git_spec_too_long_for_a_path_is_a_one_line_error(
    runner: CliRunner, command: str
) -> None:
    """`-f HEAD:QQQ…` (a name longer than a file's may be) is read as git's, and git's refusal
    is one line: never an internal error."""
    spec = "HEAD:" + "Q" * 300
    result = invoke(runner, [command, "-f", spec])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"timeline: {spec}: cannot ")
    assert result.stderr.count("\n") == 1
    assert "internal error" not in result.stderr


def test_import_invalid_element_of_an_array_names_its_line(
    runner: CliRunner, log_copy: Path, event_data: EventData
) -> None:
    """In a pretty-printed array, the error names the line where the bad element starts."""
    text = json.dumps([event_data(id="ok"), event_data(id="bad", type="bogus")], indent=2)
    start = text.splitlines().index("  {", 2) + 1
    before = log_copy.read_bytes()
    result = invoke(runner, ["import", "-f", str(log_copy)], input=text)
    assert result.exit_code == 2
    assert log_copy.read_bytes() == before
    assert result.stderr.splitlines()[0].startswith(f"<stdin>:{start}: type: ")


def test_import_refuses_an_id_already_in_the_log(
    runner: CliRunner, log_copy: Path, event_data: EventData
) -> None:
    """An imported id that the log has: nothing appended, the error names the id and line."""
    before = log_copy.read_bytes()
    text = event_line(event_data, id="fresh") + "\n" + event_line(event_data, id=CLAIM_ID) + "\n"
    result = invoke(runner, ["import", "-f", str(log_copy)], input=text)
    assert result.exit_code == 2
    assert log_copy.read_bytes() == before
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"<stdin>:2: id: '{CLAIM_ID}' exists already")


def test_import_refuses_an_id_twice_in_the_input(
    runner: CliRunner, log_copy: Path, event_data: EventData
) -> None:
    """The same id twice in the input is an error on the second line."""
    before = log_copy.read_bytes()
    line = event_line(event_data, id="twice")
    result = invoke(runner, ["import", "-f", str(log_copy)], input=f"{line}\n{line}\n")
    assert result.exit_code == 2
    assert log_copy.read_bytes() == before
    assert result.stderr.splitlines()[0].startswith("<stdin>:2: id: 'twice'")


def test_import_of_a_missing_file(runner: CliRunner, log_copy: Path, tmp_path: Path) -> None:
    """A missing input file is a one-line error and leaves the log alone."""
    before = log_copy.read_bytes()
    result = invoke(runner, ["import", str(tmp_path / "none.jsonl"), "-f", str(log_copy)])
    _assert_refused_unchanged(result, log_copy, before)


# ---------------------------------------------------------------------- fixed bugs (regressions)


def _surrogate_log(path: Path, event_data: EventData) -> None:
    bad = json.dumps(event_data(id="bad", title="x\ud800y"))  # ensure_ascii: '\\ud800'
    good = event_line(event_data, id="good")
    path.write_text(f"{bad}\n{good}\n", encoding="utf-8")


def test_show_survives_a_lone_surrogate_escape(
    runner: CliRunner, in_tmp: Path, event_data: EventData
) -> None:
    """A line whose text cannot be written as UTF-8 is a warning; the other events are shown."""
    _surrogate_log(in_tmp / "events.jsonl", event_data)
    result = invoke(runner, ["show", "-f", "events.jsonl", "--json"])
    assert result.exit_code == 0, result.exception
    assert result.stderr.startswith("events.jsonl:1: ")
    assert [e["id"] for e in parsed(result.stdout.splitlines())] == ["good"]


def test_import_refuses_a_lone_surrogate_escape(
    runner: CliRunner, log_copy: Path, tmp_path: Path, event_data: EventData
) -> None:
    """import names the bad line and appends nothing, instead of crashing while writing."""
    source = tmp_path / "in.jsonl"
    _surrogate_log(source, event_data)
    before = log_copy.read_bytes()
    result = invoke(runner, ["import", str(source), "-f", str(log_copy)])
    assert result.exit_code == 2, result.exception
    assert result.stderr.startswith(f"{source}:1: title: ")
    assert log_copy.read_bytes() == before


def test_add_refuses_text_that_is_not_utf8(runner: CliRunner, log_copy: Path) -> None:
    """A title from a non-UTF-8 terminal ('\\udcff' after surrogateescape) is refused cleanly."""
    before = log_copy.read_bytes()
    args = ["add", "-f", str(log_copy), *ADD_ARGS, "--title", "bad\udcff"]
    result = invoke(runner, args)
    assert result.exit_code == 2, result.exception
    assert result.stderr.count("\n") == 1
    assert log_copy.read_bytes() == before


def test_add_empty_tag_names_the_tag_flag(runner: CliRunner, log_copy: Path) -> None:
    """Errors name the flag the user typed: '--tag', not the field name 'tags'."""
    before = log_copy.read_bytes()
    result = invoke(runner, ["add", "-f", str(log_copy), *ADD_ARGS, "--tag", "x", "--tag", ""])
    _assert_refused_unchanged(result, log_copy, before)
    assert result.stderr == "timeline: --tag: must not be empty\n"


def test_no_arguments_shows_readable_help(runner: CliRunner) -> None:
    """Bare 'timeline' shows the usage as normal multi-line text, not an escaped error line."""
    result = invoke(runner, [])
    output = result.stdout + result.stderr
    assert result.exit_code in (0, 2)
    assert "\\x0a" not in output
    assert any(line.startswith("Usage: timeline") for line in output.splitlines())
    assert "Traceback" not in output


# ---------------------------------------------------------------------------- schema, version, help


def test_schema_describes_every_field(runner: CliRunner) -> None:
    """schema prints valid JSON Schema whose properties are exactly the Event fields."""
    result = invoke(runner, ["schema"])
    assert result.exit_code == 0, result.stderr
    schema = json.loads(result.stdout)
    assert list(schema["properties"]) == list(Event.model_fields)
    assert set(schema["required"]) == {"id", "date", "title", "type", "actors", "sources"}
    assert schema["additionalProperties"] is False


_SCHEMA_BASE: dict[str, Any] = {
    "id": "e-1",
    "date": "2024-08-26",
    "title": "Belarus moves troops",
    "type": "mobilize",
    "actors": ["belarus"],
    "sources": [{"url": "https://example.org/a"}],
}


@pytest.mark.parametrize(
    ("change", "valid"),
    [
        ({}, True),
        ({"location": {"country": "blr", "lat": 51}}, True),  # upper-cased on reading
        ({"title": ""}, False),
        ({"title": "two\nlines"}, False),
        ({"title": "   "}, False),
        ({"summary": ""}, False),
        ({"id": "-starts-like-an-option"}, False),
        ({"id": "has space"}, False),
        ({"id": "quote's-$100-(ok)"}, True),
        ({"responds_to": ["not an id"]}, False),
        ({"location": {"country": "zz"}}, False),
        ({"location": {"lat": True}}, False),
        ({"sources": [{}]}, False),
        ({"sources": [{"publisher": "AP"}]}, False),
        ({"sources": [{"title": "Brief"}]}, True),
        ({"tags": [""]}, False),
        ({"date": "2024-08-26", "extra": {"any": ["thing", 1]}}, True),
    ],
)
def test_the_published_schema_agrees_with_the_validator(
    runner: CliRunner, change: dict[str, Any], valid: bool
) -> None:
    """A tool that validates with `timeline schema` accepts and refuses what the model does
    (for the rules of one field; rules between fields are in its description)."""
    import jsonschema
    from pydantic import ValidationError

    schema = json.loads(invoke(runner, ["schema"]).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    obj = {**_SCHEMA_BASE, **change}
    schema_ok = jsonschema.Draft202012Validator(schema).is_valid(obj)
    try:
        Event.model_validate(obj)
        model_ok = True
    except ValidationError:
        model_ok = False
    assert (schema_ok, model_ok) == (valid, valid)


def test_version(runner: CliRunner) -> None:
    """--version prints 'timeline X.Y.Z' on stdout and exits 0."""
    result = invoke(runner, ["--version"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"timeline {__version__}\n", "")


def test_python_dash_m_timeline() -> None:
    """'python -m timeline --version' runs the same CLI in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "timeline", "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"timeline {__version__}\n", "")


COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_core_commands_exist() -> None:
    """show, add, import and schema are all registered."""
    assert {"show", "add", "import", "schema"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(runner: CliRunner, command: str) -> None:
    """Each command's --help exits 0 and shows at least one example."""
    result = invoke(runner, [command, "--help"])
    assert result.exit_code == 0, result.stderr
    assert "Example" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("command", ["rm", "edit", "diff", "import"])
def test_help_names_arguments_without_python_types(runner: CliRunner, command: str) -> None:
    """An argument's --help line shows its name (ID, OLD), not a Python type (<list[str]>)."""
    result = invoke(runner, [command, "--help"])
    assert result.exit_code == 0
    arguments = result.stdout.split("Arguments:")[1].split("Options:")[0]
    assert arguments.strip()
    assert "<" not in arguments and "[str]" not in arguments, arguments


def test_unknown_command_is_a_usage_error(runner: CliRunner) -> None:
    """A mistyped command exits 2 with one line on stderr."""
    result = invoke(runner, ["shwo"])
    assert_one_line_error(result)
    assert "shwo" in result.stderr


def test_an_internal_error_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """A bug that raises an unexpected exception ends in one line on stderr and exit 2;
    TIMELINE_TRACEBACK=1 shows the traceback for a developer."""
    import os
    import subprocess
    import sys

    script = (
        "import timeline.selection as q, timeline.cli as cli\n"
        "def boom(*a, **k):\n"
        "    raise RuntimeError('boom')\n"
        "q.order = boom\n"
        "import sys; sys.argv = ['timeline', 'show', '-f', sys.argv[1]]\n"
        "cli.main()\n"
    )
    log = tmp_path / "events.jsonl"
    log.write_bytes((Path(__file__).resolve().parents[2] / "data" / "events.jsonl").read_bytes())
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    env.pop("TIMELINE_TRACEBACK", None)
    done = subprocess.run(
        [sys.executable, "-c", script, str(log)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "timeline: internal error (RuntimeError: boom); please report it, "
        "with TIMELINE_TRACEBACK=1 set for the details"
    ]
    debug = subprocess.run(
        [sys.executable, "-c", script, str(log)],
        capture_output=True,
        text=True,
        env={**env, "TIMELINE_TRACEBACK": "1"},
        check=False,
    )
    assert "Traceback" in debug.stderr


def test_a_reader_that_goes_away_is_not_an_error(tmp_path: Path) -> None:
    """`timeline show | head -1`: the closed pipe ends the command quietly with status 0,
    not 1 ("found something") and not a traceback."""
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    lines = (repo / "data" / "events.jsonl").read_text().splitlines()
    log = tmp_path / "events.jsonl"
    log.write_text("\n".join(lines * 400) + "\n")  # well over a pipe's buffer
    env = {**os.environ, "PYTHONPATH": str(repo / "src")}
    for args in (["show"], ["show", "--json"]):
        proc = subprocess.Popen(
            [sys.executable, "-m", "timeline", *args, "-f", str(log)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline()
        proc.stdout.close()
        stderr = proc.stderr.read()
        assert proc.wait(timeout=60) == 0
        assert b"Traceback" not in stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--limit", "x"], "Invalid value for '--limit' / '-n': 'x' is not a whole number."),
        (["-n", "-1"], "Invalid value for '--limit' / '-n': '-1' is less than 0."),
        (["-n", "2.5"], "'2.5' is not a whole number."),
        (["--type", "claim"], "Invalid value for '--type' / '-t': 'claim' is not one of 'agree'"),
        (["-t", "accuse", "-t", "nope"], "'nope' is not one of 'agree'"),
        (["--status", "rumour"], "'rumour' is not one of 'reported'"),
        (["--status", "claim"], "'claim' is not a choice: did you mean 'claimed'?"),
        (["--type", "mobilise"], "'mobilise' is not a choice: did you mean 'mobilize'?"),
        (["--format", "yaml"], "'yaml' is not one of 'auto', 'rich', 'plain', 'json', 'csv', "),
    ],
)
def test_bad_option_values_name_the_option_and_the_value(
    runner: CliRunner, args: list[str], expected: str
) -> None:
    """Option values are converted by cli.converters.PlainParam: a bad one is one usage line."""
    result = invoke(runner, ["show", *args])
    assert_one_line_error(result)
    assert result.stderr.startswith("timeline show: Invalid value for '-"), result.stderr
    assert expected in result.stderr


@pytest.mark.parametrize("option", ["--format", "--type", "--status", "--limit", "--since"])
def test_a_long_bad_value_is_quoted_short(runner: CliRunner, log_copy: Path, option: str) -> None:
    """A pasted paragraph given as an option's value: the message quotes its start, on a line
    a terminal shows whole."""
    result = invoke(runner, ["show", "-f", str(log_copy), option, "q" * 3000])
    assert_one_line_error(result)
    assert "'" + "q" * 40 in result.stderr
    assert len(result.stderr) < 400, result.stderr


def test_a_long_unknown_actor_is_quoted_short(runner: CliRunner, log_copy: Path) -> None:
    registry = BUNDLED_LOG.with_name("actors.toml")  # an actor is unknown only to a registry
    result = invoke(runner, ["show", "-f", str(log_copy), "--actors", str(registry),
                             "--actor", "q" * 3000])  # fmt: skip
    assert result.exit_code == 0
    assert result.stderr.startswith("timeline: --actor: '" + "q" * 40), result.stderr
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 200, result.stderr


def test_choices_are_taken_in_any_case(runner: CliRunner, log_copy: Path) -> None:
    """--type ACCUSE, --status Claimed and --format JSON are the documented lower-case words."""
    upper = invoke(runner, ["show", "-f", str(log_copy), "-t", "ACCUSE", "--status", "Claimed",
                            "--format", "JSON"])  # fmt: skip
    lower = invoke(runner, ["show", "-f", str(log_copy), "-t", "accuse", "--status", "claimed",
                            "--format", "json"])  # fmt: skip
    assert upper.exit_code == lower.exit_code == 0, upper.stderr
    assert upper.stdout == lower.stdout != ""


def test_option_values_arrive_converted(runner: CliRunner, log_copy: Path) -> None:
    """Repeated enum options give every value; a number limits; the format chooses."""
    result = invoke(
        runner,
        ["show", "-f", str(log_copy), "-t", "reject", "-t", "accuse", "-n", "3", "--format", "csv"],
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3
    assert {row["type"] for row in rows} <= {"reject", "accuse"}
    assert {row["type"] for row in rows} == {"reject", "accuse"}


def test_showing_the_bundled_log_does_not_import_pydantic() -> None:
    """Canonical lines take the msgspec fast path, and options are converted without pydantic
    (typer alone would build a pydantic adapter per option): about 80 ms saved per run."""
    code = (
        "import sys\n"
        "from timeline.cli import main\n"
        "sys.argv = ['timeline', 'show', '-f', 'data/events.jsonl', '-t', 'reject', '-n', '5']\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        "sys.stderr.write(' '.join(sorted(m for m in sys.modules if m.startswith('pydantic'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert "reject" in done.stdout
    assert done.stderr == ""


_INSTALLED_SCRIPT = (
    "from importlib.metadata import entry_points; "
    "(script,) = entry_points(group='console_scripts', name='timeline'); script.load()()"
)


@pytest.mark.parametrize(
    "command", [["-m", "timeline"], ["-c", _INSTALLED_SCRIPT]], ids=["python -m", "script"]
)
def test_a_ctrl_c_while_the_command_loads_is_one_line(command: list[str], tmp_path: Path) -> None:
    """A Ctrl-C in the tenth of a second the command line's modules take to load (typer's, here
    a stand-in that is interrupted as it loads) says so in one line, exit 130: it printed a
    traceback, before the command's own handling was in place."""
    (tmp_path / "typer.py").write_text("raise KeyboardInterrupt\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO / "src")])}
    done = subprocess.run(
        [sys.executable, *command, "--version"], capture_output=True, text=True, env=env,
        cwd=tmp_path,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (130, "timeline: interrupted\n")
    assert done.stdout == ""


def test_the_entry_point_catches_ctrl_c_before_it_imports_anything_slow() -> None:
    """Importing the entry point loads no module beyond Python's start-up ones before its
    handler is in place: importing typing (and re) there took ~10 ms, in which a Ctrl-C
    printed a traceback (5 of 60 runs interrupted at 25-34 ms; 0 of 60 without it)."""
    code = "import sys, timeline.__main__; print(sorted({'typing', 're'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


# ---------------------------------------------------------------------------- broken output

needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")


def _python_env(*, unbuffered: bool) -> dict[str, str]:
    """This environment, with Python's standard streams unbuffered (PYTHONUNBUFFERED, as in
    many containers, and on the machine these tests were written on) or not."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return {**env, "PYTHONUNBUFFERED": "1"} if unbuffered else env


@pytest.fixture(params=[True, False], ids=["PYTHONUNBUFFERED", "buffered"])
def unbuffered(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def _timeline(
    args: Sequence[str], *, shell_redirect: str, cwd: Path, unbuffered: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run `python -m timeline ARGS` with a shell redirection (e.g. '>/dev/full', '>&-')."""
    script = f'exec "$0" -m timeline "$@" {shell_redirect}'
    return subprocess.run(
        ["sh", "-c", script, sys.executable, *args], capture_output=True, text=True, cwd=cwd,
        env=_python_env(unbuffered=unbuffered),
    )  # fmt: skip


@needs_dev_full
@pytest.mark.parametrize(
    "args", [["show"], ["show", "--json"], ["show", "--format", "csv"], ["check"], ["--help"]]
)
def test_a_full_disk_on_stdout_is_one_line_and_exit_2(
    args: list[str], unbuffered: bool, log_copy: Path, tmp_path: Path
) -> None:
    """Output that cannot be written is an error of its own, not an 'internal error'."""
    done = _timeline([*args, *(["-f", str(log_copy)] if args[0] != "--help" else [])],
                     shell_redirect=">/dev/full", cwd=tmp_path, unbuffered=unbuffered)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == "timeline: cannot write to standard output: no space left on device\n"


def _file_size_limit(size: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


@pytest.mark.parametrize("fmt", ["ics", "rich", "json"])
def test_output_cut_short_by_a_file_size_limit_is_an_error(
    fmt: str, unbuffered: bool, log_copy: Path, tmp_path: Path
) -> None:
    """A write that the disk or a size limit cuts short (the first bytes written, then an
    error) is exit 2 and one line, in every format, also where Python's standard output has no
    buffer (PYTHONUNBUFFERED, common in containers): there the rest was dropped, exit 0."""
    out = tmp_path / "out"
    with out.open("wb") as fh:
        done = subprocess.run(
            [sys.executable, "-m", "timeline", "show", "-f", str(log_copy), "--format", fmt],
            stdout=fh, stderr=subprocess.PIPE, text=True, env=_python_env(unbuffered=unbuffered),
            cwd=tmp_path,
            preexec_fn=_file_size_limit(4096),
        )  # fmt: skip
    assert (done.returncode, done.stderr) == (
        2, "timeline: cannot write to standard output: file too large\n"
    )  # fmt: skip
    assert out.stat().st_size == 4096


@pytest.mark.parametrize("fmt", ["markdown", "html", "timelinejs", "acled", "csv"])
def test_a_file_size_limit_met_by_the_readers_spool_is_one_line(
    fmt: str, log_copy: Path, tmp_path: Path
) -> None:
    """The readers of a log set the lines or pieces they render aside in a temporary file
    (Markdown's entries, the page's articles, TimelineJS's slides, ACLED's and CSV's rows): a
    size limit met there is exit 2 and one line that names the folder, before any output is
    written."""
    out = tmp_path / "out"
    with out.open("wb") as fh:
        done = subprocess.run(
            [sys.executable, "-m", "timeline", "show", "-f", str(log_copy), "--format", fmt],
            stdout=fh, stderr=subprocess.PIPE, text=True, env=_python_env(unbuffered=False),
            cwd=tmp_path, preexec_fn=_file_size_limit(4096),
        )  # fmt: skip
    folder = tempfile.gettempdir()
    assert (done.returncode, done.stderr) == (
        2, f"timeline: cannot write a temporary file in {folder}: file too large\n"
    )  # fmt: skip
    assert out.stat().st_size == 0


@pytest.mark.parametrize("args", [["show"], ["show", "--actor", "belarus"], ["check"]])
def test_standard_input_that_cannot_be_read_is_one_line(args: list[str], tmp_path: Path) -> None:
    """Standard input open for writing only: copying it for the readers fails in one line,
    exit 2."""
    done = _timeline([*args, "-f", "-"], shell_redirect="0>stdin.txt", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (
        2, "timeline: <stdin>: cannot read: bad file descriptor\n"
    )  # fmt: skip


# `show --json` with its lines written by forked writers, a piece of two lines each, as a
# large log's are (tests/test_written_lines.py compares the bytes)
_FORKED_WRITERS = (
    "import sys; from timeline import selection; from timeline.log import parallel; "
    "parallel.MIN_BYTES = 0; parallel.workers = lambda: 2; selection.PIECE_LINES = 2; "
    "from timeline.cli import main; sys.argv[0] = 'timeline'; main()"
)


@needs_dev_full
@pytest.mark.slow  # forks writers
def test_forked_writers_on_a_full_disk_say_so_in_one_line(log_copy: Path, tmp_path: Path) -> None:
    """Exit 2 and the one line of a failed write, whichever writer meets it."""
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-c", _FORKED_WRITERS, "show", "--json", "-f", str(log_copy)],
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        )  # fmt: skip
    assert (done.returncode, done.stderr) == (
        2, "timeline: cannot write to standard output: no space left on device\n"
    )  # fmt: skip


@pytest.mark.slow  # forks writers
def test_forked_writers_end_quietly_when_the_reader_is_gone(log_copy: Path, tmp_path: Path) -> None:
    """`timeline show --json | head`: the reader has gone (its end of the pipe is closed before
    the command starts), exit 0 and nothing on stderr."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _FORKED_WRITERS, "show", "--json", "-f", str(log_copy)],
            stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.parametrize(
    "args",
    [["show", "--format", "rich"], ["show", "--format", "plain"], ["show", "--format", "html"],
     ["stats", "--format", "rich"], ["actors"]],
)  # fmt: skip
def test_every_view_ends_quietly_when_the_reader_is_gone(
    args: list[str], unbuffered: bool, log_copy: Path, tmp_path: Path
) -> None:
    """The reader of the pipe has gone before the command writes: exit 0 and nothing said, in
    every view (rich's own console exited with status 1, which says "found something")."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "timeline", *args, "-f", str(log_copy)],
            stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
            env=_python_env(unbuffered=unbuffered),
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, "")


@needs_dev_full
def test_a_change_whose_output_fails_says_that_it_was_made(
    unbuffered: bool, log_copy: Path, tmp_path: Path
) -> None:
    """`add` appends, then cannot print the id: the error says the event was added (and as
    what), so that nobody adds it twice."""
    before = file_lines(log_copy)
    add = ["add", "-f", str(log_copy), "--date", "2024-08-26", "--type", "threaten", "--actor",
           "belarus", "--title", "Warning", "--source", "https://example.org/w"]  # fmt: skip
    done = _timeline(add, shell_redirect=">/dev/full", cwd=tmp_path, unbuffered=unbuffered)
    after = file_lines(log_copy)
    assert len(after) == len(before) + 1
    new_id = json.loads(after[-1])["id"]
    assert done.returncode == 2
    assert done.stderr == (
        f"timeline: added {new_id} to {log_copy}, but cannot write to standard output: "
        "no space left on device\n"
    )


def test_a_closed_stdout_is_refused_before_any_change(log_copy: Path, tmp_path: Path) -> None:
    before = log_copy.read_bytes()
    add = ["add", "-f", str(log_copy), "--date", "2024-08-26", "--type", "threaten", "--actor",
           "belarus", "--title", "Warning", "--source", "https://example.org/w"]  # fmt: skip
    for args in (["show", "-f", str(log_copy)], add):
        done = _timeline(args, shell_redirect=">&-", cwd=tmp_path)
        assert done.returncode == 2
        assert done.stderr == "timeline: cannot write to standard output: it is closed\n"
    assert log_copy.read_bytes() == before


@needs_dev_full
def test_a_full_stderr_loses_the_warnings_not_the_output(
    unbuffered: bool, log_copy: Path, tmp_path: Path
) -> None:
    """Warnings about a bad line cannot be written: the events are still shown, exit 0 (with
    a buffered stderr, the warning left in its buffer made Python's exit fail: status 120)."""
    with log_copy.open("a") as fh:
        fh.write("not json\n")
    done = _timeline(["show", "-f", str(log_copy), "--json"], shell_redirect="2>/dev/full",
                     cwd=tmp_path, unbuffered=unbuffered)  # fmt: skip
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == len(file_lines(log_copy)) - 1


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["show", "--id", "a\udcff"], "--id"),
        (["show", "--actor", "belarus\udcff"], "--actor"),
        (["show", "--text", "troops\udcff"], "--text"),
        (["diff", "LOG", "LOG", "--tag", "x\udcff"], "--tag"),
        (["edit", "a\udcff", "--tag", "x"], "ID"),
        (["rm", "a\udcff", "--yes"], "ID"),
        (["actors", "rename", "a\udcff", "b"], "OLD"),
        (["actors", "rename", "belarus", "b\udcff"], "NEW"),
    ],
)
def test_arguments_that_are_not_utf8_are_refused(
    runner: CliRunner, log_copy: Path, args: list[str], flag: str
) -> None:
    """A byte that is not UTF-8 (kept by Python as a lone surrogate) is a one-line input error,
    never an internal error and never silently dropped."""
    if args[0] == "diff":
        args = [str(log_copy) if arg == "LOG" else arg for arg in args]
    else:
        args = [*args, "-f", str(log_copy)]
    before = log_copy.read_bytes()
    result = invoke(runner, args)
    assert_one_line_error(result)
    assert result.stderr == f"timeline: {flag}: not valid UTF-8 text\n"
    assert log_copy.read_bytes() == before


def test_a_bad_actor_id_names_the_flag_that_gave_it(runner: CliRunner, log_copy: Path) -> None:
    result = invoke(runner, ["show", "-f", str(log_copy), "--target", "!"])
    assert_one_line_error(result)
    assert result.stderr.startswith("timeline: --target: '!' is not an actor id")


# ---------------------------------------------------------------------------- dates not yet come


def _with_date(day: str) -> list[str]:
    at = ADD_ARGS.index("--date") + 1
    return [*ADD_ARGS[:at], day, *ADD_ARGS[at + 1 :]]


def test_add_refuses_a_date_that_check_would_report(runner: CliRunner, log_copy: Path) -> None:
    """`add` does not write what `check` calls an error: an event dated after today (--as-of)."""
    before = log_copy.read_bytes()
    result = invoke(runner, ["add", "-f", str(log_copy), *_with_date("2099-01-01")])
    assert_one_line_error(result)
    assert result.stderr == f"timeline: --date: 2099-01-01 is after {date.today()} (--as-of)\n"
    assert log_copy.read_bytes() == before
    later = ["add", "-f", str(log_copy), *_with_date("2099-01-01"), "--as-of", "2099-06-01"]
    assert invoke(runner, later).exit_code == 0
    checked = invoke(runner, ["check", "-f", str(log_copy), "--as-of", "2099-06-01"])
    assert checked.exit_code == 0, checked.stdout


def test_edit_refuses_moving_an_event_to_a_date_not_yet_come(
    runner: CliRunner, log_copy: Path
) -> None:
    before = log_copy.read_bytes()
    result = invoke(runner, ["edit", "-f", str(log_copy), CLAIM_ID, "--date", "2099-01-01"])
    assert_one_line_error(result)
    assert result.stderr == f"timeline: --date: 2099-01-01 is after {date.today()} (--as-of)\n"
    assert log_copy.read_bytes() == before
    moved = ["edit", "-f", str(log_copy), CLAIM_ID, "--date", "2024-08-17"]
    assert invoke(runner, moved).exit_code == 0


def test_import_refuses_events_dated_after_today(
    runner: CliRunner, log_copy: Path, tmp_path: Path, event_data: EventData
) -> None:
    before = log_copy.read_bytes()
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        event_line(event_data, id="soon-1", date="2024-08-01")
        + "\n"
        + event_line(event_data, id="soon-2", date="2099-01-01")
        + "\n"
    )
    result = invoke(runner, ["import", str(batch), "-f", str(log_copy)])
    assert result.exit_code == 2
    assert f"{batch}:2: date: 2099-01-01 is after {date.today()} (--as-of)" in result.stderr
    assert log_copy.read_bytes() == before
    later = invoke(runner, ["import", str(batch), "-f", str(log_copy), "--as-of", "2099-01-01"])
    assert later.exit_code == 0, later.stderr
    assert len(file_lines(log_copy)) == len(before.splitlines()) + 2


def test_import_from_a_terminal_says_what_it_wants(log_copy: Path, tmp_path: Path) -> None:
    """With no PATH and a terminal on stdin, import does not wait for typed JSON."""
    import pty

    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "timeline", "import", "-f", str(log_copy)],
            stdin=follower, capture_output=True, text=True, timeout=30, cwd=tmp_path,
        )  # fmt: skip
    finally:
        os.close(leader)
        os.close(follower)
    assert done.returncode == 2
    assert done.stderr == "timeline: import: give a PATH, or pipe events into standard input\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", *_with_date("2024-08-26"), "--title", ""], "--title: must not be empty"),
        (["add", *_with_date("2024-08-26"), "--title", "  "], "--title: must not be empty"),
        (["edit", CLAIM_ID, "--title", ""], "--title: must not be empty"),
        (["show", "--json", "--format", "csv"], "--json and --format csv: give only one of them"),
    ],
)
def test_conflicting_or_empty_values_say_what_is_wrong(
    runner: CliRunner, log_copy: Path, args: list[str], message: str
) -> None:
    before = log_copy.read_bytes()
    result = invoke(runner, [*args, "-f", str(log_copy)])
    assert_one_line_error(result)
    assert result.stderr == f"timeline: {message}\n"
    assert log_copy.read_bytes() == before


def test_import_refuses_a_response_to_an_unknown_event(
    runner: CliRunner, log_copy: Path, tmp_path: Path, event_data: EventData
) -> None:
    """`responds_to` must name an event of the log or of the input, as `add` requires: else
    nothing is imported (check would call the log invalid)."""
    before = log_copy.read_bytes()
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        event_line(event_data, id="a-1", date="2024-08-01")
        + "\n"
        + event_line(event_data, id="a-2", date="2024-08-02", responds_to=["a-1", CLAIM_ID])
        + "\n"
        + event_line(event_data, id="a-3", date="2024-08-03", responds_to=["nowhere"])
        + "\n"
    )
    result = invoke(runner, ["import", str(batch), "-f", str(log_copy)])
    assert result.exit_code == 2
    assert (
        f"{batch}:3: responds_to: no event with id 'nowhere' in {log_copy} or the input"
        in result.stderr.splitlines()
    )
    assert log_copy.read_bytes() == before
    batch.write_text("\n".join(batch.read_text().splitlines()[:2]) + "\n")
    assert invoke(runner, ["import", str(batch), "-f", str(log_copy)]).exit_code == 0


def test_import_of_a_json_array_after_a_byte_order_mark(
    runner: CliRunner, log_copy: Path, tmp_path: Path, event_data: EventData
) -> None:
    batch = tmp_path / "batch.json"
    array = "[" + event_line(event_data, id="bom-1", date="2024-08-01") + "]\n"
    batch.write_bytes(b"\xef\xbb\xbf" + array.encode())
    result = invoke(runner, ["import", str(batch), "-f", str(log_copy)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(file_lines(log_copy)[-1])["id"] == "bom-1"


def test_edit_that_breaks_a_rule_between_fields_names_the_flag(
    runner: CliRunner, log_copy: Path
) -> None:
    """Moving an event's date past its end: the rule reports the end, which this edit did not
    give (it is the event's own), so it is named as the field, with the flag that changes it;
    an --end given that breaks the rule is named as the flag."""
    ended = ["edit", "-f", str(log_copy), CLAIM_ID, "--end", "2024-08-20"]
    assert invoke(runner, ended).exit_code == 0
    before = log_copy.read_bytes()
    result = invoke(runner, ["edit", "-f", str(log_copy), CLAIM_ID, "--date", "2024-08-25"])
    assert_one_line_error(result)
    assert result.stderr == (
        "timeline: end: 2024-08-20 is before the date 2024-08-25 (as the event has it: give "
        "--end too)\n"
    )
    both = ["edit", "-f", str(log_copy), CLAIM_ID, "--date", "2024-08-25", "--end", "2024-08-21"]
    result = invoke(runner, both)
    assert result.stderr == "timeline: --end: 2024-08-21 is before the date 2024-08-25\n"
    assert log_copy.read_bytes() == before


def test_edit_of_an_invalid_line_says_to_fix_it_by_hand(runner: CliRunner, log_copy: Path) -> None:
    """The line of the id holds no valid event: edit cannot apply its flags to it, and says
    so on the error's one line, the log untouched."""
    embassy = "2022-03-01-belarus-evacuates-kyiv-embassy"
    text = log_copy.read_text(encoding="utf-8")
    broken = next(line for line in text.splitlines() if line.startswith(f'{{"id":"{embassy}"'))
    log_copy.write_text(text.replace(broken, broken.replace('"type":"', '"type":"x')), "utf-8")
    before = log_copy.read_bytes()
    result = invoke(runner, ["edit", "-f", str(log_copy), embassy, "--type", "support"])
    assert_one_line_error(result)
    assert result.stderr.startswith(f"{log_copy}:")
    assert result.stderr.endswith("(edit changes a valid event: fix this by hand)\n")
    assert log_copy.read_bytes() == before


@pytest.mark.parametrize("command", ["edit", "rm"])
def test_an_id_on_a_line_that_is_no_json_is_named_with_its_line(
    runner: CliRunner, log_copy: Path, command: str
) -> None:
    """The id's line is no JSON at all (a comma too many): it cannot be edited or removed by
    id, and the error says which line names it; nor by a start of the id, which names it too
    (with --yes, only whole ids are removed)."""
    embassy = "2022-03-01-belarus-evacuates-kyiv-embassy"
    text = log_copy.read_text(encoding="utf-8")
    lines = text.splitlines()
    number = next(n for n, line in enumerate(lines, 1) if line.startswith(f'{{"id":"{embassy}"'))
    lines[number - 1] = lines[number - 1][:-1] + ",}"
    log_copy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = log_copy.read_bytes()
    flags = ["--type", "support"] if command == "edit" else ["--yes"]
    whole = invoke(runner, [command, "-f", str(log_copy), embassy, *flags])
    assert_one_line_error(whole)
    assert whole.stderr == (
        f"timeline: {log_copy}: no event with id {embassy!r} (line {number} names it but is "
        "not valid JSON: fix it by hand)\n"
    )
    start = invoke(runner, [command, "-f", str(log_copy), embassy[:20], *flags])
    assert_one_line_error(start)
    assert start.stderr == (
        f"timeline: {log_copy}: {embassy[:20]!r} starts only {embassy!r}, on line {number}, "
        "which is not valid JSON: fix it by hand\n"
        if command == "edit"
        else f"timeline: {log_copy}: no event with id {embassy[:20]!r}, only ids that start "
        f"with it ({embassy}): --yes removes only events named by their whole id\n"
    )
    assert log_copy.read_bytes() == before


def test_edit_to_the_values_held_says_nothing_changed(runner: CliRunner, log_copy: Path) -> None:
    """An edit that changes nothing leaves the log's bytes, prints the id as any edit does (a
    script reads it), and says on stderr that nothing changed, rather than seeming to work."""
    before = log_copy.read_bytes()
    result = invoke(runner, ["edit", "-f", str(log_copy), CLAIM_ID, "--status", "claimed"])
    assert (result.exit_code, result.stdout) == (0, CLAIM_ID + "\n")
    assert result.stderr == f"timeline: {CLAIM_ID}: unchanged (it holds these values already)\n"
    assert log_copy.read_bytes() == before


@needs_dev_full
def test_edit_to_the_values_held_with_a_full_stdout_says_it_left_the_event(
    log_copy: Path, tmp_path: Path
) -> None:
    """Its id cannot be printed: the error says the event was left as it was, not changed."""
    done = _timeline(["edit", "-f", str(log_copy), CLAIM_ID, "--status", "claimed"],
                     shell_redirect=">/dev/full", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        f"timeline: left {CLAIM_ID} unchanged in {log_copy}, but cannot write to standard "
        "output: no space left on device"
    )


def test_edit_empties_a_list_with_one_empty_value(runner: CliRunner, log_copy: Path) -> None:
    """'--tag ""' empties tags (as '--summary ""' clears the summary); a required list
    (actors, sources) cannot be emptied."""
    refutation = "2024-08-01-ukraine-refutes-120000-troops-claim"
    args = ["edit", "-f", str(log_copy), refutation, "--json"]
    result = invoke(runner, [*args, "--target", "", "--tag", "", "--responds-to", ""])
    assert result.exit_code == 0, result.stderr
    stored = json.loads(result.stdout)
    assert (stored["targets"], stored["tags"], stored["responds_to"]) == ([], [], [])
    assert stored in [json.loads(x) for x in file_lines(log_copy)]
    for flag in ("--actor", "--source"):
        refused = invoke(runner, [*args, flag, ""])
        assert_one_line_error(refused)
        assert refused.stderr == f"timeline: {flag}: must not be empty\n"


def test_import_of_a_cut_short_json_array_says_nothing_was_imported(
    runner: CliRunner, log_copy: Path, tmp_path: Path, event_data: EventData
) -> None:
    before = log_copy.read_bytes()
    batch = tmp_path / "cut.json"
    batch.write_text("[\n" + event_line(event_data, id="cut-1") + ",\n")
    result = invoke(runner, ["import", str(batch), "-f", str(log_copy)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{batch}:3: not valid JSON")
    assert lines[-1] == f"timeline: nothing imported: 1 line with problems in {batch}"
    assert log_copy.read_bytes() == before


def test_edit_clears_coordinates_with_empty_values(runner: CliRunner, log_copy: Path) -> None:
    """'--lat ""' clears a coordinate as '' clears other fields; a location left with nothing
    is removed."""
    denial = "2024-08-26-ukraine-denies-hostile-actions-against-belarusians"
    args = ["edit", "-f", str(log_copy), denial, "--json"]
    placed = invoke(runner, [*args, "--location", "Minsk", "--lat", "53.9", "--lon", "27.56"])
    assert json.loads(placed.stdout)["location"] == {
        "name": "Minsk", "country": None, "lat": 53.9, "lon": 27.56
    }  # fmt: skip
    cleared = invoke(runner, [*args, "--lat", "", "--lon", ""])
    assert json.loads(cleared.stdout)["location"] == {
        "name": "Minsk", "country": None, "lat": None, "lon": None
    }  # fmt: skip
    gone = invoke(runner, [*args, "--location", ""])
    assert json.loads(gone.stdout)["location"] is None
    refused = invoke(runner, [*args, "--lon", "east"])
    assert_one_line_error(refused)
    assert refused.stderr == "timeline: --lon: 'east' is not a number.\n"
    invoke(runner, [*args, "--lat", "53.9", "--lon", "27.56"])
    before = log_copy.read_bytes()
    half = invoke(runner, [*args, "--lon", ""])  # a point needs both: clear both or neither
    assert_one_line_error(half)
    assert (
        half.stderr
        == "timeline: --lat, --lon: a point needs both (clear it with --lat '' --lon '')\n"
    )
    assert log_copy.read_bytes() == before


def test_check_names_a_file_whose_name_is_not_utf8_on_a_strict_terminal(tmp_path: Path) -> None:
    """A log named with a byte that is not UTF-8 is named with that byte escaped ('\\xff'),
    even where stdout refuses anything but UTF-8."""
    name = os.fsdecode(b"\xff.jsonl")
    log = tmp_path / name
    log.write_bytes((REPO / "data" / "events.jsonl").read_bytes() + b"not json\n")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "timeline", "check", "-f", name, "--json"],
        capture_output=True, cwd=tmp_path, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert b"internal error" not in done.stderr
    assert done.stderr.startswith(b"\\xff.jsonl: 1 error")
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records[-1]["line"] == 22


def test_a_huge_columns_value_is_capped(runner: CliRunner, log_copy: Path) -> None:
    """COLUMNS of 30 digits made rich overflow; a width past 1,000 is taken as 1,000."""
    for columns in ("9" * 30, "1000000"):
        result = invoke(
            runner, ["show", "-f", str(log_copy), "--format", "rich"], env={"COLUMNS": columns}
        )
        assert result.exit_code == 0, result.stderr
        assert max(len(line) for line in result.stdout.splitlines()) <= 1000


def test_rm_is_not_stopped_by_a_bad_line_whose_responds_to_holds_lists(
    runner: CliRunner, log_copy: Path
) -> None:
    with log_copy.open("a") as fh:
        fh.write('{"responds_to": [[], {}]}\n')
    independence = "1991-01-01-belarus-independence-from-soviet-union"
    result = invoke(runner, ["rm", "-f", str(log_copy), independence, "--yes"])
    assert result.exit_code == 0, result.stderr
    assert file_lines(log_copy)[-1] == '{"responds_to": [[], {}]}'


def test_rm_force_names_each_line_left_answering_a_removed_event(
    runner: CliRunner, log_copy: Path
) -> None:
    """--force removes an event others answer; every other line stays as it was, and each
    line left answering it is named by its number in the log as it is now, as check names
    it."""
    claim = "2024-08-18-lukashenko-claims-120000-ukrainian-troops"
    result = invoke(runner, ["rm", "-f", str(log_copy), claim, "--yes", "--force"])
    assert result.exit_code == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if "still responds" in line]
    checked = invoke(runner, ["check", "-f", str(log_copy), "--as-of", "2026-01-01"])
    dangling = [
        line for line in checked.stdout.splitlines() if claim in line and "no event" in line
    ]
    assert len(said) == len(dangling) == 2
    for note, problem in zip(said, dangling, strict=True):
        where = problem.split(": ")[0]  # LOG:LINE
        assert note == f"timeline: {where}: still responds to {claim!r}, removed (check reports it)"


def _in_git(folder: Path, log: Path, branch: str) -> str:
    """``log`` committed on ``branch`` of a new repository in ``folder``: its REV:PATH."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    for step in (["init", "-q", "-b", branch], ["add", "."], ["-c", "user.name=t", "-c",
                 "user.email=t@example.org", "commit", "-qm", "log"]):  # fmt: skip
        subprocess.run(["git", *step], cwd=folder, env=env, check=True, capture_output=True)
    return f"{branch}:{log.relative_to(folder)}"


@pytest.mark.parametrize("spec", ["path", "git"])
@pytest.mark.parametrize("fmt", ["markdown", "ics", "html", "timelinejs"])
def test_a_published_page_names_the_log_by_its_file_name_alone(
    runner: CliRunner, log_copy: Path, fmt: str, spec: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folders of the log's path, and a git revision's name, are the publisher's business
    (a home folder, a case's branch): a page names the file alone."""
    case = log_copy.parent / "janes-cases"
    case.mkdir()
    log = case / "source-ivanov.jsonl"
    log_copy.rename(log)
    given = str(log)
    if spec == "git":
        monkeypatch.chdir(log_copy.parent)
        given = _in_git(log_copy.parent, log, "janes-branch")
    result = invoke(runner, ["show", "-f", given, "--format", fmt])
    assert result.exit_code == 0, result.stderr
    page = re.sub(r"\r?\n ", "", result.stdout)  # iCalendar folds its long lines
    assert re.search(r"from (<bdi[^>]*>)?source\\?-ivanov\\?\.jsonl", page)
    assert "janes-" not in page


@pytest.mark.parametrize("fmt", ["markdown", "ics", "html"])
def test_a_published_page_says_when_limit_cut_its_selection(runner: CliRunner, fmt: str) -> None:
    """--limit keeps the latest N: a page that says where it came from says so, else a
    reader would take 3 of Belarus's 10 events for all of them."""
    args = ["show", "-f", str(BUNDLED_LOG), "--format", fmt, "--actor", "belarus"]
    cut = invoke(runner, [*args, "--limit", "3"])
    whole = invoke(runner, args)
    assert cut.exit_code == whole.exit_code == 0, cut.stderr
    unfolded = re.sub(r"\r?\n ", "", cut.stdout)  # iCalendar folds its long lines
    assert re.search(r"selection\\?: (<bdi[^>]*>)?actor belarus", unfolded)
    assert re.search(r"the latest 3", unfolded)
    assert "the latest" not in whole.stdout


@pytest.mark.parametrize("fmt", ["plain", "json", "rich", "csv"])
def test_show_by_an_id_s_start_names_the_ids_that_start_so(
    runner: CliRunner, log_copy: Path, fmt: str
) -> None:
    """`--id` keeps the id it names exactly; given alone, each id no event has (an id's start,
    which edit takes) is said on stderr, with the ids that start with it. Every id shown, or a
    filter beside --id, which may rightly keep none: nothing said."""
    base = ["show", "-f", str(log_copy), "--format", fmt]
    start = invoke(runner, [*base, "--id", CLAIM_ID[:15]])
    assert start.exit_code == 0
    assert start.stderr == (
        f"timeline: --id: no event has the id {CLAIM_ID[:15]!r}; 1 id starts with it: {CLAIM_ID}\n"
    )
    assert CLAIM_ID not in start.stdout
    none = invoke(runner, [*base, "--id", "nope"])
    assert (none.exit_code, none.stderr) == (0, "timeline: --id: no event has the id 'nope'\n")
    some = invoke(runner, [*base, "--id", "nope", "--id", CLAIM_ID, "--id", CLAIM_ID])
    assert (some.exit_code, some.stderr) == (0, "timeline: --id: no event has the id 'nope'\n")
    assert "Lukashenko claims Ukraine sent over 120,000 soldiers" in some.stdout
    every = invoke(runner, [*base, "--id", CLAIM_ID, "--id", CLAIM_ID])
    assert (every.exit_code, every.stderr) == (0, "")
    beside = invoke(runner, [*base, "--id", CLAIM_ID[:15], "--type", "accuse"])
    assert (beside.exit_code, beside.stderr) == (0, "")


@pytest.mark.parametrize("fmt", ["plain", "json", "csv", "geojson"])
def test_show_by_ids_alone_writes_what_the_fast_paths_write(
    runner: CliRunner, log_copy: Path, fmt: str
) -> None:
    """Ids alone are watched for whether any is shown (to say which no event has): what the
    view writes is what it writes unwatched (a filter beside them that keeps all)."""
    mapped = "2022-03-01-belarus-evacuates-kyiv-embassy"  # one with coordinates, for GeoJSON
    base = ["show", "-f", str(log_copy), "--format", fmt, "--id", CLAIM_ID, "--id", mapped]
    alone = invoke(runner, base)
    beside = invoke(runner, [*base, "--since", "0001-01-01"])
    assert (alone.exit_code, beside.exit_code) == (0, 0)
    assert alone.stdout == beside.stdout
    assert mapped in alone.stdout
