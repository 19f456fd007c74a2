"""Filtering and ordering events: pure functions over ``Event`` values."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from timeline.model import Event, normalize_actor
from timeline.vocab import EventType, Status


def _actor_matches(actor: str, wanted: str) -> bool:
    return actor == wanted or actor.startswith(wanted + "/")


@dataclass(frozen=True, slots=True, kw_only=True)
class Filter:
    """What ``show`` (and ``diff``) keep. Fields combine with AND; values within a field with OR."""

    actors: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    involving: tuple[str, ...] = ()
    types: tuple[EventType, ...] = ()
    tags: tuple[str, ...] = ()
    statuses: tuple[Status, ...] = ()
    since: date | None = None
    until: date | None = None
    texts: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        *,
        actors: Iterable[str] = (),
        targets: Iterable[str] = (),
        involving: Iterable[str] = (),
        types: Iterable[EventType] = (),
        tags: Iterable[str] = (),
        statuses: Iterable[Status] = (),
        since: date | None = None,
        until: date | None = None,
        texts: Iterable[str] = (),
        ids: Iterable[str] = (),
    ) -> Filter:
        """A filter from user input: actor ids are normalised, tags and texts case-folded.

        Raises ``ValueError`` for a value that cannot be an actor id.
        """
        return cls(
            actors=tuple(normalize_actor(a) for a in actors),
            targets=tuple(normalize_actor(a) for a in targets),
            involving=tuple(normalize_actor(a) for a in involving),
            types=tuple(types),
            tags=tuple(t.casefold() for t in tags),
            statuses=tuple(statuses),
            since=since,
            until=until,
            texts=tuple(t.casefold() for t in texts if t.strip()),
            ids=tuple(ids),
        )

    @property
    def is_empty(self) -> bool:
        return self == Filter()


def text_of(event: Event) -> str:
    """The searchable text of an event: title, summary and quotes, case-folded."""
    parts = [event.title, event.summary or ""]
    parts.extend(source.quote or "" for source in event.sources)
    return "\n".join(parts).casefold()


def _any_actor(have: Iterable[str], wanted: tuple[str, ...]) -> bool:
    return any(_actor_matches(a, w) for a in have for w in wanted)


def matches(event: Event, flt: Filter) -> bool:
    """Whether ``event`` passes every part of ``flt``."""
    if flt.ids and event.id not in flt.ids:
        return False
    if flt.types and event.type not in flt.types:
        return False
    if flt.statuses and event.status not in flt.statuses:
        return False
    if flt.since is not None and event.last_day < flt.since:
        return False
    if flt.until is not None and event.date > flt.until:
        return False
    if flt.actors and not _any_actor(event.actors, flt.actors):
        return False
    if flt.targets and not _any_actor(event.targets, flt.targets):
        return False
    if flt.involving and not _any_actor(event.actors + event.targets, flt.involving):
        return False
    if flt.tags and not any(tag.casefold() in flt.tags for tag in event.tags):
        return False
    if flt.texts:
        haystack = text_of(event)
        if not any(all(word in haystack for word in text.split()) for text in flt.texts):
            return False
    return True


def order(
    events: Iterable[Event], *, reverse: bool = False, limit: int | None = None
) -> list[Event]:
    """Events by date, ties in input order; ``reverse`` puts the latest first; ``limit`` keeps N."""
    keyed = ((event.date, index, event) for index, event in enumerate(events))
    if limit is None:
        ranked = sorted(keyed, key=lambda k: (k[0], k[1]), reverse=reverse)
    elif reverse:
        ranked = heapq.nlargest(limit, keyed, key=lambda k: (k[0], k[1]))
    else:
        ranked = heapq.nsmallest(limit, keyed, key=lambda k: (k[0], k[1]))
    return [event for _, _, event in ranked]


@dataclass(slots=True)
class Responses:
    """Which events others answered, and which a ``reject`` answered (so they are disputed)."""

    answered: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)

    def note(self, event: Event) -> None:
        self.answered.update(event.responds_to)
        if event.type is EventType.REJECT:
            self.rejected.update(event.responds_to)

    def is_disputed(self, event: Event) -> bool:
        """Disputed as stored, or a claim that a ``reject`` event answers."""
        return event.status is Status.DISPUTED or event.id in self.rejected
