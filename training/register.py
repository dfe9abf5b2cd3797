"""Register a trained model directory in the BentoML model store as `stance:<version>`.

The run's model directory is copied into a new store entry and exported there to ONNX and quantized to
int8 (`training.onnx_export`): the entry holds the PyTorch weights and both ONNX graphs, the run
directory stays as training left it; `StanceClassifier` (backend "auto") then serves the int8 graph.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Sequence

from stance.encoding import ENCODING_VERSION
from stance.model_dir import SPEC_FILE
from stance.modeling import ModelSpec
from stance.schema import Example
from training.onnx_export import export_and_quantize


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
        "onnx": {},
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
        # ONNX files of an earlier export (a model directory registered by an older version) are left
        # out: the graphs in the entry are always the ones made from its weights here.
        shutil.copytree(model_dir, entry.path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.onnx", "onnx.json", "probe.json"))
        if onnx:
            entry.info.metadata["onnx"] = export_and_quantize(Path(entry.path), parity_examples)
    return str(entry.tag)


def _flat(metrics: dict) -> dict:
    """Headline numbers per evaluation set (the full metrics stay in the run directory)."""
    return {key: {k: m[k] for k in ("n", "f1m", "f1pn", "accuracy") if k in m} for key, m in metrics.items()}
