"""The report's plots, drawn with matplotlib (Agg: no display) from the report JSON, returned as PNG bytes.

Each plot function takes the numbers of one section exactly as they stand in the JSON, so a plot
shows the same values as the tables beside it.
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI; must precede pyplot's import

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

DPI = 96
BEFORE, AFTER, MODEL, BASELINE = "#c0504d", "#1f77b4", "#1f77b4", "#9e9e9e"


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)  # figures are global in pyplot: close each, or memory grows with the report
    return buffer.getvalue()


def data_uri(png: bytes) -> str:
    """An `<img src>` value embedding `png`, so the HTML opens offline as a single file."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def confusion_plot(labels: list[str], matrix: list[list[int]], title: str) -> bytes:
    """Confusion matrix (rows gold, columns predicted): colour = share of the gold row, text = count."""
    counts = np.array(matrix, dtype=float)
    rows = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    fig, ax = plt.subplots(figsize=(3.8, 3.3))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, str(int(counts[i, j])), ha="center", va="center", color="white" if shares[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title, fontsize=10)
    return _png(fig)


def reliability_plot(calibration: dict, title: str) -> bytes:
    """Reliability diagram: accuracy against mean confidence per bin, before and after temperature scaling.

    Marker area grows with the bin's count, so sparse bins do not look as important as full ones.
    """
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    ax.plot([0, 1], [0, 1], linestyle="--", color="#777777", linewidth=1, label="perfect calibration")
    states = [("before", BEFORE, "T = 1")]
    if calibration.get("after"):
        states.append(("after", AFTER, f"T = {calibration['temperature']}"))
    for key, colour, name in states:
        curve = calibration[key]["curve"]
        x = [b["confidence"] for b in curve]
        y = [b["accuracy"] for b in curve]
        total = sum(b["count"] for b in curve) or 1
        sizes = [12 + 300 * b["count"] / total for b in curve]
        ax.plot(x, y, color=colour, linewidth=1.2, label=f"{key} ({name}), ECE {calibration[key]['ece']}")
        ax.scatter(x, y, s=sizes, color=colour, alpha=0.7, zorder=3)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("confidence (top probability)")
    ax.set_ylabel("accuracy")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", fontsize=7)
    return _png(fig)


def metrics_plot(section: dict, title: str) -> bytes:
    """F1m, F1pn and accuracy of the model (with its bootstrap interval) beside each available baseline."""
    names = ["f1m", "f1pn", "accuracy"]
    systems = [("model", section["metrics"])] + [
        (b["name"], {k: {"value": b[k], "low": None, "high": None} for k in names}) for b in section["baselines"] if b["available"]
    ]
    width = 0.8 / len(systems)
    fig, ax = plt.subplots(figsize=(5.2, 3.3))
    for i, (name, metrics) in enumerate(systems):
        values = [metrics[k]["value"] or 0 for k in names]
        x = np.arange(len(names)) + i * width
        colour = MODEL if name == "model" else plt.cm.Greys(0.35 + 0.2 * i)
        ax.bar(x, values, width, label=name, color=colour)
        if name == "model" and metrics["f1m"]["low"] is not None:
            err = [[v - metrics[k]["low"] for k, v in zip(names, values)], [metrics[k]["high"] - v for k, v in zip(names, values)]]
            ax.errorbar(x, values, yerr=err, fmt="none", ecolor="black", capsize=3, linewidth=1)
    ax.set_xticks(np.arange(len(names)) + 0.4 - width / 2, ["F1m", "F1pn", "accuracy"])
    ax.set_ylim(0, 100)
    ax.set_ylabel("percent")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=len(systems), frameon=False)
    return _png(fig)


def section_plots(section: dict) -> dict[str, bytes]:
    """The three PNGs of one section: metrics vs baselines, confusion matrix, reliability diagram."""
    name = f"{section['dataset']} {section['split']} ({section['task']})"
    return {
        "metrics": metrics_plot(section, name),
        "confusion": confusion_plot(section["labels"], section["confusion_matrix"], name),
        "reliability": reliability_plot(section["calibration"], name),
    }
