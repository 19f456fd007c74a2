"""Shared fixtures: a temporary copy of the bundled log, a CLI runner, pinned terminal settings."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from timeline.model import Event

# No per-example deadline: a shared CI machine may pause a process, and a timing is no property.
settings.register_profile("timeline", deadline=None)
settings.load_profile("timeline")

REPO = Path(__file__).resolve().parent.parent
BUNDLED_LOG = REPO / "data" / "events.jsonl"


# Literal events that several test modules share: a claim, a mobilisation, and a rejection
# that answers the claim.
CLAIM: dict[str, Any] = {
    "id": "2024-08-18-lukashenko-claims-120000-ukrainian-troops",
    "date": "2024-08-18",
    "title": "Lukashenko claims Ukraine has massed 120,000 troops on the Belarusian border",
    "type": "accuse",
    "actors": ["belarus/president"],
    "targets": ["ukraine"],
    "status": "claimed",
    "sources": [{"publisher": "Army Recognition", "title": "Situation Brief"}],
    "tags": ["border"],
}
MOBILIZE: dict[str, Any] = {
    "id": "2024-08-10-belarus-moves-forces",
    "date": "2024-08-10",
    "title": "Belarus moves forces to the border",
    "type": "mobilize",
    "actors": ["belarus"],
    "sources": [{"url": "https://example.org/b"}],
}
REJECT: dict[str, Any] = {
    "id": "2024-08-26-ukraine-denies-hostile-actions",
    "date": "2024-08-26",
    "title": "Ukraine says it never took hostile actions against Belarusians",
    "type": "reject",
    "actors": ["ukraine/mfa"],
    "targets": ["belarus"],
    "responds_to": ["2024-08-18-lukashenko-claims-120000-ukrainian-troops"],
    "sources": [{"url": "https://example.org/c"}],
}


# Runs its arguments as a program on a pseudo-terminal; writes what the terminal showed and
# exits with the program's status.
_ON_A_TERMINAL = """\
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b''
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def on_a_terminal(
    argv: list[str], *, env: dict[str, str], cwd: Path | None = None, timeout: float = 60
) -> tuple[int, str]:
    """``argv`` run with stdin and stdout on a pseudo-terminal: its exit status, and what the
    terminal showed (CRLF line ends made LF)."""
    done = subprocess.run(
        [sys.executable, "-c", _ON_A_TERMINAL, *argv], cwd=cwd, env=env, capture_output=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout.decode("utf-8", "replace").replace("\r\n", "\n")


def ev(base: dict[str, Any], **changes: Any) -> Event:
    """An event from a literal dict, with some keys replaced."""
    return Event.model_validate({**base, **changes})


# Sources as the published formats cite them: dated and linked, dated and no link (not a web
# address), neither dated nor named.
DATED_SOURCES = [
    {"url": "https://e.org/a", "publisher": "Reuters", "title": "Story", "published": "2024-08-11"},
    {"url": "ftp://e.org/b", "title": "Old", "published": "2024-08-01"},
    {"url": "https://e.org/c"},
]


def by_id(*events: Event) -> dict[str, Event]:
    return {event.id: event for event in events}


@pytest.fixture(autouse=True)
def pinned_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every test see the same terminal: 100 columns, no colour, no pager, no inherited
    log path.

    rich reads COLUMNS, TERM, NO_COLOR, FORCE_COLOR and TTY_* from the environment; the CLI reads
    TIMELINE_FILE. A developer's shell must not change what a test sees. A command run as a
    process gets Python's default buffering, as most users' do (PYTHONUNBUFFERED, set on the
    machine these tests were written on, hid a lost output: the tests of a failing output run
    with and without it).
    """
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("LINES", "50")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("PAGER", "")  # a test that runs show on a terminal must not wait in less
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "TIMELINE_FILE",
                 "PYTHONUNBUFFERED"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def log_copy(tmp_path: Path) -> Path:
    """A private copy of ``data/events.jsonl`` (tests never write to the repository's data)."""
    target = tmp_path / "events.jsonl"
    shutil.copyfile(BUNDLED_LOG, target)
    return target


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from an empty temporary folder, so relative paths and the default log are local."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def runner() -> CliRunner:
    """typer's runner; in this typer version stdout and stderr are captured apart."""
    return CliRunner()


def event_dict(**overrides: Any) -> dict[str, Any]:
    """The smallest valid event as a plain dict, with keyword overrides applied."""
    base: dict[str, Any] = {
        "id": "2024-08-26-test-event",
        "date": "2024-08-26",
        "title": "Test event",
        "type": "accuse",
        "actors": ["belarus"],
        "sources": [{"url": "https://example.org/a"}],
    }
    base.update(overrides)
    return base


@pytest.fixture
def event_data() -> Callable[..., dict[str, Any]]:
    """The smallest valid event as a plain dict, with keyword overrides applied."""
    return event_dict


@pytest.fixture
def make_event() -> Callable[..., Event]:
    """Build a validated Event from the smallest valid one plus keyword overrides."""

    def build(**overrides: Any) -> Event:
        return Event.model_validate(event_dict(**overrides))

    return build


ShowBothWays = Callable[[list[Event], list[str]], tuple[Any, Any]]


@pytest.fixture
def show_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ShowBothWays:
    """``show`` of a log of the given events with the given options, read serially
    (``--strict``) and then by three forked readers: both CLI results, each exit code 0."""

    def run(events: list[Event], options: list[str]) -> tuple[Any, Any]:
        from timeline.cli import app
        from timeline.log import parallel
        from timeline.model import canonical_json

        log = tmp_path / "events.jsonl"
        log.write_text("".join(canonical_json(event) + "\n" for event in events))
        runner = CliRunner()
        serial = runner.invoke(app, ["show", "-f", str(log), *options, "--strict"])
        with monkeypatch.context() as patch:
            patch.setattr(parallel, "MIN_BYTES", 0)
            patch.setattr(parallel, "workers", lambda: 3)
            forked = runner.invoke(app, ["show", "-f", str(log), *options])
        assert forked.exit_code == serial.exit_code == 0, forked.stderr
        return serial, forked

    return run


@pytest.fixture
def refutation(make_event: Callable[..., Event]) -> Event:
    """Ukraine's reject, known only to the week, answering the event ``2024-08-18-claim`` (the
    publishing formats' tests each build that claim with what their format must show)."""
    return make_event(
        id="2024-08-19-refutation",
        date="2024-08-19",
        precision="week",
        title="Ukraine refutes the claim",
        type="reject",
        actors=["ukraine"],
        targets=["belarus/president"],
        responds_to=["2024-08-18-claim"],
        sources=[{"title": "Situation Brief", "publisher": "Army Recognition"}],
    )


@pytest.fixture
def deadline() -> Iterator[Callable[[float], None]]:
    """Arm an alarm that interrupts a blocking call (e.g. opening a FIFO) with TimeoutError."""
    import signal

    def on_alarm(signum: int, frame: object) -> None:
        raise TimeoutError("the call blocked")

    previous = signal.signal(signal.SIGALRM, on_alarm)

    def arm(seconds: float) -> None:
        signal.setitimer(signal.ITIMER_REAL, seconds)

    try:
        yield arm
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
