"""Linting a log: every problem of every line, found in one pass over the parsed lines."""

from __future__ import annotations

import contextlib
import enum
import functools
import heapq
import itertools
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from timeline.log import parallel
from timeline.log.aside import aside_files
from timeline.log.decoding import object_id
from timeline.log.files import snapshot
from timeline.log.lines import RawLine
from timeline.log.sources import read_any_lines
from timeline.log.spool import Spool
from timeline.parsing import InvalidLine, ParsedLine, parse_lines
from timeline.rules import EventLike
from timeline.text import short_repr
from timeline.vocab import EventType, Status

if TYPE_CHECKING:
    from timeline.actors import Registry


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"  # worth knowing, never a problem: reported with --strict only


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one line."""

    lineno: int
    severity: Severity
    message: str
    field: str | None = None
    source: str | None = None  # another file than the log (the actor registry)


def not_yet(event: EventLike, as_of: date) -> str | None:
    """Why an event cannot be in a log on ``as_of``: it begins later. The writers (``add``,
    ``edit``, ``import``) refuse what ``check`` would report."""
    if event.date > as_of:
        return f"{event.date.isoformat()} is after {as_of.isoformat()} (--as-of)"
    return None


def check_lines(
    lines: Iterable[ParsedLine],
    *,
    as_of: date,
    registry: Registry | None = None,
    unused: bool = False,
) -> Iterator[Problem]:
    """Every problem in a log, in line order: bad lines, duplicate ids, dangling references,
    future dates, claims rejected but not marked disputed, and a torn last line. With a
    ``registry``, actors drifting from it too (see ``actor_drift``); with ``unused`` as well,
    the registry's actors that no event names, after the log's problems.

    Memory grows with the log's valid events (their ids) and its actors, not with its bad lines.
    """
    return check_logs([(None, lines)], as_of=as_of, registry=registry, unused=unused)


_LINE_BITS = 40  # a place: the file's index above these bits, the line's number in them
_LINE_MASK = (1 << _LINE_BITS) - 1

Held = tuple[int, str, "str | None", "Severity"]
"""A problem found as its line was read: the line's number, the message, the field, and
whether it is an error or a warning."""


@dataclass(slots=True)
class LineFacts:
    """What ``check`` learns from a run of consecutive lines of one log, each line on its own
    (numbered from 1 in the run): the problems found there go to a spool (``Held``), the rest
    is what only the whole log can judge. One reader makes it for a small log, one worker for
    each range of a large one (``check_file``)."""

    lines: int = 0  # how many lines the run holds, blank ones too (when its reader counts them)
    ids: list[str] = field(default_factory=list)  # each valid event's id, in line order
    id_lines: array[int] = field(default_factory=lambda: array("q"))
    actors: dict[str, tuple[int, str]] = field(default_factory=dict)  # first line, field
    # each answer's line and the id it answers, of those the run cannot find in itself: one
    # that answers an event of the run is found (``settle``), and held no longer
    reference_lines: array[int] = field(default_factory=lambda: array("q"))
    references: list[str] = field(default_factory=list)
    claims: dict[str, int] = field(default_factory=dict)
    rejections: list[tuple[int, str, str]] = field(default_factory=list)  # line, id, claim
    torn: int = 0  # the last line, when it has no newline
    # The ids of bad lines that are JSON objects: an answer to one is not an answer to nothing
    # (add and import let an event answer it, and its line's problems are reported as they are)
    bad_line_ids: set[str] = field(default_factory=set)

    def settle(self) -> None:
        """Forget the answers to events of the run itself, once it is read: whatever else the
        log holds, those events are there. A log mostly answers what it holds already, and
        each answer held cost ``check`` about 290 bytes until the end."""
        if not self.references:
            return
        known = set(self.ids)
        left = [at for at, ref in enumerate(self.references) if ref not in known]
        self.reference_lines = array("q", (self.reference_lines[at] for at in left))
        self.references = [self.references[at] for at in left]


def line_facts(
    lines: Iterable[ParsedLine], held: Spool[Held], *, as_of: date, actors: bool
) -> LineFacts:
    """The facts of a run of parsed lines; the problems of single lines go to ``held``, in
    line order. ``actors``: note where each actor first appears (for a registry's check)."""
    facts = LineFacts()
    note = _noting(facts, held, as_of=as_of, actors=actors)
    last = None
    for parsed in lines:
        last = parsed
        _note_parsed(parsed, note, held, facts)
    if last is not None and not last.line.is_complete:
        facts.torn = last.line.lineno
    facts.settle()
    return facts


HALF_POINT = "lat without lon, or lon without lat: no map can place half a point"


def _noting(
    facts: LineFacts, held: Spool[Held], *, as_of: date, actors: bool
) -> Callable[[int, EventLike], None]:
    """What notes a valid event and its line's number in ``facts`` (its problems in ``held``)."""
    hold = held.add
    ids, id_lines, references = facts.ids, facts.id_lines, facts.references
    reference_lines = facts.reference_lines

    def note(lineno: int, event: EventLike) -> None:
        ids.append(event.id)
        id_lines.append(lineno)
        if (future := not_yet(event, as_of)) is not None:
            hold((lineno, future, "date", Severity.ERROR))
        location = event.location
        if location is not None and (location.lat is None) != (location.lon is None):
            hold((lineno, HALF_POINT, "location", Severity.WARNING))
        if actors:
            for field_name, named in (("actors", event.actors), ("targets", event.targets)):
                for actor in named:
                    facts.actors.setdefault(actor, (lineno, field_name))
        if event.responds_to:
            references.extend(event.responds_to)
            reference_lines.extend([lineno] * len(event.responds_to))
            if event.type is EventType.REJECT:
                facts.rejections.extend((lineno, event.id, ref) for ref in event.responds_to)
        if event.status is Status.CLAIMED:
            facts.claims[event.id] = lineno

    return note


def _note_parsed(
    parsed: ParsedLine, note: Callable[[int, EventLike], None], held: Spool[Held], facts: LineFacts
) -> None:
    lineno = parsed.line.lineno
    if isinstance(parsed, InvalidLine):
        for name, message in parsed.error.problems:
            held.add((lineno, message, name, Severity.ERROR))
        answerable = object_id(parsed.line)
        if answerable is not None:
            facts.bad_line_ids.add(answerable)
    else:
        if parsed.form is None:  # read by the model, which reads an actor in its own form
            for name, stored, read in _read_otherwise(parsed.line):
                message = f"{short_repr(stored)} is read as {read!r}: store it so"
                held.add((lineno, message, name, Severity.WARNING))
        note(lineno, parsed.event)


def _read_otherwise(line: RawLine) -> Iterator[tuple[str, str, str]]:
    """Each actor of a valid line stored otherwise than it is read (``CSTO``, ``a b``, a
    control character the id drops), and its country code (``ukr``): its field, as stored,
    and as read (``normalize_actor``, upper case), as every reader and a rewrite show it."""
    import msgspec

    from timeline.log.lines import BOM
    from timeline.rules import normalize_actor

    obj = msgspec.json.decode(line.content.removeprefix(BOM) if line.starts_log else line.content)
    for name in ("actors", "targets"):
        for stored in obj.get(name) or ():
            read = normalize_actor(stored)  # valid: the model read it
            if read != stored:
                yield name, stored, read
    where = obj.get("location")
    country = where.get("country") if isinstance(where, dict) else None
    if isinstance(country, str) and country != country.upper():
        yield "location.country", country, country.upper()


@dataclass(frozen=True, slots=True)
class _Files:
    """The files of a check, and how a problem names a line of one (``None``: the one log,
    named by the view)."""

    names: Sequence[str | None]

    def problem(
        self, place: int, severity: Severity, message: str, field: str | None = None
    ) -> Problem:
        lineno = place & _LINE_MASK
        return Problem(lineno, severity, message, field, self.names[place >> _LINE_BITS])

    def line(self, place: int, *, seen_from: int) -> str:
        """'line 5', or 'line 5 of a.jsonl' when seen from another file."""
        lineno, name = place & _LINE_MASK, self.names[place >> _LINE_BITS]
        same = place >> _LINE_BITS == seen_from >> _LINE_BITS
        return f"line {lineno}" if same or name is None else f"line {lineno} of {name}"


def check_logs(
    logs: Sequence[tuple[str | None, Iterable[ParsedLine]]],
    *,
    as_of: date,
    registry: Registry | None = None,
    unused: bool = False,
) -> Iterator[Problem]:
    """``check_lines`` over several logs read as one, each given with its name (which every
    problem of its lines carries as its ``source``): an id in two of them is a duplicate, and a
    response may answer an event of another. Problems come file by file, in line order."""
    # Problems found line by line wait in a spool, in line order, until those that only the end
    # of the logs can tell (dangling references, rejected claims) are known: so a log of
    # millions of bad lines is checked in bounded memory.
    with contextlib.ExitStack() as stack:
        actors = registry is not None
        runs = [(name, _one_run(lines, stack, as_of=as_of, actors=actors)) for name, lines in logs]
        yield from check_facts(runs, registry=registry, unused=unused)


def _one_run(
    lines: Iterable[ParsedLine], stack: contextlib.ExitStack, *, as_of: date, actors: bool
) -> list[tuple[LineFacts, Iterable[Held]]]:
    """A log read by one reader, as one run of lines, its problems held in a spool that lasts
    as long as ``stack``."""
    held = stack.enter_context(Spool[Held]())
    return [(line_facts(lines, held, as_of=as_of, actors=actors), held)]


def check_files(
    logs: Sequence[tuple[str, str | None]],
    *,
    as_of: date,
    registry: Registry | None = None,
    unused: bool = False,
    read: Callable[[str], Iterable[RawLine]] = read_any_lines,
    watch: Callable[[str], AbstractContextManager[parallel.Progress | None]] | None = None,
) -> Iterator[Problem]:
    """``check_logs`` over logs given as their specs (a path, ``-``, ``REV:PATH``), each with
    the name its problems carry (see ``check_logs``): a large log file is read on every core
    (``log.parallel``), any other with ``read``. ``watch(spec)`` may give what to tell how
    many bytes of a large log its workers have read."""
    actors = registry is not None
    with contextlib.ExitStack() as stack:
        runs = []
        for spec, name in logs:
            told = watch(spec) if watch is not None else contextlib.nullcontext()
            read_runs = _runs_on_every_core(spec, stack, told, as_of=as_of, actors=actors)
            if read_runs is None:
                lines = parse_lines(read(spec), source=name or spec)
                read_runs = _one_run(lines, stack, as_of=as_of, actors=actors)
            runs.append((name, read_runs))
        yield from check_facts(runs, registry=registry, unused=unused)


def _runs_on_every_core(
    spec: str,
    stack: contextlib.ExitStack,
    told: AbstractContextManager[parallel.Progress | None],
    *,
    as_of: date,
    actors: bool,
) -> list[tuple[LineFacts, Iterable[Held]]] | None:
    """The facts of a large log file's ranges, each read by a worker that spools the problems
    it holds into a file the caller reads back; None for a log that one reader reads best."""
    if not parallel.is_large(spec):
        return None
    snap = stack.enter_context(snapshot(spec))
    ranges = parallel.ranges(snap)
    if ranges is None:
        return None
    spools = dict(
        zip(
            (start for start, _ in ranges),
            stack.enter_context(aside_files(len(ranges))),
            strict=True,
        )
    )
    work = functools.partial(_range_facts, as_of=as_of, actors=actors, spools=spools)
    with told as progress:
        parts = parallel.map_ranges(work, snap.fd, ranges, progress=progress)
    return [
        (facts, stack.enter_context(Spool[Held](spools[start])))
        for facts, (start, _) in zip(parts, ranges, strict=True)
    ]


def _range_facts(
    fd: int, start: int, end: int, *, as_of: date, actors: bool, spools: Mapping[int, int]
) -> LineFacts:
    """``line_facts`` of one byte range of a log: the work of one parallel worker. A line the
    fast path reads (most lines of any log) is noted at once, in a loop of its own over each
    block's lines; any other (blank, bad, or one only the model reads) through ``parse_lines``."""
    from timeline.fastpath import read_line

    facts = LineFacts()
    with Spool[Held](spools[start]) as held:
        note = _noting(facts, held, as_of=as_of, actors=actors)

        def through_parser(lineno: int, data: bytes, offset: int) -> bool:
            """Whether the line holds something: an event, or a problem noted."""
            found = False
            for parsed in parse_lines([RawLine(lineno, data, offset)], source=""):
                _note_parsed(parsed, note, held, facts)
                found = True
            return found

        lineno, offset = 0, start
        for contents, last in parallel.block_lines(fd, start, end):
            for content in contents:
                lineno += 1
                read = read_line(content[:-1] if content.endswith(b"\r") else content)
                if read is not None:
                    note(lineno, read[0])
                else:
                    through_parser(lineno, content + b"\n", offset)
                offset += len(content) + 1
            if last:
                lineno += 1
                if through_parser(lineno, last, offset):
                    facts.torn = lineno  # a last line that holds something, without a newline
        held.flush()
    facts.lines = lineno
    facts.settle()
    return facts


def check_facts(
    logs: Sequence[tuple[str | None, Sequence[tuple[LineFacts, Iterable[Held]]]]],
    *,
    registry: Registry | None = None,
    unused: bool = False,
) -> Iterator[Problem]:
    """The problems of logs given as the facts of their runs of lines (each with the problems
    held while it was read), every run's lines following those of the run before it."""
    files = _Files([name for name, _ in logs])
    placed_runs: list[tuple[int, LineFacts]] = []  # each run with the place of its line 0
    actors: dict[str, tuple[int, str]] = {}  # each actor's first place, and the field there
    references: list[tuple[int, str]] = []
    rejections: list[tuple[int, str, str]] = []
    torn: list[int] = []  # the last line of each file that has no newline
    bad_line_ids: set[str] = set()
    held_runs: list[Iterator[tuple[int, Problem]]] = []
    for index, (_, runs) in enumerate(logs):
        before = index << _LINE_BITS  # the place of the run's line 0
        for facts, held in runs:
            placed_runs.append((before, facts))
            for actor, (lineno, field_name) in facts.actors.items():
                actors.setdefault(actor, (before + lineno, field_name))
            references.extend(
                (before + lineno, ref)
                for lineno, ref in zip(facts.reference_lines, facts.references, strict=True)
            )
            rejections.extend(
                (before + at, rejecting, ref) for at, rejecting, ref in facts.rejections
            )
            if facts.torn:
                torn.append(before + facts.torn)
            bad_line_ids |= facts.bad_line_ids
            held_runs.append(_placed(held, before, files))
            before += facts.lines
    ids, twice = _ids(placed_runs, files)
    found_late: list[tuple[int, Problem]] = []
    where = "in the log" if len(logs) == 1 else "in the logs"
    found_late.extend(
        (place, files.problem(place, Severity.ERROR, f"no event with id {ref!r} {where}",
                              "responds_to"))
        for place, ref in references
        if ref not in ids and ref not in bad_line_ids
    )  # fmt: skip
    claims: dict[str, int] = {}  # the place of each rejected claim (the last, for an id twice)
    rejected = {ref for _, _, ref in rejections}
    for before, facts in placed_runs:  # a log claims far more than it rejects
        claims.update((ref, before + facts.claims[ref]) for ref in rejected & facts.claims.keys())
    warned: set[str] = set()
    for place, rejecting, ref in rejections:
        if ref in claims and ref not in warned:
            warned.add(ref)
            at = claims[ref]
            message = (
                f"'claimed', but {rejecting!r} ({files.line(place, seen_from=at)}) rejects "
                "it: mark it 'disputed'?"
            )
            found_late.append((at, files.problem(at, Severity.WARNING, message, "status")))
    message = "last line has no newline (a write cut short?)"
    found_late.extend((at, files.problem(at, Severity.WARNING, message)) for at in torn)
    if registry is not None:
        found_late.extend(actor_drift(actors, registry, files=files))
    found_late.sort(key=_place_of)  # stable: on one line, in the order found
    # On one line, a repeated id comes first, then the problems found as the line was read,
    # then the others (merge is stable).
    held_problems = itertools.chain.from_iterable(held_runs)
    merged = heapq.merge(twice, held_problems, found_late, key=_place_of)
    yield from (problem for _, problem in merged)
    if registry is not None and unused:
        yield from unused_actors(actors, registry)


def _ids(
    runs: Sequence[tuple[int, LineFacts]], files: _Files
) -> tuple[set[str], list[tuple[int, Problem]]]:
    """Every id of the runs (each given with the place of its line 0), and an error for each
    line whose id an earlier line has, in line order."""
    ids: set[str] = set()
    for _, facts in runs:
        ids.update(facts.ids)
    if len(ids) == sum(len(facts.ids) for _, facts in runs):
        return ids, []  # each id once, as in most logs: told in C, without a place for each
    first_line: dict[str, int] = {}  # each id's place (see _LINE_BITS)
    twice: list[tuple[int, Problem]] = []
    for before, facts in runs:
        for lineno, event_id in zip(facts.id_lines, facts.ids, strict=True):
            place = before + lineno
            first = first_line.setdefault(event_id, place)
            if first != place:
                message = f"{event_id!r} is also the id on {files.line(first, seen_from=place)}"
                twice.append((place, files.problem(place, Severity.ERROR, message, "id")))
    return ids, twice


def _placed(held: Iterable[Held], before: int, files: _Files) -> Iterator[tuple[int, Problem]]:
    for lineno, message, field_name, severity in held:
        place = before + lineno
        yield place, files.problem(place, severity, message, field_name)


def actor_drift(
    actors: Mapping[str, tuple[int, str]], registry: Registry, *, files: _Files | None = None
) -> list[tuple[int, Problem]]:
    """Warnings for the log's actors (each with its first place and field) that drift from
    ``registry``: one it does not hold, and two ids so alike they are probably one actor (unless
    the registry holds both: then they are two on purpose); each with its place."""
    from timeline.actors import similar_pairs

    files = files or _Files([None])
    found = [
        (place, files.problem(place, Severity.WARNING, registry.unknown(actor), field))
        for actor, (place, field) in actors.items()
        if not registry.knows(actor)
    ]
    for first, second in similar_pairs(actors):
        if registry.knows(first) and registry.knows(second):
            continue
        (place_a, _), (place_b, field) = actors[first], actors[second]
        message = (
            f"{second!r} ({files.line(place_b, seen_from=place_b)}) and {first!r} "
            f"({files.line(place_a, seen_from=place_b)}) are probably one actor: "
            f"'timeline actors rename' one to the other"
        )
        found.append((place_b, files.problem(place_b, Severity.WARNING, message, field)))
    return found


def unused_actors(actors: Mapping[str, tuple[int, str]], registry: Registry) -> Iterator[Problem]:
    """A note for each actor of ``registry`` that no event names, at its table's line."""
    for actor in registry.actors.values():
        if actor.id not in actors:
            message = f"[{actor.id}] is not used by any event"
            yield Problem(actor.line or 0, Severity.INFO, message, source=registry.source)


def _place_of(found: tuple[int, Problem]) -> int:
    return found[0]
