"""Compute every number of an evaluation report: one JSON-ready dict, from which HTML and Markdown render.

The model (and the `--compare` model) predicts each dataset's examples once, as raw logits; labels,
calibrated and uncalibrated probabilities, slices, errors and comparisons all derive from them.
A section is one (dataset, split, task): NewsMTSC test-rw sentiment, IBM test stance, ...
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from stance.calibration import (
    expected_calibration_error,
    fit_temperature,
    negative_log_likelihood,
    probabilities,
    reliability_curve,
    task_columns,
)
from stance.errors import InputError
from stance.metrics import classification_metrics
from stance.report.baselines import BASELINES, BaselineSet
from stance.report.compare import compare_predictions
from stance.report.slices import LENGTH_BUCKETS, SLICE_KINDS, TargetTyper, slice_labels
from stance.report.stats import with_intervals
from stance.schema import Example
from stance.splits import list_splits, read_split, sample_examples

SCHEMA_VERSION = 1
ABSTAIN_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
MAX_ERROR_TEXT = 600


def is_dev(split: str) -> bool:
    """Dev splits fit temperatures when the model has none: `dev`, `dev-rw`, `valid` ..."""
    return split.startswith(("dev", "valid"))


def _temperature(classifier, task: str, dataset: str, dev: Sequence[Example], dev_logits: np.ndarray, label_sets) -> tuple[Optional[float], str]:
    """The temperature the report applies for `task`: the model's own, else one fitted on this dataset's dev."""
    stored = classifier.spec.temperature.get(task)
    if stored is not None:
        return float(stored), "stored with the model (fitted on its training dev sets)"
    rows = [i for i, e in enumerate(dev) if e.task == task]
    if not rows:
        return None, f"none: the model has no {task} temperature and {dataset} has no {task} dev split"
    labels = label_sets[task]
    gold = np.array([labels.index(dev[i].label) for i in rows])
    names = " + ".join(sorted({dev[i].split for i in rows}))
    return fit_temperature(dev_logits[rows, task_columns(label_sets, task)], gold), f"fitted in this report on {dataset} {names}"


def calibration_section(logits: np.ndarray, gold: np.ndarray, temperature: Optional[float], source: str, bins: int) -> dict:
    """ECE, NLL and reliability curve before and after temperature scaling, and the abstain trade-off."""

    def state(t: float) -> dict:
        probs = probabilities(logits, t)
        return {
            "temperature": t,
            "ece": round(expected_calibration_error(probs, gold, bins), 4),
            "nll": round(negative_log_likelihood(logits, gold, t), 4),
            "curve": reliability_curve(probs, gold, bins),
        }

    probs = probabilities(logits, temperature or 1.0)
    confidence, correct = probs.max(axis=1), probs.argmax(axis=1) == gold
    abstain = []
    for threshold in ABSTAIN_THRESHOLDS:
        kept = confidence >= threshold
        accuracy = round(100 * float(correct[kept].mean()), 2) if kept.any() else None
        abstain.append({"threshold": threshold, "coverage": round(100 * float(kept.mean()), 2), "accuracy": accuracy})
    return {
        "bins": bins,
        "temperature": temperature,
        "temperature_source": source,
        "before": state(1.0),
        "after": state(temperature) if temperature is not None else None,
        "abstain": abstain,
    }


def slice_rows(task: str, examples: Sequence[Example], pred: Sequence[str], typer: TargetTyper) -> list[dict]:
    """Metrics per slice value of each slice kind, in a fixed reading order."""
    labels = slice_labels(examples, typer)
    order = {label: i for i, (_, label) in enumerate(LENGTH_BUCKETS)}
    rows = []
    for kind in SLICE_KINDS:
        for name in sorted({row[kind] for row in labels}, key=lambda v: (order.get(v, 99), v)):
            idx = [i for i, row in enumerate(labels) if row[kind] == name]
            m = classification_metrics(task, [examples[i].label for i in idx], [pred[i] for i in idx])
            rows.append({"kind": kind, "name": name, "n": m["n"], "f1m": m["f1m"], "f1pn": m["f1pn"], "accuracy": m["accuracy"]})
    return rows


def hardest_errors(examples: Sequence[Example], pred: Sequence[str], probs: np.ndarray, limit: int) -> list[dict]:
    """The `limit` wrong predictions made with the highest (calibrated) confidence."""
    wrong = [i for i, (e, p) in enumerate(zip(examples, pred)) if e.label != p]
    wrong.sort(key=lambda i: (-float(probs[i].max()), examples[i].id))
    rows = []
    for i in wrong[:limit]:
        e = examples[i]
        text = e.text if len(e.text) <= MAX_ERROR_TEXT else e.text[:MAX_ERROR_TEXT] + " …"
        span = list(e.target_span) if e.target_span and e.target_span[1] <= MAX_ERROR_TEXT else None  # to highlight
        rows.append(
            {"id": e.id, "text": text, "target_span": span, "target": e.target_name, "holder": e.holder_name or "(author)",
             "gold": e.label, "predicted": pred[i], "confidence": round(float(probs[i].max()), 4)}
        )
    return rows


def section(dataset: str, split: str, task: str, examples: list[Example], logits: np.ndarray, context: dict) -> dict:
    """Every number of one (dataset, split, task): metrics with CIs, calibration, slices, errors, baselines, compare."""
    settings, classifier, label_sets = context["settings"], context["classifier"], context["label_sets"]
    labels = label_sets[task]
    task_logits = logits[:, task_columns(label_sets, task)]
    gold = np.array([labels.index(e.label) for e in examples])
    pred = [labels[i] for i in task_logits.argmax(axis=1)]
    gold_labels = [e.label for e in examples]
    point = classification_metrics(task, gold_labels, pred)
    temperature, source = _temperature(classifier, task, dataset, context["dev"], context["dev_logits"], label_sets)
    baselines = []
    for name, predicted in context["baselines"][task].predict(examples).items():
        m = classification_metrics(task, gold_labels, predicted) if predicted is not None else {}
        baselines.append({"name": name, "note": context["baselines"][task].notes()[name], "available": predicted is not None,
                          **{k: m.get(k) for k in ("f1m", "f1pn", "accuracy")}})
    out = {
        "id": f"{dataset}-{split}-{task}".replace(".", "-"),
        "dataset": dataset, "split": split, "task": task, "n": len(examples), "labels": list(labels),
        "metrics": with_intervals(task, point, gold_labels, pred, settings["bootstrap"], settings["seed"]),
        "per_class": point["per_class"],
        "confusion_matrix": point["confusion_matrix"],
        "calibration": calibration_section(task_logits, gold, temperature, source, settings["ece_bins"]),
        "slices": slice_rows(task, examples, pred, context["typer"]),
        "hardest_errors": hardest_errors(examples, pred, probabilities(task_logits, temperature or 1.0), settings["max_errors"]),
        "baselines": baselines,
        "compare": None,
    }
    if context.get("other_logits") is not None:
        other = context["other_logits"][:, task_columns(label_sets, task)].argmax(axis=1)
        out["compare"] = compare_predictions(task, gold_labels, pred, [labels[i] for i in other], settings["bootstrap"], settings["seed"])
    return out


def dataset_sections(dataset: str, processed_dir: Path, classifier, other, settings: dict, typer: TargetTyper) -> list[dict]:
    """The sections of one dataset; each model predicts each needed split (evaluated, or dev for fitting) once."""
    available = list_splits(processed_dir, dataset)
    chosen = settings["splits"]
    wanted = [s for s in available if s != "train" and (not chosen or f"{dataset}:{s}" in chosen or s in chosen)]
    wanted.sort(key=is_dev)  # test splits first: they are what a reader came for
    if not wanted:
        return []
    needed = wanted + [s for s in available if is_dev(s) and s not in wanted]
    data = {s: sample_examples(read_split(processed_dir, dataset, s), settings["max_examples"], settings["seed"]) for s in needed}
    rows, offset = {}, 0
    for split in needed:
        rows[split] = np.arange(offset, offset + len(data[split]))
        offset += len(data[split])
    everything = [e for s in needed for e in data[s]]
    started = time.time()
    logits = classifier.logits([e.item() for e in everything]).numpy().astype(np.float64)
    other_logits = other.logits([e.item() for e in everything]).numpy().astype(np.float64) if other else None
    settings["timing"]["predict_seconds"] += time.time() - started
    dev_rows = np.concatenate([rows[s] for s in needed if is_dev(s)] or [np.zeros(0, dtype=int)])
    dev = [everything[i] for i in dev_rows]
    train = read_split(processed_dir, dataset, "train") if "train" in available else []
    label_sets = classifier.spec.label_sets
    tasks = sorted({e.task for e in everything}, key=list(label_sets).index)
    context = {"settings": settings, "classifier": classifier, "label_sets": label_sets, "typer": typer,
               "dev": dev, "dev_logits": logits[dev_rows],
               "baselines": {task: BaselineSet(train, dev, task, settings["seed"]) for task in tasks}}
    sections = []
    for split in wanted:
        for task in tasks:
            idx = [int(i) for i in rows[split] if everything[i].task == task]
            if idx:
                context["other_logits"] = other_logits[idx] if other_logits is not None else None
                sections.append(section(dataset, split, task, [everything[i] for i in idx], logits[idx], context))
    return sections


def compute_report(
    model: str, datasets: Sequence[str], processed_dir: Path, compare: Optional[str] = None,
    splits: Sequence[str] = (), bootstrap: int = 1000, seed: int = 0, ece_bins: int = 15,
    max_errors: int = 10, max_examples: Optional[int] = None, classifier=None, other=None,
) -> dict:
    """The report as a JSON-ready dict (see docs/reports.md); `classifier` / `other` override loading the models."""
    from stance.classifier import StanceClassifier
    from stance.report.card import build_card
    from stance.store import resolve_model_path

    if not datasets:
        raise InputError("No datasets to report on. Fix: pass --dataset NAME (e.g. newsmtsc), or build data first.")
    for dataset in datasets:
        list_splits(processed_dir, dataset)  # fail on a missing dataset before spending time on the model
    started = time.time()
    model_path = resolve_model_path(model)
    classifier = classifier or StanceClassifier.from_path(model_path)
    if compare and other is None:
        other = StanceClassifier.from_ref(compare)
    settings = {"bootstrap": bootstrap, "seed": seed, "ece_bins": ece_bins, "max_errors": max_errors,
                "max_examples": max_examples, "splits": list(splits), "timing": {"predict_seconds": 0.0}}
    typer = TargetTyper()
    sections = [s for dataset in datasets for s in dataset_sections(dataset, processed_dir, classifier, other, settings, typer)]
    if not sections:
        found = sorted(f"{d}:{s}" for d in datasets for s in list_splits(processed_dir, d) if s != "train")
        raise InputError(f"No split to report on: --split {list(splits)} matches none of {found}. Fix: pass one of those.")
    timing = {"predict_seconds": round(settings.pop("timing")["predict_seconds"], 1), "compute_seconds": round(time.time() - started, 1)}
    return {
        "schema_version": SCHEMA_VERSION,
        "title": f"Evaluation report: {model}",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": {"ref": str(model), "path": str(model_path), "base_model": classifier.spec.base_model,
                  "temperature": dict(classifier.spec.temperature), "label_sets": classifier.spec.label_sets},
        "compare": {"ref": str(compare or "other model")} if other is not None else None,
        "datasets": list(datasets),
        "settings": {**settings, "confidence": 95, "baselines": list(BASELINES)},
        "timing": timing,
        "sections": sections,
        "card": build_card(model, model_path, sections, datasets),
    }
