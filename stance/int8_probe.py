"""The int8 probe: registration stores a few hundred dev items with their fp32 probabilities in the model
directory (`probe.json`); a classifier loaded with `backend="auto"` runs them on the int8 graph first and
serves int8 only when it agrees with fp32 on the CPU it actually runs on.

Why at load time: int8 arithmetic is not the same on every x86 CPU. With VNNI (AVX-512 VNNI, AVX-VNNI)
ONNX Runtime accumulates u8 x s8 products in int32; on AVX2 alone it uses `pmaddubsw`, which adds pairs
of products in int16 with saturation, so the same graph that passed parity where it was registered can
flip labels where it is deployed (measured: 99.62% agreement on a VNNI machine, 97.58% on an AVX2 EPYC).

The check, in order. (1) The probe also stores the int8 graph's own probabilities on the registering
CPU, where int8 parity was measured on the whole dev set: when this CPU reproduces them (max |Δp| <=
`PROBE_REPRODUCED`, far below any saturation effect, 0.18 measured, and above the float rounding
differences of other SIMD kernels) it computes what registration measured, so the parity result holds
here. (2) Otherwise the probe must agree with fp32 on its own: label agreement >= `PROBE_AGREEMENT`
(the parity bar of registration, over both heads of each item) and mean |p_int8 - p_fp32| <=
`PROBE_MEAN_DRIFT`. (1) matters because a few hundred items resolve agreement only to about one label
in 500: a model that passed parity at 99.22% on 1,664 dev items measured 98.95% on its 238-item probe. Agreement catches flipped labels; the mean drift
catches a graph that moves every probability (e.g. saturating everywhere) while most labels survive,
which would mis-state every confidence the service reports: 0.02 means a reported probability is off by
two points on average, the size of the calibration error temperature scaling leaves (ECE 0.026 on
NewsMTSC test-rw, docs/reports.md): int8 may not add an error as large as the one calibration removes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from stance.schema import Item

PROBE_FILE = "probe.json"
PROBE_SIZE = 256
PROBE_AGREEMENT = 0.99
PROBE_MEAN_DRIFT = 0.02
PROBE_REPRODUCED = 1e-3


@dataclass(frozen=True)
class Probe:
    """The stored probe: items, their fp32 probabilities and (when stored) the int8 graph's at registration."""

    items: list[Item]
    reference: np.ndarray
    int8_at_registration: Optional[np.ndarray] = None


def write_probe(
    model_dir: Path, items: Sequence[Item], probs: np.ndarray, made_with: str, int8_probs: Optional[np.ndarray] = None
) -> Path:
    """Store `items` (at most PROBE_SIZE), their reference probabilities (n, 6) and, when given, the int8
    graph's probabilities on this CPU in `model_dir`."""
    items, probs = list(items)[:PROBE_SIZE], np.asarray(probs, dtype=np.float64)[:PROBE_SIZE]
    data = {"made_with": made_with, "items": [item.model_dump(exclude_none=True) for item in items],
            "probs": np.round(probs, 6).tolist()}
    if int8_probs is not None:
        data["int8_probs"] = np.round(np.asarray(int8_probs, dtype=np.float64)[:PROBE_SIZE], 6).tolist()
    path = Path(model_dir) / PROBE_FILE
    path.write_text(json.dumps(data))
    return path


def read_probe(model_dir: Path) -> Optional[Probe]:
    """The stored probe, or None when the model directory has none (registered before probes existed)."""
    path = Path(model_dir) / PROBE_FILE
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    int8 = np.asarray(data["int8_probs"], dtype=np.float64) if "int8_probs" in data else None
    return Probe([Item(**item) for item in data["items"]], np.asarray(data["probs"], dtype=np.float64), int8)


def check_at_load(probe: Probe, probs: np.ndarray, n_stance: int) -> dict:
    """`compare` against fp32, plus whether this CPU reproduced registration's int8 probabilities
    (`reproduced`, max |Δp| `int8_max_diff`): passed when it did, else by `compare`'s bar."""
    result = compare(probe.reference, probs, n_stance)
    if probe.int8_at_registration is not None:
        diff = float(np.abs(probe.int8_at_registration - probs).max())
        result.update(int8_max_diff=round(diff, 6), reproduced=diff <= PROBE_REPRODUCED)
        result["passed"] = result["passed"] or result["reproduced"]
    return result


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
