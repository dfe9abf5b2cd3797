"""`stance corpus` on 1,000 to 100,000 article analyses: time and peak memory, local engine (and Spark).

    source scripts/env.sh
    .venv/bin/python benchmarks/bench_corpus.py                       # 1k, 10k, 100k articles, local; ~3 min
    .venv/bin/python benchmarks/bench_corpus.py --spark 10000         # also Spark local[*] on 10k articles

Input: synthetic `stance score --mode articles` output (tests/corpus_rows.py: 5 stance rows per article,
dates over 2019–2024, a wire sentence in 50 articles) written to Parquet. Each aggregation runs in its
own process (`stance corpus ... --period month`), and its peak RSS is read from the kernel (ru_maxrss of
the finished child). Bar (issue: corpus): 100,000 article analyses aggregate in bounded memory — peak
RSS does not grow with the corpus. Results: stdout and benchmarks/results/corpus.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stance.precision import detect_hardware  # noqa: E402
from tests.corpus_rows import stance_rows  # noqa: E402


def write_input(path: Path, articles: int) -> int:
    """Write `articles` articles' stance rows to Parquet in slices (the generator never holds them all)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer, rows, batch = None, 0, []
    for row in stance_rows(articles, seed=1, wire_copies=50):
        batch.append(row)
        if len(batch) == 50_000:
            writer = _write(writer, pa.Table.from_pylist(batch), path, pq)
            rows, batch = rows + len(batch), []
    if batch:
        writer = _write(writer, pa.Table.from_pylist(batch), path, pq)
        rows += len(batch)
    writer.close()
    return rows


def _write(writer, table, path: Path, pq):
    writer = writer or pq.ParquetWriter(path, table.schema)
    writer.write_table(table)
    return writer


def _busy_cpu_seconds() -> float:
    """CPU seconds every process of the machine has used since boot (user + nice + system, all cores)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:4]
    return sum(int(f) for f in fields) / os.sysconf("SC_CLK_TCK")


def aggregate(source: Path, out: Path, engine: str) -> dict:
    command = [sys.executable, "-c", "from stance.cli import app; app()", "corpus", str(source), "-o", str(out),
               "--period", "month", "--engine", engine]
    started, busy = time.perf_counter(), _busy_cpu_seconds()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"stance corpus failed:\n{child.stderr.read()}")
    # What other processes used meanwhile, as a share of the cores (Spark's JVM, a grandchild, counts as other).
    other = (_busy_cpu_seconds() - busy - usage.ru_utime - usage.ru_stime) / (seconds * len(os.sched_getaffinity(0)))
    summary = json.loads((out / "summary.json").read_text())
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "other_load": round(max(0.0, other), 3),
            "rows_read": summary["rows_read"], "duplicates_dropped": summary["duplicates_dropped"],
            "dyads": summary["dyads"], "series_rows": summary["series_rows"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--spark", type=int, nargs="*", default=[], help="Sizes also aggregated on Spark.")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/corpus.json")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for articles in sorted(set(args.articles) | set(args.spark)):
            source = Path(folder) / f"stances-{articles}.parquet"
            rows = write_input(source, articles)
            engines = (["local"] if articles in args.articles else []) + (["spark"] if articles in args.spark else [])
            for engine in engines:
                result = {"articles": articles, "input_rows": rows, "input_mb": round(source.stat().st_size / 2**20, 1),
                          "engine": engine, **aggregate(source, Path(folder) / f"out-{articles}-{engine}", engine)}
                results.append(result)
                print(f"{articles:>8,} articles {rows:>9,} rows {result['input_mb']:>7.1f} MB  {engine:6} "
                      f"{result['seconds']:>7.1f} s  peak RSS {result['peak_rss_mb']:>7.1f} MB  "
                      f"{result['dyads']} dyads, {result['series_rows']:,} series rows, "
                      f"{result['duplicates_dropped']} duplicates dropped; other load {result['other_load']}",
                      flush=True)
    hardware = detect_hardware()
    print(f"CPU: {hardware.cpu_name} ({hardware.cpu_class}), {hardware.threads} threads")
    payload = {"cpu": hardware.cpu_name, "cpu_class": hardware.cpu_class, "threads": hardware.threads,
               "results": results, "self_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
