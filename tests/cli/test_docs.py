"""The README stays true to the CLI: every command is documented, every exit code listed."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from timeline.cli import app
from timeline.cli.exits import EXIT_ERROR, EXIT_FOUND, EXIT_INTERRUPTED, EXIT_OK

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _commands() -> set[str]:
    group = typer.main.get_command(app)
    return set(group.commands)  # type: ignore[attr-defined]


def test_every_command_has_a_readme_section() -> None:
    """Each command of the CLI has its own '### `timeline NAME …`' section, and no section
    describes a command that does not exist."""
    documented = set(re.findall(r"^### `timeline (\w+)", README, flags=re.MULTILINE))
    assert documented == _commands()


def test_every_command_has_an_example_in_the_readme() -> None:
    """Each command appears in at least one shell example ('$ timeline NAME')."""
    shown = set(re.findall(r"^\$ timeline (\w+)", README, flags=re.MULTILINE))
    assert _commands() <= shown


def test_the_exit_code_table_lists_the_codes_the_cli_uses() -> None:
    """The README's exit-code table lists exactly 0, 1, 2 and 130."""
    table = re.findall(r"^\| (\d+) \|", README, flags=re.MULTILINE)
    expected = {EXIT_OK, EXIT_FOUND, EXIT_ERROR, EXIT_INTERRUPTED}
    assert sorted(int(code) for code in table) == sorted(expected)


def _github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped (hyphens and
    underscores kept), each space a hyphen."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_every_link_within_the_readme_leads_to_a_heading() -> None:
    """'(#anchor)' links (the contents line, cross-references) name headings that exist,
    outside code blocks (a Markdown brief shown as an example has headings of its own)."""
    headings, fenced = [], False
    for line in README.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            headings.append(_github_anchor(line.lstrip("#")))
    links = re.findall(r"\]\(#([^)]+)\)", README)
    assert links, "the README links within itself"
    assert sorted(set(links) - set(headings)) == []
