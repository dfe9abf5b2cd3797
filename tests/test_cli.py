"""The CLI end to end on real NewsMTSC files (skipped without ../shared/data) and a tiny BERT."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from stance.cli import app
from tests.conftest import SHARED_DATA

runner = CliRunner()
needs_data = pytest.mark.skipif(not (SHARED_DATA / "newsmtsc").is_dir(), reason="../shared/data/newsmtsc absent")

TINY_RUN = """
name = "tiny"
[model]
base = "{base}"
max_length = 64
[data]
dir = "{data}"
processed_dir = "{processed}"
selection = ["newsmtsc:dev-rw"]
[[data.train]]
dataset = "newsmtsc"
split = "train"
max_examples = 48
[[data.dev]]
dataset = "newsmtsc"
split = "dev-rw"
max_examples = 24
[[data.test]]
dataset = "newsmtsc"
split = "test-rw"
max_examples = 24
[train]
epochs = 1
batch_size = 16
"""


def test_models_list_on_an_empty_store_says_how_to_train(bentoml_home) -> None:
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 0
    assert "No stance models registered. Train one: `stance train`." in result.output


def test_data_build_names_a_missing_dataset_and_the_fix(tmp_path) -> None:
    result = runner.invoke(app, ["data", "build", "--data-dir", str(tmp_path), "--out", str(tmp_path / "p"), "--dataset", "newsmtsc"])
    assert result.exit_code == 2
    assert "newsmtsc" in result.output and "--data-dir" in result.output


def test_train_rejects_an_unknown_config_key(tmp_path) -> None:
    result = runner.invoke(app, ["train", "default.toml", "--set", "train.epochz=1"])
    assert result.exit_code == 2
    assert "unknown key 'train.epochz'" in result.output


@needs_data
def test_train_register_list_evaluate(tmp_path, tiny_bert, bentoml_home) -> None:
    config = tmp_path / "tiny.toml"
    processed = tmp_path / "processed"
    config.write_text(TINY_RUN.format(base=tiny_bert, data=SHARED_DATA, processed=processed))
    result = runner.invoke(app, ["train", str(config), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    assert "Registered model: stance:" in result.output
    assert "newsmtsc:test-rw:sentiment" in result.output

    listed = runner.invoke(app, ["models", "list", "--json"])
    rows = json.loads(listed.output)
    assert len(rows) == 1 and "newsmtsc:test-rw:sentiment" in rows[0]["test_f1m"]

    out = tmp_path / "eval"
    result = runner.invoke(app, ["evaluate", "--model", rows[0]["tag"], "--processed-dir", str(processed), "--split", "newsmtsc:test-mt", "-o", str(out)])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["newsmtsc:test-mt:sentiment"]["n"] == 1034
    assert set(metrics["newsmtsc:test-mt:sentiment"]) >= {"f1m", "f1pn", "accuracy", "per_class", "confusion_matrix"}
    assert "| newsmtsc | test-mt | sentiment | 1034 |" in (out / "metrics.md").read_text()

    again = runner.invoke(app, ["train", str(config), "--if-missing", "--runs-dir", str(tmp_path / "runs")])
    assert again.exit_code == 0 and "Run directory" not in again.output


def test_evaluate_names_a_missing_split(tmp_path, bentoml_home) -> None:
    result = runner.invoke(app, ["evaluate", "--model", str(tmp_path), "--split", "newsmtsc:test-rw", "--processed-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "Processed split" in result.output and "test-rw.jsonl not found" in result.output
    assert "stance data build" in result.output
