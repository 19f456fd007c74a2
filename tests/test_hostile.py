"""Hostile input: every case of the corpus in ``tests/hostile/`` (and the big ones generated here)
through ``show``, ``check``, ``add``, ``import``, ``edit`` and ``rm``.

Each case ends in a one-line error naming the file and line (exit 2) or in warnings with the rest
processed; never in a traceback, and never in a changed log unless the command was meant to
change it — then every other byte stays as it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from timeline.cli import app
from timeline.errors import LineError
from timeline.log.lines import RawLine
from timeline.model import Event, canonical_json
from timeline.parsing import InvalidLine, ValidLine, parse_lines, parse_raw_line

HOSTILE = Path(__file__).resolve().parent / "hostile"
BUNDLED = Path(__file__).resolve().parent.parent / "data" / "events.jsonl"

GOOD_EVENT = {
    "id": "good-1",
    "date": "2024-08-26",
    "title": "Good event",
    "type": "accuse",
    "actors": ["belarus"],
    "sources": [{"url": "https://example.org/good"}],
}
GOOD_LINE = json.dumps(GOOD_EVENT, separators=(",", ":")).encode()
PLAIN = {
    "good-0": "2024-08-25\taccuse\tbelarus\tGood event\tgood-0",
    "good-1": "2024-08-26\taccuse\tbelarus\tGood event\tgood-1",
}
CANONICAL = {
    "good-0": canonical_json(
        Event.model_validate({**GOOD_EVENT, "id": "good-0", "date": "2024-08-25"})
    ),
    "good-1": canonical_json(Event.model_validate(GOOD_EVENT)),
}
IMPORTED = canonical_json(Event.model_validate({**GOOD_EVENT, "id": "imported-1"}))
TARGET = canonical_json(Event.model_validate({**GOOD_EVENT, "id": "target-1"})) + "\n"
ADD_ARGS = [
    "add", "--id", "added-1", "--date", "2024-08-27", "--type", "threaten", "--actor", "belarus",
    "--title", "Added event", "--source", "https://example.org/added", "--json",
]  # fmt: skip
MAX_MESSAGE = 400  # a one-line message never quotes a whole 50 MB line


# ---------------------------------------------------------------------------- running the CLI


class Hang(BaseException):
    """Raised by the alarm when a command blocks (a FIFO opened for reading, a lock never freed)."""


def cli(*args: str, stdin: bytes | None = None, seconds: int = 30) -> Result:
    """Run the CLI in-process under an alarm; fail on a traceback or a non-SystemExit exception."""

    def on_alarm(signum: int, frame: object) -> None:
        raise Hang(f"timeline {' '.join(args)} blocked for {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        result = CliRunner().invoke(app, list(args), input=stdin)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.stdout
    assert "Traceback" not in result.stderr
    return result


def err_lines(result: Result) -> list[str]:
    return result.stderr.splitlines()


def located(lines: list[str], name: str) -> set[int]:
    """The line numbers named by ``name:N: message`` lines; fails on a line of another shape."""
    pattern = re.compile(rf"{re.escape(name)}:(\d+): \S.*")
    numbers = set()
    for line in lines:
        match = pattern.fullmatch(line)
        assert match, f"not a located one-line message: {line[:200]!r}"
        assert len(line) <= MAX_MESSAGE, f"message too long: {line[:200]!r}..."
        numbers.add(int(match.group(1)))
    return numbers


def without_summary(lines: list[str]) -> list[str]:
    """The lines before a closing ``timeline: …`` summary (``import`` may end with one)."""
    summary = [line for line in lines if line.startswith("timeline: ")]
    assert len(summary) <= 1, summary
    assert not summary or lines[-1] == summary[0], lines
    return lines[: len(lines) - len(summary)]


def physical_lines(data: bytes) -> list[bytes]:
    """The lines of a file with their line ends, as the tool numbers them."""
    return re.findall(rb"[^\n]*\n|[^\n]+\Z", data)


def appended(before: bytes, line: bytes) -> bytes:
    """``before`` with ``line`` appended the way an append must: on a line of its own, ending
    as the log's last line ends (CRLF after CRLF)."""
    sep = b"\n" if before and not before.endswith(b"\n") else b""
    if before.endswith(b"\r\n"):
        line = line.removesuffix(b"\n") + b"\r\n"
    return before + sep + line


def folder_listing(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir())


# ---------------------------------------------------------------------------- the corpus


def _fifty_mb_line() -> bytes:
    """A 50 MB JSON object whose one unknown key holds a 50 MB string, then a good event."""
    blob = b"x" * (50 * 1024 * 1024)
    head = GOOD_LINE.replace(b'"good-1"', b'"big-1"')[:-1]
    return head + b',"blob":"' + blob + b'"}\n' + GOOD_LINE + b"\n"


def _nested_100000_deep() -> bytes:
    """A good event, then arrays, objects and an event's 'extra' nested 100,000 deep."""
    depth = 100_000
    arrays = b"[" * depth + b"]" * depth
    objects = b'{"a":' * depth + b"1" + b"}" * depth
    in_event = GOOD_LINE.replace(b'"good-1"', b'"deep-4"')[:-1] + b',"extra":' + objects + b"}"
    return GOOD_LINE + b"\n" + arrays + b"\n" + objects + b"\n" + in_event + b"\n"


@dataclass(frozen=True)
class Case:
    """One hostile log: the lines a reader must report, and the valid events it must still use."""

    name: str
    bad: tuple[int, ...]
    good: tuple[str, ...]
    generate: Callable[[], bytes] | None = None

    def data(self) -> bytes:
        if self.generate is not None:
            return self.generate()
        return (HOSTILE / f"{self.name}.jsonl").read_bytes()

    def write(self, folder: Path) -> tuple[Path, bytes]:
        path = folder / f"{self.name}.jsonl"
        data = self.data()
        path.write_bytes(data)
        return path, data


CASES = [
    Case("invalid_utf8", (1, 3, 4), ("good-1",)),
    Case("bom", (), ("good-0", "good-1")),
    Case("bom_not_first_line", (2,), ("good-1",)),
    Case("crlf", (), ("good-0", "good-1")),
    Case("nul", (1, 3, 4), ("good-1",)),
    Case("numbers_for_strings", (1, 3, 4, 5, 6), ("good-1",)),
    Case("string_for_list", (1, 2, 4, 5), ("good-1",)),
    Case("duplicate_keys", (1, 3), ("good-1",)),
    Case("huge_integers", (1, 3, 4), ("good-1",)),
    Case("nan_infinity", (1, 3, 4, 5), ("good-1",)),
    Case("not_an_object", (2, 3, 4, 5), ("good-1",)),
    Case("torn_last_line", (2,), ("good-1",)),
    Case("empty", (), ()),
    Case("blank_lines", (), ()),
    Case("line_of_50_mb", (1,), ("good-1",), _fifty_mb_line),
    Case("nested_100000_deep", (2, 3, 4), ("good-1",), _nested_100000_deep),
]
CASE_IDS = [case.name for case in CASES]
# The same cases as parameters; the 50 MB line is slow.
CASE_PARAMS = [
    pytest.param(case, id=case.name, marks=[pytest.mark.slow] if "50_mb" in case.name else [])
    for case in CASES
]


def test_corpus_files_keep_their_hostile_bytes() -> None:
    """The committed corpus still holds the bytes each case is about (no editor 'fixed' them)."""
    files = {path.name for path in HOSTILE.glob("*.jsonl")}
    committed = {f"{c.name}.jsonl" for c in CASES if c.generate is None} | {"lone_surrogate.jsonl"}
    assert files == committed
    for path in HOSTILE.glob("*.jsonl"):
        assert path.stat().st_size < 64 * 1024, f"{path.name}: big files are generated, not kept"
    data = {name: (HOSTILE / name).read_bytes() for name in files}
    assert data["bom.jsonl"].startswith(b"\xef\xbb\xbf{")
    assert data["bom_not_first_line.jsonl"].split(b"\n")[1].startswith(b"\xef\xbb\xbf{")
    assert data["crlf.jsonl"].count(b"\n") == data["crlf.jsonl"].count(b"\r\n") == 3
    assert b"\x00" in data["nul.jsonl"]
    with pytest.raises(UnicodeDecodeError):
        data["invalid_utf8.jsonl"].decode("utf-8")
    assert not data["torn_last_line.jsonl"].endswith(b"\n")
    assert data["empty.jsonl"] == b""
    assert data["blank_lines.jsonl"].strip() == b""
    assert b"1" + b"0" * 5000 in data["huge_integers.jsonl"]
    assert b"\\ud800" in data["lone_surrogate.jsonl"]


# ---------------------------------------------------------------------------- reading commands


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_show_warns_about_each_bad_line_and_shows_the_rest(case: Case, tmp_path: Path) -> None:
    """`show` names every bad line (file:line) on stderr, shows every valid event, exits 0."""
    path, before = case.write(tmp_path)
    result = cli("show", "--file", str(path), "--format", "plain")
    assert result.exit_code == 0
    assert result.stdout == "".join(PLAIN[id_] + "\n" for id_ in case.good)
    assert located(err_lines(result), str(path)) == set(case.bad)
    assert path.read_bytes() == before


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_show_strict_stops_at_the_first_bad_line(case: Case, tmp_path: Path) -> None:
    """`show --strict` turns the first bad line into a located error (exit 2) and shows nothing."""
    path, before = case.write(tmp_path)
    result = cli("show", "--file", str(path), "--format", "plain", "--strict")
    if case.bad:
        assert result.exit_code == 2
        assert result.stdout == ""
        assert located(err_lines(result), str(path)) == {case.bad[0]}
    else:
        assert result.exit_code == 0
        assert result.stdout == "".join(PLAIN[id_] + "\n" for id_ in case.good)
        assert result.stderr == ""
    assert path.read_bytes() == before


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_check_lists_every_bad_line_and_changes_nothing(case: Case, tmp_path: Path) -> None:
    """`check` prints one located line per problem, a one-line summary, exits 1 on errors."""
    path, before = case.write(tmp_path)
    result = cli("check", "--file", str(path))
    assert result.exit_code == (1 if case.bad else 0)
    assert located(result.stdout.splitlines(), str(path)) == set(case.bad)
    summary = err_lines(result)
    assert len(summary) == 1
    assert summary[0].startswith(f"{path}: ")
    assert path.read_bytes() == before


# ---------------------------------------------------------------------------- writing commands


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_add_appends_one_line_and_keeps_every_other_byte(case: Case, tmp_path: Path) -> None:
    """`add --id` to a hostile log appends exactly its event on a line of its own."""
    path, before = case.write(tmp_path)
    result = cli(*ADD_ARGS, "--file", str(path))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "added-1"
    assert path.read_bytes() == appended(before, result.stdout.encode())
    assert folder_listing(tmp_path) == [path.name]


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_import_into_a_hostile_log_keeps_every_other_byte(case: Case, tmp_path: Path) -> None:
    """`import` into a hostile log appends the new events and touches no existing byte."""
    path, before = case.write(tmp_path)
    source = tmp_path / "new.jsonl"
    source.write_text(IMPORTED + "\n", encoding="utf-8")
    result = cli("import", str(source), "--file", str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "imported-1\n"
    assert path.read_bytes() == appended(before, IMPORTED.encode() + b"\n")


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_import_from_hostile_input_imports_all_or_nothing(case: Case, tmp_path: Path) -> None:
    """`import` of a hostile file names every bad input line and imports nothing (exit 2)."""
    source, source_bytes = case.write(tmp_path)
    target = tmp_path / "target.jsonl"
    target.write_text(TARGET, encoding="utf-8")
    result = cli("import", str(source), "--file", str(target))
    lines = err_lines(result)
    if case.bad:
        assert result.exit_code == 2
        assert result.stdout == ""
        assert located(without_summary(lines), str(source)) == set(case.bad)
        assert target.read_text(encoding="utf-8") == TARGET
    else:
        assert result.exit_code == 0, result.stderr
        assert result.stdout == "".join(id_ + "\n" for id_ in case.good)
        assert len(lines) == 1
        expected = TARGET + "".join(CANONICAL[id_] + "\n" for id_ in case.good)
        assert target.read_text(encoding="utf-8") == expected
    assert source.read_bytes() == source_bytes


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_edit_in_a_hostile_log_changes_only_its_line(case: Case, tmp_path: Path) -> None:
    """`edit` rewrites the one line of its event; bad lines, blank lines and line ends stay."""
    path, before = case.write(tmp_path)
    result = cli("edit", "good-1", "--tag", "edited", "--json", "--file", str(path))
    if "good-1" not in case.good:
        assert result.exit_code == 2
        assert len(err_lines(result)) == 1
        assert path.read_bytes() == before
        return
    assert result.exit_code == 0, result.stderr
    stored = result.stdout.encode().removesuffix(b"\n")
    assert json.loads(stored)["tags"] == ["edited"]
    lines = physical_lines(before)
    [index] = [i for i, line in enumerate(lines) if line.startswith(GOOD_LINE)]
    lines[index] = stored + lines[index][len(GOOD_LINE) :]
    assert path.read_bytes() == b"".join(lines)
    assert folder_listing(tmp_path) == [path.name]


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_rm_in_a_hostile_log_removes_only_its_line(case: Case, tmp_path: Path) -> None:
    """`rm --yes` drops the one line of its event and keeps every other byte."""
    path, before = case.write(tmp_path)
    result = cli("rm", "good-1", "--yes", "--file", str(path))
    if "good-1" not in case.good:
        assert result.exit_code == 2
        assert len(err_lines(result)) == 1
        assert path.read_bytes() == before
        return
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "good-1\n"
    lines = [line for line in physical_lines(before) if not line.startswith(GOOD_LINE)]
    assert path.read_bytes() == b"".join(lines)
    assert folder_listing(tmp_path) == [path.name]


def test_import_skips_blank_lines_between_events(tmp_path: Path) -> None:
    """Blank lines between events are skipped by `import`, as by `show` and `check`."""
    target = tmp_path / "target.jsonl"
    target.write_text(TARGET, encoding="utf-8")
    data = CANONICAL["good-0"] + "\n\n" + CANONICAL["good-1"] + "\n"
    result = cli("import", "-", "--file", str(target), stdin=data.encode())
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "good-0\ngood-1\n"
    assert target.read_text(encoding="utf-8") == TARGET + data.replace("\n\n", "\n")


def test_import_from_stdin_names_stdin_in_each_error(tmp_path: Path) -> None:
    """Bad lines piped to `import -` are reported as <stdin>:N and nothing is imported."""
    target = tmp_path / "target.jsonl"
    target.write_text(TARGET, encoding="utf-8")
    data = (HOSTILE / "invalid_utf8.jsonl").read_bytes()
    result = cli("import", "-", "--file", str(target), stdin=data)
    assert result.exit_code == 2
    assert located(without_summary(err_lines(result)), "<stdin>") == {1, 3, 4}
    assert target.read_text(encoding="utf-8") == TARGET


@pytest.mark.parametrize(
    ("data", "lineno"),
    [
        pytest.param(b"[" + b"[" * 100_000 + b"]" * 100_000 + b"]\n", 1, id="deep-element"),
        pytest.param(
            b"[\n" + GOOD_LINE + b",\n" + b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"\n]\n",
            3,
            id="deep-second-element",
        ),
    ],
)
def test_import_of_a_deeply_nested_json_array_is_a_located_error(
    data: bytes, lineno: int, tmp_path: Path
) -> None:
    """A JSON array whose element nests 100,000 deep is refused at that element's line."""
    target = tmp_path / "target.jsonl"
    target.write_text(TARGET, encoding="utf-8")
    result = cli("import", "-", "--file", str(target), stdin=data)
    assert result.exit_code == 2
    assert located(without_summary(err_lines(result)), "<stdin>") == {lineno}
    assert target.read_text(encoding="utf-8") == TARGET


# ---------------------------------------------------------------------------- a lone surrogate

SURROGATE = HOSTILE / "lone_surrogate.jsonl"


@pytest.mark.parametrize("fmt", ["plain", "json", "csv", "rich"])
def test_show_survives_a_lone_surrogate_escape(fmt: str, tmp_path: Path) -> None:
    """A valid-JSON title '\\ud800' is shown escaped or reported as a bad line, never a crash."""
    path = tmp_path / "log.jsonl"
    shutil.copyfile(SURROGATE, path)
    result = cli("show", "--file", str(path), "--format", fmt)
    assert result.exit_code in {0, 2}
    assert ("Good event" if fmt == "rich" else "good-1") in result.stdout
    assert located(err_lines(result), str(path)) <= {2}


def test_a_lone_surrogate_is_one_problem_among_the_lines_others() -> None:
    """Each field that a lone surrogate spoils is named, and the model's problems with the
    line's other fields come too: a user fixes the line at once, not a problem at a time."""
    line = (
        b'{"id":"s1","date":"2024-01-01","title":"a\\udc00","summary":"b\\ud800",'
        b'"type":"bogus","actors":["belarus"],"sources":[{"url":"https://a.b"}],'
        b'"extra":{"k\\udc01":1}}'
    )
    with pytest.raises(LineError) as raised:
        parse_raw_line(RawLine(1, line), source="log.jsonl")
    spoiled = "a \\u escape makes a lone surrogate, which is not text"
    assert raised.value.problems[:3] == [
        ("title", spoiled),
        ("summary", spoiled),
        ("extra", spoiled),
    ]
    assert [field for field, _ in raised.value.problems[3:]] == ["type"]


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        # a list for a date, its item a surrogate: the model says a date is a string too
        (b'{"id":"s1","date":["\\ud800"],"title":"t"}',
         ["date[0]", "date", "type", "actors", "sources"]),
        (b'{"id":"s1","date":"\\ud800","title":"t","type":"\\udfff","actors":["\\ud800"],'
         b'"sources":[{"url":"https://a.b"}]}', ["date", "type", "actors[0]"]),
        # a key: the line's object holds it, and the model names it as the line writes it
        (b'{"ti\\udc00tle":"t","id":"s1"}',
         [None, "date", "title", "type", "actors", "sources", "ti\\udc00tle"]),
        (b'{"id":"s1","extra":{"k\\udc01":"v\\ud800"}}',
         ["extra", "extra.k\\udc01", "date", "title", "type", "actors", "sources"]),
        # a replacement character that the line holds is the model's to judge
        (b'{"id":"s1","date":"2024-01-01","title":"a\\ud800","type":"\\ufffd",'
         b'"actors":["a"],"sources":[{"url":"https://a.b"}]}', ["title", "type"]),
    ],
)  # fmt: skip
def test_a_lone_surrogate_where_the_model_reads_no_text(
    line: bytes, fields: list[str | None]
) -> None:
    """In a date, an enum, a key or beneath one, where pydantic cannot read a lone surrogate:
    each is named, the model judges the rest, and every field and message can be written out
    (a path holds the escape, as the line does, not the surrogate)."""
    with pytest.raises(LineError) as raised:
        parse_raw_line(RawLine(1, line), source="log.jsonl")
    assert [field for field, _ in raised.value.problems] == fields
    for field, message in raised.value.problems:
        f"{field}{message}".encode()  # raises on a lone surrogate


def test_check_names_every_problem_of_a_line_with_a_lone_surrogate(tmp_path: Path) -> None:
    """Through check, the surrogate's field once and the model's other problems with it."""
    path = tmp_path / "log.jsonl"
    path.write_bytes(
        b'{"id":"s\\ud800","date":"2024-01-01","title":"t","type":"bogus",'
        b'"actors":["belarus"],"sources":[{"url":"https://a.b"}]}\n'
    )
    result = cli("check", "--file", str(path))
    assert result.exit_code == 1
    problems = [line for line in result.stdout.splitlines() if line.startswith(str(path) + ":1:")]
    assert [p.split(": ")[1] for p in problems] == ["id", "type"]  # the id once: its surrogate


def test_import_survives_a_lone_surrogate_escape(tmp_path: Path) -> None:
    """Importing a '\\ud800' title is refused with a located error or stored as valid UTF-8."""
    target = tmp_path / "target.jsonl"
    target.write_text(TARGET, encoding="utf-8")
    result = cli("import", str(SURROGATE), "--file", str(target))
    assert result.exit_code in {0, 2}
    target.read_bytes().decode("utf-8")


# ------------------------------------------------------------------------ paths that are not logs


def _directory(folder: Path) -> Path:
    path = folder / "events.jsonl"
    path.mkdir()
    return path


def _fifo(folder: Path) -> Path:
    path = folder / "events.jsonl"
    os.mkfifo(path)
    return path


def _socket(folder: Path) -> Path:
    path = folder / "events.jsonl"
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(path))  # the path stays a socket after the socket is closed
    listening.close()
    return path


def _missing(folder: Path) -> Path:
    return folder / "events.jsonl"


def _through_a_file(folder: Path) -> Path:
    (folder / "file").write_text("not a folder\n")
    return folder / "file" / "events.jsonl"


def _no_folder(folder: Path) -> Path:
    return folder / "nowhere" / "events.jsonl"


def _unreadable(folder: Path) -> Path:
    path = folder / "events.jsonl"
    path.write_bytes(GOOD_LINE + b"\n")
    path.chmod(0)
    return path


def _io_error(folder: Path) -> Path:
    return Path("/proc/self/mem")  # a regular file whose first read fails (EIO), even for root


_root = pytest.mark.skipif(os.geteuid() == 0, reason="root reads a mode-000 file")
_proc = pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")

UNREADABLE = [
    pytest.param(_directory, id="directory"),
    pytest.param(_socket, id="socket"),
    pytest.param(_missing, id="missing"),
    pytest.param(_through_a_file, id="through-a-file"),
    pytest.param(_no_folder, id="no-folder"),
    pytest.param(_unreadable, id="mode-000", marks=_root),
    pytest.param(_io_error, id="io-error", marks=_proc),
]


def _snapshot(path: Path) -> Any:
    """What a path is, for 'left as it was': kind and mode, and bytes for a regular file."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return ("absent", exc.errno)
    if stat.S_ISREG(st.st_mode) and str(path).startswith("/proc/"):
        return ("proc", st.st_mode)
    if stat.S_ISREG(st.st_mode):
        return ("file", st.st_mode, path.read_bytes())
    if stat.S_ISDIR(st.st_mode):
        return ("dir", st.st_mode, folder_listing(path))
    return ("other", st.st_mode)


def _read_commands(path: str, folder: Path) -> Iterator[tuple[str, list[str]]]:
    good = folder / "good.jsonl"
    good.write_bytes(GOOD_LINE + b"\n")
    yield "show", ["show", "--file", path, "--format", "plain"]
    yield "show-json", ["show", "--file", path, "--json"]
    yield "check", ["check", "--file", path]
    yield "import-from", ["import", path, "--file", str(folder / "target.jsonl")]
    yield "diff", ["diff", path, str(good)]


@pytest.mark.parametrize("make", UNREADABLE)
def test_reading_what_is_not_a_readable_log_is_one_line_error(
    make: Callable[[Path], Path], tmp_path: Path
) -> None:
    """show/check/import/diff of a directory, FIFO, missing or unreadable path: one line, exit 2."""
    path = make(tmp_path)
    state = _snapshot(path)
    for label, args in _read_commands(str(path), tmp_path):
        result = cli(*args, seconds=10)
        assert result.exit_code == 2, label
        assert result.stdout == "", label
        assert re.fullmatch(
            rf"timeline: {re.escape(str(path))}: cannot read: \S.*", result.stderr.rstrip("\n")
        ), (label, result.stderr)
        assert _snapshot(path) == state, label
    assert not (tmp_path / "target.jsonl").exists()


def _read_only(folder: Path) -> Path:
    path = folder / "events.jsonl"
    shutil.copyfile(BUNDLED, path)
    path.chmod(0o444)
    return path


def _read_only_hostile(folder: Path) -> Path:
    path = folder / "events.jsonl"
    shutil.copyfile(HOSTILE / "nul.jsonl", path)
    path.chmod(0o444)
    return path


UNWRITABLE = [
    pytest.param(_read_only, id="read-only"),
    pytest.param(_read_only_hostile, id="read-only-hostile"),
    pytest.param(_directory, id="directory"),
    pytest.param(_fifo, id="fifo"),
    pytest.param(_through_a_file, id="through-a-file"),
    pytest.param(_no_folder, id="no-folder"),
]


def _first_id(path: Path) -> str:
    for line in path.read_bytes().splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            return str(obj["id"])
    return "good-1"


@pytest.mark.parametrize("make", UNWRITABLE)
def test_writing_to_what_is_not_a_writable_log_is_one_line_error(
    make: Callable[[Path], Path], tmp_path: Path
) -> None:
    """add/import/edit/rm of a read-only/non-file/folderless log: one line, exit 2, nothing made."""
    path = make(tmp_path)
    source = tmp_path / "source.jsonl"
    source.write_text(IMPORTED + "\n", encoding="utf-8")
    event_id = _first_id(path) if path.is_file() else "good-1"
    state, listing = _snapshot(path), folder_listing(tmp_path)
    commands = {
        "add": [*ADD_ARGS, "--file", str(path)],
        "import": ["import", str(source), "--file", str(path)],
        "edit": ["edit", event_id, "--tag", "x", "--file", str(path)],
        "rm": ["rm", event_id, "--yes", "--file", str(path)],
    }
    for label, args in commands.items():
        result = cli(*args, seconds=10)
        assert result.exit_code == 2, label
        assert result.stdout == "", label
        assert re.fullmatch(
            rf"timeline: {re.escape(str(path))}: cannot write: \S.*", result.stderr.rstrip("\n")
        ), (label, result.stderr)
        assert _snapshot(path) == state, label
        assert folder_listing(tmp_path) == listing, label


@pytest.mark.parametrize("command", ["edit", "rm"])
def test_edit_or_rm_of_a_missing_log_does_not_create_it(command: str, tmp_path: Path) -> None:
    """`edit`/`rm` on a log that does not exist: one-line error, exit 2, no file created."""
    path = tmp_path / "events.jsonl"
    args = ["edit", "good-1", "--tag", "x"] if command == "edit" else ["rm", "good-1", "--yes"]
    result = cli(*args, "--file", str(path))
    assert result.exit_code == 2
    assert re.fullmatch(
        rf"timeline: {re.escape(str(path))}: cannot write: \S.*", result.stderr.rstrip("\n")
    ), result.stderr
    assert folder_listing(tmp_path) == []


def test_a_read_only_log_reads_as_a_writable_one(tmp_path: Path) -> None:
    """Making a log read-only changes nothing for `show` and `check`."""
    writable = tmp_path / "w.jsonl"
    shutil.copyfile(BUNDLED, writable)
    read_only = _read_only(tmp_path)
    for args in (["show", "--format", "plain"], ["show", "--json"], ["check"]):
        want = cli(*args, "--file", str(writable))
        got = cli(*args, "--file", str(read_only))
        assert got.exit_code == want.exit_code
        assert got.stdout == want.stdout.replace(str(writable), str(read_only))
        assert got.stderr == want.stderr.replace(str(writable), str(read_only))


# ------------------------------------------------------------------------ the reader, by property

_FIELDS = ["id", "date", "precision", "end", "title", "summary", "type", "actors", "targets",
           "status", "responds_to", "location", "sources", "tags", "extra", "other"]  # fmt: skip
_EDGE_TEXT = ["", " ", "2024-02-30", "9999-12-31", "0001-01-01", "2024-W01", "week", "year",
              "month", "belarus", "a/b", "reject", "\x1b[2J", "\u202e", "\ud800"]  # fmt: skip
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(_EDGE_TEXT),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def _mutated_event_lines(draw: st.DrawFn) -> bytes:
    """A valid event with some fields replaced by arbitrary JSON, serialized one of several ways."""
    obj: dict[str, Any] = dict(GOOD_EVENT)
    for key in draw(st.lists(st.sampled_from(_FIELDS), max_size=4)):
        obj[key] = draw(_json_values)
    text = json.dumps(obj, ensure_ascii=draw(st.booleans()))
    data = text.encode("utf-8", "surrogatepass")
    cut = draw(st.integers(0, len(data)))
    return draw(st.sampled_from([data, data[:cut], b"\xef\xbb\xbf" + data, data + b"\r"]))


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    data=st.binary(max_size=300) | _mutated_event_lines(),
    lineno=st.integers(1, 10**6),
    end=st.sampled_from([b"", b"\n", b"\r\n"]),
)
@example(data=b"[" * 100_000, lineno=1, end=b"\n")
@example(data=b'{"id":' + b"9" * 5000 + b"}", lineno=2, end=b"\n")
@example(data=b'{"id":NaN}', lineno=3, end=b"")
@example(data=b"\xef\xbb\xbf" + GOOD_LINE, lineno=1, end=b"\r\n")
def test_the_reader_returns_an_event_or_a_located_error(
    data: bytes, lineno: int, end: bytes
) -> None:
    """For any bytes, parse_raw_line returns an Event or raises a LineError for that line only."""
    try:
        event = parse_raw_line(RawLine(lineno, data + end), source="log.jsonl")
    except LineError as exc:
        assert (exc.source, exc.lineno) == ("log.jsonl", lineno)
        assert exc.problems
        for message in exc.messages():
            assert message.startswith(f"log.jsonl:{lineno}: ")
    else:
        assert isinstance(event, Event)


@settings(max_examples=200, deadline=None, database=None)
@given(
    data=st.binary(max_size=300) | _mutated_event_lines(),
    lineno=st.integers(1, 10**6),
)
@example(data=GOOD_LINE, lineno=1)
@example(data=CANONICAL["good-1"].encode(), lineno=7)
@example(data=b'{"date":["\\ud800"],"!":[""]}', lineno=1)  # pydantic cannot read it in a date
def test_parse_lines_gives_each_line_an_event_or_an_error(data: bytes, lineno: int) -> None:
    """For any bytes, parse_lines (fast path too) yields an event or an error, or skips a blank."""
    line = RawLine(lineno, data + b"\n")
    parsed = list(parse_lines([line], source="log.jsonl"))
    if line.is_blank:
        assert parsed == []
        return
    [one] = parsed
    assert one.line == line
    assert isinstance(one, ValidLine | InvalidLine)
    if isinstance(one, InvalidLine):
        assert (one.error.source, one.error.lineno) == ("log.jsonl", lineno)


def test_parse_lines_reports_an_event_nested_100000_deep() -> None:
    """parse_lines gives a located error for an event whose 'extra' nests 100,000 deep."""
    line = RawLine(4, _nested_100000_deep().split(b"\n")[3] + b"\n")
    [one] = list(parse_lines([line], source="log.jsonl"))
    assert isinstance(one, InvalidLine)
    assert one.error.messages() == ["log.jsonl:4: not valid JSON: nested too deeply"]


# ------------------------------------------------------------------------ rewriting in place

_CLAIM = "2024-08-18-lukashenko-claims-120000-ukrainian-troops"
_REWRITES = {
    "edit": ["edit", _CLAIM, "--tag", "checked"],
    "rm": ["rm", "2024-08-26-ukraine-calls-gomel-exercises-chernobyl-threat", "--yes"],
}


@pytest.mark.parametrize("command", sorted(_REWRITES))
def test_a_rewrite_through_a_symbolic_link_changes_the_log_it_leads_to(
    command: str, tmp_path: Path
) -> None:
    """`edit` and `rm` write to the file a link leads to; the link stays a link."""
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "log.jsonl"
    shutil.copyfile(BUNDLED, real)
    link = tmp_path / "link.jsonl"
    link.symlink_to(Path("real") / "log.jsonl")
    result = cli(*_REWRITES[command], "--file", str(link))
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()
    assert real.read_bytes() != BUNDLED.read_bytes()
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["log.jsonl"]


@pytest.mark.parametrize("command", sorted(_REWRITES))
def test_a_rewrite_keeps_the_mode_and_owner_of_the_log(command: str, tmp_path: Path) -> None:
    """The rewritten log keeps its permission bits whatever the umask, and (for root) its owner."""
    path = tmp_path / "shared.jsonl"
    shutil.copyfile(BUNDLED, path)
    path.chmod(0o664)
    owner = (1234, 1234) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    if os.geteuid() == 0:
        os.chown(path, *owner)
    old_umask = os.umask(0o022)
    try:
        result = cli(*_REWRITES[command], "--file", str(path))
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.stderr
    st = path.stat()
    assert stat.S_IMODE(st.st_mode) == 0o664
    assert (st.st_uid, st.st_gid) == owner
    assert path.read_bytes() != BUNDLED.read_bytes()


@pytest.mark.parametrize("command", sorted(_REWRITES))
def test_a_rewrite_of_a_hard_linked_log_is_refused(command: str, tmp_path: Path) -> None:
    """A rewrite replaces the file, so other hard links would keep the old text: refused, with
    both names unchanged; appending (which writes in place) still works."""
    path = tmp_path / "events.jsonl"
    shutil.copyfile(BUNDLED, path)
    other = tmp_path / "other-name.jsonl"
    os.link(path, other)
    result = cli(*_REWRITES[command], "--file", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"timeline: {path}: cannot rewrite: the file has 2 hard links, and the others would "
        "keep the old text (make it a single file, or use a symbolic link)\n"
    )
    assert path.read_bytes() == other.read_bytes() == BUNDLED.read_bytes()
    assert path.stat().st_ino == other.stat().st_ino
