"""One line's bytes as a JSON object, read strictly (for validation) or leniently (for lookups)."""

from __future__ import annotations

import codecs
import dataclasses
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

from timeline.errors import LineError
from timeline.log.lines import BOM, RawLine
from timeline.text import json_escape


class _DuplicateKeyError(ValueError):
    pass


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKeyError(key)
        obj[key] = value
    return obj


class _Pairs(list[tuple[str, Any]]):
    """An object's keys and values as the text gives them, repeats and all."""


def _repeated_key_path(text: str, key: str) -> str | None:
    """The field path of the object that repeats ``key`` ('extra', 'sources[0]'), read again
    to say it; None for the outer object (or when the text cannot be read again). Objects are
    looked at as the parser closes them, inner ones first: the first found is the one it met."""

    def walk(value: Any, path: str) -> str | None:
        if isinstance(value, _Pairs):
            items = [(f"{path}.{k}" if path else k, item) for k, item in value]
        elif isinstance(value, list):
            items = [(f"{path}[{i}]", item) for i, item in enumerate(value)]
        else:
            return None
        inner = next((p for sub, item in items if (p := walk(item, sub)) is not None), None)
        if inner is not None:
            return inner
        keys = [k for k, _ in value] if isinstance(value, _Pairs) else []
        return path if keys.count(key) > 1 else None

    try:
        return walk(json.loads(text, object_pairs_hook=_Pairs), "") or None
    except (ValueError, RecursionError):
        return None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a log")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


# A \uD800-\uDFFF escape: fine in a pair, but a lone one is text that cannot be written out.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _type_name(value: object) -> str:
    return {
        list: "an array",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def wide_encoding_error(content: bytes, *, source: str, lineno: int) -> LineError | None:
    """The error of a text in UTF-32 or UTF-16, when ``content`` (its start) begins with
    their byte order mark (UTF-32's first: its little-endian mark begins with UTF-16's)."""
    if content.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        wide = "UTF-32"
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        wide = "UTF-16"
    else:
        return None
    return LineError(
        source, lineno, f"{wide} text (it starts with its byte order mark): timeline reads UTF-8 "
        f"(iconv -f {wide} -t UTF-8 converts it)",
    )  # fmt: skip


def decode_json_object(
    content: bytes, *, source: str, lineno: int, starts_log: bool
) -> dict[str, Any]:
    """Decode one line's bytes as a JSON object, or raise a located ``LineError``.

    A UTF-8 BOM is skipped only on the line that ``starts_log``: the first of the whole log.
    """
    if starts_log and content.startswith(BOM):
        content = content[len(BOM) :]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        wide = wide_encoding_error(content, source=source, lineno=lineno) if starts_log else None
        if wide is not None:
            raise wide from None
        raise LineError(
            source,
            lineno,
            f"not valid UTF-8 (byte 0x{content[exc.start]:02x} at column {exc.start + 1})",
        ) from None
    try:
        obj = json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
        )
    except _DuplicateKeyError as exc:
        where = _repeated_key_path(text, exc.args[0])
        raise LineError(source, lineno, f"key {exc.args[0]!r} appears twice", field=where) from None
    except json.JSONDecodeError as exc:
        raise LineError(source, lineno, f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise LineError(source, lineno, "not valid JSON: nested too deeply") from None
    except ValueError as exc:  # NaN/Infinity, or an integer too long to convert
        reason = str(exc)
        if "digits" in reason:  # only Pythons that limit them (3.10.7 on) raise this
            reason = f"a number has more than {sys.get_int_max_str_digits()} digits"
        raise LineError(source, lineno, f"not valid JSON: {reason}") from None
    if not isinstance(obj, dict):
        raise LineError(source, lineno, f"expected a JSON object, got {_type_name(obj)}")
    return obj


LONE_SURROGATE = "a \\u escape makes a lone surrogate, which is not text"


def without_lone_surrogates(
    content: bytes, obj: dict[str, Any]
) -> tuple[dict[str, Any], list[str | None]]:
    """``obj`` (read by ``decode_json_object`` from ``content``) with each lone surrogate in
    its strings and keys written as the escape that made it (``\\ud800``, six characters),
    and the field path of each string, or object holding such a key, that had one (None: a key
    of the line's object), in the order written. No output can encode a lone surrogate, nor
    can pydantic read one everywhere (in a date, say): the copy lets the model judge the
    line's other fields, and what it quotes of one is what the line holds."""
    if not _SURROGATE_ESCAPE.search(content):
        return obj, []
    found: list[str] = []
    cleaned = _escaped_surrogates(obj, "", found)
    return cleaned, [path or None for path in found]


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _escaped_surrogates(value: Any, path: str, found: list[str]) -> Any:
    if isinstance(value, str):
        if _LONE_SURROGATE.search(value) is None:
            return value
        found.append(path)
        return _LONE_SURROGATE.sub(json_escape, value)
    if isinstance(value, list):
        return [_escaped_surrogates(item, f"{path}[{i}]", found) for i, item in enumerate(value)]
    if isinstance(value, dict):
        if any(_LONE_SURROGATE.search(key) for key in value):
            found.append(path)
        cleaned = {}
        for key, item in value.items():
            key = _LONE_SURROGATE.sub(json_escape, key)  # a path holds no lone surrogate either
            cleaned[key] = _escaped_surrogates(item, f"{path}.{key}" if path else key, found)
        return cleaned
    return value


INPUT_LINE_LIMIT = 64 << 20
"""The longest line (or element of a JSON array) an input to ``import`` may have, in bytes:
what one line may make it hold in memory."""

_CHUNK = 1 << 20  # input read at once (bytes, then characters)
_BLANK = re.compile(r"[ \t\n\r]*")
_MARGIN = 16  # an error this near the end of the text read may be a value cut by the chunk


class _Window:
    """A sliding window of decoded text over a stream of byte chunks, with line numbers.

    ``pos`` is where reading goes on; text before it is dropped when more is read, so the
    window holds little more than the value being read (the reason an array of any length is
    read in bounded memory). A byte that is not UTF-8 ends the text; the error is raised when
    reading needs text past it."""

    def __init__(
        self, chunks: Iterable[bytes], *, lineno: int, source: str, noun: str, unread: str
    ) -> None:
        self._chunks = iter(chunks)
        self._noun, self._unread = noun, unread  # for the message of a value too long
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._source = source
        self.text = ""
        self.pos = 0
        self._counted, self._lineno = 0, lineno  # the line at text[_counted]
        self._column = 0  # bytes fed since the last newline, for the UTF-8 error
        self._bad_byte: str | None = None  # what is wrong with the byte that ended the text
        self._error: LineError | None = None  # the same, with its line
        self.ended = False  # no more text will come

    def lineno_at(self, index: int) -> int:
        """The line of ``text[index]`` (``index`` never goes back)."""
        self._lineno += self.text.count("\n", self._counted, index)
        self._counted = index
        return self._lineno

    def more(self, *, limit: int) -> None:
        """Read on: drop the text before ``pos`` and add at least one chunk (as much again as
        is kept, so that a long value is not decoded over and over). A value longer than
        ``limit`` characters is an error at its line."""
        if self.ended:
            if self._error is not None:
                raise self._error
            return
        kept = len(self.text) - self.pos
        if kept > limit:
            self.too_long(limit)
        self.lineno_at(self.pos)
        self.text, self._counted, self.pos = self.text[self.pos :], 0, 0
        wanted, parts = max(_CHUNK, kept), []
        while wanted > 0 and not self.ended:
            parts.append(self._decode(next(self._chunks, None)))
            wanted -= len(parts[-1])
        self.text += "".join(parts)
        if self._bad_byte is not None:  # the text ends before it, on its line
            lineno = self._lineno + self.text.count("\n", self._counted)
            self._error = LineError(self._source, lineno, self._bad_byte)

    def too_long(self, limit: int) -> NoReturn:
        where = self.lineno_at(self.pos)
        message = f"{self._noun} longer than {limit >> 20} MiB: not imported{self._unread}"
        raise LineError(self._source, where, message)

    def _decode(self, chunk: bytes | None) -> str:
        final = chunk is None
        data = b"" if chunk is None else chunk
        try:
            text = self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            pending = len(exc.object) - len(data)  # bytes held back from the chunk before
            good = exc.object[: exc.start]
            newline = good.rfind(b"\n")
            column = exc.start - newline if newline >= 0 else self._column - pending + exc.start + 1
            self._bad_byte = (
                f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at column {column})"
            )
            self.ended = True
            return bytes(good).decode("utf-8")
        newline = data.rfind(b"\n")
        self._column = len(data) - newline - 1 if newline >= 0 else self._column + len(data)
        self.ended = final
        return text

    def skip_blanks(self, *, limit: int) -> str:
        """Skip whitespace; the character after it, or "" at the end."""
        while True:
            self.pos = _BLANK.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return self.text[self.pos]
            if self.ended and self._error is None:
                return ""
            self.more(limit=limit)


# What a syntax error inside an array costs: the parser cannot tell where the next element
# would start, so nothing after it is read (JSON Lines go on at the next line).
_UNREAD = "; the array is not read past it"
_UNREAD_STREAM = "; the input is not read past it"


def split_json_array(
    chunks: Iterable[bytes], *, first_lineno: int, source: str, limit: int = INPUT_LINE_LIMIT
) -> Iterator[RawLine]:
    """The elements of a JSON array, read from ``chunks`` (its bytes, from the '[' on), as
    lines of their own, each numbered by the line it starts on.

    Lets ``import`` take ``[{…}, {…}]`` and still name an input line in every error. The
    array is read a chunk at a time: memory holds one element (at most ``limit`` bytes of
    text), however many there are.
    """
    decoder = json.JSONDecoder()
    window = _Window(chunks, lineno=first_lineno, source=source, noun="an element", unread=_UNREAD)
    if window.skip_blanks(limit=limit) != "[":
        raise LineError(source, window.lineno_at(window.pos), "not valid JSON: expected '['")
    window.pos += 1
    after_comma = False
    while True:
        if window.skip_blanks(limit=limit) == "]":
            if after_comma:  # JSON has no trailing comma
                message = "not valid JSON: ',' before ']' (no element after it)"
                raise LineError(source, window.lineno_at(window.pos), message)
            window.pos += 1
            _only_blanks_after(window, source=source, limit=limit)
            return
        element = _next_value(window, decoder, source=source, limit=limit, unread=_UNREAD)
        yield element
        after = window.skip_blanks(limit=limit)
        after_comma = after == ","
        if after_comma:
            window.pos += 1
        elif after != "]":
            message = f"not valid JSON: expected ',' or ']' after an element{_UNREAD}"
            raise LineError(source, element.lineno, message)


def split_json_values(
    chunks: Iterable[bytes], *, first_lineno: int, source: str, limit: int = INPUT_LINE_LIMIT
) -> Iterator[RawLine]:
    """The JSON values of ``chunks``, one after another with white space between, each as a
    line of its own, numbered by the line it starts on: what ``jq`` writes without ``-c``, or
    a program that prints each object indented (an object over several lines is no JSON
    Lines). Memory holds one value, as for an array."""
    decoder = json.JSONDecoder()
    window = _Window(
        chunks, lineno=first_lineno, source=source, noun="a value", unread=_UNREAD_STREAM
    )
    while window.skip_blanks(limit=limit) != "":
        yield _next_value(window, decoder, source=source, limit=limit, unread=_UNREAD_STREAM)


def _next_value(
    window: _Window, decoder: json.JSONDecoder, *, source: str, limit: int, unread: str
) -> RawLine:
    """The value that starts at ``window.pos``, as a line numbered by the line it starts on;
    ``window.pos`` then just after it. A syntax error is raised, saying ``unread``: where the
    next value would start cannot be told."""
    lineno = window.lineno_at(window.pos)
    while True:
        text, start = window.text, window.pos
        try:
            _, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            cut = exc.msg.startswith("Unterminated string") or exc.pos >= len(text) - _MARGIN
            if cut and not window.ended:  # perhaps only cut short by the chunk: read on
                window.more(limit=limit)
                continue
            if cut:
                window.more(limit=limit)  # raises the UTF-8 error that ended the text
            where = window.lineno_at(exc.pos)
            raise LineError(source, where, f"not valid JSON: {exc.msg}{unread}") from None
        except RecursionError:
            # Too deep for the parser, not wrong: its end is found by its brackets, and the
            # line's own reading says what is wrong with it (the rest is read on).
            closed = _end_of_nested(text, start)
            if closed is None:
                if window.ended:
                    message = f"not valid JSON: nested too deeply, and never closed{unread}"
                    raise LineError(source, lineno, message) from None
                window.more(limit=limit)
                continue
            end = closed
            break
        if end < len(text) - _MARGIN or window.ended:  # a number near the end may go on
            break
        window.more(limit=limit)
    if end - start > limit:
        window.too_long(limit)
    window.pos = end
    return RawLine(lineno, text[start:end].encode("utf-8") + b"\n")


# A string (its closing quote in the group: none when the text ends inside it), or a bracket.
_BRACKET_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*(")?|[\[\]{}]', re.DOTALL)


def _end_of_nested(text: str, start: int) -> int | None:
    """Where the object or list at ``text[start]`` ends, by counting its brackets outside its
    strings; None when ``text`` ends first (inside a string too: a bracket in it is text)."""
    depth = 0
    for token in _BRACKET_OR_STRING.finditer(text, start):
        found = token.group()
        if found[0] == '"':
            if token.group(1) is None:
                return None
        elif found in "[{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return token.end()
    return None


def _only_blanks_after(window: _Window, *, source: str, limit: int) -> None:
    """Refuse text after an array's closing ']' (whitespace is fine)."""
    while True:
        if window.skip_blanks(limit=limit) == "":
            return
        rest = window.text[window.pos :]
        if not rest.isspace():  # other Unicode whitespace is fine too, as str.strip() says
            junk = window.pos + len(rest) - len(rest.lstrip())
            where = window.lineno_at(junk)
            raise LineError(source, where, "not valid JSON: text after the closing ']'")
        window.pos = len(window.text)


def json_objects(
    lines: Iterable[RawLine], *, not_json: Callable[[RawLine], None] | None = None
) -> Iterator[tuple[RawLine, dict[str, Any]]]:
    """The lines that hold a JSON object, read leniently: writers look up ids and references
    in them, and a line that is not even JSON holds neither (each goes to ``not_json``)."""
    for line in lines:
        if line.is_blank:
            continue
        try:
            obj = json.loads(line.content)
        except (ValueError, RecursionError):
            if not_json is not None:
                not_json(line)
            continue
        if isinstance(obj, dict):
            yield line, obj


JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
"""A JSON string, however it escapes: what lies outside these is a line's structure."""
# The string after an "id" key, however the line around it is broken.
# The key either way JSON may spell it: "id", or with its letters as escapes ("\u0069d").
_ID_VALUE = re.compile(rb'"(?:i|\\u0069)(?:d|\\u0064)"\s*:\s*(%s)' % JSON_STRING.pattern)


# Where a value opens an object or a list: after a ':', a ',' or a '[' (white space aside).
# A '{' or '[' elsewhere is text, in a string a lost quote left open ("see {1,", "[update").
_OPENED = re.compile(rb"(?<=[:,\[])[{\[]")
_AFTER_PUNCTUATION = re.compile(rb"(?<=[:,\[])\s+")
_CLOSED = re.compile(rb"[}\]]")


def _opened(text: bytes) -> int:
    """How many objects and lists ``text`` (a stretch of a line that starts and ends outside
    its strings) opens and does not close; strings do not count, nor a bracket that cannot
    open a value."""
    text = _AFTER_PUNCTUATION.sub(b"", JSON_STRING.sub(b'""', text))
    return len(_OPENED.findall(text)) - len(_CLOSED.findall(text))


def named_id(line: RawLine) -> str | None:
    """The id a line names: its object's 'id' when it is a JSON object, else the string after
    the first "id" key that stands in the line's outer object (a line broken by a hand edit,
    say a comma too many or a quote lost in another field, still shows whose event it held;
    an "id" nested in 'extra' is not the event's). None when the bytes show none."""
    objects = list(json_objects([line]))
    if objects:
        return _string_id(objects[0][1])
    content = line.content
    depth, counted = 0, content.find(b"{") + 1  # within the outer object
    for found in _ID_VALUE.finditer(content):
        # counted from the "id" before, each stretch once (a line of many is read in one go)
        depth += _opened(content[counted : found.start()])
        counted = found.start()
        if depth != 0:
            continue  # inside a nested object or a list
        try:
            value = json.loads(found.group(1))
        except ValueError:
            return None
        return value if isinstance(value, str) else None
    return None


def _string_id(obj: dict[str, Any]) -> str | None:
    event_id = obj.get("id")
    return event_id if isinstance(event_id, str) else None


def object_id(line: RawLine) -> str | None:
    """The id of a line that is a JSON object (an event of the log, valid or not, that another
    may answer: ``KnownIds.events``); None for any other line."""
    for _, obj in json_objects([line]):
        return _string_id(obj)
    return None


@dataclass(frozen=True, slots=True)
class KnownIds:
    """The ids of a log, each with its first line: those of its JSON objects (an event may
    answer them), and those that lines which are not valid JSON show (``named_id``): taken
    too, for once the line is mended, the log would hold the id twice."""

    events: dict[str, int] = dataclasses.field(default_factory=dict)
    broken: dict[str, int] = dataclasses.field(default_factory=dict)

    def taken(self, event_id: str, *, name: str) -> str | None:
        """Where the log holds ``event_id`` ('events.jsonl:3'), or None."""
        if event_id in self.events:
            return f"{name}:{self.events[event_id]}"
        if event_id in self.broken:
            return f"{name}:{self.broken[event_id]}, a line that is not valid JSON"
        return None


def known_ids(lines: Iterable[RawLine]) -> KnownIds:
    """The ids a log holds (see ``KnownIds``)."""
    known = KnownIds()

    def note_broken(line: RawLine) -> None:
        broken_id = named_id(line)
        if broken_id is not None:
            known.broken.setdefault(broken_id, line.lineno)

    for line, obj in json_objects(lines, not_json=note_broken):
        event_id = _string_id(obj)
        if event_id is not None:
            known.events.setdefault(event_id, line.lineno)
    return known
