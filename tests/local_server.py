"""Start and stop a real `bentoml serve` of the stance service on loopback, and the headless browser that
loads its page (tests and benchmarks)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from contextlib import contextmanager
from typing import Iterator, Mapping, Optional

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium package (`.ci/run` installs it); Playwright's own browser download is never used."""
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def start_local_server(port: int, env: Optional[Mapping[str, Optional[str]]] = None, capture: bool = False) -> subprocess.Popen:
    """Run `bentoml serve stance.service:StanceService` on 127.0.0.1:`port` in its own process group.

    `env` adds variables to this process's environment (a value of None removes one); with `capture`
    the server's output is readable from `process.stdout`. Returns the process; stop it with
    `stop_local_server`."""
    full = {**os.environ, "BENTOML_DO_NOT_TRACK": "true", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    for key, value in (env or {}).items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    command = [str(Path(sys.executable).with_name("bentoml")), "serve", "stance.service:StanceService"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    stderr = subprocess.STDOUT if capture else subprocess.DEVNULL
    return subprocess.Popen(command, cwd=ROOT, env=full, stdout=output, stderr=stderr, start_new_session=True)


def stop_local_server(process: subprocess.Popen, timeout: float = 30) -> None:
    """Stop the server and its worker processes: SIGTERM to the group, SIGKILL after `timeout` s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


@contextmanager
def serving(env: Mapping[str, Optional[str]], timeout: float = 90) -> Iterator[str]:
    """A test's `bentoml serve` with `env` (see `start_local_server`): yields its URL once ready; one that
    does not get ready fails the test with its output; stopped however the test ends."""
    import pytest

    port = free_port()
    process = start_local_server(port, env, capture=True)
    try:
        wait_until_ready(process, port, timeout=timeout, log=drain_output(process))
        yield f"http://127.0.0.1:{port}"
    except ServerNotReady as err:
        pytest.fail(str(err))
    finally:
        stop_local_server(process, timeout=20)


class ServerNotReady(RuntimeError):
    """`bentoml serve` exited or did not answer /readyz in time (the message ends with its output)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def drain_output(process: subprocess.Popen) -> list[bytes]:
    """Collect a captured server's output in the background: a full pipe would block its logging."""
    lines: list[bytes] = []

    def read() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def wait_until_ready(process: subprocess.Popen, port: int, timeout: float = 90, log: Optional[list[bytes]] = None) -> float:
    """Poll http://127.0.0.1:`port`/readyz until it answers 200; return the seconds it took.

    Raises ServerNotReady (with the tail of `log`, from `drain_output`) when the server exits first or
    `timeout` seconds pass."""
    started = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, OSError):
            pass
        if process.poll() is not None or time.monotonic() - started > timeout:
            tail = b"".join(log or []).decode(errors="replace")[-3000:]
            state = f"exited with code {process.returncode}" if process.poll() is not None else f"not ready after {timeout} s"
            raise ServerNotReady(f"bentoml serve {state}:\n{tail}")
        time.sleep(0.25)


def launch_chromium(playwright):
    """Headless /usr/bin/chromium through a started `sync_playwright()` driver; returns the Browser."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
