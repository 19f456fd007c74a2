"""Which source URLs the published formats make links of (``formats.urls.web_url``)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from timeline.formats import urls


def _by_definition(url: str) -> str | None:
    """An http(s) URL with a host, and no character a reader cannot see: by ``urlsplit``."""
    if urls._NOT_IN_LINK.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


_PIECES = st.sampled_from(
    ["http", "HTTPS", "hTtp", "ftp", "javascript", ":", "//", "/", "?", "#", "@", "[", "]", ":80",
     "a", "b.c", "-", ".", "x.example", " ", "\t", "\u202e", "%2F", "\\", "user:pw@"]
)  # fmt: skip


@given(st.lists(_PIECES, max_size=8).map("".join) | st.text(max_size=30))
@example("http://example.org/a?b#c")
@example("https://a.b:8080")
@example("http://a.b@evil.example/")
@example("http://[::1")
@example("http://a[x")
@example("ftp://x.example/")
@example("HTTP://x.")
@example("http://")
def test_a_link_is_made_of_exactly_the_urls_urlsplit_calls_web_addresses(url: str) -> None:
    """The quick look at a URL's start (``_PLAIN_WEB_URL``) never makes a link of one that
    ``urlsplit`` would not, and misses none."""
    assert urls.web_url(url) == _by_definition(url)


@pytest.mark.parametrize(
    ("url", "quick"),
    [("https://www.reuters.com/world/x", True), ("http://a.b@evil.example/", False)],
)
def test_most_source_urls_are_told_apart_without_urlsplit(
    url: str, quick: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    called: list[str] = []
    monkeypatch.setattr(urls, "urlsplit", lambda u: called.append(u) or urlsplit(u))
    assert urls.web_url(url) == url
    assert called == ([] if quick else [url])
