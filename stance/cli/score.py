"""`stance score`: the thin command over `score_file` (local) and `score_spark` (Spark)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from stance.batch.rows import Columns
from stance.cli._util import exit_on_error
from stance.errors import InputError


def score_cmd(
    input: str = typer.Argument(..., help="JSON Lines, CSV or Parquet file (Spark: Parquet file, folder or URI)."),
    output: str = typer.Option(..., "-o", "--output", help="Output file (.jsonl, .csv or .parquet); rejects and "
                                "summary go next to it as <name>.rejects.jsonl and <name>.summary.json."),
    mode: str = typer.Option("pairs", help="pairs: rows of text + target [+ holder]; articles: rows of article text."),
    model: str = typer.Option("stance:latest", help="Model tag or directory."),
    format: Optional[str] = typer.Option(None, "--format", help="Input format [default: from the extension]."),
    output_format: Optional[str] = typer.Option(None, help="Output format [default: from the extension]."),
    text_column: str = typer.Option("text", help="Column holding the statement (pairs) or article (articles)."),
    target_column: str = typer.Option("target", help="Column holding the target's name (pairs)."),
    holder_column: str = typer.Option("holder", help="Column holding the holder's name, if any (pairs)."),
    span_columns: str = typer.Option("target_start,target_end", help="Columns of the target's character offsets, "
                                     "if any (pairs)."),
    id_column: str = typer.Option("id", help="Column holding your row id, copied to the output."),
    keep: Optional[List[str]] = typer.Option(None, help="Input column copied to every output row (repeatable)."),
    metadata_columns: str = typer.Option("date,source,url,title", help="Articles: the columns of the publication "
                                         "date (ISO 8601 or a common form), publisher, address and headline, in "
                                         "that order, written to every output row as date, source, url, title."),
    absent_targets: bool = typer.Option(False, help="Score targets named but not found in the text (e.g. tweets "
                                        "about a candidate) instead of rejecting the row."),
    chunk_rows: Optional[int] = typer.Option(None, min=1, help="Rows per chunk (one commit each) "
                                             "[default: 2048 pairs, 32 articles]."),
    resume: bool = typer.Option(False, help="Continue an interrupted run from its last committed chunk."),
    overwrite: bool = typer.Option(False, help="Replace an existing output or an unfinished run."),
    engine: str = typer.Option("local", help="local, or spark (PySpark; Parquet in and out)."),
    master: str = typer.Option("local[*]", help="Spark master URL (with --engine spark)."),
    gazetteer: Optional[Path] = typer.Option(None, help="Gazetteer file (articles) [default: ours]."),
    progress: bool = typer.Option(True, help="Show a progress bar on standard error."),
    csv_multiline: bool = typer.Option(False, help="CSV: quoted fields may hold line breaks. Default: one record "
                                       "per line, and a line that leaves a quote open stops the run before scoring."),
    dedupe_ids: bool = typer.Option(False, help="Reject rows whose id an earlier row has (default: score them and "
                                    "count them in the summary)."),
) -> None:
    """Score a file of statements or articles; malformed rows go to a rejects file, nothing is lost."""
    with exit_on_error():
        columns = _columns(text_column, target_column, holder_column, span_columns, id_column, keep or [],
                           metadata_columns)
        if engine == "spark":
            from stance.batch.spark import score_spark

            if resume:
                raise InputError("--resume works with the local engine only: Spark re-runs failed tasks itself, "
                                 "and a failed Spark job is re-run whole (with --overwrite).")
            if csv_multiline or dedupe_ids:
                raise InputError("--csv-multiline and --dedupe-ids work with the local engine only (Spark reads "
                                 "Parquet and scores partitions apart). Fix: drop them, or use --engine local.")
            summary = score_spark(input, output, model, mode, columns, master=master,  # type: ignore[arg-type]
                                  absent_targets=absent_targets, overwrite=overwrite, gazetteer=gazetteer,
                                  batch_rows=chunk_rows or 2048)
        elif engine == "local":
            from stance.batch.score import ScoreOptions, score_file

            options = ScoreOptions(mode, columns, format, output_format, chunk_rows, resume, overwrite,  # type: ignore[arg-type]
                                   absent_targets, progress, gazetteer, csv_multiline=csv_multiline,
                                   dedupe_ids=dedupe_ids)
            summary = score_file(Path(input), Path(output), model, options)
        else:
            raise InputError(f"Unknown engine {engine!r}: expected local or spark.")
    typer.echo(
        f"rows read {summary.rows_read:,} = scored {summary.rows_scored:,} + rejected {summary.rows_rejected:,}; "
        f"{summary.output_rows:,} output rows in {summary.seconds:.1f} s ({summary.rows_per_second:,.1f} rows/s)\n"
        f"output:  {summary.output}\nrejects: {summary.rejects}",
        err=True,
    )
    if summary.duplicate_ids:
        typer.echo(_duplicates_line(summary), err=True)


def _duplicates_line(summary) -> str:
    """What the run did with rows whose id an earlier row has, naming the first few."""
    first = ", ".join(f"{d.id!r} (rows {d.first_row} and {d.row})" for d in summary.duplicate_id_examples)
    done = ("rejected (--dedupe-ids)" if summary.dedupe_ids
            else "scored as well; pass --dedupe-ids to keep only the first row of each id")
    return f"duplicate ids: {summary.duplicate_ids:,} rows repeat an earlier row's id, {done}. First: {first}"


def _columns(text: str, target: str, holder: str, spans: str, id: str, keep: list[str],
             metadata: str = "date,source,url,title") -> Columns:
    names = [name.strip() for name in spans.split(",")]
    if len(names) != 2 or not all(names):
        raise InputError(f"--span-columns {spans!r}: expected two column names, e.g. target_start,target_end.")
    meta = [name.strip() for name in metadata.split(",")]
    if len(meta) != 4 or not all(meta):
        raise InputError(f"--metadata-columns {metadata!r}: expected four column names (date, source, url, title "
                         "in that order), e.g. published,outlet,link,headline.")
    return Columns(text=text, target=target, holder=holder, target_start=names[0], target_end=names[1], id=id,
                   keep=tuple(keep), date=meta[0], source=meta[1], url=meta[2], title=meta[3])
