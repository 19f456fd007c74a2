"""Shell completion of ids and actors, read from the log the command line names.

A completion runs on every press of TAB: it reads the log leniently (a bad line holds nothing
to offer) and never fails; on any trouble it offers nothing.

The shell types what is offered into the command line as it is, unquoted (bash's COMPREPLY),
and a log's text is untrusted: an id may be ``x$(id>/tmp/p)`` or ``x;reboot``, which the next
Enter would run. So only a value that every shell reads as the word itself is offered:
letters, digits and their combining marks in any script, and ``_@%+=:,./-`` (``shlex.quote``'s
safe characters), not starting with '-', '=' or a mark. Another value is left for the user to
type, quoted.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

_MOST = 200  # suggestions at most: a shell shows no more usefully
_SHELL_PUNCTUATION = frozenset("_@%+=:,./-")


def _shell_word(value: str) -> bool:
    """Whether every shell reads ``value``, unquoted, as the word itself (see above)."""
    if not value or value[0] in "-=" or unicodedata.category(value[0])[0] == "M":
        return False
    return all(
        c.isalnum() or c in _SHELL_PUNCTUATION or unicodedata.category(c)[0] == "M" for c in value
    )


def _logs(ctx: Any) -> list[str]:
    """The logs the command line names, as the command will read them (see ``cli.logs``):
    for ``diff``, its sides that are files (standard input and git's are not read for it)."""
    from timeline.cli.logs import read_logs
    from timeline.log.sources import is_path

    params = getattr(ctx, "params", None) or {}
    if "old" in params:  # diff: while completing, click leaves its arguments unparsed, in args
        sides = [params[side] for side in ("old", "new") if isinstance(params[side], str)]
        typed = sides or [arg for arg in getattr(ctx, "args", [])[:2] if isinstance(arg, str)]
        return [side for side in typed if is_path(side)]
    return read_logs(params.get("files"))


def _values(ctx: Any, keys: tuple[str, ...]) -> Iterator[str]:
    from timeline.log.decoding import json_objects
    from timeline.log.files import read_raw_lines

    for log in _logs(ctx):
        for _, obj in json_objects(read_raw_lines(log)):
            for key in keys:
                value = obj.get(key)
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str):
                        yield item


def _complete(ctx: Any, incomplete: str, keys: tuple[str, ...]) -> list[str]:
    from timeline.errors import TimelineError

    found: dict[str, None] = {}
    try:
        for value in _values(ctx, keys):
            if value.startswith(incomplete) and _shell_word(value):
                found[value] = None
                if len(found) >= _MOST:
                    break
    except (TimelineError, OSError, ValueError):
        return []
    return sorted(found)


def complete_ids(ctx: Any, incomplete: str) -> list[str]:
    """The ids of the log that start with what is typed."""
    return _complete(ctx, incomplete, ("id",))


def complete_actors(ctx: Any, incomplete: str) -> list[str]:
    """The actor ids of the log (as actors or as targets) that start with what is typed."""
    return _complete(ctx, incomplete, ("actors", "targets"))
