"""Pure tests of ``timeline.diff``: events built from literal dicts (``conftest``)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CLAIM, MOBILIZE, REJECT, by_id, ev
from timeline.diff import (
    Change,
    FieldChange,
    Op,
    Stat,
    apply,
    diff_events,
    field_changes,
    stat,
)
from timeline.log.lines import RawLine
from timeline.model import Event, canonical_json
from timeline.parsing import parse_raw_line


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


def _log_with_bad_lines(bad: int, salt: str) -> Any:
    """A way to read a log of ``bad`` lines that are not events (each with an id of its own),
    then two events; made as it is read, so that only ``compare`` holds anything."""
    good = [canonical_json(ev(CLAIM, id=f"good-{i}")).encode() + b"\n" for i in range(2)]

    def read() -> Any:
        for i in range(bad):
            yield RawLine(i + 1, b'{"id":"bad-%s-%d"}\n' % (salt.encode(), i))
        for i, data in enumerate(good):
            yield RawLine(bad + i + 1, data)

    return read


def test_compare_holds_nothing_per_bad_line() -> None:
    """The peak memory of a comparison does not grow with the logs' bad lines: ten times as
    many (10,000 on each side) take no more than 1 MB more (a record per bad line took 2.7 MB)."""
    import tracemalloc

    from timeline.diff import compare
    from timeline.query import Filter

    def peak(bad: int) -> int:
        tracemalloc.start()
        try:
            result = compare(
                (_log_with_bad_lines(bad, "a"), "old"),
                (_log_with_bad_lines(bad, "b"), "new"),
                flt=Filter(), strict=False, on_invalid=lambda parsed: None,
            )  # fmt: skip
            assert (result.stat.total, result.complete) == (0, False)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(100)  # warm: imports, caches
    few, many = peak(1_000), peak(10_000)
    assert many < few + (1 << 20), f"{few:,} → {many:,} bytes"


def test_a_bad_line_hides_its_id_from_the_comparison_on_either_side() -> None:
    """An id whose line is bad on one side is neither added nor removed: one note names the
    first bad line that holds it, and the answer is incomplete."""
    from timeline.diff import compare
    from timeline.query import Filter

    def reader(*data: bytes) -> Any:
        return lambda: (RawLine(i + 1, d + b"\n") for i, d in enumerate(data))

    kept = canonical_json(ev(CLAIM, id="kept")).encode()
    hidden = canonical_json(ev(CLAIM, id="hidden")).encode()
    changed = canonical_json(ev(CLAIM, id="hidden", title="Changed")).encode()
    broken = b'{"id":"hidden","date":"nope"}'
    for old, new, where in (
        (reader(kept, broken, hidden), reader(kept, changed), "old:2"),
        (reader(kept, hidden), reader(broken, kept, broken), "new:1"),
    ):
        result = compare(
            (old, "old"), (new, "new"), flt=Filter(), strict=False, on_invalid=lambda p: None
        )
        assert result.changes == []
        assert result.notes == [f"{where}: 'hidden' is not compared: its line is not valid"]
        assert not result.complete


_SCALARS = st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from([0.0, 1.0, -1.0, 2.5])
_VALUES = st.recursive(
    _SCALARS | st.sampled_from(["", "a", "1", "true"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(_VALUES, _VALUES)
def test_fields_are_the_same_exactly_when_json_writes_them_alike(a: Any, b: Any) -> None:
    """``_same`` asks JSON only of values holding a number or a boolean (1 == 1.0 == True in
    Python): two JSON writings of every field of 25,000 changed events were 40% of a diff's
    time. It answers as the JSON writings of both do, for any values."""
    from timeline.diff import _same

    written_alike = json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert _same(a, b) == (a == b and written_alike)
    assert _same(a, a)
