"""Register a trained model directory in the BentoML model store as `stance:<version>`."""

from __future__ import annotations

import shutil
from pathlib import Path

from stance.encoding import ENCODING_VERSION
from stance.modeling import SPEC_FILE, ModelSpec


def headline(metrics: dict) -> dict[str, float]:
    """F1m per test set, e.g. {"newsmtsc:test-rw:sentiment": 81.9}: shown by `stance models list`."""
    return {key: m["f1m"] for key, m in metrics.get("test", {}).items() if "f1m" in m}


def register(model_dir: Path, name: str, config: dict, metrics: dict, manifest_sha256: str) -> str:
    """Copy `model_dir` into a new model-store entry with labels and metadata; return its tag."""
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
    }
    labels = {"task": "stance-sentiment", "base": Path(spec.base_model).name or "custom", "encoding": f"v{ENCODING_VERSION}"}
    with bentoml.models.create(name, labels=labels, metadata=metadata) as entry:
        shutil.copytree(model_dir, entry.path, dirs_exist_ok=True)
    return str(entry.tag)


def _flat(metrics: dict) -> dict:
    """Headline numbers per evaluation set (the full metrics stay in the run directory)."""
    return {key: {k: m[k] for k in ("n", "f1m", "f1pn", "accuracy") if k in m} for key, m in metrics.items()}
