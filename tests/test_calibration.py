"""Temperature scaling, expected calibration error, reliability curves and the abstain decision."""

from __future__ import annotations

import json

import numpy as np
import pytest

from stance.calibration import (
    expected_calibration_error,
    fit_task_temperatures,
    fit_temperature,
    probabilities,
    reliability_curve,
    task_columns,
)
from stance.decision import UNCERTAIN, check_abstain_threshold, decide
from stance.errors import InputError
from stance.schema import Example
from tests.test_report import toy_examples, train_tiny


def sampled(n: int, true_temperature: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Logits and gold labels drawn from softmax(logits / true_temperature): T is recoverable."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 4, size=(n, 3))
    probs = probabilities(logits, true_temperature)
    gold = np.array([rng.choice(3, p=p) for p in probs])
    return logits, gold


def test_fit_temperature_recovers_the_temperature_that_generated_the_labels() -> None:
    logits, gold = sampled(4000, 2.5)
    assert fit_temperature(logits, gold) == pytest.approx(2.5, rel=0.12)
    logits, gold = sampled(4000, 0.7, seed=1)
    assert fit_temperature(logits, gold) == pytest.approx(0.7, rel=0.12)


def test_temperature_scaling_reduces_the_ece_of_an_overconfident_model() -> None:
    logits, gold = sampled(3000, 3.0)
    fitted = fit_temperature(logits, gold)
    before = expected_calibration_error(probabilities(logits), gold)
    after = expected_calibration_error(probabilities(logits, fitted), gold)
    assert before > 0.1 and after < 0.03
    assert (probabilities(logits, fitted).argmax(1) == probabilities(logits).argmax(1)).all()  # labels unchanged


def test_ece_and_reliability_curve_by_hand() -> None:
    # Two items at confidence 0.9 (one right), two at 0.6 (both right); 10 bins.
    probs = np.array([[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.2, 0.6, 0.2], [0.2, 0.6, 0.2]])
    gold = np.array([0, 1, 1, 1])
    # |0.5 - 0.9| * 2/4 + |1.0 - 0.6| * 2/4 = 0.4
    assert expected_calibration_error(probs, gold, bins=10) == pytest.approx(0.4)
    curve = reliability_curve(probs, gold, bins=10)
    assert curve == [
        {"low": 0.5, "high": 0.6, "count": 2, "confidence": 0.6, "accuracy": 1.0},
        {"low": 0.8, "high": 0.9, "count": 2, "confidence": 0.9, "accuracy": 0.5},
    ]


def test_bad_shapes_say_what_was_expected() -> None:
    with pytest.raises(InputError, match=r"Expected logits of shape \(n, k\).*found logits \(3,\)"):
        fit_temperature(np.zeros(3), np.zeros(3, dtype=int))
    with pytest.raises(InputError, match=r"Gold class indices must lie in \[0, 3\)"):
        expected_calibration_error(np.full((2, 3), 1 / 3), np.array([0, 5]))


def test_decide_abstains_below_the_threshold() -> None:
    labels = ["against", "neutral", "favor"]
    assert decide(labels, np.array([0.2, 0.3, 0.5])) == "favor"
    assert decide(labels, np.array([0.2, 0.3, 0.5]), abstain_below=0.6) == UNCERTAIN
    assert decide(labels, np.array([0.1, 0.1, 0.8]), abstain_below=0.6) == "favor"
    assert check_abstain_threshold(None) is None and check_abstain_threshold(0.6) == 0.6
    with pytest.raises(InputError, match=r"abstain_below=0.2 cannot work: expected a probability in \(0.333, 1\]"):
        check_abstain_threshold(0.2)


def test_task_temperatures_use_each_task_s_own_rows_and_columns() -> None:
    label_sets = {"stance": ["against", "neutral", "favor"], "sentiment": ["negative", "neutral", "positive"]}
    assert task_columns(label_sets, "sentiment") == slice(3, 6)
    stance_logits, stance_gold = sampled(1500, 2.0, seed=2)
    sentiment_logits, sentiment_gold = sampled(1500, 0.5, seed=3)
    logits = np.zeros((3000, 6))
    logits[:1500, :3], logits[1500:, 3:] = stance_logits, sentiment_logits
    logits[:1500, 3:] = logits[1500:, :3] = 50.0  # the other head's columns must be ignored
    examples = [
        Example(id=str(i), text="x", target="y", task=task, label=label_sets[task][g], dataset="toy", split="dev")
        for i, (task, g) in enumerate([("stance", g) for g in stance_gold] + [("sentiment", g) for g in sentiment_gold])
    ]
    temperature = fit_task_temperatures(logits, examples, label_sets)
    assert temperature["stance"] == pytest.approx(2.0, rel=0.15)
    assert temperature["sentiment"] == pytest.approx(0.5, rel=0.15)


def test_fitted_temperatures_travel_with_the_model_and_the_classifier_applies_them(tiny_bert, tmp_path) -> None:
    # As training does: fit on the in-memory model's dev logits, set them on its spec, save once.
    from stance.classifier import StanceClassifier
    from stance.modeling import load_model_dir

    tiny_model_dir = train_tiny(tiny_bert, tmp_path / "model", toy_examples()["train"], steps=3)
    dev = toy_examples()["dev"]
    model, tokenizer, spec = load_model_dir(tiny_model_dir)
    classifier = StanceClassifier(model, tokenizer, spec, bf16=False)
    raw = classifier.predict([e.item() for e in dev])
    temperature = fit_task_temperatures(classifier.logits([e.item() for e in dev]).numpy(), dev, spec.label_sets)
    assert set(temperature) == {"stance", "sentiment"} and all(t > 0 for t in temperature.values())
    spec.temperature = temperature
    model.save(tmp_path / "calibrated", tokenizer)
    assert json.loads((tmp_path / "calibrated" / "stance.json").read_text())["temperature"] == temperature
    reloaded = StanceClassifier.from_path(tmp_path / "calibrated", bf16=False)
    assert reloaded.spec.temperature == temperature
    scaled = reloaded.predict([e.item() for e in dev])
    assert [p.stance for p in scaled] == [p.stance for p in raw]  # scaling never changes a label
    logits = reloaded.logits([dev[0].item()]).numpy()
    expected = probabilities(logits[:, :3], temperature["stance"])[0]
    assert list(scaled[0].stance_probs.values()) == pytest.approx(list(expected), abs=1e-5)


def test_classifier_abstains_below_its_threshold(tiny_bert, tmp_path) -> None:
    from stance.classifier import StanceClassifier

    model_dir = train_tiny(tiny_bert, tmp_path / "model", toy_examples()["train"], steps=0)
    items = [e.item() for e in toy_examples()["test"][:6]]
    plain = StanceClassifier.from_path(model_dir, bf16=False).predict(items)
    cautious = StanceClassifier.from_path(model_dir, bf16=False, abstain_below=0.9).predict(items)
    assert all(p.stance == UNCERTAIN for p in cautious)  # an untrained model is never 90% sure
    assert [p.stance_probs for p in cautious] == [p.stance_probs for p in plain]
    with pytest.raises(InputError, match="abstain_below=0.1 cannot work"):
        StanceClassifier.from_path(model_dir, abstain_below=0.1)
