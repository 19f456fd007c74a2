"""Every shell recipe of the README runs as printed.

Each ```console block (``$ `` commands, each followed by what it prints) and each ```sh block
(commands alone) is a recipe, run with bash in a folder of its own that holds a copy of the
repository's ``data/``, with ``timeline`` (this Python's) first on PATH. An HTML comment on the
line before a block says what the block needs:

- ``<!-- not a recipe: REASON -->``: the block is not run, for the reason given (installing the
  package, an hour-long benchmark);
- ``<!-- recipe: OPTIONS -->``, with any of:
  ``terminal`` the command runs on a terminal (a pseudo-terminal, 100 columns, ``NO_COLOR``), as
  the README says its output was shown; ``continues`` it runs in the folder of the recipe before,
  whose changes it follows from; ``git`` the folder is a git repository with ``data/``
  committed, as a clone is; ``files=A,B`` files from ``tests/readme/`` are copied in first;
  ``varies=REGEX`` what the regex matches may differ (a random id suffix, the time a file was
  made: the README says so where it prints it); ``needs=TOOL,python:MODULE`` a tool that is not
  a dependency of the project, whose absence skips the recipe and says why.

A printed line ``…`` stands for any lines (the README says where output is trimmed). A command
that exits with a status other than 0 must be followed by ``$ echo $?``, which prints it. What a
command prints on stdout and on stderr is compared in the order each stream has, interleaved in
any way (a pipeline's two streams reach a terminal in no fixed order).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import on_a_terminal

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
FILES = REPO / "tests" / "readme"
WIDTH = 100

_FENCE = re.compile(r"^```(console|sh)\s*$")
_MARK = re.compile(r"^<!-- (recipe|not a recipe):(.*?)-->\s*$")


@dataclass
class Command:
    text: str  # as typed, continuation lines included
    printed: list[str]


@dataclass
class Recipe:
    line: int  # of the opening fence
    kind: str  # console or sh
    body: list[str]
    options: dict[str, str] = field(default_factory=dict)
    skipped: str | None = None  # "not a recipe": why

    @property
    def name(self) -> str:
        return f"README.md:{self.line}"

    def commands(self) -> list[Command]:
        """The block's commands, each with the lines it prints (a console block)."""
        if self.kind == "sh":
            return [Command("\n".join(self.body), [])]
        commands: list[Command] = []
        lines = iter(self.body)
        for line in lines:
            if line.startswith("$ "):
                text = [line[2:]]
                while text[-1].endswith("\\"):
                    text.append(next(lines))
                commands.append(Command("\n".join(text), []))
            else:
                assert commands, f"{self.name}: output before the first '$ ' command"
                commands[-1].printed.append(line)
        for command in commands:
            while command.printed and not command.printed[-1]:
                command.printed.pop()  # a blank line between two commands is not output
        return commands


def recipes() -> list[Recipe]:
    found: list[Recipe] = []
    lines = README.read_text(encoding="utf-8").splitlines()
    at = 0
    while at < len(lines):
        fence = _FENCE.match(lines[at])
        if not fence:
            at += 1
            continue
        end = lines.index("```", at + 1)
        recipe = Recipe(at + 1, fence.group(1), lines[at + 1 : end])
        mark = _MARK.match(lines[at - 1]) if at else None
        if mark and mark.group(1) == "not a recipe":
            recipe.skipped = mark.group(2).strip()
        elif mark:
            for word in shlex.split(mark.group(2)):
                key, _, value = word.partition("=")
                recipe.options[key] = value
        found.append(recipe)
        at = end + 1
    return found


RECIPES = recipes()


def test_the_readme_has_recipes_and_each_one_not_run_says_why() -> None:
    assert len([r for r in RECIPES if r.skipped is None]) >= 20
    for recipe in RECIPES:
        assert recipe.skipped != "", f"{recipe.name}: 'not a recipe' without a reason"
        unknown = set(recipe.options) - {"terminal", "continues", "git", "files", "varies", "needs"}
        assert not unknown, f"{recipe.name}: unknown options {unknown}"


def _missing(recipe: Recipe) -> str | None:
    """Why a recipe cannot run here: a tool it needs that is not installed."""
    needs = [n for n in recipe.options.get("needs", "").split(",") if n]
    if re.search(r"\bjq\b", "\n".join(recipe.body)):
        needs.append("jq")
    if "git" in recipe.options:
        needs.append("git")
    for need in needs:
        if need.startswith("python:"):
            if importlib.util.find_spec(need.removeprefix("python:")) is None:
                return f"Python's {need.removeprefix('python:')} is not installed"
        elif shutil.which(need) is None:
            return f"{need} is not installed"
    return None


@functools.cache
def _bin(tmp: Path) -> Path:
    """A folder with ``timeline`` and ``python``: this interpreter, whatever PATH holds."""
    folder = tmp / "bin"
    folder.mkdir()
    for name, line in (("timeline", "-m timeline"), ("python", "")):
        script = folder / name
        script.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {line} "$@"\n')
        script.chmod(0o755)
    return folder


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIMELINE_", "FORCE_"))}
    env.update(
        PATH=f"{_bin(tmp)}{os.pathsep}{env.get('PATH', '')}", COLUMNS=str(WIDTH), LINES="50",
        TERM="dumb", NO_COLOR="1", PAGER="", LC_ALL="C.UTF-8", TZ="UTC",
    )  # fmt: skip
    env.pop("TTY_COMPATIBLE", None)
    env.pop("TTY_INTERACTIVE", None)
    return env


def _folder(recipe: Recipe, tmp: Path) -> Path:
    """A new folder for a recipe: a copy of data/, and the files and git it asks for."""
    folder = tmp / f"recipe-{recipe.line}"
    if True:
        folder.mkdir()
        shutil.copytree(REPO / "data", folder / "data")
        for name in filter(None, recipe.options.get("files", "").split(",")):
            shutil.copyfile(FILES / name, folder / name)
        if "git" in recipe.options:
            git = ["git", "-c", "user.name=README", "-c", "user.email=readme@example.org"]
            for args in (["init", "-q"], ["add", "data"], ["commit", "-qm", "as cloned"]):
                subprocess.run([*git, *args], cwd=folder, check=True, capture_output=True)
    return folder


def _run_on_a_terminal(text: str, folder: Path, env: dict[str, str]) -> tuple[int, list[str]]:
    """``text`` run by bash on a pseudo-terminal: its exit status, and what the terminal shows."""
    env = {**env, "COLUMNS": str(WIDTH), "LINES": "50"}
    argv = ["bash", "-o", "pipefail", "-c", text]
    status, shown = on_a_terminal(argv, env=env, cwd=folder, timeout=120)
    return status, _lines(shown)


def _run(
    text: str, folder: Path, env: dict[str, str], last: int, *, errexit: bool
) -> tuple[int, list[str], list[str]]:
    """``text`` run by bash: its exit status, stdout and stderr. ``last`` is the status of the
    command before (what ``echo $?`` prints); with ``errexit``, the first failing command ends
    the script (a sh block)."""
    script = f"(exit {last})\n{text}\n" if not errexit else f"set -e\n{text}\n"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", script], cwd=folder, env=env, capture_output=True,
        timeout=120, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    out, err = (_lines(s.decode("utf-8", "replace")) for s in (done.stdout, done.stderr))
    return done.returncode, out, err


def _lines(text: str) -> list[str]:
    """The lines of ``text``, without the trailing blank ones; a line's CR (the ics format's
    CRLF) is not compared, since a README cannot show it."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _shows(printed: list[str], out: list[str], err: list[str], varies: str | None) -> bool:
    """Whether ``printed`` is ``out`` and ``err`` interleaved, each in its order (a printed
    ``…`` line stands for any lines; what ``varies`` matches is not compared)."""
    if varies:
        pattern = re.compile(varies)
        printed, out, err = (
            [pattern.sub("<varies>", s) for s in part] for part in (printed, out, err)
        )

    @functools.cache
    def match(i: int, j: int, k: int) -> bool:
        if i == len(printed):
            return j == len(out) and k == len(err)
        line = printed[i]
        if line.strip() == "…":
            return (
                match(i + 1, j, k)
                or (j < len(out) and match(i, j + 1, k))
                or (k < len(err) and match(i, j, k + 1))
            )
        return (j < len(out) and out[j] == line and match(i + 1, j + 1, k)) or (
            k < len(err) and err[k] == line and match(i + 1, j, k + 1)
        )

    return match(0, 0, 0)


@pytest.mark.slow
@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.name)
def test_the_recipe_runs_as_printed(
    recipe: Recipe, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if recipe.skipped is not None:
        pytest.skip(f"not a recipe: {recipe.skipped}")
    missing = _missing(recipe)
    if missing:
        pytest.skip(f"{recipe.name}: {missing}")
    tmp = tmp_path_factory.getbasetemp() / "readme"
    tmp.mkdir(exist_ok=True)
    _play(recipe, tmp)


_played: dict[tuple[Path, int], Path] = {}


def _play(recipe: Recipe, tmp: Path) -> Path:
    """Run ``recipe`` (once a session: a recipe that ``continues`` plays the one before first,
    if it has not run) and check what it prints; the folder it ran in."""
    if (tmp, recipe.line) in _played:
        return _played[tmp, recipe.line]
    if "continues" in recipe.options:
        folder = _play(RECIPES[RECIPES.index(recipe) - 1], tmp)
    else:
        folder = _folder(recipe, tmp)
    env = _env(tmp)
    commands = recipe.commands()
    varies = recipe.options.get("varies")
    status = 0
    for number, command in enumerate(commands):
        where = f"{recipe.name}: $ {command.text}"
        if "terminal" in recipe.options:
            status, out = _run_on_a_terminal(command.text, folder, env)
            err: list[str] = []
        else:
            status, out, err = _run(command.text, folder, env, status, errexit=recipe.kind == "sh")
        if recipe.kind == "console" and not _shows(command.printed, out, err, varies):
            pytest.fail(
                f"{where}\nprinted in the README:\n" + "\n".join(command.printed)
                + "\n\nstdout:\n" + "\n".join(out) + "\n\nstderr:\n" + "\n".join(err),
                pytrace=False,
            )  # fmt: skip
        if status != 0:
            shown_next = number + 1 < len(commands) and commands[number + 1].text == "echo $?"
            if not shown_next:
                message = f"{where}\nexit status {status}, not shown by '$ echo $?'\n"
                pytest.fail(message + "\n".join(err), pytrace=False)
    _played[tmp, recipe.line] = folder
    return folder
