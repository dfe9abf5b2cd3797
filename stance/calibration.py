"""Calibration: temperature scaling fitted on dev, expected calibration error and reliability curves.

A classifier is calibrated when, among the items it labels with confidence p, a fraction p is right.
Fine-tuned transformers are over-confident; dividing the logits by one temperature T > 1 per task
(Guo et al., 2017) fixes most of it without changing any predicted label. `fit_temperature` finds T
by minimising the negative log-likelihood on dev; training fits one per task before the model is saved
(`fit_task_temperatures`), stores them in its `ModelSpec`, and `StanceClassifier` applies them. The
abstain rule that reads the calibrated probabilities is `stance.decision`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax

from stance.errors import InputError

if TYPE_CHECKING:
    from stance.schema import Example

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
