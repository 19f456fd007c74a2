"""The ``timeline`` command: the Typer app, its root options, and its table of contents.

Heavy modules (pydantic, rich, dateutil) are imported inside the commands that need them, so
``--help`` and ``--version`` start fast.
"""

from __future__ import annotations

import gc
import sys
from typing import Annotated, NoReturn

import typer

from timeline import __version__
from timeline.cli import converters
from timeline.cli.commands import (
    actors,
    add,
    check,
    diff,
    edit,
    import_,
    rm,
    schema,
    show,
    stats,
)
from timeline.cli.exits import EXIT_OK, ExitGroup, run

converters.install()

app = typer.Typer(
    cls=ExitGroup,
    name="timeline",
    help=(
        "Keep a sourced, dated log of events in a plain JSON Lines file, and filter, add, "
        "import, diff, check and show it.\n\n"
        "The log is --file, else $TIMELINE_FILE, else data/events.jsonl. "
        "Exit codes: 0 success, 1 found something (diff: differences, check: problems, "
        "import --skip-invalid: skipped lines), 2 error, 130 interrupted."
    ),
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"timeline {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Keep a sourced, dated log of events in a plain JSON Lines file."""
    if ctx.invoked_subcommand is None:
        sys.stdout.write(ctx.get_help() + "\n")
        raise typer.Exit(EXIT_OK)


# The table of contents: one line per command, in the order --help lists them.
app.command(epilog=show.EXAMPLES)(show.show)
app.command(epilog=add.EXAMPLES)(add.add)
app.command(epilog=edit.EXAMPLES)(edit.edit)
app.command(epilog=rm.EXAMPLES)(rm.rm)
app.command(name="import", epilog=import_.EXAMPLES)(import_.import_)
app.command(epilog=diff.EXAMPLES)(diff.diff)
app.command(epilog=check.EXAMPLES)(check.check)
app.add_typer(actors.app)  # actors, and actors rename
app.command(epilog=schema.EXAMPLES)(schema.schema)
app.command(epilog=stats.EXAMPLES)(stats.stats)


def main() -> NoReturn:
    """Entry point of the ``timeline`` command and of ``python -m timeline``."""
    # A short-lived process whose data hold no reference cycles: the cyclic collector would only
    # rescan the millions of live objects a large log makes (about 15% of a full read).
    gc.disable()
    run(app)
