"""The meaning index on Spark: the same index lib.describing.meaning_index writes for a single-machine build (each
paper's LSA vector in the topic space's first DIMS dimensions, the vocabulary, idf and basis, the themes' centres),
made from the vectors the topic stage already has. Each task cuts its rows' vectors to DIMS dimensions; the
driver gathers them in paper-id order (DIMS floats a paper) with each paper's id and themes, and
lib.describing.meaning_index.from_space writes the index as any build does. A collection too small for the
topic space to have DIMS dimensions (under 20 papers a dimension) is gathered whole and given its own SVD there,
as on one machine.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
from pyspark.sql import DataFrame
from sklearn.preprocessing import normalize

from lib.core import schema as S
from lib.describing.meaning_index import DIMS, from_space, space
from lib.describing.themes import Taxonomy
from lib.spark.session import struct
from lib.spark.vectors import LSA, Vocabulary, csr_rows, matrix, vector_cells


def meaning_index(
    described: DataFrame,
    by_id: DataFrame,
    vectors: DataFrame,
    lsa: DataFrame,
    svd,
    vocab: Vocabulary,
    taxonomy: Taxonomy,
    random_state: int,
) -> tuple[dict, dict[str, np.ndarray]] | None:
    """The meaning index of the table `described` (its `row` order), from the topic stage's `vectors` and `lsa`
    (keyed by `row` of `by_id`, paper-id order) and the `svd` and `vocab` that made them."""
    table = described.select("row", S.PAPER_ID, S.THEMES).toArrow().sort_by("row")
    row_ids = table.column(S.PAPER_ID).to_numpy(zero_copy_only=False).astype(str)
    row_themes = table.column(S.THEMES).to_pylist()
    basis = svd.components_.astype(np.float32)
    if basis.shape[0] >= DIMS:
        cut = lsa.mapInArrow(_first_dims(DIMS), struct(LSA))
        rows = cut.join(by_id, "row").select("row", S.PAPER_ID, "z").toArrow().sort_by("row")
        Z, basis = matrix(rows), basis[:DIMS]
    else:
        rows = vectors.select("row", "idx", "cnt").join(by_id, "row").toArrow().sort_by("row")
        counts = csr_rows(rows, len(vocab.terms), values="cnt")
        projected = matrix(lsa.toArrow().sort_by("row"))
        Z, basis = space(projected, basis, lambda: counts, vocab.idf, DIMS, random_state)
    sorted_ids = rows.column(S.PAPER_ID).to_numpy(zero_copy_only=False).astype(str)
    return from_space(Z, basis, vocab.terms, vocab.idf, sorted_ids, row_ids, taxonomy, row_themes)


def _first_dims(dims: int):
    """mapInArrow task: (row, z) -> (row, z cut to its first `dims` values, of unit length again)."""

    def task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if not batch.num_rows:
                continue
            Z = normalize(matrix(pa.Table.from_batches([batch]))[:, :dims]).astype(np.float32)
            yield pa.RecordBatch.from_arrays([batch.column("row"), vector_cells(Z)], schema=LSA)

    return task
