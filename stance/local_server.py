"""Start and stop a real `bentoml serve` of the stance service on loopback (tests and benchmarks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Optional

ROOT = Path(__file__).resolve().parents[1]


def start_local_server(port: int, env: Mapping[str, Optional[str]] = {}, capture: bool = False) -> subprocess.Popen:
    """Run `bentoml serve stance.service:StanceService` on 127.0.0.1:`port` in its own process group.

    `env` adds variables to this process's environment (a value of None removes one); with `capture`
    the server's output is readable from `process.stdout`. Returns the process; stop it with
    `stop_local_server`."""
    full = {**os.environ, "BENTOML_DO_NOT_TRACK": "true", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    for key, value in env.items():
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
