"""Hostile input through every publishing format (markdown, timelinejs, ics, geojson, acled):
the corpus of ``tests/hostile/`` and text that acts on terminals, browsers and spreadsheets in
every field. Each reads as the plain format reads the same log, parses as its format, and
lets nothing through raw."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from markdown_it import MarkdownIt
from typer.testing import CliRunner, Result

from timeline.cli import app
from timeline.formats import SHOW, Format

HOSTILE = Path(__file__).resolve().parents[1] / "hostile"
CORPUS = sorted(HOSTILE.glob("*.jsonl"))


def _markdown_ids(text: str) -> list[str]:
    MarkdownIt("gfm-like").parse(text)
    found = re.findall(r"Id: (\S+)$", text, flags=re.MULTILINE)
    return [re.sub(r"\\(.)", r"\1", one) for one in found]


def _ics_ids(text: str) -> list[str]:
    items = Calendar.from_ical(text).walk("VEVENT")
    return [str(item["UID"]).removesuffix("@timeline") for item in items]


# Each format's reader, giving the ids of the events it holds (geojson: those with a place).
READ: dict[str, Callable[[str], list[str]]] = {
    "markdown": _markdown_ids,
    "timelinejs": lambda text: [s["unique_id"] for s in json.loads(text)["events"]],
    "ics": _ics_ids,
    "geojson": lambda text: [f["id"] for f in json.loads(text)["features"]],
    "acled": lambda text: [r["event_id_cnty"] for r in csv.DictReader(io.StringIO(text))],
}
FORMATS = sorted(READ)
# What a format says of what it left out, besides the warnings every format gives.
FORMAT_NOTE = re.compile(
    r"timeline: (\d+ of \d+ events have no coordinates .*|0 events: TimelineJS loads no .*"
    r"|0 events: RFC 5545 wants a calendar to hold one .*)"
)


def show(*args: str) -> Result:
    result = CliRunner().invoke(app, ["show", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_the_hostile_corpus_reads_as_plain_reads_it(fmt: str, path: Path, tmp_path: Path) -> None:
    """Each corpus log: the same warnings as `--format plain` (every bad line named), the same
    events, exit 0, and output that parses as the format."""
    log = tmp_path / path.name
    log.write_bytes(path.read_bytes())
    plain = show("--file", str(log), "--format", "plain")
    result = show("--file", str(log), "--format", fmt)
    assert (result.exit_code, plain.exit_code) == (0, 0)
    warnings = [line for line in result.stderr.splitlines() if not FORMAT_NOTE.fullmatch(line)]
    assert warnings == plain.stderr.splitlines()
    ids = [line.split("\t")[-1] for line in plain.stdout.splitlines()]
    got = READ[fmt](result.stdout)
    assert got == ([] if fmt == "geojson" else ids)  # no event of the corpus has a place
    assert log.read_bytes() == path.read_bytes()


# Text that acts on a terminal, a browser, a Markdown renderer, a calendar or a spreadsheet.
PAYLOADS = [
    "[bold red]x[/bold red]",
    "\x1b[2J",
    "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "\u202e",
    "\u2066x\u2069",
    "\x9b2J",
    "\x7f",
    "\x07\x00",
    "\t\x0b",
    "<script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "[x](javascript:alert(1))",
    "![i](https://evil.example/i.png)",
    '=HYPERLINK("http://evil.example","x")',
    "a,b;c\\d",
    "line\r\nBEGIN:VEVENT",
]
# Nothing of these may reach an output raw (a CRLF line end of iCalendar is removed first).
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def hostile_event(index: int, payload: str) -> dict[str, Any]:
    return {
        "id": f"inj-{index}",
        "date": f"2024-08-{index + 1:02d}",
        "title": f"T {payload.replace(chr(13), ' ').replace(chr(10), ' ')} end",
        "summary": f"S {payload} end\nline two",
        "type": "accuse",
        "actors": ["belarus"],
        "targets": ["ukraine"],
        "location": {"name": f"L {payload}", "country": "UKR", "lat": 50.0, "lon": 30.0},
        "sources": [
            {"url": f"https://ok.example/{index}", "publisher": f"P {payload}",
             "title": f"ST {payload}", "quote": f"Q {payload} end"},
            {"url": payload + "x", "title": "second"},
        ],
        "tags": [f"tag {payload}"],
        "extra": {"note": payload},
    }  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_text_in_every_field_reaches_no_output_raw(fmt: str, tmp_path: Path) -> None:
    """Control, bidi, markup, script and formula text in every field: every event is in the
    output, which parses, and no control or bidi character is in it raw."""
    log = tmp_path / "log.jsonl"
    events = [hostile_event(i, payload) for i, payload in enumerate(PAYLOADS)]
    log.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    # A format with no title warns that --title is unused; the titled ones get the payloads.
    title = ["--title", "".join(PAYLOADS)] if SHOW[Format(fmt)].titled else []
    result = show("--file", str(log), "--format", fmt, *title)
    assert (result.exit_code, result.stderr) == (0, "")
    text = result.stdout.replace("\r\n", "\n") if fmt == "ics" else result.stdout
    leak = UNSAFE.search(text)
    assert leak is None, text[max(0, leak.start() - 40) : leak.end() + 40]
    assert READ[fmt](result.stdout) == [e["id"] for e in events]
