"""Batch scoring at scale: `stance score` on 10,000 and 1,000,000 synthetic pair rows, against
`StanceClassifier.predict` alone on the same rows, in one run.

    source scripts/env.sh
    .venv/bin/python benchmarks/bench_score.py --model stance:latest        # ~30 min on 2 cores

Each `stance score` run is a separate process (the real CLI); its peak RSS comes from `wait4`. The
classifier's own speed is measured in this process on prepared items (no reading, no writing), with
the same chunk size, so the ratio is what streaming, validation and chunked commits cost.
Bars (issue: batch scoring): RSS at 1M rows ≤ 1.5× RSS at 10k rows; scoring ≥ 90% of the classifier's
pairs/s. Results: a table on stdout and benchmarks/results/score.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from synthetic import pair_rows, write_pairs  # noqa: E402


def classifier_rate(model: str, rows: int, chunk: int) -> dict:
    """Pairs/s of `StanceClassifier.predict` on `rows` prepared items, in chunks of `chunk`."""
    from stance.batch.rows import Columns, pair_item
    from stance.classifier import StanceClassifier

    classifier = StanceClassifier.from_ref(model)
    items = [pair_item(row, Columns()) for row in pair_rows(rows)]
    classifier.predict(items[:64])  # warm-up
    started = time.perf_counter()
    for start in range(0, len(items), chunk):
        classifier.predict(items[start : start + chunk])
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": round(seconds, 2), "pairs_per_s": round(rows / seconds, 1),
            "backend": classifier.backend_name}


def score_run(model: str, source: Path, out: Path, chunk: int) -> dict:
    """One `stance score` process: its summary, wall time and peak RSS."""
    command = [sys.executable, "-c", "from stance.cli import app; app()", "score", str(source), "-o", str(out),
               "--model", model, "--chunk-rows", str(chunk), "--overwrite", "--no-progress"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"stance score failed: {process.stderr.read().decode()[-2000:]}")
    summary = json.loads(out.with_name(out.name.rsplit(".", 1)[0] + ".summary.json").read_text())
    return {"rows": summary["rows_read"], "scoring_s": summary["seconds"], "rows_per_s": summary["rows_per_second"],
            "process_wall_s": round(wall, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "rejected": summary["rows_rejected"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="stance:latest")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--classifier-rows", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=2048)
    parser.add_argument("--work", type=Path, default=HERE / "results" / "score")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "score.json")
    args = parser.parse_args()

    large = write_pairs(args.work / f"pairs-{args.rows}.jsonl", args.rows)
    small = args.work / f"pairs-{args.small}.jsonl"
    small.write_bytes(b"".join(islice(large.open("rb"), args.small)))
    results = {"classifier": classifier_rate(args.model, args.classifier_rows, args.chunk)}
    results["score_small"] = score_run(args.model, small, args.work / "out-small.jsonl", args.chunk)
    results["score_large"] = score_run(args.model, large, args.work / "out-large.jsonl", args.chunk)
    large_rate, own = results["score_large"]["rows_per_s"], results["classifier"]["pairs_per_s"]
    results["bars"] = {
        "rss_ratio": round(results["score_large"]["peak_rss_mb"] / results["score_small"]["peak_rss_mb"], 3),
        "throughput_ratio": round(large_rate / own, 3),
    }
    results["command"] = " ".join(sys.argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"{'run':28} {'rows':>10} {'rows/s':>9} {'peak RSS MB':>12}")
    print(f"{'StanceClassifier.predict':28} {results['classifier']['rows']:>10,} {own:>9.1f} {'':>12}")
    for key in ("score_small", "score_large"):
        r = results[key]
        print(f"{'stance score (' + key[6:] + ')':28} {r['rows']:>10,} {r['rows_per_s']:>9.1f} {r['peak_rss_mb']:>12.1f}")
    print(f"RSS large / small = {results['bars']['rss_ratio']} (bar ≤ 1.5); "
          f"throughput / classifier = {results['bars']['throughput_ratio']} (bar ≥ 0.9)")


if __name__ == "__main__":
    main()
