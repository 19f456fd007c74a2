"""``timeline add``: append one event."""

from __future__ import annotations

from typing import Annotated

import typer

from timeline.cli.completion import complete_actors
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
    "timeline add --date 2024-08-27 --type threaten --actor belarus/president \\",
    "    --target ukraine --title 'Lukashenko warns Kyiv' --source https://example.org/a",
    "timeline add --date 'last week' --as-of 2024-08-26 --type mobilize --actor belarus \\",
    "    --title 'Belarus moves a third of its forces' \\",
    "    --source-title 'Situation Brief' --publisher 'Army Recognition'",
)


@unpack
def add(
    date_: Annotated[
        str,
        typer.Option(
            "--date", "-d", metavar="DATE", help="When: 2024-08-26, 'Aug 2024', 'last week'."
        ),
    ],
    title: Annotated[str, typer.Option("--title", metavar="TEXT", help="A one-line headline.")],
    type_: Annotated[
        EventType,
        typer.Option("--type", "-t", metavar="TYPE", help="The PLOVER type: " + TYPE_NAMES + "."),
    ],
    actor: Annotated[
        list[str],
        typer.Option(
            "--actor",
            "-a",
            metavar="ACTOR",
            help="Who acted (repeatable).",
            autocompletion=complete_actors,
        ),
    ],
    files: FileOpt = None,
    fields: FieldOptions = FieldOptions(),
    id_: Annotated[
        str | None,
        typer.Option(
            "--id", metavar="ID", help="The id (must be new). Default: date, title, random."
        ),
    ] = None,
    as_json: StoredJsonOpt = False,
    as_of: AsOfOpt = None,
    actors: ActorsOpt = None,
    new_actor: NewActorOpt = False,
) -> None:
    """Append one event to the log (created if missing) and print its id.

    Needs a source: --source URL, or --source-title (and --publisher, if known) for print
    or broadcast.
    """
    import dataclasses

    from timeline.cli.output import emit_after_change
    from timeline.cli.registry import event_ids, load_registry, refuse_changed
    from timeline.edits import check_references, refuse_not_yet, validated
    from timeline.errors import ConflictError, InputError
    from timeline.log.decoding import known_ids
    from timeline.log.files import lock_log
    from timeline.log.lines import display_name
    from timeline.rules import canonical_json, make_id
    from timeline.userinput import refuse_controls, today

    file = write_log(files, "add")
    registry = load_registry(actors, file)
    actor = event_ids(registry, "--actor", actor, new_actor=new_actor)
    target = event_ids(registry, "--target", fields.target, new_actor=new_actor)
    fields = dataclasses.replace(fields, target=target)
    flags = fields.flags(when=date_, title=title, type_=type_, actors=actor)
    refuse_controls("--id", id_)
    day = today(as_of)
    obj = flags.apply({}, today=day)
    if not obj["sources"]:
        raise InputError("--source: an event needs a source: give --source URL or --source-title")
    obj["id"] = id_ if id_ is not None else make_id(obj["date"], title)
    event = validated(obj, once=flags)
    refuse_not_yet(event, day)
    with lock_log(file, create=True) as log:
        refuse_changed(registry)
        if id_ is not None or event.responds_to:
            known = known_ids(log.raw_lines())
            taken = known.taken(event.id, name=display_name(file))
            if taken is not None:
                raise ConflictError(f"--id: {event.id!r} exists already ({taken})")
            check_references(event, known.events)
        log.append([canonical_json(event)])
    emit_after_change([canonical_json(event) if as_json else event.id],
                      done=f"added {event.id} to {display_name(file)}")  # fmt: skip
