"""Checks on the bundled log ``data/events.jsonl``, coded from the Army Recognition brief."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from timeline.model import Event, canonical_json

LOG = Path(__file__).resolve().parent.parent / "data" / "events.jsonl"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_59c0cb05592843e4.txt"
PUBLISHER = "Army Recognition"
CLAIM_ID = "2024-08-18-lukashenko-claims-120000-ukrainian-troops"


def _lines() -> list[str]:
    text = LOG.read_text(encoding="utf-8")
    assert text.endswith("\n"), "the log must end with a newline"
    return text[:-1].split("\n")


@pytest.fixture(scope="module")
def events() -> list[Event]:
    return [Event.model_validate_json(line) for line in _lines()]


def test_every_line_is_a_valid_event() -> None:
    """Every line of the bundled log parses as JSON and validates as an Event."""
    for lineno, line in enumerate(_lines(), start=1):
        assert line.strip(), f"line {lineno} is blank"
        Event.model_validate(json.loads(line))


def test_log_is_canonical(events: list[Event]) -> None:
    """Every line is byte-for-byte the canonical JSON of the event it holds."""
    for line, event in zip(_lines(), events, strict=True):
        assert line == canonical_json(event), event.id


def test_log_is_sorted_by_date(events: list[Event]) -> None:
    """The bundled log is kept in date order."""
    dates = [event.date for event in events]
    assert dates == sorted(dates)


def test_ids_are_unique(events: list[Event]) -> None:
    """No two events share an id."""
    ids = [event.id for event in events]
    assert len(ids) == len(set(ids))


def test_ids_start_with_the_event_date(events: list[Event]) -> None:
    """Ids follow the YYYY-MM-DD-slug convention, using the event's own date."""
    for event in events:
        assert event.id.startswith(event.date.isoformat() + "-"), event.id


def test_responds_to_points_to_existing_ids(events: list[Event]) -> None:
    """Every responds_to reference names an event in the log."""
    ids = {event.id for event in events}
    for event in events:
        for ref in event.responds_to:
            assert ref in ids, f"{event.id} responds to unknown {ref}"


def test_120000_claim_is_claimed_and_rejected(events: list[Event]) -> None:
    """Lukashenko's 120,000-troops claim is 'claimed' and a reject event answers it."""
    by_id = {event.id: event for event in events}
    claim = by_id[CLAIM_ID]
    assert claim.status.value == "claimed"
    assert claim.date == date(2024, 8, 18)
    assert any(event.type.value == "reject" and CLAIM_ID in event.responds_to for event in events)


def test_sunday_error_is_noted(events: list[Event]) -> None:
    """An event on 2024-08-26 notes that the day was a Monday, not the brief's Sunday."""
    assert any(
        event.date == date(2024, 8, 26) and "Monday" in (event.summary or "") for event in events
    )


@pytest.mark.parametrize(
    "day",
    [date(2024, 8, 6), date(2024, 8, 10), date(2024, 8, 18), date(2024, 8, 19), date(2024, 8, 26)],
)
def test_dated_incidents_present(events: list[Event], day: date) -> None:
    """Each day the brief names has at least one day-precision event."""
    assert any(event.date == day and event.precision.value == "day" for event in events)


def test_last_week_event_present(events: list[Event]) -> None:
    """The brief's 'last week' is coded as a week-precision event starting Monday 2024-08-19."""
    assert any(
        event.date == date(2024, 8, 19) and event.precision.value == "week" for event in events
    )


@pytest.mark.parametrize(
    ("day", "precision"),
    [(date(1991, 1, 1), "year"), (date(2022, 3, 1), "month")],
)
def test_background_events_present(events: list[Event], day: date, precision: str) -> None:
    """The 1991 independence and March 2022 embassy background keep their coarse precision."""
    assert any(event.date == day and event.precision.value == precision for event in events)


def test_every_event_cites_the_brief(events: list[Event]) -> None:
    """Every event has at least one source published by Army Recognition."""
    for event in events:
        assert any(source.publisher == PUBLISHER for source in event.sources), event.id


def test_quotes_are_verbatim_from_the_brief(events: list[Event]) -> None:
    """Every quote appears character for character in the seed brief."""
    if not SEED.is_file():
        pytest.skip(f"seed brief not found at {SEED}")
    brief = SEED.read_text(encoding="utf-8")
    for event in events:
        for source in event.sources:
            if source.quote is not None:
                assert source.quote in brief, f"{event.id}: {source.quote!r}"
