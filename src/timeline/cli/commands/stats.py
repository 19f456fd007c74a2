"""``timeline stats``: counts of the events ``show`` would show, by field and over time."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from timeline.cli.logs import logs_name, read_logs
from timeline.cli.options import (
    ActorsOpt,
    AsOfOpt,
    FilesOpt,
    FilterOptions,
    JsonOpt,
    StatsFormatChoice,
    StatsFormatOpt,
    StrictOpt,
    examples,
    unpack,
)  # fmt: skip
from timeline.stats import Field, Unit

EXAMPLES = examples(
    "timeline stats --by type",
    "timeline stats --per month --by actor --depth 1",
    "timeline stats --per week --since 2024-08-01",
    "timeline stats --by actor --by type --top 5 --json | jq -c .",
    note="An event counts once per value it has (two actors: a row each; the rows then add up "
    "to mentions). In a series, an event counts in the period that holds its whole date: one "
    "known only to its month is counted in that month's own row, never in one of its weeks; "
    "one with an end counts in the period it starts in. Every output says how many of each.",
)

_FIELDS = "type, actor, target, status, tag, country, publisher or precision"


@unpack
def stats(
    files: FilesOpt = None,
    filters: FilterOptions = FilterOptions(),
    by: Annotated[
        list[Field] | None,
        typer.Option(
            "--by",
            "-b",
            metavar="FIELD",
            help=f"Count per value of FIELD: {_FIELDS}; twice for pairs. "
            "Default: type, unless --per is given.",
        ),
    ] = None,
    per: Annotated[
        Unit | None,
        typer.Option(
            "--per",
            "-p",
            metavar="PERIOD",
            help="Count per day, week, month, quarter or year, every period of the range.",
        ),
    ] = None,
    top: Annotated[
        int,
        typer.Option(
            "--top",
            min=0,
            metavar="N",
            help="Show the N values counted most; the rest add up in an '(other)' row. "
            "0: every value.",
        ),
    ] = 10,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth",
            min=1,
            metavar="N",
            help="Count actor ids at level N: at 1, belarus/president counts as belarus.",
        ),
    ] = None,
    fmt: StatsFormatOpt = StatsFormatChoice.AUTO,
    as_json: JsonOpt = False,
    strict: StrictOpt = False,
    as_of: AsOfOpt = None,
    actors: ActorsOpt = None,
) -> None:
    """Count events by field (type, actor, ...), over time, or both.

    Takes every filter of show, and counts the events show would show, with the status it
    shows (a claim that a reject answers is disputed).
    """
    from timeline import formats
    from timeline.cli.exits import BadLineWarnings, say
    from timeline.cli.output import emit
    from timeline.cli.registry import load_registry
    from timeline.counting import count_logs
    from timeline.errors import InputError
    from timeline.formats.labels import stats_notes
    from timeline.selection import REPORTED_BAD_LINES
    from timeline.stats import Spec
    from timeline.userinput import today

    logs = read_logs(files)
    flt = filters.filter(today=today(as_of), registry=load_registry(actors, *logs))
    fields = tuple(by or ()) or ((Field.TYPE,) if per is None else ())
    spec = Spec(by=fields, per=per, depth=depth)
    chosen = fmt.to_format(as_json=as_json, terminal=sys.stdout.isatty())
    renderer = formats.STATS.get(chosen)
    if renderer is None:
        forms = ", ".join(f.value for f in formats.STATS)
        raise InputError(f"--format {chosen.value}: stats is shown as {forms}")
    names = logs_name(logs)
    warnings = BadLineWarnings(names, limit=REPORTED_BAD_LINES)
    result = count_logs(
        logs, flt, spec, strict=strict, on_invalid=warnings, on_more=warnings.more,
        top=top or None,
    )  # fmt: skip
    warnings.finish()
    emit(renderer(result))
    if chosen is not formats.Format.RICH:  # the rich view says it below the chart
        for note in stats_notes(result):
            say(note)
