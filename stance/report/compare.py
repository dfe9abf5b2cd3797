"""Two models on the same examples: per-metric deltas with paired-bootstrap intervals, and McNemar's test.

The paired bootstrap resamples examples once and scores both models on each resample, so the
interval of the difference accounts for both models seeing the same (easy or hard) examples. It
covers F1m and F1pn, which no exact test does; McNemar's exact test on the examples exactly one of
the two models gets right tests the accuracy difference.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy.stats import binomtest

from stance.labels import LABEL_SETS
from stance.metrics import classification_metrics
from stance.report.stats import METRICS, codes, confusions, interval, metric_arrays, resamples

SIGNIFICANCE = 0.05


def paired_bootstrap(
    task: str, gold: Sequence[str], pred_a: Sequence[str], pred_b: Sequence[str], count: int = 1000, seed: int = 0
) -> dict[str, np.ndarray]:
    """The bootstrap distribution of metric(a) − metric(b) for each metric, a and b scored on the same resamples."""
    code_a, code_b, k = codes(task, gold, pred_a), codes(task, gold, pred_b), len(LABEL_SETS[task])
    deltas: dict[str, list[np.ndarray]] = {name: [] for name in METRICS}
    for sample in resamples(len(code_a), count, seed):
        a = metric_arrays(task, confusions(code_a, sample, k))
        b = metric_arrays(task, confusions(code_b, sample, k))
        for name in METRICS:
            deltas[name].append(a[name] - b[name])
    return {name: np.concatenate(parts) for name, parts in deltas.items()}


def bootstrap_p_value(deltas: np.ndarray) -> float:
    """Two-sided p-value of "no difference": twice the share of resamples on the smaller side of 0."""
    below, above = float(np.mean(deltas <= 0)), float(np.mean(deltas >= 0))
    return round(min(1.0, 2 * min(below, above)), 4)


def mcnemar(gold: Sequence[str], pred_a: Sequence[str], pred_b: Sequence[str]) -> dict:
    """McNemar's exact test: counts of examples only a / only b gets right, and the two-sided p-value."""
    right_a = np.array([g == p for g, p in zip(gold, pred_a)])
    right_b = np.array([g == p for g, p in zip(gold, pred_b)])
    only_a, only_b = int((right_a & ~right_b).sum()), int((right_b & ~right_a).sum())
    p = binomtest(min(only_a, only_b), only_a + only_b, 0.5).pvalue if only_a + only_b else 1.0
    return {"only_model_right": only_a, "only_other_right": only_b, "p": round(float(p), 4)}


def compare_predictions(
    task: str, gold: Sequence[str], model: Sequence[str], other: Sequence[str], count: int = 1000, seed: int = 0
) -> dict:
    """Per metric: both values, delta = model − other, its 95% interval, p-value and whether p < 0.05; plus McNemar."""
    mine, theirs = classification_metrics(task, gold, model), classification_metrics(task, gold, other)
    deltas = paired_bootstrap(task, gold, model, other, count, seed) if count > 0 else {}
    metrics = {}
    for name in METRICS:
        low, high = interval(deltas[name]) if name in deltas else (None, None)
        p = bootstrap_p_value(deltas[name]) if name in deltas else None
        metrics[name] = {
            "model": mine[name],
            "other": theirs[name],
            "delta": round(mine[name] - theirs[name], 2),
            "low": low,
            "high": high,
            "p": p,
            "significant": p is not None and p < SIGNIFICANCE,
        }
    return {"metrics": metrics, "mcnemar": mcnemar(gold, model, other)}
