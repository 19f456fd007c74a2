"""The one family of errors the core raises; only ``cli`` turns them into messages and exits."""

from __future__ import annotations


class TimelineError(Exception):
    """Base of every error the core raises on purpose; ``str(err)`` is the one-line message."""


class DateParseError(TimelineError, ValueError):
    """Raised when a date typed by the user cannot be read, is ambiguous or contradicts itself."""


class LineError(TimelineError):
    """Raised when a line of a log is not a valid event; names the file, the line and each field."""

    def __init__(self, source: str, lineno: int, message: str, *, field: str | None = None) -> None:
        self.source = source
        self.lineno = lineno
        self.problems: list[tuple[str | None, str]] = [(field, message)]
        super().__init__(self._text())

    @classmethod
    def from_problems(
        cls, source: str, lineno: int, problems: list[tuple[str | None, str]]
    ) -> LineError:
        """One error for a line with several bad fields (at least one)."""
        field, message = problems[0]
        err = cls(source, lineno, message, field=field)
        err.problems = list(problems)
        err.args = (err._text(),)
        return err

    def __reduce__(self) -> tuple[object, tuple[str, int, list[tuple[str | None, str]]]]:
        # Rebuilt from its parts, as a forked worker sends it back: ``args`` holds its text,
        # not the arguments of its constructor.
        return (type(self).from_problems, (self.source, self.lineno, self.problems))

    def messages(self) -> list[str]:
        """One ``file:line: field: message`` line per problem. A field named by the line itself
        (an unknown key may hold a newline or ESC) is made visible, so each stays one line."""
        from timeline.text import visible

        where = f"{self.source}:{self.lineno}: "
        return [
            f"{where}{visible(field)}: {msg}" if field else f"{where}{msg}"
            for field, msg in self.problems
        ]

    def _text(self) -> str:
        return "; ".join(self.messages())


class LogReadError(TimelineError):
    """Raised when a log cannot be opened or read at all (missing, a directory, unreadable)."""


class LogWriteError(TimelineError):
    """Raised when a log cannot be written (read-only, missing folder, lock failure)."""


class ConflictError(TimelineError):
    """Raised when a change contradicts the log: an id that exists already, or a missing target."""


class InputError(TimelineError):
    """Raised when a value given on the command line is not acceptable (bad actor id, bad field)."""


class OutputError(TimelineError):
    """Raised when the output cannot be written (a full disk, a failing device)."""
