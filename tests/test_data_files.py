"""Checks of the data files the project owns: the actor gazetteer and the annotated evaluation set.

Light and hermetic: reads the shipped gazetteer, data/actors/un_members.txt and data/evalset/*, nothing else.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from stance.article.gazetteer import DEFAULT_PATH as GAZETTEER
from stance.labels import STANCE_LABELS

ROOT = Path(__file__).resolve().parents[1]
UN_MEMBERS = ROOT / "data" / "actors" / "un_members.txt"
EVALSET_DIR = ROOT / "data" / "evalset"
ARTICLES = EVALSET_DIR / "articles.jsonl"
PART2 = EVALSET_DIR / "part2" / "articles.jsonl"
PART3 = EVALSET_DIR / "part3" / "articles.jsonl"

ACTOR_TYPES = {"state", "organisation", "group"}
REQUIRED_KEYS = ["id", "name", "type", "aliases", "demonyms", "capital", "metonyms"]
NAME_LISTS = ["aliases", "demonyms", "metonyms", "ambiguous_aliases"]
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PERSON_ID_PATTERN = re.compile(r"^person:[a-z0-9]+(-[a-z0-9]+)*$")
# Strings that are also common English words: they may only appear as ambiguous aliases.
COMMON_WORDS = ["US", "IS", "WHO", "AU", "CAR", "Alliance", "Security Council", "Amnesty", "Commonwealth"]


# ---- gazetteer -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def actors() -> list[dict[str, Any]]:
    data = yaml.safe_load(GAZETTEER.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("actors"), list), f"{GAZETTEER}: expected a mapping with an `actors:` list"
    return data["actors"]


def names_of(actor: dict[str, Any]) -> list[str]:
    """Every string an actor claims: aliases, demonyms, metonyms and ambiguous aliases."""
    return [name for key in NAME_LISTS for name in actor.get(key, [])]


def test_gazetteer_entries_follow_the_schema(actors):
    problems = []
    for index, actor in enumerate(actors):
        where = f"actors[{index}] ({actor.get('id', '?')})"
        keys = [key for key in actor if key != "code"]  # `code` (states: required) follows `type`
        if keys[: len(REQUIRED_KEYS)] != REQUIRED_KEYS or set(keys) - set(REQUIRED_KEYS) - {"ambiguous_aliases"}:
            problems.append(f"{where}: keys {keys}, expected {REQUIRED_KEYS} (+ optional ambiguous_aliases)")
            continue
        if (actor["type"] == "state" and "code" not in actor) or ("code" in actor and list(actor).index("code") != 3):
            problems.append(f"{where}: `code` (required for a state, optional for others) goes right after `type` "
                            "(scripts/gazetteer_codes.py)")
        if not ID_PATTERN.match(str(actor["id"])):
            problems.append(f"{where}: id is not lowercase-hyphenated")
        if not isinstance(actor["name"], str) or not actor["name"].strip():
            problems.append(f"{where}: empty name")
        if actor["type"] not in ACTOR_TYPES:
            problems.append(f"{where}: type {actor['type']!r} not in {sorted(ACTOR_TYPES)}")
        for key in NAME_LISTS:
            values = actor.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, str) and v == v.strip() and v for v in values):
                problems.append(f"{where}: {key} must be a list of non-empty, stripped strings")
            elif any(v.startswith(("the ", "The ")) and v != "The Hague" for v in values):
                problems.append(f"{where}: {key} has a name with a leading article: {[v for v in values if v.startswith(('the ', 'The '))]}")
            elif any("’" in v for v in values):
                problems.append(f"{where}: {key} uses the typographic apostrophe; write ASCII '")
        if "ambiguous_aliases" in actor and not actor["ambiguous_aliases"]:
            problems.append(f"{where}: ambiguous_aliases is present but empty; leave the key out")
        if not actor["aliases"]:
            problems.append(f"{where}: no aliases")
        if actor["type"] == "state":
            if not isinstance(actor["capital"], str) or not actor["capital"]:
                problems.append(f"{where}: a state needs a capital")
            elif actor["capital"] not in names_of(actor):
                problems.append(f"{where}: capital {actor['capital']!r} is not among its metonyms, aliases or ambiguous aliases")
        elif actor["capital"] is not None or actor["demonyms"]:
            problems.append(f"{where}: a {actor['type']} has capital: null and demonyms: []")
    assert not problems, "gazetteer schema problems:\n" + "\n".join(problems)


def test_gazetteer_ids_are_unique(actors):
    duplicates = sorted(id_ for id_, count in Counter(a["id"] for a in actors).items() if count > 1)
    assert not duplicates, f"duplicate actor ids in {GAZETTEER.name}: {duplicates}"


def test_every_name_belongs_to_one_actor_and_is_listed_once(actors):
    claims: dict[str, list[str]] = {}
    repeated = []
    for actor in actors:
        names = names_of(actor)
        repeated += [f"{actor['id']}: {name!r}" for name, count in Counter(names).items() if count > 1]
        for name in set(names):
            claims.setdefault(name, []).append(actor["id"])
    shared = {name: ids for name, ids in sorted(claims.items()) if len(ids) > 1}
    assert not shared, f"names claimed by more than one actor (give each to one, or drop it): {shared}"
    assert not repeated, f"names listed twice for the same actor: {sorted(repeated)}"


def test_common_words_are_only_ambiguous_aliases(actors):
    misplaced = sorted(
        f"{actor['id']}.{key}: {word!r}"
        for actor in actors
        for key in ("aliases", "demonyms", "metonyms")
        for word in COMMON_WORDS
        if word in actor[key]
    )
    assert not misplaced, f"common words must go under ambiguous_aliases: {misplaced}"
    ambiguous = {name for actor in actors for name in actor.get("ambiguous_aliases", [])}
    assert {"US", "IS"} <= ambiguous


def test_all_193_un_member_states_are_present(actors):
    lines = [line.strip() for line in UN_MEMBERS.read_text(encoding="utf-8").splitlines()]
    members = [line for line in lines if line and not line.startswith("#")]
    assert len(members) == 193 and len(set(members)) == 193, f"{UN_MEMBERS.name}: expected 193 distinct ids, found {len(set(members))}"
    states = {a["id"] for a in actors if a["type"] == "state"}
    missing = sorted(set(members) - states)
    assert not missing, f"UN member states missing from {GAZETTEER.name} (or not typed state): {missing}"


def test_gazetteer_covers_observers_organisations_and_groups(actors):
    ids = {a["id"] for a in actors}
    assert {"palestine", "holy-see", "taiwan", "kosovo"} <= ids
    counts = Counter(a["type"] for a in actors)
    assert counts["organisation"] >= 40, f"only {counts['organisation']} organisations"
    assert counts["group"] >= 25, f"only {counts['group']} groups"
    by_id = {a["id"]: a for a in actors}
    assert {"U.S.", "USA", "America", "United States"} <= set(by_id["united-states"]["aliases"])
    assert {"Kremlin", "Moscow"} <= set(by_id["russia"]["metonyms"])
    assert {"Daesh", "ISIL", "ISIS"} <= set(by_id["isis"]["aliases"])


# ---- evaluation set --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def articles() -> list[dict[str, Any]]:
    return [json.loads(line) for line in ARTICLES.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def actor_types(actors) -> dict[str, str]:
    return {a["id"]: a["type"] for a in actors}


def test_evalset_size(articles):
    statements = sum(len(a["statements"]) for a in articles)
    assert len(articles) >= 15, f"{ARTICLES.name}: {len(articles)} articles, expected at least 15"
    assert statements >= 150, f"{ARTICLES.name}: {statements} statements, expected at least 150"
    duplicates = sorted(k for k, n in Counter(a["id"] for a in articles).items() if n > 1)
    assert not duplicates, f"duplicate article ids: {duplicates}"


def test_evalset_is_compiled_from_the_sources():
    spec = importlib.util.spec_from_file_location("evalset_compile", EVALSET_DIR / "compile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, "data/evalset's JSONL files differ from their sources: run `python data/evalset/compile.py`"
    rendered = module.render_jsonl(module.compile_sources())
    assert rendered == ARTICLES.read_text(encoding="utf-8"), (
        f"{ARTICLES} differs from data/evalset/source/*.txt: run `python data/evalset/compile.py`"
    )


@pytest.fixture(scope="module")
def part2() -> list[dict[str, Any]]:
    return [json.loads(line) for line in PART2.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_part2_is_a_separate_blind_test_of_speakers(part2, articles, actor_types):
    """data/evalset/part2: at least 12 articles and 150 statements, valid like part 1, split into dev and
    blind halves by article, sharing no article or sentence with part 1."""
    statements = sum(len(a["statements"]) for a in part2)
    assert len(part2) >= 12 and statements >= 150, (len(part2), statements)
    problems = [f"{a['id']}: {p}" for a in part2 for p in check_article(a, actor_types)]
    assert not problems, "part2 has problems:\n" + "\n".join(problems)
    assert {a["split"] for a in part2} == {"dev", "blind"}
    assert {a["id"] for a in part2}.isdisjoint(a["id"] for a in articles)
    sentences = {a["text"][s["start"]:s["end"]] for a in articles for s in a["statements"]}
    shared = [a["text"][s["start"]:s["end"]] for a in part2 for s in a["statements"] if a["text"][s["start"]:s["end"]] in sentences]
    assert not shared, shared


@pytest.fixture(scope="module")
def part3() -> list[dict[str, Any]]:
    return [json.loads(line) for line in PART3.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_part3_is_a_separate_blind_test_of_speakers(part3, part2, articles, actor_types):
    """data/evalset/part3: at least 12 articles and 150 statements, valid like part 1, in dev and blind halves
    by article (odd and even ids), sharing no article or sentence with part 1 or part 2."""
    statements = sum(len(a["statements"]) for a in part3)
    assert len(part3) >= 12 and statements >= 150, (len(part3), statements)
    problems = [f"{a['id']}: {p}" for a in part3 for p in check_article(a, actor_types)]
    assert not problems, "part3 has problems:\n" + "\n".join(problems)
    assert {a["id"]: a["split"] for a in part3 if a["id"] in ("d01", "d02")} == {"d01": "dev", "d02": "blind"}
    blind = [a for a in part3 if a["split"] == "blind"]
    assert len(blind) == 7 and sum(len(a["statements"]) for a in blind) >= 80
    assert {a["id"] for a in part3}.isdisjoint(a["id"] for a in articles + part2)
    sentences = {a["text"][s["start"]:s["end"]] for a in articles + part2 for s in a["statements"]}
    shared = [a["text"][s["start"]:s["end"]] for a in part3 for s in a["statements"] if a["text"][s["start"]:s["end"]] in sentences]
    assert not shared, shared


def check_article(article: dict[str, Any], actor_types: dict[str, str]) -> list[str]:
    """Every problem of one gold article, as readable messages (empty when it is valid)."""
    problems: list[str] = []
    text = article["text"]
    for key in ("id", "title", "source", "url", "licence", "text", "actors", "mentions", "statements", "triples"):
        if key not in article:
            problems.append(f"missing key {key!r}")
    if not article.get("source") or not article.get("licence"):
        problems.append("empty source or licence")

    declared: dict[str, str] = {}
    for actor in article["actors"]:
        if actor["id"] in declared:
            problems.append(f"actor {actor['id']} declared twice")
        declared[actor["id"]] = actor["type"]
        if actor["type"] == "person":
            if not PERSON_ID_PATTERN.match(actor["id"]) or not actor.get("name"):
                problems.append(f"person {actor['id']} needs an id person:<full-name> and a name")
        elif actor_types.get(actor["id"]) != actor["type"]:
            problems.append(f"actor {actor['id']} ({actor['type']}) is not a {actor['type']} in the gazetteer")

    previous_end = 0
    for mention in article["mentions"]:
        start, end = mention["start"], mention["end"]
        if not 0 <= start < end <= len(text) or text[start:end] != mention["text"]:
            problems.append(f"mention {mention} does not match text[{start}:{end}] = {text[start:end]!r}")
        if start < previous_end:
            problems.append(f"mention {mention['text']!r} at {start} overlaps the previous one or is out of order")
        previous_end = max(previous_end, end)
        if mention["actor"] not in declared:
            problems.append(f"mention {mention['text']!r} links to undeclared actor {mention['actor']}")

    statements = article["statements"]
    position = 0
    for index, statement in enumerate(statements):
        start, end = statement["start"], statement["end"]
        gap = text[position:start]
        if start < position or gap.strip():
            problems.append(f"statement {index} starts at {start}; text before it is not covered: {gap!r}")
        if end <= start or text[start:end] != text[start:end].strip():
            problems.append(f"statement {index} [{start}:{end}] is empty or has surrounding whitespace")
        if statement["speaker"] is not None and statement["speaker"] not in declared:
            problems.append(f"statement {index}: undeclared speaker {statement['speaker']}")
        position = max(position, end)
    if text[position:].strip():
        problems.append(f"text after the last statement is not covered: {text[position:]!r}")

    seen = set()
    for triple in article["triples"]:
        index = triple["statement"]
        if not 0 <= index < len(statements):
            problems.append(f"triple {triple}: no statement {index}")
            continue
        statement = statements[index]
        expected_holder = statement["speaker"] or "author"
        in_statement = {m["actor"] for m in article["mentions"] if statement["start"] <= m["start"] and m["end"] <= statement["end"]}
        if triple["holder"] != expected_holder:
            problems.append(f"triple {triple}: holder should be the statement's speaker {expected_holder!r}")
        if triple["target"] == triple["holder"]:
            problems.append(f"triple {triple}: holder == target")
        if triple["target"] not in in_statement:
            problems.append(f"triple {triple}: target is not mentioned in statement {index}")
        if triple["stance"] not in STANCE_LABELS:
            problems.append(f"triple {triple}: stance not in {STANCE_LABELS}")
        key = (index, triple["holder"], triple["target"])
        if key in seen:
            problems.append(f"triple {triple}: duplicate (statement, holder, target)")
        seen.add(key)

    used = {m["actor"] for m in article["mentions"]} | {s["speaker"] for s in statements if s["speaker"]}
    if set(declared) - used:
        problems.append(f"declared but unused actors: {sorted(set(declared) - used)}")
    return problems


def test_every_article_is_consistent(articles, actor_types):
    problems = [f"{article['id']}: {problem}" for article in articles for problem in check_article(article, actor_types)]
    assert not problems, f"{ARTICLES.name} has problems:\n" + "\n".join(problems)


def test_every_mentioned_actor_has_a_triple_from_each_statement(articles, part2, part3):
    # Each statement has one triple per distinct actor mentioned in it, except its holder.
    missing = []
    for article in articles + part2 + part3:
        for index, statement in enumerate(article["statements"]):
            holder = statement["speaker"] or "author"
            mentioned = {m["actor"] for m in article["mentions"] if statement["start"] <= m["start"] and m["end"] <= statement["end"]}
            targets = {t["target"] for t in article["triples"] if t["statement"] == index}
            if mentioned - {holder} != targets:
                missing.append(f"{article['id']} statement {index}: {sorted(mentioned - {holder} - targets)}")
    assert not missing, "statements lacking triples for mentioned actors:\n" + "\n".join(missing)


def test_check_article_reports_broken_offsets(actor_types):
    article = {
        "id": "x", "title": "t", "source": "s", "url": None, "licence": "CC0",
        "text": "Iran condemned Israel.",
        "actors": [{"id": "iran", "type": "state"}, {"id": "israel", "type": "state"}],
        "mentions": [{"start": 0, "end": 4, "text": "Iran", "actor": "iran"}, {"start": 15, "end": 20, "text": "Israel", "actor": "israel"}],
        "statements": [{"start": 0, "end": 22, "speaker": "iran"}],
        "triples": [{"statement": 0, "holder": "iran", "target": "israel", "stance": "hostile"}],
    }
    problems = check_article(article, actor_types)
    assert any("does not match text[15:20]" in p for p in problems)
    assert any("stance not in" in p for p in problems)


def test_every_state_carries_its_iso_3166_code_from_pycountry() -> None:
    """Each gazetteer state's `code` is what pycountry gives for it (scripts/gazetteer_codes.py wrote them;
    Kosovo, which ISO 3166-1 has no code for, XKX), and no two states share one."""
    pytest.importorskip("pycountry")
    import subprocess
    import sys

    from stance.article.codes import NOT_IN_ISO, iso_alpha3
    from stance.article.gazetteer import ActorGazetteer

    states = [e for e in ActorGazetteer.default().actors.values() if e.type == "state"]
    assert len(states) >= 193  # the UN member states, and observers and states with partial recognition
    wrong = {e.id: (e.code, iso_alpha3(e)) for e in states if e.code != iso_alpha3(e)}
    assert not wrong, f"codes differ from pycountry's: {wrong}; run scripts/gazetteer_codes.py"
    assert len({e.code for e in states}) == len(states)
    assert {e.id: e.code for e in states if e.id in NOT_IN_ISO} == NOT_IN_ISO
    check = subprocess.run([sys.executable, str(ROOT / "scripts/gazetteer_codes.py"), "--check"], capture_output=True)
    assert check.returncode == 0, check.stderr.decode()


CORPUS_DIR = Path(__file__).resolve().parents[1] / "data" / "corpus"


def test_the_corpus_is_compiled_dated_and_public_domain() -> None:
    spec = importlib.util.spec_from_file_location("corpus_compile", CORPUS_DIR / "compile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, "data/corpus/articles.jsonl differs from its sources: run compile.py"
    articles = [json.loads(line) for line in (CORPUS_DIR / "articles.jsonl").read_text().splitlines()]
    assert len(articles) >= 80 and len({a["id"] for a in articles}) == len(articles)
    assert all(re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", a["date"]) for a in articles)
    assert len({a["date"][:4] for a in articles}) >= 6
    assert all(a["url"].startswith(("http://", "https://")) and a["text"].strip() for a in articles)
    assert all("public domain" in a["licence"] and "17 U.S.C. § 105" in a["licence"] for a in articles)
    assert {a["source"] for a in articles} <= {"The White House", "U.S. Department of State",
                                               "U.S. Department of the Treasury", "Voice of America"}
    evalset_urls = {json.loads(line)["url"] for path in EVALSET_DIR.rglob("articles.jsonl")
                    for line in path.read_text().splitlines()}
    assert not evalset_urls & {a["url"] for a in articles}
