"""Progress bars: on a terminal's stderr while a large log is read, never on stdout, never piped."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # spawns processes on a pseudo-terminal

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "data" / "events.jsonl"
# Runs a command with the size threshold at zero, so the small bundled log counts as large.
SCRIPT = (
    "import sys, timeline.cli as cli, timeline.cli.output as out; out.PROGRESS_MIN_BYTES = 0; "
    "sys.argv = ['timeline', *sys.argv[1:]]; cli.main()"
)
HIDE_CURSOR = b"\x1b[?25l"  # rich's live display hides the cursor while it draws


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR"}}
    env["PYTHONPATH"] = str(REPO / "src")
    env["TERM"] = "xterm-256color"
    return env


def _read_all(fd: int) -> bytes:
    out = b""
    while select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


# The same, with the log large enough to be read on every core (check's workers tell the bar).
ON_EVERY_CORE = SCRIPT.replace(
    "cli.main()",
    "import timeline.log.parallel as p; p.MIN_BYTES = 0; p.workers = lambda: 2; cli.main()",
)


@pytest.mark.parametrize(
    ("script", "args"),
    [
        (SCRIPT, ["check", "-f", "{log}"]),
        (ON_EVERY_CORE, ["check", "-f", "{log}"]),
        (SCRIPT, ["diff", "{log}", "{log}"]),
        (SCRIPT, ["import", "{log}", "-f", "{new}"]),
    ],
    ids=["check", "check on every core", "diff", "import"],
)
def test_progress_goes_to_a_terminal_stderr_and_never_to_stdout(
    tmp_path: Path, script: str, args: list[str]
) -> None:
    """With stderr on a terminal, the bar is drawn there; stdout stays free of escape codes."""
    log = tmp_path / "events.jsonl"
    shutil.copy(BUNDLED, log)
    argv = [a.format(log=log, new=tmp_path / "new.jsonl") for a in args]
    master, slave = os.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, *argv],
            stdout=subprocess.PIPE,
            stderr=slave,
            stdin=subprocess.DEVNULL,
            env=_env(),
            timeout=60,
            check=False,
        )
        os.close(slave)
        stderr = _read_all(master)
    finally:
        os.close(master)
    assert done.returncode in (0, 1)
    assert HIDE_CURSOR in stderr
    assert b"\x1b" not in done.stdout


def test_no_progress_when_stderr_is_piped(tmp_path: Path) -> None:
    """Piped stderr gets the summary line only: no bar, no escape codes."""
    log = tmp_path / "events.jsonl"
    shutil.copy(BUNDLED, log)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, "check", "-f", str(log)],
        capture_output=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert b"\x1b" not in done.stderr
    assert done.stderr.decode().splitlines()[-1] == f"{log}: 0 errors, 2 warnings"
