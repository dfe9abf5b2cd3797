"""The task definition: label sets of the two heads, in one place.

Every model saves these with its weights; code that serves a model reads them from the model
(`StanceModel.label_sets`), and only training uses these constants to build a new one.
"""

from __future__ import annotations

from typing import Literal

Task = Literal["stance", "sentiment"]
TASKS: tuple[Task, ...] = ("stance", "sentiment")

STANCE_LABELS: tuple[str, ...] = ("against", "neutral", "favor")
"""favor: supports, praises, defends, thanks, allies with; against: opposes, criticises, blames,
accuses, threatens; neutral: mentions without taking a position."""

SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
"""Sentiment toward the target as defined by NewsMTSC (Hamborg & Donnay, 2021)."""

LABEL_SETS: dict[str, tuple[str, ...]] = {"stance": STANCE_LABELS, "sentiment": SENTIMENT_LABELS}
HEAD_SIZE = len(STANCE_LABELS)
"""Classes per head. Both heads have as many, so training can code a row's label as
`task index x HEAD_SIZE + class index` in one integer (`stance.modeling.task_loss`)."""
assert all(len(labels) == HEAD_SIZE for labels in LABEL_SETS.values())

POLAR_LABELS: dict[str, tuple[str, ...]] = {
    "stance": ("against", "favor"),
    "sentiment": ("negative", "positive"),
}
"""The two non-neutral classes of each task: F1pn is the mean F1 over these."""
