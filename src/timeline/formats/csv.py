"""CSV for spreadsheets: one row per event, lists joined with ';', the first source's columns."""

from __future__ import annotations

import csv
import io
import itertools
import re
import types
import urllib.parse
from collections.abc import Container, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from timeline.formats.labels import status_of
from timeline.formats.output import About, TextLines
from timeline.text import visible, visible_address

if TYPE_CHECKING:
    from timeline.query import Responses
    from timeline.rules import EventLike, LocationLike
    from timeline.selection import Selection
    from timeline.stats import Stats


CSV_COLUMNS = (
    "id", "date", "precision", "end", "title", "type", "actors", "targets", "status",
    "responds_to", "tags", "summary", "source_publisher", "source_title", "source_url",
    "source_quote", "location", "country", "lat", "lon",
)  # fmt: skip


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(...) in a
# hostile title would be a live link, or worse): such a cell gets a leading quote, which
# spreadsheets show as text (OWASP's advice on CSV injection). Machines read --json.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PRINTABLE_FORMULA_STARTS = "".join(c for c in _FORMULA_STARTS if c.isprintable())
PRINTABLE_RISKY_STARTS = frozenset(_PRINTABLE_FORMULA_STARTS) | {" "}
"""The first characters of a printable cell that ``spreadsheet_safe`` may change: a formula's,
or a space (the only printable white space) before one."""


# A negative number (a latitude south of the equator) is a number to a spreadsheet, not a
# formula: it keeps its sign and no quote.
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` with a leading quote where a spreadsheet would run it, and after each ';' where
    what follows would be run: a spreadsheet that splits cells at ';' (the list separator of
    many locales) starts a cell there (``x;=1+1`` is two cells to it), and one that reads the
    whole file so runs on past this cell's end (``x;-5`` then ``,y``: ``-5,y``), so that even
    a number there is quoted."""
    first, *rest = cell.split(";")
    return ";".join([_safe_start(first, numbers=True), *map(_safe_start, rest)])


def _safe_start(cell: str, *, numbers: bool = False) -> str:
    # A spreadsheet that trims a cell's spaces as it reads it (LibreOffice can) sees what
    # follows them.
    for start in (cell, cell.lstrip()):
        if start.startswith(_FORMULA_STARTS) and not (numbers and _NUMBER.fullmatch(start)):
            return "'" + cell
    return cell


# A ';' before what a spreadsheet would run, in an address: a quote there would break the link.
_SPLIT_BEFORE_FORMULA = re.compile(rf";(?=\s*[{re.escape(_PRINTABLE_FORMULA_STARTS)}])")
_ESCAPED_SEMICOLON = urllib.parse.quote(";")


def address_cell(address: str) -> str:
    """An address for a cell: a ';' that a spreadsheet splitting cells at ';' would make the
    start of a formula is written as its escape in a URL ('%3B', RFC 3986), which leaves the
    link whole, where ``spreadsheet_safe`` would put a quote into it."""
    return _SPLIT_BEFORE_FORMULA.sub(_ESCAPED_SEMICOLON, address) if ";" in address else address


def safe_cells(cells: Sequence[str], *, texts: Container[int] = ()) -> list[str]:
    """``spreadsheet_safe(visible(cell))`` of each cell; the cells at the positions ``texts``
    (a summary, a quote) keep their line ends (a CRLF or a CR as a newline: the csv module
    quotes the cell, and spreadsheets, pandas and DuckDB read it as one cell of lines), where
    a one-line value (a title, a tag, an address) shows one as ``\\x0a``, as the views do.
    Without ``visible`` when every cell is printable (every character it escapes is one that is
    not), as nearly all are."""
    if not "".join(cells).isprintable():
        return [
            spreadsheet_safe(visible(cell, keep_newlines=at in texts))
            for at, cell in enumerate(cells)
        ]
    risky = PRINTABLE_RISKY_STARTS  # only such a cell, or one holding a ';', can need a quote
    return [spreadsheet_safe(cell) if cell[:1] in risky or ";" in cell else cell for cell in cells]


def _items(values: Sequence[str]) -> str:
    """A list in one cell, joined with ';'. Each item is made safe on its own: a spreadsheet
    that splits cells at ';' (the list separator of many locales) would run ``x;=1+1``, and
    a ';' within an item is one such split too (``spreadsheet_safe``)."""
    return ";".join(safe_cells(values)) if values else ""


def _place(location: LocationLike | None) -> tuple[str, str, str, str]:
    """The location columns: name, country, lat, lon (empty where unknown)."""
    if location is None:
        return ("", "", "", "")
    lat, lon = location.lat, location.lon
    return (
        location.name or "",
        location.country or "",
        "" if lat is None else repr(lat),
        "" if lon is None else repr(lon),
    )


def events(selection: Selection, *, long: bool = False, about: About = About()) -> TextLines:
    """CSV with a header row; lists are joined with ';', the first source fills the source
    columns. A text that a spreadsheet would run as a formula is quoted (``_FORMULA_STARTS``)."""
    responses = selection.responses
    rows = (event_row(event, responses) for event in selection.events)
    return TextLines(itertools.chain([HEADER], rows))


def csv_row(cells: Iterable[str]) -> str:
    """A row of CSV as text, without its newline (a cell's line breaks are quoted)."""
    row: str = _WRITER.writerow(cells)
    return row.removesuffix("\n")


# A csv writer returns what its file's ``write`` returns: writing to ``str`` hands back the
# row's text, with no buffer to fill and empty again
_WRITER = csv.writer(types.SimpleNamespace(write=str), lineterminator="\n")
HEADER = csv_row(CSV_COLUMNS)


def event_row(event: EventLike, responses: Responses) -> str:
    """One event's row of ``events`` (it depends on the others only through
    ``responses.is_disputed``: the readers of a large log render it, see ``formats.SHOW``)."""
    source = event.sources[0]
    row = (
        event.id, event.date.isoformat(), event.precision.value,
        event.end.isoformat() if event.end else "", event.title, event.type.value,
        _items(event.actors), _items(event.targets), status_of(event, responses).value,
        _items(event.responds_to), _items(event.tags), event.summary or "",
        source.publisher or "", source.title or "", address_cell(visible_address(source.url or "")),
        source.quote or "", *_place(event.location),
    )  # fmt: skip
    return csv_row(safe_cells(row, texts=_TEXTS))


_TEXTS = frozenset({CSV_COLUMNS.index("summary"), CSV_COLUMNS.index("source_quote")})


def stats(result: Stats) -> TextLines:
    """The rows of ``stats --json`` as CSV with a header (an empty cell: no value)."""
    return TextLines(chunk.removesuffix("\n") for chunk in _stats_chunks(result))


def _stats_chunks(result: Stats) -> Iterator[str]:
    from timeline.formats.json import stats_keys, stats_record

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(stats_keys(result))
    for row in result.rows:
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(value) for value in stats_record(result, row).values()])
    yield buffer.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return spreadsheet_safe(visible(str(value)))
