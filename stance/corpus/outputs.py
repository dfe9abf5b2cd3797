"""Run an aggregation from files, and write what it found: series, dyads, summary and report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, Optional, Sequence

from stance.corpus.aggregate import DUPLICATE_WINDOW_DAYS, CorpusResult, aggregate_rows
from stance.corpus.rows import PERIODS, Period, corpus_rows
from stance.corpus.stats import SERIES_COLUMNS
from stance.errors import InputError

TableFormat = Literal["csv", "parquet"]


def aggregate_files(paths: Sequence[Path], period: Period = "month", dedupe: bool = True, top: int = 12,
                    engine: str = "local", master: str = "local[*]",
                    window_days: Optional[int] = DUPLICATE_WINDOW_DAYS) -> CorpusResult:
    """Aggregate the analyses in `paths` (see `stance.corpus`) by `period` on `engine` (local or spark);
    copies of a statement within `window_days` of its first copy count once unless `dedupe` is off."""
    if window_days is not None and window_days < 0:
        raise InputError(f"--duplicate-window {window_days}: expected a number of days, 0 or more.")
    if period not in PERIODS:
        raise InputError(f"Unknown period {period!r}: expected one of {list(PERIODS)}.")
    if not paths:
        raise InputError("No input files: expected outputs of `stance analyze --format json` or `stance score "
                         "--mode articles`.")
    if engine == "spark":
        from stance.corpus.spark import aggregate_spark

        return aggregate_spark(paths, period, dedupe, top, master, window_days=window_days)
    if engine != "local":
        raise InputError(f"Unknown engine {engine!r}: expected local or spark.")
    return aggregate_rows(corpus_rows(paths), period, dedupe, top, window_days=window_days)


def write_table(rows: list[dict], path: Path, format: TableFormat) -> None:
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64(), "double": pa.float64()}
    schema = pa.schema([(name, types[kind]) for name, kind in SERIES_COLUMNS])
    table = pa.Table.from_pylist(rows, schema=schema)
    if format == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    else:
        import pyarrow.csv as pcsv

        pcsv.write_csv(table, path)


def write_corpus(result: CorpusResult, out: Path, format: TableFormat = "csv", report: bool = True,
                 title: Optional[str] = None) -> dict[str, Path]:
    """Write `series.<format>`, `dyads.<format>`, `summary.json` and (with `report`) `report.html` into the
    folder `out`. Returns the paths written, by name."""
    if format not in ("csv", "parquet"):
        raise InputError(f"Unknown table format {format!r}: expected csv or parquet.")
    out.mkdir(parents=True, exist_ok=True)
    written = {"series": out / f"series.{format}", "dyads": out / f"dyads.{format}", "summary": out / "summary.json"}
    write_table(result.series, written["series"], format)
    write_table(result.dyads, written["dyads"], format)
    written["summary"].write_text(json.dumps(result.summary, indent=2) + "\n")
    if report:
        from stance.corpus.report import render_report

        written["report"] = out / "report.html"
        written["report"].write_text(render_report(result, title), encoding="utf-8")
    return written
