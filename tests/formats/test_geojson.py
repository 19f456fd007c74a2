"""Tests of the GeoJSON map, ``timeline.formats.geojson``: parsed and compared as whole values;
the count of events left off the map said on stderr by the CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from conftest import ShowBothWays
from timeline.cli import app
from timeline.formats import TextLines, geojson
from timeline.model import Event
from timeline.query import Responses, order
from timeline.selection import Selection

MakeEvent = Callable[..., Event]


def parsed(selection: Selection) -> tuple[Any, list[str]]:
    output = geojson.events(selection)
    assert isinstance(output, TextLines)
    return json.loads("\n".join(output.lines)), list(output.notes)


def test_a_map_is_a_feature_collection_of_the_located_events(make_event: MakeEvent) -> None:
    """The whole value: a Point per event with both coordinates, [lon, lat] in that order, the
    properties a map shows; events without both coordinates are left out and counted."""
    claim = make_event(
        id="claim",
        date="2024-08-18",
        title="Claim at Gomel",
        type="accuse",
        actors=["belarus/president", "belarus"],
        targets=["ukraine"],
        status="claimed",
        location={"name": "Gomel", "country": "BLR", "lat": 52.43, "lon": 31.0},
        sources=[{"title": "No URL"}, {"url": "https://example.org/a"}],
    )
    south_west = make_event(
        id="sw",
        date="2024-08-19",
        precision="week",
        end="2024-08-30",
        title="Far away",
        location={"lat": -33.87, "lon": -70.65},
    )
    unlocated = make_event(id="none", location={"name": "Somewhere"})
    lat_only = make_event(id="lat-only", location={"lat": 10.0})
    reject = make_event(id="reject", type="reject", responds_to=["claim"])
    responses = Responses()
    for event in (claim, reject):
        responses.note(event)
    document, notes = parsed(Selection([claim, unlocated, south_west, lat_only], responses, {}))
    assert document == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "claim",
                "geometry": {"type": "Point", "coordinates": [31.0, 52.43]},
                "properties": {
                    "id": "claim", "date": "2024-08-18", "precision": "day", "end": None,
                    "title": "Claim at Gomel", "type": "accuse",
                    "actors": ["belarus/president", "belarus"], "targets": ["ukraine"],
                    "status": "disputed", "location": "Gomel", "country": "BLR",
                    "url": "https://example.org/a",
                },
            },
            {
                "type": "Feature",
                "id": "sw",
                "geometry": {"type": "Point", "coordinates": [-70.65, -33.87]},
                "properties": {
                    "id": "sw", "date": "2024-08-19", "precision": "week", "end": "2024-08-30",
                    "title": "Far away", "type": "accuse", "actors": ["belarus"], "targets": [],
                    "status": "reported", "location": None, "country": None,
                    "url": "https://example.org/a",
                },
            },
        ],
    }  # fmt: skip
    assert notes == ["2 of 4 events have no coordinates (lat, lon): not in the GeoJSON"]


def test_a_selection_with_no_located_event_is_an_empty_collection(make_event: MakeEvent) -> None:
    """No coordinates anywhere: a valid, empty FeatureCollection, and a note; none for none."""
    assert parsed(Selection([make_event()], Responses())) == (
        {"type": "FeatureCollection", "features": []},
        ["1 of 1 events have no coordinates (lat, lon): not in the GeoJSON"],
    )
    assert parsed(Selection([], Responses())) == (
        {"type": "FeatureCollection", "features": []},
        [],
    )


def test_values_are_exact_and_controls_are_escaped(make_event: MakeEvent) -> None:
    """Text is the log's own (JSON-escaped, never altered); no raw control or bidi character
    reaches the output."""
    title = 'T "q" \\ \x1b[2J \u202e <b>x</b> \x9b'
    event = make_event(title=title, location={"name": "\u2066x\u2069", "lat": 1.0, "lon": 2.0})
    output = geojson.events(Selection([event], Responses()))
    text = "\n".join(output.lines)
    assert re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text) is None
    (feature,) = json.loads(text)["features"]
    assert (feature["properties"]["title"], feature["properties"]["location"]) == (
        title,
        "\u2066x\u2069",
    )


def test_the_bundled_log_maps_its_located_events(tmp_path: Path) -> None:
    """The bundled log: a feature per event with coordinates, in date order, each at
    [lon, lat]; `show` says on stderr how many were left off, and writes only GeoJSON."""
    from conftest import BUNDLED_LOG

    events = order(Event.model_validate_json(line) for line in BUNDLED_LOG.read_text().splitlines())
    located = [e for e in events if e.location and e.location.lat is not None]
    result = CliRunner().invoke(app, ["show", "--file", str(BUNDLED_LOG), "--format", "geojson"])
    assert result.exit_code == 0
    assert result.stderr == (
        f"timeline: {len(events) - len(located)} of {len(events)} events have no coordinates "
        "(lat, lon): not in the GeoJSON\n"
    )
    document = json.loads(result.stdout)
    assert [f["id"] for f in document["features"]] == [e.id for e in located]
    assert [f["geometry"]["coordinates"] for f in document["features"]] == [
        [e.location.lon, e.location.lat] for e in located if e.location
    ]
    out = tmp_path / "map.geojson"
    written = CliRunner().invoke(
        app, ["show", "--file", str(BUNDLED_LOG), "--format", "geojson", "-o", str(out)]
    )
    assert (written.exit_code, written.stdout, written.stderr) == (0, "", result.stderr)
    assert json.loads(out.read_text(encoding="utf-8")) == document


def test_no_note_when_every_event_is_on_the_map(tmp_path: Path) -> None:
    """Every selected event located: stderr stays empty."""
    from conftest import BUNDLED_LOG

    result = CliRunner().invoke(
        app, ["show", "--file", str(BUNDLED_LOG), "--format", "geojson", "--text", "Almaty"]
    )
    assert (result.exit_code, result.stderr) == (0, "")
    assert len(json.loads(result.stdout)["features"]) == 1


def test_the_readers_features_are_the_serial_ones_a_rejection_in_another_range_too(
    make_event: MakeEvent, show_both_ways: ShowBothWays
) -> None:
    """A large log's readers render each feature as they read it, as if nothing rejected its
    claim; a claim that a rejection in another reader's range answers is rendered again, as
    disputed: the map, and its note, are those of the serial reading."""
    claim = make_event(
        id="claim", status="claimed", location={"name": "Gomel", "lat": 52.4, "lon": 31.0}
    )
    others = [
        make_event(id=f"e{n}", location={"lat": float(n % 80), "lon": 1.0} if n % 3 else None)
        for n in range(60)
    ]
    reject = make_event(id="no", type="reject", responds_to=["claim"])
    serial, forked = show_both_ways([claim, *others, reject], ["--format", "geojson"])
    assert forked.stdout == serial.stdout
    assert forked.stderr == serial.stderr != ""  # the unmapped events, counted
    features = json.loads(forked.stdout)["features"]
    assert [f["properties"]["status"] for f in features if f["id"] == "claim"] == ["disputed"]
    assert len(features) == 1 + sum(1 for n in range(60) if n % 3)
