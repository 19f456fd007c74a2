"""CSV in the shape of an ACLED export, so that scripts written for ACLED data read our events
beside theirs: a column takes ACLED's name only where it means what ACLED's column means.

ACLED's names: ``event_id_cnty`` (our id), ``event_date`` (ISO; the first day of the period the
event is known to fall in), ``year``, ``time_precision`` (1 a day, 2 a week, 3 a month; empty
for a year, which ACLED does not code), ``actor1`` and ``assoc_actor_1`` (the first actor, the
others), ``actor2`` and ``assoc_actor_2`` (the first target, the others), ``iso3`` (the ISO
3166-1 alpha-3 code, ACLED's column until 2023), ``location``, ``latitude``, ``longitude``,
``source`` (the sources' publishers), ``notes`` (title, then summary), ``tags``, ``timestamp``
(when this file was made, as Unix time: the log keeps no time of change, and a later file
supersedes an earlier one). Several values in a cell are joined with "; ", as ACLED joins them.

Not written, having no equivalent in the log: ACLED's ``event_type``, ``sub_event_type`` and
``disorder_type`` (our PLOVER types are another vocabulary), ``inter1``, ``inter2``,
``interaction``, ``civilian_targeting``, ``fatalities``, ``region``, ``admin1``–``admin3``,
``geo_precision``, ``source_scale``, and ``iso`` and ``country``, which are a numeric code and a
name where the log holds only the alpha-3 code. Ours, clearly named ``timeline_…``: precision,
end, title, type (PLOVER), status, responds_to and the first http(s) source URL.

Text cells are made safe for spreadsheets as in ``--format csv``; numbers and dates we write
are left as they are (a negative latitude is a number, not a formula).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from timeline.dates import Precision
from timeline.formats.csv import (
    PRINTABLE_RISKY_STARTS,
    address_cell,
    csv_row,
    safe_cells,
    spreadsheet_safe,
)
from timeline.formats.labels import status_of
from timeline.formats.output import About, TextLines
from timeline.formats.urls import first_web_url
from timeline.selection import UNANSWERED, Piece, Selection

if TYPE_CHECKING:
    from timeline.rules import EventLike

ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "actor1", "assoc_actor_1",
    "actor2", "assoc_actor_2", "iso3", "location", "latitude", "longitude", "source", "notes",
    "tags", "timestamp",
)  # fmt: skip
OUR_COLUMNS = (
    "timeline_precision", "timeline_end", "timeline_title", "timeline_type", "timeline_status",
    "timeline_responds_to", "timeline_source_url",
)  # fmt: skip
COLUMNS = ACLED_COLUMNS + OUR_COLUMNS

# ACLED's codes: 1 the day is known, 2 the week, 3 the month. ACLED codes no event known only
# to its year, so such an event has no time_precision (timeline_precision says 'year').
_TIME_PRECISION = {Precision.DAY: "1", Precision.WEEK: "2", Precision.MONTH: "3"}


def _joined(values: Iterable[str | None]) -> str:
    """Several values in one cell, as ACLED joins them; each made safe on its own, and the
    cell as a whole ('-5' is a number, and '-5; x' a formula)."""
    return spreadsheet_safe("; ".join(safe_cells([value for value in values if value])))


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


def row(event: EventLike, selection: Selection, *, made: datetime | None) -> list[str]:
    """The cells of one event, in ``COLUMNS`` order, each made safe (``csv.safe_cells``)."""
    location = event.location
    sources = event.sources
    publishers = dict.fromkeys(source.publisher or source.title for source in sources)
    lists = (event.actors[1:], event.targets[1:], publishers, event.tags, event.responds_to)
    # ACLED's timeline_* and date cells are written by us; the text cells (and each item of
    # a list) are the log's, to be made safe: at once when the whole row is printable and
    # no text or item can start a formula (``PRINTABLE_RISKY_STARTS``), as nearly every row is
    texts = [
        event.id,
        event.actors[0],
        event.targets[0] if event.targets else "",
        location.country or "" if location else "",
        location.name or "" if location else "",
        event.title + (f" — {event.summary}" if event.summary else ""),
        event.title,
        address_cell(first_web_url([source.url for source in sources]) or ""),
        *("; ".join(filter(None, values)) for values in lists),
    ]
    items = [value for values in lists for value in values if value]
    heads = [text[:1] for text in texts[:8]] + [value[:1] for value in items]
    own = "".join(texts[:8]) + "".join(items)  # a ';' of its own starts a cell to some
    if "".join(texts).isprintable() and PRINTABLE_RISKY_STARTS.isdisjoint(heads) and ";" not in own:
        event_id, actor, target, country, place, notes, title, url, *joined = texts
        assoc_actors, assoc_targets, publisher, tags, answered = joined
    else:
        event_id, actor, target, country, place, notes, title, url = safe_cells(
            texts[:8], texts=(5,)
        )
        assoc_actors, assoc_targets, publisher, tags, answered = map(_joined, lists)
    return [
        event_id,
        event.date.isoformat(),
        str(event.date.year),
        _TIME_PRECISION.get(event.precision, ""),
        actor,
        assoc_actors,
        target,
        assoc_targets,
        country,
        place,
        _number(location.lat if location else None),
        _number(location.lon if location else None),
        publisher,
        notes,
        tags,
        "" if made is None else str(int(made.timestamp())),
        event.precision.value,
        event.end.isoformat() if event.end else "",
        title,
        event.type.value,
        status_of(event, selection.responses).value,
        answered,
        url,
    ]


_ROWS_A_CHUNK = 256  # rows joined into one text to write


def _row_text(event: EventLike, selection: Selection, made: datetime | None) -> str:
    return csv_row(row(event, selection, made=made)) + "\n"


def _piece(event: EventLike, *, made: datetime | None) -> str:
    return _row_text(event, UNANSWERED, made)


def piece(about: About) -> Piece:
    """The rows the readers of a log render as they read (``selection.selected``), as if no
    event rejected theirs: those that one does are rendered again."""
    return functools.partial(_piece, made=about.generated)


def _chunks(selection: Selection, about: About) -> Iterator[str]:
    made = about.generated

    def line(event: EventLike) -> str:
        return _row_text(event, selection, made)

    rows = [csv_row(COLUMNS) + "\n"]
    # a row depends on the rest of the log only through a rejection of its claim
    for _, text in selection.pieces(line, redo=selection.responses.rejected):
        rows.append(text)
        if len(rows) == _ROWS_A_CHUNK:
            yield "".join(rows)
            rows.clear()
    if rows:
        yield "".join(rows)


def events(selection: Selection, *, long: bool = False, about: About = About()) -> TextLines:
    """CSV with ACLED's column names where the meaning is the same, and ours after them."""
    return TextLines(chunk.removesuffix("\n") for chunk in _chunks(selection, about))
