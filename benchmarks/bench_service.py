"""Load test of the prediction service: a real `bentoml serve` on 127.0.0.1, driven by N concurrent
clients each sending single-item POST /classify requests back to back (closed loop).

    source scripts/env.sh
    .venv/bin/python benchmarks/bench_service.py --model stance:latest --out benchmarks/results/service.json

Phases (each bounded by its --seconds and by --max-requests): 8 clients for 60 s, then 32 clients for
30 s, after 5 s of warm-up. Reported per phase: requests, errors (any non-200 or transport error, by
kind), throughput, latency p50/p95/p99/max, the server's CPU per request and the CPU share other
processes took; and the peak resident memory of the server's process tree (CLI + worker), sampled
every 0.2 s. The load generator runs on the same machine and takes CPU from the server: the numbers
are conservative. BENTOML_HOME selects the model store; the server is stopped however the run ends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_classifier import OtherLoad, load_items  # noqa: E402  (after the path tweak)
from tests.local_server import ServerNotReady, free_port, start_local_server, stop_local_server, wait_until_ready  # noqa: E402


class MemoryWatch(threading.Thread):
    """Samples the summed RSS of a process and its children until stopped; keeps the peak. Also reads
    the tree's CPU time (user + system seconds) on demand."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak_mb = 0.0
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                procs = [self.root, *self.root.children(recursive=True)]
                total = sum(p.memory_info().rss for p in procs if p.is_running())
                self.peak_mb = max(self.peak_mb, total / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.2)

    def cpu_seconds(self) -> float:
        procs = [self.root, *self.root.children(recursive=True)]
        return sum(sum(p.cpu_times()[:2]) for p in procs if p.is_running())


def start_server(model: str, port: int, backend: str) -> subprocess.Popen:
    return start_local_server(port, {"STANCE_MODEL": model, "STANCE_BACKEND": backend})


def stop_server(process: subprocess.Popen) -> None:
    stop_local_server(process)


async def phase(url: str, bodies: list[bytes], clients: int, seconds: float, max_requests: int) -> dict:
    """`clients` closed-loop clients for `seconds` (or `max_requests` in all): latencies and errors."""
    import aiohttp

    latencies: list[float] = []
    errors: Counter[str] = Counter()
    sent = 0
    deadline = time.perf_counter() + seconds

    async def client(index: int, session) -> None:
        nonlocal sent
        i = index
        while time.perf_counter() < deadline and sent < max_requests:
            sent += 1
            body = bodies[i % len(bodies)]
            i += clients
            start = time.perf_counter()
            try:
                async with session.post(
                    f"{url}/classify", data=body, headers={"Content-Type": "application/json"}
                ) as response:
                    await response.read()
                    if response.status != 200:
                        errors[f"HTTP {response.status}"] += 1
                        continue
            except (aiohttp.ClientError, asyncio.TimeoutError) as err:
                errors[type(err).__name__] += 1
                continue
            latencies.append(time.perf_counter() - start)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        start = time.perf_counter()
        await asyncio.gather(*(client(i, session) for i in range(clients)))
        elapsed = time.perf_counter() - start
    ms = np.array(latencies) * 1000
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": sent,
        "ok": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        **({f"p{q}_ms": round(float(np.percentile(ms, q)), 1) for q in (50, 95, 99)} if len(ms) else {}),
        "max_ms": round(float(ms.max()), 1) if len(ms) else None,
    }


async def run(args: argparse.Namespace) -> dict:
    items = load_items(2000)
    bodies = [json.dumps({"items": [item.model_dump(exclude_none=True)]}).encode() for item in items]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_server(args.model, port, args.backend)
    watch = MemoryWatch(process.pid)
    watch.start()
    try:
        try:
            startup = wait_until_ready(process, port, timeout=120)
        except ServerNotReady as err:
            raise SystemExit(str(err)) from None
        import aiohttp

        async with aiohttp.ClientSession() as session:
            async with session.get(f"{url}/info") as response:
                info = await response.json()
        # Warm-up: lets BentoML's adaptive batcher fit its latency model before anything is measured.
        await phase(url, bodies, 1, 5, 30)
        await phase(url, bodies, 8, 5, 400)
        phases = []
        for clients, seconds in zip(args.clients, args.seconds):
            cpu, other = watch.cpu_seconds(), OtherLoad()
            phases.append(await phase(url, bodies, clients, seconds, args.max_requests))
            phases[-1]["server_cpu_ms_per_request"] = round(
                (watch.cpu_seconds() - cpu) * 1000 / max(1, phases[-1]["ok"]), 2
            )
            # "other" = neither this client nor its child server: the rest of the machine
            phases[-1]["other_processes_cpu_share"] = other.share()
    finally:
        watch.running = False
        stop_server(process)
    return {
        "model": info["model"],
        "backend": info["backend"],
        "startup_s": round(startup, 1),
        "peak_rss_mb": round(watch.peak_mb),
        "cpus": os.cpu_count(),
        "phases": phases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="stance:latest", help="model-store tag (BENTOML_HOME selects the store)")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--clients", default="8,32", type=lambda s: [int(c) for c in s.split(",")])
    parser.add_argument(
        "--seconds", default="60,30", type=lambda s: [float(v) for v in s.split(",")], help="duration of each phase"
    )
    parser.add_argument("--max-requests", type=int, default=60_000, help="request cap of each phase")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/service.json"))
    args = parser.parse_args()
    result = asyncio.run(run(args))
    model, backend = result["model"], result["backend"]
    print(f"model {model} ({backend}), ready in {result['startup_s']} s, peak RSS {result['peak_rss_mb']} MB")
    print(
        "\n| clients | requests | errors | throughput (req/s) | p50 ms | p95 ms | p99 ms | max ms | server CPU ms/req |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in result["phases"]:
        print(
            f"| {p['clients']} | {p['requests']} | {p['errors']} | {p['throughput_rps']} | {p.get('p50_ms')} | "
            f"{p.get('p95_ms')} | {p.get('p99_ms')} | {p['max_ms']} | {p['server_cpu_ms_per_request']} |"
        )
    shares = [p["other_processes_cpu_share"] for p in result["phases"]]
    print(
        f"CPU used by other processes during the phases: {', '.join(f'{100 * s:.0f}%' for s in shares)} of the machine"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
