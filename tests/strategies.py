"""Hypothesis strategies that several test modules share: random valid events."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import assume
from hypothesis import strategies as st

from timeline.dates import Precision
from timeline.model import Event
from timeline.rules import _NOT_IN_ID, normalize_actor
from timeline.vocab import EventType, Status


def _safe_text(*, one_line: bool = False) -> st.SearchStrategy[str]:
    # Any text but lone surrogates (not encodable as UTF-8); non-blank as the model requires.
    exclude = "\n\r" if one_line else ""
    chars = st.characters(exclude_categories=("Cs",), exclude_characters=exclude)
    return st.text(chars, min_size=1, max_size=20).filter(lambda s: bool(s.strip()))


# Ids of any shape the rule allows: quotes, '$', parentheses, non-Latin letters.
_IDS = st.from_regex(rf"[^{_NOT_IN_ID}-][^{_NOT_IN_ID}]{{0,20}}", fullmatch=True)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(st.characters(exclude_categories=("Cs",)), max_size=5), inner)
    ),
    max_leaves=8,
)


def _actor_input() -> st.SearchStrategy[str]:
    part = st.text(
        st.characters(categories=("L", "N")) | st.sampled_from(" -_.'"), min_size=1, max_size=12
    )
    return st.lists(part, min_size=1, max_size=3).map("/".join)


def _align(day: date, precision: Precision) -> date:
    if precision is Precision.WEEK:
        return day - timedelta(days=day.weekday())
    if precision is Precision.MONTH:
        return day.replace(day=1)
    if precision is Precision.YEAR:
        return day.replace(month=1, day=1)
    return day


def _normalisable(text: str) -> bool:
    try:
        normalize_actor(text)
    except ValueError:
        return False
    return True


@st.composite
def events(draw: st.DrawFn) -> Event:
    """Random valid events: aligned dates, any non-surrogate text, any JSON in 'extra'."""
    precision = draw(st.sampled_from(list(Precision)))
    start = _align(draw(st.dates(date(1, 1, 1), date(9999, 12, 24))), precision)
    end = draw(st.none() | st.dates(start, date(9999, 12, 31)))
    actors = draw(st.lists(_actor_input(), min_size=1, max_size=3))
    targets = draw(st.lists(_actor_input(), max_size=2))
    assume(all(_normalisable(a) for a in actors + targets))
    event_id = draw(_IDS)
    source = draw(
        st.fixed_dictionaries(
            {"url": _safe_text()},
            optional={
                "publisher": _safe_text(),
                "title": _safe_text(),
                "published": st.dates().map(date.isoformat),
                "quote": _safe_text(),
            },
        )
        | st.fixed_dictionaries({"title": _safe_text()}, optional={"quote": _safe_text()})
    )
    location = draw(
        st.none()
        | st.fixed_dictionaries(
            {},
            optional={
                "name": _safe_text(),
                "country": st.from_regex(r"[A-Z]{3}", fullmatch=True),
                "lat": st.floats(-90, 90),
                "lon": st.floats(-180, 180),
            },
        )
    )
    data = {
        "id": event_id,
        "date": start.isoformat(),
        "precision": precision.value,
        "end": None if end is None else end.isoformat(),
        "title": draw(_safe_text(one_line=True)),
        "summary": draw(st.none() | _safe_text()),
        "type": draw(st.sampled_from(list(EventType))).value,
        "actors": actors,
        "targets": targets,
        "status": draw(st.sampled_from(list(Status))).value,
        "responds_to": draw(st.lists(_IDS.filter(lambda i: i != event_id), max_size=2)),
        "location": location,
        "sources": [source, *draw(st.lists(st.just({"url": "https://example.org"}), max_size=1))],
        "tags": draw(st.lists(_safe_text(), max_size=3)),
        "extra": draw(st.none() | st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=3)),
    }
    return Event.model_validate(data)
