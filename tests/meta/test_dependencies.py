"""Code imports only what pyproject.toml declares: the package its dependencies, the tests
those and the ``test`` extra. A package that happens to be installed (``click`` came with
typer once, and with import-linter now) must not hide a missing install step."""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OURS = {"timeline", "conftest", "strategies", "gen"}  # gen: bench/gen.py, the log generator


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[ ;<>=!~\[]", requirement, maxsplit=1)[0]).lower()


def _declared(*, extras: tuple[str, ...]) -> set[str]:
    """The dependencies, and those of the named extras."""
    names = set()
    for requirement in importlib.metadata.requires("timeline") or []:
        marker = re.search(r'extra == "([^"]+)"', requirement)
        if marker is None or marker.group(1) in extras:
            names.add(_name(requirement))
    return names


def _optional_extras() -> tuple[str, ...]:
    """The extras a user installs for a feature (``parquet``), not the developers' ``test`` and
    ``bench``."""
    provided = importlib.metadata.metadata("timeline").get_all("Provides-Extra") or []
    return tuple(extra for extra in provided if extra not in ("test", "bench"))


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


# tomllib: Python's from 3.11; actors.py imports it only there (tomli before)
STANDARD = set(sys.stdlib_module_names) | {"tomllib"}


def _providers() -> dict[str, list[str]]:
    """The distributions that provide each top-level module. Before Python 3.11,
    ``packages_distributions`` reads only top_level.txt, which a wheel not built by setuptools
    lacks (pydantic's, typer's): there, each distribution's list of files says it too."""
    providers = {
        module: list(d) for module, d in importlib.metadata.packages_distributions().items()
    }
    if sys.version_info < (3, 11):
        for dist in importlib.metadata.distributions():
            for file in dist.files or ():
                top = file.parts[0] if len(file.parts) > 1 else inspect.getmodulename(file.name)
                if top and not top.endswith((".dist-info", ".data")):
                    providers.setdefault(top, []).append(dist.metadata["Name"])
    return providers


def _undeclared(paths: list[Path], declared: set[str]) -> list[str]:
    providers = _providers()
    found = []
    for path in paths:
        for module in sorted(_imported(path) - OURS - STANDARD):
            dists = {_name(d) for d in providers.get(module, [])}
            if not dists & declared:
                found.append(f"{path.name}: {module} ({', '.join(dists) or 'not installed'})")
    return found


def test_the_package_imports_only_its_dependencies() -> None:
    """Every module of src/ imports the standard library, itself, a declared dependency, or the
    package of an optional extra (which it imports only where the feature is used, and names
    the extra when it is missing: see formats/parquet.py)."""
    paths = sorted((REPO / "src").rglob("*.py"))
    assert _undeclared(paths, _declared(extras=_optional_extras())) == []


def test_the_tests_import_only_declared_packages() -> None:
    """Every test module imports what the package or its ``test`` extra declares."""
    paths = sorted((REPO / "tests").rglob("*.py"))
    assert _undeclared(paths, _declared(extras=("test",))) == []


def test_the_check_sees_an_undeclared_import(tmp_path: Path) -> None:
    """``import click`` (installed here only as a dependency of a dependency) is named."""
    pytest.importorskip("click")
    module = tmp_path / "uses_click.py"
    module.write_text("from click.testing import Result\n", encoding="utf-8")
    (found,) = _undeclared([module], _declared(extras=("test",)))
    assert found.startswith("uses_click.py: click")
