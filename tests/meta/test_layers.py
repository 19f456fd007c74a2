"""The layers contract (``lint-imports``, configured in pyproject.toml) catches what it is for:
an import that points up, typer or rich outside the modules allowed them, an import circle."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

BREAKS = {
    # the store must not know the query (the old store -> query import)
    "log-imports-query": ("log/scan.py", "from timeline.query import Filter\n"),
    "core-imports-typer": ("query.py", "import typer\n"),
    "core-imports-rich": ("diff.py", "import rich.text\n"),
    "formats-import-typer": ("formats/plain.py", "import typer\n"),
    "formats-import-cli": ("formats/json.py", "from timeline.cli import output\n"),
    "circle-in-log": ("log/lines.py", "from timeline.log import files\n"),
}


def lint_imports(src: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    shutil.copyfile(REPO / "pyproject.toml", cwd / "pyproject.toml")
    return subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()",
         "--no-cache"],
        cwd=cwd, env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    """A copy of src/timeline to break."""
    shutil.copytree(REPO / "src" / "timeline", tmp_path / "src" / "timeline")
    return tmp_path


def test_the_contracts_are_kept(source_copy: Path) -> None:
    """The tree as it is keeps every contract."""
    done = lint_imports(source_copy / "src", source_copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_each_break_of_the_layout_is_caught(source_copy: Path, case: str) -> None:
    """One import against the layout, added to a copy of the tree, breaks a contract."""
    module, line = BREAKS[case]
    path = source_copy / "src" / "timeline" / module
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition("from __future__ import annotations\n")
    path.write_text(head + "from __future__ import annotations\n" + line + rest, encoding="utf-8")
    done = lint_imports(source_copy / "src", source_copy)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BROKEN" in done.stdout
