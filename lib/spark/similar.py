"""Similar papers on Spark: lib.describing.neighbours.similar_papers' approximate search, cell by cell.

The LSA space is cut into cells by KMeans on the same fixed-seed sample, on the driver. Each paper is a member
of its nearest cell and asks in its `n_probe` nearest; the rows are partitioned by cell, and each cell's task
finds, for every paper asking there, its `n_candidates` nearest members by LSA cosine and their TF-IDF cosines.
A last step per paper keeps the `n_candidates` best by LSA over its cells and, of those, the five best by
TF-IDF cosine: the single-machine candidates and order. Up to `exact_max` papers every pair is compared on the
driver, by the same function the single-machine build calls.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from lib.core import schema as S
from lib.describing.neighbours import N_SIMILAR, sample_rows, similar_papers
from lib.describing.topics import TopicParams
from lib.spark.clusters import RowsView
from lib.spark.session import struct
from lib.spark.vectors import csr_rows, matrix

PROBES = pa.schema([("row", pa.int64()), ("cells", pa.list_(pa.int32()))])
FOUND = pa.schema(
    [("row", pa.int64()), ("slot", pa.int32()), ("cands", pa.list_(pa.int64()))]
    + [("lsa", pa.list_(pa.float32())), ("tf", pa.list_(pa.float32()))]
)
SIMILAR = pa.schema([("row", pa.int64()), (S.SIMILAR_IDS, pa.list_(pa.string()))])
PICKED = pa.schema([("row", pa.int64()), ("picks", pa.list_(pa.int64()))])


def exact(vectors: DataFrame, ids: DataFrame, width: int, p: TopicParams) -> DataFrame:
    """Every pair compared, on the driver: the corpus is at most `exact_max` papers."""
    table = vectors.select("row", "idx", "tf").toArrow().sort_by("row")
    found, _ = similar_papers(csr_rows(table, width), None, exact_max=p.exact_similar_max)
    names = dict(ids.select("row", S.PAPER_ID).collect())
    rows = [(int(r), [names[j] for j in found[r] if j >= 0][:N_SIMILAR]) for r in table.column("row").to_numpy()]
    return vectors.sparkSession.createDataFrame(rows, struct(SIMILAR))


def _probe(centres: np.ndarray, n_probe: int):
    def task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            sims = matrix(pa.Table.from_batches([batch])) @ centres.T
            cells = np.argsort(-sims, axis=1, kind="stable")[:, :n_probe].astype(np.int32)
            offsets = pa.array(np.arange(0, cells.size + 1, cells.shape[1], dtype=np.int32))
            lists = pa.ListArray.from_arrays(offsets, pa.array(cells.ravel()))
            yield pa.RecordBatch.from_arrays([batch.column("row"), lists], schema=PROBES)

    return task


def _top(sims: np.ndarray, order: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row the columns of its `m` largest values (ties to the smaller `order`), and the values."""
    ranked = np.lexsort((np.broadcast_to(order, sims.shape), -sims), axis=1)[:, :m]
    return ranked, np.take_along_axis(sims, ranked, axis=1)


def _cell_task(m: int, width: int):
    """applyInArrow per cell: members (slot -1) and askers (slot 0..n_probe-1) in, each asker's candidates out."""

    def task(table: pa.Table) -> pa.Table:
        table = table.sort_by([("slot", "ascending"), ("row", "ascending")])
        slots = table.column("slot").to_numpy()
        members, askers = table.filter(pa.array(slots < 0)), table.filter(pa.array(slots >= 0))
        if not len(askers) or not len(members):
            return FOUND.empty_table()
        Zm, Za = matrix(members), matrix(askers)
        mrows, arows = members.column("row").to_numpy(), askers.column("row").to_numpy()
        sims = Za @ Zm.T
        sims[arows[:, None] == mrows[None, :]] = -np.inf
        top, top_sims = _top(sims, mrows, min(m, len(mrows)))
        Tm, Ta = csr_rows(members, width), csr_rows(askers, width)
        pairs = Ta[np.repeat(np.arange(len(arows)), top.shape[1])].multiply(Tm[top.ravel()])
        tf = np.asarray(pairs.sum(axis=1), np.float32).reshape(top.shape)
        keep = np.isfinite(top_sims)
        return pa.Table.from_pydict(
            dict(
                row=arows,
                slot=askers.column("slot"),
                cands=[mrows[t[k]].tolist() for t, k in zip(top, keep)],
                lsa=[s[k].tolist() for s, k in zip(top_sims, keep)],
                tf=[s[k].tolist() for s, k in zip(tf, keep)],
            ),
            schema=FOUND,
        )

    return task


def _pick(m: int, n_similar: int):
    """mapInArrow task over (row, found: a list of (slot, cands, lsa, tf) from each cell the paper asked in):
    each paper's similar papers, as rows."""

    def task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            out = []
            for found in batch.column("found").to_pylist():
                cands, lsa, tf = [], [], []
                for cell in sorted(found, key=lambda f: f["slot"]):  # columns: slot, then rank in the cell
                    cands += cell["cands"]
                    lsa += cell["lsa"]
                    tf += cell["tf"]
                best = np.lexsort((np.arange(len(lsa)), -np.asarray(lsa, np.float32)))[:m]
                scores = np.asarray(tf, np.float32)[best]
                order = best[np.lexsort((np.arange(len(best)), -scores))]
                out.append([cands[j] for j in order if tf[j] > 0][:n_similar])
            yield pa.RecordBatch.from_arrays([batch.column("row"), pa.array(out, pa.list_(pa.int64()))], schema=PICKED)

    return task


def approximate(vectors: DataFrame, lsa: DataFrame, ids: DataFrame, n: int, width: int, p: TopicParams, seed: int):
    """(row, similar_ids) for every paper, through LSA cells as neighbours.similar_papers searches them."""
    n_cells = max(1, n // p.cell_size)
    with threadpool_limits(1):
        sample = sample_rows(RowsView(lsa, n), 100 * n_cells, seed)
        centres = KMeans(n_cells, n_init=1, random_state=seed).fit(sample).cluster_centers_.astype(np.float32)
    probes = lsa.mapInArrow(_probe(centres, min(p.n_probe, n_cells)), struct(PROBES))
    slots = probes.select("row", F.posexplode("cells").alias("slot", "cell"))
    asks = slots.select("row", "cell", "slot")
    owns = slots.where("slot = 0").select("row", "cell", F.lit(-1).alias("slot"))
    rows = vectors.select("row", "idx", "tf").join(lsa, "row")
    both = asks.unionByName(owns).join(rows, "row")
    found = both.groupBy("cell").applyInArrow(_cell_task(p.n_candidates, width), struct(FOUND))
    cells = F.struct("slot", "cands", "lsa", "tf")
    per_paper = found.groupBy("row").agg(F.collect_list(cells).alias("found"))
    picked = per_paper.mapInArrow(_pick(p.n_candidates, N_SIMILAR), struct(PICKED))
    # rows to paper ids last: five per paper cross the shuffle as ids, not forty per cell
    flat = picked.select("row", F.posexplode("picks").alias("pos", "crow"))
    named = flat.join(ids.select(F.col("row").alias("crow"), S.PAPER_ID), "crow")
    ordered = F.array_sort(F.collect_list(F.struct("pos", S.PAPER_ID)))
    return named.groupBy("row").agg(ordered.alias("p")).select("row", F.col(f"p.{S.PAPER_ID}").alias(S.SIMILAR_IDS))
