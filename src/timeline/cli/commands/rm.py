"""``timeline rm``: remove events by id."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from timeline.cli.options import DEFAULT_FILE, FileOpt, examples

EXAMPLES = examples(
    "timeline rm 2024-08-19-test-event-1a2b3c --yes",
    "timeline rm ID1 ID2 --yes --force    # even if other events respond to them",
)


def rm(
    event_ids: Annotated[list[str], typer.Argument(metavar="ID", help="Ids of events to remove.")],
    file: FileOpt = DEFAULT_FILE,
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
    from timeline.edits import find_line, refuse_dangling
    from timeline.errors import InputError
    from timeline.log.files import lock_log
    from timeline.userinput import check_utf8

    for id_ in event_ids:
        check_utf8("ID", id_)
    with lock_log(file, create=False) as log:
        lines = list(log.raw_lines())
        doomed = {id_: find_line(lines, id_, name=log.name) for id_ in dict.fromkeys(event_ids)}
        if not force:
            refuse_dangling(lines, doomed, name=log.name)
        if not yes:
            if not sys.stdin.isatty():
                raise InputError("rm: not on a terminal: give --yes to confirm the removal")
            if not typer.confirm(
                f"Remove {count(len(doomed), 'event')} from {log.name}?", err=True
            ):
                raise InputError("rm: nothing removed")
        gone = {line.lineno for line in doomed.values()}
        log.rewrite(line.data for line in lines if line.lineno not in gone)
    done = f"removed {count(len(doomed), 'event')} from {log.name}"
    emit_after_change(doomed, done=done)
    say(done)
