"""Throughput of `StanceClassifier` (each backend, several micro-batch sizes) against the naive baseline:
`transformers.pipeline("text-classification")` called one pair at a time on the same weights and inputs.

Run from the repository root (about 2 minutes: each configuration gets --seconds over --rounds rounds):

    source scripts/env.sh
    .venv/bin/python benchmarks/bench_classifier.py --model stance:latest --out benchmarks/results/classifier.json

The baseline needs a `PreTrainedModel`; `StanceModel` is a plain `nn.Module` (encoder + two heads), so
`PipelineAdapter` is the thinnest wrapper that lets the pipeline run it: its forward returns the same
(batch, 6) logits as a `SequenceClassifierOutput`. The pipeline receives exactly the (text, text_pair)
strings `stance.encoding.encode_pair` produces, with the model's `max_length` and `only_first`
truncation, so both sides tokenize and run the same sequences.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from transformers import PreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput

from stance.classifier import StanceClassifier
from stance.encoding import TARGET_MARKERS, encode_pair
from stance.schema import Item
from stance.store import resolve_model_path


class PipelineAdapter(PreTrainedModel):
    """A `StanceModel` dressed as a sequence classifier with 6 labels (stance 3 + sentiment 3)."""

    _supports_sdpa = True  # attention runs inside the wrapped encoder, with its own implementation

    def __init__(self, stance_model) -> None:
        config = copy.deepcopy(stance_model.encoder.config)
        names = [f"{task}:{label}" for task, labels in stance_model.spec.label_sets.items() for label in labels]
        config.id2label = dict(enumerate(names))
        config.label2id = {name: i for i, name in enumerate(names)}
        super().__init__(config)
        self.stance_model = stance_model

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, **_) -> SequenceClassifierOutput:
        # One item per sequence: read at its first [TGT] marker ([CLS] when none), as StanceClassifier does.
        positions = (input_ids == self.stance_model.marker_ids[TARGET_MARKERS[0]]).int().argmax(1, keepdim=True)
        logits = self.stance_model(input_ids, attention_mask, token_type_ids, target_positions=positions)["logits"]
        return SequenceClassifierOutput(logits=logits[:, 0])


def naive_pipeline(model_dir: Path) -> Callable[[Sequence[Item]], None]:
    """The baseline: one `pipeline(...)` call per pair, fp32, as a newcomer would write it."""
    from transformers import pipeline

    from stance.modeling import load_model_dir

    model, tokenizer, spec = load_model_dir(model_dir)
    pipe = pipeline("text-classification", model=PipelineAdapter(model).eval(), tokenizer=tokenizer, device="cpu")

    def run(items: Sequence[Item]) -> None:
        for item in items:
            first, second = encode_pair(item, spec.scheme)
            pipe(
                {"text": first, "text_pair": second or ""},
                truncation="only_first",
                max_length=spec.max_length,
                top_k=None,
            )

    return run


def pairs_per_second(run: Callable[[Sequence[Item]], None], items: Sequence[Item], seconds: float, chunk: int) -> float:
    """Run `run` on consecutive chunks of `items` until `seconds` pass (at least one chunk): pairs/s."""
    done, start = 0, time.perf_counter()
    while done < len(items) and (done == 0 or time.perf_counter() - start < seconds):
        batch = items[done : done + chunk]
        run(batch)
        done += len(batch)
    return done / (time.perf_counter() - start)


class OtherLoad:
    """How much of the machine's CPU other processes used since creation (0 = quiet, 1 = all cores)."""

    def __init__(self) -> None:
        import psutil

        self._psutil = psutil
        self.start = (time.perf_counter(), self._busy(), self._ours())

    def _busy(self) -> float:
        times = self._psutil.cpu_times()
        return times.user + times.system + times.nice

    def _ours(self) -> float:
        me = self._psutil.Process()
        return sum(sum(p.cpu_times()[:2]) for p in [me, *me.children(recursive=True)])

    def share(self) -> float:
        wall, busy, ours = self.start
        elapsed = (time.perf_counter() - wall) * len(os.sched_getaffinity(0))
        return round(max(0.0, (self._busy() - busy) - (self._ours() - ours)) / elapsed, 3)


def load_items(limit: int) -> list[Item]:
    """NewsMTSC test-rw statements (the parity set) when the data is here, else a fixed synthetic set."""
    data = Path(os.environ.get("STANCE_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")) / "newsmtsc"
    if data.is_dir():
        from training.datasets import newsmtsc

        items = [e.item() for e in newsmtsc.read(data).examples if e.split == "test-rw"]
    else:
        text = "Iran praised its great ally China for the deal, the minister said on Tuesday."
        items = [Item(text=text, target_span=(29, 34), holder_span=(0, 4))] * limit
    return items[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="stance:latest", help="model-store tag or model directory")
    parser.add_argument("--n", type=int, default=400, help="pairs: StanceClassifier gets them in one call per round")
    parser.add_argument("--seconds", type=float, default=4.0, help="time per configuration (over all rounds)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-sizes", default="1,8,32")
    parser.add_argument("--backends", default="onnx-int8,onnx-fp32,torch")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/classifier.json"))
    args = parser.parse_args()

    model_dir = resolve_model_path(args.model)
    items = load_items(args.n)
    served = StanceClassifier.from_path(model_dir).backend  # what `auto` serves on this CPU
    default = served.name if served.name != "torch" else ("torch-bf16" if served.bf16 else "torch-fp32")
    # (label, backend, batch size, callable, items per call); the baseline gets one pair per call.
    configs: list[tuple[str, str, int, Callable, int]] = [("pipeline", "torch-fp32", 1, naive_pipeline(model_dir), 16)]
    for backend in args.backends.split(","):
        variants = [("torch-bf16", True), ("torch-fp32", False)] if backend == "torch" else [(backend, None)]
        for label, bf16 in variants:
            classifier = StanceClassifier.from_path(model_dir, backend=backend, bf16=bf16)
            for batch_size in [int(b) for b in args.batch_sizes.split(",")]:

                def predict(batch, classifier=classifier, batch_size=batch_size):
                    classifier.batch_size = batch_size
                    classifier.predict(batch)

                # all items in one call: the classifier sorts what it is given into micro-batches
                configs.append(("StanceClassifier", label, batch_size, predict, len(items)))
    for i, (engine, backend, batch_size, run, chunk) in enumerate(configs):
        # Warm-up (lazy initialisation, allocator, thread pools), then size the calls so that a round of
        # this configuration takes about its time budget: the whole benchmark stays bounded.
        run(items[:32])
        start = time.perf_counter()
        run(items[:32])
        fits = int(32 / (time.perf_counter() - start) * args.seconds / args.rounds)
        configs[i] = (engine, backend, batch_size, run, max(1, min(chunk, fits)))
    # Rounds interleave the configurations so that a slow spell of the machine hits all of them alike.
    busy = OtherLoad()
    speeds: list[list[float]] = [[] for _ in configs]
    for r in range(args.rounds):
        shift = r * len(items) // args.rounds  # the baseline sees different pairs in each round
        rotated = items[shift:] + items[:shift]
        for i, (_, _, _, run, chunk) in enumerate(configs):
            speeds[i].append(pairs_per_second(run, rotated, args.seconds / args.rounds, chunk))
    rows = [
        {
            "engine": "transformers.pipeline, one pair per call" if engine == "pipeline" else engine,
            "backend": backend,
            "batch_size": batch_size,
            "pairs_per_s": round(float(np.median(s)), 1),
            "rounds": [round(v, 1) for v in s],
        }
        for (engine, backend, batch_size, _, _), s in zip(configs, speeds)
    ]
    baseline = rows[0]["pairs_per_s"]
    best_default = max(r["pairs_per_s"] for r in rows[1:] if r["backend"] == default)
    summary = {
        "model": str(model_dir),
        "default_backend": default,
        "pipeline_pairs_per_s": baseline,
        "speedup_default_vs_pipeline": round(best_default / baseline, 2),
        "pairs": len(items),
        "cpus": len(os.sched_getaffinity(0)),
        "other_processes_cpu_share": busy.share(),
        "rows": rows,
    }
    print(f"\n| engine | backend | batch size | pairs/s (median of {args.rounds}) | vs pipeline |")
    print("|---|---|---:|---:|---:|")
    for r in rows:
        ratio = r["pairs_per_s"] / baseline
        print(f"| {r['engine']} | {r['backend']} | {r['batch_size']} | {r['pairs_per_s']} | {ratio:.1f}x |")
    speedup, busy_share = summary["speedup_default_vs_pipeline"], summary["other_processes_cpu_share"]
    print(f"\nDefault backend ({default}) at its best batch size vs the naive pipeline: {speedup}x")
    print(f"CPU used by other processes during the measurement: {100 * busy_share:.0f}% of the machine")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
