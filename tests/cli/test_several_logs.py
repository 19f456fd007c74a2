"""Several ``-f``: the reading commands read the logs as one, each warning naming its line's own
file; the writing commands refuse them (which log would they change?)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from conftest import CLAIM, REJECT, event_dict
from timeline.cli import app
from timeline.log import parallel
from timeline.model import Event, canonical_json

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "data" / "events.jsonl"
SPLIT_AT = 12  # the bundled log's claims on one side, the rejects that answer them on the other


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture
def halves(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The bundled log, whole and cut in two files, each with the actor registry beside it."""
    lines = BUNDLED.read_bytes().splitlines(keepends=True)
    whole = tmp_path / "whole" / "events.jsonl"
    first = tmp_path / "a" / "first.jsonl"
    second = tmp_path / "b" / "second.jsonl"
    for path, part in ((whole, lines), (first, lines[:SPLIT_AT]), (second, lines[SPLIT_AT:])):
        path.parent.mkdir()
        path.write_bytes(b"".join(part))
        shutil.copyfile(BUNDLED.with_name("actors.toml"), path.with_name("actors.toml"))
    return whole, first, second


@pytest.mark.parametrize(
    "args",
    [
        ["show", "--json"],
        ["show"],
        ["show", "--format", "rich", "--long"],
        ["show", "--format", "rich", "--long", "--actor", "belarus"],
        ["show", "--json", "--limit", "4", "--reverse"],
        ["show", "--format", "csv"],
        ["stats", "--by", "status", "--per", "year"],
        ["stats", "--by", "actor", "--json"],
        ["actors"],
        ["actors", "--involving", "ukraine", "--json"],
    ],
)
def test_two_halves_read_as_the_whole_log(halves: tuple[Path, Path, Path], args: list[str]) -> None:
    """Cut in two files, the log reads as it did whole: the same events in the same order, a
    claim in one file disputed by a reject in the other, the answered events named across."""
    whole, first, second = halves
    one = run(*args, "-f", str(whole))
    two = run(*args, "-f", str(first), "-f", str(second))
    assert one.exit_code == two.exit_code == 0, two.stderr
    assert two.stdout == one.stdout
    assert two.stderr == one.stderr.replace(str(whole), f"{first}, {second}")


def test_a_reject_in_one_file_disputes_a_claim_in_another(tmp_path: Path) -> None:
    """The claim is shown disputed and answered, the reject names it, stats counts it disputed."""
    claims, rejects = tmp_path / "claims.jsonl", tmp_path / "rejects.jsonl"
    claims.write_text(json.dumps(CLAIM) + "\n", encoding="utf-8")
    rejects.write_text(json.dumps(REJECT) + "\n", encoding="utf-8")
    both = ["-f", str(claims), "-f", str(rejects)]
    shown = run("show", "--format", "rich", "--long", *both)
    assert shown.exit_code == 0, shown.stderr
    assert "✖ disputed  ↩ answered" in shown.stdout
    assert "↪ answers Sun 18 Aug 2024: Lukashenko claims" in shown.stdout
    assert "◆ claimed" in run("show", "--format", "rich", "-f", str(claims)).stdout
    counted = run("stats", "--by", "status", *both)
    assert counted.stdout == "disputed\t1\nreported\t1\n"


def test_the_forked_reading_of_several_large_logs_is_the_serial_one(
    halves: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, first, second = halves
    args = ["-f", str(first), "-f", str(second)]
    serial = [run(*cmd, *args) for cmd in (["show", "--long"], ["show", "--json"], ["stats"])]
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    forked = [run(*cmd, *args) for cmd in (["show", "--long"], ["show", "--json"], ["stats"])]
    assert [r.stdout for r in forked] == [r.stdout for r in serial]
    assert all(r.exit_code == 0 for r in forked)


def test_check_of_several_large_logs_on_every_core_is_the_serial_one(
    halves: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second file repeats an id of the first and answers one that is nowhere: problems
    that only the files read as one can tell, found by workers that each read a range."""
    _, first, second = halves
    with second.open("a", encoding="utf-8") as log:
        log.write(first.read_text(encoding="utf-8").splitlines()[0] + "\n")
        log.write(json.dumps(event_dict(id="answer", responds_to=["nowhere"])) + "\n")
    args = ["check", "-f", str(first), "-f", str(second)]
    serial = run(*args)
    assert serial.exit_code == 1
    assert "is also the id on line 1 of" in serial.stdout
    assert "no event with id 'nowhere' in the logs" in serial.stdout
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    forked = run(*args)
    assert (forked.exit_code, forked.stdout, forked.stderr) == (1, serial.stdout, serial.stderr)


def test_each_warning_names_its_lines_own_file(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(json.dumps(event_dict(id="a-1")) + "\n", encoding="utf-8")
    second.write_text(
        json.dumps(event_dict(id="b-1")) + "\n" + '{"id": "broken"}\n', encoding="utf-8"
    )
    for command in (["show"], ["show", "--json"], ["stats"], ["actors"]):
        result = run(*command, "-f", str(first), "-f", str(second))
        assert result.exit_code == 0, result.stderr
        assert f"{second}:2: date: required field is missing" in result.stderr, command
        assert f"{first}:" not in result.stderr
    strict = run("show", "--strict", "-f", str(first), "-f", str(second))
    assert strict.exit_code == 2
    assert strict.stderr.startswith(f"{second}:2: ")


def test_check_reads_the_logs_as_one(tmp_path: Path) -> None:
    """An id in two files is a duplicate, named with the other file; a response may answer an
    event of another file; each problem names its own file; the last line names them all."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    dup = json.dumps(event_dict(id="dup"))
    first.write_text(json.dumps(CLAIM) + "\n" + dup + "\n", encoding="utf-8")
    second.write_text(
        json.dumps(event_dict(id="other")) + "\n" + json.dumps(REJECT) + "\n"
        + dup,  # a duplicate, and a last line without a newline
        encoding="utf-8",
    )  # fmt: skip
    alone = run("check", "-f", str(second))
    assert f"{second}:2: responds_to: no event with id '{CLAIM['id']}' in the log" in alone.stdout
    result = run("check", "-f", str(first), "-f", str(second))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{first}:1: warning: status: 'claimed', but '{REJECT['id']}' (line 2 of {second}) "
        "rejects it: mark it 'disputed'?",
        f"{second}:3: id: 'dup' is also the id on line 2 of {first}",
        f"{second}:3: warning: last line has no newline (a write cut short?)",
    ]
    assert result.stderr == f"{first}, {second}: 1 error, 2 warnings\n"
    records = [json.loads(line) for line in run("check", "--json", "-f", str(first), "-f",
                                                 str(second)).stdout.splitlines()]  # fmt: skip
    assert [(r["file"], r["line"]) for r in records] == [
        (str(first), 1), (str(second), 3), (str(second), 3)
    ]  # fmt: skip


def test_an_id_in_two_files_is_shown_twice(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(json.dumps(event_dict(id="same", title="First")) + "\n", encoding="utf-8")
    second.write_text(json.dumps(event_dict(id="same", title="Second")) + "\n", encoding="utf-8")
    shown = run("show", "--json", "-f", str(first), "-f", str(second))
    assert [json.loads(line)["title"] for line in shown.stdout.splitlines()] == ["First", "Second"]
    swapped = run("show", "--json", "-f", str(second), "-f", str(first))  # ties: file order
    assert [json.loads(line)["title"] for line in swapped.stdout.splitlines()] == [
        "Second", "First"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("fmt", "keyed_by"),
    [("ics", "UID"), ("html", "anchor"), ("timelinejs", "unique_id"), ("plain", None)],
)
def test_a_published_id_on_two_events_is_warned_of(
    tmp_path: Path, fmt: str, keyed_by: str | None
) -> None:
    """A calendar, page or TimelineJS file made of two logs that share an id repeats its UID,
    anchor or unique_id: said on stderr (it was written without a word), exit 0; a view that
    keys nothing by the id says nothing."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(json.dumps(event_dict(id="same", title="First")) + "\n", encoding="utf-8")
    second.write_bytes(first.read_bytes() + BUNDLED.read_bytes())
    shown = run("show", "--format", fmt, "-f", str(first), "-f", str(second), "-o", "/dev/null")
    assert shown.exit_code == 0, shown.stderr
    expected = (
        "timeline: warning: the id 'same' is on 2 events shown: the output repeats its "
        f"{keyed_by}; 'timeline check' names their lines\n"
    )
    assert shown.stderr == (expected if keyed_by else "")
    alone = run("show", "--format", fmt, "-f", str(BUNDLED), "-o", "/dev/null")
    assert (alone.exit_code, alone.stderr) == (0, "")


def test_a_file_given_twice_is_read_once(tmp_path: Path) -> None:
    log = tmp_path / "a.jsonl"
    shutil.copyfile(BUNDLED, log)
    once = run("check", "-f", str(log))
    assert run("check", "-f", str(log), "-f", str(log)).stdout == once.stdout
    twice = run("show", "--json", "-f", str(log), "-f", str(log))
    assert twice.stdout == run("show", "--json", "-f", str(log)).stdout


def test_standard_input_is_read_beside_a_file(tmp_path: Path) -> None:
    """Any log a reading command takes, read as one with the others."""
    first = tmp_path / "a.jsonl"
    first.write_text(json.dumps(CLAIM) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["show", "--format", "rich", "--long", "-f", str(first), "-f", "-"],
        input=json.dumps(REJECT) + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "disputed" in result.stdout
    assert "↪ answers Sun 18 Aug 2024: Lukashenko claims" in result.stdout


def _line(**fields: Any) -> str:
    """An event's canonical line (the layout whose bytes the readers trust most)."""
    return canonical_json(Event.model_validate(event_dict(**fields))) + "\n"


_ANSWERED_VIEWS = {
    # a reject whose 'extra' holds an empty answer list: read as answering nothing
    "decoy": (
        _line(id="c1", date="2024-08-18", title="Claim", status="claimed")
        + _line(
            id="r1",
            date="2024-08-19",
            title="Denial",
            type="reject",
            actors=["ukraine"],
            responds_to=["c1"],
            extra={"responds_to": []},
        ),
        "[disputed]",
    ),
    # the event answered is one the filter leaves out: 'not in the log'
    "left out": (
        _line(id="c", date="2024-08-10", title="Kyiv statement", actors=["ukraine"])
        + _line(id="r", date="2024-08-12", title="Minsk answers", responds_to=["c"]),
        r"Answers: 10 August 2024\, Kyiv statement",
    ),
    # an id twice, its first line left out by the filter: the second named
    "first of two": (
        _line(id="x", date="2024-08-10", title="First X", actors=["ukraine"])
        + _line(id="x", date="2024-08-11", title="Second X")
        + _line(id="r", date="2024-08-12", title="Answer", responds_to=["x"]),
        r"Answers: 10 August 2024\, First X",
    ),
}


@pytest.mark.parametrize("case", list(_ANSWERED_VIEWS))
def test_standard_input_and_git_are_read_as_a_file_is(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A filtered view of a log on standard input or in git marks and names what the log says
    of its events as the file's view does: each of these was wrong there (a reject passed
    over, an answered event 'not in the log', the second of two lines with its id named)."""
    log, shown = _ANSWERED_VIEWS[case]
    (tmp_path / "events.jsonl").write_text(log, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    view = ["show", "--actor", "belarus", "--format"]
    as_file = run(*view, "plain", "-f", "events.jsonl").stdout
    brief = run(*view, "markdown", "-f", "events.jsonl").stdout
    assert shown in (as_file if shown == "[disputed]" else brief)
    piped = CliRunner().invoke(app, [*view, "plain", "-f", "-"], input=log)
    piped_brief = CliRunner().invoke(app, [*view, "markdown", "-f", "-"], input=log)
    assert (piped.stdout, _undated(piped_brief.stdout)) == (as_file, _undated(brief))
    if shutil.which("git") is not None:
        git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
        for step in (["init", "-q"], ["add", "events.jsonl"], ["commit", "-qm", "log"]):
            subprocess.run([*git, *step], check=True, cwd=tmp_path)
        from_git = run(*view, "plain", "-f", "HEAD:events.jsonl").stdout
        git_brief = run(*view, "markdown", "-f", "HEAD:events.jsonl").stdout
        assert (from_git, _undated(git_brief)) == (as_file, _undated(brief))


def _undated(brief: str) -> list[str]:
    """A brief's lines but the one that names its source and when it was made."""
    return [line for line in brief.splitlines() if not line.startswith("Generated ")]


def test_standard_input_names_what_another_log_answers_in_it(tmp_path: Path) -> None:
    """`-f - -f b.jsonl`: an answer in b.jsonl to an event on standard input names it, as
    when both are files (it said 'not in the log')."""
    claim = tmp_path / "a.jsonl"
    claim.write_text(_line(id="x", date="2024-08-10", title="The claim", actors=["ukraine"]))
    answer = tmp_path / "b.jsonl"
    answer.write_text(_line(id="r", date="2024-08-12", type="reject", responds_to=["x"]))
    view = ["show", "--format", "markdown"]
    files = run(*view, "-f", str(claim), "-f", str(answer))
    piped = CliRunner().invoke(app, [*view, "-f", "-", "-f", str(answer)], input=claim.read_text())
    assert r"Answers: 10 August 2024\, The claim" in files.stdout
    assert _undated(piped.stdout) == _undated(files.stdout)


WRITERS = [
    ["add", "--date", "2024-08-01", "--title", "T", "--type", "accuse", "-a", "belarus",
     "-s", "https://example.org/x"],
    ["edit", "2024-08-18-lukashenko", "--tag", "x"],
    ["rm", "2024-08-18-lukashenko", "--yes"],
    ["import", "IMPORT"],
    ["actors", "rename", "belarus", "belarus-republic"],
]  # fmt: skip


@pytest.mark.parametrize("args", WRITERS, ids=lambda a: a[0] if a[0] != "actors" else "rename")
def test_the_writing_commands_refuse_several_logs(tmp_path: Path, args: list[str]) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    shutil.copyfile(BUNDLED, first)
    new = tmp_path / "new.jsonl"
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps(event_dict(id="imported")) + "\n", encoding="utf-8")
    args = [str(batch) if a == "IMPORT" else a for a in args]
    result = run(*args, "-f", str(first), "-f", str(new))
    command = "actors rename" if args[0] == "actors" else args[0]
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"timeline: {command}: --file given 2 times: {command} changes one log "
        "(only the reading commands read several)\n"
    )
    assert first.read_bytes() == BUNDLED.read_bytes()
    assert not new.exists() and not second.exists()


def test_timeline_file_names_one_log_even_with_spaces(tmp_path: Path) -> None:
    """$TIMELINE_FILE is one path, never split (on spaces, or on ':' as git's REV:PATH has)."""
    log = tmp_path / "my logs" / "crisis log.jsonl"
    log.parent.mkdir()
    shutil.copyfile(BUNDLED, log)
    shown = run("show", "--json", env={"TIMELINE_FILE": str(log)})
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout == run("show", "--json", "-f", str(BUNDLED)).stdout
    added = run(*WRITERS[0], env={"TIMELINE_FILE": str(log)})
    assert added.exit_code == 0, added.stderr
    assert len(log.read_bytes().splitlines()) == len(BUNDLED.read_bytes().splitlines()) + 1


@pytest.mark.parametrize("args", [["show", "--json"], ["check", "--json"], ["stats", "--json"]])
def test_a_log_named_twice_under_other_spellings_is_read_once(
    halves: tuple[Path, Path, Path], args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same file given as a relative path, with './', absolute and through a link is one
    log: read once, not as two logs whose every id is repeated."""
    whole, _, _ = halves
    monkeypatch.chdir(whole.parent)
    (whole.parent / "link.jsonl").symlink_to(whole.name)
    once = run(*args, "-f", "events.jsonl")
    spellings = ["events.jsonl", "./events.jsonl", str(whole), "link.jsonl"]
    again = run(*args, *(arg for spelling in spellings for arg in ("-f", spelling)))
    assert (again.exit_code, again.stdout) == (once.exit_code, once.stdout)
    assert once.exit_code in (0, 1) and once.stdout
