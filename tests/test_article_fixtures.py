"""Shared fixtures of the article-analysis tests (imported by the other test_article_* files).

The real spaCy pipeline is used (it is small and rules depend on its parses); the stance model is
an untrained tiny BERT, so stance labels are arbitrary and tests check structure, not labels.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stance.article.gazetteer import ActorEntry, ActorGazetteer

GAZETTEER = [
    ActorEntry(id="iran", name="Iran", type="state", aliases=["Iran", "Islamic Republic"], demonyms=["Iranian"],
               capital="Tehran", metonyms=["Tehran"]),
    ActorEntry(id="united-states", name="United States", type="state",
               aliases=["United States", "U.S.", "America"], demonyms=["American", "Americans"],
               capital="Washington", metonyms=["Washington", "White House", "State Department"],
               ambiguous_aliases=["US"]),
    ActorEntry(id="russia", name="Russia", type="state", aliases=["Russia"], demonyms=["Russian"], capital="Moscow",
               metonyms=["Moscow", "Kremlin"]),
    ActorEntry(id="israel", name="Israel", type="state", aliases=["Israel"], demonyms=["Israeli"]),
    ActorEntry(id="isis", name="Islamic State", type="group", aliases=["ISIS", "ISIL", "Daesh", "Islamic State"],
               ambiguous_aliases=["IS"]),
    ActorEntry(id="iaea", name="International Atomic Energy Agency", type="organisation", aliases=["IAEA"]),
]


def same_stances(a, b, tolerance: float = 2e-6) -> bool:
    """Equal stance lists up to float noise: a different batch pads differently, and the 6-decimal
    rounding of a probability can then land on either side of a boundary."""
    probs = {"stance_probs", "sentiment_probs"}
    if [s.model_dump(exclude=probs) for s in a] != [s.model_dump(exclude=probs) for s in b]:
        return False
    return all(abs(getattr(x, task)[k] - getattr(y, task)[k]) <= tolerance
               for x, y in zip(a, b) for task in probs for k in getattr(x, task))


def gazetteer() -> ActorGazetteer:
    return ActorGazetteer(GAZETTEER)


@pytest.fixture(scope="session")
def nlp():
    from stance.article.parsing import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def tiny_model(tiny_bert, tmp_path_factory) -> Path:
    """An untrained stance model directory (tiny BERT encoder, random heads)."""
    from stance.modeling import ModelSpec, build_model

    path = tmp_path_factory.mktemp("tiny-stance") / "model"
    model, tokenizer = build_model(str(tiny_bert), ModelSpec.default("multi", "markers", 64, "tiny"))
    model.save(path, tokenizer)
    return path


@pytest.fixture(scope="session")
def analyzer(tiny_model, nlp):
    from stance.article.analyze import ArticleAnalyzer
    from stance.classifier import StanceClassifier

    return ArticleAnalyzer(StanceClassifier.from_path(tiny_model, bf16=False), gazetteer(), nlp)


def linked(nlp, text: str, entries=GAZETTEER):
    """Parse `text` and link its actors: returns (doc, LinkedActors)."""
    from stance.article.actors import ActorLinker

    doc = nlp(text)
    return doc, ActorLinker(nlp, ActorGazetteer(entries)).link(doc)


def test_the_fixture_gazetteer_has_every_surface_once() -> None:
    table = gazetteer().surface_table()
    assert table["Kremlin"] == ("russia", "metonym")
    assert table["Iranians"] == ("iran", "demonym")  # plural added for a demonym ending in -n
    assert "US" not in table and gazetteer().ambiguous_table()["US"] == "united-states"


def test_the_shipped_gazetteer_loads() -> None:
    shipped = ActorGazetteer.default()
    assert {"iran", "united-states", "russia"} <= set(shipped.actors)
    assert shipped.surface_table()["Kremlin"][0] == "russia"
