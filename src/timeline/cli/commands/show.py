"""``timeline show``: events, filtered and sorted by date, in any format."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Annotated

import typer

from timeline.cli.logs import logs_name, published_name, read_logs
from timeline.cli.options import (
    ActorsOpt,
    AsOfOpt,
    FilesOpt,
    FilterOptions,
    FormatChoice,
    FormatOpt,
    JsonOpt,
    StrictOpt,
    examples,
    unpack,
)  # fmt: skip

EXAMPLES = examples(
    "timeline show --actor belarus",
    "timeline show --since 2024-08-18 --until 'Aug 20, 2024' --long",
    "timeline show --type accuse --type threaten --json | jq -r .title",
    "timeline show --text '120,000' --involving ukraine",
    "timeline show --actor belarus --format html -o brief.html --title 'Belarus, August 2024'",
    "timeline show --format parquet -o events.parquet   # needs DuckDB (see README)",
)


@unpack
def show(
    files: FilesOpt = None,
    filters: FilterOptions = FilterOptions(),
    reverse: Annotated[bool, typer.Option("--reverse", "-r", help="Latest first.")] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", "-n", min=0, metavar="N", help="Show the latest N events (in date order)."
        ),
    ] = None,
    long: Annotated[
        bool,
        typer.Option(
            "--long", "-l", help="In the rich view: add summaries, quotes and source URLs."
        ),
    ] = False,
    fmt: FormatOpt = FormatChoice.AUTO,
    no_pager: Annotated[
        bool, typer.Option("--no-pager", help="On a terminal, do not page long output.")
    ] = False,
    as_json: JsonOpt = False,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to FILE (whole, or not at all) instead of standard output.",
        ),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option(
            "--title", metavar="TEXT", help="The title of a published page (html, markdown, ...)."
        ),
    ] = None,
    strict: StrictOpt = False,
    as_of: AsOfOpt = None,
    actors: ActorsOpt = None,
) -> None:
    """Show events, filtered and sorted by date.

    Filters combine with AND; a repeated filter matches any of its values.
    """
    import dataclasses

    from timeline import formats
    from timeline.cli.exits import BadLineWarnings, say
    from timeline.cli.output import emit, refuse_overwriting_log, utf8_text
    from timeline.cli.registry import load_registry
    from timeline.merging import canonical_logs, selected_logs
    from timeline.query import Filter
    from timeline.selection import REPORTED_BAD_LINES, KeptLines, selected_lines
    from timeline.userinput import check_utf8, today

    logs = read_logs(files)
    source = logs_name(logs)
    registry = load_registry(actors, *logs)
    flt = filters.filter(today=today(as_of), registry=registry)
    if title is not None:
        check_utf8("--title", title)
    warnings = BadLineWarnings(source, limit=REPORTED_BAD_LINES)
    chosen = fmt.to_format(as_json=as_json, terminal=output is None and sys.stdout.isatty())
    renderer = formats.SHOW[chosen]
    if title is not None and not renderer.titled:
        say(f"timeline: --title: the {chosen.value} format has no title; it is not used")
    if long and not renderer.has_long_form:  # piped, auto is plain: say why --long did nothing
        say(f"timeline: --long: the {chosen.value} format has no long form (the timeline view "
            "has: --format rich); it is not used")  # fmt: skip
    if output is not None:
        for log in logs:
            refuse_overwriting_log(output, log)
    # Ids alone that show fewer events than they name: the missing, likely an id's start
    # (which edit takes), are said below.
    by_ids_alone = bool(flt.ids) and dataclasses.replace(flt, ids=()) == Filter() and limit is None
    seen = _Seen()
    if renderer.canonical is not None:
        with canonical_logs(
            logs, flt, strict=strict, reverse=reverse, limit=limit, on_invalid=warnings,
            on_more=warnings.more,
        ) as lines:  # fmt: skip
            warnings.finish()
            emit(renderer.canonical(seen.watch(lines) if by_ids_alone else lines), to=output)
    elif renderer.line is not None and len(logs) == 1:  # several logs: merged as events below
        with selected_lines(
            logs[0], flt, line=renderer.line, strict=strict, reverse=reverse, limit=limit,
            on_invalid=warnings, on_more=warnings.more,
        ) as event_lines:  # fmt: skip
            warnings.finish()
            if by_ids_alone:
                event_lines = seen.watch(event_lines)
            head = [text.encode() for text in renderer.head]
            with_head: Iterable[bytes] = (
                event_lines.after(head)  # still written on every core
                if isinstance(event_lines, KeptLines)
                else itertools.chain(head, event_lines)
            )
            emit(utf8_text(with_head, to=output), to=output)
    else:
        about = formats.About(
            title=title,
            source=published_name(logs),
            filters=(*flt.describe(), *(() if limit is None else (f"the latest {limit}",))),
            since=flt.since,
            until=flt.until,
            generated=datetime.now(timezone.utc).replace(microsecond=0),
            names=registry.names if registry is not None else {},
        )
        with selected_logs(
            logs, flt, strict=strict, reverse=reverse, limit=limit, on_invalid=warnings,
            on_more=warnings.more, piece=renderer.piece(about) if renderer.piece else None,
            answered_by=renderer.piece_answered_by,
        ) as selection:  # fmt: skip
            warnings.finish()
            seen.count = len(selection.events)
            rendered = renderer.render(selection, long=long, about=about)
            emit(rendered, page=not no_pager, to=output)
            if renderer.keyed_by:
                repeated = selection.repeated_ids()
                if repeated:
                    say(repeated_ids_warning(repeated, renderer.keyed_by))
        for note in rendered.notes if isinstance(rendered, formats.TextLines) else ():
            say(f"timeline: {note}")
    if by_ids_alone and seen.count < len(set(flt.ids)):  # fewer shown than named: which?
        for event_id in dict.fromkeys(flt.ids):
            missing = no_such_id_note(event_id, logs)
            if missing is not None:
                say(missing)


class _Seen:
    """How many events a view showed: ``watch`` the lines it writes (kept by the readers of a
    large log, their count is known before any is written), only where the count is wanted
    (each line of a small log would pass through it)."""

    def __init__(self) -> None:
        self.count = 0

    def watch(self, lines: Iterable[bytes]) -> Iterable[bytes]:
        from timeline.selection import KeptLines

        if isinstance(lines, KeptLines):
            self.count = len(lines)
            return lines
        return self._watched(lines)

    def _watched(self, lines: Iterable[bytes]) -> Iterator[bytes]:
        for line in lines:
            self.count += 1
            yield line


def no_such_id_note(event_id: str, logs: list[str]) -> str | None:
    """That no event of ``logs`` has the id ``--id`` gave, and the ids that start with it: a
    start, which edit takes, is no id here (a filter keeps what it names exactly); None when
    an event has it."""
    from timeline.cli.output import count
    from timeline.edits import ids_starting, may_name_anchors
    from timeline.log.sources import read_any_lines
    from timeline.text import short_repr, visible

    anchors = may_name_anchors(event_id)  # the lines read: those that may name such an id
    found = {
        i for log in logs for i in ids_starting(read_any_lines(log, anchors=anchors), event_id)
    }
    if event_id in found:
        return None
    starting = sorted(found)
    note = f"timeline: --id: no event has the id {visible(short_repr(event_id))}"
    if not starting:
        return note
    named = ", ".join(starting[:_STARTS_NAMED]) + (" …" if len(starting) > _STARTS_NAMED else "")
    verb = "starts" if len(starting) == 1 else "start"
    return f"{note}; {count(len(starting), 'id')} {verb} with it: {visible(named)}"


_STARTS_NAMED = 5


def repeated_ids_warning(repeated: dict[str, int], keyed_by: str) -> str:
    """One line for the ids that several events shown share, whose ``keyed_by`` (the UID, the
    anchor) the output repeats: up to three named."""
    if len(repeated) == 1:
        ((event_id, count),) = repeated.items()
        return (
            f"timeline: warning: the id {event_id!r} is on {count} events shown: the output "
            f"repeats its {keyed_by}; 'timeline check' names their lines"
        )
    named = ", ".join(f"{event_id!r} on {count}" for event_id, count in list(repeated.items())[:3])
    more = f" and {len(repeated) - 3} more" if len(repeated) > 3 else ""
    return (
        f"timeline: warning: {len(repeated)} ids are on more than one event shown ({named}"
        f"{more}): the output repeats their {keyed_by}s; 'timeline check' names the lines"
    )
