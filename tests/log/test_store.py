"""Tests of the JSONL store, ``timeline.store``, on real temporary files."""

from __future__ import annotations

import itertools
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline.errors import LineError, LogReadError, LogWriteError
from timeline.log.decoding import split_json_array
from timeline.log.files import lock_log, read_raw_lines
from timeline.log.lines import RawLine
from timeline.model import Event, canonical_json
from timeline.parsing import parse_raw_line

BUNDLED_LOG = Path(__file__).resolve().parents[2] / "data" / "events.jsonl"
EventData = Callable[..., dict[str, Any]]
MakeEvent = Callable[..., Event]


def _line(obj: dict[str, Any], lineno: int = 1) -> RawLine:
    return RawLine(lineno, json.dumps(obj).encode("utf-8") + b"\n")


# ---------------------------------------------------------------------------- reading lines


def test_read_raw_lines_numbers_every_physical_line(tmp_path: Path) -> None:
    """Lines are numbered from 1, blank ones included, CRLF ends stripped from the content."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(b'{"a":1}\r\n\n   \n{"b":2}\n')
    lines = list(read_raw_lines(log))
    assert [(line.lineno, line.data) for line in lines] == [
        (1, b'{"a":1}\r\n'),
        (2, b"\n"),
        (3, b"   \n"),
        (4, b'{"b":2}\n'),
    ]
    assert [line.content for line in lines] == [b'{"a":1}', b"", b"   ", b'{"b":2}']
    assert [line.is_blank for line in lines] == [False, True, True, False]
    assert all(line.is_complete for line in lines)


def test_last_line_without_newline_is_incomplete(tmp_path: Path) -> None:
    """A last line with no newline is read, and flagged as possibly cut short."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(b'{"a":1}\n{"b":2}')
    lines = list(read_raw_lines(log))
    assert [(line.lineno, line.content, line.is_complete) for line in lines] == [
        (1, b'{"a":1}', True),
        (2, b'{"b":2}', False),
    ]


def test_empty_file_has_no_lines(tmp_path: Path) -> None:
    """An empty log is valid and yields nothing."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"")
    assert list(read_raw_lines(log)) == []


def test_bundled_log_parses_line_by_line() -> None:
    """Every line of the bundled log is read and parsed into the same event json.loads gives."""
    lines = list(read_raw_lines(BUNDLED_LOG))
    assert lines, "the bundled log is empty"
    for line in lines:
        event = parse_raw_line(line, source="events.jsonl")
        assert json.loads(canonical_json(event)) == json.loads(line.content)


# ---------------------------------------------------------------------------- parsing one line


def test_parse_raw_line_gives_the_event(event_data: EventData, make_event: MakeEvent) -> None:
    """A valid line becomes the Event its JSON describes."""
    assert parse_raw_line(_line(event_data()), source="events.jsonl") == make_event()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"id": "\xff"}', "events.jsonl:7: not valid UTF-8 (byte 0xff at column 9)"),
        (b"not json", "events.jsonl:7: not valid JSON: Expecting value (column 1)"),
        (b"[1, 2]", "events.jsonl:7: expected a JSON object, got an array"),
        (b'"text"', "events.jsonl:7: expected a JSON object, got a string"),
        (b"null", "events.jsonl:7: expected a JSON object, got null"),
        (b'{"id": "a", "id": "b"}', "events.jsonl:7: key 'id' appears twice"),
        (
            b'{"id": "a", "extra": {"a": [1, {"k": 1, "k": 2}]}}',
            "events.jsonl:7: extra.a[1]: key 'k' appears twice",
        ),
        (
            b'{"k": 1, "k": 2, "sources": [{"url": "x", "url": "y"}]}',
            "events.jsonl:7: sources[0]: key 'url' appears twice",
        ),  # the one the parser met
        (
            b'{"extra": ' + b"9" * 5000 + b"}",
            "events.jsonl:7: not valid JSON: a number has more than 4300 digits",
        ),
    ],
)
def test_unreadable_lines_raise_located_errors(data: bytes, message: str) -> None:
    """Each way a line can fail to be a JSON object gives one located, exact message."""
    with pytest.raises(LineError) as info:
        parse_raw_line(RawLine(7, data + b"\n"), source="events.jsonl")
    assert str(info.value) == message
    assert (info.value.source, info.value.lineno) == ("events.jsonl", 7)


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]
)
def test_a_log_in_utf_16_or_32_is_named_so_on_its_first_line(encoding: str) -> None:
    """A log saved as UTF-16 or UTF-32 (with its byte order mark) is said to be so, with the
    command that converts it; without the mark, or on a later line, its bytes are said."""
    data = '{"id": "a"}'.encode(encoding)  # "utf-16" and "utf-32" write their own mark
    marks = {
        "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff",
        "utf-32-le": b"\xff\xfe\x00\x00", "utf-32-be": b"\x00\x00\xfe\xff",
    }  # fmt: skip
    marked = marks.get(encoding, b"") + data
    wide = encoding[:6].upper()
    with pytest.raises(LineError) as info:
        parse_raw_line(RawLine(1, marked + b"\n", 0), source="events.jsonl")
    assert str(info.value) == (
        f"events.jsonl:1: {wide} text (it starts with its byte order mark): timeline reads "
        f"UTF-8 (iconv -f {wide} -t UTF-8 converts it)"
    )
    with pytest.raises(LineError, match=r"^events\.jsonl:2: not valid UTF-8 \(byte 0x"):
        parse_raw_line(RawLine(2, marked + b"\n", 50), source="events.jsonl")


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_finite_json_constants_are_refused(constant: bytes) -> None:
    """NaN and Infinity are not JSON; a line holding them is an error, wherever they are."""
    with pytest.raises(LineError, match=r"^events\.jsonl:3: not valid JSON: "):
        parse_raw_line(RawLine(3, b'{"extra": {"x": ' + constant + b"}}\n"), source="events.jsonl")


@pytest.mark.parametrize("data", [b"[" * 100_000, b'{"a":' * 100_000, b"[" * 3000 + b"]" * 3000])
def test_deeply_nested_json_is_a_line_error_not_a_crash(data: bytes) -> None:
    """Nesting deep enough to exhaust the stack is reported as a LineError, not RecursionError."""
    with pytest.raises(LineError) as info:
        parse_raw_line(RawLine(5, data + b"\n"), source="events.jsonl")
    assert str(info.value).startswith("events.jsonl:5: ")


def test_invalid_event_names_every_bad_field(event_data: EventData) -> None:
    """A JSON object that is not a valid event lists each problem as file:line: field: message."""
    line = _line(event_data(date="2024-13-01", actor=["x"]), lineno=7)
    with pytest.raises(LineError) as info:
        parse_raw_line(line, source="events.jsonl")
    assert info.value.messages() == [
        "events.jsonl:7: date: '2024-13-01' is not a valid date",
        "events.jsonl:7: actor: unknown key (custom data belongs in 'extra')",
    ]
    assert str(info.value) == "; ".join(info.value.messages())


def test_byte_order_mark_on_the_first_line_is_ignored(event_data: EventData) -> None:
    """A UTF-8 BOM that an editor put at the start of the file does not spoil line 1."""
    data = b"\xef\xbb\xbf" + json.dumps(event_data()).encode() + b"\n"
    assert parse_raw_line(RawLine(1, data), source="events.jsonl").id == "2024-08-26-test-event"


def test_lone_surrogate_escape_is_refused(event_data: EventData) -> None:
    """'\\ud800' decodes to text that cannot be written as UTF-8, so the line must be refused."""
    raw = json.dumps(event_data(title="x\ud800y")).encode("ascii")
    assert b"\\ud800" in raw
    with pytest.raises(LineError, match=r"^events\.jsonl:1: title: "):
        parse_raw_line(RawLine(1, raw + b"\n"), source="events.jsonl")


def test_number_overflowing_a_float_in_extra_is_not_turned_into_null(
    event_data: EventData,
) -> None:
    """'extra' is kept as it is: 1e999 must be refused like Infinity, never rewritten as null."""
    raw = json.dumps(event_data()).encode()
    raw = raw.replace(b'"sources"', b'"extra": {"x": 1e999}, "sources"')
    try:
        event = parse_raw_line(RawLine(1, raw + b"\n"), source="events.jsonl")
    except LineError:
        return
    assert json.loads(canonical_json(event))["extra"] == {"x": 1e999}


_VALID_LINE = canonical_json(
    Event.model_validate(
        {
            "id": "e1",
            "date": "2024-08-26",
            "title": "t",
            "type": "accuse",
            "actors": ["belarus"],
            "sources": [{"url": "u"}],
        }
    )
).encode("utf-8")


@st.composite
def _mangled_lines(draw: st.DrawFn) -> bytes:
    """A valid line with a random slice replaced by random bytes: near misses of every kind."""
    start = draw(st.integers(0, len(_VALID_LINE)))
    stop = draw(st.integers(start, len(_VALID_LINE)))
    return _VALID_LINE[:start] + draw(st.binary(max_size=8)) + _VALID_LINE[stop:]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=200) | _mangled_lines())
def test_any_bytes_give_an_event_or_a_line_error(data: bytes) -> None:
    """Whatever bytes a line holds, parse_raw_line returns an Event or raises LineError."""
    try:
        result = parse_raw_line(RawLine(4, data + b"\n"), source="x.jsonl")
    except LineError as exc:
        assert str(exc).startswith("x.jsonl:4: ")
        assert "\n" not in str(exc)
    else:
        assert isinstance(result, Event)


# ---------------------------------------------------------------------------- opening a log


def test_missing_log_is_a_read_error(tmp_path: Path) -> None:
    """A log that does not exist gives a LogReadError naming it."""
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(LogReadError) as info:
        list(read_raw_lines(missing))
    assert str(info.value) == f"{missing}: cannot read: no such file"


def test_directory_is_a_read_error(tmp_path: Path) -> None:
    """A directory given as the log is refused with a clear reason."""
    with pytest.raises(LogReadError) as info:
        list(read_raw_lines(tmp_path))
    assert str(info.value) == f"{tmp_path}: cannot read: is a directory"


def test_a_pipe_is_read_whole_once_and_then_again_from_its_copy(
    tmp_path: Path, deadline: Callable[[float], None]
) -> None:
    """A FIFO (as ``<(…)`` gives) is read as its writer writes it, to the end; read again in
    the same run (the views read a log twice), it gives the same lines, with no writer left."""
    fifo = tmp_path / "events.jsonl"
    os.mkfifo(fifo)
    data = b"".join(b'{"line":%d}\n' % n for n in range(100_000))  # more than a pipe holds
    writer = threading.Thread(target=fifo.write_bytes, args=(data,))
    deadline(10)
    writer.start()
    first = [(line.lineno, line.data) for line in read_raw_lines(fifo)]
    writer.join()
    again = [(line.lineno, line.data) for line in read_raw_lines(fifo)]
    assert b"".join(data for _, data in first) == data
    assert again == first


def test_a_socket_is_refused_without_blocking(
    tmp_path: Path, deadline: Callable[[float], None]
) -> None:
    """What is neither a file nor a pipe (a socket) is not a log: refused at once."""
    path = tmp_path / "s.jsonl"
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(path))
        deadline(3)
        started = time.monotonic()
        with pytest.raises(LogReadError) as info:
            list(read_raw_lines(path))
    assert str(info.value) == f"{path}: cannot read: not a regular file or a pipe"
    assert time.monotonic() - started < 1


def test_fifo_is_refused_for_writing_without_blocking(
    tmp_path: Path, deadline: Callable[[float], None], make_event: MakeEvent
) -> None:
    """Appending to a FIFO is refused at once as well."""
    fifo = tmp_path / "events.jsonl"
    os.mkfifo(fifo)
    deadline(3)
    with pytest.raises(LogWriteError), lock_log(fifo, create=True) as log:
        log.append([canonical_json(make_event())])


# ---------------------------------------------------------------------------- appending


def test_append_creates_the_log(tmp_path: Path, make_event: MakeEvent) -> None:
    """lock_log(create=True) makes a missing log; append writes one line per event."""
    log_path = tmp_path / "events.jsonl"
    first, second = make_event(id="a"), make_event(id="b")
    with lock_log(log_path, create=True) as log:
        log.append([canonical_json(first), canonical_json(second)])
    assert log_path.read_text(encoding="utf-8") == (
        canonical_json(first) + "\n" + canonical_json(second) + "\n"
    )


def test_append_adds_the_missing_newline_first(tmp_path: Path, make_event: MakeEvent) -> None:
    """A log whose last line has no newline gets one before the new line, so lines never merge."""
    log_path = tmp_path / "events.jsonl"
    log_path.write_bytes(b'{"cut": "short"}')
    line = canonical_json(make_event())
    with lock_log(log_path, create=True) as log:
        log.append([line])
    assert log_path.read_bytes() == b'{"cut": "short"}\n' + line.encode("utf-8") + b"\n"


@pytest.mark.parametrize(
    ("existing", "end"),
    [(b'{"a": 1}\r\n', b"\r\n"), (b'{"a": 1}\n', b"\n"), (b"", b"\n"), (b"\n", b"\n")],
)
def test_append_ends_lines_as_the_log_does(
    tmp_path: Path, make_event: MakeEvent, existing: bytes, end: bytes
) -> None:
    """A log with CRLF line ends (edited on Windows) gets CRLF lines, so it keeps one style."""
    log_path = tmp_path / "events.jsonl"
    log_path.write_bytes(existing)
    lines = [canonical_json(make_event(id=f"e{n}")) for n in range(2)]
    with lock_log(log_path, create=True) as log:
        log.append(lines)
    assert log_path.read_bytes() == existing + b"".join(x.encode() + end for x in lines)


def test_append_keeps_existing_bytes(log_copy: Path, make_event: MakeEvent) -> None:
    """Appending never touches what is there: the old bytes are a prefix of the new file."""
    before = log_copy.read_bytes()
    line = canonical_json(make_event(title="Лукашенко"))
    with lock_log(log_copy, create=False) as log:
        log.append([line])
    assert log_copy.read_bytes() == before + line.encode("utf-8") + b"\n"


def test_append_of_nothing_changes_nothing(tmp_path: Path) -> None:
    """An empty append leaves a log without a final newline as it is."""
    log_path = tmp_path / "events.jsonl"
    log_path.write_bytes(b'{"a":1}')
    with lock_log(log_path, create=True) as log:
        log.append([])
    assert log_path.read_bytes() == b'{"a":1}'


def test_read_only_log_is_refused_and_unchanged(log_copy: Path, make_event: MakeEvent) -> None:
    """A log made read-only (0o444) is not written, even by root, and stays byte-identical."""
    before = log_copy.read_bytes()
    log_copy.chmod(0o444)
    try:
        with pytest.raises(LogWriteError) as info, lock_log(log_copy, create=True) as log:
            log.append([canonical_json(make_event())])
        assert str(info.value).startswith(f"{log_copy}: cannot write: ")
    finally:
        log_copy.chmod(0o644)
    assert log_copy.read_bytes() == before


def test_missing_folder_is_refused(tmp_path: Path, make_event: MakeEvent) -> None:
    """add and import create the log, never its folder."""
    log_path = tmp_path / "no-such-folder" / "events.jsonl"
    with pytest.raises(LogWriteError) as info, lock_log(log_path, create=True) as log:
        log.append([canonical_json(make_event())])
    assert str(info.value) == (
        f"{log_path}: cannot write: folder '{log_path.parent}' does not exist"
    )
    assert not log_path.parent.exists()


def test_a_git_spec_given_to_a_writer_is_said_to_be_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`$TIMELINE_FILE=HEAD:data/events.jsonl` serves the reading commands; a writer given it
    says that a log in git is only read, not only that no folder 'HEAD:data' exists."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LogWriteError) as info, lock_log("HEAD:data/events.jsonl", create=True):
        pass
    assert str(info.value) == (
        "HEAD:data/events.jsonl: cannot write: folder 'HEAD:data' does not exist "
        "(a log in git, REV:PATH, can only be read)"
    )


def test_lock_without_create_refuses_a_missing_log(tmp_path: Path) -> None:
    """Commands that change an existing log do not create one by accident."""
    log_path = tmp_path / "events.jsonl"
    with pytest.raises(LogWriteError), lock_log(log_path, create=False):
        pass
    assert not log_path.exists()


def _append_many(path: str, worker: int, count: int) -> None:
    for n in range(count):
        line = json.dumps({"worker": worker, "n": n, "pad": "x" * (worker * 500)})
        with lock_log(path, create=True) as log:
            log.append([line])


def test_concurrent_appends_all_land_whole(tmp_path: Path) -> None:
    """Many processes appending at once: every line lands, none is torn or interleaved."""
    import multiprocessing

    log_path = tmp_path / "events.jsonl"
    log_path.write_bytes(b'{"start": true}')  # no final newline: the first append must add it
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(str(log_path), w, 20)) for w in range(6)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=20)
        assert process.exitcode == 0
    lines = log_path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '{"start": true}'
    records = [json.loads(line) for line in lines[1:]]
    assert sorted((r["worker"], r["n"]) for r in records) == [
        (w, n) for w in range(6) for n in range(20)
    ]
    assert log_path.read_bytes().endswith(b"\n")


def test_locked_log_reads_its_lines(log_copy: Path) -> None:
    """Under the lock, raw_lines gives the same lines as a plain read."""
    with lock_log(log_copy, create=False) as log:
        locked = list(log.raw_lines())
    assert locked == list(read_raw_lines(log_copy))


# ---------------------------------------------------------------------------- JSON arrays


def test_split_json_array_numbers_elements_by_their_first_line() -> None:
    """Each element of a pretty-printed array becomes a line numbered where it starts."""
    data = b'[\n  {\n    "a": 1\n  },\n\n  {"b": [2,\n 3]},\n  {"c": "\xd0\x96"}\n]\n'
    lines = list(split_json_array([data], first_lineno=1, source="in.json"))
    assert [line.lineno for line in lines] == [2, 6, 8]
    assert [json.loads(line.content) for line in lines] == [{"a": 1}, {"b": [2, 3]}, {"c": "Ж"}]


def test_split_json_array_counts_from_the_first_line_given() -> None:
    """An array that starts on line 3 of the input numbers its elements from there."""
    data = b'[{"a": 1},\n {"b": 2}]'
    lines = list(split_json_array([data], first_lineno=3, source="<stdin>"))
    assert [(line.lineno, json.loads(line.content)) for line in lines] == [
        (3, {"a": 1}),
        (4, {"b": 2}),
    ]


def test_split_json_array_of_nothing_is_empty() -> None:
    """'[]' holds no events."""
    assert list(split_json_array([b"[ \n ]\n"], first_lineno=1, source="in.json")) == []


@pytest.mark.parametrize(
    ("data", "lineno", "unread"),
    [
        (b'[\n  {"a": 1},\n  {"b": oops}\n]', 3, True),
        (b'[\n  {"a": 1}\n  {"b": 2}\n]', 2, True),
        (b'[\n  {"a": 1},,\n  {"b": 2}\n]', 2, True),
        pytest.param(
            b'[\n  {"a": 1}\n] trailing',
            3,
            False,
        ),
        (b'[\n  {"a": 1},\n\n]', 4, False),  # a comma before the end: JSON has none
        (b'[{"a": 1}, ]', 1, False),
    ],
)
def test_split_json_array_errors_name_the_line(data: bytes, lineno: int, unread: bool) -> None:
    """Broken JSON inside an array is a LineError at the line where the trouble is; one that
    leaves elements after it unread says so (the parser cannot tell where the next starts)."""
    with pytest.raises(LineError) as info:
        list(split_json_array([data], first_lineno=1, source="in.json"))
    assert info.value.lineno == lineno
    assert str(info.value).startswith(f"in.json:{lineno}: not valid JSON")
    assert str(info.value).endswith("; the array is not read past it") == unread


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
# Bytes that may break an array anywhere: cut it short, add junk, or put a byte that is not
# UTF-8 or a stray character in it.
_DAMAGE = st.sampled_from([b"", b"", b"\xff", b"oops", b"]", b",", b"\n", b'"', b"\\", b"\x01"])


def _cut(data: bytes, sizes: list[int]) -> list[bytes]:
    """``data`` in pieces of ``sizes``, over and over."""
    pieces, pos = [], 0
    for size in itertools.cycle(sizes):
        if pos >= len(data):
            return pieces
        pieces.append(data[pos : pos + size])
        pos += size
    raise AssertionError("unreachable")  # pragma: no cover


def _split_whole(data: bytes, **kwargs: Any) -> tuple[list[RawLine], str | None]:
    """The lines ``split_json_array`` makes of ``data`` read as ``kwargs`` say, and its error."""
    lines: list[RawLine] = []
    try:
        lines.extend(split_json_array(**kwargs))
    except LineError as exc:
        return lines, str(exc)
    return lines, None


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(_JSON, max_size=6),
    indent=st.sampled_from([None, 0, 2]),
    damage=_DAMAGE,
    at=st.floats(0, 1),
    cuts=st.lists(st.integers(1, 7), min_size=1, max_size=5),
)
def test_split_json_array_reads_the_same_in_any_chunks(
    values: list[Any], indent: int | None, damage: bytes, at: float, cuts: list[int]
) -> None:
    """An array read in chunks of a few bytes (cut inside a character, a string, a number)
    gives the elements and the error that it gives read whole."""
    import timeline.log.decoding as decoding

    text = json.dumps(values, indent=indent, ensure_ascii=False).encode() + b"\n"
    where = int(at * len(text))
    data = text[:where] + damage + text[where:]
    whole = _split_whole(data, chunks=[data], first_lineno=2, source="in.json")
    pieces = _cut(data, cuts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(decoding, "_CHUNK", 1)  # read on one chunk at a time
        chunked = _split_whole(data, chunks=pieces, first_lineno=2, source="in.json")
    assert chunked == whole
    if not damage:
        assert whole[1] is None
        assert [json.loads(line.content) for line in whole[0]] == values


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(_JSON, max_size=5),
    indent=st.sampled_from([2, 4, "\t"]),
    cuts=st.lists(st.integers(1, 7), min_size=1, max_size=5),
)
def test_split_json_values_reads_each_printed_value_in_any_chunks(
    values: list[Any], indent: int | str, cuts: list[int]
) -> None:
    """Values printed one after another over many lines (``jq`` without ``-c``) come back one
    line each, numbered by the line each starts on, however the input is cut."""
    import timeline.log.decoding as decoding

    printed = [json.dumps(v, indent=indent, ensure_ascii=False) + "\n" for v in values]
    data = "".join(printed).encode()
    starts = list(itertools.accumulate((p.count("\n") for p in printed[:-1]), initial=3))
    pieces = _cut(data, cuts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(decoding, "_CHUNK", 1)
        lines = list(decoding.split_json_values(pieces, first_lineno=3, source="in.json"))
    assert [json.loads(line.content) for line in lines] == values
    assert [line.lineno for line in lines] == starts[: len(values)]


def test_split_json_values_errors_say_the_rest_is_unread() -> None:
    """A syntax error in one of the objects is said at its line, and that nothing after it is
    read: where the next object starts cannot be told."""
    data = b'{\n  "a": 1\n}\n{\n  "b": oops\n}\n{"c": 3}\n'
    lines = _values(data)
    assert json.loads(next(lines).content) == {"a": 1}
    with pytest.raises(LineError) as info:
        next(lines)
    assert str(info.value) == (
        "in.json:5: not valid JSON: Expecting value; the input is not read past it"
    )


def _values(data: bytes) -> Iterator[RawLine]:
    from timeline.log.decoding import split_json_values

    return split_json_values([data], first_lineno=1, source="in.json")


@pytest.mark.parametrize("chunk", [None, 4096])
def test_an_element_too_deep_to_parse_is_a_line_and_the_rest_is_read(chunk: int | None) -> None:
    """An element nested deeper than the parser goes is valid JSON, not a syntax error: it is
    passed on as a line of its own (whose reading says what is wrong with it), found to its
    end by its brackets outside strings, and the elements after it are read."""
    import timeline.log.decoding as decoding

    deep = '{"a": "]}", "b": ' + "[" * 50_000 + '"x\\"]"' + "]" * 50_000 + "}"
    data = f'[\n{deep},\n {{"id": "after"}}\n]\n'.encode()
    pieces = [data] if chunk is None else _cut(data, [chunk])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(decoding, "_CHUNK", chunk or decoding._CHUNK)
        lines = list(split_json_array(pieces, first_lineno=1, source="in.json"))
    assert [line.lineno for line in lines] == [2, 3]
    assert lines[0].content == deep.encode()
    assert json.loads(lines[1].content) == {"id": "after"}
    with pytest.raises(LineError, match=r"^in\.json:2: not valid JSON: nested too deeply, and "):
        list(split_json_array([data[: len(deep) // 2]], first_lineno=1, source="in.json"))


def test_split_json_array_refuses_an_element_longer_than_its_limit() -> None:
    """An element longer than the limit is an error at its line, read no further (an endless
    one cannot fill memory)."""

    def endless() -> Any:
        yield b'[{"a": 1},\n {"a": "'
        while True:
            yield b"x" * 1000

    lines = split_json_array(endless(), first_lineno=1, source="<stdin>", limit=1 << 20)
    assert json.loads(next(lines).content) == {"a": 1}
    with pytest.raises(LineError) as info:
        next(lines)
    assert str(info.value) == (
        "<stdin>:2: an element longer than 1 MiB: not imported; the array is not read past it"
    )


# ---------------------------------------------------------------------------- block scan

# Every line holds the needle '@', once or more, and never a newline.
_LINE_BYTES = (
    st.binary(max_size=40) | st.sampled_from([b"", b"x" * 100, b'{"id":"a"}', b"\r", b"a@b\rcd"])
).map(lambda b: b"@" + b.replace(b"\n", b""))


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    lines=st.lists(_LINE_BYTES, max_size=30),
    torn=st.booleans(),
    block_size=st.integers(1, 64),
    start_line=st.integers(0, 5),
)
def test_block_scan_finds_every_line_with_its_number_and_offset(
    tmp_path: Path,
    lines: list[bytes],
    torn: bool,
    block_size: int,
    start_line: int,
) -> None:
    """With anchors that every line holds, the block scan gives back each physical line whole,
    numbered and placed as in the file, from a file (pread, from any line boundary) or a stream,
    whatever the block size: lines longer than a block, a last line without its newline."""
    import io

    from timeline.log import scan
    from timeline.log.scan import Anchors

    data = b"".join(line + b"\n" for line in lines)
    if torn and lines:
        data = data[:-1]
    *ended, last = data.split(b"\n")
    physical = [piece + b"\n" for piece in ended] + ([last] if last else [])
    start_line = min(start_line, len(physical))
    start = sum(len(p) for p in physical[:start_line])
    anchors = Anchors((b"@",), False, ())
    expected = [
        RawLine(n, content, offset)
        for n, content, offset in zip(
            range(1, len(physical) + 1),
            physical,
            itertools.accumulate([0] + [len(p) for p in physical]),
            strict=False,
        )
    ]
    log = tmp_path / "scanned.jsonl"
    log.write_bytes(data)
    fd = os.open(log, os.O_RDONLY)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scan, "_BLOCK_SIZE", block_size)
        streamed = list(scan.scan_lines(scan.stream_blocks(io.BytesIO(data)), anchors))
        try:
            read = [scan.file_blocks(fd, start, len(data)) for _ in range(2)]
            found = list(scan.scan_lines(read[0], anchors, offset=start))
            unnumbered = list(scan.scan_lines(read[1], anchors, offset=start, numbered=False))
        finally:
            os.close(fd)
    assert streamed == expected
    tail = [line._replace(lineno=line.lineno - start_line) for line in expected[start_line:]]
    assert found == tail
    assert unnumbered == [line._replace(lineno=0) for line in tail]


def test_an_unknown_key_holding_a_newline_is_named_on_one_line() -> None:
    """Found by the property test above: the key is made visible in the message."""
    with pytest.raises(LineError) as info:
        parse_raw_line(RawLine(4, b'{"\\n": 1, "\\u001b[2J": 2}\n'), source="x.jsonl")
    assert "\n" not in str(info.value)
    assert "x.jsonl:4: \\x0a: unknown key" in str(info.value)
    assert "x.jsonl:4: \\x1b[2J: unknown key" in str(info.value)


def _rewrite_as(uid: int, gid: int, log: Path) -> tuple[int, str | None]:
    """Rewrite ``log`` in a child that runs as ``uid``:``gid``; its status and the note."""
    import pickle

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            with lock_log(log, create=False) as held:
                note = held.rewrite([b"rewritten\n"])
            os.write(write, pickle.dumps(note))
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        data = answer.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), pickle.loads(data) if data else None


@pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")
def test_a_rewrite_by_another_user_says_who_owns_the_log_now() -> None:
    """A shared log (group-writable, in a group-writable folder) rewritten by a user who is not
    its owner becomes theirs: only root can give a file away. The writer is told so, in a
    note naming both users; the group and the mode are kept. A rewrite by the owner says
    nothing."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="timeline-shared-", dir="/tmp"))  # pytest's is 0700
    folder.chmod(0o777)
    log = folder / "events.jsonl"
    log.write_bytes(b"old\n")
    log.chmod(0o666)
    nobody = 65534
    os.chown(log, 0, nobody)
    code, note = _rewrite_as(nobody, nobody, log)
    assert code == 0
    assert log.read_bytes() == b"rewritten\n"
    st = log.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (nobody, nobody, 0o666)
    assert note == (
        f"{log}: the log is now owned by you (user {nobody}), not by user 0: a rewrite "
        "makes a new file, and only root can give a file to another user"
    )
    code, note = _rewrite_as(nobody, nobody, log)
    assert (code, note) == (0, None)
    shutil.rmtree(folder)


@pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")
def test_an_append_needs_a_writable_folder_for_its_journal() -> None:
    """A log anyone may write, in a folder its writer may not: the append is refused before a
    byte is written (the journal cannot be made), with one line naming the log."""
    import pickle
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="timeline-folder-", dir="/tmp"))
    folder.chmod(0o755)  # root's: nobody may not create files in it
    log = folder / "events.jsonl"
    log.write_bytes(b"old\n")
    log.chmod(0o666)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            try:
                with lock_log(log, create=False) as held:
                    held.append(["new"])
                message = None
            except LogWriteError as exc:
                message = str(exc)
            os.write(write, pickle.dumps(message))
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        message = pickle.loads(answer.read())
    os.waitpid(pid, 0)
    try:
        assert message == f"{log}: cannot write: permission denied"
        assert log.read_bytes() == b"old\n"
        assert sorted(p.name for p in folder.iterdir()) == ["events.jsonl"]
    finally:
        shutil.rmtree(folder)


def test_without_byte_range_locks_there_is_no_turnstile_and_locks_still_work(
    tmp_path: Path,
) -> None:
    """A file system that refuses byte-range locks (ENOLCK, EOPNOTSUPP …) has no turnstile:
    readers and writers lock the log with flock alone."""
    import errno
    import fcntl

    import timeline.log.files as files

    def refused(*args: object) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    log = tmp_path / "events.jsonl"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(files.fcntl, "fcntl", refused)
        patch.setattr(files.fcntl, "lockf", refused)
        with lock_log(log, create=True) as held:
            held.append(["{}"])
        assert [line.data for line in read_raw_lines(log)] == [b"{}\n"]
    assert fcntl.flock is files.fcntl.flock


@pytest.mark.parametrize("held_at", ["flock", "turnstile"])
def test_a_lock_waited_for_is_told_once_the_wait_lasts(
    held_at: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program holds the log (its own flock, or a writer waits at the turnstile, the
    flock itself free): a new reader and a new writer wait, and go on once it is released;
    the notice ``tell_lock_waits`` gave is told the log's name once each wait has lasted
    ``LOCK_WAIT_SECONDS``, and a free lock is taken without a word."""
    import fcntl

    import timeline.log.files as files

    if held_at == "turnstile" and not hasattr(fcntl, "F_OFD_SETLKW"):
        pytest.skip("open-file locks are Linux's")
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"{}\n")
    told: list[str] = []
    monkeypatch.setattr(files, "LOCK_WAIT_SECONDS", 0.05)
    monkeypatch.setattr(files, "_lock_wait", None)
    files.tell_lock_waits(told.append)
    with files.snapshot(log):
        pass
    with lock_log(log, create=False):
        pass
    assert told == []
    done: list[str] = []

    def read() -> None:
        with files.snapshot(log):
            done.append("reader")

    def write() -> None:
        with lock_log(log, create=False):
            done.append("writer")

    holder = os.open(log, os.O_RDWR)
    try:
        if held_at == "flock":
            fcntl.flock(holder, fcntl.LOCK_EX)
        else:
            files._turnstile(holder, fcntl.F_WRLCK)
        threads = [threading.Thread(target=f, daemon=True) for f in (read, write)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        assert (done, told) == ([], [str(log), str(log)])
        if held_at == "flock":
            fcntl.flock(holder, fcntl.LOCK_UN)
        else:
            files._turnstile(holder, fcntl.F_UNLCK)
        for thread in threads:
            thread.join(timeout=10)
        assert sorted(done) == ["reader", "writer"]
        assert told == [str(log), str(log)]
    finally:
        os.close(holder)


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b'{"id":"a","title":"t"}', "a"),
        (b'{"id":"a","title":"t",}', "a"),  # not JSON: a comma too many
        (b'{"id" : "a\\"b", "title": t"}', 'a"b'),  # a quote lost, an escape kept
        (b'{"title":"t","id":"\\u0061"}', "a"),
        (b'{"\\u0069d":"a" "title":"t"}', "a"),  # the key as escapes, as JSON allows
        (b'{"i\\u0064" : "a",}', "a"),
        (b'{"\\u0069\\u0064":"a",}', "a"),
        (b'{"\\u0049d":"a",}', None),  # 'Id', another key
        (b'{"title":"t {","id":"a",}', "a"),  # a brace in a string is no object
        (b'{"extra":{"id":"b"},"id":"a",}', "a"),  # an id nested in extra is not the event's
        (b'{"title":"t","extra":{"id":"b"},}', None),
        (b'{"sources":[{"id":"b"}],"id":"a",}', "a"),
        (b'{"sources": [ {"id": "b"} ], "id": "a",}', "a"),
        (b'{"title":"see {1,"id":"a","date":"2024-08-01"}', "a"),  # a quote lost before it
        (b'{"title":"see [1,"id":"a","date":"2024-08-01"}', "a"),
        (b'{"tags":["x", {"id":"b"}],"id":"a",}', "a"),
        (b'{"id":1}', None),
        (b'{"title":"t","id":"a}', None),  # the id itself broken: none to tell
        (b"[1]", None),
        (b"not json", None),
    ],
)
def test_named_id_reads_the_id_a_broken_line_shows(content: bytes, named: str | None) -> None:
    from timeline.log.decoding import named_id

    assert named_id(RawLine(1, content + b"\n")) == named
