"""Choosing the number of topic clusters, k, from cosine silhouettes, and the silhouette itself. Works on unit
LSA rows; knows nothing of files, tables or the app."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans

from lib.describing.neighbours import sample_rows


@dataclass(frozen=True)
class KChoice:
    k: int
    scores: dict[int, float]
    reason: str


K_GRID = (2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 20, 25, 32, 40)


def choose_k(
    Z,
    *,
    k_range: tuple[int, int] = (4, 20),
    min_cluster_size: int = 15,
    sample_size: int = 3000,
    tolerance: float = 0.25,
    n_init: int = 3,
    random_state: int = 0,
) -> KChoice:
    """k from the silhouettes of the k of K_GRID in range: the peak when one stands out, else the fewest
    clusters whose silhouette trend is within `tolerance` (relative) of the trend's best.

    A k's silhouette is the mean cosine silhouette of `n_init` single-start KMeans fits (seeds random_state,
    random_state + 1, ...) on a fixed-seed sample of at most `sample_size` rows of `Z`; k runs up to
    min(k_range[1], n // min_cluster_size). The trend is the least-squares line of silhouette against log k
    over all of them. A peak stands out when its silhouette is above the trend by more than `tolerance`
    (relative). Why a trend: on text the silhouette creeps up with k (on the seeds by about 0.003 a cluster)
    while fits of one k differ by 0.002-0.01, so a rule that compares single k's follows noise: over every k,
    "the fewest within 10% of the best" gave k from 13 to 19 in 12 perturbations of the seeds (four of the five
    pages, or 97% of the papers). The trend averages every fit, and gave k=10 in the ten 97% samples and k=8 on
    four pages. Fewer than 2 * min_cluster_size papers make one topic.
    """
    n = len(Z)
    S = sample_rows(Z, sample_size, random_state)
    hi = min(k_range[1], n // min_cluster_size, n_distinct(S), len(S) - 1)
    lo = min(max(k_range[0], 2), hi)
    if hi < 2:
        return KChoice(1, {}, f"k=1: too few distinct papers ({n}) to split into topics")
    grid = [kk for kk in K_GRID if lo <= kk <= hi] or [hi]
    scores = {}
    for kk in grid:
        fits = [KMeans(kk, n_init=1, random_state=random_state + i).fit_predict(S) for i in range(n_init)]
        scores[kk] = float(np.mean([cosine_silhouette(S, labels) for labels in fits]))
    chosen, why = _k_rule(scores, tolerance)
    where = f"all {n:,} papers" if len(S) == n else f"a {len(S):,}-paper sample"
    reason = f"k={chosen}: {why}, over k in {', '.join(map(str, grid))} on {where}"
    return KChoice(chosen, scores, reason)


def _k_rule(scores: dict[int, float], tolerance: float) -> tuple[int, str]:
    ks = sorted(scores)
    y = np.array([scores[kk] for kk in ks])
    best = ks[int(y.argmax())]
    if len(ks) < 3:
        return best, f"the best silhouette ({scores[best]:.3f})"
    slope, intercept = np.polyfit(np.log(ks), y, 1)
    trend = intercept + slope * np.log(ks)
    if scores[best] > trend[ks.index(best)] + tolerance * abs(trend[ks.index(best)]):
        return best, f"its silhouette ({scores[best]:.3f}) stands out above the trend of the others"
    top = trend.max()
    chosen = next(kk for kk, t in zip(ks, trend) if t >= top - tolerance * abs(top))
    return chosen, (
        f"fewest clusters whose silhouette trend ({trend[ks.index(chosen)]:.3f}) is within {tolerance:.0%} of "
        f"the trend's best ({top:.3f}); no k stands out"
    )


def cosine_silhouette(Z, labels) -> float:
    """Mean silhouette with cosine distance, for rows of unit length (or zero): sklearn's
    `silhouette_score(Z, labels, metric="cosine")` in O(n k d) instead of O(n^2 d), since the mean cosine
    distance from a row to a cluster is one minus its dot product with the cluster's mean row.
    """
    k = int(labels.max()) + 1
    sizes = np.bincount(labels, minlength=k)
    if np.count_nonzero(sizes) < 2:
        return -1.0
    dots = Z @ (one_hot(labels, k) @ Z).T
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


def n_distinct(Z) -> int:
    return len(np.unique(np.round(Z, 5), axis=0)) if len(Z) else 0


def one_hot(labels, k: int):
    n = len(labels)
    return sp.csr_matrix((np.ones(n, np.float32), (labels, np.arange(n))), shape=(k, n))
