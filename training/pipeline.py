"""The main training job: config → trained model → registered `stance:<version>`."""

from __future__ import annotations

import logging
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
    from training.train import load_sources, train

    result = train(config, runs_dir)
    tag = None
    if config.registry.enabled:
        tag = register(
            result.model_dir,
            config.registry.name,
            config.model_dump(exclude_none=True),
            result.metrics,
            result.metrics["data_manifest_sha256"],
            parity_examples=_selection_dev(config, load_sources),
        )
        (result.run_dir / "registered.txt").write_text(tag + "\n")
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


def _selection_dev(config: Config, load_sources) -> list:
    """The dev examples that select checkpoints: they also decide whether int8 is served (parity)."""
    chosen = [s for s in config.data.dev if f"{s.dataset}:{s.split}" in config.data.selection] or config.data.dev
    return [e for examples in load_sources(config, chosen).values() for e in examples]
