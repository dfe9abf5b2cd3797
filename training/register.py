"""Register a trained model directory in the BentoML model store as `stance:<version>`.

Before the copy, the model is exported to ONNX and quantized to int8 (`stance.onnx_export`), so the
store entry holds the PyTorch weights and both ONNX graphs; `StanceClassifier` (backend "auto") then
serves the int8 graph.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Sequence

from stance.encoding import ENCODING_VERSION
from stance.modeling import SPEC_FILE, ModelSpec
from stance.onnx_export import export_and_quantize
from stance.schema import Example


def headline(metrics: dict) -> dict[str, float]:
    """F1m per test set, e.g. {"newsmtsc:test-rw:sentiment": 81.9}: shown by `stance models list`."""
    return {key: m["f1m"] for key, m in metrics.get("test", {}).items() if "f1m" in m}


def register(
    model_dir: Path,
    name: str,
    config: dict,
    metrics: dict,
    manifest_sha256: str,
    onnx: bool = True,
    parity_examples: Sequence[Example] = (),
) -> str:
    """Export ONNX (unless `onnx=False`), copy `model_dir` into a new model-store entry with labels and
    metadata; return its tag. `parity_examples` (e.g. the dev split) measure int8 vs fp32 agreement:
    when it misses the bar, the int8 graph is kept but not served by default."""
    import bentoml

    spec = ModelSpec.model_validate_json((Path(model_dir) / SPEC_FILE).read_text())
    onnx_report = export_and_quantize(Path(model_dir), parity_examples) if onnx else {}
    metadata = {
        "label_sets": spec.label_sets,
        "encoding_version": ENCODING_VERSION,
        "scheme": spec.scheme,
        "pooling": spec.pooling,
        "base_model": spec.base_model,
        "config": config,
        "dev_metrics": _flat(metrics.get("dev", {})),
        "test_metrics": _flat(metrics.get("test", {})),
        "headline": headline(metrics),
        "data_manifest_sha256": manifest_sha256,
        "onnx": onnx_report,
    }
    # How it was trained (precision chosen for the hardware, wall-clock), when the run recorded it.
    metadata.update({f"training_{key}": metrics[key] for key in ("precision", "seconds") if metrics.get(key) is not None})
    tier = config.get("tier") or "custom"
    metadata["tier"] = tier
    labels = {
        "task": "stance-sentiment",
        "tier": tier,
        "base": Path(spec.base_model).name or "custom",
        "encoding": f"v{ENCODING_VERSION}",
    }
    with bentoml.models.create(name, labels=labels, metadata=metadata) as entry:
        # Without a fresh export, leave out ONNX files a previous registration may have left behind.
        stale = shutil.ignore_patterns("*.onnx", "onnx.json") if not onnx else None
        shutil.copytree(model_dir, entry.path, dirs_exist_ok=True, ignore=stale)
    return str(entry.tag)


def _flat(metrics: dict) -> dict:
    """Headline numbers per evaluation set (the full metrics stay in the run directory)."""
    return {key: {k: m[k] for k in ("n", "f1m", "f1pn", "accuracy") if k in m} for key, m in metrics.items()}
