"""Evaluate a classifier on labelled examples: metrics per dataset, split and task, as JSON and Markdown."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Sequence

from stance.classifier import Prediction, StanceClassifier
from stance.metrics import classification_metrics
from stance.errors import InputError
from stance.schema import Example, read_examples
from stance.splits import group_key, read_named


def evaluate_examples(classifier: StanceClassifier, examples: Sequence[Example]) -> dict[str, dict]:
    """Predict every example once; return {"dataset:split:task": metrics} sorted by key."""
    return evaluate_predictions(examples, classifier.predict([example.item() for example in examples]))


def evaluate_predictions(examples: Sequence[Example], predictions: Sequence[Prediction]) -> dict[str, dict]:
    """{"dataset:split:task": metrics} of `predictions` (one per example, in order), sorted by key."""
    groups: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for example, prediction in zip(examples, predictions):
        gold, pred = groups[group_key(example)]
        gold.append(example.label)
        pred.append(prediction.label(example.task))
    return {key: classification_metrics(key.rsplit(":", 1)[1], *groups[key]) for key in sorted(groups)}


def metrics_markdown(metrics: dict[str, dict], title: str = "Evaluation") -> str:
    """A Markdown summary table plus per-class scores and confusion matrices."""
    lines = [f"# {title}", "", "| dataset | split | task | n | F1m | F1pn | accuracy |", "|---|---|---|---:|---:|---:|---:|"]
    for key, m in metrics.items():
        dataset, split, task = key.split(":")
        lines.append(f"| {dataset} | {split} | {task} | {m['n']} | {m['f1m']:.2f} | {m['f1pn']:.2f} | {m['accuracy']:.2f} |")
    for key, m in metrics.items():
        labels = m["labels"]
        lines += ["", f"## {key}", "", "| class | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
        for label in labels:
            c = m["per_class"][label]
            lines.append(f"| {label} | {c['precision']:.2f} | {c['recall']:.2f} | {c['f1']:.2f} | {c['support']} |")
        lines += ["", "Confusion matrix (rows gold, columns predicted):", "", "| | " + " | ".join(labels) + " |"]
        lines.append("|---" * (len(labels) + 1) + "|")
        for label, row in zip(labels, m["confusion_matrix"]):
            lines.append(f"| **{label}** | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def write_metrics(metrics: dict[str, dict], out_dir: Path, title: str = "Evaluation") -> tuple[Path, Path]:
    """Write metrics.json and metrics.md into `out_dir`; return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "metrics.json", out_dir / "metrics.md"
    json_path.write_text(json.dumps(metrics, indent=2))
    md_path.write_text(metrics_markdown(metrics, title))
    return json_path, md_path


def load_eval_examples(files: Sequence[Path], processed_dir: Path, splits: Sequence[str]) -> list[Example]:
    """Examples from JSONL files and from processed `dataset:split` names."""
    if not files and not splits:
        raise InputError("Nothing to evaluate: pass --file FILE.jsonl or --split dataset:split.")
    examples = [example for path in files for example in read_examples(path)]
    return examples + [example for name in splits for example in read_named(processed_dir, name)]


def evaluate_model(model: str, files: Sequence[Path], processed_dir: Path, splits: Sequence[str], out: Path):
    """Evaluate model `model` (tag or path); write metrics.json/.md to `out`; return (metrics, paths)."""
    examples = load_eval_examples(files, processed_dir, splits)
    metrics = evaluate_examples(StanceClassifier.from_ref(model), examples)
    return metrics, write_metrics(metrics, out, f"Evaluation of {model}")
