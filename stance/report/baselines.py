"""Baselines computed in the same run as the model: majority class, VADER, TF-IDF + logistic regression.

They tell a reader how much of a score the model earns: a majority-class F1m shows the floor a
skewed label distribution gives for free, VADER what target-blind sentiment words give, and
TF-IDF + LR what a bag of words trained on the same data gives.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Optional, Sequence

from stance.labels import LABEL_SETS, POLAR_LABELS
from stance.schema import Example

BASELINES = ("majority class", "VADER", "TF-IDF + LR")
VADER_THRESHOLD = 0.05
"""Hutto & Gilbert's cut-off: compound ≥ 0.05 positive, ≤ −0.05 negative, else neutral."""

Predictor = Callable[[Sequence[Example]], list[str]]


def majority_baseline(fit: Sequence[Example], task: str) -> Predictor:
    """Predicts the most frequent `task` label of `fit` for every example (ties: label-set order)."""
    counts = Counter(e.label for e in fit if e.task == task)
    labels = LABEL_SETS[task]
    top = max(labels, key=lambda label: (counts[label], -labels.index(label)))
    return lambda examples: [top] * len(examples)


def vader_baseline(task: str) -> Predictor:
    """The sign of VADER's compound score of the whole text, mapped to the task's polar labels.

    VADER sees no target: a sentence praising one actor and blaming another gets one label for both.
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    negative, positive = POLAR_LABELS[task]
    neutral = next(label for label in LABEL_SETS[task] if label not in (negative, positive))

    def predict(examples: Sequence[Example]) -> list[str]:
        out = []
        for example in examples:
            score = analyzer.polarity_scores(example.text)["compound"]
            out.append(positive if score >= VADER_THRESHOLD else negative if score <= -VADER_THRESHOLD else neutral)
        return out

    return predict


def _tfidf_input(example: Example) -> str:
    # The target name in front, so that the model can learn target words ("Trump", "gun control")
    # besides the statement's words.
    return f"{example.target_name} || {example.text}"


def tfidf_baseline(train: Sequence[Example], task: str, seed: int = 0) -> Optional[Predictor]:
    """TF-IDF (word 1-2-grams) + logistic regression fitted on the `task` rows of `train`; None if < 2 labels."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    rows = [e for e in train if e.task == task]
    if len({e.label for e in rows}) < 2:
        return None
    pipeline = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=100_000, sublinear_tf=True),
        LogisticRegression(max_iter=2000, C=4.0, random_state=seed),
    )
    pipeline.fit([_tfidf_input(e) for e in rows], [e.label for e in rows])
    return lambda examples: [str(label) for label in pipeline.predict([_tfidf_input(e) for e in examples])]


class BaselineSet:
    """The baselines of one dataset and task, fitted once and applied to each of its evaluation splits."""

    def __init__(self, train: Sequence[Example], dev: Sequence[Example], task: str, seed: int = 0) -> None:
        rows = [e for e in train if e.task == task]
        # Majority class from train; a dataset without train (PerSenT) takes its dev distribution.
        self.majority_source = "train" if rows else "dev"
        self.predictors: dict[str, Optional[Predictor]] = {
            "majority class": majority_baseline(rows or [e for e in dev if e.task == task], task),
            "VADER": vader_baseline(task),
            "TF-IDF + LR": tfidf_baseline(rows, task, seed) if rows else None,
        }

    def notes(self) -> dict[str, str]:
        """Per baseline: where it was fitted, or why it is n/a."""
        return {
            "majority class": f"most frequent label of {self.majority_source}",
            "VADER": "compound score of the text; target-blind, not trained",
            "TF-IDF + LR": "fitted on train" if self.predictors["TF-IDF + LR"] else "n/a: no train split with two or more labels",
        }

    def predict(self, examples: Sequence[Example]) -> dict[str, Optional[list[str]]]:
        """Per baseline: its labels for `examples`, or None when it is n/a for this dataset."""
        return {name: (predictor(examples) if predictor else None) for name, predictor in self.predictors.items()}
