"""The actor registry: one id per actor, its display name and its aliases in any script, read
from a human-edited TOML file (``actors.toml`` beside the log); what a name typed by a user
means (one id, or nothing and the closest suggestions); and a tally of a log's actors.

Pure: bytes and events in, values out. The CLI reads the file and reports the errors.

A registry is read by every command that takes an actor, so its happy path imports no pydantic
(a tenth of a second): msgspec checks the tables, and only a registry it refuses is read again
by the pydantic model, whose errors name the actor and the field (a test keeps both in step).
"""

from __future__ import annotations

import ast
import difflib
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from timeline.errors import TimelineError
from timeline.query import sort_key
from timeline.rules import ASCII_ACTOR, normalize_actor
from timeline.text import short_repr

if TYPE_CHECKING:
    from timeline.rules import EventLike

REGISTRY_FILE = "actors.toml"

# One line, not blank. \Z, not $: Python's $ also matches before a last newline ("0\n").
_ONE_LINE = r"^[^\r\n]*\S[^\r\n]*\Z"
_STORED_ID = re.compile(ASCII_ACTOR)  # ids normalize_actor leaves as they are
_WIKIDATA = r"^Q[1-9][0-9]*$"


class RegistryError(TimelineError):
    """Raised when a registry cannot be read: its file, the line where known, the actor."""


# ---------------------------------------------------------------------------- the tables


class _Table(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One actor's table as the fast path reads it; ``ActorEntry`` is its explaining twin."""

    name: Annotated[str, msgspec.Meta(pattern=_ONE_LINE)]
    aliases: list[Annotated[str, msgspec.Meta(pattern=_ONE_LINE)]] = []
    wikidata: Annotated[str, msgspec.Meta(pattern=_WIKIDATA)] | None = None
    note: str | None = None


def _entry_model() -> Any:
    """The pydantic model of one actor's table, built on first use (only for a bad registry)."""
    from pydantic import BaseModel, ConfigDict, Field

    from timeline.model import OneLine  # Python's idea of white space, as msgspec's re has it

    class ActorEntry(BaseModel):
        """One actor: a display name, aliases in any script, an optional Wikidata item and note."""

        model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

        name: OneLine
        aliases: list[OneLine] = []
        wikidata: Annotated[str, Field(pattern=_WIKIDATA)] | None = None
        note: str | None = None

    return ActorEntry


@dataclass(frozen=True, slots=True)
class Actor:
    """One registered actor."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None
    note: str | None = None
    line: int | None = None  # where its table starts in the file, when that could be found


# ---------------------------------------------------------------------------- matching names


def key(text: str) -> str:
    """How typed names compare: without regard to case, accents, compatibility forms (``ﬁ``,
    full-width letters) or runs of white space. 'lukaŠENKO', 'Lukashenko' → 'lukashenko'."""
    if text.isascii():
        return " ".join(text.lower().split())
    # Decomposed before case folding (a compatibility form can decompose to a capital, U+210C)
    # and after it (folding can make a letter that decomposes: 'İ' → 'i̇'); then the marks go.
    plain = unicodedata.normalize("NFKD", text).casefold()
    if not unicodedata.is_normalized("NFKD", plain):
        plain = unicodedata.normalize("NFKD", plain)
    return " ".join(_drop_marks(plain).split())


def _drop_marks(text: str) -> str:
    # Every nonspacing mark, not only those with a combining class: U+034F (the grapheme
    # joiner) has none, and is as invisible as an accent.
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def _slug(text: str) -> str | None:
    """``text`` as an actor id would be stored, compared by ``key``; None if it cannot be one."""
    try:
        return key(normalize_actor(text))
    except ValueError:
        return None


def is_part(actor: str, of: str) -> bool:
    """Whether ``actor`` is ``of`` or one of its parts (``belarus/president`` of ``belarus``)."""
    return actor == of or actor.startswith(of + "/")


@dataclass(frozen=True)
class Registry:
    """The actors of one registry file, and every name by which one is known."""

    source: str  # the file, as messages name it
    actors: Mapping[str, Actor]  # by id, in the file's order
    labels: Mapping[str, tuple[str, str]]  # key → (id, the label as written)
    _slugs: dict[str, str | None] = field(default_factory=dict, repr=False)
    data: bytes = field(default=b"", repr=False)  # the file's bytes, as they were read

    def resolve(self, text: str) -> str | None:
        """The id ``text`` names (an id, a display name or an alias, in any case, with or
        without accents), else None."""
        found = self.labels.get(key(text))
        if found is not None:
            return found[0]
        # As the log stores it ('PMC Wagner' → 'pmc-wagner', as import reads a name).
        slug = _slug(text)
        return None if slug is None else self._slug_index().get(slug)

    def _slug_index(self) -> dict[str, str | None]:
        """Each label's stored form → its id (None where two actors share one): built on the
        first miss, since most values are found in ``labels``."""
        if not self._slugs:
            for id_, label in self.labels.values():
                slug = _slug(label)
                if slug is not None:
                    self._slugs[slug] = id_ if self._slugs.get(slug, id_) == id_ else None
        return self._slugs

    def knows(self, actor: str) -> bool:
        """Whether ``actor`` is a registered id."""
        return actor in self.actors

    def is_known_prefix(self, actor: str) -> bool:
        """Whether ``actor`` is a registered id or holds registered parts (a filter on it finds
        registered actors)."""
        return actor in self.actors or any(is_part(a, actor) for a in self.actors)

    @property
    def names(self) -> dict[str, str]:
        """Each id's display name."""
        return {id_: actor.name for id_, actor in self.actors.items()}

    def suggest(self, text: str, *, most: int = 5) -> list[str]:
        """The registered actors nearest to ``text``, each as 'id' or 'id (label)': labels
        spelled alike, then the actor its first word names and that actor's parts."""
        import difflib

        wanted = key(text)
        ids: dict[str, str] = {}  # id → the label that matched
        for near in difflib.get_close_matches(wanted, list(self.labels), n=most, cutoff=0.6):
            id_, label = self.labels[near]
            ids.setdefault(id_, label)
        head = re.split(r"[\s/\-_.]+", text.strip(), maxsplit=1)[0]
        owner = self.resolve(head) if head else None
        if owner is not None:
            ids.setdefault(owner, head)
            for id_ in self.actors:
                if is_part(id_, owner):
                    ids.setdefault(id_, id_)
        return [
            id_ if key(label) in {key(id_), wanted} else f"{id_} ({label})"
            for id_, label in list(ids.items())[:most]
        ]

    def unknown(self, text: str) -> str:
        """'x' is not in the registry, with the nearest actors if any."""
        near = self.suggest(text)
        hint = f": did you mean {', '.join(near)}?" if near else ""
        return f"{short_repr(text)} is not in {self.source}{hint}"


# ---------------------------------------------------------------------------- reading a registry


def parse_registry(data: bytes, *, source: str) -> Registry:
    """The registry in ``data`` (a TOML document); raises ``RegistryError`` naming ``source``,
    the line where known, and the actor, for the first problem found."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        lineno = data[: exc.start].count(b"\n") + 1
        raise RegistryError(f"{source}:{lineno}: not valid UTF-8 text") from None
    lines: dict[str, int] = {}
    for id_, lineno in table_lines(text):
        lines.setdefault(id_, lineno)  # a later match may be inside a multi-line string
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(_toml_error(str(exc), source, lines)) from None
    try:
        tables = msgspec.convert(document, dict[str, _Table])
    except msgspec.ValidationError:
        _explain(document, text, lines, source)
        raise  # pragma: no cover - _explain raises for everything msgspec refuses
    actors: dict[str, Actor] = {}
    labels: dict[str, tuple[str, str]] = {}
    for id_, table in tables.items():
        where = f"{source}:{lines[id_]}" if id_ in lines else source
        if _STORED_ID.fullmatch(id_):  # the common case, without the general rule's cost
            stored = id_
        else:
            try:
                stored = normalize_actor(id_)
            except ValueError as exc:
                raise RegistryError(f"{where}: [{id_}]: {exc}") from None
        if stored != id_:
            raise RegistryError(
                f"{where}: [{id_}]: not an actor id as the log stores it: write [{_quoted(stored)}]"
            )
        actor = Actor(id_, table.name, tuple(table.aliases), table.wikidata, table.note,
                      lines.get(id_))  # fmt: skip
        for what, label in (("id", id_), ("name", actor.name),
                            *(("aliases", a) for a in actor.aliases)):  # fmt: skip
            other = labels.setdefault(key(label), (id_, label))[0]
            if other != id_:
                if what != "id" and id_ in lines:
                    where = f"{source}:{_key_line(text, lines[id_], what)}"
                raise RegistryError(
                    f"{where}: [{id_}] {what}: {label!r} also names {other!r}: "
                    "a name or alias can belong to one actor only"
                )
        actors[id_] = actor
    return Registry(source, actors, labels, data=data)


def _toml_error(message: str, source: str, lines: Mapping[str, int]) -> str:
    """'actors.toml:3: …' from tomllib's 'Expected … (at line 3, column 7)'; a table declared
    twice in our words, with the line of the first."""
    found = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
    if found is None:
        return f"{source}: {message}"
    said = message[: found.start()]
    twice = re.fullmatch(r"Cannot declare \((.*),\) twice", said)
    if twice is not None:
        try:
            id_ = ast.literal_eval(twice.group(1))
        except (ValueError, SyntaxError):  # pragma: no cover - tomllib quotes a key as repr
            id_ = twice.group(1)
        first = f" (first on line {lines[id_]})" if id_ in lines else ""
        said = f"[{_quoted(str(id_))}] is declared twice{first}: an actor has one table"
    return f"{source}:{found.group(1)}: {said}"


def _explain(document: dict[str, Any], text: str, lines: Mapping[str, int], source: str) -> None:
    """Raise a ``RegistryError`` for the first table the model refuses, at its key's line
    where that can be found."""
    from pydantic import ValidationError

    from timeline.model import describe_validation_error

    model = _entry_model()
    for id_, table in document.items():
        at = lines.get(id_) or _top_level_line(text, id_)
        where = f"{source}:{at}" if at else source
        if not isinstance(table, dict):
            written = f"[[{_quoted(id_)}]]" if isinstance(table, list) else f"{id_!r} = …"
            raise RegistryError(
                f"{where}: {written}: an actor is a table ([{_quoted(id_)}] with name = …)"
            )
        nested = [k for k, v in table.items() if isinstance(v, dict)]
        if nested:  # [belarus.president]: a dotted header makes a table inside [belarus]
            part = f"{id_}/{nested[0]}"
            raise RegistryError(
                f"{where}: [{id_}] {nested[0]}: a part's id is one quoted key: [{_quoted(part)}]"
            )
        try:
            model.model_validate(table)
        except ValidationError as exc:
            path, message = describe_validation_error(exc)[0]
            if path == "wikidata" and exc.errors()[0]["type"] == "string_pattern_mismatch":
                message = f"{table[path]!r} is not a Wikidata item id (Q and digits: Q184)"
            if exc.errors()[0]["type"] == "extra_forbidden":  # the event schema's words: not ours
                keys = sorted(model.model_fields)
                near = difflib.get_close_matches(str(path), keys, n=1)
                hint = f"did you mean {near[0]!r}?" if near else f"the keys are {', '.join(keys)}"
                message = f"unknown key: {hint}"
            if id_ in lines and path:
                written = re.split(r"[.\[]", path, maxsplit=1)[0]  # aliases[1] is on aliases' line
                where = f"{source}:{_key_line(text, lines[id_], written)}"
            raise RegistryError(f"{where}: [{id_}] {path}: {message}") from None
    raise RegistryError(f"{source}: not a registry of actors")


def _top_level_line(text: str, id_: str) -> int | None:
    """The line that first declares ``id_`` other than as a table of its own: a dotted header
    (``[a.b]``), an array of tables (``[[a]]``) or a key before any table (``a = 1``)."""
    name = rf"""(?:{re.escape(id_)}|"{re.escape(id_)}"|'{re.escape(id_)}')"""
    declared = re.compile(rf"[ \t]*(?:\[\[?[ \t]*{name}[ \t]*[.\]]|{name}[ \t]*[=.])")
    for lineno, line in enumerate(text.split("\n"), start=1):
        if declared.match(line):
            return lineno
    return None


def _key_line(text: str, header: int, key: str) -> int:
    """The line of ``key = …`` in the table whose header is on line ``header``; the header's
    line when the key is not written on a line of its own (an inline table, a dotted key)."""
    written = re.compile(
        rf"""[ \t]*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')[ \t]*="""
    )
    for offset, line in enumerate(text.split("\n")[header:]):
        if _MAYBE_HEADER.match(line):
            break
        if written.match(line):
            return header + offset + 1
    return header


def _quoted(id_: str) -> str:
    """A TOML key for ``id_``: bare when it can be, else a basic string."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", id_):
        return id_
    return msgspec.json.encode(id_).decode("utf-8")


# A table header on a line of its own: [key] or [ "key" ] with an optional comment.
_HEADER = re.compile(
    r"""^(?P<indent>[ \t]*)\[[ \t]*(?P<key>[^\[\]#]*?)[ \t]*\](?P<tail>[ \t]*(?:#.*)?)$"""
)


_SIMPLE_KEY = re.compile(
    r"""(?P<bare>[A-Za-z0-9_-]+)|"(?P<basic>[^"\\\x00-\x1f\x7f]+)"|'(?P<literal>[^'\x00-\x1f\x7f]+)'"""
)


def _key_of(header_key: str) -> str | None:
    """The single key a header names ('"belarus/president"' → 'belarus/president'); None for
    a dotted key or anything that is not one key."""
    simple = _SIMPLE_KEY.fullmatch(header_key)
    if simple is not None:  # most headers: no need to ask the TOML parser
        return simple.group("bare") or simple.group("basic") or simple.group("literal")
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        parsed = tomllib.loads(f"{header_key} = 0")
    except tomllib.TOMLDecodeError:
        return None
    if len(parsed) != 1:
        return None
    ((name, value),) = parsed.items()
    return name if value == 0 else None


_MAYBE_HEADER = re.compile(r"^[ \t]*\[", re.MULTILINE)


def table_lines(text: str) -> Iterator[tuple[str, int]]:
    """Each top-level table's id and the line of its header, for messages. A line inside a
    multi-line string may look like a header: the caller only names such a line."""
    lineno, counted = 1, 0
    for start in _MAYBE_HEADER.finditer(text):  # only lines that may be headers are looked at
        lineno += text.count("\n", counted, start.start())
        counted = start.start()
        end = text.find("\n", counted)
        line = text[counted : end if end >= 0 else len(text)]
        found = _HEADER.match(line.removesuffix("\r"))
        if found is not None:
            id_ = _key_of(found.group("key"))
            if id_ is not None:
                yield id_, lineno


# ---------------------------------------------------------------------------- renaming


def renamed_id(actor: str, old: str, new: str) -> str:
    """``actor`` after ``old`` is renamed ``new``: its parts move with it."""
    if actor == old:
        return new
    if actor.startswith(old + "/"):
        return new + actor[len(old) :]
    return actor


def renamed_registry(data: bytes, *, old: str, new: str, source: str) -> bytes | None:
    """The registry ``data`` with the tables of ``old`` and its parts renamed; None if none of
    them is in it. Only the header lines change, so comments, order and layout stay; the result
    is read again and must hold the same actors under the new ids, else ``RegistryError``."""
    before = parse_registry(data, source=source)
    moving = {id_: renamed_id(id_, old, new) for id_ in before.actors if is_part(id_, old)}
    if not moving:
        return None
    for id_, target in moving.items():
        if target in before.actors and target not in moving:
            raise RegistryError(
                f"{source}: both [{id_}] and [{target}] are in it: merge them by hand first"
            )
    text = data.decode("utf-8")
    bom = "\ufeff" if text.startswith("\ufeff") else ""  # as Notepad writes: kept
    out: list[str] = []
    for line in text[len(bom) :].split("\n"):  # TOML ends lines with LF or CRLF only
        body = line.removesuffix("\r")
        found = _HEADER.match(body)
        header = _key_of(found.group("key")) if found is not None else None
        if found is not None and header is not None and header in moving:
            new_header = f"{found.group('indent')}[{_quoted(moving[header])}]{found.group('tail')}"
            line = new_header + line[len(body) :]
        out.append(line)
    result = (bom + "\n".join(out)).encode("utf-8")
    after = parse_registry(result, source=source)
    expected = {moving.get(id_, id_): actor for id_, actor in before.actors.items()}
    same = list(after.actors) == list(expected) and all(
        (a.name, a.aliases, a.wikidata, a.note) == (b.name, b.aliases, b.wikidata, b.note)
        for a, b in zip(after.actors.values(), expected.values(), strict=True)
    )
    if not same:
        raise RegistryError(
            f"{source}: cannot rename [{old}] here without changing more than its header "
            "(an inline table, or a header inside a multi-line string?): rename it by hand, "
            "then run again"
        )
    return result


# ---------------------------------------------------------------------------- a log's actors


@dataclass(slots=True)
class Tally:
    """One actor's part in a selection of events."""

    id: str
    as_actor: int = 0
    as_target: int = 0
    first: EventLike | None = None
    last: EventLike | None = None

    def note(self, event: EventLike, *, acted: bool, targeted: bool) -> None:
        self.as_actor += acted
        self.as_target += targeted
        place = sort_key(event)
        if self.first is None or place < sort_key(self.first):
            self.first = event
        if self.last is None or place >= sort_key(self.last):
            self.last = event


def tally(events: Iterable[EventLike]) -> dict[str, Tally]:
    """Every actor of ``events`` (as actor or as target), sorted by id, with its counts and its
    first and last event."""
    found: dict[str, Tally] = {}
    for event in events:
        # as sets: a line may name thousands, and a list's 'in' would read it for each
        actors, targets = set(event.actors), set(event.targets)
        for id_ in dict.fromkeys(event.actors + event.targets):
            entry = found.get(id_)
            if entry is None:
                entry = found[id_] = Tally(id_)
            entry.note(event, acted=id_ in actors, targeted=id_ in targets)
    return dict(sorted(found.items()))


# ---------------------------------------------------------------------------- drift


def _distance(a: str, b: str, most: int) -> int:
    """The Levenshtein distance of ``a`` and ``b``, or ``most + 1`` once it is more."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > most:
            return most + 1
        previous = current
    return previous[-1]


def _deletions(text: str, depth: int) -> set[str]:
    """``text`` with up to ``depth`` characters deleted (the symmetric-delete candidates)."""
    found = {text}
    frontier = {text}
    for _ in range(depth):
        frontier = {s[:i] + s[i + 1 :] for s in frontier for i in range(len(s))}
        found |= frontier
    return found


def _skeleton(actor: str) -> str:
    return re.sub(r"[-/]", "", actor)


def _edits(length: int) -> int:
    """How many edits apart an id this long and another may be and still look like one: one
    per six characters, at most two. 'iran'/'iraq' are two countries; 'defense-minister' and
    'defense-ministry' are one slip apart."""
    return min(2, length // 6)


def allowed_distance(a: str, b: str) -> int:
    """``_edits`` of the shorter id."""
    return _edits(min(len(a), len(b)))


def similar_pairs(actors: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Pairs of ids that are probably one actor written two ways, each once, the earlier of
    ``actors`` first: the same letters with other separators ('belarus-mod', 'belarus/mod'), or
    a few edits apart (``allowed_distance``). An actor and its own parts are never a pair.

    Candidates meet in an index of deletions (symmetric delete), so the cost grows with the
    number of ids, not with its square."""
    order = {actor: n for n, actor in enumerate(dict.fromkeys(actors))}
    seen: set[tuple[str, str]] = set()
    by_skeleton: dict[str, list[str]] = {}
    by_deletion: dict[str, list[str]] = {}
    for actor in order:
        by_skeleton.setdefault(_skeleton(actor), []).append(actor)
        for variant in _deletions(actor, _edits(len(actor))):
            by_deletion.setdefault(variant, []).append(actor)
    for group in (*by_skeleton.values(), *by_deletion.values()):
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                pair = (a, b) if order[a] < order[b] else (b, a)
                if pair in seen or is_part(a, b) or is_part(b, a):
                    continue
                close = _skeleton(a) == _skeleton(b) or (
                    _distance(a, b, allowed_distance(a, b)) <= allowed_distance(a, b)
                )
                if close:
                    seen.add(pair)
                    yield pair
