"""From probabilities to a label: the top class, or `uncertain` below an abstain threshold."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from stance.errors import InputError

UNCERTAIN = "uncertain"
"""The label a classifier with an abstain threshold returns when its top probability is below it."""


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
