"""Which source URLs a published format may turn into links."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from timeline.text import visible

# White space, controls, lone surrogates, and Unicode's default-ignorable code points (bidi
# marks, a soft hyphen, zero-width spaces and joiners, fillers, variation selectors, tags:
# DerivedCoreProperties.txt, Default_Ignorable_Code_Point): a URL holding one is text, never a
# link (it would break a line of the output, or show a reader another address than the one it
# leads to).
_IGNORABLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_NOT_IN_LINK = re.compile(f"[\\s\x00-\x1f\x7f-\x9f\ud800-\udfff{_IGNORABLE}]")
_UNSEEN = re.compile(f"[{_IGNORABLE}]")


# The start of most source URLs: an http(s) scheme and a host of letters, digits, dots and
# hyphens (and a port), then the end or a path, query or fragment. ``urlsplit`` gives such a
# URL that scheme and a host; it is told apart at once, without it.
_PLAIN_WEB_URL = re.compile(
    r"(?:[hH][tT][tT][pP][sS]?)://[A-Za-z0-9.-]*[A-Za-z0-9][A-Za-z0-9.-]*(?::[0-9]*)?(?:[/?#]|\Z)"
)


def web_url(url: str | None) -> str | None:
    """``url`` when it may be a link: an http or https URL with a host (a name with a letter
    or digit in it), and nothing in it that a reader cannot see; ``None`` otherwise
    (``javascript:``, ``data:``, ``file:``, ``https://:80/``, text)."""
    if url is None or _NOT_IN_LINK.search(url):
        return None
    if _PLAIN_WEB_URL.match(url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed IPv6 host: '[::1'
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    return url if any(char.isalnum() for char in parts.hostname or "") else None


def _code(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def shown_address(url: str) -> str:
    """A source's URL as text: as ``visible`` shows any text, and each default-ignorable
    character in it (a zero-width space, a tag, a soft hyphen) as an escape too: in an address
    that is not a link for holding one, a reader would see another address ('example.org'
    for 'exa\\u200bmple.org') and not why it is no link. (Only in an address: in a text, a
    zero-width joiner makes an emoji or a word of Persian.)"""
    return _UNSEEN.sub(_code, visible(url))


def first_web_url(urls: list[str | None]) -> str | None:
    """The first of ``urls`` that may be a link."""
    return next((url for url in map(web_url, urls) if url is not None), None)
