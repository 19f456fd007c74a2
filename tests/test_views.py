"""The views' reading path (``selection.selected``): candidate lines only, on every core, events
kept as columns and decoded again as a view visits them. It must select, order and annotate
exactly as the in-memory path (``select_events``) does."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from strategies import events as any_event
from timeline import selection
from timeline.cli import app
from timeline.formats import SHOW, Format, acled, geojson, html, ics, markdown, timelinejs
from timeline.formats.output import About
from timeline.log import parallel
from timeline.log.files import read_raw_lines
from timeline.merging import selected_logs
from timeline.model import Event
from timeline.query import Filter
from timeline.rules import canonical_json
from timeline.selection import KeptEvents, Selection, select_events, selected
from timeline.vocab import EventType, Status

_FILTERS = [
    Filter(),
    Filter.build(actors=["belarus"]),
    Filter.build(types=[EventType.REJECT, EventType.ACCUSE]),
    Filter.build(statuses=[Status.REPORTED]),
    Filter.build(texts=["a"]),
]


def _layout(event: Event, spaced: bool) -> bytes:
    """The event's line: canonical, or as Python's json.dumps writes it (not canonical)."""
    line = canonical_json(event)
    return (json.dumps(json.loads(line)) if spaced else line).encode()


def _summary(selection: Selection) -> tuple[Any, ...]:
    """A selection as plain values: the events' lines in order, what the log says of them,
    the events they answer, and those of them that answer."""
    answered = {key: canonical_json(event) for key, event in selection.answered.items()}
    shown = {ref for event in selection.events for ref in event.responds_to}
    return (
        [canonical_json(event) for event in selection.events],
        sorted(selection.responses.answered),
        sorted(selection.responses.rejected),
        {key: line for key, line in answered.items() if key in shown},
        [canonical_json(event) for event in selection.answering()],
    )


@st.composite
def _linked_log(draw: st.DrawFn) -> list[tuple[Event, bool]]:
    """A few random events in random layouts, some answering others (some with a reject),
    some holding an empty answer list in 'extra', a few ids written twice."""
    found = draw(st.lists(any_event(), min_size=1, max_size=12, unique_by=lambda e: e.id))
    ids = [event.id for event in found]
    linked = []
    for event in found:
        refs = draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))
        refs = [ref for ref in refs if ref != event.id]
        kind = draw(st.sampled_from([event.type, EventType.REJECT]))
        update: dict[str, Any] = {"responds_to": tuple(refs), "type": kind}
        if draw(st.booleans()):  # a decoy: an empty answer list inside extra, not the event's
            update["extra"] = {"responds_to": []}
        changed = event.model_copy(update=update)
        linked.append((Event.model_validate(changed.model_dump()), draw(st.booleans())))
    for at in draw(st.lists(st.integers(0, len(linked) - 1), max_size=2)):  # an id again
        event, spaced = linked[at]
        again = event.model_copy(update={"title": event.title + " again"})
        linked.append((Event.model_validate(again.model_dump()), spaced))
    return linked


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any log, however small, is read by three forked workers."""
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 3)
    yield


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    log=_linked_log(),
    flt=st.sampled_from(_FILTERS),
    reverse=st.booleans(),
    limit=st.none() | st.integers(0, 5),
    workers=st.sampled_from([1, 3]),
)
def test_views_read_what_the_in_memory_path_reads(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    log: list[tuple[Event, bool]],
    flt: Filter,
    reverse: bool,
    limit: int | None,
    workers: int,
) -> None:
    """For any events, in any layout, answering each other, any filter, order and limit, in one
    reader or three: the same events in the same order, the same answers and rejections, the
    same answered events named."""
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(_layout(event, spaced) + b"\n" for event, spaced in log))
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: workers)
    options: dict[str, Any] = {"reverse": reverse, "limit": limit, "on_invalid": pytest.fail}
    expected = select_events(
        read_raw_lines(path), flt, source="e", strict=False, reread=lambda: read_raw_lines(path),
        **options,
    )  # fmt: skip
    with selected(str(path), flt, strict=False, on_more=pytest.fail, **options) as selection:
        assert _summary(selection) == _summary(expected)
        assert list(selection.events) == list(selection.events)  # read again: the same
        if len(selection.events):
            assert canonical_json(selection.events[-1]) == canonical_json(expected.events[-1])


def _repeated_in(events: Any) -> dict[str, int]:
    """The ids several of ``events`` have, counted by visiting every event."""
    counts = Counter(event.id for event in events)
    return {event_id: count for event_id, count in counts.items() if count > 1}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    log=st.lists(st.tuples(any_event(), st.booleans()), min_size=1, max_size=8),
    repeats=st.lists(st.tuples(st.integers(0, 7), st.booleans()), max_size=6),
    flt=st.sampled_from(_FILTERS),
    limit=st.none() | st.integers(0, 5),
    workers=st.sampled_from([1, 3]),
    several=st.booleans(),
)
def test_repeated_ids_are_those_of_the_events_shown(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    log: list[tuple[Event, bool]],
    repeats: list[tuple[int, bool]],
    flt: Filter,
    limit: int | None,
    workers: int,
    several: bool,
) -> None:
    """``Selection.repeated_ids`` (told by the hashes the readers kept) names the ids that more
    than one event shown has, as counting the events' ids does: for any events, some written
    again (in either layout), any filter and limit, one reader or three, one log or two (the
    second a copy of the first), and as the in-memory path reads them."""
    lines = [_layout(event, spaced) for event, spaced in log]
    lines += [_layout(log[at % len(log)][0], spaced) for at, spaced in repeats]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(path.read_bytes())
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: workers)
    options: dict[str, Any] = {"limit": limit, "on_invalid": pytest.fail}
    in_memory = select_events(
        read_raw_lines(path), flt, source="e", strict=False, reread=lambda: read_raw_lines(path),
        **options,
    )  # fmt: skip
    assert in_memory.repeated_ids() == _repeated_in(in_memory.events)
    specs = [str(path), str(copy)] if several else [str(path)]
    with selected_logs(specs, flt, strict=False, on_more=pytest.fail, **options) as selection:
        assert not several or not isinstance(selection.events, KeptEvents)
        assert selection.repeated_ids() == _repeated_in(selection.events)


@pytest.mark.parametrize("whole_spools", [32 << 20, 0], ids=["spools-whole", "by-line"])
@pytest.mark.parametrize("fmt", ["plain", "csv", "rich"])
@pytest.mark.parametrize(
    "args",
    [[], ["--actor", "ukraine"], ["--type", "reject", "--reverse"], ["--limit", "4"]],
    ids=["all", "actor", "type-reverse", "limit"],
)
def test_every_view_reads_the_bundled_log_as_strict_reading_does(
    log_copy: Path,
    forked: None,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    args: list[str],
    whole_spools: int,
) -> None:
    """On the bundled log (whose events answer each other), each view, read by three workers,
    is byte for byte what --strict (the in-memory path) shows, whether the rendered lines are
    read back from their spools whole or a line at a time."""
    monkeypatch.setattr("timeline.selection._WHOLE_SPOOLS", whole_spools)
    runner = CliRunner()
    command = ["show", "-f", str(log_copy), "--format", fmt, *args]
    fast, strict = runner.invoke(app, command), runner.invoke(app, [*command, "--strict"])
    assert fast.exit_code == strict.exit_code == 0, fast.stderr
    assert fast.stdout == strict.stdout
    assert fast.stdout


def test_bad_lines_are_warned_once_with_their_numbers(log_copy: Path, forked: None) -> None:
    """A bad line that a filter reads is reported once, by its line in the whole file, even
    when it also holds an answer (the second, answering scan reads it too)."""
    lines = log_copy.read_bytes().splitlines(keepends=True)
    bad = b'{"id":"x","actors":["ukraine"],"responds_to":["y"]}\n'
    lines.insert(20, bad)
    log_copy.write_bytes(b"".join(lines))
    result = CliRunner().invoke(
        app, ["show", "-f", str(log_copy), "--actor", "ukraine", "--format", "plain"]
    )
    assert result.exit_code == 0
    assert result.stderr.count(f"{log_copy}:21: date: required field is missing") == 1


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("args", [["--json"], ["--format", "plain"], ["--json", "--actor", "x"]])
def test_many_bad_lines_are_counted_not_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int, args: list[str]
) -> None:
    """A log of many bad lines: the first hundred are warned about line by line, the rest are
    counted in one line (memory holds a hundred, not every one); the good events are shown."""
    from conftest import event_dict
    from timeline.selection import REPORTED_BAD_LINES

    good = json.dumps(event_dict(actors=["x"]), separators=(",", ":")).encode()
    path = tmp_path / "events.jsonl"
    path.write_bytes(b'{"actors":["x"]}\n' * 250 + good + b"\n")
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: workers)
    result = CliRunner().invoke(app, ["show", "-f", str(path), *args])
    assert result.exit_code == 0
    assert "Test event" in result.stdout
    warned = {line.split(":")[1] for line in result.stderr.splitlines()[:-1]}
    assert warned == {str(n) for n in range(1, REPORTED_BAD_LINES + 1)}
    assert result.stderr.splitlines()[-1] == (
        f"{path}: 150 more bad lines not shown ('timeline check' lists every one)"
    )


def test_bad_lines_kept_are_bounded() -> None:
    """However many bad lines a range holds, a reading keeps a hundred and counts the rest,
    and joined ranges keep the first hundred of the log."""
    from timeline.log.lines import RawLine
    from timeline.selection import REPORTED_BAD_LINES, BadLine, BadLines, select_canonical

    lines = [RawLine(n, b"{}\n", n * 3) for n in range(1, 1001)]
    _, bad = select_canonical(lines, Filter())
    assert (len(bad.first), bad.total) == (REPORTED_BAD_LINES, 1000)
    joined = BadLines()
    second = BadLines([BadLine(0, 9999, [], True)], 7)
    joined.extend(BadLines(bad.first[:60], 60))
    joined.extend(second)
    assert (joined.total, len(joined.first), joined.first[-1].offset) == (67, 61, 9999)


@pytest.mark.parametrize(
    "module",
    [markdown, geojson, timelinejs, acled, html, ics],
    ids=["markdown", "geojson", "timelinejs", "acled", "html", "ics"],
)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    log=_linked_log(),
    flt=st.sampled_from(_FILTERS),
    reverse=st.booleans(),
    workers=st.sampled_from([1, 3]),
)
def test_pieces_rendered_on_every_core_are_those_the_format_renders(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    module: Any,
    log: list[tuple[Event, bool]],
    flt: Filter,
    reverse: bool,
    workers: int,
) -> None:
    """The view of a selection whose pieces (GeoJSON's features, ACLED's rows, Markdown's
    entries, TimelineJS's slides, the HTML page's articles) the readers render as they read
    (``piece``), and those of them that a rejection disputes, that answer another or
    (Markdown, the page) that another answers, or all the entries of a format without a piece
    (iCalendar), forked workers render a
    run at a time (``Selection.pieces``), is the one of the in-memory path, notes included; so
    is the HTML page's survey of its events in runs (``Selection.runs``)."""
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(_layout(event, spaced) + b"\n" for event, spaced in log))
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: workers)
    monkeypatch.setattr(selection, "RENDER_RUN", 2)
    monkeypatch.setattr(selection, "_PARALLEL_RUNS", 0)  # however few there are to render
    monkeypatch.setattr(selection, "TALLY_RUN", 1)  # the HTML page's survey
    runs: list[int] = []
    ordered_map = parallel.ordered_map

    def counted(work: Any, count: int) -> Any:
        runs.append(count)
        return ordered_map(work, count)

    monkeypatch.setattr(parallel, "ordered_map", counted)
    names = {"belarus": "Belarus"}
    about = About(names=names)
    options: dict[str, Any] = {"reverse": reverse, "on_invalid": pytest.fail}
    expected = select_events(
        read_raw_lines(path), flt, source="e", strict=False, reread=lambda: read_raw_lines(path),
        **options,
    )  # fmt: skip
    shown = SHOW[Format(module.__name__.rsplit(".", 1)[1])]
    piece = shown.piece(about) if shown.piece is not None else None
    with selected(
        str(path), flt, strict=False, on_more=pytest.fail, piece=piece,
        answered_by=shown.piece_answered_by, alone=True, **options,
    ) as sel:  # fmt: skip
        events = sel.events
        assert isinstance(events, KeptEvents) and events.rendered is (piece is not None)
        rendered, wanted = module.events(sel, about=about), module.events(expected, about=about)
        assert list(rendered.lines) == list(wanted.lines)
        assert rendered.notes == wanted.notes
        # the workers render what the readers did not: all of a format without a piece
        redone = sel.responses.answered if shown.piece_answered_by else sel.responses.rejected
        unstored = [e for e in events if piece is None or piece(e) is None or e.id in redone]
    pieces = [-(-len(unstored) // 2)] if workers > 1 else []
    surveyed = [len(events)] if workers > 1 and len(events) >= 2 else []
    assert runs == (surveyed + pieces if module is html else pieces)


@pytest.mark.parametrize("workers", [1, 3])
def test_a_view_of_one_log_checks_only_the_answers_to_its_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """Of the answers that the filter's reading did not read whole, a view of one log checks
    only those to the events it shows (``_unchecked_answers``): one to a shown claim counts
    (in either layout), an invalid line's does not, and what the log says of the events it
    does not show is not its business (an answer to one of them is noted whole); the views
    are those of the in-memory path, which reads them all."""
    from conftest import CLAIM, REJECT

    def line(event: dict[str, Any], spaced: bool = False) -> bytes:
        text = canonical_json(Event.model_validate(event))
        return (json.dumps(json.loads(text)) if spaced else text).encode() + b"\n"

    shown = [{**CLAIM, "id": f"claim-{k}", "actors": ["belarus"]} for k in range(4)]
    hidden = {**CLAIM, "id": "claim-hidden", "actors": ["russia"]}
    rejections = [
        {**REJECT, "id": "no-0", "responds_to": ["claim-0"]},
        {**REJECT, "id": "no-3", "responds_to": ["claim-9", "claim-3"]},
        {**REJECT, "id": "no-hidden", "responds_to": ["claim-hidden"]},
    ]
    invalid = line({**REJECT, "id": "no-1", "responds_to": ["claim-1"]}).replace(
        b'"2024-08-26"', b'"2024-13-26"'
    )  # msgspec reads its answer; the event is not valid
    lines = [
        *map(line, shown), line(hidden), line(rejections[0]), line(rejections[1], spaced=True),
        line(rejections[2]), invalid,
    ]  # fmt: skip
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(lines))
    flt = Filter.build(actors=["belarus"])
    expected = select_events(
        read_raw_lines(path), flt, source="e", strict=False, on_invalid=lambda _: None
    )
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: workers)
    with selected(
        str(path), flt, strict=False, on_invalid=pytest.fail, on_more=pytest.fail, alone=True
    ) as sel:
        assert [event.id for event in sel.events] == [event["id"] for event in shown]
        assert sel.responses.rejected == {"claim-0", "claim-3", "claim-9"}  # not the hidden
        for module in (markdown, html):
            assert list(module.events(sel).lines) == list(module.events(expected).lines)
