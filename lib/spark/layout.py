"""What the clusters show, from per-cluster sums over partitions: centroids, the map (each cluster's disc and
its members on the cluster's two principal axes, as lib.describing.topic_map lays them out), the three most
typical papers of each cluster and its name (lib.describing.topic_labels.name_topics).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from lib.core import schema as S
from lib.describing.topic_labels import name_topics
from lib.describing.topic_map import disc_centres, principal_axes
from lib.describing.topics import N_REPRESENTATIVES
from lib.pipeline import topic_texts
from lib.spark.session import struct
from lib.spark.vectors import matrix

SUMS = pa.schema([("first", pa.int64()), ("cluster", pa.int32()), ("count", pa.int64()), ("sums", pa.binary())])
PLACED = pa.schema(
    [("row", pa.int64()), ("cluster", pa.int64()), ("lx", pa.float64()), ("ly", pa.float64())]
    + [("norm", pa.float64()), ("sim", pa.float64())]
)


def _sorted_partition(batches: Iterator[pa.RecordBatch]) -> pa.Table | None:
    batches = list(batches)
    if not sum(b.num_rows for b in batches):
        return None
    return pa.Table.from_batches(batches).sort_by("row")


def _moments(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow task over (row, z, cluster): per cluster the count, the sum of z and the sum of z z^T."""
    table = _sorted_partition(batches)
    if table is None:
        return
    Z, labels = matrix(table).astype(np.float64), table.column("cluster").to_numpy()
    out = []
    for c in np.unique(labels):
        members = Z[labels == c]
        sums = np.concatenate([members.sum(axis=0), (members.T @ members).ravel()])
        out.append(
            dict(first=int(table.column("row")[0].as_py()), cluster=int(c), count=len(members), sums=sums.tobytes())
        )
    yield pa.RecordBatch.from_pylist(out, schema=SUMS)


def cluster_moments(joined: DataFrame, k: int, d: int):
    """Per cluster: size, mean (k, d) and centred scatter matrix (k, d, d), summed in the order of first rows."""
    counts, means, scatter = np.zeros(k, np.int64), np.zeros((k, d)), np.zeros((k, d, d))
    rows = sorted(joined.mapInArrow(_moments, struct(SUMS)).collect(), key=lambda r: (r["first"], r["cluster"]))
    for r in rows:
        values = np.frombuffer(r["sums"], np.float64)
        counts[r["cluster"]] += r["count"]
        means[r["cluster"]] += values[:d]
        scatter[r["cluster"]] += values[d:].reshape(d, d)
    sums = means.copy()
    means /= np.maximum(counts, 1)[:, None]
    scatter -= counts[:, None, None] * np.einsum("ki,kj->kij", means, means)
    return counts, sums, means, scatter


def _place(means, axes, centroids):
    def task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            table = pa.Table.from_batches([batch])
            Z, labels = matrix(table).astype(np.float64), table.column("cluster").to_numpy()
            local = np.zeros((len(Z), 2))
            for c in np.unique(labels):
                at = labels == c
                local[at, : axes[c].shape[1]] = (Z[at] - means[c]) @ axes[c]
            sims = np.einsum("ij,ij->i", Z, centroids[labels])
            yield pa.RecordBatch.from_pydict(
                dict(
                    row=table.column("row").to_numpy(), cluster=labels.astype(np.int64), lx=local[:, 0], ly=local[:, 1]
                )
                | dict(norm=np.linalg.norm(local, axis=1), sim=sims),
                schema=PLACED,
            )

    return task


def place(lsa: DataFrame, labels: DataFrame, k: int):
    """(coords DataFrame (row, cluster, x, y), centroids, representatives: k lists of rows)."""
    joined = lsa.join(labels, "row").persist(StorageLevel.MEMORY_AND_DISK)
    d = len(lsa.first()["z"]) // 4  # float32 bytes
    counts, sums, means, scatter = cluster_moments(joined, k, d)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    centroids = np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)
    centres, radii = disc_centres(centroids, counts)
    axes = [principal_axes(scatter[c]) for c in range(k)]
    placed = joined.mapInArrow(_place(means, axes, centroids), struct(PLACED)).persist(StorageLevel.MEMORY_AND_DISK)
    spread = dict(placed.groupBy("cluster").agg(F.percentile("norm", 0.95).alias("p")).collect())
    scale = [radii[c] / spread[c] if counts[c] > 1 and spread.get(c, 0) > 0 else 0.0 for c in range(k)]
    by_cluster = F.create_map(*[x for c in range(k) for x in (F.lit(c), F.array(*map(F.lit, [*centres[c], scale[c]])))])
    spot = by_cluster[F.col("cluster")]
    coords = placed.select(
        "row", "cluster", (spot[0] + F.col("lx") * spot[2]).alias("x"), (spot[1] + F.col("ly") * spot[2]).alias("y")
    )
    rank = F.row_number().over(Window.partitionBy("cluster").orderBy(F.desc("sim"), "row"))
    typical = placed.withColumn("rank", rank).where(f"rank <= {N_REPRESENTATIVES}").select("cluster", "rank", "row")
    representatives = [[] for _ in range(k)]
    for r in sorted(typical.collect()):
        representatives[r["cluster"]].append(r["row"])
    joined.unpersist()
    return coords, placed, centroids, representatives


def cluster_names(texts: DataFrame, vectors: DataFrame, labels: DataFrame):
    """lib.describing.topic_labels.name_topics on what it reads: each cluster's members with the smallest text
    digests (all of a small cluster), fetched to the driver, so the names are the single-machine build's."""
    size = inspect.signature(name_topics).parameters["sample"].default
    rank = F.row_number().over(Window.partitionBy("cluster").orderBy("hash", "row"))
    read = vectors.select("row", "hash").join(labels, "row").withColumn("rank", rank).where(f"rank <= {size}")
    table = read.join(texts, "row").select("row", "cluster", "hash", S.TITLE, S.ABSTRACT).toArrow().sort_by("row")
    papers = pd.DataFrame({c: table.column(c).to_pylist() for c in (S.TITLE, S.ABSTRACT)})
    clusters, key = table.column("cluster").to_numpy().astype(np.int64), table.column("hash").to_numpy()
    return name_topics(topic_texts(papers), clusters, keep={}, sample_key=key)
