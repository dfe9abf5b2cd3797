"""`stance corpus`: parse the arguments, call `aggregate_files` and `write_corpus`."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from stance.cli._util import exit_on_error


def corpus_cmd(
    inputs: List[Path] = typer.Argument(..., help="Outputs of `stance analyze --format json` (JSON Lines) or of "
                                        "`stance score --mode articles` (JSON Lines, CSV, Parquet file or Spark folder)."),
    out: Path = typer.Option(..., "-o", "--out", help="Folder for series, dyads, summary.json and report.html."),
    period: str = typer.Option("month", help="day, week (ISO), month or year."),
    keep_duplicates: bool = typer.Option(False, help="Count every copy of a statement (default: near-duplicate "
                                         "statements across articles, e.g. wire copies, count once)."),
    duplicate_window: int = typer.Option(7, help="Days: a copy of a statement within this many days of its first "
                                         "copy is a duplicate; later, the same words count as said again."),
    format: str = typer.Option("csv", "--format", help="Table format: csv or parquet."),
    engine: str = typer.Option("local", help="local, or spark (PySpark; Parquet stance rows in)."),
    master: str = typer.Option("local[*]", help="Spark master URL (with --engine spark)."),
    top: int = typer.Option(12, min=1, help="Dyads with evidence in the report."),
    report: bool = typer.Option(True, help="Write report.html."),
    title: Optional[str] = typer.Option(None, help="The report's title."),
) -> None:
    """Dyad time series over a corpus: per (holder, target) and period, statements, articles, mean score with a
    bootstrap interval and favor/against/neutral counts; wire copies counted once; an HTML report."""
    from stance.corpus import aggregate_files, write_corpus

    with exit_on_error():
        result = aggregate_files(inputs, period, not keep_duplicates, top, engine, master,  # type: ignore[arg-type]
                                 duplicate_window)
        written = write_corpus(result, out, format, report, title)  # type: ignore[arg-type]
    s = result.summary
    typer.echo(f"{s['rows_read']:,} statement stances from {s['articles']:,} articles; {s['duplicates_dropped']:,} "
               f"duplicates dropped{_window(s)}; {s['dyads']:,} dyads, {s['series_rows']:,} (dyad, {s['period']}) rows; "
               f"{s['statements_without_period']:,} statements without a date at that precision", err=True)
    for name, path in written.items():
        typer.echo(f"{name}: {path}", err=True)


def _window(summary: dict) -> str:
    days = summary.get("duplicate_window_days")
    return "" if not summary["dedupe"] else " (all copies)" if days is None else f" (copies within {days} days)"
