"""Topic clusters of a corpus: TF-IDF, LSA and KMeans, cluster labels, a 2-D map and similar papers.

Works on a list of "title. abstract" texts and returns arrays indexed like them; it knows nothing of
files, tables or the app. The similar-papers search lives in lib.describing.neighbours and the map's layout
in lib.describing.topic_map. Stage costs at
10k-1M papers are measured by bench/topics_scaling.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from lib.describing.neighbours import N_SIMILAR, group_rows, sample_rows, similar_papers
from lib.describing.topic_map import layout

# Words that open half the abstracts in the field: they would make every cluster look alike.
DOMAIN_STOP_WORDS = frozenset(
    """
    neural network networks net nets deep learning learn learned learns learning-based model models modeling
    modelling data dataset datasets method methods approach approaches propose proposed proposes proposing
    paper papers result results performance performances perform performs performing task tasks based using
    use used uses usage new novel state art state-of-the-art sota show shows shown showing demonstrate
    demonstrates demonstrated work works also existing framework frameworks experiment experiments
    experimental extensive achieve achieves achieved achieving significant significantly improve improves
    improved improvement improvements improving different various however well problem problems study
    studies studied dl dnn dnns nn nns ai ml training train trained trains large large-scale accuracy
    effective effectively technique techniques algorithm algorithms introduce introduces introduced present
    presents presented provide provides provided including key important real-world end-to-end code
    available publicly github com https http www outperform outperforms outperforming compared comparison
    previous prior current popular widely simple first leading strong powerful superior promising
    potential recent recently number set sets way ways make makes able allows enable enables given
    application applications effectiveness standard real small single wide instead finally discuss
    diverse high-quality high low cost costs time times test tests specific specifically impressive
    remarkable scenarios scenario settings setting strategy strategies address addresses produce produces
    multiple variety empirical empirically years field fields deeper competitive summarize summarizes
    """.split()
)
STOP_WORDS = ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS
# Words of two or more characters that start with a letter; keeps "fine-tuning" and "low-rank" whole.
TOKEN_PATTERN = r"(?u)\b[^\W\d_][\w-]*[^\W_]\b"
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
    k_sample: int = 3000  # rows the KMeans fits of choose_k (17 k's x n_init) run on
    k_tolerance: float = 0.10
    min_cluster_size: int = 15
    n_init: int = 3
    exact_similar_max: int = 2000  # above this, similar papers come from LSA candidates (see similar_papers)
    n_candidates: int = 40
    cell_size: int = 1500
    n_probe: int = 3


@dataclass(frozen=True)
class KChoice:
    k: int
    scores: dict[int, float]
    reason: str


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
    counts, tfidf, vocabulary = vectorize(texts, min_df=p.min_df, max_df=p.max_df, max_features=p.max_features)
    say("svd", 0.35)
    Z = lsa(tfidf, n_components=p.n_components, n_iter=p.svd_n_iter, sample=p.svd_sample, random_state=random_state)
    say("choose k", 0.38)
    choice = pick_k(Z, k, k_range, p, random_state)
    say("kmeans", 0.43)
    labels, centroids = cluster(Z, choice.k, n_init=p.n_init, sample_size=p.k_sample, random_state=random_state)
    say("labels", 0.55)
    names, terms = label_clusters(counts, labels, vocabulary)
    sizes = np.bincount(labels, minlength=choice.k)
    say("map", 0.56)
    coords = layout(Z, labels, centroids)
    similar, scores = np.zeros((0, N_SIMILAR), np.int64), np.zeros((0, N_SIMILAR), np.float32)
    if with_similar:
        say("similar", 0.57)
        similar, scores = similar_papers(
            tfidf,
            Z,
            exact_max=p.exact_similar_max,
            n_candidates=p.n_candidates,
            cell_size=p.cell_size,
            n_probe=p.n_probe,
            random_state=random_state,
        )
    say("done", 1.0)
    return TopicResult(
        labels,
        choice.k,
        k is None,
        choice.scores,
        choice.reason,
        names,
        terms,
        sizes.tolist(),
        representatives(Z, labels, centroids),
        coords,
        similar,
        scores,
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
    cutoffs = [(1, 1.0)] if len(texts) < _SMALL_CORPUS else [(min_df, max_df), (1, 1.0)]
    for low, high in cutoffs:
        vectorizer = CountVectorizer(
            stop_words=sorted(STOP_WORDS),
            token_pattern=TOKEN_PATTERN,
            dtype=np.float32,
            min_df=low,
            max_df=high,
            max_features=max_features,
        )
        try:
            counts = vectorizer.fit_transform(texts).tocsr()
        except ValueError:  # no term left: only stop words, or the cut-offs removed everything
            continue
        tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts).astype(np.float32).tocsr()
        return counts, tfidf, vectorizer.get_feature_names_out().tolist()
    empty = sp.csr_matrix((len(texts), 0), dtype=np.float32)
    return empty, empty, []


def lsa(tfidf, *, n_components: int = 100, n_iter: int = 4, sample: int = 20_000, random_state: int = 0):
    """Unit-length LSA vectors (n, d) float32; fitted on at most `sample` rows so the cost stops growing with n.

    At most one dimension per 10 papers: on the 634 seed papers 100 dimensions made clusters less stable
    across seeds (pairwise ARI 0.25) than 50 (0.29) or 30 (0.32).
    """
    n, v = tfidf.shape
    dims = min(n_components, v - 1, n - 1, max(2, n // 10))
    if dims < 2:  # one or two terms or papers: the TF-IDF rows are already tiny and dense
        return normalize(tfidf.toarray() if v else np.zeros((n, 1), np.float32)).astype(np.float32)
    rows = np.sort(np.random.default_rng(random_state).choice(n, sample, replace=False)) if n > sample else slice(None)
    with np.errstate(divide="ignore", invalid="ignore"):  # explained variance ratio of identical rows: 0/0
        svd = TruncatedSVD(dims, n_iter=n_iter, random_state=random_state).fit(tfidf[rows])
    Z = np.empty((n, dims), np.float32)
    for start in range(0, n, 50_000):
        Z[start : start + 50_000] = svd.transform(tfidf[start : start + 50_000])
    return normalize(Z, copy=False)


def choose_k(
    Z,
    *,
    k_range: tuple[int, int] = (4, 20),
    min_cluster_size: int = 15,
    sample_size: int = 3000,
    tolerance: float = 0.10,
    n_init: int = 3,
    random_state: int = 0,
) -> KChoice:
    """The fewest clusters whose cosine silhouette is within `tolerance` (relative) of the best k's.

    Silhouettes are computed on a fixed-seed sample of at most `sample_size` rows of `Z`, for every k from
    k_range[0] to min(k_range[1], n // min_cluster_size). On text the silhouette keeps creeping up with k,
    so near-ties go to fewer, broader topics. Fewer than 2 * min_cluster_size papers make one topic.
    """
    n = len(Z)
    S = sample_rows(Z, sample_size, random_state)
    hi = min(k_range[1], n // min_cluster_size, _n_distinct(S), len(S) - 1)
    lo = min(max(k_range[0], 2), hi)
    if hi < 2:
        return KChoice(1, {}, f"k=1: too few distinct papers ({n}) to split into topics")
    scores = {}
    for kk in range(lo, hi + 1):
        scores[kk] = cosine_silhouette(S, KMeans(kk, n_init=n_init, random_state=random_state).fit_predict(S))
    best = max(scores, key=lambda kk: (scores[kk], -kk))
    chosen = min(kk for kk, s in scores.items() if s >= scores[best] - tolerance * abs(scores[best]))
    where = f"all {n} papers" if len(S) == n else f"a {len(S)}-paper sample"
    reason = (
        f"k={chosen}: fewest clusters with a silhouette ({scores[chosen]:.3f}) within {tolerance:.0%} "
        f"of the best ({scores[best]:.3f} at k={best}), over k={lo}..{hi} on {where}"
    )
    return KChoice(chosen, scores, reason)


def cosine_silhouette(Z, labels) -> float:
    """Mean silhouette with cosine distance, for rows of unit length (or zero): sklearn's
    `silhouette_score(Z, labels, metric="cosine")` in O(n k d) instead of O(n^2 d), since the mean cosine
    distance from a row to a cluster is one minus its dot product with the cluster's mean row.
    """
    k = int(labels.max()) + 1
    sizes = np.bincount(labels, minlength=k)
    if np.count_nonzero(sizes) < 2:
        return -1.0
    dots = Z @ (_one_hot(labels, k) @ Z).T
    rows = np.arange(len(Z))
    own = sizes[labels]
    with np.errstate(divide="ignore", invalid="ignore"):
        a = 1 - (dots[rows, labels] - np.einsum("ij,ij->i", Z, Z)) / (own - 1)
        to_other = 1 - dots / sizes
        to_other[rows, labels] = np.inf
        to_other[:, sizes == 0] = np.inf
        b = to_other.min(axis=1)
        s = np.where(own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(s.mean())


def _requested_k(Z, k: int, sample_size: int, random_state: int) -> KChoice:
    possible = max(1, min(k, len(Z), _n_distinct(sample_rows(Z, sample_size, random_state)) if len(Z) else 1))
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
    return labels, normalize(_one_hot(labels, k) @ Z)


def label_clusters(
    counts,
    labels,
    vocabulary: Sequence[str],
    *,
    n_terms: int = 10,
    n_name_terms: int = 3,
    stop_words: frozenset[str] = STOP_WORDS,
    separator: str = " · ",
):
    """Per cluster a name of its `n_name_terms` most distinctive terms and its `n_terms` top terms.

    Distinctiveness is class-based TF-IDF (c-TF-IDF, as in BERTopic): a term's share of the cluster's
    term mass times log(1 + A / f), with f its mass in the whole corpus and A the average mass per cluster.
    Each paper counts a term 1 + log(count) times, so one abstract repeating a name cannot label its
    cluster. Stop words and variants of a term already listed ("layer" after "layers") are skipped.
    """
    k = int(labels.max()) + 1 if len(labels) else 0
    if k == 0:
        return [], []
    damped = counts.astype(np.float64)
    damped.data = 1 + np.log(np.maximum(damped.data, 1))
    T = np.asarray((_one_hot(labels, k) @ damped).todense())
    return name_clusters(T, vocabulary, n_terms, n_name_terms, stop_words, separator)


def name_clusters(T, vocabulary, n_terms=10, n_name_terms=3, stop_words=STOP_WORDS, separator=" · "):
    """`label_clusters` from the damped term mass per cluster, T (k, vocabulary), however it was summed."""
    k = len(T)
    with np.errstate(divide="ignore", invalid="ignore"):
        W = T / T.sum(axis=1, keepdims=True) * np.log1p(T.sum() / k / T.sum(axis=0))
    W = np.nan_to_num(W, nan=0.0)
    W[:, [t in stop_words for t in vocabulary]] = 0
    names, top = [], []
    for c in range(k):
        terms, stems = [], set()
        for j in np.argsort(-W[c], kind="stable"):
            if W[c, j] <= 0 or len(terms) == n_terms:
                break
            if _stem(vocabulary[j]) not in stems:
                stems.add(_stem(vocabulary[j]))
                terms.append(vocabulary[j])
        top.append(terms)
        names.append(separator.join(terms[:n_name_terms]) or f"topic {c + 1}")
    return names, top


def representatives(Z, labels, centroids, *, n: int = N_REPRESENTATIVES) -> list[list[int]]:
    """Per cluster, the indices of the `n` members closest (cosine) to its centroid."""
    out = []
    for c, members in enumerate(group_rows(labels, len(centroids))):
        sims = Z[members] @ centroids[c]
        out.append(members[np.lexsort((members, -sims))[:n]].tolist())
    return out


def _n_distinct(Z) -> int:
    return len(np.unique(np.round(Z, 5), axis=0)) if len(Z) else 0


def _one_hot(labels, k: int):
    n = len(labels)
    return sp.csr_matrix((np.ones(n, np.float32), (labels, np.arange(n))), shape=(k, n))


def _stem(term: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ers", "er", "ies", "es", "ed", "s", "e"):
        if term.endswith(suffix) and len(term) - len(suffix) >= 3:
            return term[: -len(suffix)]
    return term
