"""One line's bytes as a JSON object, read strictly (for validation) or leniently (for lookups)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from timeline.errors import LineError
from timeline.log.lines import BOM, RawLine


class _DuplicateKeyError(ValueError):
    pass


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKeyError(key)
        obj[key] = value
    return obj


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
        raise LineError(source, lineno, f"key {exc.args[0]!r} appears twice") from None
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
    if _SURROGATE_ESCAPE.search(content):
        where = _lone_surrogate(obj, "")
        if where is not None:
            message = "a \\u escape makes a lone surrogate, which is not text"
            raise LineError(source, lineno, message, field=where or None)
    return obj


def _lone_surrogate(value: Any, path: str) -> str | None:
    """The field path of the first string (or key) holding a lone surrogate, else None."""
    if isinstance(value, str):
        return path if any("\ud800" <= ch <= "\udfff" for ch in value) else None
    if isinstance(value, list):
        items = ((f"{path}[{i}]", item) for i, item in enumerate(value))
    elif isinstance(value, dict):
        items = ((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
        for key in value:
            if _lone_surrogate(key, path) is not None:
                return path
    else:
        return None
    for where, item in items:
        found = _lone_surrogate(item, where)
        if found is not None:
            return found
    return None


def split_json_array(data: bytes, *, first_lineno: int, source: str) -> Iterator[RawLine]:
    """The elements of a JSON array as lines of their own, each numbered by the line it starts on.

    Lets ``import`` take ``[{…}, {…}]`` and still name an input line in every error.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LineError(source, first_lineno, f"not valid UTF-8 (at byte {exc.start})") from None
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    lineno = first_lineno
    counted = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos < len(text) and text[pos] == "]":
            rest = text[pos + 1 :]
            if rest.strip():
                junk = pos + 1 + (len(rest) - len(rest.lstrip()))
                where = lineno + text.count("\n", counted, junk)
                raise LineError(source, where, "not valid JSON: text after the closing ']'")
            return
        lineno += text.count("\n", counted, pos)
        counted = pos
        try:
            _, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise LineError(
                source, exc.lineno + first_lineno - 1, f"not valid JSON: {exc.msg}"
            ) from None
        except RecursionError:
            raise LineError(source, lineno, "not valid JSON: nested too deeply") from None
        yield RawLine(lineno, text[pos:end].encode("utf-8") + b"\n")
        pos = end
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos >= len(text) or text[pos] != "]":
            raise LineError(source, lineno, "not valid JSON: expected ',' or ']' after an element")


def json_objects(lines: Iterable[RawLine]) -> Iterator[tuple[RawLine, dict[str, Any]]]:
    """The lines that hold a JSON object, read leniently: writers look up ids and references
    in them, and a line that is not even JSON holds neither."""
    for line in lines:
        if line.is_blank:
            continue
        try:
            obj = json.loads(line.content)
        except (ValueError, RecursionError):
            continue
        if isinstance(obj, dict):
            yield line, obj
