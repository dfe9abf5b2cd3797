"""What every command shares: errors to exit code 2, progress logs, the metrics table."""

from __future__ import annotations

import contextlib
import logging
from typing import Iterator

import typer

from stance.errors import StanceError


@contextlib.contextmanager
def exit_on_error() -> Iterator[None]:
    """Run the block; a `StanceError` (bad input, missing model ...) prints its message and exits with 2."""
    try:
        yield
    except StanceError as err:
        typer.secho(f"Error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from err


def metrics_table(rows: dict[str, dict]) -> str:
    """n, F1m, F1pn and accuracy per evaluation set, one line each."""
    lines = [f"{'set':48} {'n':>6} {'F1m':>7} {'F1pn':>7} {'acc':>7}"]
    for key, m in rows.items():
        lines.append(f"{key:48} {m.get('n', 0):>6} {m.get('f1m', 0):>7.2f} {m.get('f1pn', 0):>7.2f} {m.get('accuracy', 0):>7.2f}")
    return "\n".join(lines)


def log_progress() -> None:
    """INFO logs of this project on stderr; other libraries (ONNX quantization ...) stay at WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
    for name in ("stance", "training"):
        logging.getLogger(name).setLevel(logging.INFO)
        logging.getLogger(name).addHandler(handler)
