"""`build_report`: compute a model's evaluation report and write it (what `stance report` runs).

    from stance.report.build import build_report
    outcome = build_report("stance:latest", Path("reports/latest"), ["newsmtsc"], Path("processed"))
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from stance.errors import InputError


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
