"""Synthetic news-like pair rows for the batch-scoring benchmarks (deterministic, any size, streamed).

Each row is a statement of 10–45 words in the style of international-relations news, with a target
actor mentioned in it, a holder for about half of the rows and an id `r<n>`.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Iterator

ACTORS = [
    "Iran", "the United States", "China", "Russia", "NATO", "the European Union", "Israel", "Hamas", "Ukraine",
    "Saudi Arabia", "Turkey", "the United Nations", "Germany", "France", "India", "Pakistan", "North Korea",
    "Japan", "the IAEA", "Hezbollah", "Qatar", "Egypt", "Brazil", "the African Union",
]
VERBS = ["praised", "condemned", "met with", "accused", "thanked", "warned", "criticised", "backed",
         "signed a deal with", "imposed sanctions on", "called on", "welcomed the offer by"]
TAILS = [
    "over the nuclear talks", "after the border clashes of last week", "at the summit in Geneva",
    "in a statement on Tuesday", "for its role in the ceasefire negotiations that began in March",
    "despite growing pressure from lawmakers at home", "citing the humanitarian situation in the region",
    "as oil prices rose sharply on world markets", "during a press conference with reporters in the capital",
]
OPENERS = ["", "", "On Monday, ", "In a rare move, ", "According to officials, ", "Speaking to state media, "]


def pair_rows(n: int, seed: int = 0) -> Iterator[dict]:
    """`n` rows of {id, text, target, holder?}."""
    rng = random.Random(seed)
    for index in range(n):
        holder, target = rng.sample(ACTORS, 2)
        tails = " and ".join(rng.sample(TAILS, rng.randint(1, 3)))
        text = f"{rng.choice(OPENERS)}{holder} {rng.choice(VERBS)} {target} {tails}."
        row = {"id": f"r{index}", "text": text[0].upper() + text[1:], "target": target.removeprefix("the ")}
        if rng.random() < 0.5:
            row["holder"] = holder.removeprefix("the ")
        yield row


def write_pairs(path: Path, n: int, seed: int = 0) -> Path:
    """Write `n` rows as JSON Lines to `path` (kept when it already has `n` lines)."""
    if path.is_file() and sum(1 for _ in path.open("rb")) == n:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in pair_rows(n, seed))
    return path
