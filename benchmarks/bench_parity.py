"""int8 parity: label agreement with fp32 and F1m of every backend on NewsMTSC test-rw, side by side with
ONNX Runtime's stock dynamic quantization (one activation scale per tensor) of the same fp32 graph.

    HF_HUB_OFFLINE=1 python benchmarks/bench_parity.py --model stance:latest --out benchmarks/results/parity.json

The bar for serving int8 by default: agreement >= 99% and F1m drop <= 0.5 points against PyTorch fp32.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stance.backends import OnnxBackend  # noqa: E402
from stance.classifier import StanceClassifier  # noqa: E402
from stance.splits import group_key  # noqa: E402
from stance.metrics import classification_metrics  # noqa: E402
from stance.model_dir import ONNX_FP32  # noqa: E402
from training.onnx_export import parity_passed  # noqa: E402
from stance.store import resolve_model_path  # noqa: E402


def stock_dynamic_int8(fp32: Path, out: Path) -> Path:
    """The baseline: `onnxruntime.quantization.quantize_dynamic`, per-channel weights."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        fp32,
        out,
        weight_type=QuantType.QInt8,
        per_channel=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    return out


def f1m_by_group(examples, labels: list[str]) -> dict[str, float]:
    """F1m per dataset:split:task of predicted `labels` (one per example)."""
    groups: dict[str, list[int]] = {}
    for i, example in enumerate(examples):
        groups.setdefault(group_key(example), []).append(i)
    return {
        key: classification_metrics(
            key.rsplit(":", 1)[1], [examples[i].label for i in rows], [labels[i] for i in rows]
        )["f1m"]
        for key, rows in sorted(groups.items())
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="stance:latest")
    parser.add_argument("--split", default="test-rw")
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "newsmtsc"
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/parity.json"))
    args = parser.parse_args()

    from training.datasets import newsmtsc

    model_dir = resolve_model_path(args.model)
    examples = [e for e in newsmtsc.read(args.data).examples if e.split == args.split]
    items = [e.item() for e in examples]
    reference = StanceClassifier.from_path(model_dir, backend="torch", bf16=False)
    with tempfile.TemporaryDirectory() as tmp:
        stock = OnnxBackend(stock_dynamic_int8(model_dir / ONNX_FP32, Path(tmp) / "stock.onnx"), "onnx-int8-stock")
        classifiers = {
            "torch fp32": reference,
            "torch bf16 autocast": StanceClassifier.from_path(model_dir, backend="torch", bf16=True),
            "onnx-fp32": StanceClassifier.from_path(model_dir, backend="onnx-fp32"),
            "onnx-int8 (per-token, training.quantization)": StanceClassifier.from_path(model_dir, backend="onnx-int8"),
            "onnx-int8 stock quantize_dynamic (per-tensor)": StanceClassifier(
                stock, reference.tokenizer, reference.spec
            ),
        }
        rows = []
        base_labels, base_f1m = None, None
        for name, classifier in classifiers.items():
            labels = [p.label(e.task) for p, e in zip(classifier.predict(items), examples)]
            f1m = f1m_by_group(examples, labels)
            if base_labels is None:
                base_labels, base_f1m = labels, f1m
            agreement = float(np.mean([a == b for a, b in zip(labels, base_labels)]))
            drops = [base_f1m[k] - f1m[k] for k in f1m]
            drop = max(drops)
            passed = parity_passed(agreement, drops)
            rows.append(
                {
                    "backend": name,
                    "agreement": round(agreement, 4),
                    "f1m": f1m,
                    "f1m_drop": round(drop, 2),
                    "passes_bar": passed,
                }
            )
    print(f"model {model_dir}, NewsMTSC {args.split}, n={len(examples)}\n")
    print("| backend | agreement with torch fp32 | F1m | F1m drop | passes bar |\n|---|---:|---:|---:|---|")
    for r in rows:
        print(
            f"| {r['backend']} | {100 * r['agreement']:.2f}% | {' / '.join(f'{v:.2f}' for v in r['f1m'].values())} | "
            f"{r['f1m_drop']:+.2f} | {'yes' if r['passes_bar'] else 'no'} |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"model": str(model_dir), "split": args.split, "n": len(examples), "rows": rows}, indent=2)
    )


if __name__ == "__main__":
    main()
