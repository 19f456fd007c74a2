"""``timeline import``: append events from JSON Lines or a JSON array, all or none."""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from timeline.cli.logs import write_log
from timeline.cli.options import ActorsOpt, AsOfOpt, FileOpt, examples

_UNKNOWN_SAID = 5  # actors the registry lacks, said a line each; the rest counted

if TYPE_CHECKING:
    from timeline.actors import Registry
    from timeline.importing import OnProblem, Resolver

EXAMPLES = examples(
    "timeline import new-events.jsonl",
    "timeline import export.jsonl --skip-invalid    # the valid events now, the rest reported",
    "timeline show --actor ukraine --json | timeline import - -f ukr.jsonl --drop-missing-links",
)


def import_(
    source: Annotated[
        str,
        typer.Argument(
            metavar="PATH|-",
            help="JSON Lines, one JSON array, or objects printed over many lines (jq without "
            "-c); '-' is stdin.",
        ),
    ] = "-",
    files: FileOpt = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import the valid events and report the rest (exit 1), instead of none.",
        ),
    ] = False,
    drop_missing_links: Annotated[
        bool,
        typer.Option(
            "--drop-missing-links",
            help="Drop responses to events in neither the log nor the input, with a note each.",
        ),
    ] = False,
    as_of: AsOfOpt = None,
    actors: ActorsOpt = None,
) -> None:
    """Append events from JSON Lines or JSON: all of them, or none if any is invalid.

    An event dated after today (or --as-of) is invalid, as 'check' reports it.
    """
    import heapq
    from collections.abc import Iterable, Iterator
    from os.path import isfile

    from timeline.cli.exits import EXIT_FOUND, fail, say
    from timeline.cli.output import count, emit_after_change, progress
    from timeline.cli.registry import load_registry, refuse_changed
    from timeline.errors import InputError, LineError
    from timeline.importing import Resolver, final_lines, input_lines, review, stage, without
    from timeline.log.decoding import KnownIds, known_ids
    from timeline.log.files import cannot_write, lock_log, open_input, read_raw_lines, staging_file
    from timeline.log.lines import STDIN, display_name
    from timeline.log.spool import Spool
    from timeline.userinput import today

    file = write_log(files, "import")
    if not source:
        raise InputError("import: the input's file name is empty: give a path, or - for stdin")
    if source == STDIN and sys.stdin.isatty():  # nobody is typing JSON: say what is wanted
        raise InputError("import: give a PATH, or pipe events into standard input")
    as_of_day = today(as_of)
    registry = load_registry(actors, file)
    name = display_name(source)
    resolve = Resolver(registry) if registry is not None else None

    def tell(problem: LineError) -> None:
        for message in problem.messages():
            say(message)

    def refuse(lines_with: int) -> None:
        # a count of lines, where the messages above may be several a line (check counts those)
        fail(f"timeline: nothing imported: {count(lines_with, 'line')} with problems in {name}")

    # Problems wait in spools (in line order, on disk past a size), to be said with those found
    # against the log, in line order.
    Problems = Spool[tuple[int, list[tuple[str | None, str]]]]  # (line, [(field, message)])
    with contextlib.ExitStack() as stack:
        found = stack.enter_context(Problems())
        conflicts = stack.enter_context(Problems())

        def hold(spool: Problems) -> OnProblem:
            return lambda problem: spool.add((problem.lineno, problem.problems))

        def tell_all(told: Iterable[tuple[int, LineError | str]]) -> int:
            """Say each problem, or note, in turn (line order); how many lines had problems (a
            line's may be held in both spools, and elements of an array share a line)."""
            lines_with, last = 0, None
            for lineno, item in told:
                if isinstance(item, str):  # a link dropped: a note, not a problem
                    say(item)
                    continue
                tell(item)
                lines_with += lineno != last
                last = lineno
            return lines_with

        def tell_in_line_order() -> int:
            """Say the problems held, in line order; how many lines had problems."""
            merged = heapq.merge(found, conflicts, key=lambda held: held[0])  # stable: found first
            return tell_all((n, LineError.from_problems(name, n, p)) for n, p in merged)

        staging = stack.enter_context(staging_file(file))
        with open_input(source) as fh, cannot_write(file):
            lines = input_lines(fh, name=name, on_problem=hold(found))
            lines = progress(lines, spec=source, label=f"reading {name}")
            staged = stage(
                lines, staging, name=name, as_of=as_of_day, on_problem=hold(found),
                resolve=resolve,
            )  # fmt: skip
        if found.count and not skip_invalid:  # checked against the log too: every problem said
            known = known_ids(read_raw_lines(file)) if staged.lines and isfile(file) else KnownIds()
            review(
                staged, known, name=name, log=display_name(file),
                drop_missing_links=drop_missing_links, on_problem=hold(conflicts),
                on_note=lambda *_: None,  # nothing is imported: no link is dropped
            )  # fmt: skip
            refuse(tell_in_line_order())
        if not staged.lines:  # no valid event: no log is made for it
            if not found.count:
                say(f"timeline: {name} holds no events: nothing imported")
                return
            bad_lines: set[int] = set()  # --skip-invalid, and every line has a problem
            for bad_line, its_problems in found:
                tell(LineError.from_problems(name, bad_line, its_problems))
                bad_lines.add(bad_line)
            skipped = count(len(bad_lines), "line")
            say(f"timeline: nothing imported; skipped {skipped} with problems")
            raise typer.Exit(EXIT_FOUND)
        # Every problem is told once the lock is let go: a slow reader of stderr (a pager)
        # keeps no other command waiting.
        notes: list[tuple[int, str]] = []  # links dropped: told in line order, below
        dropped: set[str] = set()
        cascaded: list[LineError] = []

        def tell_held() -> int:
            """Say the problems and notes held, in line order; how many lines had problems."""
            if not (found.count or conflicts.count):
                for _, note in notes:
                    say(note)
                return 0
            merged = heapq.merge(
                (LineError.from_problems(name, n, p) for n, p in found),
                (LineError.from_problems(name, n, p) for n, p in conflicts),
                cascaded,
                key=lambda problem: problem.lineno,
            )  # stable: on one line, in the order found
            problems: Iterator[tuple[int, LineError | str]] = (
                (problem.lineno, problem) for problem in merged
            )
            return tell_all(heapq.merge(problems, notes, key=lambda held: held[0]))

        try:
            with lock_log(file, create=True) as log:
                refuse_changed(registry)
                known = known_ids(log.raw_lines()) if staged.lines else KnownIds()
                checked = review(
                    staged, known, name=name, log=log.name,
                    drop_missing_links=drop_missing_links, on_problem=hold(conflicts),
                    on_note=lambda n, note: notes.append((n, note)),
                )  # fmt: skip
                if conflicts.count and not skip_invalid:
                    raise _Refused  # a log this import made is removed again
                if found.count or conflicts.count:
                    dropped, cascaded = without(staged, checked.conflicting, known.events,
                                                name=name)  # fmt: skip
                if len(dropped) == len(staged.lines):
                    raise _NothingLeft  # and a log this import made is removed again
                if dropped or checked.dropped_links:
                    final = stack.enter_context(staging_file(file))
                    with cannot_write(file):
                        for data in final_lines(staged, dropped, checked.dropped_links):
                            final.write(data)
                        final.flush()
                    count_kept = len(staged.lines) - len(dropped)
                    log.append_staged(final, size=final.tell(), count=count_kept)
                else:
                    log.append_staged(staged.file, size=staged.size, count=len(staged.lines))
        except _Refused:
            refuse(tell_in_line_order())
        except _NothingLeft:
            pass
        except BaseException:  # the append failed: what was found is still said, first
            tell_held()
            raise
        lines_with = tell_held()
        imported = [event_id for event_id in staged.lines if event_id not in dropped]
        if imported and resolve is not None and registry is not None:
            say_registry_notes(resolve, registry, name=name)
        done = (
            f"imported {count(len(imported), 'event')} into {display_name(file)}"
            if imported
            else (
                "nothing imported"  # as when no input line held a valid event
            )
        )
        emit_after_change(imported, done=done)
        if lines_with:
            say(f"timeline: {done}; skipped {count(lines_with, 'line')} with problems")
            raise typer.Exit(EXIT_FOUND)
        say(done)


def say_registry_notes(resolve: Resolver, registry: Registry, *, name: str) -> None:
    """What the registry made of an import's actors, once it is imported: the names and
    aliases stored as ids, and each actor it lacks (stored as typed, as check reports them)
    with the line that first names it, ``_UNKNOWN_SAID`` at most, the rest counted."""
    from timeline.cli.exits import say
    from timeline.cli.output import count

    for value, id_ in resolve.renamed.items():
        say(f"timeline: {name}: actor {value!r} is {id_}")
    unknown = resolve.unknown
    for value, lineno in list(unknown.items())[:_UNKNOWN_SAID]:
        say(f"{name}:{lineno}: warning: {registry.unknown(value)} (imported as typed)")
    if len(unknown) > _UNKNOWN_SAID:
        more = count(len(unknown) - _UNKNOWN_SAID, "other actor")
        say(f"timeline: {name}: and {more} not in {registry.source} ('timeline check')")


class _Refused(Exception):
    """An import refused under the lock, its problems to be told once the lock is let go."""


class _NothingLeft(Exception):
    """An import whose every event was dropped under the lock: nothing to append."""
