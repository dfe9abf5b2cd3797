"""Synthetic `stance score --mode articles` output rows for the corpus tests and benchmark."""

from __future__ import annotations

import random
from typing import Any, Iterator

ACTORS = [("united-states", "United States"), ("iran", "Iran"), ("russia", "Russia"), ("china", "China"),
          ("person:antony-blinken", "Antony Blinken"), ("nato", "NATO"), ("ukraine", "Ukraine")]
WIRE = "The United States condemned Iran's missile launch as a threat to the region."


def stance_rows(articles: int, seed: int = 0, wire_copies: int = 0, per_article: int = 4) -> Iterator[dict[str, Any]]:
    """Rows of `articles` articles dated across 2019–2024; the first `wire_copies` articles (dated
    2021-06-01 to 05, or undated) also carry the same wire sentence (United States → Iran, one
    punctuation/case variant in each), as reprints do."""
    rng = random.Random(seed)
    for number in range(articles):
        date = f"{2019 + number % 6}-{1 + number % 12:02d}-{1 + number % 28:02d}" if number % 17 else None
        if number < wire_copies and date:
            date = f"2021-06-{1 + number % 5:02d}"  # a wire story's reprints come out within days
        base = {"row": number + 1, "id": f"art-{number}", "date": date, "source": f"Outlet {number % 3}",
                "url": f"https://example.org/{number}", "title": f"Story {number}"}
        lines = [(f"Statement {number}.{i}: {rng.random():.6f} on the talks.", *_pair(rng)) for i in range(per_article)]
        if number < wire_copies:
            variant = WIRE if number % 2 else WIRE.upper().replace(",", "").replace(".", " .")
            lines.append((variant, ("united-states", "United States"), ("iran", "Iran")))
        for index, (text, holder, target) in enumerate(lines):
            favor = rng.random()
            against = rng.random() * (1 - favor)
            stance = "favor" if favor > 0.5 else "against" if against > 0.3 else "neutral"
            if text.upper() == text or text == WIRE:
                favor, against, stance = 0.05, 0.9, "against"
            yield {**base, "statement": index, "statement_start": index * 100, "statement_end": index * 100 + len(text),
                   "statement_text": text, "attribution": "reporting_verb", "holder": holder[0], "holder_name": holder[1],
                   "target": target[0], "target_name": target[1], "target_start": index * 100,
                   "target_end": index * 100 + 4, "stance": stance, "stance_against": round(against, 6),
                   "stance_neutral": round(1 - favor - against, 6), "stance_favor": round(favor, 6),
                   "sentiment": "neutral", "sentiment_negative": 0.2, "sentiment_neutral": 0.6, "sentiment_positive": 0.2}


def _pair(rng: random.Random) -> tuple[tuple[str, str], tuple[str, str]]:
    holder, target = rng.sample(ACTORS[:5], 2)
    if rng.random() < 0.2:
        holder = ("author", "author")
    return holder, target
