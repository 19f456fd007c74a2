"""``timeline diff`` and ``timeline check`` through the CLI: output, stderr and exit codes.

Every test works on files in ``tmp_path``; the repository's ``data/`` is only ever copied.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from conftest import CLAIM, MOBILIZE, REJECT
from timeline.cli import app
from timeline.model import Event

BUNDLED_LOG = Path(__file__).resolve().parents[2] / "data" / "events.jsonl"

CLAIM_AFTER: dict[str, Any] = {
    **CLAIM,
    "title": "Lukashenko says Ukraine has massed 120,000 troops on the Belarusian border",
    "targets": ["ukraine", "poland"],
    "status": "disputed",
    "tags": [],
}
UNCHANGED: dict[str, Any] = {
    "id": "2024-08-01-ukraine-refutes-claim",
    "date": "2024-08-01",
    "precision": "month",
    "title": "Ukraine refutes the claim",
    "type": "reject",
    "actors": ["ukraine"],
    "responds_to": [CLAIM["id"]],
    "sources": [{"url": "https://example.org/u"}],
}
ADDED = REJECT

EXPECTED_PLAIN = [
    "+1 −1 ~1",
    f"− 2024-08-10  {MOBILIZE['id']}  {MOBILIZE['title']}",
    f"~ 2024-08-18  {CLAIM['id']}  {CLAIM_AFTER['title']}",
    "    title: Lukashenko [-claims-] {+says+} Ukraine has massed 120,000 troops on the"
    " Belarusian border",
    "    targets: +poland",
    '    status: "claimed" → "disputed"',
    "    tags: −border",
    f"+ 2024-08-26  {ADDED['id']}  {ADDED['title']}",
]


def line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"))


def canonical(obj: dict[str, Any]) -> dict[str, Any]:
    """The event as the tool writes it in JSON: every key, defaults filled in."""
    return Event.model_validate(obj).model_dump(mode="json")


def write(path: Path, *lines: str, end: str = "\n") -> Path:
    path.write_text("".join(text + end for text in lines), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def pinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in tmp_path with a fixed terminal width, no inherited colour or log settings."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "TIMELINE_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def logs(tmp_path: Path) -> tuple[str, str]:
    """old.jsonl and new.jsonl: one event removed, one changed, one added, one rewritten
    (reordered keys, defaults spelled out, other line) but equal."""
    unchanged_rewritten = dict(reversed(list(canonical(UNCHANGED).items())))
    write(tmp_path / "old.jsonl", line(UNCHANGED), line(CLAIM), line(MOBILIZE))
    write(
        tmp_path / "new.jsonl",
        line(ADDED),
        json.dumps(CLAIM_AFTER, indent=None),
        "  " + json.dumps(unchanged_rewritten) + "  ",
    )
    return "old.jsonl", "new.jsonl"


def run(*args: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=stdin)


def lines_of(text: str) -> list[str]:
    return text.splitlines()


def with_prefixes(lines: list[str], prefixes: list[str]) -> list[str]:
    """Each line cut to the expected prefix it starts with, so that one == compares the rest
    whole (the tail of a decoder message is the decoder's wording, not ours)."""
    return [
        want if index < len(prefixes) and got.startswith(want := prefixes[index]) else got
        for index, got in enumerate(lines)
    ]


def assert_summary(stderr: str, name: str, errors: int, warnings: int) -> None:
    """stderr is one summary line naming the log and both counts."""
    counts = rf"{errors} errors?(\(s\))?, {warnings} warnings?(\(s\))?"
    if not errors + warnings:
        counts = rf"({counts}|no problems)"
    pattern = rf"{re.escape(name)}: {counts}"
    assert len(lines_of(stderr)) == 1, stderr
    assert re.fullmatch(pattern, stderr.rstrip("\n")), stderr


# ---------------------------------------------------------------------------- diff


def test_runner_keeps_stdout_and_stderr_apart(logs: tuple[str, str], tmp_path: Path) -> None:
    """The runner captures stderr apart from stdout, so the other tests can check each."""
    with (tmp_path / "old.jsonl").open("a") as fh:
        fh.write("oops\n")
    result = run("diff", *logs, "--stat")
    assert result.stdout == "+1 −1 ~1\n"
    assert with_prefixes(lines_of(result.stderr), ["old.jsonl:4: not valid JSON: "]) == [
        "old.jsonl:4: not valid JSON: "
    ]


def test_diff_identical_files_exit_0(tmp_path: Path) -> None:
    """Two logs with the same events (order, spacing, defaults aside) differ in nothing."""
    write(tmp_path / "a.jsonl", line(CLAIM), line(MOBILIZE))
    write(tmp_path / "b.jsonl", json.dumps(canonical(MOBILIZE), indent=None), "", line(CLAIM))
    result = run("diff", "a.jsonl", "b.jsonl")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "+0 −0 ~0\n", "")


def test_diff_shows_every_change_in_date_order(logs: tuple[str, str]) -> None:
    """The plain view: counts, then removed, changed (field by field) and added, by date."""
    result = run("diff", *logs)
    assert result.exit_code == 1
    assert lines_of(result.stdout) == EXPECTED_PLAIN
    assert result.stderr == ""


def test_diff_title_change_is_a_word_diff(logs: tuple[str, str]) -> None:
    """A changed title shows the words removed as [-…-] and added as {+…+}."""
    result = run("diff", *logs)
    expected = (
        "    title: Lukashenko [-claims-] {+says+} Ukraine has massed 120,000 troops on the"
        " Belarusian border"
    )
    assert expected in lines_of(result.stdout)


def test_diff_list_change_shows_items(logs: tuple[str, str]) -> None:
    """A changed list shows the items added (+) and removed (− U+2212), not the whole lists."""
    out = lines_of(run("diff", *logs).stdout)
    assert "    targets: +poland" in out
    assert "    tags: \u2212border" in out


def test_diff_piped_has_no_escape_codes(logs: tuple[str, str], monkeypatch: Any) -> None:
    """Piped output has no colour even when TERM says the terminal could show it."""
    monkeypatch.setenv("TERM", "xterm-256color")
    result = run("diff", *logs)
    assert "\x1b" not in result.stdout
    assert lines_of(result.stdout) == EXPECTED_PLAIN


def test_diff_stat(logs: tuple[str, str]) -> None:
    """--stat prints only the counts, with U+2212 as the minus sign, and still exits 1."""
    result = run("diff", *logs, "--stat")
    assert (result.exit_code, result.stdout) == (1, "+1 \u22121 ~1\n")


def test_diff_stat_json(logs: tuple[str, str]) -> None:
    """--stat --json prints the counts as one JSON object."""
    result = run("diff", *logs, "--stat", "--json")
    assert result.exit_code == 1
    assert [json.loads(x) for x in lines_of(result.stdout)] == [
        {"added": 1, "removed": 1, "changed": 1}
    ]


def test_diff_json_records(logs: tuple[str, str]) -> None:
    """--json writes one record per change, in date order, in the shape of the issue."""
    result = run("diff", *logs, "--json")
    assert result.exit_code == 1
    records = [json.loads(x) for x in lines_of(result.stdout)]
    assert records == [
        {
            "op": "removed",
            "id": MOBILIZE["id"],
            "date": "2024-08-10",
            "before": canonical(MOBILIZE),
            "after": None,
            "changes": {},
        },
        {
            "op": "changed",
            "id": CLAIM["id"],
            "date": "2024-08-18",
            "before": canonical(CLAIM),
            "after": canonical(CLAIM_AFTER),
            "changes": {
                "title": {"before": CLAIM["title"], "after": CLAIM_AFTER["title"]},
                "targets": {"before": ["ukraine"], "after": ["ukraine", "poland"]},
                "status": {"before": "claimed", "after": "disputed"},
                "tags": {"before": ["border"], "after": []},
            },
        },
        {
            "op": "added",
            "id": ADDED["id"],
            "date": "2024-08-26",
            "before": None,
            "after": canonical(ADDED),
            "changes": {},
        },
    ]
    dates = [r["date"] for r in records]
    assert dates == sorted(dates)


@pytest.mark.parametrize(
    ("options", "stat"),
    [
        (["--actor", "ukraine"], "+1 −0 ~0"),
        (["--actor", "belarus"], "+0 −1 ~1"),
        (["--since", "2024-08-15"], "+1 −0 ~1"),
        (["--type", "mobilize"], "+0 −1 ~0"),
        (["--status", "disputed"], "+0 −0 ~1"),
        (["--actor", "russia"], "+0 −0 ~0"),
    ],
)
def test_diff_filters_restrict(logs: tuple[str, str], options: list[str], stat: str) -> None:
    """The filters of show keep only the changes whose event matches (on either side)."""
    result = run("diff", *logs, "--stat", *options)
    assert (result.stdout, result.exit_code) == (stat + "\n", 0 if stat == "+0 −0 ~0" else 1)


def test_diff_filter_matches_either_side(tmp_path: Path) -> None:
    """An event whose actor changed is kept by a filter on the old actor and on the new one."""
    write(tmp_path / "a.jsonl", line(MOBILIZE))
    write(tmp_path / "b.jsonl", line({**MOBILIZE, "actors": ["russia"]}))
    for actor in ("belarus", "russia"):
        result = run("diff", "a.jsonl", "b.jsonl", "--actor", actor, "--json")
        assert [json.loads(x)["op"] for x in lines_of(result.stdout)] == ["changed"], actor
    assert run("diff", "a.jsonl", "b.jsonl", "--actor", "ukraine").exit_code == 0


def test_diff_old_side_from_stdin(logs: tuple[str, str], tmp_path: Path) -> None:
    """`-` as the old side reads standard input, with the same result as the file."""
    result = run("diff", "-", logs[1], stdin=(tmp_path / logs[0]).read_bytes())
    assert (result.exit_code, lines_of(result.stdout)) == (1, EXPECTED_PLAIN)


def test_diff_new_side_from_stdin_names_stdin_in_warnings(
    logs: tuple[str, str], tmp_path: Path
) -> None:
    """`-` as the new side reads stdin; a bad line there is a warning naming <stdin>:LINE."""
    data = (tmp_path / logs[1]).read_bytes() + b"[]\n"
    result = run("diff", logs[0], "-", stdin=data)
    assert (result.exit_code, lines_of(result.stdout)) == (2, EXPECTED_PLAIN)
    assert result.stderr == "<stdin>:4: expected a JSON object, got an array\n"


def test_diff_both_sides_stdin_is_an_error() -> None:
    """Only one side can be stdin: `diff - -` is exit 2 with one line on stderr."""
    result = run("diff", "-", "-", stdin=b"")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "timeline: only one side can be '-' (stdin)\n"


@pytest.mark.parametrize("missing_side", [0, 1])
def test_diff_missing_file_exit_2(logs: tuple[str, str], missing_side: int) -> None:
    """A side that cannot be read is exit 2, one line on stderr, no traceback, no output."""
    args = list(logs)
    args[missing_side] = "gone.jsonl"
    result = run("diff", *args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "timeline: gone.jsonl: cannot read: no such file\n"
    assert "Traceback" not in result.output


def test_diff_invalid_lines_are_warnings(logs: tuple[str, str], tmp_path: Path) -> None:
    """Bad lines on either side are file:line warnings on stderr; the diff still runs, and
    exits 2, since it could not compare everything."""
    with (tmp_path / "old.jsonl").open("a") as fh:
        fh.write('{"id": "x"}\n')
    with (tmp_path / "new.jsonl").open("a") as fh:
        fh.write("not json\n")
    result = run("diff", *logs)
    assert (result.exit_code, lines_of(result.stdout)) == (2, EXPECTED_PLAIN)
    stderr = lines_of(result.stderr)
    assert [x.split(": ")[0] for x in stderr] == ["old.jsonl:4"] * 5 + ["new.jsonl:4"]
    assert stderr[0] == "old.jsonl:4: date: required field is missing"
    assert stderr[-1].startswith("new.jsonl:4: not valid JSON: Expecting value")


def test_diff_strict_makes_invalid_lines_errors(logs: tuple[str, str], tmp_path: Path) -> None:
    """With --strict, a bad line is exit 2 with its file:line message, and no diff is shown."""
    with (tmp_path / "new.jsonl").open("a") as fh:
        fh.write("not json\n")
    result = run("diff", *logs, "--strict")
    assert (result.exit_code, result.stdout) == (2, "")
    assert with_prefixes(lines_of(result.stderr), ["new.jsonl:4: not valid JSON: "]) == [
        "new.jsonl:4: not valid JSON: "
    ]


def test_diff_path_with_colon_is_a_file_when_it_exists(tmp_path: Path) -> None:
    """A path that exists wins over a git spec, even outside a repository."""
    write(tmp_path / "x:y.jsonl", line(CLAIM))
    write(tmp_path / "b.jsonl", line(CLAIM))
    result = run("diff", "x:y.jsonl", "b.jsonl")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "+0 −0 ~0\n", "")


# ---------------------------------------------------------------------------- diff: git


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository in tmp_path with events.jsonl committed, as the current directory."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q")
    write(path / "events.jsonl", line(UNCHANGED), line(CLAIM), line(MOBILIZE))
    git(path, "add", "events.jsonl")
    git(path, "commit", "-q", "-m", "log")
    monkeypatch.chdir(path)
    return path


def test_diff_git_rev_against_working_file(repo: Path) -> None:
    """`diff HEAD:events.jsonl events.jsonl` shows exactly what changed since the commit."""
    write(repo / "events.jsonl", line(UNCHANGED), line({**CLAIM, "status": "disputed"}),
          line(MOBILIZE), line(ADDED))  # fmt: skip
    result = run("diff", "HEAD:events.jsonl", "events.jsonl", "--json")
    assert (result.exit_code, result.stderr) == (1, "")
    assert [json.loads(x) for x in lines_of(result.stdout)] == [
        {
            "op": "changed",
            "id": CLAIM["id"],
            "date": "2024-08-18",
            "before": canonical(CLAIM),
            "after": canonical({**CLAIM, "status": "disputed"}),
            "changes": {"status": {"before": "claimed", "after": "disputed"}},
        },
        {
            "op": "added",
            "id": ADDED["id"],
            "date": "2024-08-26",
            "before": None,
            "after": canonical(ADDED),
            "changes": {},
        },
    ]


def test_diff_git_unchanged_is_exit_0(repo: Path) -> None:
    """The committed log against the untouched working file: no differences, exit 0."""
    result = run("diff", "HEAD:events.jsonl", "events.jsonl")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "+0 −0 ~0\n", "")


def test_diff_git_two_revisions(repo: Path) -> None:
    """`diff HEAD~1:PATH HEAD:PATH` shows what the last commit changed."""
    write(repo / "events.jsonl", line(UNCHANGED), line(CLAIM))
    git(repo, "commit", "-q", "-am", "drop one")
    write(repo / "events.jsonl", line(UNCHANGED), line(CLAIM), line(ADDED))  # not committed
    result = run("diff", "HEAD~1:events.jsonl", "HEAD:events.jsonl")
    assert (result.exit_code, lines_of(result.stdout)) == (
        1,
        ["+0 −1 ~0", f"− 2024-08-10  {MOBILIZE['id']}  {MOBILIZE['title']}"],
    )


def test_a_revision_s_log_is_read_with_that_revision_s_registry(repo: Path) -> None:
    """Two revisions and no work-tree file: an actor's name resolves through the
    actors.toml git holds beside the log in that revision, and a name it lacks is said, as
    with a path (a name filter matched nothing, silently, and the diff said exit 0)."""
    actor = CLAIM["actors"][0]
    (repo / "actors.toml").write_text(f'["{actor}"]\nname = "The Speaker"\n', encoding="utf-8")
    git(repo, "add", "actors.toml")
    git(repo, "commit", "-q", "-m", "registry")
    write(repo / "events.jsonl", line(UNCHANGED), line({**CLAIM, "status": "disputed"}),
          line(MOBILIZE))  # fmt: skip
    git(repo, "commit", "-q", "-am", "dispute")
    (repo / "actors.toml").unlink()  # only git holds it now
    result = run("diff", "HEAD~1:events.jsonl", "HEAD:events.jsonl", "--actor", "the speaker")
    assert result.exit_code == 1, result.stderr
    assert lines_of(result.stdout)[0] == "+0 −0 ~1"
    unknown = run("diff", "HEAD~1:events.jsonl", "HEAD:events.jsonl", "--actor", "nobody")
    assert re.fullmatch(r"timeline: --actor: 'nobody' is not in HEAD(~1)?:actors.toml\n",
                        unknown.stderr)  # fmt: skip


def test_diff_git_unknown_rev_exit_2(repo: Path) -> None:
    """An unknown revision is exit 2 with a one-line error naming the spec, no traceback."""
    result = run("diff", "no-such-rev:events.jsonl", "events.jsonl")
    assert (result.exit_code, result.stdout) == (2, "")
    assert len(lines_of(result.stderr)) == 1
    assert result.stderr.startswith("timeline: no-such-rev:events.jsonl: cannot read from git: ")
    assert "Traceback" not in result.output


def test_diff_existing_path_wins_over_git_spec(repo: Path) -> None:
    """A file literally named 'HEAD:events.jsonl' is read as a file, not from git."""
    write(repo / "HEAD:events.jsonl", line(UNCHANGED), line(CLAIM), line(MOBILIZE), line(ADDED))
    result = run("diff", "events.jsonl", "HEAD:events.jsonl", "--stat")
    assert (result.exit_code, result.stdout) == (1, "+1 −0 ~0\n")


def test_diff_git_side_splits_lines_as_a_file_does(repo: Path) -> None:
    """The same bytes read from git and from the file give the same events, even when a line
    has a bare CR as JSON whitespace."""
    (repo / "events.jsonl").write_bytes(line(CLAIM).replace(",", ",\r", 1).encode() + b"\n")
    git(repo, "commit", "-q", "-am", "cr")
    result = run("diff", "HEAD:events.jsonl", "events.jsonl")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "+0 −0 ~0\n", "")


# ---------------------------------------------------------------------------- check


@pytest.fixture
def bundled(tmp_path: Path) -> Path:
    """A private copy of the bundled log."""
    return Path(shutil.copyfile(BUNDLED_LOG, tmp_path / "events.jsonl"))


def test_check_bundled_log_warnings_exit_0(bundled: Path) -> None:
    """The bundled log has only warnings (claims rejected but not disputed): printed, exit 0."""
    result = run("check", "--file", "events.jsonl")
    out = lines_of(result.stdout)
    assert result.exit_code == 0
    assert out, "the bundled log is expected to have rejected-claim warnings"
    assert all(
        x.startswith("events.jsonl:") and ": warning: status: 'claimed', but " in x for x in out
    )
    assert_summary(result.stderr, "events.jsonl", 0, len(out))


def test_check_bundled_log_strict_exit_1(bundled: Path) -> None:
    """With --strict, the warnings of the bundled log make the exit code 1."""
    result = run("check", "--file", "events.jsonl", "--strict")
    assert result.exit_code == 1
    assert lines_of(result.stdout) == lines_of(run("check", "-f", "events.jsonl").stdout)


def test_check_clean_log_exit_0(tmp_path: Path) -> None:
    """A clean log prints nothing on stdout, 'no problems' on stderr, and exits 0."""
    write(tmp_path / "ok.jsonl", line(CLAIM), "", line({**UNCHANGED, "responds_to": []}))
    result = run("check", "-f", "ok.jsonl", "--strict")
    assert (result.exit_code, result.stdout) == (0, "")
    assert_summary(result.stderr, "ok.jsonl", 0, 0)


DAMAGED = b"".join(
    [
        line(CLAIM).encode() + b"\n",
        b"not json\n",
        b"\n",
        b"[1, 2]\n",
        line({**MOBILIZE, "title": "", "date": "2024-02-30"}).encode() + b"\n",
        line({**MOBILIZE, "id": CLAIM["id"]}).encode() + b"\n",
        line({**ADDED, "responds_to": ["nowhere"]}).encode() + b"\n",
        b'{"id": "caf\xe9"}\n',
        line({**MOBILIZE, "id": "future", "date": "2024-10-01"}).encode() + b"\n",
        line({**MOBILIZE, "id": "torn"}).encode(),
    ]
)
DAMAGED_PROBLEMS = [
    "damaged.jsonl:2: not valid JSON: Expecting value",
    "damaged.jsonl:4: expected a JSON object, got an array",
    "damaged.jsonl:5: date: '2024-02-30' is not a valid date",
    "damaged.jsonl:5: title: must not be empty",
    f"damaged.jsonl:6: id: '{CLAIM['id']}' is also the id on line 1",
    "damaged.jsonl:7: responds_to: no event with id 'nowhere' in the log",
    "damaged.jsonl:8: not valid UTF-8 (byte 0xe9 at column 12)",
    "damaged.jsonl:9: date: 2024-10-01 is after 2024-09-01 (--as-of)",
    "damaged.jsonl:10: warning: last line has no newline (a write cut short?)",
]


def test_check_damaged_log_lists_every_bad_line(tmp_path: Path) -> None:
    """One run names every bad line, sorted, with a one-line summary on stderr; exit 1."""
    (tmp_path / "damaged.jsonl").write_bytes(DAMAGED)
    result = run("check", "-f", "damaged.jsonl", "--as-of", "2024-09-01")
    assert result.exit_code == 1
    assert with_prefixes(lines_of(result.stdout), DAMAGED_PROBLEMS) == DAMAGED_PROBLEMS
    assert_summary(result.stderr, "damaged.jsonl", 8, 1)


def test_check_json_records(tmp_path: Path) -> None:
    """--json writes one record per problem: file, line, severity, field, message."""
    (tmp_path / "damaged.jsonl").write_bytes(DAMAGED)
    result = run("check", "-f", "damaged.jsonl", "--as-of", "2024-09-01", "--json")
    assert result.exit_code == 1
    records = [json.loads(x) for x in lines_of(result.stdout)]
    assert records[0]["message"].startswith("not valid JSON: Expecting value")
    assert records[:3] == [
        {"file": "damaged.jsonl", "line": 2, "severity": "error", "field": None,
         "message": records[0]["message"]},
        {"file": "damaged.jsonl", "line": 4, "severity": "error", "field": None,
         "message": "expected a JSON object, got an array"},
        {"file": "damaged.jsonl", "line": 5, "severity": "error", "field": "date",
         "message": "'2024-02-30' is not a valid date"},
    ]  # fmt: skip
    assert records[-1] == {
        "file": "damaged.jsonl",
        "line": 10,
        "severity": "warning",
        "field": None,
        "message": "last line has no newline (a write cut short?)",
    }
    assert [(r["line"], r["field"]) for r in records] == [
        (2, None), (4, None), (5, "date"), (5, "title"), (6, "id"), (7, "responds_to"),
        (8, None), (9, "date"), (10, None),
    ]  # fmt: skip
    assert_summary(result.stderr, "damaged.jsonl", 8, 1)


def test_check_warning_only_exit_0_and_strict_exit_1(tmp_path: Path) -> None:
    """A torn but valid last line is a warning: exit 0, and 1 with --strict."""
    write(tmp_path / "torn.jsonl", line(CLAIM), end="")
    expected = ["torn.jsonl:1: warning: last line has no newline (a write cut short?)"]
    plain = run("check", "-f", "torn.jsonl")
    strict = run("check", "-f", "torn.jsonl", "--strict")
    assert (plain.exit_code, lines_of(plain.stdout)) == (0, expected)
    assert (strict.exit_code, lines_of(strict.stdout)) == (1, expected)
    assert plain.stderr == strict.stderr
    assert_summary(plain.stderr, "torn.jsonl", 0, 1)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "is a directory"),
    ],
    ids=["missing", "directory"],
)
def test_check_unreadable_log_exit_2(tmp_path: Path, make: Any, reason: str) -> None:
    """A log that is missing or a directory is exit 2 with one line on stderr, no traceback."""
    make(tmp_path / "log.jsonl")
    result = run("check", "-f", "log.jsonl")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"timeline: log.jsonl: cannot read: {reason}\n"
    assert "Traceback" not in result.output


@pytest.mark.parametrize("strict", [[], ["--strict"]])
def test_check_never_modifies_the_log(tmp_path: Path, strict: list[str]) -> None:
    """check leaves the log byte for byte as it was, and leaves no file behind."""
    path = tmp_path / "damaged.jsonl"
    path.write_bytes(DAMAGED)
    before = sorted(os.listdir(tmp_path))
    mtime = path.stat().st_mtime_ns
    result = run("check", "-f", "damaged.jsonl", "--json", *strict)
    assert result.exit_code == 1
    assert path.read_bytes() == DAMAGED
    assert path.stat().st_mtime_ns == mtime
    assert sorted(os.listdir(tmp_path)) == before


def test_check_reads_stdin() -> None:
    """`--file -` reads the log from standard input, named <stdin> in the messages."""
    data = (line(CLAIM) + "\n" + "{}\n").encode()
    result = run("check", "-f", "-", "--as-of", "2024-09-01", stdin=data)
    assert result.exit_code == 1
    assert lines_of(result.stdout)[:2] == [
        "<stdin>:2: id: required field is missing",
        "<stdin>:2: date: required field is missing",
    ]
    assert all(x.startswith("<stdin>:2: ") for x in lines_of(result.stdout))
    assert_summary(result.stderr, "<stdin>", len(lines_of(result.stdout)), 0)


def test_diff_git_spec_must_name_a_file(repo: Path) -> None:
    """`REV:` names a folder: git's listing of it is not read as a log."""
    result = run("diff", "HEAD:", "events.jsonl")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "timeline: HEAD:: cannot read from git: git cat-file HEAD:: bad file\n"


def test_diff_git_spec_is_never_an_option_to_git(repo: Path) -> None:
    """A side that starts with '-' is refused before git runs: git would read '--output=F'
    as an option and write F."""
    target = repo / "written"
    result = run("diff", "--", f"--output={target}:x", "events.jsonl")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"timeline: --output={target}:x: cannot read: no such file, and not a git REV:PATH\n"
    )
    assert not target.exists()
    assert not Path(f"{target}:x").exists()


@pytest.mark.parametrize(
    "broken",
    [
        json.dumps({**CLAIM, "type": "acuse"}),  # not a valid event
        json.dumps(CLAIM)[:-1] + ",}",  # not JSON: a comma too many
        json.dumps(CLAIM).replace('"title": "', '"title": ', 1),  # ... a quote lost
    ],
    ids=["schema", "comma", "quote"],
)
def test_diff_an_event_made_invalid_is_not_called_removed(tmp_path: Path, broken: str) -> None:
    """A typo that makes an event's line invalid in NEW, even one that leaves no JSON, does not
    show it as removed (a script would take that for a deletion): it is named as not
    compared, and the exit status is 2."""
    old = tmp_path / "old.jsonl"
    write(old, line(UNCHANGED), line(CLAIM), line(MOBILIZE))
    new = tmp_path / "new.jsonl"
    write(new, line(UNCHANGED), broken, line({**MOBILIZE, "status": "confirmed"}))
    result = run("diff", str(old), str(new), "--json")
    assert result.exit_code == 2
    assert [json.loads(x)["id"] for x in lines_of(result.stdout)] == [MOBILIZE["id"]]
    assert lines_of(result.stderr)[-1] == (
        f"{new}:2: {CLAIM['id']!r} is not compared: its line is not valid"
    )


def test_diff_a_broken_line_hides_no_other_event_its_extra_names(tmp_path: Path) -> None:
    """A broken line whose 'extra' holds {"id": ...} of another event does not hide that
    event's change, on either side: only the broken line's own event is not compared."""
    unchanged = {**UNCHANGED, "extra": {"ref": {"id": CLAIM["id"]}}}
    changed_claim = {**CLAIM, "title": "Changed"}
    broken = json.dumps(unchanged)[:-1] + ",}"
    for old_lines, new_lines in (
        ([line(unchanged), line(CLAIM)], [broken, line(changed_claim)]),
        ([broken, line(CLAIM)], [line(unchanged), line(changed_claim)]),
    ):
        old = write(tmp_path / "old.jsonl", *old_lines)
        new = write(tmp_path / "new.jsonl", *new_lines)
        result = run("diff", str(old), str(new), "--json")
        assert result.exit_code == 2
        changes = [json.loads(x) for x in lines_of(result.stdout)]
        assert [(c["op"], c["id"]) for c in changes] == [("changed", CLAIM["id"])]
        assert f"{UNCHANGED['id']!r} is not compared" in result.stderr


def test_diff_names_the_lines_of_a_repeated_id(tmp_path: Path) -> None:
    """An id on two lines of a side is compared by its last event, the warning says where, and
    the exit status is 2: the other event is not compared (before 7 December: 0, 'no
    differences', though the first line held another event, which show shows)."""
    old = write(tmp_path / "old.jsonl", line(UNCHANGED), line(CLAIM))
    new = write(tmp_path / "new.jsonl", line(UNCHANGED), line(CLAIM), line(CLAIM))
    result = run("diff", str(old), str(new))
    assert (result.exit_code, result.stdout) == (2, "+0 −0 ~0\n")
    assert result.stderr == (
        f"{new}:3: id {CLAIM['id']!r} is also on line 2: comparing the last one\n"
    )
    result = run("diff", str(new), str(old))  # the same line twice on the old side too
    assert (result.exit_code, result.stdout) == (2, "+0 −0 ~0\n")
    assert result.stderr == (
        f"{new}:3: id {CLAIM['id']!r} is also on line 2: comparing the last one\n"
    )
    another = line({**CLAIM, "title": "Another event"})
    other = write(tmp_path / "other.jsonl", line(UNCHANGED), another, line(CLAIM))
    for sides in ((old, other), (other, old)):
        result = run("diff", *map(str, sides), "--stat", "--json")
        assert result.exit_code == 2
        assert json.loads(result.stdout) == {"added": 0, "removed": 0, "changed": 0}


def test_check_as_of_a_month_counts_from_its_last_day(tmp_path: Path) -> None:
    """'--as-of Aug 2024' means as it stood in August: an event of 18 August is not to come."""
    moved = {**MOBILIZE, "date": "2024-09-02"}
    log = write(tmp_path / "events.jsonl", line(CLAIM), line(moved))
    result = run("check", "-f", str(log), "--as-of", "Aug 2024")
    assert result.exit_code == 1
    assert lines_of(result.stdout) == [f"{log}:2: date: 2024-09-02 is after 2024-08-31 (--as-of)"]


def test_diff_without_git_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A REV:PATH side when git cannot be run is a one-line error naming the side."""
    log = write(tmp_path / "events.jsonl", line(CLAIM))
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-folder"))
    result = run("diff", "HEAD:events.jsonl", str(log))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("timeline: HEAD:events.jsonl: cannot run git: ")
    assert len(lines_of(result.stderr)) == 1


def test_diff_warns_about_a_hundred_bad_lines_and_counts_the_rest(tmp_path: Path) -> None:
    """A diff of logs full of bad lines warns line by line about the first hundred, then
    counts the rest in one line, as show does; the changes still come out (exit 2: an answer
    that skipped lines is not a whole one)."""
    import json

    from typer.testing import CliRunner

    from conftest import event_dict
    from timeline.cli import app

    good = json.dumps(event_dict(), separators=(",", ":"))
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    old.write_text("{}\n" * 80 + good + "\n")
    new.write_text("{}\n" * 80 + good.replace("Test event", "Test event, edited") + "\n")
    result = CliRunner().invoke(app, ["diff", str(old), str(new)])
    assert result.exit_code == 2
    assert "edited" in result.stdout
    warned = [line for line in result.stderr.splitlines() if ": id: required field" in line]
    assert len(warned) == 100
    assert f"{old} and {new}: 60 more bad lines not shown" in result.stderr
