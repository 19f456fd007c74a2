"""``timeline check``: every problem in a log, one line each."""

from __future__ import annotations

from typing import Annotated

import typer

from timeline.cli.logs import read_logs
from timeline.cli.options import ActorsOpt, AsOfOpt, FilesOpt, JsonOpt, examples

EXAMPLES = examples(
    "timeline check",
    "timeline check -f other.jsonl --strict --json | jq -r .message",
    note=(
        "Exit status: 0 no errors (warnings too, unless --strict), 1 problems found, "
        "2 the log cannot be read."
    ),
)


def check(
    files: FilesOpt = None,
    as_json: JsonOpt = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Count warnings as problems (exit 1), and note registry actors no event uses.",
        ),
    ] = False,
    as_of: AsOfOpt = None,
    actors: ActorsOpt = None,
) -> None:
    """Find every problem in a log, one line each, like a compiler. Never changes the log.

    Errors: lines that are not JSON objects or not valid events (each bad field), duplicate ids,
    responds_to pointing nowhere, dates after --as-of. Warnings: a claim that a reject answers
    but whose status is not 'disputed', an actor stored otherwise than it is read ('CSTO' as
    csto), lat without lon (or lon without lat), a last line without a newline; with an actor
    registry, an actor it does not hold, and two actor ids so alike they are probably one.
    """
    from collections import Counter
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager

    from timeline import formats
    from timeline.check import Problem, Severity, check_files
    from timeline.cli.exits import EXIT_FOUND, EXIT_OK, say
    from timeline.cli.output import count, emit, progress, progress_bar
    from timeline.cli.registry import load_registry
    from timeline.log.lines import RawLine, display_name
    from timeline.log.sources import read_any_lines
    from timeline.userinput import today

    logs = read_logs(files)
    names = [display_name(log) for log in logs]
    name = ", ".join(names)
    registry = load_registry(actors, *logs)
    counts = Counter[Severity]()

    def counted(problems: Iterator[Problem]) -> Iterator[Problem]:
        for problem in problems:
            counts[problem.severity] += 1
            yield problem

    def read(log: str) -> Iterator[RawLine]:
        return progress(read_any_lines(log), spec=log, label=f"checking {display_name(log)}")

    def watch(log: str) -> AbstractContextManager[Callable[[int], None] | None]:
        return progress_bar(spec=log, label=f"checking {display_name(log)}")

    # One log's problems name no file (the view does); several logs' each name their own.
    labels: list[str | None] = [None] if len(logs) == 1 else list(names)
    problems = check_files(
        list(zip(logs, labels, strict=True)),
        as_of=today(as_of),
        registry=registry,
        unused=strict,
        read=read,
        watch=watch,
    )
    fmt = formats.Format.JSON if as_json else formats.Format.PLAIN
    emit(formats.CHECK[fmt](counted(problems), source=name))
    errors, warnings = counts[Severity.ERROR], counts[Severity.WARNING]
    notes = f", {count(counts[Severity.INFO], 'note')}" if counts[Severity.INFO] else ""
    say(f"{name}: {count(errors, 'error')}, {count(warnings, 'warning')}{notes}")
    raise typer.Exit(EXIT_FOUND if errors or (strict and warnings) else EXIT_OK)
