"""Spark local mode against the local engine on the same Parquet file: identical output, and speed.

    source scripts/env.sh
    .venv/bin/python benchmarks/bench_spark.py --model stance:latest --rows 50000      # ~2 × 2 min

Both engines score the same synthetic rows (5% of them broken: empty text or a target not in the
text). Bar (issue: batch scoring): same rows, ids and labels, probabilities within 1e-4, same rejects.
Results: stdout and benchmarks/results/spark.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from synthetic import pair_rows  # noqa: E402


def write_parquet(path: Path, rows: int) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng, data = random.Random(11), list(pair_rows(rows, seed=11))
    for row in data:
        if rng.random() < 0.05:
            row.update(rng.choice([{"text": ""}, {"target": "Atlantis"}]))
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(data), path, row_group_size=8192)
    return path


def compare(local: list[dict], spark: list[dict]) -> dict:
    same_rows = [r["row"] for r in local] == [r["row"] for r in spark]
    labels = all(a["stance"] == b["stance"] and a["sentiment"] == b["sentiment"] for a, b in zip(local, spark))
    numeric = [k for k, v in local[0].items() if isinstance(v, float)]
    diff = max(abs(a[k] - b[k]) for a, b in zip(local, spark) for k in numeric)
    return {"same_rows_and_ids": same_rows and [r["id"] for r in local] == [r["id"] for r in spark],
            "same_labels": labels, "max_prob_diff": diff}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="stance:latest")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--work", type=Path, default=HERE / "results" / "spark")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "spark.json")
    args = parser.parse_args()
    import pyarrow.parquet as pq

    from stance.batch import ScoreOptions, score_file
    from stance.batch.spark import score_spark

    source = write_parquet(args.work / f"pairs-{args.rows}.parquet", args.rows)
    local = score_file(source, args.work / "local.parquet", args.model, ScoreOptions(overwrite=True, progress=False))
    started = time.perf_counter()
    spark = score_spark(source, args.work / "spark.parquet", args.model, master=args.master, overwrite=True)
    spark_wall = time.perf_counter() - started
    a = pq.read_table(args.work / "local.parquet").to_pylist()
    b = sorted(pq.read_table(args.work / "spark.parquet").to_pylist(), key=lambda r: r["row"])
    local_rejects = sorted(json.loads(line)["row"] for line in Path(local.rejects).open())
    spark_rejects = sorted(json.loads(line)["row"] for part in Path(spark.rejects).glob("*.json")
                           for line in part.open())
    result = {
        "rows": args.rows, "local": local.model_dump(), "spark": spark.model_dump(),
        "spark_wall_s_with_startup": round(spark_wall, 1), **compare(a, b),
        "same_rejects": local_rejects == spark_rejects, "command": " ".join(sys.argv),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"{'engine':24} {'rows':>8} {'scored':>8} {'rejected':>9} {'rows/s':>8}")
    for name, s in (("local", local), (f"spark {args.master}", spark)):
        print(f"{name:24} {s.rows_read:>8,} {s.rows_scored:>8,} {s.rows_rejected:>9,} {s.rows_per_second:>8.1f}")
    print(f"same rows and ids: {result['same_rows_and_ids']}; same labels: {result['same_labels']}; "
          f"max |Δp| {result['max_prob_diff']:.2e} (bar ≤ 1e-4); same rejects: {result['same_rejects']}")


if __name__ == "__main__":
    main()
