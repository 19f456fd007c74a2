"""Every option, declared once: ``Annotated`` aliases, and packs of options that several
commands share (the filters; the event's field flags), each packed by one function.

A command takes a pack as one parameter annotated with the pack's class; ``unpack`` shows typer
the pack's fields as options in its place, and hands the command the filled pack.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import typing
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from timeline.cli.completion import complete_actors, complete_ids
from timeline.cli.logs import DEFAULT_FILE
from timeline.vocab import EventType, Status

if TYPE_CHECKING:
    from timeline.actors import Registry
    from timeline.edits import EventFlags
    from timeline.formats import Format
    from timeline.query import Filter

TYPE_NAMES = ", ".join(t.value for t in EventType)
STATUS_NAMES = ", ".join(s.value for s in Status)


def examples(*commands: str, note: str = "") -> str:
    """A help epilog: an optional note, then example commands kept as written (click's \\b)."""
    lead = f"{note}\n\n" if note else ""
    return lead + "Examples:\n\n\b\n" + "\n".join(f"  {c}" for c in commands)


# ---------------------------------------------------------------------------- common options

_FILE_DEFAULT = "Default: $TIMELINE_FILE (one path), else " + DEFAULT_FILE + "."
FilesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--file",
        "-f",
        metavar="PATH",
        help="The log: a JSONL file, '-' for stdin or git's REV:PATH; repeat it to read several "
        "as one. " + _FILE_DEFAULT,
    ),
]
"""The logs a reading command reads: ``read_logs`` resolves them."""
FileOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--file", "-f", metavar="PATH", help="The log to change: one JSONL file. " + _FILE_DEFAULT
    ),
]
"""The one log a writing command changes: ``write_log`` resolves it (and refuses several)."""


JsonOpt = Annotated[bool, typer.Option("--json", help="Write JSON Lines to stdout, for jq & co.")]
StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help="Treat an invalid line as an error (exit 2), not a warning."),
]
ActorsOpt = Annotated[
    str | None,
    typer.Option(
        "--actors",
        envvar="TIMELINE_ACTORS",
        metavar="FILE",
        help="The actor registry (ids, names, aliases). Default: actors.toml beside the log.",
        show_envvar=True,
    ),
]
NewActorOpt = Annotated[
    bool,
    typer.Option("--new-actor", help="Accept an actor the registry does not know (a new one)."),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        help="The day relative dates ('last week', '3 days ago') count from, and after which "
        "an event is not yet to come (a month or year: its last day). Default: today.",
    ),
]


class FormatChoice(str, enum.Enum):
    """``--format``: a format, or ``auto`` (rich on a terminal, plain elsewhere)."""

    AUTO = "auto"
    RICH = "rich"
    PLAIN = "plain"
    JSON = "json"
    CSV = "csv"
    PARQUET = "parquet"
    MARKDOWN = "markdown"
    TIMELINEJS = "timelinejs"
    ICS = "ics"
    GEOJSON = "geojson"
    ACLED = "acled"
    HTML = "html"

    def to_format(self, *, as_json: bool, terminal: bool) -> Format:
        """The format to write; ``--json`` is ``--format json``."""
        from timeline.errors import InputError
        from timeline.formats import Format

        if as_json and self not in (FormatChoice.AUTO, FormatChoice.JSON):
            raise InputError(f"--json and --format {self.value}: give only one of them")
        if as_json:
            return Format.JSON
        if self is FormatChoice.AUTO:
            return Format.RICH if terminal else Format.PLAIN
        return Format(self.value)


FormatOpt = Annotated[
    FormatChoice,
    typer.Option(
        "--format",
        metavar="FORMAT",
        help=(
            "auto, rich, plain, json, csv, html (a page: see -o), markdown (a brief), "
            "timelinejs (TimelineJS3's JSON), ics (iCalendar), geojson (a map), acled (CSV with "
            "ACLED's columns) or parquet. auto: a timeline on a terminal, plain elsewhere."
        ),
    ),
]


class StatsFormatChoice(str, enum.Enum):
    """``stats --format``: the forms stats has (``formats.STATS``), or ``auto``."""

    AUTO = "auto"
    RICH = "rich"
    PLAIN = "plain"
    JSON = "json"
    CSV = "csv"

    def to_format(self, *, as_json: bool, terminal: bool) -> Format:
        return FormatChoice(self.value).to_format(as_json=as_json, terminal=terminal)


StatsFormatOpt = Annotated[
    StatsFormatChoice,
    typer.Option(
        "--format",
        metavar="FORMAT",
        help="auto, rich, plain, json or csv. auto: a chart on a terminal, plain rows elsewhere.",
    ),
]


# ---------------------------------------------------------------------------- packs of options

P = typing.ParamSpec("P")
R = TypeVar("R")


def unpack(command: Callable[P, R]) -> Callable[P, R]:
    """``command`` with each parameter annotated with a pack (a dataclass of options) shown to
    typer as the pack's fields, in its place; the command receives the pack, filled."""
    signature = inspect.signature(command, eval_str=True)
    parameters: list[inspect.Parameter] = []
    packs: dict[str, tuple[type, list[str]]] = {}
    for parameter in signature.parameters.values():
        pack = parameter.annotation
        if not (isinstance(pack, type) and dataclasses.is_dataclass(pack)):
            parameters.append(parameter)
            continue
        hints = typing.get_type_hints(pack, include_extras=True)
        fields = dataclasses.fields(pack)
        packs[parameter.name] = (pack, [f.name for f in fields])
        parameters.extend(
            inspect.Parameter(f.name, parameter.kind, annotation=hints[f.name], default=f.default)
            for f in fields
        )

    @functools.wraps(command)
    def with_packs(*args: P.args, **kwargs: P.kwargs) -> R:
        for name, (pack, fields) in packs.items():
            kwargs[name] = pack(**{field: kwargs.pop(field) for field in fields})
        return command(*args, **kwargs)

    with_packs.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    with_packs.__annotations__ = {p.name: p.annotation for p in parameters}
    return with_packs


def _words(values: list[str] | None) -> tuple[str, ...]:
    return tuple(values or ())


@dataclasses.dataclass(frozen=True, kw_only=True)
class FilterOptions:
    """The filters of every command that selects events (``show``, ``diff``)."""

    actor: Annotated[
        list[str] | None,
        typer.Option(
            "--actor",
            "-a",
            metavar="ACTOR",
            help="Acted: this actor or a part of it (belarus → belarus/mod).",
            autocompletion=complete_actors,
        ),
    ] = None
    target: Annotated[
        list[str] | None,
        typer.Option("--target", metavar="ACTOR", help="Was targeted: this actor or a part of it."),
    ] = None
    involving: Annotated[
        list[str] | None,
        typer.Option(
            "--involving",
            "-i",
            metavar="ACTOR",
            help="Actor or target: this actor or a part of it.",
            autocompletion=complete_actors,
        ),
    ] = None
    type_: Annotated[
        list[EventType] | None,
        typer.Option(
            "--type", "-t", metavar="TYPE", help="Of this PLOVER type: " + TYPE_NAMES + "."
        ),
    ] = None
    tag: Annotated[list[str] | None, typer.Option("--tag", metavar="TAG", help="Has this tag.")] = (
        None
    )
    status: Annotated[
        list[Status] | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help="Has this stored status: " + STATUS_NAMES + " (a rejected claim shown as disputed "
            "is stored as claimed until edited).",
        ),
    ] = None
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DATE", help="Overlaps this date or later (inclusive)."),
    ] = None
    until: Annotated[
        str | None,
        typer.Option("--until", metavar="DATE", help="Overlaps this date or earlier (inclusive)."),
    ] = None
    text: Annotated[
        list[str] | None,
        typer.Option(
            "--text", metavar="WORDS", help="All these words in title, summary, quotes or tags."
        ),
    ] = None
    id_: Annotated[
        list[str] | None,
        typer.Option("--id", metavar="ID", help="Has this id.", autocompletion=complete_ids),
    ] = None

    def filter(self, *, today: date, registry: Registry | None = None) -> Filter:
        """The filter these options describe; relative dates count back from ``today``; actors
        typed by name or alias are the ids ``registry`` gives them."""
        from timeline.cli.registry import filter_ids
        from timeline.query import user_filter

        return user_filter(
            actors=filter_ids(registry, "--actor", self.actor),
            targets=filter_ids(registry, "--target", self.target),
            involving=filter_ids(registry, "--involving", self.involving),
            types=tuple(self.type_ or ()),
            tags=_words(self.tag), statuses=tuple(self.status or ()), since=self.since,
            until=self.until, texts=_words(self.text), ids=_words(self.id_), today=today,
        )  # fmt: skip


@dataclasses.dataclass(frozen=True, kw_only=True)
class FieldOptions:
    """The event's field flags that ``add`` and ``edit`` share (both also take ``--date``,
    ``--title``, ``--type`` and ``--actor``, which ``add`` requires)."""

    end: Annotated[
        str | None,
        typer.Option("--end", metavar="DATE", help="Last day of an event that spans days."),
    ] = None
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target",
            metavar="ACTOR",
            help="At whom it was aimed; repeat for several (edit: they replace the list).",
            autocompletion=complete_actors,
        ),
    ] = None
    summary: Annotated[
        str | None, typer.Option("--summary", metavar="TEXT", help="A neutral description.")
    ] = None
    status: Annotated[
        Status | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help="reported, claimed, confirmed or disputed (a new event: reported if not given).",
        ),
    ] = None
    responds_to: Annotated[
        list[str] | None,
        typer.Option(
            "--responds-to",
            metavar="ID",
            help="An event this one answers (must exist).",
            autocompletion=complete_ids,
        ),
    ] = None
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            "-s",
            metavar="URL",
            help="A source URL; repeat for several (edit: they replace the list).",
        ),
    ] = None
    publisher: Annotated[
        str | None,
        typer.Option("--publisher", metavar="TEXT", help="The first source's publisher."),
    ] = None
    source_title: Annotated[
        str | None,
        typer.Option("--source-title", metavar="TEXT", help="The first source's title."),
    ] = None
    quote: Annotated[
        str | None,
        typer.Option("--quote", metavar="TEXT", help="The first source's exact words."),
    ] = None
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", metavar="TAG", help="A tag; repeat for several (edit: they replace the list)."
        ),
    ] = None
    location: Annotated[
        str | None, typer.Option("--location", metavar="TEXT", help="Place name.")
    ] = None
    country: Annotated[
        str | None,
        typer.Option("--country", metavar="ISO3", help="ISO 3166-1 alpha-3, e.g. UKR."),
    ] = None
    lat: Annotated[str | None, typer.Option("--lat", metavar="DEG", help="Latitude.")] = None
    lon: Annotated[str | None, typer.Option("--lon", metavar="DEG", help="Longitude.")] = None

    def flags(
        self,
        *,
        when: str | None,
        title: str | None,
        type_: EventType | None,
        actors: list[str] | None,
    ) -> EventFlags:
        """Every field flag of an ``add`` or ``edit``, checked for control characters."""
        from timeline.edits import EventFlags

        flags = EventFlags(
            when=when, end=self.end, title=title, type=type_, actors=actors,
            targets=self.target, summary=self.summary, status=self.status,
            responds_to=self.responds_to, sources=self.source, publisher=self.publisher,
            source_title=self.source_title, quote=self.quote, tags=self.tag,
            location=self.location, country=self.country, lat=self.lat, lon=self.lon,
        )  # fmt: skip
        flags.check_text()
        return flags


StoredJsonOpt = Annotated[bool, typer.Option("--json", help="Print the stored event as JSON.")]
