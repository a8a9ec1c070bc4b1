"""The one SparkSession of a build: where it runs (a master URL) and the settings every build needs.

Everything binds to 127.0.0.1 unless the master is a remote cluster, so a local build never reaches the network.
"""

from __future__ import annotations

import os
import sys
import tempfile
import zipfile
from pathlib import Path

from lib.core.errors import AtlasError

MASTER_ENV = "PAPER_ATLAS_SPARK_MASTER"
DEFAULT_MASTER = "local[*]"
# Explicit memory: Spark's 1 GiB default is too little for the driver's samples at 1M papers, and an
# executor (a cluster's worker) must not take a whole machine's memory.
DRIVER_MEMORY_ENV = "PAPER_ATLAS_SPARK_DRIVER_MEMORY"
EXECUTOR_MEMORY_ENV = "PAPER_ATLAS_SPARK_EXECUTOR_MEMORY"


class SparkMissing(AtlasError):
    """pyspark or Java is not installed."""


def master_url(given: str | None = None) -> str:
    return given or os.environ.get(MASTER_ENV) or DEFAULT_MASTER


def spark_session(master: str | None = None, *, partitions: int = 8):
    """A SparkSession on `master` (default $PAPER_ATLAS_SPARK_MASTER, else local[*]); reuses a running one."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkMissing("pyspark is not installed: pip install -r requirements-spark.txt") from None
    url = master_url(master)
    local_only = url.startswith("local") or "127.0.0.1" in url or "localhost" in url
    if local_only:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # the JVM would otherwise bind to the host's name
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # tasks run in the interpreter that has lib's packages
    builder = SparkSession.builder.master(url).appName("paper-atlas-build")
    for key, value in _settings(local_only, partitions).items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start: Java missing, or a master that does not answer
        raise SparkMissing(f"Spark did not start on {url}: {str(exc).splitlines()[0][:300]}") from None
    if not url.startswith("local"):
        spark.sparkContext.addPyFile(str(_code_zip()))
    return spark


def _code_zip() -> Path:
    """lib/ as a zip for the executors of a cluster, whose Python workers start elsewhere than this folder (the
    packages lib imports must be installed there, as requirements.txt lists them)."""
    root = Path(__file__).resolve().parents[2]
    target = Path(tempfile.mkdtemp(prefix="atlas-code-")) / "lib.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((root / "lib").rglob("*.py")):
            archive.write(path, path.relative_to(root).as_posix())
    return target


def running_session():
    """The SparkSession this process already runs (a test's, a notebook's), or None."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    return SparkSession.getActiveSession()


def stop_session(spark) -> None:
    """Stop `spark` and the JVM this process launched for it, so its heap is given back before the driver goes
    on (a stopped session leaves the JVM running until the process ends: 8.7 GiB of it in a 3M build). A later
    session launches a new one."""
    from pyspark import SparkContext

    spark.stop()
    gateway = SparkContext._gateway
    if gateway is None:
        return
    process = getattr(gateway, "proc", None)
    try:
        gateway.shutdown()
    finally:
        SparkContext._gateway, SparkContext._jvm = None, None
        if process is not None:
            process.terminate()
            process.wait(timeout=60)


def _settings(local_only: bool, partitions: int) -> dict[str, str]:
    settings = {
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": str(partitions),
        # Partition counts fixed by the build, not by measured sizes, so a cluster and local mode cut the
        # corpus the same way and sum in the same order.
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
        "spark.driver.memory": os.environ.get(DRIVER_MEMORY_ENV, "4g"),
        "spark.executor.memory": os.environ.get(EXECUTOR_MEMORY_ENV, "2g"),
        "spark.driver.maxResultSize": "2g",
        "spark.pyspark.python": sys.executable,
        "spark.sql.execution.arrow.maxRecordsPerBatch": "5000",
        "spark.sql.execution.pyspark.udf.faulthandler.enabled": "true",
    }
    if local_only:
        settings |= {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
    return settings


def struct(schema):
    """A Spark schema for an Arrow schema: the tasks declare their output in Arrow, Spark wants its own."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)
