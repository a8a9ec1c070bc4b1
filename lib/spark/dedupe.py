"""Dedupe on Spark, with the single-machine rule and the same paper ids.

lib.cleaning.dedupe decides within groups of records that can touch each other: records sharing a normalised
title, an arXiv id or a DOI, and title groups that lib.core.titles finds near-identical through its blocking
keys. So the corpus-wide steps are done here: the title groups (per normalised title), the document frequency
of title words, the blocking keys and the near-identical pairs within each block (the same rapidfuzz score and
rules), then connected components of those links. Each component then goes whole to one task, which runs
lib.cleaning.dedupe.dedupe on its records with the pairs found here: the same merges, rows and ids.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from rapidfuzz import fuzz, process

from lib.cleaning.dedupe import ROW_COLUMNS, dedupe, title_groups
from lib.core import schema as S
from lib.core.titles import EDGE, MAX_BLOCK, TITLE_THRESHOLD, Title, title_score
from lib.spark.session import struct
from lib.spark.tasks import arrow_type, group_rows, pack, unpack, whole_partition

GROUPS = pa.schema(
    [("key", pa.string()), ("gno", pa.int32()), ("name", pa.string()), ("tokens", pa.list_(pa.string()))]
    + [("head", pa.string()), ("tail", pa.string())]
)
BLOCKS = pa.schema([("block", pa.string()), ("key", pa.string()), ("gno", pa.int32()), ("name", pa.string())])
PAIRS = pa.schema([("key_a", pa.string()), ("gno_a", pa.int32()), ("key_b", pa.string()), ("gno_b", pa.int32())])
ROWS = pa.schema(
    [(c, arrow_type(c)) for c in ROW_COLUMNS]
    + [("first_source", pa.string()), ("first_line", pa.int64()), ("merge", pa.binary()), ("split", pa.binary())]
    + [("detail", pa.binary()), ("warnings", pa.binary())]  # a partition's warnings ride on its first row
)


def group_titles(apart_broadcast):
    """mapInArrow task over records partitioned by normalised title: each title group with its blocking material."""

    def task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        table = whole_partition(batches)
        if table is None:
            return
        keys, cells = table.column("key").to_pylist(), table.column("record").to_pylist()
        rows = []
        for key, positions in group_rows(keys).items():
            parts = dict(tokens=sorted(set(key.split())), head=f"a:{key[:EDGE]}", tail=f"z:{key[-EDGE:]}")
            records = [unpack(cells[i]) for i in positions]
            for gno, title in enumerate(title_groups(records, apart=apart_broadcast.value)):
                rows.append(dict(key=key, gno=gno, name=title.name, **parts))
        yield pa.RecordBatch.from_pylist(rows, schema=GROUPS)

    return task


def block_keys(df_broadcast):
    """mapInArrow task: each title group's blocking keys, as lib.core.titles makes them (min_df 2): its two
    rarest words among those in two groups or more (by document frequency, then the word), and its two ends."""

    def task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        df = df_broadcast.value
        for batch in batches:
            rows = []
            for g in batch.to_pylist():
                rare = sorted((t for t in g["tokens"] if t in df), key=lambda t: (df[t], t))[:2]
                for block in [f"w:{t}" for t in rare] + [g["head"], g["tail"]]:
                    rows.append(dict(block=block, key=g["key"], gno=g["gno"], name=g["name"]))
            yield pa.RecordBatch.from_pylist(rows, schema=BLOCKS)

    return task


def score_blocks(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow task over (block, key, gno, name) partitioned by block: the same-title pairs in each block
    of 2 to MAX_BLOCK titles (a larger block says nothing about its titles)."""
    table = whole_partition(batches)
    if table is None:
        return
    blocks, keys = table.column("block").to_pylist(), table.column("key").to_pylist()
    gnos, names = table.column("gno").to_pylist(), table.column("name").to_pylist()
    found = set()
    for positions in group_rows(blocks).values():
        if not 2 <= len(positions) <= MAX_BLOCK:
            continue
        titles = [Title(keys[i], names[i]) for i in positions]
        for a, b in _same_titles(titles):
            pair = sorted([(keys[positions[a]], gnos[positions[a]]), (keys[positions[b]], gnos[positions[b]])])
            found.add((*pair[0], *pair[1]))
    rows = [dict(key_a=a, gno_a=i, key_b=b, gno_b=j) for a, i, b, j in sorted(found)]
    yield pa.RecordBatch.from_pylist(rows, schema=PAIRS)


def _same_titles(titles: list[Title]) -> Iterator[tuple[int, int]]:
    """Pairs of positions in one block that are the same title; scores in C first where the block is large."""
    m = len(titles)
    if m <= 8:
        candidates = ((a, b) for a in range(m) for b in range(a + 1, m))
    else:
        keys = [t.key for t in titles]
        scores = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=TITLE_THRESHOLD, dtype=np.uint8)
        candidates = map(tuple, np.argwhere(np.triu(scores, 1)).tolist())
    for a, b in candidates:
        if title_score(titles[a], titles[b], TITLE_THRESHOLD) is not None:
            yield a, b


def pair_finder(partners: dict[tuple[str, int], list[tuple[str, int]]]):
    """The `find_pairs` for lib.cleaning.dedupe.dedupe: the pairs found here, as indices into its title groups."""

    def find(titles, threshold):
        seen: Counter[str] = Counter()
        index = {}
        for i, t in enumerate(titles):  # dedupe numbers the groups of one title in the order title_groups does
            index[(t.key, seen[t.key])] = i
            seen[t.key] += 1
        found = set()
        for ident, i in index.items():
            for other in partners.get(ident, ()):
                j = index.get(other)
                if j is not None:
                    found.add((min(i, j), max(i, j)))
        return found

    return find


def partners_of(pairs: list[tuple[str, int, str, int]]) -> dict:
    partners: dict = defaultdict(list)
    for key_a, gno_a, key_b, gno_b in pairs:
        partners[(key_a, gno_a)].append((key_b, gno_b))
        partners[(key_b, gno_b)].append((key_a, gno_a))
    return dict(partners)


def dedupe_components(partners_broadcast, apart_broadcast):
    """mapInArrow task over records partitioned by component: lib's dedupe on each partition's records."""

    def task(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        table = whole_partition(batches)
        if table is None:
            return
        records = [unpack(c) for c in table.column("record").to_pylist()]
        finder = pair_finder(partners_broadcast.value)
        result = dedupe(records, apart=apart_broadcast.value, find_pairs=finder)
        frame = result.papers
        first = [lines[0].rsplit(":", 1) for lines in frame[S.SOURCE_LINES]]
        merges = {m.paper_id: pack(m) for m in result.merges}
        splits = {s.paper_ids[0]: pack(s) for s in result.same_title_splits}
        ids = frame[S.PAPER_ID].tolist()
        frame = frame.assign(
            first_source=[f[0] for f in first],
            first_line=[int(f[1]) for f in first],
            merge=[merges.get(p) for p in ids],
            split=[splits.get(p) for p in ids],
            detail=[pack(result.details[p]) if p in result.details else None for p in ids],
            warnings=[pack(result.warnings) if i == 0 and result.warnings else None for i in range(len(ids))],
        )
        yield from pa.Table.from_pandas(frame, schema=ROWS, preserve_index=False).to_batches(max_chunksize=5000)

    return task


def dedupe_records(records: DataFrame, partitions: int, apart: list[list[str]]) -> DataFrame:
    """The deduplicated rows (ROWS, persisted), one per paper, from the parse's records. `apart`: groups of
    records a person decided are different papers (lib.cleaning.dedupe's `apart`)."""
    context = records.sparkSession.sparkContext
    decided = context.broadcast(apart)
    pairs = near_identical_pairs(records, partitions, decided)
    found = [tuple(r) for r in pairs.collect()]  # as many as there are near-duplicate titles: few
    comps = components(_edges(pairs, records))
    partners = context.broadcast(partners_of(found))
    node = F.xxhash64("key")
    with_comp = records.withColumn("node", node).join(comps, "node", "left")
    with_comp = with_comp.withColumn("comp", F.coalesce("comp", "node"))
    rows = with_comp.repartition(partitions, "comp").mapInArrow(dedupe_components(partners, decided), struct(ROWS))
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)
    rows.count()
    pairs.unpersist()
    return rows


def near_identical_pairs(records: DataFrame, partitions: int, decided) -> DataFrame:
    """(key_a, gno_a, key_b, gno_b) of title groups that are the same title, found as lib.core.titles'
    similar_pairs finds them: blocks of the two rarest title words (document frequency over title groups,
    words in at least two) and the first and last EDGE characters; blocks over MAX_BLOCK titles ignored."""
    groups = records.repartition(partitions, "key").mapInArrow(group_titles(decided), struct(GROUPS))
    groups = groups.persist(StorageLevel.MEMORY_AND_DISK)
    words = groups.select(F.explode("tokens").alias("token")).groupBy("token").count().where("count >= 2")
    table = words.toArrow()  # the title words in two groups or more: a vocabulary, small beside the corpus
    df = records.sparkSession.sparkContext.broadcast(
        dict(zip(*(table.column(c).to_pylist() for c in ("token", "count"))))
    )
    blocks = groups.mapInArrow(block_keys(df), struct(BLOCKS)).repartition(partitions, "block")
    pairs = blocks.sortWithinPartitions("block").mapInArrow(score_blocks, struct(PAIRS)).distinct()
    pairs = pairs.persist(StorageLevel.MEMORY_AND_DISK)
    pairs.count()
    groups.unpersist()
    return pairs


def _edges(pairs: DataFrame, records: DataFrame) -> DataFrame:
    """Links between normalised titles (as 64-bit hashes): near-identical title pairs, and titles whose records
    share an arXiv id or a DOI. A hash collision only joins two components, which dedupe handles as well."""
    titles = pairs.where("key_a != key_b").select(F.xxhash64("key_a").alias("a"), F.xxhash64("key_b").alias("b"))
    ids = F.explode(F.array(F.concat(F.lit("arxiv:"), "arxiv_id"), F.concat(F.lit("doi:"), "doi")))
    carried = records.select(F.xxhash64("key").alias("node"), ids.alias("id")).where("id is not null").distinct()
    stars = carried.groupBy("id").agg(F.min("node").alias("a"), F.collect_set("node").alias("nodes"))
    shared = stars.select("a", F.explode("nodes").alias("b")).where("a != b")
    return titles.unionByName(shared)


def components(edges: DataFrame) -> DataFrame:
    """(node, comp) for every node with an edge: comp is the smallest node of its connected component, found by
    passing the smallest label along the edges until no label changes (as many rounds as the longest chain)."""
    both = edges.unionByName(edges.select(F.col("b").alias("a"), F.col("a").alias("b"))).distinct()
    both = both.persist(StorageLevel.MEMORY_AND_DISK)
    labels = both.groupBy(F.col("a").alias("node")).agg(F.least(F.min("b"), F.first("a")).alias("comp"))
    labels = labels.localCheckpoint()
    while True:
        seen = both.join(labels.withColumnRenamed("node", "b"), "b").groupBy("a").agg(F.min("comp").alias("m"))
        nxt = labels.join(seen.withColumnRenamed("a", "node"), "node", "left")
        nxt = nxt.select("node", F.least("comp", F.coalesce("m", "comp")).alias("comp")).localCheckpoint()
        changed = nxt.join(labels.withColumnRenamed("comp", "old"), "node").where("comp != old").count()
        labels = nxt
        if changed == 0:
            both.unpersist()
            return labels
