"""Pure tests of ``timeline.diff`` (and the diff renderers): events built from literal dicts."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from timeline.diff import (
    Change,
    FieldChange,
    Op,
    Stat,
    apply,
    change_record,
    diff_events,
    field_changes,
    stat,
)
from timeline.model import Event, canonical_json
from timeline.render import diff_json_lines, diff_view, stat_label
from timeline.store import RawLine, parse_raw_line

CLAIM: dict[str, Any] = {
    "id": "2024-08-18-lukashenko-claims-120000-ukrainian-troops",
    "date": "2024-08-18",
    "title": "Lukashenko claims Ukraine has massed 120,000 troops on the Belarusian border",
    "type": "accuse",
    "actors": ["belarus/president"],
    "targets": ["ukraine"],
    "status": "claimed",
    "sources": [{"publisher": "Army Recognition", "title": "Situation Brief"}],
    "tags": ["border"],
}
MOBILIZE: dict[str, Any] = {
    "id": "2024-08-10-belarus-moves-forces",
    "date": "2024-08-10",
    "title": "Belarus moves forces to the border",
    "type": "mobilize",
    "actors": ["belarus"],
    "sources": [{"url": "https://example.org/b"}],
}
REJECT: dict[str, Any] = {
    "id": "2024-08-26-ukraine-denies-hostile-actions",
    "date": "2024-08-26",
    "title": "Ukraine says it never took hostile actions against Belarusians",
    "type": "reject",
    "actors": ["ukraine/mfa"],
    "targets": ["belarus"],
    "responds_to": ["2024-08-18-lukashenko-claims-120000-ukrainian-troops"],
    "sources": [{"url": "https://example.org/c"}],
}


def ev(base: dict[str, Any], **changes: Any) -> Event:
    """An event from a literal dict, with some keys replaced."""
    return Event.model_validate({**base, **changes})


def by_id(*events: Event) -> dict[str, Event]:
    return {event.id: event for event in events}


def from_line(data: bytes) -> Event:
    return parse_raw_line(RawLine(1, data + b"\n"), source="test.jsonl")


# ---------------------------------------------------------------------------- diff_events


def test_identical_mappings_have_no_changes() -> None:
    """Two equal logs give an empty diff."""
    events = by_id(ev(CLAIM), ev(MOBILIZE), ev(REJECT))
    assert diff_events(events, dict(events)) == []


def test_added_event_is_detected() -> None:
    """An id only in the new log is one ADDED change with no before side and no fields."""
    new = ev(REJECT)
    assert diff_events(by_id(ev(CLAIM)), by_id(ev(CLAIM), new)) == [
        Change(Op.ADDED, new.id, None, new)
    ]


def test_removed_event_is_detected() -> None:
    """An id only in the old log is one REMOVED change with no after side and no fields."""
    old = ev(MOBILIZE)
    assert diff_events(by_id(old, ev(CLAIM)), by_id(ev(CLAIM))) == [
        Change(Op.REMOVED, old.id, old, None)
    ]


def test_changed_event_lists_each_field_in_schema_order() -> None:
    """A changed event carries exactly the changed fields, as JSON values, in schema order."""
    before = ev(CLAIM)
    after = ev(
        CLAIM,
        tags=[],
        status="disputed",
        targets=["ukraine", "poland"],
        title="Lukashenko says Ukraine has massed 120,000 troops on the Belarusian border",
    )
    fields = (
        FieldChange("title", CLAIM["title"], after.title),
        FieldChange("targets", ["ukraine"], ["ukraine", "poland"]),
        FieldChange("status", "claimed", "disputed"),
        FieldChange("tags", ["border"], []),
    )
    assert diff_events(by_id(before), by_id(after)) == [
        Change(Op.CHANGED, before.id, before, after, fields)
    ]


def test_nested_field_change_is_whole_json_value() -> None:
    """A change inside a source or location is reported as the whole field, as JSON."""
    before = ev(MOBILIZE)
    after = ev(MOBILIZE, sources=[{"url": "https://example.org/b2"}], location={"country": "blr"})
    assert field_changes(before, after) == (
        FieldChange("location", None, {"name": None, "country": "BLR", "lat": None, "lon": None}),
        FieldChange(
            "sources",
            [{"url": "https://example.org/b", "publisher": None, "title": None,
              "published": None, "quote": None}],
            [{"url": "https://example.org/b2", "publisher": None, "title": None,
              "published": None, "quote": None}],
        ),
    )  # fmt: skip


def test_date_change_is_a_string_change() -> None:
    """A moved date is reported as ISO strings, and the change sorts by its new date."""
    before = ev(MOBILIZE)
    after = ev(MOBILIZE, date="2024-08-30")
    (change,) = diff_events(by_id(before), by_id(after))
    assert change.fields == (FieldChange("date", "2024-08-10", "2024-08-30"),)
    assert change.date.isoformat() == "2024-08-30"


def test_reordered_list_is_a_change() -> None:
    """The order of a list is part of the event: swapping two actors is a change."""
    before = ev(MOBILIZE, actors=["belarus", "russia"])
    after = ev(MOBILIZE, actors=["russia", "belarus"])
    assert field_changes(before, after) == (
        FieldChange("actors", ["belarus", "russia"], ["russia", "belarus"]),
    )


def test_key_order_whitespace_and_defaults_are_not_changes() -> None:
    """Two lines written differently (key order, spaces, defaults written out or left out,
    actor and country spelling) hold the same event, so the diff is empty."""
    compact = (
        b'{"id":"e1","date":"2024-08-18","title":"Lukashenko claims troops","type":"accuse",'
        b'"actors":["belarus/president"],"location":{"country":"BLR"},'
        b'"sources":[{"url":"https://example.org/a"}]}'
    )
    spelled_out = (
        b'{ "sources" : [ { "quote": null, "url": "https://example.org/a", "title": null,'
        b' "publisher": null, "published": null } ],\t"tags": [], "status": "reported",'
        b' "responds_to": [], "targets": [], "extra": null, "end": null, "summary": null,'
        b' "precision": "day", "location": {"name": null, "country": "blr", "lat": null,'
        b' "lon": null}, "actors": ["Belarus / President"], "type": "accuse",'
        b' "title": "Lukashenko claims troops", "date": "2024-08-18", "id": "e1" }  '
    )
    a, b = from_line(compact), from_line(spelled_out)
    assert diff_events({"e1": a}, {"e1": b}) == []
    assert diff_events({"e1": b}, {"e1": a}) == []


def test_canonical_line_and_minimal_line_are_equal() -> None:
    """The canonical JSON of an event and a line without its defaults are the same event."""
    event = ev(REJECT)
    minimal = json.dumps(event.model_dump(mode="json", exclude_defaults=True)).encode()
    canonical = from_line(canonical_json(event).encode())
    assert diff_events({event.id: canonical}, {event.id: from_line(minimal)}) == []


def test_extra_true_and_one_are_different_values() -> None:
    """Custom data in ``extra`` is compared as JSON: ``true`` and ``1`` are different values."""
    before = ev(MOBILIZE, extra={"verified": True})
    after = ev(MOBILIZE, extra={"verified": 1})
    assert field_changes(before, after) == (
        FieldChange("extra", {"verified": True}, {"verified": 1}),
    )
    assert len(diff_events(by_id(before), by_id(after))) == 1


def test_changes_are_ordered_by_date_then_id() -> None:
    """Changes come in date order; on one day, by id, whatever the op or the mapping order."""
    day = {"date": "2024-08-18"}
    b_same_day = ev(MOBILIZE, id="b", **day)
    a_same_day = ev(MOBILIZE, id="a", **day)
    late = ev(REJECT)
    early = ev(MOBILIZE)
    old = {"b": b_same_day, late.id: late}
    new = {late.id: ev(REJECT, status="confirmed"), "a": a_same_day, early.id: early}
    assert [(c.op, c.id) for c in diff_events(old, new)] == [
        (Op.ADDED, early.id),
        (Op.ADDED, "a"),
        (Op.REMOVED, "b"),
        (Op.CHANGED, late.id),
    ]


def test_stat_counts_each_op() -> None:
    """stat counts added, removed and changed, and the total is their sum."""
    old = by_id(ev(CLAIM), ev(MOBILIZE))
    new = by_id(ev(CLAIM, status="disputed"), ev(REJECT), ev(REJECT, id="another"))
    counts = stat(diff_events(old, new))
    assert counts == Stat(added=2, removed=1, changed=1)
    assert counts.total == 4
    assert stat([]) == Stat(0, 0, 0)


def test_apply_replays_a_diff() -> None:
    """apply(old, diff(old, new)) rebuilds new: added, removed and changed events alike."""
    old = by_id(ev(CLAIM), ev(MOBILIZE))
    new = by_id(ev(CLAIM, status="disputed"), ev(REJECT))
    assert apply(old, diff_events(old, new)) == new


# ---------------------------------------------------------------------------- change_record


def test_change_record_of_a_changed_event() -> None:
    """The --json record of a change: op, id, date, both events as JSON, and field changes."""
    before, after = ev(CLAIM), ev(CLAIM, status="disputed", tags=[])
    (change,) = diff_events(by_id(before), by_id(after))
    assert change_record(change) == {
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
    assert [change_record(c) for c in changes] == [
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
    record = json.loads(json.dumps(change_record(change)))
    assert list(record) == ["op", "id", "date", "before", "after", "changes"]
    assert list(record["after"]) == list(Event.model_fields)
    assert record["after"] == json.loads(canonical_json(ev(MOBILIZE)))


# ---------------------------------------------------------------------------- renderers


def test_stat_label_uses_the_minus_sign() -> None:
    """The counts header is '+A −R ~C' with U+2212 as the minus sign."""
    assert stat_label(3, 1, 2) == "+3 \u22121 ~2"


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
    assert diff_view(changes, stat(changes)).plain.split("\n") == [
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


def test_diff_view_shows_a_repeated_item_as_added_not_reordered() -> None:
    """Lists compare as multisets: a second 'border' tag is '+border'; only a new order of the
    same items is 'order changed'."""

    def last_line(before: list[str], after: list[str]) -> str:
        changes = diff_events(by_id(ev(CLAIM, tags=before)), by_id(ev(CLAIM, tags=after)))
        return diff_view(changes, stat(changes)).plain.split("\n")[-1]

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
        console.print(diff_view(changes, stat(changes)), soft_wrap=True)
    lines = captured.get().split("\n")
    assert "\x1b[31m" in lines[1] and lines[1].startswith("\x1b[31m−")  # red removed
    assert "\x1b[32m" in lines[2] and lines[2].startswith("\x1b[32m+")  # green added


def test_diff_view_escapes_control_characters() -> None:
    """A title with an escape code is shown as text, never sent to the terminal raw."""
    event = ev(MOBILIZE, title="evil \x1b[31m title")
    changes = diff_events({}, by_id(event))
    plain = diff_view(changes, stat(changes)).plain
    assert "\x1b" not in plain
    assert "evil \\x1b[31m title" in plain


def test_diff_json_lines_are_the_records() -> None:
    """diff --json writes one compact JSON line per change, equal to its change record."""
    changes = diff_events(by_id(ev(CLAIM), ev(MOBILIZE)), by_id(ev(CLAIM, status="disputed")))
    assert list(diff_json_lines(changes)) == [
        json.dumps(change_record(c), ensure_ascii=False, separators=(",", ":")) for c in changes
    ]


# ---------------------------------------------------------------------------- properties

_IDS = ["e1", "e2", "e3", "e4", "e5"]
_event_dicts = st.fixed_dictionaries(
    {
        "id": st.sampled_from(_IDS),
        "date": st.sampled_from(["2024-08-01", "2024-08-18", "2024-08-26"]),
        "title": st.sampled_from(["Troops at the border", "Troops not at the border"]),
        "type": st.sampled_from(["accuse", "reject", "mobilize"]),
        "actors": st.lists(st.sampled_from(["belarus", "ukraine", "russia"]), min_size=1,
                           max_size=2),
        "status": st.sampled_from(["reported", "claimed", "disputed"]),
        "sources": st.sampled_from([[{"url": "https://example.org/a"}], [{"title": "Brief"}]]),
        "tags": st.lists(st.sampled_from(["border", "north"]), max_size=2),
    },
    optional={"summary": st.just("A summary."), "location": st.just({"country": "BLR"})},
)  # fmt: skip
_events = _event_dicts.map(Event.model_validate)
_logs = st.lists(_events, max_size=5, unique_by=lambda e: e.id).map(
    lambda events: {e.id: e for e in events}
)


@settings(max_examples=150, deadline=None)
@given(_logs)
def test_property_diff_of_a_log_with_itself_is_empty(a: dict[str, Event]) -> None:
    """diff(a, a) is empty for any log."""
    assert diff_events(a, a) == []


@settings(max_examples=150, deadline=None)
@given(_logs, _logs)
def test_property_apply_diff_gives_the_new_log(a: dict[str, Event], b: dict[str, Event]) -> None:
    """apply(a, diff(a, b)) == b, the stat total is the number of changes, and the changes
    come in (date, id) order."""
    changes = diff_events(a, b)
    assert apply(a, changes) == b
    assert stat(changes).total == len(changes)
    keys = [(c.date, c.id) for c in changes]
    assert keys == sorted(keys)


@settings(max_examples=100, deadline=None)
@given(_events, st.randoms(use_true_random=False))
def test_property_written_form_is_not_a_change(event: Event, rnd: Any) -> None:
    """The canonical line and a line with shuffled keys and no defaults are the same event."""
    obj = event.model_dump(mode="json", exclude_defaults=True)
    keys = list(obj)
    rnd.shuffle(keys)
    other = json.dumps({k: obj[k] for k in keys}, indent=None, separators=(" , ", " : "))
    a = from_line(canonical_json(event).encode())
    b = from_line(other.encode())
    assert diff_events({a.id: a}, {b.id: b}) == []
