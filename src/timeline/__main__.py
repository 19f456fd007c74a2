"""The ``timeline`` command's entry point (``python -m timeline`` and the installed script)."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: importing it (and re) is a tenth of the window below
if TYPE_CHECKING:
    from typing import NoReturn

_INTERRUPTED = 130  # as timeline.cli.exits says: importing it is what a Ctrl-C may cut short


def main() -> NoReturn:
    """Load the command line and run it. A Ctrl-C while its modules load (a tenth of a second,
    before the command's own handling is in place) is said in one line, not a traceback."""
    try:
        from timeline.cli import main as run_command

        run_command()
    except KeyboardInterrupt:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # said: a second one would kill it
        if sys.stderr is not None:
            sys.stderr.write("timeline: interrupted\n")
        sys.exit(_INTERRUPTED)


if __name__ == "__main__":
    main()
