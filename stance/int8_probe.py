"""The int8 probe: registration stores a few hundred dev items with their fp32 probabilities in the model
directory (`probe.json`); a classifier loaded with `backend="auto"` runs them on the int8 graph first and
serves int8 only when it agrees with fp32 on the CPU it actually runs on.

Why at load time: int8 arithmetic is not the same on every x86 CPU. With VNNI (AVX-512 VNNI, AVX-VNNI)
ONNX Runtime accumulates u8 x s8 products in int32; on AVX2 alone it uses `pmaddubsw`, which adds pairs
of products in int16 with saturation, so the same graph that passed parity where it was registered can
flip labels where it is deployed (measured: 99.62% agreement on a VNNI machine, 97.58% on an AVX2 EPYC).

The bar: label agreement >= `PROBE_AGREEMENT` (the parity bar of registration, over both heads of each
item) and mean |p_int8 - p_fp32| <= `PROBE_MEAN_DRIFT`. Agreement catches flipped labels; the mean drift
catches a graph that moves every probability (e.g. saturating everywhere) while most labels survive,
which would mis-state every confidence the service reports: 0.02 means a reported probability is off by
two points on average, the size of the calibration error temperature scaling leaves (ECE 0.026 on
NewsMTSC test-rw, docs/reports.md): int8 may not add an error as large as the one calibration removes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from stance.schema import Item

PROBE_FILE = "probe.json"
PROBE_SIZE = 256
PROBE_AGREEMENT = 0.99
PROBE_MEAN_DRIFT = 0.02


def write_probe(model_dir: Path, items: Sequence[Item], probs: np.ndarray, made_with: str) -> Path:
    """Store `items` (at most PROBE_SIZE) and their reference probabilities (n, 6) in `model_dir`."""
    items, probs = list(items)[:PROBE_SIZE], np.asarray(probs, dtype=np.float64)[:PROBE_SIZE]
    path = Path(model_dir) / PROBE_FILE
    path.write_text(json.dumps({
        "made_with": made_with,
        "items": [item.model_dump(exclude_none=True) for item in items],
        "probs": np.round(probs, 6).tolist(),
    }))
    return path


def read_probe(model_dir: Path) -> Optional[tuple[list[Item], np.ndarray]]:
    """The stored probe, or None when the model directory has none (registered before probes existed)."""
    path = Path(model_dir) / PROBE_FILE
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return [Item(**item) for item in data["items"]], np.asarray(data["probs"], dtype=np.float64)


def compare(reference: np.ndarray, probs: np.ndarray, n_stance: int) -> dict:
    """Label agreement (both heads of each item) and mean / max |Δp| of `probs` against `reference`."""
    same = [reference[:, cols].argmax(1) == probs[:, cols].argmax(1) for cols in (slice(0, n_stance), slice(n_stance, None))]
    drift = np.abs(reference - probs)
    agreement = float(np.concatenate(same).mean())
    mean_drift = float(drift.mean())
    return {
        "n": len(reference),
        "agreement": round(agreement, 4),
        "mean_drift": round(mean_drift, 5),
        "max_drift": round(float(drift.max()), 4),
        "passed": agreement >= PROBE_AGREEMENT and mean_drift <= PROBE_MEAN_DRIFT,
    }
