"""The app served for real: `streamlit run app.py` on a free 127.0.0.1 port for a given data folder, and
Debian's Chromium to look at it. Shared by the browser tests and the benchmarks in bench/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
# Debian's package installs /usr/bin/chromium; Ubuntu's is chromium-browser.
CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium") if Path(p).exists()),
    "/usr/bin/chromium",
)
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start(
    data: Path, port: int, *, log: IO | None = None, env: dict | None = None, app: Path | None = None
) -> subprocess.Popen:
    """`streamlit run app.py` (or another `app`, run from its own folder: another checkout's app.py runs that
    checkout's code) serving the collection in `data`, on HOST:port only."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(app or ROOT / "app.py"), "--server.port", str(port),
        "--server.address", HOST, "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    environment = {**os.environ, **(env or {}), "PAPER_ATLAS_DATA": str(data), "PYTHONUNBUFFERED": "1"}
    output = log if log is not None else subprocess.DEVNULL
    folder = app.parent if app is not None and (app.parent / "lib").is_dir() else ROOT  # a checkout's own code
    return subprocess.Popen(command, cwd=folder, env=environment, stdout=output, stderr=subprocess.STDOUT)


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    """Until the server answers its health check; an error if it exits or takes longer than `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit not ready at {url} after {timeout}s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def serve(
    data: Path, *, log: IO | None = None, env: dict | None = None, app: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """The app serving `data` for the length of the block: (its URL, its process)."""
    port = free_port()
    proc = start(data, port, log=log, env=env, app=app)
    url = f"http://{HOST}:{port}"
    try:
        wait_ready(url, proc)
        yield url, proc
    finally:
        stop(proc)
