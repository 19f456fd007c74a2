"""The actor registry on its own: reading it, resolving names, drift, renaming its tables."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conftest import ev
from timeline.actors import (
    Registry,
    RegistryError,
    _entry_model,
    _Table,
    key,
    parse_registry,
    renamed_registry,
    similar_pairs,
    tally,
)

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "data" / "actors.toml"

SMALL = """\
# comment kept
[belarus]
name = "Belarus"
aliases = ["Minsk", "Беларусь"]

["belarus/president"]   # the head of state
name = "Alexander Lukashenko"
aliases = ["Lukashenko", "Лукашэнка"]
wikidata = "Q1"

[ukraine]
name = "Ukraine"
aliases = ["Kyiv", "Côte d'Ukraine"]
"""


def registry(text: str = SMALL) -> Registry:
    return parse_registry(text.encode(), source="actors.toml")


def refusal(text: str) -> str:
    with pytest.raises(RegistryError) as caught:
        registry(text)
    return str(caught.value)


# ---------------------------------------------------------------------------- reading


def test_the_bundled_registry_names_every_actor_of_the_bundled_log() -> None:
    """data/actors.toml reads cleanly and holds every actor the bundled log names, and the
    names the brief uses resolve to them."""
    import json

    bundled = parse_registry(BUNDLED.read_bytes(), source="actors.toml")
    used = set()
    for line in (REPO / "data" / "events.jsonl").read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        used.update(event["actors"] + event["targets"])
    assert used == set(bundled.actors)
    assert {
        name: bundled.resolve(name)
        for name in ("Lukashenko", "Khrenin", "Minsk", "Kyiv", "Ministry of Foreign Affairs",
                     "PMC Wagner", "Moscow", "CSTO")
    } == {
        "Lukashenko": "belarus/president", "Khrenin": "belarus/defense-minister",
        "Minsk": "belarus", "Kyiv": "ukraine", "Ministry of Foreign Affairs": "ukraine/mfa",
        "PMC Wagner": "wagner", "Moscow": "russia", "CSTO": "csto",
    }  # fmt: skip


def test_tables_keep_their_order_names_and_lines() -> None:
    """Each table becomes an actor with its name, aliases, Wikidata item and header line."""
    reg = registry()
    assert list(reg.actors) == ["belarus", "belarus/president", "ukraine"]
    president = reg.actors["belarus/president"]
    assert (president.name, president.aliases, president.wikidata, president.line) == (
        "Alexander Lukashenko", ("Lukashenko", "Лукашэнка"), "Q1", 6,
    )  # fmt: skip
    assert reg.names["ukraine"] == "Ukraine"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[a]\nname = "A"\n[b]\nname = "B"\naliases = ["a"]\n',
         "actors.toml:5: [b] aliases: 'a' also names 'a': a name or alias can belong to one actor"
         " only"),
        ('[a]\nname = "Minsk"\n[b]\nname = "B"\naliases = ["MINSK"]\n',
         "actors.toml:5: [b] aliases: 'MINSK' also names 'a'"),
        ('[a]\nname = "A"\n[b]\nname = "a"\n', "actors.toml:4: [b] name: 'a' also names 'a'"),
        ('[a]\nname = "A"\nalias = ["x"]\n',
         "actors.toml:3: [a] alias: unknown key: did you mean 'aliases'?"),
        ('[a]\nname = "A"\nextra = 1\n',
         "actors.toml:3: [a] extra: unknown key: the keys are aliases, name, note, wikidata"),
        ('# who\n\n[a]\nname = "A"\n\n  "alias" = ["x"]\n[b]\nalias = 1\n',
         "actors.toml:6: [a] alias: unknown key"),
        ('[a]\nname = "A"\naliases = ["x",\n  5]\n', "actors.toml:3: [a] aliases[1]:"),
        ('[a]\nname = "A"\n[a.x]\n', "actors.toml:1: [a] x: a part's id"),
        ('[a]\naliases = ["x"]\n', "actors.toml:1: [a] name: required field is missing"),
        ('[a]\nname = "A"\nwikidata = "184"\n',
         "actors.toml:3: [a] wikidata: '184' is not a Wikidata item id (Q and digits: Q184)"),
        ('[a]\nname = "A"\naliases = "x"\n', "actors.toml:3: [a] aliases:"),
        ('[a]\nname = "  "\n', "actors.toml:2: [a] name:"),
        ('[a]\nname = "A\\nB"\n', "actors.toml:2: [a] name:"),
        ('[a]\nname = "A"\n[a.b]\nname = "B"\n',
         "actors.toml:1: [a] b: a part's id is one quoted key: [\"a/b\"]"),
        ('# who\n\na = 1\n', "actors.toml:3: 'a' = …: an actor is a table"),
        ('[[b]]\nname = "B"\n', "actors.toml:1: [[b]]: an actor is a table ([b] with name = …)"),
        ('# parts\n[a.b]\nname = "B"\n', "actors.toml:2: [a] b: a part's id is one quoted key"),
        ('["a/b"]\nname = "A"\n\n["a/b"]\nname = "B"\n',
         "actors.toml:4: [\"a/b\"] is declared twice (first on line 1): an actor has one table"),
        ('[Belarus]\nname = "B"\n',
         "actors.toml:1: [Belarus]: not an actor id as the log stores it: write [belarus]"),
        ('[a]\nname = "A"\nname = "B"\n', "actors.toml:3: Cannot overwrite a value"),
        ('[a\nname = "A"\n', "actors.toml:1: "),
    ],
)  # fmt: skip
def test_a_bad_registry_is_one_line_naming_file_line_and_actor(text: str, message: str) -> None:
    """Every way a registry can be wrong is one line: the file, the line where known, the
    actor and the field."""
    found = refusal(text)
    assert found.startswith(message), found
    assert "\n" not in found


def test_a_registry_that_is_not_utf8_is_refused_at_its_line() -> None:
    with pytest.raises(RegistryError, match=r"^actors.toml:2: not valid UTF-8 text$"):
        parse_registry(b'[a]\nname = "\xff"\n', source="actors.toml")


TABLE = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.text(max_size=5), st.integers(), st.just("A\nB")),
        "aliases": st.one_of(st.lists(st.text(max_size=4), max_size=2), st.text(max_size=3)),
        "wikidata": st.one_of(st.just("Q184"), st.just("Q0"), st.text(max_size=3)),
        "note": st.one_of(st.text(max_size=3), st.booleans()),
        "other": st.just(1),
    },
)


@given(TABLE)
@example({"name": "0\n"})  # Python's $ matches before a last newline; Rust's does not
@example({"name": "A", "aliases": ["b\n"]})
@example({"name": "\x1f"})  # white space to Python (str.isspace), not to Rust's regex
def test_the_fast_reader_and_the_model_agree(table: dict[str, object]) -> None:
    """msgspec (every command) and the pydantic model (only to explain) accept the same
    tables, so a table the fast reader refuses always gets an explanation."""
    import msgspec
    from pydantic import ValidationError

    try:
        msgspec.convert(table, _Table)
        fast = True
    except msgspec.ValidationError:
        fast = False
    try:
        _entry_model().model_validate(table)
        model = True
    except ValidationError:
        model = False
    assert fast == model


# ---------------------------------------------------------------------------- resolving


@pytest.mark.parametrize(
    ("typed", "actor"),
    [
        ("belarus/president", "belarus/president"),
        ("Belarus/President", "belarus/president"),
        ("lukashenko", "belarus/president"),
        ("LUKASHENKO", "belarus/president"),
        ("  Alexander   Lukashenko ", "belarus/president"),
        ("alexander  LUKASHENKO", "belarus/president"),  # the README's examples
        ("Lukáshenko", "belarus/president"),
        ("lukašenko", None),  # another spelling: 'š' folds to 's'
        ("лукашэнка", "belarus/president"),
        ("minsk", "belarus"),
        ("беларусь", "belarus"),
        ("cote d'ukraine", "ukraine"),
        ("côte-d-ukraine", "ukraine"),  # as the log would store it
        ("Kyïv", "ukraine"),
        ("Lukashenk", None),
        ("belarus/kgb", None),
    ],
)
def test_an_id_name_or_alias_resolves_in_any_case_and_accents(
    typed: str, actor: str | None
) -> None:
    assert registry().resolve(typed) == actor


def test_suggestions_name_the_nearest_actors() -> None:
    """A near miss names the actor with the label it resembles; a value whose first word is
    an actor names it and its parts."""
    reg = registry()
    assert reg.suggest("Lukashenk") == ["belarus/president (Lukashenko)"]
    assert reg.suggest("Belarus MoD") == ["belarus", "belarus/president"]
    assert reg.suggest("zzz") == []
    assert reg.unknown("Lukashenk") == (
        "'Lukashenk' is not in actors.toml: did you mean belarus/president (Lukashenko)?"
    )


LETTERS = st.characters(
    categories=("Lu", "Ll"),
    # letters whose upper and lower case are one letter each and map back to each other
).filter(lambda c: len(c.upper()) == len(c.lower()) == 1 and c.upper().lower() == c.lower())
MARKS = st.sampled_from([chr(c) for c in range(0x300, 0x370) if c != 0x345])


@given(
    name=st.text(LETTERS, min_size=1, max_size=12),
    flips=st.lists(st.booleans(), min_size=12, max_size=12),
    marks=st.lists(st.one_of(st.none(), MARKS), min_size=12, max_size=12),
)
def test_resolution_is_stable_under_case_and_accents(
    name: str, flips: list[bool], marks: list[str | None]
) -> None:
    """An alias typed in another case, with accents added, or composed, names the same actor."""
    reg = parse_registry(f'[x]\nname = "X"\naliases = ["{name}"]\n'.encode(), source="actors.toml")
    typed = "".join(
        (c.swapcase() if flip else c) + (mark or "")
        for c, flip, mark in zip(name, flips, marks, strict=False)
    )
    assert reg.resolve(typed) == "x"
    assert reg.resolve(unicodedata.normalize("NFC", typed)) == "x"
    assert key(typed) == key(name)


@given(st.lists(st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=6),
                min_size=2, max_size=8))  # fmt: skip
def test_no_alias_ever_resolves_to_two_actors(aliases: list[str]) -> None:
    """Aliases dealt out to two actors: either the registry is refused, or every alias (and
    every way of typing it) resolves to the actor that lists it."""
    import json

    half = len(aliases) // 2
    text = (
        f'[a]\nname = "A-name"\naliases = {json.dumps(aliases[:half])}\n'
        f'[b]\nname = "B-name"\naliases = {json.dumps(aliases[half:])}\n'
    )
    try:
        reg = parse_registry(text.encode(), source="actors.toml")
    except RegistryError as exc:
        assert "also names" in str(exc) or "actors.toml" in str(exc)
        return
    for owner, listed in (("a", aliases[:half]), ("b", aliases[half:])):
        for alias in listed:
            assert reg.resolve(alias) == owner
            assert reg.resolve(alias.upper()) in (owner, None) or key(alias.upper()) != key(alias)


# ---------------------------------------------------------------------------- drift and tally


def test_similar_ids_are_paired_and_others_are_not() -> None:
    """Separators and small typos in long ids pair; short ids a letter apart, and an actor
    and its parts, do not."""
    pairs = list(similar_pairs([
        "belarus/defense-minister", "belarus/defense-ministry", "belarus-mod", "belarus/mod",
        "iran", "iraq", "belarus", "belarus/president", "north-korea", "south-korea", "eu-c",
        "eu/c",
    ]))  # fmt: skip
    assert sorted(pairs) == [
        ("belarus-mod", "belarus/mod"),
        ("belarus/defense-minister", "belarus/defense-ministry"),
        ("eu-c", "eu/c"),
    ]


def test_tally_counts_actors_and_targets_with_first_and_last() -> None:
    base = {"date": "2024-08-10", "title": "T", "type": "accuse",
            "sources": [{"url": "https://example.org/a"}]}  # fmt: skip
    events = [
        ev(base, id="a", actors=["belarus"], targets=["ukraine"]),
        ev(base, id="b", date="2024-08-01", precision="month", actors=["ukraine", "belarus"]),
        ev(base, id="c", date="2024-08-20", actors=["ukraine"], targets=["belarus"]),
    ]
    found = tally(events)
    assert list(found) == ["belarus", "ukraine"]
    belarus = found["belarus"]
    assert (belarus.as_actor, belarus.as_target) == (2, 1)
    assert belarus.first is not None and belarus.first.id == "b"
    assert belarus.last is not None and belarus.last.id == "c"


# ---------------------------------------------------------------------------- renaming tables


@pytest.mark.parametrize(("newline", "bom"), [("\n", ""), ("\r\n", ""), ("\n", "\ufeff")])
def test_renaming_changes_only_the_header_lines(newline: str, bom: str) -> None:
    """The tables of the actor and its parts get new headers; comments, layout, line ends, a
    byte order mark (as Notepad writes one) and every other byte stay."""
    text = bom + SMALL[SMALL.index("[") :] if bom else SMALL  # the mark before a header
    data = text.replace("\n", newline).encode()
    out = renamed_registry(data, old="belarus", new="by", source="actors.toml")
    assert out is not None
    assert out == data.replace(b"[belarus]", b"[by]").replace(
        b'["belarus/president"]', b'["by/president"]'
    )
    assert renamed_registry(data, old="russia", new="x", source="actors.toml") is None


def test_the_tree_hangs_each_part_under_its_whole() -> None:
    """Parts nest to any depth; a whole that no event names is still a node."""
    from timeline.formats import roster

    base = {"date": "2024-08-10", "title": "T", "type": "accuse",
            "sources": [{"url": "https://example.org/a"}]}  # fmt: skip
    events = [ev(base, id="a", actors=["a/b/c", "a/d"], targets=["e"])]
    lines = list(roster.tree(tally(events), registry()).lines)
    assert lines == [
        "a",
        "├── b",
        "│   └── c  (1 as actor, 0 as target, 2024-08-10)",
        "└── d  (1 as actor, 0 as target, 2024-08-10)",
        "e  (0 as actor, 1 as target, 2024-08-10)",
    ]


def test_renaming_onto_a_registered_actor_is_refused() -> None:
    with pytest.raises(RegistryError, match="both \\[belarus\\] and \\[ukraine\\]"):
        renamed_registry(SMALL.encode(), old="belarus", new="ukraine", source="actors.toml")


def test_a_header_inside_a_multiline_string_stops_the_rename() -> None:
    """A line that looks like a header inside a multi-line string is not a table: rewriting it
    would change a note, so the registry is left for a person to edit."""
    text = SMALL + 'note = """\n[belarus]\n"""\n'
    with pytest.raises(RegistryError, match="rename it by hand"):
        renamed_registry(text.encode(), old="belarus", new="by", source="actors.toml")
