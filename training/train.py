"""Fine-tune the stance model with the transformers Trainer and save the best checkpoint.

`fit` takes examples and returns the trained model; `train` is the whole pipeline from a config:
build the data if needed, fit, evaluate the best model on dev and test through `StanceClassifier`
(the one inference path) and write the run directory (resolved config, logs, metrics, model/).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.resources
import importlib.util
import json
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import tomli_w
import torch

from stance.calibration import fit_task_temperatures
from stance.classifier import StanceClassifier
from stance.errors import StanceError
from stance.encoding import encode_items
from stance.labels import HEAD_SIZE, LABEL_SETS, TASKS
from stance.metrics import classification_metrics
from stance.modeling import ModelSpec, StanceModel, build_model
from stance.precision import choose_precision
from stance.schema import Example, Item
from training.config import Config, Source
from training.estimate import TIMED_STEPS, WARMUP_STEPS, RunEstimate

logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    run_dir: Path
    model_dir: Path
    metrics: dict
    selection: list[Example] = dataclasses.field(default_factory=list)
    """The dev examples that selected the checkpoint: registration measures int8 parity on them."""


def resolve_base(base: str) -> str:
    """A local directory for `base`: a path, a fetched base encoder (data/bases/), an installed model
    package, else the hub id unchanged."""
    from training.bases import cached_base, known_bases

    if Path(base).expanduser().is_dir():
        return str(Path(base).expanduser())
    if base in known_bases():
        found = cached_base(base)
        if found is None:
            raise StanceError(
                f"Base encoder {base!r} has not been fetched. Fix: run `stance models fetch-base {base}` "
                f"(offline, verified against data/bases/{base}.toml), or set model.base to its hub id."
            )
        return str(found)
    if "/" not in base and importlib.util.find_spec(base) is not None:
        path = importlib.resources.files(base) / "model"
        if path.is_dir():
            return str(path)
    return base  # a hub id: loaded from the local HF cache (HF_HUB_OFFLINE=1) or downloaded


def encoded_label(example: Example) -> int:
    """Task and class in one integer: task_index * HEAD_SIZE + class_index (see `stance.modeling.task_loss`)."""
    return TASKS.index(example.task) * HEAD_SIZE + LABEL_SETS[example.task].index(example.label)


NO_GOLD = -1
"""The label of a transfer item: a target the student reads (with soft targets) but has no gold class for."""


def to_dataset(
    examples: Sequence[Example],
    tokenizer,
    spec: ModelSpec,
    transfer: Sequence[Item] = (),
    soft: Optional[np.ndarray] = None,
):
    """A datasets.Dataset with one row per encoded sequence: token ids, the positions its targets are
    read at, their labels, and the length (for length-grouped batches). With distillation, `transfer`
    items (no gold label) follow the examples and `soft` holds the teacher's (n, 6) distributions of
    every item, examples then transfer, as the `soft_targets` column."""
    from datasets import Dataset

    items = [e.item() for e in examples] + list(transfer)
    encoded = encode_items(tokenizer, items, spec.scheme, spec.max_length)
    labels = [encoded_label(e) for e in examples] + [NO_GOLD] * len(transfer)
    rows = dict(encoded.features)
    rows["target_positions"] = encoded.positions
    rows["labels"] = [[labels[i] for i in targets] for targets in encoded.targets]
    if soft is not None:
        rows["soft_targets"] = [[float(v) for i in targets for v in soft[i]] for targets in encoded.targets]
    rows["length"] = [len(ids) for ids in rows["input_ids"]]
    return Dataset.from_dict(rows)


def collate(pad_id: int):
    """A data collator that right-pads every field (`stance.batching.pad_batch`; labels with -100;
    soft targets, flat per sequence, to (batch, k, 6) floats padded with -1)."""
    from stance.batching import pad_batch

    def pad(features: list[dict]) -> dict[str, torch.Tensor]:
        columns = {key: [f[key] for f in features] for key in features[0] if key not in ("length", "soft_targets")}
        padded = pad_batch(columns, range(len(features)), pad_id, fill={"labels": -100})
        out = {key: torch.from_numpy(array) for key, array in padded.items()}
        if "soft_targets" in features[0]:
            soft = torch.full((*out["labels"].shape, 6), -1.0)
            for r, feature in enumerate(features):
                values = torch.tensor(feature["soft_targets"], dtype=torch.float32).view(-1, 6)
                soft[r, : len(values)] = values
            out["soft_targets"] = soft
        return out

    return pad


def compute_metrics(eval_pred) -> dict[str, float]:
    """F1m and accuracy of a dev set: its task's, or the mean over its tasks when it has both."""
    logits, labels = eval_pred.predictions, eval_pred.label_ids
    keep = labels.reshape(-1) >= 0  # sequences hold several targets; -100 pads them
    logits, labels = logits.reshape(-1, logits.shape[-1])[keep], labels.reshape(-1)[keep]
    scores = []
    for t, task in enumerate(TASKS):
        rows = labels // HEAD_SIZE == t
        if rows.any():
            names = LABEL_SETS[task]
            pred = logits[rows, HEAD_SIZE * t : HEAD_SIZE * (t + 1)].argmax(-1)
            scores.append(classification_metrics(task, [names[i] for i in labels[rows] % HEAD_SIZE], [names[i] for i in pred]))
    return {key: float(np.mean([m[key] for m in scores])) for key in ("f1m", "accuracy")}


def _trainer_class():
    from transformers import Trainer

    class StanceTrainer(Trainer):
        """Adds `eval_selection_f1m` (mean dev F1m over the selection sets) and stops early on it; with
        `distill`, trains on the teacher's soft targets too (`training.distill.distill_loss`).

        Early stopping lives here, not in EarlyStoppingCallback: with several dev sets the callback
        only ever sees one set's metrics at a time.
        """

        def __init__(self, *args, selection: Sequence[str], patience: int, distill=None, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.selection = list(selection)
            self.patience = patience
            self.distill = distill
            self._selection_history: list[float] = []

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            soft = inputs.pop("soft_targets", None)
            if soft is None or self.distill is None:
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            from training.distill import distill_loss

            labels = inputs.pop("labels")
            out = model(**inputs)
            loss = distill_loss(out["logits"], labels, soft, self.distill.weight, self.distill.temperature, model.label_smoothing)
            return (loss, out) if return_outputs else loss

        def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval"):
            metrics = super().evaluate(eval_dataset, ignore_keys, metric_key_prefix)
            if metric_key_prefix == "eval" and eval_dataset is None:
                score = float(np.mean([metrics[f"eval_{name}_f1m"] for name in self.selection]))
                metrics["eval_selection_f1m"] = score
                self.log({"selection_f1m": score})
                self._stop_if_stale(score)
            return metrics

        def _stop_if_stale(self, score: float) -> None:
            history = self._selection_history
            history.append(score)
            if len(history) > self.patience and max(history[-self.patience :]) <= max(history[: -self.patience]):
                logger.info("No dev improvement in %d evaluations: stopping early.", self.patience)
                self.control.should_training_stop = True

    return StanceTrainer


def dev_name(source: Source) -> str:
    return f"{source.dataset}-{source.split}".replace(":", "-")


def fit(
    config: Config,
    train: list[Example],
    dev: dict[str, list[Example]],
    run_dir: Path,
    after_items: int = 0,
    dry_run: bool = False,
    transfer: Sequence[Item] = (),
    soft: Optional[np.ndarray] = None,
) -> tuple[StanceModel, object, "RunEstimate | None"]:
    """Fine-tune on `train`, select on the `dev` sets named in `config.data.selection`; return (best model,
    tokenizer, the run's time estimate). `after_items`: how many items the passes after training will
    classify (for the estimate). With `dry_run`, stop once the estimate is made (the model is not trained).
    Distillation: `transfer` items and the teacher's `soft` targets of train + transfer (`to_dataset`)."""
    from transformers import TrainingArguments, set_seed

    from training.estimate import StepTimer

    set_seed(config.train.seed)
    if config.train.threads:
        torch.set_num_threads(config.train.threads)
    choice, hardware = choose_precision(config.train.precision, config.train.use_cuda)
    spec = ModelSpec.default(config.model.scheme, config.model.pooling, config.model.max_length, config.model.base)
    model, tokenizer = build_model(resolve_base(config.model.base), spec)
    model.label_smoothing = config.train.label_smoothing
    train_ds = to_dataset(train, tokenizer, spec, transfer, soft)
    selection = [n.replace(":", "-") for n in config.data.selection] or list(dev)
    # Only the sets that select checkpoints are read during training; the others are evaluated once, after.
    dev_ds = {name: to_dataset(examples, tokenizer, spec) for name, examples in dev.items() if name in selection}
    steps_per_epoch = max(1, -(-len(train_ds) // config.train.batch_size))
    eval_steps = max(1, -(-steps_per_epoch // config.train.evals_per_epoch))
    total_steps = int(np.ceil(steps_per_epoch * config.train.epochs))
    dev_items = sum(len(dev[name]) for name in dev_ds)
    dev_sequences = sum(len(ds) for ds in dev_ds.values())
    timer = StepTimer(
        {
            "batch_size": config.train.batch_size,
            "evaluations": total_steps // eval_steps + (total_steps % eval_steps > 0),
            "eval_sequences": dev_sequences,
            "eval_sets": len(dev_ds),
            # items after training, as sequences at the dev sets' items per sequence
            "after_sequences": round(after_items * dev_sequences / max(1, dev_items)),
            "precision": choice.precision,
            "device": choice.device,
            "threads": hardware.threads,
        },
        stop_after_estimate=dry_run,
    )
    args = TrainingArguments(
        output_dir=str(run_dir / "checkpoints"),
        num_train_epochs=config.train.epochs,
        learning_rate=config.train.learning_rate,
        per_device_train_batch_size=config.train.batch_size,
        per_device_eval_batch_size=config.train.eval_batch_size,
        warmup_steps=int(config.train.warmup_ratio * steps_per_epoch * config.train.epochs),
        weight_decay=config.train.weight_decay,
        bf16=choice.precision == "bf16",
        use_cpu=choice.device == "cpu",
        seed=config.train.seed,
        data_seed=config.train.seed,
        eval_strategy="no" if dry_run else "steps",
        eval_steps=eval_steps,
        save_strategy="no" if dry_run else "steps",
        save_steps=eval_steps,
        save_total_limit=2,
        save_only_model=True,
        load_best_model_at_end=not dry_run,
        metric_for_best_model="eval_selection_f1m",
        greater_is_better=True,
        logging_steps=max(1, min(50, eval_steps // 4)),
        train_sampling_strategy="group_by_length",
        report_to="none",
        disable_tqdm=False,
        remove_unused_columns=soft is None,  # soft_targets is not a forward() argument; the trainer takes it
    )
    trainer = _trainer_class()(
        selection=list(dev_ds),
        patience=config.train.patience,
        distill=config.distill if soft is not None else None,
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=dev_ds,
        processing_class=tokenizer,
        data_collator=collate(tokenizer.pad_token_id or 0),
        compute_metrics=compute_metrics,
        callbacks=[timer],
    )
    if dry_run:
        # Time the evaluation passes on the selection sets too (a sample), so the estimate measures them.
        sample_ds = {name: ds.select(range(min(len(ds), 128))) for name, ds in dev_ds.items()}
        started = time.perf_counter()
        for ds in sample_ds.values():
            trainer.evaluate(eval_dataset=ds, metric_key_prefix="sample")
        timer.context["seconds_per_eval_sequence"] = (time.perf_counter() - started) / sum(map(len, sample_ds.values()))
    trainer.train()
    if not dry_run:
        (run_dir / "log_history.json").write_text(json.dumps(trainer.state.log_history, indent=2))
    (run_dir / "precision.json").write_text(json.dumps(choice.as_dict(hardware), indent=2))
    if timer.estimate is not None:
        (run_dir / "estimate.json").write_text(json.dumps(dataclasses.asdict(timer.estimate), indent=2))
    return trainer.model, tokenizer, timer.estimate


def build_data(config: Config) -> str:
    """Verify and build every dataset the config uses (a few seconds); return the manifest sha256."""
    from training.build import build_splits

    sources = [*config.data.train, *config.data.dev, *config.data.test]
    datasets = sorted({s.dataset for s in sources})
    return build_splits(Path(config.data.dir), Path(config.data.processed_dir), datasets).manifest_sha256


def load_sources(config: Config, sources: Sequence[Source]) -> dict[str, list[Example]]:
    """Examples of each source from the processed data (sampled when capped), keyed by name."""
    from stance.splits import read_split, sample_examples

    processed = Path(config.data.processed_dir)
    return {dev_name(s): sample_examples(read_split(processed, s.dataset, s.split), s.max_examples, config.train.seed) for s in sources}


@contextlib.contextmanager
def log_to(path: Path):
    """Copy this package's and transformers' log records into `path` while the block runs."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    loggers = [logging.getLogger(name) for name in ("training", "stance", "transformers")]
    for each in loggers:
        each.addHandler(handler)
    try:
        yield
    finally:
        for each in loggers:
            each.removeHandler(handler)
        handler.close()


def train(config: Config, runs_dir: Path = Path("runs")) -> RunResult:
    """Run the whole pipeline for `config`; return the run directory, the saved model and its metrics."""
    run_dir = runs_dir / f"{config.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    run_dir.mkdir(parents=True)
    with log_to(run_dir / "train.log"):
        return _train_in(config, run_dir)


def _train_in(config: Config, run_dir: Path) -> RunResult:
    from stance.evaluation import evaluate_predictions, write_metrics

    (run_dir / "config.toml").write_text(tomli_w.dumps(config.model_dump(exclude_none=True)))
    clock = PhaseClock()
    manifest_sha256 = build_data(config)
    train_sets, dev, test = (load_sources(config, part) for part in (config.data.train, config.data.dev, config.data.test))
    clock.lap("data")
    train_examples = [e for examples in train_sets.values() for e in examples]
    dev_examples = [e for examples in dev.values() for e in examples]
    if not dev_examples:
        raise StanceError("No dev examples to select checkpoints and fit temperatures on. Fix: configure data.dev in the training config.")
    test_examples = [e for v in test.values() for e in v]
    logger.info("Training on %d examples: %s", len(train_examples), {k: len(v) for k, v in train_sets.items()})
    after = len(dev_examples) + len(test_examples) + 2 * len(selection_examples(config, dev))
    transfer, soft = distillation_targets(config, train_examples, run_dir) if config.distill else ((), None)
    clock.lap("teacher")
    model, tokenizer, estimate = fit(config, train_examples, dev, run_dir, after_items=after, transfer=transfer, soft=soft)
    shutil.rmtree(run_dir / "checkpoints", ignore_errors=True)  # the best one is in memory, saved below
    clock.lap("fit")
    classifier = StanceClassifier(model, tokenizer, model.spec)
    dev_logits = classifier.logits([e.item() for e in dev_examples])
    temperature = fit_task_temperatures(dev_logits.numpy(), dev_examples, model.spec.label_sets)
    model.spec.temperature = dict(temperature)  # the classifier shares the spec: its probabilities are calibrated now
    logger.info("Temperature fitted on dev: %s", temperature)
    model_dir = run_dir / "model"
    model.save(model_dir, tokenizer)
    clock.lap("calibrate")
    metrics = {
        "dev": evaluate_predictions(dev_examples, classifier.decode(dev_logits)),
        "test": evaluate_predictions(test_examples, classifier.predict([e.item() for e in test_examples])),
        "train_examples": {name: len(v) for name, v in train_sets.items()},
        "data_manifest_sha256": manifest_sha256,
        "temperature": temperature,
        "precision": json.loads((run_dir / "precision.json").read_text()),
        "estimate": dataclasses.asdict(estimate) if estimate else None,
    }
    clock.lap("evaluate")
    metrics["phase_seconds"] = clock.phases
    metrics["seconds"] = clock.total()
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    logger.info("Done in %.0f s; test F1m: %s", metrics["seconds"], {k: m["f1m"] for k, m in metrics["test"].items()})
    write_metrics({**metrics["dev"], **metrics["test"]}, run_dir / "eval", f"Run {run_dir.name}")
    return RunResult(run_dir, model_dir, metrics, selection_examples(config, dev))


def distillation_targets(config: Config, train: list[Example], run_dir: Path) -> tuple[list[Item], np.ndarray]:
    """The transfer set and the teacher's soft targets of train + transfer items (cached logits)."""
    from training.distill import build_transfer_set, soft_targets, teacher_id, teacher_logits

    from training.build import build_splits

    distill = config.distill
    build_splits(Path(config.data.dir), Path(config.data.processed_dir), sorted({s.dataset for s in distill.transfer}))
    transfer = build_transfer_set(distill, Path(config.data.processed_dir), [e.item() for e in train], config.train.seed)
    logits = teacher_logits(distill.teacher, [e.item() for e in train] + transfer, Path(distill.cache_dir), distill.teacher_backend)
    (run_dir / "transfer.json").write_text(
        json.dumps(
            {"transfer_pairs": len(transfer), "gold_items": len(train), "teacher": distill.teacher, "teacher_id": teacher_id(distill.teacher)},
            indent=2,
        )
    )
    return transfer, soft_targets(logits, distill.temperature)


def selection_examples(config: Config, dev: dict[str, list[Example]]) -> list[Example]:
    """The dev examples of the sets that select checkpoints (all dev sets when none are named); they also
    decide, at registration, whether int8 is served (parity)."""
    chosen = {n.replace(":", "-") for n in config.data.selection}
    return [e for name, examples in dev.items() if not chosen or name in chosen for e in examples]


def estimate(config: Config) -> RunEstimate:
    """The dry run: build the data and the model, time a few training steps and a dev sample, and return
    the estimate for the whole run (nothing is trained or registered)."""
    import tempfile

    build_data(config)
    train_sets, dev, test = (load_sources(config, part) for part in (config.data.train, config.data.dev, config.data.test))
    train_examples = [e for examples in train_sets.values() for e in examples]
    after = sum(map(len, dev.values())) + sum(map(len, test.values())) + 2 * len(selection_examples(config, dev))
    with tempfile.TemporaryDirectory(prefix="stance-dry-run-") as scratch:
        _, _, result = fit(config, train_examples, dev, Path(scratch), after_items=after, dry_run=True)
    if result is None:
        raise StanceError(
            f"The dry run ended before {WARMUP_STEPS + TIMED_STEPS} training steps: the config has too few "
            f"training examples to time. Fix: train on more data, or run it without --dry-run."
        )
    return result


class PhaseClock:
    """Wall-clock seconds per phase of a run (`lap` closes the phase that ran since the previous lap)."""

    def __init__(self) -> None:
        self.started = self._last = time.time()
        self.phases: dict[str, float] = {}

    def lap(self, phase: str) -> None:
        now = time.time()
        self.phases[phase] = round(now - self._last, 1)
        self._last = now

    def total(self) -> float:
        return round(time.time() - self.started, 1)
