"""The views of ``stats``: the chart's drawing functions on numbers, and every format's rows."""

from __future__ import annotations

import json
from datetime import date

import pytest
from rich.cells import cell_len
from rich.console import Console

from conftest import CLAIM, MOBILIZE, REJECT, ev
from timeline import formats
from timeline.formats import Format, Rendered, TextLines
from timeline.formats.chart import axis, bar, columns, grouped, sparkline
from timeline.stats import Field, Period, Spec, Unit, count_events


def test_a_bar_is_drawn_to_an_eighth_and_never_vanishes() -> None:
    """Full, half, an eighth's rounding, and a tiny count still visible."""
    assert bar(1.0, 4) == "████"
    assert bar(0.5, 4) == "██"
    assert bar(0.3, 4) == "█▎"
    assert bar(0.001, 4) == "▏"
    assert bar(0.0, 4) == ""


def test_a_sparkline_marks_zero_apart_from_a_small_count() -> None:
    """Zero is a dot; any count above zero is at least the lowest block; past the top, full."""
    assert sparkline([0, 1, 4, 8, 100], 8) == "·▁▄██"
    assert sparkline([0, 0], 0) == "··"


def test_columns_are_drawn_top_line_first() -> None:
    """Two lines tall: a full column, a half one, and a small one shown as an eighth."""
    assert columns([8, 4, 0, 1], 8, height=2) == ["█   ", "██ ▂"]


def test_grouping_adds_up_runs_to_fit_the_width() -> None:
    """Seven values into three columns: runs of three, the last one shorter."""
    assert grouped([1, 2, 3, 4, 5, 6, 7], 3) == ([6, 15, 7], 3)
    assert grouped([1, 2], 10) == ([1, 2], 1)


def test_axis_labels_do_not_touch_and_carry_the_year_when_it_changes() -> None:
    """Labels as many as fit, the year on the first and where a new year begins."""
    first = date(2024, 12, 16).toordinal()
    weeks = [Period(date.fromordinal(first + 7 * i), Unit.WEEK) for i in range(4)]
    assert axis(weeks, 40, 8) == "16 Dec 2024     30 Dec  6 Jan 2025"


EVENTS = [ev(CLAIM), ev(REJECT), ev(MOBILIZE, date="2024-08-01", precision="month")]


@pytest.mark.parametrize("fmt", [Format.RICH, Format.PLAIN, Format.JSON, Format.CSV])
def test_every_stats_format_renders_a_series_by_type(fmt: Format) -> None:
    """Each format of STATS renders a series with a band; the text ones keep one row per line."""
    result = count_events(EVENTS, Spec(by=(Field.TYPE,), per=Unit.MONTH))
    output = formats.STATS[fmt](result)
    if isinstance(output, Rendered):
        console = Console(width=60, record=True, color_system=None)
        console.print(output.renderable)
        text = console.export_text()
        assert "known only to" not in text  # a month holds every date: no note of bands
        assert "accuse" in text and max(map(len, text.splitlines())) <= 60
        return
    assert isinstance(output, TextLines)
    lines = list(output.lines)
    if fmt is Format.PLAIN:
        assert lines == ["2024-08\taccuse\t1", "2024-08\tmobilize\t1", "2024-08\treject\t1"]
    elif fmt is Format.JSON:
        assert [json.loads(line)["type"] for line in lines] == ["accuse", "mobilize", "reject"]
    else:
        assert lines[0] == "period,precision,coarser,type,other,count"
        assert lines[1:] == [
            "2024-08,month,false,accuse,false,1",
            "2024-08,month,false,mobilize,false,1",
            "2024-08,month,false,reject,false,1",
        ]


@pytest.mark.parametrize(
    "spec",
    [
        Spec(by=(Field.TYPE,)),
        Spec(per=Unit.WEEK),
        Spec(by=(Field.TYPE,), per=Unit.WEEK),
    ],
    ids=["table", "chart", "sparklines"],
)
def test_an_ascii_output_gets_the_same_chart_in_ascii(spec: Spec) -> None:
    """Where the output cannot write block characters (PYTHONIOENCODING=ascii), the chart is
    drawn in ASCII characters, line for line and column for column, not as \\u escapes."""
    import io

    def drawn(encoding: str) -> list[str]:
        raw = io.BytesIO()
        out = io.TextIOWrapper(raw, encoding=encoding, errors="backslashreplace")
        output = formats.STATS[Format.RICH](count_events(EVENTS, spec))
        assert isinstance(output, Rendered)
        Console(file=out, width=70, color_system=None).print(output.renderable)
        out.flush()
        return raw.getvalue().decode(encoding).splitlines()

    ascii_lines, utf8_lines = drawn("ascii"), drawn("utf-8")
    assert "\\u" not in "\n".join(ascii_lines)
    assert [len(line) for line in ascii_lines] == [len(line) for line in utf8_lines]
    assert any("#" in line for line in ascii_lines)


def test_the_legend_says_how_many_marks_a_period_takes() -> None:
    """Few periods are drawn several marks wide: the legend says so, not 'each mark: a day'."""
    days = [ev(CLAIM, id=f"d{n}", date=f"2024-08-{n:02d}") for n in (10, 12, 14)]
    spec = Spec(by=(Field.TYPE,), per=Unit.DAY)
    output = formats.STATS[Format.RICH](count_events(days, spec))
    assert isinstance(output, Rendered)
    console = Console(width=80, record=True, color_system=None)
    console.print(output.renderable)
    lines = console.export_text().splitlines()
    marks = lines[1].split()[1]  # the series' sparkline, after its label
    assert len(marks) == 5 * 3
    assert any(line.startswith("each 3 marks: a day;") for line in lines)


@pytest.mark.parametrize("width", [40, 60, 100])
def test_a_chart_of_grouped_periods_fits_its_width_with_the_scale_in_line(width: int) -> None:
    """Periods grouped into columns add up to more than any one of them: the scale's width is
    the top column's (9 events in a week, 11 in two), so the axis lines up and no line wraps."""
    events = [ev(CLAIM, id=f"a{i}", date="2024-08-05") for i in range(9)]
    events += [ev(CLAIM, id=f"b{i}", date="2024-08-12") for i in range(2)]
    events += [ev(CLAIM, id="c", date=f"{year}-01-01") for year in (2019,)]
    output = formats.STATS[Format.RICH](count_events(events, Spec(per=Unit.WEEK)))
    assert isinstance(output, Rendered)
    console = Console(width=width, record=True, color_system=None)
    console.print(output.renderable)
    lines = console.export_text().splitlines()
    assert max(map(len, lines)) <= width
    scale = [line for line in lines if "│" in line or "└" in line]
    assert {line.index("│") if "│" in line else line.index("└") for line in scale} == {
        len(scale[0].split("│")[0].rstrip()) + 1
    }


@pytest.mark.parametrize("per", [None, Unit.MONTH])
def test_wide_characters_in_labels_keep_the_chart_in_its_columns(per: Unit | None) -> None:
    """An actor named in CJK takes two columns a character: the labels are cut and padded by
    the columns they take, so the counts stand in one column and no line passes the width."""
    events = [ev(CLAIM, id=f"a{i}", actors=["乌克兰外交部长期名称测试一二三四五六七八九十"])
              for i in range(3)] + [ev(CLAIM, id="b", actors=["belarus"])]  # fmt: skip
    output = formats.STATS[Format.RICH](count_events(events, Spec(by=(Field.ACTOR,), per=per)))
    assert isinstance(output, Rendered)
    console = Console(width=60, record=True, color_system=None)
    console.print(output.renderable, soft_wrap=True)  # a line too long stays one, to be seen
    lines = console.export_text().split("\n\n")[0].splitlines()  # the chart: its notes are prose
    assert max(cell_len(line) for line in lines) <= 60
    rows = [line for line in lines if "belarus" in line or "乌克兰" in line]
    counts = [cell_len(line[: line.index(digit)]) for line, digit in zip(rows, "31", strict=False)]
    assert len(rows) == 2 and len(set(counts)) == 1, lines


def test_a_wide_character_that_would_pass_the_edge_goes_whole() -> None:
    """Cut to four columns, '中文字' keeps one character and the ellipsis, not a space where
    half a character would stand."""
    from timeline.formats.labels import cut

    assert cut("中文字", 4) == "中…"
    assert cut("中文字", 5) == "中文…"
    assert cut("中文字", 6) == "中文字"
    assert cut("abcdef", 4) == "abc…"


def test_the_actors_table_leaves_out_the_names_before_it_cuts_an_id() -> None:
    """At a width where the ids fit once the names are left out, they are whole (before 7
    December the names were cut and then the ids: 'belarus/d…' and 'belarus/p…'); the ids
    are cut only when nothing else is left to take, never below 8 columns."""
    from timeline.actors import parse_registry, tally
    from timeline.formats import roster

    registry = parse_registry(
        b'[belarus-president]\nname = "Alexander Lukashenko"\n'
        b'[belarus-defense-minister]\nname = "Viktor Khrenin"\n',
        source="actors.toml",
    )
    ids = ["belarus-president", "belarus-defense-minister"]
    events = [ev(CLAIM, id=f"e{n}", actors=[actor], targets=[]) for n, actor in enumerate(ids)]
    table = list(roster.table(tally(events), registry, width=66).lines)
    assert table[0].split() == ["ACTOR", "ACTS", "TARGETED", "FIRST", "LAST"]
    assert sorted(line.split()[0] for line in table[1:]) == sorted(ids)
    assert max(cell_len(line) for line in table) <= 66
    assert roster._fitted([24, 20, 4, 8, 10, 10, 30], 40) == [8, 0, 4, 8, 10, 10, 0]


def test_the_actors_table_fits_wide_characters_to_the_terminal() -> None:
    """The `actors` table and tree cut a CJK name by the columns it takes (it was by its
    characters: a row of 93 columns at 80)."""
    from timeline.actors import parse_registry, tally
    from timeline.formats import roster

    name = "乌克兰外交部长期名称测试一二三四五六七八九十"
    registry = parse_registry(f'[ukraine]\nname = "{name}"\n'.encode(), source="actors.toml")
    counted = tally([ev(CLAIM, id="a", actors=["ukraine"]), ev(CLAIM, id="b", actors=["x"])])
    for width in (40, 60, 80):
        table = list(roster.table(counted, registry, width=width).lines)
        tree = list(roster.tree(counted, registry, width=width).lines)
        assert max(cell_len(line) for line in table + tree) <= width, table + tree
    dates = {cell_len(line[: line.index("2024")]) for line in table[1:]}  # at 80 columns
    assert len(dates) == 1, table  # the columns stand in line
