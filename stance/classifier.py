"""`StanceClassifier`: the one inference path (service, batch scoring, article analysis, evaluation).

Items are encoded with `stance.encoding`, sorted by length into micro-batches, padded per batch and
run through a backend (`stance.backends`: PyTorch, or ONNX Runtime int8 / fp32); results come back in
input order with both heads' labels and probabilities. A statement longer than the model's window is
cut to a window around the target by the encoding, so any valid `Item` can be classified.

The items of one call are one request: with the `multi` encoding, targets of one (statement, holder)
are read together. A caller that merges requests passes `groups` (one key per item, e.g. the request's
index) or calls `predict_requests`, and each request's results are then those it gets alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Hashable, Optional, Sequence

import numpy as np
import torch

from stance.backends import Backend, InferenceBackend, OnnxBackend, TorchBackend, resolve_backend
from stance.batching import pad_batch, read_positions
from stance.decision import check_abstain_threshold, decide
from stance.encoding import Encoded, check_groups, encode_items
from stance.model_dir import ONNX_FILES
from stance.modeling import ModelSpec, StanceModel, load_tokenizer_and_spec
from stance.precision import detect_hardware
from stance.schema import Item

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prediction:
    """Both heads' verdicts on one item: label and probability per class."""

    stance: str
    stance_probs: dict[str, float]
    sentiment: str
    sentiment_probs: dict[str, float]

    def label(self, task: str) -> str:
        return self.stance if task == "stance" else self.sentiment

    def probs(self, task: str) -> dict[str, float]:
        return self.stance_probs if task == "stance" else self.sentiment_probs


class StanceClassifier:
    """Classify (text, target, holder) items with a saved stance model.

    `model` is a `StanceModel` (run by the torch backend) or any `InferenceBackend`.
    """

    def __init__(
        self,
        model: StanceModel | InferenceBackend,
        tokenizer,
        spec: ModelSpec,
        batch_size: int = 8,
        bf16: Optional[bool] = None,
        abstain_below: Optional[float] = None,
    ) -> None:
        self.backend: InferenceBackend = TorchBackend(model, bf16) if isinstance(model, torch.nn.Module) else model
        self.tokenizer = tokenizer
        self.spec = spec
        self.batch_size = batch_size
        self.n_stance = len(spec.label_sets["stance"])
        self.abstain_below = check_abstain_threshold(abstain_below)
        """Top probability under which a head answers `uncertain` instead of a label (None: never)."""
        self.probe: Optional[dict] = None
        """The int8 probe's result when `backend="auto"` checked it at load (`stance.int8_probe`)."""

    @classmethod
    def from_path(
        cls,
        path: Path | str,
        backend: Backend = "auto",
        batch_size: int = 8,
        bf16: Optional[bool] = None,
        threads: Optional[int] = None,
        abstain_below: Optional[float] = None,
    ) -> "StanceClassifier":
        """Load from a model directory written by `StanceModel.save` (+ ONNX files from registration).

        `backend="auto"` runs `model.int8.onnx` when the directory has it, else PyTorch; `bf16` applies
        to the torch backend, `threads` (micro-batches run at once, one thread each; default one per
        core) to the ONNX ones.
        """
        path = Path(path)
        name = resolve_backend(path, backend) if path.is_dir() else backend
        options = {"batch_size": batch_size, "abstain_below": abstain_below}
        if name == "torch" or not path.is_dir():
            from stance.modeling import load_model_dir

            model, tokenizer, spec = load_model_dir(path)  # also names what is missing from `path`
            return cls(model, tokenizer, spec, bf16=bf16, **options)
        tokenizer, spec = load_tokenizer_and_spec(path)
        classifier = cls(OnnxBackend(path / ONNX_FILES[name], name, threads), tokenizer, spec, **options)
        if backend == "auto" and name == "onnx-int8":
            classifier.probe = classifier._check_probe(path)
            if classifier.probe is not None and not classifier.probe["passed"]:
                # The int8 graph does not hold on this CPU: fp32 ONNX is exact and still faster than torch.
                fallback = OnnxBackend(path / ONNX_FILES["onnx-fp32"], "onnx-fp32", threads)
                logger.warning(
                    "int8 probe failed on this CPU (%s): agreement %.4f, mean |dp| %.4f; serving onnx-fp32 instead.",
                    detect_hardware().cpu_class, classifier.probe["agreement"], classifier.probe["mean_drift"],
                )
                classifier.backend = fallback
        return classifier

    @classmethod
    def from_ref(cls, ref: str | Path, **kwargs) -> "StanceClassifier":
        """Load from a model-store tag (e.g. `stance:latest`) or a model directory; kwargs as `from_path`."""
        from stance.store import resolve_model_path

        return cls.from_path(resolve_model_path(ref), **kwargs)

    @property
    def backend_name(self) -> str:
        return self.backend.name

    def logits(self, items: Sequence[Item], groups: Optional[Sequence[Hashable]] = None) -> torch.Tensor:
        """Raw (n, 6) logits in input order; only items of one key in `groups` (all, when None) may share
        a sequence. Repeated items of one group are read once (and so read alike)."""
        keys = check_groups(items, groups)
        unique: dict[tuple[Hashable, Item], int] = {}
        index = [unique.setdefault((key, item), len(unique)) for key, item in zip(keys, items)]
        if len(unique) < len(items):
            return self.logits([item for _, item in unique], [key for key, _ in unique] if groups is not None else None)[index]
        encoded = self._encode(items, groups)
        features = encoded.features
        lengths = [len(ids) for ids in features["input_ids"]]
        # A sequence that repeats one already here (a wire story in two articles, two requests about the
        # same sentence) is run once: the same tokens give the same logits, whatever its group.
        copies = _same_sequences(features)
        # Similar lengths in one micro-batch: little padding, so little wasted compute.
        order = sorted(copies, key=lambda r: lengths[r])
        out = np.empty((len(items), sum(len(v) for v in self.spec.label_sets.values())), dtype=np.float32)
        pad_id = self.tokenizer.pad_token_id or 0
        # A few sequences are split so that every worker of the backend gets some.
        size = max(1, min(self.batch_size, -(-len(order) // self.backend.workers)))
        chunks = [order[start : start + size] for start in range(0, len(order), size)]
        for rows, logits in zip(chunks, self.backend.map([pad_batch(features, rows, pad_id) for rows in chunks])):
            for b, r in enumerate(rows):
                for copy in copies[r]:
                    out[encoded.targets[copy]] = read_positions(logits[b], encoded.positions[copy])
        return torch.from_numpy(out)

    def _encode(self, items: Sequence[Item], groups: Optional[Sequence[Hashable]] = None) -> Encoded:
        return encode_items(self.tokenizer, items, self.spec.scheme, self.spec.max_length, groups)

    def predict(self, items: Sequence[Item], groups: Optional[Sequence[Hashable]] = None) -> list[Prediction]:
        """Labels and class probabilities of both heads for each item, in input order.

        `groups` (one hashable key per item) says which items belong to one request: items of
        different keys are never encoded together, so merging requests into one call changes no
        request's results. None: all items are one request."""
        if not items:
            return []
        return self.decode(self.logits(items, groups))

    def predict_requests(self, requests: Sequence[Sequence[Item]]) -> list[list[Prediction]]:
        """`predict` over several requests' items in one call, each request grouped on its own;
        returns one list of predictions per request, in order."""
        flat = iter(self.predict([item for request in requests for item in request],
                                 [k for k, request in enumerate(requests) for _ in request]))
        return [[next(flat) for _ in request] for request in requests]

    def probabilities(self, items: Sequence[Item]) -> np.ndarray:
        """(n, 6) calibrated class probabilities, stance columns then sentiment, in input order."""
        return np.concatenate(self._probs(self.logits(items)), axis=1)

    def _check_probe(self, model_dir: Path) -> Optional[dict]:
        """Run the model directory's stored probe on this classifier (None when there is none)."""
        from stance.int8_probe import check_at_load, read_probe

        probe = read_probe(model_dir)
        if probe is None:
            return None
        return {**check_at_load(probe, self.probabilities(probe.items), self.n_stance), "checked": self.backend_name}

    def _probs(self, logits: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        return self._softmax(logits[:, : self.n_stance], "stance"), self._softmax(logits[:, self.n_stance :], "sentiment")

    def decode(self, logits: torch.Tensor) -> list[Prediction]:
        """Predictions from raw logits (`logits`' output): temperature, softmax, label (or `uncertain`)."""
        stance_labels = self.spec.label_sets["stance"]
        sentiment_labels = self.spec.label_sets["sentiment"]
        stance_p, sentiment_p = self._probs(logits)
        return [
            Prediction(
                stance=decide(stance_labels, sp, self.abstain_below),
                stance_probs={label: round(float(p), 6) for label, p in zip(stance_labels, sp)},
                sentiment=decide(sentiment_labels, tp, self.abstain_below),
                sentiment_probs={label: round(float(p), 6) for label, p in zip(sentiment_labels, tp)},
            )
            for sp, tp in zip(stance_p, sentiment_p)
        ]

    def _softmax(self, logits: torch.Tensor, task: str) -> np.ndarray:
        # numpy, not torch: torch's thread pool would wake up for a (n, 3) array and contend with the backend's.
        scaled = logits.numpy() / self.spec.temperature.get(task, 1.0)
        exp = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
        return exp / exp.sum(axis=-1, keepdims=True)


def _same_sequences(features: dict[str, list]) -> dict[int, list[int]]:
    """First row of each distinct sequence (all feature rows equal) -> every row that is that sequence."""
    rows: dict[tuple, list[int]] = {}
    names = sorted(features)
    for r in range(len(features["input_ids"])):
        rows.setdefault(tuple(tuple(features[name][r]) for name in names), []).append(r)
    return {members[0]: members for members in rows.values()}
