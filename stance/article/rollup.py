"""Article roll-up: one stance per (holder, target) pair and per target, from statement-level stances.

For a group of statement-level predictions the roll-up averages the stance probabilities: the label
is the class with the highest mean probability, the score is mean P(favor) − mean P(against) (in
[−1, 1]: −1 is certain opposition, +1 certain support) and the confidence is the mean probability of
the chosen label. Averaging probabilities, rather than counting votes, lets one confident statement
outweigh two hesitant ones and keeps the score continuous.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Hashable, Mapping, Sequence, Union

from stance.article.schema import Evidence, StanceOut, StanceSummary, StatementOut

Statements = Union[Sequence[StatementOut], Mapping[int, StatementOut]]
"""An article's statements by index: its list, or (read back from batch rows) a mapping of those known."""

FAVOR, AGAINST = "favor", "against"


def statement_score(probs: dict[str, float]) -> float:
    """P(favor) − P(against) of one prediction, rounded to 4 places."""
    return round(probs.get(FAVOR, 0.0) - probs.get(AGAINST, 0.0), 4)


def summarise(stances: Sequence[StanceOut], statements: Statements, holder: str | None) -> StanceSummary:
    """The roll-up of a non-empty group of stances toward one target (by one holder, or by all)."""
    labels = list(stances[0].stance_probs)
    mean = {label: sum(s.stance_probs[label] for s in stances) / len(stances) for label in labels}
    label = max(labels, key=lambda lab: mean[lab])
    evidence = [
        Evidence(
            statement=s.statement,
            start=statements[s.statement].start,
            end=statements[s.statement].end,
            text=statements[s.statement].text,
            stance=s.stance,
            score=statement_score(s.stance_probs),
        )
        for s in stances
    ]
    return StanceSummary(
        holder=holder,
        target=stances[0].target,
        stance=label,
        score=round(mean.get(FAVOR, 0.0) - mean.get(AGAINST, 0.0), 4),
        confidence=round(mean[label], 4),
        count=len(stances),
        evidence=evidence,
    )


def _grouped(stances: Sequence[StanceOut], key: Callable[[StanceOut], Hashable]) -> dict:
    groups: dict = defaultdict(list)
    for stance in stances:
        groups[key(stance)].append(stance)
    return groups


def _order(summary: StanceSummary) -> tuple:
    return (-summary.count, -abs(summary.score), summary.holder or "", summary.target)


def roll_up(stances: Sequence[StanceOut], statements: Statements) -> tuple[list[StanceSummary], list[StanceSummary]]:
    """Per-(holder, target) and per-target summaries, most evidence first."""
    pairs = [
        summarise(group, statements, holder)
        for (holder, _), group in _grouped(stances, lambda s: (s.holder, s.target)).items()
    ]
    targets = [summarise(group, statements, None) for group in _grouped(stances, lambda s: s.target).values()]
    return sorted(pairs, key=_order), sorted(targets, key=_order)
