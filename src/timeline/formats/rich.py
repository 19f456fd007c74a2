"""The terminal views: a vertical timeline of events, and the changes between two logs.

Every string that comes from a log passes through ``visible`` and reaches rich only inside
``Text`` objects, so log data is never read as markup, escape codes or links. rich is imported
inside the functions, so that naming the formats costs nothing at start-up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from timeline.dates import Precision
from timeline.formats.labels import date_label, gap_label, iso_label, parties, status_of
from timeline.formats.output import About, Rendered
from timeline.text import visible
from timeline.vocab import Status

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.style import Style
    from rich.text import Text

    from timeline.diff import Comparison, FieldChange
    from timeline.rules import EventLike
    from timeline.selection import Selection


def _link_style(url: str | None) -> Style | str:
    """A hyperlink only for a web address; anything else stays plain text.

    A ``Style`` object, never a style string: text after a space in a URL must not be read as
    style words ('link javascript:…', 'on red')."""
    from rich.style import Style

    if url and url.lower().startswith(("http://", "https://")) and visible(url) == url:
        return Style(link=url)
    return ""


# A colour per type, by PLOVER's four kinds (cooperation and conflict, in words and in
# deeds), apart from the colours of parties and status marks: the type in the timeline, and
# its bars and lines in the charts of ``stats``.
TYPE_STYLES = {
    **dict.fromkeys(("agree", "consult", "support", "concede"), "bright_cyan"),
    **dict.fromkeys(("cooperate", "aid", "retreat"), "bright_blue"),
    **dict.fromkeys(("request", "accuse", "reject", "threaten", "protest"), "magenta"),
    **dict.fromkeys(("sanction", "mobilize", "coerce", "assault"), "bright_red"),
}


def type_style(event_type: str) -> str:
    """The colour of a type (its value: ``accuse``); magenta for anything else."""
    return TYPE_STYLES.get(event_type, "magenta")


_STATUS_MARKS = {
    Status.CLAIMED: ("◆ claimed", "yellow"),
    Status.DISPUTED: ("✖ disputed", "red"),
    Status.CONFIRMED: ("✔ confirmed", "green"),
}


def events(selection: Selection, *, long: bool = False, about: About = About()) -> Rendered:
    """A vertical timeline under year and month headings."""
    return Rendered(_timeline(selection, long=long, names=about.names))


def _timeline(selection: Selection, *, long: bool, names: Mapping[str, str]) -> RenderableType:
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    events = selection.events
    if not events:
        return Text("No events match.", style="dim")
    blocks: list[RenderableType] = []
    table: Table | None = None
    heading: tuple[int, int | None] | None = None
    previous: date | None = None
    previous_exact = True  # the previous event is known to the day

    # One width for the date column of every month's table, so the dots line up all the way.
    width = max(15, *(len(date_label(e, with_year=False)) for e in events))

    def new_table() -> Table:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", no_wrap=True, min_width=width)
        grid.add_column(no_wrap=True, width=1)
        grid.add_column(ratio=1)
        return grid

    for event in events:
        month = None if event.precision is Precision.YEAR else event.date.month
        if heading is None or event.date.year != heading[0] or month != heading[1]:
            if table is not None:
                blocks.append(table)
            if heading is None or event.date.year != heading[0]:
                blocks.append(Text(f"\n{event.date.year}", style="bold underline"))
            if month is not None:
                blocks.append(Padding(Text(f"{event.date:%B}", style="bold"), (0, 0, 0, 2)))
            heading = (event.date.year, month)
            table = new_table()
        assert table is not None  # set by the heading above on the first event

        status = status_of(event, selection.responses)
        when = Text(date_label(event, with_year=False), style="cyan")
        exact = event.precision is Precision.DAY
        if previous is not None:
            gap = gap_label(previous, event.date, approximate=not (exact and previous_exact))
            when.append(f"\n{gap}", style="dim")
        previous, previous_exact = event.date, exact

        body = Text(overflow="fold")  # a word wider than the column (an id, a URL) wraps whole
        body.append(event.type.value, style=type_style(event.type.value))
        body.append("  ")
        body.append(visible(parties(event, names)), style="green")
        if status in _STATUS_MARKS:
            mark, style = _STATUS_MARKS[status]
            body.append(f"  {mark}", style=style)
        if event.id in selection.responses.answered:
            body.append("  ↩ answered", style="blue")
        body.append("\n")
        body.append(visible(event.title), style="bold")
        for ref in event.responds_to:
            answered = selection.answered.get(ref)
            if answered is None:
                body.append(f"\n↪ answers {visible(ref)} (not in the log)", style="dim")
            else:
                what = f"{date_label(answered)}: {visible(answered.title)}"
                body.append(f"\n↪ answers {what}", style="dim")
        sources = event.sources if long else event.sources[:1]
        if long and event.summary:
            body.append("\n")
            body.append(visible(event.summary, keep_newlines=True))
        for source in sources:
            body.append("\n↳ ", style="dim")
            label = " — ".join(visible(s) for s in (source.publisher, source.title) if s)
            if label:
                body.append(label, style="dim")
            elif source.url:  # the address is the label: shown once, a link when it earns one
                link = _link_style(source.url) if long else ""
                body.append(visible(source.url), style=link or "dim")
            if long and source.quote:
                body.append("\n  “")
                body.append(visible(source.quote, keep_newlines=True), style="italic")
                body.append("”")
            if long and source.url and label:
                body.append("\n  ")
                body.append(visible(source.url), style=_link_style(source.url) or "dim")
        if long:
            _long_details(event, body)
        table.add_row(when, Text("●", style="cyan"), body)
        table.add_row("", "", "")
    if table is not None:
        blocks.append(table)
    return Group(*blocks)


def _long_details(event: EventLike, body: Text) -> None:
    """--long: where it happened, its tags, its id and what it answers."""
    location = event.location
    if location is not None:
        place = [location.name, location.country]
        if location.lat is not None and location.lon is not None:
            place.append(f"{location.lat:g}, {location.lon:g}")
        body.append("\n⌖ " + ", ".join(visible(p) for p in place if p), style="dim")
    if event.tags:
        body.append("\n# " + ", ".join(visible(tag) for tag in event.tags), style="dim")
    body.append(f"\nid: {visible(event.id)}", style="dim")
    if event.responds_to:
        body.append("  responds to: " + ", ".join(map(visible, event.responds_to)), style="dim")


# ---------------------------------------------------------------------------- diff


_LIST_FIELDS = frozenset({"actors", "targets", "responds_to", "tags", "sources"})
_TEXT_FIELDS = frozenset({"title", "summary"})


def _json_value(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _word_diff(before: str, after: str, out: Text) -> None:
    """Words removed as [-…-] in red and added as {+…+} in green, as ``git diff --word-diff``."""
    import difflib

    old, new = before.split(" "), after.split(" ")
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append((" ".join(old[i1:i2]), ""))
            continue
        if tag in {"replace", "delete"}:
            pieces.append((f"[-{' '.join(old[i1:i2])}-]", "red"))
        if tag in {"replace", "insert"}:
            pieces.append((f"{{+{' '.join(new[j1:j2])}+}}", "green"))
    for index, (piece, style) in enumerate(pieces):
        if index:
            out.append(" ")
        out.append(visible(piece, keep_newlines=True), style=style)


def _take_one(counts: Counter[str], value: object) -> bool:
    key = _json_value(value)
    if counts[key] <= 0:
        return False
    counts[key] -= 1
    return True


def _field_line(change: FieldChange, out: Text) -> None:
    out.append(f"\n    {change.field}: ", style="bold")
    before, after = change.before, change.after
    if change.field in _LIST_FIELDS and isinstance(before, list) and isinstance(after, list):
        # As multisets, so that a repeated item shows as added or removed, not as reordered.
        old_items, new_items = Counter(map(_json_value, before)), Counter(map(_json_value, after))
        added, removed = new_items - old_items, old_items - new_items
        items = [("+", v, "green") for v in after if _take_one(added, v)]
        items += [("\u2212", v, "red") for v in before if _take_one(removed, v)]
        if not items:  # same items, another order
            out.append("order changed", style="yellow")
        for index, (sign, value, style) in enumerate(items):
            text = value if isinstance(value, str) else _json_value(value)
            out.append(("" if index == 0 else " ") + sign + visible(text), style=style)
        return
    if change.field in _TEXT_FIELDS and isinstance(before, str) and isinstance(after, str):
        _word_diff(before, after, out)
        return
    out.append(visible(_json_value(before)), style="red")
    out.append(" → ")
    out.append(visible(_json_value(after)), style="green")


def changes(comparison: Comparison) -> Rendered:
    """The changes as ``diff`` shows them on a terminal."""
    return Rendered(_changes(comparison), soft_wrap=True)


def _changes(comparison: Comparison) -> Text:
    """A header of counts, then each change: + added, − removed, ~ changed with its fields."""
    from rich.text import Text

    from timeline.diff import Op

    stat = comparison.stat
    out = Text()
    out.append(f"+{stat.added}", style="green bold")
    out.append(f" −{stat.removed}", style="red bold")
    out.append(f" ~{stat.changed}", style="yellow bold")
    marks = {Op.ADDED: ("+", "green"), Op.REMOVED: ("−", "red"), Op.CHANGED: ("~", "yellow")}
    for change in comparison.changes:
        sign, style = marks[change.op]
        event = change.after or change.before
        assert event is not None  # every change has a side
        out.append(f"\n{sign} {iso_label(event)}  ", style=style)
        out.append(visible(change.id), style=style)
        out.append("  ")
        out.append(visible(event.title), style="bold" if change.op is Op.CHANGED else style)
        for field_change in change.fields:
            _field_line(field_change, out)
    return out
