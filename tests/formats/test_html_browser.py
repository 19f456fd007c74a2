"""The HTML page in a real browser: Debian's headless Chromium, driven by Selenium through
Debian's chromedriver (nothing is downloaded), with the network switched off.

They check what only a browser can: the DOM as it is built, links that navigate, the filter
script, the policy that lets nothing load, and that nothing from a hostile log runs. They write
screenshots at 1280 and 390 px wide, and the brief printed to PDF, to ``$TIMELINE_SCREENSHOTS``
(default ``build/screenshots/``) for a person to look at. Without chromium and chromedriver
they are skipped, saying so (``.ci/run`` installs both).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select

from conftest import BUNDLED_LOG, CLAIM, REPO, ev
from timeline.actors import parse_registry
from timeline.formats import About, TextLines, html
from timeline.formats.labels import date_words, status_of
from timeline.log.files import read_raw_lines
from timeline.query import Filter, Responses, matches
from timeline.selection import Selection, select_events

pytestmark = pytest.mark.slow  # a browser per module: seconds, and a process of its own

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
HOSTILE_PAGE = Path(__file__).resolve().parent / "hostile_page.jsonl"
HOSTILE_TITLE = "<script>window.pwned='title'</script> \u202ex"
GENERATED = datetime(2024, 8, 27, 9, 30, tzinfo=timezone.utc)  # screenshots that do not age
NAMES = parse_registry(
    (REPO / "data" / "actors.toml").read_bytes(), source="data/actors.toml"
).names  # the bundled registry's display names, as `show` passes them
SCREENSHOTS = Path(os.environ.get("TIMELINE_SCREENSHOTS") or REPO / "build" / "screenshots")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
)  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """Headless Chromium with the network off; skipped, saying why, when it is not installed."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.skip(
            f"no browser to test the HTML page in: {' and '.join(missing)} missing "
            "(apt-get install chromium chromium-driver; .ci/run does)"
        )
    profile = tempfile.mkdtemp(prefix="timeline-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)  # with the driver's path: Selenium Manager stays idle
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def page_text(selection: Selection, about: About = About()) -> str:
    output = html.events(selection, about=about)
    assert isinstance(output, TextLines)
    return "".join(line + "\n" for line in output.lines)


def bundled() -> Selection:
    return select_events(
        read_raw_lines(BUNDLED_LOG), Filter(), source="events.jsonl", strict=True,
        on_invalid=lambda bad: pytest.fail(str(bad.error)),
    )  # fmt: skip


def hostile() -> Selection:
    return select_events(
        read_raw_lines(HOSTILE_PAGE), Filter(), source="hostile_page.jsonl", strict=False,
        on_invalid=lambda _: None,
    )  # fmt: skip


def load(driver: WebDriver, path: Path) -> None:
    """Open ``path``, with the browser's logs emptied first (reading them empties them)."""
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(path.as_uri())


def requests(driver: WebDriver) -> list[str]:
    """Every URL the browser asked for since ``load``, the page itself included."""
    found = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            found.append(message["params"]["request"]["url"])
    return found


def shown_ids(driver: WebDriver) -> list[str]:
    """The anchors of the events the page shows now."""
    ids: list[str] = driver.execute_script(
        "return Array.from(document.querySelectorAll('article.event'))"
        ".filter(e => e.checkVisibility()).map(e => e.id)"
    )
    return ids


def in_view(driver: WebDriver, anchor: str) -> bool:
    """Whether the top of the element ``anchor`` is within the window."""
    top = driver.execute_script(
        f"return document.getElementById('{anchor}').getBoundingClientRect().top"
    )
    return bool(0 <= top < driver.execute_script("return innerHeight"))


@pytest.fixture(scope="module")
def bundled_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "brief.html"
    about = About(source="data/events.jsonl", names=NAMES)
    path.write_text(page_text(bundled(), about), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- the page


def test_the_page_loads_nothing_and_breaks_no_rule_of_its_policy(
    browser: WebDriver, bundled_page: Path
) -> None:
    """Offline, the page asks for nothing but itself, its policy forbids everything but its own
    style and script, and the browser reports no error: its style applies and its script runs
    (their hashes are right)."""
    load(browser, bundled_page)
    assert requests(browser) == [bundled_page.as_uri()]
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    policy = browser.find_element(
        By.CSS_SELECTOR, "meta[http-equiv='Content-Security-Policy']"
    ).get_attribute("content")
    assert policy is not None and policy.startswith("default-src 'none'; style-src 'sha256-")
    assert browser.get_log("browser") == []
    assert "Georgia" in browser.execute_script(
        "return getComputedStyle(document.querySelector('h1')).fontFamily"
    )
    assert browser.find_element(By.ID, "filters").is_displayed()


def test_the_chart_is_drawn_from_the_page_alone(browser: WebDriver, bundled_page: Path) -> None:
    """The inline SVG chart renders with a column per year of the bundled log (1991 to 2024),
    as wide as the page and with height; a column is as tall as its count says, the tallest
    reaching the top of the scale; and drawing it asks nothing of the network."""
    load(browser, bundled_page)
    found = browser.execute_script("""
        const svg = document.querySelector('svg.chart');
        const box = svg.getBoundingClientRect();
        const columns = Array.from(svg.querySelectorAll('rect.column')).map(r => {
            const b = r.getBoundingClientRect();
            return [r.dataset.period, Number(r.dataset.count), b.width, b.height];
        });
        return {width: box.width, height: box.height, main: document.querySelector('main')
            .getBoundingClientRect().width, columns: columns,
            fill: getComputedStyle(svg.querySelector('rect.column')).fill};
    """)
    assert requests(browser) == [bundled_page.as_uri()]
    assert browser.get_log("browser") == []
    assert found["height"] > 100 and found["width"] == pytest.approx(found["main"], abs=1)
    columns = found["columns"]
    assert [c[0] for c in columns] == [str(year) for year in range(1991, 2025)]
    assert all(c[2] > 0 for c in columns)
    tallest = max(c[3] for c in columns)
    for _, count, _, height in columns:
        assert height == pytest.approx(tallest * count / 15, abs=1.6)  # 15 in 2024, the most
    assert found["fill"] == "rgb(31, 78, 121)"  # the style sheet reaches the SVG


def test_the_dom_holds_every_event_with_its_date_at_its_precision(
    browser: WebDriver, bundled_page: Path
) -> None:
    """The headings, and each event of the bundled log in order with its date as the browser
    shows it ("August 2024", "week of …", "2022") and its status mark."""
    load(browser, bundled_page)
    # textContent: an event far off screen is not laid out (content-visibility), and the
    # innerText of what is not laid out is empty
    rows = browser.execute_script(
        "return Array.from(document.querySelectorAll('article.event')).map(e => [e.id,"
        " e.querySelector('.when time').textContent,"
        " (e.querySelector('.mark') || {textContent: ''}).textContent])"
    )
    selection = bundled()
    marks = {"claimed": "◆ claimed", "disputed": "✖ disputed", "confirmed": "✔ confirmed"}
    assert rows == [
        [
            html.anchor(e.id),
            date_words(e, weekday=True, end=False),
            marks.get(status_of(e, selection.responses).value, ""),
        ]
        for e in selection.events
    ]
    assert [row[1] for row in rows if "week" in row[1] or row[1] == "August 2024"] == [
        "August 2024", "August 2024", "August 2024", "August 2024",
        "week of Monday 19 August 2024",
    ]  # fmt: skip
    headings = browser.execute_script(
        "return Array.from(document.querySelectorAll('h1, h2, h3')).map(h => h.innerText)"
    )
    assert headings == [
        "Timeline",
        "1991",
        "1991, MONTH NOT KNOWN",
        "2022",
        "2022, MONTH NOT KNOWN",
        "JANUARY 2022",
        "MARCH 2022",
        "2023",
        "JULY 2023",
        "2024",
        "AUGUST 2024",
    ]  # fmt: skip (month headings are upper-cased by the style sheet)


def test_answers_and_answered_by_navigate_to_each_other(
    browser: WebDriver, bundled_page: Path
) -> None:
    """Clicking "answered by" on Lukashenko's claim goes to Ukraine's denial; clicking
    "answers" there comes back to the claim, which is then in view."""
    claim = html.anchor("2024-08-18-lukashenko-claims-120000-ukrainian-troops")
    denial = html.anchor("2024-08-26-ukraine-denies-hostile-actions-against-belarusians")
    load(browser, bundled_page)
    browser.find_element(By.CSS_SELECTOR, f"#{claim} .answered-by a[href='#{denial}']").click()
    assert browser.execute_script("return document.querySelector(':target').id") == denial
    browser.find_element(By.CSS_SELECTOR, f"#{denial} .answers a[href='#{claim}']").click()
    assert browser.execute_script("return document.querySelector(':target').id") == claim
    assert in_view(browser, claim)


def test_the_filters_show_exactly_the_matching_events(
    browser: WebDriver, bundled_page: Path
) -> None:
    """Each filter, and the search, shows the events that match and hides the rest (with the
    headings left empty); an actor matches its parts, chosen by its display name while the
    filter works on ids; clearing them shows all again."""
    selection = bundled()
    everyone = [html.anchor(e.id) for e in selection.events]

    def where(keep: Any) -> list[str]:
        return [html.anchor(e.id) for e in selection.events if keep(e)]

    load(browser, bundled_page)
    form = browser.find_element(By.ID, "filters")
    party, kind, status = (
        Select(form.find_element(By.NAME, n)) for n in ("party", "type", "status")
    )
    assert shown_ids(browser) == everyone

    assert [o.text for o in party.options][:3] == [
        "anyone",
        "Belarus (belarus)",
        "Viktor Khrenin (belarus/defense-minister)",
    ]
    party.select_by_value("belarus")
    involving = where(
        lambda e: any(p == "belarus" or p.startswith("belarus/") for p in e.actors + e.targets)
    )
    assert shown_ids(browser) == involving and len(involving) < len(everyone)
    kind.select_by_value("accuse")
    assert shown_ids(browser) == where(
        lambda e: e.type.value == "accuse" and html.anchor(e.id) in involving
    )
    party.select_by_value("")
    kind.select_by_value("")
    status.select_by_value("disputed")
    assert shown_ids(browser) == where(
        lambda e: status_of(e, selection.responses).value == "disputed"
    )
    assert form.find_element(By.NAME, "shown").text == "2 of 21 events shown."
    visible_headings = browser.execute_script(
        "return Array.from(document.querySelectorAll('h2, h3'))"
        ".filter(h => h.checkVisibility()).map(h => h.textContent)"
    )
    assert visible_headings == ["2024", "August 2024"]
    status.select_by_value("")
    form.find_element(By.NAME, "q").send_keys("GOMEL")
    assert shown_ids(browser) == [
        "ev-2024-08-26-ukraine-accuses-belarus-of-gomel-buildup",
        "ev-2024-08-26-ukraine-calls-gomel-exercises-chernobyl-threat",
    ]
    form.find_element(By.NAME, "q").clear()
    browser.execute_script("document.getElementById('filters').dispatchEvent(new Event('input'))")
    assert shown_ids(browser) == everyone


def test_the_page_s_search_finds_what_show_text_finds(browser: WebDriver, tmp_path: Path) -> None:
    """The search box folds text as `show --text` does: 'istanbul' finds 'İstanbul', 'STRASSE'
    finds 'Straße', a final sigma is a sigma, 'office' finds 'Oﬃce'; each word typed, whatever
    its case, finds the events that `matches` finds with the same words."""
    titles = [
        "Talks in İstanbul", "Straße closed", "ΣΊΣΥΦΟΣ returns", "Oﬃce ﬁnance report",
        "Nothing here",
    ]  # fmt: skip
    events = [ev(CLAIM, id=f"e{n}", title=title) for n, title in enumerate(titles)]
    selection = Selection(events, Responses(), {})
    path = tmp_path / "page.html"
    path.write_text(page_text(selection), encoding="utf-8")
    load(browser, path)
    box = browser.find_element(By.ID, "filters").find_element(By.NAME, "q")
    for typed in ("istanbul", "İSTANBUL", "STRASSE", "straße", "σίσυφος", "Σίσυφοσ", "office",
                  "FINANCE"):  # fmt: skip
        box.clear()
        box.send_keys(typed)
        expected = [html.anchor(e.id) for e in events if matches(e, Filter.build(texts=[typed]))]
        assert shown_ids(browser) == expected and len(expected) == 1, typed


def test_the_search_looks_where_show_text_looks_and_nowhere_else(
    browser: WebDriver, bundled_page: Path
) -> None:
    """The search reads the title, the summary, the quotes and the tags, as ``--text`` does;
    not an event's type, status mark, sources, "id" label, or the titles of the events it
    links to (a review, helper: 'army' found every event by its publisher)."""
    selection = bundled()
    load(browser, bundled_page)
    box = browser.find_element(By.ID, "filters").find_element(By.NAME, "q")
    for typed in ("refutes", "120,000", "army", "mobilize", "claimed", "id", "border", "gomel"):
        box.clear()
        box.send_keys(typed)
        expected = [
            html.anchor(e.id) for e in selection.events if matches(e, Filter.build(texts=[typed]))
        ]
        assert shown_ids(browser) == expected, typed


def test_back_to_the_page_its_controls_and_its_events_agree(
    browser: WebDriver, bundled_page: Path, tmp_path: Path
) -> None:
    """The browser puts the filters' values back after the script ran: the events shown are
    those the values say, not all of them under a filter that reads 'disputed'."""
    selection = bundled()
    elsewhere = tmp_path / "elsewhere.html"
    elsewhere.write_text("<!DOCTYPE html><title>x</title><p>elsewhere</p>", encoding="utf-8")
    load(browser, bundled_page)
    Select(browser.find_element(By.NAME, "status")).select_by_value("disputed")
    disputed = [
        html.anchor(e.id)
        for e in selection.events
        if status_of(e, selection.responses).value == "disputed"
    ]
    assert shown_ids(browser) == disputed
    browser.get(elsewhere.as_uri())
    browser.back()
    assert browser.find_element(By.NAME, "status").get_attribute("value") == "disputed"
    assert shown_ids(browser) == disputed


def test_a_link_to_an_event_the_filters_hide_shows_it(
    browser: WebDriver, bundled_page: Path
) -> None:
    """Following "answers" to a claim that the type filter hides clears the filters, so that
    the claim is there to see (it went to a hidden article: nothing moved)."""
    claim = html.anchor("2024-08-18-lukashenko-claims-120000-ukrainian-troops")
    denial = html.anchor("2024-08-26-ukraine-denies-hostile-actions-against-belarusians")
    load(browser, bundled_page)
    Select(browser.find_element(By.NAME, "type")).select_by_value("reject")
    assert claim not in shown_ids(browser) and denial in shown_ids(browser)
    link = browser.find_element(By.CSS_SELECTOR, f"#{denial} .answers a[href='#{claim}']")
    page = browser.current_window_handle
    ActionChains(browser).key_down(Keys.CONTROL).click(link).key_up(Keys.CONTROL).perform()
    for handle in browser.window_handles:  # the link opened in another tab: this page stays
        if handle != page:
            browser.switch_to.window(handle)
            browser.close()
    browser.switch_to.window(page)
    assert browser.find_element(By.NAME, "type").get_attribute("value") == "reject"
    browser.execute_script("location.hash = '#100%'")  # no anchor, and no escape either
    assert browser.get_log("browser") == []
    browser.find_element(By.CSS_SELECTOR, f"#{denial} .answers a[href='#{claim}']").click()
    assert browser.find_element(By.ID, claim).is_displayed()
    assert browser.find_element(By.NAME, "type").get_attribute("value") == ""
    assert in_view(browser, claim)


def test_a_status_mark_keeps_its_sign_with_its_word_on_a_phone(
    browser: WebDriver, bundled_page: Path
) -> None:
    """At 375 px no mark breaks between '✖' and 'disputed' (4 of the bundled page's did)."""
    size = browser.get_window_size()
    browser.set_window_size(375, 800)
    try:
        load(browser, bundled_page)
        broken = browser.execute_script(
            "return Array.from(document.querySelectorAll('.mark'))"
            ".filter(m => m.getClientRects().length > 1).length"
        )
        assert browser.execute_script("return document.querySelectorAll('.mark').length") > 0
        assert broken == 0
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_a_page_of_no_events_offers_no_filters(browser: WebDriver, tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text(page_text(Selection([], Responses(), {})), encoding="utf-8")
    load(browser, path)
    assert not browser.find_element(By.ID, "filters").is_displayed()
    assert browser.get_log("browser") == []


def test_without_javascript_the_page_is_whole(browser: WebDriver, bundled_page: Path) -> None:
    """With scripts off, every event is shown and the filters, which need the script, are not."""
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        load(browser, bundled_page)
        assert len(shown_ids_without_script(browser)) == 21
        assert not browser.find_element(By.ID, "filters").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def shown_ids_without_script(browser: WebDriver) -> list[str]:
    """The shown events, found by WebDriver (its own scripts run even when the page's don't)."""
    return [
        article.get_attribute("id") or ""
        for article in browser.find_elements(By.CSS_SELECTOR, "article.event")
        if article.is_displayed()
    ]


# ---------------------------------------------------------------------------- a hostile log


def strip_policy(page: str) -> str:
    """The page without its Content-Security-Policy: escaping alone must hold."""
    stripped, count = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', "", page)
    assert count == 1
    return stripped


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "p", "time", "bdi",
    "strong", "form", "label", "select", "option", "input", "output", "main", "section", "h2",
    "h3", "article", "span", "h4", "ul", "li", "blockquote", "a", "footer", "script",
    "figure", "svg", "line", "text", "rect", "figcaption", "details", "summary", "table",
    "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


@pytest.mark.parametrize("with_policy", [True, False], ids=["with-policy", "escaping-alone"])
def test_nothing_from_a_hostile_log_runs_or_links(
    browser: WebDriver, tmp_path: Path, with_policy: bool
) -> None:
    """Script tags, attribute breakouts, javascript: and data: URLs, markup and bidi overrides
    in every text field, and in the title: nothing runs (no ``window.pwned``, no alert, the
    title is the text given), no element or handler attribute comes from the data, each link is
    an in-page anchor to an event or an http(s) address, and no bidi control reaches the text.
    Also with the policy removed: escaping alone holds."""
    selection = hostile()
    page = page_text(selection, About(title=HOSTILE_TITLE, source="<b>hostile</b>"))
    path = tmp_path / "hostile.html"
    path.write_text(page if with_policy else strip_policy(page), encoding="utf-8")
    load(browser, path)
    for element in browser.find_elements(By.CSS_SELECTOR, "h4")[:3]:  # a real mouse, on a few
        ActionChains(browser).move_to_element(element).perform()
    browser.execute_script(  # and every element, had any a handler
        "for (const e of document.querySelectorAll('body *')) for (const kind of "
        "['mouseover', 'click', 'focus', 'load', 'error']) e.dispatchEvent(new Event(kind))"
    )
    assert browser.execute_script("return typeof window.pwned") == "undefined"
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 (reading it is the check)
    assert browser.title == "<script>window.pwned='title'</script> \\u202ex"
    assert browser.current_url == path.as_uri()
    assert requests(browser) == [path.as_uri()]
    assert browser.get_log("browser") == []
    found = browser.execute_script("""
        const all = Array.from(document.querySelectorAll('*'));
        return {
            tags: Array.from(new Set(all.map(e => e.localName))),
            handlers: all.flatMap(e => e.getAttributeNames().filter(n => n.startsWith('on'))),
            scripts: document.scripts.length,
            links: Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href')),
            bidi: /[\\u202a-\\u202e\\u2066-\\u2069]/.test(document.body.innerText),
            events: document.querySelectorAll('article.event').length,
        };
    """)
    assert set(found["tags"]) <= ALLOWED_TAGS
    assert found["handlers"] == []
    assert found["scripts"] == 1
    assert found["bidi"] is False
    assert found["events"] == len(selection.events) == 20
    anchors = {html.anchor(e.id) for e in selection.events}
    for href in found["links"]:
        assert href == "https://ok.example/fine" or (href[0] == "#" and href[1:] in anchors), href


def test_every_in_page_link_of_a_hostile_log_reaches_its_event(
    browser: WebDriver, tmp_path: Path
) -> None:
    """Ids with quotes, '$', parentheses, '#', markup and Cyrillic: each answers/answered-by
    link lands on the event whose id it names."""
    selection = hostile()
    path = tmp_path / "hostile.html"
    path.write_text(page_text(selection), encoding="utf-8")
    load(browser, path)
    landed = browser.execute_script("""
        return Array.from(document.querySelectorAll('a[href^="#"]')).map(a => {
            a.click();
            return [a.getAttribute('href').slice(1), document.querySelector(':target').id,
                    document.querySelector(':target .id bdi').textContent];
        });
    """)
    ids = {html.anchor(e.id): e.id for e in selection.events}
    assert len(landed) > 20
    for href, target, shown_id in landed:
        assert (href, ids[href]) == (target, shown_id)
    assert {ids[row[0]] for row in landed} >= {"x'\"$(echo)&amp;", "ид-кириллица-(1)", "#top"}


# ---------------------------------------------------------------------------- for a person


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_at_desktop_and_phone_width(
    browser: WebDriver, tmp_path: Path, width: int
) -> None:
    """The README's brief (`show --actor belarus --format html`) as PNGs at 1280 and 390 px
    wide, its first screen and the whole page, for a person to look at; at phone width nothing
    is wider than the screen."""
    selection = select_events(
        read_raw_lines(BUNDLED_LOG), Filter(actors=("belarus",)), source="events.jsonl",
        strict=True, on_invalid=lambda bad: pytest.fail(str(bad.error)),
    )  # fmt: skip
    about = About(
        source="data/events.jsonl", filters=("actor belarus",), generated=GENERATED, names=NAMES
    )
    path = tmp_path / "brief.html"
    path.write_text(page_text(selection, about), encoding="utf-8")
    metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        load(browser, path)
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width
        assert browser.save_screenshot(str(SCREENSHOTS / f"brief-{width}-first-screen.png"))
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride", {**metrics, "height": min(height, 16000)}
        )
        assert browser.save_screenshot(str(SCREENSHOTS / f"brief-{width}.png"))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.mark.parametrize("width", [1280, 390])
def test_a_weekly_chart_with_month_bands_at_desktop_and_phone_width(
    browser: WebDriver, tmp_path: Path, width: int
) -> None:
    """`show --since 2024-08-01` charts by week: 11 events in their weeks, and the 4 known
    only to August in a band under August's weeks, in none of them; at phone width it fits
    the screen. A screenshot of the chart, for a person to look at."""
    selection = select_events(
        read_raw_lines(BUNDLED_LOG), Filter(since=date(2024, 8, 1)), source="events.jsonl",
        strict=True, on_invalid=lambda bad: pytest.fail(str(bad.error)),
    )  # fmt: skip
    about = About(source="data/events.jsonl", filters=("since 2024-08-01",), generated=GENERATED)
    path = tmp_path / "august.html"
    path.write_text(page_text(selection, about), encoding="utf-8")
    metrics = {"width": width, "height": 700, "deviceScaleFactor": 1, "mobile": width < 600}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        load(browser, path)
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width
        drawn = browser.execute_script(
            "return Array.from(document.querySelectorAll('svg.chart rect')).map(r => ["
            "r.getAttribute('class'), r.dataset.period, Number(r.dataset.count),"
            " r.getBoundingClientRect().width])"
        )
        assert [row[:3] for row in drawn] == [
            ["column", "2024-W31", 0], ["column", "2024-W32", 3], ["column", "2024-W33", 1],
            ["column", "2024-W34", 2], ["column", "2024-W35", 5], ["band month", "2024-08", 4],
        ]  # fmt: skip
        assert all(row[3] > 0 for row in drawn)
        assert requests(browser) == [path.as_uri()]
        chart = browser.find_element(By.CSS_SELECTOR, "figure.chart")
        assert chart.screenshot(str(SCREENSHOTS / f"chart-august-{width}.png"))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_brief_prints(browser: WebDriver, bundled_page: Path) -> None:
    """In print, the filters are gone and every event stays; the PDF is written beside the
    screenshots."""
    load(browser, bundled_page)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.ID, "filters").is_displayed()
        assert len(shown_ids(browser)) == 21
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {})["data"])
    assert pdf.startswith(b"%PDF")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "brief.pdf").write_bytes(pdf)
