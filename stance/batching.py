"""Padded micro-batches in, per-target logits out: the array plumbing between encoding and a backend."""

from __future__ import annotations

from typing import Mapping, Optional

import numpy as np


def pad_batch(encoded: Mapping[str, list], rows, pad_id: int, fill: Optional[Mapping[str, int]] = None) -> dict[str, np.ndarray]:
    """Right-pad rows `rows` of each field to that field's longest row: int64 arrays. `input_ids` are
    padded with `pad_id`, fields named in `fill` with their value, the others with 0."""
    rows = list(rows)
    fill = fill or {}
    out = {}
    for key, values in encoded.items():
        width = max(len(values[i]) for i in rows)
        array = np.full((len(rows), width), fill.get(key, pad_id if key == "input_ids" else 0), dtype=np.int64)
        for r, i in enumerate(rows):
            array[r, : len(values[i])] = values[i]
        out[key] = array
    return out


def read_positions(logits: np.ndarray, positions: list[int]) -> np.ndarray:
    """One sequence's (sequence, 6) per-token logits at its targets' positions: (k, 6)."""
    return logits[positions]


def read_all(logits: np.ndarray, positions: list[list[int]]) -> np.ndarray:
    """The (targets, 6) logits of a whole batch's per-token logits, sequence by sequence."""
    return np.concatenate([read_positions(row, p) for row, p in zip(logits, positions)])
