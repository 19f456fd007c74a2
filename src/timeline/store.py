"""Reading and writing JSONL logs: streamed reads with line numbers, locked appends, safe rewrites.

Locking protocol (one for every writer): a writer opens the log itself and takes an exclusive
``flock``; a reader takes a shared one. After the lock is granted the holder checks that the
path still names the file it locked (a rewrite replaces the file by ``rename``) and starts over
if not. Appends are one ``write`` of whole lines followed by ``fsync``; rewrites go to a temporary
file in the same folder that is fsynced and renamed over the log, and the folder is fsynced.
A reader therefore sees the log before or after a write, never half of one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import json
import os
import re
import secrets
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from timeline.errors import LineError, LogReadError, LogWriteError

if TYPE_CHECKING:
    from timeline.model import Event
    from timeline.query import Anchors
    from timeline.rules import EventLike

STDIN = "-"
STDIN_NAME = "<stdin>"
_TMP_MARK = ".tmp-"
BOM = b"\xef\xbb\xbf"


def display_name(path: str | Path) -> str:
    """How a log is named in messages: the path as given, or ``<stdin>``."""
    return STDIN_NAME if str(path) == STDIN else str(path)


class RawLine(NamedTuple):
    """One physical line of a log: its 1-based number and bytes, line end included.

    A named tuple rather than a frozen dataclass: a log of a million lines makes a million.
    """

    lineno: int
    data: bytes
    offset: int = -1  # where the line starts in what was read, when the reader counts it

    @property
    def content(self) -> bytes:
        """The line without its line end (``\\n`` or ``\\r\\n``)."""
        data = self.data
        if data.endswith(b"\n"):
            data = data[:-1]
            if data.endswith(b"\r"):
                data = data[:-1]
        return data

    @property
    def is_blank(self) -> bool:
        return not self.content.strip()

    @property
    def is_complete(self) -> bool:
        """False for a last line without a newline: possibly a write cut short."""
        return self.data.endswith(b"\n")


# ---------------------------------------------------------------------------- decoding one line


class _DuplicateKeyError(ValueError):
    pass


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKeyError(key)
        obj[key] = value
    return obj


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a log")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


# A \uD800-\uDFFF escape: fine in a pair, but a lone one is text that cannot be written out.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _type_name(value: object) -> str:
    return {
        list: "an array",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def decode_json_object(
    content: bytes, *, source: str, lineno: int, starts_log: bool
) -> dict[str, Any]:
    """Decode one line's bytes as a JSON object, or raise a located ``LineError``.

    A UTF-8 BOM is skipped only on the line that ``starts_log``: the first of the whole log.
    """
    if starts_log and content.startswith(BOM):
        content = content[len(BOM) :]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LineError(
            source,
            lineno,
            f"not valid UTF-8 (byte 0x{content[exc.start]:02x} at column {exc.start + 1})",
        ) from None
    try:
        obj = json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
        )
    except _DuplicateKeyError as exc:
        raise LineError(source, lineno, f"key {exc.args[0]!r} appears twice") from None
    except json.JSONDecodeError as exc:
        raise LineError(source, lineno, f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise LineError(source, lineno, "not valid JSON: nested too deeply") from None
    except ValueError as exc:  # NaN/Infinity, or an integer too long to convert
        reason = str(exc)
        if "digits" in reason:  # only Pythons that limit them (3.10.7 on) raise this
            reason = f"a number has more than {sys.get_int_max_str_digits()} digits"
        raise LineError(source, lineno, f"not valid JSON: {reason}") from None
    if not isinstance(obj, dict):
        raise LineError(source, lineno, f"expected a JSON object, got {_type_name(obj)}")
    if _SURROGATE_ESCAPE.search(content):
        where = _lone_surrogate(obj, "")
        if where is not None:
            message = "a \\u escape makes a lone surrogate, which is not text"
            raise LineError(source, lineno, message, field=where or None)
    return obj


def _lone_surrogate(value: Any, path: str) -> str | None:
    """The field path of the first string (or key) holding a lone surrogate, else None."""
    if isinstance(value, str):
        return path if any("\ud800" <= ch <= "\udfff" for ch in value) else None
    if isinstance(value, list):
        items = ((f"{path}[{i}]", item) for i, item in enumerate(value))
    elif isinstance(value, dict):
        items = ((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
        for key in value:
            if _lone_surrogate(key, path) is not None:
                return path
    else:
        return None
    for where, item in items:
        found = _lone_surrogate(item, where)
        if found is not None:
            return found
    return None


def split_json_array(data: bytes, *, first_lineno: int, source: str) -> Iterator[RawLine]:
    """The elements of a JSON array as lines of their own, each numbered by the line it starts on.

    Lets ``import`` take ``[{…}, {…}]`` and still name an input line in every error.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LineError(source, first_lineno, f"not valid UTF-8 (at byte {exc.start})") from None
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    lineno = first_lineno
    counted = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos < len(text) and text[pos] == "]":
            rest = text[pos + 1 :]
            if rest.strip():
                junk = pos + 1 + (len(rest) - len(rest.lstrip()))
                where = lineno + text.count("\n", counted, junk)
                raise LineError(source, where, "not valid JSON: text after the closing ']'")
            return
        lineno += text.count("\n", counted, pos)
        counted = pos
        try:
            _, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise LineError(
                source, exc.lineno + first_lineno - 1, f"not valid JSON: {exc.msg}"
            ) from None
        except RecursionError:
            raise LineError(source, lineno, "not valid JSON: nested too deeply") from None
        yield RawLine(lineno, text[pos:end].encode("utf-8") + b"\n")
        pos = end
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos >= len(text) or text[pos] != "]":
            raise LineError(source, lineno, "not valid JSON: expected ',' or ']' after an element")


# ---------------------------------------------------------------------------- opening and locking


def _os_reason(exc: OSError) -> str:
    return {
        errno.ENOENT: "no such file",
        errno.EACCES: "permission denied",
        errno.EISDIR: "is a directory",
        errno.ENOTDIR: "a part of the path is not a folder",
        errno.EROFS: "read-only file system",
        errno.ENOSPC: "no space left on device",
    }.get(exc.errno or 0, exc.strerror or str(exc))


def _lock_current(path: Path, flags: int, lock: int, *, mode: int = 0o644) -> int:
    """Open ``path`` and lock it; retry until the locked file is still the one ``path`` names."""
    while True:
        fd = os.open(path, flags | os.O_CLOEXEC, mode)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise IsADirectoryError(errno.EISDIR, "not a regular file")
            fcntl.flock(fd, lock)
            try:
                current = os.stat(path)
            except FileNotFoundError:
                current = None
            if current is not None and (current.st_dev, current.st_ino) == (st.st_dev, st.st_ino):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


def _check_regular(path: Path, name: str) -> None:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise LogReadError(f"{name}: cannot read: {_os_reason(exc)}") from None
    if stat.S_ISDIR(st.st_mode):
        raise LogReadError(f"{name}: cannot read: is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise LogReadError(f"{name}: cannot read: not a regular file")


@contextlib.contextmanager
def open_log(path: str | Path) -> Iterator[IO[bytes]]:
    """Open a log for reading under a shared lock; ``-`` is standard input."""
    if str(path) == STDIN:
        yield sys.stdin.buffer
        return
    name = display_name(path)
    target = Path(path)
    _check_regular(target, name)  # before open(): opening a FIFO would block
    try:
        fd = _lock_current(target, os.O_RDONLY, fcntl.LOCK_SH)
    except OSError as exc:
        raise LogReadError(f"{name}: cannot read: {_os_reason(exc)}") from None
    with os.fdopen(fd, "rb") as fh:
        yield fh


def iter_raw_lines(fh: IO[bytes], *, name: str) -> Iterator[RawLine]:
    """Every physical line of an open log, numbered from 1."""
    try:
        for lineno, data in enumerate(fh, 1):
            yield RawLine(lineno, data)
    except OSError as exc:
        raise LogReadError(f"{name}: cannot read: {_os_reason(exc)}") from None


def read_raw_lines(path: str | Path) -> Iterator[RawLine]:
    """Every physical line of the log at ``path`` (``-``: stdin), streamed under a shared lock."""
    with open_log(path) as fh:
        yield from iter_raw_lines(fh, name=display_name(path))


def parse_raw_line(line: RawLine, *, source: str) -> Event:
    """The validated event on a non-blank line; raises ``LineError`` naming every bad field."""
    from pydantic import ValidationError

    from timeline.model import Event, describe_validation_error

    # A line read at a known offset starts the log only at 0 (a worker numbers its lines from 1,
    # or not at all); a line from a stream only as line 1.
    starts_log = line.offset == 0 if line.offset >= 0 else line.lineno == 1
    obj = decode_json_object(line.content, source=source, lineno=line.lineno, starts_log=starts_log)
    try:
        return Event.model_validate(obj)
    except ValidationError as exc:
        raise LineError.from_problems(source, line.lineno, describe_validation_error(exc)) from None


class ParsedLine(NamedTuple):
    """A non-blank line and what it holds: an event, or the error that says why not."""

    line: RawLine
    event: EventLike | None
    error: LineError | None
    canonical: bool = False  # the line is the event's canonical form, byte for byte


def parse_lines(
    lines: Iterable[RawLine], *, source: str, want: Callable[[bytes], bool] | None = None
) -> Iterator[ParsedLine]:
    """Each non-blank line, parsed; a bad line is passed on with its error, never dropped.

    ``want`` (a prefilter on the raw bytes) may pass over lines the caller cannot use, unparsed.
    """
    from timeline.fastpath import fast_event

    for line in lines:
        content = line.content
        if not content.strip() or (want is not None and not want(content)):
            continue
        event = fast_event(content)
        if event is not None:
            yield ParsedLine(line, event, None, canonical=True)
            continue
        try:
            yield ParsedLine(line, parse_raw_line(line, source=source), None)
        except LineError as exc:
            yield ParsedLine(line, None, exc)


def _git_bytes(spec: str) -> bytes:
    """The file ``REV:PATH`` as git holds it: a file (blob) only, never a folder's listing."""
    import subprocess

    if spec.startswith("-"):  # git would take it for an option (--output=FILE writes a file)
        raise LogReadError(f"{spec}: cannot read: no such file, and not a git REV:PATH")
    try:
        done = subprocess.run(["git", "cat-file", "blob", spec], capture_output=True, check=False)
    except OSError as exc:
        raise LogReadError(f"{spec}: cannot run git: {_os_reason(exc)}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["failed"]
        raise LogReadError(f"{spec}: cannot read from git: {reason[0].removeprefix('fatal: ')}")
    return done.stdout


def read_any_lines(spec: str, *, anchors: Anchors | None = None) -> Iterator[RawLine]:
    """Lines of a path, ``-`` (stdin) or ``REV:PATH`` in git's syntax; an existing path wins.

    With ``anchors``, only the lines that hold one of them (see ``scan_lines``).
    """
    if spec != STDIN and ":" in spec and not Path(spec).exists():
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
    with open_log(path) as fh:
        try:
            st = os.fstat(fh.fileno()) if fh is not sys.stdin.buffer else None
            if st is not None and stat.S_ISREG(st.st_mode):
                blocks = file_blocks(fh.fileno(), 0, st.st_size)
            else:
                blocks = stream_blocks(fh)
            yield from scan_lines(blocks, anchors)
        except OSError as exc:
            raise LogReadError(f"{display_name(path)}: cannot read: {_os_reason(exc)}") from None


_BLOCK_SIZE = 1 << 22

# Bytes read from a log, and how many of them (from the start) are whole lines: the rest is the
# beginning of a line that the next block holds whole. Searching up to that bound, rather than
# slicing it off, saves copying every block.
Block = tuple[bytes, int]


def stream_blocks(fh: IO[bytes]) -> Iterator[Block]:
    """A stream (stdin, git's output) in blocks of about 4 MiB; the last may lack its newline."""
    rest = b""
    while chunk := fh.read(_BLOCK_SIZE):
        data = rest + chunk if rest else chunk
        cut = data.rfind(b"\n") + 1
        if cut:
            yield data, cut
        rest = data[cut:]
    if rest:
        yield rest, len(rest)


def file_blocks(fd: int, start: int, end: int) -> Iterator[Block]:
    """The bytes [start, end) of a file in blocks of about 4 MiB, each read once with pread.

    A block's partial last line is read again at the start of the next block; a line longer
    than a block is read with blocks twice as large until it fits.
    """
    pos, size = start, _BLOCK_SIZE
    while pos < end:
        block = os.pread(fd, min(size, end - pos), pos)
        if not block:
            return  # the file is shorter than it was
        cut = block.rfind(b"\n") + 1
        if cut == 0 and pos + len(block) < end:
            size *= 2
            continue
        cut = cut or len(block)  # the last line, without its newline
        yield block, cut
        pos += cut
        size = _BLOCK_SIZE


def scan_lines(
    blocks: Iterable[Block], anchors: Anchors, *, offset: int = 0, numbered: bool = True
) -> Iterator[RawLine]:
    """Only the lines that hold a needle of ``anchors`` (in their ASCII-lowercased bytes when it
    says so) or hold something it calls doubtful, with their offsets from ``offset``.

    The search runs over whole blocks in C; Python touches only the lines it finds, so a
    selective filter reads a large log at close to the speed of grep. Lines are numbered as in
    the file, unless ``numbered`` is false: then each line number is 0, and a caller that needs
    one counts the newlines before the line's offset (which saves counting them all).
    """
    first = 1  # number of the block's first line
    base = offset  # offset of the block's first byte
    needles = anchors.pattern
    for block, cut in blocks:
        hay = block.lower() if anchors.lowercase else block
        rfind, find = block.rfind, block.find
        starts = {rfind(b"\n", 0, hit.start()) + 1 for hit in needles.finditer(hay, 0, cut)}
        leads: dict[bytes, bool] = {}
        for sequence in anchors.doubtful:
            lead = sequence[:1]
            if lead not in leads:
                leads[lead] = find(lead, 0, cut) != -1  # one byte: memchr, faster than a search
            pos = find(sequence, 0, cut) if leads[lead] else -1
            while pos != -1:
                starts.add(rfind(b"\n", 0, pos) + 1)
                pos = find(sequence, pos + 1, cut)
        if anchors.doubtful_pattern is not None:
            starts.update(
                rfind(b"\n", 0, hit.start()) + 1
                for hit in anchors.doubtful_pattern.finditer(block, 0, cut)
            )
        lineno, counted = first if numbered else 0, 0
        for start in sorted(starts):
            if numbered:
                lineno += block.count(b"\n", counted, start)
                counted = start
            end = (find(b"\n", start, cut) + 1) or cut
            yield RawLine(lineno, block[start:end], base + start)
        if numbered:
            first = lineno + block.count(b"\n", counted, cut)
        base += cut


# ---------------------------------------------------------------------------- writing


def _check_writable(path: Path, name: str) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise LogWriteError(f"{name}: cannot write: folder '{folder}' does not exist")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise LogWriteError(f"{name}: cannot write: {_os_reason(exc)}") from None
    if not stat.S_ISREG(st.st_mode):
        raise LogWriteError(f"{name}: cannot write: not a regular file")
    # Checked by hand because root ignores permission bits: a log its owner made read-only
    # stays untouched whoever runs the tool.
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise LogWriteError(f"{name}: cannot write: the file is read-only")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class LockedLog:
    """A log held under the exclusive lock: read it, then append or rewrite it."""

    def __init__(self, path: Path, fd: int, *, name: str) -> None:
        self.path = path  # symbolic links resolved: a rewrite replaces the file they lead to
        self.name = name
        self._fd = fd

    def raw_lines(self) -> Iterator[RawLine]:
        """Every line of the log as it is now (the lock keeps other writers out)."""
        with os.fdopen(os.dup(self._fd), "rb") as fh:
            fh.seek(0)
            yield from iter_raw_lines(fh, name=self.name)

    def append(self, lines: Sequence[str]) -> None:
        """Append whole lines in one write; start on a new line if the log ends without one.
        Lines end as the log's last line does (CRLF in a log edited on Windows, else LF)."""
        if not lines:
            return
        try:
            size = os.fstat(self._fd).st_size
            tail = os.pread(self._fd, 2, max(size - 2, 0)) if size else b""
            end = "\r\n" if tail == b"\r\n" else "\n"
            payload = "".join(line + end for line in lines).encode("utf-8")
            if size and not tail.endswith(b"\n"):
                payload = b"\n" + payload
            _write_all(self._fd, payload)
            os.fsync(self._fd)
        except OSError as exc:
            raise LogWriteError(f"{self.name}: cannot write: {_os_reason(exc)}") from None

    def rewrite(self, lines: Iterable[bytes]) -> None:
        """Replace the log by ``lines`` (bytes, line ends included) atomically."""
        folder = self.path.parent
        tmp = folder / f".{self.path.name}{_TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
        st = os.fstat(self._fd)
        if st.st_nlink > 1:
            raise LogWriteError(
                f"{self.name}: cannot rewrite: the file has {st.st_nlink} hard links, and the "
                "others would keep the old text (make it a single file, or use a symbolic link)"
            )
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            try:
                # The new file takes the log's place, so it takes its owner and mode too (the
                # umask would narrow a shared log's group write; root would become its owner).
                with contextlib.suppress(PermissionError):
                    os.fchown(fd, st.st_uid, st.st_gid)
                os.fchmod(fd, stat.S_IMODE(st.st_mode))
                for data in lines:
                    _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
            dir_fd = os.open(folder, os.O_RDONLY | os.O_CLOEXEC)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise LogWriteError(f"{self.name}: cannot write: {_os_reason(exc)}") from None

    def remove_stale_temporaries(self) -> None:
        """Delete temporaries left by a rewrite that was killed; only the lock holder writes one."""
        prefix = f".{self.path.name}{_TMP_MARK}"
        with contextlib.suppress(OSError):
            for entry in self.path.parent.iterdir():
                if entry.name.startswith(prefix):
                    entry.unlink()


@contextlib.contextmanager
def lock_log(path: str | Path, *, create: bool) -> Iterator[LockedLog]:
    """Hold the log under the exclusive lock; with ``create``, make it if it does not exist."""
    name = display_name(path)
    if str(path) == STDIN:
        raise LogWriteError("cannot write to standard input: give the log with --file")
    target = Path(os.path.realpath(path))  # a symbolic link names the log it leads to
    _check_writable(target, name)
    if not create and not target.exists():
        raise LogWriteError(f"{name}: cannot write: no such file")
    flags = os.O_RDWR | os.O_APPEND | (os.O_CREAT if create else 0)
    try:
        fd = _lock_current(target, flags, fcntl.LOCK_EX)
    except OSError as exc:
        raise LogWriteError(f"{name}: cannot write: {_os_reason(exc)}") from None
    try:
        log = LockedLog(target, fd, name=name)
        log.remove_stale_temporaries()
        yield log
    finally:
        os.close(fd)
