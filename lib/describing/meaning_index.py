"""The meaning index a build writes beside the table, for search by meaning: each paper's LSA vector (the topic
space's first DIMS dimensions, int8 with a scale per row) in table order, the vocabulary, idf and basis a question
is folded through, and each theme's name, description, words and centre, so a question can be matched to the
taxonomy the collection was built with. Made from the topic model, without fitting anything at scale; knows
nothing of files or the app (lib.reading.store writes it, lib.explore.meaning reads it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from lib.describing.themes import Taxonomy
from lib.describing.topic_model import TopicModel
from lib.describing.topic_words import STOP_WORDS, TOKEN_PATTERN

FORMAT = 1
# 64 dimensions: on the labelled questions (bench/meaning_search.py) as good as 100 and better than 31, and a
# quarter less to scan per query than 100. Stored as int8 with a float32 scale per row, 68 bytes a paper:
# numpy converts int8 to float32 five times faster than float16 (23 against 110 ms a query at 1M papers).
DIMS = 64
_SVD_SAMPLE = 20_000


def make_index(
    model: TopicModel | None,
    row_ids: Sequence[str],
    taxonomy: Taxonomy,
    row_themes: Sequence[Sequence[str]],
    *,
    dims: int = DIMS,
    random_state: int = 0,
) -> tuple[dict, dict[str, np.ndarray]] | None:
    """The meaning index of a table whose rows have the paper ids `row_ids` and the themes `row_themes`, from
    the build's topic `model` (rows in stable paper-id order, as lib.pipeline.cluster_topics makes it); None
    when there is no model or no vocabulary. A description and the arrays to save beside it."""
    if model is None or not len(model.vocabulary) or len(row_ids) != len(model.paper_ids):
        return None
    Z, basis = space(model.lsa, model.basis, lambda: model.counts, model.idf, dims, random_state)
    return from_space(Z, basis, model.vocabulary, model.idf, model.paper_ids, row_ids, taxonomy, row_themes)


def from_space(
    Z: np.ndarray,
    basis: np.ndarray,
    vocabulary: Sequence[str],
    idf: np.ndarray,
    sorted_ids: Sequence[str],
    row_ids: Sequence[str],
    taxonomy: Taxonomy,
    row_themes: Sequence[Sequence[str]],
) -> tuple[dict, dict[str, np.ndarray]] | None:
    """The meaning index from unit LSA rows `Z` of the papers `sorted_ids` (paper-id order) and the `basis`,
    `vocabulary` and `idf` they were projected with, for a table whose rows have the paper ids `row_ids` and
    the themes `row_themes`; None when the two lists of papers differ. Any engine's build ends here."""
    ids = np.asarray(row_ids, dtype=str)
    order = np.argsort(ids, kind="stable")  # sorted row j is table row order[j]
    if len(ids) != len(Z) or not np.array_equal(ids[order], np.asarray(sorted_ids, dtype=str)):
        return None
    vectors = np.empty_like(Z)
    vectors[order] = Z
    about = [set(t) for t in row_themes]
    themes = taxonomy.themes
    centres = np.zeros((len(themes), Z.shape[1]), np.float32)
    members = []
    for k, theme in enumerate(themes):
        rows = np.flatnonzero(np.fromiter((theme.id in t for t in about), bool, count=len(about)))
        members.append(rows.astype(np.int32))
        if len(rows):
            centres[k] = vectors[rows].mean(axis=0)
    quantized, scale = quantize(vectors)
    meta = {
        "format": FORMAT,
        "n": len(ids),
        "dims": int(Z.shape[1]),
        "vocabulary": list(vocabulary),
        "token_pattern": TOKEN_PATTERN,
        "stop_words": sorted(STOP_WORDS),
        "themes": [{"id": t.id, "name": t.name, "text": theme_text(t)} for t in themes],
    }
    arrays = {
        "paper_ids": ids,
        "vectors": quantized,
        "scale": scale,
        "basis": np.asarray(basis, np.float32),
        "idf": np.asarray(idf, np.float32),
        "theme_centres": normalize(centres).astype(np.float32),
        "theme_rows": np.concatenate(members) if members else np.zeros(0, np.int32),  # the rows about each theme,
        "theme_offsets": np.cumsum([0, *map(len, members)]).astype(np.int64),  # cut where each theme's start
    }
    return meta, arrays


def space(lsa, basis: np.ndarray, counts, idf: np.ndarray, dims: int = DIMS, random_state: int = 0):
    """Unit LSA rows (n, d) and the basis (d, vocabulary): the topic space's first `dims` dimensions when it has
    that many (its components come largest first), else a `dims`-dimensional SVD of its TF-IDF, made from the
    term `counts` (a function returning them: only then are they needed) and `idf`, which only a small
    collection lacks (the topic stage takes one dimension per 20 papers) and which costs little there."""
    if basis.shape[0] >= dims:
        return normalize(np.asarray(lsa[:, :dims], np.float32)), np.asarray(basis[:dims])
    tfidf = _tfidf(counts(), idf)
    n, v = tfidf.shape
    dims = min(dims, v - 1, n - 1)
    if dims < 2:  # a handful of papers or terms: the TF-IDF rows are the vectors
        return normalize(tfidf.toarray()).astype(np.float32), np.eye(v, dtype=np.float32)
    rows = (
        np.sort(np.random.default_rng(random_state).choice(n, _SVD_SAMPLE, replace=False))
        if n > _SVD_SAMPLE
        else slice(None)
    )
    with threadpool_limits(1):  # as in the topic stage: on two shared cores BLAS threads contend
        svd = TruncatedSVD(dims, n_iter=5, random_state=random_state).fit(tfidf[rows])
    basis = svd.components_.astype(np.float32)
    return normalize(np.asarray(tfidf @ basis.T, np.float32)), basis


def _tfidf(counts, idf: np.ndarray):
    """The topics' sublinear TF-IDF rows, from term counts and idf."""
    counts = counts.tocsr().astype(np.float32)
    counts.data = (1.0 + np.log(counts.data)) * np.asarray(idf, np.float32)[counts.indices]
    return normalize(counts)


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and the float32 scale of each (a row is `int8 * scale`); an all-zero row has scale 0."""
    peak = np.abs(vectors).max(axis=1) if len(vectors) else np.zeros(0, np.float32)
    scale = (peak / 127.0).astype(np.float32)
    safe = np.where(scale > 0, scale, 1.0)
    return np.round(vectors / safe[:, None]).astype(np.int8), scale


def theme_text(theme) -> str:
    """What a question is matched against for a theme: its name, description and the words of its patterns."""
    words = " ".join(re.findall(r"[a-z]{3,}", " ".join([*theme.patterns, *theme.acronyms]).lower()))
    return f"{theme.name}. {theme.description} {words}".strip()
