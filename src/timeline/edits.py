"""Changing a log's events: field flags merged into an event, ids and references looked up.

What ``add``, ``edit``, ``rm`` and ``import`` decide before they write. Ids and references are
read leniently (``log.decoding.json_objects``), so that a line that is not a valid event still
counts when it holds an id or points at one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import msgspec

from timeline.check import not_yet
from timeline.errors import ConflictError, InputError
from timeline.log.decoding import json_objects, named_id
from timeline.log.lines import BOM, RawLine
from timeline.log.scan import Anchors
from timeline.userinput import number, refuse_controls, user_date
from timeline.vocab import EventType, Status

if TYPE_CHECKING:
    from timeline.model import Event
    from timeline.rules import EventLike


_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]")  # a scheme: https://…, mailto:…, urn:…


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    """The flags that were given; an empty string means 'clear this field', and a list flag
    given once as '' ('--tag ""') empties the list."""
    return {
        k: None if v == "" else [] if v == [""] else v for k, v in values.items() if v is not None
    }


def _coordinate(flag: str, word: str | None) -> float | str | None:
    """A --lat/--lon value as a number; '' (clear it) and None (not given) are kept."""
    if not word:
        return word
    try:
        return number(word)
    except ValueError as exc:
        raise InputError(f"{flag}: {exc}") from None


@dataclass(frozen=True, kw_only=True)
class EventFlags:
    """The field flags of ``add`` and ``edit``; None means 'not given'."""

    when: str | None = None
    end: str | None = None
    title: str | None = None
    type: EventType | None = None
    actors: Sequence[str] | None = None
    targets: Sequence[str] | None = None
    summary: str | None = None
    status: Status | None = None
    responds_to: Sequence[str] | None = None
    sources: Sequence[str] | None = None
    publisher: str | None = None
    source_title: str | None = None
    quote: str | None = None
    tags: Sequence[str] | None = None
    location: str | None = None
    country: str | None = None
    lat: str | None = None  # text, so that '' can clear it
    lon: str | None = None

    @property
    def is_empty(self) -> bool:
        """No flag was given: nothing to change."""
        return all(getattr(self, f.name) is None for f in dataclasses.fields(self))

    def check_text(self) -> None:
        """Refuse control characters: a terminal must never receive them back from the log.
        Refuse an empty --title too ('' clears other fields, but an event needs a title), and
        a --source without a scheme (no browser opens 'e.org')."""
        if self.title is not None and not self.title.strip():
            raise InputError("--title: must not be empty")
        for flag, value in (
            ("--title", self.title), ("--source-title", self.source_title),
            ("--publisher", self.publisher), ("--location", self.location),
            ("--date", self.when), ("--end", self.end), ("--country", self.country),
        ):  # fmt: skip
            refuse_controls(flag, value)
        refuse_controls("--summary", self.summary, multiline=True)
        refuse_controls("--quote", self.quote, multiline=True)
        for flag, values in (
            ("--actor", self.actors), ("--target", self.targets), ("--tag", self.tags),
            ("--source", self.sources), ("--responds-to", self.responds_to),
        ):  # fmt: skip
            for value in values or ():
                refuse_controls(flag, value)
        for url in self.sources or ():
            if url and not _URL.match(url):
                if "." in url and not any(char.isspace() for char in url):  # 'e.org/a'
                    hint = f"give it with its scheme, as 'https://{url}'"
                else:  # a name, not an address
                    hint = "give a web address (https://…), or name the source with --source-title"
                raise InputError(f"--source: {url!r} is not a URL: {hint}")

    def apply(self, base: dict[str, Any], *, today: date) -> dict[str, Any]:
        """``base`` (an event's JSON fields) with every given flag applied; '' clears a field."""
        obj = dict(base)
        if self.when is not None:
            when = user_date("--date", self.when, today=today)
            obj["date"], obj["precision"] = when.start, when.precision
        if self.end is not None:
            obj["end"] = user_date("--end", self.end, today=today).end if self.end else None
        given = {
            "title": self.title, "summary": self.summary, "type": self.type,
            "actors": _listed(self.actors), "targets": _listed(self.targets),
            "status": self.status, "responds_to": _listed(self.responds_to),
            "tags": _listed(self.tags),
        }  # fmt: skip
        obj.update(_given(given))
        obj["location"] = self._location(obj.get("location"))
        obj["sources"] = self._sources(obj.get("sources") or [])
        return obj

    def _location(self, current: dict[str, Any] | None) -> dict[str, Any] | None:
        given: dict[str, Any] = {
            "name": self.location,
            "country": self.country,
            "lat": _coordinate("--lat", self.lat),
            "lon": _coordinate("--lon", self.lon),
        }
        changes = _given(given)
        if not changes:
            return current
        merged = dict(current or {})
        merged.update(changes)
        if ("lat" in changes or "lon" in changes) and (merged.get("lat") is None) != (
            merged.get("lon") is None
        ):  # half a point: no map can place it
            raise InputError("--lat, --lon: a point needs both (clear it with --lat '' --lon '')")
        return None if all(v is None for v in merged.values()) else merged

    def _sources(self, current: list[dict[str, Any]]) -> list[dict[str, Any]]:
        sources = [{"url": url} for url in self.sources] if self.sources is not None else current
        first = _given(
            {"publisher": self.publisher, "title": self.source_title, "quote": self.quote}
        )
        if not first:
            return sources
        sources = [dict(s) for s in sources] or [{}]
        sources[0].update(first)
        return sources


def _listed(values: Sequence[str] | None) -> list[str] | None:
    return None if values is None else list(values)


def flag_for(field: str | None) -> str:
    """The command-line flag that sets a field, for error messages."""
    if not field:
        return "event"
    head = field.split(".")[0].split("[")[0]
    tail = field.rsplit(".", 1)[-1] if "." in field else ""
    if head == "sources":
        named = {"title": "--source-title", "publisher": "--publisher", "quote": "--quote"}
        return named.get(tail, "--source")
    if head == "location":
        return {"name": "--location", "country": "--country", "": "--location"}.get(
            tail, f"--{tail}"
        )
    named = {
        "responds_to": "--responds-to",
        "actors": "--actor",
        "targets": "--target",
        "tags": "--tag",
    }
    return named.get(head, f"--{head}")


# A field that a rule across fields may find wrong though no flag of this command set it (an
# edit's new --date after the end the event has): the EventFlags attribute that sets it.
_KEPT_BY = {"end": "end", "date": "when"}


def validated(obj: dict[str, Any], *, once: EventFlags | None = None) -> Event:
    """The event ``obj`` describes; its first problem is an ``InputError`` naming the flag.
    The lists that the flags ``once`` set hold each value once, as the model normalised it
    (``--actor Belarus --actor belarus`` names belarus once)."""
    from pydantic import ValidationError

    from timeline.model import Event, describe_validation_error

    try:
        event = Event.model_validate(obj)
    except ValidationError as exc:
        field, message = describe_validation_error(exc)[0]
        kept = _KEPT_BY.get(field or "")
        if once is not None and kept is not None and getattr(once, kept) is None:
            # The value the event has, which another flag's change now contradicts.
            flag = flag_for(field)
            raise InputError(f"{field}: {message} (as the event has it: give {flag} too)") from None
        raise InputError(f"{flag_for(field)}: {message}") from None
    if once is None:
        return event
    given = {
        "actors": once.actors, "targets": once.targets, "tags": once.tags,
        "responds_to": once.responds_to,
    }  # fmt: skip
    changes = {
        name: tuple(dict.fromkeys(getattr(event, name)))
        for name, values in given.items()
        if values is not None
    }
    return event.model_copy(update=changes) if changes else event


def refuse_not_yet(event: EventLike, today: date) -> None:
    """Refuse an event that ``check`` would report as dated after ``today``."""
    if (future := not_yet(event, today)) is not None:
        raise InputError(f"--date: {future}")


def check_references(event: EventLike, known: Mapping[str, int]) -> None:
    """Refuse an event that responds to an id the log does not hold."""
    missing = [ref for ref in event.responds_to if ref not in known]
    if missing:
        raise ConflictError(f"--responds-to: no event with id {missing[0]!r} in the log")


_MAX_NAMED = 5  # ids an ambiguous prefix lists


def _spellings(start: str) -> set[bytes]:
    """How a line's bytes may hold ``start``: as written raw, or as the canonical form escapes
    it ('"' as '\\"'); any \\u escape may hide it too."""
    return {start.encode(), msgspec.json.encode(start)[1:-1]}


def _may_name(lines: Iterable[RawLine], start: str) -> list[RawLine]:
    """The lines that may hold an id starting with ``start`` (``_spellings``, or a \\u)."""
    needles = {*_spellings(start), b"\\u"}
    return [line for line in lines if any(n in line.data for n in needles)]


def may_name_anchors(start: str) -> Anchors:
    """The lines ``_may_name`` keeps, for a block scan to find in C (``read_any_lines``)."""
    return Anchors(tuple(_spellings(start)), False, (b"\\u",))


def ids_starting(lines: Iterable[RawLine], start: str) -> list[str]:
    """The ids of the events in ``lines`` that start with ``start``, sorted: what a start of
    an id, typed where a whole one was wanted, may have meant."""
    found = {obj["id"] for _, obj in json_objects(_may_name(lines, start))
             if isinstance(obj.get("id"), str) and obj["id"].startswith(start)}  # fmt: skip
    return sorted(found)


_EMPTY_ID = "ID: an empty id names no event"


class _NotOne(Exception):
    """Why an id names no one line (the log's name left to the caller), and whether ids start
    with it that a start, were it allowed, would name (``starts``)."""

    def __init__(self, problem: str, *, starts: bool = False) -> None:
        super().__init__(problem)
        self.starts = starts


def _line_of(lines: Sequence[RawLine], event_id: str, *, whole: bool) -> tuple[str, RawLine]:
    """``find_line``'s answer, or ``_NotOne``."""
    candidates = _may_name(lines, event_id)
    objects = dict(json_objects(candidates))
    ids = [(obj["id"], line) for line, obj in objects.items() if isinstance(obj.get("id"), str)]
    # Lines that are no JSON object at all, with the id their bytes show: taken ids, which a
    # start could otherwise pass over to name another.
    broken = {
        line.lineno: shown
        for line in candidates
        if line not in objects and (shown := named_id(line)) is not None
    }
    found = [line for found_id, line in ids if found_id == event_id]
    if not found:
        lineno = next((n for n, shown in broken.items() if shown == event_id), None)
        if lineno is not None:
            raise _NotOne(f"no event with id {event_id!r} (line {lineno} names it but is not "
                          "valid JSON: fix it by hand)")  # fmt: skip
        every_id = {found_id for found_id, _ in ids} | set(broken.values())
        starting = sorted(found_id for found_id in every_id if found_id.startswith(event_id))
        named = ", ".join(starting[:_MAX_NAMED]) + (" …" if len(starting) > _MAX_NAMED else "")
        if starting and whole:
            raise _NotOne(f"no event with id {event_id!r}, only ids that start with it "
                          f"({named})", starts=True)  # fmt: skip
        if len(starting) > 1:
            raise _NotOne(f"{event_id!r} starts {len(starting)} ids ({named}): give more of it")
        if not starting:
            raise _NotOne(f"no event with id {event_id!r}")
        typed, event_id = event_id, starting[0]
        found = [line for found_id, line in ids if found_id == event_id]
        if not found:
            lineno = next(n for n, shown in broken.items() if shown == event_id)
            raise _NotOne(f"{typed!r} starts only {event_id!r}, on line {lineno}, which is not "
                          "valid JSON: fix it by hand")  # fmt: skip
    if len(found) > 1:
        where = ", ".join(str(line.lineno) for line in found)
        raise _NotOne(f"id {event_id!r} is on lines {where}: resolve that first")
    return event_id, found[0]


def find_line(
    lines: Sequence[RawLine], event_id: str, *, name: str, whole: str | None = None
) -> tuple[str, RawLine]:
    """The id and the one line of the event ``event_id`` names: its whole id, or the start of
    exactly one id (ids are long), unless ``whole`` says why only a whole id will do. An id
    on no line or on two, or a start that several ids share, is an error that says so."""
    return next(iter(find_lines(lines, [event_id], name=name, whole=whole).items()))


def find_lines(
    lines: Sequence[RawLine], event_ids: Sequence[str], *, name: str, whole: str | None = None
) -> dict[str, RawLine]:
    """The line of each of ``event_ids`` (as ``find_line`` finds one), by whole id. Every id
    that names no one line is told, in one error: a user who removes five events learns of
    all that fail, and once why a start will not do."""
    if not all(event_ids):
        raise InputError(_EMPTY_ID)
    found: dict[str, RawLine] = {}
    problems: list[str] = []
    told = whole is None  # why a start will not do: after the first id it is about
    for event_id in event_ids:
        try:
            whole_id, line = _line_of(lines, event_id, whole=whole is not None)
        except _NotOne as exc:
            problems.append(f"{exc}: {whole}" if exc.starts and not told else str(exc))
            told = told or exc.starts
        else:
            found[whole_id] = line
    if problems:
        raise ConflictError(f"{name}: " + "; ".join(problems))
    return found


class _WrittenExtra(msgspec.Struct):
    """Only the 'extra' of a line, as the JSON text it was written in."""

    extra: msgspec.Raw = msgspec.Raw(b"null")


def _bom_of(line: RawLine) -> bytes:
    """The file's byte order mark, when ``line`` starts the log and holds it."""
    return BOM if line.starts_log and line.data.startswith(BOM) else b""


def removal(line: RawLine) -> bytes:
    """What is left of a removed line: nothing, or the file's BOM when it starts the log."""
    return _bom_of(line)


def replacement(line: RawLine, event: Event, *, before: EventLike) -> bytes:
    """The bytes that replace ``line`` (which held ``before``) to hold ``event``: its canonical
    form, except that an unchanged 'extra' keeps the text it was written in (``1E2`` stays
    ``1E2``, a long decimal keeps its digits); the line's own ending; and the file's BOM when
    the line starts the log."""
    from timeline.rules import canonical_json

    bom = _bom_of(line)
    text = canonical_json(event)
    if event.extra is not None and event.extra == before.extra:
        try:
            written = msgspec.json.decode(line.content.removeprefix(bom), type=_WrittenExtra)
        except msgspec.DecodeError:
            written = None
        if written is not None:
            # 'extra' is the last key of the canonical form: put the written text in its place.
            head = canonical_json(event.model_copy(update={"extra": None}))
            text = head.removesuffix("null}") + bytes(written.extra).decode("utf-8") + "}"
    return bom + text.encode("utf-8") + line.ending


def dangling(lines: Iterable[RawLine], removed: Mapping[str, RawLine]) -> Iterator[tuple[int, str]]:
    """Each remaining line that responds to a removed event (it would point nowhere): its
    number, and the id it answers."""
    gone = {line.lineno for line in removed.values()}
    for line, obj in json_objects(line for line in lines if line.lineno not in gone):
        refs = obj.get("responds_to")
        for ref in refs if isinstance(refs, list) else ():
            if isinstance(ref, str) and ref in removed:  # a bad line may hold anything
                yield line.lineno, ref


def refuse_dangling(lines: Iterable[RawLine], removed: Mapping[str, RawLine], *, name: str) -> None:
    """Refuse to remove events that a remaining line responds to (it would point nowhere),
    naming each such line, so that none is found only at the next try."""
    found = list(dangling(lines, removed))
    if not found:
        return
    (lineno, ref), rest = found[0], sorted({number for number, _ in found[1:]} - {found[0][0]})
    listed = ", ".join(map(str, rest[:_MAX_NAMED])) + (" …" if len(rest) > _MAX_NAMED else "")
    also = (f"line {listed} answers" if len(rest) == 1 else f"lines {listed} answer") + (
        " a removed event too; "
    )
    raise ConflictError(
        f"{name}:{lineno}: responds to {ref!r}: not removed ({also if rest else ''}use --force "
        "to remove it anyway)"
    )


@dataclass(frozen=True, slots=True)
class Renamed:
    """One line whose event names a renamed actor: the event before and after, and the bytes
    that replace the line."""

    line: RawLine
    before: Event
    after: Event
    data: bytes


def _naming(
    lines: Iterable[RawLine], actor: str, *, name: str
) -> Iterator[tuple[RawLine, Event | None]]:
    """The lines whose bytes may name ``actor`` or a part of it, in any spelling that is read
    as it (``"CSTO"``, ``"Wagner Group"``, an escape), each with its event, or None when it
    holds no valid one; the caller tells which do."""
    from timeline.errors import LineError
    from timeline.parsing import parse_raw_line
    from timeline.prefilter import Prefilter
    from timeline.query import Filter

    may_name = Prefilter(Filter(involving=(actor,)))
    anchors = may_name.anchors()  # a search in C turns most lines away before the prefilter
    for line in lines:
        if anchors is not None and not anchors.may_hold(line.data):
            continue
        if not line.content.strip() or not may_name(line.content):
            continue
        try:
            yield line, parse_raw_line(line, source=name)
        except LineError:
            yield line, None


def events_naming(lines: Iterable[RawLine], actor: str, *, name: str) -> int:
    """How many valid events of ``lines`` name ``actor`` or one of its parts."""
    from timeline.actors import is_part

    return sum(
        1
        for _, event in _naming(lines, actor, name=name)
        if event is not None and any(is_part(a, actor) for a in (*event.actors, *event.targets))
    )


def renamed_lines(
    lines: Iterable[RawLine], *, old: str, new: str, name: str
) -> tuple[list[Renamed], list[int]]:
    """Every event of ``lines`` that names the actor ``old`` or one of its parts, with ``new``
    in its place (in actors and targets; a name that becomes a repeat is dropped), and the
    numbers of the lines that mention ``old`` but hold no valid event (left as they are)."""
    from timeline.actors import renamed_id

    changed: list[Renamed] = []
    skipped: list[int] = []
    for line, current in _naming(lines, old, name=name):
        if current is None:
            if old.encode() in line.data:
                skipped.append(line.lineno)
            continue
        actors = tuple(dict.fromkeys(renamed_id(a, old, new) for a in current.actors))
        targets = tuple(dict.fromkeys(renamed_id(t, old, new) for t in current.targets))
        if (actors, targets) == (current.actors, current.targets):
            continue
        event = validated({**current.model_dump(mode="json"), "actors": actors, "targets": targets})
        changed.append(Renamed(line, current, event, replacement(line, event, before=current)))
    return changed, skipped
