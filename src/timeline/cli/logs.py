"""Which logs a command reads or writes: each ``--file``, else ``$TIMELINE_FILE``, else
``data/events.jsonl`` under the current folder."""

from __future__ import annotations

import os
import stat

DEFAULT_FILE = "data/events.jsonl"


class _Defaulted:
    """Whether this command's log is the default one, which nobody named (``ExitGroup`` resets
    it for each command): an error about that log then says how to name one."""

    log = False


def _given_or_default(given: list[str] | None) -> list[str]:
    # $TIMELINE_FILE is one path, never split: a path may hold spaces, and git's REV:PATH a
    # colon, so neither os.pathsep nor whitespace could separate several.
    from_env = os.environ.get("TIMELINE_FILE")
    _Defaulted.log = not given and not from_env
    return list(given or ()) or [from_env or DEFAULT_FILE]


def forget_default() -> None:
    """Before a command: no log yet."""
    _Defaulted.log = False


def with_default_hint(message: str) -> str:
    """An error's message, with how to name a log when it is about the default one that
    nobody named (a first run in another folder: 'data/events.jsonl: no such file' alone does
    not say that a log can be named)."""
    if _Defaulted.log and message.startswith(f"{DEFAULT_FILE}:"):
        return (
            f"{message} (the default log, under the current folder: name one with -f FILE or "
            "$TIMELINE_FILE)"
        )
    return message


def _same_log(spec: str) -> object:
    """What two specs share when they name one log: a file's device and inode (however the
    path is spelled: ``data/events.jsonl``, ``./data/events.jsonl``, a link), else the spec."""
    from timeline.log.lines import STDIN
    from timeline.log.sources import is_path

    try:
        if spec == STDIN:  # standard input redirected from a file (`< a.jsonl`) is that file
            found = os.fstat(0)
            return (found.st_dev, found.st_ino) if stat.S_ISREG(found.st_mode) else spec
        if is_path(spec):
            found = os.stat(spec)
            return (found.st_dev, found.st_ino)
    except OSError:  # the reading says why
        pass
    return spec


def read_logs(given: list[str] | None) -> list[str]:
    """The logs a reading command reads as one: each ``--file`` in the order given (a log
    given twice, under any spelling, is read once), else ``$TIMELINE_FILE``, else
    ``data/events.jsonl``."""
    logs: dict[object, str] = {}
    for spec in _given_or_default(given):
        logs.setdefault(_same_log(spec), spec)
    return list(logs.values())


def logs_name(logs: list[str]) -> str:
    """How messages name the logs read as one: 'a.jsonl, b.jsonl'."""
    from timeline.log.lines import display_name

    return ", ".join(display_name(log) for log in logs)


def published_name(logs: list[str]) -> str:
    """How a published page (html, markdown, ics, timelinejs) names the logs it came from: a
    file by its name alone, for its folders, and a git revision's name (a branch), are nobody's
    business but the publisher's: ``events.jsonl`` for ``/home/jane/cases/events.jsonl`` and
    for ``jane-case:data/events.jsonl``. Standard input is ``<stdin>``, and a path the system
    gives (``/dev/fd/63`` from a shell's ``<(…)``) is as typed: it names no folder of the
    publisher's."""
    from timeline.log.lines import STDIN, display_name
    from timeline.log.sources import is_path

    def name(log: str) -> str:
        if log == STDIN or log.startswith(("/dev/", "/proc/")):
            return display_name(log)
        return os.path.basename(log if is_path(log) else log.rpartition(":")[2])

    return ", ".join(map(name, logs))


def write_log(given: list[str] | None, command: str) -> str:
    """The one log a writing command changes; several ``--file`` are refused (which one would
    it change?), and so is standard input, before anything is read (a dry run too)."""
    from timeline.errors import InputError, LogWriteError
    from timeline.log.files import STDIN_UNWRITABLE
    from timeline.log.lines import STDIN

    logs = _given_or_default(given)
    if len(logs) > 1:
        raise InputError(
            f"{command}: --file given {len(logs)} times: {command} changes one log "
            "(only the reading commands read several)"
        )
    if logs[0] == STDIN:
        raise LogWriteError(STDIN_UNWRITABLE)
    return logs[0]
