"""Topic clusters of a corpus: TF-IDF, LSA and KMeans, the choice of k, cluster names, a 2-D map and similar
papers, fitted afresh.

Works on a list of "title. abstract" texts and returns arrays indexed like them; it knows nothing of files,
tables or the app. The caller decides the order of the texts (the build sorts them by paper id, so that the
order of files changes nothing). Names are made in lib.describing.topic_labels, the similar-papers search in
lib.describing.neighbours and the map in lib.describing.topic_map; starting from a saved model is
lib.describing.topic_update's. Stage costs at 10k-1M papers are measured by bench/topics_scaling.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from lib.describing.neighbours import N_SIMILAR, group_rows, sample_rows, similar_papers
from lib.describing.topic_k import K_GRID, KChoice, choose_k, cosine_silhouette, n_distinct, one_hot
from lib.describing.topic_labels import label_clusters, name_clusters, name_topics
from lib.describing.topic_map import layout
from lib.describing.topic_words import DOMAIN_STOP_WORDS, STOP_WORDS, TOKEN_PATTERN

__all__ = [
    "DOMAIN_STOP_WORDS",
    "K_GRID",
    "STOP_WORDS",
    "TOKEN_PATTERN",
    "KChoice",
    "choose_k",
    "cosine_silhouette",
    "label_clusters",
    "name_clusters",
]

N_REPRESENTATIVES = 3
_SMALL_CORPUS = 20  # below this, document-frequency cut-offs would empty the vocabulary

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class TopicParams:
    """Tuning knobs of `fit_topics`, passed to it as keywords; defaults chosen with bench/topics_scaling.py."""

    min_df: int = 2
    max_df: float = 0.5
    max_features: int = 50_000
    n_components: int = 100
    svd_n_iter: int = 4
    svd_sample: int = 20_000  # the SVD is fitted on this many rows, then every row is projected
    k_sample: int = 3000  # rows the KMeans fits of choose_k (the grid's k's x n_init) run on
    k_tolerance: float = 0.25
    min_cluster_size: int = 15
    n_init: int = 3
    exact_similar_max: int = 2000  # above this, similar papers come from LSA candidates (see similar_papers)
    n_candidates: int = 40
    cell_size: int = 1500
    n_probe: int = 3


@dataclass(frozen=True)
class Space:
    """The vectors topics live in: term counts and sublinear TF-IDF (float32 CSR, rows like the texts), the
    vocabulary and its idf, the LSA basis (d, vocabulary) and the unit LSA rows (n, d). A saved model keeps
    all of them, so papers added later are projected into the same space."""

    counts: sp.csr_matrix
    tfidf: sp.csr_matrix
    vocabulary: list[str]
    idf: np.ndarray
    basis: np.ndarray
    Z: np.ndarray


@dataclass(frozen=True)
class TopicResult:
    labels_: np.ndarray  # (n,) cluster per paper; 0 is the largest cluster, ties to the smallest member index
    k: int
    k_chosen_automatically: bool
    k_scores: dict[int, float]
    k_reason: str
    cluster_names: list[str]
    top_terms: list[list[str]]
    sizes: list[int]
    representatives: list[list[int]]
    coords: np.ndarray  # (n, 2)
    similar: np.ndarray  # (n, 5) indices, most similar first, -1 where there is no further similar paper
    similar_scores: np.ndarray  # (n, 5) TF-IDF cosine, NaN where `similar` is -1
    centroids: np.ndarray | None = None  # (k, d) unit centroids in `space`
    space: Space | None = None


def fit_topics(
    texts: Sequence[str],
    *,
    k: int | None = None,
    k_range: tuple[int, int] = (4, 20),
    random_state: int = 0,
    progress: Progress | None = None,
    similar: bool = True,
    **tuning,
) -> TopicResult:
    """Cluster `texts` into k topics (chosen by `choose_k` unless given) and describe each topic and paper.

    Without `similar`, the similar-papers search (which does not depend on k) is skipped: `similar` is empty."""
    p = TopicParams(**tuning)
    say = progress or (lambda stage, fraction: None)
    if len(texts) == 0:
        empty = np.zeros((0, N_SIMILAR))
        return TopicResult(
            np.zeros(0, np.int64),
            0,
            k is None,
            {},
            "k=0: no papers",
            [],
            [],
            [],
            [],
            np.zeros((0, 2)),
            empty.astype(np.int64),
            empty.astype(np.float32),
        )
    # One thread: on two cores shared with other work, BLAS and OpenMP threads spin and contend; measured
    # at 100k papers, 20-23 s on one thread against 33-53 s with two (bench/topics_scaling.py).
    with threadpool_limits(1):
        return _fit(texts, k, k_range, random_state, say, p, similar)


def _fit(
    texts: Sequence[str],
    k: int | None,
    k_range: tuple[int, int],
    random_state: int,
    say: Progress,
    p: TopicParams,
    with_similar: bool,
) -> TopicResult:
    say("vectorize", 0.0)
    space = fit_space(texts, p, random_state, say)
    Z = space.Z
    say("choose k", 0.38)
    choice = pick_k(Z, k, k_range, p, random_state)
    say("kmeans", 0.43)
    labels, centroids = cluster(Z, choice.k, n_init=p.n_init, sample_size=p.k_sample, random_state=random_state)
    say("labels", 0.55)
    naming = name_topics(texts, labels, random_state=random_state)
    sizes = np.bincount(labels, minlength=choice.k)
    say("map", 0.56)
    coords = layout(Z, labels, centroids)
    similar, scores = np.zeros((0, N_SIMILAR), np.int64), np.zeros((0, N_SIMILAR), np.float32)
    if with_similar:
        say("similar", 0.57)
        similar, scores = find_similar(space, p, random_state)
    say("done", 1.0)
    return TopicResult(
        labels,
        choice.k,
        k is None,
        choice.scores,
        choice.reason,
        [naming.names[c] for c in range(choice.k)],
        [naming.top_terms[c] for c in range(choice.k)],
        sizes.tolist(),
        representatives(Z, labels, centroids),
        coords,
        similar,
        scores,
        centroids,
        space,
    )


def fit_space(texts: Sequence[str], p: TopicParams, random_state: int, say: Progress | None = None) -> Space:
    counts, tfidf, vocabulary, idf = _vectorize(texts, p.min_df, p.max_df, p.max_features)
    if say:
        say("svd", 0.35)
    Z, basis = fit_lsa(
        tfidf, n_components=p.n_components, n_iter=p.svd_n_iter, sample=p.svd_sample, random_state=random_state
    )
    return Space(counts, tfidf, vocabulary, idf, basis, Z)


def find_similar(space: Space, p: TopicParams, random_state: int):
    """`similar_papers` with the tuning of `p`."""
    return similar_papers(
        space.tfidf,
        space.Z,
        exact_max=p.exact_similar_max,
        n_candidates=p.n_candidates,
        cell_size=p.cell_size,
        n_probe=p.n_probe,
        random_state=random_state,
    )


def pick_k(Z, k: int | None, k_range: tuple[int, int], p: TopicParams, random_state: int) -> KChoice:
    """`choose_k`, or k as requested; reads Z only through `len` and `sample_rows`, so Z may be a lazy view."""
    if k is not None:
        return _requested_k(Z, k, p.k_sample, random_state)
    options = dict(min_cluster_size=p.min_cluster_size, sample_size=p.k_sample, tolerance=p.k_tolerance)
    return choose_k(Z, k_range=k_range, n_init=p.n_init, random_state=random_state, **options)


def vectorize(texts: Sequence[str], *, min_df: int = 2, max_df: float = 0.5, max_features: int = 50_000):
    """Term counts and their L2-normalised sublinear TF-IDF (both float32 CSR) and the vocabulary.

    The document-frequency cut-offs are dropped for corpora under 20 texts, and for corpora where they
    would leave no term at all (the same text many times).
    """
    return _vectorize(texts, min_df, max_df, max_features)[:3]


def _vectorize(texts: Sequence[str], min_df: int, max_df: float, max_features: int):
    cutoffs = [(1, 1.0)] if len(texts) < _SMALL_CORPUS else [(min_df, max_df), (1, 1.0)]
    for low, high in cutoffs:
        vectorizer = counter(min_df=low, max_df=high, max_features=max_features)
        try:
            counts = vectorizer.fit_transform(texts).tocsr()
        except ValueError:  # no term left: only stop words, or the cut-offs removed everything
            continue
        transformer = TfidfTransformer(sublinear_tf=True).fit(counts)
        tfidf = transformer.transform(counts).astype(np.float32).tocsr()
        return counts, tfidf, vectorizer.get_feature_names_out().tolist(), transformer.idf_.astype(np.float32)
    empty = sp.csr_matrix((len(texts), 0), dtype=np.float32)
    return empty, empty, [], np.zeros(0, np.float32)


def counter(**options) -> CountVectorizer:
    """The term counter of the topics: stop words out, words as TOKEN_PATTERN finds them."""
    return CountVectorizer(stop_words=sorted(STOP_WORDS), token_pattern=TOKEN_PATTERN, dtype=np.float32, **options)


def lsa(tfidf, *, n_components: int = 100, n_iter: int = 4, sample: int = 20_000, random_state: int = 0):
    """Unit-length LSA vectors (n, d) float32 (see `fit_lsa`)."""
    return fit_lsa(tfidf, n_components=n_components, n_iter=n_iter, sample=sample, random_state=random_state)[0]


def fit_lsa(tfidf, *, n_components: int = 100, n_iter: int = 4, sample: int = 20_000, random_state: int = 0):
    """Unit-length LSA vectors (n, d) float32 and the basis (d, vocabulary) they project onto; fitted on at
    most `sample` rows so the cost stops growing with n.

    See `lsa_dims` for the number of dimensions.
    """
    n, v = tfidf.shape
    dims = lsa_dims(n, v, n_components)
    if dims < 2:  # one or two terms or papers: the TF-IDF rows are already tiny and dense
        basis = np.eye(max(v, 1), max(v, 1), dtype=np.float32)[:, :v] if v else np.zeros((1, 0), np.float32)
        Z = tfidf.toarray() if v else np.zeros((n, 1), np.float32)
        return normalize(Z).astype(np.float32), basis
    rows = np.sort(np.random.default_rng(random_state).choice(n, sample, replace=False)) if n > sample else slice(None)
    with np.errstate(divide="ignore", invalid="ignore"):  # explained variance ratio of identical rows: 0/0
        svd = TruncatedSVD(dims, n_iter=n_iter, random_state=random_state).fit(tfidf[rows])
    basis = svd.components_.astype(np.float32)
    return project(tfidf, basis), basis


def lsa_dims(n: int, v: int, n_components: int = 100) -> int:
    """LSA dimensions for n papers and v terms: at most one per 20 papers. On the 634 seed papers 100 dimensions
    made clusters less stable across seeds (pairwise ARI 0.25) than 50 (0.29); at k=16, 63 dimensions (one per
    10 papers) gave 0.26 and 31 (one per 20) 0.38, with the papers of each core theme more often in one cluster
    (60% against 55%)."""
    return min(n_components, v - 1, n - 1, max(2, n // 20))


def project(tfidf, basis) -> np.ndarray:
    """Unit LSA rows of TF-IDF rows, in blocks so that the dense result is the only large allocation."""
    Z = np.empty((tfidf.shape[0], len(basis)), np.float32)
    for start in range(0, tfidf.shape[0], 50_000):
        Z[start : start + 50_000] = tfidf[start : start + 50_000] @ basis.T
    return normalize(Z, copy=False) if len(Z) else Z


def _requested_k(Z, k: int, sample_size: int, random_state: int) -> KChoice:
    possible = max(1, min(k, len(Z), n_distinct(sample_rows(Z, sample_size, random_state)) if len(Z) else 1))
    if possible == k:
        return KChoice(k, {}, f"k={k}: as requested")
    return KChoice(possible, {}, f"k={possible}: {k} was requested, but the papers only allow {possible}")


def cluster(Z, k: int, *, n_init: int = 3, sample_size: int = 3000, random_state: int = 0):
    """Labels numbered by size (largest 0, ties to the smallest member index) and unit centroids (k, d).

    KMeans runs its `n_init` starts on a fixed-seed sample, then refines the best on every row: at 100k
    rows three full starts took 5 s, mostly in one slow start.
    """
    n = len(Z)
    sample = sample_rows(Z, sample_size, random_state)
    if k <= 1:
        raw = np.zeros(n, np.int64)
    else:
        fitted = KMeans(k, n_init=n_init, random_state=random_state).fit(sample)
        raw = (
            fitted.labels_
            if len(sample) == n
            else KMeans(k, init=fitted.cluster_centers_, n_init=1, random_state=random_state).fit_predict(Z)
        )
    sizes = np.bincount(raw, minlength=k)
    first = np.full(k, n)
    np.minimum.at(first, raw, np.arange(n))
    rank = np.empty(k, np.int64)
    rank[np.lexsort((first, -sizes))] = np.arange(k)
    labels = rank[raw]
    return labels, centres(Z, labels, k)


def centres(Z, labels, k: int) -> np.ndarray:
    """Unit mean row of each of the k clusters (zero for an empty one)."""
    return normalize(one_hot(labels, k) @ Z).astype(np.float32)


def representatives(Z, labels, centroids, *, n: int = N_REPRESENTATIVES) -> list[list[int]]:
    """Per cluster, the indices of the `n` members closest (cosine) to its centroid."""
    out = []
    for c, members in enumerate(group_rows(labels, len(centroids))):
        sims = Z[members] @ centroids[c]
        out.append(members[np.lexsort((members, -sims))[:n]].tolist())
    return out
