"""What a format makes: lines of text, lines of bytes, or a rich renderable. The CLI prints it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from timeline.text import visible

if TYPE_CHECKING:
    from rich.console import RenderableType


@dataclass(frozen=True, slots=True)
class TextLines:
    """Lines of text, each to be written with a newline; ``notes`` are for the person who ran
    the command, not for the output (the CLI says them on stderr): what a format left out.
    They are complete once the lines have been read, so that a format may count as it writes."""

    lines: Iterable[str]
    notes: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class ByteLines:
    """Lines of bytes (UTF-8 already), each to be written with a newline; ``write_to``, when
    given, writes them all (newlines too) to an open file, faster than one by one."""

    lines: Iterable[bytes]
    write_to: Callable[[int], None] | None = None

    @classmethod
    def of(cls, lines: Iterable[bytes]) -> ByteLines:
        """``lines``, with their own ``write_to`` when they have one (``selection.KeptLines``)."""
        return cls(lines, lines.write_to if isinstance(lines, WritableLines) else None)


@runtime_checkable
class WritableLines(Protocol):
    """Lines that can also write themselves, all at once, to an open file."""

    def __iter__(self) -> Iterator[bytes]: ...

    def write_to(self, out_fd: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rich renderable for a terminal; ``soft_wrap`` keeps long lines whole where the output
    is not a terminal (a pipe, a file), and wraps them on one."""

    renderable: RenderableType | Any  # Any: rich is not imported to name it at run time
    soft_wrap: bool = False


@dataclass(frozen=True, slots=True)
class FileWriter:
    """A binary file that the format writes itself, to the path it is given (the CLI's
    temporary file for ``-o``, or one it copies to a standard output that is not a terminal)."""

    write: Callable[[Path], None]


Output = TextLines | ByteLines | Rendered | FileWriter


@dataclass(frozen=True, slots=True)
class About:
    """What a published selection is, for the formats that say so on their first page: the
    title the user gave (``--title``), the log it came from, the filters that chose it (as
    words: ``("actor belarus", "since 2024-08-01")``) and when it was made; and the display
    name of each actor the registry names (the views show them in place of ids)."""

    title: str | None = None
    source: str = ""
    filters: tuple[str, ...] = ()
    since: date | None = None  # the window of dates the filters chose the events from
    until: date | None = None
    generated: datetime | None = None
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def heading(self) -> str:
        """The title (one of only spaces is none), else one made from the selection:
        "Timeline: actor belarus"."""
        if self.title and not self.title.isspace():
            # as every view shows a text: visible (a tab is \x09), then without spaces around
            return visible(self.title, keep_newlines=True).strip()
        return "Timeline: " + ", ".join(self.filters) if self.filters else "Timeline"
