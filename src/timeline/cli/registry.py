"""The actor registry on the command line: which file, read once per command, and what the
actors a user typed resolve to (a filter warns about a name it does not know; a writer refuses
one, unless ``--new-actor``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, overload

from timeline.errors import ConflictError, InputError

if TYPE_CHECKING:
    from timeline.actors import Registry


def registry_path(actors: str | None, *logs: str) -> Path | None:
    """The registry a command reads: ``actors`` (``--actors`` or ``$TIMELINE_ACTORS``), else
    ``actors.toml`` beside the first log path that has one, the log made or not (a writer's
    first event is stored as its next ones are); None if there is none."""
    from timeline.actors import REGISTRY_FILE
    from timeline.log.sources import is_path

    if actors is not None:
        return Path(actors)
    for log in logs:
        if not is_path(log):
            continue  # standard input and git's REV:PATH have no folder to look in
        beside = Path(log).parent / REGISTRY_FILE
        if beside.is_file():
            return beside
    return None


def load_registry(actors: str | None, *logs: str) -> Registry | None:
    """The registry a command uses, read and checked: ``registry_path``'s, else, for a log
    given as git's ``REV:PATH``, ``actors.toml`` beside it in that revision; None when there
    is none (everything then works as if no registry existed)."""
    from timeline.actors import RegistryError, parse_registry
    from timeline.log.lines import os_reason, unreadable_kind

    if actors == "":  # Path('') would be the current folder
        raise RegistryError("the actor registry's file name is empty (--actors, $TIMELINE_ACTORS)")
    path = registry_path(actors, *logs)
    if path is None:
        found = _registry_in_git(logs)
        return None if found is None else parse_registry(found[1], source=found[0])
    try:
        why = unreadable_kind(os.stat(path).st_mode)
        if why is None:
            return parse_registry(path.read_bytes(), source=str(path))
    except OSError as exc:
        why = os_reason(exc)
    raise RegistryError(f"{path}: cannot read the actor registry: {why}")


def _registry_in_git(logs: Sequence[str]) -> tuple[str, bytes] | None:
    """The first ``REV:DIR/actors.toml`` that git holds beside a log given as ``REV:PATH``,
    as its spec and its bytes (a log of a revision is read with the registry of that revision:
    the names its actors had then)."""
    import posixpath

    from timeline.actors import REGISTRY_FILE
    from timeline.log.lines import STDIN
    from timeline.log.sources import git_file, is_path

    for log in logs:
        if log == STDIN or is_path(log):  # a path, or a spec without ':'
            continue
        revision, _, path = log.partition(":")
        spec = f"{revision}:{posixpath.join(posixpath.dirname(path), REGISTRY_FILE)}"
        data = git_file(spec)
        if data is not None:
            return spec, data
    return None


def refuse_changed(registry: Registry | None) -> None:
    """Under the log's lock, before a change: the registry must be as it was read, before the
    lock was taken. A command that waited there behind an ``actors rename`` would store a name
    as an id the registry no longer holds, or rename what is renamed already. The temporary
    that a killed rename left beside the registry goes, as one beside the log does."""
    if registry is None:
        return
    from timeline.log.files import remove_stale_temporaries

    remove_stale_temporaries(Path(os.path.realpath(registry.source)))
    try:
        now: bytes | None = Path(registry.source).read_bytes()
    except OSError:
        now = None
    if now != registry.data:
        raise ConflictError(
            f"{registry.source}: the actor registry changed while this command waited for the "
            "log (an 'actors rename'?): nothing was changed; run the command again"
        )


def filter_ids(registry: Registry | None, flag: str, values: Sequence[str] | None) -> list[str]:
    """A filter's actors as ids. A value the registry does not know is kept as typed (the log
    may hold it), with a warning that names the nearest registered actors."""
    from timeline.cli.exits import say
    from timeline.rules import normalize_actor

    if registry is None or not values:
        return list(values or ())
    ids = []
    for value in values:
        found = registry.resolve(value)
        if found is None:
            try:
                stored = normalize_actor(value)
            except ValueError:  # the filter itself refuses it, naming the flag
                stored = None
            if stored is not None and not registry.is_known_prefix(stored):
                say(f"timeline: {flag}: {registry.unknown(value)}")
        ids.append(found or value)
    return ids


@overload
def event_ids(
    registry: Registry | None, flag: str, values: Sequence[str], *, new_actor: bool
) -> list[str]: ...
@overload
def event_ids(
    registry: Registry | None, flag: str, values: Sequence[str] | None, *, new_actor: bool
) -> list[str] | None: ...
def event_ids(
    registry: Registry | None, flag: str, values: Sequence[str] | None, *, new_actor: bool
) -> list[str] | None:
    """The actors of an event being written, as ids, saying on stderr what a name resolved
    to. Without ``new_actor``, an actor the registry does not know is refused. An empty value
    (``--target ''``: clear the list) is kept."""
    from timeline.cli.exits import say
    from timeline.rules import normalize_actor

    if registry is None or values is None:
        return None if values is None else list(values)
    ids = []
    for value in values:
        if value == "":
            ids.append(value)
            continue
        found = registry.resolve(value)
        if found is None:
            if not new_actor:
                raise InputError(
                    f"{flag}: {registry.unknown(value)} (give --new-actor to add it anyway)"
                )
            ids.append(value)
            continue
        try:
            typed = normalize_actor(value)
        except ValueError:
            typed = None
        if typed != found:
            say(f"timeline: {flag}: {value!r} is {found}")
        ids.append(found)
    return ids
