"""The topic columns on Spark (cluster, cluster_label, x, y, similar_ids), the report's topic summary and the
meaning index, from the steps lib.describing.topic_stage takes for a fresh build: papers in paper-id order, TF-IDF
and LSA, k, KMeans, names, map and similar papers; the meaning index is cut from the same vectors. A corpus too
small for LSA is clustered on the driver by lib.pipeline.cluster_topics itself. A Spark build starts from no saved
topic model and reads no topics.toml: its clusters are made afresh, as a single-machine build's are the first time.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lib.core import schema as S
from lib.core.report import ClusterCard, TopicOutcome, TopicSummary
from lib.describing.meaning_index import make_index
from lib.describing.themes import Taxonomy
from lib.describing.topics import TopicParams
from lib.pipeline import Progress, cluster_topics
from lib.spark.clusters import choose, fit_labels, number_by_size
from lib.spark.describe import number_rows
from lib.spark.layout import cluster_names, place
from lib.spark.meaning import meaning_index
from lib.spark.similar import approximate, exact
from lib.spark.vectors import vectorize

K_RANGE = (4, 20)
FRESH = TopicOutcome("fresh", "no earlier clusters to start from")


def topic_columns(
    described: DataFrame,
    n: int,
    partitions: int,
    k: int | None,
    random_state: int,
    say: Progress,
    taxonomy: Taxonomy,
    lap: Callable[[str], None],
) -> tuple[DataFrame, TopicSummary, tuple[dict, dict] | None]:
    """(paper_id, cluster, cluster_label, x, y, similar_ids) for every paper, the summary for the report and the
    meaning index (None when there are no terms); `lap` is called with "topics", then "meaning", as the build
    times its stages. Within this stage `row` is a paper's place in paper-id order, as on one machine."""
    p = TopicParams()
    say("Clustering topics: vectorize", 0.55)
    by_id = number_rows(described, S.PAPER_ID)
    texts = described.select(S.PAPER_ID, S.TITLE, S.ABSTRACT).join(by_id, S.PAPER_ID).drop(S.PAPER_ID)
    vectors, lsa, vocab, svd = vectorize(texts, n, partitions, p, random_state) if n else (None,) * 4
    if lsa is None:
        return _on_the_driver(described, k, random_state, taxonomy, lap)
    say("Clustering topics: choose k", 0.65)
    choice = choose(lsa, n, k, K_RANGE, p, random_state)
    say("Clustering topics: kmeans", 0.7)
    raw = fit_labels(lsa, n, choice.k, p, random_state).persist(StorageLevel.MEMORY_AND_DISK)
    labels, sizes = number_by_size(raw, choice.k)
    labels = labels.persist(StorageLevel.MEMORY_AND_DISK)
    say("Clustering topics: map", 0.78)
    coords, placed, _, typical = place(lsa, labels, choice.k)
    naming = cluster_names(texts, vectors, labels)
    say("Clustering topics: similar", 0.82)
    if n <= p.exact_similar_max:
        similar = exact(vectors, by_id, len(vocab.terms), p)
    else:
        similar = approximate(vectors, lsa, by_id, n, len(vocab.terms), p, random_state)
    label_of = F.create_map(*[x for c, name in naming.names.items() for x in (F.lit(c), F.lit(name))])
    columns = coords.withColumn(S.CLUSTER_LABEL, label_of[F.col(S.CLUSTER)]).join(similar, "row", "left")
    columns = columns.withColumn(S.SIMILAR_IDS, F.coalesce(S.SIMILAR_IDS, F.array().cast("array<string>")))
    columns = columns.join(by_id, "row").drop("row").persist(StorageLevel.MEMORY_AND_DISK)
    columns.count()
    for frame in (placed, raw, labels):
        frame.unpersist()
    cards = _cards(by_id, naming, sizes, typical, choice.k)
    scores = {int(kk): round(float(v), 5) for kk, v in choice.scores.items()}
    lap("topics")
    say("Clustering topics: meaning index", 0.9)
    meaning = meaning_index(described, by_id, vectors, lsa, svd, vocab, taxonomy, random_state)
    for frame in (lsa, vectors):
        frame.unpersist()
    lap("meaning")
    return columns, TopicSummary(choice.k, k is None, choice.reason, scores, cards, FRESH, choice.k), meaning


def _cards(by_id: DataFrame, naming, sizes, typical, k: int) -> tuple[ClusterCard, ...]:
    """Each cluster's card: its name, size, top terms and representative papers (by id)."""
    rep_ids = dict(
        by_id.where(F.col("row").isin([r for rows in typical for r in rows])).select("row", S.PAPER_ID).collect()
    )
    return tuple(
        ClusterCard(
            c, naming.names[c], int(sizes[c]), tuple(naming.top_terms[c]), tuple(rep_ids[r] for r in typical[c]),
            naming.names[c],
        )
        for c in range(k)
    )  # fmt: skip


def _on_the_driver(described: DataFrame, k: int | None, random_state: int, taxonomy: Taxonomy, lap):
    table = described.select(S.PAPER_ID, S.TITLE, S.ABSTRACT, S.THEMES, "row").toArrow().sort_by("row")
    papers = pd.DataFrame({c: table.column(c).to_pylist() for c in table.column_names})
    topics = cluster_topics(papers, k=k, random_state=random_state, similar=True)
    frame = topics.columns.assign(**{S.PAPER_ID: papers[S.PAPER_ID].to_numpy()})
    frame[S.SIMILAR_IDS] = [list(v) for v in frame[S.SIMILAR_IDS]]
    schema = "paper_id string, cluster long, cluster_label string, x double, y double, similar_ids array<string>"
    spark = described.sparkSession
    columns = spark.createDataFrame(frame[[S.PAPER_ID, S.CLUSTER, S.CLUSTER_LABEL, S.X, S.Y, S.SIMILAR_IDS]], schema)
    lap("topics")
    meaning = make_index(topics.model, papers[S.PAPER_ID].tolist(), taxonomy, papers[S.THEMES].tolist())
    lap("meaning")
    return columns, topics.summary, meaning
