"""The actors of a selection (``timeline actors``): a table, a tree by parts, JSON records."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from timeline.formats.labels import cells, cut, iso_label, padded
from timeline.formats.output import TextLines
from timeline.text import json_safe, visible

if TYPE_CHECKING:
    from timeline.actors import Registry, Tally

_HEAD = ("ACTOR", "NAME", "ACTS", "TARGETED", "FIRST", "LAST", "ALIASES")


def _dates(entry: Tally) -> tuple[str, str]:
    first, last = entry.first, entry.last
    return (iso_label(first) if first else "", iso_label(last) if last else "")


def _name(registry: Registry | None, actor: str) -> str:
    found = registry.actors.get(actor) if registry is not None else None
    return found.name if found is not None else ""


def _aliases(registry: Registry | None, actor: str) -> tuple[str, ...]:
    found = registry.actors.get(actor) if registry is not None else None
    return found.aliases if found is not None else ()


_NARROWEST = 8  # a column cut narrower than this is left out (aliases) or kept so (names, ids)


def _fitted(widths: list[int], width: int) -> list[int]:
    """Column widths that fit ``width`` (two spaces apart; a column of width 0 is left out):
    the aliases cut, or left out when little room is left for them, then the names cut, then
    left out; the ids are cut last, and only as far as ``_NARROWEST`` (an id is what a user
    types: two cut alike could not be told apart); dates and counts are never cut here (a
    line still too wide is cut at the terminal's edge)."""
    widths = list(widths)

    def total() -> int:
        shown = [w for w in widths if w]
        return sum(shown) + 2 * (len(shown) - 1)

    aliases, name, actor = 6, 1, 0
    if total() > width:
        widths[aliases] = max(widths[aliases] - (total() - width), 0)
        if widths[aliases] < _NARROWEST:
            widths[aliases] = 0
    if total() > width:
        widths[name] = max(widths[name] - (total() - width), _NARROWEST)
    if total() > width:
        widths[name] = 0
    if total() > width:
        widths[actor] = max(widths[actor] - (total() - width), _NARROWEST)
    return widths


def table(
    tallies: Mapping[str, Tally], registry: Registry | None, *, width: int | None = None
) -> TextLines:
    """One line per actor, in columns: id, display name, events as actor and as target, the
    first and last date, aliases. With ``width`` (a terminal's), the table fits it: a long
    name or alias is cut with '…', the aliases and then the names are left out when they no
    longer fit, and an id is cut only then (``_fitted``)."""
    rows: list[tuple[str, ...]] = [_HEAD]
    for actor, entry in tallies.items():
        first, last = _dates(entry)
        rows.append((actor, _name(registry, actor), str(entry.as_actor), str(entry.as_target),
                     first, last, ", ".join(_aliases(registry, actor))))  # fmt: skip
    rows = [tuple(visible(cell) for cell in row) for row in rows]
    widths = [max(cells(row[i]) for row in rows) for i in range(len(_HEAD))]
    if width is not None:
        widths = _fitted(widths, width)
    numeric = {2, 3}

    def line(row: tuple[str, ...]) -> str:
        text = "  ".join(
            padded(cut(cell, widths[i]), widths[i], right=i in numeric)
            for i, cell in enumerate(row)
            if widths[i]
        ).rstrip()
        return text if width is None else cut(text, width)

    return TextLines([line(row) for row in rows] if tallies else [])


def tree(
    tallies: Mapping[str, Tally], registry: Registry | None, *, width: int | None = None
) -> TextLines:
    """The actors as a tree of parts: 'belarus' above 'president' for 'belarus/president'. A
    part whose whole is not in the selection still hangs under it. With ``width``, a line
    wider than it is cut with '…'."""
    children: dict[str, list[str]] = {}
    nodes: set[str] = set()
    for actor in tallies:
        parts = actor.split("/")
        for depth in range(1, len(parts) + 1):
            nodes.add("/".join(parts[:depth]))
    for node in sorted(nodes):
        parent = node.rpartition("/")[0]
        children.setdefault(parent, []).append(node)

    def label(node: str) -> str:
        text = node.rpartition("/")[2]
        name = _name(registry, node)
        if name:
            text += f"  {name}"
        entry = tallies.get(node)
        if entry is not None:
            first, last = _dates(entry)
            span = first if first == last else f"{first} – {last}"
            text += f"  ({entry.as_actor} as actor, {entry.as_target} as target, {span})"
        return visible(text)

    def walk(node: str, prefix: str) -> Iterator[str]:
        kids = children.get(node, [])
        for index, kid in enumerate(kids):
            last = index == len(kids) - 1
            yield prefix + ("└── " if last else "├── ") + label(kid)
            yield from walk(kid, prefix + ("    " if last else "│   "))

    def roots() -> Iterator[str]:
        for root in children.get("", []):
            yield label(root)
            yield from walk(root, "")

    lines = roots()
    return TextLines(lines if width is None else (cut(line, width) for line in lines))


def record(entry: Tally, registry: Registry | None) -> dict[str, Any]:
    """The JSON record of one actor."""
    found = registry.actors.get(entry.id) if registry is not None else None
    first, last = _dates(entry)
    return {
        "id": entry.id,
        "name": found.name if found else None,
        "aliases": list(found.aliases) if found else [],
        "wikidata": found.wikidata if found else None,
        "as_actor": entry.as_actor,
        "as_target": entry.as_target,
        "first": first,
        "last": last,
    }


def records(tallies: Mapping[str, Tally], registry: Registry | None) -> TextLines:
    """One JSON record per actor."""
    return TextLines(
        json_safe(json.dumps(record(entry, registry), ensure_ascii=False, separators=(",", ":")))
        for entry in tallies.values()
    )
