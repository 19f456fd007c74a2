"""Making untrusted text safe to show: every control and bidi character becomes a visible escape."""

from __future__ import annotations

import re
from collections.abc import Sequence

# C0 controls, DEL and C1 controls; bidi marks, embeddings, overrides and isolates; the line
# and paragraph separators, which end a line for many readers of text (Python's splitlines,
# editors); lone surrogates (a file name that is not UTF-8 holds them), which no output
# encoding accepts.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)
_UNSAFE_KEEP_NEWLINE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)


# Unicode's default-ignorable code points (DerivedCoreProperties.txt, Default_Ignorable_Code_Point):
# bidi marks, a soft hyphen, zero-width spaces and joiners, fillers, variation selectors, tags.
# A reader sees none of them; in a text they have work to do (a zero-width joiner makes an emoji
# or a word of Persian), in an address they only hide one.
DEFAULT_IGNORABLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_UNSEEN = re.compile(f"[{DEFAULT_IGNORABLE}]")


# The longest quoted value a one-line message holds: a value typed or read may be any length.
MAX_REPR = 60


def short_repr(value: object) -> str:
    """``repr(value)``, cut short (``cut_short``)."""
    return cut_short(repr(value))


def cut_short(text: str) -> str:
    """``text`` cut to ``MAX_REPR`` characters, the cut before its last: ``'xxxx...x'``
    keeps a closing quote or bracket."""
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 4] + "..." + text[-1]


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by Python as a surrogate
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control, bidi or line separator character written as ``\\x1b`` or
    ``\\u202e``; with ``keep_newlines``, its line ends kept as newlines (a CRLF or a CR too)."""
    if text.isprintable():  # every character escaped is one that is not: nearly all text
        return text
    if keep_newlines and "\r" in text:  # a line end written as CRLF or CR is one too
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    pattern = _UNSAFE_KEEP_NEWLINE if keep_newlines else _UNSAFE
    return pattern.sub(_escape, text)


def visible_address(address: str) -> str:
    """An address (a source's URL) as ``visible`` shows text, and each default-ignorable
    character in it as an escape too: an address that is no link for holding one would read
    as another ('example.org' for 'exa\\u200bmple.org'), and not show why it is no link."""
    if address.isascii():  # none is ASCII: nearly every address, a CSV row each, at once
        return visible(address)
    return _UNSEEN.sub(_escape, visible(address))


def visible_joined(fields: Sequence[str], separator: str) -> str:
    """``separator.join(visible(f) for f in fields)``; at once when the fields are printable
    (every character ``visible`` escapes is one that is not), as nearly all text is."""
    if "".join(fields).isprintable():
        return separator.join(fields)
    return separator.join(visible(f) for f in fields)


def json_safe(line: str) -> str:
    """A JSON text with DEL, C1 and bidi characters written as ``\\uXXXX`` (same JSON value).

    ``json.dumps(ensure_ascii=False)`` escapes only C0 controls; the rest could still act on a
    terminal that ``--json`` output reaches.
    """
    if line.isprintable():  # every character escaped is one that is not: nearly every line
        return line
    return _UNSAFE.sub(json_escape, line)


def json_escape(found: re.Match[str]) -> str:
    """The character ``found`` as JSON writes it escaped (``\\u202e``), for ``re.sub``."""
    return f"\\u{ord(found.group()):04x}"
