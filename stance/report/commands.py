"""`stance report`: the evaluation report of a model, as HTML, Markdown, JSON and a model card.

The lead registers it in `stance/cli.py`:
    from stance.report.commands import report_cmd
    app.command("report")(report_cmd)
The command parses its arguments and calls `build_report`, which tests call directly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

import typer

from stance.errors import InputError, StanceError


@dataclass
class ReportOutcome:
    """What `build_report` wrote, and how long computing and rendering took."""

    paths: dict[str, Path]
    report: dict
    compute_seconds: float
    render_seconds: float


def default_datasets(processed_dir: Path) -> list[str]:
    """Every dataset with processed splits in `processed_dir`, sorted."""
    return sorted(p.name for p in Path(processed_dir).glob("*") if p.is_dir() and any(p.glob("*.jsonl")))


def build_report(
    model: str, out: Path, datasets: Sequence[str] = (), processed_dir: Path = Path("processed"),
    compare: Optional[str] = None, splits: Sequence[str] = (), bootstrap: int = 1000, seed: int = 0,
    max_examples: Optional[int] = None, classifier=None, other=None,
) -> ReportOutcome:
    """Compute the report of `model` on `datasets` (default: all in `processed_dir`) and write it to `out`."""
    from stance.report.compute import compute_report
    from stance.report.render import write_report

    if bootstrap < 0:
        raise InputError(f"--bootstrap must be 0 (no intervals) or a number of resamples such as 1000; found {bootstrap}.")
    names = list(datasets) or default_datasets(processed_dir)
    if not names:
        raise InputError(
            f"No processed datasets in {processed_dir}. Expected <dir>/<dataset>/<split>.jsonl. "
            f"Fix: run `stance data build` or pass --processed-dir."
        )
    started = time.time()
    report = compute_report(model, names, processed_dir, compare, splits, bootstrap, seed,
                            max_examples=max_examples, classifier=classifier, other=other)
    computed = time.time()
    paths = write_report(report, out)
    return ReportOutcome(paths, report, round(computed - started, 1), round(time.time() - computed, 1))


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
    try:
        outcome = build_report(model, out, list(dataset or []), processed_dir, compare, list(split or []), bootstrap, seed, max_examples)
    except StanceError as err:
        typer.secho(f"Error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from err
    for s in outcome.report["sections"]:
        after = s["calibration"]["after"]
        typer.echo(f"{s['dataset']:26} {s['split']:14} {s['task']:9} n={s['n']:<6} F1m {s['metrics']['f1m']['value']:6.2f}  "
                   f"ECE {s['calibration']['before']['ece']:.4f} -> {after['ece'] if after else 'n/a'}")
    typer.echo(f"\nComputed in {outcome.compute_seconds} s, rendered in {outcome.render_seconds} s.")
    typer.echo(f"Wrote {outcome.paths['html']}, {outcome.paths['markdown']}, {outcome.paths['json']} and {outcome.paths['card']}")
