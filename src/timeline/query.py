"""Filtering and ordering events: pure functions over events."""

from __future__ import annotations

import heapq
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from timeline.model import EventLike, normalize_actor
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


def text_of(event: EventLike) -> str:
    """The searchable text of an event: title, summary and quotes, case-folded."""
    parts = [event.title, event.summary or ""]
    parts.extend(source.quote or "" for source in event.sources)
    return "\n".join(parts).casefold()


def _any_actor(have: Iterable[str], wanted: tuple[str, ...]) -> bool:
    return any(_actor_matches(a, w) for a in have for w in wanted)


def matches(event: EventLike, flt: Filter) -> bool:
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


T = TypeVar("T")


def order(
    items: Iterable[T],
    *,
    key: Callable[[T], date] = operator.attrgetter("date"),
    reverse: bool = False,
    limit: int | None = None,
) -> list[T]:
    """Items by date, ties in input order; ``reverse`` puts the latest first; ``limit`` keeps N."""
    keyed = ((key(item), index, item) for index, item in enumerate(items))
    if limit is None:
        ranked = sorted(keyed, key=_rank, reverse=reverse)
    elif reverse:
        ranked = heapq.nlargest(limit, keyed, key=_rank)
    else:
        ranked = heapq.nsmallest(limit, keyed, key=_rank)
    return [item for _, _, item in ranked]


def _rank(keyed: tuple[date, int, object]) -> tuple[date, int]:
    return keyed[0], keyed[1]


# ---------------------------------------------------------------------------- the raw prefilter

# Non-ASCII characters whose case folding holds ASCII letters ('ß' -> 'ss', 'ﬁ' -> 'fi'),
# as UTF-8: a line holding one may match an ASCII filter that its bytes do not show.
_FOLDS_TO_ASCII = re.compile(
    rb"\xc3\x9f|\xc4\xb0|\xc5[\x89\xbf]|\xc7\xb0|\xe1\xba[\x96-\x9a\x9e]"
    rb"|\xe2\x84\xaa|\xef\xac[\x80-\x86]"
)
# A JSON escape that could spell a letter or a slash: the bytes no longer show the text.
_HIDING_ESCAPES = (b"\\u", b"\\/")
_PREFIX = re.compile(
    rb'\{"id":"[^"\\]*","date":"(\d{4}-\d{2}-\d{2})","precision":"(day|week|month|year)",'
    rb'"end":(?:null|"(\d{4}-\d{2}-\d{2})")'
)


def _ascii_words(text: str) -> list[bytes] | None:
    """The word pieces of an ASCII needle, or None when bytes cannot decide (non-ASCII, quotes)."""
    if not text.isascii() or '"' in text or "\\" in text:
        return None
    return [w.encode() for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


class Prefilter:
    """Decides on a line's raw bytes whether it may match a filter, so that only candidates are
    parsed and validated. It may say yes to a line that does not match; never no to one that
    does. Where the bytes cannot tell (escapes, unusual case folding, non-canonical layout), it
    says yes and the parsed event decides."""

    def __init__(self, flt: Filter) -> None:
        self._flt = flt
        self._enum_values = [
            {f'"{value.value}"'.encode() for value in group}
            for group in (flt.types, flt.statuses)
            if group
        ]
        self._default_status = Status.REPORTED in flt.statuses
        self._ids = [f'"{i}"'.encode() for i in flt.ids]
        self._word_groups: list[list[list[bytes] | None]] = [
            [_ascii_words(v) for v in values]
            for values in (flt.actors, flt.targets, flt.involving, flt.tags, flt.texts)
            if values
        ]
        self._since = flt.since.isoformat().encode() if flt.since else None
        self._until = flt.until.isoformat().encode() if flt.until else None

    def __call__(self, content: bytes) -> bool:
        if any(escape in content for escape in _HIDING_ESCAPES):
            return True
        for values in self._enum_values:
            if not any(v in content for v in values) and not (
                self._default_status and b'"status"' not in content
            ):
                return False
        if self._ids and not any(i in content for i in self._ids):
            return False
        if (self._since or self._until) and not self._dates_may_match(content):
            return False
        if self._word_groups:
            lowered: bytes | None = None
            for group in self._word_groups:
                if any(words is None for words in group):
                    continue  # a needle the bytes cannot judge
                if any(all(w in content for w in words) for words in group if words):
                    continue
                if lowered is None:
                    lowered = content.lower()
                if any(all(w in lowered for w in words) for words in group if words):
                    continue
                if not content.isascii() and _FOLDS_TO_ASCII.search(content):
                    continue
                return False
        return True

    def _dates_may_match(self, content: bytes) -> bool:
        found = _PREFIX.match(content)
        if found is None:
            return True  # not laid out canonically: let the parsed event decide
        start, precision, end = found.groups()
        if self._until is not None and start > self._until:
            return False
        if self._since is None:
            return True
        last = end if end is not None else start if precision == b"day" else None
        if last is None:
            from timeline.dates import Precision, period_end

            day = date.fromisoformat(start.decode())
            last = period_end(day, Precision(precision.decode())).isoformat().encode()
        return last >= self._since


@dataclass(slots=True)
class Responses:
    """Which events others answered, and which a ``reject`` answered (so they are disputed)."""

    answered: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)

    def note(self, event: EventLike) -> None:
        self.answered.update(event.responds_to)
        if event.type is EventType.REJECT:
            self.rejected.update(event.responds_to)

    def is_disputed(self, event: EventLike) -> bool:
        """Disputed as stored, or answered by a ``reject`` event (whatever its stored status)."""
        return event.status is Status.DISPUTED or event.id in self.rejected
