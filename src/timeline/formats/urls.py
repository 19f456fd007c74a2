"""Which source URLs a published format may turn into links."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# White space, controls, bidi and invisible characters (a soft hyphen, zero-width spaces and
# joiners, word joiners, a BOM): a URL holding one is text, never a link (it would break a line
# of the output, or show a reader another address than the one it leads to).
_NOT_IN_LINK = re.compile(
    "[\\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff\ud800-\udfff]"
)


# The start of most source URLs: an http(s) scheme and a host of letters, digits, dots and
# hyphens (and a port), then the end or a path, query or fragment. ``urlsplit`` gives such a
# URL that scheme and a host; it is told apart at once, without it.
_PLAIN_WEB_URL = re.compile(r"(?:[hH][tT][tT][pP][sS]?)://[A-Za-z0-9.-]+(?::[0-9]*)?(?:[/?#]|\Z)")


def web_url(url: str | None) -> str | None:
    """``url`` when it may be a link: an http or https URL with a host, and nothing in it that
    a reader cannot see; ``None`` otherwise (``javascript:``, ``data:``, ``file:``, text)."""
    if url is None or _NOT_IN_LINK.search(url):
        return None
    if _PLAIN_WEB_URL.match(url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed IPv6 host: '[::1'
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def first_web_url(urls: list[str | None]) -> str | None:
    """The first of ``urls`` that may be a link."""
    return next((url for url in map(web_url, urls) if url is not None), None)
