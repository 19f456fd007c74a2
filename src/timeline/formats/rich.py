"""The terminal views: a vertical timeline of events, and the changes between two logs.

Every string that comes from a log passes through ``visible`` and reaches rich only inside
``Text`` objects, so log data is never read as markup, escape codes or links. rich is imported
inside the functions, so that naming the formats costs nothing at start-up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING

from timeline.dates import Precision
from timeline.formats.labels import (
    coordinates,
    date_label,
    gap_label,
    iso_label,
    parties,
    status_of,
)
from timeline.formats.output import About, Rendered
from timeline.text import visible, visible_address
from timeline.vocab import Status

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.measure import Measurement
    from rich.segment import Segment
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

    from timeline.formats.urls import web_url

    link = web_url(url)  # the rule of every format
    return Style(link=link) if link is not None else ""


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


# Narrower than this beside its lead, a line of words wraps under the lead instead; an id
# (one long word) is cut into lines of the cell's width, starting right after its lead.
_MIN_ROOM, _MIN_ID_ROOM = 12, 20
_GAP = "  "  # between the parts of a line of parts


class Cell:
    """The lines of an event in a view (or of a change in ``diff``'s), each wrapped to the
    width the cell is given with a hanging indent: a line's continuation starts under the text
    after its lead ('↳ ', '  “', 'responds to: '), so a label never ends a line alone. A line of
    parts (the parties, then '◆ claimed', '↩ answered') breaks only between parts (the first
    one between its words too), so a mark never leaves its label: rich's own wrapping breaks at
    any space, and takes a no-break space for one. When rich is asked not to wrap (``diff``
    into a pipe), each line is written whole.
    """

    def __init__(self) -> None:
        self._items: list[tuple[list[tuple[Text, Text]], bool]] = []  # parts, and chop

    def line(self, text: Text | str, *, lead: Text | str = "", style: str = "") -> None:
        """A line (its own newlines start new ones, under the same lead)."""
        self._items.append(([(_text(lead, style), _text(text, style))], False))

    def parts(self, *parts: tuple[Text | str, Text | str], ids: bool = False) -> None:
        """A line of (lead, text) parts, two spaces apart, broken only between them. ``ids``:
        the texts are ids, which a narrow cell cuts anywhere, right after their lead."""
        self._items.append(([(_text(lead), _text(text)) for lead, text in parts], ids))

    @property
    def plain(self) -> str:
        """Every line whole, as text (what a pipe gets)."""
        lines = []
        for parts, _ in self._items:
            first, *rest = (lead.plain + text.plain for lead, text in parts)
            lines.append(_GAP.join([first, *rest]))
        return "\n".join(lines)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        from rich.measure import Measurement

        widest = 1
        for parts, _ in self._items:
            whole = sum(lead.cell_len + _longest(text) for lead, text in parts)
            widest = max(widest, whole + len(_GAP) * (len(parts) - 1))
        return Measurement(min(widest, _MIN_ROOM), widest)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        from rich.segment import Segment

        width = max(1, options.max_width)
        for parts, chop in self._items:
            for line in _parts_lines(console, parts, width, whole=bool(options.no_wrap), chop=chop):
                yield from line.render(console)
                yield Segment.line()


def _text(value: Text | str, style: str = "") -> Text:
    from rich.text import Text

    return value if isinstance(value, Text) else Text(value, style=style)


def _joined(*texts: Text | str) -> Text:
    """Texts one after another, each in its own style (``a + b`` gives ``b`` the style of
    ``a`` too)."""
    from rich.text import Text

    return Text.assemble(*texts)


def _longest(text: Text) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in text.plain.split("\n")), default=0)


def _hanging(
    console: Console, lead: Text, text: Text, width: int, *, whole: bool, chop: bool = False
) -> list[Text]:
    """``lead`` then ``text`` wrapped beside it, each line after the first under the text;
    where that leaves too little room, the text wraps under the lead (``chop``: is cut into
    lines of ``width`` cells, so that an id starts right after its lead)."""
    if whole:
        lines = text.split("\n", allow_blank=True)
        pad = " " * lead.cell_len
        return [_joined(lead if i == 0 else pad, line) for i, line in enumerate(lines)]
    indent = lead.cell_len
    if chop and width - indent < _MIN_ID_ROOM:
        return _chopped(_joined(lead, text), width)
    if width - indent < _MIN_ROOM:
        return list(_joined(lead, text).wrap(console, width, overflow="fold"))
    wrapped = text.wrap(console, width - indent, overflow="fold")
    pad = " " * indent
    return [_joined(lead if index == 0 else pad, line) for index, line in enumerate(wrapped)]


def _chopped(text: Text, width: int) -> list[Text]:
    """``text`` cut into lines of ``width`` cells (a wide character is not split)."""
    from rich.cells import cell_len

    offsets, used = [], 0
    for at, char in enumerate(text.plain):
        cells = cell_len(char)
        if used + cells > width and used:
            offsets.append(at)
            used = 0
        used += cells
    return list(text.divide(offsets))


def _parts_lines(
    console: Console, parts: list[tuple[Text, Text]], width: int, *, whole: bool, chop: bool
) -> list[Text]:
    """Parts two spaces apart, a line broken only between them (and within the first, between
    words); a part too wide for a line of its own wraps with a hanging indent."""
    from rich.text import Text

    (lead, text), *rest = parts
    lines = _hanging(console, lead, text, width, whole=whole, chop=chop)
    for lead, text in rest:
        part = _joined(lead, text)
        if whole or lines[-1].cell_len + len(_GAP) + part.cell_len <= width:
            lines[-1] = Text.assemble(lines[-1], _GAP, part)
        else:
            lines.extend(_hanging(console, lead, text, width, whole=False, chop=chop))
    return lines


def events(selection: Selection, *, long: bool = False, about: About = About()) -> Rendered:
    """A vertical timeline under year and month headings."""
    return Rendered(_Timeline(selection, long=long, names=about.names))


# The fewest columns an event's text is given beside its date; a narrower terminal has the
# date above the text, which then takes the whole width (a phone, a split pane).
_MIN_TEXT = 24


class _Timeline:
    """The timeline, laid out for the width it is drawn in."""

    def __init__(self, selection: Selection, *, long: bool, names: Mapping[str, str]) -> None:
        self.selection, self.long, self.names = selection, long, names

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[object]:
        yield _timeline(self.selection, long=self.long, names=self.names, width=options.max_width)


def _timeline(
    selection: Selection, *, long: bool, names: Mapping[str, str], width: int
) -> RenderableType:
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
    date_width = max(15, *(len(date_label(e, with_year=False)) for e in events))
    beside = width - date_width - 3 >= _MIN_TEXT  # the date beside the text, or above it

    def new_table() -> Table:
        grid = Table.grid(padding=(0, 1))
        if beside:
            grid.add_column(justify="right", no_wrap=True, min_width=date_width)
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
            when.append(f"\n{gap}" if beside else f"  {gap}", style="dim")
        previous, previous_exact = event.date, exact

        body = Cell()
        head = Text.assemble((event.type.value, type_style(event.type.value)), "  ",
                             (visible(parties(event, names)), "green"))  # fmt: skip
        marks: list[tuple[str, Text]] = []
        if status in _STATUS_MARKS:
            mark, style = _STATUS_MARKS[status]
            marks.append(("", Text(mark, style=style)))
        if event.id in selection.responses.answered:
            marks.append(("", Text("↩ answered", style="blue")))
        body.parts(("", head), *marks)
        body.line(visible(event.title), style="bold")
        for ref in event.responds_to:
            answered = selection.answered.get(ref)
            if answered is None:
                what = f"{visible(ref)} (not in the log)"
            else:
                what = f"{date_label(answered)}: {visible(answered.title)}"
            body.line(what, lead="↪ answers ", style="dim")
        sources = event.sources if long else event.sources[:1]
        if long and event.summary:
            body.line(visible(event.summary, keep_newlines=True))
        for source in sources:
            label = " — ".join(visible(s) for s in (source.publisher, source.title) if s)
            if label:
                body.line(label, lead="↳ ", style="dim")
            elif source.url:  # the address is the label: shown once, a link when it earns one
                link = _link_style(source.url) if long else ""
                body.line(
                    Text(visible_address(source.url), style=link or "dim"), lead=_text("↳ ", "dim")
                )
            if long and source.quote:
                quote = Text.assemble((visible(source.quote, keep_newlines=True), "italic"), "”")
                body.line(quote, lead="  “")
            if long and source.url and label:
                link = _link_style(source.url) or "dim"
                body.line(Text(visible_address(source.url), style=link), lead="  ")
        if long:
            _long_details(event, body)
        if beside:
            table.add_row(when, Text("●", style="cyan"), body)
            table.add_row("", "", "")
        else:
            table.add_row(Text("●", style="cyan"), when)
            table.add_row("", body)
            table.add_row("", "")
    if table is not None:
        blocks.append(table)
    return Group(*blocks)


def _long_details(event: EventLike, body: Cell) -> None:
    """--long: where it happened, its tags, its id and what it answers."""
    location = event.location
    if location is not None:
        place = [location.name, location.country]
        if location.lat is not None and location.lon is not None:
            place.append(coordinates(location.lat, location.lon))
        body.line(", ".join(visible(p) for p in place if p), lead="⌖ ", style="dim")
    if event.tags:
        body.line(", ".join(visible(tag) for tag in event.tags), lead="# ", style="dim")
    ids: list[tuple[Text | str, Text | str]] = [
        (_text("id: ", "dim"), _text(visible(event.id), "dim"))
    ]
    if event.responds_to:
        answers = ", ".join(map(visible, event.responds_to))
        ids.append((_text("responds to: ", "dim"), _text(answers, "dim")))
    body.parts(*ids, ids=True)


# ---------------------------------------------------------------------------- diff


_LIST_FIELDS = frozenset({"actors", "targets", "responds_to", "tags", "sources"})
_TEXT_FIELDS = frozenset({"title", "summary"})


def _json_value(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# A text that holds one of the word diff's marks would read, without colour, as changed where
# it was not ("Army {+did not+} attack"): it is shown whole, before and after, quoted.
_WORD_MARKS = ("[-", "-]", "{+", "+}")


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


def _field_line(change: FieldChange, cell: Cell) -> None:
    """'    field: ' and what changed in it, a line of ``cell``."""
    from rich.text import Text

    out = Text()
    cell.line(out, lead=Text(f"    {change.field}: ", style="bold"))
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
    if (
        change.field in _TEXT_FIELDS
        and isinstance(before, str)
        and isinstance(after, str)
        and not any(mark in text for mark in _WORD_MARKS for text in (before, after))
    ):
        _word_diff(before, after, out)
        return
    out.append(visible(_json_value(before)), style="red")
    out.append(" → ")
    out.append(visible(_json_value(after)), style="green")


def changes(comparison: Comparison) -> Rendered:
    """The changes as ``diff`` shows them on a terminal."""
    return Rendered(_changes(comparison), soft_wrap=True)


def _changes(comparison: Comparison) -> Cell:
    """A header of counts, then each change: + added, − removed, ~ changed with its fields,
    each line wrapped with a hanging indent (under the text after '~ ', after '    title: ')."""
    from rich.text import Text

    from timeline.diff import Op

    stat = comparison.stat
    out = Cell()
    out.line(Text.assemble((f"+{stat.added}", "green bold"), (f" −{stat.removed}", "red bold"),
                           (f" ~{stat.changed}", "yellow bold")))  # fmt: skip
    marks = {Op.ADDED: ("+", "green"), Op.REMOVED: ("−", "red"), Op.CHANGED: ("~", "yellow")}
    for change in comparison.changes:
        sign, style = marks[change.op]
        event = change.after or change.before
        assert event is not None  # every change has a side
        title_style = "bold" if change.op is Op.CHANGED else style
        line = Text.assemble(
            (f"{iso_label(event)}  ", style), (visible(change.id), style), "  ",
            (visible(event.title), title_style),
        )  # fmt: skip
        out.line(line, lead=Text(f"{sign} ", style=style))
        for field_change in change.fields:
            _field_line(field_change, out)
    return out
