"""Rough edges a new user meets in the first hour, each once there."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import event_dict, on_a_terminal
from timeline.cli import app

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "data" / "events.jsonl"


def test_edit_without_a_field_flag_changes_nothing_and_says_so(tmp_path: Path) -> None:
    """``edit ID`` alone is a usage error (exit 2), not a success that printed the id."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    first = BUNDLED.read_bytes().split(b'"', 4)[3].decode()
    result = CliRunner().invoke(app, ["edit", first, "-f", str(log)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        result.stderr == "timeline: edit: nothing to change: give a field flag such as --status\n"
    )
    assert log.read_bytes() == BUNDLED.read_bytes()


def test_a_failed_import_into_a_new_log_leaves_no_file(tmp_path: Path) -> None:
    """An import refused for a dangling reference, into a log that did not exist, leaves no
    empty log behind: a command that changes nothing leaves nothing."""
    line = (
        b'{"id":"a","date":"2024-08-26","title":"T","type":"reject","actors":["ukraine"],'
        b'"responds_to":["nowhere"],"sources":[{"url":"https://example.org/a"}]}\n'
    )
    log = tmp_path / "new.jsonl"
    result = CliRunner().invoke(app, ["import", "-", "-f", str(log)], input=line)
    assert result.exit_code == 2
    assert "no event with id 'nowhere'" in result.stderr
    assert not log.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_add_into_an_existing_empty_log_keeps_it(tmp_path: Path) -> None:
    """Only a log the command itself created is removed when it fails; an empty log a user
    made stays."""
    log = tmp_path / "empty.jsonl"
    log.write_bytes(b"")
    result = CliRunner().invoke(
        app,
        ["add", "-f", str(log), "--date", "2024-08-26", "--type", "reject", "--actor", "ukraine",
         "--title", "T", "--source", "https://example.org/a", "--responds-to", "nowhere"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert log.exists() and log.read_bytes() == b""


def test_a_source_without_a_scheme_is_refused(tmp_path: Path) -> None:
    """``--source e.org`` would be stored as a URL no browser opens: refused, with the fix."""
    log = tmp_path / "events.jsonl"
    args = ["add", "-f", str(log), "--date", "2024-08-26", "--type", "accuse", "--actor", "belarus",
            "--title", "T", "--source"]  # fmt: skip
    refused = CliRunner().invoke(app, [*args, "e.org"])
    assert refused.exit_code == 2
    assert refused.stderr == (
        "timeline: --source: 'e.org' is not a URL: give it with its scheme, as 'https://e.org'\n"
    )
    assert not log.exists()
    refused = CliRunner().invoke(app, [*args, "not a url"])  # no address to add a scheme to
    assert refused.stderr == (
        "timeline: --source: 'not a url' is not a URL: give a web address (https://…), or name "
        "the source with --source-title\n"
    )
    assert CliRunner().invoke(app, [*args, "https://e.org"]).exit_code == 0


def test_text_finds_a_tag(tmp_path: Path) -> None:
    """``--text Gomel`` finds an event tagged 'gomel' whose title does not say it."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(
        b'{"id":"a","date":"2024-08-26","title":"Troops massed","type":"accuse",'
        b'"actors":["ukraine"],"sources":[{"url":"https://example.org/a"}],"tags":["gomel"]}\n'
    )
    result = CliRunner().invoke(app, ["show", "-f", str(log), "--text", "Gomel", "--json"])
    assert result.exit_code == 0
    assert '"id":"a"' in result.stdout


FOREIGN_IDS = [
    "2022-03-15--putin's-graduate-education-in-leningrad",
    "1984-01-01--drexel-burnham-lambert-raises-$100-million-blind-p",
    '2001-09-01--the-"quoted"-(and),commas',
    "2024-08-26--лукашенко-(minsk)",
]


def _foreign_log(path: Path) -> bytes:
    """A log of events whose ids have the shapes of a real public dataset's."""
    import json

    lines = []
    for n, event_id in enumerate(FOREIGN_IDS):
        event = {"id": event_id, "date": f"2024-08-{n + 10}", "title": f"Event {n}",
                 "type": "accuse", "actors": ["belarus"],
                 "sources": [{"url": f"https://example.org/{n}"}]}  # fmt: skip
        if n:
            event["responds_to"] = [FOREIGN_IDS[n - 1]]
        lines.append(json.dumps(event, ensure_ascii=False))  # another program's layout
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(data)
    return data


def test_ids_from_another_system_work_in_every_command(tmp_path: Path) -> None:
    """Ids with quotes, '$', parentheses, commas and Cyrillic are imported, found by --id (on
    the fast path and off it), edited, diffed and removed."""
    import json

    runner = CliRunner()
    source = tmp_path / "export.jsonl"
    _foreign_log(source)
    log = tmp_path / "events.jsonl"
    imported = runner.invoke(app, ["import", str(source), "-f", str(log)])
    assert imported.exit_code == 0, imported.stderr
    assert imported.stdout.splitlines() == FOREIGN_IDS
    for spec in (log, source):  # canonical lines, and json.dumps' layout
        for event_id in FOREIGN_IDS:
            shown = runner.invoke(app, ["show", "--id", event_id, "--json", "-f", str(spec)])
            assert shown.exit_code == 0, shown.stderr
            assert [json.loads(line)["id"] for line in shown.stdout.splitlines()] == [event_id]
    checked = runner.invoke(app, ["check", "-f", str(log), "--as-of", "2026-01-01"])
    assert (checked.exit_code, checked.stdout) == (0, "")
    before = log.read_bytes()
    edited = runner.invoke(app, ["edit", FOREIGN_IDS[2], "--tag", "seen", "-f", str(log)])
    assert edited.exit_code == 0, edited.stderr
    old = tmp_path / "old.jsonl"
    old.write_bytes(before)
    diffed = runner.invoke(app, ["diff", str(old), str(log), "--json"])
    assert diffed.exit_code == 1
    assert [json.loads(line)["id"] for line in diffed.stdout.splitlines()] == [FOREIGN_IDS[2]]
    removed = runner.invoke(app, ["rm", FOREIGN_IDS[3], "--yes", "-f", str(log)])
    assert removed.exit_code == 0, removed.stderr
    assert removed.stdout.splitlines() == [FOREIGN_IDS[3]]


def _event(event_id: str, **fields: object) -> str:
    """One valid event as another program would write it (``json.dumps`` defaults)."""
    import json

    return json.dumps(event_dict(id=event_id, title=f"Event {event_id}", **fields))


def test_skip_invalid_imports_the_valid_events_and_names_the_rest(tmp_path: Path) -> None:
    """--skip-invalid: the valid events land, each other line is named with its problem, an
    event that answers a skipped one is skipped too, and the exit status is 1."""
    lines = [
        _event("good-1"),
        "not json",
        _event("bad-date", date="someday"),
        _event("good-2", responds_to=["good-1"]),
        _event("good-1"),  # a repeat
        _event("answers-nothing", responds_to=["missing"]),
        _event("answers-the-skipped", responds_to=["answers-nothing"]),
        _event("good-3"),
    ]
    log = tmp_path / "events.jsonl"
    result = CliRunner().invoke(
        app, ["import", "-", "-f", str(log), "--skip-invalid", "--as-of", "2026-01-01"],
        input="\n".join(lines) + "\n",
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    assert result.stdout.splitlines() == ["good-1", "good-2", "good-3"]
    named = [line.split(":")[1] for line in result.stderr.splitlines()[:-1]]
    assert named == ["2", "3", "5", "6", "7"]
    assert result.stderr.splitlines()[-1] == (
        f"timeline: imported 3 events into {log}; skipped 5 lines with problems"
    )
    shown = CliRunner().invoke(app, ["show", "--json", "-f", str(log)])
    assert len(shown.stdout.splitlines()) == 3


def test_skip_invalid_with_drop_missing_links_says_why_in_line_order(tmp_path: Path) -> None:
    """Both flags: an answer to an event whose input line has a problem is dropped, and the
    note says that line, not that the event is nowhere; notes and problems come in line order."""
    log = tmp_path / "events.jsonl"
    bad_type = _event("k3").replace('"accuse"', '"zzz"')
    lines = [
        _event("k1"), "junk", _event("k2", responds_to=["k3"]), bad_type,
        _event("k4", responds_to=["k2"]), _event("k5", responds_to=["nowhere"]),
    ]  # fmt: skip
    result = CliRunner().invoke(
        app,
        ["import", "-", "-f", str(log), "--skip-invalid", "--drop-missing-links"],
        input="\n".join(lines) + "\n",
    )
    assert result.exit_code == 1, result.stderr
    assert result.stdout == "k1\nk2\nk4\nk5\n"
    told = result.stderr.splitlines()
    assert [line.split(":")[1] for line in told[:-1]] == ["2", "3", "4", "6"]
    assert told[1] == "<stdin>:3: responds_to: dropped 'k3': line 4 has a problem"
    assert told[3] == f"<stdin>:6: responds_to: dropped 'nowhere': not in {log} or the input"


def test_the_readme_recipe_copies_one_actors_events(tmp_path: Path) -> None:
    """'show --actor ukraine --json | import - -f ukr.jsonl' fails on the links it leaves
    behind; with --drop-missing-links it imports every event and says what it dropped."""
    runner = CliRunner()
    selection = runner.invoke(app, ["show", "--actor", "ukraine", "--json", "-f", str(BUNDLED)])
    assert selection.exit_code == 0 and selection.stdout
    new = tmp_path / "ukr.jsonl"
    refused = runner.invoke(app, ["import", "-", "-f", str(new)], input=selection.stdout)
    assert refused.exit_code == 2
    assert "responds_to" in refused.stderr
    assert not new.exists()
    copied = runner.invoke(
        app, ["import", "-", "-f", str(new), "--drop-missing-links"], input=selection.stdout
    )
    assert copied.exit_code == 0, copied.stderr
    assert copied.stdout.count("\n") == selection.stdout.count("\n")
    notes = [line for line in copied.stderr.splitlines() if "dropped" in line]
    assert notes and all(": responds_to: dropped '" in note for note in notes)
    checked = runner.invoke(app, ["check", "-f", str(new), "--as-of", "2026-01-01"])
    assert checked.exit_code == 0, checked.stdout


def test_an_option_without_its_value_points_to_its_commands_help() -> None:
    """``show --since`` with nothing after it: the usage line names ``timeline show --help``."""
    result = CliRunner().invoke(app, ["show", "--since"])
    assert result.exit_code == 2
    assert result.stderr == (
        "timeline show: Option '--since' requires an argument. (see 'timeline show --help')\n"
    )


def test_show_finds_the_answered_event_outside_the_selection() -> None:
    """``show --actor ukraine``: Ukraine's rejection names Lukashenko's claim, which the filter
    left out, by its date and title (read in a second pass by id)."""
    result = CliRunner().invoke(
        app, ["show", "--actor", "ukraine", "--format", "rich", "-f", str(BUNDLED)],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert (
        "↪ answers Sun 18 Aug 2024: Lukashenko claims Ukraine sent over 120,000 soldiers"
        in result.stdout
    )


def test_edit_and_rm_take_a_unique_start_of_an_id(tmp_path: Path) -> None:
    """Ids are long: the start of exactly one id names it; a start several ids share is
    refused, naming them; a whole id wins over a longer one it starts."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    runner = CliRunner()
    edited = runner.invoke(app, ["edit", "2024-08-18-luka", "--tag", "x", "-f", str(log)])
    assert edited.exit_code == 0, edited.stderr
    assert edited.stdout == "2024-08-18-lukashenko-claims-120000-ukrainian-troops\n"
    ambiguous = runner.invoke(app, ["edit", "2024-08-19-belarus", "--tag", "x", "-f", str(log)])
    assert ambiguous.exit_code == 2
    assert ambiguous.stderr == (
        f"timeline: {log}: '2024-08-19-belarus' starts 2 ids "
        "(2024-08-19-belarus-deploys-planes-air-defence-arsenal, "
        "2024-08-19-belarus-moves-third-of-forces-to-border): give more of it\n"
    )
    before = log.read_bytes()
    unasked = runner.invoke(
        app, ["rm", "2024-08-19-belarus-dep", "--yes", "--force", "-f", str(log)]
    )
    assert unasked.exit_code == 2
    assert unasked.stderr == (
        f"timeline: {log}: no event with id '2024-08-19-belarus-dep', only ids that start with "
        "it (2024-08-19-belarus-deploys-planes-air-defence-arsenal): --yes removes only events "
        "named by their whole id\n"
    )
    assert log.read_bytes() == before
    short = tmp_path / "short.jsonl"
    short.write_bytes(_event("a").encode() + b"\n" + _event("ab").encode() + b"\n")
    exact = runner.invoke(app, ["edit", "a", "--tag", "x", "--json", "-f", str(short)])
    assert exact.exit_code == 0, exact.stderr
    assert exact.stdout.startswith('{"id":"a",')


def test_a_start_never_names_an_id_that_a_broken_line_or_nothing_holds(tmp_path: Path) -> None:
    """An id typed whole is no start of a longer one: when a line that is not valid JSON holds
    it, or the event is gone, ``rm`` and ``edit`` say so and touch nothing (``imp-1`` removed
    ``imp-10``); an empty id names no event (it removed the log's only one)."""
    log = tmp_path / "events.jsonl"
    lines = [_event("imp-10"), _event("x10"), '{"id":"x1", broken']
    log.write_text("".join(line + "\n" for line in lines))
    before = log.read_bytes()
    runner = CliRunner()
    for command in (["rm", "x1", "--yes"], ["edit", "x1", "--tag", "t"]):
        broken = runner.invoke(app, [*command, "-f", str(log)])
        assert broken.exit_code == 2
        assert broken.stderr == (
            f"timeline: {log}: no event with id 'x1' (line 3 names it but is not valid JSON: "
            "fix it by hand)\n"
        )
    gone = runner.invoke(app, ["rm", "imp-1", "--yes", "-f", str(log)])
    assert gone.exit_code == 2 and "only ids that start with it (imp-10)" in gone.stderr
    start = runner.invoke(app, ["edit", "x", "--tag", "t", "-f", str(log)])  # x1 is taken
    assert start.stderr == f"timeline: {log}: 'x' starts 2 ids (x1, x10): give more of it\n"
    only = tmp_path / "only.jsonl"
    only.write_text(_event("only") + "\n")
    empty = runner.invoke(app, ["rm", "", "--yes", "-f", str(only)])
    assert (empty.exit_code, empty.stderr) == (2, "timeline: ID: an empty id names no event\n")
    assert only.read_text() == _event("only") + "\n"
    assert log.read_bytes() == before


def test_rm_writes_the_removed_ids_as_text(tmp_path: Path) -> None:
    """The ids ``rm`` prints come from the log: an escape sequence in a bad line's id reaches
    the terminal as text."""
    log = tmp_path / "events.jsonl"
    log.write_text('{"id":"zz\\u001b]0;pwn\\u0007","date":"bad"}\n')
    result = CliRunner().invoke(app, ["rm", "zz\x1b]0;pwn\x07", "--yes", "-f", str(log)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "zz\\x1b]0;pwn\\x07\n"
    assert log.read_text() == ""


def _show_on_a_terminal(
    tmp_path: Path, *args: str, pager: str, columns: str = "100", home: Path | None = None
) -> str:
    """Run ``timeline show ARGS`` with stdin and stdout on a pseudo-terminal and PAGER set."""
    import os
    import sys

    env = {**os.environ, "PAGER": pager, "PYTHONPATH": str(REPO / "src"), "COLUMNS": columns}
    if home is not None:
        env["HOME"] = str(home)
    argv = [sys.executable, "-m", "timeline", "show", "-f", str(BUNDLED), *args]
    status, shown = on_a_terminal(argv, env=env)
    assert status == 0, shown
    return shown


@pytest.mark.slow
def test_long_output_on_a_terminal_goes_through_the_pager(tmp_path: Path) -> None:
    """On a terminal, the timeline goes through $PAGER (as git's output does); --no-pager
    writes it straight to the terminal; PAGER='' or 'cat' means no pager."""
    paged = tmp_path / "paged.txt"
    shown = _show_on_a_terminal(tmp_path, pager=f"cat > {paged}")
    assert "Belarus becomes independent" in paged.read_text(encoding="utf-8")
    assert "Belarus becomes independent" not in shown
    paged.unlink()
    direct = _show_on_a_terminal(tmp_path, "--no-pager", pager=f"cat > {paged}")
    assert "Belarus becomes independent" in direct
    assert not paged.exists()
    assert "Belarus becomes independent" in _show_on_a_terminal(tmp_path, pager="")


@pytest.mark.slow
def test_a_pager_that_cannot_run_or_no_width_still_shows_the_timeline(tmp_path: Path) -> None:
    """A $PAGER whose command cannot be found or run: it is said, and the timeline is shown
    without it, once (not nothing, with exit status 0; a pager that runs and fails is the
    user's). COLUMNS=0 is no width: the view takes the usual 80 columns instead of printing
    nothing."""
    for pager in ("no-such-pager-here", str(tmp_path)):  # not found; a folder: not executable
        shown = _show_on_a_terminal(tmp_path, pager=pager)
        assert shown.count("Belarus becomes independent") == 1
        assert "$PAGER: cannot run" in shown
    shown = _show_on_a_terminal(tmp_path, pager="sh -c 'cat; exit 127'")  # ran, then failed
    assert shown.count("Belarus becomes independent") == 1
    assert "$PAGER" not in shown
    for pager, said in (
        ('"', "a quote is not closed in"),
        ("less 'unclosed", "a quote is not closed in"),
        ("LESS=R", "no command in"),
    ):  # nothing a shell could run
        shown = _show_on_a_terminal(tmp_path, pager=pager)
        assert shown.count("Belarus becomes independent") == 1, pager
        assert f"$PAGER: {said}" in shown
    for pager in ("cat; exit 3", "(cat)", "{ cat; }"):  # a shell's list or group: cat runs
        shown = _show_on_a_terminal(tmp_path, pager=pager)
        assert shown.count("Belarus becomes independent") == 1, pager
        assert "$PAGER" not in shown
    mine = tmp_path / "a=b" / "pg"  # an '=' in a path is no variable
    mine.parent.mkdir()
    mine.write_text("#!/bin/sh\necho EQPAGER-RAN\ncat > /dev/null\n", encoding="utf-8")
    mine.chmod(0o755)
    shown = _show_on_a_terminal(tmp_path, pager=str(mine))
    assert "EQPAGER-RAN" in shown and "$PAGER" not in shown
    mine = tmp_path / "bin" / "mypager"  # as the shell finds it: ~, $HOME, after exec
    mine.parent.mkdir()
    mine.write_text("#!/bin/sh\necho MYPAGER-RAN\ncat > /dev/null\n", encoding="utf-8")
    mine.chmod(0o755)
    for pager in ("~/bin/mypager", "$HOME/bin/mypager", "exec ~/bin/mypager"):
        shown = _show_on_a_terminal(tmp_path, pager=pager, home=tmp_path)
        assert "MYPAGER-RAN" in shown and "Belarus becomes independent" not in shown, pager
    shown = _show_on_a_terminal(tmp_path, "--no-pager", pager="", columns="0")
    assert "Belarus becomes independent" in shown


def test_skip_invalid_keeps_a_valid_element_on_the_line_of_a_bad_one(tmp_path: Path) -> None:
    """A JSON array on one line: the bad element is skipped, its valid neighbour imported."""
    log = tmp_path / "events.jsonl"
    data = "[" + _event("kept") + ', {"id": "broken"}]\n'
    result = CliRunner().invoke(app, ["import", "-", "-f", str(log), "--skip-invalid"], input=data)
    assert result.exit_code == 1, result.stderr
    assert result.stdout == "kept\n"


def _complete(words: str, cword: int, **env: str) -> list[str]:
    """What bash completion offers for ``words`` at word ``cword``."""
    import os
    import subprocess
    import sys

    full = {**os.environ, "PYTHONPATH": str(REPO / "src"), "_TIMELINE_COMPLETE": "complete_bash",
            "COMP_WORDS": words, "COMP_CWORD": str(cword), **env}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "timeline"], env=full, capture_output=True, text=True, check=False
    )
    return done.stdout.split()


def test_the_shell_completes_ids_and_actors_from_the_log() -> None:
    """TAB after an id's start or an actor's start offers those of the log named by -f (or
    $TIMELINE_FILE); a log that cannot be read offers nothing, without an error."""
    assert _complete(f"timeline edit -f {BUNDLED} 2024-08-18", 4) == [
        "2024-08-18-lukashenko-claims-120000-ukrainian-troops"
    ]
    assert _complete("timeline show --actor belarus/", 3, TIMELINE_FILE=str(BUNDLED)) == [
        "belarus/defense-minister", "belarus/president",
    ]  # fmt: skip
    assert _complete("timeline rm -f /no/such/log x", 4) == []


def test_the_shell_completes_answers_filters_and_diff_sides(tmp_path: Path) -> None:
    """--responds-to and --id complete ids as edit's ID does, and diff completes from its
    OLD and NEW, not from the default log (before 7 December: nothing, and the other log)."""
    claim = ["2024-08-18-lukashenko-claims-120000-ukrainian-troops"]
    add = f"timeline add -f {BUNDLED} --responds-to 2024-08-18"
    assert _complete(add, 5) == claim
    assert _complete(f"timeline show -f {BUNDLED} --id 2024-08-18", 5) == claim
    other = tmp_path / "other.jsonl"
    other.write_text(
        '{"id":"o1","date":"2024-01-01","title":"t","type":"accuse","actors":["belarus/kgb"],'
        '"sources":[{"url":"https://e.org/a"}]}\n',
        encoding="utf-8",
    )
    diff = f"timeline diff {BUNDLED} {other} --actor belarus/"
    assert _complete(diff, 5, TIMELINE_FILE=str(tmp_path / "none.jsonl")) == [
        "belarus/defense-minister", "belarus/kgb", "belarus/president",
    ]  # fmt: skip


def test_an_id_that_a_broken_line_holds_is_taken(tmp_path: Path) -> None:
    """``import`` and ``add --id`` refuse an id that a line which is not valid JSON holds (a
    hand edit lost a quote): once the line is mended, the log would hold the id twice. An
    answer to it is refused as before: it answers no event that the log holds now."""
    log = tmp_path / "events.jsonl"
    log.write_text('{"id":"x1", broken\n')
    runner = CliRunner()
    imported = runner.invoke(app, ["import", "-", "-f", str(log)], input=_event("x1") + "\n")
    assert imported.exit_code == 2
    taken = f"'x1' exists already ({log}:1, a line that is not valid JSON)"
    assert imported.stderr.splitlines()[0] == f"<stdin>:1: id: {taken}"
    added = runner.invoke(app, ["add", "-f", str(log), "--id", "x1", "--date", "2024-08-20",
                                "--title", "T", "--type", "accuse", "--actor", "a",
                                "--source", "https://example.org/a"])  # fmt: skip
    assert (added.exit_code, added.stderr) == (2, f"timeline: --id: {taken}\n")
    answer = runner.invoke(app, ["import", "-", "-f", str(log)],
                           input=_event("y", responds_to=["x1"]) + "\n")  # fmt: skip
    assert answer.exit_code == 2  # an answer to it would point nowhere (check says so)
    assert "responds_to: no event with id 'x1'" in answer.stderr
    assert log.read_text() == '{"id":"x1", broken\n'


def test_a_broken_line_shows_its_id_under_a_key_spelt_with_escapes(tmp_path: Path) -> None:
    """JSON may spell the key "id" as "\\u0069d", which every reader takes: once such a line
    is broken, ``diff`` says its event is not compared (it said removed) and ``add`` refuses
    its id (it took it), as for a line with a plain key (a review, helper)."""
    valid = _event("a"), _event("b").replace('"id"', '"\\u0069d"')
    broken = valid[1].replace(", ", " ", 1)
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    old.write_text("".join(line + "\n" for line in valid))
    new.write_text(valid[0] + "\n" + broken + "\n")
    runner = CliRunner()
    diffed = runner.invoke(app, ["diff", str(old), str(new)])
    assert diffed.exit_code == 2
    assert f"{new}:2: 'b' is not compared: its line is not valid" in diffed.stderr
    assert "+0 −0 ~0" in diffed.stdout
    added = runner.invoke(app, ["add", "-f", str(new), "--id", "b", "--date", "2024-08-20",
                                "--title", "T", "--type", "accuse", "--actor", "a",
                                "--source", "https://example.org/a"])  # fmt: skip
    assert added.exit_code == 2
    assert (
        added.stderr
        == f"timeline: --id: 'b' exists already ({new}:2, a line that is not valid JSON)\n"
    )


def test_rm_names_every_line_that_answers_a_removed_event(tmp_path: Path) -> None:
    """Refused for the events that answer it, ``rm`` names each of them at once, not the first
    one at each try."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    result = CliRunner().invoke(
        app, ["rm", "2024-08-18-lukashenko-claims-120000-ukrainian-troops", "--yes", "-f", str(log)]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"timeline: {log}:9: responds to '2024-08-18-lukashenko-claims-120000-ukrainian-troops':"
        " not removed (line 21 answers a removed event too; use --force to remove it anyway)\n"
    )
    assert log.read_bytes() == BUNDLED.read_bytes()


@pytest.mark.parametrize(
    "command",
    [
        ["add", "--date", "2024-08-20", "--type", "accuse", "--actor", "a", "--title", "T",
         "--source", "https://example.org/a"],
        ["edit", "x", "--tag", "t"],
        ["rm", "x", "--yes"],
        ["import", str(BUNDLED)],
        ["actors", "rename", "belarus", "by"],
        ["actors", "rename", "belarus", "by", "--dry-run"],
    ],
    ids=["add", "edit", "rm", "import", "rename", "rename-dry-run"],
)  # fmt: skip
def test_a_writing_command_refuses_standard_input_as_its_log(command: list[str]) -> None:
    """A log on standard input cannot be written: every writing command says so before it
    reads, a dry run too (it printed a plan that the run then refused)."""
    result = CliRunner().invoke(app, [*command, "-f", "-"], input=BUNDLED.read_bytes())
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "timeline: cannot write to standard input: give the log with --file\n"


def test_an_import_that_skips_every_event_says_nothing_was_imported(tmp_path: Path) -> None:
    """--skip-invalid where every id exists already: "nothing imported", as when no line held
    a valid event (it said "imported 0 events"), and the log as it was."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    result = CliRunner().invoke(app, ["import", str(BUNDLED), "-f", str(log), "--skip-invalid"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "timeline: nothing imported; skipped 21 lines with problems"
    )
    assert log.read_bytes() == BUNDLED.read_bytes()


def test_rm_of_several_ids_names_every_one_it_cannot_find(tmp_path: Path) -> None:
    """``rm a b c`` where two ids name no event says so of both, in one line, and removes
    nothing (it named only the first, so a user fixed one typo to meet the next)."""
    log = tmp_path / "events.jsonl"
    log.write_text("".join(_event(i) + "\n" for i in ("kept", "also-kept", "imp-10")))
    before = log.read_bytes()
    result = CliRunner().invoke(app, ["rm", "kept", "nope", "imp-1", "--yes", "-f", str(log)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"timeline: {log}: no event with id 'nope'; no event with id 'imp-1', only ids that "
        "start with it (imp-10): --yes removes only events named by their whole id\n"
    )
    starts = CliRunner().invoke(app, ["rm", "imp-1", "also", "--yes", "-f", str(log)])
    assert starts.stderr == (  # why a start will not do, once, after the first it is about
        f"timeline: {log}: no event with id 'imp-1', only ids that start with it (imp-10): "
        "--yes removes only events named by their whole id; no event with id 'also', only ids "
        "that start with it (also-kept)\n"
    )
    last = CliRunner().invoke(app, ["rm", "imp-1", "zzz", "--yes", "-f", str(log)])
    assert last.stderr == (
        f"timeline: {log}: no event with id 'imp-1', only ids that start with it (imp-10): "
        "--yes removes only events named by their whole id; no event with id 'zzz'\n"
    )
    empty = CliRunner().invoke(app, ["rm", "nope", "", "--yes", "-f", str(log)])
    assert (empty.exit_code, empty.stderr) == (2, "timeline: ID: an empty id names no event\n")
    assert log.read_bytes() == before


def test_the_shell_is_offered_no_value_it_would_read_as_more_than_a_word(tmp_path: Path) -> None:
    """Bash types what completion offers into the command line unquoted, so an id of the log
    such as ``x$(touch P)`` ran at the next Enter (a review, helper): bash's own completion
    function, from the script ``--install-completion`` installs, is offered only values that a
    shell reads as themselves (ids in other scripts, with their combining marks, too), and each
    offer, read by bash as a command line reads it, runs nothing."""
    import shutil
    import subprocess
    import sys

    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash to complete in")
    ran = tmp_path / "ran"
    ran.mkdir()
    hostile = [f"x$(touch {ran}/1)", f"x;touch {ran}/2", f"x`touch {ran}/3`", f"x&&touch {ran}/4",
               f"x|touch {ran}/5", f"x>{ran}/6", "x*", "x'q'", 'x\\"', "x{a,b}", "x\u200bz",
               "-x", "=x"]  # fmt: skip
    fine = ["x-1", "xлукашенко", "x/a.b", "x@y", "x_z", "x-भारत", "x-العَرَبِيَّة"]
    log = tmp_path / "events.jsonl"
    lines = [_event(event_id) for event_id in [*hostile, *fine]]
    bad = {"id": f"x y $(touch {ran}/7)", "actors": [f"x; touch {ran}/8", "x/ok"]}
    lines.append(json.dumps(bad))  # a line that is no valid event: its values are offered too
    log.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    command = tmp_path / "timeline"
    command.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m timeline "$@"\n')
    command.chmod(0o755)
    script = (
        'eval "$(_TIMELINE_COMPLETE=source_bash "$TIMELINE")"\n'
        "COMP_WORDS=($WORDS); COMP_CWORD=$CWORD\n"
        '_timeline_completion "$TIMELINE"\n'
        'for offer in "${COMPREPLY[@]}"; do eval "printf \'%s\\n\' $offer"; done\n'
    )

    def offered(words: str, cword: int) -> list[str]:
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "TIMELINE": str(command),
               "WORDS": words, "CWORD": str(cword)}  # fmt: skip
        done = subprocess.run([bash, "--norc", "-c", script], env=env, cwd=tmp_path,
                              capture_output=True, text=True, check=True)  # fmt: skip
        return done.stdout.splitlines()

    assert offered(f"timeline edit -f {log} x", 4) == sorted(fine)
    assert offered(f"timeline show -f {log} --actor x", 5) == ["x/ok"]
    assert list(ran.iterdir()) == []


def test_rm_refuses_a_log_it_cannot_rewrite_before_it_asks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal, ``rm`` asked to confirm a removal that it then refused (a hard-linked
    log here; an append-only or read-only one the same): it refuses before the question."""
    import types

    from timeline.cli.commands import rm as rm_command

    log = tmp_path / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    os.link(log, tmp_path / "other-name.jsonl")
    asked: list[str] = []
    terminal = types.SimpleNamespace(stdin=types.SimpleNamespace(isatty=lambda: True))
    monkeypatch.setattr(rm_command, "sys", terminal)
    monkeypatch.setattr("typer.confirm", lambda text, **_: asked.append(text) or True)
    result = CliRunner().invoke(
        app, ["rm", "2024-08-26-ukraine-calls-gomel-exercises-chernobyl-threat", "-f", str(log)]
    )
    assert result.exit_code == 2
    assert "cannot rewrite: the file has 2 hard links" in result.stderr
    assert asked == []
    assert log.read_bytes() == BUNDLED.read_bytes()
