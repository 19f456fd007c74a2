"""The fast read path gives exactly the results of the plain one.

``show --json`` with a filter finds candidate lines in whole blocks (``scan.scan_lines`` with
``query.Anchors``), judges them on raw bytes (``query.Prefilter``) and validates only the
survivors, taking ``fastpath`` for canonical lines. The plain path parses every line with
pydantic and applies ``query.matches``. These tests run both over generated and hostile logs.
"""

from __future__ import annotations

import io
import itertools
import json
import random
import re
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from timeline.cli import app
from timeline.errors import LineError
from timeline.fastpath import fast_event
from timeline.log.files import snapshot
from timeline.log.lines import RawLine
from timeline.log.scan import scan_lines, stream_blocks
from timeline.model import Event, canonical_json
from timeline.parsing import parse_raw_line
from timeline.prefilter import Prefilter
from timeline.query import Filter, matches
from timeline.vocab import EventType, Status

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from gen import generate

BASE: dict[str, Any] = {
    "id": "e1",
    "date": "2024-08-19",
    "title": "Belarus moves troops",
    "type": "mobilize",
    "actors": ["belarus"],
    "sources": [{"url": "https://example.org/a"}],
}


def _plain(lines: list[bytes], flt: Filter) -> list[str]:
    """The reference: every line parsed by pydantic, filtered by query.matches."""
    out = []
    for lineno, content in enumerate(lines, 1):
        try:
            event = parse_raw_line(RawLine(lineno, content + b"\n"), source="t")
        except LineError:
            continue
        if matches(event, flt):
            out.append(canonical_json(event))
    return out


def _fast(lines: list[bytes], flt: Filter) -> list[str]:
    """The fast path as show --json runs it: anchors, prefilter, fast path, then matches."""
    prefilter = Prefilter(flt)
    anchors = prefilter.anchors()
    data = b"".join(line + b"\n" for line in lines)
    raw: Iterator[RawLine] = (
        scan_lines(stream_blocks(io.BytesIO(data)), anchors)
        if anchors is not None
        else (RawLine(n, line + b"\n") for n, line in enumerate(lines, 1))
    )
    out = []
    for line in raw:
        content = line.content
        if not prefilter(content):
            continue
        event = fast_event(content)
        if event is None:
            try:
                event = parse_raw_line(line, source="t")  # type: ignore[assignment]
            except LineError:
                continue
        assert event is not None
        if matches(event, flt):
            out.append(canonical_json(event))
    return out


FILTERS = [
    Filter.build(actors=["belarus"]),
    Filter.build(actors=["belarus/president"]),
    Filter.build(actors=["ukraine", "nato"]),
    Filter.build(targets=["russia"]),
    Filter.build(involving=["belarus"]),
    Filter.build(types=[EventType.ACCUSE]),
    Filter.build(types=[EventType.THREATEN, EventType.REJECT]),
    Filter.build(statuses=[Status.CLAIMED]),
    Filter.build(statuses=[Status.REPORTED]),
    Filter.build(texts=["troops"]),
    Filter.build(texts=["border guards", "nuclear"]),
    Filter.build(tags=["zapad"]),  # a tag of 93 of the 3,000 generated events
    Filter.build(since=date(2019, 3, 1), until=date(2019, 3, 31)),
    Filter.build(since=date(2020, 1, 1), until=date(2021, 6, 30)),
    Filter.build(since=date(2016, 5, 1)),
    Filter.build(since=date(2019, 6, 3), until=date(2019, 6, 3)),
    Filter.build(since=date(2018, 12, 30), until=date(2019, 1, 2)),
    Filter.build(actors=["belarus"], types=[EventType.MOBILIZE], since=date(2018, 1, 1)),
]


@pytest.fixture(scope="module")
def generated() -> list[bytes]:
    return [line.encode() for line in generate(3000, 7)]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: repr(f)[7:60])
def test_every_filter_gives_the_plain_result_on_a_generated_log(
    generated: list[bytes], flt: Filter
) -> None:
    """On 3,000 generated events, each filter keeps exactly the events the plain path keeps."""
    expected = _plain(generated, flt)
    assert _fast(generated, flt) == expected


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _letters_escaped(text: str) -> str:
    """JSON text (without escapes) with 'a', 'e' and 's' in its strings written as escapes."""
    table = str.maketrans({"a": "\\u0061", "e": "\\u0065", "s": "\\u0073"})
    return _STRING.sub(lambda m: m.group().translate(table), text)


def _variants(obj: dict[str, Any], rng: random.Random) -> list[bytes]:
    """The same event written in ways the bytes do not show plainly."""
    shuffled = dict(rng.sample(list(obj.items()), len(obj)))
    return [
        json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode(),
        json.dumps(obj, ensure_ascii=True).encode(),  # \u escapes for every non-ASCII character
        _letters_escaped(json.dumps(obj, ensure_ascii=False)).encode(),  # and for ASCII ones
        json.dumps(shuffled, ensure_ascii=False, indent=None).encode(),  # spaces, key order
        json.dumps(obj, ensure_ascii=False).replace("/", "\\/").encode(),
        json.dumps({**obj, "extra": {"type": "accuse", "actors": ["decoy"]}}).encode(),
        json.dumps({"extra": {"type": "accuse", "actors": ["decoy"]}, **obj}).encode(),
        json.dumps({**obj, "extra": {"status": "claimed", "date": "2030-01-01"}}).encode(),
    ]


ACTOR_SPELLINGS = [
    *("belarus", "Belarus", "BELARUS", " belarus ", "belaruſ", "Belarus/President"),
    *("belarus_president", "Belarus MoD", "беларусь", "nato", "belarus-kgb"),
    *('"Belarus"', "(belarus)", "a]b", 'x"y'),  # normalised away: quotes, brackets
    *("belarusian-opposition", "2belarus", "belarus2", "Belarus_MoD"),  # words beside it
    *("\u00adBelarus", "\tbelarus", "\u200bbelarus"),  # escaped, as json.dumps writes them
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    actor=st.sampled_from(ACTOR_SPELLINGS),
    target=st.sampled_from(ACTOR_SPELLINGS),
    kind=st.sampled_from([t.value for t in EventType]),
    status=st.sampled_from([None, *(s.value for s in Status)]),
    title=st.sampled_from(
        [
            "Troops at the BORDER",
            "Войска у границы",
            "ﬁre at the border",
            "Talks in İstanbul",
            "Talks in i\u0307stanbul",
        ]
    ),
    day=st.dates(min_value=date(2015, 1, 1), max_value=date(2024, 12, 31)),
    precision=st.sampled_from(["day", "week", "month", "year"]),
    span=st.one_of(st.none(), st.integers(0, 400)),
    seed=st.integers(0, 1000),
    before=st.sampled_from([[], ["ukraine"], ["ukraine", "poland/army"], ["a]b", 'x"y']]),
    flt=st.sampled_from(
        [
            *FILTERS,
            Filter.build(actors=["belarus-mod"]),
            Filter.build(actors=["беларусь"]),
            Filter.build(texts=["fire"]),
            Filter.build(texts=["войска"]),
            Filter.build(texts=["istanbul"]),
        ]
    ),
)
def test_prefilter_never_drops_a_matching_line(
    actor: str,
    target: str,
    kind: str,
    status: str | None,
    title: str,
    day: date,
    precision: str,
    span: int | None,
    seed: int,
    before: list[str],
    flt: Filter,
) -> None:
    """However an event is spelled (case, escapes, layout, decoys in extra), a line whose event
    matches is found by the block scan and passed by the prefilter, wherever in its lists the
    actor stands."""
    start = {
        "day": day,
        "week": day - timedelta(days=day.weekday()),
        "month": day.replace(day=1),
        "year": day.replace(month=1, day=1),
    }[precision]
    obj: dict[str, Any] = {
        **BASE,
        "date": start.isoformat(),
        "precision": precision,
        "title": title,
        "type": kind,
        "actors": [*before, actor],
        "targets": [target, *before],
    }
    if status is not None:
        obj["status"] = status
    if span is not None:
        obj["end"] = (start + timedelta(days=span)).isoformat()
    anchors = Prefilter(flt).anchors()
    for line in _variants(obj, random.Random(seed)):
        assert _fast([line], flt) == _plain([line], flt), line
        if anchors is not None:  # a line the block scan keeps, a lone line's test keeps too
            kept = list(scan_lines(stream_blocks(io.BytesIO(line + b"\n")), anchors))
            assert not kept or anchors.may_hold(line + b"\n"), line


@pytest.mark.parametrize("ids", [["e1"], ["Минск-1"], ["e1", "Минск-1"], ['a"b\\c/d']])
def test_an_id_is_found_in_any_spelling(ids: list[str]) -> None:
    """An id filter finds its events whatever escapes the line uses: an id in another script
    written as escapes (the bytes show none of it), or an ASCII one with escaped letters."""
    flt = Filter.build(ids=ids)
    for event_id in ("e1", "Минск-1", 'a"b\\c/d', "other"):
        obj = {**BASE, "id": event_id, "title": "Войска у границы"}
        for line in _variants(obj, random.Random(len(event_id))):
            assert _fast([line], flt) == _plain([line], flt), line


WINDOWS = [
    (date(2019, 6, 1), date(2019, 6, 30)),
    (date(2019, 6, 3), date(2019, 6, 3)),
    (date(2018, 12, 30), date(2019, 1, 2)),
    (date(2019, 11, 15), date(2020, 2, 10)),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    window=st.sampled_from(WINDOWS),
    before=st.integers(-40, 800),
    precision=st.sampled_from(["day", "week", "month", "year"]),
    span=st.one_of(st.none(), st.integers(0, 900)),
    seed=st.integers(0, 1000),
)
def test_a_date_window_never_drops_an_event_that_overlaps_it(
    window: tuple[date, date], before: int, precision: str, span: int | None, seed: int
) -> None:
    """Events that start up to two years before a window and end in it, across it or after
    it, in canonical and other layouts, with decoy dates in extra: the date anchors (month
    needles, and the 'end' pattern for events that span the window) find every match."""
    since, until = window
    day = since - timedelta(days=before)
    start = {
        "day": day,
        "week": day - timedelta(days=day.weekday()),
        "month": day.replace(day=1),
        "year": day.replace(month=1, day=1),
    }[precision]
    obj: dict[str, Any] = {**BASE, "date": start.isoformat(), "precision": precision}
    if span is not None:
        obj["end"] = (start + timedelta(days=span)).isoformat()
    canonical = canonical_json(Event.model_validate(obj)).encode()
    decoy = {"date": "2030-01-01", "precision": "day", "end": "2030-02-01"}
    lines = [
        canonical,
        canonical.replace(b'"end":"', b'"end": "'),
        json.dumps({**obj, "extra": decoy}, separators=(",", ":")).encode(),
        *_variants(obj, random.Random(seed)),
    ]
    flt = Filter.build(since=since, until=until)
    for line in lines:
        assert _fast([line], flt) == _plain([line], flt), line


def test_show_json_with_a_filter_equals_strict_show_through_the_cli(
    tmp_path: Path, generated: list[bytes]
) -> None:
    """Through the CLI, the fast path (filters) and --strict (every line parsed) agree."""
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"".join(line + b"\n" for line in generated))
    runner = CliRunner()
    for args in (["--actor", "belarus"], ["--type", "accuse"], ["--text", "troops"],
                 ["--since", "2019-03", "--until", "2019-03"]):  # fmt: skip
        fast = runner.invoke(app, ["show", "-f", str(log), "--json", *args])
        plain = runner.invoke(app, ["show", "-f", str(log), "--json", "--strict", *args])
        assert fast.exit_code == plain.exit_code == 0
        assert fast.stdout == plain.stdout
        assert fast.stdout.count("\n") > 0


def test_plain_show_with_a_filter_keeps_the_marks_that_other_lines_give(tmp_path: Path) -> None:
    """The plain view reads the lines that answer others even when the filter would skip them,
    so a claim rejected by a line that never names the actor still shows as disputed."""
    claim = {**BASE, "id": "c1", "type": "accuse", "status": "claimed"}
    answer = {**BASE, "id": "r1", "title": "Kyiv denies it", "type": "reject",
              "actors": ["ukraine"], "responds_to": ["c1"]}  # fmt: skip
    log = tmp_path / "events.jsonl"
    log.write_text("".join(canonical_json(Event.model_validate(o)) + "\n" for o in (claim, answer)))
    runner = CliRunner()
    fast = runner.invoke(app, ["show", "-f", str(log), "--actor", "belarus"])
    plain = runner.invoke(app, ["show", "-f", str(log), "--actor", "belarus", "--strict"])
    assert fast.exit_code == plain.exit_code == 0
    assert fast.stdout == plain.stdout
    assert fast.stdout.split("\t")[3] == "Belarus moves troops [disputed]"


def test_the_escapes_that_can_hide_an_ascii_needle_are_those_of_ascii_and_folds() -> None:
    """Of every \\u escape (hex digits in either case), the prefilter doubts exactly those of
    ASCII characters and of the characters whose folding holds ASCII; and an escaped slash."""
    from timeline.prefilter import _FOLDS, _HIDING

    hiding = {ord(c.decode()) for c in _FOLDS} | set(range(128))
    for code in range(0x10000):
        for digits in {f"{code:04x}", f"{code:04X}", f"{code:04x}".swapcase()}:
            found = _HIDING.fullmatch(b"\\u" + digits.encode()) is not None
            assert found == (code in hiding), digits
    assert _HIDING.fullmatch(b"\\/") is not None


def test_the_fold_list_is_every_non_ascii_character_that_folds_to_ascii() -> None:
    """query._FOLDS holds exactly the characters whose folding holds ASCII characters, and
    those a search drops after an 'i' (``query.search_fold``)."""
    from timeline.prefilter import _FOLDS
    from timeline.query import search_fold
    from timeline.rules import fold

    expected = {
        chr(code).encode()
        for code in range(0x80, sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF
        and (any(c.isascii() for c in fold(chr(code))) or search_fold("i" + chr(code)) == "i")
    }
    assert set(_FOLDS) == expected


@pytest.mark.parametrize("output", [["--json"], ["--format", "plain"], ["--format", "csv"]])
@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--actor", "belarus"],
        ["--type", "accuse"],
        ["--since", "2019-03", "--until", "2019-04"],
        ["--reverse", "--limit", "7"],
        ["--reverse"],
    ],
    ids=["all", "actor", "type", "window", "reverse-limit", "reverse"],
)
@pytest.mark.parametrize("whole_spools", [32 << 20, 40_000, 0], ids=["copied", "some", "none"])
def test_reading_on_every_core_gives_the_serial_result(
    tmp_path: Path,
    generated: list[bytes],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    output: list[str],
    whole_spools: int,
) -> None:
    """A log cut into ranges read by forked workers gives the output of --strict, which reads
    it whole and serially, byte for byte, warnings with whole-file line numbers included:
    canonical lines, lines in other layouts (a spaced one, one the model alone reads, one in
    json.dumps's default layout every few lines), CRLF and bad lines, and claims disputed by
    rejections in another range (the views' lines are rendered as the ranges are read)."""
    from timeline.log import parallel

    lines = list(generated[:600])
    for at in range(3, 600, 7):
        lines[at] = json.dumps(dict(reversed(json.loads(lines[at]).items()))).encode()
    lines[10] = json.dumps(json.loads(lines[10])).encode()  # not canonical: spaces
    alien = json.loads(lines[30])
    alien["actors"] = ["Belarus MoD"]  # the model normalises it, the fast path leaves it
    lines[30] = json.dumps(alien, ensure_ascii=False).encode()
    lines[20] = lines[20] + b"\r"  # CRLF
    lines[25] = b" \t"  # blank
    lines[450] = b'{"id": "x", "date": "2019-03-05", "type": "accuse", "actors": ["belarus"]'  # bad
    claims = []  # claims that every filter keeps, answered in every range
    for at, answered in zip(range(40, 600, 150), range(560, 600, 10), strict=True):
        claim = {**json.loads(lines[answered]), "status": "claimed", "type": "accuse"}
        claim.update(actors=["belarus"], date="2019-03-05", precision="day", end=None)
        lines[answered] = canonical_json(Event.model_validate(claim)).encode()
        answer = {**BASE, "id": f"no-{at}", "type": "reject", "responds_to": [claim["id"]]}
        lines[at] = canonical_json(Event.model_validate(answer)).encode()
        claims.append(claim)
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"\n".join(lines))  # the last line without a newline
    runner = CliRunner()
    serial = runner.invoke(app, ["show", "-f", str(log), *output, *args, "--strict"])
    assert serial.exit_code == 2  # --strict stops at the bad line: read the rest without it
    log.write_bytes(b"\n".join(line for n, line in enumerate(lines) if n != 450))
    serial = runner.invoke(app, ["show", "-f", str(log), *output, *args, "--strict"])
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 3)
    monkeypatch.setattr("timeline.selection._WHOLE_SPOOLS", whole_spools)  # lines copied or not
    with snapshot(log) as snap:
        assert parallel.line_ranges(snap, 3) is not None
    forked = runner.invoke(app, ["show", "-f", str(log), *output, *args])
    assert forked.exit_code == serial.exit_code == 0
    assert forked.stdout == serial.stdout
    assert forked.stderr == serial.stderr == ""
    if output != ["--json"] and "--limit" not in args:
        mark = "[disputed]" if "plain" in output else ",disputed,"
        assert forked.stdout.count(mark) >= len(claims)
    log.write_bytes(b"\n".join(lines))  # with the bad line again
    warned = runner.invoke(app, ["show", "-f", str(log), *output, *args])
    assert warned.exit_code == 0
    assert warned.stdout == serial.stdout
    assert f"{log}:451: " in warned.stderr


def test_a_bom_inside_the_log_is_refused_on_every_core_too(
    tmp_path: Path, generated: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A UTF-8 BOM is allowed only at the very start of a log; a line that begins a worker's
    range is not the start of the log, so a BOM there is refused as it is when read serially."""
    from timeline.log import parallel

    log = tmp_path / "events.jsonl"
    lines = list(generated[:600])
    log.write_bytes(b"".join(line + b"\n" for line in lines))
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    with snapshot(log) as snap:
        ranges = parallel.line_ranges(snap, 2)
    assert ranges is not None
    starts = list(itertools.accumulate(len(line) + 1 for line in lines))
    second = starts.index(ranges[1][0]) + 1  # index of the line that opens the second range
    lines[second] = b"\xef\xbb\xbf" + lines[second]
    log.write_bytes(b"".join(line + b"\n" for line in lines))
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    with snapshot(log) as snap:
        ranges = parallel.line_ranges(snap, 2)
    assert ranges is not None and ranges[1][0] == starts[second - 1]
    forked = CliRunner().invoke(app, ["show", "-f", str(log), "--json"])
    assert forked.exit_code == 0
    assert forked.stderr.startswith(f"{log}:{second + 1}: not valid JSON")


@pytest.mark.parametrize("args", [[], ["--actor", "belarus"], ["--text", "troops"]])
def test_a_bom_at_the_start_of_the_log_is_allowed_on_every_core(
    tmp_path: Path,
    generated: list[bytes],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
) -> None:
    """The first line is known by its offset (0) when workers do not number lines: a BOM there
    is skipped as the serial read skips it, with or without a filter."""
    from timeline.log import parallel

    first = json.loads(generated[0])
    first["actors"], first["title"] = ["belarus"], "Belarus moves troops"
    lines = [json.dumps(first).encode(), *generated[1:600]]  # spaced: not the fast path
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"\xef\xbb\xbf" + b"".join(line + b"\n" for line in lines))
    runner = CliRunner()
    serial = runner.invoke(app, ["show", "-f", str(log), "--json", *args])
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    forked = runner.invoke(app, ["show", "-f", str(log), "--json", *args])
    assert forked.exit_code == serial.exit_code == 0
    assert forked.stderr == serial.stderr == ""
    assert forked.stdout == serial.stdout
    assert f'"id":"{first["id"]}"' in forked.stdout


@pytest.mark.parametrize(
    "extra",
    [None, {"status": "claimed"}, {"status": 1}, {"note": "status"}],
    ids=["no-key", "decoy-status", "decoy-number", "word-status"],
)
def test_the_default_status_is_found_when_the_key_is_left_out(extra: Any) -> None:
    """A line without a top-level status is 'reported', even when the bytes '"status"' are
    elsewhere in it (a nested key, a value): --status reported keeps it on the fast path."""
    obj: dict[str, Any] = {**BASE}
    if extra is not None:
        obj["extra"] = extra
    lines = [json.dumps(obj).encode(), json.dumps(obj, separators=(",", ":")).encode()]
    for flt in (
        Filter.build(statuses=[Status.REPORTED]),
        Filter.build(statuses=[Status.REPORTED, Status.CLAIMED]),
    ):
        for line in lines:
            assert _fast([line], flt) == _plain([line], flt) != [], line


@pytest.mark.parametrize(
    ("since", "until"),
    [("0001-01-01", "0001-02-01"), ("0001", "0001"), ("0001-01-06", "0001-01-31")],
)
def test_a_window_at_the_first_days_of_the_calendar(tmp_path: Path, since: str, until: str) -> None:
    """The six days before --since that a week may start on stop at 0001-01-01."""
    log = tmp_path / "events.jsonl"
    log.write_text(json.dumps({**BASE, "date": "0001-01-06"}) + "\n")
    runner = CliRunner()
    args = ["show", "-f", str(log), "--json", "--since", since, "--until", until]
    fast = runner.invoke(app, args)
    strict = runner.invoke(app, [*args, "--strict"])
    assert (fast.exit_code, fast.stderr) == (0, "")
    assert fast.stdout == strict.stdout != ""


@pytest.mark.parametrize(
    "bad",
    [
        '"date":"2019-02-30","precision":"month"',
        '"date":"9999-12-27","precision":"week"',
    ],
)
def test_a_bad_date_in_a_canonical_prefix_is_a_warning_not_a_crash(
    tmp_path: Path, bad: str
) -> None:
    """The date prefilter reads a line's date before validation: a date that is not one (or
    whose period passes 9999) leaves the judgement to validation, which warns."""
    good = canonical_json(Event.model_validate({**BASE, "date": "2019-06-03"}))
    broken = re.sub(r'"date":"[^"]*","precision":"[a-z]+"', bad, good).replace(
        '"id":"e1"', '"id":"e2"'
    )
    log = tmp_path / "events.jsonl"
    log.write_text(good + "\n" + broken + "\n")
    result = CliRunner().invoke(app, ["show", "-f", str(log), "--json", "--since", "2019-01"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == good + "\n"
    assert result.stderr.startswith(f"{log}:2: ")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["reject", "accuse", "Reject"]),
    answers=st.lists(st.sampled_from(["e0", "e2"]), max_size=2, unique=True),
    decoy=st.sampled_from([None, [], ["e9"]]),
    seed=st.integers(0, 1000),
    flt=st.sampled_from([Filter.build(actors=["nato"]), Filter.build(texts=["troops"])]),
)
def test_a_view_hears_of_every_answer_and_rejection(
    tmp_path_factory: pytest.TempPathFactory,
    kind: str,
    answers: list[str],
    decoy: list[str] | None,
    seed: int,
    flt: Filter,
) -> None:
    """A reader of a view learns what each event answers (of a rendered view: what each
    rejection disputes), in any layout, with an empty ``responds_to`` as a decoy in 'extra'
    before or after the real one, whether the filter matches the line or not: from the filter's
    reading (a line with escapes) or from its search for the answers it did not parse
    (``may_answer`` keeps the rejections that may answer)."""
    from timeline.log.aside import aside_files
    from timeline.prefilter import may_answer
    from timeline.selection import view_range

    obj: dict[str, Any] = {**BASE, "type": kind, "responds_to": answers}
    if decoy is not None:
        obj["extra"] = {"responds_to": decoy}
    compact_extra_first = json.dumps(
        {"extra": obj.pop("extra", None), **obj}, separators=(",", ":")
    ).encode()
    obj["extra"] = json.loads(compact_extra_first)["extra"]
    variants = [*_variants(obj, random.Random(seed)), compact_extra_first]
    log = tmp_path_factory.mktemp("view") / "events.jsonl"
    for line in [*variants, _letters_escaped(json.dumps(obj)).encode()]:
        try:
            event = parse_raw_line(RawLine(1, line + b"\n"), source="t")
        except LineError:
            continue
        if event.responds_to:
            assert may_answer(line), line
        log.write_bytes(line + b"\n")
        with snapshot(log) as snap, aside_files(1) as (spool,):
            rendered = view_range(
                snap.fd, 0, snap.length, flt=flt, line=lambda e, _: e.id, spools={0: spool}
            )
            events = view_range(snap.fd, 0, snap.length, flt=flt)
        disputed = set(event.responds_to) if event.type is EventType.REJECT else set()
        assert rendered.responses.rejected == disputed, line
        assert events.responses.answered == set(event.responds_to), line
        assert events.responses.rejected == disputed, line


def test_an_actor_list_in_json_dumps_layout_is_read_not_guessed() -> None:
    """json.dumps's layout (", " and ": ") is read item by item, like the canonical one; a
    second list of that name (a decoy in 'extra') leaves the line to the model."""
    from timeline.prefilter import _actor_list

    obj = {**BASE, "actors": ["ukraine", "belarus", "poland/army"], "targets": ["nato"]}
    line = json.dumps(obj).encode()
    assert _actor_list(line, b"actors") == [b"ukraine", b"belarus", b"poland/army"]
    assert _actor_list(line, b"targets") == [b"nato"]
    assert Prefilter(Filter.build(actors=["poland"]))(line)
    assert not Prefilter(Filter.build(actors=["russia"]))(line)
    assert not Prefilter(Filter.build(actors=["nato"]))(line)  # a target, not an actor
    decoy = json.dumps({"extra": {"actors": ["russia"]}, **obj}).encode()
    assert _actor_list(decoy, b"actors") is None


def test_the_scan_keeps_a_line_when_the_actor_stands_in_its_list() -> None:
    """The block scan passes over a line that names the actor only in its text or as a part of
    a longer word, and keeps one whose list holds it in any spelling, after items that hold ']'
    or an escaped quote."""
    flt = Filter.build(involving=["belarus"])
    spellings = [
        {**BASE, "actors": ["a]b", 'x"y', "Belarus"]},
        {**BASE, "actors": ["nato"], "targets": ["a]b", "(belarus)"]},
        {**BASE, "actors": ['"Belarus/Army"']},
        {**BASE, "actors": ["belarusian-opposition", "Belarus_KGB"]},
        {**BASE, "actors": ["nato", " belarus "]},
        {**BASE, "actors": ["\u00adBelarus"], "targets": ["\tbelarus"]},
    ]
    mentions = [
        {**BASE, "actors": ["nato"], "extra": {"note": "belarus"}},
        {**BASE, "actors": ["belarusian-opposition", "xbelarus", "belarus2"]},
    ]
    for obj in spellings + mentions:
        for line in _variants(obj, random.Random(0))[:5]:  # no decoys in 'extra'
            found = list(
                scan_lines(stream_blocks(io.BytesIO(line + b"\n")), Prefilter(flt).anchors())
            )
            escaped = b"\\u00" in line or b"\\/" in line  # the scan keeps those as doubtful
            assert bool(found) == (obj in spellings or escaped), line
            assert _fast([line], flt) == _plain([line], flt), line


def test_a_lone_line_is_kept_by_its_anchors_in_any_case_escape_or_fold() -> None:
    """``Anchors.may_hold``, for lines read already (a rename): a needle in any case, an escape
    that may hide one, a character that folds to one; a line with none of them is passed over."""
    actor = Prefilter(Filter.build(actors=["belarus"])).anchors()
    text = Prefilter(Filter.build(texts=["fire"])).anchors()
    assert actor is not None and text is not None
    assert actor.may_hold(b'{"actors":["BELARUS"]}')
    assert actor.may_hold(b'{"actors":["\\u0062elarus"]}')
    assert not actor.may_hold('{"actors":["ukraine"],"title":"Во"}'.encode())
    assert text.may_hold('{"title":"\ufb01re at the border"}'.encode())
    assert not text.may_hold('{"title":"Войска у границы"}'.encode())
