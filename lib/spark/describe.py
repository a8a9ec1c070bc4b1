"""Per-paper columns on Spark: the rows get their place in the table (the single-machine order, by first
appearance), then themes, facets and arXiv ids from lib.pipeline's own functions, inside the tasks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pandas as pd
import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lib.cleaning.id_cache import CacheEntry
from lib.core import schema as S
from lib.describing.themes import Taxonomy
from lib.pipeline import with_arxiv_ids, with_fields, with_themes
from lib.spark.dedupe import ROWS
from lib.spark.session import struct
from lib.spark.tasks import arrow_type, pack

ADDED = [
    S.THEMES,
    S.THEME_MENTIONS,
    S.THEME_EVIDENCE,
    S.CODE_URL,
    S.ARXIV_ID,
    S.DATASETS,
    S.PAPER_TYPE,
    S.ARXIV_URL,
    S.ARXIV_SOURCE,
    S.ARXIV_CONFIDENCE,
    S.PUBLISHED,
]
DESCRIBED = pa.schema(
    [("row", pa.int64())]
    + [f for f in ROWS if f.name not in ("first_source", "first_line")]
    + [(c, arrow_type(c)) for c in ADDED]
    + [("conflict", pa.binary())]
)
_TEXT_IN = [S.PAPER_ID, S.TITLE, S.ABSTRACT, S.RECORD_ARXIV_ID, S.RECORD_PUBLISHED]


def number_rows(rows: DataFrame, *order: str) -> DataFrame:
    """(paper_id, row): each paper's position when ordered by the columns `order` (by default first appearance,
    source then line, as lib.cleaning.dedupe orders the table). A range-partitioned sort, then each partition's
    offset from the counts."""
    order = order or ("first_source", "first_line")
    ordered = rows.select(S.PAPER_ID, *[c for c in order if c != S.PAPER_ID]).orderBy(*order)
    ordered = ordered.select(
        S.PAPER_ID, F.spark_partition_id().alias("part"), F.monotonically_increasing_id().alias("mid")
    )
    ordered = ordered.persist(StorageLevel.MEMORY_AND_DISK)
    counts = dict(ordered.groupBy("part").count().collect())
    offsets, total = {}, 0
    for part in sorted(counts):
        offsets[part] = total
        total += counts[part]
    # monotonically_increasing_id is the partition number in the upper 31 bits, the position within it below
    start = F.create_map(*[x for part, off in offsets.items() for x in (F.lit(part), F.lit(off))]) if offsets else None
    position = F.col("mid") - F.shiftleft(F.col("part").cast("long"), 33)
    numbered = ordered.select(
        S.PAPER_ID, (start[F.col("part")] + position).alias("row") if start is not None else F.lit(0)
    )
    return numbered.localCheckpoint()


def describe_task(taxonomy: Taxonomy, cache: Sequence[CacheEntry]):
    """mapInArrow task: themes, fields and arXiv ids for each batch of papers, by lib.pipeline."""

    def task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            table = pa.Table.from_batches([batch])
            papers = pd.DataFrame({c: table.column(c).to_pylist() for c in _TEXT_IN})
            papers, summary = with_arxiv_ids(with_fields(with_themes(papers, taxonomy)), cache)
            conflicts = {c.paper_id: pack(c) for c in summary.conflicts}
            for column in ADDED:
                values = [None if v is None or v != v else v for v in papers[column].tolist()]  # NaN is missing
                table = table.append_column(column, pa.array(values, arrow_type(column)))
            table = table.append_column(
                "conflict", pa.array([conflicts.get(p) for p in papers[S.PAPER_ID]], pa.binary())
            )
            yield from table.select(DESCRIBED.names).cast(DESCRIBED).to_batches()

    return task


def describe(rows: DataFrame, taxonomy: Taxonomy, cache: Sequence[CacheEntry]) -> DataFrame:
    """The papers with their row number and every per-paper column (DESCRIBED), persisted."""
    numbered = rows.join(number_rows(rows), S.PAPER_ID).drop("first_source", "first_line")
    described = numbered.mapInArrow(describe_task(taxonomy, list(cache)), struct(DESCRIBED))
    described = described.persist(StorageLevel.MEMORY_AND_DISK)
    described.count()
    return described
