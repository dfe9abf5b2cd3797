"""The model card: what the model is, what it was trained on (with licences), how to use it, where it fails.

Facts come from the model itself: the BentoML store entry's `model.yaml` (metadata written by
`training/register.py`), or, for the `model/` folder of a training run, the run's `config.toml` and
`metrics.json`; licences from `data/datasets/*.toml`; limitations partly from the report's numbers.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Sequence

DESCRIPTORS_DIR = Path(__file__).resolve().parents[2] / "data" / "datasets"
ECE_TARGET = 0.05

INTENDED_USE = [
    (
        "Classify the stance (against / neutral / favor) of a holder toward a target actor, and the sentiment "
        "(negative / neutral / positive) of a statement toward a target, in English news sentences and short passages."
    ),
    (
        "Aggregate many statements (articles, outlets, periods) into who-supports-whom networks and trends, "
        "where single errors average out."
    ),
    (
        "Triage and retrieval for analysts, with the abstain threshold (`abstain_below`) to route low-confidence "
        "items to a person."
    ),
]
LIMITATIONS = [
    (
        "English only. The training data (see Data and licences) are news sentences and, for some models, "
        "debate claims and tweets: other languages, domains and long documents are out of distribution."
    ),
    (
        "Not for decisions about individual people (moderation, hiring, legal or credit decisions): single "
        "predictions are often wrong, see the hardest errors in the report."
    ),
    (
        "Stance toward a target named only by a pronoun or implied by context is harder than toward a named "
        "target; sarcasm and reported speech are common error sources."
    ),
    (
        "Target types in the report's slices come from the actor gazetteer and name heuristics, not from "
        "annotation: treat them as approximate."
    ),
]


def dataset_descriptor(name: str, descriptors_dir: Path = DESCRIPTORS_DIR) -> dict:
    """Title, URL, licence and citation of dataset `name` from its descriptor; licence "unknown" if absent."""
    path = descriptors_dir / f"{name}.toml"
    if not path.is_file():
        return {"name": name, "title": name, "url": "", "licence": "unknown (no descriptor)", "citation": ""}
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return {key: raw.get(key, "") for key in ("name", "title", "url", "licence")} | {"citation": raw.get("citation", "").strip()}


def model_metadata(model_path: Path) -> dict:
    """The model's registration metadata; for a run's `model/` folder, rebuilt from the run directory."""
    store_entry = Path(model_path) / "model.yaml"
    if store_entry.is_file():
        import yaml

        return yaml.safe_load(store_entry.read_text(encoding="utf-8")).get("metadata", {}) or {}
    run_dir = Path(model_path).parent
    meta: dict = {}
    if (run_dir / "config.toml").is_file():
        meta["config"] = tomllib.loads((run_dir / "config.toml").read_text(encoding="utf-8"))
    if (run_dir / "metrics.json").is_file():
        metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
        for part in ("dev", "test"):
            meta[f"{part}_metrics"] = {
                key: {k: m[k] for k in ("n", "f1m", "f1pn", "accuracy") if k in m} for key, m in metrics.get(part, {}).items()
            }
        meta["data_manifest_sha256"] = metrics.get("data_manifest_sha256", "")
    return meta


def _training_sets(config: dict) -> list[dict]:
    return [{"dataset": s.get("dataset", ""), "split": s.get("split", "")} for s in config.get("data", {}).get("train", [])]


def _derived_limitations(sections: Sequence[dict], descriptors: Sequence[dict]) -> list[str]:
    """Limitations the numbers show: unclear licences, missing classes, calibration off after scaling."""
    notes = [f"The licence of {d['name']} is {d['licence']}: check it before redistributing a model trained on it."
             for d in descriptors if d["licence"].lower().startswith(("unclear", "unknown"))]
    for s in sections:
        empty = [label for label in s["labels"] if s["per_class"][label]["support"] == 0]
        if empty:
            notes.append(f"{s['dataset']} {s['split']} ({s['task']}) has no {', '.join(empty)} examples; its F1m "
                         f"still averages over all classes, so read F1pn there.")
        after = (s["calibration"].get("after") or {}).get("ece")
        if after is not None and after > ECE_TARGET:
            notes.append(f"Confidence on {s['dataset']} {s['split']} ({s['task']}) is miscalibrated even after "
                         f"temperature scaling (ECE {after}).")
    return notes


def build_card(model: str, model_path: Path, sections: Sequence[dict], report_datasets: Sequence[str]) -> dict:
    """The model card as a JSON-ready dict (rendered to Markdown and HTML by `stance.report.render`)."""
    from stance.model_dir import SPEC_FILE

    meta = model_metadata(model_path)
    spec = json.loads((Path(model_path) / SPEC_FILE).read_text()) if (Path(model_path) / SPEC_FILE).is_file() else {}
    config = meta.get("config", {})
    training = _training_sets(config)
    names = list(dict.fromkeys([t["dataset"] for t in training] + list(report_datasets)))
    descriptors = [dataset_descriptor(name) for name in names if name]
    return {
        "model": str(model),
        "tier": meta.get("tier") or config.get("tier") or "custom",
        "base_model": spec.get("base_model", meta.get("base_model", "")),
        "label_sets": spec.get("label_sets", meta.get("label_sets", {})),
        "temperature": spec.get("temperature", {}),
        "input": f"scheme {spec.get('scheme', '?')}, pooling {spec.get('pooling', '?')}, max_length {spec.get('max_length', '?')} tokens",
        "training_data": training,
        "data_manifest_sha256": meta.get("data_manifest_sha256", ""),
        "config": {part: config[part] for part in ("model", "train") if part in config},
        "datasets": descriptors,
        "intended_use": INTENDED_USE,
        "limitations": LIMITATIONS + _derived_limitations(sections, descriptors),
        "training_metrics": {part: meta.get(f"{part}_metrics", {}) for part in ("dev", "test")},
    }
