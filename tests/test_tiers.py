"""Model tiers: a tier label on every registered model, `stance:<tier>` picks the newest of that tier,
and a model of each tier loads unchanged in the classifier, the service's tag, batch scoring and reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stance.batch.score import ScoreOptions, score_file
from stance.classifier import StanceClassifier
from stance.cli import app
from stance.errors import ModelNotFoundError
from stance.report.compute import compute_report
from stance.store import resolve_model_path, tier_tag
from tests.test_report import toy_data, train_tiny  # noqa: F401  (toy_data is a fixture)
from tests.test_report import toy_examples
from training.register import register

TIERS = ("fast", "accurate", "fast-distilled")


@pytest.fixture()
def tier_models(tiny_bert, tmp_path, bentoml_home) -> dict[str, str]:
    """One tiny model per tier (different weights: fewer or more steps), registered in tier order."""
    tags = {}
    for steps, tier in enumerate(TIERS, start=2):
        model_dir = train_tiny(tiny_bert, tmp_path / tier / "model", toy_examples()["train"], steps=steps)
        tags[tier] = register(model_dir, "stance", {"name": tier, "tier": tier}, {"test": {}}, "abc", onnx=False)
    return tags


def test_a_tier_names_the_newest_model_of_that_tier(tier_models, tiny_bert, tmp_path) -> None:
    assert tier_tag("stance:latest") == "stance:latest"
    for tier, tag in tier_models.items():
        assert tier_tag(f"stance:{tier}") == tag
        assert resolve_model_path(f"stance:{tier}") == resolve_model_path(tag)
    assert resolve_model_path("stance:latest") == resolve_model_path(tier_models["fast-distilled"])
    newer = register(train_tiny(tiny_bert, tmp_path / "again", toy_examples()["train"], 1), "stance", {"tier": "accurate"}, {}, "abc", onnx=False)
    assert tier_tag("stance:accurate") == newer


def test_models_list_shows_the_tier(tier_models) -> None:
    rows = json.loads(CliRunner().invoke(app, ["models", "list", "--json"]).output)
    assert {r["tag"]: r["tier"] for r in rows} == {tag: tier for tier, tag in tier_models.items()}
    plain = CliRunner().invoke(app, ["models", "list"]).output
    assert all(f"{tag}  {tier}" in plain for tier, tag in tier_models.items())


def test_an_unknown_tier_lists_the_models_and_their_tiers(tier_models) -> None:
    with pytest.raises(ModelNotFoundError, match=r"no model of tier 'huge'.*\(accurate\)"):
        resolve_model_path("stance:huge")


@pytest.mark.parametrize("tier", TIERS)
def test_every_tier_serves_scores_and_reports(tier, tier_models, toy_data, tmp_path) -> None:  # noqa: F811
    tag = tier_models[tier]
    items = [e.item() for e in toy_examples()["test"]]
    by_tier = StanceClassifier.from_ref(f"stance:{tier}").predict(items)
    assert by_tier == StanceClassifier.from_ref(tag).predict(items)

    rows = [{"id": f"r{i}", "text": item.text, "target": item.target_name} for i, item in enumerate(items)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    outputs = [score_file(source, tmp_path / f"{n}.jsonl", ref, ScoreOptions(progress=False)).output for n, ref in enumerate((f"stance:{tier}", tag))]
    by_tier_rows, by_tag_rows = ([json.loads(line) for line in Path(out).read_text().splitlines()] for out in outputs)
    assert [r["id"] for r in by_tier_rows] == [r["id"] for r in rows]
    assert [r["stance"] for r in by_tier_rows] == [r["stance"] for r in by_tag_rows]

    report = compute_report(f"stance:{tier}", ["toy"], toy_data, bootstrap=0)
    assert report["card"]["tier"] == tier
