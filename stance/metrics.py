"""The metrics the literature reports for target-dependent sentiment and stance.

F1m: macro-F1 over the three classes; F1pn: mean F1 over the two polar classes (positive/negative,
favor/against); accuracy; per-class precision/recall/F1 and the confusion matrix.
"""

from __future__ import annotations

from typing import Sequence

from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from stance.labels import LABEL_SETS, POLAR_LABELS


def classification_metrics(task: str, gold: Sequence[str], pred: Sequence[str]) -> dict:
    """Return F1m, F1pn, accuracy (in percent), per-class scores and the confusion matrix for `task`."""
    labels = list(LABEL_SETS[task])
    if not gold:
        return {"n": 0}
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, pred, labels=labels, zero_division=0
    )
    per_class = {
        label: {
            "precision": round(100 * float(precision[i]), 2),
            "recall": round(100 * float(recall[i]), 2),
            "f1": round(100 * float(f1[i]), 2),
            "support": int(support[i]),
        }
        for i, label in enumerate(labels)
    }
    return {
        "n": len(gold),
        "f1m": round(100 * float(f1.mean()), 2),
        "f1pn": round(sum(per_class[label]["f1"] for label in POLAR_LABELS[task]) / 2, 2),
        "accuracy": round(100 * float(accuracy_score(gold, pred)), 2),
        "per_class": per_class,
        "labels": labels,
        "confusion_matrix": confusion_matrix(gold, pred, labels=labels).tolist(),
    }
