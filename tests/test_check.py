"""Pure tests of ``timeline.check``: check_lines over parsed lines built from literal bytes."""

from __future__ import annotations

import itertools
import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline.check import Problem, Severity, check_lines
from timeline.log.lines import RawLine
from timeline.parsing import parse_lines

ERROR, WARNING = Severity.ERROR, Severity.WARNING
AS_OF = date(2024, 9, 1)
CLAIM_ID = "2024-08-18-lukashenko-claims-120000-ukrainian-troops"


def event(**fields: Any) -> bytes:
    """One valid event line (without its newline), with some keys replaced or added."""
    obj: dict[str, Any] = {
        "id": "e1",
        "date": "2024-08-18",
        "title": "Lukashenko claims troops at the border",
        "type": "accuse",
        "actors": ["belarus/president"],
        "sources": [{"url": "https://example.org/a"}],
    }
    obj.update(fields)
    return json.dumps(obj).encode()


def lint(*lines: bytes, as_of: date = AS_OF, torn: bool = False) -> list[Problem]:
    """check_lines over these lines, each ending with a newline unless ``torn`` (the last)."""
    raw = [RawLine(n, data + b"\n") for n, data in enumerate(lines, 1)]
    if torn:
        raw[-1] = RawLine(len(lines), lines[-1])
    return list(check_lines(parse_lines(raw, source="events.jsonl"), as_of=as_of))


def summary(
    problems: list[Problem], expected: list[tuple[int, Severity, str | None, str]]
) -> list[tuple[int, Severity, str | None, str]]:
    """Problems as (line, severity, field, message), a message shortened to the expected
    substring it contains, so that one == compares everything else whole."""
    out = []
    for index, p in enumerate(problems):
        wanted = expected[index][3] if index < len(expected) else None
        message = wanted if wanted is not None and wanted in p.message else p.message
        out.append((p.lineno, p.severity, p.field, message))
    return out


def assert_problems(
    problems: list[Problem], expected: list[tuple[int, Severity, str | None, str]]
) -> None:
    assert summary(problems, expected) == expected


# ---------------------------------------------------------------------------- clean logs


def test_clean_log_has_no_problems() -> None:
    """Valid events that answer each other, on a log ending with a newline: nothing to report."""
    assert lint(event(), event(id="e2", type="reject", responds_to=["e1"])) == []


def test_blank_lines_are_fine_and_keep_line_numbers() -> None:
    """Blank and whitespace-only lines are not problems, and later lines keep their numbers."""
    assert lint(b"", event(), b"   \t", b"\r", event(id="e2")) == []
    assert_problems(
        lint(b"", event(), b"  ", b"oops"),
        [(4, ERROR, None, "not valid JSON")],
    )


# ---------------------------------------------------------------------------- bad lines


def test_not_json() -> None:
    """A line that is not JSON is an error with the decoder's reason and column."""
    assert_problems(
        lint(event(), b"{'id': 'e2'}"),
        [(2, ERROR, None, "not valid JSON: Expecting property name enclosed in double quotes")],
    )


def test_not_an_object() -> None:
    """A JSON value that is not an object says what it is instead."""
    assert_problems(
        lint(b"[1, 2]", b'"text"', b"42", b"null"),
        [
            (1, ERROR, None, "expected a JSON object, got an array"),
            (2, ERROR, None, "expected a JSON object, got a string"),
            (3, ERROR, None, "expected a JSON object, got a number"),
            (4, ERROR, None, "expected a JSON object, got null"),
        ],
    )


def test_invalid_utf8() -> None:
    """A line that is not UTF-8 names the bad byte and its column."""
    assert_problems(
        lint(event(), b'{"id": "e\xff2"}'),
        [(2, ERROR, None, "not valid UTF-8 (byte 0xff at column 10)")],
    )


def test_several_bad_fields_are_each_reported() -> None:
    """Every schema violation on a line is its own problem, named by its field."""
    line = event(id="bad id", date="2024-13-01", title="", type="dance", actors=[], sources=[])
    assert_problems(
        lint(line),
        [
            (1, ERROR, "id", "'bad id' is not a valid id"),
            (1, ERROR, "date", "'2024-13-01' is not a valid date"),
            (1, ERROR, "title", "must not be empty"),
            (1, ERROR, "type", "is not one of: agree, consult"),
            (1, ERROR, "actors", "must not be empty"),
            (1, ERROR, "sources", "must not be empty"),
        ],
    )


def test_nested_field_and_unknown_key() -> None:
    """A bad field inside a source is named by its path; an unknown key is named too."""
    line = event(sources=[{"url": "https://example.org/a"}, {"publisher": "X"}], colour="red")
    assert_problems(
        lint(line),
        [
            (1, ERROR, "sources[1]", "a source needs a 'url' or a 'title'"),
            (1, ERROR, "colour", "unknown key"),
        ],
    )


def test_half_a_point_is_a_warning() -> None:
    """add and edit refuse --lat without --lon; a log written elsewhere may hold one: check
    says so (GeoJSON and the calendar leave such an event off the map)."""
    assert_problems(
        lint(
            event(location={"name": "Minsk", "lat": 53.9}),
            event(id="e2", location={"lon": 27.56}),
            event(id="e3", location={"lat": 53.9, "lon": 27.56}),
        ),
        [
            (1, WARNING, "location", "lat without lon, or lon without lat: no map can place"),
            (2, WARNING, "location", "lat without lon, or lon without lat: no map can place"),
        ],
    )


def test_an_actor_stored_otherwise_than_it_is_read_is_a_warning() -> None:
    """The model reads 'CSTO' as csto, 'a b' as a-b, and drops a control or bidi character
    from an id: each is said, since show, --actor and diff use the id read, not the bytes."""
    assert_problems(
        lint(
            event(actors=["CSTO", "belarus"]),
            event(id="e2", actors=["csto\u0000"], targets=["a b", "ukraine"]),
            event(id="e3", actors=["belarus/president\u202e"]),
        ),
        [
            (1, WARNING, "actors", "'CSTO' is read as 'csto': store it so"),
            (2, WARNING, "actors", "'csto\\x00' is read as 'csto': store it so"),
            (2, WARNING, "targets", "'a b' is read as 'a-b': store it so"),
            (3, WARNING, "actors", "is read as 'belarus/president': store it so"),
        ],
    )


def test_a_country_code_stored_in_lower_case_is_a_warning() -> None:
    """Every reader shows 'ukr' as UKR, and an edit of the event rewrites it so: said, as an
    actor stored otherwise than read is (it was not)."""
    assert_problems(
        lint(
            event(location={"name": "Kyiv", "country": "ukr"}),
            event(id="e2", location={"country": "UKR"}),
        ),
        [(1, WARNING, "location.country", "'ukr' is read as 'UKR': store it so")],
    )


def test_end_before_date() -> None:
    """An end before the date is an error of the line."""
    assert_problems(
        lint(event(end="2024-08-17")),
        [(1, ERROR, "end", "2024-08-17 is before the date 2024-08-18")],
    )


# ---------------------------------------------------------------------------- across lines


def test_duplicate_id_names_the_other_line() -> None:
    """A repeated id is reported on each later line, naming the first line that has it."""
    assert_problems(
        lint(event(), event(id="e2"), event(title="Another"), event()),
        [
            (3, ERROR, "id", "'e1' is also the id on line 1"),
            (4, ERROR, "id", "'e1' is also the id on line 1"),
        ],
    )


def test_responds_to_a_missing_id() -> None:
    """responds_to must name an id in the log; an id later in the log counts."""
    assert_problems(
        lint(
            event(id="e2", responds_to=["e1", "nowhere"]),
            event(),
        ),
        [(1, ERROR, "responds_to", "no event with id 'nowhere' in the log")],
    )


def test_an_answer_to_an_id_on_a_bad_line_is_left_to_that_line() -> None:
    """An answer to the id of a bad line that is a JSON object (add and import accept one: the
    line will be mended) is not an answer to nothing: the bad line's own problems say what is
    wrong, once (before 7 December: a second error, 'no event with id', that add had let
    through). The id a line that is not JSON shows is no event's, as add and import say."""
    bad_date = event(id="z1", date="2024-13-01")
    broken = b'{"id":"z2","date":"2024-01-01", broken'
    assert_problems(
        lint(
            bad_date,
            broken,
            event(id="e2", type="reject", responds_to=["z1", "z2", "nowhere"]),
        ),
        [
            (1, ERROR, "date", "'2024-13-01' is not a valid date"),
            (2, ERROR, None, "not valid JSON"),
            (3, ERROR, "responds_to", "no event with id 'z2' in the log"),
            (3, ERROR, "responds_to", "no event with id 'nowhere' in the log"),
        ],
    )


def test_an_answer_to_an_id_on_a_bad_line_through_the_parallel_check(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same through `check` with forked readers, each holding a part of the log."""
    from typer.testing import CliRunner

    from timeline.cli import app
    from timeline.log import parallel

    log = tmp_path / "events.jsonl"
    lines = [event(id=f"f{n}") for n in range(40)]
    lines[3] = event(id="z1", date="2024-13-01")
    lines[37] = event(id="e2", type="reject", responds_to=["z1", "nowhere"])
    log.write_bytes(b"".join(line + b"\n" for line in lines))
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 3)
    result = CliRunner().invoke(app, ["check", "-f", str(log)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{log}:4: date: '2024-13-01' is not a valid date",
        f"{log}:38: responds_to: no event with id 'nowhere' in the log",
    ]


def test_date_after_as_of() -> None:
    """A date after --as-of is an error; the as-of day itself is fine."""
    assert_problems(
        lint(event(date="2024-09-01"), event(id="e2", date="2024-09-02")),
        [(2, ERROR, "date", "2024-09-02 is after 2024-09-01 (--as-of)")],
    )


def test_rejected_claim_not_disputed_is_a_warning_at_the_claim() -> None:
    """A 'claimed' event answered by a reject is a warning on the claim's line, naming the
    rejecting event and its line."""
    problems = lint(
        event(id=CLAIM_ID, status="claimed"),
        event(id="r1", type="reject", actors=["ukraine"], responds_to=[CLAIM_ID]),
    )
    assert [(p.lineno, p.severity, p.field, p.message) for p in problems] == [
        (1, WARNING, "status", "'claimed', but 'r1' (line 2) rejects it: mark it 'disputed'?")
    ]


def test_rejected_claim_warned_once_and_disputed_is_fine() -> None:
    """Two rejects of one claim give one warning; a disputed or non-reject answer gives none."""
    assert_problems(
        lint(
            event(id="r1", type="reject", responds_to=["c1", "c2", "c3"]),
            event(id="c1", status="claimed"),
            event(id="c2", status="disputed"),
            event(id="c3", status="claimed"),
            event(id="r2", type="reject", responds_to=["c1"]),
            event(id="x1", type="accuse", responds_to=["c4"]),
            event(id="c4", status="claimed"),
        ),
        [
            (2, WARNING, "status", "'r1' (line 1) rejects it"),
            (4, WARNING, "status", "'r1' (line 1) rejects it"),
        ],
    )


def test_torn_last_line_is_a_warning() -> None:
    """A valid last line without a newline is a warning, not an error."""
    assert_problems(
        lint(event(), event(id="e2"), torn=True),
        [(2, WARNING, None, "last line has no newline")],
    )


def test_torn_invalid_last_line_is_both() -> None:
    """A cut-short line that is also bad JSON gets its error and the torn-line warning."""
    assert_problems(
        lint(event(), b'{"id": "e2", "da', torn=True),
        [
            (2, ERROR, None, "not valid JSON"),
            (2, WARNING, None, "last line has no newline"),
        ],
    )


def test_problems_are_sorted_by_line() -> None:
    """Problems found in later passes (references, claims) are merged in line order."""
    problems = lint(
        event(id="c1", status="claimed", responds_to=["ghost"]),
        b"not json",
        event(id="r1", type="reject", responds_to=["c1"]),
        event(id="c1", date="2025-01-01"),
        b'{"id": "e5", "da',
        torn=True,
    )
    assert_problems(
        problems,
        [
            (1, ERROR, "responds_to", "no event with id 'ghost' in the log"),
            (1, WARNING, "status", "'r1' (line 3) rejects it"),
            (2, ERROR, None, "not valid JSON"),
            (4, ERROR, "id", "'c1' is also the id on line 1"),
            (4, ERROR, "date", "2025-01-01 is after 2024-09-01"),
            (5, ERROR, None, "not valid JSON"),
            (5, WARNING, None, "last line has no newline"),
        ],
    )
    assert [p.lineno for p in problems] == sorted(p.lineno for p in problems)


# ---------------------------------------------------------------------------- bounded memory

_PALETTE = [
    b"{}",  # five missing fields
    b"not json",
    event(id="a"),
    event(id="a"),  # a repeat
    event(id="b", responds_to=["later"]),  # resolved only at the end, or never
    event(id="later"),
    event(id="c", status="claimed"),
    event(id="d", type="reject", responds_to=["c"]),
    event(id="e", date="2030-01-01"),  # not yet
]


@settings(max_examples=60)
@given(picks=st.lists(st.integers(0, len(_PALETTE) - 1), max_size=40), torn=st.booleans())
def test_problems_come_in_line_order_however_many_wait(picks: list[int], torn: bool) -> None:
    """Problems found line by line wait in a spool (a temporary file past its size) for those
    only the end tells: the result is the same whether they wait in memory or on disk, and it
    is in line order, with a line's own problems before those found later."""
    import timeline.log.spool

    lines = [_PALETTE[i] for i in picks] or [b"{}"]
    in_memory = lint(*lines, torn=torn)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timeline.log.spool, "SPOOL_BYTES", 1)  # the first batch goes to disk
        patch.setattr(timeline.log.spool, "_BATCH", 1)  # and each problem is a batch
        on_disk = lint(*lines, torn=torn)
    assert on_disk == in_memory
    assert [p.lineno for p in on_disk] == sorted(p.lineno for p in on_disk)
    late = {"responds_to", "status"}
    for a, b in itertools.pairwise(on_disk):
        if a.lineno == b.lineno and b.field not in late and b.message != _TORN:
            assert a.field not in late and a.message != _TORN


_TORN = "last line has no newline (a write cut short?)"


_IDS = ["a", "b", "c"]
_GOOD = st.builds(
    lambda id_, day, status, kind, answers, actor: event(
        id=id_, date=day, status=status, type=kind, responds_to=answers, actors=[actor]
    ),
    st.sampled_from(_IDS),
    st.sampled_from(["2024-08-18", "2030-01-01"]),  # before --as-of, and after it
    st.sampled_from(["reported", "claimed"]),
    st.sampled_from(["accuse", "reject"]),
    st.lists(st.sampled_from([*_IDS, "nowhere"]), max_size=2, unique=True),
    st.sampled_from(["belarus", "belarus/army", "belarus/armu", "ukraine"]),
)


def _canonical(line: bytes) -> bytes:
    """The line in the canonical layout; as it is when it holds no valid event."""
    from pydantic import ValidationError

    from timeline.model import Event
    from timeline.rules import canonical_json

    try:
        return canonical_json(Event.model_validate_json(line)).encode()
    except ValidationError:  # an answer to itself
        return line


# Lines in json.dumps's layout and in the canonical one, some ending in CRLF, and bad ones.
_LINE = (
    _GOOD
    | _GOOD.map(_canonical)
    | (_GOOD | _GOOD.map(_canonical)).map(lambda line: line + b"\r")
    | _GOOD.map(lambda line: b"\xef\xbb\xbf" + line)  # a byte order mark: on line 1 only
    | st.sampled_from([b'{"id": "broken"}', b"not json", b"[1]", b"", b"  ", b"\r", b"[1]\r"])
)
_REGISTRY = b'[belarus]\nname = "Belarus"\n[ukraine]\nname = "Ukraine"\n[poland]\nname = "Poland"\n'


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(
    logs=st.lists(st.tuples(st.lists(_LINE, max_size=30), st.booleans()), min_size=1, max_size=2),
    workers=st.integers(2, 4),
    with_registry=st.booleans(),
)
def test_every_core_finds_what_one_reader_finds(
    tmp_path_factory: pytest.TempPathFactory,
    logs: list[tuple[list[bytes], bool]],
    workers: int,
    with_registry: bool,
) -> None:
    """Large logs are checked by a worker per range, whose facts (line numbers counted from
    each range's start, problems spooled) are joined again: the same problems, in the same
    order, as one reader finds, across the ranges and the files."""
    from timeline.actors import parse_registry
    from timeline.check import check_files
    from timeline.log import parallel

    folder = tmp_path_factory.mktemp("logs")
    specs = []
    for index, (lines, torn) in enumerate(logs):
        path = folder / f"{index}.jsonl"
        text = b"\n".join(lines) + (b"" if torn or not lines else b"\n")
        path.write_bytes(text)
        specs.append((str(path), None if len(logs) == 1 else path.name))
    registry = parse_registry(_REGISTRY, source="actors.toml") if with_registry else None
    one_reader = list(check_files(specs, as_of=AS_OF, registry=registry, unused=True))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "MIN_BYTES", 1)
        patch.setattr(parallel, "workers", lambda: workers)
        every_core = list(check_files(specs, as_of=AS_OF, registry=registry, unused=True))
    assert every_core == one_reader


def _facts_both_ways(path: Any, *, actors: bool) -> None:
    """A worker reads the lines of its range a block at a time, the fast path's ones in a loop
    of its own (``_range_facts``): the same facts, and the same problems held, as the lines
    read and parsed one by one (``line_facts``)."""
    import os

    from timeline.check import _range_facts, line_facts
    from timeline.log.aside import aside_files
    from timeline.log.files import read_raw_lines
    from timeline.log.spool import Spool

    text = path.read_bytes()
    with Spool[Any]() as held:
        one_by_one = line_facts(
            parse_lines(read_raw_lines(path), source=""), held, as_of=AS_OF, actors=actors
        )
        held.flush()
        problems = list(held)
    one_by_one.lines = text.count(b"\n") + (not text.endswith(b"\n") and bool(text))
    fd = os.open(path, os.O_RDONLY)
    try:
        with aside_files(1) as (spool,):
            facts = _range_facts(fd, 0, len(text), as_of=AS_OF, actors=actors, spools={0: spool})
            with Spool[Any](spool) as worker_held:
                worker_problems = list(worker_held)
    finally:
        os.close(fd)
    assert facts == one_by_one
    assert worker_problems == problems


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(_LINE, max_size=12), torn=st.booleans(), actors=st.booleans())
def test_a_workers_range_has_the_facts_of_its_lines_parsed_one_by_one(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], torn: bool, actors: bool
) -> None:
    """``_facts_both_ways`` on any lines: both layouts, CRLF, bad, blank and torn ones."""
    path = tmp_path_factory.mktemp("range") / "log.jsonl"
    path.write_bytes(b"\n".join(lines) + (b"" if torn or not lines else b"\n"))
    _facts_both_ways(path, actors=actors)


@pytest.mark.parametrize(
    "text",
    [
        event(id="a") + b"\n\xef\xbb\xbf" + event(id="b") + b"\n",  # a byte order mark after line 1
        b"\xef\xbb\xbf" + event(id="a") + b"\n" + event(id="b") + b"\n",  # ... and on line 1
        event(id="a") + b"\r\n\r\n" + event(id="b") + b"\r\n",
        event(id="a") + b"\n  ",  # a blank last line without its newline: not torn
        event(id="a") + b"\n" + event(id="b"),  # torn
        event(id="a") + b"\nnot json",  # torn and bad
    ],
    ids=["bom-after-1", "bom-on-1", "crlf", "blank-tail", "torn", "torn-bad"],
)
def test_a_workers_range_reads_these_lines_as_one_reader(tmp_path: Any, text: bytes) -> None:
    """``_facts_both_ways`` on the cases the property test may not draw."""
    path = tmp_path / "log.jsonl"
    path.write_bytes(text)
    _facts_both_ways(path, actors=True)


def test_a_run_holds_only_the_answers_it_cannot_find_in_itself() -> None:
    """An answer to an event of the same run of lines is found there; only the others wait for
    the whole log (each answer held cost ``check`` about 290 bytes to the end: 381 MB for a
    log of 100,000 events answering 10 each)."""
    from timeline.check import line_facts
    from timeline.log.spool import Spool

    lines = [
        event(id="a"),
        event(id="b", type="reject", responds_to=["a"]),
        event(id="c", type="reject", responds_to=["a", "later", "ghost"]),
        event(id="later"),
    ]
    raw = [RawLine(n, data + b"\n") for n, data in enumerate(lines, 1)]
    with Spool[Any]() as held:
        facts = line_facts(parse_lines(raw, source=""), held, as_of=AS_OF, actors=False)
    assert (list(facts.reference_lines), facts.references) == ([3], ["ghost"])
