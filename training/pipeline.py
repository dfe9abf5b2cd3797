"""The main training job: config → trained model → registered `stance:<version>`."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from training.config import Config, load_config

logger = logging.getLogger(__name__)


@dataclass
class TrainingOutcome:
    run_dir: Optional[Path]
    tag: Optional[str]
    metrics: dict


def run_training(config: Config, runs_dir: Path = Path("runs")) -> TrainingOutcome:
    """Train `config`, register the best model when `config.registry.enabled`; return what was made."""
    from training.register import register
    from training.train import train

    result = train(config, runs_dir)
    tag = None
    if config.registry.enabled:
        started = time.time()
        tag = register(
            result.model_dir,
            config.registry.name,
            config.model_dump(exclude_none=True),
            result.metrics,
            result.metrics["data_manifest_sha256"],
            parity_examples=result.selection,
        )
        (result.run_dir / "registered.txt").write_text(tag + "\n")
        result.metrics["phase_seconds"]["register"] = round(time.time() - started, 1)
    _log_time(result.run_dir, result.metrics["phase_seconds"])
    return TrainingOutcome(result.run_dir, tag, result.metrics)


def registered_model(name: str) -> Optional[str]:
    """The newest registered tag of `name`, or None when the store has none."""
    from stance.store import registered

    models = registered(name)
    return str(models[0].tag) if models else None


def train_from_file(path: Path | str, overrides: Sequence[str] = (), runs_dir: Path = Path("runs"), if_missing: bool = False) -> TrainingOutcome:
    """Load a config file (+ overrides) and run it; with `if_missing`, reuse a registered model instead."""
    config = load_config(path, overrides)
    if if_missing and config.registry.enabled:
        existing = registered_model(config.registry.name)
        if existing:
            import bentoml

            logger.info("Model %s is registered already: not training.", existing)
            meta = bentoml.models.get(existing).info.metadata
            return TrainingOutcome(None, existing, {"test": meta.get("test_metrics", {}), "dev": meta.get("dev_metrics", {})})
    return run_training(config, runs_dir)


def estimate_from_file(path: Path | str, overrides: Sequence[str] = ()):
    """The dry run of a config file (+ overrides): its `RunEstimate` (`training.train.estimate`)."""
    from training.train import estimate

    return estimate(load_config(path, overrides))


def _log_time(run_dir: Path, phases: dict[str, float]) -> None:
    """Where the run's time went, in the log and in `timing.json` of the run directory."""
    total = sum(phases.values())
    (run_dir / "timing.json").write_text(json.dumps({**phases, "total": round(total, 1)}, indent=2))
    logger.info("Time: %s; total %.1f min", ", ".join(f"{k} {v / 60:.1f} min" for k, v in phases.items()), total / 60)
