"""TF-IDF and LSA on Spark, numerically the single-machine vectors (lib.describing.topics.vectorize and lsa).

Tokens come from the same scikit-learn analyzer (pattern, stop words, case) inside the tasks; MLlib's
CountVectorizer picks the vocabulary (document-frequency cut-offs, most frequent terms) and its IDF counts
document frequencies, over the whole corpus. The weights are then scikit-learn's (smoothed idf, sublinear tf,
unit rows), so terms, weights and therefore LSA match the single-machine build. The SVD is fitted on the
driver on the same fixed-seed sample of rows, and every partition is projected with its components.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp
from pyspark import StorageLevel
from pyspark.ml.feature import IDF, CountVectorizer
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from lib.core import schema as S
from lib.describing.topic_model import text_hashes
from lib.describing.topics import _SMALL_CORPUS, TopicParams, counter, lsa_dims
from lib.describing.topics import project as project_rows
from lib.pipeline import topic_texts
from lib.spark.session import struct

# `hash`: the text's 64-bit digest (lib.describing.topic_model.text_hashes) less 2**63, so that it orders as
# the unsigned digest does: clusters are named from the members with the smallest digests.
TOKENS = pa.schema([("row", pa.int64()), ("hash", pa.int64()), ("tokens", pa.list_(pa.string()))])
VECTORS = pa.schema(
    [
        ("row", pa.int64()),
        ("hash", pa.int64()),
        ("idx", pa.list_(pa.int32())),
        ("cnt", pa.list_(pa.float32())),
        ("tf", pa.list_(pa.float32())),
    ]
)
# A row's LSA vector as the bytes of its float32 values: passes over every row (KMeans iterations, the map)
# move it between the JVM and Python as one buffer, where a list column costs a conversion per value.
LSA = pa.schema([("row", pa.int64()), ("z", pa.binary())])


@dataclass(frozen=True)
class Vocabulary:
    terms: list[str]  # sorted, as scikit-learn orders its vocabulary
    idf: np.ndarray  # float32, smoothed as TfidfTransformer computes it


@lru_cache(maxsize=1)
def _analyzer():
    return counter().build_analyzer()


def tokenize(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow task: (row, title, abstract) -> (row, hash, tokens) of the text lib.pipeline.topic_texts makes,
    tokenised by the topics' own counter."""
    analyze = _analyzer()
    for batch in batches:
        papers = pd.DataFrame({c: batch.column(c).to_pylist() for c in (S.TITLE, S.ABSTRACT)})
        texts = topic_texts(papers)
        hashes = (text_hashes(texts) - np.uint64(1 << 63)).view(np.int64) if texts else np.zeros(0, np.int64)
        tokens = pa.array([analyze(t) for t in texts], pa.list_(pa.string()))
        yield pa.RecordBatch.from_arrays([batch.column("row"), pa.array(hashes, pa.int64()), tokens], schema=TOKENS)


def vocabulary(tokens: DataFrame, n: int, p: TopicParams) -> Vocabulary:
    """The vocabulary and idf of topics.vectorize: cut-offs dropped under 20 papers or when they leave no term."""
    cutoffs = [(1.0, float(n))] if n < _SMALL_CORPUS else [(float(p.min_df), p.max_df), (1.0, float(n))]
    for low, high in cutoffs:
        counter = CountVectorizer(
            inputCol="tokens", outputCol="counts", minDF=low, maxDF=high, vocabSize=p.max_features
        )
        model = counter.fit(tokens)
        found = model.vocabulary  # each read of the property is a call into the JVM
        if found:
            idf = IDF(inputCol="counts", minDocFreq=0).fit(model.transform(tokens))
            order = np.argsort(np.array(found, dtype=object), kind="stable")
            df = np.asarray(idf.docFreq, np.float32)[order] + 1.0
            weights = np.log(np.full_like(df, idf.numDocs + 1, dtype=np.float32) / df) + np.float32(1.0)
            return Vocabulary([found[i] for i in order], weights.astype(np.float32))
    return Vocabulary([], np.zeros(0, np.float32))


def weigh(vocab_broadcast):
    """mapInArrow task: (row, tokens) -> (row, idx, cnt, tf): term counts and their TF-IDF as
    TfidfTransformer(sublinear_tf=True) computes it (1 + log count, times idf, rows of unit length)."""

    def task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        vocab = vocab_broadcast.value
        index = {t: i for i, t in enumerate(vocab.terms)}
        for batch in batches:
            counts = _counts(batch.column("tokens").to_pylist(), index)
            tfidf = counts.copy()
            np.log(tfidf.data, tfidf.data)
            tfidf.data += np.float32(1.0)
            tfidf.data *= vocab.idf[tfidf.indices]
            tfidf = normalize(tfidf, copy=False)
            yield pa.RecordBatch.from_arrays(
                [batch.column("row"), batch.column("hash"), _lists(counts.indices, counts.indptr, pa.int32())]
                + [_lists(counts.data, counts.indptr, pa.float32()), _lists(tfidf.data, tfidf.indptr, pa.float32())],
                schema=VECTORS,
            )

    return task


def _counts(docs: list[list[str]], index: dict[str, int]) -> sp.csr_matrix:
    indptr, indices = [0], []
    for tokens in docs:
        found = np.unique(np.array([index[t] for t in tokens if t in index], np.int32), return_counts=True)
        indices.append(found)
        indptr.append(indptr[-1] + len(found[0]))
    cols = np.concatenate([f[0] for f in indices]) if indices else np.zeros(0, np.int32)
    data = np.concatenate([f[1] for f in indices]).astype(np.float32) if indices else np.zeros(0, np.float32)
    return sp.csr_matrix((data, cols, np.array(indptr)), shape=(len(docs), len(index) or 1))


def _lists(values: np.ndarray, indptr: np.ndarray, kind: pa.DataType) -> pa.Array:
    return pa.ListArray.from_arrays(pa.array(np.asarray(indptr, np.int32)), pa.array(values, kind))


def vector_cells(Z: np.ndarray) -> pa.Array:
    """The rows of a float32 matrix as binary cells, one buffer for all."""
    Z = np.ascontiguousarray(Z, np.float32)
    offsets = np.arange(0, Z.nbytes + 1, Z.shape[1] * 4 if len(Z) else 1, dtype=np.int32)[: len(Z) + 1]
    return pa.Array.from_buffers(pa.binary(), len(Z), [None, pa.py_buffer(offsets), pa.py_buffer(Z.tobytes())])


def matrix(table: pa.Table, column: str = "z") -> np.ndarray:
    """The float32 matrix of a table's binary vector column, in the table's order: each chunk's values buffer
    read in place, without a Python object per cell."""
    chunks = [c for c in table.column(column).chunks if len(c)]
    if not chunks:
        return np.zeros((0, 0), np.float32)
    parts = []
    for chunk in chunks:
        _, offsets, data = chunk.buffers()
        at = np.frombuffer(offsets, np.int32)[chunk.offset : chunk.offset + len(chunk) + 1]
        parts.append(np.frombuffer(data, np.uint8)[at[0] : at[-1]].view(np.float32).reshape(len(chunk), -1))
    return np.concatenate(parts) if len(parts) > 1 else parts[0].copy()


def csr_rows(table: pa.Table, width: int, values: str = "tf") -> sp.csr_matrix:
    """The sparse rows of an Arrow table of VECTORS columns, in the table's order."""
    idx, vals = table.column("idx").combine_chunks(), table.column(values).combine_chunks()
    indptr = np.asarray(idx.offsets) - idx.offsets[0].as_py()
    return sp.csr_matrix((vals.flatten().to_numpy(), idx.flatten().to_numpy(), indptr), shape=(len(table), width))


def fetch_rows(frame: DataFrame, positions: np.ndarray) -> pa.Table:
    """The rows of `frame` whose `row` is in `positions`, in that order (positions sorted, as samples are)."""
    spark = frame.sparkSession
    wanted = spark.createDataFrame([(int(p),) for p in positions], "row long")
    table = frame.join(F.broadcast(wanted), "row").toArrow()
    return table.sort_by("row")


def fit_lsa(vectors: DataFrame, n: int, vocab: Vocabulary, p: TopicParams, random_state: int):
    """TruncatedSVD fitted as topics.lsa fits it: on the same fixed-seed sample of rows (all rows when fewer)."""
    v = len(vocab.terms)
    dims = lsa_dims(n, v, p.n_components)
    if dims < 2:
        return None
    rng = np.random.default_rng(random_state)
    rows = np.sort(rng.choice(n, p.svd_sample, replace=False)) if n > p.svd_sample else np.arange(n)
    sample = csr_rows(fetch_rows(vectors, rows), v)
    with threadpool_limits(1), np.errstate(divide="ignore", invalid="ignore"):
        return TruncatedSVD(dims, n_iter=p.svd_n_iter, random_state=random_state).fit(sample)


def project(svd_broadcast, width: int):
    """mapInArrow task: (row, idx, tf) -> (row, z), unit LSA vectors as topics.lsa returns them."""

    def task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        basis = svd_broadcast.value.components_.astype(np.float32)
        for batch in batches:
            table = pa.Table.from_batches([batch])
            with threadpool_limits(1):
                Z = project_rows(csr_rows(table, width), basis)
            yield pa.RecordBatch.from_arrays([batch.column("row"), vector_cells(Z)], schema=LSA)

    return task


def vectorize(described: DataFrame, n: int, partitions: int, p: TopicParams, random_state: int):
    """(vectors, lsa, vocabulary, svd): both DataFrames persisted; svd None when the corpus is too small for LSA."""
    spark = described.sparkSession
    texts = described.select("row", S.TITLE, S.ABSTRACT).repartition(partitions, (F.col("row") % partitions))
    tokens = texts.mapInArrow(tokenize, struct(TOKENS)).persist(StorageLevel.MEMORY_AND_DISK)
    vocab = vocabulary(tokens, n, p)
    vectors = tokens.mapInArrow(weigh(spark.sparkContext.broadcast(vocab)), struct(VECTORS))
    vectors = vectors.persist(StorageLevel.MEMORY_AND_DISK)
    vectors.count()
    tokens.unpersist()
    svd = fit_lsa(vectors, n, vocab, p, random_state) if vocab.terms else None
    if svd is None:
        return vectors, None, vocab, None
    task = project(spark.sparkContext.broadcast(svd), len(vocab.terms))
    lsa = vectors.select("row", "idx", "tf").mapInArrow(task, struct(LSA)).persist(StorageLevel.MEMORY_AND_DISK)
    lsa.count()
    return vectors, lsa, vocab, svd
