"""Tests of filtering and ordering, ``timeline.query``: pure functions over literal events."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline.model import Event
from timeline.query import Filter, Responses, matches, order
from timeline.vocab import EventType, Status

MakeEvent = Callable[..., Event]


def _kept(events: list[Event], flt: Filter) -> list[str]:
    return [event.id for event in events if matches(event, flt)]


# ---------------------------------------------------------------------------- Filter.build


def test_build_normalises_user_input() -> None:
    """Actor ids are slugged, tags and texts case-folded, blank texts dropped."""
    flt = Filter.build(
        actors=["Belarus MoD"],
        targets=["Ukraine/MFA"],
        involving=["Wagner Group"],
        tags=["Border"],
        texts=["Lukashenko CLAIMS", "   "],
        types=[EventType.ACCUSE],
        statuses=[Status.CLAIMED],
        since=date(2024, 8, 1),
        until=date(2024, 8, 31),
        ids=["a"],
    )
    assert flt == Filter(
        actors=("belarus-mod",),
        targets=("ukraine/mfa",),
        involving=("wagner-group",),
        types=(EventType.ACCUSE,),
        tags=("border",),
        statuses=(Status.CLAIMED,),
        since=date(2024, 8, 1),
        until=date(2024, 8, 31),
        texts=("lukashenko claims",),
        ids=("a",),
    )


def test_build_refuses_a_bad_actor() -> None:
    """A value that cannot be an actor id is a ValueError the CLI can report."""
    with pytest.raises(ValueError, match="is not an actor id"):
        Filter.build(actors=["!!"])


def test_empty_filter_keeps_everything(make_event: MakeEvent) -> None:
    """No criteria: every event matches."""
    assert Filter.build().is_empty
    assert matches(make_event(), Filter.build())


# ---------------------------------------------------------------------------- actors


@pytest.fixture
def cast(make_event: MakeEvent) -> list[Event]:
    """Events whose actors and targets test the part-of and prefix rules."""
    return [
        make_event(id="by", actors=["belarus"], targets=["ukraine"]),
        make_event(id="by-president", actors=["belarus/president"], targets=["ukraine/mfa"]),
        make_event(id="by-other", actors=["belarus-opposition"], targets=["belarus"]),
        make_event(id="ua", actors=["ukraine"], targets=["belarus/president"]),
        make_event(id="ru-and-by", actors=["russia", "belarus/mod"]),
    ]


def test_actor_matches_itself_and_its_parts(cast: list[Event]) -> None:
    """--actor belarus keeps belarus and belarus/…, not belarus-opposition or targets."""
    assert _kept(cast, Filter.build(actors=["belarus"])) == ["by", "by-president", "ru-and-by"]


def test_actor_is_case_insensitive(cast: list[Event]) -> None:
    """--actor Belarus means belarus."""
    assert _kept(cast, Filter.build(actors=["BELARUS"])) == ["by", "by-president", "ru-and-by"]


def test_actor_prefix_of_a_word_does_not_match(cast: list[Event]) -> None:
    """'bela' is not 'belarus': ids match whole, never as a text prefix."""
    assert _kept(cast, Filter.build(actors=["bela"])) == []


def test_part_does_not_match_the_whole(cast: list[Event]) -> None:
    """--actor belarus/president does not keep events by belarus as a whole."""
    assert _kept(cast, Filter.build(actors=["belarus/president"])) == ["by-president"]


def test_target_matches_targets_only(cast: list[Event]) -> None:
    """--target belarus keeps events aimed at belarus or a part of it."""
    assert _kept(cast, Filter.build(targets=["belarus"])) == ["by-other", "ua"]


def test_involving_is_actor_or_target(cast: list[Event]) -> None:
    """--involving ukraine keeps events where ukraine (or a part) acted or was targeted."""
    assert _kept(cast, Filter.build(involving=["ukraine"])) == ["by", "by-president", "ua"]


def test_repeated_actor_ors_its_values(cast: list[Event]) -> None:
    """--actor russia --actor ukraine keeps events by either."""
    assert _kept(cast, Filter.build(actors=["russia", "ukraine"])) == ["ua", "ru-and-by"]


# ---------------------------------------------------------------------------- other fields


def test_type_and_status_filters(make_event: MakeEvent) -> None:
    """--type and --status keep events with any of the given values."""
    events = [
        make_event(id="a", type="accuse", status="claimed"),
        make_event(id="b", type="reject"),
        make_event(id="c", type="threaten", status="confirmed"),
    ]
    types = Filter.build(types=[EventType.ACCUSE, EventType.THREATEN])
    assert _kept(events, types) == ["a", "c"]
    assert _kept(events, Filter.build(statuses=[Status.REPORTED])) == ["b"]


def test_tag_filter_is_case_insensitive(make_event: MakeEvent) -> None:
    """--tag border keeps events tagged 'Border' or 'border', not 'borderline'."""
    events = [
        make_event(id="a", tags=["Border"]),
        make_event(id="b", tags=["borderline"]),
        make_event(id="c", tags=["kursk", "border"]),
        make_event(id="d"),
    ]
    assert _kept(events, Filter.build(tags=["BORDER"])) == ["a", "c"]


def test_id_filter(make_event: MakeEvent) -> None:
    """--id keeps exactly the named events."""
    events = [make_event(id="a"), make_event(id="b"), make_event(id="c")]
    assert _kept(events, Filter.build(ids=["c", "a", "zzz"])) == ["a", "c"]


@pytest.fixture
def dated(make_event: MakeEvent) -> list[Event]:
    """Events of every precision, and one spanning days with an end."""
    return [
        make_event(id="year-2024", date="2024-01-01", precision="year"),
        make_event(id="aug-2024", date="2024-08-01", precision="month"),
        make_event(id="week-19-aug", date="2024-08-19", precision="week"),
        make_event(id="day-6-aug", date="2024-08-06"),
        make_event(id="day-26-aug", date="2024-08-26"),
        make_event(id="span-jul-aug", date="2024-07-30", end="2024-08-02"),
        make_event(id="year-2023", date="2023-01-01", precision="year"),
    ]


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        (
            date(2024, 8, 18),
            date(2024, 8, 19),
            ["year-2024", "aug-2024", "week-19-aug"],
        ),
        (date(2024, 8, 25), None, ["year-2024", "aug-2024", "week-19-aug", "day-26-aug"]),
        (None, date(2024, 7, 31), ["year-2024", "span-jul-aug", "year-2023"]),
        (date(2024, 8, 2), date(2024, 8, 2), ["year-2024", "aug-2024", "span-jul-aug"]),
        (date(2024, 9, 1), None, ["year-2024"]),
        (date(2025, 1, 1), None, []),
    ],
)
def test_since_until_keep_events_whose_period_overlaps(
    dated: list[Event], since: date | None, until: date | None, expected: list[str]
) -> None:
    """An event is in when its known period (or date..end) overlaps since..until, inclusive."""
    assert _kept(dated, Filter.build(since=since, until=until)) == expected


def test_text_needs_all_words_of_one_value(make_event: MakeEvent) -> None:
    """--text 'lukashenko troops' needs both words, anywhere in title, summary or quotes."""
    events = [
        make_event(id="title-only", title="Lukashenko speaks"),
        make_event(id="title-summary", title="Lukashenko speaks", summary="About TROOPS."),
        make_event(
            id="quote",
            title="A claim",
            sources=[{"url": "u", "quote": "Lukashenko said 120,000 troops"}],
        ),
        make_event(id="neither", title="Troops move"),
    ]
    assert _kept(events, Filter.build(texts=["LUKASHENKO troops"])) == ["title-summary", "quote"]


def test_several_text_values_are_ored(make_event: MakeEvent) -> None:
    """--text chernobyl --text wagner keeps events matching either value."""
    events = [
        make_event(id="a", title="Exercises near Chernobyl"),
        make_event(id="b", title="Wagner trains troops"),
        make_event(id="c", title="Something else"),
    ]
    assert _kept(events, Filter.build(texts=["chernobyl", "Wagner"])) == ["a", "b"]


def test_text_searches_tags_but_not_ids(make_event: MakeEvent) -> None:
    """Title, summary, quotes and tags are searched ('--text Gomel' finds the tag 'gomel'); the
    id is not."""
    event = make_event(id="secret-word", tags=["gomel"], title="Plain")
    assert not matches(event, Filter.build(texts=["secret"]))
    assert matches(event, Filter.build(texts=["Gomel"]))
    assert matches(event, Filter.build(texts=["plain gomel"]))


def test_fields_combine_with_and(make_event: MakeEvent) -> None:
    """Every given field must match: actor AND type AND since."""
    events = [
        make_event(id="all", actors=["belarus"], type="mobilize", date="2024-08-19"),
        make_event(id="wrong-type", actors=["belarus"], type="accuse", date="2024-08-19"),
        make_event(id="too-early", actors=["belarus"], type="mobilize", date="2024-08-01"),
        make_event(id="wrong-actor", actors=["ukraine"], type="mobilize", date="2024-08-19"),
    ]
    flt = Filter.build(actors=["belarus"], types=[EventType.MOBILIZE], since=date(2024, 8, 10))
    assert _kept(events, flt) == ["all"]


# ---------------------------------------------------------------------------- order


@pytest.fixture
def unsorted(make_event: MakeEvent) -> list[Event]:
    """Out of date order, with two ties on 2024-08-26 (b before d in input)."""
    return [
        make_event(id="a", date="2024-08-30"),
        make_event(id="b", date="2024-08-26"),
        make_event(id="c", date="2024-08-01"),
        make_event(id="d", date="2024-08-26"),
        make_event(id="e", date="1991-01-01", precision="year"),
    ]


def _ids(events: list[Event]) -> list[str]:
    return [event.id for event in events]


def test_order_is_by_date_ties_in_input_order(unsorted: list[Event]) -> None:
    """Events sort by date; events on the same date keep their input order."""
    assert _ids(order(unsorted)) == ["e", "c", "b", "d", "a"]


def test_order_reverse_is_the_exact_reversal(unsorted: list[Event]) -> None:
    """--reverse puts the latest first: the sorted list read backwards."""
    assert _ids(order(unsorted, reverse=True)) == ["a", "d", "b", "c", "e"]


@pytest.mark.parametrize(
    ("reverse", "limit", "expected"),
    [
        (False, 2, ["d", "a"]),
        (False, 3, ["b", "d", "a"]),
        (True, 2, ["a", "d"]),
        (True, 3, ["a", "d", "b"]),
        (False, 0, []),
        (True, 0, []),
        (True, 10, ["a", "d", "b", "c", "e"]),
    ],
)
def test_order_limit_keeps_the_latest_n(
    unsorted: list[Event], reverse: bool, limit: int, expected: list[str]
) -> None:
    """--limit N keeps the latest N events, in date order (latest first with --reverse)."""
    assert _ids(order(unsorted, reverse=reverse, limit=limit)) == expected


@settings(max_examples=60, deadline=None)
@given(
    days=st.lists(st.integers(0, 5), max_size=12),
    reverse=st.booleans(),
    limit=st.none() | st.integers(0, 14),
)
def test_order_matches_a_stable_sort(days: list[int], reverse: bool, limit: int | None) -> None:
    """order() equals Python's stable sort by date, cut to the latest N, reversed as asked."""
    events = [
        Event.model_validate(
            {
                "id": f"e{i}",
                "date": date(2024, 8, 1 + day).isoformat(),
                "title": "t",
                "type": "aid",
                "actors": ["x"],
                "sources": [{"url": "u"}],
            }
        )
        for i, day in enumerate(days)
    ]
    expected = sorted(events, key=lambda e: e.date)
    if limit is not None:
        expected = expected[max(len(expected) - limit, 0) :] if limit else []
    if reverse:
        expected.reverse()
    assert _ids(order(events, reverse=reverse, limit=limit)) == _ids(expected)


# ---------------------------------------------------------------------------- Responses


def test_responses_note_answered_and_disputed(make_event: MakeEvent) -> None:
    """An event others respond to is answered; a claim a reject answers is disputed; a
    reported or confirmed event a reject answers keeps the status its author gave it."""
    claim = make_event(id="claim", type="accuse", status="claimed")
    other = make_event(id="other", type="mobilize")
    stored = make_event(id="stored", status="disputed")
    fact = make_event(id="fact", type="mobilize", status="confirmed")
    report = make_event(id="report", type="mobilize", status="reported")
    refutation = make_event(id="refutation", type="reject", responds_to=["claim", "fact"])
    denial = make_event(id="denial", type="reject", responds_to=["report"])
    reaction = make_event(id="reaction", type="threaten", responds_to=["other"])
    events = (claim, other, stored, fact, report, refutation, denial, reaction)
    responses = Responses()
    for event in events:
        responses.note(event)
    assert responses.answered == {"claim", "other", "fact", "report"}
    assert responses.rejected == {"claim", "fact", "report"}
    disputed = [event.id for event in events if responses.is_disputed(event)]
    assert disputed == ["claim", "stored"]


def test_responses_to_unknown_ids_are_harmless(make_event: MakeEvent) -> None:
    """A reject pointing at an id not in the set marks nothing else."""
    responses = Responses()
    responses.note(make_event(id="r", type="reject", responds_to=["missing"]))
    assert not responses.is_disputed(make_event(id="claim", status="claimed"))


@given(
    bound=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    day=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
)
def test_iso_date_patterns_compare_days(bound: date, day: date) -> None:
    """The regexes for dates after a bound, and on or before it, agree with date comparison."""
    from timeline.prefilter import _iso_dates

    text = day.isoformat().encode()
    after = re.fullmatch(_iso_dates(bound, after=True), text) is not None
    on_or_before = re.fullmatch(_iso_dates(bound, after=False), text) is not None
    assert after == (day > bound)
    assert on_or_before == (day <= bound)


@pytest.mark.parametrize("stored", ["NFC", "NFD"])
@pytest.mark.parametrize("typed", ["NFC", "NFD"])
def test_text_and_tags_match_however_accents_are_typed(
    make_event: MakeEvent, stored: str, typed: str
) -> None:
    """'Гомельский' and 'Café' match whether the log or the user typed 'й' and 'é' as one
    character or as a letter and a combining mark; the raw prefilter agrees."""
    import unicodedata

    from timeline.prefilter import Prefilter
    from timeline.rules import canonical_json

    def form(text: str, name: str) -> str:
        return unicodedata.normalize(name, text)  # type: ignore[arg-type]

    title = form(
        "\u0413\u043e\u043c\u0435\u043b\u044c\u0441\u043a\u0438\u0439 region, Caf\u00e9 talks",
        stored,
    )
    event = make_event(title=title, tags=[form("Caf\u00e9", stored)])
    line = canonical_json(event).encode()
    for flt in (
        Filter.build(
            texts=[form("\u0433\u043e\u043c\u0435\u043b\u044c\u0441\u043a\u0438\u0439", typed)]
        ),
        Filter.build(texts=[form("CAF\u00c9", typed)]),
        Filter.build(tags=[form("caf\u00e9", typed)]),
    ):
        assert matches(event, flt)
        assert Prefilter(flt)(line)


@pytest.mark.parametrize("stored", ["İstanbul", "i\u0307stanbul", "ISTANBUL", "istanbul"])
@pytest.mark.parametrize("typed", ["istanbul", "İstanbul", "Istanbul"])
def test_a_dotted_capital_i_is_found_by_an_i(
    make_event: MakeEvent, stored: str, typed: str
) -> None:
    """Folding turns 'İ' into 'i' and a dot above: a search drops the dot, so 'istanbul'
    finds 'İstanbul' (in a text and as a tag), whichever way either was typed; the raw
    prefilter agrees."""
    from timeline.prefilter import Prefilter
    from timeline.rules import canonical_json

    event = make_event(title=f"Talks in {stored}", tags=[stored])
    line = canonical_json(event).encode()
    for flt in (Filter.build(texts=[typed]), Filter.build(tags=[typed])):
        assert matches(event, flt)
        assert Prefilter(flt)(line)
