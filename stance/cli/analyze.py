"""`stance analyze` and `stance evalset`: parse the arguments, call `analyze_requests` / `evaluate_evalset`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from stance.article.export import FORMATS, render
from stance.article.files import analyze_requests, text_requests
from stance.batch.rows import Columns
from stance.cli._util import exit_on_error
from stance.errors import InputError


def analyze_cmd(
    files: List[Path] = typer.Argument(..., help="Article files: plain text, one article each ('-' reads standard "
                                       "input), or tables of articles (.jsonl, .ndjson, .csv, .parquet: one row "
                                       "per article with text, id, date, source, url, title)."),
    format: str = typer.Option("json", "--format", "-f", help="json (JSON Lines: one article a line), csv (one row per holder → "
                          "target pair), graphml (the stance network), plover (PLOVER JSON Lines, one stance a line) "
                          "or icews-csv (ICEWS-style columns, one stance a row); docs/events.md."),
    actors: Optional[Path] = typer.Option(None, "--actors", help="YAML/JSON actor list added to the gazetteer."),
    actors_only: bool = typer.Option(False, "--actors-only", help="Report only the actors of --actors."),
    model: str = typer.Option("stance:latest", help="Model tag or directory."),
    gazetteer: Optional[Path] = typer.Option(None, help="Gazetteer file [default: stance/article/gazetteer.yaml]."),
    encoding: str = typer.Option("utf-8", help="Text encoding of plain-text files (tables are UTF-8)."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Write to this file instead of standard output."),
    batch_size: int = typer.Option(8, min=1, help="Articles per batch (one spaCy pass, one classifier call; batches are pipelined)."),
    text_column: str = typer.Option("text", help="Tables: the column holding the article text."),
    id_column: str = typer.Option("id", help="Tables: the column holding your article id [default id: file:row]."),
    date_column: str = typer.Option("date", help="Tables: the publication date (ISO 8601 or a common form)."),
    source_column: str = typer.Option("source", help="Tables: the publisher."),
    url_column: str = typer.Option("url", help="Tables: the article's address."),
    title_column: str = typer.Option("title", help="Tables: the headline."),
    csv_multiline: bool = typer.Option(False, help="CSV tables: quoted fields may hold line breaks."),
) -> None:
    """Actors, speakers and directed stance in news articles, with the article's stance network."""
    with exit_on_error():
        if format not in FORMATS:
            raise InputError(f"Unknown format {format!r}: expected one of {list(FORMATS)}.")
        columns = Columns(text=text_column, id=id_column, date=date_column, source=source_column, url=url_column,
                          title=title_column)
        requests = article_requests(files, columns, encoding, csv_multiline)
        analyses = analyze_requests(requests, model, gazetteer, actors, actors_only, batch_size)
    text = render(analyses, format)  # type: ignore[arg-type]
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {len(analyses)} article(s) to {out}", err=True)
    else:
        typer.echo(text, nl=False)


def article_requests(files: List[Path], columns: Columns, encoding: str, csv_multiline: bool) -> list:
    """Every article of `files`, in order: a table gives one per row, any other file one."""
    from stance.batch.articles import is_article_table, read_article_table

    requests = []
    for path in files:
        if str(path) != "-" and is_article_table(path):
            requests += read_article_table(path, columns, csv_multiline=csv_multiline)
        else:
            requests += text_requests([path], encoding)
    return requests


def _table(metrics: dict) -> str:
    lines = [f"{'metric':28} {'value':>8}"]
    for key in ("mention_recall", "linking_accuracy", "speaker_accuracy"):
        lines.append(f"{key:28} {metrics[key]:>8.3f}")
    for key in ("triples", "triples_polar", "holder_target_pairs"):
        m = metrics[key]
        lines.append(f"{key + ' P/R/F1':28} {m['precision']:.3f} / {m['recall']:.3f} / {m['f1']:.3f}  (gold {m['gold']})")
    return "\n".join(lines)


def evalset_cmd(
    evalset: Optional[Path] = typer.Option(None, help="Gold articles (JSONL) [default: data/evalset/articles.jsonl]."),
    model: str = typer.Option("stance:latest", help="Model tag or directory."),
    gazetteer: Optional[Path] = typer.Option(None, help="Gazetteer file [default: stance/article/gazetteer.yaml]."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Also write the metrics as JSON here."),
    split: Optional[str] = typer.Option(None, help="Only the articles of this split (data/evalset/part2: dev or blind)."),
) -> None:
    """Score article analysis on the annotated evaluation set: mentions, linking, speakers, triples."""
    from stance.article.analyze import ArticleAnalyzer
    from stance.article.evalset import DEFAULT_PATH, evaluate_evalset

    with exit_on_error():
        metrics = evaluate_evalset(ArticleAnalyzer.from_ref(model, gazetteer), evalset or DEFAULT_PATH, split)
    typer.echo(_table(metrics))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(metrics, indent=2))
        typer.echo(f"\nWrote {out}")
