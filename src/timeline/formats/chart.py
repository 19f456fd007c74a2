"""The terminal view of ``stats``: a table with a bar per row; for a series, a column chart, or
a sparkline per value when counting by a field too. Fitted to the terminal's width when it is
drawn; made of characters, so that ``NO_COLOR`` gives the same chart without colour.

Values from a log pass through ``visible`` and reach rich only inside ``Text`` objects. The
drawing functions (``bar``, ``sparkline``, ``columns``, ``grouped``) are pure, on numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from timeline.formats.labels import cells, coarser_than, cut, padded, stats_notes, value_label
from timeline.formats.output import Rendered
from timeline.formats.rich import type_style
from timeline.text import visible

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions
    from rich.text import Text

    from timeline.stats import Key, Period, Stats

BLOCKS = "▁▂▃▄▅▆▇█"  # a column's top, in eighths of a character's height
EIGHTHS = "▏▎▍▌▋▊▉█"  # a bar's end, in eighths of a character's width
ZERO = "·"  # an empty period in a sparkline: not the same as a small count
CHART_HEIGHT = 8  # lines of the column chart
MAX_LABEL = 32  # a value wider than this is cut, with an ellipsis
MIN_LABEL = 8  # ... and on a narrow terminal, down to this, so that a row stays one line
MIN_BAR = 6  # the shortest bar room of a table row


def bar(fraction: float, width: int) -> str:
    """A horizontal bar ``fraction`` of ``width`` characters long, to an eighth; at least an
    eighth for any count above zero."""
    eighths = round(max(0.0, min(fraction, 1.0)) * width * 8)
    if fraction > 0:
        eighths = max(eighths, 1)
    whole, part = divmod(eighths, 8)
    return "█" * whole + (EIGHTHS[part - 1] if part else "")


def grouped(values: Sequence[int], width: int) -> tuple[list[int], int]:
    """``values`` added up in runs of as many as it takes to fit ``width`` columns, and the
    length of a run."""
    size = max(1, math.ceil(len(values) / max(width, 1)))
    return [sum(values[i : i + size]) for i in range(0, len(values), size)], size


def sparkline(values: Sequence[int], top: int) -> str:
    """One character per value, on a scale where ``top`` is a full block; a dot for zero."""
    out = []
    for value in values:
        if value <= 0 or top <= 0:
            out.append(ZERO)
        else:
            out.append(BLOCKS[min(max(1, math.ceil(value / top * 8)), 8) - 1])
    return "".join(out)


def columns(values: Sequence[int], top: int, *, height: int = CHART_HEIGHT) -> list[str]:
    """A column chart, top line first: one character per value, ``height`` lines tall, where
    ``top`` fills a column; any count above zero shows at least an eighth."""
    levels = []
    for value in values:
        level = round(value / top * height * 8) if top > 0 else 0
        levels.append(max(level, 1) if value > 0 else 0)
    lines = []
    for line in range(height - 1, -1, -1):
        floor = line * 8
        cells = []
        for level in levels:
            if level >= floor + 8:
                cells.append("█")
            elif level > floor:
                cells.append(BLOCKS[level - floor - 1])
            else:
                cells.append(" ")
        lines.append("".join(cells))
    return lines


def short_label(period: Period, *, with_year: bool) -> str:
    """A period on an axis: '19 Aug', 'Aug', 'Q3', '2024' (with the year when asked)."""
    from timeline.stats import Unit

    d, length = period.start, period.length
    year = f" {d.year}" if with_year else ""
    if length in (Unit.DAY, Unit.WEEK):
        return f"{d.day} {d:%b}{year}"
    if length is Unit.MONTH:
        return f"{d:%b}{year}"
    if length is Unit.QUARTER:
        return f"Q{(d.month - 1) // 3 + 1}{year}"
    return str(d.year)


def band_label(period: Period) -> str:
    """A band of a longer period: 'week of 19 Aug 2024', 'Aug 2024', '2024'."""
    from timeline.stats import Unit

    d = period.start
    if period.length is Unit.WEEK:
        return f"week of {d.day} {d:%b} {d.year}"
    if period.length is Unit.MONTH:
        return f"{d:%b} {d.year}"
    return str(d.year)


def axis(periods: Sequence[Period], width: int, step: int) -> str:
    """Labels under the columns of a chart, ``step`` characters apart, as many as fit without
    touching; a label carries its year when it is the first or the year has changed."""
    out = [" "] * width
    free, last_year = 0, None
    for index, period in enumerate(periods):
        x = index * step
        label = short_label(period, with_year=period.start.year != last_year)
        if x < free or x + len(label) > width:
            continue
        out[x : x + len(label)] = label
        free, last_year = x + len(label) + 1, period.start.year
    return "".join(out).rstrip()


def stats(result: Stats) -> Rendered:
    """Counts as a table with bars, or a series as a chart."""
    return Rendered(_StatsView(result))


class _StatsView:
    """A renderable that lays itself out at the width it is given."""

    def __init__(self, result: Stats) -> None:
        self.result = result

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Any]:
        lines = self._lines(max(options.max_width, 20))
        if options.ascii_only:  # an output that cannot write blocks: the same chart in ASCII
            lines = (_in_ascii(line) for line in lines)
        yield from lines

    def _lines(self, width: int) -> Iterator[Text]:
        from rich.text import Text

        result = self.result
        if not result.rows:
            yield Text("No events match.", style="dim")
            return
        if not result.series:
            yield from _table(result, width)
        elif not result.spec.by:
            yield from _chart(result, width)
        else:
            yield from _sparklines(result, width)
        yield Text()
        for note in stats_notes(result):
            yield Text(note, style="dim")


# One ASCII character for each drawing character, so that every line keeps its width and its
# colours: heights and lengths by eighths become coarser steps.
_ASCII = str.maketrans(
    {
        **dict(zip(BLOCKS, "..::==##", strict=True)),
        **dict(zip(EIGHTHS[:-1], "-----==", strict=True)),
        ZERO: ".",
        "│": "|",
        "─": "-",
        "└": "+",
        "–": "-",
        "…": "~",
    }
)


def _in_ascii(line: Text) -> Text:
    from rich.text import Text

    return Text(line.plain.translate(_ASCII), style=line.style, spans=line.spans, end=line.end)


def _key_text(result: Stats, key: Key, *, other: bool) -> str:
    return " · ".join(visible(value_label(v, other=other)) for v in key)


def _style(result: Stats, key: Key, *, other: bool) -> str:
    """Bars of a type in its timeline colour, of actors in the parties' green."""
    from timeline.stats import Field

    if other:
        return "dim"
    for by, value in zip(result.spec.by, key, strict=True):
        if by is Field.TYPE and value is not None:
            return type_style(value)
    return "green" if {Field.ACTOR, Field.TARGET} & set(result.spec.by) else "cyan"


def _table(result: Stats, width: int) -> Iterator[Text]:
    from rich.text import Text

    rows = result.rows
    count_w = max(len("events"), *(len(f"{r.count:,}") for r in rows))
    fixed = count_w + 5 + 3  # the count, the share, the spaces between
    most = max(MIN_LABEL, min(MAX_LABEL, width - fixed - MIN_BAR))
    labels = [cut(_key_text(result, r.key, other=r.other), most) for r in rows]
    head = cut(" · ".join(by.value for by in result.spec.by), most)
    label_w = max(cells(head), *(cells(label) for label in labels))
    bar_w = max(width - label_w - fixed, 1)
    top = max(r.count for r in rows) or 1
    yield Text(f"{padded(head, label_w)}  {'events':>{count_w}}     %", style="bold")
    for row, label in zip(rows, labels, strict=True):
        share = f"{row.count / result.events:5.0%}" if result.events else "    –"
        line = Text(f"{padded(label, label_w)}  {row.count:>{count_w},}{share} ")
        if row.other:
            line.stylize("dim")
        line.append(bar(row.count / top, bar_w), style=_style(result, row.key, other=row.other))
        yield line


def _bands(result: Stats) -> list[Period]:
    return [p for p in result.periods if p.coarse]


def _chart(result: Stats, width: int) -> Iterator[Text]:
    """One series: a column chart, the bands below it."""
    from rich.text import Text

    fine = [r for r in result.rows if r.period is not None and not r.period.coarse]
    values = [r.count for r in fine]
    top_w = len(f"{max(values, default=0):,}")
    while True:  # the scale's width is its top's, which grouping periods into columns may grow
        room = width - top_w - 2
        sums, run = grouped(values, room)
        top = max(sums, default=0)
        if len(f"{top:,}") <= top_w:
            break
        top_w = len(f"{top:,}")
    # Few periods get wide columns, so that each can carry its label.
    step = max(1, min(room // max(len(sums), 1), 12))
    drawn_w = max(1, min(step - 1, 7))
    for index, line in enumerate(columns(sums, top)):
        scale = f"{top:,}" if index == 0 else ""
        text = Text(f"{scale:>{top_w}} │", style="dim")
        text.append("".join(c * drawn_w + " " * (step - drawn_w) for c in line), style="cyan")
        yield text
    yield Text(f"{0:>{top_w}} └" + "─" * (len(sums) * step), style="dim")
    starts = [r.period for r in fine[::run] if r.period is not None]
    yield Text(" " * (top_w + 2) + axis(starts, room, step))
    unit = result.spec.per.value if result.spec.per else ""
    if run > 1:
        yield Text(f"one column: {run} {unit}s", style="dim")
    bands = [r for r in result.rows if r.period is not None and r.period.coarse]
    if bands:
        yield Text()
        yield Text(f"known only to {coarser_than(unit)} (not in a {unit} above):")
        for row in bands:
            assert row.period is not None  # bands have periods
            yield Text(f"  {band_label(row.period)} ({row.period.length.value}): {row.count:,}")


def _sparklines(result: Stats, width: int) -> Iterator[Text]:
    """Several series: a line each, on one scale; bands as a column of their own."""
    from rich.text import Text

    keys = [(key, False) for key in result.keys]
    if result.other_values:
        keys.append(((None,) * len(result.spec.by), True))
    series: list[tuple[str, list[int], int, int, str]] = []
    for key, other in keys:
        rows = [r for r in result.rows if r.key == key and r.other == other]
        fine = [r.count for r in rows if r.period is not None and not r.period.coarse]
        coarse = sum(r.count for r in rows if r.period is not None and r.period.coarse)
        label = _key_text(result, key, other=other)
        series.append((label, fine, sum(fine) + coarse, coarse, _style(result, key, other=other)))
    total_w = max(len("events"), *(len(f"{s[2]:,}") for s in series))
    coarse_w = max(len("coarser"), *(len(f"{s[3]:,}") for s in series))
    most = max(MIN_LABEL, min(MAX_LABEL, width - total_w - coarse_w - 6 - 8))
    series = [
        (cut(label, most), fine, total, coarse, style)
        for label, fine, total, coarse, style in series
    ]
    label_w = max(cells(s[0]) for s in series)
    room = max(width - label_w - total_w - coarse_w - 6, 8)
    all_sums = [grouped(s[1], room) for s in series]
    run = all_sums[0][1]
    top = max((v for sums, _ in all_sums for v in sums), default=0)
    # Few periods get several characters each, so that a line is long enough to read.
    each_w = max(1, min(room // max(len(all_sums[0][0]), 1), 3))
    length = len(all_sums[0][0]) * each_w
    head = " · ".join(by.value for by in result.spec.by)
    yield Text(
        f"{padded(head, label_w)}  {'':<{length}}  {'events':>{total_w}}  {'coarser':>{coarse_w}}",
        style="bold",
    )
    for (label, _, total, coarse, style), (sums, _) in zip(series, all_sums, strict=True):
        line = Text(f"{padded(label, label_w)}  ")
        line.append("".join(c * each_w for c in sparkline(sums, top)), style=style)
        line.append(f"  {total:>{total_w},}  {coarse:>{coarse_w},}")
        yield line
    fine_periods = [p for p in result.periods if not p.coarse]
    if fine_periods:
        first = short_label(fine_periods[0], with_year=True)
        last = short_label(fine_periods[-1], with_year=True)
        pad = max(length - len(first) - len(last), 1)
        axis_line = first + " " * pad + last if len(fine_periods) > 1 else first
        yield Text(" " * (label_w + 2) + axis_line, style="dim")
    unit = result.spec.per.value if result.spec.per else ""
    if run > 1:
        each = f"each mark: {run} {unit}s"
    else:  # few periods are drawn several marks wide
        each = f"each {each_w} marks: a {unit}" if each_w > 1 else f"each mark: a {unit}"
    yield Text(f"{each}; █ = {top:,} (one scale for every line)", style="dim")
    bands = _bands(result)
    if bands:
        yield Text()
        yield Text(f"known only to {coarser_than(unit)} (the coarser column):")
        for band in bands:
            counts = [
                f"{_key_text(result, r.key, other=r.other)} {r.count:,}"
                for r in result.rows
                if r.period == band and r.count
            ]
            yield Text(f"  {band_label(band)} ({band.length.value}): " + ", ".join(counts))
