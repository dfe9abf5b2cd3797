"""analyze_article end to end (real spaCy, tiny untrained stance model) and hostile inputs."""

from __future__ import annotations

import pytest

from stance.article import AnalyzeRequest, analyze_article, analyze_articles
from stance.article.analyze import analyze_batches
from stance.article.gazetteer import ActorEntry
from stance.article.rollup import roll_up
from stance.article.schema import StanceOut, StatementOut
from stance.errors import InputError
from tests.test_article_fixtures import analyzer, nlp, same_stances, tiny_model  # noqa: F401  (fixtures)

ARTICLE = (
    "Iran's defense minister, Brigadier General Mohammad Reza Gharaei Ashtiani, said on Sunday that "
    '"Washington will regret this." He also warned the U.S. that Tehran is ready to respond.\n\n'
    '"We will not allow the Americans to threaten our nation," Ashtiani added. The Kremlin praised Iran '
    "for its restraint. Russia and China held talks in Moscow."
)
ASHTIANI = "person:mohammad-reza-gharaei-ashtiani"


def test_a_full_article(analyzer) -> None:  # noqa: F811
    result = analyze_article(analyzer, ARTICLE, id="a1")
    assert result.id == "a1" and result.length == len(ARTICLE) and not result.warnings
    assert {"iran", "united-states", "russia", ASHTIANI} <= {a.id for a in result.actors}
    for mention in result.mentions:
        assert ARTICLE[mention.start : mention.end] == mention.text
    for statement in result.statements:
        assert ARTICLE[statement.start : statement.end] == statement.text
    assert [s.speaker for s in result.statements] == [ASHTIANI, ASHTIANI, ASHTIANI, "russia", None]
    triples = {(s.statement, s.holder, s.target) for s in result.stances}
    assert (0, ASHTIANI, "united-states") in triples  # Washington
    assert (0, ASHTIANI, "iran") not in triples  # "Iran's" is part of the speaker's own description
    assert all(s.holder != s.target for s in result.stances)  # no stance toward oneself
    assert (4, "author", "russia") in triples and (3, "russia", "iran") in triples
    for stance in result.stances:
        assert abs(sum(stance.stance_probs.values()) - 1) < 1e-3 and stance.stance in stance.stance_probs


def test_roll_ups_cover_every_stance(analyzer) -> None:  # noqa: F811
    result = analyze_article(analyzer, ARTICLE)
    assert sum(p.count for p in result.pairs) == len(result.stances) == sum(t.count for t in result.targets)
    for pair in result.pairs:
        assert -1 <= pair.score <= 1 and 0 <= pair.confidence <= 1
        assert all(ARTICLE[e.start : e.end] == e.text for e in pair.evidence)


def test_roll_up_arithmetic() -> None:
    statements = [StatementOut(index=i, start=0, end=1, text="x", quoted=False, quotes=[], speaker=None,
                               attribution="author") for i in range(2)]
    probs = [{"against": 0.1, "neutral": 0.2, "favor": 0.7}, {"against": 0.5, "neutral": 0.1, "favor": 0.4}]
    stances = [StanceOut(statement=i, holder="author", target="iran", target_start=0, target_end=1, stance="favor",
                         stance_probs=p, sentiment="neutral", sentiment_probs={}) for i, p in enumerate(probs)]
    (pair,), (target,) = roll_up(stances, statements)
    assert (pair.stance, pair.score, pair.confidence, pair.count) == ("favor", 0.25, 0.55, 2)
    assert target.holder is None and target.score == 0.25


def test_one_classifier_call_for_a_whole_batch(analyzer, monkeypatch) -> None:  # noqa: F811
    calls = []
    predict = analyzer.classifier.predict
    monkeypatch.setattr(analyzer.classifier, "predict",
                        lambda items, groups=None: calls.append(len(items)) or predict(items, groups))
    results = analyze_articles(analyzer, [ARTICLE, "Russia praised China.", "No actors here."])
    assert len(calls) == 1 and calls[0] == sum(len(r.stances) for r in results)
    single = analyze_article(analyzer, "Russia praised China.")
    assert same_stances(single.stances, results[1].stances)  # batching does not change results


def test_pipelined_batches_give_the_results_of_one_batch(analyzer) -> None:  # noqa: F811
    texts = [ARTICLE, "Russia praised China.", "No actors here.", "Iran condemned Israel, the minister said."]
    together = analyze_articles(analyzer, texts, ids=list("abcd"))
    batches = list(analyze_batches(analyzer, texts, ids=list("abcd"), batch_size=3))
    assert [len(b) for b in batches] == [3, 1]
    for one, other in zip(together, [r for b in batches for r in b]):
        assert one.id == other.id and same_stances(one.stances, other.stances)


def test_user_actors_are_added_and_can_restrict_the_output(analyzer) -> None:  # noqa: F811
    text = "Ansar Allah attacked ships. The Kremlin praised Iran. Russia criticised the Houthis."
    houthis = ActorEntry(id="houthis", name="Houthis", type="group", aliases=["Ansar Allah", "Houthis"])
    added = analyze_article(analyzer, text, actors=[houthis])
    assert {"houthis", "iran", "russia"} <= {a.id for a in added.actors}
    assert next(a for a in added.actors if a.id == "houthis").source == "user"
    only = analyze_article(analyzer, text, actors=[houthis], actors_only=True)
    assert {a.id for a in only.actors} == {"houthis"}
    assert {(s.holder, s.target) for s in only.stances} == {("author", "houthis")}
    assert only.statements[2].attribution == "excluded"  # Russia's view is neither ours nor the author's
    with pytest.raises(InputError, match="actors_only is set but no actors were given"):
        analyze_article(analyzer, text, actors_only=True)


def test_no_actors_gives_an_empty_result_with_a_warning(analyzer) -> None:  # noqa: F811
    result = analyze_article(analyzer, "The weather was fine and the trains ran on time.")
    assert result.stances == [] and result.pairs == [] and result.actors == []
    assert result.warnings == ["No actors found: no stances to report."]


@pytest.mark.parametrize("text", ['"""""" “” ‘’ " "', '"', "“", "   ", "", "\x00\x01\ud800"])
def test_degenerate_texts_do_not_crash(analyzer, text: str) -> None:  # noqa: F811
    result = analyze_article(analyzer, text)
    assert result.stances == [] and result.length == len(text)
    result.model_dump_json()  # serialisable (no lone surrogates left)


def test_another_language_is_analysed_with_a_warning(analyzer) -> None:  # noqa: F811
    text = ("Le ministre iranien a déclaré dimanche que Washington regretterait cette décision et que "
            "la Russie soutenait Téhéran dans les négociations avec les États-Unis, selon un communiqué.")
    result = analyze_article(analyzer, text)
    assert any("does not look like English" in w for w in result.warnings)


@pytest.mark.slow
def test_a_200000_character_article(analyzer) -> None:  # noqa: F811
    text = (ARTICLE + "\n\n") * (200_000 // (len(ARTICLE) + 2) + 1)
    result = analyze_article(analyzer, text)
    assert result.length == len(text) >= 200_000 and len(result.statements) > 1000
    assert result.mentions[-1].end <= len(text) and text[result.mentions[-1].start : result.mentions[-1].end]


def test_a_long_single_line_article_is_chunked(analyzer) -> None:  # noqa: F811
    text = "Russia praised China. " * 1500  # 33,000 characters, no line break: two spaCy chunks
    result = analyze_article(analyzer, text)
    assert len(result.statements) == 1500 and len(result.stances) == 1500


def test_too_long_a_text_is_refused_with_a_fix(analyzer, monkeypatch) -> None:  # noqa: F811
    from stance.article import parsing

    monkeypatch.setattr(parsing, "MAX_CHARS", 100)
    with pytest.raises(InputError, match=r"101 characters long: expected at most 100.*split it"):
        analyze_article(analyzer, "x" * 101)


def test_the_request_model_rejects_empty_text() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        AnalyzeRequest(text="")
