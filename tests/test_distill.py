"""Distillation: the loss, the soft targets, the transfer set's provenance and the teacher's cache."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from stance.modeling import task_loss
from stance.schema import Example, Item
from tests.conftest import SHARED_DATA
from training.config import Config, DistillConfig
from training.distill import distill_loss, held_out_texts, soft_targets, teacher_logits, transfer_items, transfer_texts


def _write_split(folder, dataset: str, split: str, texts: list[str]) -> None:
    (folder / dataset).mkdir(parents=True, exist_ok=True)
    rows = [
        Example(id=f"{split}-{i}", text=t, target_span=(0, 4), task="stance", label="neutral", dataset=dataset, split=split)
        for i, t in enumerate(texts)
    ]
    (folder / dataset / f"{split}.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in rows))


def test_soft_targets_are_one_distribution_per_head() -> None:
    logits = np.array([[2.0, 0.0, -2.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    soft = soft_targets(logits, temperature=2.0)
    assert soft[0, :3].sum() == pytest.approx(1) and soft[0, 3:].sum() == pytest.approx(1)
    assert soft[0, 3:] == pytest.approx([1 / 3] * 3)
    assert soft[0, 0] / soft[0, 1] == pytest.approx(math.e)  # exp((2 - 0) / 2)


def test_distill_loss_is_the_gold_loss_at_weight_zero_and_zero_when_student_equals_teacher() -> None:
    logits = torch.tensor([[[1.0, 0.5, -1.0, 0.2, 0.1, -0.3], [0.3, -0.2, 0.9, -1.0, 0.0, 1.0]]])
    labels = torch.tensor([[2, -1]])  # stance favor; the second target has no gold label (transfer)
    soft = torch.from_numpy(soft_targets(logits.reshape(-1, 6).numpy(), 2.0)).view(1, 2, 6)
    gold = task_loss(logits.reshape(-1, 6)[:1], labels.reshape(-1)[:1])
    assert distill_loss(logits, labels, soft, weight=0.0, temperature=2.0) == pytest.approx(float(gold))
    assert distill_loss(logits, labels, soft, weight=1.0, temperature=2.0) == pytest.approx(0.0, abs=1e-6)
    other = torch.roll(soft, 1, dims=-1)
    assert distill_loss(logits, labels, other, weight=1.0, temperature=2.0) > 0.05


def test_distill_loss_ignores_padding_and_handles_a_batch_without_gold() -> None:
    logits = torch.randn(2, 3, 6, requires_grad=True)
    labels = torch.tensor([[-1, -100, -100], [-1, -1, -100]])
    soft = torch.full((2, 3, 6), -1.0)
    soft[0, 0] = soft[1, 0] = soft[1, 1] = torch.tensor([0.2, 0.3, 0.5, 0.1, 0.8, 0.1])
    loss = distill_loss(logits, labels, soft, weight=0.5, temperature=1.0)
    loss.backward()
    assert torch.isfinite(loss)
    assert logits.grad[0, 1:].abs().sum() == 0 and logits.grad[1, 2].abs().sum() == 0


def test_transfer_texts_are_train_texts_that_no_dev_or_test_split_holds(tmp_path) -> None:
    _write_split(tmp_path, "news", "train", ["Iran praised China.", "Russia  condemned  Iran.", "Iran met China."])
    _write_split(tmp_path, "news", "test", ["russia condemned iran."])
    _write_split(tmp_path, "other", "dev", ["Iran met China."])
    assert held_out_texts(tmp_path) == {"russia condemned iran.", "iran met china."}
    config = DistillConfig(teacher="t", transfer=[{"dataset": "news", "split": "train"}])
    assert transfer_texts(tmp_path, config.transfer) == ["Iran praised China."]


def test_transfer_may_not_name_a_dev_or_test_split() -> None:
    with pytest.raises(ValueError, match=r"only name train splits \(found \['news:test'\]\)"):
        DistillConfig(teacher="t", transfer=[{"dataset": "news", "split": "test"}])


def test_the_article_pipeline_finds_the_pairs_of_a_statement() -> None:
    items = transfer_items(["Iran's defence minister said the United States had committed a great crime."])
    assert [i.text[i.target_span[0] : i.target_span[1]] for i in items] == ["United States"]
    assert items[0].holder is not None  # the minister speaks


def test_the_teacher_is_cached_by_version_and_item(tiny_bert, tmp_path, monkeypatch) -> None:
    from stance.classifier import StanceClassifier
    from training.train import fit
    from tests.test_overfit import six_examples, tiny_config

    run = tmp_path / "teacher"
    examples = six_examples()
    model, tokenizer, _ = fit(tiny_config(str(tiny_bert), epochs=1), examples, {"toy-train": examples}, run)
    model.save(run / "model", tokenizer)
    items = [e.item() for e in examples]
    first = teacher_logits(str(run / "model"), items[:4], tmp_path / "cache", backend="torch")
    expected = StanceClassifier.from_path(run / "model", backend="torch").logits(items[:4]).numpy()
    assert first == pytest.approx(expected, abs=1e-4)
    (cache,) = (tmp_path / "cache").iterdir()
    assert len(cache.read_text().splitlines()) == 4
    labelled: list[int] = []
    original = StanceClassifier.logits
    monkeypatch.setattr(StanceClassifier, "logits", lambda self, batch: labelled.append(len(batch)) or original(self, batch))
    both = teacher_logits(str(run / "model"), items, tmp_path / "cache", backend="torch")
    assert labelled == [2]  # only the two items the cache did not hold
    assert both[:4] == pytest.approx(first)
    assert len(cache.read_text().splitlines()) == 6
    assert all(len(json.loads(line)["logits"]) == 6 for line in cache.read_text().splitlines())


def test_a_student_trains_on_gold_and_transfer_items_with_soft_targets(tiny_bert, tmp_path) -> None:
    from training.train import fit, to_dataset
    from tests.test_overfit import six_examples, tiny_config

    examples = six_examples()
    transfer = [Item(text="Iran praised its great ally China for the deal.", target_span=(0, 4))]
    soft = soft_targets(np.random.default_rng(0).normal(size=(len(examples) + 1, 6)).astype(np.float32), 2.0)
    config = Config.model_validate(
        {**tiny_config(str(tiny_bert), epochs=3).model_dump(), "distill": {"teacher": "t", "transfer": [{"dataset": "toy", "split": "train"}]}}
    )
    model, tokenizer, _ = fit(config, examples, {"toy-train": examples}, tmp_path, transfer=transfer, soft=soft)
    dataset = to_dataset(examples, tokenizer, model.spec, transfer, soft)
    assert sum(len(r) for r in dataset["labels"]) == len(examples) + 1
    assert sorted(v for r in dataset["labels"] for v in r)[0] == -1  # the transfer item: no gold label
    losses = [row["loss"] for row in json.loads((tmp_path / "log_history.json").read_text()) if "loss" in row]
    assert losses and all(math.isfinite(v) for v in losses)


@pytest.mark.skipif(not (SHARED_DATA / "newsmtsc").is_dir(), reason="needs ../shared/data/newsmtsc")
def test_a_distillation_run_end_to_end_reuses_both_caches(tiny_bert, tmp_path, caplog) -> None:
    import logging

    from tests.test_cli import TINY_RUN
    from tests.test_report import toy_examples, train_tiny
    from training.config import load_config
    from training.train import train

    teacher = train_tiny(tiny_bert, tmp_path / "teacher" / "model", toy_examples()["train"], steps=3)
    text = TINY_RUN.format(base=tiny_bert, data=SHARED_DATA, processed=tmp_path / "processed")
    text += f'[distill]\nteacher = "{teacher}"\ncache_dir = "{tmp_path / "cache"}"\nteacher_backend = "torch"\n'
    text += '[[distill.transfer]]\ndataset = "newsmtsc"\nsplit = "train"\nmax_examples = 30\n'
    (tmp_path / "d.toml").write_text(text)
    config = load_config(tmp_path / "d.toml", ["registry.enabled=false"])
    first = train(config, tmp_path / "runs")
    found = json.loads((first.run_dir / "transfer.json").read_text())
    assert found["transfer_pairs"] >= 20 and found["gold_items"] == 48
    caches = sorted(p.name.split("-")[0] for p in (tmp_path / "cache").iterdir())
    assert caches == ["dir", "transfer"]
    caplog.set_level(logging.INFO, logger="training")
    train(config, tmp_path / "runs")
    assert ", 0 to label." in caplog.text and "read from" in caplog.text
