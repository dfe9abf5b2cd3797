"""Resampling statistics for the report: metrics from confusion counts, bootstrap confidence intervals.

Bootstrap resamples are drawn as index arrays and turned into confusion matrices with one
`bincount`, so 1,000 resamples of a 10,000-example split take well under a second. The metric
formulas are those of `stance.metrics.classification_metrics` (F1 with zero_division=0), written
for a stack of confusion matrices.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from stance.labels import LABEL_SETS, POLAR_LABELS

METRICS = ("f1m", "f1pn", "accuracy")
CHUNK = 200
"""Resamples drawn at a time: bounds memory at CHUNK × n indices."""


def codes(task: str, gold: Sequence[str], pred: Sequence[str]) -> np.ndarray:
    """gold_index * k + pred_index per example, k = the task's number of classes."""
    labels = list(LABEL_SETS[task])
    k = len(labels)
    index = {label: i for i, label in enumerate(labels)}
    return np.array([index[g] * k + index[p] for g, p in zip(gold, pred)], dtype=np.int64)


def confusions(code: np.ndarray, samples: np.ndarray, k: int) -> np.ndarray:
    """(B, k, k) confusion matrices (rows gold) of the resamples `samples` (B, n) of `code`."""
    b = samples.shape[0]
    flat = code[samples] + (np.arange(b) * k * k)[:, None]
    return np.bincount(flat.ravel(), minlength=b * k * k).reshape(b, k, k)


def metric_arrays(task: str, matrices: np.ndarray) -> dict[str, np.ndarray]:
    """F1m, F1pn and accuracy (percent) of each confusion matrix in a (B, k, k) stack."""
    labels = list(LABEL_SETS[task])
    tp = np.diagonal(matrices, axis1=1, axis2=2).astype(np.float64)
    denominator = matrices.sum(axis=1) + matrices.sum(axis=2)  # predicted + gold per class = 2tp + fp + fn
    f1 = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
    polar = [labels.index(label) for label in POLAR_LABELS[task]]
    total = matrices.sum(axis=(1, 2))
    return {
        "f1m": 100 * f1.mean(axis=1),
        "f1pn": 100 * f1[:, polar].mean(axis=1),
        "accuracy": 100 * np.divide(tp.sum(axis=1), total, out=np.zeros(len(total)), where=total > 0),
    }


def resamples(n: int, count: int, seed: int) -> Iterator[np.ndarray]:
    """`count` bootstrap index arrays of size n, in chunks of at most CHUNK rows; same seed, same draws."""
    rng = np.random.default_rng(seed)
    for start in range(0, count, CHUNK):
        yield rng.integers(0, n, size=(min(CHUNK, count - start), n))


def bootstrap_metrics(task: str, gold: Sequence[str], pred: Sequence[str], count: int = 1000, seed: int = 0) -> dict[str, np.ndarray]:
    """The bootstrap distribution (`count` values) of F1m, F1pn and accuracy of one prediction set."""
    code, k = codes(task, gold, pred), len(LABEL_SETS[task])
    parts = [metric_arrays(task, confusions(code, sample, k)) for sample in resamples(len(code), count, seed)]
    return {name: np.concatenate([p[name] for p in parts]) for name in METRICS}


def interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """The central percentile interval of `values`, rounded to 2 places."""
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(values, [tail, 100 - tail])
    return round(float(low), 2), round(float(high), 2)


def with_intervals(task: str, point: dict, gold: Sequence[str], pred: Sequence[str], count: int, seed: int) -> dict[str, dict]:
    """{metric: {"value", "low", "high"}}: the point estimate from `classification_metrics` and its bootstrap CI."""
    if count <= 0 or not gold:
        return {name: {"value": point.get(name), "low": None, "high": None} for name in METRICS}
    dist = bootstrap_metrics(task, gold, pred, count, seed)
    out = {}
    for name in METRICS:
        low, high = interval(dist[name])
        out[name] = {"value": point[name], "low": low, "high": high}
    return out
