"""Per (holder, target, period) numbers, computed by one function for the local and the Spark engine.

Both engines hand `group_stats` a group's rows; it sorts the scores before it sums them (`math.fsum`) and
draws the bootstrap from a generator seeded by the group's key, so the two engines give identical numbers
whatever order their rows come in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import Any, Optional, Sequence

import numpy as np

RESAMPLES = 1000
LEVEL = 0.95
_CELLS = 2_000_000
"""Resampled values held at once: large groups are bootstrapped in slices of resamples."""
SERIES_COLUMNS: tuple[tuple[str, str], ...] = (
    ("holder", "string"), ("holder_name", "string"), ("target", "string"), ("target_name", "string"),
    ("period", "string"), ("statements", "int64"), ("articles", "int64"), ("favor", "int64"), ("against", "int64"),
    ("neutral", "int64"), ("mean_score", "double"), ("score_low", "double"), ("score_high", "double"),
    ("duplicates", "int64"),
)


def mean_interval(scores: Sequence[float], seed: str, resamples: int = RESAMPLES,
                  level: float = LEVEL) -> tuple[float, Optional[float], Optional[float]]:
    """Mean of `scores` and its percentile bootstrap interval (None for fewer than two scores)."""
    ordered = np.sort(np.asarray(scores, dtype=np.float64))
    n = len(ordered)
    mean = math.fsum(ordered.tolist()) / n
    if n < 2:
        return mean, None, None
    rng = np.random.default_rng(int.from_bytes(hashlib.blake2b(seed.encode(), digest_size=8).digest(), "little"))
    step = max(1, _CELLS // n)
    means = np.concatenate([ordered[rng.integers(0, n, size=(min(step, resamples - start), n))].mean(axis=1)
                            for start in range(0, resamples, step)])
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return mean, float(low), float(high)


def group_stats(holder: str, target: str, period: str, articles: Sequence[str], stances: Sequence[str],
                scores: Sequence[float], copies: Sequence[int]) -> dict[str, Any]:
    """One series row (without names) from the rows of one (holder, target, period) group."""
    mean, low, high = mean_interval(scores, f"{holder}\x1f{target}\x1f{period}")
    return {
        "holder": holder, "target": target, "period": period, "statements": len(scores),
        "articles": len(set(articles)), "favor": sum(s == "favor" for s in stances),
        "against": sum(s == "against" for s in stances), "neutral": sum(s == "neutral" for s in stances),
        "mean_score": round(mean, 12), "score_low": None if low is None else round(low, 12),
        "score_high": None if high is None else round(high, 12), "duplicates": int(sum(copies)),
    }


def display_names(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """One name per actor id from its (id, name) pairs: the longest, then the first in order."""
    names: dict[str, str] = {}
    for actor, name in sorted(set(pairs)):
        if actor not in names or len(name) > len(names[actor]):
            names[actor] = name
    return names


def _day(sortdate: str) -> Optional[dt.date]:
    """The first day an ISO date (at any precision) covers; None for an undated row."""
    if sortdate[:1] == "~":
        return None
    year, month, day = int(sortdate[:4]), int(sortdate[5:7] or 1), int(sortdate[8:10] or 1)
    return dt.date(year, month, day)


def copies_kept(sortdates: Sequence[str], window_days: Optional[int]) -> list[Optional[int]]:
    """Which copies of one statement count, given their dates in order (earliest first, undated last).

    A copy within `window_days` of the first copy of its run is a duplicate of it (a wire story and its
    reprints); a later one starts a new run (the same sentence said again months later is a new statement).
    `window_days=None`: every copy is one run. Undated copies join the last run. Returns, per copy, the
    number of further copies its run holds when it is the one kept, else None."""
    kept: list[Optional[int]] = [None] * len(sortdates)
    first, start = -1, None
    for index, sortdate in enumerate(sortdates):
        day = _day(sortdate)
        new_run = first < 0 or (window_days is not None and day is not None and start is not None
                                and (day - start).days > window_days)
        if new_run:
            first, start = index, day
            kept[index] = 0
        else:
            kept[first] = (kept[first] or 0) + 1
    return kept
