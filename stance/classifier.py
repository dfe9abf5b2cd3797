"""`StanceClassifier`: the one inference path (service, batch scoring, article analysis, evaluation).

Items are encoded with `stance.encoding`, sorted by length into micro-batches, padded per batch and
run through the model; results come back in input order with both heads' labels and probabilities.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch

from stance.encoding import encode_batch
from stance.modeling import ModelSpec, StanceModel
from stance.schema import Item


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


def _bf16_supported() -> bool:
    return torch.backends.mkldnn.is_available() and torch.cpu._is_avx512_bf16_supported()


class StanceClassifier:
    """Classify (text, target, holder) items with a saved stance model."""

    def __init__(self, model: StanceModel, tokenizer, spec: ModelSpec, batch_size: int = 64, bf16: bool | None = None) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.spec = spec
        self.batch_size = batch_size
        self.bf16 = _bf16_supported() if bf16 is None else bf16

    @classmethod
    def from_path(cls, path: Path | str, **kwargs) -> "StanceClassifier":
        """Load from a model directory written by `StanceModel.save`."""
        from stance.modeling import load_model_dir

        model, tokenizer, spec = load_model_dir(Path(path))
        return cls(model, tokenizer, spec, **kwargs)

    @classmethod
    def from_ref(cls, ref: str | Path, **kwargs) -> "StanceClassifier":
        """Load from a model-store tag (e.g. `stance:latest`) or a model directory."""
        from stance.store import resolve_model_path

        return cls.from_path(resolve_model_path(ref), **kwargs)

    def logits(self, items: Sequence[Item]) -> torch.Tensor:
        """Raw (n, 6) logits in input order."""
        encoded = encode_batch(self.tokenizer, items, self.spec.scheme, self.spec.max_length)
        lengths = [len(ids) for ids in encoded["input_ids"]]
        order = sorted(range(len(items)), key=lambda i: lengths[i])
        out = torch.empty((len(items), sum(len(v) for v in self.spec.label_sets.values())))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            batch = self.tokenizer.pad({k: [v[i] for i in idx] for k, v in encoded.items()}, return_tensors="pt")
            out[idx] = self._forward(batch).float()
        return out

    def _forward(self, batch) -> torch.Tensor:
        autocast = torch.autocast("cpu", dtype=torch.bfloat16) if self.bf16 else contextlib.nullcontext()
        with torch.inference_mode(), autocast:
            return self.model(**batch)["logits"]

    def predict(self, items: Sequence[Item]) -> list[Prediction]:
        """Labels and class probabilities of both heads for each item, in input order."""
        if not items:
            return []
        logits = self.logits(items)
        stance_labels = self.spec.label_sets["stance"]
        sentiment_labels = self.spec.label_sets["sentiment"]
        n_stance = len(stance_labels)
        stance_p = self._softmax(logits[:, :n_stance], "stance")
        sentiment_p = self._softmax(logits[:, n_stance:], "sentiment")
        return [
            Prediction(
                stance=stance_labels[int(sp.argmax())],
                stance_probs={label: round(float(p), 6) for label, p in zip(stance_labels, sp)},
                sentiment=sentiment_labels[int(tp.argmax())],
                sentiment_probs={label: round(float(p), 6) for label, p in zip(sentiment_labels, tp)},
            )
            for sp, tp in zip(stance_p, sentiment_p)
        ]

    def _softmax(self, logits: torch.Tensor, task: str) -> torch.Tensor:
        return torch.softmax(logits / self.spec.temperature.get(task, 1.0), dim=-1)
