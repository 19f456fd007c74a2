"""``timeline edit``: change fields of one event in place."""

from __future__ import annotations

from typing import Annotated

import typer

from timeline.cli.completion import complete_actors, complete_ids
from timeline.cli.logs import write_log
from timeline.cli.options import (
    TYPE_NAMES,
    ActorsOpt,
    AsOfOpt,
    FieldOptions,
    FileOpt,
    NewActorOpt,
    StoredJsonOpt,
    examples,
    unpack,
)  # fmt: skip
from timeline.vocab import EventType

EXAMPLES = examples(
    "timeline edit 2024-08-18-lukashenko-claims-120000-ukrainian-troops --status disputed",
    "timeline edit 2024-08-26-ukraine-acc --summary ''    # an id's start; '' clears a field",
    note="Every other line of the log stays byte for byte as it was.",
)


@unpack
def edit(
    event_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="The id (or its start) of the event to change.",
            autocompletion=complete_ids,
        ),
    ],
    files: FileOpt = None,
    date_: Annotated[str | None, typer.Option("--date", "-d", metavar="DATE", help="When.")] = None,
    title: Annotated[
        str | None, typer.Option("--title", metavar="TEXT", help="A one-line headline.")
    ] = None,
    type_: Annotated[
        EventType | None,
        typer.Option("--type", "-t", metavar="TYPE", help="The PLOVER type: " + TYPE_NAMES + "."),
    ] = None,
    actor: Annotated[
        list[str] | None,
        typer.Option(
            "--actor",
            "-a",
            metavar="ACTOR",
            help="Who acted (replaces the list).",
            autocompletion=complete_actors,
        ),
    ] = None,
    fields: FieldOptions = FieldOptions(),
    as_json: StoredJsonOpt = False,
    as_of: AsOfOpt = None,
    actors: ActorsOpt = None,
    new_actor: NewActorOpt = False,
) -> None:
    """Change fields of one event in place; a list flag replaces the whole list.

    The result is validated like 'add': an edit that would make the event invalid changes nothing.
    """
    import dataclasses

    from timeline.cli.exits import say
    from timeline.cli.output import emit_after_change
    from timeline.cli.registry import event_ids, load_registry, refuse_changed
    from timeline.edits import (
        check_references,
        find_line,
        refuse_not_yet,
        replacement,
        validated,
    )  # fmt: skip
    from timeline.errors import InputError, LineError
    from timeline.log.decoding import known_ids
    from timeline.log.files import lock_log
    from timeline.log.lines import BOM, RawLine
    from timeline.parsing import parse_raw_line
    from timeline.text import json_safe
    from timeline.userinput import check_utf8, today

    file = write_log(files, "edit")
    check_utf8("ID", event_id)
    registry = load_registry(actors, file)
    actor = event_ids(registry, "--actor", actor, new_actor=new_actor)
    target = event_ids(registry, "--target", fields.target, new_actor=new_actor)
    fields = dataclasses.replace(fields, target=target)
    flags = fields.flags(when=date_, title=title, type_=type_, actors=actor)
    if flags.is_empty:
        raise InputError("edit: nothing to change: give a field flag such as --status")
    day = today(as_of)
    with lock_log(file, create=False) as log:
        refuse_changed(registry)
        lines = list(log.raw_lines())
        _, line = find_line(lines, event_id, name=log.name)
        try:
            current = parse_raw_line(line, source=log.name)
        except LineError as exc:  # the flags cannot be applied to what the model cannot read
            field, message = exc.problems[-1]
            exc.problems[-1] = (field, f"{message} (edit changes a valid event: fix this by hand)")
            raise LineError.from_problems(exc.source, exc.lineno, exc.problems) from None
        event = validated(flags.apply(current.model_dump(mode="json"), today=day), once=flags)
        if event.date != current.date:
            refuse_not_yet(event, day)
        if flags.responds_to:
            check_references(event, known_ids(lines).events)
        stored, done = line, f"changed {event.id} in {log.name}"
        if event != current:
            stored = RawLine(line.lineno, replacement(line, event, before=current))
            owner_note = log.rewrite(stored.data if raw is line else raw.data for raw in lines)
            if owner_note:
                say(f"timeline: {owner_note}")
        else:  # the id is printed all the same: a script reads it either way
            say(f"timeline: {event.id}: unchanged (it holds these values already)")
            done = f"left {event.id} unchanged in {log.name}"
    # --json: the line as stored, with what could act on a terminal escaped (same JSON value)
    as_stored = json_safe(stored.content.removeprefix(BOM).decode("utf-8"))
    emit_after_change([as_stored if as_json else event.id], done=done)
