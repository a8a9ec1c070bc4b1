"""A Spark standalone cluster on 127.0.0.1 for benchmarks and tests: a master and workers started with the
script that ships inside the pyspark package (sbin/spark-daemon.sh, which Spark's start-master.sh and
start-worker.sh call; the pip package carries only the daemon script), on free ports, and stopped by pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

MASTER = "org.apache.spark.deploy.master.Master"
WORKER = "org.apache.spark.deploy.worker.Worker"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


@contextmanager
def loopback_cluster(workers: int = 2, cores: int = 1, memory: str = "3g", timeout: float = 90) -> Iterator[str]:
    """Start a master and `workers` workers on 127.0.0.1; yield the master URL; stop them all by pid, also when
    the body fails."""
    run_dir = Path(tempfile.mkdtemp(prefix="atlas-spark-cluster-"))
    env = _env(run_dir)
    port = free_port()
    url = f"spark://127.0.0.1:{port}"
    try:
        _daemon(env, MASTER, 1, "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(free_port()))
        _wait(lambda: _listening(port), timeout, "the master did not listen", run_dir)
        for i in range(1, workers + 1):
            ports = ["--port", str(free_port()), "--webui-port", str(free_port())]
            _daemon(env, WORKER, i, "--host", "127.0.0.1", *ports, "--cores", str(cores), "--memory", memory, url)
        _wait(lambda: _registered(run_dir) >= workers, timeout, "the workers did not register", run_dir)
        yield url
    finally:
        stop(run_dir)


def _env(run_dir: Path) -> dict[str, str]:
    return os.environ | {
        "SPARK_HOME": str(spark_home()),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_MASTER_HOST": "127.0.0.1",
        "SPARK_PID_DIR": str(run_dir),
        "SPARK_LOG_DIR": str(run_dir / "logs"),
        "SPARK_WORKER_DIR": str(run_dir / "work"),
        "SPARK_IDENT_STRING": "atlas",
        "PYSPARK_PYTHON": sys.executable,
    }


def _daemon(env: dict[str, str], cls: str, instance: int, *args: str) -> None:
    script = spark_home() / "sbin" / "spark-daemon.sh"
    subprocess.run(["bash", str(script), "start", cls, str(instance), *args], env=env, check=True, capture_output=True)


def pids(run_dir: Path) -> list[int]:
    return [int(p.read_text().strip()) for p in sorted(run_dir.glob("*.pid")) if p.read_text().strip().isdigit()]


def stop(run_dir: Path) -> None:
    """Stop every daemon started in `run_dir` by the pid its pid file names: TERM, then KILL after 20 s."""
    started = pids(run_dir)
    for pid in started:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while any(_alive(p) for p in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in started:
        if _alive(pid):
            _signal(pid, signal.SIGKILL)


def _signal(pid: int, sig: int) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, sig)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _registered(run_dir: Path) -> int:
    logs = list((run_dir / "logs").glob("*Master*.out"))
    return sum(log.read_text(errors="replace").count("Registering worker") for log in logs)


def _wait(ready, timeout: float, what: str, run_dir: Path) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            tails = [log.read_text(errors="replace")[-2000:] for log in sorted((run_dir / "logs").glob("*.out"))]
            raise RuntimeError(f"{what} within {timeout:.0f} s; logs:\n" + "\n".join(tails))
        time.sleep(0.5)
