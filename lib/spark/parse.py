"""Parse on Spark: one task per group of input files, each calling lib.reading.formats.read_path, the same
reader the single-machine build uses. The files must be on a file system every worker sees (on one machine and
on a loopback cluster they are)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from lib.core.errors import IngestError
from lib.core.records import Issue
from lib.core.report import InputSummary
from lib.core.titles import normalize_title
from lib.reading.formats import read_path
from lib.spark.session import struct
from lib.spark.tasks import pack, unpack

# One row per record (record set) or per file (summary set): the summary row carries what the report says of a
# file, or the IngestError that stops the build.
RECORDS = pa.schema(
    [
        ("file_no", pa.int32()),
        ("key", pa.string()),
        ("arxiv_id", pa.string()),
        ("doi", pa.string()),
        ("record", pa.binary()),
        ("summary", pa.binary()),
    ]
)


@dataclass(frozen=True)
class Parsed:
    """What the report needs of the parse: each readable input's summary and issues, in input order, and the
    error of each input that could not be read (the build goes on without it, as lib.build does)."""

    inputs: tuple[InputSummary, ...]
    issues: tuple[Issue, ...]
    n_records: int
    failed: tuple[IngestError, ...] = ()


def read_files(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow task: (file_no, path) rows in, one row per record plus one summary row per file out."""
    for batch in batches:
        for file_no, path in zip(batch.column("file_no").to_pylist(), batch.column("path").to_pylist()):
            yield pa.RecordBatch.from_pylist(_read_one(file_no, path), schema=RECORDS)


def _read_one(file_no: int, path: str) -> list[dict]:
    try:
        parsed = read_path(Path(path))
    except IngestError as exc:  # carried to the driver, which raises it as the single-machine build would
        return [dict(file_no=file_no, summary=pack(("error", exc.source, exc.reason, exc.line)))]
    rows = [
        dict(file_no=file_no, key=normalize_title(r.title), arxiv_id=r.arxiv_id, doi=r.doi, record=pack(r))
        for r in parsed.records
    ]
    summary = InputSummary(parsed.source, len(parsed.records), parsed.counts(), parsed.page_date, parsed.encoding)
    return [*rows, dict(file_no=file_no, summary=pack((summary, tuple(parsed.issues))))]


def parse(spark, inputs: Sequence[Path]):
    """The records DataFrame (persisted; columns key, arxiv_id, doi, record) and the report's view of the parse."""
    from pyspark import StorageLevel

    paths = spark.createDataFrame([(i, str(p.resolve())) for i, p in enumerate(inputs)], "file_no int, path string")
    rows = paths.repartition(max(1, min(len(inputs), 64)), "file_no").mapInArrow(read_files, struct(RECORDS))
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)
    summaries = sorted(rows.where("summary is not null").select("file_no", "summary").collect())
    inputs_out, issues, failed = [], [], []
    for _, cell in summaries:
        value = unpack(cell)
        if value[0] == "error":
            failed.append(IngestError(*value[1:]))
            continue
        summary, file_issues = value
        inputs_out.append(summary)
        issues.extend(file_issues)
    if failed and not inputs_out:
        rows.unpersist()
        raise failed[0]
    records = rows.where("record is not null").drop("summary")
    n_records = sum(s.papers for s in inputs_out)
    return records, Parsed(tuple(inputs_out), tuple(issues), n_records, tuple(failed))
