"""Helpers every stage's Spark tasks share: Python objects carried in binary columns, Arrow batches in and out,
and grouping the rows of one partition by a key. No Spark import: these run inside the Python workers.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from collections.abc import Iterable

import pyarrow as pa

from lib.core import schema as S


def pack(value) -> bytes:
    """A Python object (a Record, a Merge, an Issue) as a cell of a binary column, to come back unchanged."""
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def unpack(cell: bytes):
    return pickle.loads(cell)


def whole_partition(batches: Iterable[pa.RecordBatch]) -> pa.Table:
    """All batches of one partition as one table: stages that decide per group (a key, a component) need every
    row of a group at once, and the partitioning put each group in one partition."""
    batches = list(batches)
    return pa.Table.from_batches(batches) if batches else None


def group_rows(keys: list) -> dict:
    """Positions of each key's rows, keys in order of first appearance."""
    groups: dict = defaultdict(list)
    for i, key in enumerate(keys):
        groups[key].append(i)
    return groups


def arrow_type(column: str) -> pa.DataType:
    """The Arrow type of a papers-table column (lib.core.schema kinds); columns not in the schema are text."""
    kind = S.COLUMNS.get(column, "optstr")
    return {"int": pa.int64(), "float": pa.float64(), "list": pa.list_(pa.string())}.get(kind, pa.string())
