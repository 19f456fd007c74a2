"""The option catalogue: packs shared by the commands that take them, and the typer hook that
converts option values without pydantic."""

from __future__ import annotations

import dataclasses

import typer
import typer.core
from typer.main import get_command
from typer.testing import CliRunner

from timeline.cli import app, converters
from timeline.cli.options import FieldOptions, FilterOptions


def _options(command: str) -> dict[str, tuple[str, ...]]:
    group = get_command(app)
    sub = group.commands[command]  # type: ignore[attr-defined]
    return {p.name: tuple(p.opts) for p in sub.params}


FILTERING_COMMANDS = ["show", "diff"]


def test_every_filtering_command_offers_the_same_filters() -> None:
    """show and diff (and any later command that filters) take every filter, spelled alike."""
    filters = {f.name for f in dataclasses.fields(FilterOptions)}
    offered = [
        {name: opts for name, opts in _options(command).items() if name in filters}
        for command in FILTERING_COMMANDS
    ]
    assert set(offered[0]) == filters
    assert all(other == offered[0] for other in offered[1:])
    assert offered[0]["actor"] == ("--actor", "-a")


def test_add_and_edit_offer_the_same_field_flags() -> None:
    """The event's field flags are declared once and offered by add and edit alike."""
    fields = {f.name for f in dataclasses.fields(FieldOptions)}
    add = {name: opts for name, opts in _options("add").items() if name in fields}
    edit = {name: opts for name, opts in _options("edit").items() if name in fields}
    assert set(add) == fields
    assert add == edit


def test_the_typer_converter_hook_is_ours() -> None:
    """typer.core builds each parameter's converter through ``build_runtime_param``, which the
    CLI replaces. A typer release that renames or stops calling it fails here."""
    assert typer.core.build_runtime_param is converters.runtime_param  # type: ignore[attr-defined]
    probe = typer.Typer()

    @probe.command()
    def count(n: int = typer.Option(0, "--n")) -> None:
        typer.echo(str(n * 2))

    result = CliRunner().invoke(probe, ["--n", "x"])
    assert result.exit_code == 2
    # typer's own converter says "'x' is not a valid integer"; ours says this:
    assert "'x' is not a whole number." in result.stderr
    assert CliRunner().invoke(probe, ["--n", "21"]).stdout == "42\n"
