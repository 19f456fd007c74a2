"""``timeline import``: append events from JSON Lines or a JSON array, all or none."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from timeline.cli.logs import write_log
from timeline.cli.options import ActorsOpt, AsOfOpt, FileOpt, examples

EXAMPLES = examples(
    "timeline import new-events.jsonl",
    "timeline import export.jsonl --skip-invalid    # the valid events now, the rest reported",
    "timeline show --actor ukraine --json | timeline import - -f ukr.jsonl --drop-missing-links",
)


def import_(
    source: Annotated[
        str, typer.Argument(metavar="PATH|-", help="JSON Lines or one JSON array; '-' is stdin.")
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
    """Append events from JSON Lines or a JSON array: all of them, or none if any is invalid.

    An event dated after today (or --as-of) is invalid, as 'check' reports it.
    """
    from timeline.cli.exits import EXIT_FOUND, fail, say
    from timeline.cli.output import count, emit_after_change, progress
    from timeline.cli.registry import load_registry
    from timeline.edits import known_ids
    from timeline.errors import InputError, LineError
    from timeline.importing import conflicts, read_batch, resolve_actors, without
    from timeline.importing import drop_missing_links as drop_links
    from timeline.log.files import lock_log, read_raw_lines
    from timeline.log.lines import STDIN, display_name
    from timeline.rules import canonical_json
    from timeline.userinput import today

    def report(problems: list[LineError]) -> None:
        for problem in sorted(problems, key=lambda p: p.lineno):
            for message in problem.messages():
                say(message)

    def refuse(problems: list[LineError]) -> None:
        report(problems)
        fail(f"timeline: nothing imported: {count(len(problems), 'problem')} in {name}")

    file = write_log(files, "import")
    if source == STDIN and sys.stdin.isatty():  # nobody is typing JSON: say what is wanted
        raise InputError("import: give a PATH, or pipe events into standard input")
    as_of_day = today(as_of)
    registry = load_registry(actors, file)
    name = display_name(source)
    lines = progress(read_raw_lines(source), spec=source, label=f"reading {name}")
    batch = read_batch(lines, name=name, as_of=as_of_day)
    if batch.problems and not skip_invalid:
        refuse(batch.problems)
    if registry is not None:  # names and aliases become ids; check reports the unknown
        renamed, unknown = resolve_actors(batch, registry)
        for value, id_ in renamed.items():
            say(f"timeline: {name}: actor {value!r} is {id_}")
        if unknown:
            listed = ", ".join(map(repr, unknown[:5])) + (" …" if len(unknown) > 5 else "")
            say(f"timeline: {name}: not in {registry.source}: {listed}")
    with lock_log(file, create=True) as log:
        known = known_ids(log.raw_lines()) if batch.events else {}
        for note in drop_links(batch, known, name=name, log=log.name) if drop_missing_links else ():
            say(note)
        conflicting = conflicts(batch, known, name=name, log=log.name)
        problems = [*batch.problems, *(error for _, error in conflicting)]
        if problems and not skip_invalid:
            refuse(problems)
        if problems:
            batch, cascaded = without(batch, {i for i, _ in conflicting}, known, name=name)
            problems += cascaded
            report(problems)
        log.append([canonical_json(event) for event in batch.events])
    done = f"imported {count(len(batch.events), 'event')} into {log.name}"
    emit_after_change((event.id for event in batch.events), done=done)
    if problems:
        lines_with = len({p.lineno for p in problems})
        say(f"timeline: {done}; skipped {count(lines_with, 'line')} with problems")
        raise typer.Exit(EXIT_FOUND)
    say(done)
