"""Topic clusters on Spark: k chosen and KMeans fitted on the driver's sample exactly as on one machine, then
refined over every row with Lloyd iterations run as Spark jobs (seeded from the sample fit, so the result does
not depend on how rows are spread over tasks); labels numbered by size, centroids, representatives and the map
from per-cluster sums. Every pass sums within a partition in row order, and the driver adds the partitions in
the order of their first row: a cluster and local mode give the same floats.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from lib.describing.neighbours import sample_rows
from lib.describing.topics import KChoice, TopicParams, pick_k
from lib.spark.session import struct
from lib.spark.vectors import fetch_rows, matrix

STATS = pa.schema([("first", pa.int64()), ("cluster", pa.int32()), ("count", pa.int64()), ("sums", pa.binary())])
LABELS = pa.schema([("row", pa.int64()), ("raw", pa.int32())])
MAX_ITER = 300  # scikit-learn's KMeans default
TOL = 1e-4
CHANGED = "changed"  # the entry of a pass's sums that counts labels changed since the last iteration


def _ordered(batches: Iterator[pa.RecordBatch]) -> tuple[np.ndarray, np.ndarray] | None:
    """A partition's (rows, Z), sorted by row so its sums do not depend on the order rows arrived in."""
    batches = list(batches)
    if not batches or not sum(b.num_rows for b in batches):
        return None
    table = pa.Table.from_batches(batches).sort_by("row")
    return table.column("row").to_numpy(), matrix(table)


def assign(Z: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The nearest centre of each row (squared Euclidean distance, ties to the lower number), as KMeans assigns."""
    d = (centres.astype(np.float64) ** 2).sum(axis=1)[None, :] - 2 * Z.astype(np.float64) @ centres.T.astype(np.float64)
    return np.argmin(d, axis=1)


class RowsView:
    """The LSA rows of the whole corpus as a sequence the driver's code reads through `len` and `sample_rows`:
    indexing with sorted positions fetches just those rows from Spark."""

    def __init__(self, lsa: DataFrame, n: int):
        self.lsa, self.n = lsa, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, positions) -> np.ndarray:
        return matrix(fetch_rows(self.lsa, np.asarray(positions)))


def choose(lsa: DataFrame, n: int, k: int | None, k_range, p: TopicParams, random_state: int) -> KChoice:
    return pick_k(_rows(lsa, n, p), k, k_range, p, random_state)


def _rows(lsa: DataFrame, n: int, p: TopicParams):
    # Under the sample size the code samples nothing and reads every row: fetch them all (a few thousand).
    return RowsView(lsa, n)[np.arange(n)] if n <= p.k_sample else RowsView(lsa, n)


def fit_labels(lsa: DataFrame, n: int, k: int, p: TopicParams, random_state: int) -> DataFrame:
    """(row, raw): KMeans labels before numbering by size. `lib.describing.topics.cluster`'s fit: n_init starts
    on the fixed-seed sample, then, when the sample is not every row, Lloyd iterations over all rows from it."""
    spark = lsa.sparkSession
    if k <= 1:
        return lsa.select("row", F.lit(0).alias("raw"))
    rows = _rows(lsa, n, p)
    sample = sample_rows(rows, p.k_sample, random_state)
    with threadpool_limits(1):
        fitted = KMeans(k, n_init=p.n_init, random_state=random_state).fit(sample)
    if len(sample) == n:
        pairs = [(i, int(c)) for i, c in enumerate(fitted.labels_)]
        return spark.createDataFrame(pairs, "row long, raw int")
    centres = lloyd(lsa, fitted.cluster_centers_.astype(np.float64), _tolerance(lsa, n))
    return lsa.mapInArrow(_labels_task(centres), struct(LABELS))


def _labels_task(centres: np.ndarray):
    def task(batches):
        for batch in batches:
            raw = assign(matrix(pa.Table.from_batches([batch])), centres).astype(np.int32)
            yield pa.RecordBatch.from_arrays([batch.column("row"), pa.array(raw)], schema=LABELS)

    return task


def _tolerance(lsa: DataFrame, n: int) -> float:
    """KMeans' tolerance: `tol` times the mean variance of the columns."""
    sums = _collect_sums(
        lsa, lambda rows, Z: {0: (len(Z), np.concatenate([Z.sum(0), (Z.astype(np.float64) ** 2).sum(0)]))}
    )
    total = sums[0][1]
    d = len(total) // 2
    mean = total[:d] / n
    return float(np.mean(total[d:] / n - mean**2) * TOL)


def lloyd(lsa: DataFrame, centres: np.ndarray, tol: float) -> np.ndarray:
    """Lloyd iterations from `centres` with scikit-learn's stopping rules: no label changed since the last
    iteration, or the centres moved less than `tol` in all. One pass over the rows each; an emptied cluster keeps
    its centre (scikit-learn moves it to a far point; with k <= 20 and thousands of rows it does not happen)."""
    previous = None
    for _ in range(MAX_ITER):
        stats = _collect_sums(lsa, _lloyd_step(centres, previous))
        changed = stats.pop(CHANGED, (-1, None))[0]
        new = centres.copy()
        for c, (count, total) in stats.items():
            if count:
                new[c] = total / count
        shift = float(((new - centres) ** 2).sum())
        previous, centres = centres, new
        if changed == 0 or shift <= tol:
            break
    return centres


def _lloyd_step(centres: np.ndarray, previous: np.ndarray | None):
    def step(rows: np.ndarray, Z: np.ndarray) -> dict:
        labels = assign(Z, centres)
        out = {
            c: (int(np.sum(labels == c)), Z[labels == c].astype(np.float64).sum(axis=0)) for c in range(len(centres))
        }
        if previous is not None:
            out[CHANGED] = (int(np.sum(labels != assign(Z, previous))), np.zeros(1))
        return out

    return step


def _collect_sums(lsa: DataFrame, per_partition) -> dict:
    """Run `per_partition(rows, Z) -> {cluster: (count, vector)}` on every partition; sum on the driver in the
    order of the partitions' first rows."""

    def task(batches):
        ordered = _ordered(batches)
        if ordered is None:
            return
        rows, Z = ordered
        out = per_partition(rows, Z)
        yield pa.RecordBatch.from_pylist(
            [
                dict(first=int(rows[0]), cluster=_code(c), count=n, sums=v.astype(np.float64).tobytes())
                for c, (n, v) in out.items()
            ],
            schema=STATS,
        )

    collected = sorted(lsa.mapInArrow(task, struct(STATS)).collect(), key=lambda r: (r["first"], r["cluster"]))
    totals: dict = {}
    for r in collected:
        key = CHANGED if r["cluster"] == -1 else r["cluster"]
        count, total = totals.get(key, (0, 0.0))
        totals[key] = (count + r["count"], total + np.frombuffer(r["sums"], np.float64))
    return totals


def _code(c) -> int:
    return -1 if c == CHANGED else int(c)


def number_by_size(raw: DataFrame, k: int) -> tuple[DataFrame, np.ndarray]:
    """(row, cluster) with clusters numbered by size (largest 0, ties to the smallest member row), and the sizes."""
    stats = {
        r["raw"]: (r["size"], r["first"])
        for r in raw.groupBy("raw").agg(F.count("*").alias("size"), F.min("row").alias("first")).collect()
    }
    sizes = np.array([stats.get(c, (0, 0))[0] for c in range(k)])
    first = np.array([stats.get(c, (0, 1 << 62))[1] for c in range(k)])
    rank = np.empty(k, np.int64)
    rank[np.lexsort((first, -sizes))] = np.arange(k)
    mapping = F.create_map(*[x for c in range(k) for x in (F.lit(c), F.lit(int(rank[c])))])
    return raw.select("row", mapping[F.col("raw")].alias("cluster")), np.sort(sizes)[::-1]
