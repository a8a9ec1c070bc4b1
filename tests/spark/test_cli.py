"""The command line: `python -m lib.build --engine spark` writes a collection the app reads, prints the same
summary as the single-machine build, and names an unreadable input as it does."""

from __future__ import annotations

import pytest

from lib.core import schema as S
from lib.reading import store

pytestmark = pytest.mark.xdist_group("spark")  # one worker, one JVM for all Spark tests


def test_the_cli_builds_on_spark_and_names_an_unreadable_input(seeds_pair):
    code, out, err = seeds_pair.runs["spark"]
    assert code == 1 and "broken.bib" in err  # built from the readable files, the bad one named
    assert seeds_pair.runs["local"][0] == 1 and "broken.bib" in seeds_pair.runs["local"][2]
    assert "634 papers from 745 entries in 5 inputs" in out
    assert out.splitlines()[:4] == seeds_pair.runs["local"][1].splitlines()[:4]
    papers = store.read_papers(seeds_pair.spark_dir / store.PAPERS_FILE)
    assert len(papers) == 634 and not S.missing_columns(papers)
    report = seeds_pair.spark_report
    assert report.issues[0].source == "broken.bib" and report.n_papers == 634
    assert papers[S.CLUSTER].max() + 1 == report.topics.k


def test_a_build_in_its_own_process_stops_its_jvm_and_writes_the_lean_folder(tmp_path):
    """As a person runs it: a fresh process that starts Spark, stops it and its JVM, then writes the lean folder."""
    import shutil
    import subprocess
    import sys

    from lib.reading import lean
    from tests.conftest import ROOT, SEED_DIR, TAXONOMY

    shutil.copy(sorted(SEED_DIR.glob("*.txt"))[0], tmp_path / "page.txt")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "lib.build", str(tmp_path / "page.txt"), "--out", str(out), "--quiet"]
    command += ["--engine", "spark", "--master", "local[1]", "--taxonomy", str(TAXONOMY)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert lean.read_lean(out, out / store.SERVED_FILE) is not None
    assert "lean" in store.read_report(out / store.REPORT_FILE).timings
