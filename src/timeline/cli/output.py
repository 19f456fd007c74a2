"""Writing to the terminal: the one place that prints a format's output, and the progress bar."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

from timeline.cli.exits import output_error, writes_utf8
from timeline.errors import OutputError
from timeline.formats.output import ByteLines, FileWriter, Output, Rendered, TextLines
from timeline.log.lines import STDIN, RawLine

_MAX_WIDTH = 1000  # COLUMNS beyond this is a mistake: rich would overflow or print megabytes
_DEFAULT_WIDTH = 80
PROGRESS_MIN_BYTES = 32 << 20  # smaller logs are read before a bar would be seen


def console(*, stderr: bool = False) -> Any:
    terminal = _console_class()(highlight=False, emoji=False, markup=False, stderr=stderr)
    if terminal.width > _MAX_WIDTH:
        terminal.width = _MAX_WIDTH
    elif terminal.width < 1:  # COLUMNS=0: no width at all, and rich would print nothing
        terminal.width = _DEFAULT_WIDTH
    return terminal


@functools.cache
def _console_class() -> Any:
    """rich's Console, but for a reader gone from the pipe: rich exits with status 1 (which
    says "found something"), where every other view ends as ``ExitGroup`` ends it, status 0."""
    from rich.console import Console

    class ReaderAwareConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return ReaderAwareConsole


def utf8_text(lines: Iterable[bytes], *, to: str | None) -> ByteLines | TextLines:
    """Lines of text already in UTF-8, written as they are where UTF-8 is what the output
    takes (a file, or a standard output in UTF-8); else decoded, for the stream to escape what
    its encoding cannot hold (``exits.run``)."""
    if to is not None or writes_utf8(sys.stdout):
        return ByteLines.of(lines)
    return TextLines(line.decode() for line in lines)


def emit(output: Output, *, page: bool = False, to: str | None = None) -> None:
    """Write a format's output to stdout, or ``to`` a file (whole or not at all: see
    ``log.files.new_file``); with ``page``, a rich view on a terminal goes through ``$PAGER``
    (else ``less``), as git does."""
    if to is not None:
        _emit_to_file(output, to)
        return
    if isinstance(output, FileWriter):
        _copy_file_to_stdout(output)
        return
    if isinstance(output, Rendered):
        terminal = console()
        pager = _pager() if page and terminal.is_terminal and sys.stdin.isatty() else None
        whole_lines = output.soft_wrap and not terminal.is_terminal
        if pager is None:
            terminal.print(Trimmed(output.renderable), soft_wrap=whole_lines)
            return
        with terminal.capture() as captured:
            terminal.print(Trimmed(output.renderable), soft_wrap=whole_lines)
        _page(pager, captured.get())
    elif isinstance(output, ByteLines):
        out_fd = _fileno(sys.stdout.buffer) if not sys.stdout.isatty() else None
        if output.write_to is not None and out_fd is not None:
            sys.stdout.flush()
            output.write_to(out_fd)
        else:
            _write_lines(sys.stdout.buffer.write, output.lines, b"\n", batch=_batch())
        sys.stdout.buffer.flush()
    else:
        _write_lines(sys.stdout.write, output.lines, "\n", batch=_batch())
        sys.stdout.flush()


class Trimmed:
    """A renderable as rich draws it, less the spaces that end its lines (rich pads a table's
    cells, and often a line, to the full width): a copied line carries no trailing blanks."""

    def __init__(self, renderable: Any) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Any]:
        from rich.segment import Segment

        for line in Segment.split_lines(console.render(self.renderable, options)):
            while line and not line[-1].control and not line[-1].text.rstrip(" "):
                line.pop()
            if line and not line[-1].control:
                text, style, control = line[-1]
                line[-1] = Segment(text.rstrip(" "), style, control)
            yield from line
            yield Segment.line()


def _fileno(stream: BinaryIO) -> int | None:
    """The file descriptor under a stream; None for one in memory (a test's runner)."""
    try:
        return stream.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return None


def _batch() -> int:
    """Lines a write takes: a terminal gets each as it comes; elsewhere, a call a line would
    cost as much as a short line."""
    return 1 if sys.stdout.isatty() else 1024


def _write_lines(
    write: Callable[[Any], object], lines: Iterable[Any], newline: Any, *, batch: int
) -> None:
    """Each of ``lines`` and a newline, through ``write``, ``batch`` lines a call. Those made
    before an error (of the lines' making) are written all the same."""
    pending: list[Any] = []

    def flush() -> None:
        text = newline.join(pending) + newline
        pending.clear()  # before writing: a failed write is not tried again
        write(text)

    try:
        for line in lines:
            pending.append(line)
            if len(pending) >= batch:
                flush()
    finally:
        if pending:
            flush()


def refuse_overwriting_log(output: str, log: str) -> None:
    """Refuse ``-o`` naming the log being read (it would be replaced by its own view)."""
    from timeline.errors import InputError
    from timeline.log.lines import display_name

    try:
        same = os.path.samefile(output, log)
    except (OSError, ValueError):  # either does not exist, or is not a path (stdin, git)
        same = False
    if same:
        raise InputError(
            f"--output {display_name(output)} is the log being read; name another file"
        )


def _emit_to_file(output: Output, path: str) -> None:
    """``output`` into the file ``path``: a regular file (or a new one) is replaced whole; a
    device, a FIFO or a terminal (``/dev/stdout``) is written as the shell's ``>`` writes it;
    ``-`` is standard output."""
    import stat

    from timeline.errors import InputError
    from timeline.log.files import new_file
    from timeline.log.lines import display_name, os_reason

    if not path:
        raise InputError("--output: the file name is empty")
    if path == STDIN:
        emit(output)
        return
    try:
        try:
            special = not stat.S_ISREG(os.stat(path).st_mode)
        except FileNotFoundError:
            special = False
        if special:
            with open(path, "wb") as out:
                _write_output(output, out)
        elif isinstance(output, FileWriter):
            with new_file(path) as tmp:
                output.write(tmp)
        else:
            with new_file(path) as tmp, open(tmp, "wb") as out:
                _write_output(output, out)
    except FileNotFoundError:
        folder = os.path.dirname(path) or "."  # as typed: /proc/self, not /proc/4242
        # A folder that exists and still has no room for a new file: /proc, /sys.
        why = "takes no new files" if os.path.isdir(folder) else "does not exist"
        raise OutputError(f"{display_name(path)}: cannot write: folder '{folder}' {why}") from None
    except PermissionError as exc:
        if exc.filename is None or os.path.realpath(exc.filename) == os.path.realpath(path):
            raise OutputError(f"{display_name(path)}: cannot write: {os_reason(exc)}") from None
        # The file may be writable: the new one beside it, renamed over it, is what failed;
        # beside the file a symbolic link leads to, in another folder than the one typed.
        folder = os.path.dirname(path) or "."
        if os.path.realpath(folder) != os.path.dirname(exc.filename):
            folder = os.path.dirname(exc.filename)
        why = " (the file is written whole beside the old one, then renamed over it)"
        raise OutputError(
            f"{display_name(path)}: cannot write: folder '{folder}' lets no new file be made "
            f"in it{why if os.path.exists(path) else ''}"
        ) from None
    except OSError as exc:
        raise OutputError(f"{display_name(path)}: cannot write: {os_reason(exc)}") from None


def _write_output(output: Output, out: BinaryIO) -> None:
    if isinstance(output, FileWriter):  # the format writes a path: copied from a temporary one
        _copy_written(output, out)
    elif isinstance(output, Rendered):
        from rich.console import Console

        text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
        # As wide as the view on standard output (COLUMNS, the terminal's, else 80): -o FILE
        # writes what > FILE would.
        file_console = Console(
            file=text, width=console().width, color_system=None, highlight=False, emoji=False
        )
        file_console.print(Trimmed(output.renderable), soft_wrap=output.soft_wrap)
        text.flush()
        text.detach()
    elif isinstance(output, ByteLines) and output.write_to is not None:
        out.flush()
        output.write_to(out.fileno())  # a file this module opened
    elif isinstance(output, ByteLines):
        for data in output.lines:
            out.write(data + b"\n")
    else:
        for line in output.lines:
            out.write(line.encode("utf-8", "backslashreplace") + b"\n")


def _copy_written(output: FileWriter, out: BinaryIO) -> None:
    """What a format that writes a file writes, copied to ``out``."""
    import shutil
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="timeline-") as folder:
        path = Path(folder) / "output"
        output.write(path)
        with open(path, "rb") as data:
            shutil.copyfileobj(data, out)
    out.flush()


def _copy_file_to_stdout(output: FileWriter) -> None:
    """A binary file to standard output, which must not be a terminal (it would be noise)."""
    from timeline.errors import InputError

    if sys.stdout.isatty():
        raise InputError("this format is binary: write it with -o FILE, or redirect the output")
    sys.stdout.flush()
    _copy_written(output, sys.stdout.buffer)


def _pager() -> str | None:
    """The pager to use: $PAGER ('' or 'cat' for none), else less if it is installed. A
    $PAGER whose command cannot be found or run is said, and none is used."""
    import shlex
    import shutil

    from timeline.cli.exits import say
    from timeline.text import visible

    pager = os.environ.get("PAGER")
    if pager is None:
        return "less" if shutil.which("less") else None
    if pager.strip() in ("", "cat"):
        return None
    # The command: the first word that is not a variable set for it (LESS=R less), split as a
    # shell splits it (';', '|' and '&' end a word).
    lexer = shlex.shlex(pager, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:  # the shell would run nothing either
        quoted = visible(repr(pager))
        say(f"timeline: $PAGER: a quote is not closed in {quoted}: shown without a pager")
        return None
    command = next((word for word in words if not _ASSIGNMENT.match(word)), None)
    if command is None:
        say(f"timeline: $PAGER: no command in {visible(repr(pager))}: shown without a pager")
        return None
    if command in _SHELL_WORDS or command in _SHELL_SYNTAX:  # exec less, (cat): the shell's
        return pager
    found = os.path.expandvars(os.path.expanduser(command))  # ~/bin/pager, $HOME/bin/pager
    if shutil.which(found) is None:
        say(f"timeline: $PAGER: cannot run {visible(repr(command))}: shown without a pager")
        return None
    return pager


# Words a shell runs as itself, or that run the word after them: the pager is not theirs.
_SHELL_WORDS = frozenset(
    {"exec", "command", "builtin", "eval", "env", "nice", "nohup", "sudo", "time", "."}
)
# What starts a compound command or a group ('(cat)', '{ cat; }'): the shell's to judge.
_SHELL_SYNTAX = frozenset({"(", "{", "!", "if", "for", "while", "until", "case"})
# A variable set for the command (LESS=R less), as a shell reads one: a name, then '='.
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def _page(pager: str, text: str) -> None:
    """Show ``text`` through ``pager``; less quits at once when it fits one screen and keeps
    the colours (LESS=FRX, git's default, unless LESS is set)."""
    import subprocess

    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}
    sys.stdout.flush()
    with subprocess.Popen(pager, shell=True, stdin=subprocess.PIPE, env=env) as proc:
        assert proc.stdin is not None
        try:
            proc.stdin.write(text.encode(sys.stdout.encoding or "utf-8", "backslashreplace"))
            proc.stdin.close()
        except BrokenPipeError:  # the reader quit the pager early: not an error
            pass
        proc.wait()


def emit_after_change(lines: Iterable[str], *, done: str) -> None:
    """The output of a command that has changed the log. If it cannot be written, the error
    says that the change was made, so that nobody makes it twice."""
    try:
        emit(TextLines(lines))
    except OSError as exc:
        error = output_error(exc)
        if isinstance(error, OutputError):
            raise OutputError(f"{done}, but {error}") from None
        raise


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@contextlib.contextmanager
def progress_bar(*, spec: str, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr while a large log file is read, told how many of its bytes are
    read so far; None (no bar) for a small log, stdin or git, or when stderr is not a terminal.
    """
    try:
        total = os.stat(spec).st_size if spec != STDIN else 0
    except OSError:
        total = 0
    if total < PROGRESS_MIN_BYTES or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    columns = (BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


def progress(lines: Iterable[RawLine], *, spec: str, label: str) -> Iterator[RawLine]:
    """``lines``, drawing a ``progress_bar`` while a large log file is read."""
    with progress_bar(spec=spec, label=label) as tell:
        if tell is None:
            yield from lines
            return
        done = told = 0
        for line in lines:
            done += len(line.data)
            if done - told >= 1 << 22:
                tell(done)
                told = done
            yield line
