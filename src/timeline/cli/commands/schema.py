"""``timeline schema``: the JSON Schema of an event."""

from __future__ import annotations

from timeline.cli.options import examples

EXAMPLES = examples("timeline schema | jq '.properties | keys'")


def schema() -> None:
    """Print the JSON Schema of an event."""
    from timeline.cli.output import emit
    from timeline.formats import json
    from timeline.model import Event

    emit(json.schema(Event.model_json_schema()))
