"""Deciding on a line's raw bytes whether it may match a filter, so that only candidates are
parsed: the reason a selective ``show`` reads a large log at close to grep's speed."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date

import msgspec

from timeline.dates import Precision, period_end
from timeline.log.decoding import JSON_STRING
from timeline.log.scan import Anchors, word_bounds
from timeline.query import Filter
from timeline.rules import ASCII_ACTOR
from timeline.vocab import Status

# The non-ASCII characters whose folding (rules.fold) holds ASCII ('ß' -> 'ss', 'ﬁ' -> 'fi',
# the Kelvin sign -> 'k'), and the dot above that a search drops after an 'i'
# (query.search_fold), as UTF-8: a line holding one may match an ASCII filter that its bytes
# do not show.
_FOLDS = tuple(
    ch.encode()
    for ch in "\u00df\u0130\u0149\u017f\u037e\u1e9a\u1e9e\u1fef\u212a"
    "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06\u0307"
)
_FOLDS_TO_ASCII = re.compile(b"|".join(re.escape(seq) for seq in _FOLDS))


def _hex_digits(char: str) -> tuple[str, ...]:
    """The four hex digits of ``char``'s JSON escape (``00df``), each as the characters that
    may write it (``dD``)."""
    return tuple(d + d.upper() if d.isalpha() else d for d in f"{ord(char):04x}")


def _trie(words: list[tuple[str, ...]]) -> str:
    """A pattern that matches any of ``words`` (sequences of character sets), as a tree of
    shared prefixes: a search fails at the first character no word continues with."""
    branches: dict[str, list[tuple[str, ...]]] = {}
    for word in words:
        if word:
            branches.setdefault(word[0], []).append(word[1:])
    parts = []
    for chars, rests in branches.items():
        head = re.escape(chars) if len(chars) == 1 else f"[{chars}]"
        if not any(rests):
            parts.append(head)
        else:
            parts.append(head + (f"(?:{_trie(rests)})?" if () in rests else _trie(rests)))
    return parts[0] if len(parts) == 1 else f"(?:{'|'.join(parts)})"


# JSON escapes that could spell what an ASCII needle holds: an ASCII character, one whose
# folding holds ASCII (an escaped 'ß'), or a slash. The escapes of other characters, the bulk
# of a log written with its non-ASCII text escaped (Cyrillic, say), hide no such needle. The
# search skips to each backslash, and what follows one fails at its first unlikely character.
_ESCAPES_OF_ASCII = [("0", "0", "01234567", "0123456789aAbBcCdDeEfF")]
_HIDING = re.compile(
    rb"\\(?:/|u%s)"
    % _trie(_ESCAPES_OF_ASCII + [_hex_digits(seq.decode()) for seq in _FOLDS]).encode()
)
# Any escape: the bytes no longer show a needle that is not ASCII (an id in another script).
_ANY_ESCAPE = re.compile(rb"\\[u/]")
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


_SPACED_ACTORS = re.compile(rb"\s*(?:%s(?:\s*,\s*%s)*)?\s*" % (_ACTOR_ITEM, _ACTOR_ITEM))
_QUOTED = re.compile(rb'"([^"]*)"')


def _actor_list(content: bytes, name: bytes) -> list[bytes] | None:
    """The ids of the actor list ``name`` (``b"actors"``) when the bytes show them: normalised
    ids, laid out canonically or in any other layout whose line names the list once (another
    key of that name can only be nested in 'extra'; one spelt with escapes makes the line
    doubtful before this is asked), or none when the line leaves the list out."""
    start = _top_level(content, b'"%s":[' % name)
    if start != -1:
        end = content.find(b"]", start)
        if end == -1 or not _SIMPLE_ACTORS.fullmatch(content, start, end):
            return None
        return content[start + 1 : end - 1].split(b'","') if end > start else []
    quoted_name = b'"%s"' % name
    named = content.count(quoted_name)
    if named == 0:
        return []  # left out: the list is empty
    if named == 1:  # the key, in json.dumps's layout, or else in any other
        start = content.find(b'"%s": [' % name)
        if start != -1:
            start += len(name) + 5
            end = content.find(b"]", start)
            if end != -1 and _DUMPED_ACTORS.fullmatch(content, start, end):
                return content[start + 1 : end - 1].split(b'", "') if end > start else []
    keys = _ACTOR_KEYS[name].finditer(content)
    first = next(keys, None)
    if first is None or next(keys, None) is not None:
        return None
    start = first.end()
    end = content.find(b"]", start)
    if end == -1 or not _SPACED_ACTORS.fullmatch(content, start, end):
        return None
    return _QUOTED.findall(content, start, end)


_ACTOR_KEYS = {name: re.compile(rb'"%s"\s*:\s*\[' % name) for name in (b"actors", b"targets")}
_DUMPED_ACTORS = re.compile(rb"(?:%s(?:, %s)*)?" % (_ACTOR_ITEM, _ACTOR_ITEM))  # ", " between


def _in_actor_list(names: tuple[bytes, ...], pieces: tuple[bytes, ...]) -> re.Pattern[bytes]:
    """Where the (lowercased) bytes of a matching line hold a piece of a wanted actor: inside
    an item of one of the lists ``names``, in any layout, after items that may hold anything
    (a ']', an escaped '"': characters an actor id normalises away). An item that normalises
    to a wanted id holds its longest word piece, lowercased, as a word: normalising keeps
    every ASCII letter and digit, so one beside the piece would make it part of a longer word
    ('belarusian-opposition' is not 'belarus'). An item that hides the piece with an escape or
    a folding character is kept by the scan as doubtful whatever this says. A line that only
    names the actor in its text is passed over; the key may also stand in 'extra' (a false
    hit, which the prefilter then reads)."""
    words = b"|".join(re.escape(p) + word_bounds(re.escape(p)) for p in pieces)
    return re.compile(
        rb'"(?:%s)"\s*:\s*\[\s*(?:%s\s*,\s*)*"(?:[^"\\]|\\.)*?(?:%s)'
        % (b"|".join(names), JSON_STRING.pattern, words)
    )


def _actor_groups(flt: Filter) -> tuple[tuple[tuple[bytes, ...], tuple[str, ...]], ...]:
    """The filter's actor ids, each group with the lists it looks in."""
    return (
        ((b"actors",), flt.actors),
        ((b"targets",), flt.targets),
        ((b"actors", b"targets"), flt.involving),
    )


def _actors_check(names: tuple[bytes, ...], wanted: tuple[str, ...]) -> _Check:
    """Reads the actor lists ``names`` when the bytes show them (``_actor_list``), and says
    exactly whether one of them is a wanted actor or a part of one."""
    exact = {w.encode() for w in wanted}
    parts = tuple(w.encode() + b"/" for w in wanted)
    words = [_ascii_words(w) for w in wanted]

    def check(content: bytes) -> bool:
        for name in names:
            items = _actor_list(content, name)
            if items is None:
                return _words_may_match(content, words)
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


def _quoted(event_id: str) -> bytes:
    """An id as a JSON string, the way the canonical form writes it ('"' as '\\"')."""
    return msgspec.json.encode(event_id)


def _ids_check(ids: set[str]) -> _Check:
    """The event's id is one of ``ids``: read from a canonical line's start, else searched."""
    quoted = [_quoted(i) for i in ids]
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


ANSWER_LIST = re.compile(rb'_to"\s*:\s*\[\s*"')
"""Where a line may hold a ``responds_to`` list that is not empty, in any layout: found from
the end of the key, so that a search stops at each underscore (few) and not at each quote
(every string has two). Another key that ends the same way is a false hit, which costs a
parse and changes nothing."""
ANSWERS_SHOWN = Anchors((b'"responds_to":["',), False, (), (ANSWER_LIST,))
"""Anchors of the lines whose bytes show that they answer another event (a ``responds_to``
that is not empty), escapes aside: a line that spells it with escapes is one that a
``Prefilter`` passes, so a reading with a filter has parsed it already."""


def may_answer(content: bytes) -> bool:
    """Whether a line may answer another event: all but those whose outer object shows an empty
    ``responds_to`` as the canonical form writes it."""
    return _top_level(content, b'"responds_to":[]') == -1


class Prefilter:
    """Decides on a line's raw bytes whether it may match a filter, so that only candidates are
    parsed and validated. It may say yes to a line that does not match; never no to one that
    does. Where the bytes cannot tell (escapes, unusual case folding, non-canonical layout), it
    says yes and the parsed event decides."""

    def __init__(self, flt: Filter) -> None:
        self._flt = flt
        self._hiding = _HIDING if all(i.isascii() for i in flt.ids) else _ANY_ESCAPE
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
        for names, wanted in _actor_groups(flt):
            if wanted:
                checks.append(_actors_check(names, wanted))
        for values in (flt.tags, flt.texts):
            if values:
                checks.append(_words_check([_ascii_words(v) for v in values]))
        self._checks = checks

    def __call__(self, content: bytes) -> bool:
        if b"\\" in content and self._hiding.search(content) is not None:
            return True
        return all(check(content) for check in self._checks)

    def anchors(self) -> Anchors | None:
        """The most selective anchors the filter allows, or None (then every line is read)."""
        flt, hiding = self._flt, self._hiding
        if flt.ids:
            return Anchors(tuple(_quoted(i) for i in flt.ids), False, (), (hiding,))
        for names, group in _actor_groups(flt):
            pieces = _longest_pieces(group) if group else None
            if pieces:
                return Anchors(
                    pieces, True, _FOLDS, (hiding,), _in_actor_list(names, pieces), words=True
                )
        if flt.types:
            types = tuple(f'"{t.value}"'.encode() for t in flt.types)
            return Anchors(types, False, (), (hiding,))
        if flt.statuses and not self._default_status:
            values = tuple(f'"{s.value}"'.encode() for s in flt.statuses)
            return Anchors(values, False, (), (hiding,))
        if flt.since is not None and flt.until is not None:
            needles = _date_needles(flt.since, flt.until)
            if needles is not None:
                return Anchors(needles, False, (), (hiding, _spanning_end(flt.until)))
        for group in (flt.texts, flt.tags):
            pieces = _longest_pieces(group) if group else None
            if pieces:
                return Anchors(pieces, True, _FOLDS, (hiding,))
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
