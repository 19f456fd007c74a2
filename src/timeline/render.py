"""Events to output: a rich timeline, plain text, JSON Lines or CSV. Pure: nothing here prints.

Imports of the core and of rich happen inside the functions, so the CLI can name the formats
without paying for them at start-up. Every string that comes from a log passes through
``visible`` (or ``json_safe``) and reaches rich only inside ``Text`` objects, so log data is
never read as markup, escape codes or links.
"""

from __future__ import annotations

import csv
import enum
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING

from timeline.dates import Precision
from timeline.text import visible
from timeline.vocab import Status

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.style import Style
    from rich.text import Text

    from timeline.diff import Change, FieldChange, Stat
    from timeline.query import Responses
    from timeline.rules import EventLike


class OutputFormat(str, enum.Enum):
    """How ``show`` writes events; ``auto`` is ``rich`` on a terminal and ``plain`` elsewhere."""

    AUTO = "auto"
    RICH = "rich"
    PLAIN = "plain"
    JSON = "json"
    CSV = "csv"


def date_label(event: EventLike, *, with_year: bool = True) -> str:
    """The date as precisely as it is known: 'Tue 6 Aug 2024', 'week of 19 Aug', 'Mar 2022'."""
    d = event.date
    year = f" {d.year}" if with_year else ""
    if event.precision is Precision.YEAR:
        label = str(d.year)
    elif event.precision is Precision.MONTH:
        label = f"{d:%b} {d.year}"
    elif event.precision is Precision.WEEK:
        label = f"week of {d.day} {d:%b}{year}"
    else:
        label = f"{d:%a} {d.day} {d:%b}{year}"
    if event.end is not None and event.end != d:
        label += f" – {event.end.day} {event.end:%b}"
        if event.end.year != d.year:
            label += f" {event.end.year}"
    return label


def iso_label(event: EventLike) -> str:
    """The date in ISO form at the event's precision: 2024-08-06, 2024-W34, 2024-08, 2024."""
    d = event.date
    if event.precision is Precision.YEAR:
        return f"{d.year:04d}"
    if event.precision is Precision.MONTH:
        return f"{d.year:04d}-{d.month:02d}"
    if event.precision is Precision.WEEK:
        iso = d.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    return d.isoformat()


def gap_label(previous: date, current: date) -> str:
    """The time between two events: '+4 d', '+3 mo', '+31 y' (or '−…' when sorted backwards)."""
    days = (current - previous).days
    sign = "+" if days >= 0 else "−"
    days = abs(days)
    if days < 60:
        return f"{sign}{days} d"
    if days < 730:
        return f"{sign}{round(days / 30.44)} mo"
    return f"{sign}{round(days / 365.25)} y"


def parties(event: EventLike) -> str:
    """'belarus, belarus/president → ukraine'."""
    text = ", ".join(event.actors)
    if event.targets:
        text += " → " + ", ".join(event.targets)
    return text


def _status_of(event: EventLike, responses: Responses) -> Status:
    return Status.DISPUTED if responses.is_disputed(event) else event.status


# ---------------------------------------------------------------------------- machine formats


def json_lines(events: Iterable[EventLike]) -> Iterator[str]:
    """The canonical JSON form, one event per line (no trailing newline on each item)."""
    from timeline.rules import canonical_json

    return (canonical_json(event) for event in events)


def plain_lines(events: Iterable[EventLike], responses: Responses) -> Iterator[str]:
    """Tab-separated: date, type, actors→targets, title, id — with a status mark when it matters."""
    for event in events:
        status = _status_of(event, responses)
        title = event.title if status is Status.REPORTED else f"{event.title} [{status.value}]"
        fields = (iso_label(event), event.type.value, parties(event), title, event.id)
        yield "\t".join(visible(f) for f in fields)


CSV_COLUMNS = (
    "id", "date", "precision", "end", "title", "type", "actors", "targets", "status",
    "responds_to", "tags", "summary", "source_publisher", "source_title", "source_url",
)  # fmt: skip


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(...) in a
# hostile title would be a live link, or worse): such a cell gets a leading quote, which
# spreadsheets show as text (OWASP's advice on CSV injection). Machines read --json.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def csv_text(events: Iterable[EventLike], responses: Responses) -> Iterator[str]:
    """CSV with a header; lists are joined with ';', the first source fills the source columns.
    A text that a spreadsheet would run as a formula is quoted (see ``_FORMULA_STARTS``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for event in events:
        source = event.sources[0]
        row = (
            event.id, event.date.isoformat(), event.precision.value,
            event.end.isoformat() if event.end else "", event.title, event.type.value,
            ";".join(event.actors), ";".join(event.targets), _status_of(event, responses).value,
            ";".join(event.responds_to), ";".join(event.tags), event.summary or "",
            source.publisher or "", source.title or "", source.url or "",
        )  # fmt: skip
        writer.writerow([_spreadsheet_safe(visible(cell)) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


def format_lines(
    fmt: OutputFormat, events: Sequence[EventLike], responses: Responses
) -> Iterator[str]:
    """The text lines of a machine or plain format; ``rich`` and ``auto`` are not lines."""
    if fmt is OutputFormat.JSON:
        return json_lines(events)
    if fmt is OutputFormat.PLAIN:
        return plain_lines(events, responses)
    if fmt is OutputFormat.CSV:
        return (chunk.removesuffix("\n") for chunk in csv_text(events, responses))
    raise ValueError(f"{fmt.value} output is not made of lines")


# ---------------------------------------------------------------------------- the terminal view


def _link_style(url: str | None) -> Style | str:
    """A hyperlink only for a web address; anything else stays plain text.

    A ``Style`` object, never a style string: text after a space in a URL must not be read as
    style words ('link javascript:…', 'on red')."""
    from rich.style import Style

    if url and url.lower().startswith(("http://", "https://")) and visible(url) == url:
        return Style(link=url)
    return ""


_STATUS_MARKS = {
    Status.CLAIMED: ("◆ claimed", "yellow"),
    Status.DISPUTED: ("✖ disputed", "red"),
    Status.CONFIRMED: ("✔ confirmed", "green"),
}


def timeline_view(
    events: Sequence[EventLike], responses: Responses, *, long: bool = False
) -> RenderableType:
    """A vertical timeline under year and month headings."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    if not events:
        return Text("No events match.", style="dim")
    blocks: list[RenderableType] = []
    table: Table | None = None
    heading: tuple[int, int | None] | None = None
    previous: date | None = None

    def new_table() -> Table:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", no_wrap=True, min_width=15)
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

        status = _status_of(event, responses)
        when = Text(date_label(event, with_year=False), style="cyan")
        if previous is not None:
            when.append(f"\n{gap_label(previous, event.date)}", style="dim")
        previous = event.date

        body = Text(overflow="fold")  # a word wider than the column (an id, a URL) wraps whole
        body.append(event.type.value, style="magenta")
        body.append("  ")
        body.append(visible(parties(event)), style="green")
        if status in _STATUS_MARKS:
            mark, style = _STATUS_MARKS[status]
            body.append(f"  {mark}", style=style)
        if event.id in responses.answered:
            body.append("  ↩ answered", style="blue")
        body.append("\n")
        body.append(visible(event.title), style="bold")
        sources = event.sources if long else event.sources[:1]
        if long and event.summary:
            body.append("\n")
            body.append(visible(event.summary, keep_newlines=True))
        for source in sources:
            body.append("\n↳ ", style="dim")
            label = " — ".join(visible(s) for s in (source.publisher, source.title) if s)
            body.append(label or visible(source.url or ""), style="dim")
            if long and source.quote:
                body.append("\n  “")
                body.append(visible(source.quote, keep_newlines=True), style="italic")
                body.append("”")
            if long and source.url:
                body.append("\n  ")
                body.append(visible(source.url), style=_link_style(source.url) or "dim")
        if long:
            body.append(f"\nid: {visible(event.id)}", style="dim")
            if event.responds_to:
                body.append("  responds to: " + ", ".join(event.responds_to), style="dim")
        table.add_row(when, Text("●", style="cyan"), body)
        table.add_row("", "", "")
    if table is not None:
        blocks.append(table)
    return Group(*blocks)


# ---------------------------------------------------------------------------- diff


def stat_label(added: int, removed: int, changed: int) -> str:
    """'+3 −1 ~2'."""
    return f"+{added} −{removed} ~{changed}"


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


def diff_view(changes: Sequence[Change], stat: Stat) -> Text:
    """A header of counts, then each change: + added, − removed, ~ changed with its fields."""
    from rich.text import Text

    from timeline.diff import Op

    out = Text()
    out.append(f"+{stat.added}", style="green bold")
    out.append(f" −{stat.removed}", style="red bold")
    out.append(f" ~{stat.changed}", style="yellow bold")
    marks = {Op.ADDED: ("+", "green"), Op.REMOVED: ("−", "red"), Op.CHANGED: ("~", "yellow")}
    for change in changes:
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


def diff_json_lines(changes: Iterable[Change]) -> Iterator[str]:
    import json

    from timeline.diff import change_record
    from timeline.text import json_safe

    for change in changes:
        yield json_safe(
            json.dumps(change_record(change), ensure_ascii=False, separators=(",", ":"))
        )
