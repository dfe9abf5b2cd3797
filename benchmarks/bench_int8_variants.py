"""int8 graph variants on the CPU at hand: label agreement with torch fp32, probe result and pairs/s.

    HF_HUB_OFFLINE=1 python benchmarks/bench_int8_variants.py --model stance:latest \
        --processed processed --split newsmtsc:dev-rw --split newsmtsc:dev-mt

Variants of `training.quantization.quantize_per_token` on the same fp32 graph, with the same MatMuls kept
in fp32 (the most sensitive, as registration picks them; `--keep` counts): 8-bit signed weights with
8-bit activations (registered before 2026-12-02), 7-bit signed weights (no int16 saturation in AVX2's
u8 x s8 kernel), 8-bit weights stored unsigned (ONNX Runtime's u8 x u8 kernel, exact), 8-bit weights
with 7-bit activations (what registration writes now: no saturation on any kernel), and the fp32
graph as the reference for speed. Run it on each
CPU class you serve on: the ranking depends on the instructions the CPU has (VNNI or not).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stance.backends import OnnxBackend  # noqa: E402
from stance.classifier import StanceClassifier  # noqa: E402
from stance.int8_probe import compare, read_probe  # noqa: E402
from stance.modeling import load_model_dir  # noqa: E402
from stance.model_dir import ONNX_FP32  # noqa: E402
from training.onnx_export import probe_batch  # noqa: E402
from stance.precision import detect_hardware  # noqa: E402
from training.quantization import most_sensitive, quantize_per_token, sensitivity, weight_matmuls  # noqa: E402
from stance.splits import read_named  # noqa: E402
from stance.store import resolve_model_path  # noqa: E402

VARIANTS = {
    "s8 8-bit, 8-bit activations": {"levels": 127, "activation_levels": 255},
    "s8 7-bit, 8-bit activations": {"levels": 63, "activation_levels": 255},
    "u8 8-bit (u8 x u8 kernel), 8-bit activations": {"levels": 127, "unsigned_weights": True, "activation_levels": 255},
    "s8 8-bit, 7-bit activations (registered)": {"levels": 127, "activation_levels": 127},
}


def pairs_per_second(classifier: StanceClassifier, items, seconds: float) -> float:
    classifier.predict(items[:32])
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        classifier.predict(items)
        done += len(items)
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="stance:latest")
    parser.add_argument("--processed", type=Path, default=Path("processed"))
    parser.add_argument("--split", action="append", default=None, help="dataset:split (repeatable)")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--keep", default="1", help="comma-separated counts of most sensitive MatMuls kept fp32")
    parser.add_argument("--variants", default=None, help="semicolon-separated variant names (default: all)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/int8_variants.json"))
    args = parser.parse_args()

    model_dir = resolve_model_path(args.model)
    examples = [e for name in (args.split or ["newsmtsc:dev-rw", "newsmtsc:dev-mt"])
                for e in read_named(args.processed, name)]
    items = [e.item() for e in examples]
    reference = StanceClassifier.from_path(model_dir, backend="torch", bf16=False)
    gold_labels = [p.label(e.task) for p, e in zip(reference.predict(items), examples)]
    probe = read_probe(model_dir)
    model, tokenizer, spec = load_model_dir(model_dir)
    scores = sensitivity(model, probe_batch(tokenizer, spec)[0], weight_matmuls(model_dir / ONNX_FP32))
    chosen = [v.strip() for v in args.variants.split(";")] if args.variants else list(VARIANTS)
    runs: dict[str, tuple] = {"fp32 ONNX": (None, [])}
    for count in [int(c) for c in args.keep.split(",")]:
        for variant in chosen:
            runs[f"{variant}, {count} fp32 kept"] = (VARIANTS[variant], most_sensitive(scores, count))
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, (options, keep) in runs.items():
            graph = model_dir / ONNX_FP32
            if options is not None:
                graph = Path(scratch) / f"{len(rows)}.onnx"
                quantize_per_token(model_dir / ONNX_FP32, graph, keep, **options)
            classifier = StanceClassifier.from_path(model_dir, backend="onnx-fp32")
            classifier.backend = OnnxBackend(graph, name)
            labels = [p.label(e.task) for p, e in zip(classifier.predict(items), examples)]
            row = {
                "variant": name,
                "agreement": round(float(np.mean([a == b for a, b in zip(gold_labels, labels)])), 4),
                "pairs_per_s": round(pairs_per_second(classifier, items[:400], args.seconds), 1),
            }
            if probe is not None:
                row["probe"] = compare(probe.reference, classifier.probabilities(probe.items), classifier.n_stance)
            rows.append(row)
    hardware = detect_hardware()
    summary = {"model": str(model_dir), "cpu": hardware.cpu_name, "cpu_class": hardware.cpu_class,
               "items": len(items), "sensitivity": scores, "rows": rows}
    print(f"\nCPU: {hardware.cpu_name} ({hardware.cpu_class}); {len(items)} items vs torch fp32\n")
    print("| variant | label agreement | probe agreement | probe mean / max drift | pairs/s |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        p = r.get("probe", {})
        print(f"| {r['variant']} | {100 * r['agreement']:.2f}% | {100 * p.get('agreement', float('nan')):.2f}% | "
              f"{p.get('mean_drift', float('nan'))} / {p.get('max_drift', float('nan'))} | {r['pairs_per_s']} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
