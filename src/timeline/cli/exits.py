"""The one exit point: every error becomes one line on stderr and an exit code.

Exit codes: 0 success, 1 found something (``diff`` found differences, ``check`` problems),
2 error (usage, unreadable or invalid input), 130 interrupted.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import typer
from typer.core import TyperGroup

from timeline.errors import LineError, LogReadError, LogWriteError, OutputError, TimelineError

if TYPE_CHECKING:
    from timeline.parsing import InvalidLine

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


def say(message: str) -> None:
    """Every message for a person goes to stderr, with control characters made visible.

    A stderr that cannot be written (full, closed) loses the message, not the command's output.
    """
    from timeline.text import visible

    try:
        sys.stderr.write(visible(message) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        _discard(sys.stderr)  # its buffer would fail again when Python exits (status 120)


def say_lock_wait(name: str) -> None:
    """A command that has waited a second for a log's lock says why it is not done yet."""
    say(f"timeline: waiting for {name}: another program holds its lock (Ctrl-C to stop)")


def warn_invalid(parsed: InvalidLine) -> None:
    """A bad line that a reading command skips: one warning line per problem."""
    for message in parsed.error.messages():
        say(message)


class BadLineWarnings:
    """The warnings of a reading command that skips bad lines: one line per problem for the
    first ``limit`` bad lines, then one line that counts the rest (``check`` lists them all)."""

    def __init__(self, name: str, *, limit: int) -> None:
        self.name, self.limit = name, limit
        self.shown = self.unshown = 0

    def __call__(self, parsed: InvalidLine) -> None:
        if self.shown < self.limit:
            self.shown += 1
            warn_invalid(parsed)
        else:
            self.unshown += 1

    def more(self, n: int) -> None:
        self.unshown += n

    def finish(self) -> None:
        """Say how many bad lines were not shown, if any were not."""
        if self.unshown:
            lines = "line" if self.unshown == 1 else "lines"
            say(
                f"{self.name}: {self.unshown:,} more bad {lines} not shown "
                "('timeline check' lists every one)"
            )


def fail(message: str) -> NoReturn:
    say(message)
    raise typer.Exit(EXIT_ERROR)


# Errors of writing the output (a full disk, a failing device): anything else is a bug.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF})


def output_error(exc: OSError) -> Exception:
    """A one-line error for output that cannot be written; the exception itself otherwise."""
    if exc.errno not in _OUTPUT_ERRNOS:
        return exc
    discard_output()  # what is still buffered would fail again when Python exits
    from timeline.log.lines import os_reason

    return OutputError(f"cannot write to standard output: {os_reason(exc)}")


def discard_output() -> None:
    _discard(sys.stdout)


def _discard(stream: TextIO) -> None:
    """What ``stream`` holds and is yet to take goes nowhere, without an error."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


class ExitGroup(TyperGroup):
    """The root command: turns every error into one line on stderr and an exit code."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        from timeline.cli.logs import forget_default
        from timeline.log.files import changes_finish, tell_lock_waits

        kwargs["standalone_mode"] = False
        forget_default()  # a test's runner runs many commands in one process
        tell_lock_waits(say_lock_wait)
        # a Ctrl-C once a change is made: the command says what it did
        with changes_finish(process_ends=_Process.ends_with_command):
            return self._main(*args, **kwargs)

    def _main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            try:
                code = super().main(*args, **kwargs)
                sys.stdout.flush()  # here, not at exit, where a failure is not ours to report
            except BrokenPipeError:
                discard_output()
                code = EXIT_OK
            except OSError as exc:
                raise output_error(exc) from None
        except typer.TyperException as exc:  # typer's own (vendored click) usage errors
            ctx = getattr(exc, "ctx", None)
            where = ctx.command_path if ctx is not None else self._command_path(args, kwargs)
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            # click lists a missing option's choices a line each ("Choose from:\n\tagree,\n…"):
            # one line, as every message is (a value typed keeps its own spaces)
            message = message.replace("Value error, ", "").replace(":\n\t", ": ")
            message = message.replace(",\n\t", ", ")
            say(f"{where}: {message} (see '{where} --help')")
            sys.exit(EXIT_ERROR)
        except typer.Abort:
            say("timeline: aborted")
            sys.exit(EXIT_INTERRUPTED)
        except TimelineError as exc:
            from timeline.cli.logs import with_default_hint

            if isinstance(exc, LineError):
                for line in exc.messages():
                    say(line)
            elif isinstance(exc, (LogReadError, LogWriteError)):  # the log cannot be opened
                say(f"timeline: {with_default_hint(str(exc))}")
            else:
                say(f"timeline: {exc}")
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            say("timeline: interrupted")
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else EXIT_OK)

    def _command_path(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        """'timeline show' for an error the parser raised without a context (an option with
        no value): the first word that names a command."""
        words = kwargs.get("args") or (args[0] if args else None) or sys.argv[1:]
        command = next((w for w in words if w in self.commands), None)
        return f"timeline {command}" if command else "timeline"

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # said here: typer would make it a silent exit 130
            say("timeline: interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            # The reader went away (`timeline show | head`): not an error of ours. Caught here,
            # before click turns it into exit status 1, which means "found something".
            discard_output()
            raise typer.Exit(EXIT_OK) from None
        except OSError as exc:
            raise output_error(exc) from None


def writes_utf8(stream: TextIO) -> bool:
    """Whether a text stream encodes what it is given as UTF-8."""
    return codecs.lookup(stream.encoding or "utf-8").name == "utf-8"


def buffer_stdout() -> None:
    """Standard output with a buffered writer under it, where Python gave it none (``python
    -u``, ``PYTHONUNBUFFERED``): the bare file takes a short write (a full disk, a file size
    limit) as done and drops the rest without an error, where the buffered writer writes the
    rest, and so meets the error and raises it. Flushed at each line, as unbuffered output
    should. Standard output only: a message cut short on stderr loses no data."""
    stream = sys.stdout
    if not isinstance(stream, io.TextIOWrapper) or not isinstance(stream.buffer, io.FileIO):
        return
    import signal

    encoding, errors = stream.encoding, stream.errors
    # A Ctrl-C between the detach and the swap would leave sys.stdout detached, and Python's
    # exit failing to flush it (status 120): held off until the swap is made.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        writer = io.BufferedWriter(stream.detach())
        sys.stdout = io.TextIOWrapper(writer, encoding=encoding, errors=errors, line_buffering=True)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


class _Process:
    """Whether the process ends with the command it runs (the ``timeline`` command's does; a
    test's runner runs many in one)."""

    ends_with_command = False


def run(app: typer.Typer) -> NoReturn:
    """Run ``app`` as the ``timeline`` command: the last resort against tracebacks."""
    _Process.ends_with_command = True
    if sys.stderr is None:  # closed (2>&-): messages are lost, the work is not
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    if sys.stdin is None:  # closed (<&-): reads as empty
        sys.stdin = open(os.devnull)  # noqa: SIM115 - for the life of the process
    if sys.stdout is None:  # closed (>&-): refuse before doing anything
        say("timeline: cannot write to standard output: it is closed")
        sys.exit(EXIT_ERROR)
    buffer_stdout()
    for stream in (sys.stdout, sys.stderr):
        # An output encoding that cannot hold every character (PYTHONIOENCODING=ascii, a C
        # locale): what it cannot hold is written as a \u escape rather than failing.
        if isinstance(stream, io.TextIOWrapper) and not writes_utf8(stream):
            stream.reconfigure(errors="backslashreplace")
    try:
        app(prog_name="timeline")
    except Exception as exc:  # the last resort: a bug must not print a traceback
        if os.environ.get("TIMELINE_TRACEBACK"):
            raise
        say(
            f"timeline: internal error ({type(exc).__name__}: {exc}); please report it, "
            "with TIMELINE_TRACEBACK=1 set for the details"
        )
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_OK)
