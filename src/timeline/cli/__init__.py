"""The command line: the only package that imports typer or writes to stdout and stderr."""

from __future__ import annotations

from timeline.cli.app import app, main

__all__ = ["app", "main"]
