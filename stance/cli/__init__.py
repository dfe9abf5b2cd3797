"""The `stance` command line: thin typer commands over importable functions.

Each module of this package parses one command's arguments and calls one function of the layers below
(`stance.article`, `stance.batch`, `stance.report`, `stance.evaluation`, `stance.store`); `_util` turns
a `StanceError` into its message and exit code 2. Commands of other installed packages join through the
`stance.commands` entry point group: `training` adds `data build`, `train` and `models fetch-base`
(`training/cli.py`), so the runtime never imports training code.
"""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path
from typing import List, Optional

import typer

from stance.cli._util import exit_on_error, metrics_table

app = typer.Typer(help="Who says what about whom: stance and sentiment toward actors in news.", no_args_is_help=True)
models_app = typer.Typer(help="Registered models in the BentoML model store.", no_args_is_help=True)
app.add_typer(models_app, name="models")

PLUGIN_GROUP = "stance.commands"
"""Entry points `name = "module:function"`; each function is called with (app, models_app)."""


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

    with exit_on_error():
        metrics, paths = evaluate_model(model, list(file or []), processed_dir, list(split or []), out)
    typer.echo(metrics_table(metrics))
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


def _register_commands() -> None:
    from stance.cli.analyze import analyze_cmd, evalset_cmd
    from stance.cli.corpus import corpus_cmd
    from stance.cli.report import report_cmd
    from stance.cli.score import score_cmd

    app.command("analyze")(analyze_cmd)
    app.command("corpus")(corpus_cmd)
    app.command("evalset")(evalset_cmd)
    app.command("report")(report_cmd)
    app.command("score")(score_cmd)
    for plugin in entry_points(group=PLUGIN_GROUP):
        plugin.load()(app, models_app)


_register_commands()
