"""The project's stance dataset (data/stance_news): compiled from its sources, split by source with no
statement shared between splits or with the evaluation set, and balanced.

Light and hermetic: reads data/stance_news/*, data/evalset/articles.jsonl and the shipped gazetteer.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from stance.labels import STANCE_LABELS

ROOT = Path(__file__).resolve().parents[1]
SET_DIR = ROOT / "data" / "stance_news"
EVALSET = ROOT / "data" / "evalset" / "articles.jsonl"


def _compiler():
    spec = importlib.util.spec_from_file_location("stance_news_compile", SET_DIR / "compile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _normal(text: str) -> str:
    """A statement compared across splits: case, punctuation and spacing do not make it new."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@pytest.fixture(scope="module")
def examples() -> list[dict]:
    return _compiler().compile_examples()


def test_size_and_label_balance(examples):
    assert len(examples) >= 4000
    counts = Counter(e["stance"] for e in examples)
    assert set(counts) == set(STANCE_LABELS)
    for label in STANCE_LABELS:
        assert counts[label] / len(examples) >= 0.25, (label, counts)


def test_every_split_has_every_label(examples):
    for split in ("train", "dev", "test"):
        counts = Counter(e["stance"] for e in examples if e["split"] == split)
        assert all(counts[label] >= 50 for label in STANCE_LABELS), (split, counts)


def test_no_statement_is_shared_between_splits(examples):
    split_of: dict[str, set[str]] = {}
    for e in examples:
        split_of.setdefault(_normal(e["text"]), set()).add(e["split"])
    shared = [text for text, splits in split_of.items() if len(splits) > 1]
    assert not shared, f"{len(shared)} statements in more than one split, e.g. {shared[:3]}"


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _normal(text).split()
    return {tuple(words[i : i + 4]) for i in range(max(1, len(words) - 3))}


def test_no_near_duplicate_crosses_a_split(examples):
    """A dev or test statement shares under 30% of its word 4-grams with any train statement."""
    split_of = {e["text"]: e["split"] for e in examples}
    shingles = {text: _shingles(text) for text in split_of}
    index: dict[tuple[str, ...], set[str]] = {}
    for text, grams in shingles.items():
        if split_of[text] == "train":
            for gram in grams:
                index.setdefault(gram, set()).add(text)
    close = []
    for text, grams in shingles.items():
        if split_of[text] == "train":
            continue
        for other, shared in Counter(t for gram in grams for t in index.get(gram, ())).items():
            if shared / len(grams | shingles[other]) >= 0.3:
                close.append((text, other))
    assert not close, f"{len(close)} dev/test statements nearly repeat a train statement, e.g. {close[:2]}"


def test_no_statement_is_shared_with_the_evaluation_set(examples):
    evalset = set()
    for line in EVALSET.read_text(encoding="utf-8").splitlines():
        article = json.loads(line)
        evalset |= {_normal(article["text"][s["start"] : s["end"]]) for s in article["statements"]}
    shared = sorted({_normal(e["text"]) for e in examples} & evalset)
    assert not shared, f"statements also in data/evalset: {shared[:3]}"


def test_spans_point_at_the_names(examples):
    for e in examples:
        start, end = e["target_span"]
        assert 0 <= start < end <= len(e["text"]), e["id"]
        if e["holder"] == "author":
            assert e["holder_name"] is None and e["holder_span"] is None, e["id"]
        else:
            assert e["holder_name"], e["id"]
        assert e["holder"] != e["target"], e["id"]


def test_sources_state_their_licence(examples):
    assert all(re.fullmatch(r"[fpw]\d+", e["source_id"]) for e in examples), "source ids: f/p/w + digits (compile.py)"
    for e in examples:
        if e["source_id"].startswith("f"):
            assert "public domain" in e["licence"] and e["url"], e["id"]
        else:
            assert e["licence"].startswith("CC0"), e["id"]


def test_splits_cover_the_sources_exactly():
    splits = json.loads((SET_DIR / "splits.json").read_text(encoding="utf-8"))
    listed = [source for ids in splits.values() for source in ids]
    assert len(listed) == len(set(listed))
    present = {p.stem for p in (SET_DIR / "source").glob("*.txt")}
    assert present <= set(listed)


def test_a_bad_source_line_names_the_fix(tmp_path):
    source = tmp_path / "x01.txt"
    source.write_text(
        "id: x01\ntitle: t\nsource: s\nurl:\nlicence: CC0 1.0\n---\n"
        "iran | [[Iran|iran]] praised [[China|china]]. || china=supportive\n",
        encoding="utf-8",
    )
    with pytest.raises(Exception, match=r"x01.txt:7: bad stance 'china=supportive'; expected target=one of"):
        _compiler().check_file(source)


def test_construction_tags():
    compiler = _compiler()
    entry = {"type": "state", "metonyms": ["Kremlin"], "capital": "Moscow", "demonyms": ["Russian"]}
    tags = compiler.construction_tags(
        "Kyiv said it would never accept talks unless the Kremlin withdrew.", "ukraine", "Kremlin", entry,
        {"russia": "against", "nato": "neutral"},
    )
    assert {"negation", "conditional", "reported_speech", "multi_target_contrast", "metonym", "state"} <= set(tags)
    assert "question" not in tags and "demonym" not in tags and "first_party_author" not in tags
    first_party = compiler.construction_tags("We condemn the Kremlin.", "author", "Kremlin", entry, {"russia": "against"}, True)
    assert "first_party_author" in first_party


def test_the_reader_builds_items_as_article_analysis_does(examples):
    from training.datasets import reader

    read = reader("stance_news")(SET_DIR).examples
    assert len(read) == len(examples)
    by_id = {e.id.removeprefix("stance_news:"): e for e in read}
    for row in examples[:200]:
        example = by_id[row["id"]]
        assert example.task == "stance" and example.label == row["stance"] and example.split == row["split"]
        assert example.text[slice(*example.target_span)] == row["text"][slice(*row["target_span"])]
        if row["holder"] == "author":
            assert example.holder is None and example.holder_span is None
        else:
            assert example.holder == row["holder_name"]
