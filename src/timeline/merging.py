"""Several logs read as one (``show -f a.jsonl -f b.jsonl``): each is read as its own source,
as ``selection`` reads one log, and their sorted selections are merged.

The merged log is the files one after another: events sort by date, ties in that order (so
``--reverse`` and ``--limit`` mean what they mean for one log); a response in one file may
answer, and a ``reject`` dispute, an event of another; an id in two files is two events (both
are shown, and ``check`` reports the second as a duplicate, as within one file).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import overload

from timeline.log.sources import read_any_lines
from timeline.parsing import ValidLine, parse_lines
from timeline.prefilter import Prefilter
from timeline.query import Filter, Responses, order, sort_key
from timeline.rules import EventLike, canonical_json
from timeline.selection import (
    KeptEvents,
    OnInvalid,
    OnMore,
    Piece,
    Selection,
    canonical_lines,
    id_hashes,
    selected,
)  # fmt: skip


class MergedEvents(Sequence[EventLike]):
    """The events of several selections, in the order ``ranked`` gives as (selection, index)
    pairs; each is visited in its own selection (which may decode it from its log then)."""

    def __init__(self, parts: Sequence[Sequence[EventLike]], ranked: list[tuple[int, int]]):
        self._parts, self._ranked = parts, ranked

    def __len__(self) -> int:
        return len(self._ranked)

    @overload
    def __getitem__(self, index: int) -> EventLike: ...
    @overload
    def __getitem__(self, index: slice) -> list[EventLike]: ...
    def __getitem__(self, index: int | slice) -> EventLike | list[EventLike]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        part, at = self._ranked[index]
        return self._parts[part][at]

    def __iter__(self) -> Iterator[EventLike]:
        for part, at in self._ranked:
            yield self._parts[part][at]

    def id_hashes(self) -> list[int]:
        """``selection.HashedIds``: each part's, in the merged order."""
        hashes = [id_hashes(part) for part in self._parts]
        return [hashes[part][at] for part, at in self._ranked]


class AnsweredAcross(Mapping[str, EventLike]):
    """The events that the merged selection answers, by id, found in any of the logs (the
    first file that holds an id wins), looked up the first time a view asks."""

    def __init__(self, specs: Sequence[str], events: MergedEvents):
        self._specs, self._events = specs, events

    @functools.cached_property
    def _found(self) -> dict[str, EventLike]:
        wanted = {ref for event in self._events for ref in event.responds_to}
        found: dict[str, EventLike] = {}
        for spec in self._specs:  # standard input too: it is read from its copy
            missing = wanted - found.keys()
            if not missing:
                break
            by_id = Prefilter(Filter(ids=tuple(sorted(missing))))
            for parsed in parse_lines(
                read_any_lines(spec, anchors=by_id.anchors()), source="", want=by_id
            ):
                if isinstance(parsed, ValidLine) and parsed.event.id in missing:
                    found.setdefault(parsed.event.id, parsed.event)
        return found

    def __getitem__(self, event_id: str) -> EventLike:
        return self._found[event_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)


def _keys(events: Sequence[EventLike]) -> list[int]:
    return events.keys() if isinstance(events, KeptEvents) else [sort_key(e) for e in events]


@contextlib.contextmanager
def selected_logs(
    specs: Sequence[str],
    flt: Filter,
    *,
    strict: bool,
    reverse: bool = False,
    limit: int | None = None,
    on_invalid: OnInvalid,
    on_more: OnMore,
    piece: Piece | None = None,
    answered_by: bool = False,
) -> Iterator[Selection]:
    """``selection.selected`` over several logs read as one (see the module's docstring);
    each log's bad lines are reported with its own name. Only a single log's readers render
    a ``piece``."""
    if len(specs) == 1:
        with selected(
            specs[0], flt, strict=strict, reverse=reverse, limit=limit, on_invalid=on_invalid,
            on_more=on_more, piece=piece, answered_by=answered_by, alone=True,
        ) as selection:  # fmt: skip
            yield selection
        return
    with contextlib.ExitStack() as stack:
        parts = [
            stack.enter_context(selected(
                spec, flt, strict=strict, limit=limit, on_invalid=on_invalid, on_more=on_more
            ))
            for spec in specs
        ]  # fmt: skip
        keys = [_keys(part.events) for part in parts]
        pairs = [(i, at) for i, part_keys in enumerate(keys) for at in range(len(part_keys))]
        ranked = order(pairs, key=lambda pair: keys[pair[0]][pair[1]], reverse=reverse, limit=limit)
        responses = Responses()
        for part in parts:
            responses.update(part.responses)
        events = MergedEvents([part.events for part in parts], ranked)
        yield Selection(events, responses, AnsweredAcross(specs, events))


@contextlib.contextmanager
def canonical_logs(
    specs: Sequence[str],
    flt: Filter,
    *,
    strict: bool,
    reverse: bool = False,
    limit: int | None = None,
    on_invalid: OnInvalid,
    on_more: OnMore,
) -> Iterator[Iterable[bytes]]:
    """``selection.canonical_lines`` over several logs read as one."""
    if len(specs) == 1:
        with canonical_lines(
            specs[0], flt, strict=strict, reverse=reverse, limit=limit, on_invalid=on_invalid,
            on_more=on_more,
        ) as lines:  # fmt: skip
            yield lines
        return
    with selected_logs(
        specs, flt, strict=strict, reverse=reverse, limit=limit, on_invalid=on_invalid,
        on_more=on_more,
    ) as selection:  # fmt: skip
        yield (canonical_json(event).encode() for event in selection.events)
