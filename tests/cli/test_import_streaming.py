"""``import`` reads its input as a stream: memory holds the input's ids, never its events, a
JSON array is read an element at a time, and a line too long to hold is refused unread. What
it reads waits in a staging file until the whole input is known good, so a late problem leaves
the log as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
from typer.testing import CliRunner

from timeline.cli import app

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "data" / "events.jsonl"
MB = 1 << 20


def _event(i: int) -> dict[str, object]:
    event: dict[str, object] = {
        "id": f"streamed-{i:07d}", "date": "2024-08-27", "type": "accuse",
        "title": f"Streamed event {i} " + "x" * 200, "actors": ["belarus"],
        "sources": [{"url": f"https://example.org/{i}"}],
    }  # fmt: skip
    if i % 10 == 9:
        event["responds_to"] = [f"streamed-{i - 1:07d}"]
    return event


def _lines(count: int) -> Iterator[bytes]:
    for i in range(count):
        yield json.dumps(_event(i)).encode() + b"\n"


def _one_line_array(count: int) -> Iterator[bytes]:
    yield b"["
    for i in range(count):
        yield (b"," if i else b"") + json.dumps(_event(i)).encode()
    yield b"]\n"


def _endless_line() -> Iterator[bytes]:
    """A line of 100 MB that never ends in a newline: far more than a line may hold."""
    yield b'{"id": "'
    for _ in range(100):
        yield b"x" * MB


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"TIMELINE_FILE", "COLUMNS"}}
    env["PYTHONPATH"] = str(REPO / "src")
    return env


# Linux counts in a child's ru_maxrss the memory of the process it was forked from, up to its
# exec (see bench/spawn.py): so the command is started by this small process, not by pytest
# (hundreds of MB by then). It runs the command with its own stdin and stderr, and says the
# command's exit status and peak RSS (KiB) on stdout.
SPAWN = r"""
import os, sys
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def import_with_rss(log: Path, chunks: Iterator[bytes]) -> tuple[int, int, str]:
    """Run ``timeline import -`` fed ``chunks`` on its standard input, as a generator writes
    them (never all in memory); its exit status, peak RSS in bytes and stderr."""
    command = [sys.executable, "-m", "timeline", "import", "-", "-f", str(log)]
    proc = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", SPAWN, *command],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
    )  # fmt: skip
    assert proc.stdin is not None and proc.stderr is not None
    stderr: list[bytes] = []

    def feed(out: IO[bytes]) -> None:
        try:
            for chunk in chunks:
                out.write(chunk)
            out.close()
        except BrokenPipeError:  # it stopped reading: its exit status says why
            pass

    threads = [
        threading.Thread(target=feed, args=(proc.stdin,)),
        threading.Thread(target=lambda: stderr.append(proc.stderr.read())),  # type: ignore[union-attr]
    ]
    for thread in threads:
        thread.start()
    assert proc.stdout is not None
    report = proc.stdout.read()
    proc.wait()
    for thread in threads:
        thread.join()
    status, rss_kib = map(int, report.split())
    return status, rss_kib * 1024, b"".join(stderr).decode()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("feed", "ok"),
    [
        pytest.param(_lines, True, id="json-lines"),
        pytest.param(_one_line_array, True, id="json-array-on-one-line"),
        pytest.param(lambda count: _endless_line(), False, id="a-100-MB-line"),
    ],
)
def test_import_of_a_large_stream_stays_in_bounded_memory(
    tmp_path: Path, feed: Callable[[int], Iterator[bytes]], ok: bool
) -> None:
    """100,000 events (30 MB of JSON) from a generator, as JSON Lines or one JSON array on one
    line, import with a peak RSS under 150 MB (about 55 MB here; held as events, as they once
    were, near 290 MB); and a line too long to hold is refused, as a located error, without
    reading more of it than the limit (about 90 MB here; once 240 MB)."""
    log = tmp_path / "events.jsonl"
    count = 100_000
    status, rss, stderr = import_with_rss(log, feed(count))
    assert rss < 150 * MB, f"peak RSS {rss / MB:.0f} MB"
    if ok:
        assert status == 0, stderr
        assert stderr == f"imported {count} events into {log}\n"
        with open(log, "rb") as fh:
            assert sum(1 for _ in fh) == count
    else:
        assert status == 2
        assert stderr.splitlines() == [
            "<stdin>:1: a line longer than 64 MiB: not imported",
            "timeline: nothing imported: 1 line with problems in <stdin>",
        ]
        assert not log.exists()


@pytest.mark.parametrize(
    ("last", "problem"),
    [
        pytest.param({"date": "2024-13-01"}, "date: '2024-13-01' is not a valid date", id="bad"),
        pytest.param(
            {"id": "streamed-0000003"}, "id: 'streamed-0000003' repeats line 4", id="twice"
        ),
        pytest.param(
            {"id": "1991-01-01-belarus-independence-from-soviet-union"}, "id: ", id="in-the-log"
        ),
        pytest.param({"responds_to": ["nowhere"]}, "responds_to: no event", id="dangling"),
    ],
)
@pytest.mark.parametrize("as_array", [False, True], ids=["lines", "array"])
def test_a_problem_at_the_end_of_a_long_input_leaves_the_log_as_it_was(
    tmp_path: Path, last: dict[str, object], problem: str, as_array: bool
) -> None:
    """An import whose last event is bad, repeats an id of the input or of the log, or answers
    nothing, imports nothing: the log keeps every byte, and no staging file is left."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(BUNDLED.read_bytes())
    before = sorted(os.listdir(tmp_path))
    count = 3000
    events = [_event(i) for i in range(count)]
    events[-1] = {**events[-1], **last}
    if as_array:
        text = json.dumps(events, indent=1)
        lineno = text.count("\n", 0, text.rindex('{\n  "id"')) + 1
    else:
        text = "".join(json.dumps(event) + "\n" for event in events)
        lineno = count
    result = CliRunner().invoke(app, ["import", "-", "-f", str(log)], input=text)
    assert result.exit_code == 2, result.stderr
    first, summary = result.stderr.splitlines()
    assert first.startswith(f"<stdin>:{lineno}: {problem}"), first
    assert summary == "timeline: nothing imported: 1 line with problems in <stdin>"
    assert log.read_bytes() == BUNDLED.read_bytes()
    assert sorted(os.listdir(tmp_path)) == before


def test_skip_invalid_imports_the_rest_of_a_long_input(tmp_path: Path) -> None:
    """With --skip-invalid, the events after a bad one, and those answering a skipped one in
    a chain, are reported in line order; the others land, in input order."""
    log = tmp_path / "events.jsonl"
    events = [_event(i) for i in range(30)]  # each tenth answers the one before
    events[8] = {**events[8], "date": "2024-13-01"}  # 9 answers it: skipped too
    events[20] = {**events[20], "responds_to": ["streamed-0000021"]}  # answers the next
    events[21] = {**events[21], "responds_to": ["nowhere"]}  # answers nothing
    text = "".join(json.dumps(event) + "\n" for event in events)
    result = CliRunner().invoke(app, ["import", "-", "-f", str(log), "--skip-invalid"], input=text)
    assert result.exit_code == 1, result.stderr
    assert result.stderr.splitlines() == [
        "<stdin>:9: date: '2024-13-01' is not a valid date",
        "<stdin>:10: responds_to: 'streamed-0000008' is not imported: line 9 has a problem",
        "<stdin>:21: responds_to: responds to 'streamed-0000021', which is not imported",
        f"<stdin>:22: responds_to: no event with id 'nowhere' in {log} or the input",
        f"timeline: imported 26 events into {log}; skipped 4 lines with problems",
    ]
    kept = [e["id"] for i, e in enumerate(events) if i not in (8, 9, 20, 21)]
    assert result.stdout.split() == kept
    assert [json.loads(line)["id"] for line in log.read_bytes().splitlines()] == kept


def test_a_long_line_is_read_whole_and_a_longer_one_refused_unread() -> None:
    """Lines longer than the first piece read are joined up; one longer than the limit is a
    problem at its line, and the lines after it are read as usual."""
    import io

    from timeline.errors import LineError
    from timeline.importing import input_lines

    long = b'"' + b"a" * (2 * MB) + b'"\n'
    data = long + b"b" * (5 * MB) + b"\n" + b"{}\n" + b"c" * (4 * MB)
    problems: list[LineError] = []
    lines = list(input_lines(io.BytesIO(data), name="in", on_problem=problems.append, limit=3 * MB))
    assert [(line.lineno, line.data) for line in lines] == [(1, long), (3, b"{}\n")]
    assert [str(p) for p in problems] == [
        "in:2: a line longer than 3 MiB: not imported",
        "in:4: a line longer than 3 MiB: not imported",
    ]


def test_objects_printed_over_many_lines_are_imported(tmp_path: Path) -> None:
    """What ``jq '.[]'`` writes (each object indented over many lines, no -c) is read object
    by object, each error naming the line its object starts on: it was one error a line."""
    printed = "".join(json.dumps(_event(i), indent=2) + "\n" for i in range(3))
    log = tmp_path / "events.jsonl"
    result = CliRunner().invoke(app, ["import", "-", "-f", str(log)], input=printed)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [f"streamed-{i:07d}" for i in range(3)]
    assert [json.loads(line)["id"] for line in log.read_text().splitlines()] == [
        f"streamed-{i:07d}" for i in range(3)
    ]
    bad = printed.replace('"date": "2024-08-27"', '"date": "Aug 2024"', 2)
    refused = CliRunner().invoke(app, ["import", "-", "-f", str(tmp_path / "new.jsonl")],
                                 input=bad)  # fmt: skip
    assert refused.exit_code == 2
    first = printed.splitlines().index("{", 1) + 1  # the second object's first line
    assert refused.stderr.splitlines()[:2] == [
        "<stdin>:1: date: 'Aug 2024' is not a valid date (expected 'YYYY-MM-DD')",
        f"<stdin>:{first}: date: 'Aug 2024' is not a valid date (expected 'YYYY-MM-DD')",
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_an_input_in_utf_16_is_one_error(tmp_path: Path, encoding: str) -> None:
    """Every line of a UTF-16 input is UTF-16: one error says so, not one a line."""
    text = "".join(json.dumps(_event(i)) + "\n" for i in range(3)).encode(encoding)
    result = CliRunner().invoke(app, ["import", "-", "-f", str(tmp_path / "e.jsonl")], input=text)
    assert result.exit_code == 2
    wide = encoding.upper()
    assert result.stderr == (
        f"<stdin>:1: {wide} text (it starts with its byte order mark): timeline reads UTF-8 "
        f"(iconv -f {wide} -t UTF-8 converts it)\n"
        "timeline: nothing imported: 1 line with problems in <stdin>\n"
    )


def test_an_id_twice_on_one_line_of_an_array_says_so(tmp_path: Path) -> None:
    """Two elements of one line share its number: the second is said to repeat an element
    before it on its line (it said it repeated its own line)."""
    element = json.dumps(_event(1))
    result = CliRunner().invoke(app, ["import", "-", "-f", str(tmp_path / "e.jsonl")],
                                input=f"[{element}, {element}]\n")  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "<stdin>:1: id: 'streamed-0000001' repeats an element before it on its line"
    )


def test_json_lines_whose_first_line_is_a_lone_brace_are_read_as_json_lines(
    tmp_path: Path,
) -> None:
    """A lone '{' then events at the start of their lines is JSON Lines with a broken first
    event, not objects over many lines: the line is bad and the events after it are read
    (they were all lost after the first syntax error)."""
    lines = ["{", *(json.dumps(_event(i)) for i in range(2))]
    result = CliRunner().invoke(app, ["import", "-", "-f", str(tmp_path / "e.jsonl"),
                                      "--skip-invalid"], input="\n".join(lines) + "\n")  # fmt: skip
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["streamed-0000000", "streamed-0000001"]
    assert result.stderr.splitlines()[0].startswith("<stdin>:1: not valid JSON: ")


@pytest.mark.slow  # two processes, one blocked on a full pipe
def test_a_refused_import_tells_its_problems_after_letting_the_lock_go(tmp_path: Path) -> None:
    """An import refused for ids the log holds has thousands of problems to tell; told to a
    reader that does not keep up (a pager), they once held the log's lock: every other
    command waited until the pager quit. Now they are told after the lock is let go."""
    log = tmp_path / "events.jsonl"
    lines = b"".join(_lines(3000))
    log.write_bytes(lines)
    importing = subprocess.Popen(
        [sys.executable, "-m", "timeline", "import", "-", "-f", str(log)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(),
    )  # fmt: skip
    assert importing.stdin is not None and importing.stderr is not None
    importing.stdin.write(lines)
    importing.stdin.close()
    first = importing.stderr.readline()  # it tells its problems: then it is left to block
    assert b"exists already" in first
    try:
        shown = subprocess.run(
            [sys.executable, "-m", "timeline", "show", "--json", "-n", "1", "-f", str(log)],
            env=_env(), capture_output=True, timeout=20, check=False,
        )  # fmt: skip
        assert shown.returncode == 0, shown.stderr
        assert importing.poll() is None  # still telling, blocked on its full pipe
    finally:
        rest = importing.stderr.read()
        importing.wait(timeout=20)
    assert importing.returncode == 2
    assert rest.decode().splitlines()[-1] == (
        "timeline: nothing imported: 3000 lines with problems in <stdin>"
    )
    assert log.read_bytes() == lines


def test_an_import_that_keeps_nothing_makes_no_log(tmp_path: Path) -> None:
    """--skip-invalid whose every event answers one that is nowhere: nothing imported, exit
    1, and no empty log left where there was none."""
    log = tmp_path / "new.jsonl"
    answer = {**_event(1), "responds_to": ["nowhere"]}
    result = CliRunner().invoke(app, ["import", "-", "-f", str(log), "--skip-invalid"],
                                input=json.dumps(answer) + "\n")  # fmt: skip
    assert result.exit_code == 1
    assert (
        result.stderr.splitlines()[-1] == "timeline: nothing imported; skipped 1 line with problems"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_append_that_fails_still_says_the_problems_found(tmp_path: Path) -> None:
    """--skip-invalid found bad lines, then the append failed: the problems are said, then the
    failure (they were said under the lock, before the append; told after it, they were lost)."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"")
    (tmp_path / ".events.jsonl.timeline-journal").mkdir()  # no journal can be made there
    lines = json.dumps(_event(1)) + "\nnot json\n"
    result = CliRunner().invoke(app, ["import", "-", "-f", str(log), "--skip-invalid"],
                                input=lines)  # fmt: skip
    assert result.exit_code == 2
    said = result.stderr.splitlines()
    assert said[0].startswith("<stdin>:2: not valid JSON") and "cannot write" in said[-1], said
    assert log.read_bytes() == b""
