"""The overfit test: a few steps on six examples, loss falls, register, load back, same predictions."""

from __future__ import annotations

import json

import pytest

from stance.classifier import StanceClassifier
from stance.errors import ModelNotFoundError
from stance.schema import Example
from stance.store import load, resolve_model_path
from training.config import Config
from training.register import register
from training.train import fit

SIX = [
    ("Iran praised its great ally China for the deal.", (28, 33), "stance", "favor", (0, 4)),
    ("Russia condemned the terrible attack by the United States.", (44, 57), "stance", "against", (0, 6)),
    ("The minister met Iran on Tuesday.", (17, 21), "stance", "neutral", None),
    ("Iran is a good friend, he said.", (0, 4), "sentiment", "positive", None),
    ("The Kremlin was accused of a crime.", (4, 11), "sentiment", "negative", None),
    ("China has talks in Moscow.", (0, 5), "sentiment", "neutral", None),
]


def six_examples() -> list[Example]:
    return [
        Example(id=str(i), text=t, target_span=span, holder_span=holder, task=task, label=label, dataset="toy", split="train")
        for i, (t, span, task, label, holder) in enumerate(SIX)
    ]


def two_targets_of_one_statement() -> list[Example]:
    """Opposite stances of one holder toward two targets of one statement (one `multi` sequence)."""
    text = "Iran praised China but condemned the United States."
    return [
        Example(id="c", text=text, target_span=(13, 18), holder_span=(0, 4), task="stance", label="favor", dataset="toy", split="train"),
        Example(id="u", text=text, target_span=(37, 50), holder_span=(0, 4), task="stance", label="against", dataset="toy", split="train"),
    ]


def tiny_config(base: str, **train) -> Config:
    source = {"dataset": "toy", "split": "train"}
    return Config.model_validate(
        {
            "model": {"base": base, "max_length": 64},
            "data": {"train": [source], "dev": [source]},
            "train": {"epochs": 60, "learning_rate": 5e-3, "batch_size": 6, "warmup_ratio": 0.0, "patience": 100, **train},
        }
    )


@pytest.fixture(scope="module")
def overfit_run(tiny_bert, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    examples = six_examples()
    model, tokenizer, _ = fit(tiny_config(str(tiny_bert)), examples, {"toy-train": examples}, run_dir)
    model.save(run_dir / "model", tokenizer)
    return run_dir, examples


def test_loss_falls_and_the_model_fits_six_examples(overfit_run) -> None:
    run_dir, examples = overfit_run
    losses = [row["loss"] for row in json.loads((run_dir / "log_history.json").read_text()) if "loss" in row]
    assert losses[-1] < 0.2 * losses[0]
    predictions = StanceClassifier.from_path(run_dir / "model").predict([e.item() for e in examples])
    fitted = sum(p.label(e.task) == e.label for p, e in zip(predictions, examples))
    # bf16 + thread-count dependent reductions make the last bits vary between machines: allow one miss
    assert fitted >= 5, [p.label(e.task) for p, e in zip(predictions, examples)]


def test_register_and_load_back_give_identical_predictions(overfit_run, bentoml_home) -> None:
    run_dir, examples = overfit_run
    items = [e.item() for e in examples]
    before = StanceClassifier.from_path(run_dir / "model", backend="torch", bf16=False).predict(items)
    tag = register(run_dir / "model", "stance", {"name": "tiny"}, {"test": {}}, "abc")
    assert tag.startswith("stance:")
    assert resolve_model_path("stance:latest").is_relative_to(bentoml_home)
    after = StanceClassifier.from_ref(tag, backend="torch", bf16=False).predict(items)
    assert after == before
    model, tokenizer, spec = load(tag)
    assert spec.label_sets["stance"] == ["against", "neutral", "favor"]


def test_batched_and_one_by_one_predictions_match(overfit_run) -> None:
    run_dir, examples = overfit_run
    classifier = StanceClassifier.from_path(run_dir / "model", bf16=False, batch_size=4)
    items = [e.item() for e in examples]
    batched = classifier.logits(items)
    for i, item in enumerate(items):
        single = classifier.logits([item])[0]
        assert (single - batched[i]).abs().max() < 1e-4


def test_missing_model_tag_says_how_to_get_one(bentoml_home) -> None:
    with pytest.raises(ModelNotFoundError, match=r"No model 'stance:latest'.*Models in the store: none.*stance train"):
        load("stance:latest")


def test_malformed_model_directory_is_named(tmp_path, overfit_run) -> None:
    run_dir, _ = overfit_run
    broken = tmp_path / "broken"
    import shutil

    shutil.copytree(run_dir / "model", broken)
    (broken / "heads.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ModelNotFoundError, match=r"could not be loaded.*re-register"):
        load(broken)
    (broken / "stance.json").unlink()
    with pytest.raises(ModelNotFoundError, match=r"missing \['stance.json'\]"):
        load(broken)


def test_multi_encoding_fits_opposite_stances_toward_two_targets_of_one_statement(tiny_bert, tmp_path) -> None:
    shared = two_targets_of_one_statement()
    examples = six_examples() + shared
    config = tiny_config(str(tiny_bert), precision="fp32")
    config.model.scheme = "multi"
    model, tokenizer, _ = fit(config, examples, {"toy-train": examples}, tmp_path)
    model.save(tmp_path / "model", tokenizer)
    classifier = StanceClassifier.from_path(tmp_path / "model", backend="torch")
    assert [p.stance for p in classifier.predict([e.item() for e in shared])] == ["favor", "against"]
    predictions = classifier.predict([e.item() for e in examples])
    assert sum(p.label(e.task) == e.label for p, e in zip(predictions, examples)) >= len(examples) - 1


def test_training_rows_group_targets_of_a_statement(tiny_bert) -> None:
    from stance.modeling import ModelSpec, build_model
    from training.train import collate, encoded_label, to_dataset

    shared = two_targets_of_one_statement()
    examples = six_examples() + shared
    spec = ModelSpec.default("multi", "markers", 64, str(tiny_bert))
    _, tokenizer = build_model(str(tiny_bert), spec)
    grouped = to_dataset(examples, tokenizer, spec)
    assert len(grouped) == 7 and sorted(map(len, grouped["labels"])) == [1] * 6 + [2]
    pair = next(row for row in grouped["labels"] if len(row) == 2)
    assert sorted(pair) == sorted(encoded_label(e) for e in shared)
    batch = collate(tokenizer.pad_token_id)(list(grouped))
    assert batch["labels"].shape == batch["target_positions"].shape == (7, 2)
    assert (batch["labels"] == -100).sum() == 6  # one padded slot per single-target row


def test_dry_run_times_steps_and_stops_without_training(tiny_bert, tmp_path) -> None:
    examples = six_examples()
    config = tiny_config(str(tiny_bert), precision="fp32", batch_size=2)
    _, _, estimate = fit(config, examples, {"toy-train": examples}, tmp_path, after_items=12, dry_run=True)
    assert estimate.steps == 180 and estimate.precision == "fp32" and estimate.eval_measured
    assert 0 < estimate.seconds_per_step < 10 and estimate.total_minutes >= estimate.train_minutes
    assert json.loads((tmp_path / "estimate.json").read_text())["steps"] == 180
    assert json.loads((tmp_path / "precision.json").read_text())["precision"] == "fp32"
    assert not list(tmp_path.glob("checkpoints/checkpoint-*")) and not (tmp_path / "log_history.json").exists()
