"""The views of check's problems: compiler-style text lines and JSON records."""

from __future__ import annotations

import json as json_module

from timeline.check import Problem, Severity
from timeline.formats import json, plain

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def test_problem_text_formats() -> None:
    """plain.problem_text is 'file:line: [warning: ][field: ]message', as a compiler writes it."""
    assert plain.problem_text(Problem(7, ERROR, "bad date", "date"), "events.jsonl") == (
        "events.jsonl:7: date: bad date"
    )
    assert (
        plain.problem_text(Problem(2, ERROR, "not valid JSON"), "log.jsonl")
        == "log.jsonl:2: not valid JSON"
    )
    assert plain.problem_text(Problem(9, WARNING, "last line has no newline"), "<stdin>") == (
        "<stdin>:9: warning: last line has no newline"
    )
    assert plain.problem_text(Problem(3, WARNING, "mark it", "status"), "e.jsonl") == (
        "e.jsonl:3: warning: status: mark it"
    )


def test_problem_record_format() -> None:
    """json.problem_record is the --json record: file, line, severity, field (or null), message."""
    assert json.problem_record(Problem(4, WARNING, "last line has no newline"), "events.jsonl") == {
        "file": "events.jsonl",
        "line": 4,
        "severity": "warning",
        "field": None,
        "message": "last line has no newline",
    }
    assert json_module.loads(
        json_module.dumps(json.problem_record(Problem(1, ERROR, "m", "id"), "x"))
    ) == {
        "file": "x",
        "line": 1,
        "severity": "error",
        "field": "id",
        "message": "m",
    }
