"""Filtering and ordering events: pure functions over events."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from timeline.dates import Precision
from timeline.errors import InputError
from timeline.rules import EventLike, fold, normalize_actor
from timeline.userinput import check_utf8, user_date
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
            tags=tuple(search_fold(t) for t in tags),
            statuses=tuple(statuses),
            since=since,
            until=until,
            texts=tuple(search_fold(t) for t in texts if t.strip()),
            ids=tuple(ids),
        )

    @property
    def is_empty(self) -> bool:
        return self == Filter()

    def describe(self) -> tuple[str, ...]:
        """The filter in words, one per field: ``("actor belarus or ukraine", "since
        2024-08-01")``; for the page a published selection heads."""
        words = {
            "actor": self.actors, "target": self.targets, "involving": self.involving,
            "type": tuple(t.value for t in self.types), "tag": self.tags,
            "status": tuple(s.value for s in self.statuses), "text": self.texts, "id": self.ids,
        }  # fmt: skip
        parts = [f"{name} {' or '.join(values)}" for name, values in words.items() if values]
        if self.since:
            parts.append(f"since {self.since.isoformat()}")
        if self.until:
            parts.append(f"until {self.until.isoformat()}")
        return tuple(parts)


def user_filter(
    *,
    actors: Sequence[str] = (),
    targets: Sequence[str] = (),
    involving: Sequence[str] = (),
    types: Sequence[EventType] = (),
    tags: Sequence[str] = (),
    statuses: Sequence[Status] = (),
    since: str | None = None,
    until: str | None = None,
    texts: Sequence[str] = (),
    ids: Sequence[str] = (),
    today: date,
) -> Filter:
    """A filter from the words a user typed after each filter flag; relative dates count back
    from ``today``. Raises ``InputError`` naming the flag of a value it cannot take."""
    groups = {"--actor": actors, "--target": targets, "--involving": involving, "--tag": tags}
    for flag, values in {**groups, "--text": texts, "--id": ids}.items():
        for value in values:
            check_utf8(flag, value)
    for flag, values in (("--tag", tags), ("--id", ids)):
        if any(not value.strip() for value in values):  # no event has one: it would match none
            raise InputError(f"{flag}: must not be empty")
    for flag in ("--actor", "--target", "--involving"):
        for value in groups[flag]:
            try:
                normalize_actor(value)
            except ValueError as exc:
                raise InputError(f"{flag}: {exc}") from None
    since_day = user_date("--since", since, today=today).start if since is not None else None
    until_day = user_date("--until", until, today=today).end if until is not None else None
    if since_day and until_day and since_day > until_day:
        raise InputError(f"--since {since} is after --until {until}")
    return Filter.build(
        actors=actors, targets=targets, involving=involving, types=types, tags=tags,
        statuses=statuses, since=since_day, until=until_day, texts=texts, ids=ids,
    )  # fmt: skip


def search_fold(text: str) -> str:
    """Text as --text and --tag compare it: folded (``rules.fold``), and the dot above an 'i'
    dropped, which folding leaves after the dotted capital 'İ' ('İstanbul' -> 'i̇stanbul'):
    'istanbul' finds it."""
    return fold(text).replace("i\u0307", "i")


def text_of(event: EventLike) -> str:
    """The searchable text of an event: title, summary, quotes and tags, folded
    (``search_fold``)."""
    parts = [event.title, event.summary or ""]
    parts.extend(source.quote or "" for source in event.sources)
    parts.extend(event.tags)
    return search_fold("\n".join(parts))


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
    if flt.tags and not any(search_fold(tag) in flt.tags for tag in event.tags):
        return False
    if flt.texts:
        haystack = text_of(event)
        if not any(all(word in haystack for word in text.split()) for text in flt.texts):
            return False
    return True


T = TypeVar("T")

# On one day, an event known only to its year comes before one known to its month, its week
# or the day: the coarser date heads the finer ones (a year's events under its heading start
# with those of the whole year).
_FINER = {Precision.YEAR: 0, Precision.MONTH: 1, Precision.WEEK: 2, Precision.DAY: 3}


def sort_key(event: EventLike) -> int:
    """Where an event goes in date order: its first day, then coarser precision first."""
    return event.date.toordinal() * 4 + _FINER[event.precision]


_BY_FINENESS = sorted(_FINER, key=_FINER.__getitem__)


def sorted_date(key: int) -> tuple[date, Precision]:
    """The date and precision of an event with ``sort_key`` ``key``."""
    return date.fromordinal(key // 4), _BY_FINENESS[key % 4]


def order(
    items: Iterable[T],
    *,
    key: Callable[[T], int] = sort_key,  # type: ignore[assignment]
    reverse: bool = False,
    limit: int | None = None,
) -> list[T]:
    """Items by ``sort_key`` (date, then coarser precision first), ties in input order;
    ``reverse`` puts the latest first; ``limit`` keeps the latest N (someone asking for a few
    events wants the recent ones)."""
    ranked = sorted(items, key=key)  # stable: ties keep their input order
    if limit is not None:
        ranked = ranked[len(ranked) - limit :] if limit < len(ranked) else ranked
    if reverse:
        ranked.reverse()
    return ranked


# Looked up once: a member looked up on its class costs as much again, for each event of a view.
_DISPUTED, _CLAIMED = Status.DISPUTED, Status.CLAIMED


@dataclass(slots=True)
class Responses:
    """Which events others answered, and which a ``reject`` answered (so they are disputed)."""

    answered: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)

    def note(self, event: EventLike) -> None:
        self.answered.update(event.responds_to)
        if event.type is EventType.REJECT:
            self.rejected.update(event.responds_to)

    def update(self, other: Responses) -> None:
        """Add what ``other`` saw (another part of the same log)."""
        self.answered |= other.answered
        self.rejected |= other.rejected

    def is_disputed(self, event: EventLike) -> bool:
        """Disputed as stored, or a claim that a ``reject`` event answers. A reported or
        confirmed event stays as its author judged it: a party's denial of a fact is an answer
        (the views mark it answered), not a reason to doubt it."""
        status = event.status
        return status is _DISPUTED or (status is _CLAIMED and event.id in self.rejected)
