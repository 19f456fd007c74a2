"""A deterministic generator of synthetic event logs, valid under timeline's schema.

    python bench/gen.py --events 1000000 --seed 42 --out bench/out/events.jsonl
    python bench/gen.py --events 1000000 --seed 42 --mutate 1 --out bench/out/events-m1.jsonl

The second command writes the *next version* of the first log: the same events, with about 1% of
them changed, removed or joined by a new one, for ``timeline diff``.

Each line is in the canonical form (every key, in schema order, compact, UTF-8 text), written
with ``json.dumps`` directly for speed; the first events are also built through
``timeline.model`` and must come out byte-identical (see :func:`self_check`).

Content: ~50 actors; six families (``belarus``, ``ukraine``, ``russia``, ``united-states``,
``european-union``, ``nato``), each with ``/`` parts, are each among the actors of ~5% of events;
dates over 2015-2024, mostly in file order, at every precision; all 16 PLOVER types; 1-3
sources; titles of 40-120 characters, summaries of 100-400, ~20% of events in Cyrillic.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = [
    "BENCH_ACTOR",
    "BENCH_TYPE",
    "BENCH_WORD",
    "GENERATOR_VERSION",
    "Stats",
    "generate",
    "mutate",
    "self_check",
    "spaced",
    "write_log",
    "write_versions",
]

GENERATOR_VERSION = 1  # bump when the output changes: cached logs are keyed by it
BENCH_ACTOR = "belarus"  # the actor the benchmark filters on; in ~5% of events
BENCH_WORD = "ceasefire"  # an ASCII word for --text
BENCH_TYPE = "protest"  # a PLOVER type for --type (1/16 of events)

FIRST_DAY = datetime.date(2015, 1, 1)
LAST_DAY = datetime.date(2024, 12, 31)
SELF_CHECKED = 200

FAMILIES: tuple[tuple[str, ...], ...] = (
    ("belarus", "belarus/president", "belarus/mod", "belarus/kgb", "belarus/border-committee"),
    ("ukraine", "ukraine/mfa", "ukraine/president", "ukraine/armed-forces", "ukraine/sbu"),
    ("russia", "russia/mod", "russia/mfa", "russia/president", "russia/fsb"),
    ("united-states", "united-states/state-department", "united-states/pentagon"),
    ("european-union", "european-union/commission", "european-union/council"),
    ("nato", "nato/secretary-general"),
)
FAMILY_SHARE = 0.05
TAIL_ACTORS = (
    "poland", "lithuania", "latvia", "estonia", "germany", "france", "united-kingdom", "china",
    "turkey", "iran", "moldova", "georgia", "kazakhstan", "wagner-group",
    "belarusian-opposition", "un", "un/security-council", "iaea", "osce", "red-cross", "hungary",
    "slovakia", "romania", "japan", "israel", "armenia", "western-allies",
)  # fmt: skip
ALL_ACTORS = tuple(a for family in FAMILIES for a in family) + TAIL_ACTORS

TYPES = (
    "agree", "consult", "support", "concede", "cooperate", "aid", "retreat", "request", "accuse",
    "reject", "threaten", "protest", "sanction", "mobilize", "coerce", "assault",
)  # fmt: skip
STATUSES = ("reported", "claimed", "confirmed", "disputed")
STATUS_WEIGHTS = (60, 20, 15, 5)
SOURCE_COUNT_WEIGHTS = (82, 13, 5)
CYRILLIC_SHARE = 0.2
SUMMARY_SHARE = 0.25
QUOTE_SHARE = 0.2
PRECISIONS = ("day", "week", "month", "year")
PRECISION_WEIGHTS = (80, 8, 8, 4)
TAGS = (
    "border", "drills", "nuclear", "refugees", "energy", "grain", "airspace", "drones", "missiles",
    "sanctions", "elections", "protests", "prisoners", "diplomacy", "talks", "humanitarian",
    "cyber", "disinformation", "railways", "exercises", "evacuation", "mobilization", "wagner",
    "zapad", "minsk-agreements", "north", "launchpad", "background", "black-sea", "shelling",
    "mfa-statement", "summit", "arms", "aid-package", "investigation", "embassy", "visa", "trade",
    "pipeline", "occupation",
)  # fmt: skip
PLACES: tuple[tuple[str, str, float | None, float | None], ...] = (
    ("Minsk", "BLR", 53.9045, 27.5615), ("Brest", "BLR", 52.0976, 23.7341),
    ("Gomel", "BLR", 52.4412, 30.9878), ("Mozyr", "BLR", 52.0495, 29.2456),
    ("Hrodna", "BLR", 53.6694, 23.8131), ("Kyiv", "UKR", 50.4501, 30.5234),
    ("Kharkiv", "UKR", 49.9935, 36.2304), ("Lviv", "UKR", 49.8397, 24.0297),
    ("Odesa", "UKR", 46.4825, 30.7233), ("Kherson", "UKR", 46.6354, 32.6169),
    ("Zaporizhzhia", "UKR", 47.8388, 35.1396), ("Chernihiv region", "UKR", None, None),
    ("Moscow", "RUS", 55.7558, 37.6173), ("Belgorod", "RUS", 50.5997, 36.5983),
    ("Kursk", "RUS", 51.7304, 36.1926), ("Warsaw", "POL", 52.2297, 21.0122),
    ("Vilnius", "LTU", 54.6872, 25.2797), ("Riga", "LVA", 56.9496, 24.1052),
    ("Brussels", "BEL", 50.8503, 4.3517), ("Washington", "USA", 38.9072, -77.0369),
    ("Geneva", "CHE", 46.2044, 6.1432), ("Istanbul", "TUR", 41.0082, 28.9784),
    ("Chisinau", "MDA", 47.0105, 28.8638), ("Tbilisi", "GEO", 41.7151, 44.8271),
    ("Beijing", "CHN", 39.9042, 116.4074), ("Polesia", "BLR", None, None),
)  # fmt: skip
PUBLISHERS_LATIN = (
    ("Reuters", "www.reuters.com"), ("Associated Press", "apnews.com"),
    ("BBC News", "www.bbc.com"), ("The Kyiv Independent", "kyivindependent.com"),
    ("Meduza", "meduza.io"), ("Army Recognition", "armyrecognition.com"),
    ("Deutsche Welle", "www.dw.com"), ("Radio Free Europe/Radio Liberty", "www.rferl.org"),
    ("Institute for the Study of War", "www.understandingwar.org"), ("ACLED", "acleddata.com"),
    ("The Guardian", "www.theguardian.com"), ("Al Jazeera", "www.aljazeera.com"),
)  # fmt: skip
PUBLISHERS_CYRILLIC = (
    ("Українська правда", "www.pravda.com.ua"), ("Суспільне", "suspilne.media"),
    ("Наша Ніва", "nashaniva.com"), ("БелТА", "www.belta.by"), ("ТАСС", "tass.ru"),
    ("Интерфакс", "www.interfax.ru"), ("Зеркало", "news.zerkalo.io"),
)  # fmt: skip

_LATIN = """
the a of in on to and for with from by at after over near against about as amid before during
border troops forces army military exercise drills brigade units battalion tanks artillery
missile missiles drone drones strike strikes shelling attack attacks offensive withdrawal
ceasefire truce talks negotiations summit meeting delegation minister ministry president
spokesman spokeswoman official officials government parliament opposition protesters protest
rally arrest arrests detained sentenced court trial prisoners exchange hostages refugees
migrants crossing checkpoint airspace aircraft helicopter fighter jets radar air defence
sanctions embargo export import grain energy gas oil pipeline power plant nuclear reactor
inspectors agency mission observers report reports reported claims claimed denies denied
rejects rejected accuses accused warns warned threatens threatened demands requested calls
urges condemns welcomes agrees agreed signs signed approves announces announced confirms
statement ultimatum memorandum treaty agreement deal package aid assistance humanitarian
convoy corridor evacuation civilians casualties killed wounded damage infrastructure railway
bridge depot airfield base garrison region district city village capital north south east
west northern southern eastern western frontier territory occupied liberated annexed
referendum election vote campaign leader regime allies partners neighbours ambassador embassy
consulate envoy diplomats expelled recalled visa restrictions assets frozen banks companies
cyberattack hackers websites disinformation propaganda broadcast media journalists
investigation evidence satellite images footage witnesses sources according local authorities
security service intelligence counterintelligence sabotage saboteurs railway partisans
mobilization conscripts reservists recruitment volunteers mercenaries group commander
general staff headquarters readiness inspection deployment redeployment buildup positions
fortifications trenches mines minefields sappers patrols surveillance incident incidents
violation violations provocation escalation de-escalation tensions crisis response week month
year new second third large major joint combined snap unannounced planned additional several
dozens hundreds thousands two three four five first last early late overnight daily
"""
_CYRILLIC = """
в на с по из за от до для при после перед против около над под через и а но или что как
граница границе войска армия армии учения бригада батальон танки артиллерия ракеты ракетный
удар удары обстрел атака наступление отвод перемирие переговоры встреча делегация министр
министерство президент пресс-секретарь официальный правительство парламент оппозиция
протест митинг задержания арест суд приговор пленные обмен беженцы самолёт вертолёт
истребители ПВО санкции эмбарго экспорт зерно газ нефть трубопровод электростанция атомная
инспекторы миссия наблюдатели сообщает сообщили заявил заявила отрицает обвинил обвиняет
предупредил угрожает потребовал призвал осудил подписали соглашение договор меморандум
помощь гуманитарная колонна коридор эвакуация мирные жители погибли ранены разрушения
железная дорога мост склад аэродром база гарнизон область район город село столица север
юг восток запад северный южный приграничный территория оккупированный референдум выборы
лидер режим союзники партнёры посол посольство дипломаты высланы визы ограничения активы
банки кибератака хакеры сайты дезинформация пропаганда журналисты расследование спутниковые
снимки видео свидетели источники местные власти спецслужбы разведка диверсия партизаны
мобилизация призывники резервисты добровольцы наёмники командир генштаб готовность проверка
развёртывание позиции укрепления окопы мины патрули инцидент нарушение провокация эскалация
напряжённость кризис ответ неделя месяц год новый второй крупный совместный внезапная
десятки сотни тысячи два три пять первый последний ночью ежедневно прекращение огня
кордон мяжа войскі вучэнні прэзідэнт міністэрства заява абмен палонных кордоні військ
"""
WORDS_LATIN = tuple(_LATIN.split())
WORDS_CYRILLIC = tuple(_CYRILLIC.split())


def _corpus(words: tuple[str, ...], rng: random.Random, n_words: int) -> str:
    """Sentences of random words, each capitalised and ended with a full stop."""
    out: list[str] = []
    while len(out) < n_words:
        sentence = rng.choices(words, k=rng.randint(6, 18))
        sentence[0] = sentence[0][:1].upper() + sentence[0][1:]
        sentence[-1] += "."
        out.extend(sentence)
    return " ".join(out)


_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


@dataclass
class Stats:
    """What a generated log contains, for the report."""

    events: int = 0
    bytes: int = 0
    actor_hits: int = 0  # events whose actors include BENCH_ACTOR or one of its parts
    seconds: float = 0.0

    def note(self, line: str, actors: Iterable[str]) -> None:
        self.events += 1
        self.bytes += len(line.encode("utf-8")) + 1
        prefix = BENCH_ACTOR + "/"
        if any(a == BENCH_ACTOR or a.startswith(prefix) for a in actors):
            self.actor_hits += 1

    def describe(self) -> str:
        rate = self.events / self.seconds if self.seconds else 0.0
        share = self.actor_hits / self.events if self.events else 0.0
        mean = self.bytes / self.events if self.events else 0.0
        return (
            f"{self.events} events, {self.bytes / 1e6:.1f} MB, {mean:.0f} bytes/line on average, "
            f"actor {BENCH_ACTOR!r} in {self.actor_hits} ({share:.2%}), "
            f"{rate:,.0f} events/s"
        )


def _weighted(pairs: Iterable[tuple[Any, int]]) -> tuple[Any, ...]:
    """A pool to draw from uniformly that holds each value as often as its weight."""
    return tuple(value for value, weight in pairs for _ in range(weight))


STATUS_POOL = _weighted(zip(STATUSES, STATUS_WEIGHTS, strict=True))
PRECISION_POOL = _weighted(zip(PRECISIONS, PRECISION_WEIGHTS, strict=True))
SOURCE_COUNT_POOL = _weighted(zip((1, 2, 3), SOURCE_COUNT_WEIGHTS, strict=True))
TARGET_COUNT_POOL = (0, 0, 1, 1, 1, 2)
TAG_COUNT_POOL = (0, 0, 1, 1, 2, 3)


class _Draw:
    """Fast draws from one ``random.Random``: ``random()`` is C, ``randrange`` is Python."""

    __slots__ = ("random",)

    def __init__(self, rng: random.Random) -> None:
        self.random = rng.random

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        """An int in [low, high], denser near ``low`` (texts are more often short than long)."""
        r = self.random()
        return low + int(r * r * (high - low + 1))

    def pick(self, seq: tuple[Any, ...] | list[Any]) -> Any:
        return seq[int(self.random() * len(seq))]

    def some(self, seq: tuple[Any, ...], count_pool: tuple[int, ...]) -> list[Any]:
        """Distinct items of ``seq``, as many as a draw from ``count_pool`` (fewer on repeats)."""
        count = self.pick(count_pool)
        return list(dict.fromkeys(self.pick(seq) for _ in range(count)))


@dataclass
class _Texts:
    """Text of realistic lengths cut from long random corpora: fast and varied."""

    latin: str
    cyrillic: str

    def cut(self, draw: _Draw, cyrillic: bool, low: int, high: int) -> str:
        corpus = self.cyrillic if cyrillic else self.latin
        length = draw.between(low, high)
        start = corpus.find(" ", draw.below(len(corpus) - 2 * high)) + 1
        end = corpus.rfind(" ", start, start + length + 1)
        if end - start < low:  # a long last word: take the next one as well
            end = corpus.find(" ", start + low)
        text = corpus[start:end].rstrip(".")
        return text[:1].upper() + text[1:]


@dataclass
class _Generator:
    """Makes event objects (plain dicts, keys in schema order) one at a time."""

    seed: int
    n: int
    draw: _Draw = field(init=False)
    texts: _Texts = field(init=False)
    paths: tuple[str, ...] = field(init=False)
    recent: list[str] = field(init=False)
    span: int = field(init=False)

    RECENT = 4096

    def __post_init__(self) -> None:
        setup = random.Random(f"timeline-bench-corpus-{self.seed}")
        self.texts = _Texts(
            _corpus(WORDS_LATIN, setup, 120_000), _corpus(WORDS_CYRILLIC, setup, 60_000)
        )
        self.paths = tuple(
            "-".join(setup.choices(WORDS_LATIN, k=setup.randint(2, 3))) + f"-{i}"
            for i in range(20_000)
        )
        self.draw = _Draw(random.Random(self.seed))
        self.recent = []
        self.span = (LAST_DAY - FIRST_DAY).days

    def make_id(self, index: int, day: str, title: str, cyrillic: bool) -> str:
        slug = "" if cyrillic else _SLUG_JUNK.sub("-", title[:40].lower()).strip("-")[:32]
        scrambled = (index * 0x9E3779B1 + self.seed) & 0xFFFFFFFF  # a bijection: ids stay unique
        return f"{day}-{(slug.rstrip('-') or 'event')}-{scrambled:08x}"

    def day(self, index: int) -> datetime.date:
        """Mostly in file order (a log grows by appends), some late additions out of order."""
        draw = self.draw
        if draw.random() < 0.03:
            offset = draw.below(self.span + 1)
        else:
            offset = index * self.span // max(self.n, 1) + draw.below(41) - 20
        return FIRST_DAY + datetime.timedelta(days=min(max(offset, 0), self.span))

    def dates(self, index: int) -> tuple[str, str, str | None]:
        draw = self.draw
        when = self.day(index)
        precision = draw.pick(PRECISION_POOL)
        if precision == "week":
            when -= datetime.timedelta(days=when.weekday())
        elif precision == "month":
            when = when.replace(day=1)
        elif precision == "year":
            when = when.replace(month=1, day=1)
        end = None
        if draw.random() < 0.1:
            end = min(when + datetime.timedelta(days=1 + draw.below(40)), LAST_DAY)
            if end <= when:
                end = None
        return when.isoformat(), precision, None if end is None else end.isoformat()

    def actors(self) -> tuple[list[str], list[str]]:
        draw = self.draw
        actors = [
            family[0] if draw.random() < 0.4 else draw.pick(family[1:])
            for family in FAMILIES
            if draw.random() < FAMILY_SHARE
        ]
        if not actors or (len(actors) < 3 and draw.random() < 0.3):
            actors.append(draw.pick(TAIL_ACTORS))
            if len(actors) == 1 and draw.random() < 0.25:
                actors.append(draw.pick(TAIL_ACTORS))
        actors = list(dict.fromkeys(actors))[:3]
        targets = [a for a in draw.some(ALL_ACTORS, TARGET_COUNT_POOL) if a not in actors]
        return actors, targets

    def source(self, day: str, cyrillic: bool) -> dict[str, Any]:
        draw = self.draw
        publisher, host = draw.pick(PUBLISHERS_CYRILLIC if cyrillic else PUBLISHERS_LATIN)
        title = self.texts.cut(draw, cyrillic, 20, 80) if draw.random() < 0.4 else None
        url = None
        if title is None or draw.random() < 0.95:
            url = f"https://{host}/{day[:4]}/{day[5:7]}/{draw.pick(self.paths)}"
        return {
            "url": url,
            "publisher": publisher if draw.random() < 0.9 else None,
            "title": title,
            "published": day if draw.random() < 0.5 else None,
            "quote": self.texts.cut(draw, cyrillic, 40, 160)
            if draw.random() < QUOTE_SHARE
            else None,
        }

    def location(self) -> dict[str, Any] | None:
        draw = self.draw
        if draw.random() >= 0.4:
            return None
        name, country, lat, lon = draw.pick(PLACES)
        if draw.random() < 0.2:
            lat = lon = None
        return {"name": name, "country": country, "lat": lat, "lon": lon}

    def responds_to(self) -> list[str]:
        draw, recent = self.draw, self.recent
        if not recent or draw.random() >= 0.08:
            return []
        return list(dict.fromkeys(draw.pick(recent) for _ in range(1 + (draw.random() < 0.1))))

    def event(self, index: int) -> dict[str, Any]:
        draw, texts = self.draw, self.texts
        cyrillic = draw.random() < CYRILLIC_SHARE
        day, precision, end = self.dates(index)
        title = texts.cut(draw, cyrillic, 40, 120)
        summary = None
        if draw.random() < SUMMARY_SHARE:
            summary = texts.cut(draw, cyrillic, 100, 400) + "."
        actors, targets = self.actors()
        obj: dict[str, Any] = {
            "id": self.make_id(index, day, title, cyrillic),
            "date": day,
            "precision": precision,
            "end": end,
            "title": title,
            "summary": summary,
            "type": draw.pick(TYPES),
            "actors": actors,
            "targets": targets,
            "status": draw.pick(STATUS_POOL),
            "responds_to": self.responds_to(),
            "location": self.location(),
            "sources": [self.source(day, cyrillic) for _ in range(draw.pick(SOURCE_COUNT_POOL))],
            "tags": draw.some(TAGS, TAG_COUNT_POOL),
            "extra": None
            if draw.random() >= 0.02
            else {"acled_id": draw.below(10**7), "fatalities": draw.below(20)},
        }
        self.remember(obj["id"])
        return obj

    def remember(self, event_id: str) -> None:
        if len(self.recent) < self.RECENT:
            self.recent.append(event_id)
        else:
            self.recent[self.draw.below(self.RECENT)] = event_id


def dumps(obj: dict[str, Any]) -> str:
    """The canonical JSON text of an event object whose keys are in schema order."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def generate(n: int, seed: int, stats: Stats | None = None) -> Iterator[str]:
    """``n`` canonical JSON lines (without newline), the same for the same ``n`` and ``seed``."""
    gen = _Generator(seed, n)
    checked: list[str] = []
    for obj in map(gen.event, range(n)):
        line = dumps(obj)
        if len(checked) < SELF_CHECKED:
            checked.append(line)
            if len(checked) == min(SELF_CHECKED, n):
                self_check(checked)
        if stats is not None:
            stats.note(line, obj["actors"])
        yield line


def _import_model() -> Any:
    """``timeline.model``, from the installed package or else from this checkout's ``src``."""
    try:
        import timeline.model as model
    except ModuleNotFoundError:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
        import timeline.model as model
    return model


def self_check(lines: Iterable[str]) -> None:
    """Each line must be exactly what ``timeline.model`` writes for the event it holds."""
    model = _import_model()
    for number, line in enumerate(lines, 1):
        event = model.Event.model_validate(json.loads(line))
        canonical = model.canonical_json(event)
        if canonical != line:
            raise AssertionError(
                f"generated line {number} is not canonical:\n  ours:      {line}\n"
                f"  canonical: {canonical}"
            )


# ---------------------------------------------------------------------------- another layout


def _shuffled(obj: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    keys = list(obj)
    rng.shuffle(keys)
    return {key: obj[key] for key in keys}


def spaced(lines: Iterable[str], seed: int) -> Iterator[str]:
    """The same events as another program writes them: ``json.dumps`` defaults (``", "`` and
    ``": "``, non-ASCII as ``\\u`` escapes) and every object's keys in a random order.

    ``extra`` keeps its order: it is the user's own object, and a reader must not care anyway.
    """
    rng = random.Random(f"timeline-bench-spaced-{seed}")
    for line in lines:
        obj = json.loads(line)
        obj["sources"] = [_shuffled(source, rng) for source in obj["sources"]]
        if obj["location"] is not None:
            obj["location"] = _shuffled(obj["location"], rng)
        yield json.dumps(_shuffled(obj, rng))


# ---------------------------------------------------------------------------- mutate


def _change(obj: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The same event, edited the ways an analyst edits one."""
    changed = dict(obj)
    what = rng.randrange(5)
    if what == 0:
        changed["status"] = rng.choice([s for s in STATUSES if s != obj["status"]])
    elif what == 1:
        changed["title"] = obj["title"] + " (updated)"
    elif what == 2:
        extra = rng.choice([t for t in TAGS if t not in obj["tags"]])
        changed["tags"] = [*obj["tags"], extra]
    elif what == 3:
        extra = rng.choice([a for a in ALL_ACTORS if a not in obj["actors"] + obj["targets"]])
        changed["targets"] = [*obj["targets"], extra]
    else:
        changed["summary"] = "Corrected: " + (obj["summary"] or obj["title"])
        changed["status"] = "confirmed" if obj["status"] != "confirmed" else "reported"
    return changed


def mutate(lines: Iterable[str], pct: float, seed: int, n: int) -> Iterator[str]:
    """A later version of a log: ``pct``% of its events changed, removed, or followed by new ones.

    ``lines`` are the lines of the log ``generate(n, seed)``; new events get ids no line has.
    """
    rng = random.Random(f"timeline-bench-mutate-{seed}-{pct}")
    fresh = _Generator(seed + 1, n)  # text and dates for added events
    added = 0
    for index, line in enumerate(lines):
        if rng.random() * 100 >= pct:
            yield line
            continue
        kind = rng.random()
        if kind < 0.5:
            yield dumps(_change(json.loads(line), rng))
        elif kind < 0.75:
            continue  # removed
        else:
            yield line
            obj = fresh.event(index)
            obj["id"] = fresh.make_id(n + added, obj["date"], obj["title"], False)
            added += 1
            yield dumps(obj)


def write_log(path: Path, lines: Iterable[str]) -> None:
    """Write lines to ``path`` atomically: a reader never sees half a log."""
    if path.exists() and not path.is_file():
        # /dev/stdout, a FIFO: renaming a file onto it would replace the device or pipe itself
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(line + "\n" for line in lines)
        return
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8", newline="\n") as out:
        out.writelines(line + "\n" for line in lines)
    tmp.replace(path)


def _tee(lines: Iterable[str], out: IO[str]) -> Iterator[str]:
    for line in lines:
        out.write(line + "\n")
        yield line


def write_versions(
    n: int, seed: int, pct: float, old: Path, new: Path, stats: Stats | None = None
) -> None:
    """Write ``generate(n, seed)`` to ``old`` and its mutated next version to ``new``: one pass."""
    tmp = old.with_name(old.name + ".part")
    with open(tmp, "w", encoding="utf-8", newline="\n") as out:
        write_log(new, mutate(_tee(generate(n, seed, stats), out), pct, seed, n))
    tmp.replace(old)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, required=True, metavar="N")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True, metavar="PATH")
    parser.add_argument(
        "--mutate", type=float, metavar="PCT", help="write the next version: PCT%% of events differ"
    )
    parser.add_argument(
        "--spaced", action="store_true", help="json.dumps defaults, keys shuffled (see spaced)"
    )
    args = parser.parse_args(argv)
    stats = Stats()
    started = time.perf_counter()
    lines = generate(args.events, args.seed, stats)
    if args.mutate is not None:
        lines = mutate(lines, args.mutate, args.seed, args.events)
    if args.spaced:
        lines = spaced(lines, args.seed)
    write_log(args.out, lines)
    stats.seconds = time.perf_counter() - started
    what = f"the next version ({args.mutate:g}% of events differ) of " if args.mutate else ""
    print(f"{args.out}: {what}{stats.describe()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
