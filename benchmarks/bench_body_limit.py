"""What oversized bodies and path scans cost a real `bentoml serve` of the service (stance.http_limits,
stance.http_telemetry).

    source scripts/env.sh
    .venv/bin/python benchmarks/bench_body_limit.py --model stance:latest --out benchmarks/results/body_limit.json

Side by side in one run, against one server: a valid /classify of the largest common shape (64 items of
5,000 characters: the reference, accepted), a 1 GiB body with Content-Length, a 1 GiB chunked body (no
Content-Length), each sent by a client that keeps writing until the server answers; then 5,000 GETs of
random unknown paths, twice (the first creates the one unknown-path series), and of one
unknown path (what any 404 costs, whatever the path). Reported per case: status, seconds to the answer, MB the client got to send, the
server tree's peak RSS during the case and its RSS after, both as the difference from idle; for the scan,
/metrics size before and after. RSS is the summed resident memory of the CLI process and its workers,
sampled every 0.05 s. The client runs on the same (2-core, busy) machine as the server.
"""

from __future__ import annotations

import argparse
import json
import select
import socket
import sys
import threading
import time
import uuid
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.local_server import free_port, start_local_server, stop_local_server, wait_until_ready  # noqa: E402

GIB = 1 << 30
PIECE = 1 << 20


class RSSWatch(threading.Thread):
    """Summed RSS (MB) of a process tree, sampled until stopped; `peak` since the last `reset`."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak = 0.0
        self.running = True

    def now(self) -> float:
        """The tree's RSS in MB now."""
        procs = [self.root, *self.root.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20

    def reset(self) -> None:
        self.peak = self.now()

    def run(self) -> None:
        while self.running:
            try:
                self.peak = max(self.peak, self.now())
            except psutil.Error:
                pass
            time.sleep(0.05)


def flood(port: int, path: str, chunked: bool, total: int = GIB) -> dict:
    """POST `total` bytes of body to `path`, writing until the server answers or closes: the status, the
    seconds to the answer and the MB written by then."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n{framing}\r\n\r\n".encode()
    piece = (b"%x\r\n" % PIECE + b" " * PIECE + b"\r\n") if chunked else b" " * PIECE
    sent, answer = 0, b""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        start = b'{"items": ['
        sock.sendall(head + (b"%x\r\n%s\r\n" % (len(start), start) if chunked else start))
        sock.setblocking(False)
        while time.monotonic() - started < 120:
            readable, writable, _ = select.select([sock], [sock] if sent < total else [], [], 1)
            if readable:
                try:
                    answer = sock.recv(65536)
                except OSError:
                    answer = b""
                break
            if writable:
                try:
                    sent += sock.send(piece)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:  # the server closed: its answer may still be readable
                    break
        seconds = time.monotonic() - started
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else None
    return {"status": status, "seconds": round(seconds, 3), "client_sent_mb": round(sent / 2**20, 1)}


def measure(watch: RSSWatch, idle: float, run) -> dict:
    watch.reset()
    result = run()
    time.sleep(1.0)
    result.update(peak_rss_over_idle_mb=round(watch.peak - idle, 1), rss_after_over_idle_mb=round(watch.now() - idle, 1))
    return result


def valid_classify(url: str) -> dict:
    import httpx

    items = [{"text": ("Iran praised China. " * 250)[:5000], "target": "China"}] * 64
    body = json.dumps({"items": items}).encode()
    started = time.monotonic()
    response = httpx.post(f"{url}/classify", content=body, headers={"content-type": "application/json"}, timeout=300)
    return {"status": response.status_code, "seconds": round(time.monotonic() - started, 3),
            "client_sent_mb": round(len(body) / 2**20, 2)}


def path_scan(url: str, count: int, fixed: bool = False) -> dict:
    import httpx

    with httpx.Client(timeout=30) as client:
        before = len(client.get(f"{url}/metrics").content)
        started = time.monotonic()
        statuses = {client.get(f"{url}/{'nope' if fixed else uuid.uuid4().hex}").status_code for _ in range(count)}
        seconds = time.monotonic() - started
        after = len(client.get(f"{url}/metrics").content)
    return {"status": sorted(statuses), "seconds": round(seconds, 1), "metrics_kb_before": round(before / 1024, 1),
            "metrics_kb_after": round(after / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="stance:latest")
    parser.add_argument("--scan", type=int, default=5000, help="unknown paths to GET")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/body_limit.json")
    args = parser.parse_args()

    port = free_port()
    process = start_local_server(port, {"STANCE_MODEL": args.model, "STANCE_MAX_BODY_BYTES": None})
    try:
        wait_until_ready(process, port, timeout=300)
        url = f"http://127.0.0.1:{port}"
        watch = RSSWatch(process.pid)
        valid_classify(url)  # warm-up: the first request pays for lazy initialisation
        time.sleep(1.0)
        idle = watch.now()
        watch.start()
        cases = {
            "valid /classify, 64 x 5,000 chars": measure(watch, idle, lambda: valid_classify(url)),
            "1 GiB, Content-Length": measure(watch, idle, lambda: flood(port, "/classify", chunked=False)),
            "1 GiB, chunked": measure(watch, idle, lambda: flood(port, "/classify", chunked=True)),
            f"{args.scan:,} GETs of unknown paths": measure(watch, idle, lambda: path_scan(url, args.scan)),
            f"{args.scan:,} more unknown paths": measure(watch, idle, lambda: path_scan(url, args.scan)),
            f"{args.scan:,} GETs of one unknown path": measure(watch, idle, lambda: path_scan(url, args.scan, True)),
        }
        watch.running = False
    finally:
        stop_local_server(process)

    print(f"model {args.model}; server idle RSS {idle:.0f} MB\n")
    print(f"{'case':38} {'status':>10} {'s':>8} {'sent MB':>8} {'peak +MB':>9} {'after +MB':>10}  /metrics KB")
    for name, r in cases.items():
        metrics = f"{r['metrics_kb_before']} -> {r['metrics_kb_after']}" if "metrics_kb_after" in r else ""
        print(f"{name:38} {str(r['status']):>10} {r['seconds']:>8} {r.get('client_sent_mb', ''):>8} "
              f"{r['peak_rss_over_idle_mb']:>9} {r['rss_after_over_idle_mb']:>10}  {metrics}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"model": args.model, "idle_rss_mb": round(idle, 1), "cases": cases}, indent=2) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
