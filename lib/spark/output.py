"""What a Spark build writes: papers.parquet, one file with the single-machine table's columns, types and row
order (written in parallel, then joined part by part, so the driver never holds the table), and the report's
figures from aggregates over the table."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lib.core import schema as S
from lib.core.records import Issue
from lib.core.report import ArxivSummary, ThemeCount
from lib.describing.themes import Taxonomy
from lib.reading import store
from lib.spark.tasks import arrow_type, unpack


def papers_schema() -> pa.Schema:
    """The table's Arrow schema as pandas writes it (text as large_string), with pandas' own metadata."""
    fields = [(c, pa.large_string() if arrow_type(c) == pa.string() else arrow_type(c)) for c in S.COLUMNS]
    schema = pa.schema(fields)
    return pa.Table.from_pandas(schema.empty_table().to_pandas(), schema=schema, preserve_index=False).schema


def write_papers(table: DataFrame, path: Path) -> int:
    """Write the table (with its `row` column) in row order to `path`, atomically; returns the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".papers-spark-", dir=path.parent))
    try:
        table.orderBy("row").select(*S.COLUMNS).write.mode("overwrite").parquet(str(staging / "parts"))
        parts = sorted((staging / "parts").glob("part-*.parquet"))
        schema = papers_schema()
        total = 0

        def join_parts(tmp: Path) -> None:
            nonlocal total
            with pq.ParquetWriter(tmp, schema) as writer:
                for part in parts:
                    for group in range(pq.ParquetFile(part).num_row_groups):
                        chunk = pq.ParquetFile(part).read_row_group(group).select(schema.names)
                        writer.write_table(chunk.cast(schema))
                        total += len(chunk)

        store.atomic_write(path, join_parts)
        return total
    finally:
        shutil.rmtree(staging, ignore_errors=True)


BOOKKEEPING = ("merge", "split", "detail", "warnings", "conflict")  # what dedupe and the id stage say besides rows


def bookkeeping(table: DataFrame) -> dict[str, list]:
    """The Python objects the bookkeeping columns carry, in row order, from the rows that have any (one job):
    column -> [(paper_id, object), ...]."""
    has_any = F.lit(False)
    for column in BOOKKEEPING:
        has_any = has_any | F.col(column).isNotNull()
    rows = sorted(table.where(has_any).select("row", S.PAPER_ID, *BOOKKEEPING).collect(), key=lambda r: r[0])
    return {c: [(r[S.PAPER_ID], unpack(r[c])) for r in rows if r[c] is not None] for c in BOOKKEEPING}


def theme_counts(table: DataFrame, taxonomy: Taxonomy) -> dict[str, ThemeCount]:
    about = dict(table.select(F.explode(S.THEMES).alias("t")).groupBy("t").count().collect())
    mentions = dict(table.select(F.explode(S.THEME_MENTIONS).alias("t")).groupBy("t").count().collect())
    return {t.id: ThemeCount(int(about.get(t.id, 0)), int(mentions.get(t.id, 0))) for t in taxonomy.themes}


def arxiv_summary(table: DataFrame, conflicts: list) -> ArxivSummary:
    counts = table.agg(
        *[F.count(F.when(F.col(S.ARXIV_SOURCE) == s, 1)).alias(s) for s in S.ARXIV_SOURCES],
        F.count(F.when(F.col(S.ARXIV_CONFIDENCE) == "low", 1)).alias("low"),
        F.count(F.when(F.col(S.PUBLISHED).isNull(), 1)).alias("undated"),
    ).first()
    return ArxivSummary(
        from_record=counts["record"],
        from_text=counts["text"],
        from_list=counts["list"],
        low_confidence=counts["low"],
        undated=counts["undated"],
        conflicts=tuple(conflicts),
    )


def shared_arxiv_ids(table: DataFrame) -> list[Issue]:
    """One arXiv id on several papers (at most one of them is that paper): the warnings lib.build gives, in its
    order (by id, then by row)."""
    shared = table.groupBy(S.ARXIV_ID).count().where(f"count > 1 and {S.ARXIV_ID} is not null")
    rows = table.join(shared.select(S.ARXIV_ID), S.ARXIV_ID).select(S.ARXIV_ID, "row", S.TITLE).collect()
    by_id: dict[str, list] = {}
    for arxiv_id, _, title in sorted(rows, key=lambda r: (r[0], r[1])):
        by_id.setdefault(arxiv_id, []).append(title)
    return [
        Issue("arxiv ids", None, f"arXiv id {i} is on {len(ts)} papers: {'; '.join(repr(t[:60]) for t in ts)}")
        for i, ts in by_id.items()
    ]


def dedupe_warnings(partitions: list) -> list[Issue]:
    """Dedupe's warnings from every partition, in the order of the records they name (arXiv ids before DOIs),
    as one dedupe over the whole corpus lists them."""
    found = [w for warnings in partitions for w in warnings]
    return sorted(found, key=lambda w: (w.source, w.line or 0, not w.reason.startswith("arXiv"), w.reason))
