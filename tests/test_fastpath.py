"""The msgspec fast path and the pydantic model are one statement of the schema: same fields,
same events, and the fast path never accepts a line that the model refuses."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategies import JSON_VALUES, events
from timeline.errors import LineError
from timeline.fastpath import FastEvent, FastLocation, FastSource, fast_event
from timeline.log.lines import RawLine
from timeline.model import Event, Location, Source
from timeline.parsing import parse_raw_line
from timeline.rules import ASCII_ACTOR, canonical_json, to_json_dict

_SETTINGS = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])


def test_the_fast_structs_have_the_models_fields_in_order() -> None:
    """A field added to the model and not to the fast path (or the reverse) fails here."""
    assert FastEvent.__struct_fields__ == tuple(Event.model_fields)
    assert FastSource.__struct_fields__ == tuple(Source.model_fields)
    assert FastLocation.__struct_fields__ == tuple(Location.model_fields)


@_SETTINGS
@given(event=events())
def test_the_fast_path_reads_a_canonical_line_as_the_model_does(event: Event) -> None:
    """``fast_event(canonical_json(e))`` is ``e``; it declines only lines it leaves to the model
    by design (actor ids outside the ASCII form, escaped characters)."""
    import re

    line = canonical_json(event)
    fast = fast_event(line.encode())
    if fast is None:
        ascii_actors = all(re.fullmatch(ASCII_ACTOR, a) for a in event.actors + event.targets)
        assert not ascii_actors or "\\u" in line, line
        return
    assert to_json_dict(fast) == to_json_dict(event)
    assert canonical_json(fast) == line


def _model(content: bytes) -> Event | None:
    try:
        return parse_raw_line(RawLine(2, content + b"\n"), source="t.jsonl")
    except LineError:
        return None


@_SETTINGS
@given(
    event=events(), key=st.sampled_from(list(Event.model_fields)), value=JSON_VALUES, data=st.data()
)
def test_a_line_the_fast_path_accepts_the_model_accepts(
    event: Event, key: str, value: Any, data: st.DataObject
) -> None:
    """Any field of a canonical line replaced by any JSON value (or a nested value replaced):
    whenever the fast path accepts the line, the model accepts it and reads the same event."""
    fields = to_json_dict(event)
    if data.draw(st.booleans()) and isinstance(fields[key], dict) and fields[key]:
        inner = data.draw(st.sampled_from(sorted(fields[key])))
        fields[key] = {**fields[key], inner: value}
    elif data.draw(st.booleans()) and isinstance(fields[key], list) and fields[key]:
        fields[key] = [value, *fields[key][1:]]
    else:
        fields[key] = value
    content = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    fast = fast_event(content)
    if fast is None:
        return
    slow = _model(content)
    assert slow is not None, content
    assert to_json_dict(fast) == to_json_dict(slow)
