"""Finding the lines that hold given bytes, a block at a time: grep's speed for a filter."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from timeline.log.lines import RawLine


@dataclass(frozen=True, slots=True)
class Anchors:
    """Bytes that every line matching a filter must hold: one of ``needles`` (searched in the
    ASCII-lowercased bytes when ``lowercase``), or else one of the ``doubtful`` sequences or a
    match of a ``doubtful_patterns`` one (escapes and other text the bytes cannot judge; each
    best begins with a fixed byte, which the search skips to). A line that holds a needle is
    kept only when ``within`` (if given) matches in it too, in the same bytes: where a needle
    must stand, say in an actor list, so that a line naming it elsewhere is passed over in C.
    With ``words``, a needle counts only where no ASCII letter or digit stands beside it.
    Lets the scanner skip whole stretches of a log in C."""

    needles: tuple[bytes, ...]
    lowercase: bool
    doubtful: tuple[bytes, ...]
    doubtful_patterns: tuple[re.Pattern[bytes], ...] = ()
    within: re.Pattern[bytes] | None = None
    words: bool = False

    @property
    def pattern(self) -> re.Pattern[bytes]:
        if not self.words:
            return re.compile(b"|".join(re.escape(n) for n in self.needles))
        # The bounds follow the needle, so that the search still skips to the needle's bytes.
        return re.compile(b"|".join(re.escape(n) + word_bounds(re.escape(n)) for n in self.needles))

    def may_hold(self, data: bytes) -> bool:
        """Whether one line's bytes may be one that ``scan_lines`` keeps (more lines, never
        fewer: a needle anywhere, ``within`` and word bounds aside), for lines read already."""
        hay = data.lower() if self.lowercase else data
        if any(needle in hay for needle in self.needles):
            return True
        if self.doubtful and not data.isascii() and _any_of(self.doubtful).search(data):
            return True
        return any(pattern.search(data) is not None for pattern in self.doubtful_patterns)

    def hits(self) -> Callable[[bytes, int], Iterable[int]]:
        """Where the needles start in a block's first bytes: (hay, end) -> offsets."""
        if len(self.needles) == 1 and self.needles[0].startswith(b'"') and not self.words:
            # A JSON string (a type, a status, an id): '"' is a line's commonest byte, and the
            # regular-expression engine stops at each, where bytes.find skips ahead (twice as
            # fast on the bench log).
            return functools.partial(_finds, self.needles[0])
        finditer = self.pattern.finditer
        return lambda hay, end: (hit.start() for hit in finditer(hay, 0, end))


@functools.lru_cache(maxsize=8)
def _any_of(sequences: tuple[bytes, ...]) -> re.Pattern[bytes]:
    """One search for any of ``sequences``, for a line (a block looks for each in turn)."""
    return re.compile(b"|".join(map(re.escape, sequences)))


def word_bounds(word: bytes) -> bytes:
    """A pattern to follow ``word`` (a pattern of fixed width) where it must stand as a word:
    no ASCII letter or digit after it, and none before it, unless that one ends a JSON escape
    (``\\t``, ``\\u00ad``: a tab or a soft hyphen, not a letter)."""
    before = (rb"(?<![a-zA-Z0-9]%s)", rb"(?<=\\[bfnrt]%s)", rb"(?<=\\u[0-9a-fA-F]{4}%s)")
    return rb"(?:%s)(?![a-zA-Z0-9])" % b"|".join(bound % word for bound in before)


_SPECIAL = frozenset(b".^$*+?{}[]|()\\")
_QUANTIFIERS = frozenset(b"*+?{")
_PROBES = 64
# A comment group, or a group whose verbose mode makes '#' start a comment: their text may
# hold a '|' or a bracket that the scan below would take for syntax.
_HIDES_SYNTAX = re.compile(rb"\(\?(?:#|[aiLmsu-]*x)")


def lead_byte(pattern: re.Pattern[bytes]) -> bytes:
    """The byte every match of ``pattern`` begins with, when its source shows it plainly: a
    literal byte or an escaped special one (``\\\\``) that no quantifier follows, in a pattern
    with no alternative at its top level and no comment; else b"" (then no byte is known)."""
    source = pattern.pattern
    if pattern.flags & (re.IGNORECASE | re.VERBOSE) or not source or _HIDES_SYNTAX.search(source):
        return b""
    width = 2 if source[0] == ord("\\") else 1
    lead = source[width - 1 : width]
    if not lead or (width == 1) == (lead[0] in _SPECIAL):
        return b""
    if source[width : width + 1] and source[width] in _QUANTIFIERS:
        return b""
    depth, pos = 0, 0
    while pos < len(source):  # a '|' outside groups and classes: another first byte
        char = source[pos]
        if char == ord("\\"):
            pos += 1
        elif char == ord("["):
            pos = _class_end(source, pos)
        elif char == ord("("):
            depth += 1
        elif char == ord(")"):
            depth -= 1
        elif char == ord("|") and depth == 0:
            return b""
        pos += 1
    return lead


def _class_end(source: bytes, start: int) -> int:
    """Where the character class that opens at ``start`` closes."""
    pos = start + 1
    if source[pos : pos + 1] == b"^":
        pos += 1
    if source[pos : pos + 1] == b"]":  # a ']' first is a member
        pos += 1
    while pos < len(source) and source[pos] != ord("]"):
        pos += 2 if source[pos] == ord("\\") else 1
    return pos


def _finds(needle: bytes, hay: bytes, end: int) -> Iterator[int]:
    find = hay.find
    pos = find(needle, 0, end)
    while pos != -1:
        yield pos
        pos = find(needle, pos + len(needle), end)


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


def line_starts(rfind: Callable[[bytes, int, int], int], hits: Iterable[int]) -> set[int]:
    """Where the lines that hold ``hits`` (offsets in order) start, by ``rfind`` of a block.
    Each hit's line starts after the last newline before it, searched for only back to the
    hit before (none there: the same line): searched back to the line's start for each, a
    line of many hits is read again for each (the square of its length: 30 s for 4 MiB)."""
    starts: set[int] = set()
    start = after = 0
    for hit in hits:
        start = rfind(b"\n", after, hit) + 1 or start
        starts.add(start)
        after = hit
    return starts


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
    hits, within = anchors.hits(), anchors.within
    doubtful_patterns = [(p, lead_byte(p)) for p in anchors.doubtful_patterns]
    for block, cut in blocks:
        hay = block.lower() if anchors.lowercase else block
        rfind, find = block.rfind, block.find
        starts = line_starts(rfind, hits(hay, cut))
        if within is not None:
            search_within = within.search
            starts = {s for s in starts if search_within(hay, s, (find(b"\n", s, cut) + 1) or cut)}
        # A line with many doubtful bytes is added once: each search resumes at the next line.
        leads: dict[bytes, bool] = {}
        for sequence in anchors.doubtful:
            lead = sequence[:1]
            if lead not in leads:
                leads[lead] = find(lead, 0, cut) != -1  # one byte: memchr, faster than a search
            pos = find(sequence, 0, cut) if leads[lead] else -1
            while pos != -1:
                starts.add(rfind(b"\n", 0, pos) + 1)
                after = find(b"\n", pos, cut) + 1
                pos = find(sequence, after, cut) if after else -1
        for pattern, lead in doubtful_patterns:
            search, match = pattern.search, pattern.match
            pos, probes = find(lead, 0, cut) if lead else 0, 0
            # The regular-expression engine looks for a pattern's first byte one byte at a
            # time, where find skips to it (memchr): while that byte is rare in the block (a
            # backslash), each is tried in turn.
            while lead and pos != -1 and probes < _PROBES:
                probes += 1
                if match(block, pos, cut) is None:
                    pos = find(lead, pos + 1, cut)
                    continue
                starts.add(rfind(b"\n", 0, pos) + 1)
                after = find(b"\n", pos, cut) + 1
                pos = find(lead, after, cut) if after else -1
            hit = search(block, pos, cut) if pos != -1 else None
            while hit is not None:
                pos = hit.start()
                starts.add(rfind(b"\n", 0, pos) + 1)
                after = find(b"\n", pos, cut) + 1
                hit = search(block, after, cut) if after else None
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
