"""One local SparkSession for every Spark test (on 2 cores, bound to 127.0.0.1, no web UI), and the builds the
tests compare: the single-machine build and the Spark build of the same inputs, on the seeds and on a 10k
synthetic corpus. pyspark and Java are installed by `make test`; without them these tests fail, saying so."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"


@pytest.fixture(scope="session")
def spark():
    if shutil.which("java") is None:
        pytest.fail("Java is missing: `make test` installs it (Debian's openjdk-17-jre-headless)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.fail("pyspark is missing: `make test` installs it (pip install -r requirements-spark.txt)")
    from lib.spark.session import spark_session

    session = spark_session("local[2]", partitions=2)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@dataclass
class Pair:
    """The same inputs built by `python -m lib.build` on one machine and with `--engine spark`: tables,
    reports, merge details, and each command's exit code and output."""

    local: pd.DataFrame
    spark: pd.DataFrame
    local_report: object
    spark_report: object
    local_details: dict
    spark_details: dict
    spark_dir: Path
    runs: dict[str, tuple[int, str, str]]  # engine -> (exit code, stdout, stderr)


def build_both(raw: Path, out: Path) -> Pair:
    """Both builds through the command line; the Spark one in this process's session (the fixture's)."""
    from lib.build import main
    from lib.reading import store

    runs = {}
    for engine in ("local", "spark"):
        stdout, stderr = io.StringIO(), io.StringIO()
        args = [str(raw), "--out", str(out / engine), "--quiet", "--engine", engine]
        args += ["--taxonomy", str(DATA / "themes.toml"), "--arxiv-cache", str(DATA / "arxiv_ids.csv")]
        with redirect_stdout(stdout), redirect_stderr(stderr):
            runs[engine] = (main(args), stdout.getvalue(), stderr.getvalue())
    reports = [store.read_report(out / side / store.REPORT_FILE) for side in ("local", "spark")]
    details = [json.loads((out / side / store.DETAILS_FILE).read_text(encoding="utf-8")) for side in ("local", "spark")]
    tables = [store.read_papers(out / side / store.PAPERS_FILE) for side in ("local", "spark")]
    return Pair(*tables, *reports, *details, out / "spark", runs)


@pytest.fixture(scope="session")
def seeds_pair(spark, tmp_path_factory) -> Pair:
    """The seed pages, and beside them a file that cannot be read: both builds go on without it and name it."""
    root = tmp_path_factory.mktemp("spark-seeds")
    shutil.copytree(DATA / "raw", root / "raw")
    (root / "raw" / "broken.bib").write_bytes(b"\x00\x01 not text")
    return build_both(root / "raw", root)


@pytest.fixture(scope="session")
def corpus_pair(spark, tmp_path_factory) -> Pair:
    """10k synthetic papers (bench/make_corpus.py) with planted near-duplicates."""
    root = tmp_path_factory.mktemp("spark-10k")
    make = [sys.executable, str(ROOT / "bench" / "make_corpus.py"), "10000", "--out", str(root / "raw")]
    subprocess.run(make, check=True, capture_output=True)
    return build_both(root / "raw", root)


@pytest.fixture(params=["seeds", "10k"])
def pair(request) -> Pair:
    return request.getfixturevalue("seeds_pair" if request.param == "seeds" else "corpus_pair")
