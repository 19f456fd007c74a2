"""The events a view names as answered are looked up in the log by id: the first valid event
of each id, whichever search finds them (one for a few ids; for many, the ids that begin
canonical lines, found a block at a time, and every line in another layout), in one reader or
several."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategies import events as any_event
from timeline.errors import LineError
from timeline.log import parallel, scan
from timeline.log.files import snapshot
from timeline.log.lines import RawLine
from timeline.model import Event
from timeline.parsing import parse_raw_line
from timeline.rules import canonical_json
from timeline.selection import AnsweredEvents


def _first_valid(lines: list[bytes], ids: set[str]) -> dict[str, str]:
    """The plain definition: every line parsed by the model, in order."""
    found: dict[str, str] = {}
    for data in lines:
        if not data.strip():
            continue
        try:
            event = parse_raw_line(RawLine(0, data), source="t")
        except LineError:
            continue
        if event.id in ids:
            found.setdefault(event.id, canonical_json(event))
    return found


@st.composite
def _log(draw: st.DrawFn) -> tuple[list[bytes], list[str]]:
    """Lines of events, some twice (the second with another title), in the canonical layout
    or json.dumps's; lines that are not events, or name an id and are not valid; blank lines;
    CRLF line ends; maybe no newline at the end; a line torn inside its id. And the ids in
    the log."""
    found = draw(st.lists(any_event(), min_size=1, max_size=8, unique_by=lambda e: e.id))
    lines = []
    for event in found:
        for copy in range(draw(st.integers(1, 2))):
            if copy:
                event = event.model_copy(update={"title": event.title + " again"})
            line = canonical_json(event)
            kind = draw(st.sampled_from(["canonical", "spaced", "broken", "canonical"]))
            if kind == "spaced":
                line = json.dumps(json.loads(line))
            elif kind == "broken":  # its id first, as a canonical line's, but no event
                line = json.dumps({"id": event.id, "date": "not a date"}, separators=(",", ":"))
            ending = draw(st.sampled_from([b"\n", b"\r\n"]))
            lines.append(line.encode() + ending)
        if draw(st.integers(0, 5)) == 0:
            junk = [b"\n", b"   \n", b"[1]\n", b'{"id":"\\u0041"}\n', b'{"id":"torn\n']
            lines.append(draw(st.sampled_from(junk)))  # torn: an id that its line's end cuts
    if draw(st.booleans()):
        lines[-1] = lines[-1].rstrip(b"\r\n")
    return lines, [event.id for event in found]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    log=_log(),
    data=st.data(),
    many=st.booleans(),
    block_size=st.sampled_from([1 << 22, 256]),
    workers=st.sampled_from([1, 1, 3]),
)
def test_the_answered_events_are_the_first_valid_ones_of_their_ids(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    log: tuple[list[bytes], list[str]],
    data: st.DataObject,
    many: bool,
    block_size: int,
    workers: int,
) -> None:
    lines, log_ids = log
    ids = set(data.draw(st.lists(st.sampled_from(log_ids), min_size=1)))
    ids.add("not-in-the-log")
    if many:  # past the few that are searched for one by one
        ids.update(f"absent-{k}" for k in range(100))
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(lines))
    monkeypatch.setattr(scan, "_BLOCK_SIZE", block_size)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: workers)
    with snapshot(str(path)) as snap:
        answered = AnsweredEvents(snap, ids)
        got = {event_id: canonical_json(event) for event_id, event in answered.items()}
    assert got == _first_valid(lines, ids)


@pytest.mark.parametrize("workers", [1, 3])
def test_a_line_torn_inside_its_id_hides_no_other_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """A line cut off inside its id ('{"id":"torn' and its line end) among canonical lines:
    every event looked up after it in its block is still found, as itself."""
    from conftest import event_dict

    events = [Event.model_validate(event_dict(id=f"t{k}", title=f"T{k}")) for k in range(140)]
    lines = [canonical_json(event).encode() + b"\n" for event in events]
    lines.insert(6, b'{"id":"torn\n')
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(lines))
    ids = {f"t{k}" for k in range(0, 140, 2)}  # more than are searched for one by one
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: workers)
    with snapshot(str(path)) as snap:
        found = {event_id: event.title for event_id, event in AnsweredEvents(snap, ids).items()}
    assert found == {event_id: "T" + event_id[1:] for event_id in ids}


@pytest.mark.parametrize("workers", [1, 3])
def test_an_id_whose_first_line_is_no_event_is_found_on_its_next_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """Lines that begin with the same id, the first no valid event: each is read, in order, so
    the event is the next line's (a search for the id that began where the one before it
    began would read the first line again, and find no event)."""
    from conftest import event_dict

    events = [Event.model_validate(event_dict(id=f"t{k}", title=f"T{k}")) for k in range(140)]
    lines = [canonical_json(event).encode() + b"\n" for event in events]
    for k in (3, 70, 139):
        at = lines.index(canonical_json(events[k]).encode() + b"\n")
        lines.insert(at, b'{"id":"t%d","date":"not a date"}\n' % k)
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(lines))
    ids = {f"t{k}" for k in range(1, 140, 2)} | {"t70"}  # more than are searched one by one
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: workers)
    with snapshot(str(path)) as snap:
        found = {event_id: event.title for event_id, event in AnsweredEvents(snap, ids).items()}
    assert found == {event_id: "T" + event_id[1:] for event_id in ids}
