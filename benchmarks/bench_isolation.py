"""Does a long analysis slow /classify? A real `bentoml serve` on 127.0.0.1, timed in three parts:

1. each 100,000-character text of `TEXTS` analysed alone by POST /analyze on the idle server (bar: ≤ 15 s;
   one over the token limit is answered 400 at once), and one at the token limit;
2. 8 closed-loop clients sending single-item /classify requests for --seconds (idle p95);
3. the same while one client keeps a 100,000-character analysis running back to back (the slowest text of
   part 1 that was analysed) — bar: p95 ≤ 2× the idle p95.

    source scripts/env.sh
    .venv/bin/python benchmarks/bench_isolation.py --model stance:latest   # benchmarks/results/isolation.json

The load generator and the server share the machine's cores, as in benchmarks/bench_service.py (whose
client loop this reuses). BENTOML_HOME selects the model store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_classifier import load_items  # noqa: E402  (after the path tweak)
from benchmarks.bench_service import MemoryWatch, phase  # noqa: E402
from stance.limits import MAX_REQUEST_TOKENS  # noqa: E402
from stance.precision import detect_hardware  # noqa: E402
from tests.local_server import ServerNotReady, free_port, start_local_server, stop_local_server, wait_until_ready  # noqa: E402

CHARS = 100_000
BAR_ALONE_S = 15.0
BAR_RATIO = 2.0
SYMBOLS = "!#$%&*+,-./:;<=>?@^_|~()[]{}"


def _news(chars: int) -> str:
    """Our annotated articles (data/evalset), one after another, cut to `chars`."""
    texts = [json.loads(line)["text"] for line in (ROOT / "data/evalset/articles.jsonl").read_text().splitlines() if line]
    text = "\n\n".join(texts)
    while len(text) < chars:
        text += "\n\n" + text
    return text[:chars]


def _spaced_noise(chars: int) -> str:
    rnd = random.Random(0)
    return "".join(" " if rnd.randrange(8) == 0 else rnd.choice(SYMBOLS) for _ in range(chars))


TEXTS: dict[str, Callable[[int], str]] = {
    "news (our articles)": _news,
    '" x n': lambda n: '"' * n,
    "symbol noise, spaced": _spaced_noise,
    '"a " x n/2': lambda n: "a " * (n // 2),
    '"a " at the token limit': lambda n: "a " * MAX_REQUEST_TOKENS,
}


def _post(url: str, body: dict, timeout: float = 300) -> tuple[int, float]:
    import httpx

    start = time.perf_counter()
    response = httpx.post(url, json=body, timeout=timeout)
    return response.status_code, time.perf_counter() - start


class AnalysisLoop(threading.Thread):
    """Keeps one /analyze of `text` running, back to back, until stopped; records each one's time."""

    def __init__(self, url: str, text: str) -> None:
        super().__init__(daemon=True)
        self.url, self.text, self.running = url, text, True
        self.done: list[tuple[int, float]] = []

    def run(self) -> None:
        while self.running:
            self.done.append(_post(f"{self.url}/analyze", {"text": self.text}))


async def run(args: argparse.Namespace) -> dict:
    items = load_items(2000)
    bodies = [json.dumps({"items": [item.model_dump(exclude_none=True)]}).encode() for item in items]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_local_server(port, {"STANCE_MODEL": args.model, "STANCE_BACKEND": args.backend})
    watch = MemoryWatch(process.pid)
    watch.start()
    try:
        try:
            wait_until_ready(process, port, timeout=120)
        except ServerNotReady as err:
            raise SystemExit(str(err)) from None
        import httpx

        info = httpx.get(f"{url}/info", timeout=10).json()
        status, first = _post(f"{url}/analyze", {"text": "Iran praised Russia."})  # starts the analysis process
        assert status == 200, status
        alone = {}
        for name, make in TEXTS.items():
            status, seconds = _post(f"{url}/analyze", {"text": make(args.chars)})
            alone[name] = {"status": status, "seconds": round(seconds, 2)}
            print(f"  alone: {name}: {seconds:.2f} s (HTTP {status})", flush=True)
        await phase(url, bodies, 8, 5, 400)  # warm-up of the adaptive batcher
        idle = await phase(url, bodies, args.clients, args.seconds, 60_000)
        slowest = max((name for name in alone if alone[name]["status"] == 200), key=lambda name: alone[name]["seconds"])
        loop = AnalysisLoop(url, TEXTS[slowest](args.chars))
        loop.start()
        time.sleep(2.0)  # the first analysis is read and running
        busy = await phase(url, bodies, args.clients, args.seconds, 60_000)
        loop.running = False
        loop.join(timeout=300)
    finally:
        watch.running = False
        stop_local_server(process)
    hardware = detect_hardware()
    return {
        "model": info["model"], "backend": info["backend"], "cpu": f"{hardware.cpu_name}, {hardware.cpu_class}",
        "cpus": os.cpu_count(), "chars": args.chars, "first_analysis_s": round(first, 2),
        "alone": alone, "slowest": slowest, "idle": idle, "busy": busy,
        "analyses_during_busy": [{"status": s, "seconds": round(t, 2)} for s, t in loop.done],
        "p95_ratio": round(busy["p95_ms"] / idle["p95_ms"], 2), "peak_rss_mb": round(watch.peak_mb),
        "bars": {"alone_s": BAR_ALONE_S, "p95_ratio": BAR_RATIO},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="stance:latest", help="model-store tag (BENTOML_HOME selects the store)")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--chars", type=int, default=CHARS)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0, help="duration of the idle and the busy phase")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/isolation.json"))
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(f"\nmodel {result['model']} ({result['backend']}), {result['cpu']}, {result['cpus']} cores")
    print(f"first /analyze (starts the analysis process): {result['first_analysis_s']} s")
    print(f"\n| {args.chars:,} characters, alone | seconds | bar |\n|---|---:|---:|")
    for name, row in result["alone"].items():
        print(f"| {name} | {row['seconds']} (HTTP {row['status']}) | ≤ {BAR_ALONE_S:g} |")
    print(f"\n| /classify, {args.clients} clients | requests | errors | req/s | p50 ms | p95 ms |\n|---|---:|---:|---:|---:|---:|")
    for label in ("idle", "busy"):
        p = result[label]
        name = "idle" if label == "idle" else f"one analysis of {result['slowest']!r} running"
        print(f"| {name} | {p['requests']} | {p['errors']} | {p['throughput_rps']} | {p.get('p50_ms')} | {p.get('p95_ms')} |")
    times = [a["seconds"] for a in result["analyses_during_busy"]]
    print(f"\np95 ratio busy / idle: {result['p95_ratio']} (bar ≤ {BAR_RATIO:g}); analyses meanwhile: {times} s; "
          f"peak RSS {result['peak_rss_mb']} MB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
