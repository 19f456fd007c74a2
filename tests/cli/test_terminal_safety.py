"""Terminal safety: text from a log reaches the terminal as text, never as markup, escape codes,
bidi overrides or hyperlinks — in every output format, in warnings and in error messages.

The rich renderings run in a subprocess with colour forced on (FORCE_COLOR=1, COLUMNS=120), so the
real Console path is used; rich's own colour codes and its http(s) links may appear, nothing else.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from timeline.cli import app
from timeline.formats import plain
from timeline.model import Event
from timeline.query import Responses
from timeline.selection import Selection
from timeline.text import json_safe, visible, visible_joined

REPO = Path(__file__).resolve().parents[2]

# name, the hostile text, and how it must look on the terminal (written out by hand).
PAYLOADS = [
    ("markup", "[bold red]x[/bold red]", "[bold red]x[/bold red]"),
    ("clear", "\x1b[2J", "\\x1b[2J"),
    ("blink", "\x1b[5m", "\\x1b[5m"),
    (
        "osc8",
        "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",
        "\\x1b]8;;http://evil.example\\x1b\\click\\x1b]8;;\\x1b\\",
    ),
    ("rlo", "\u202e", "\\u202e"),
    ("isolate", "\u2066x\u2069", "\\u2066x\\u2069"),
    ("rlm", "\u200f", "\\u200f"),
    ("c1-csi", "\x9b2J", "\\x9b2J"),
    ("linesep", "\u2028x\u2029", "\\u2028x\\u2029"),  # a line's end to many readers of text
    ("del", "\x7f", "\\x7f"),
    ("bel-nul", "\x07\x00", "\\x07\\x00"),
    ("tab-vt", "\t\x0b", "\\x09\\x0b"),
]
# What must never reach a terminal raw (after rich's own SGR codes and OSC 8 links are removed).
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
# The same and a tab: for output that is not tab-separated.
UNSAFE_OR_TAB = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)
SGR = re.compile("\x1b\\[[0-9;]*m")
OSC8 = re.compile("\x1b\\]8;([^;\x1b\x07]*);([^\x1b\x07]*)(?:\x1b\\\\|\x07)")


def hostile_event(index: int, key: str, payload: str) -> dict[str, Any]:
    return {
        "id": f"inj-{key}",
        "date": f"2024-08-{index + 1:02d}",
        "title": f"T {payload} end",
        "summary": f"S {payload} end\nline two",
        "type": "accuse",
        "actors": ["belarus"],
        "sources": [
            {
                "url": f"https://ok.example/{key}",
                "publisher": f"P {payload}",
                "title": f"ST {payload}",
                "quote": f"Q {payload} end",
            }
        ],
        "tags": [f"tag {payload}"],
        "extra": {"note": payload},
    }


EVENTS = [hostile_event(i, key, payload) for i, (key, payload, _) in enumerate(PAYLOADS)]


def hostile_log(path: Path, events: list[dict[str, Any]] = EVENTS) -> bytes:
    """Write ``events`` as a log: raw C1, DEL and bidi bytes on odd lines, \\u escapes on even."""
    lines = [json.dumps(e, ensure_ascii=i % 2 == 0) for i, e in enumerate(events)]
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    path.write_bytes(data)
    return data


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """``python -m timeline`` with colour forced on a 120-column terminal."""
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "TIMELINE_FILE"}}
    env.update(
        PYTHONPATH=str(REPO / "src"),
        FORCE_COLOR="1",
        COLUMNS="120",
        LINES="50",
        TERM="xterm-256color",
        LC_ALL="C.UTF-8",
    )
    return subprocess.run(
        [sys.executable, "-m", "timeline", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


def cli(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def terminal_text(raw: bytes, *, allowed_links: set[str]) -> str:
    """The text a terminal shows: rich's SGR codes and its links removed, after checking that
    no payload came through raw, that every link is an allowed http(s) URL, and that nothing
    else that acts on a terminal is left."""
    assert b"Traceback" not in raw
    text = raw.decode("utf-8")
    for _, payload, _ in PAYLOADS:
        if UNSAFE.search(payload):
            assert payload not in text, f"raw payload {payload!r} reached the terminal"
    for match in OSC8.finditer(text):
        url = match.group(2)
        if url:
            assert url.lower().startswith(("http://", "https://")), url
            assert url in allowed_links, url
    text = SGR.sub("", OSC8.sub("", text))
    leak = UNSAFE.search(text)
    assert leak is None, (
        f"raw {leak.group()!r} in {text[max(0, leak.start() - 40) : leak.end() + 40]!r}"
    )
    return text


def links(raw: bytes) -> set[str]:
    return {m.group(2) for m in OSC8.finditer(raw.decode("utf-8")) if m.group(2)}


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


SOURCE_URLS = {f"https://ok.example/{key}" for key, _, _ in PAYLOADS}


# ---------------------------------------------------------------------------- show


@pytest.mark.parametrize("long", [False, True], ids=["short", "long"])
def test_show_rich_with_colour_shows_hostile_text_as_text(long: bool, tmp_path: Path) -> None:
    """`show --format rich` (FORCE_COLOR): markup, escapes and bidi from the log show literally."""
    path = tmp_path / "log.jsonl"
    before = hostile_log(path)
    done = run("show", "--file", str(path), "--format", "rich", *(["--long"] if long else []))
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert b"\x1b[" in done.stdout, "colour was not forced on: the test would prove nothing"
    text = terminal_text(done.stdout, allowed_links=SOURCE_URLS if long else set())
    for key, _, shown in PAYLOADS:
        assert f"T {shown} end" in text, key
        if long:
            assert f"S {shown} end" in text, key
            assert f"Q {shown} end" in text, key
    assert links(done.stdout) == (SOURCE_URLS if long else set())
    assert "\x1b[1;31mx" not in done.stdout.decode(), "data markup was rendered as bold red"
    assert path.read_bytes() == before


def test_show_plain_writes_visible_escapes(tmp_path: Path) -> None:
    """`show --format plain` prints each hostile title with visible escapes, one line per event."""
    path = tmp_path / "log.jsonl"
    hostile_log(path)
    done = run("show", "--file", str(path), "--format", "plain")
    assert done.returncode == 0
    assert done.stderr == b""
    expected = "".join(
        f"2024-08-{i + 1:02d}\taccuse\tbelarus\tT {shown} end\tinj-{key}\n"
        for i, (key, _, shown) in enumerate(PAYLOADS)
    )
    assert done.stdout.decode("utf-8") == expected


def test_show_csv_writes_visible_escapes(tmp_path: Path) -> None:
    """`show --format csv` cells hold visible escapes; a summary's line break stays one, inside
    its quoted cell (a newline moves no cursor back)."""
    path = tmp_path / "log.jsonl"
    hostile_log(path)
    done = run("show", "--file", str(path), "--format", "csv")
    assert done.returncode == 0
    assert done.stderr == b""
    text = done.stdout.decode("utf-8")
    assert UNSAFE.search(text) is None
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1:] == [
        [
            f"inj-{key}", f"2024-08-{i + 1:02d}", "day", "", f"T {shown} end", "accuse",
            "belarus", "", "reported", "", f"tag {shown}", f"S {shown} end\nline two",
            f"P {shown}", f"ST {shown}", f"https://ok.example/{key}", f"Q {shown} end",
            "", "", "", "",
        ]
        for i, (key, _, shown) in enumerate(PAYLOADS)
    ]  # fmt: skip


def test_show_json_escapes_controls_and_keeps_every_value(tmp_path: Path) -> None:
    """`show --json` has no raw control, C1, DEL or bidi character, and loses no value."""
    path = tmp_path / "log.jsonl"
    hostile_log(path)
    done = run("show", "--file", str(path), "--json")
    assert done.returncode == 0
    assert done.stderr == b""
    text = done.stdout.decode("utf-8")
    assert UNSAFE_OR_TAB.search(text) is None
    got = [json.loads(line) for line in text.splitlines()]
    assert got == [Event.model_validate(e).model_dump(mode="json") for e in EVENTS]


# ---------------------------------------------------------------------------- diff


def test_diff_shows_hostile_text_as_text(tmp_path: Path) -> None:
    """`diff` (rich, FORCE_COLOR) and `diff --json` of hostile changes: no escape gets through."""
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    hostile_log(old)
    changed = [dict(e) for e in EVENTS[1:]]
    for event, (_, payload, _) in zip(changed, reversed(PAYLOADS), strict=False):
        event["title"] = f"{event['title']} now {payload}"
        event["tags"] = [f"new {payload}"]
    added = hostile_event(27, "added", "\x1b[2J\u202e\x9b")
    hostile_log(new, [*changed, added])

    done = run("diff", str(old), str(new))
    assert done.returncode == 1, done.stderr
    terminal_text(done.stderr, allowed_links=set())
    text = terminal_text(done.stdout, allowed_links=set())
    assert "T \\x1b[2J\\u202e\\x9b end" in text
    assert "\\x1b]8;;http://evil.example" in text

    done = run("diff", str(old), str(new), "--json")
    assert done.returncode == 1
    out = done.stdout.decode("utf-8")
    assert UNSAFE_OR_TAB.search(out) is None
    values = {s for line in out.splitlines() for s in strings_in(json.loads(line))}
    assert "T \x1b[2J\u202e\x9b end" in values


# ---------------------------------------------------------------------------- messages

BAD_VALUES = [
    {"type": "\x1b[2J"},
    {"date": "\x1b]8;;http://evil.example\x1b\\click"},
    {"status": "\u202e\x9b2J"},
    {"id": "\x7f\x1b[2J"},
    {"precision": "\x1b[2J"},
    {"location": {"country": "\x9b2J"}},
    {"sources": [{"url": "https://a.example/", "published": "\x1b[2J"}]},
    {"title": 5, "summary": ["\x1b[2J"]},
]


def bad_value_log(path: Path) -> None:
    base = hostile_event(0, "base", "x")
    lines = [json.dumps({**base, **bad}, ensure_ascii=False) for bad in BAD_VALUES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_messages_quoting_bad_values_are_safe(tmp_path: Path) -> None:
    """check / check --json / show / show --strict / import quote bad values as visible text."""
    path = tmp_path / "log.jsonl"
    bad_value_log(path)
    for code, args in (
        (1, ["check", "--file", str(path)]),
        (1, ["check", "--file", str(path), "--json"]),
        (0, ["show", "--file", str(path), "--format", "plain"]),
        (2, ["show", "--file", str(path), "--strict"]),
        (2, ["import", str(path), "--file", str(tmp_path / "target.jsonl")]),
    ):
        result = cli(*args)
        assert result.exit_code == code, args
        for stream in (result.stdout, result.stderr):
            assert UNSAFE.search(stream) is None, (args, stream)
        assert "\\x1b[2J" in result.stdout + result.stderr, args


def hostile_key_log(path: Path) -> None:
    base = hostile_event(0, "base", "x")
    keys = {"k\x1b[2J": 1, "location": {"\u202e\x9b2J": 1}}
    path.write_text(json.dumps({**base, **keys}, ensure_ascii=False) + "\n", encoding="utf-8")


def test_warnings_quoting_hostile_keys_are_safe(tmp_path: Path) -> None:
    """`show` and `import` warnings about unknown keys show the key's control characters escaped."""
    path = tmp_path / "log.jsonl"
    hostile_key_log(path)
    for args in (
        ["show", "--file", str(path), "--format", "plain"],
        ["import", str(path), "--file", str(tmp_path / "target.jsonl")],
    ):
        result = cli(*args)
        assert UNSAFE.search(result.stdout + result.stderr) is None, (args, result.stderr)
        assert "k\\x1b[2J" in result.stderr


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_check_quotes_hostile_keys_safely(as_json: bool, tmp_path: Path) -> None:
    """`check` names an unknown key that holds ESC, C1 or bidi characters as visible escapes."""
    path = tmp_path / "log.jsonl"
    hostile_key_log(path)
    result = cli("check", "--file", str(path), *(["--json"] if as_json else []))
    assert result.exit_code == 1
    assert UNSAFE_OR_TAB.search(result.stdout.replace("\n", "")) is None, result.stdout
    escaped = "k\\u001b[2J" if as_json else "k\\x1b[2J"
    assert escaped in result.stdout, result.stdout


def test_check_names_a_hostile_file_name_safely(tmp_path: Path) -> None:
    """`check` of a log whose file name holds ESC prints the name with a visible escape."""
    path = tmp_path / "log\x1b[2J.jsonl"
    path.write_text('{"id": 1}\n', encoding="utf-8")
    result = cli("check", "--file", str(path))
    assert result.exit_code == 1
    assert UNSAFE.search(result.stdout + result.stderr) is None, result.stdout
    shown = str(tmp_path / "log\\x1b[2J.jsonl")
    assert result.stdout.startswith(f"{shown}:1: ")
    assert result.stderr.startswith(f"{shown}: ")


# ---------------------------------------------------------------------------- links

LINK_SOURCES = [
    "https://ok.example/a",
    "http://ok.example/b",
    "HTTPS://OK.EXAMPLE/C",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "data:text/html,<script>alert(1)</script>",
    "ftp://ok.example/d",
    "https://ok.example/\x1b]8;;http://evil.example\x1b\\",
    "https://ok.example/\u202egnp.exe",
]


def test_only_http_and_https_source_urls_become_links(tmp_path: Path) -> None:
    """With colour forced on, `show --long` links http(s) source URLs and nothing else."""
    path = tmp_path / "log.jsonl"
    event = hostile_event(0, "links", "x")
    event["sources"] = [{"url": url, "title": "S"} for url in LINK_SOURCES]
    path.write_text(json.dumps(event) + "\n", encoding="utf-8")
    done = run("show", "--file", str(path), "--format", "rich", "--long")
    assert done.returncode == 0, done.stderr
    safe = {"https://ok.example/a", "http://ok.example/b", "HTTPS://OK.EXAMPLE/C"}
    assert links(done.stdout) == safe
    text = terminal_text(done.stdout, allowed_links=safe)
    for shown in ("javascript:alert(1)", "file:///etc/passwd", "https://ok.example/\\u202egnp.exe"):
        assert shown in text


@pytest.mark.parametrize(
    "url",
    ["https://ok.example/ link javascript:alert(1)", "https://ok.example/ on red"],
    ids=["smuggled-link", "smuggled-style"],
)
def test_a_space_in_a_source_url_smuggles_no_link_or_style(url: str, tmp_path: Path) -> None:
    """A URL with spaces is shown as text: no link to another URL, no style from its words."""
    path = tmp_path / "log.jsonl"
    event = hostile_event(0, "space", "x")
    event["sources"] = [{"url": url, "title": "S"}]
    path.write_text(json.dumps(event) + "\n", encoding="utf-8")
    done = run("show", "--file", str(path), "--format", "rich", "--long")
    assert done.returncode == 0
    assert links(done.stdout) <= {url}
    assert b"\x1b[41m" not in done.stdout  # 'on red'
    assert url in terminal_text(done.stdout, allowed_links={url})


# ---------------------------------------------------------------------------- add and edit

REFUSED = [
    ("--title", "T \x1b[2J", "\\x1b"),
    ("--title", "T \u202e", "\\u202e"),
    ("--title", "T \x9b2J", "\\x9b"),
    ("--summary", "S \x7f", "\\x7f"),
    ("--summary", "S \r overwrite", "\\x0d"),
    ("--publisher", "P \x1b]8;;http://evil.example\x1b\\", "\\x1b"),
    ("--source-title", "ST \u2066", "\\u2066"),
    ("--quote", "Q \x00", "\\x00"),
    ("--tag", "t\x07", "\\x07"),
    ("--actor", "belarus\x1b[2J", "\\x1b"),
    ("--source", "https://ok.example/\x1b[2J", "\\x1b"),
    ("--location", "Minsk\u200f", "\\u200f"),
]
REFUSED_IDS = [f"{flag}-{shown}" for flag, _, shown in REFUSED]


def _add_args(flag: str, value: str) -> list[str]:
    args = {
        "--date": "2024-08-27",
        "--type": "threaten",
        "--actor": "belarus",
        "--title": "Plain title",
        "--source": "https://ok.example/new",
    }
    args[flag] = value
    return ["add", *[part for item in args.items() for part in item]]


@pytest.mark.parametrize(("flag", "value", "shown"), REFUSED, ids=REFUSED_IDS)
@pytest.mark.parametrize("command", ["add", "edit"])
def test_add_and_edit_refuse_control_characters(
    command: str, flag: str, value: str, shown: str, tmp_path: Path
) -> None:
    """`add`/`edit` refuse a control or bidi character in any text flag: exit 2, log unchanged."""
    path = tmp_path / "log.jsonl"
    before = hostile_log(path)
    args = _add_args(flag, value) if command == "add" else ["edit", "inj-clear", flag, value]
    result = cli(*args, "--file", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"timeline: {flag}: "), line
    assert shown in line
    assert UNSAFE.search(line) is None
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.jsonl"]


def test_hostile_lines_stay_byte_identical_through_other_writes(tmp_path: Path) -> None:
    """add, edit and rm of other events keep every hostile (valid JSON) line byte for byte."""
    path = tmp_path / "log.jsonl"
    plain = [hostile_event(20 + i, f"plain{i}", "x") for i in range(2)]
    before = hostile_log(path, [EVENTS[0], plain[0], *EVENTS[1:], plain[1]])
    lines = before.splitlines(keepends=True)

    result = cli(*_add_args("--title", "Added"), "--json", "--file", str(path))
    assert result.exit_code == 0, result.stderr
    added = result.stdout.encode()
    assert path.read_bytes() == before + added

    result = cli("edit", "inj-plain0", "--tag", "edited", "--json", "--file", str(path))
    assert result.exit_code == 0, result.stderr
    lines[1] = result.stdout.encode()
    assert path.read_bytes() == b"".join(lines) + added

    result = cli("rm", "inj-plain1", "--yes", "--file", str(path))
    assert result.exit_code == 0, result.stderr
    del lines[-1]
    assert path.read_bytes() == b"".join(lines) + added


# ---------------------------------------------------------------------------- properties

DANGEROUS = (
    "\x00\x07\x08\t\n\x0b\x0c\r\x1b\x7f\x80\x85\x9b\x9f\u061c\u200e\u200f\u2028\u2029\u202a\u202e"
    "\u2069"
)
_text = st.text(st.characters() | st.sampled_from(DANGEROUS), max_size=60)


# Any code point, lone surrogates included: a file name that is not UTF-8 brings them.
_any_text = st.text(
    st.characters(exclude_categories=()) | st.sampled_from(["\udcff", "\udc9b", *DANGEROUS]),
    max_size=60,
)


@settings(max_examples=400, deadline=None, database=None)
@given(text=_any_text, keep_newlines=st.booleans())
def test_visible_leaves_no_control_or_bidi_character(text: str, keep_newlines: bool) -> None:
    """For any text, visible() contains no C0, C1, DEL or bidi character (bar kept newlines),
    and no lone surrogate: it can be written in strict UTF-8."""
    shown = visible(text, keep_newlines=keep_newlines)
    assert UNSAFE_OR_TAB.search(shown) is None
    shown.encode("utf-8")  # raises on a lone surrogate
    if keep_newlines:  # a CRLF or a CR is a line end too
        assert shown.count("\n") == text.replace("\r\n", "\n").replace("\r", "\n").count("\n")
    else:
        assert "\n" not in shown
    safe = not UNSAFE_OR_TAB.search(text) and not re.search("[\ud800-\udfff]", text)
    if safe and "\n" not in text:
        assert shown == text


@settings(max_examples=400, deadline=None, database=None)
@given(fields=st.lists(_any_text, max_size=5), separator=st.sampled_from(["\t", ",", ""]))
def test_visible_joined_is_visible_fields_joined(fields: list[str], separator: str) -> None:
    """The shortcut for printable fields gives what escaping each field and joining gives."""
    assert visible_joined(fields, separator) == separator.join(map(visible, fields))


@settings(max_examples=400, deadline=None, database=None)
@given(text=_any_text)
@example(text="a\x7fb")
@example(text="a\u202eb\x85")
def test_json_safe_escapes_every_control_bidi_and_surrogate_and_nothing_else(text: str) -> None:
    """json_safe's shortcut for printable text (most JSON) gives what its search gives: each
    character visible() escapes as a \\u escape (the same JSON value), nothing else touched."""
    line = json.dumps(text, ensure_ascii=False)
    expected = re.sub(
        "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]",
        lambda m: f"\\u{ord(m.group()):04x}",
        line,
    )
    assert json_safe(line) == expected
    assert json.loads(json_safe(line)) == text


@settings(max_examples=200, deadline=None, database=None)
@given(title=_text.filter(lambda t: t.strip() and "\n" not in t and "\r" not in t))
def test_a_plain_line_is_five_safe_fields_whatever_the_title(title: str) -> None:
    """For any title, the plain format is one line of 5 tab-separated fields, no raw control."""
    event = Event.model_validate({**hostile_event(0, "p", "x"), "title": title})
    [line] = plain.events(Selection([event], Responses())).lines
    fields = line.split("\t")
    assert len(fields) == 5
    assert fields[3] == visible(title)
    assert UNSAFE_OR_TAB.search(line.replace("\t", "")) is None
