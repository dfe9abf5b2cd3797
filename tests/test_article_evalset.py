"""The evaluation-set scorer on a hand-made gold article and hand-made system outputs."""

from __future__ import annotations

import json

import pytest

from stance.article.evalset import DEFAULT_PATH, GoldArticle, actor_map, read_evalset, score
from stance.article.schema import ActorOut, ArticleAnalysis, MentionOut, StanceOut, StatementOut
from stance.errors import InputError

TEXT = "Antony Blinken said Iran must stop. Russia disagreed."
GOLD = {
    "id": "g1", "text": TEXT,
    "actors": [{"id": "person:antony-blinken", "type": "person", "name": "Antony Blinken"},
               {"id": "iran", "type": "state"}, {"id": "russia", "type": "state"}],
    "mentions": [{"start": 0, "end": 14, "text": "Antony Blinken", "actor": "person:antony-blinken"},
                 {"start": 20, "end": 24, "text": "Iran", "actor": "iran"},
                 {"start": 36, "end": 42, "text": "Russia", "actor": "russia"}],
    "statements": [{"start": 0, "end": 35, "speaker": "person:antony-blinken"}, {"start": 36, "end": 52, "speaker": None}],
    "triples": [{"statement": 0, "holder": "person:antony-blinken", "target": "iran", "stance": "against"},
                {"statement": 1, "holder": "author", "target": "russia", "stance": "neutral"}],
}


def system(person_id: str = "person:blinken", person_name: str = "Blinken", iran_stance: str = "against",
           second_speaker: str | None = None) -> ArticleAnalysis:
    probs = {"against": 0.2, "neutral": 0.6, "favor": 0.2}
    stance = lambda i, holder, target, start, label: StanceOut(  # noqa: E731
        statement=i, holder=holder, target=target, target_start=start, target_end=start + 4, stance=label,
        stance_probs=probs, sentiment="neutral", sentiment_probs=probs)
    return ArticleAnalysis(
        length=len(TEXT),
        actors=[ActorOut(id=person_id, name=person_name, type="person", source="ner", mentions=1),
                ActorOut(id="iran", name="Iran", type="state", source="gazetteer", mentions=1),
                ActorOut(id="russia", name="Russia", type="state", source="gazetteer", mentions=1)],
        mentions=[MentionOut(start=7, end=14, text="Blinken", actor=person_id, kind="person"),
                  MentionOut(start=20, end=24, text="Iran", actor="iran", kind="name")],
        statements=[StatementOut(index=0, start=0, end=35, text=TEXT[:35], quoted=False, quotes=[], speaker=person_id,
                                 attribution="reporting_verb"),
                    StatementOut(index=1, start=36, end=52, text=TEXT[36:], quoted=False, quotes=[],
                                 speaker=second_speaker, attribution="author")],
        stances=[stance(0, person_id, "iran", 20, iran_stance), stance(1, second_speaker or "author", "russia", 36, "neutral")],
        pairs=[], targets=[],
    )


def test_a_person_found_by_surname_maps_to_the_gold_person() -> None:
    gold = GoldArticle.model_validate(GOLD)
    assert actor_map(gold, system())["person:blinken"] == "person:antony-blinken"
    assert "person:hunter" not in actor_map(gold, system("person:hunter", "Hunter"))


def test_perfect_and_imperfect_outputs() -> None:
    gold = [GoldArticle.model_validate(GOLD)]
    perfect = score(gold, [system()])
    assert perfect["mention_recall"] == pytest.approx(2 / 3, abs=1e-4)  # "Russia" was missed
    assert perfect["linking_accuracy"] == 1.0 and perfect["speaker_accuracy"] == 1.0
    assert perfect["triples"]["f1"] == 1.0
    wrong = score(gold, [system(iran_stance="favor", second_speaker="iran")])
    assert wrong["speaker_accuracy"] == 0.5
    assert wrong["triples"]["hits"] == 0 and wrong["holder_target_pairs"]["hits"] == 1
    assert wrong["triples_polar"]["gold"] == 1


def test_a_bad_line_is_named(tmp_path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(GOLD) + "\n" + json.dumps({"id": "x"}) + "\n")
    with pytest.raises(InputError, match=r"gold.jsonl, line 2: not a valid gold article \(text: Field required"):
        read_evalset(path)
    with pytest.raises(InputError, match="does not exist"):
        read_evalset(tmp_path / "missing.jsonl")


def test_the_shipped_evaluation_set_is_readable() -> None:
    if not DEFAULT_PATH.exists():
        pytest.skip("data/evalset/articles.jsonl not written yet")
    articles = read_evalset(DEFAULT_PATH)
    assert articles and all(a.text[m.start : m.end] == m.text for a in articles for m in a.mentions)
