"""Starting from a saved topic model: which papers it already knows, where new papers go, when they make a new
cluster, and how the clusters of a fresh fit are matched to the old ones so that ids and names carry over.
Works on arrays in paper-id order; knows nothing of files, tables or the app.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.preprocessing import normalize

from lib.describing.topic_model import TopicModel
from lib.describing.topics import counter, project

FAR_PERCENTILE = 5  # a new paper is far when less similar to every centre than 95% of members are to theirs
MAX_NEW_GROUPS = 5
MIN_MATCH = 0.5  # centroid cosine below which a fresh cluster continues no old one
COHESION_SAMPLE = 30  # papers per group whose words are compared
NEW_MARGIN = 0.1  # how much tighter than papers drawn at random a new cluster must be


@dataclass(frozen=True)
class Known:
    """What a saved model knows of the current papers (rows in paper-id order)."""

    before: np.ndarray  # (n,) the model's row of each paper with the same text, else -1 (new or changed)
    changed: np.ndarray  # (n,) bool: in the model, but with another text
    removed: int  # papers of the model no longer present

    @property
    def kept(self) -> np.ndarray:
        return self.before >= 0

    @property
    def fresh(self) -> np.ndarray:
        return np.flatnonzero(self.before < 0)


def known(model: TopicModel, ids: np.ndarray, hashes: np.ndarray) -> Known:
    """Match the current papers (sorted `ids`, their text `hashes`) to the model's rows by id and text."""
    at = np.searchsorted(model.paper_ids, ids)
    at = np.minimum(at, max(len(model.paper_ids) - 1, 0))
    present = (model.paper_ids[at] == ids) if len(model.paper_ids) else np.zeros(len(ids), bool)
    same = present & (model.text_hashes[at] == hashes) if len(model.paper_ids) else present
    before = np.where(same, at, -1)
    return Known(before, present & ~same, int(len(model.paper_ids) - present.sum()))


def vectors(model: TopicModel, texts: list[str], who: Known):
    """Term counts, TF-IDF and unit LSA rows of every paper in the model's space: carried over for the papers
    it knows, computed for the others with its vocabulary, idf and basis."""
    fresh = who.fresh
    new_counts = counter(vocabulary=model.vocabulary).transform([texts[i] for i in fresh]).astype(np.float32)
    n = len(texts)
    rows = np.concatenate([np.flatnonzero(who.kept), fresh])
    stacked = sp.vstack([model.counts[who.before[who.kept]], new_counts]).tocsr()
    order = np.empty(n, np.int64)
    order[rows] = np.arange(n)
    counts = stacked[order]
    tfidf = tfidf_of(counts, model.idf)
    Z = np.empty((n, model.basis.shape[0]), np.float32)
    Z[who.kept] = model.lsa[who.before[who.kept]]
    Z[fresh] = project(tfidf[fresh], model.basis)
    return counts, tfidf, Z


def tfidf_of(counts, idf) -> sp.csr_matrix:
    """Sublinear TF-IDF, L2-normalised, as TfidfTransformer(sublinear_tf=True) with a fitted idf makes it."""
    tf = counts.astype(np.float32).tocsr(copy=True)
    tf.data = 1 + np.log(tf.data)
    return normalize(tf @ sp.diags(idf.astype(np.float32))).astype(np.float32).tocsr()


def far_threshold(Z, labels, ids, centroids) -> float:
    """The FAR_PERCENTILE-th percentile of the members' cosines to their own centre."""
    if not len(Z):
        return 0.0
    own = np.einsum("ij,ij->i", Z, centroids[np.searchsorted(ids, labels)])
    return float(np.percentile(own, FAR_PERCENTILE))


def place(Z_new, new_texts, ids, centroids, threshold: float, next_id: int, *, known, min_size=15, random_state=0):
    """Clusters for new papers (rows of Z_new, texts `new_texts`): the nearest centre's, or a new cluster by the
    rule below. `known` is (texts, cluster ids) of the papers already clustered.

    The rule: a new paper is far when its cosine to the nearest centre is below `threshold` (the 5th
    percentile of the members' cosines to their own centres when the model was saved). When at least
    `min_size` new papers are far, KMeans splits them into len(far) // min_size groups (at most 5). A group
    becomes a new cluster, numbered from `next_id`, when it has at least `min_size` papers, they are on average
    closer to the group's centre than to their nearest old centre, and their words hold them together (see
    `text_cohesion`, in the group's own words, which the saved vocabulary may lack) at least as tightly as the
    existing clusters' do theirs and by NEW_MARGIN more than as many papers drawn at random: a new topic, not a
    handful of papers that merely fit nowhere (a few in every hundred new papers on known topics do). Every
    other new paper joins its nearest cluster, new ones included.
    """
    if not len(Z_new):
        return np.zeros(0, np.int64), []
    sims = Z_new @ centroids.T
    labels = ids[sims.argmax(axis=1)].astype(np.int64)
    nearest = sims.max(axis=1)
    far = np.flatnonzero(nearest < threshold)
    if len(far) < min_size:
        return labels, []
    groups = min(len(far) // min_size, MAX_NEW_GROUPS)
    F = Z_new[far]
    parts = np.zeros(len(far), np.int64)
    if groups > 1:
        parts = KMeans(groups, n_init=3, random_state=random_state).fit_predict(F)
    rng = np.random.default_rng(random_state)
    created, new_centres = [], []
    for g in range(groups):
        members = np.flatnonzero(parts == g)
        if len(members) < min_size:
            continue
        centre = normalize(F[members].mean(axis=0, keepdims=True))[0]
        if float((F[members] @ centre).mean()) <= float(nearest[far[members]].mean()):
            continue
        size = min(len(members), COHESION_SAMPLE)
        picked = rng.choice(far[members], size, replace=False)
        tight, random_level = _reference(*known, size, rng)
        if text_cohesion([new_texts[i] for i in picked]) >= max(tight, random_level + NEW_MARGIN):
            labels[far[members]] = next_id + len(created)
            created.append(next_id + len(created))
            new_centres.append(centre)
    if created:  # the other new papers join their nearest cluster, the new ones included
        to_new = Z_new @ np.array(new_centres).T
        closer = (to_new.max(axis=1) > nearest) & ~np.isin(labels, created)
        labels[closer] = np.array(created)[to_new[closer].argmax(axis=1)]
    return labels, created


def text_cohesion(texts: list[str]) -> float:
    """How tightly their words hold papers together: the mean cosine of their sublinear TF-IDF rows, fitted on
    these texts alone, to the rows' normalised mean."""
    try:
        X = counter().fit_transform(texts)
    except ValueError:  # no word at all
        return 0.0
    X = normalize(TfidfTransformer(sublinear_tf=True).fit_transform(X))
    centre = normalize(np.asarray(X.mean(axis=0)))
    return float(np.asarray(X @ centre.T).mean())


def _reference(texts, labels, size: int, rng) -> tuple[float, float]:
    """For groups of `size` papers already clustered: the median cohesion of the clusters, and that of papers
    drawn at random."""
    if len(texts) < size:
        return 1.0, 0.0  # too few papers to compare with: nothing counts as a new subject
    clusters = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    tight = [text_cohesion([texts[i] for i in rng.choice(m, size, replace=False)]) for m in clusters if len(m) >= size]
    drawn = [text_cohesion([texts[i] for i in rng.choice(len(texts), size, replace=False)]) for _ in range(3)]
    return (float(np.median(tight)) if tight else 1.0), float(np.mean(drawn))


def match(old_centres, old_ids, new_centres, *, min_similarity: float = MIN_MATCH) -> dict[int, int]:
    """Fresh cluster (row of `new_centres`) -> the old id it continues: Hungarian matching on centroid cosine
    (scipy's linear_sum_assignment), keeping pairs at least `min_similarity` alike."""
    if not len(old_centres) or not len(new_centres):
        return {}
    sims = new_centres @ old_centres.T
    rows, cols = linear_sum_assignment(-sims)
    return {int(r): int(old_ids[c]) for r, c in zip(rows, cols) if sims[r, c] >= min_similarity}


def old_centres_in(Z, previous_labels, who: Known):
    """The previous clusters' centres in a new space: the mean new vector of each one's papers still present
    with the same text. Returns (ids, centres)."""
    rows = np.flatnonzero(who.kept)
    labels = previous_labels[who.before[rows]]
    ids = np.unique(labels)
    if not len(ids):
        return ids, np.zeros((0, Z.shape[1]), np.float32)
    one_hot = sp.csr_matrix((np.ones(len(rows)), (np.searchsorted(ids, labels), np.arange(len(rows)))))
    return ids, normalize(one_hot @ Z[rows]).astype(np.float32)
