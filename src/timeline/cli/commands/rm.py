"""``timeline rm``: remove events by id."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from timeline.cli.completion import complete_ids
from timeline.cli.logs import write_log
from timeline.cli.options import FileOpt, examples

EXAMPLES = examples(
    "timeline rm 2024-08-26-ukraine-calls-gomel   # asks, naming the whole id",
    "timeline rm 2024-08-26-ukraine-calls-gomel-exercises-chernobyl-threat --yes",
    "timeline rm 2024-08-18-lukashenko-claims-120000-ukrainian-troops --yes --force  # answered",
)


_WHOLE = "--yes removes only events named by their whole id"
_GONE = "the event asked about is gone (removed, or its id changed): nothing removed"


def rm(
    event_ids: Annotated[
        list[str],
        typer.Argument(
            metavar="ID",
            help="Ids of events to remove (or their starts, when rm asks: not with --yes).",
            autocompletion=complete_ids,
        ),
    ],
    files: FileOpt = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask (needed when not on a terminal).")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Remove even events that others respond to.")
    ] = False,
) -> None:
    """Remove events by id. Every other line of the log stays byte for byte as it was."""
    from timeline.cli.exits import say
    from timeline.cli.output import count, emit_after_change
    from timeline.edits import dangling, find_lines, refuse_dangling, removal
    from timeline.errors import InputError
    from timeline.log.decoding import json_objects
    from timeline.log.files import lock_log, read_raw_lines, refuse_unrewritable
    from timeline.log.lines import display_name
    from timeline.text import visible
    from timeline.userinput import check_utf8

    file = write_log(files, "rm")
    ids = list(dict.fromkeys(event_ids))
    for id_ in ids:
        check_utf8("ID", id_)
    if not yes:  # ask before taking the lock: nobody waits on an open question
        if not sys.stdin.isatty():
            raise InputError("rm: not on a terminal: give --yes to confirm the removal")
        name = display_name(file)
        refuse_unrewritable(file, name)  # not a question whose answer changes nothing
        lines = list(read_raw_lines(file))
        doomed = find_lines(lines, ids, name=name)
        if not force:
            refuse_dangling(lines, doomed, name=name)
        for _, obj in json_objects(doomed.values()):  # what the answer is about
            what = [obj.get("date"), obj.get("title"), f"({obj.get('id')})"]
            say("  " + "  ".join(visible(str(part)) for part in what if part))
        question = f"Remove {count(len(doomed), 'event')} from {visible(name)}?"
        if not typer.confirm(question, err=True):
            raise InputError("rm: nothing removed")
        ids = list(doomed)  # the whole ids asked about: a start may name another event by now
    with lock_log(file, create=False) as log:  # and check again: the log may have changed
        lines = list(log.raw_lines())
        whole = _WHOLE if yes else _GONE
        doomed = find_lines(lines, ids, name=log.name, whole=whole)
        if not force:
            refuse_dangling(lines, doomed, name=log.name)
        left = list(dangling(lines, doomed)) if force else []  # else refused: none is left
        gone = {line.lineno for line in doomed.values()}
        owner_note = log.rewrite(
            removal(line) if line.lineno in gone else line.data for line in lines
        )
    if owner_note:
        say(f"timeline: {owner_note}")
    for lineno, ref in left:  # numbered as the log is now, as check will name them
        now = lineno - sum(1 for removed in gone if removed < lineno)
        say(f"timeline: {log.name}:{now}: still responds to {ref!r}, removed (check reports it)")
    done = f"removed {count(len(doomed), 'event')} from {log.name}"
    emit_after_change(map(visible, doomed), done=done)
    say(done)
