"""``show --json`` of many events writes them on every core (``KeptLines.write_to``): the same
bytes, in the same order, as reading them one by one, whatever the log's layout and order."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from conftest import event_dict
from timeline import selection
from timeline.formats import SHOW, Format
from timeline.log import parallel
from timeline.model import Event, canonical_json
from timeline.query import Filter
from timeline.selection import KeptLines, canonical_lines, selected_lines

pytestmark = pytest.mark.slow  # forks workers


def _log(path: Path) -> None:
    """60 events in no date order; every third written as json.dumps writes it (keys
    reversed: read back from a spool), one bad line and a blank one among them."""
    shuffle = random.Random(7)
    lines = []
    for n in range(60):
        day = shuffle.randrange(1, 29)
        data = event_dict(id=f"2024-02-{day:02d}-event-{n}", date=f"2024-02-{day:02d}")
        event = Event.model_validate(data)
        if n % 3:
            lines.append(canonical_json(event))
        else:
            lines.append(json.dumps(dict(reversed(json.loads(canonical_json(event)).items()))))
    lines[10:10] = ['{"id": "bad"}', ""]
    path.write_text("".join(line + "\n" for line in lines))


@pytest.mark.parametrize(("reverse", "limit"), [(False, None), (True, None), (False, 40)])
@pytest.mark.parametrize("writers", [1, 3])
def test_lines_written_at_once_are_those_read_one_by_one(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    reverse: bool,
    limit: int | None,
    writers: int,
) -> None:
    log = tmp_path / "events.jsonl"
    _log(log)
    bad: list[object] = []

    def read(*, strict: bool) -> tuple[bytes, bytes]:
        """The lines one by one, and as written at once (a strict reading: one by one only)."""
        with canonical_lines(
            str(log), Filter(), strict=strict, reverse=reverse, limit=limit,
            on_invalid=bad.append, on_more=bad.append,
        ) as lines:  # fmt: skip
            one_by_one = b"".join(line + b"\n" for line in lines)
            if strict:
                return one_by_one, one_by_one
            assert isinstance(lines, KeptLines)
            out = tmp_path / "out"
            with open(out, "wb") as fh:
                lines.write_to(fh.fileno())
            return one_by_one, out.read_bytes()

    one_reader = read(strict=False)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: writers)
    monkeypatch.setattr(selection, "PIECE_LINES", 4)  # many pieces, the last one short
    forked = read(strict=False)
    kept = log.read_text().splitlines(True)
    log.write_text("".join(line for line in kept if '"bad"' not in line))  # strict stops there
    expected, _ = read(strict=True)
    assert one_reader == forked == (expected, expected)
    assert expected.count(b"\n") == (limit or 60)


@pytest.mark.parametrize("chosen", [Format.PLAIN, Format.CSV])
@pytest.mark.parametrize("writers", [1, 3])
def test_a_views_lines_written_at_once_are_those_read_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chosen: Format, writers: int
) -> None:
    """The lines the readers rendered, the header first; a claim that a rejection disputes
    is rendered again, by the writer of its piece."""
    log = tmp_path / "events.jsonl"
    _log(log)
    claim = event_dict(id="2024-02-27-claim", date="2024-02-27", status="claimed")
    reject = event_dict(
        id="2024-02-28-reject", date="2024-02-28", type="reject", responds_to=[claim["id"]]
    )
    with log.open("a") as fh:
        fh.writelines(json.dumps(event) + "\n" for event in (claim, reject))
    renderer = SHOW[chosen]
    assert renderer.line is not None
    head = [text.encode() for text in renderer.head]

    def read(*, strict: bool) -> tuple[bytes, bytes]:
        with selected_lines(
            str(log), Filter(), line=renderer.line, strict=strict, on_invalid=list().append,
            on_more=list().append,
        ) as lines:  # fmt: skip
            one_by_one = b"".join(line + b"\n" for line in [*head, *lines])
            if strict:
                return one_by_one, one_by_one
            assert isinstance(lines, KeptLines)
            out = tmp_path / "out"
            with open(out, "wb") as fh:
                lines.after(head).write_to(fh.fileno())
            return one_by_one, out.read_bytes()

    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "workers", lambda: writers)
    monkeypatch.setattr(selection, "PIECE_LINES", 4)
    forked = read(strict=False)
    kept = log.read_text().splitlines(True)
    log.write_text("".join(line for line in kept if '"bad"' not in line))
    expected, _ = read(strict=True)
    assert forked == (expected, expected)
    assert b"disputed" in expected


@pytest.mark.parametrize(("reverse", "limit"), [(False, None), (True, 5)])
def test_a_piece_of_long_lines_is_bounded_by_its_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reverse: bool, limit: int | None
) -> None:
    """A piece was a count of lines: 1,024 lines of 1 MB held twice while joined (a log of 1 MB
    lines took 2.6 times its size in memory). It is cut by bytes too, here ~3,000, where long
    lines are kept: a few among many short ones, in one stretch of dates, and under a limit."""
    log = tmp_path / "events.jsonl"
    _log(log)
    with log.open("a") as fh:
        for n in range(8):
            event = event_dict(id=f"2024-03-0{n + 1}-long", date=f"2024-03-0{n + 1}",
                               summary="x" * 2000)  # fmt: skip
            fh.write(json.dumps(event) + "\n")
    monkeypatch.setattr(selection, "_PIECE_BYTES", 3000)
    written: list[int] = []
    real_write_all = selection.write_all

    def write_all(fd: int, data: bytes) -> None:
        written.append(len(data))
        real_write_all(fd, data)

    monkeypatch.setattr(selection, "write_all", write_all)
    with canonical_lines(
        str(log), Filter(), strict=False, reverse=reverse, limit=limit,
        on_invalid=list().append, on_more=list().append,
    ) as lines:  # fmt: skip
        one_by_one = b"".join(line + b"\n" for line in lines)
        assert isinstance(lines, KeptLines)
        out = tmp_path / "out"
        with open(out, "wb") as fh:
            lines.write_to(fh.fileno())
    longest = max(map(len, one_by_one.splitlines(True)))
    assert out.read_bytes() == one_by_one
    assert one_by_one.count(b"\n") == (limit or 68)
    assert len(written) > 1 and max(written) <= 3000 + longest
