"""A self-contained HTML page of a selection: a brief to read offline, print, or send on.

The page loads nothing: its style and its script are inline, and a Content-Security-Policy
allows exactly those two (by their SHA-256) and nothing else, so no log text and no later edit
can make it fetch or run anything. Log text reaches the template only as values, which Jinja2
escapes (autoescape on); it passes through ``visible`` first, so control and bidi characters
show as escapes (``\\u202e``) as in every other view, and each field sits in its own bidi
isolate (``<bdi>``, ``dir="auto"``) so right-to-left text cannot reorder its neighbours. Only
``http``/``https`` source URLs become links. Without JavaScript the page is complete; the script
only adds filters.

The page is made while it is written (``Template.generate``), one event at a time; jinja2 is
imported on first use, so naming the formats costs nothing at start-up.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from importlib import resources
from typing import TYPE_CHECKING

from timeline.dates import Precision
from timeline.formats.labels import (
    MONTHS,
    coordinates,
    date_words,
    day_words,
    iso_label,
    status_of,
)
from timeline.formats.output import About, TextLines
from timeline.formats.pagechart import Chart, ChartCounts
from timeline.formats.urls import web_url
from timeline.query import sort_key, sorted_date
from timeline.selection import UNANSWERED
from timeline.text import visible, visible_address
from timeline.vocab import EventType, Status

if TYPE_CHECKING:
    from jinja2 import Environment, Template

    from timeline.query import Responses
    from timeline.rules import EventLike, LocationLike, SourceLike
    from timeline.selection import Piece, Selection

_MARKS = {
    Status.CLAIMED: "◆ claimed",
    Status.DISPUTED: "✖ disputed",
    Status.CONFIRMED: "✔ confirmed",
}


# ---------------------------------------------------------------------------- labels


_ANCHOR_SAFE = re.compile(r"[A-Za-z0-9.-]*")
_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9.-]")


def _hex_bytes(match: re.Match[str]) -> str:
    return "".join(f"_{byte:02X}" for byte in match.group().encode("utf-8", "surrogatepass"))


def anchor(event_id: str) -> str:
    """The page anchor of an event: ``ev-`` and its id, with every character other than an
    ASCII letter, digit, ``-`` or ``.`` written as ``_`` and the hex of its UTF-8 bytes
    (``'`` → ``_27``). One id gives one anchor and two ids never share one; the anchor needs no
    escaping in a URL fragment, a CSS selector or an attribute."""
    if _ANCHOR_SAFE.fullmatch(event_id):
        return "ev-" + event_id
    return "ev-" + _ANCHOR_UNSAFE.sub(_hex_bytes, event_id)


def _day(day: date) -> str:
    return day_words(day, weekday=True)


def _start_words(event: EventLike) -> str:
    """The start of an event as precisely as it is known, in words: 'Sunday 18 August 2024',
    'week of Monday 19 August 2024', 'August 2024', '2024' (an ``end`` has a <time> of its
    own)."""
    return date_words(event, weekday=True, end=False)


def _text(value: str) -> str:
    """Log text as every view shows it: control and bidi characters as visible escapes.
    Printable text holds none of them (and is most text): it is checked in C, not searched."""
    return value if value.isprintable() else visible(value, keep_newlines=True)


# ---------------------------------------------------------------------------- the page's values


@dataclass(frozen=True, slots=True)
class When:
    """A date in words and in the machine form of ``<time datetime>``."""

    words: str
    machine: str


@dataclass(frozen=True, slots=True)
class Link:
    """Another event named: its date (``when``, ours), its title or id (the log's, isolated
    alone, so that right-to-left text cannot carry our words with it) and a note of ours; an
    in-page link when ``href`` is set, and plain text when not."""

    title: str
    when: str = ""
    note: str = ""
    href: str | None = None


@dataclass(frozen=True, slots=True)
class SourceView:
    """A source: its label (publisher — title, or the address), the address as a link when it
    earns one, else as text, when it was published and the quote."""

    label: str
    href: str | None
    address: str | None
    published: str | None
    quote: str | None


@dataclass(frozen=True, slots=True)
class Party:
    """An actor or target as the page shows it: its display name when the registry gives one,
    with its id as the element's title (a tooltip), else its id."""

    text: str
    id: str | None = None  # set only when ``text`` is a name


@dataclass(frozen=True, slots=True)
class EventView:
    """One event as the page shows it: every text already made visible, every link checked."""

    anchor: str
    id: str
    when: When
    end: When | None
    type: str
    status: str
    mark: str | None
    actors: tuple[Party, ...]
    targets: tuple[Party, ...]
    involving: str  # the actors and targets, for the filter: ids hold no white space
    title: str
    summary: str | None
    sources: tuple[SourceView, ...]
    place: str | None
    tags: tuple[str, ...]
    answers: tuple[Link, ...]
    answered_by: tuple[Link, ...]
    answered_elsewhere: bool  # answered by events that are not on the page


@dataclass(frozen=True, slots=True)
class Month:
    heading: str
    anchor: str
    events: Iterator[str]  # each event's article (``event.html.j2``), escaped there


@dataclass(frozen=True, slots=True)
class Year:
    heading: str
    anchor: str
    months: Iterator[Month]


@dataclass(frozen=True, slots=True)
class Counts:
    """How many events the page holds, by type and by status (as shown), most first."""

    events: int
    first: When | None
    last: When | None
    types: tuple[tuple[str, int], ...]
    statuses: tuple[tuple[str, int], ...]


def _reference(event: EventLike, *, href: str | None = None, note: str = "") -> Link:
    return Link(_text(event.title), f"{iso_label(event)}: ", note, href)


def _place(location: LocationLike | None) -> str | None:
    if location is None:
        return None
    parts = [_text(part) for part in (location.name, location.country) if part]
    if location.lat is not None and location.lon is not None:
        parts.append(coordinates(location.lat, location.lon))
    return ", ".join(parts) or None


def _source(source: SourceLike) -> SourceView:
    label = " — ".join(_text(part) for part in (source.publisher, source.title) if part)
    address = visible_address(source.url) if source.url else None
    if not label:  # the address is the label: shown once
        label, address = address or "", None
    return SourceView(
        label=label,
        href=web_url(source.url),
        address=address,
        published=source.published.isoformat() if source.published else None,
        quote=_text(source.quote) if source.quote else None,
    )


def _party(actor: str, names: Mapping[str, str]) -> Party:
    name = names.get(actor)
    return Party(_text(name), _text(actor)) if name and name != actor else Party(_text(actor))


def _view(
    event: EventLike,
    selection: Selection,
    *,
    references: Mapping[str, Link],
    answerers: Mapping[str, list[Link]],
    names: Mapping[str, str],
) -> EventView:
    """An event's article as the template shows it; ``references``, ``answerers``: the
    survey's (``_Survey``), ``names`` the actors' display names."""
    status = status_of(event, selection.responses)
    answers = []
    for ref in event.responds_to:
        if ref in references:
            answers.append(dataclasses.replace(references[ref], href="#" + anchor(ref)))
        elif ref in selection.answered:
            note = " (not in this selection)"
            answers.append(_reference(selection.answered[ref], note=note))
        else:
            answers.append(Link(_text(ref), note=" (not in the log)"))
    answered_by = tuple(answerers.get(event.id, ()))
    return EventView(
        anchor=anchor(event.id),
        id=_text(event.id),
        when=When(_start_words(event), iso_label(event)),
        end=When(_day(event.end), event.end.isoformat())
        if event.end is not None and event.end != event.date
        else None,
        type=event.type.value,
        status=status.value,
        mark=_MARKS.get(status),
        actors=tuple(_party(actor, names) for actor in event.actors),
        targets=tuple(_party(target, names) for target in event.targets),
        involving=" ".join(map(_text, event.actors + event.targets)),
        title=_text(event.title),
        summary=_text(event.summary) if event.summary else None,
        sources=tuple(map(_source, event.sources)),
        place=_place(event.location),
        tags=tuple(map(_text, event.tags)),
        answers=tuple(answers),
        answered_by=answered_by,
        answered_elsewhere=event.id in selection.responses.answered and not answered_by,
    )


@dataclass(frozen=True, slots=True)
class _Survey:
    """What the page needs to know of all its events before it writes the first one, as text:
    the counts, the chart, the filters' choices, and for each event on the page that another
    answers, its reference and links to those answering it. The events themselves are not held
    (a view decodes them again as it visits them: see ``selection.KeptEvents``); the chart is
    made from counters (``pagechart.ChartCounts``)."""

    counts: Counts
    chart: Chart | None
    chart_left_out: str | None  # why there is no chart, when events were counted
    parties: tuple[Party, ...]  # for the filter: ids as the values, names as the labels
    types: tuple[str, ...]
    statuses: tuple[str, ...]
    references: dict[str, Link]
    answerers: dict[str, list[Link]]
    names: Mapping[str, str]
    answers_elsewhere: bool  # some event answers one that is not on the page


@dataclass(slots=True)
class _Seen:
    """What a run of the page's events, in page order, shows the survey (``_survey``): runs
    seen on every core are added up in order."""

    chart: ChartCounts
    total: int = 0
    first: tuple[int, When] | None = None  # the first event's place in date order, its date
    last: tuple[int, When] | None = None
    types: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    parties: set[str] = field(default_factory=set)
    held: dict[str, Link] = field(default_factory=dict)  # the reference of each event answered
    answering: list[tuple[str, Link]] = field(default_factory=list)  # (answered, the answer)
    wanted: set[str] = field(default_factory=set)  # the ids the events answer

    def add(self, later: _Seen) -> None:
        """Add what a later run saw."""
        self.chart.merge(later.chart)
        self.total += later.total
        self.first = self.first or later.first
        self.last = later.last or self.last
        self.types.update(later.types)
        self.statuses.update(later.statuses)
        self.parties |= later.parties
        for event_id, reference in later.held.items():
            self.held.setdefault(event_id, reference)
        self.answering += later.answering
        self.wanted |= later.wanted


def _when(event: EventLike) -> tuple[int, When]:
    return sort_key(event), When(_start_words(event), iso_label(event))


def _seen(events: Iterable[EventLike], responses: Responses) -> _Seen:
    """What a run of the page's events shows the survey: each event answered anywhere in the
    log (``responses`` knows which) is remembered, and each answer."""
    seen = _Seen(ChartCounts())
    types, statuses, parties, chart = seen.types, seen.statuses, seen.parties, seen.chart
    answered, held = responses.answered, seen.held
    event = None
    for event in events:
        if seen.first is None:
            seen.first = _when(event)
        seen.total += 1
        types[event.type.value] += 1
        statuses[status_of(event, responses).value] += 1
        parties.update(event.actors, event.targets)
        chart.add(event)
        if event.id in answered:
            held.setdefault(event.id, _reference(event))
        if event.responds_to:
            seen.wanted.update(event.responds_to)
            link = _reference(event, href="#" + anchor(event.id))
            seen.answering.extend((ref, link) for ref in dict.fromkeys(event.responds_to))
    if event is not None:
        seen.last = _when(event)
    return seen


def _survey(selection: Selection, about: About) -> _Survey:
    """One reading of the selection (on every core, for a large one: ``Selection.runs``) for
    what the page says before its events, and for the references between them, until the
    page's events are all known."""
    seen = _Seen(ChartCounts())
    for run in selection.runs(functools.partial(_seen, responses=selection.responses)):
        seen.add(run)
    held, wanted, types, statuses = seen.held, seen.wanted, seen.types, seen.statuses
    if not wanted <= selection.responses.answered:  # answers the selection did not note
        for event in selection.events:  # a reading to find them
            if event.id in wanted:
                held.setdefault(event.id, _reference(event))
    references = {ref: text for ref, text in held.items() if ref in wanted}
    answerers: dict[str, list[Link]] = {}
    for ref, link in seen.answering:
        if ref in held:
            answerers.setdefault(ref, []).append(link)
    ends = (  # --reverse: the first and last seen are flipped
        sorted((seen.first, seen.last), key=lambda end: end[0]) if seen.first and seen.last else []
    )
    counts = Counts(
        events=seen.total,
        first=ends[0][1] if ends else None,
        last=ends[-1][1] if ends else None,
        types=tuple(sorted(types.items(), key=lambda item: (-item[1], item[0]))),
        statuses=tuple((s.value, statuses[s.value]) for s in Status if statuses[s.value]),
    )
    return _Survey(
        counts=counts,
        chart=seen.chart.chart(about.since, about.until),
        chart_left_out=seen.chart.left_out(about.since, about.until),
        parties=tuple(_party(party, about.names) for party in sorted(seen.parties, key=_text)),
        types=tuple(t.value for t in EventType if t.value in types),
        statuses=tuple(s.value for s in Status if s.value in statuses),
        references=references,
        answerers=answerers,
        names=about.names,
        answers_elsewhere=not wanted <= references.keys(),
    )


def _years(selection: Selection, survey: _Survey) -> Iterator[Year]:
    """The events under year and month headings (an event known only to its year goes under
    its year, before the months), each event's article rendered (on every core, for a large
    selection: ``Selection.pieces``) as the page reaches it."""
    article = _article()
    references, answerers, names = survey.references, survey.answerers, survey.names

    def render(event: EventLike) -> str:
        view = _view(event, selection, references=references, answerers=answerers, names=names)
        return str(article(view))

    def year_of(piece: tuple[int, str]) -> int:
        return sorted_date(piece[0])[0].year

    def month_of(piece: tuple[int, str]) -> int | None:
        day, precision = sorted_date(piece[0])
        return None if precision is Precision.YEAR else day.month

    # an article depends on the rest of the log through the events that answer it (a
    # rejection among them) and those it answers
    redo = selection.responses.answered
    pieces = selection.pieces(render, redo=redo, names_answered=survey.answers_elsewhere)
    for year, in_year in itertools.groupby(pieces, key=year_of):
        months = (
            Month(
                heading=f"{MONTHS[month - 1]} {year}" if month else f"{year}, month not known",
                anchor=f"m-{year:04d}-{month:02d}" if month else f"m-{year:04d}",
                events=(text for _, text in in_month),
            )
            for month, in_month in itertools.groupby(in_year, key=month_of)
        )
        yield Year(heading=str(year), anchor=f"y-{year:04d}", months=months)


# ---------------------------------------------------------------------------- the template


@dataclass(frozen=True, slots=True)
class _Shipped:
    """The page's own style and script, and the policy that allows exactly them."""

    style: str
    script: str
    policy: str


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@functools.cache
def _shipped() -> _Shipped:
    folder = resources.files("timeline.formats") / "templates"
    style = (folder / "page.css").read_text(encoding="utf-8")
    script = (folder / "page.js").read_text(encoding="utf-8")
    policy = (
        f"default-src 'none'; style-src {_sha256(style)}; script-src {_sha256(script)}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    return _Shipped(style, script, policy)


@functools.cache
def _environment() -> Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("timeline.formats", "templates"),
        autoescape=True,  # every value is text to show, never markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _template() -> Template:
    return _environment().get_template("page.html.j2")


@functools.cache  # once a process: a reader of the log renders many
def _article() -> Callable[[EventView], str]:
    """The template's macro that writes one event's article."""
    template = _environment().get_template("event.html.j2")
    macro: Callable[[EventView], str] = template.module.article  # type: ignore[attr-defined]
    return macro


def _piece(event: EventLike, *, names: Mapping[str, str]) -> str | None:
    # an article names the events its event answers: those are found once the log is read
    if event.responds_to:
        return None
    return str(_article()(_view(event, UNANSWERED, references={}, answerers={}, names=names)))


def piece(about: About) -> Piece:
    """The articles the readers of a log render as they read (``selection.selected``), of the
    events that answer none, as if none answered or rejected theirs: those that one does are
    rendered again."""
    _article()  # made here, before the readers fork: they inherit it
    return functools.partial(_piece, names=about.names)


def _lines(chunks: Iterable[str], *, batch: int = 4096) -> Iterator[str]:
    """The text of ``chunks`` in pieces that end where a line ends, each without that line
    end (``TextLines`` adds it): a page has millions of small chunks, and writing each on its
    own, or even looking at each in Python, would cost more than making it. They are joined
    ``batch`` at a time (in C), each join cut after its last line end."""
    rest = ""
    each = iter(chunks)
    while some := list(itertools.islice(each, batch)):  # (a chunk may be empty)
        text = rest + str("".join(some))  # str: jinja2 yields Markup, which would escape `rest`
        cut = text.rfind("\n")
        if cut < 0:
            rest = text
        else:
            yield text[:cut]
            rest = text[cut + 1 :]
    if rest:
        yield rest


def _generated(moment: datetime | None) -> When | None:
    if moment is None:
        return None
    utc = moment.astimezone(timezone.utc)
    words = f"{day_words(utc.date())}, {utc:%H:%M} UTC"
    return When(words, utc.isoformat().replace("+00:00", "Z"))


def page(selection: Selection, *, about: About = About()) -> Iterator[str]:
    """The page as chunks of text, made while they are read."""
    from timeline import __version__

    shipped = _shipped()
    survey = _survey(selection, about)
    return _template().generate(
        heading=_text(about.heading),
        source=_text(about.source) if about.source else None,
        filters=tuple(map(_text, about.filters)),
        generated=_generated(about.generated),
        counts=survey.counts,
        chart=survey.chart,
        chart_left_out=survey.chart_left_out,
        years=_years(selection, survey),
        parties=survey.parties,
        types=survey.types,
        statuses=survey.statuses,
        style=shipped.style,
        script=shipped.script,
        policy=shipped.policy,
        version=__version__,
    )


def events(selection: Selection, *, long: bool = False, about: About = About()) -> TextLines:
    """The page, line by line. It always holds everything ``--long`` adds elsewhere."""
    return TextLines(_lines(page(selection, about=about)))
