"""Write a report: JSON first, then HTML, Markdown and the model card rendered FROM that JSON.

HTML and Markdown are rendered from the dict read back from the written JSON text, with number
filters that only format (never round further than the JSON did), so every number in them is the
JSON's number; `tests/test_report.py` checks it. Plots are PNGs embedded in the HTML as data URIs
(the file opens offline) and also written to `plots/` for the Markdown.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from stance.report.plots import data_uri, section_plots

TEMPLATES = Path(__file__).resolve().parent / "templates"
MISSING = "n/a"


def fixed(value: Optional[float], places: int = 2) -> str:
    """`value` with `places` decimals, or "n/a"; the JSON holds values already rounded to at most `places`."""
    if value is None:
        return MISSING
    return f"{value:.{places}f}"


def interval(metric: dict) -> str:
    """"81.20 [79.10, 83.30]": a value with its confidence interval."""
    if metric.get("low") is None:
        return fixed(metric.get("value"))
    return f"{fixed(metric['value'])} [{fixed(metric['low'])}, {fixed(metric['high'])}]"


def signed(value: Optional[float]) -> str:
    """A delta with its sign: "+1.25", "-0.40"."""
    return MISSING if value is None else f"{value:+.2f}"


def markdown_cell(value: object) -> str:
    """Text safe inside a Markdown table cell: no line breaks, pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def environment(autoescape: bool) -> Environment:
    """The Jinja2 environment of the report templates, with the number filters."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]) if autoescape else False,
        undefined=StrictUndefined,  # a misspelt field fails the render instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update({"fixed": fixed, "interval": interval, "signed": signed, "md": markdown_cell})
    return env


def best_baseline(section: dict) -> Optional[dict]:
    """The available baseline with the highest F1m, or None."""
    available = [b for b in section["baselines"] if b["available"]]
    return max(available, key=lambda b: b["f1m"]) if available else None


def render_html(report: dict, plots: dict[str, dict[str, bytes]]) -> str:
    """The self-contained HTML report."""
    uris = {sid: {name: data_uri(png) for name, png in p.items()} for sid, p in plots.items()}
    return environment(True).get_template("report.html.j2").render(r=report, plots=uris, best_baseline=best_baseline)


def render_markdown(report: dict, plot_files: dict[str, dict[str, str]]) -> str:
    """The Markdown report (plots linked from `plots/`)."""
    return environment(False).get_template("report.md.j2").render(r=report, plots=plot_files, best_baseline=best_baseline)


def render_card(report: dict) -> str:
    """The model card as Markdown."""
    return environment(False).get_template("card.md.j2").render(r=report, card=report["card"])


def write_report(report: dict, out_dir: Path) -> dict[str, Path]:
    """Write report.json, report.html, report.md, MODEL_CARD.md and plots/*.png to `out_dir`; return the paths."""
    out_dir = Path(out_dir)
    (out_dir / "plots").mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "report.json", "html": out_dir / "report.html", "markdown": out_dir / "report.md",
             "card": out_dir / "MODEL_CARD.md"}
    paths["json"].write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    data = json.loads(paths["json"].read_text(encoding="utf-8"))  # render from the JSON as written, nothing else
    plots = {s["id"]: section_plots(s) for s in data["sections"]}
    plot_files: dict[str, dict[str, str]] = {}
    for sid, pngs in plots.items():
        plot_files[sid] = {}
        for name, png in pngs.items():
            (out_dir / "plots" / f"{sid}-{name}.png").write_bytes(png)
            plot_files[sid][name] = f"plots/{sid}-{name}.png"
    paths["html"].write_text(render_html(data, plots), encoding="utf-8")
    paths["markdown"].write_text(render_markdown(data, plot_files), encoding="utf-8")
    paths["card"].write_text(render_card(data), encoding="utf-8")
    return paths


def rerender(json_path: Path, out_dir: Optional[Path] = None) -> tuple[dict[str, Path], float]:
    """Render the HTML / Markdown of an existing report.json again; return the paths and the seconds taken."""
    started = time.time()
    report = json.loads(Path(json_path).read_text(encoding="utf-8"))
    paths = write_report(report, out_dir or Path(json_path).parent)
    return paths, round(time.time() - started, 1)
