"""Calibration: temperature scaling fitted on dev, expected calibration error and reliability curves.

A classifier is calibrated when, among the items it labels with confidence p, a fraction p is right.
Fine-tuned transformers are over-confident; dividing the logits by one temperature T > 1 per task
(Guo et al., 2017) fixes most of it without changing any predicted label. `fit_temperature` finds T
by minimising the negative log-likelihood on dev; `calibrate_model_dir` does that per task for a
saved model and stores the result in its `stance.json`, which `StanceClassifier` applies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax

from stance.errors import InputError

if TYPE_CHECKING:
    from stance.classifier import StanceClassifier
    from stance.schema import Example

UNCERTAIN = "uncertain"
"""The label a classifier with an abstain threshold returns when its top probability is below it."""

TEMPERATURE_RANGE = (0.05, 20.0)


def probabilities(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of `logits / temperature`: an (n, k) array of class probabilities."""
    return softmax(np.asarray(logits, dtype=np.float64) / temperature, axis=1)


def negative_log_likelihood(logits: np.ndarray, gold: np.ndarray, temperature: float = 1.0) -> float:
    """Mean negative log-probability of the gold class after dividing the logits by `temperature`."""
    logp = log_softmax(np.asarray(logits, dtype=np.float64) / temperature, axis=1)
    return float(-logp[np.arange(len(gold)), gold].mean())


def _check(logits: np.ndarray, gold: np.ndarray) -> None:
    if logits.ndim != 2 or gold.ndim != 1 or len(logits) != len(gold) or len(gold) == 0:
        raise InputError(
            f"Expected logits of shape (n, k) and n gold class indices with n > 0; found logits "
            f"{tuple(logits.shape)} and gold {tuple(gold.shape)}. Fix: pass one row of logits per example."
        )
    if gold.min() < 0 or gold.max() >= logits.shape[1]:
        raise InputError(f"Gold class indices must lie in [0, {logits.shape[1]}); found {gold.min()}..{gold.max()}.")


def fit_temperature(logits: np.ndarray, gold: Sequence[int] | np.ndarray) -> float:
    """The temperature T minimising the dev NLL of softmax(logits / T); returns T rounded to 4 places.

    The NLL is convex in 1/T (a log-sum-exp minus a linear term), so a bounded scalar search finds
    the global minimum; the bounds keep a degenerate dev set (all right, or one class) from driving
    T to 0 or infinity.
    """
    logits, gold = np.asarray(logits, dtype=np.float64), np.asarray(gold, dtype=np.int64)
    _check(logits, gold)
    low, high = TEMPERATURE_RANGE
    result = minimize_scalar(
        lambda beta: negative_log_likelihood(logits, gold, 1.0 / beta),
        bounds=(1.0 / high, 1.0 / low),
        method="bounded",
        options={"xatol": 1e-6},
    )
    return round(float(1.0 / result.x), 4)


def reliability_curve(probs: np.ndarray, gold: Sequence[int] | np.ndarray, bins: int = 15) -> list[dict]:
    """Per equal-width confidence bin: its bounds, count, mean confidence and accuracy (empty bins left out)."""
    probs, gold = np.asarray(probs, dtype=np.float64), np.asarray(gold, dtype=np.int64)
    _check(probs, gold)
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == gold
    # Bin i holds confidences in (i/bins, (i+1)/bins]; a confidence of exactly 0 joins bin 0.
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    curve = []
    for i in range(bins):
        rows = index == i
        if rows.any():
            curve.append(
                {
                    "low": round(i / bins, 4),
                    "high": round((i + 1) / bins, 4),
                    "count": int(rows.sum()),
                    "confidence": round(float(confidence[rows].mean()), 4),
                    "accuracy": round(float(correct[rows].mean()), 4),
                }
            )
    return curve


def expected_calibration_error(probs: np.ndarray, gold: Sequence[int] | np.ndarray, bins: int = 15) -> float:
    """ECE: the count-weighted mean |accuracy − confidence| over equal-width confidence bins (0 = calibrated)."""
    probs, gold = np.asarray(probs, dtype=np.float64), np.asarray(gold, dtype=np.int64)
    _check(probs, gold)
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == gold).astype(np.float64)
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    total = 0.0
    for i in range(bins):
        rows = index == i
        if rows.any():
            total += rows.sum() * abs(correct[rows].mean() - confidence[rows].mean())
    return float(total / len(gold))


def decide(labels: Sequence[str], probs: np.ndarray, abstain_below: Optional[float] = None) -> str:
    """The label with the highest probability, or `UNCERTAIN` when that probability is below `abstain_below`."""
    top = int(np.argmax(probs))
    if abstain_below is not None and float(probs[top]) < abstain_below:
        return UNCERTAIN
    return labels[top]


def check_abstain_threshold(value: Optional[float], n_classes: int = 3) -> Optional[float]:
    """Return `value` if it is a usable abstain threshold (None, or in (1/n_classes, 1]); else raise InputError."""
    if value is not None and not 1.0 / n_classes < value <= 1.0:
        raise InputError(
            f"abstain_below={value} cannot work: expected a probability in ({1.0 / n_classes:.3f}, 1] (the top "
            f"probability of {n_classes} classes is never below 1/{n_classes}). Fix: pass e.g. 0.6, or leave it unset."
        )
    return value


def task_gold(examples: Sequence["Example"], label_sets: dict[str, list[str]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per task: (row indices of the examples of that task, their gold class indices)."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for task, labels in label_sets.items():
        rows = [i for i, e in enumerate(examples) if e.task == task]
        if rows:
            out[task] = (np.array(rows), np.array([labels.index(examples[i].label) for i in rows]))
    return out


def task_columns(label_sets: dict[str, list[str]], task: str) -> slice:
    """The logit columns of `task`'s head: the heads are laid out in `label_sets` order (stance 0-2, sentiment 3-5)."""
    start = 0
    for name, labels in label_sets.items():
        if name == task:
            return slice(start, start + len(labels))
        start += len(labels)
    raise InputError(f"Unknown task {task!r}: expected one of {sorted(label_sets)}.")


def fit_task_temperatures(logits: np.ndarray, examples: Sequence["Example"], label_sets: dict[str, list[str]]) -> dict[str, float]:
    """One temperature per task, each fitted on the dev rows of that task (tasks without rows are left out)."""
    logits = np.asarray(logits, dtype=np.float64)
    return {
        task: fit_temperature(logits[rows, task_columns(label_sets, task)], gold)
        for task, (rows, gold) in task_gold(examples, label_sets).items()
    }


def calibrate_model_dir(
    model_dir: Path,
    dev: Sequence["Example"],
    classifier: Optional["StanceClassifier"] = None,
    logits=None,
) -> dict[str, float]:
    """Fit per-task temperatures on `dev`, write them into `model_dir/stance.json` and return them.

    `classifier` (loaded from `model_dir`) is reused when given and gets the new temperatures too;
    `logits` are its raw logits on `dev` when the caller has them already.
    """
    from stance.classifier import StanceClassifier
    from stance.modeling import SPEC_FILE, ModelSpec

    if not dev:
        raise InputError("No dev examples to fit a temperature on. Fix: configure data.dev in the training config.")
    classifier = classifier or StanceClassifier.from_path(model_dir)
    if logits is None:
        logits = classifier.logits([e.item() for e in dev])
    logits = np.asarray(logits)  # raw logits: the spec's temperature is not applied
    temperature = fit_task_temperatures(logits, dev, classifier.spec.label_sets)
    path = Path(model_dir) / SPEC_FILE
    spec = ModelSpec.model_validate(json.loads(path.read_text()))
    spec.temperature = temperature
    path.write_text(spec.model_dump_json(indent=2))
    classifier.spec.temperature = dict(temperature)
    return temperature
