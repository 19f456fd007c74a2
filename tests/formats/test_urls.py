"""Which source URLs the published formats make links of (``formats.urls.web_url``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from timeline.cli import app
from timeline.formats import urls
from timeline.text import visible_address


def _by_definition(url: str) -> str | None:
    """An http(s) URL with a host (a name with a letter or digit), and no character a reader
    cannot see: by ``urlsplit``."""
    if urls._NOT_IN_LINK.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    named = any(char.isalnum() for char in parts.hostname or "")
    return url if parts.scheme.lower() in ("http", "https") and named else None


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
@example("https://:80/")
@example("https://@/")
@example("https://.")
@example("https://[::1]/")
@example("https://a.example/a b")  # ASCII, yet no link: a space, a control, DEL
@example("https://a.example/a\tb")
@example("https://a.example/a\x7f")
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


# Unicode's default-ignorable code points (DerivedCoreProperties.txt), beside white space.
_UNSEEN = [
    "\u00ad", "\u034f", "\u061c", "\u115f", "\u1160", "\u17b4", "\u180b", "\u180e", "\u200b",
    "\u200d", "\u200e", "\u202e", "\u2060", "\u2064", "\u2066", "\u206f", "\u3164", "\ufe0f",
    "\ufeff", "\uffa0", "\ufff0", "\U0001bca0", "\U0001d173", "\U000e0041", "\U000e0100",
]  # fmt: skip


@pytest.mark.parametrize("unseen", _UNSEEN, ids=lambda c: f"U+{ord(c):04X}")
def test_an_address_holding_a_character_no_one_sees_is_no_link(unseen: str) -> None:
    """Whatever the character a reader cannot see, in the host or the path, no link is made:
    the address shown would not be the one it leads to."""
    assert urls.web_url("https://example.org/a") == "https://example.org/a"
    assert urls.web_url(f"https://exa{unseen}mple.org/a") is None
    assert urls.web_url(f"https://example.org/a{unseen}b") is None


@given(st.text(alphabet=st.sampled_from("ab.:/\u200b\u200d\u00ad\ufe0f\U000e0001\x1b\u202e ")))
def test_a_visible_address_has_nothing_a_reader_cannot_see(url: str) -> None:
    """Every default-ignorable character and every control or bidi one is an escape; the rest
    of the address is as written."""
    shown = visible_address(url)
    assert shown.isprintable()
    assert urls._NOT_IN_LINK.search(shown.replace(" ", "")) is None
    unescaped = re.sub(r"\\(?:u[0-9a-f]{4}|U[0-9a-f]{8}|x[0-9a-f]{2})", "", shown)
    assert unescaped == "".join(c for c in url if c in "ab.:/ ")


@pytest.mark.parametrize(
    ("args", "shown"),
    [(["--format", "html"], 2), (["--format", "markdown"], 2), (["--format", "timelinejs"], 2),
     (["--format", "ics"], 2), (["--format", "rich", "--long"], 2), (["--format", "csv"], 1)],
    ids=["html", "markdown", "timelinejs", "ics", "rich", "csv"],
)  # fmt: skip
def test_an_address_that_is_no_link_shows_its_hidden_characters(
    args: list[str], shown: int, tmp_path: Path
) -> None:
    """'https://exa\u200bmple.org/' is no link (it holds a zero-width space): a page shows it
    with the space as an escape, so a reader sees why, and not 'example.org'."""
    log = tmp_path / "log.jsonl"
    event = {"id": "x", "date": "2024-08-11", "precision": "day", "title": "T",
             "type": "accuse", "actors": ["belarus"],
             "sources": [{"url": "https://exa\u200bmple.org/"},
                         {"url": "https://exa\u200bmple.org/b", "title": "Story"}]}  # fmt: skip
    log.write_text(json.dumps(event) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["show", "-f", str(log), *args])
    assert result.exit_code == 0, result.stderr
    page = re.sub(r"\r?\n ", "", result.stdout)  # iCalendar folds its long lines
    assert "\u200b" not in page
    assert len(re.findall(r"exa\\+u200bmple\\?\.org", page)) == shown  # CSV: the first source
