"""The command line: parse arguments, call the core, choose a renderer, exit.

The only module that imports typer. Heavy modules (pydantic, rich, dateutil) are imported inside
the commands that need them, so ``--help`` and ``--version`` start fast.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import gc
import io
import operator
import os
import sys
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
import typer.core
from typer._coercion import RuntimeParam  # private: see _PlainParam; typer is pinned to 0.29
from typer._coercion import build_runtime_param as _typer_runtime_param
from typer.core import TyperGroup

from timeline import __version__
from timeline.errors import ConflictError, InputError, LineError, OutputError, TimelineError
from timeline.render import OutputFormat
from timeline.vocab import EventType, Status

if TYPE_CHECKING:
    from timeline.model import Event
    from timeline.query import Filter
    from timeline.rules import EventLike
    from timeline.store import ParsedLine, RawLine

DEFAULT_FILE = "data/events.jsonl"
_TYPES = ", ".join(t.value for t in EventType)
_STATUSES = ", ".join(s.value for s in Status)
EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


def _say(message: str) -> None:
    """Every message for a person goes to stderr, with control characters made visible.

    A stderr that cannot be written (full, closed) loses the message, not the command's output.
    """
    from timeline.text import visible

    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(visible(message) + "\n")
        sys.stderr.flush()


def _fail(message: str) -> NoReturn:
    _say(message)
    raise typer.Exit(EXIT_ERROR)


def _plain_converter(annotation: Any, info: Any) -> Callable[[str], Any] | None:
    """How to turn one command-line word into a value of ``annotation``, for the kinds of
    parameter this CLI has; None for any other kind, which typer converts itself."""
    from typer._param_types import coerce_cli_choice  # no pydantic behind it

    if annotation is str:
        return str
    if annotation is bool:
        return _flag
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        choices, case_sensitive = tuple(annotation), info.case_sensitive
        return lambda word: coerce_cli_choice(word, choices=choices, case_sensitive=case_sensitive)
    if annotation is float:
        return _number
    if annotation is int and info.max is None:
        least = info.min
        return lambda word: _whole_number(word, least=least)
    return None


_FLAG_WORDS = {"1": True, "true": True, "t": True, "yes": True, "y": True, "on": True}
_FLAG_WORDS |= {"0": False, "false": False, "f": False, "no": False, "n": False, "off": False}


def _flag(word: str | bool) -> bool:
    if isinstance(word, bool):
        return word
    try:
        return _FLAG_WORDS[word.strip().lower()]
    except KeyError:
        raise ValueError(f"{word!r} is not a valid boolean.") from None


def _number(word: str) -> float:
    try:
        return float(word)
    except ValueError:
        raise ValueError(f"{word!r} is not a number.") from None


def _whole_number(word: str, *, least: int | None) -> int:
    try:
        number = int(word)
    except ValueError:
        raise ValueError(f"{word!r} is not a whole number.") from None
    if least is not None and number < least:
        raise ValueError(f"{word!r} is less than {least}.")
    return number


@dataclass(frozen=True)
class _PlainParam(RuntimeParam):
    """Converts a parameter's words without pydantic. Typer 0.29 builds a pydantic TypeAdapter
    for every parameter of a command on every run, which costs about 80 ms before any work
    (importing pydantic and building ~20 adapters): more than reading the bundled log."""

    convert: Callable[[str], Any] = str
    many: bool = False  # a list: convert each word

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            if self.many:
                return [v if isinstance(v, enum.Enum) else self.convert(v) for v in value]
            return value if isinstance(value, enum.Enum) else self.convert(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), ctx=ctx, param=param) from None


def _runtime_param(descriptor: Any) -> RuntimeParam:
    """Typer's factory of parameter converters, with ``_PlainParam`` for the kinds of parameter
    that ``_plain_converter`` knows."""
    annotation, info = descriptor.annotation, descriptor.parameter_info
    many = descriptor.is_list
    if many:
        (annotation,) = typing.get_args(annotation)
    convert = _plain_converter(annotation, info)
    if convert is None or descriptor.file_annotation is not None or info.parser is not None:
        return _typer_runtime_param(descriptor)
    return _PlainParam(
        parameter_info=info, annotation=descriptor.annotation, convert=convert, many=many
    )


# The one hook: typer.core builds every parameter's converter (help options too) through it.
typer.core.build_runtime_param = _runtime_param  # type: ignore[attr-defined]


class _Group(TyperGroup):
    """Turns every error into one line on stderr and an exit code: the one exit point."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            try:
                code = super().main(*args, **kwargs)
                sys.stdout.flush()  # here, not at exit, where a failure is not ours to report
            except BrokenPipeError:
                _discard_output()
                code = EXIT_OK
            except OSError as exc:
                raise _output_error(exc) from None
        except typer.TyperException as exc:  # typer's own (vendored click) usage errors
            ctx = getattr(exc, "ctx", None)
            where = ctx.command_path if ctx is not None else "timeline"
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            _say(f"{where}: {message.replace('Value error, ', '')} (see '{where} --help')")
            sys.exit(EXIT_ERROR)
        except typer.Abort:
            _say("timeline: aborted")
            sys.exit(EXIT_INTERRUPTED)
        except TimelineError as exc:
            for line in exc.messages() if isinstance(exc, LineError) else [str(exc)]:
                _say(line if isinstance(exc, LineError) else f"timeline: {line}")
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            _say("timeline: interrupted")
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else EXIT_OK)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader went away (`timeline show | head`): not an error of ours. Caught here,
            # before click turns it into exit status 1, which means "found something".
            _discard_output()
            raise typer.Exit(EXIT_OK) from None
        except OSError as exc:
            raise _output_error(exc) from None


# Errors of writing the output (a full disk, a failing device): anything else is a bug.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF})


def _output_error(exc: OSError) -> Exception:
    """A one-line error for output that cannot be written; the exception itself otherwise."""
    if exc.errno not in _OUTPUT_ERRNOS:
        return exc
    _discard_output()  # what is still buffered would fail again when Python exits
    reason = (exc.strerror or str(exc)).lower()
    return OutputError(f"cannot write to standard output: {reason}")


def _discard_output() -> None:
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


app = typer.Typer(
    cls=_Group,
    name="timeline",
    help=(
        "Keep a sourced, dated log of events in a plain JSON Lines file, and filter, add, "
        "import, diff, check and show it.\n\n"
        "The log is --file, else $TIMELINE_FILE, else data/events.jsonl. "
        "Exit codes: 0 success, 1 differences or problems found (diff, check), 2 error."
    ),
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


def _examples(*commands: str, note: str = "") -> str:
    """A help epilog: an optional note, then example commands kept as written (click's \\b)."""
    lead = f"{note}\n\n" if note else ""
    return lead + "Examples:\n\n\b\n" + "\n".join(f"  {c}" for c in commands)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"timeline {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Keep a sourced, dated log of events in a plain JSON Lines file."""
    if ctx.invoked_subcommand is None:
        sys.stdout.write(ctx.get_help() + "\n")
        raise typer.Exit(EXIT_OK)


# ---------------------------------------------------------------------------- shared options

FileOpt = Annotated[
    str,
    typer.Option(
        "--file",
        "-f",
        envvar="TIMELINE_FILE",
        metavar="PATH",
        help="The log: a JSONL file ('-' for stdin when reading).",
        show_envvar=True,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Write JSON Lines to stdout, for jq & co.")]
StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help="Treat an invalid line as an error (exit 2), not a warning."),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        help="The day relative dates ('last week', '3 days ago') count from, and after which "
        "an event is not yet to come (a month or year: its last day). Default: today.",
    ),
]
ActorOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--actor",
        "-a",
        metavar="ACTOR",
        help="Acted: this actor or a part of it (belarus → belarus/mod).",
    ),
]
TargetOpt = Annotated[
    list[str] | None, typer.Option("--target", metavar="ACTOR", help="Was targeted: this actor.")
]
InvolvingOpt = Annotated[
    list[str] | None,
    typer.Option("--involving", "-i", metavar="ACTOR", help="Actor or target: this actor."),
]
TypeOpt = Annotated[
    list[EventType] | None,
    typer.Option("--type", "-t", metavar="TYPE", help="Of this PLOVER type: " + _TYPES + "."),
]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", metavar="TAG", help="Has this tag.")]
StatusOpt = Annotated[
    list[Status] | None,
    typer.Option(
        "--status",
        metavar="STATUS",
        help="Has this stored status: " + _STATUSES + " (a rejected claim shown as disputed "
        "is stored as claimed until edited).",
    ),
]
SinceOpt = Annotated[
    str | None,
    typer.Option("--since", metavar="DATE", help="Overlaps this date or later (inclusive)."),
]
UntilOpt = Annotated[
    str | None,
    typer.Option("--until", metavar="DATE", help="Overlaps this date or earlier (inclusive)."),
]
TextOpt = Annotated[
    list[str] | None,
    typer.Option("--text", metavar="WORDS", help="All these words in title, summary or quotes."),
]
IdOpt = Annotated[list[str] | None, typer.Option("--id", metavar="ID", help="Has this id.")]


def _today(as_of: str | None) -> date:
    """Today, or the day --as-of names; a period names its last day ('Aug 2024': 31 August),
    so that the events of that period are not yet to come."""
    today = date.today()
    return today if as_of is None else _user_date("--as-of", as_of, today=today).end


def _user_date(flag: str, text: str, *, today: date) -> Any:
    from timeline.dates import parse_date
    from timeline.errors import DateParseError

    try:
        return parse_date(text, as_of=today)
    except DateParseError as exc:
        raise InputError(f"{flag}: {exc}") from None


def _build_filter(
    *,
    actors: list[str] | None,
    targets: list[str] | None,
    involving: list[str] | None,
    types: list[EventType] | None,
    tags: list[str] | None,
    statuses: list[Status] | None,
    since: str | None,
    until: str | None,
    texts: list[str] | None,
    ids: list[str] | None,
    as_of: str | None,
) -> Filter:
    from timeline.query import Filter
    from timeline.rules import normalize_actor

    groups = {"--actor": actors, "--target": targets, "--involving": involving, "--tag": tags}
    for flag, values in {**groups, "--text": texts, "--id": ids}.items():
        for value in values or ():
            _utf8(flag, value)
    for flag in ("--actor", "--target", "--involving"):
        for value in groups[flag] or ():
            try:
                normalize_actor(value)
            except ValueError as exc:
                raise InputError(f"{flag}: {exc}") from None
    today = _today(as_of)
    since_day = _user_date("--since", since, today=today).start if since else None
    until_day = _user_date("--until", until, today=today).end if until else None
    if since_day and until_day and since_day > until_day:
        raise InputError(f"--since {since} is after --until {until}")
    return Filter.build(
        actors=actors or (),
        targets=targets or (),
        involving=involving or (),
        types=types or (),
        tags=tags or (),
        statuses=statuses or (),
        since=since_day,
        until=until_day,
        texts=texts or (),
        ids=ids or (),
    )


def _warn_line(error: LineError, line: RawLine) -> LineError:
    """A torn last line says so in its message."""
    if not line.is_complete:
        field, message = error.problems[-1]
        error.problems[-1] = (field, message + " (last line has no newline: a write cut short?)")
    return error


def _valid_lines(
    lines: Iterable[RawLine],
    *,
    source: str,
    strict: bool,
    want: Callable[[bytes], bool] | None = None,
    unreadable: list[tuple[int, str | None]] | None = None,
) -> Iterator[ParsedLine]:
    """The lines that hold valid events, in file order; bad lines are warnings (errors with
    --strict). ``want`` may pass over lines unparsed (see ``query.Prefilter``). Each bad line
    goes into ``unreadable`` as its number and, if it can still be read, its id."""
    from timeline.store import parse_lines

    for parsed in parse_lines(lines, source=source, want=want):
        if parsed.event is not None:
            yield parsed
        elif parsed.error is not None:
            error = _warn_line(parsed.error, parsed.line)
            if strict:
                raise error
            for message in error.messages():
                _say(message)
            if unreadable is not None:
                ids = [obj.get("id") for _, obj in _objects([parsed.line])]
                event_id = ids[0] if ids and isinstance(ids[0], str) else None
                unreadable.append((parsed.line.lineno, event_id))


_MAX_WIDTH = 1000  # COLUMNS beyond this is a mistake: rich would overflow or print megabytes


def _console(*, stderr: bool = False) -> Any:
    from rich.console import Console

    console = Console(highlight=False, emoji=False, markup=False, stderr=stderr)
    if console.width > _MAX_WIDTH:
        console.width = _MAX_WIDTH
    return console


def _choose(fmt: OutputFormat, as_json: bool) -> OutputFormat:
    if as_json and fmt not in (OutputFormat.AUTO, OutputFormat.JSON):
        raise InputError(f"--json and --format {fmt.value}: give only one of them")
    if as_json:
        return OutputFormat.JSON
    if fmt is OutputFormat.AUTO:
        return OutputFormat.RICH if sys.stdout.isatty() else OutputFormat.PLAIN
    return fmt


PROGRESS_MIN_BYTES = 32 << 20  # smaller logs are read before a bar would be seen


def _progress(lines: Iterable[RawLine], *, spec: str, label: str) -> Iterator[RawLine]:
    """``lines``, drawing a progress bar on stderr while a large log file is read; never on
    stdout, never when stderr is not a terminal, never for stdin or git."""
    try:
        total = os.stat(spec).st_size if spec != "-" else 0
    except OSError:
        total = 0
    if total < PROGRESS_MIN_BYTES or not sys.stderr.isatty():
        yield from lines
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    columns = (BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=_console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total)
        pending = 0
        for line in lines:
            pending += len(line.data)
            if pending >= 1 << 22:
                progress.advance(task, pending)
                pending = 0
            yield line


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _write_lines(lines: Iterable[str]) -> None:
    write = sys.stdout.write
    for line in lines:
        write(line + "\n")
    sys.stdout.flush()


def _write_after_change(lines: Iterable[str], *, done: str) -> None:
    """The output of a command that has changed the log. If it cannot be written, the error
    says that the change was made, so that nobody makes it twice."""
    try:
        _write_lines(lines)
    except OSError as exc:
        error = _output_error(exc)
        if isinstance(error, OutputError):
            raise OutputError(f"{done}, but {error}") from None
        raise


# ---------------------------------------------------------------------------- show


@app.command(
    epilog=_examples(
        "timeline show --actor belarus",
        "timeline show --since 2024-08-18 --until 'Aug 20, 2024' --long",
        "timeline show --type accuse --type threaten --json | jq -r .title",
        "timeline show --text '120,000' --involving ukraine",
    ),
)
def show(
    file: FileOpt = DEFAULT_FILE,
    actor: ActorOpt = None,
    target: TargetOpt = None,
    involving: InvolvingOpt = None,
    type_: TypeOpt = None,
    tag: TagOpt = None,
    status: StatusOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    text: TextOpt = None,
    id_: IdOpt = None,
    reverse: Annotated[bool, typer.Option("--reverse", "-r", help="Latest first.")] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", min=0, metavar="N", help="Show at most N events.")
    ] = None,
    long: Annotated[
        bool,
        typer.Option(
            "--long", "-l", help="In the rich view: add summaries, quotes and source URLs."
        ),
    ] = False,
    fmt: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="auto, rich, plain, json or csv. auto: a timeline on a terminal, plain elsewhere.",
        ),
    ] = OutputFormat.AUTO,
    as_json: JsonOpt = False,
    strict: StrictOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Show events, filtered and sorted by date.

    Filters combine with AND; a repeated filter matches any of its values.
    """
    from timeline import render
    from timeline.query import Prefilter, Responses, matches, order
    from timeline.store import display_name, read_any_lines

    flt = _build_filter(
        actors=actor, targets=target, involving=involving, types=type_, tags=tag,
        statuses=status, since=since, until=until, texts=text, ids=id_, as_of=as_of,
    )  # fmt: skip
    chosen = _choose(fmt, as_json)
    name = display_name(file)
    if chosen is OutputFormat.JSON:
        _show_json(file, flt, strict=strict, reverse=reverse, limit=limit)
        return
    # The views mark answered and disputed events, so lines that answer others are read too.
    answers_or_may_match: Callable[[bytes], bool] | None = None
    if not (strict or flt.is_empty):
        may_match = Prefilter(flt)
        answers_or_may_match = lambda c: b'"responds_to":[]' not in c or may_match(c)  # noqa: E731
    responses = Responses()
    kept = []
    lines = read_any_lines(file)
    for parsed in _valid_lines(lines, source=name, strict=strict, want=answers_or_may_match):
        event = parsed.event
        assert event is not None  # _valid_lines yields only lines with an event
        responses.note(event)
        if matches(event, flt):
            kept.append(event)
    events = order(kept, reverse=reverse, limit=limit)
    if chosen is OutputFormat.RICH:
        _console().print(render.timeline_view(events, responses, long=long))
    else:
        _write_lines(render.format_lines(chosen, events, responses))


def _show_json(file: str, flt: Filter, *, strict: bool, reverse: bool, limit: int | None) -> None:
    """Write the matching events as canonical JSON Lines, sorted by date.

    Machine output needs no responses, so lines that cannot match are never parsed; a large
    log is read on every core (see ``parallel``), and its canonical lines are copied from the
    file straight to the output.
    """
    import functools

    from timeline import parallel
    from timeline.query import Prefilter, order, select_json
    from timeline.store import RawLine, display_name, open_log, read_any_lines

    name = display_name(file)
    ranges = None
    log_fd = -1  # the log, open under a shared lock, when lines are copied from it
    with contextlib.ExitStack() as stack:
        if not strict and parallel.is_large(file):
            # Cut the ranges only under the lock: a rewrite in between would move every line.
            log_fd = stack.enter_context(open_log(file)).fileno()
            ranges = parallel.line_ranges(file, parallel.workers())
        if ranges is None:
            want = None if strict or flt.is_empty else Prefilter(flt)
            lines = read_any_lines(file, anchors=want.anchors() if want else None)
            kept, bad = select_json(lines, flt, want=want)
        else:
            parts = parallel.map_ranges(
                functools.partial(parallel.json_range, flt=flt), file, ranges
            )
            kept = [item for part_kept, _ in parts for item in part_kept]
            bad = [item for _, part_bad in parts for item in part_bad]
            numbers = parallel.line_numbers(file, (offset for _, offset, _, _ in bad))
            bad = [(numbers[at], at, problems, done) for _, at, problems, done in bad]
        for lineno, _, problems, complete in bad:
            error = LineError.from_problems(name, lineno, problems)
            error = _warn_line(error, RawLine(lineno, b"\n" if complete else b""))
            if strict:
                raise error
            for message in error.messages():
                _say(message)
        ranked = order(kept, key=operator.itemgetter(0), reverse=reverse, limit=limit)
        out = sys.stdout.buffer
        for _, data in ranked:
            if isinstance(data, tuple):  # a canonical line: copied from the log itself
                offset, length = data
                data = os.pread(log_fd, length, offset)
            out.write(data + b"\n")
        out.flush()


# ---------------------------------------------------------------------------- add, edit, rm


def _utf8(flag: str, value: str) -> None:
    """Refuse an argument holding bytes that are not UTF-8 (Python keeps them as surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{flag}: not valid UTF-8 text") from None


def _no_controls(flag: str, value: str | None, *, multiline: bool = False) -> None:
    from timeline.text import visible

    if value is None:
        return
    _utf8(flag, value)
    if visible(value, keep_newlines=multiline) != value:
        bad = next(ch for ch in value if visible(ch, keep_newlines=multiline) != ch)
        raise InputError(f"{flag}: contains the control character {visible(bad)}")


def _flag_for(field: str | None) -> str:
    """The command-line flag that sets a field, for error messages."""
    if not field:
        return "event"
    head = field.split(".")[0].split("[")[0]
    tail = field.rsplit(".", 1)[-1] if "." in field else ""
    if head == "sources":
        named = {"title": "--source-title", "publisher": "--publisher", "quote": "--quote"}
        return named.get(tail, "--source")
    if head == "location":
        return {"name": "--location", "country": "--country", "": "--location"}.get(
            tail, f"--{tail}"
        )
    named = {
        "responds_to": "--responds-to",
        "actors": "--actor",
        "targets": "--target",
        "tags": "--tag",
    }
    return named.get(head, f"--{head}")


def _validated(obj: dict[str, Any]) -> Event:
    from pydantic import ValidationError

    from timeline.model import Event, describe_validation_error

    try:
        return Event.model_validate(obj)
    except ValidationError as exc:
        field, message = describe_validation_error(exc)[0]
        raise InputError(f"{_flag_for(field)}: {message}") from None


def _refuse_not_yet(event: EventLike, today: date) -> None:
    from timeline.check import not_yet

    if (future := not_yet(event, today)) is not None:
        raise InputError(f"--date: {future}")


def _objects(lines: Iterable[RawLine]) -> Iterator[tuple[RawLine, dict[str, Any]]]:
    """The lines that hold a JSON object, read leniently: writers look up ids and references
    in them, and a line that is not even JSON holds neither."""
    import json

    for line in lines:
        if line.is_blank:
            continue
        try:
            obj = json.loads(line.content)
        except (ValueError, RecursionError):
            continue
        if isinstance(obj, dict):
            yield line, obj


def _known_ids(lines: Iterable[RawLine]) -> dict[str, int]:
    """Each id in a log and its line."""
    ids: dict[str, int] = {}
    for line, obj in _objects(lines):
        if isinstance(obj.get("id"), str):
            ids.setdefault(obj["id"], line.lineno)
    return ids


def _coordinate(flag: str, word: str | None) -> float | str | None:
    """A --lat/--lon value as a number; '' (clear it) and None (not given) are kept."""
    if not word:
        return word
    try:
        return _number(word)
    except ValueError as exc:
        raise InputError(f"{flag}: {exc}") from None


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    """The flags that were given; an empty string means 'clear this field', and a list flag
    given once as '' ('--tag ""') empties the list."""
    return {
        k: None if v == "" else [] if v == [""] else v for k, v in values.items() if v is not None
    }


@dataclass(frozen=True, kw_only=True)
class EventFlags:
    """The field flags shared by ``add`` and ``edit``; None means 'not given'."""

    when: str | None = None
    end: str | None = None
    title: str | None = None
    type: EventType | None = None
    actors: list[str] | None = None
    targets: list[str] | None = None
    summary: str | None = None
    status: Status | None = None
    responds_to: list[str] | None = None
    sources: list[str] | None = None
    publisher: str | None = None
    source_title: str | None = None
    quote: str | None = None
    tags: list[str] | None = None
    location: str | None = None
    country: str | None = None
    lat: str | None = None  # text, so that '' can clear it
    lon: str | None = None

    def check_text(self) -> None:
        """Refuse control characters: a terminal must never receive them back from the log.
        Refuse an empty --title too: '' clears other fields, but an event needs a title."""
        if self.title is not None and not self.title.strip():
            raise InputError("--title: must not be empty")
        for flag, value in (
            ("--title", self.title), ("--source-title", self.source_title),
            ("--publisher", self.publisher), ("--location", self.location),
            ("--date", self.when), ("--end", self.end), ("--country", self.country),
        ):  # fmt: skip
            _no_controls(flag, value)
        _no_controls("--summary", self.summary, multiline=True)
        _no_controls("--quote", self.quote, multiline=True)
        for flag, values in (
            ("--actor", self.actors), ("--target", self.targets), ("--tag", self.tags),
            ("--source", self.sources), ("--responds-to", self.responds_to),
        ):  # fmt: skip
            for value in values or ():
                _no_controls(flag, value)

    def apply(self, base: dict[str, Any], *, today: date) -> dict[str, Any]:
        """``base`` (an event's JSON fields) with every given flag applied; '' clears a field."""
        obj = dict(base)
        if self.when is not None:
            when = _user_date("--date", self.when, today=today)
            obj["date"], obj["precision"] = when.start, when.precision
        if self.end is not None:
            obj["end"] = _user_date("--end", self.end, today=today).end if self.end else None
        given = {
            "title": self.title, "summary": self.summary, "type": self.type,
            "actors": self.actors, "targets": self.targets, "status": self.status,
            "responds_to": self.responds_to, "tags": self.tags,
        }  # fmt: skip
        obj.update(_given(given))
        obj["location"] = self._location(obj.get("location"))
        obj["sources"] = self._sources(obj.get("sources") or [])
        return obj

    def _location(self, current: dict[str, Any] | None) -> dict[str, Any] | None:
        given: dict[str, Any] = {
            "name": self.location,
            "country": self.country,
            "lat": _coordinate("--lat", self.lat),
            "lon": _coordinate("--lon", self.lon),
        }
        changes = _given(given)
        if not changes:
            return current
        merged = dict(current or {})
        merged.update(changes)
        return None if all(v is None for v in merged.values()) else merged

    def _sources(self, current: list[dict[str, Any]]) -> list[dict[str, Any]]:
        sources = [{"url": url} for url in self.sources] if self.sources is not None else current
        first = _given(
            {"publisher": self.publisher, "title": self.source_title, "quote": self.quote}
        )
        if not first:
            return sources
        sources = [dict(s) for s in sources] or [{}]
        sources[0].update(first)
        return sources


DateFlag = Annotated[
    str,
    typer.Option("--date", "-d", metavar="DATE", help="When: 2024-08-26, 'Aug 2024', 'last week'."),
]
TitleFlag = Annotated[str, typer.Option("--title", metavar="TEXT", help="A one-line headline.")]
TypeFlag = Annotated[
    EventType, typer.Option("--type", "-t", metavar="TYPE", help="The PLOVER type: " + _TYPES + ".")
]
ActorFlag = Annotated[
    list[str], typer.Option("--actor", "-a", metavar="ACTOR", help="Who acted (repeatable).")
]
EndFlag = Annotated[
    str | None, typer.Option("--end", metavar="DATE", help="Last day of an event that spans days.")
]
TargetFlag = Annotated[
    list[str] | None,
    typer.Option("--target", metavar="ACTOR", help="At whom it was aimed (repeatable)."),
]
SummaryFlag = Annotated[
    str | None, typer.Option("--summary", metavar="TEXT", help="A neutral description.")
]
StatusFlag = Annotated[
    Status | None,
    typer.Option(
        "--status", metavar="STATUS", help="reported (default), claimed, confirmed, disputed."
    ),
]
RespondsFlag = Annotated[
    list[str] | None,
    typer.Option("--responds-to", metavar="ID", help="An event this one answers (must exist)."),
]
SourceFlag = Annotated[
    list[str] | None,
    typer.Option("--source", "-s", metavar="URL", help="A source URL (repeatable)."),
]
PublisherFlag = Annotated[
    str | None, typer.Option("--publisher", metavar="TEXT", help="The first source's publisher.")
]
SourceTitleFlag = Annotated[
    str | None, typer.Option("--source-title", metavar="TEXT", help="The first source's title.")
]
QuoteFlag = Annotated[
    str | None, typer.Option("--quote", metavar="TEXT", help="The first source's exact words.")
]
TagFlag = Annotated[
    list[str] | None, typer.Option("--tag", metavar="TAG", help="A tag (repeatable).")
]
LocationFlag = Annotated[str | None, typer.Option("--location", metavar="TEXT", help="Place name.")]
CountryFlag = Annotated[
    str | None, typer.Option("--country", metavar="ISO3", help="ISO 3166-1 alpha-3, e.g. UKR.")
]
LatFlag = Annotated[str | None, typer.Option("--lat", metavar="DEG", help="Latitude.")]
LonFlag = Annotated[str | None, typer.Option("--lon", metavar="DEG", help="Longitude.")]
StoredJsonFlag = Annotated[bool, typer.Option("--json", help="Print the stored event as JSON.")]


@app.command(
    epilog=_examples(
        "timeline add --date 2024-08-27 --type threaten --actor belarus/president \\",
        "    --target ukraine --title 'Lukashenko warns Kyiv' --source https://example.org/a",
        "timeline add --date 'last week' --as-of 2024-08-26 --type mobilize --actor belarus \\",
        "    --title 'Belarus moves a third of its forces' \\",
        "    --source-title 'Situation Brief' --publisher 'Army Recognition'",
    ),
)
def add(
    date_: DateFlag,
    title: TitleFlag,
    type_: TypeFlag,
    actor: ActorFlag,
    file: FileOpt = DEFAULT_FILE,
    end: EndFlag = None,
    target: TargetFlag = None,
    summary: SummaryFlag = None,
    status: StatusFlag = None,
    responds_to: RespondsFlag = None,
    source: SourceFlag = None,
    publisher: PublisherFlag = None,
    source_title: SourceTitleFlag = None,
    quote: QuoteFlag = None,
    tag: TagFlag = None,
    location: LocationFlag = None,
    country: CountryFlag = None,
    lat: LatFlag = None,
    lon: LonFlag = None,
    id_: Annotated[
        str | None,
        typer.Option(
            "--id", metavar="ID", help="The id (must be new). Default: date, title, random."
        ),
    ] = None,
    as_json: StoredJsonFlag = False,
    as_of: AsOfOpt = None,
) -> None:
    """Append one event to the log (created if missing) and print its id.

    Needs a source: --source URL, or --source-title (and --publisher, if known) for print
    or broadcast.
    """
    from timeline.rules import canonical_json, make_id
    from timeline.store import display_name, lock_log

    flags = EventFlags(
        when=date_, end=end, title=title, type=type_, actors=actor, targets=target,
        summary=summary, status=status, responds_to=responds_to, sources=source,
        publisher=publisher, source_title=source_title, quote=quote, tags=tag,
        location=location, country=country, lat=lat, lon=lon,
    )  # fmt: skip
    flags.check_text()
    _no_controls("--id", id_)
    today = _today(as_of)
    obj = flags.apply({}, today=today)
    if not obj["sources"]:
        raise InputError("--source: an event needs a source: give --source URL or --source-title")
    obj["id"] = id_ or make_id(obj["date"], title)
    event = _validated(obj)
    _refuse_not_yet(event, today)
    with lock_log(file, create=True) as log:
        if id_ is not None or responds_to:
            known = _known_ids(log.raw_lines())
            if event.id in known:
                where = f"{display_name(file)}:{known[event.id]}"
                raise ConflictError(f"--id: {event.id!r} exists already ({where})")
            _check_references(event, known)
        log.append([canonical_json(event)])
    _write_after_change([canonical_json(event) if as_json else event.id],
                        done=f"added {event.id} to {display_name(file)}")  # fmt: skip


def _check_references(event: EventLike, known: Mapping[str, int]) -> None:
    missing = [ref for ref in event.responds_to if ref not in known]
    if missing:
        raise ConflictError(f"--responds-to: no event with id {missing[0]!r} in the log")


def _find_line(lines: list[RawLine], event_id: str, *, name: str) -> RawLine:
    """The one line that holds ``event_id``; an id on no line or on two is an error."""
    needle = event_id.encode()
    candidates = (line for line in lines if needle in line.data)
    found = [line for line, obj in _objects(candidates) if obj.get("id") == event_id]
    if not found:
        raise ConflictError(f"{name}: no event with id {event_id!r}")
    if len(found) > 1:
        where = ", ".join(str(line.lineno) for line in found)
        raise ConflictError(f"{name}: id {event_id!r} is on lines {where}: resolve that first")
    return found[0]


def _line_end(line: RawLine) -> bytes:
    return line.data[len(line.content) :]


@app.command(
    epilog=_examples(
        "timeline edit 2024-08-18-lukashenko-claims-120000-ukrainian-troops --status disputed",
        "timeline edit ID --summary ''    # an empty value clears a field",
        note="Every other line of the log stays byte for byte as it was.",
    ),
)
def edit(
    event_id: Annotated[str, typer.Argument(metavar="ID", help="The id of the event to change.")],
    file: FileOpt = DEFAULT_FILE,
    date_: Annotated[str | None, typer.Option("--date", "-d", metavar="DATE", help="When.")] = None,
    title: Annotated[
        str | None, typer.Option("--title", metavar="TEXT", help="A one-line headline.")
    ] = None,
    type_: Annotated[
        EventType | None,
        typer.Option("--type", "-t", metavar="TYPE", help="The PLOVER type: " + _TYPES + "."),
    ] = None,
    actor: Annotated[
        list[str] | None,
        typer.Option("--actor", "-a", metavar="ACTOR", help="Who acted (replaces the list)."),
    ] = None,
    end: EndFlag = None,
    target: TargetFlag = None,
    summary: SummaryFlag = None,
    status: StatusFlag = None,
    responds_to: RespondsFlag = None,
    source: SourceFlag = None,
    publisher: PublisherFlag = None,
    source_title: SourceTitleFlag = None,
    quote: QuoteFlag = None,
    tag: TagFlag = None,
    location: LocationFlag = None,
    country: CountryFlag = None,
    lat: LatFlag = None,
    lon: LonFlag = None,
    as_json: StoredJsonFlag = False,
    as_of: AsOfOpt = None,
) -> None:
    """Change fields of one event in place; a list flag replaces the whole list.

    The result is validated like 'add': an edit that would make the event invalid changes nothing.
    """
    from timeline.rules import canonical_json
    from timeline.store import lock_log, parse_raw_line

    _utf8("ID", event_id)
    flags = EventFlags(
        when=date_, end=end, title=title, type=type_, actors=actor, targets=target,
        summary=summary, status=status, responds_to=responds_to, sources=source,
        publisher=publisher, source_title=source_title, quote=quote, tags=tag,
        location=location, country=country, lat=lat, lon=lon,
    )  # fmt: skip
    flags.check_text()
    today = _today(as_of)
    with lock_log(file, create=False) as log:
        lines = list(log.raw_lines())
        line = _find_line(lines, event_id, name=log.name)
        current = parse_raw_line(line, source=log.name)
        event = _validated(flags.apply(current.model_dump(mode="json"), today=today))
        if event.date != current.date:
            _refuse_not_yet(event, today)
        if responds_to:
            _check_references(event, _known_ids(lines))
        if event != current:
            replacement = canonical_json(event).encode("utf-8") + _line_end(line)
            log.rewrite(replacement if raw is line else raw.data for raw in lines)
    _write_after_change([canonical_json(event) if as_json else event.id],
                        done=f"changed {event.id} in {log.name}")  # fmt: skip


@app.command(
    epilog=_examples(
        "timeline rm 2024-08-19-test-event-1a2b3c --yes",
        "timeline rm ID1 ID2 --yes --force    # even if other events respond to them",
    ),
)
def rm(
    event_ids: Annotated[list[str], typer.Argument(metavar="ID", help="Ids of events to remove.")],
    file: FileOpt = DEFAULT_FILE,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask (needed when not on a terminal).")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Remove even events that others respond to.")
    ] = False,
) -> None:
    """Remove events by id. Every other line of the log stays byte for byte as it was."""
    from timeline.store import lock_log

    for id_ in event_ids:
        _utf8("ID", id_)
    with lock_log(file, create=False) as log:
        lines = list(log.raw_lines())
        doomed = {id_: _find_line(lines, id_, name=log.name) for id_ in dict.fromkeys(event_ids)}
        gone = {line.lineno for line in doomed.values()}
        if not force:
            for line, obj in _objects(line for line in lines if line.lineno not in gone):
                refs = obj.get("responds_to")
                for ref in refs if isinstance(refs, list) else ():
                    if isinstance(ref, str) and ref in doomed:  # a bad line may hold anything
                        raise ConflictError(
                            f"{log.name}:{line.lineno}: responds to {ref!r}: "
                            "not removed (use --force to remove it anyway)"
                        )
        if not yes:
            if not sys.stdin.isatty():
                raise InputError("rm: not on a terminal: give --yes to confirm the removal")
            if not typer.confirm(
                f"Remove {_count(len(doomed), 'event')} from {log.name}?", err=True
            ):
                raise InputError("rm: nothing removed")
        log.rewrite(line.data for line in lines if line.lineno not in gone)
    done = f"removed {_count(len(doomed), 'event')} from {log.name}"
    _write_after_change(doomed, done=done)
    _say(done)


# ---------------------------------------------------------------------------- import


@app.command(
    name="import",
    epilog=_examples(
        "timeline import new-events.jsonl",
        "timeline show -f other.jsonl --actor wagner --json | timeline import -",
    ),
)
def import_(
    source: Annotated[
        str, typer.Argument(metavar="PATH|-", help="JSON Lines or one JSON array; '-' is stdin.")
    ] = "-",
    file: FileOpt = DEFAULT_FILE,
    as_of: AsOfOpt = None,
) -> None:
    """Append events from JSON Lines or a JSON array: all of them, or none if any is invalid.

    An event dated after today (or --as-of) is invalid, as 'check' reports it.
    """
    from timeline.check import not_yet
    from timeline.rules import canonical_json
    from timeline.store import STDIN, display_name, lock_log, parse_lines, read_raw_lines

    if source == STDIN and sys.stdin.isatty():  # nobody is typing JSON: say what is wanted
        raise InputError("import: give a PATH, or pipe events into standard input")
    today = _today(as_of)
    name = display_name(source)
    events: list[EventLike] = []
    seen: dict[str, int] = {}
    problems: list[LineError] = []
    raw = _progress(read_raw_lines(source), spec=source, label=f"reading {name}")
    try:
        for parsed in parse_lines(_input_lines(raw, name=name), source=name):
            event, lineno = parsed.event, parsed.line.lineno
            if event is None:
                assert parsed.error is not None  # a parsed line has an event or an error
                problems.append(parsed.error)
            elif event.id in seen:
                message = f"{event.id!r} repeats line {seen[event.id]}"
                problems.append(LineError(name, lineno, message, field="id"))
            elif (future := not_yet(event, today)) is not None:
                problems.append(LineError(name, lineno, future, field="date"))
            else:
                seen[event.id] = lineno
                events.append(event)
    except LineError as exc:  # a JSON array that ends early: nothing after the error is read
        problems.append(exc)
    if problems:
        _report_import_problems(problems, name=name)
    with lock_log(file, create=True) as log:
        known = _known_ids(log.raw_lines()) if events else {}
        for event in events:
            if event.id in known:
                message = f"{event.id!r} exists already ({log.name}:{known[event.id]})"
                problems.append(LineError(name, seen[event.id], message, field="id"))
            for ref in event.responds_to:  # to the log, or to another event of the input
                if ref not in known and ref not in seen:
                    message = f"no event with id {ref!r} in {log.name} or the input"
                    problems.append(LineError(name, seen[event.id], message, field="responds_to"))
        if problems:
            _report_import_problems(problems, name=name)
        log.append([canonical_json(event) for event in events])
    done = f"imported {_count(len(events), 'event')} into {log.name}"
    _write_after_change((event.id for event in events), done=done)
    _say(done)


def _report_import_problems(problems: list[LineError], *, name: str) -> NoReturn:
    for problem in sorted(problems, key=lambda p: p.lineno):
        for message in problem.messages():
            _say(message)
    _fail(f"timeline: nothing imported: {_count(len(problems), 'problem')} in {name}")


def _input_lines(lines: Iterable[RawLine], *, name: str) -> Iterator[RawLine]:
    """Lines of JSON Lines input; a JSON array is split into one line per element."""
    from timeline.store import BOM, split_json_array

    buffered = iter(lines)
    for line in buffered:
        if line.is_blank:
            continue
        first = line.data.removeprefix(BOM) if line.lineno == 1 else line.data
        if first.lstrip().startswith(b"["):
            data = first + b"".join(rest.data for rest in buffered)
            yield from split_json_array(data, first_lineno=line.lineno, source=name)
            return
        yield line
        yield from buffered
        return


# ---------------------------------------------------------------------------- diff


def _replayable(spec: str) -> Callable[[], Iterator[RawLine]]:
    """A way to read a side of a diff twice; standard input is kept in memory for that."""
    from timeline.store import STDIN, STDIN_NAME, display_name, iter_raw_lines, read_any_lines

    if spec != STDIN:
        label = f"reading {display_name(spec)}"
        return lambda: _progress(read_any_lines(spec), spec=spec, label=label)
    data = sys.stdin.buffer.read()
    return lambda: iter_raw_lines(io.BytesIO(data), name=STDIN_NAME)


def _digests(
    lines: Iterable[RawLine],
    *,
    source: str,
    strict: bool,
    unreadable: list[tuple[int, str | None]],
) -> Iterator[tuple[str, int]]:
    """Each valid event's id and a hash of its canonical form (bad lines are warned about, and
    those whose id can be read go into ``unreadable``)."""
    from timeline.rules import canonical_json

    for parsed in _valid_lines(lines, source=source, strict=strict, unreadable=unreadable):
        event = parsed.event
        assert event is not None  # _valid_lines yields only lines with an event
        canonical = parsed.line.content if parsed.canonical else canonical_json(event).encode()
        yield event.id, hash(canonical)


def _by_id(events: Iterable[tuple[int, EventLike]], *, name: str) -> dict[str, EventLike]:
    """The events by id, from (line number, event) pairs; a repeated id keeps its last event."""
    keyed: dict[str, EventLike] = {}
    first: dict[str, int] = {}
    for lineno, event in events:
        if event.id in keyed:
            where = f"line {first[event.id]}"
            _say(f"{name}:{lineno}: id {event.id!r} is also on {where}: comparing the last one")
        first.setdefault(event.id, lineno)
        keyed[event.id] = event
    return keyed


@app.command(
    epilog=_examples(
        "timeline diff HEAD~1:data/events.jsonl data/events.jsonl",
        "timeline diff main:data/events.jsonl data/events.jsonl --stat",
        "timeline diff old.jsonl new.jsonl --actor belarus --json | jq -r .op",
        note=(
            "Exit status: 0 no differences, 1 differences, 2 error (as diff(1)); also 2 when a "
            "line is not a valid event, after showing what could be compared."
        ),
    ),
)
def diff(
    old: Annotated[
        str, typer.Argument(metavar="OLD", help="The old log: a path, '-', or REV:PATH (git).")
    ],
    new: Annotated[
        str, typer.Argument(metavar="NEW", help="The new log: a path, '-', or REV:PATH (git).")
    ],
    stat: Annotated[bool, typer.Option("--stat", help="Only count the changes.")] = False,
    actor: ActorOpt = None,
    target: TargetOpt = None,
    involving: InvolvingOpt = None,
    type_: TypeOpt = None,
    tag: TagOpt = None,
    status: StatusOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    text: TextOpt = None,
    id_: IdOpt = None,
    as_json: JsonOpt = False,
    strict: StrictOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Show what changed between two versions of a log: events added, removed and changed.

    Events are matched by id and compared field by field, so key order, line order and
    defaults written out or left out are not changes. Filters keep the events that match on
    either side.
    """
    import json

    from timeline import render
    from timeline.diff import diff_events, differing_ids
    from timeline.diff import stat as count
    from timeline.query import Filter, Prefilter, matches
    from timeline.store import display_name, parse_lines

    if old == new == "-":
        raise InputError("only one side can be '-' (stdin)")
    flt = _build_filter(
        actors=actor, targets=target, involving=involving, types=type_, tags=tag,
        statuses=status, since=since, until=until, texts=text, ids=id_, as_of=as_of,
    )  # fmt: skip
    sides = [_replayable(spec) for spec in (old, new)]
    names = [display_name(old), display_name(new)]
    # Pass 1: a digest per id, so that only events that differ are ever kept in memory.
    unreadable: list[list[tuple[int, str | None]]] = [[], []]
    digests = dict(_digests(sides[0](), source=names[0], strict=strict, unreadable=unreadable[0]))
    differing = differing_ids(
        digests, _digests(sides[1](), source=names[1], strict=strict, unreadable=unreadable[1])
    )
    del digests
    # An event whose line cannot be read on one side is neither added nor removed: unknown.
    for name, bad in zip(names, unreadable, strict=True):
        for lineno, event_id in bad:
            if event_id in differing:
                differing.discard(event_id)
                _say(f"{name}:{lineno}: {event_id!r} is not compared: its line is not valid")
    # Pass 2: the events of those ids, from both sides.
    want = Prefilter(Filter(ids=tuple(differing)))
    before, after = (
        _by_id(
            (
                (p.line.lineno, p.event)
                for p in parse_lines(lines(), source=name, want=want)
                if p.event is not None and p.event.id in differing
            ),
            name=name,
        )
        if differing
        else {}
        for lines, name in zip(sides, names, strict=True)
    )
    changes = diff_events(before, after)
    if not flt.is_empty:
        changes = [
            c for c in changes
            if any(e is not None and matches(e, flt) for e in (c.before, c.after))
        ]  # fmt: skip
    totals = count(changes)
    if stat:
        if as_json:
            record = {"added": totals.added, "removed": totals.removed, "changed": totals.changed}
            _write_lines([json.dumps(record)])
        else:
            _write_lines([render.stat_label(totals.added, totals.removed, totals.changed)])
    elif as_json:
        _write_lines(render.diff_json_lines(changes))
    else:
        _console().print(render.diff_view(changes, totals), soft_wrap=True)
    if any(unreadable):  # the answer is incomplete: trouble, as diff(1) says it
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FOUND if totals.total else EXIT_OK)


# ---------------------------------------------------------------------------- check


@app.command(
    epilog=_examples(
        "timeline check",
        "timeline check -f other.jsonl --strict --json | jq -r .message",
        note="Exit status: 0 clean, 1 problems found, 2 the log cannot be read.",
    ),
)
def check(
    file: FileOpt = DEFAULT_FILE,
    as_json: JsonOpt = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Count warnings as problems (exit 1).")
    ] = False,
    as_of: AsOfOpt = None,
) -> None:
    """Find every problem in a log, one line each, like a compiler. Never changes the log.

    Errors: lines that are not JSON objects or not valid events (each bad field), duplicate ids,
    responds_to pointing nowhere, dates after --as-of. Warnings: a claim that a reject answers
    but whose status is not 'disputed', a last line without a newline.
    """
    import json

    from timeline.check import Severity, check_lines
    from timeline.store import display_name, parse_lines, read_any_lines
    from timeline.text import json_safe, visible

    name = display_name(file)
    lines = _progress(read_any_lines(file), spec=file, label=f"checking {name}")
    problems = check_lines(parse_lines(lines, source=name), as_of=_today(as_of))
    if as_json:
        _write_lines(json_safe(json.dumps(p.record(name), ensure_ascii=False)) for p in problems)
    else:
        _write_lines(visible(p.text(name)) for p in problems)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    _say(f"{name}: {_count(errors, 'error')}, {_count(warnings, 'warning')}")
    raise typer.Exit(EXIT_FOUND if errors or (strict and warnings) else EXIT_OK)


# ---------------------------------------------------------------------------- schema


@app.command(epilog=_examples("timeline schema | jq '.properties | keys'"))
def schema() -> None:
    """Print the JSON Schema of an event."""
    import json

    from timeline.model import Event

    _write_lines([json.dumps(Event.model_json_schema(), indent=2, ensure_ascii=False)])


def main() -> None:
    """Entry point of the ``timeline`` command and of ``python -m timeline``."""
    # A short-lived process whose data hold no reference cycles: the cyclic collector would only
    # rescan the millions of live objects a large log makes (about 15% of a full read).
    gc.disable()
    if sys.stderr is None:  # closed (2>&-): messages are lost, the work is not
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    if sys.stdin is None:  # closed (<&-): reads as empty
        sys.stdin = open(os.devnull)  # noqa: SIM115 - for the life of the process
    if sys.stdout is None:  # closed (>&-): refuse before doing anything
        _say("timeline: cannot write to standard output: it is closed")
        sys.exit(EXIT_ERROR)
    try:
        app(prog_name="timeline")
    except Exception as exc:  # the last resort: a bug must not print a traceback
        if os.environ.get("TIMELINE_TRACEBACK"):
            raise
        _say(
            f"timeline: internal error ({type(exc).__name__}: {exc}); please report it, "
            "with TIMELINE_TRACEBACK=1 set for the details"
        )
        sys.exit(EXIT_ERROR)
