"""Actors through the CLI: names resolved in filters and writes, drift found by check, the
``actors`` listing, ``actors rename``, display names, and a bad registry."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from timeline.cli import app

REPO = Path(__file__).resolve().parents[2]
BUNDLED_LOG = REPO / "data" / "events.jsonl"
BUNDLED_REGISTRY = REPO / "data" / "actors.toml"
ADD = ["--date", "2024-08-20", "--type", "threaten", "--title", "T",
       "--source", "https://example.org/a"]  # fmt: skip


@pytest.fixture
def bundled(tmp_path: Path) -> Path:
    """A copy of the bundled log with the bundled registry beside it."""
    shutil.copyfile(BUNDLED_LOG, tmp_path / "events.jsonl")
    shutil.copyfile(BUNDLED_REGISTRY, tmp_path / "actors.toml")
    return tmp_path / "events.jsonl"


def run(*args: str, **kwargs: str) -> Result:
    return CliRunner().invoke(app, list(args), env=kwargs or None)


def ids(result: Result) -> list[str]:
    return [json.loads(line)["id"] for line in result.stdout.splitlines()]


# ---------------------------------------------------------------------------- filters


def test_show_finds_lukashenko_and_minsk_on_the_bundled_log(bundled: Path) -> None:
    """The names a reader of the brief types find the events the log files under ids."""
    by_name = run("show", "-f", str(bundled), "--actor", "lukashenko", "--json")
    by_id = run("show", "-f", str(bundled), "--actor", "belarus/president", "--json")
    assert by_name.exit_code == 0 and by_name.stderr == ""
    assert ids(by_name) == ids(by_id) != []
    minsk = run("show", "-f", str(bundled), "--actor", "Minsk", "--json")
    assert ids(minsk) == ids(run("show", "-f", str(bundled), "--actor", "belarus", "--json"))
    assert len(ids(minsk)) == 10
    kyiv = run("show", "-f", str(bundled), "--target", "KYÏV", "--json")
    assert kyiv.stdout
    assert all("ukraine" in json.loads(line)["targets"] for line in kyiv.stdout.splitlines())


def test_a_filter_on_an_unknown_name_says_so_with_suggestions(bundled: Path) -> None:
    """A near miss finds nothing, and says which actors it may have meant (exit 0: the log may
    hold actors the registry lacks)."""
    result = run("show", "-f", str(bundled), "--actor", "Lukashenk", "--json")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == (
        f"timeline: --actor: 'Lukashenk' is not in {bundled.parent / 'actors.toml'}: "
        "did you mean belarus/president (Lukashenko)?\n"
    )


def test_no_registry_means_no_resolution(tmp_path: Path) -> None:
    """Without a registry, names are ids as before: 'lukashenko' finds nothing, silently."""
    log = tmp_path / "events.jsonl"
    shutil.copyfile(BUNDLED_LOG, log)
    result = run("show", "-f", str(log), "--actor", "lukashenko", "--json")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_actors_option_and_env_var_name_the_registry(tmp_path: Path) -> None:
    """--actors FILE, or $TIMELINE_ACTORS, is read instead of a registry beside the log."""
    log = tmp_path / "events.jsonl"
    shutil.copyfile(BUNDLED_LOG, log)
    by_flag = run("show", "-f", str(log), "--actor", "Khrenin", "--json",
                  "--actors", str(BUNDLED_REGISTRY))  # fmt: skip
    by_env = run("show", "-f", str(log), "--actor", "Khrenin", "--json",
                 TIMELINE_ACTORS=str(BUNDLED_REGISTRY))  # fmt: skip
    assert ids(by_flag) == ids(by_env) == ["2024-08-01-khrenin-ready-for-retaliatory-measures"]


def test_the_terminal_view_shows_display_names_and_json_keeps_ids(bundled: Path) -> None:
    rich = run("show", "-f", str(bundled), "--id", "2024-08-18-lukashenko-claims-120000-ukrainian"
               "-troops", "--format", "rich")  # fmt: skip
    assert "accuse  Alexander Lukashenko → Ukraine" in rich.stdout
    plain = run("show", "-f", str(bundled), "--actor", "lukashenko")
    assert "belarus/president → ukraine" in plain.stdout


# ---------------------------------------------------------------------------- writes


def test_add_resolves_a_name_and_says_so(bundled: Path) -> None:
    result = run("add", "-f", str(bundled), *ADD, "--actor", "Lukashenko", "--target", "Kyiv",
                 "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    stored = json.loads(result.stdout)
    assert (stored["actors"], stored["targets"]) == (["belarus/president"], ["ukraine"])
    assert result.stderr == (
        "timeline: --actor: 'Lukashenko' is belarus/president\n"
        "timeline: --target: 'Kyiv' is ukraine\n"
    )


def test_a_writer_removes_what_a_killed_rename_left_beside_the_registry(bundled: Path) -> None:
    """A rename killed while it wrote the registry leaves its temporary there: the next writer
    of the log removes it (its process no longer runs), as one beside the log; a temporary of a
    process still running, and any other file, stay."""
    import subprocess
    import sys

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    folder = bundled.parent
    killed = folder / f".actors.toml.timeline-tmp-{ended.stdout.strip()}-deadbeef"
    running = folder / f".actors.toml.timeline-tmp-{os.getpid()}-cafebabe"
    other = folder / ".actors.toml.timeline-tmp-notours"
    for path in (killed, running, other):
        path.write_text("[a]\n", encoding="utf-8")
    result = run("add", "-f", str(bundled), *ADD, "--actor", "belarus")
    assert result.exit_code == 0, result.stderr
    assert not killed.exists()
    assert running.exists() and other.exists()


def test_add_refuses_an_unknown_actor_with_suggestions(bundled: Path) -> None:
    """'Belarus MoD' is no actor of the registry: refused, naming the actors nearest to it,
    and the log is unchanged; --new-actor adds it anyway."""
    before = bundled.read_bytes()
    refused = run("add", "-f", str(bundled), *ADD, "--actor", "Belarus MoD")
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"timeline: --actor: 'Belarus MoD' is not in {bundled.parent / 'actors.toml'}: did you "
        "mean belarus, belarus/president, belarus/defense-minister? (give --new-actor to add "
        "it anyway)\n"
    )
    assert bundled.read_bytes() == before
    added = run("add", "-f", str(bundled), *ADD, "--actor", "Belarus MoD", "--new-actor", "--json")
    assert added.exit_code == 0, added.stderr
    assert json.loads(added.stdout)["actors"] == ["belarus-mod"]


def test_edit_resolves_and_refuses_like_add(bundled: Path) -> None:
    claim = "2024-08-18-lukashenko-claims-120000-ukrainian-troops"
    refused = run("edit", claim, "-f", str(bundled), "--target", "Kiyv")
    assert refused.exit_code == 2 and "did you mean ukraine" in refused.stderr
    edited = run("edit", claim, "-f", str(bundled), "--target", "Moscow", "--json")
    assert edited.exit_code == 0, edited.stderr
    assert json.loads(edited.stdout)["targets"] == ["russia"]


def test_import_stores_ids_for_names(bundled: Path) -> None:
    line = json.dumps({"id": "n", "date": "2024-08-20", "title": "T", "type": "accuse",
                       "actors": ["PMC Wagner"], "targets": ["Lukashenko", "someone-new"],
                       "sources": [{"url": "https://example.org/a"}]})  # fmt: skip
    result = CliRunner().invoke(app, ["import", "-", "-f", str(bundled)], input=line)
    assert result.exit_code == 0, result.stderr
    stored = json.loads(bundled.read_text(encoding="utf-8").splitlines()[-1])
    assert (stored["actors"], stored["targets"]) == (["wagner"], ["belarus/president",
                                                                   "someone-new"])  # fmt: skip
    assert "'pmc-wagner' is wagner" in result.stderr
    registry = bundled.parent / "actors.toml"
    assert f"<stdin>:1: warning: 'someone-new' is not in {registry}" in result.stderr


def test_import_names_the_line_of_each_actor_the_registry_lacks(bundled: Path) -> None:
    """Each actor the registry lacks (imported as typed, as check reports it) is said with the
    line that first names it and the nearest registered ones, five at most; the rest counted."""

    def event(n: int, actors: list[str]) -> str:
        source = {"url": "https://example.org/a"}
        return json.dumps({"id": f"e{n}", "date": "2024-08-20", "title": "T", "type": "accuse",
                           "actors": actors, "sources": [source]})  # fmt: skip

    lines = [event(1, ["belarus"]), event(2, ["belaruss"]), event(3, ["belaruss", "x1"]),
             *(event(n, [f"x{n - 2}"]) for n in range(4, 10))]  # fmt: skip
    result = CliRunner().invoke(app, ["import", "-", "-f", str(bundled)], input="\n".join(lines))
    assert result.exit_code == 0, result.stderr
    registry = bundled.parent / "actors.toml"
    said = [line for line in result.stderr.splitlines() if "not in" in line]
    assert said == [
        f"<stdin>:2: warning: 'belaruss' is not in {registry}: did you mean belarus, "
        "belarus/president? (imported as typed)",
        *(f"<stdin>:{n}: warning: 'x{n - 2}' is not in {registry} (imported as typed)"
          for n in (3, 4, 5, 6)),
        f"timeline: <stdin>: and 3 other actors not in {registry} ('timeline check')",
    ]  # fmt: skip
    for skip in ([], ["--skip-invalid"]):  # again: every id is taken, nothing is imported
        again = CliRunner().invoke(app, ["import", "-", "-f", str(bundled), *skip],
                                   input="\n".join(lines))  # fmt: skip
        assert again.exit_code in (1, 2)
        assert "not in" not in again.stderr and "imported as typed" not in again.stderr


# ---------------------------------------------------------------------------- check


def drifting(log: Path) -> None:
    """Append the drift cases: a near-duplicate of a registered id, and one actor written two
    ways."""
    base = json.loads(log.read_text(encoding="utf-8").splitlines()[7])
    extra = [
        {**base, "id": "x1", "actors": ["belarus/defense-ministry"]},
        {**base, "id": "x2", "actors": ["belarus-mod"], "targets": ["belarus/mod"]},
    ]
    with log.open("a", encoding="utf-8") as out:
        out.writelines(json.dumps(e) + "\n" for e in extra)


def test_check_reports_drift(bundled: Path) -> None:
    drifting(bundled)
    result = run("check", "-f", str(bundled), "--as-of", "2026-01-01")
    assert result.exit_code == 0  # warnings
    registry = bundled.parent / "actors.toml"
    drift = [line.removeprefix(f"{bundled}:") for line in result.stdout.splitlines()
             if "claimed" not in line]  # fmt: skip
    assert drift == [
        "22: warning: actors: 'belarus/defense-ministry' is not in "
        f"{registry}: did you mean belarus/defense-minister, belarus, belarus/president?",
        "22: warning: actors: 'belarus/defense-ministry' (line 22) and "
        "'belarus/defense-minister' (line 8) are probably one actor: 'timeline actors rename' "
        "one to the other",
        f"23: warning: actors: 'belarus-mod' is not in {registry}: did you mean belarus, "
        "belarus/president, belarus/defense-minister?",
        f"23: warning: targets: 'belarus/mod' is not in {registry}: did you mean belarus, "
        "belarus/president, belarus/defense-minister?",
        "23: warning: targets: 'belarus/mod' (line 23) and 'belarus-mod' (line 23) are "
        "probably one actor: 'timeline actors rename' one to the other",
    ]
    assert result.stderr == f"{bundled}: 0 errors, 7 warnings\n"


def test_check_strict_notes_registry_actors_no_event_uses(bundled: Path, tmp_path: Path) -> None:
    registry = tmp_path / "actors.toml"
    text = BUNDLED_REGISTRY.read_text(encoding="utf-8") + '\n[moldova]\nname = "Moldova"\n'
    registry.write_text(text, encoding="utf-8")
    lenient = run("check", "-f", str(bundled), "--as-of", "2026-01-01")
    assert "moldova" not in lenient.stdout
    strict = run("check", "-f", str(bundled), "--as-of", "2026-01-01", "--strict", "--json")
    notes = [json.loads(line) for line in strict.stdout.splitlines()]
    header = text.count("\n") - 1  # [moldova], the last table
    message = "[moldova] is not used by any event"
    assert notes[-1] == {"file": str(registry), "line": header, "severity": "info",
                         "field": None, "message": message}  # fmt: skip
    assert strict.stderr == f"{bundled}: 0 errors, 2 warnings, 1 note\n"


def test_check_without_a_registry_is_unchanged(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    shutil.copyfile(BUNDLED_LOG, log)
    drifting(log)
    result = run("check", "-f", str(log), "--as-of", "2026-01-01")
    assert "actor" not in result.stdout


# ---------------------------------------------------------------------------- a bad registry


@pytest.mark.parametrize("command", [["show"], ["check"], ["actors"], ["add", *ADD, "-a", "x"]])
def test_a_bad_registry_is_a_one_line_error(bundled: Path, command: list[str]) -> None:
    (bundled.parent / "actors.toml").write_text(
        '[a]\nname = "A"\n\n[b]\nname = "B"\naliases = ["A"]\n', encoding="utf-8"
    )
    result = run(*command, "-f", str(bundled))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"timeline: {bundled.parent / 'actors.toml'}:6: [b] aliases: 'A' also names 'a': a "
        "name or alias can belong to one actor only\n"
    )


def test_a_missing_registry_named_by_flag_is_an_error(bundled: Path) -> None:
    result = run("show", "-f", str(bundled), "--actors", str(bundled.parent / "nope.toml"))
    assert result.exit_code == 2
    assert result.stderr.endswith("nope.toml: cannot read the actor registry: no such file\n")


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null on this system")
def test_a_registry_that_is_a_device_or_a_folder_is_refused(bundled: Path) -> None:
    """As a log is: a device is not read (``/dev/zero`` would never end, a terminal would
    wait), nor a folder; a pipe is (``--actors <(…)``)."""
    for registry, why in (
        ("/dev/null", "not a regular file or a pipe"),
        (bundled.parent, "is a directory"),
    ):
        result = run("show", "-f", str(bundled), "--actors", str(registry))
        assert result.exit_code == 2
        assert result.stderr == f"timeline: {registry}: cannot read the actor registry: {why}\n"


# ---------------------------------------------------------------------------- actors


def test_actors_lists_every_actor_with_counts_and_dates(bundled: Path) -> None:
    result = run("actors", "-f", str(bundled), "--json")
    assert result.exit_code == 0, result.stderr
    records = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert len(records) == 11
    assert records["belarus/president"] == {
        "id": "belarus/president", "name": "Alexander Lukashenko",
        "aliases": ["Lukashenko", "Belarusian President", "Лукашенко"],
        "wikidata": None, "as_actor": 2, "as_target": 1, "first": "2024-08", "last": "2024-W34",
    }  # fmt: skip
    table = run("actors", "-f", str(bundled)).stdout.splitlines()
    assert table[0].split() == ["ACTOR", "NAME", "ACTS", "TARGETED", "FIRST", "LAST", "ALIASES"]
    assert table[1].split()[:6] == ["belarus", "Belarus", "8", "8", "1991", "2024-08-26"]


def test_actors_takes_the_filters_of_show(bundled: Path) -> None:
    result = run("actors", "-f", str(bundled), "--actor", "Lukashenko", "--json")
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [
        "belarus", "belarus/president", "ukraine",
    ]  # fmt: skip


def test_actors_tree_hangs_parts_under_their_whole(bundled: Path) -> None:
    result = run("actors", "-f", str(bundled), "--tree", "--involving", "belarus")
    lines = result.stdout.splitlines()
    at = lines.index("belarus  Belarus  (8 as actor, 8 as target, 1991 – 2024-08-26)")
    assert lines[at + 1] == ("├── defense-minister  Viktor Khrenin  (1 as actor, 0 as target, "
                             "2024-08)")  # fmt: skip
    assert lines[at + 2].startswith("└── president  Alexander Lukashenko  (2 as actor")


# ---------------------------------------------------------------------------- rename


def test_rename_says_what_each_typed_name_is(bundled: Path) -> None:
    """A name or alias typed for OLD, or a NEW the log stores in another form, is said on
    stderr as the id it is, so that a rename never silently acts on something else."""
    result = run("actors", "rename", "Lukashenko", "Head Of State!", "-f", str(bundled),
                 "--dry-run")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[:2] == [
        "timeline: OLD: 'Lukashenko' is belarus/president",
        "timeline: NEW: 'Head Of State!' is head-of-state",
    ]


def test_rename_dry_run_changes_nothing(bundled: Path) -> None:
    before = bundled.read_bytes(), (bundled.parent / "actors.toml").read_bytes()
    result = run("actors", "rename", "Lukashenko", "belarus/head-of-state", "-f", str(bundled),
                 "--dry-run")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{bundled}:9: 2024-08-01-ukraine-refutes-120000-troops-claim: targets: "
        "belarus/president → belarus/head-of-state",
        f"{bundled}:14: 2024-08-18-lukashenko-claims-120000-ukrainian-troops: actors: "
        "belarus/president → belarus/head-of-state",
        f"{bundled}:15: 2024-08-19-belarus-moves-third-of-forces-to-border: actors: "
        "belarus, belarus/president → belarus, belarus/head-of-state",
    ]
    assert (bundled.read_bytes(), (bundled.parent / "actors.toml").read_bytes()) == before


def test_rename_rewrites_references_and_the_registry_keeping_other_bytes(bundled: Path) -> None:
    """Lines that do not name the actor stay byte for byte (here one in another program's
    layout); the registry changes only in the table's header."""
    lines = bundled.read_bytes().splitlines(keepends=True)
    foreign = json.dumps(json.loads(lines[0]), indent=None, separators=(", ", ": ")).encode()
    lines[0] = foreign + b"\r\n"
    bundled.write_bytes(b"".join(lines))
    registry = bundled.parent / "actors.toml"
    old_registry = registry.read_bytes()
    result = run("actors", "rename", "belarus/president", "belarus/head-of-state",
                 "-f", str(bundled))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2024-08-01-ukraine-refutes-120000-troops-claim",
        "2024-08-18-lukashenko-claims-120000-ukrainian-troops",
        "2024-08-19-belarus-moves-third-of-forces-to-border",
    ]
    assert result.stderr == (
        f"renamed 'belarus/president' to 'belarus/head-of-state' in 3 events of {bundled} and "
        f"in {registry}\n"
    )
    after = bundled.read_bytes().splitlines(keepends=True)
    assert len(after) == len(lines)
    for number, (old, new) in enumerate(zip(lines, after, strict=True), start=1):
        if number in (9, 14, 15):
            assert b"belarus/head-of-state" in new and b"belarus/president" not in new
        else:
            assert new == old
    assert registry.read_bytes() == old_registry.replace(
        b'\n["belarus/president"]\n', b'\n["belarus/head-of-state"]\n'
    )
    found = run("show", "-f", str(bundled), "--actor", "Lukashenko", "--json")
    assert len(ids(found)) == 2


def test_rename_fixes_drift_into_a_registered_actor(bundled: Path) -> None:
    """The drift check's advice works: a drifted id renamed to the registered one (typed by
    its alias) leaves nothing to report."""
    drifting(bundled)
    for old in ("belarus/defense-ministry", "belarus-mod", "belarus/mod"):
        done = run("actors", "rename", old, "Khrenin", "-f", str(bundled))
        assert done.exit_code == 0, done.stderr
    checked = run("check", "-f", str(bundled), "--as-of", "2026-01-01")
    assert checked.stderr == f"{bundled}: 0 errors, 2 warnings\n"


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]], ids=["run", "dry-run"])
def test_rename_onto_an_actor_the_log_names_says_the_two_become_one(
    bundled: Path, dry_run: list[str]
) -> None:
    """Two spellings of one actor made one is what a rename onto a used id is for, but it
    also makes one of two actors (here `belarus → russia` becomes `russia → russia`): said,
    not silent. A rename onto an unused id says nothing of it."""
    (bundled.parent / "actors.toml").unlink()
    result = run("actors", "rename", "belarus", "russia", "-f", str(bundled), *dry_run)
    assert result.exit_code == 0, result.stderr
    verb = "would become" if dry_run else "is now"
    assert result.stderr.splitlines()[0] == (
        f"timeline: 'russia' already names 5 events of {bundled}: 'belarus' {verb} one actor "
        "with it"
    )
    result = run("actors", "rename", "ukraine/mfa", "ukraine-mfa", "-f", str(bundled), *dry_run)
    assert result.exit_code == 0, result.stderr
    assert "already names" not in result.stderr


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]], ids=["run", "dry-run"])
def test_rename_of_an_actor_no_event_names_is_an_error(bundled: Path, dry_run: list[str]) -> None:
    """A dry run says what the run would: here, that it fails."""
    result = run("actors", "rename", "nobody", "someone", "-f", str(bundled), *dry_run)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"timeline: {bundled}: no event names 'nobody': nothing to rename\n"


def _line(event_id: str, actor: str, title: str = "T") -> str:
    return json.dumps({"id": event_id, "date": "2024-08-20", "title": title, "type": "accuse",
                       "actors": [actor], "sources": [{"url": "https://e.org"}]})  # fmt: skip


def test_rename_finds_every_spelling_that_is_read_as_the_actor(tmp_path: Path) -> None:
    """An actor stored as "CSTO" or "Wagner Group" is read as csto or wagner-group: a rename
    of that id reaches it (it reached only a line whose bytes held the id, by chance)."""
    log = tmp_path / "events.jsonl"
    lines = [_line("e1", "CSTO"), _line("e2", "CSTO", title="csto"),
             _line("e3", "Wagner Group"), _line("e4", "CSTO/Staff")]  # fmt: skip
    log.write_text("".join(line + "\n" for line in lines))
    assert run("actors", "rename", "csto", "org", "-f", str(log)).stdout == "e1\ne2\ne4\n"
    assert run("actors", "rename", "wagner-group", "wg", "-f", str(log)).stdout == "e3\n"
    stored = [json.loads(line)["actors"] for line in log.read_text().splitlines()]
    assert stored == [["org"], ["org"], ["wg"], ["org/staff"]]


def test_rename_writes_the_registry_only_after_the_log(
    bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log that cannot be rewritten leaves the registry as it was, and a registry that could
    not be rewritten (hard-linked, read-only) leaves the log as it was: either way the run
    again does the whole rename. A registry whose writing fails after the log's (a full disk)
    says what was done, and the run again finishes it (the registry still reads the actor's
    names as OLD)."""
    from timeline.errors import LogWriteError
    from timeline.log.files import LockedLog

    registry = bundled.parent / "actors.toml"
    before, log_before = registry.read_bytes(), bundled.read_bytes()
    os.link(bundled, bundled.parent / "other.jsonl")
    refused = run("actors", "rename", "wagner", "pmc", "-f", str(bundled))
    assert refused.exit_code == 2 and "hard links" in refused.stderr
    assert registry.read_bytes() == before
    (bundled.parent / "other.jsonl").unlink()
    os.link(registry, bundled.parent / "other.toml")
    linked = run("actors", "rename", "wagner", "pmc", "-f", str(bundled))
    assert linked.exit_code == 2
    assert linked.stderr == (
        f"timeline: {registry}: cannot rewrite: the file has 2 hard links, and the others would "
        "keep the old text (make it a single file, or use a symbolic link)\n"
    )
    assert (registry.read_bytes(), bundled.read_bytes()) == (before, log_before)
    (bundled.parent / "other.toml").unlink()
    registry.chmod(0o444)
    read_only = run("actors", "rename", "wagner", "pmc", "-f", str(bundled))
    assert read_only.exit_code == 2
    assert read_only.stderr == f"timeline: {registry}: cannot write: the file is read-only\n"
    assert (registry.read_bytes(), bundled.read_bytes()) == (before, log_before)
    registry.chmod(0o644)
    real_access = os.access
    for place in (registry, registry.parent):  # not ours to write (root passes over the bits)

        def access(path: Any, mode: int, denied: Path = place) -> bool:
            return Path(path) != denied and real_access(path, mode)

        with monkeypatch.context() as patched:
            patched.setattr(os, "access", access)
            denied = run("actors", "rename", "wagner", "pmc", "-f", str(bundled))
        assert denied.exit_code == 2
        assert denied.stderr == f"timeline: {registry}: cannot write: permission denied\n"
        assert (registry.read_bytes(), bundled.read_bytes()) == (before, log_before)
    rewrite = LockedLog.rewrite

    def full_disk(self: LockedLog, lines: Any) -> str | None:
        if self.path.name == "actors.toml":
            raise LogWriteError(f"{self.name}: cannot write: no space left on device")
        return rewrite(self, lines)

    with monkeypatch.context() as patched:
        patched.setattr(LockedLog, "rewrite", full_disk)
        half = run("actors", "rename", "wagner", "pmc", "-f", str(bundled))
    assert half.exit_code == 2
    assert half.stderr == (
        f"timeline: renamed 'wagner' to 'pmc' in 3 events of {bundled}, not in the registry: "
        f"{registry}: cannot write: no space left on device (run the command again to finish)\n"
    )
    assert registry.read_bytes() == before
    done = run("actors", "rename", "wagner", "pmc", "-f", str(bundled))
    assert done.exit_code == 0, done.stderr
    assert done.stderr == f"renamed 'wagner' to 'pmc' in 0 events of {bundled} and in {registry}\n"
    assert b"\n[pmc]\n" in registry.read_bytes()
    named = [[*e["actors"], *e["targets"]] for e in map(json.loads, bundled.open())]
    assert sum("pmc" in ids for ids in named) == 3 and not any("wagner" in i for i in named)


def test_rename_of_an_id_that_the_registry_reads_as_another_actor(bundled: Path) -> None:
    """An event that stores 'kremlin' (a name of russia in the registry, which check warns
    of) is renamed by `rename kremlin russia`: the log's id wins over the registry's reading
    (it said the two were one actor already, and nothing could fix the drift)."""
    with bundled.open("a") as log:
        log.write(_line("k1", "kremlin") + "\n")
    result = run("actors", "rename", "kremlin", "russia", "-f", str(bundled))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "k1\n"
    assert result.stderr.splitlines()[0] == (
        f"timeline: OLD: 'kremlin' is an id in {bundled}: renamed as such (the registry reads "
        "'kremlin' as russia)"
    )
    assert json.loads(bundled.read_text().splitlines()[-1])["actors"] == ["russia"]
    with bundled.open("a") as log:
        log.write(_line("k2", "kremlin") + "\n")
    as_a_name = run("actors", "rename", "Kremlin", "rf", "-f", str(bundled), "--dry-run")
    assert as_a_name.exit_code == 0, as_a_name.stderr  # typed as a name: the registry's actor
    assert as_a_name.stderr.splitlines()[0] == "timeline: OLD: 'Kremlin' is russia"
    assert "k2" not in as_a_name.stdout and "russia → rf" in as_a_name.stdout


def test_the_registry_beside_a_log_not_made_yet_serves_its_first_event(tmp_path: Path) -> None:
    """`add` and `import` that make a log use the actors.toml beside it, as they do once it
    exists: they stored the first event's names as typed ('khrenin', 'kyiv'), and `add` took
    a name the registry does not know without --new-actor."""
    shutil.copyfile(BUNDLED_REGISTRY, tmp_path / "actors.toml")
    added = tmp_path / "added.jsonl"
    common = ["--type", "threaten", "--target", "Kyiv", "--source", "https://example.org/1"]
    for day in ("01", "02"):  # made by the first, appended to by the second
        result = run("add", "-f", str(added), "--date", f"2024-08-{day}", "--actor", "Khrenin",
                     "--title", f"Day {day}", *common)  # fmt: skip
        assert result.exit_code == 0, result.stderr
        assert "'Khrenin' is belarus/defense-minister" in result.stderr
    stored = [json.loads(line) for line in added.read_text().splitlines()]
    assert [(e["actors"], e["targets"]) for e in stored] == [
        (["belarus/defense-minister"], ["ukraine"])
    ] * 2
    refused = run("add", "-f", str(tmp_path / "other.jsonl"), "--date", "2024-08-01",
                  "--actor", "Belarus MoD", "--title", "x", *common)  # fmt: skip
    assert refused.exit_code == 2
    assert f"'Belarus MoD' is not in {tmp_path / 'actors.toml'}" in refused.stderr
    assert not (tmp_path / "other.jsonl").exists()
    batch = tmp_path / "in.jsonl"
    batch.write_text(json.dumps({
        "id": "i1", "date": "2024-08-01", "title": "t", "type": "threaten",
        "actors": ["Lukashenko"], "targets": ["Kyiv"], "sources": [{"url": "https://e.org"}],
    }) + "\n")  # fmt: skip
    imported = tmp_path / "imported.jsonl"
    assert run("import", str(batch), "-f", str(imported)).exit_code == 0
    event = json.loads(imported.read_text())
    assert (event["actors"], event["targets"]) == (["belarus/president"], ["ukraine"])


def test_a_rename_is_undone_by_renaming_back(bundled: Path) -> None:
    """After `rename russia rus`, the registry's name "Russia" reads as rus; renaming back to
    'russia' is still what was meant (it was refused: "one actor already"), and leaves the log
    and the registry byte for byte as they were."""
    registry = bundled.parent / "actors.toml"
    before = bundled.read_bytes(), registry.read_bytes()
    there = run("actors", "rename", "russia", "rus", "-f", str(bundled))
    assert there.exit_code == 0, there.stderr
    back = run("actors", "rename", "rus", "russia", "-f", str(bundled))
    assert back.exit_code == 0, back.stderr
    assert back.stderr.splitlines()[0] == (
        "timeline: NEW: 'russia' names rus, whose id it becomes: russia"
    )
    assert (bundled.read_bytes(), registry.read_bytes()) == before


def test_a_rename_to_a_name_of_the_actor_itself_makes_it_the_id(bundled: Path) -> None:
    """NEW that the registry reads as OLD's own actor ('wagner-group', the stored form of its
    name "Wagner Group") is the id the actor is to have; its name stays."""
    done = run("actors", "rename", "wagner", "wagner-group", "-f", str(bundled))
    assert done.exit_code == 0, done.stderr
    text = (bundled.parent / "actors.toml").read_text(encoding="utf-8")
    assert "[wagner-group]" in text and "[wagner]" not in text
    events = [json.loads(line) for line in bundled.read_text(encoding="utf-8").splitlines()]
    assert not any("wagner" in e["actors"] + e["targets"] for e in events)
    shown = run("show", "-f", str(bundled), "--actor", "Wagner Group", "--json")
    assert len(shown.stdout.splitlines()) == 2


@pytest.mark.parametrize(
    ("old", "new", "actor"),
    [("Lukashenko", "lukashenko", "belarus/president"),
     ("Lukashenko", "Alexander Lukashenko", "belarus/president"),
     ("Russia", "Kremlin", "russia"),  # a name that reads, once normalised, as the id
     ("Wagner", "PMC Wagner", "wagner")],
)  # fmt: skip
def test_a_rename_from_a_name_to_the_same_actor_is_refused(
    bundled: Path, old: str, new: str, actor: str
) -> None:
    """OLD typed as a name and NEW reading as the same actor name it twice: refused, as
    before, and nothing changes (only OLD typed as its id takes a name of its own as NEW)."""
    before = bundled.read_bytes(), (bundled.parent / "actors.toml").read_bytes()
    done = run("actors", "rename", old, new, "-f", str(bundled))
    assert done.exit_code == 2
    assert done.stderr.splitlines()[-1] == (
        f"timeline: rename: {old!r} and {new!r} are one actor already: {actor}"
    )
    assert (bundled.read_bytes(), (bundled.parent / "actors.toml").read_bytes()) == before


def test_a_name_that_becomes_an_id_inside_another_actor_is_said(bundled: Path) -> None:
    """A NEW read from OLD's own alias ("Belarus/KGB", given to russia) whose id would be a
    part of another actor (belarus) is said: typed as the id, the move would be explicit."""
    registry = bundled.parent / "actors.toml"
    text = registry.read_text(encoding="utf-8")
    registry.write_text(text.replace('"Kremlin"]', '"Kremlin", "Belarus/KGB"]'), encoding="utf-8")
    done = run("actors", "rename", "russia", "Belarus/KGB", "-f", str(bundled), "--dry-run")
    assert done.exit_code == 0, done.stderr
    assert done.stderr.splitlines()[:2] == [
        "timeline: NEW: 'Belarus/KGB' names russia, whose id it becomes: belarus/kgb",
        "timeline: NEW: belarus/kgb is a part of belarus",
    ]


@pytest.mark.parametrize(
    "command",
    [["add", *ADD, "--actor", "Lukashenko"],
     ["edit", "2024-08-18-lukashenko-claims", "--target", "Lukashenko"],
     ["actors", "rename", "belarus/president", "belarus/leader"],
     ["import", "new.jsonl"]],
    ids=["add", "edit", "rename", "import"],
)  # fmt: skip
def test_a_writer_that_waited_behind_a_rename_changes_nothing(
    bundled: Path, command: list[str]
) -> None:
    """A writer reads the registry, then waits for the log's lock; a rename holding it changes
    the registry (belarus/president is belarus/head now). Once it has the lock, the writer
    finds the registry changed and stops, changing nothing: it would have stored
    'belarus/president', an id the registry no longer holds (a fuzz of concurrent writers)."""
    import subprocess
    import sys

    from timeline.log.files import lock_log

    registry = bundled.parent / "actors.toml"
    source = {"url": "https://example.org/a"}
    event = {"id": "imported", "date": "2024-08-20", "title": "T", "type": "accuse",
             "actors": ["Lukashenko"], "sources": [source]}  # fmt: skip
    (bundled.parent / "new.jsonl").write_text(json.dumps(event) + "\n", encoding="utf-8")
    with lock_log(bundled, create=False):
        writer = subprocess.Popen(
            [sys.executable, "-m", "timeline", *command, "-f", str(bundled)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=bundled.parent,
        )  # fmt: skip
        assert writer.stderr is not None
        said = ""
        while "waiting for" not in said:  # it has read the registry, and waits for the lock
            said = writer.stderr.readline()
            assert said, "the writer ended without waiting"
        text = registry.read_text(encoding="utf-8")
        changed = text.replace('["belarus/president"]', '["belarus/head"]')
        assert changed != text
        registry.write_text(changed, "utf-8")
        log_before = bundled.read_bytes()
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 2, (out, err)
    assert err.splitlines()[-1] == (
        f"timeline: {registry}: the actor registry changed while this command waited for the "
        "log (an 'actors rename'?): nothing was changed; run the command again"
    )
    assert bundled.read_bytes() == log_before


def test_a_registry_unchanged_passes_and_one_removed_or_rewritten_is_refused(
    bundled: Path,
) -> None:
    """``refuse_changed`` under the lock: the bytes as read pass; a registry rewritten, or
    removed, while the writer waited is refused (nothing to resolve names against)."""
    from timeline.cli.registry import load_registry, refuse_changed
    from timeline.errors import ConflictError

    registry_file = bundled.parent / "actors.toml"
    registry = load_registry(None, str(bundled))
    refuse_changed(registry)
    refuse_changed(None)  # no registry: nothing to compare
    registry_file.write_bytes(registry_file.read_bytes() + b"\n")
    with pytest.raises(ConflictError, match="the actor registry changed"):
        refuse_changed(registry)
    registry_file.unlink()
    with pytest.raises(ConflictError, match="the actor registry changed"):
        refuse_changed(registry)
