"""Filtering and ordering events: pure functions over events."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from timeline.dates import Precision, period_end
from timeline.rules import ASCII_ACTOR, EventLike, fold, normalize_actor

if TYPE_CHECKING:
    from timeline.store import RawLine
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
            tags=tuple(fold(t) for t in tags),
            statuses=tuple(statuses),
            since=since,
            until=until,
            texts=tuple(fold(t) for t in texts if t.strip()),
            ids=tuple(ids),
        )

    @property
    def is_empty(self) -> bool:
        return self == Filter()


def text_of(event: EventLike) -> str:
    """The searchable text of an event: title, summary and quotes, folded (``rules.fold``)."""
    parts = [event.title, event.summary or ""]
    parts.extend(source.quote or "" for source in event.sources)
    return fold("\n".join(parts))


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
    if flt.tags and not any(fold(tag) in flt.tags for tag in event.tags):
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
    ranked = sorted(items, key=key)  # stable: ties keep their input order
    if reverse:
        ranked.reverse()
    return ranked if limit is None else ranked[:limit]


# ---------------------------------------------------------------------------- the raw prefilter

# The non-ASCII characters whose folding (rules.fold) holds ASCII ('ß' -> 'ss', 'ﬁ' -> 'fi',
# the Kelvin sign -> 'k'), as UTF-8: a line holding one may match an ASCII filter that its
# bytes do not show.
_FOLDS = tuple(
    ch.encode()
    for ch in "\u00df\u0130\u0149\u017f\u037e\u1e9a\u1e9e\u1fef\u212a"
    "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"
)
_FOLDS_TO_ASCII = re.compile(b"|".join(re.escape(seq) for seq in _FOLDS))
# JSON escapes that could spell a letter or a slash: the bytes no longer show the text.
_HIDING_ESCAPES = (b"\\u", b"\\/")
_MAX_MONTHS = 36
_PREFIX = re.compile(
    rb'\{"id":"[^"\\]*","date":"(\d{4}-\d{2}-\d{2})","precision":"(day|week|month|year)",'
    rb'"end":(?:null|"(\d{4}-\d{2}-\d{2})")'
)


def _ascii_words(text: str) -> list[bytes] | None:
    """The word pieces of an ASCII needle, or None when bytes cannot decide (non-ASCII, quotes)."""
    if not text.isascii() or '"' in text or "\\" in text:
        return None
    return [w.encode() for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


@dataclass(frozen=True, slots=True)
class Anchors:
    """Bytes that every line matching a filter must hold: one of ``needles`` (searched in the
    ASCII-lowercased bytes when ``lowercase``), or else one of the ``doubtful`` sequences or a
    match of ``doubtful_pattern`` (escapes and other text the bytes cannot judge). Lets the
    store skip whole stretches of a log in C."""

    needles: tuple[bytes, ...]
    lowercase: bool
    doubtful: tuple[bytes, ...]
    doubtful_pattern: re.Pattern[bytes] | None = None

    @property
    def pattern(self) -> re.Pattern[bytes]:
        return re.compile(b"|".join(re.escape(n) for n in self.needles))


def _longest_pieces(values: Iterable[str]) -> tuple[bytes, ...] | None:
    pieces = []
    for value in values:
        words = _ascii_words(value)
        if not words:
            return None
        pieces.append(max(words, key=len))
    return tuple(pieces)


def _date_needles(since: date, until: date) -> tuple[bytes, ...] | None:
    """Date strings one of which an event overlapping [since, until] must hold, unless it has an
    ``end``: its month ('2019-06-'), its year's first day (year precision), or one of the six
    days before ``since`` (a week that began then). None for a range of many months."""
    months = (until.year - since.year) * 12 + until.month - since.month + 1
    if months > _MAX_MONTHS:
        return None
    out = []
    year, month = since.year, since.month
    for _ in range(months):
        out.append(f"{year:04d}-{month:02d}-".encode())
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    out.extend(f"{year:04d}-01-01".encode() for year in range(since.year, until.year + 1))
    out.extend(
        date.fromordinal(since.toordinal() - back).isoformat().encode()
        for back in range(1, 7)
        if since.toordinal() > back  # no days before 0001-01-01
    )
    return tuple(out)


def _iso_dates(bound: date, *, after: bool) -> bytes:
    """A regex for the ISO dates (``YYYY-MM-DD``) after ``bound``, or else on or before it.

    ISO dates of one width order as strings, so this compares digit by digit: the same digits
    as ``bound`` up to one position, then a larger (smaller) digit, then any digits.
    """
    text = bound.isoformat()
    branches = []
    for i, char in enumerate(text):
        if not char.isdigit():
            continue
        low, high = (int(char) + 1, 9) if after else (0, int(char) - 1)
        if low <= high:
            rest = "".join(r"\d" if c.isdigit() else "-" for c in text[i + 1 :])
            branches.append(f"{text[:i]}[{low}-{high}]{rest}")
    if not after:
        branches.append(text)
    return f"(?:{'|'.join(branches)})".encode() if branches else b"(?!)"


def _spanning_end(until: date) -> re.Pattern[bytes]:
    """The ``end`` keys that may carry an event over [since, until] when no date needle is in
    its line: any ``end`` with a string value, except a date on or before ``until`` (an end in
    the range holds a needle; one before it ends the event too early), or an end that follows
    a start after ``until`` in a canonical line."""
    later = _iso_dates(until, after=True)
    starts_later = b"".join(
        rb'(?<!"date":"%s","precision":"%s","end":")' % (later, precision)
        for precision in (b"day", b"(?:week|year)", b"month")  # one width per lookbehind
    )
    # The lookbehinds come last: most lines have "end":null, and fail before reaching them.
    ends_early = _iso_dates(until, after=False)
    return re.compile(rb'"end"\s*:\s*"(?!%s")%s' % (ends_early, starts_later))


_ACTOR_ITEM = b'"' + ASCII_ACTOR.encode() + b'"'
_SIMPLE_ACTORS = re.compile(rb"(?:%s(?:,%s)*)?" % (_ACTOR_ITEM, _ACTOR_ITEM))
_Check = Callable[[bytes], bool]


def _top_level(content: bytes, key: bytes) -> int:
    """Where ``key`` (e.g. ``b'"type":"'``) starts as a key of the outer object, or -1 when the
    bytes cannot show it: a key is a top-level one when no other '{' comes before it."""
    pos = content.find(key)
    if pos == -1 or content.count(b"{", 0, pos) != 1:
        return -1
    return pos + len(key)


def _actors_check(keys: tuple[bytes, ...], wanted: tuple[str, ...]) -> _Check:
    """Reads the actor lists at ``keys`` when they are laid out canonically with normalised ids,
    and says exactly whether one of them is a wanted actor or a part of one."""
    exact = {w.encode() for w in wanted}
    parts = tuple(w.encode() + b"/" for w in wanted)
    words = [_ascii_words(w) for w in wanted]

    def check(content: bytes) -> bool:
        for key in keys:
            start = _top_level(content, key)
            end = -1 if start == -1 else content.find(b"]", start)
            if end == -1 or not _SIMPLE_ACTORS.fullmatch(content, start, end):
                return _words_may_match(content, words)
            items = content[start + 1 : end - 1].split(b'","') if end > start else []
            if any(item in exact or item.startswith(parts) for item in items):
                return True
        return False

    return check


def _value_check(key: bytes, wanted: set[bytes], *, default: bytes | None) -> _Check:
    """The string value of a top-level key (``type``, ``status``) is one of ``wanted``;
    ``default`` is the value when the key is left out."""
    name = key[: key.index(b":")]  # b'"status"'

    def check(content: bytes) -> bool:
        start = _top_level(content, key)
        if start == -1:
            if default is not None and name not in content:
                return default in wanted
            # The key may be nested, or spelled so the bytes hide it: the event may have the
            # value, or leave the key out and so have the default.
            return any(w in content for w in wanted) or (default is not None and default in wanted)
        return content[start : content.find(b'"', start)] in wanted

    return check


def _words_may_match(content: bytes, groups: list[list[bytes] | None]) -> bool:
    """Some value's word pieces all appear, ignoring ASCII case (a value the bytes cannot judge
    counts as a match)."""
    if any(words is None for words in groups):
        return True
    if any(all(w in content for w in words) for words in groups if words is not None):
        return True
    lowered = content.lower()
    if any(all(w in lowered for w in words) for words in groups if words is not None):
        return True
    return not content.isascii() and _FOLDS_TO_ASCII.search(content) is not None


_MAX_ID_SEARCH = 64
_LEADING_ID = re.compile(rb'\{"id":"([^"\\]*)"')


def _ids_check(ids: set[str]) -> _Check:
    """The event's id is one of ``ids``: read from a canonical line's start, else searched."""
    quoted = [f'"{i}"'.encode() for i in ids]
    wanted = {i.encode() for i in ids}

    def check(content: bytes) -> bool:
        found = _LEADING_ID.match(content)
        if found is not None:
            return found.group(1) in wanted
        # Not canonical: search for a few ids; for many (a diff of two different logs), parse.
        return len(quoted) > _MAX_ID_SEARCH or any(q in content for q in quoted)

    return check


def _words_check(groups: list[list[bytes] | None]) -> _Check:
    return lambda content: _words_may_match(content, groups)


class Prefilter:
    """Decides on a line's raw bytes whether it may match a filter, so that only candidates are
    parsed and validated. It may say yes to a line that does not match; never no to one that
    does. Where the bytes cannot tell (escapes, unusual case folding, non-canonical layout), it
    says yes and the parsed event decides."""

    def __init__(self, flt: Filter) -> None:
        self._flt = flt
        self._default_status = Status.REPORTED in flt.statuses
        self._since = flt.since.isoformat().encode() if flt.since else None
        self._until = flt.until.isoformat().encode() if flt.until else None
        checks: list[_Check] = []
        if flt.ids:
            checks.append(_ids_check(set(flt.ids)))
        if flt.types:
            types = {t.value.encode() for t in flt.types}
            checks.append(_value_check(b'"type":"', types, default=None))
        if flt.statuses:
            statuses = {s.value.encode() for s in flt.statuses}
            checks.append(_value_check(b'"status":"', statuses, default=b"reported"))
        if self._since or self._until:
            checks.append(self._dates_may_match)
        for keys, wanted in (
            ((b'"actors":[',), flt.actors),
            ((b'"targets":[',), flt.targets),
            ((b'"actors":[', b'"targets":['), flt.involving),
        ):
            if wanted:
                checks.append(_actors_check(keys, wanted))
        for values in (flt.tags, flt.texts):
            if values:
                checks.append(_words_check([_ascii_words(v) for v in values]))
        self._checks = checks

    def __call__(self, content: bytes) -> bool:
        if b"\\" in content and any(escape in content for escape in _HIDING_ESCAPES):
            return True
        return all(check(content) for check in self._checks)

    def anchors(self) -> Anchors | None:
        """The most selective anchors the filter allows, or None (then every line is read)."""
        flt = self._flt
        exact = _HIDING_ESCAPES
        if flt.ids:
            return Anchors(tuple(f'"{i}"'.encode() for i in flt.ids), False, exact)
        folded = _HIDING_ESCAPES + _FOLDS
        for group in (flt.actors, flt.targets, flt.involving):
            pieces = _longest_pieces(group) if group else None
            if pieces:
                return Anchors(pieces, True, folded)
        if flt.types:
            return Anchors(tuple(f'"{t.value}"'.encode() for t in flt.types), False, exact)
        if flt.statuses and not self._default_status:
            return Anchors(tuple(f'"{s.value}"'.encode() for s in flt.statuses), False, exact)
        if flt.since is not None and flt.until is not None:
            needles = _date_needles(flt.since, flt.until)
            if needles is not None:
                return Anchors(needles, False, exact, _spanning_end(flt.until))
        for group in (flt.texts, flt.tags):
            pieces = _longest_pieces(group) if group else None
            if pieces:
                return Anchors(pieces, True, folded)
        return None

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
            try:
                day = date.fromisoformat(start.decode())
                last = period_end(day, Precision(precision.decode())).isoformat().encode()
            except (ValueError, OverflowError):
                return True  # not a valid start: the parsed line says what is wrong
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


# (line number (0: not numbered), offset (-1: not known), the line's problems, the line ends
# with a newline): a bad line, to warn about
BadLine = tuple[int, int, list[tuple[str | None, str]], bool]


# A kept event of show --json: its date as an ordinal, and its canonical JSON, or the offset
# and length of its line when that is canonical already (to be read there again).
Kept = tuple[int, bytes | tuple[int, int]]


def select_json(
    lines: Iterable[RawLine],
    flt: Filter,
    *,
    want: Callable[[bytes], bool] | None = None,
    by_offset: bool = False,
) -> tuple[list[Kept], list[BadLine]]:
    """For ``show --json``: each matching event, in file order, and the lines that are not
    events. With ``by_offset``, a canonical line is not copied: the caller reads it again at
    its offset when it writes the output."""
    from timeline.rules import canonical_json
    from timeline.store import parse_lines

    kept: list[Kept] = []
    bad: list[BadLine] = []
    for parsed in parse_lines(lines, source="", want=want):
        event, line = parsed.event, parsed.line
        if event is None:
            assert parsed.error is not None  # a parsed line has an event or an error
            bad.append((line.lineno, line.offset, parsed.error.problems, line.is_complete))
        elif matches(event, flt):
            if by_offset and parsed.canonical:
                kept.append((event.date.toordinal(), (line.offset, len(line.content))))
            else:
                data = line.content if parsed.canonical else canonical_json(event).encode()
                kept.append((event.date.toordinal(), data))
    return kept, bad
