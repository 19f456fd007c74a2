"""Option values converted without pydantic: a patch on typer's one converter factory.

Typer 0.29 builds a pydantic TypeAdapter for every parameter of a command on every run, which
costs about 80 ms before any work (importing pydantic and building ~20 adapters): more than
reading the bundled log. ``install`` replaces typer's factory by one that converts the kinds of
parameter this CLI has (text, flags, choices, whole numbers, numbers) itself, and hands any
other kind to typer. The factory is internal to typer, so typer is pinned to 0.29.x, and
``tests/cli/test_converters.py`` fails when a release moves it.
"""

from __future__ import annotations

import difflib
import enum
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import typer
import typer.core
from typer._coercion import RuntimeParam  # private: see the module's docstring
from typer._coercion import build_runtime_param as typer_runtime_param

from timeline.text import short_repr
from timeline.userinput import number


def _plain_converter(annotation: Any, info: Any) -> Callable[[str], Any] | None:
    """How to turn one command-line word into a value of ``annotation``, for the kinds of
    parameter this CLI has; None for any other kind, which typer converts itself."""
    if annotation is str:
        return str
    if annotation is bool:
        return _flag
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _choice(tuple(annotation))
    if annotation is float:
        return number
    if annotation is int and info.max is None:
        least = info.min
        return lambda word: _whole_number(word, least=least)
    return None


def _choice(choices: tuple[enum.Enum, ...]) -> Callable[[str], Any]:
    """A member of an enum, by its value in any case; a near miss gets a suggestion."""
    by_word = {str(choice.value).casefold(): choice for choice in choices}

    def convert(word: str) -> enum.Enum:
        folded = word.strip().casefold()
        if folded in by_word:
            return by_word[folded]
        close = _closest(folded, list(by_word))
        if close:
            raise ValueError(f"{short_repr(word)} is not a choice: did you mean {close!r}?")
        listed = ", ".join(repr(value) for value in by_word)
        raise ValueError(f"{short_repr(word)} is not one of {listed}.")

    return convert


def _closest(word: str, choices: list[str]) -> str | None:
    """The choice a mistyped ``word`` most likely means: one that shares its first four letters
    ('accusation': 'accuse'), else one spelled almost alike ('mobilise': 'mobilize')."""
    shared = [(_shared_start(word, c), c) for c in choices]
    longest, choice = max(shared)
    if longest >= min(4, len(word)) and longest > 0:
        return choice
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
    return close[0] if close else None


def _shared_start(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


_FLAG_WORDS = {"1": True, "true": True, "t": True, "yes": True, "y": True, "on": True}
_FLAG_WORDS |= {"0": False, "false": False, "f": False, "no": False, "n": False, "off": False}


def _flag(word: str | bool) -> bool:
    if isinstance(word, bool):
        return word
    try:
        return _FLAG_WORDS[word.strip().lower()]
    except KeyError:
        raise ValueError(f"{short_repr(word)} is not a valid boolean.") from None


def _whole_number(word: str, *, least: int | None) -> int:
    try:
        whole = int(word)
    except ValueError:
        raise ValueError(f"{short_repr(word)} is not a whole number.") from None
    if least is not None and whole < least:
        raise ValueError(f"{short_repr(word)} is less than {least}.")
    return whole


@dataclass(frozen=True)
class PlainParam(RuntimeParam):
    """Converts a parameter's words without pydantic."""

    convert: Callable[[str], Any] = str
    many: bool = False  # a list: convert each word

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            if self.many:
                return [v if isinstance(v, enum.Enum) else self.convert(v) for v in value]
            return value if isinstance(value, enum.Enum) else self.convert(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), ctx=ctx, param=param) from None


def runtime_param(descriptor: Any) -> RuntimeParam:
    """Typer's factory of parameter converters, with ``PlainParam`` for the kinds of parameter
    that ``_plain_converter`` knows."""
    annotation, info = descriptor.annotation, descriptor.parameter_info
    many = descriptor.is_list
    if many:
        (annotation,) = typing.get_args(annotation)
    convert = _plain_converter(annotation, info)
    if convert is None or descriptor.file_annotation is not None or info.parser is not None:
        return typer_runtime_param(descriptor)
    return PlainParam(
        parameter_info=info, annotation=descriptor.annotation, convert=convert, many=many
    )


_typer_argument_type = typer.core.TyperArgument.display_type_rich


def _argument_type(self: typer.core.TyperArgument, ctx: Any) -> str | None:
    """The type typer prints after an argument in --help (``ID <list[str]>``): not for an
    argument whose metavar already says what it is."""
    return None if self.metavar is not None else _typer_argument_type(self, ctx)


def install() -> None:
    """Make typer build every parameter's converter (help options too) through ``runtime_param``,
    and print no Python type after a named argument in --help."""
    typer.core.build_runtime_param = runtime_param  # type: ignore[attr-defined]
    typer.core.TyperArgument.display_type_rich = _argument_type  # type: ignore[method-assign,assignment]
