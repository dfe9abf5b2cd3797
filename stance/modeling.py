"""The stance model: one transformer encoder, two 3-way heads (stance, sentiment).

The heads read the [CLS] state and, with `pooling="markers"`, the state at each target's `[TGT]`
marker and at the first `[HLD]` marker (entity-marker pooling, Baldini Soares et al. 2019). The
forward pass takes the tokenizer's outputs and, optionally, the positions to read: without them it
returns logits at every token, which is what the ONNX graph exports (the caller gathers the
positions `stance.encoding` reports). Logits come as (batch, positions, 6): columns 0-2 are the
stance head, 3-5 the sentiment head.
A model directory holds `encoder/` (Hugging Face format, safetensors, with the tokenizer),
`heads.safetensors` and `stance.json` (the `ModelSpec`): only safe formats.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, get_args

import torch
from pydantic import BaseModel, ConfigDict
from safetensors.torch import load_file, save_file
from torch import nn

from stance.encoding import ENCODING_VERSION, HOLDER_MARKERS, MARKER_TOKENS, REMOVED, Pooling, Scheme
from stance.errors import ModelNotFoundError
from stance.labels import HEAD_SIZE, LABEL_SETS, TASKS
from stance.model_dir import ENCODER_DIR, HEADS_FILE, SPEC_FILE

MIN_ENCODING_VERSION = 2
"""Models saved with an older encoding (one target per sequence, one logits row per graph output) are
no longer read: they must be trained again."""
POOLED_STATES = {"markers": 3}
"""How many hidden states each pooling concatenates for the heads."""


class ModelSpec(BaseModel):
    """Everything needed to rebuild and use a saved model, stored beside its weights."""

    model_config = ConfigDict(extra="forbid")

    label_sets: dict[str, list[str]]
    scheme: Scheme
    pooling: Pooling
    max_length: int
    encoding_version: int = ENCODING_VERSION
    base_model: str = ""
    temperature: dict[str, float] = {}

    @classmethod
    def default(cls, scheme: Scheme, pooling: Pooling, max_length: int, base_model: str) -> "ModelSpec":
        sets = {task: list(LABEL_SETS[task]) for task in TASKS}
        return cls(label_sets=sets, scheme=scheme, pooling=pooling, max_length=max_length, base_model=base_model)


def _first_position(input_ids: torch.Tensor, token_id: int) -> torch.Tensor:
    """Index of the first `token_id` in each row, 0 ([CLS]) when the row has none."""
    hits = (input_ids == token_id).int()
    return hits.argmax(dim=1)


class StanceModel(nn.Module):
    """Encoder + stance and sentiment heads; `forward` returns {"logits", "loss"?}."""

    def __init__(self, encoder: nn.Module, spec: ModelSpec, marker_ids: dict[str, int]) -> None:
        super().__init__()
        self.encoder = encoder
        self.spec = spec
        self.marker_ids = marker_ids
        hidden = encoder.config.hidden_size
        width = hidden * POOLED_STATES[spec.pooling]
        n_out = sum(len(labels) for labels in spec.label_sets.values())
        self.dropout = nn.Dropout(encoder.config.hidden_dropout_prob)
        self.head = nn.Linear(width, n_out)
        self.label_smoothing = 0.0  # set by training only

    @property
    def config(self):  # Trainer and pipelines look for `model.config`
        return self.encoder.config

    def heads(self, hidden: torch.Tensor, input_ids: torch.Tensor, positions: Optional[torch.Tensor]) -> torch.Tensor:
        """Logits (batch, k, 6) read at `positions` (batch, k), or at every token (k = sequence) when None.

        The head sees [CLS] ⊕ state at the read position ⊕ state at the first `[HLD]`; its weight is
        split into those blocks, so the per-row part is computed once and every position costs one
        small product."""
        cls = self.dropout(hidden[:, 0])
        rows = torch.arange(hidden.size(0), device=hidden.device)
        holder = self.dropout(hidden[rows, _first_position(input_ids, self.marker_ids[HOLDER_MARKERS[0]])])
        w_cls, w_target, w_holder = self.head.weight.split(hidden.size(-1), dim=1)
        per_row = cls @ w_cls.T + holder @ w_holder.T + self.head.bias
        read = hidden if positions is None else hidden[rows[:, None], positions]
        return self.dropout(read) @ w_target.T + per_row[:, None]

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: Optional[torch.Tensor] = None,
        target_positions: Optional[torch.Tensor] = None,
        labels: Optional[torch.Tensor] = None,
    ) -> dict[str, torch.Tensor]:
        """Logits (batch, k, 6): columns 0-2 the stance head, 3-5 the sentiment head, read at
        `target_positions` (batch, k) (see `stance.encoding.Encoded.positions`), or at every token when
        they are not given (the exported graph: callers pick the positions). `labels` (training only,
        batch × k, -100 = padding) encode task and class as `task_index * HEAD_SIZE + class_index`."""
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        hidden = self.encoder(**kwargs).last_hidden_state
        logits = self.heads(hidden, input_ids, target_positions)
        out = {"logits": logits}
        if labels is not None:
            keep = labels.reshape(-1) >= 0
            flat = logits.reshape(-1, logits.size(-1))[keep]
            out["loss"] = task_loss(flat, labels.reshape(-1)[keep], self.label_smoothing)
        return out

    def save(self, path: Path, tokenizer) -> None:
        """Write encoder (+ tokenizer), heads and spec to `path` in safe formats."""
        path = Path(path)
        self.encoder.save_pretrained(path / ENCODER_DIR)
        tokenizer.save_pretrained(path / ENCODER_DIR)
        head = {k: v.detach().contiguous().cpu() for k, v in self.head.state_dict().items()}
        save_file(head, str(path / HEADS_FILE))
        (path / SPEC_FILE).write_text(self.spec.model_dump_json(indent=2))


def task_loss(logits: torch.Tensor, labels: torch.Tensor, label_smoothing: float = 0.0) -> torch.Tensor:
    """Cross-entropy of each row's own head: row i's task is labels[i] // HEAD_SIZE, its class labels[i] % HEAD_SIZE."""
    per_task = logits.view(logits.size(0), len(TASKS), HEAD_SIZE)
    rows = torch.arange(logits.size(0), device=logits.device)
    return nn.functional.cross_entropy(
        per_task[rows, labels // HEAD_SIZE], labels % HEAD_SIZE, label_smoothing=label_smoothing
    )


def add_marker_tokens(tokenizer) -> dict[str, int]:
    """Add the marker tokens as special tokens (idempotent); return their ids."""
    tokenizer.add_special_tokens({"additional_special_tokens": list(MARKER_TOKENS)})
    return {tok: tokenizer.convert_tokens_to_ids(tok) for tok in MARKER_TOKENS}


def build_model(base_model: str, spec: ModelSpec):
    """A fresh model from a pre-trained encoder (hub id or local path): returns (model, tokenizer)."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_model)
    marker_ids = add_marker_tokens(tokenizer)
    encoder = AutoModel.from_pretrained(base_model, add_pooling_layer=False)
    encoder.resize_token_embeddings(len(tokenizer))
    return StanceModel(encoder, spec, marker_ids), tokenizer


def _check_model_dir(path: Path, required: tuple[str, ...]) -> None:
    missing = [name for name in required if not (path / name).exists()]
    if missing:
        raise ModelNotFoundError(
            f"{path} is not a stance model directory: missing {sorted(missing)}. Expected the files "
            f"written by `stance train` ({SPEC_FILE}, {HEADS_FILE}, {ENCODER_DIR}/). Fix: pass a model "
            f"tag from `stance models list` or the `model/` folder of a training run."
        )


def _unloadable(path: Path, err: Exception) -> ModelNotFoundError:
    return ModelNotFoundError(
        f"The model at {path} could not be loaded: {type(err).__name__}: {err}. Fix: re-register "
        f"it from its training run, or train a new one with `stance train`."
    )


def _check_not_removed(path: Path, spec: dict) -> None:
    """Refuse a model trained with an ablation-only scheme or pooling, with the way forward."""
    for field, removed in REMOVED.items():
        if spec.get(field) in removed:
            raise ModelNotFoundError(
                f"The model at {path} was trained with {field} {spec[field]!r}, an ablation-only option this "
                f"version of stance no longer reads (expected one of {list(get_args(ModelSpec.model_fields[field].annotation))}). "
                f"Fix: train it again with the default `model.{field}`, or use the code at commit 43687b8."
            )


def load_tokenizer_and_spec(path: Path):
    """The tokenizer (with marker tokens) and `ModelSpec` of a model directory: (tokenizer, spec).

    Enough for the ONNX backends, which need no PyTorch weights."""
    from transformers import AutoTokenizer

    path = Path(path)
    _check_model_dir(path, (SPEC_FILE, ENCODER_DIR))
    try:
        raw = json.loads((path / SPEC_FILE).read_text())
        _check_not_removed(path, raw)
        spec = ModelSpec.model_validate(raw)
        tokenizer = AutoTokenizer.from_pretrained(path / ENCODER_DIR)
        add_marker_tokens(tokenizer)
    except ModelNotFoundError:
        raise
    except Exception as err:  # corrupted JSON or tokenizer: say which model and why
        raise _unloadable(path, err) from err
    if spec.encoding_version < MIN_ENCODING_VERSION:
        raise ModelNotFoundError(
            f"The model at {path} was saved with encoding version {spec.encoding_version}; this version of "
            f"stance reads version {MIN_ENCODING_VERSION} or later (now {ENCODING_VERSION}). Fix: train it again "
            f"with `stance train` (its config is in the model's metadata), or use stance 0.1.0 from before the change."
        )
    return tokenizer, spec


def load_model_dir(path: Path):
    """Load a saved model directory: returns (model in eval mode, tokenizer, spec)."""
    from transformers import AutoModel

    path = Path(path)
    _check_model_dir(path, (SPEC_FILE, HEADS_FILE, ENCODER_DIR))
    tokenizer, spec = load_tokenizer_and_spec(path)
    try:
        encoder = AutoModel.from_pretrained(path / ENCODER_DIR, add_pooling_layer=False)
        model = StanceModel(encoder, spec, add_marker_tokens(tokenizer))
        model.head.load_state_dict(load_file(str(path / HEADS_FILE)))
    except Exception as err:  # corrupted weights: say which model and why
        raise _unloadable(path, err) from err
    return model.eval(), tokenizer, spec
