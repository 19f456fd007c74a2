"""The terminal views at any width: no line wider than the terminal, none ending in spaces, a
mark never split from its label, a continuation line under the text it continues."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from conftest import on_a_terminal
from timeline.cli import app

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "data" / "events.jsonl"
WIDTHS = (40, 60, 80, 120)
MARKS = ("◆ claimed", "✖ disputed", "✔ confirmed", "↩ answered")


def _shown(*args: str, width: int, terminal: bool = False) -> list[str]:
    env = {"COLUMNS": str(width)}
    if terminal:
        env["TTY_COMPATIBLE"] = "1"  # rich takes standard output for a terminal
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout.splitlines()


def _fits(lines: list[str], width: int) -> None:
    for line in lines:
        assert cell_len(line) <= width, line
        assert line == line.rstrip(), f"ends in spaces: {line!r}"


@pytest.fixture
def long_log(tmp_path: Path) -> Path:
    """The bundled log with a claim whose parties, quote and answered ids are long."""
    log = tmp_path / "events.jsonl"
    shutil.copyfile(BUNDLED, log)
    shutil.copyfile(BUNDLED.with_name("actors.toml"), tmp_path / "actors.toml")
    ids = [json.loads(line)["id"] for line in BUNDLED.read_text(encoding="utf-8").splitlines()]
    event = {
        "id": "2024-08-27-a-confirmed-claim-with-a-very-long-identifier-to-fold",
        "date": "2024-08-27",
        "title": "A confirmed event that answers three others, to test how the view wraps",
        "type": "accuse",
        "actors": ["ukraine/mfa", "belarus/defense-minister"],
        "targets": ["belarus/president", "wagner"],
        "status": "confirmed",
        "responds_to": ids[-3:],
        "sources": [{
            "url": "https://example.org/a/very/long/path/that/does/not/fit/in/a/narrow/column",
            "publisher": "Example News Agency", "title": "A report with a long title",
            "quote": "Words quoted from the source, long enough to need two lines or more.",
        }],
        "tags": ["border", "a-long-tag-name", "another"],
    }  # fmt: skip
    with log.open("a", encoding="utf-8") as out:
        out.write(json.dumps(event) + "\n")
    return log


@pytest.mark.parametrize("width", WIDTHS)
def test_the_timeline_fits_the_terminal(long_log: Path, width: int) -> None:
    for args in (["show", "--format", "rich"], ["show", "--format", "rich", "--long"]):
        lines = _shown(*args, "-f", str(long_log), width=width)
        _fits(lines, width)
        text = "\n".join(lines)
        for mark in MARKS:  # each mark on one line with its label
            assert text.count(mark[0]) == text.count(mark), (width, mark)
        assert "✔ confirmed" in text
        for line in lines:
            words = line.split()
            assert words[-1:] not in (["answers"], ["to:"], ["id:"], ["↳"], ["“"]), line


def _continued(lines: list[str], start: str, end: str | None = None) -> list[str]:
    """The line holding ``start``, and the lines after it up to the one holding ``end`` (or,
    without ``end``, up to the next one that starts a line of its own: a lead or a blank)."""
    at = next(i for i, line in enumerate(lines) if start in line)
    block = [lines[at]]
    if end is not None and end in lines[at]:
        return block
    for line in lines[at + 1 :]:
        if end is None and (not line.strip() or line.lstrip()[:2] in ("↳ ", "id", "# ", "⌖ ")):
            break
        block.append(line)
        if end is not None and end in line:
            break
    return block


@pytest.mark.parametrize("width", WIDTHS)
def test_a_continuation_line_is_under_the_text_it_continues(long_log: Path, width: int) -> None:
    """A quote's next lines start under its first word, not under its opening mark; so do
    those of '↳ source' and 'responds to:' (at 40 columns an id is cut after its lead)."""
    lines = _shown("show", "--format", "rich", "--long", "-f", str(long_log), width=width)
    quote = _continued(lines, "“Words quoted", "”")
    source = _continued(lines, "↳ Example News Agency")
    answers = _continued(lines, "responds to: 2024-08")
    assert len(quote) > 1 or width > 100  # the test wraps what it means to
    for block, lead in ((quote, "“"), (source, "↳ "), (answers, "responds to: ")):
        column = block[0].index(lead) + len(lead)
        if lead == "responds to: " and width == 40:
            column = block[0].index(lead)
        for line in block[1:]:
            assert len(line) - len(line.lstrip()) >= column, (lead, block)


def _diff_logs(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    shutil.copyfile(BUNDLED, old)
    lines = BUNDLED.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "lukashenko-claims-120000" in line[:80])
    changed = json.loads(lines[at])
    changed["title"] = "Lukashenko asserts that Ukraine has sent 120,000 soldiers to the border"
    changed["status"] = "disputed"
    changed["tags"] = ["border", "troops", "claims"]
    lines[at] = json.dumps(changed)
    new.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return old, new


@pytest.mark.parametrize("width", WIDTHS)
def test_the_diff_is_wrapped_to_the_terminal(tmp_path: Path, width: int) -> None:
    old, new = _diff_logs(tmp_path)
    lines = _shown("diff", str(old), str(new), width=width, terminal=True)
    _fits(lines, width)
    title = next(at for at, line in enumerate(lines) if line.startswith("    title: "))
    assert lines[title + 1].startswith(" " * len("    title: ")), lines[title : title + 2]
    assert lines[1].startswith("~ 2024-08-18")
    assert all(line.startswith(("~ ", "  ", "    ")) for line in lines[2:]), lines


def test_the_diff_into_a_pipe_keeps_its_lines_whole(tmp_path: Path) -> None:
    old, new = _diff_logs(tmp_path)
    lines = _shown("diff", str(old), str(new), width=40)
    assert lines[1].startswith("~ 2024-08-18  2024-08-18-lukashenko-claims-120000-ukrainian-troops")
    assert re.match(r"    title: Lukashenko \[-claims-\] \{\+asserts that\+\} .* border$", lines[2])
    assert all(line == line.rstrip() for line in lines)


@pytest.mark.slow
def test_the_view_on_a_real_terminal_has_no_trailing_spaces(long_log: Path) -> None:
    """On a pseudo-terminal, as a person sees it (the README's recipes do the same)."""
    import os
    import sys

    env = {**os.environ, "COLUMNS": "60", "TERM": "dumb", "PAGER": "", "NO_COLOR": "1"}
    argv = [sys.executable, "-m", "timeline", "show", "--long", "-f", str(long_log)]
    status, shown = on_a_terminal(argv, env=env)
    assert status == 0, shown
    lines = shown.splitlines()
    assert len(lines) > 100
    _fits(lines, 60)


STATS = (
    ["--by", "type"],
    ["--by", "actor"],
    ["--by", "actor", "--by", "type"],
    ["--per", "month", "--by", "actor", "--depth", "1"],
    ["--per", "week", "--since", "2024-08-01"],
    ["--per", "year", "--by", "status"],
)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_stats_charts_fit_the_terminal(width: int) -> None:
    """Each row stays one line: a long value is cut with '…' rather than the row wrapping."""
    for spec in STATS:
        lines = _shown("stats", "--format", "rich", *spec, "-f", str(BUNDLED), width=width)
        _fits(lines, width)
        if spec == ["--by", "actor"]:
            row = next(line for line in lines if line.startswith("belarus "))
            assert row.rstrip().endswith(("█", "▉", "▊", "▋", "▌", "▍", "▎", "▏")), row


@pytest.mark.parametrize("width", WIDTHS)
def test_the_actors_fit_the_terminal(width: int) -> None:
    for args in (["actors"], ["actors", "--tree"]):
        lines = _shown(*args, "-f", str(BUNDLED), width=width, terminal=True)
        _fits(lines, width)
        assert lines[0].startswith("ACTOR" if args == ["actors"] else "belarus")


def test_the_actors_into_a_pipe_keep_their_lines_whole() -> None:
    lines = _shown("actors", "-f", str(BUNDLED), width=40)
    assert lines[0].split() == ["ACTOR", "NAME", "ACTS", "TARGETED", "FIRST", "LAST", "ALIASES"]
