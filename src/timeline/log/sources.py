"""A log named on the command line: a path, ``-`` (standard input) or a git ``REV:PATH``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from timeline.errors import LogReadError
from timeline.log.files import read_raw_lines, snapshot
from timeline.log.lines import STDIN, RawLine, display_name, iter_raw_lines, os_reason
from timeline.log.scan import Anchors, file_blocks, scan_lines, stream_blocks


def _git_bytes(spec: str) -> bytes:
    """The file ``REV:PATH`` as git holds it: a file (blob) only, never a folder's listing."""
    import subprocess

    if spec.startswith("-"):  # git would take it for an option (--output=FILE writes a file)
        raise LogReadError(f"{spec}: cannot read: no such file, and not a git REV:PATH")
    try:
        done = subprocess.run(["git", "cat-file", "blob", spec], capture_output=True, check=False)
    except OSError as exc:
        raise LogReadError(f"{spec}: cannot run git: {os_reason(exc)}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["failed"]
        raise LogReadError(f"{spec}: cannot read from git: {reason[0].removeprefix('fatal: ')}")
    return done.stdout


def git_file(spec: str) -> bytes | None:
    """The file ``REV:PATH`` as git holds it; None when git cannot give it (no such file in
    that revision, no repository, no git)."""
    try:
        return _git_bytes(spec)
    except LogReadError:
        return None


def is_path(spec: str) -> bool:
    """Whether ``spec`` names a file, not stdin or a git ``REV:PATH`` (an existing path wins)."""
    if spec == STDIN:
        return False
    try:
        return ":" not in spec or Path(spec).exists()
    except OSError:  # a name too long to be a file's: git's, then, and git says what is wrong
        return False


def read_any_lines(spec: str, *, anchors: Anchors | None = None) -> Iterator[RawLine]:
    """Lines of a path, ``-`` (stdin) or ``REV:PATH`` in git's syntax; an existing path wins.

    With ``anchors``, only the lines that hold one of them (see ``scan_lines``).
    """
    if spec != STDIN and not is_path(spec):
        return _git_lines(spec, anchors)
    if anchors is None:
        return read_raw_lines(spec)
    return _scan_log(spec, anchors)


def _git_lines(spec: str, anchors: Anchors | None) -> Iterator[RawLine]:
    # The same line splitting as for a file: only b"\n" ends a line.
    data = io.BytesIO(_git_bytes(spec))
    if anchors is None:
        yield from iter_raw_lines(data, name=spec)
    else:
        yield from scan_lines(stream_blocks(data), anchors)


def _scan_log(path: str, anchors: Anchors) -> Iterator[RawLine]:
    with snapshot(path) as snap:
        try:
            yield from scan_lines(file_blocks(snap.fd, 0, snap.length), anchors)
        except OSError as exc:
            raise LogReadError(f"{display_name(path)}: cannot read: {os_reason(exc)}") from None
