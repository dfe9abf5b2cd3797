"""Export a saved model directory to ONNX and quantize it to int8, at registration time.

Writes three files into the model directory (so they travel with it into the model store):
`model.onnx` (fp32), `model.int8.onnx` (int8 weights, activations quantized per token at run time:
`training.quantization`) and `onnx.json` (how they were made, how close they are to PyTorch on probe
inputs and, when labelled items are given, the int8 parity on them).

The graph is exported with the TorchScript exporter (`torch.onnx.export(dynamo=False)`) from an
encoder switched to eager attention: on that graph ONNX Runtime's BERT optimizer fuses the attention
core (MultiHeadAttention, with Q, K and V left as MatMuls that int8 can rewrite), embeddings +
LayerNorm, skip-LayerNorm and bias-GELU into single kernels. The dynamo exporter's graph (the default
since torch 2.9) does not fuse the attention yet. The inputs are those of `StanceModel.forward`, with
dynamic batch and sequence axes; the output is the (batch, sequence, 6) logits at every token (the
classifier reads each target's position, `stance.batching.read_positions`). Build-time code: the runtime
only reads the files (`stance.backends`, `stance.int8_probe`).
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from stance.batching import pad_batch, read_all
from stance.errors import StanceError
from stance.model_dir import ONNX_FP32, ONNX_INT8, ONNX_REPORT
from stance.schema import Example
from training.quantization import (
    ACTIVATION_LEVELS,
    module_of,
    most_sensitive,
    quantize_per_token,
    sensitivity,
    weight_matmuls,
)

OPSET = 17
FP32_TOLERANCE = 1e-3
"""Largest |logit difference| accepted between the fp32 ONNX graph and PyTorch."""
PARITY_AGREEMENT = 0.99
PARITY_F1M_DROP = 0.5
PARITY_SET_F1M_DROP = 1.0
"""The int8 parity bar on labelled examples: label agreement with fp32 >= 99%, a drop of the mean F1m
over the sets (the selection metric) <= 0.5 points, and no single set's F1m falling by more than 1.0.
One set alone is not held to 0.5: on a 442-item dev set one flipped label moves F1m by 0.2-0.3, so 3
flips in 1,664 items failed a model whose sets moved -0.69 / +0.29 / -0.23 (keeping 6 or 9 MatMuls
fp32 instead of 3 moved them as much: noise, not a sensitive layer; docs/benchmarks.md)."""


def parity_passed(agreement: float, drops: Sequence[float]) -> bool:
    """The int8 parity bar, given the label agreement and each set's F1m drop (fp32 - int8)."""
    drops = list(drops)
    mean_drop = sum(drops) / len(drops) if drops else 0.0
    return agreement >= PARITY_AGREEMENT and mean_drop <= PARITY_F1M_DROP and max(drops, default=0.0) <= PARITY_SET_F1M_DROP


PROBE = (
    # (statement, target mention or name, holder mention or None): probes the export and the int8 error.
    ("Iran praised its great ally China for the deal.", "China", "Iran"),
    (
        "Russia condemned the terrible attack by the United States on Tuesday, the minister said.",
        "United States",
        "Russia",
    ),
    ("The minister met Iran.", "Iran", None),
    ("Sanctions are a crime, he said, and the talks will not bring peace. " * 4, "Sanctions", None),
    (
        "The European Union welcomed the ceasefire but warned Hamas against new rocket attacks.",
        "Hamas",
        "European Union",
    ),
    (
        "Critics accused the government of ignoring the report, which blamed the police for the deaths.",
        "police",
        "Critics",
    ),
    (
        "Tehran said Washington had no right to dictate terms, calling the sanctions economic terrorism.",
        "Washington",
        "Tehran",
    ),
    ("Shares of Boeing rose 3 percent after the company reported higher deliveries.", "Boeing", None),
    ("They said the talks were constructive.", "North Korea", "South Korea"),
    # Two targets of one statement: one sequence under the `multi` encoding.
    ("Iran praised China but condemned the United States.", "China", "Iran"),
    ("Iran praised China but condemned the United States.", "United States", "Iran"),
)


class _LogitsOnly(torch.nn.Module):
    """Wraps `StanceModel` so the exported graph has plain tensor inputs and one output."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        return self.model(input_ids, attention_mask, token_type_ids)["logits"]


def probe_batch(tokenizer, spec) -> tuple[dict[str, np.ndarray], list[list[int]]]:
    """A padded batch of a few items of different lengths, encoded as in inference (int64 arrays),
    and the positions each sequence's targets are read at."""
    from stance.encoding import encode_items

    items = [probe_item(*probe) for probe in PROBE]
    encoded = encode_items(tokenizer, items, spec.scheme, spec.max_length)
    return pad_batch(encoded.features, range(len(encoded.targets)), tokenizer.pad_token_id or 0), encoded.positions


def probe_item(text: str, target: str, holder: str | None):
    """An `Item` with spans where the names occur in the text, names otherwise."""
    from stance.schema import Item

    def span(name: str | None):
        return (text.index(name), text.index(name) + len(name)) if name and name in text else None

    fields = {"target_span": span(target)} if span(target) else {"target": target}
    if holder:
        fields.update({"holder_span": span(holder)} if span(holder) else {"holder": holder})
    return Item(text=text, **fields)


def export_onnx(model, tokenizer, spec, out: Path) -> Path:
    """Export a loaded `StanceModel` to fused fp32 ONNX at `out`; return `out`."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    model.encoder.set_attn_implementation("eager")  # the attention pattern ORT's fusion recognises
    probe, _ = probe_batch(tokenizer, spec)
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in probe]
    args = tuple(torch.from_numpy(probe[n]) for n in names)
    raw = out.with_suffix(".raw.onnx")
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated in favour of dynamo, but only its graph fuses (see above).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _LogitsOnly(model).eval(),
            args,
            str(raw),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "logits"]},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    config = model.encoder.config
    options = FusionOptions("bert")
    options.use_multi_head_attention = True  # Q, K, V stay MatMuls with weights, which int8 can rewrite
    fused = optimize_model(
        str(raw),
        model_type="bert",
        num_heads=config.num_attention_heads,
        hidden_size=config.hidden_size,
        optimization_options=options,
    )
    fused.save_model_to_file(str(out))
    raw.unlink()
    return out


def export_and_quantize(model_dir: Path, parity_examples: Sequence[Example] = ()) -> dict[str, Any]:
    """Write `model.onnx`, `model.int8.onnx` and `onnx.json` into `model_dir`; return the report.

    With `parity_examples` (labelled, e.g. a dev split) the report also holds `int8_parity` on them;
    `backend="auto"` serves int8 only when that passed (or was not measured).
    Raises StanceError when the fp32 graph disagrees with PyTorch on the probe batch.
    """
    import onnxruntime

    from stance.modeling import load_model_dir

    model_dir = Path(model_dir)
    start = time.perf_counter()
    model, tokenizer, spec = load_model_dir(model_dir)
    probe, positions = probe_batch(tokenizer, spec)
    with torch.inference_mode():
        reference = model(**{k: torch.from_numpy(v) for k, v in probe.items()})["logits"].numpy()
    tokens = probe["attention_mask"].astype(bool)  # padding positions are never read
    fp32 = export_onnx(model, tokenizer, spec, model_dir / ONNX_FP32)
    scores = sensitivity(model, probe, weight_matmuls(fp32))
    keep = most_sensitive(scores)
    int8 = model_dir / ONNX_INT8
    quantize_per_token(fp32, int8, keep)
    report: dict[str, Any] = {
        "opset": OPSET,
        "exporter": f"torch {torch.__version__} torchscript + onnxruntime {onnxruntime.__version__} bert fusion",
        "quantization": f"int8 weights per output channel, activations per token in 0..{ACTIVATION_LEVELS} (training.quantization)",
        "files": {"fp32": ONNX_FP32, "int8": ONNX_INT8},
        "int8_matmuls": len(scores) - len(keep),
        "fp32_matmuls_kept": {module_of(name): round(scores[name], 5) for name in keep},
    }
    n_stance = len(spec.label_sets["stance"])
    for key, path in (("fp32", fp32), ("int8", int8)):
        logits = run_onnx(path, probe)
        report[f"{key}_max_abs_diff"] = round(float(np.abs(logits - reference)[tokens].max()), 6)
        read, expected = read_all(logits, positions), read_all(reference, positions)
        same = [
            (read[:, cols].argmax(1) == expected[:, cols].argmax(1))
            for cols in (slice(0, n_stance), slice(n_stance, None))
        ]
        report[f"{key}_probe_agreement"] = float(np.concatenate(same).mean())
    if report["fp32_max_abs_diff"] > FP32_TOLERANCE:
        fp32.unlink()
        int8.unlink()  # a wrong graph must not be picked up by backend="auto"
        raise StanceError(
            f"The ONNX export of {model_dir} does not reproduce PyTorch: max |logit difference| "
            f"{report['fp32_max_abs_diff']} on the probe batch, expected <= {FP32_TOLERANCE}. Fix: check that "
            f"the encoder is a BERT-like model the exporter supports, or serve it with backend='torch'."
        )
    if parity_examples:
        report["int8_parity"] = int8_parity(model_dir, parity_examples)
    report["seconds"] = round(time.perf_counter() - start, 1)
    (model_dir / ONNX_REPORT).write_text(json.dumps(report, indent=2))
    return report


def int8_parity(model_dir: Path, examples: Sequence[Example]) -> dict[str, Any]:
    """int8 vs fp32 (PyTorch) on labelled examples: label agreement on each example's task, F1m per
    set for both, and whether the bar (`parity_passed`) is met."""
    from stance.classifier import StanceClassifier
    from stance.splits import group_key
    from stance.int8_probe import PROBE_SIZE, compare, write_probe
    from stance.metrics import classification_metrics

    items = [example.item() for example in examples]
    classifiers = {
        name: StanceClassifier.from_path(model_dir, backend=backend, bf16=False)
        for name, backend in (("fp32", "torch"), ("int8", "onnx-int8"))
    }
    labels = {}
    for name, classifier in classifiers.items():
        labels[name] = [p.label(e.task) for p, e in zip(classifier.predict(items), examples)]
    # The probe: a spread of these items with their fp32 probabilities, classified on their own (with the
    # `multi` encoding an item's probabilities depend on the other items of its call).
    probe = items[:: max(1, -(-len(items) // PROBE_SIZE))]
    reference = classifiers["fp32"].probabilities(probe)
    int8_here = classifiers["int8"].probabilities(probe)
    write_probe(model_dir, probe, reference, made_with="torch fp32", int8_probs=int8_here)
    here = compare(reference, int8_here, classifiers["int8"].n_stance)
    agreement = float(np.mean([a == b for a, b in zip(labels["fp32"], labels["int8"])]))
    groups: dict[str, list[int]] = {}
    for i, example in enumerate(examples):
        groups.setdefault(group_key(example), []).append(i)
    f1m = {}
    for key, rows in sorted(groups.items()):
        gold = [examples[i].label for i in rows]
        task = key.rsplit(":", 1)[1]
        f1m[key] = {name: classification_metrics(task, gold, [labels[name][i] for i in rows])["f1m"] for name in labels}
    drops = [v["fp32"] - v["int8"] for v in f1m.values()]
    return {
        "n": len(examples),
        "agreement": round(agreement, 4),
        "f1m": f1m,
        "mean_f1m_drop": round(sum(drops) / len(drops), 2),
        "max_f1m_drop": round(max(drops), 2),
        "passed": parity_passed(agreement, drops),
        "probe_at_registration": here,
    }


def run_onnx(path: Path, batch: dict[str, np.ndarray]) -> np.ndarray:
    """Logits of an ONNX model on one padded batch (a fresh session: for checks, not for serving)."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return session.run(None, {n: batch[n] for n in names})[0]


if __name__ == "__main__":  # python -m training.onnx_export MODEL_DIR
    import sys

    print(json.dumps(export_and_quantize(Path(sys.argv[1])), indent=2))
