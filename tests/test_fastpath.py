"""The msgspec fast path and the pydantic model are one statement of the schema: same fields,
same events, and the fast path never accepts a line that the model refuses."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategies import JSON_VALUES, events
from timeline import fastpath
from timeline.errors import LineError
from timeline.fastpath import (
    FastEvent,
    FastLocation,
    FastSource,
    fast_event,
    read_event,
    read_line,
)
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
    read = read_event(content)
    if read is None:
        return
    slow = _model(content)
    assert slow is not None, content
    assert canonical_json(read[0]) == canonical_json(slow)
    assert read[1] == (canonical_json(slow).encode() == content)


_DEFAULTS = {"precision": "day", "end": None, "summary": None, "targets": [], "status": "reported",
             "responds_to": [], "location": None, "tags": [], "extra": None}  # fmt: skip
_SEPARATORS = [(",", ":"), (", ", ": "), (" ,", " : "), (",\t", ":\t")]


def _shuffled(value: Any, order: st.DataObject) -> Any:
    """``value`` with the keys of every object in an order drawn from ``order``."""
    if isinstance(value, dict):
        keys = order.draw(st.permutations(sorted(value)))
        return {k: _shuffled(value[k], order) for k in keys}
    if isinstance(value, list):
        return [_shuffled(v, order) for v in value]
    return value


@_SETTINGS
@given(event=events(), data=st.data())
def test_a_line_in_any_layout_reads_as_the_model_reads_it(
    event: Event, data: st.DataObject
) -> None:
    """Another program's layout (key order, spacing, escapes, defaults left out or written):
    the fast path reads the same event as the model, and declines only what it must, whichever
    decoding it tries first (as the line before it was read)."""
    import re

    fastpath._every_key_first = data.draw(st.booleans())

    fields = to_json_dict(event)
    for key, default in _DEFAULTS.items():
        if fields[key] == default and data.draw(st.booleans()):
            del fields[key]
    fields = _shuffled(fields, data)
    separators = data.draw(st.sampled_from(_SEPARATORS))
    ascii_only = data.draw(st.booleans())
    content = json.dumps(fields, ensure_ascii=ascii_only, separators=separators).encode()
    slow = _model(content)
    assert slow is not None, content
    read = read_event(content)
    ascii_actors = all(re.fullmatch(ASCII_ACTOR, a) for a in event.actors + event.targets)
    if ascii_actors:
        assert read is not None, content
    if read is not None:
        assert canonical_json(read[0]) == canonical_json(slow)  # the same bytes in any output
        assert read[1] == (canonical_json(slow).encode() == content)


@_SETTINGS
@given(event=events(), data=st.data())
def test_a_key_written_twice_is_left_to_the_model(event: Event, data: st.DataObject) -> None:
    """A key repeated in any object of the line (msgspec would keep the last): the fast path
    declines, and the model says what is wrong."""
    line = canonical_json(event)
    keys = [m.start() for m in re.finditer(r'"(id|title|url|name|date)":', line)]
    at = data.draw(st.sampled_from(keys))
    key_end = line.index(":", at) + 1
    repeated = line[:at] + line[at:key_end] + '"x",' + line[at:]
    assert read_event(repeated.encode()) is None
    assert _model(repeated.encode()) is None


class _Object(list[tuple[str, Any]]):
    """A JSON object as its pairs, in the order written: a key may be written twice."""


def _as_pairs(value: Any) -> Any:
    if isinstance(value, dict):
        return _Object((k, _as_pairs(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_as_pairs(v) for v in value]
    return value


def _objects(value: Any) -> list[_Object]:
    """Every object in ``value``, itself first."""
    found = [value] if isinstance(value, _Object) else []
    children = [v for _, v in value] if isinstance(value, _Object) else value
    for child in children if isinstance(value, _Object | list) else ():
        found += _objects(child)
    return found


def _written(
    value: Any, *, separators: tuple[str, str], ascii_only: bool, escaped: set[str]
) -> str:
    """``value`` as JSON text; a key in ``escaped`` has its first letter written as ``\\u``,
    and with ``":"`` in ``escaped``, so has every colon in a string."""
    item, colon = separators

    def text(s: str) -> str:
        out = json.dumps(s, ensure_ascii=ascii_only)
        return out.replace(":", "\\u003a") if ":" in escaped else out

    def write(v: Any) -> str:
        if isinstance(v, _Object):
            keys = [
                f'"\\u{ord(k[0]):04x}{text(k)[2:]}' if k in escaped and k else text(k) for k, _ in v
            ]
            pairs = zip(keys, (x for _, x in v), strict=True)
            return "{" + item.join(k + colon + write(x) for k, x in pairs) + "}"
        if isinstance(v, list):
            return "[" + item.join(map(write, v)) + "]"
        return text(v) if isinstance(v, str) else json.dumps(v)

    return write(value)


_ASCII_ACTORS = st.lists(st.from_regex(ASCII_ACTOR, fullmatch=True), min_size=1, max_size=3)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(event=events(), data=st.data())
def test_any_line_the_fast_path_accepts_the_model_accepts_the_same(
    event: Event, data: st.DataObject
) -> None:
    """Lines in any layout (keys in any order, left out when they hold their default, any
    spacing, names and colons written as escapes) with some key written twice in any object
    or not: the fast path accepts exactly the lines the model accepts (but for the actor ids
    it leaves to the model), and reads the same event from them, whichever decoding it tries
    first."""
    fastpath._every_key_first = data.draw(st.booleans())
    fields = to_json_dict(event)
    if data.draw(st.booleans()):  # actor ids the fast path judges
        fields["actors"] = data.draw(_ASCII_ACTORS)
        fields["targets"] = data.draw(_ASCII_ACTORS | st.just([]))
    if data.draw(st.booleans()):
        fields["title"] += ": " + data.draw(st.sampled_from(["a", "b:c", "::"]))
    if data.draw(st.integers(0, 3)) == 0:  # a location with nothing known: written as {}
        fields["location"] = {}
    for key, default in _DEFAULTS.items():
        if fields[key] == default and data.draw(st.booleans()):
            del fields[key]
    for part in [*fields["sources"], fields.get("location") or {}]:
        for key in [k for k, v in part.items() if v is None]:
            if data.draw(st.booleans()):
                del part[key]
    tree = _as_pairs(_shuffled(fields, data))
    twice = data.draw(st.booleans())
    if twice:
        holders = [o for o in _objects(tree) if o]
        holder = data.draw(st.sampled_from(holders))
        key, value = data.draw(st.sampled_from(list(holder)))
        again = value if data.draw(st.booleans()) else _as_pairs(data.draw(JSON_VALUES))
        holder.insert(data.draw(st.integers(0, len(holder))), (key, again))
    names = {k for o in _objects(tree) for k, _ in o}
    escaped = set(data.draw(st.lists(st.sampled_from(sorted(names | {":"})), max_size=2)))
    content = _written(
        tree,
        separators=data.draw(st.sampled_from(_SEPARATORS)),
        ascii_only=data.draw(st.booleans()),
        escaped=escaped,
    ).encode()
    slow = _model(content)
    read = read_event(content)
    if read is not None:
        assert slow is not None, content
        assert canonical_json(read[0]) == canonical_json(slow)
        line = read_line(content)  # its struct may be the twin that holds every key
        assert line is not None
        assert (canonical_json(line[0]), line[1]) == (
            canonical_json(slow),
            canonical_json(slow).encode(),
        )
        assert read[1] == (canonical_json(slow).encode() == content)
    elif slow is not None:  # the model's alone: only for the actor ids the fast path leaves
        parties = fields["actors"] + fields.get("targets", [])
        assert not all(re.fullmatch(ASCII_ACTOR, a) for a in parties), content
    if twice:
        assert slow is None and read is None, content


_PLAIN_EVENT = Event.model_validate(
    {
        "id": "e1",
        "date": "2024-08-18",
        "title": "t",
        "type": "accuse",
        "actors": ["belarus"],
        "sources": [{"url": "https://example.org/a"}],
    }
)


@pytest.mark.parametrize(
    "char", ["\x7f", "\x85", "\x9b", "\u061c", "\u200e", "\u2028", "\u2029", "\u202e", "\u2066"]
)
@pytest.mark.parametrize("rest", ["plain title ", "заголовок "])
def test_a_raw_character_that_the_canonical_form_escapes_is_never_canonical(
    char: str, rest: str
) -> None:
    """A line like the canonical one but for a raw DEL, C1 or bidi character in its title
    (the rest of the line ASCII or not) reads as the same event, and is not its canonical
    form: that escapes the character, and only the escaped line may be copied to a terminal
    as it is."""
    title = rest + char
    line = canonical_json(_PLAIN_EVENT.model_copy(update={"title": title}))
    raw = line.replace(json.dumps(char)[1:-1], char).encode()
    assert raw != line.encode()
    read = read_line(raw)
    assert read is not None
    fast, form = read
    assert fast.title == title
    assert form == line.encode()


_TEXT_PATHS = [
    ("title",), ("summary",), ("tags", 0), ("sources", 0, "url"), ("sources", 0, "publisher"),
    ("sources", 0, "title"), ("sources", 0, "quote"), ("sources", 1, "publisher"),
    ("location", "name"),
]  # fmt: skip


@pytest.mark.parametrize("blank", ["", " ", "\u2003\t", "\n"], ids=repr)
@pytest.mark.parametrize("path", _TEXT_PATHS, ids=lambda p: ".".join(map(str, p)))
@pytest.mark.parametrize("every_key_first", [True, False])
def test_a_blank_text_anywhere_is_left_to_the_model(
    path: tuple[str | int, ...], blank: str, every_key_first: bool
) -> None:
    """Each text of an event, empty or white space only, in the canonical layout or another:
    the fast path does not read the line, and the model refuses it (the text of a line that
    holds it otherwise is read)."""
    fields = to_json_dict(_PLAIN_EVENT)
    fields.update(summary="s", tags=["t"], location={"name": "n", "country": None})
    fields["sources"] = [{**fields["sources"][0], "publisher": "p", "quote": "q", "title": "t"}] * 2
    for spaced in (False, True):
        fastpath._every_key_first = every_key_first
        fields = json.loads(json.dumps(fields))
        holder: Any = fields
        for step in path[:-1]:
            holder = holder[step]
        separators = (", ", ": ") if spaced else (",", ":")
        good = json.dumps(fields, ensure_ascii=False, separators=separators).encode()
        assert read_line(good) is not None, good
        holder[path[-1]] = blank
        bad = json.dumps(fields, ensure_ascii=False, separators=separators).encode()
        assert read_line(bad) is None, bad
        assert _model(bad) is None
        holder[path[-1]] = "x"


_REFUSED = {
    "an answer to itself": {"responds_to": ["e1"]},
    "an answer to itself among others": {"responds_to": ["e0", "e1"]},
    "a source of no url and no title": {"sources": [{"publisher": "p"}]},
    "a source of no url and an empty title": {"sources": [{"title": ""}]},
    "a source of no url and a blank title": {"sources": [{"title": " \t"}]},
    "a country of four letters": {"location": {"country": "BLRU"}},
    "a country of two letters": {"location": {"country": "BY"}},
    "an id with a space": {"id": "e 1"},
    "an id that starts with a dash": {"id": "-e1"},
    "an end before the date": {"end": "2024-08-17"},
    "a month not on its first day": {"precision": "month"},
    "a title of two lines": {"title": "t\nu"},
}


@pytest.mark.parametrize("change", list(_REFUSED.values()), ids=list(_REFUSED))
@pytest.mark.parametrize("spaced", [False, True])
def test_a_line_the_model_refuses_for_a_rule_the_fast_path_refuses(
    change: dict[str, Any], spaced: bool
) -> None:
    """The rules the fast path writes out itself (``_valid``), each broken on a line that
    holds nothing else wrong, after lines that keep it (its remembered country codes and
    actors let nothing else through): the model refuses the line, and the fast path leaves
    it to the model."""
    separators = (", ", ": ") if spaced else (",", ":")
    fields = to_json_dict(_PLAIN_EVENT)
    fields["location"] = {"name": "Minsk", "country": "BLR"}
    good = json.dumps(fields, ensure_ascii=False, separators=separators).encode()
    assert read_line(good) is not None
    bad = json.dumps({**fields, **change}, ensure_ascii=False, separators=separators).encode()
    assert _model(bad) is None, bad
    assert read_line(bad) is None, bad


@pytest.mark.parametrize(
    ("line", "answered"),
    [
        (b'{"id":"x","responds_to":["a","b"]}', ["a", "b"]),
        (b'{"responds_to": ["\\u0061"], "id": 1}', ["a"]),  # escaped, any layout, not valid
        (b'{"id":"x"}', []),
        (b'{"responds_to":null}', None),
        (b'{"responds_to":[1]}', None),
        (b"[1]", None),
        (b"not json", None),
    ],
)
def test_the_answers_of_a_line_are_read_without_the_rest(
    line: bytes, answered: list[str] | None
) -> None:
    assert fastpath.answered_ids(line) == answered
