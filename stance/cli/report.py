"""`stance report`: parse the arguments, call `build_report`, print a line per section."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from stance.cli._util import exit_on_error
from stance.report.build import build_report


def report_cmd(
    model: str = typer.Option("stance:latest", "--model", help="Model tag or directory."),
    out: Path = typer.Option(Path("reports/latest"), "-o", "--out", help="Output folder (report.html, .md, .json, MODEL_CARD.md)."),
    dataset: Optional[List[str]] = typer.Option(None, "--dataset", "--datasets", help="Dataset to report on (repeatable); all processed ones when omitted."),
    compare: Optional[str] = typer.Option(None, "--compare", help="Another model tag or directory: per-metric deltas and significance."),
    processed_dir: Path = typer.Option(Path("processed"), help="Processed data folder (from `stance data build`)."),
    split: Optional[List[str]] = typer.Option(None, "--split", help="Only these splits: `test-rw` or `newsmtsc:test-rw` (repeatable)."),
    bootstrap: int = typer.Option(1000, help="Bootstrap resamples for intervals and paired tests (0: none)."),
    seed: int = typer.Option(0, help="Seed of bootstrap resamples and of --max-examples sampling."),
    max_examples: Optional[int] = typer.Option(None, min=1, help="Sample at most this many examples per split (quick look)."),
) -> None:
    """Evaluation report: metrics with intervals, calibration, slices, errors, baselines, model card."""
    with exit_on_error():
        outcome = build_report(model, out, list(dataset or []), processed_dir, compare, list(split or []), bootstrap, seed, max_examples)
    for s in outcome.report["sections"]:
        after = s["calibration"]["after"]
        typer.echo(f"{s['dataset']:26} {s['split']:14} {s['task']:9} n={s['n']:<6} F1m {s['metrics']['f1m']['value']:6.2f}  "
                   f"ECE {s['calibration']['before']['ece']:.4f} -> {after['ece'] if after else 'n/a'}")
    typer.echo(f"\nComputed in {outcome.compute_seconds} s, rendered in {outcome.render_seconds} s.")
    typer.echo(f"Wrote {outcome.paths['html']}, {outcome.paths['markdown']}, {outcome.paths['json']} and {outcome.paths['card']}")
