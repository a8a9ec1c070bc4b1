"""`python -m lib.build --engine spark`: the build's stages on a Spark cluster (or local[*]), writing the same
papers.parquet and build_report.json as lib.build. The order of stages and their timings mirror lib.build."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from lib import serving
from lib.cleaning.id_cache import read_cache
from lib.core import schema as S
from lib.core.records import Issue
from lib.core.report import BuildReport
from lib.describing.themes import load_taxonomy
from lib.pipeline import Progress
from lib.reading import store
from lib.spark.dedupe import dedupe_records
from lib.spark.describe import describe
from lib.spark.output import arxiv_summary, bookkeeping, dedupe_warnings, shared_arxiv_ids, theme_counts, write_papers
from lib.spark.parse import parse
from lib.spark.session import running_session, spark_session, stop_session
from lib.spark.topics import topic_columns

RECORDS_PER_PARTITION = 20_000  # a task's share: bounded memory per Python worker, enough tasks for every core


@dataclass
class Built:
    report: BuildReport
    failed: list[str] = field(default_factory=list)  # "file: why" of each input that could not be read


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
    decisions_path: Path | None = None,
    master: str | None = None,
    spark=None,
) -> Built:
    """Build on Spark and write papers.parquet, merge_details.json, the meaning index, the lean folder and
    build_report.json into `out_dir` (the report last), as lib.build.build_to_disk does. Uses `spark`, or the
    session already running in this process (and leaves it running), else starts one on `master` and stops it
    after; the lean folder is written after that, on this process, from the table written."""
    say = progress or (lambda stage, fraction: None)
    taxonomy = load_taxonomy(taxonomy_path)
    cache = read_cache(arxiv_cache_path) if arxiv_cache_path else []
    apart = store.apart_groups(decisions_path or store.decisions_beside(out_dir))
    say("Starting Spark", 0.0)
    spark = spark or running_session()
    own = spark is None
    spark = spark or spark_session(master)
    try:
        built = _build(spark, inputs, out_dir, taxonomy, cache, apart, k, random_state, say)
    finally:
        if own:
            stop_session(spark)  # its JVM too: the lean folder is written next, on this process
    say("Writing the lean folder the app serves a large collection from", 0.95)
    started = time.perf_counter()
    serving.lean_for_folder(Path(out_dir), taxonomy.ids())  # on the driver, from the table just written
    timings = {**built.report.timings, "lean": round(time.perf_counter() - started, 4)}
    report = replace(
        built.report, timings=timings, input_fingerprint=fingerprint, params={"k": k, "random_state": random_state}
    )
    store.write_report(report, out_dir / store.REPORT_FILE)
    say("Done", 1.0)
    return Built(report, built.failed)


def _build(spark, inputs, out_dir, taxonomy, cache, apart, k, random_state, say) -> Built:
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
    rows = dedupe_records(records, partitions, apart)
    records.unpersist()
    lap("dedupe")
    say("Tagging themes and facets", 0.4)
    described = describe(rows, taxonomy, cache)
    rows.unpersist()
    n = described.count()
    lap("themes and facets")
    columns, topics, meaning = topic_columns(described, n, partitions, k, random_state, say, taxonomy, lap)
    say("Writing the table", 0.95)
    write_papers(described.join(columns, S.PAPER_ID), out_dir / store.PAPERS_FILE)
    store.write_meaning(out_dir, meaning)
    said = bookkeeping(described)
    text = json.dumps(dict(said["detail"]), ensure_ascii=False, sort_keys=True)
    store.atomic_write(out_dir / store.DETAILS_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    lap("write")
    failed = [Issue(f.source, f.line, f"not read: {f.reason}") for f in parsed.failed]
    report = BuildReport(
        n_records=parsed.n_records,
        n_papers=n,
        inputs=parsed.inputs,
        merges=tuple(m for _, m in said["merge"]),
        same_title_splits=tuple(s for _, s in said["split"]),
        issues=(
            *failed,
            *parsed.issues,
            *dedupe_warnings([w for _, w in said["warnings"]]),
            *shared_arxiv_ids(described),
        ),
        taxonomy=taxonomy.source,
        theme_counts=theme_counts(described, taxonomy),
        topics=topics,
        arxiv=arxiv_summary(described, [c for _, c in said["conflict"]]),
        timings=timings,
    )
    described.unpersist()
    return Built(report, [str(f) for f in parsed.failed])
