"""Which source URLs a published format may turn into links."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# White space, controls and bidi characters: a URL holding one is text, never a link (it would
# break a line of the output, or show a reader another address than the one it leads to).
_NOT_IN_LINK = re.compile(
    "[\\s\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def web_url(url: str | None) -> str | None:
    """``url`` when it may be a link: an http or https URL with a host, and nothing in it that
    a reader cannot see; ``None`` otherwise (``javascript:``, ``data:``, ``file:``, text)."""
    if url is None or _NOT_IN_LINK.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed IPv6 host: '[::1'
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def first_web_url(urls: list[str | None]) -> str | None:
    """The first of ``urls`` that may be a link."""
    return next((url for url in map(web_url, urls) if url is not None), None)
