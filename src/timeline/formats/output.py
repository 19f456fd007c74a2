"""What a format makes: lines of text, lines of bytes, or a rich renderable. The CLI prints it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import RenderableType


@dataclass(frozen=True, slots=True)
class TextLines:
    """Lines of text, each to be written with a newline; ``notes`` are for the person who ran
    the command, not for the output (the CLI says them on stderr): what a format left out."""

    lines: Iterable[str]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ByteLines:
    """Lines of bytes (UTF-8 already), each to be written with a newline."""

    lines: Iterable[bytes]


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rich renderable for a terminal; ``soft_wrap`` keeps long lines whole."""

    renderable: RenderableType | Any  # Any: rich is not imported to name it at run time
    soft_wrap: bool = False


Output = TextLines | ByteLines | Rendered


@dataclass(frozen=True, slots=True)
class About:
    """What a published selection is, for the formats that say so on their first page: the
    title the user gave (``--title``), the log it came from, the filters that chose it (as
    words: ``("actor belarus", "since 2024-08-01")``) and when it was made."""

    title: str | None = None
    source: str = ""
    filters: tuple[str, ...] = ()
    generated: datetime | None = None

    @property
    def heading(self) -> str:
        """The title, else one made from the selection: "Timeline: actor belarus"."""
        if self.title:
            return self.title
        return "Timeline: " + ", ".join(self.filters) if self.filters else "Timeline"
