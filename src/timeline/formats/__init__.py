"""Output formats: one module per format, and this registry of what each view can be shown as.

A format module holds one pure function per view it renders (events in, ``Output`` out); only
``cli`` prints. To add a format: write its module, add a ``Format`` member, and add it to the
tables below for the views it renders. ``SHOW`` must hold every member (a test checks it).
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from timeline.formats import csv, json, plain, rich
from timeline.formats.output import About, ByteLines, FileWriter, Output, Rendered, TextLines

if TYPE_CHECKING:
    from timeline.check import Problem
    from timeline.diff import Comparison, Stat
    from timeline.query import Responses
    from timeline.rules import EventLike
    from timeline.selection import Piece, Selection
    from timeline.stats import Stats

__all__ = [
    "CHECK",
    "DIFF",
    "DIFF_STAT",
    "SHOW",
    "STATS",
    "About",
    "ByteLines",
    "CheckRenderer",
    "FileWriter",
    "Format",
    "Output",
    "Rendered",
    "ShowFormat",
    "ShowRenderer",
    "TextLines",
]  # fmt: skip


class ShowRenderer(Protocol):
    def __call__(
        self, selection: Selection, *, long: bool = False, about: About = About()
    ) -> Output: ...


class CheckRenderer(Protocol):
    def __call__(self, found: Iterable[Problem], *, source: str) -> Output: ...


class Format(str, enum.Enum):
    """Every output format."""

    RICH = "rich"
    PLAIN = "plain"
    JSON = "json"
    CSV = "csv"
    PARQUET = "parquet"
    MARKDOWN = "markdown"
    TIMELINEJS = "timelinejs"
    ICS = "ics"
    GEOJSON = "geojson"
    ACLED = "acled"
    HTML = "html"


def _on_call(module: str, function: str) -> Any:
    """``formats.MODULE.FUNCTION``, imported when first called: a publishing format brings a
    library (Jinja2, icalendar, DuckDB) that every other command would pay to import at start."""

    def call(*args: Any, **kwargs: Any) -> Any:
        found = importlib.import_module(f"timeline.formats.{module}")
        return getattr(found, function)(*args, **kwargs)

    call.__qualname__ = call.__name__ = f"{module}.{function}"
    return call


@dataclass(frozen=True, slots=True)
class ShowFormat:
    """How ``show`` renders a selection; ``canonical`` takes the selection as canonical JSON
    lines instead (``selection.canonical_lines``), for a format that writes exactly those.
    ``line`` renders one event's line of ``render``'s output, after the lines of ``head``,
    for a format whose line depends on the other events only through
    ``responses.is_disputed``: the readers of a large log render them as they read
    (``selection.selected_lines``). ``piece``, given the ``About`` that ``render`` will get (the
    display names, the time of making), renders an event's piece of ``render``'s output for
    the readers to render as they read (``selection.selected``), which ``render`` takes from
    ``Selection.pieces``, for a format that depends on the other events only through the
    rejections (``Responses.rejected``, ``is_disputed``): only those are read of the answers;
    or also through which events answer an event, with ``piece_answered_by``."""

    render: ShowRenderer
    canonical: Callable[[Iterable[bytes]], Output] | None = None
    line: Callable[[EventLike, Responses], str] | None = None
    piece: Callable[[About], Piece] | None = None
    piece_answered_by: bool = False
    head: tuple[str, ...] = ()
    titled: bool = False  # it writes ``about.heading`` (``--title``)
    has_long_form: bool = False  # it adds summaries, quotes and addresses for ``--long``
    keyed_by: str = ""  # what the output makes of an id, that two events sharing one repeat


SHOW: dict[Format, ShowFormat] = {
    Format.RICH: ShowFormat(rich.events, has_long_form=True),
    Format.PLAIN: ShowFormat(plain.events, line=plain.event_line),
    Format.JSON: ShowFormat(json.events, canonical=json.canonical),
    Format.CSV: ShowFormat(csv.events, line=csv.event_row, head=(csv.HEADER,)),
    Format.PARQUET: ShowFormat(
        _on_call("parquet", "events"), canonical=_on_call("parquet", "canonical")
    ),
    Format.MARKDOWN: ShowFormat(
        _on_call("markdown", "events"),
        piece=_on_call("markdown", "piece"),
        piece_answered_by=True,
        titled=True,
    ),
    Format.TIMELINEJS: ShowFormat(
        _on_call("timelinejs", "events"),
        piece=_on_call("timelinejs", "piece"),
        titled=True,
        keyed_by="unique_id",
    ),
    Format.ICS: ShowFormat(_on_call("ics", "events"), titled=True, keyed_by="UID"),
    Format.GEOJSON: ShowFormat(_on_call("geojson", "events"), piece=_on_call("geojson", "piece")),
    Format.ACLED: ShowFormat(_on_call("acled", "events"), piece=_on_call("acled", "piece")),
    Format.HTML: ShowFormat(
        _on_call("html", "events"),
        piece=_on_call("html", "piece"),
        piece_answered_by=True,
        titled=True,
        keyed_by="anchor",
    ),
}
DIFF: dict[Format, Callable[[Comparison], Output]] = {
    Format.RICH: rich.changes,
    Format.JSON: json.changes,
}
DIFF_STAT: dict[Format, Callable[[Stat], Output]] = {
    Format.PLAIN: plain.diff_stat,
    Format.JSON: json.diff_stat,
}
CHECK: dict[Format, CheckRenderer] = {
    Format.PLAIN: plain.problems,
    Format.JSON: json.problems,
}
STATS: dict[Format, Callable[[Stats], Output]] = {
    Format.RICH: _on_call("chart", "stats"),
    Format.PLAIN: plain.stats,
    Format.JSON: json.stats,
    Format.CSV: csv.stats,
}
