"""GeoJSON (RFC 7946): a FeatureCollection of the events that have coordinates, for QGIS,
kepler.gl or uMap.

Each event with a latitude and a longitude is a Point feature (``[lon, lat]``, as RFC 7946
orders them) whose ``id`` is the event's id and whose properties are what a map shows: id,
date (its first day), precision, end, title, type, actors, targets, status (a rejected claim is
"disputed"), place name, country and the first http(s) source URL. Values are the log's, exact
(this is data for programs, like ``--json``): JSON escapes them, and control and bidi
characters are written as ``\\uXXXX``.

Events without coordinates cannot be on a map: they are left out, and the output's note says
how many, for the CLI to say on stderr. The collection is written a feature a line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from timeline.formats.labels import status_of
from timeline.formats.output import About, TextLines
from timeline.formats.urls import first_web_url
from timeline.selection import UNANSWERED, Selection
from timeline.text import json_safe

if TYPE_CHECKING:
    from timeline.rules import EventLike
    from timeline.selection import Piece


def _located(event: EventLike) -> bool:
    location = event.location
    return location is not None and location.lat is not None and location.lon is not None


def feature(event: EventLike, selection: Selection) -> dict[str, Any]:
    """The Point feature of an event that has coordinates."""
    location = event.location
    assert location is not None and location.lat is not None and location.lon is not None
    return {
        "type": "Feature",
        "id": event.id,
        "geometry": {"type": "Point", "coordinates": [location.lon, location.lat]},
        "properties": {
            "id": event.id,
            "date": event.date.isoformat(),
            "precision": event.precision.value,
            "end": event.end.isoformat() if event.end else None,
            "title": event.title,
            "type": event.type.value,
            "actors": list(event.actors),
            "targets": list(event.targets),
            "status": status_of(event, selection.responses).value,
            "location": location.name,
            "country": location.country,
            "url": first_web_url([source.url for source in event.sources]),
        },
    }


def _json(value: Any) -> str:
    return json_safe(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _feature_line(event: EventLike, selection: Selection) -> str:
    """The feature of an event as one line of JSON; "" for an event without coordinates."""
    return _json(feature(event, selection)) if _located(event) else ""


def _piece(event: EventLike) -> str:
    return _feature_line(event, UNANSWERED)


def piece(about: About) -> Piece:
    """The features the readers of a log render as they read (``selection.selected``), as if
    no event rejected theirs: those that one does are rendered again. Features name actors by
    id (``about.names`` is not used)."""
    return _piece


def _lines(selection: Selection, notes: list[str]) -> Iterator[str]:
    """The collection, a feature a line; then, in ``notes``, how many events had no place on
    it (counted in the same reading: a second one would decode every event again)."""
    yield '{"type":"FeatureCollection","features":['
    previous = None
    total = unmapped = 0

    def line(event: EventLike) -> str:
        return _feature_line(event, selection)

    # a feature depends on the rest of the log only through a rejection of its event
    for _, text in selection.pieces(line, redo=selection.responses.rejected):
        total += 1
        if not text:
            unmapped += 1
            continue
        if previous is not None:
            yield previous + ","
        previous = text
    if previous is not None:
        yield previous
    yield "]}"
    if unmapped:
        notes.append(unmapped_note(unmapped, total))


def unmapped_note(unmapped: int, total: int) -> str:
    return f"{unmapped} of {total} events have no coordinates (lat, lon): not in the GeoJSON"


def events(selection: Selection, *, long: bool = False, about: About = About()) -> TextLines:
    """A FeatureCollection of the events with coordinates; once it is written, a note counts
    those without."""
    notes: list[str] = []
    return TextLines(_lines(selection, notes), notes=notes)
