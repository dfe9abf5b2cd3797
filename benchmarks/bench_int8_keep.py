"""Registration's int8 parity check for several counts of MatMuls kept fp32, on a copy of a model.

    HF_HUB_OFFLINE=1 python benchmarks/bench_int8_keep.py --model stance:latest \
        --processed processed --keep 3,6,9

For each count the int8 graph is re-quantized (`training.quantization`, the most sensitive MatMuls kept
fp32, as registration picks them) and `training.onnx_export.int8_parity` runs on the selection dev sets:
label agreement with torch fp32, F1m per set for both, and the bar. Tells a noisy set (the drops move
with no pattern as more layers stay fp32) from a sensitive layer (the drop shrinks as they do). The
model in the store is not changed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stance.modeling import load_model_dir  # noqa: E402
from stance.model_dir import ONNX_FP32, ONNX_INT8  # noqa: E402
from stance.precision import detect_hardware  # noqa: E402
from stance.splits import read_named  # noqa: E402
from stance.store import resolve_model_path  # noqa: E402
from training.onnx_export import int8_parity, probe_batch  # noqa: E402
from training.quantization import most_sensitive, quantize_per_token, sensitivity, weight_matmuls  # noqa: E402

SELECTION = ["newsmtsc:dev-rw", "newsmtsc:dev-mt", "stance_news:dev"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="stance:latest")
    parser.add_argument("--processed", type=Path, default=Path("processed"))
    parser.add_argument("--split", action="append", default=None, help=f"dataset:split (repeatable) [default: {SELECTION}]")
    parser.add_argument("--keep", default="3,6,9", help="comma-separated counts of most sensitive MatMuls kept fp32")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/int8_keep.json"))
    args = parser.parse_args()

    examples = [e for name in (args.split or SELECTION) for e in read_named(args.processed, name)]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch) / "model"
        shutil.copytree(resolve_model_path(args.model), work)
        model, tokenizer, spec = load_model_dir(work)
        scores = sensitivity(model, probe_batch(tokenizer, spec)[0], weight_matmuls(work / ONNX_FP32))
        for count in [int(c) for c in args.keep.split(",")]:
            quantize_per_token(work / ONNX_FP32, work / ONNX_INT8, most_sensitive(scores, count))
            parity = int8_parity(work, examples)
            rows.append({"fp32_kept": count, **{k: parity[k] for k in ("agreement", "f1m", "mean_f1m_drop", "max_f1m_drop", "passed")}})
    hardware = detect_hardware()
    print(f"\nCPU: {hardware.cpu_name} ({hardware.cpu_class}); {args.model}, {len(examples)} dev items vs torch fp32\n")
    sets = list(rows[0]["f1m"]) if rows else []
    print("| fp32 kept | agreement | " + " | ".join(f"{s} drop" for s in sets) + " | mean drop | passed |")
    print("|---:|---:|" + "---:|" * len(sets) + "---:|---|")
    for r in rows:
        drops = " | ".join(f"{r['f1m'][s]['fp32'] - r['f1m'][s]['int8']:+.2f}" for s in sets)
        print(f"| {r['fp32_kept']} | {100 * r['agreement']:.2f}% | {drops} | {r['mean_f1m_drop']:+.2f} | {r['passed']} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"model": args.model, "cpu": hardware.cpu_name, "cpu_class": hardware.cpu_class,
                                    "items": len(examples), "rows": rows}, indent=2))
    print(f"\nWrote {args.out}")


if __name__ == "__main__":
    main()
