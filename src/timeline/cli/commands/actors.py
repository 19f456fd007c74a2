"""``timeline actors``: the actors of a log or a selection; ``timeline actors rename``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from timeline.cli.completion import complete_actors
from timeline.cli.logs import read_logs, write_log
from timeline.cli.options import (
    ActorsOpt,
    AsOfOpt,
    FileOpt,
    FilesOpt,
    FilterOptions,
    JsonOpt,
    StrictOpt,
    examples,
    unpack,
)  # fmt: skip

if TYPE_CHECKING:
    from timeline.edits import Renamed

EXAMPLES = examples(
    "timeline actors",
    "timeline actors --involving ukraine --since 2024-08 --tree",
    "timeline actors --json | jq -r 'select(.name == null) | .id'    # not in the registry",
    "timeline actors rename belarus/defense-minister belarus/mod --dry-run",
)
RENAME_EXAMPLES = examples(
    "timeline actors rename Khrenin belarus/mod --dry-run    # a name or an alias will do",
    "timeline actors rename wagner russia/wagner    # its parts move with it",
    note="Every line that does not name OLD stays byte for byte as it was.",
)

app = typer.Typer(
    name="actors",
    help="The actors of a log, with their names, counts and dates; rename one everywhere.",
    no_args_is_help=False,
    rich_markup_mode=None,
)


@app.callback(invoke_without_command=True, epilog=EXAMPLES)
@unpack
def actors(
    ctx: typer.Context,
    files: FilesOpt = None,
    filters: FilterOptions = FilterOptions(),
    tree: Annotated[bool, typer.Option("--tree", help="Show the actors as a tree of parts.")] = (
        False
    ),
    as_json: JsonOpt = False,
    strict: StrictOpt = False,
    as_of: AsOfOpt = None,
    registry_file: ActorsOpt = None,
) -> None:
    """List the actors of the log, or of the events the filters of 'show' select: id, display
    name, events as actor and as target, first and last date, aliases.
    """
    if ctx.invoked_subcommand is not None:
        return
    from timeline.actors import tally
    from timeline.cli.exits import warn_invalid
    from timeline.cli.output import console, emit
    from timeline.cli.registry import load_registry
    from timeline.formats import roster
    from timeline.log.lines import display_name
    from timeline.log.sources import read_any_lines
    from timeline.parsing import valid_lines
    from timeline.prefilter import Prefilter
    from timeline.query import matches
    from timeline.userinput import today

    logs = read_logs(files)
    registry = load_registry(registry_file, *logs)
    flt = filters.filter(today=today(as_of), registry=registry)
    want = None if strict or flt.is_empty else Prefilter(flt)
    lines = (
        parsed
        for log in logs
        for parsed in valid_lines(read_any_lines(log), source=display_name(log), strict=strict,
                                  on_invalid=warn_invalid, want=want)
    )  # fmt: skip
    found = tally(parsed.event for parsed in lines if matches(parsed.event, flt))
    if as_json:
        emit(roster.records(found, registry))
        return
    terminal = console()  # on a terminal, the table fits its width; into a pipe, lines are whole
    width = terminal.width if terminal.is_terminal else None
    view = roster.tree if tree else roster.table
    emit(view(found, registry, width=width))


@app.command(epilog=RENAME_EXAMPLES)
def rename(
    old: Annotated[
        str,
        typer.Argument(
            metavar="OLD",
            help="The actor to rename (id, name or alias).",
            autocompletion=complete_actors,
        ),
    ],
    new: Annotated[str, typer.Argument(metavar="NEW", help="Its new id (or a registered name).")],
    files: FileOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", "-n", help="Show what would change, change nothing.")
    ] = False,
    registry_file: ActorsOpt = None,
) -> None:
    """Rename an actor in every event (actors and targets; its parts move with it) and in the
    registry, if OLD is in it; print the ids of the events changed.
    """
    from timeline.actors import is_part, renamed_registry
    from timeline.cli.exits import say
    from timeline.cli.output import count, emit, emit_after_change
    from timeline.cli.registry import load_registry, refuse_changed, registry_path
    from timeline.edits import events_naming, renamed_lines
    from timeline.errors import ConflictError, InputError, LogWriteError, TimelineError
    from timeline.formats.output import TextLines
    from timeline.log.files import lock_log, read_raw_lines, refuse_unrewritable
    from timeline.log.lines import RawLine, display_name
    from timeline.rules import normalize_actor
    from timeline.text import visible
    from timeline.userinput import check_utf8

    file = write_log(files, "actors rename")
    check_utf8("OLD", old)
    check_utf8("NEW", new)
    registry = load_registry(registry_file, file)

    def literal_id(value: str) -> str | None:
        """``value`` as an event would store it, whatever the registry reads it as."""
        try:
            return normalize_actor(value)
        except ValueError:
            return None

    def actor_id(label: str, value: str) -> str:
        found = registry.resolve(value) if registry is not None else None
        if found is not None:
            return found
        try:
            return normalize_actor(value)
        except ValueError as exc:
            raise InputError(f"{label}: {exc}") from None

    read_old, read_new = actor_id("OLD", old), actor_id("NEW", new)
    literal_old, literal_new = literal_id(old), literal_id(new)
    path = registry_path(registry_file, file)
    name = display_name(file)

    def chosen_old(lines: list[RawLine]) -> str:
        """OLD typed as an id that events store wins over the registry's reading of it: an
        event that stores a name of another actor as its id ('kremlin', which check warns of)
        is renamed, not the actor the registry means. Typed otherwise ('Kremlin'), it is the
        registry's."""
        if (
            literal_old == old
            and literal_old != read_old
            and events_naming(lines, literal_old, name=name)
        ):
            registry_reads = f"the registry reads {visible(repr(old))} as {visible(read_old)}"
            say(f"timeline: OLD: {visible(repr(literal_old))} is an id in {name}: renamed as such "
                f"({registry_reads})")  # fmt: skip
            return literal_old
        if old != read_old:  # a name, an alias, or a form the log would not store
            say(f"timeline: OLD: {visible(repr(old))} is {visible(read_old)}")
        return read_old

    def chosen_new(old_id: str) -> str:
        """NEW as the registry reads it; but, OLD typed as its id, a name or an alias of its
        own actor is the id it is to have ('russia', which reads as rus after 'rename russia
        rus'): else a rename could not be undone by renaming back. (OLD typed as a name, NEW
        reading as the same actor is one actor twice: 'rename Lukashenko lukashenko'.)"""
        typed_as_id = old == old_id  # exactly: 'Russia' is a name, though it reads as russia
        if typed_as_id and read_new == old_id and literal_new not in (None, old_id):
            say(f"timeline: NEW: {visible(repr(new))} names {visible(old_id)}, whose id it "
                f"becomes: {visible(literal_new)}")  # fmt: skip
            whole = next((a for a in registry.actors if a != literal_new
                          and is_part(literal_new, a)), None) if registry else None  # fmt: skip
            if whole is not None:  # read from a name, not typed as an id: worth a word
                say(f"timeline: NEW: {visible(literal_new)} is a part of {visible(whole)}")
            return literal_new
        if new != read_new:
            say(f"timeline: NEW: {visible(repr(new))} is {visible(read_new)}")
        return read_new

    def refuse_one_actor(old_id: str) -> None:
        if old_id == new_id:
            raise InputError(f"rename: {old!r} and {new!r} are one actor already: {old_id}")
        if is_part(new_id, old_id) or is_part(old_id, new_id):
            raise InputError(f"rename: {old_id!r} and {new_id!r}: one is a part of the other")

    def registered(old_id: str) -> bool:
        return registry is not None and any(is_part(a, old_id) for a in registry.actors)

    def refuse_if_nothing(changes: list[Renamed], old_id: str, in_registry: bool) -> None:
        if not changes and not in_registry:  # a dry run says what the run would
            raise ConflictError(f"{name}: no event names {old_id!r}: nothing to rename")

    def say_if_joined(lines: list[RawLine], old_id: str, changes: list[Renamed]) -> None:
        joined = events_naming(lines, new_id, name=name) if changes else 0
        if joined:  # two spellings of one actor, made one: worth knowing it happened
            verb = "would become" if dry_run else "is now"
            say(
                f"timeline: {new_id!r} already names {count(joined, 'event')} of {name}: "
                f"{old_id!r} {verb} one actor with it"
            )

    if dry_run:
        lines = list(read_raw_lines(file))
        old_id = chosen_old(lines)
        new_id = chosen_new(old_id)
        refuse_one_actor(old_id)
        in_registry = registered(old_id)
        changes, skipped = renamed_lines(lines, old=old_id, new=new_id, name=name)
        refuse_if_nothing(changes, old_id, in_registry)
        if in_registry and path is not None:
            renamed_registry(path.read_bytes(), old=old_id, new=new_id, source=str(path))
        say_if_joined(lines, old_id, changes)
    else:
        with lock_log(file, create=False) as log:
            refuse_changed(registry)
            lines = list(log.raw_lines())
            old_id = chosen_old(lines)
            new_id = chosen_new(old_id)
            refuse_one_actor(old_id)
            in_registry = registered(old_id)
            changes, skipped = renamed_lines(lines, old=old_id, new=new_id, name=name)
            refuse_if_nothing(changes, old_id, in_registry)
            if in_registry and path is not None:  # refused before the log changes, if at all
                renamed_registry(path.read_bytes(), old=old_id, new=new_id, source=str(path))
                refuse_unrewritable(path, str(path))
            by_line = {change.line.lineno: change.data for change in changes}
            if by_line:
                owner_note = log.rewrite(by_line.get(line.lineno, line.data) for line in lines)
                if owner_note:
                    say(f"timeline: {owner_note}")
            if in_registry and path is not None:
                # The log first: if the registry then cannot be written, running the command
                # again finishes the job (OLD is then only in the registry, which still reads
                # its names as OLD; the other way round, it would read them as NEW).
                try:
                    with lock_log(path, create=False) as held:
                        data = b"".join(line.data for line in held.raw_lines())
                        renamed = renamed_registry(data, old=old_id, new=new_id, source=str(path))
                        if renamed is not None:
                            owner_note = held.rewrite([renamed])
                            if owner_note:
                                say(f"timeline: {owner_note}")
                except TimelineError as exc:
                    if not changes:
                        raise
                    done = f"renamed {old_id!r} to {new_id!r} in {count(len(changes), 'event')}"
                    raise LogWriteError(f"{done} of {name}, not in the registry: {exc} (run the "
                                        "command again to finish)") from None  # fmt: skip
        say_if_joined(lines, old_id, changes)
    for lineno in skipped:
        say(f"{name}:{lineno}: names {old_id!r} but is not a valid event: left as it is")
    where = f" and in {path}" if in_registry else ""
    what = f"{old_id!r} to {new_id!r} in {count(len(changes), 'event')} of {name}{where}"
    if dry_run:
        emit(TextLines(_described(change, name) for change in changes))
        say(f"would rename {what}")
        return
    done = f"renamed {what}"
    emit_after_change((visible(change.after.id) for change in changes), done=done)
    say(done)


def _described(change: Renamed, name: str) -> str:
    """'events.jsonl:8: ID: actors: a → b' for one event a rename changes."""
    from timeline.text import visible

    before, after = change.before, change.after
    fields = [
        f"{field}: {', '.join(old)} → {', '.join(new)}"
        for field, old, new in (
            ("actors", before.actors, after.actors),
            ("targets", before.targets, after.targets),
        )
        if old != new
    ]
    return visible(f"{name}:{change.line.lineno}: {after.id}: {'; '.join(fields)}")
