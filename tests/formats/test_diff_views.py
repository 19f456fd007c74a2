"""The views of a diff in every format: the rich view, JSON records and the counts line."""

from __future__ import annotations

import json as json_module

from rich.console import Console

from conftest import CLAIM, MOBILIZE, REJECT, by_id, ev
from timeline.diff import Change, Comparison, Stat, diff_events, stat
from timeline.formats import json, plain, rich
from timeline.model import Event, canonical_json


def compared(changes: list[Change]) -> Comparison:
    return Comparison(changes, stat(changes), [], complete=True)


# ---------------------------------------------------------------------------- change_record


def test_change_record_of_a_changed_event() -> None:
    """The --json record of a change: op, id, date, both events as JSON, and field changes."""
    before, after = ev(CLAIM), ev(CLAIM, status="disputed", tags=[])
    (change,) = diff_events(by_id(before), by_id(after))
    assert json.change_record(change) == {
        "op": "changed",
        "id": CLAIM["id"],
        "date": "2024-08-18",
        "before": before.model_dump(mode="json"),
        "after": after.model_dump(mode="json"),
        "changes": {
            "status": {"before": "claimed", "after": "disputed"},
            "tags": {"before": ["border"], "after": []},
        },
    }


def test_change_record_of_added_and_removed_events() -> None:
    """An added record has before null; a removed one has after null; neither lists fields."""
    added, removed = ev(REJECT), ev(MOBILIZE)
    changes = diff_events(by_id(removed), by_id(added))
    assert [json.change_record(c) for c in changes] == [
        {
            "op": "removed",
            "id": removed.id,
            "date": "2024-08-10",
            "before": removed.model_dump(mode="json"),
            "after": None,
            "changes": {},
        },
        {
            "op": "added",
            "id": added.id,
            "date": "2024-08-26",
            "before": None,
            "after": added.model_dump(mode="json"),
            "changes": {},
        },
    ]


def test_change_record_is_json_with_every_key_of_the_event() -> None:
    """The record survives json.dumps and its event has every schema key (canonical form)."""
    (change,) = diff_events({}, by_id(ev(MOBILIZE)))
    record = json_module.loads(json_module.dumps(json.change_record(change)))
    assert list(record) == ["op", "id", "date", "before", "after", "changes"]
    assert list(record["after"]) == list(Event.model_fields)
    assert record["after"] == json_module.loads(canonical_json(ev(MOBILIZE)))


# ---------------------------------------------------------------------------- renderers


def test_stat_label_uses_the_minus_sign() -> None:
    """The counts header is '+A −R ~C' with U+2212 as the minus sign."""
    assert plain.stat_label(Stat(3, 1, 2)) == "+3 \u22121 ~2"


def test_diff_view_plain_text() -> None:
    """The diff view: header, then each change by date, with field lines for changed events."""
    old = by_id(ev(CLAIM), ev(MOBILIZE))
    after = ev(
        CLAIM,
        status="disputed",
        tags=[],
        targets=["ukraine", "poland"],
        title="Lukashenko says Ukraine has massed 120,000 troops on the Belarusian border",
    )
    new = by_id(after, ev(REJECT))
    changes = diff_events(old, new)
    assert rich._changes(compared(changes)).plain.split("\n") == [
        "+1 −1 ~1",
        f"− 2024-08-10  {MOBILIZE['id']}  {MOBILIZE['title']}",
        f"~ 2024-08-18  {CLAIM['id']}  {after.title}",
        "    title: Lukashenko [-claims-] {+says+} Ukraine has massed 120,000 troops on the"
        " Belarusian border",
        "    targets: +poland",
        '    status: "claimed" → "disputed"',
        "    tags: −border",
        f"+ 2024-08-26  {REJECT['id']}  {REJECT['title']}",
    ]


def test_a_text_holding_the_word_diffs_marks_is_shown_whole() -> None:
    """Without colour, a title holding '{+…+}' or '[-…-]' would read as words added or removed
    that were not (a review, helper): such a text shows before and after whole, quoted."""
    title = "Army {+did not+} attack [-civilians-]"
    for before, after in ((title, title + " x"), ("Army attacks", "Army [-attacks"), ("a -]", "b")):
        changes = diff_events(by_id(ev(CLAIM, title=before)), by_id(ev(CLAIM, title=after)))
        lines = rich._changes(compared(changes)).plain.split("\n")
        assert lines[2] == f"    title: {json_module.dumps(before)} → {json_module.dumps(after)}"
    changes = diff_events(by_id(ev(CLAIM, title="a b")), by_id(ev(CLAIM, title="a c")))
    assert rich._changes(compared(changes)).plain.split("\n")[2] == "    title: a [-b-] {+c+}"


def test_diff_view_shows_a_repeated_item_as_added_not_reordered() -> None:
    """Lists compare as multisets: a second 'border' tag is '+border'; only a new order of the
    same items is 'order changed'."""

    def last_line(before: list[str], after: list[str]) -> str:
        changes = diff_events(by_id(ev(CLAIM, tags=before)), by_id(ev(CLAIM, tags=after)))
        return rich._changes(compared(changes)).plain.split("\n")[-1]

    lines = {
        "repeated": last_line(["border", "claim"], ["border", "claim", "border"]),
        "dropped": last_line(["border", "claim", "border"], ["border", "claim"]),
        "reordered": last_line(["border", "claim"], ["claim", "border"]),
    }
    assert lines == {
        "repeated": "    tags: +border",
        "dropped": "    tags: \u2212border",
        "reordered": "    tags: order changed",
    }


def test_diff_view_colours_on_a_terminal() -> None:
    """On a colour terminal, an added event is green and a removed one red."""
    changes = diff_events(by_id(ev(MOBILIZE)), by_id(ev(REJECT)))
    console = Console(force_terminal=True, color_system="standard", width=200, record=False)
    with console.capture() as captured:
        output = rich.changes(compared(changes))
        console.print(output.renderable, soft_wrap=output.soft_wrap)
    lines = captured.get().split("\n")
    assert "\x1b[31m" in lines[1] and lines[1].startswith("\x1b[31m−")  # red removed
    assert "\x1b[32m" in lines[2] and lines[2].startswith("\x1b[32m+")  # green added


def test_diff_view_escapes_control_characters() -> None:
    """A title with an escape code is shown as text, never sent to the terminal raw."""
    event = ev(MOBILIZE, title="evil \x1b[31m title")
    changes = diff_events({}, by_id(event))
    plain = rich._changes(compared(changes)).plain
    assert "\x1b" not in plain
    assert "evil \\x1b[31m title" in plain


def test_diff_json_lines_are_the_records() -> None:
    """diff --json writes one compact JSON line per change, equal to its change record."""
    changes = diff_events(by_id(ev(CLAIM), ev(MOBILIZE)), by_id(ev(CLAIM, status="disputed")))
    assert list(json.changes(compared(changes)).lines) == [
        json_module.dumps(json.change_record(c), ensure_ascii=False, separators=(",", ":"))
        for c in changes
    ]
