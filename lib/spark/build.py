"""`python -m lib.build --engine spark`: the build's stages on a Spark cluster (or local[*]), writing the same
papers.parquet and build_report.json as lib.build. The order of stages and their timings mirror lib.build."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from lib.cleaning.id_cache import read_cache
from lib.core.report import BuildReport
from lib.describing.themes import load_taxonomy
from lib.pipeline import Progress
from lib.reading import store
from lib.spark.dedupe import dedupe_records
from lib.spark.describe import describe
from lib.spark.output import arxiv_summary, collected, theme_counts, write_papers
from lib.spark.parse import parse
from lib.spark.session import spark_session
from lib.spark.topics import topic_columns

RECORDS_PER_PARTITION = 20_000  # a task's share: bounded memory per Python worker, enough tasks for every core


def build_to_disk(
    inputs: Sequence[Path],
    out_dir: Path,
    taxonomy_path: Path,
    *,
    fingerprint: str,
    arxiv_cache_path: Path | None = None,
    k: int | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
    master: str | None = None,
    spark=None,
) -> BuildReport:
    """Build on Spark and write papers.parquet and build_report.json into `out_dir` (the report last).

    Uses `spark` when given (and leaves it running), else starts a session on `master` and stops it after."""
    say = progress or (lambda stage, fraction: None)
    taxonomy = load_taxonomy(taxonomy_path)
    cache = read_cache(arxiv_cache_path) if arxiv_cache_path else []
    own = spark is None
    say("Starting Spark", 0.0)
    spark = spark or spark_session(master)
    try:
        report = _build(spark, inputs, out_dir, taxonomy, cache, k, random_state, say)
    finally:
        if own:
            spark.stop()
    report = replace(report, input_fingerprint=fingerprint, params={"k": k, "random_state": random_state})
    store.write_report(report, out_dir / store.REPORT_FILE)
    say("Done", 1.0)
    return report


def _build(spark, inputs, out_dir, taxonomy, cache, k, random_state, say) -> BuildReport:
    # long: the stages in order, each timed, as lib.build.build_papers lists them
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 4)
        clock = now

    say("Reading inputs", 0.05)
    records, parsed = parse(spark, inputs)
    partitions = max(2, math.ceil(parsed.n_records / RECORDS_PER_PARTITION))
    spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    lap("parse")
    say("Merging duplicates", 0.3)
    rows = dedupe_records(records, partitions)
    records.unpersist()
    lap("dedupe")
    say("Tagging themes and facets", 0.4)
    described = describe(rows, taxonomy, cache)
    rows.unpersist()
    n = described.count()
    lap("themes and facets")
    columns, topics = topic_columns(described, n, partitions, k, random_state, say)
    lap("topics")
    say("Writing the table", 0.95)
    table = described.join(columns, "row")
    write_papers(table, out_dir / store.PAPERS_FILE)
    lap("write")
    report = BuildReport(
        n_records=parsed.n_records,
        n_papers=n,
        inputs=parsed.inputs,
        merges=tuple(collected(described, "merge")),
        same_title_splits=tuple(collected(described, "split")),
        issues=parsed.issues,
        taxonomy=taxonomy.source,
        theme_counts=theme_counts(described, taxonomy),
        topics=topics,
        arxiv=arxiv_summary(described),
        timings=timings,
    )
    described.unpersist()
    return report
