"""The service as real processes for the fleet tests: `o2c serve` and `o2c scheduler` started as
subprocesses against a test database, with a clean environment, waited for until ready."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

O2C = [sys.executable, "-m", "service"]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any O2C_ setting or metrics directory, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(extra)
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`o2c <args>` in the background, its output (stdout and stderr) in `log`."""
    with log.open("w") as out:
        return subprocess.Popen([*O2C, *args], env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until the server at `base` answers `/ready` with 200 (or its process ended: fail)."""
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"{base}/ready", timeout=10).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the server did not come up:\n" + log.read_text()
        time.sleep(0.3)


def until(condition: Callable[[], bool], what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Kill whatever is still running of `processes` (a test's clean-up)."""
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()
