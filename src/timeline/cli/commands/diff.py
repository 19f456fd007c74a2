"""``timeline diff``: what changed between two versions of a log."""

from __future__ import annotations

from typing import Annotated

import typer

from timeline.cli.options import (
    ActorsOpt,
    AsOfOpt,
    FilterOptions,
    JsonOpt,
    StrictOpt,
    examples,
    unpack,
)  # fmt: skip

EXAMPLES = examples(
    "timeline diff HEAD~1:data/events.jsonl data/events.jsonl",
    "timeline diff main:data/events.jsonl data/events.jsonl --stat",
    "timeline diff old.jsonl new.jsonl --actor belarus --json | jq -r .op",
    note=(
        "Exit status: 0 no differences, 1 differences, 2 error (as diff(1)); also 2 when a "
        "line is not a valid event or a side holds an id twice, after showing what could be "
        "compared."
    ),
)


@unpack
def diff(
    old: Annotated[
        str, typer.Argument(metavar="OLD", help="The old log: a path, '-', or REV:PATH (git).")
    ],
    new: Annotated[
        str, typer.Argument(metavar="NEW", help="The new log: a path, '-', or REV:PATH (git).")
    ],
    stat: Annotated[bool, typer.Option("--stat", help="Only count the changes.")] = False,
    filters: FilterOptions = FilterOptions(),
    as_json: JsonOpt = False,
    strict: StrictOpt = False,
    as_of: AsOfOpt = None,
    actors: ActorsOpt = None,
) -> None:
    """Show what changed between two versions of a log: events added, removed and changed.

    Events are matched by id and compared field by field, so key order, line order and
    defaults written out or left out are not changes. Filters keep the events that match on
    either side.
    """
    import io
    import sys
    from collections.abc import Callable, Iterator

    from timeline import formats
    from timeline.cli.exits import EXIT_ERROR, EXIT_FOUND, EXIT_OK, BadLineWarnings, say
    from timeline.cli.output import emit, progress
    from timeline.cli.registry import load_registry
    from timeline.diff import compare
    from timeline.errors import InputError
    from timeline.formats import Format
    from timeline.log.lines import STDIN, STDIN_NAME, RawLine, display_name, iter_raw_lines
    from timeline.log.sources import read_any_lines
    from timeline.selection import REPORTED_BAD_LINES
    from timeline.userinput import today

    def replayable(spec: str) -> Callable[[], Iterator[RawLine]]:
        """A way to read a side twice; standard input is kept in memory for that."""
        if spec != STDIN:
            label = f"reading {display_name(spec)}"
            return lambda: progress(read_any_lines(spec), spec=spec, label=label)
        data = sys.stdin.buffer.read()
        return lambda: iter_raw_lines(io.BytesIO(data), name=STDIN_NAME)

    if old == new == STDIN:
        raise InputError("only one side can be '-' (stdin)")
    flt = filters.filter(today=today(as_of), registry=load_registry(actors, new, old))
    warnings = BadLineWarnings(
        f"{display_name(old)} and {display_name(new)}", limit=REPORTED_BAD_LINES
    )
    comparison = compare(
        (replayable(old), display_name(old)),
        (replayable(new), display_name(new)),
        flt=flt,
        strict=strict,
        on_invalid=warnings,
    )
    warnings.finish()
    for note in comparison.notes:
        say(note)
    if stat:
        emit(formats.DIFF_STAT[Format.JSON if as_json else Format.PLAIN](comparison.stat))
    else:
        emit(formats.DIFF[Format.JSON if as_json else Format.RICH](comparison))
    if not comparison.complete:  # the answer is incomplete: trouble, as diff(1) says it
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FOUND if comparison.stat.total else EXIT_OK)
