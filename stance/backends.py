"""Inference backends: run one padded batch through the model and return its (n, 6) logits.

`StanceClassifier` does the encoding, batching and labelling; a backend only runs the network.
- `torch`: the `StanceModel` itself, on the GPU when there is one, under bf16 autocast where bf16 is
  native (`stance.precision`: AVX-512 BF16/AMX CPUs, bf16-capable GPUs), in fp32 elsewhere.
- `onnx-int8` / `onnx-fp32`: ONNX Runtime sessions on the graphs `training.onnx_export` writes into the
  model directory at registration (`model.int8.onnx`, `model.onnx`). They need neither the PyTorch
  weights nor autograd, so a service on them loads faster and uses less memory.
`auto` resolves to `onnx-int8` when the model directory has it (and registration did not measure it
below the parity bar), else to `onnx-fp32` when it is there, else `torch`; `StanceClassifier.from_path`
then checks int8 on this CPU with the stored probe (`stance.int8_probe`) and falls back to `onnx-fp32`.
"""

from __future__ import annotations

import contextlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal, Optional, Protocol

import numpy as np
import torch

from stance.errors import ModelNotFoundError
from stance.model_dir import ONNX_FILES, ONNX_FP32, ONNX_INT8, ONNX_REPORT
from stance.precision import detect_hardware, resolve_precision

Backend = Literal["auto", "torch", "onnx-int8", "onnx-fp32"]
BACKENDS: tuple[str, ...] = ("auto", "torch", "onnx-int8", "onnx-fp32")


class InferenceBackend(Protocol):
    name: str
    workers: int
    """How many batches `map` runs at the same time."""

    def __call__(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        """Logits (float32, shape (rows, n_labels)) of one padded int64 batch."""

    def map(self, batches: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
        """Logits of each batch, in order."""


class TorchBackend:
    """The PyTorch `StanceModel`, in inference mode, on the GPU when there is one; under bf16 autocast
    where bf16 is native (`bf16=None`, `stance.precision`'s `auto`) or when `bf16=True`."""

    name = "torch"
    workers = 1  # PyTorch parallelises inside each operator

    def __init__(self, model: torch.nn.Module, bf16: Optional[bool] = None, device: Optional[str] = None) -> None:
        choice = resolve_precision("auto" if bf16 is None else ("bf16" if bf16 else "fp32"), detect_hardware())
        self.device = device or choice.device
        self.bf16 = choice.precision == "bf16"
        self.model = model.to(self.device).eval()

    def map(self, batches: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
        return [self(batch) for batch in batches]

    def __call__(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        device_type = torch.device(self.device).type
        autocast = torch.autocast(device_type, dtype=torch.bfloat16) if self.bf16 else contextlib.nullcontext()
        with torch.inference_mode(), autocast:
            logits = self.model(**{k: torch.from_numpy(v).to(self.device) for k, v in batch.items()})["logits"]
        return logits.float().cpu().numpy()


class OnnxBackend:
    """An ONNX Runtime CPU session on one of the model directory's ONNX graphs.

    The session runs each batch on one thread, and `map` runs `threads` batches at once (one per core
    by default): for the small matrices of a micro-batch that is faster than splitting every operator
    across cores, which costs a synchronisation per operator (measured in docs/benchmarks.md)."""

    def __init__(self, path: Path, name: str, threads: Optional[int] = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.name = name
        self.path = Path(path)
        self.workers = threads or len(os.sched_getaffinity(0))
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]
        self._pool: Optional[ThreadPoolExecutor] = None

    def __call__(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        return self.session.run(None, {name: batch[name] for name in self.input_names})[0]

    def map(self, batches: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
        if self.workers == 1 or len(batches) == 1:
            return [self(batch) for batch in batches]
        if self._pool is None:  # ONNX Runtime releases the GIL while it runs: threads run in parallel
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="stance-onnx")
        return list(self._pool.map(self, batches))


def _int8_parity_ok(model_dir: Path) -> bool:
    """False only when registration measured int8 parity and it missed the bar (see onnx.json)."""
    report = model_dir / ONNX_REPORT
    if not report.is_file():
        return True
    return bool(json.loads(report.read_text()).get("int8_parity", {}).get("passed", True))


def resolve_backend(model_dir: Path, backend: str) -> str:
    """The concrete backend for `backend` in `model_dir`: `auto` becomes `onnx-int8` or `torch`."""
    if backend not in BACKENDS:
        raise ValueError(f"Unknown backend {backend!r}: expected one of {list(BACKENDS)}.")
    if backend == "auto":
        if (Path(model_dir) / ONNX_INT8).is_file() and _int8_parity_ok(Path(model_dir)):
            return "onnx-int8"
        return "onnx-fp32" if (Path(model_dir) / ONNX_FP32).is_file() else "torch"
    if backend in ONNX_FILES and not (Path(model_dir) / ONNX_FILES[backend]).is_file():
        raise ModelNotFoundError(
            f"Backend {backend!r} needs {ONNX_FILES[backend]} in {model_dir}, which is missing "
            f"(found {sorted(p.name for p in Path(model_dir).iterdir())}). Fix: register the model with "
            f"`stance train` / training.register (it exports ONNX), run "
            f"`python -m training.onnx_export {model_dir}`, or use backend='torch'."
        )
    return backend
