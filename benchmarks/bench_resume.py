"""Kill `stance score` with SIGKILL three times at random points of a 200,000-row run, resume, and
compare with an uninterrupted run of the same file.

    source scripts/env.sh
    .venv/bin/python benchmarks/bench_resume.py --model stance:latest        # ~2 uninterrupted runs' time

Bar (issue: batch scoring): the final output holds exactly the input's row ids, each once, and is
byte-identical to the uninterrupted run (rejects too). Results: stdout and benchmarks/results/resume.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from synthetic import write_pairs  # noqa: E402


def run(source: Path, out: Path, model: str, chunk: int, resume: bool = False) -> subprocess.Popen:
    command = [sys.executable, "-c", "from stance.cli import app; app()", "score", str(source), "-o", str(out),
               "--model", model, "--chunk-rows", str(chunk), "--no-progress"]
    return subprocess.Popen(command + (["--resume"] if resume else []), stderr=subprocess.PIPE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="stance:latest")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=2048)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=HERE / "results" / "resume")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "resume.json")
    args = parser.parse_args()
    source = write_pairs(args.work / f"pairs-{args.rows}.jsonl", args.rows, seed=7)
    for path in args.work.glob("out-*"):
        subprocess.run(["rm", "-rf", str(path)], check=True)

    started = time.perf_counter()
    reference = run(source, args.work / "out-reference.jsonl", args.model, args.chunk)
    assert reference.wait() == 0, reference.stderr.read().decode()[-2000:]
    full_seconds = time.perf_counter() - started

    rng, output, kills = random.Random(args.seed), args.work / "out-killed.jsonl", []
    started = time.perf_counter()
    for attempt in range(args.kills):
        process = run(source, output, args.model, args.chunk, resume=attempt > 0)
        delay = rng.uniform(0.1, 0.9) * full_seconds / (args.kills + 1)
        time.sleep(delay)
        assert process.poll() is None, "the run ended before the kill: use more rows"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        checkpoint = json.loads((output.with_name(output.name + ".partial") / "checkpoint.json").read_text())
        kills.append({"after_s": round(delay, 1), "rows_committed": checkpoint["rows_done"]})
    final = run(source, output, args.model, args.chunk, resume=True)
    assert final.wait() == 0, final.stderr.read().decode()[-2000:]
    killed_seconds = time.perf_counter() - started

    ids = [json.loads(line)["id"] for line in output.open(encoding="utf-8")]
    expected = [json.loads(line)["id"] for line in source.open(encoding="utf-8")]
    rejects = output.with_name("out-killed.rejects.jsonl")
    result = {
        "rows": args.rows, "kills": kills, "uninterrupted_s": round(full_seconds, 1),
        "killed_and_resumed_s": round(killed_seconds, 1),
        "ids_each_once": len(ids) == len(set(ids)) and sorted(ids) == sorted(expected),
        "identical_output": output.read_bytes() == (args.work / "out-reference.jsonl").read_bytes(),
        "identical_rejects": rejects.read_bytes() == (args.work / "out-reference.rejects.jsonl").read_bytes(),
        "command": " ".join(sys.argv),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    for kill in kills:
        print(f"killed after {kill['after_s']:>6.1f} s with {kill['rows_committed']:>8,} rows committed")
    print(f"uninterrupted {full_seconds:.0f} s; killed 3x + resumed {killed_seconds:.0f} s")
    print(f"ids each once: {result['ids_each_once']}; output identical: {result['identical_output']}; "
          f"rejects identical: {result['identical_rejects']}")


if __name__ == "__main__":
    main()
