"""Output formats: one module per format, and this registry of what each view can be shown as.

A format module holds one pure function per view it renders (events in, ``Output`` out); only
``cli`` prints. To add a format: write its module, add a ``Format`` member, and add it to the
tables below for the views it renders. ``SHOW`` must hold every member (a test checks it).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from timeline.formats import (
    acled,
    chart,
    csv,
    geojson,
    html,
    ics,
    json,
    markdown,
    parquet,
    plain,
    rich,
    timelinejs,
)
from timeline.formats.output import About, ByteLines, FileWriter, Output, Rendered, TextLines

if TYPE_CHECKING:
    from timeline.check import Problem
    from timeline.diff import Comparison, Stat
    from timeline.selection import Selection
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


@dataclass(frozen=True, slots=True)
class ShowFormat:
    """How ``show`` renders a selection; ``canonical`` takes the selection as canonical JSON
    lines instead (``selection.canonical_lines``), for a format that writes exactly those."""

    render: ShowRenderer
    canonical: Callable[[Iterable[bytes]], Output] | None = None


SHOW: dict[Format, ShowFormat] = {
    Format.RICH: ShowFormat(rich.events),
    Format.PLAIN: ShowFormat(plain.events),
    Format.JSON: ShowFormat(json.events, canonical=json.canonical),
    Format.CSV: ShowFormat(csv.events),
    Format.PARQUET: ShowFormat(parquet.events, canonical=parquet.canonical),
    Format.MARKDOWN: ShowFormat(markdown.events),
    Format.TIMELINEJS: ShowFormat(timelinejs.events),
    Format.ICS: ShowFormat(ics.events),
    Format.GEOJSON: ShowFormat(geojson.events),
    Format.ACLED: ShowFormat(acled.events),
    Format.HTML: ShowFormat(html.events),
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
    Format.RICH: chart.stats,
    Format.PLAIN: plain.stats,
    Format.JSON: json.stats,
    Format.CSV: csv.stats,
}
