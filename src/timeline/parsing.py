"""A log's lines as events: the fast decoder for canonical lines, the model for the rest, and
a located error for every line that holds no valid event."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from timeline.errors import LineError
from timeline.log.decoding import LONE_SURROGATE, decode_json_object, without_lone_surrogates
from timeline.log.lines import BOM, RawLine

if TYPE_CHECKING:
    from timeline.model import Event
    from timeline.rules import EventLike


class ValidLine(NamedTuple):
    """A line that holds a valid event."""

    line: RawLine
    event: EventLike
    canonical: bool = False  # the line is the event's canonical form, byte for byte
    form: bytes | None = None  # the event's canonical form, when the fast path has it at hand


class InvalidLine(NamedTuple):
    """A non-blank line that holds no valid event, and the error that says why."""

    line: RawLine
    error: LineError


ParsedLine = ValidLine | InvalidLine


def parse_raw_line(line: RawLine, *, source: str) -> Event:
    """The validated event on a non-blank line; raises ``LineError`` naming every bad field."""
    from pydantic import ValidationError

    from timeline.model import Event, describe_validation_error

    obj = decode_json_object(
        line.content, source=source, lineno=line.lineno, starts_log=line.starts_log
    )
    # A lone surrogate is a problem of its field, and the model judges the line's other fields
    # as well, on a copy with the escape written out in its place (pydantic cannot read one
    # everywhere: in a date, say): a user learns of every bad field at once.
    obj, surrogates = without_lone_surrogates(line.content, obj)
    try:
        event = Event.model_validate(obj)
    except ValidationError as exc:
        problems = describe_validation_error(exc)
    else:
        if not surrogates:
            return event
        problems = []
    problems = [(path, LONE_SURROGATE) for path in surrogates] + [
        (path, message) for path, message in problems if path not in surrogates
    ]
    raise LineError.from_problems(source, line.lineno, problems)


def parse_lines(
    lines: Iterable[RawLine], *, source: str, want: Callable[[bytes], bool] | None = None
) -> Iterator[ParsedLine]:
    """Each non-blank line, parsed; a bad line is passed on with its error, never dropped.

    ``want`` (a prefilter on the raw bytes) may pass over lines the caller cannot use, unparsed.
    """
    from timeline.fastpath import read_line

    for line in lines:
        content = line.content
        if not content or content.isspace() or (want is not None and not want(content)):
            continue
        read = read_line(content)
        if read is not None:
            event, form = read
            yield ValidLine(line, event, form is content, form)
            continue
        if line.starts_log and content.startswith(BOM) and not content[len(BOM) :].strip():
            continue  # a byte order mark and nothing else: a blank line (an editor's empty log)
        try:
            yield ValidLine(line, parse_raw_line(line, source=source))
        except LineError as exc:
            yield InvalidLine(line, exc)


def with_torn_note(error: LineError, *, complete: bool) -> LineError:
    """``error``, saying so when its line is a last line without a newline."""
    if not complete:
        field, message = error.problems[-1]
        error.problems[-1] = (field, message + " (last line has no newline: a write cut short?)")
    return error


def valid_lines(
    lines: Iterable[RawLine],
    *,
    source: str,
    strict: bool,
    on_invalid: Callable[[InvalidLine], None],
    want: Callable[[bytes], bool] | None = None,
) -> Iterator[ValidLine]:
    """The lines that hold valid events, in file order. Each bad line goes to ``on_invalid``
    (its error says so when the line is torn); with ``strict``, the first is raised instead."""
    for parsed in parse_lines(lines, source=source, want=want):
        if isinstance(parsed, ValidLine):
            yield parsed
            continue
        with_torn_note(parsed.error, complete=parsed.line.is_complete)
        if strict:
            raise parsed.error
        on_invalid(parsed)
