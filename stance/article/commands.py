"""Command-line surfaces of article analysis: `stance analyze` and `stance evalset`.

The lead registers them in `stance/cli.py`:
    from stance.article.commands import analyze_cmd, evalset_cmd
    app.command("analyze")(analyze_cmd)
    app.command("evalset")(evalset_cmd)
Each command parses its arguments and calls one importable function (`analyze_files`, `evaluate_evalset`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional, Sequence

import typer

from stance.article.export import FORMATS, render
from stance.article.schema import ArticleAnalysis
from stance.errors import InputError, StanceError


def read_article(path: Path, encoding: str = "utf-8") -> str:
    """The text of an article file ('-' = standard input); undecodable bytes raise InputError naming the file."""
    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as err:
        raise InputError(f"Cannot read {path}: {err.strerror}. Fix: check the path.") from err
    try:
        # utf-8-sig: a byte-order mark some editors write is not part of the text.
        return raw.decode("utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding)
    except UnicodeDecodeError as err:
        raise InputError(
            f"{path} is not valid {encoding}: byte 0x{raw[err.start]:02x} at offset {err.start} cannot be decoded. "
            f"Expected {encoding} text. Fix: convert the file (`iconv -f cp1252 -t utf-8 {path}`) or pass its "
            f"encoding, e.g. `--encoding cp1252` or `--encoding latin-1`."
        ) from err
    except LookupError as err:
        raise InputError(f"Unknown encoding {encoding!r}. Fix: pass a Python codec name such as utf-8 or cp1252.") from err


def analyze_files(paths: Sequence[Path], model: str = "stance:latest", gazetteer: Optional[Path] = None,
                  encoding: str = "utf-8", actors: Optional[Path] = None, actors_only: bool = False,
                  batch_size: int = 8, analyzer=None) -> list[ArticleAnalysis]:
    """Analyse article files in batches of `batch_size` with `analyzer` (default: load `model` and
    `gazetteer`). Every file is read and checked before the model is loaded, so bad input fails fast."""
    from stance.article.analyze import ArticleAnalyzer, analyze_batches
    from stance.article.gazetteer import read_actor_file

    texts = [read_article(path, encoding) for path in paths]
    entries = read_actor_file(actors) if actors else []
    if actors_only and not entries:
        raise InputError("--actors-only needs --actors FILE: expected the actor list to restrict the output to.")
    analyzer = analyzer or ArticleAnalyzer.from_ref(model, gazetteer)
    batches = analyze_batches(analyzer, texts, ids=[str(p) for p in paths], actors=entries, actors_only=actors_only,
                              batch_size=batch_size)
    return [result for batch in batches for result in batch]


def _fail(err: StanceError) -> None:
    typer.secho(f"Error: {err}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def analyze_cmd(
    files: List[Path] = typer.Argument(..., help="Article files, plain text ('-' reads standard input)."),
    format: str = typer.Option("json", "--format", "-f", help="json (JSON Lines: one article a line), csv or graphml."),
    actors: Optional[Path] = typer.Option(None, "--actors", help="YAML/JSON actor list added to the gazetteer."),
    actors_only: bool = typer.Option(False, "--actors-only", help="Report only the actors of --actors."),
    model: str = typer.Option("stance:latest", help="Model tag or directory."),
    gazetteer: Optional[Path] = typer.Option(None, help="Gazetteer file [default: stance/article/gazetteer.yaml]."),
    encoding: str = typer.Option("utf-8", help="Text encoding of the files."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Write to this file instead of standard output."),
    batch_size: int = typer.Option(8, min=1, help="Articles per batch (one spaCy pass, one classifier call; batches are pipelined)."),
) -> None:
    """Actors, speakers and directed stance in news articles, with the article's stance network."""
    try:
        if format not in FORMATS:
            raise InputError(f"Unknown format {format!r}: expected one of {list(FORMATS)}.")
        analyses = analyze_files(files, model, gazetteer, encoding, actors, actors_only, batch_size)
    except StanceError as err:
        _fail(err)
    text = render(analyses, format)  # type: ignore[arg-type]
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {len(analyses)} article(s) to {out}", err=True)
    else:
        typer.echo(text, nl=False)


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
) -> None:
    """Score article analysis on the annotated evaluation set: mentions, linking, speakers, triples."""
    from stance.article.analyze import ArticleAnalyzer
    from stance.article.evalset import DEFAULT_PATH, evaluate_evalset

    try:
        metrics = evaluate_evalset(ArticleAnalyzer.from_ref(model, gazetteer), evalset or DEFAULT_PATH)
    except StanceError as err:
        _fail(err)
    typer.echo(_table(metrics))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(metrics, indent=2))
        typer.echo(f"\nWrote {out}")
