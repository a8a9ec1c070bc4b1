"""Similar papers: each paper's nearest neighbours by TF-IDF cosine, exact or among LSA candidates.

Works on the TF-IDF and LSA arrays lib.topics builds; knows nothing of files, tables or the app.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans

N_SIMILAR = 5
_BLOCK = 1024  # rows per block in the neighbour searches; bounds memory at any n


def similar_papers(
    tfidf,
    Z,
    *,
    n_neighbors: int = N_SIMILAR,
    exact_max: int = 2000,
    n_candidates: int = 40,
    cell_size: int = 1500,
    n_probe: int = 3,
    random_state: int = 0,
):
    """Each paper's `n_neighbors` most similar papers by TF-IDF cosine, most similar first, and the cosines.

    Up to `exact_max` papers every pair is compared, in blocks of rows. Beyond, the search is approximate:
    the LSA space is cut into cells of about `cell_size` papers (KMeans on a sample), each paper's
    `n_candidates` nearest LSA neighbours are looked for among the members of its `n_probe` nearest cells,
    and only those candidates are scored by TF-IDF cosine. Against brute force on 100k synthetic papers
    this found 87% of the true five, with 98% of their summed cosine (bench/topics_scaling.py). Papers
    with no term in common (cosine 0) are not listed: -1 and NaN.
    """
    n = tfidf.shape[0]
    exact = n <= exact_max
    candidates = None if exact else _lsa_candidates(Z, n_candidates, cell_size, n_probe, random_state)
    index = np.full((n, n_neighbors), -1)
    scores = np.full((n, n_neighbors), np.nan, np.float32)
    for start in range(0, n, _BLOCK // 4):
        rows = np.arange(start, min(start + _BLOCK // 4, n))
        cand = np.broadcast_to(np.arange(n), (len(rows), n)) if exact else candidates[rows]
        sims = (tfidf[rows] @ tfidf.T).toarray() if exact else _pair_dots(tfidf, rows, cand)
        sims[(cand == rows[:, None]) | (cand < 0)] = -np.inf
        top, top_sims = _top(sims, n_neighbors)
        found = top_sims > 0
        index[rows] = np.where(found, np.take_along_axis(cand, np.maximum(top, 0), 1), -1)
        scores[rows] = np.where(found, top_sims, np.nan)
    return index, scores


def _lsa_candidates(Z, m: int, cell_size: int, n_probe: int, random_state: int) -> np.ndarray:
    """Each row's `m` nearest rows by LSA cosine among the members of its `n_probe` nearest cells."""
    n_cells = max(1, len(Z) // cell_size)
    # cells from a sample: KMeans on every row would cost more than the search it narrows
    centres = (
        KMeans(n_cells, n_init=1, random_state=random_state)
        .fit(sample_rows(Z, 100 * n_cells, random_state))
        .cluster_centers_.astype(np.float32)
    )
    probes = np.concatenate(
        [_top(Z[i : i + 65536] @ centres.T, min(n_probe, n_cells))[0] for i in range(0, len(Z), 65536)]
    )
    members = group_rows(probes[:, 0], n_cells)
    position = np.empty(len(Z), np.int64)
    for cell in members:
        position[cell] = np.arange(len(cell))
    askers = group_rows(probes.ravel(), n_cells)  # flat positions: row * n_probe + slot
    width = probes.shape[1] * m
    found = np.full((len(Z), width), -1, np.int32)
    found_sims = np.full((len(Z), width), -np.inf, np.float32)
    for c in range(n_cells):
        if len(members[c]) == 0:  # a centre from the sample that no row has as its nearest
            continue
        for start in range(0, len(askers[c]), _BLOCK):
            rows, slots = np.divmod(askers[c][start : start + _BLOCK], probes.shape[1])
            sims = Z[rows] @ Z[members[c]].T
            own = slots == 0
            sims[np.nonzero(own)[0], position[rows[own]]] = -np.inf
            top, top_sims = _top(sims, m)
            columns = slots[:, None] * m + np.arange(m)
            found[rows[:, None], columns] = np.where(top >= 0, members[c][np.maximum(top, 0)], -1)
            found_sims[rows[:, None], columns] = top_sims
    best = np.full((len(Z), m), -1)
    best_sims = np.full((len(Z), m), -np.inf, np.float32)
    for start in range(0, len(Z), _BLOCK):
        keep, best_sims[start : start + _BLOCK] = _top(found_sims[start : start + _BLOCK], m)
        best[start : start + _BLOCK] = np.take_along_axis(found[start : start + _BLOCK], np.maximum(keep, 0), 1)
    return np.where(np.isfinite(best_sims), best, -1)


def _pair_dots(tfidf, rows, cand) -> np.ndarray:
    """TF-IDF cosine of each of `rows` with each of its candidates (a row of `cand`; -1 gives 0)."""
    m = cand.shape[1]
    left = tfidf[np.repeat(rows, m)]
    right = tfidf[np.maximum(cand, 0).ravel()]
    return np.asarray(left.multiply(right).sum(axis=1), np.float32).reshape(cand.shape)


def _top(sims, m: int):
    """Column indices and values of each row's `m` largest cosines (or -inf), largest first, ties to the
    smaller column; -1 and -inf past the row's length.

    A threshold from every `step`-th column keeps about 2m entries per row to sort, several times cheaper
    than partitioning whole rows; rows the threshold leaves short keep all their entries.
    """
    rows, cols = sims.shape
    step = cols // (8 * m)
    if step >= 2:
        sub = sims[:, ::step]
        j = sub.shape[1] - -(-2 * m // step)
        threshold = np.partition(sub, j, axis=1)[:, j]
        threshold[np.count_nonzero(sims >= threshold[:, None], axis=1) < m] = -np.inf
        flat = np.flatnonzero(sims >= threshold[:, None])
    else:
        flat = np.arange(sims.size)
    r, c = np.divmod(flat, cols)
    v = sims.ravel()[flat]
    # one stable sort on (row, -value) packed in a float; `flat` is in column order, so ties keep it
    order = np.argsort(r * 8.0 + (2.0 - np.clip(v.astype(np.float64), -3.0, 3.0)), kind="stable")
    r, c, v = r[order], c[order], v[order]
    rank = np.arange(len(r)) - np.searchsorted(r, np.arange(rows))[r]
    sel = rank < m
    idx = np.full((rows, m), -1)
    out = np.full((rows, m), -np.inf, np.float32)
    idx[r[sel], rank[sel]] = c[sel]
    out[r[sel], rank[sel]] = v[sel]
    return idx, out


def sample_rows(Z, size: int, random_state: int):
    """At most `size` rows of Z: a fixed-seed sample kept in row order, or Z itself when it is no larger."""
    if len(Z) <= size:
        return Z
    return Z[np.sort(np.random.default_rng(random_state).choice(len(Z), size, replace=False))]


def group_rows(labels, k: int) -> list[np.ndarray]:
    """For each label 0..k-1, the indices of the rows that carry it, in increasing order."""
    order = np.argsort(labels, kind="stable")
    return np.split(order, np.cumsum(np.bincount(labels, minlength=k))[:-1])


def update_similar(tfidf, Z, index, scores, fresh, stale, *, exact_max: int = 2000, n_candidates: int = 40):
    """Similar papers after some papers came or changed, without searching everything again.

    `index` and `scores` (n, m) are each row's list from before, in current rows (-1 where the list ended or
    its paper is gone); `fresh` are the rows that are new or whose text changed, `stale` rows whose list lost a
    paper. A fresh row is compared with every row up to `exact_max` papers, beyond with its `n_candidates`
    nearest rows by LSA cosine (as `similar_papers` does); each row it is compared with takes it into its list
    when it beats an entry there. A stale row refills its list from its remaining entries' lists. Other rows
    keep their lists. The cost grows with the fresh and stale rows, not with n.
    """
    n, m = index.shape
    index = index.copy()
    scores = np.where(index >= 0, scores, -np.inf).astype(np.float32)
    fresh = np.asarray(fresh, np.int64)
    if len(fresh):
        cand = np.broadcast_to(np.arange(n), (len(fresh), n)) if n <= exact_max else _candidates(Z, fresh, n_candidates)
        sims = _pair_dots(tfidf, fresh, cand) if n > exact_max else (tfidf[fresh] @ tfidf.T).toarray()
        sims = np.where((cand == fresh[:, None]) | (cand < 0), -np.inf, sims).astype(np.float32)
        top, top_sims = _top(sims, m)
        index[fresh] = np.where(top >= 0, np.take_along_axis(cand, np.maximum(top, 0), 1), -1)
        scores[fresh] = top_sims
        is_fresh = np.zeros(n, bool)
        is_fresh[fresh] = True
        rows, slot = np.nonzero(np.isfinite(sims) & (sims > 0) & ~is_fresh[np.maximum(cand, 0)])
        _take_in(index, scores, cand[rows, slot], fresh[rows], sims[rows, slot])
    stale = np.setdiff1d(np.asarray(stale, np.int64), fresh)
    if len(stale):
        hops = index[np.maximum(index[stale], 0)].reshape(len(stale), -1)
        hops = np.where(np.repeat(index[stale] >= 0, m, axis=1), hops, -1)
        cand = np.hstack([index[stale], hops])
        sims = _pair_dots(tfidf, stale, cand)
        sims[(cand == stale[:, None]) | (cand < 0)] = -np.inf
        sims[_repeats(cand)] = -np.inf
        top, top_sims = _top(sims, m)
        index[stale] = np.where(top >= 0, np.take_along_axis(cand, np.maximum(top, 0), 1), -1)
        scores[stale] = top_sims
    found = (scores > 0) & (index >= 0)
    return np.where(found, index, -1), np.where(found, scores, np.nan).astype(np.float32)


def _candidates(Z, rows, m: int) -> np.ndarray:
    """Each of `rows`' m nearest other rows by LSA cosine, over every row."""
    out = np.empty((len(rows), m), np.int64)
    for start in range(0, len(rows), 512):
        part = rows[start : start + 512]
        sims = Z[part] @ Z.T
        sims[np.arange(len(part)), part] = -np.inf
        out[start : start + 512] = _top(sims, m)[0]
    return out


def _take_in(index, scores, rows, new, sims) -> None:
    """Put paper `new[i]` with cosine `sims[i]` into row `rows[i]`'s list where it beats an entry there."""
    m = index.shape[1]
    affected = np.unique(rows)
    if not len(affected):
        return
    at = np.searchsorted(affected, rows)
    who = np.concatenate([np.repeat(np.arange(len(affected)), m), at])
    name = np.concatenate([index[affected].ravel(), new])
    value = np.concatenate([scores[affected].ravel(), sims])
    order = np.lexsort((name, -value, who))
    who, name, value = who[order], name[order], value[order]
    keep = np.ones(len(who), bool)
    keep[1:] = (who[1:] != who[:-1]) | (name[1:] != name[:-1])  # one entry per paper (ties: the first)
    who, name, value = who[keep], name[keep], value[keep]
    rank = np.arange(len(who)) - np.searchsorted(who, who)
    sel = rank < m
    block_index = np.full((len(affected), m), -1)
    block_scores = np.full((len(affected), m), -np.inf, np.float32)
    block_index[who[sel], rank[sel]] = name[sel]
    block_scores[who[sel], rank[sel]] = value[sel]
    index[affected], scores[affected] = block_index, block_scores


def _repeats(cand) -> np.ndarray:
    """Mask of entries equal to an earlier entry in the same row."""
    order = np.argsort(cand, axis=1, kind="stable")
    sorted_ = np.take_along_axis(cand, order, 1)
    dup = np.zeros_like(cand, bool)
    dup[:, 1:] = sorted_[:, 1:] == sorted_[:, :-1]
    out = np.zeros_like(cand, bool)
    np.put_along_axis(out, order, dup, 1)
    return out
