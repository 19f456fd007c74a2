"""The block scan keeps exactly the lines that hold a needle: whichever search it picks for the
needles (bytes.find for a lone JSON string, a regular expression otherwise), in any case when
it lowercases, and as a word only when asked."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from timeline.log.scan import Anchors, lead_byte, line_starts, scan_lines, stream_blocks

_ALPHABET = st.sampled_from(
    [b'"', b"a", b"b", b"A", b"1", b" ", b"-", b"\xd0\xb1", b"\\t", b"\\u00AD", b"\\", b"u", b":"]
)
_LINES = st.lists(st.lists(_ALPHABET, max_size=12).map(b"".join), max_size=12)
_NEEDLES = st.sampled_from([b'"ab"', b'"a', b"ab", b"a1", b"b"])


def _holds(hay: bytes, needle: bytes, *, words: bool) -> bool:
    """The plain definition: some occurrence of ``needle``, with no ASCII letter or digit next
    to it when ``words``, unless the one before ends a JSON escape (a tab, a soft hyphen)."""
    pos = hay.find(needle)
    while pos != -1:
        before, after = hay[pos - 1 : pos], hay[pos + len(needle) : pos + len(needle) + 1]
        escape_ends = re.search(rb"\\(?:[bfnrt]|u[0-9a-fA-F]{4})\Z", hay[:pos]) is not None
        if not words or not (
            (before.isalnum() and before.isascii() and not escape_ends)
            or (after.isalnum() and after.isascii())
        ):
            return True
        pos = hay.find(needle, pos + 1)
    return False


@given(
    lines=_LINES,
    needles=st.lists(_NEEDLES, min_size=1, max_size=3, unique=True),
    lowercase=st.booleans(),
    words=st.booleans(),
)
def test_the_scan_keeps_exactly_the_lines_that_hold_a_needle(
    lines: list[bytes], needles: list[bytes], lowercase: bool, words: bool
) -> None:
    if words:  # a word needle is a word: letters and digits (prefilter's actor pieces)
        needles = [n for n in needles if n.isalnum()] or [b"ab"]
    anchors = Anchors(tuple(needles), lowercase, (), words=words)
    data = b"".join(line + b"\n" for line in lines)
    found = [line.content for line in scan_lines(stream_blocks(io.BytesIO(data)), anchors)]
    expected = [
        line
        for line in lines
        if any(_holds(line.lower() if lowercase else line, n, words=words) for n in needles)
    ]
    assert found == expected


@given(lines=st.lists(st.sampled_from([b"", b"x", b"xx", b"ax", b"a"]), max_size=12))
def test_line_starts_reads_each_byte_once_however_many_hits(lines: list[bytes]) -> None:
    """The lines that hold a hit, found by searches that together cover each byte before the
    last hit once: a line of 100,000 hits is not searched back over 100,000 times."""
    block = b"".join(line + b"\n" for line in lines) + b"x" * 1000
    searched: list[int] = []

    def rfind(sub: bytes, start: int, end: int) -> int:
        searched.append(end - start)
        return block.rfind(sub, start, end)

    hits = [at for at in range(len(block)) if block[at : at + 1] == b"x"]
    expected = {block.rfind(b"\n", 0, at) + 1 for at in hits}
    assert line_starts(rfind, hits) == expected
    assert sum(searched) <= hits[-1]


def test_a_lone_json_string_is_found_at_every_place() -> None:
    """The bytes.find search: a needle at a block's start and end, twice in a line, and
    overlapping itself, in a line of its own and beside others."""
    needle = b'"a"'
    anchors = Anchors((needle,), False, ())
    data = b'"a"x"a"\nnone\n"a"a"\nx"a"\n'
    found = [line.content for line in scan_lines(stream_blocks(io.BytesIO(data)), anchors)]
    assert found == [b'"a"x"a"', b'"a"a"', b'x"a"']


_PATTERNS = st.sampled_from(
    [
        rb"\\u00",  # a backslash first: found by probing while few, then searched
        rb'"a"\s*:\s*"',
        rb"a|\\",  # no one first byte: searched only
        rb"\\?b",
        rb"[\\a]b",
    ]
)


@given(lines=_LINES, pattern=_PATTERNS, repeat=st.integers(min_value=1, max_value=40))
@example(lines=[b"\\\\u00", b"x"], pattern=rb"\\u00", repeat=1)  # the second backslash matches
def test_the_scan_keeps_exactly_the_lines_a_doubtful_pattern_matches(
    lines: list[bytes], pattern: bytes, repeat: int
) -> None:
    """Repeated, the lines hold more of a pattern's first byte than the scan probes one by one
    (64): the lines past them are found by the search that takes over."""
    compiled = re.compile(pattern)
    anchors = Anchors((b"\x00never",), False, (), (compiled,))
    lines = lines * repeat
    data = b"".join(line + b"\n" for line in lines)
    found = [line.content for line in scan_lines(stream_blocks(io.BytesIO(data)), anchors)]
    assert found == [line for line in lines if compiled.search(line)]


@pytest.mark.parametrize(
    ("pattern", "lead"),
    [
        (rb"\\u00", b"\\"),
        (rb'"end"\s*:', b'"'),
        (rb"x[]|]y", b"x"),
        (rb"a|b", b""),
        (rb"ab|c", b""),
        (rb"a*b", b""),
        (rb"a{0,2}b", b""),
        (rb"\\?x", b""),
        (rb"\d", b""),
        (rb".a", b""),
        (rb"(a)", b""),
        (rb"[a]", b""),
        (rb"\x41", b""),
        (rb"\n", b""),
        (rb"(?i)a", b""),
        (rb"a(?#()|b", b""),  # a comment hides the '(' that would hide the '|'
        (rb"a(?#[)|b", b""),
        (b"a(?x:#)\n)|b", b""),  # a real newline ends the comment
    ],
)
def test_a_patterns_lead_byte_is_one_every_match_begins_with(pattern: bytes, lead: bytes) -> None:
    """Or none, where the source does not show it plainly."""
    assert lead_byte(re.compile(pattern)) == lead


def test_no_lead_byte_under_flags_that_change_what_a_byte_matches() -> None:
    """'A' matches 'a' without regard to case; a verbose pattern's first byte may be a blank."""
    assert lead_byte(re.compile(rb"a", re.IGNORECASE)) == b""
    assert lead_byte(re.compile(rb" a", re.VERBOSE)) == b""
