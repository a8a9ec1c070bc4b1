"""The topic stage of a build: from the previous build's saved model when there is one (papers keep their
clusters, new papers join the nearest), afresh otherwise or when asked (clusters matched to the old ones so
that ids and names carry over); then the person's merges, splits, names and pins; then names, map and
similar papers. Texts come sorted by paper id, so the order of files and records changes nothing. Knows
nothing of files, tables or the app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from threadpoolctl import threadpool_limits

from lib.describing.neighbours import N_SIMILAR, update_similar
from lib.describing.topic_curation import Curation, apply_curation
from lib.describing.topic_labels import name_topics
from lib.describing.topic_map import layout
from lib.describing.topic_model import TopicModel, text_hashes
from lib.describing.topic_update import (
    Known,
    far_threshold,
    known,
    match,
    old_centres_in,
    place,
    vectors,
)
from lib.describing.topics import (
    KChoice,
    TopicParams,
    centres,
    cluster,
    find_similar,
    fit_space,
    pick_k,
    representatives,
)

Progress = Callable[[str, float], None]
MIN_KNOWN = 0.5  # below this share of papers in the saved model, the clusters are made afresh
REDO_SHARE = 0.2  # above this share of papers to search again, similar papers are searched afresh


@dataclass(frozen=True)
class Card:
    cluster: int
    name: str  # the person's name when there is one, else `auto_name`
    auto_name: str
    size: int
    top_terms: list[str]
    representatives: list[int]  # rows
    pinned: bool = False
    new: bool = False


@dataclass(frozen=True)
class Outcome:
    """What the stage did: how it started, and what became of the papers and clusters."""

    mode: str  # "fresh": no saved model; "incremental": from it; "recluster": afresh, matched to it
    why: str
    kept: int = 0  # papers that kept their cluster
    joined: int = 0  # new or changed papers that joined an existing cluster
    changed: int = 0  # of those, papers whose text changed
    removed: int = 0  # papers of the saved model no longer present
    new_clusters: tuple[int, ...] = ()
    matched: int = 0  # recluster: fresh clusters continuing an old one
    merged: tuple[int, ...] = ()
    split: tuple[int, ...] = ()


@dataclass(frozen=True)
class StageResult:
    labels: np.ndarray  # (n,) cluster id per text
    coords: np.ndarray  # (n, 2)
    similar: np.ndarray  # (n, 5) rows, -1 past the last
    similar_scores: np.ndarray
    cards: list[Card]
    choice: KChoice  # k: the number of clusters; its reason says how they came about
    automatic: bool
    outcome: Outcome
    model: TopicModel
    notes: list[tuple[int, str]] = field(default_factory=list)  # (topics.toml line, what an entry did not do)


@dataclass
class _Draft:
    """Labels and vectors before curation and description."""

    labels: np.ndarray
    space: object  # counts, tfidf, Z, vocabulary, idf, basis (a topics.Space or the same fields)
    choice: KChoice
    automatic: bool
    outcome: Outcome
    next_id: int
    similar: tuple[np.ndarray, np.ndarray] | None
    keep_names: dict[int, str]
    params: dict  # what the clusters were first made with: k asked for, seed, the reason for k, the scores


def run(
    texts: list[str],
    ids: np.ndarray,
    *,
    previous: TopicModel | None = None,
    curation: Curation | None = None,
    k: int | None = None,
    k_range: tuple[int, int] = (4, 20),
    random_state: int = 0,
    recluster: bool = False,
    similar: bool = True,
    progress: Progress | None = None,
    params: TopicParams | None = None,
    reuse_space: bool = False,
) -> StageResult:
    """Topics for `texts` (sorted by their paper `ids`), starting from `previous` unless `recluster`. With
    `reuse_space`, clusters made anew (another k) are made in `previous`'s space (vocabulary, idf, LSA basis and
    vectors) when it holds every paper with its text unchanged, instead of vectorizing the texts again: the app
    looking at another k of the collection it serves."""
    # One thread, as in topics.fit_topics: on two shared cores BLAS and OpenMP threads contend.
    with threadpool_limits(1):
        return _run(
            texts, ids, previous, curation, k, k_range, random_state, recluster, similar, progress, params, reuse_space
        )


def _run(texts, ids, previous, curation, k, k_range, random_state, recluster, similar, progress, params, reuse):
    say = progress or (lambda stage, fraction: None)
    p = params or TopicParams()
    curation = curation or Curation()
    hashes = text_hashes(texts)
    mode, why = _mode(previous, ids, hashes, k, random_state, recluster)
    if mode == "incremental":
        draft = _incremental(previous, texts, ids, hashes, why, p, random_state, similar, say)
    else:
        reuse = reuse and not recluster
        draft = _afresh(previous, texts, ids, hashes, mode, why, curation, k, k_range, p, random_state, say, reuse)
    applied = apply_curation(curation, draft.labels, draft.space.Z, random_state=random_state)
    say("labels", 0.55)
    cards, coords, sims, parts = _describe(texts, ids, hashes, draft, applied, curation, p, random_state, similar, say)
    next_id = max([draft.next_id, *(c + 1 for c in curation.ids()), *(c.cluster + 1 for c in cards)])
    say("done", 1.0)
    return StageResult(
        applied.labels,
        coords,
        sims[0],
        sims[1],
        cards,
        KChoice(len(cards), draft.choice.scores, draft.choice.reason),
        draft.automatic,
        replace(draft.outcome, merged=applied.merged, split=applied.split),
        TopicModel(**parts, next_id=next_id),
        list(applied.notes),
    )


def _mode(previous, ids, hashes, k, random_state, recluster) -> tuple[str, str]:
    if previous is None:
        return "fresh", "no earlier clusters to start from"
    if recluster:
        return "recluster", "re-clustered from scratch as asked"
    asked = previous.params.get("k"), previous.params.get("random_state", 0)
    if asked != (k, random_state):
        return "recluster", f"k={k if k else 'automatic'}, seed {random_state} asked for: the clusters were made anew"
    # Papers clustered before with the same text: a changed text (or a newer way of reading texts) is not known.
    share = float(known(previous, ids, hashes).kept.mean()) if len(ids) else 0.0
    if share < MIN_KNOWN or not previous.vocabulary or not len(previous.cluster_ids):
        return "recluster", (
            f"only {share:.0%} of the papers were clustered before with the same text: the clusters were made anew"
        )
    return "incremental", "started from the clusters of the last build"


def _incremental(previous: TopicModel, texts, ids, hashes, why, p, random_state, with_similar, say) -> _Draft:
    say("vectorize", 0.0)
    who = known(previous, ids, hashes)
    counts, tfidf, Z = vectors(previous, texts, who)
    say("kmeans", 0.43)
    labels = np.empty(len(ids), np.int64)
    labels[who.kept] = previous.clusters[who.before[who.kept]]
    fresh = who.fresh
    kept = np.flatnonzero(who.kept)
    placed, created = place(
        Z[fresh],
        [texts[i] for i in fresh],
        previous.cluster_ids,
        previous.centroids,
        previous.far_threshold,
        previous.next_id,
        known=([texts[i] for i in kept], labels[kept]),
        min_size=p.min_cluster_size,
        random_state=random_state,
    )
    labels[fresh] = placed
    space = _Space(counts, tfidf, Z, previous.vocabulary, previous.idf, previous.basis)
    sims = _carried_similar(previous, who, tfidf, p, random_state, space) if with_similar else None
    params = previous.params
    joined = int(np.isin(placed, previous.cluster_ids).sum())
    outcome = Outcome(
        "incremental",
        why,
        kept=int(who.kept.sum()),
        joined=joined,
        changed=int(who.changed.sum()),
        removed=who.removed,
        new_clusters=tuple(created),
    )
    reason = (
        f"{int(who.kept.sum()):,} papers kept their clusters, {joined:,} new or changed papers joined the nearest, "
        f"{len(created):,} new clusters; the clusters were first made with {params.get('reason', 'k as chosen then')}"
    )
    choice = KChoice(0, {int(kk): float(v) for kk, v in (params.get("scores") or {}).items()}, reason)
    next_id = previous.next_id + len(created)
    automatic = bool(params.get("automatic", True))
    return _Draft(labels, space, choice, automatic, outcome, next_id, sims, previous.names, dict(params))


@dataclass(frozen=True)
class _Space:
    counts: object
    tfidf: object
    Z: np.ndarray
    vocabulary: list[str]
    idf: np.ndarray
    basis: np.ndarray


def _carried_similar(previous: TopicModel, who: Known, tfidf, p: TopicParams, random_state: int, space):
    """Similar papers from the saved lists, searched again only where papers came, changed or went."""
    n = tfidf.shape[0]
    kept = np.flatnonzero(who.kept)
    new_row = np.full(len(previous.paper_ids), -1)
    new_row[who.before[kept]] = kept
    old = np.asarray(previous.similar[who.before[kept]])
    mapped = np.where(old >= 0, new_row[np.maximum(old, 0)], -1)
    stale = kept[((old >= 0) & (mapped < 0)).any(axis=1)]
    fresh = who.fresh
    if len(fresh) + len(stale) > REDO_SHARE * n:
        return find_similar(space, p, random_state)
    index = np.full((n, N_SIMILAR), -1, np.int64)
    scores = np.full((n, N_SIMILAR), np.nan, np.float32)
    index[kept] = mapped
    scores[kept] = np.where(mapped >= 0, previous.similar_scores[who.before[kept]], np.nan)
    return update_similar(
        tfidf, space.Z, index, scores, fresh, stale, exact_max=p.exact_similar_max, n_candidates=p.n_candidates
    )


def _afresh(previous, texts, ids, hashes, mode, why, curation, k, k_range, p, random_state, say, reuse) -> _Draft:
    say("vectorize", 0.0)
    who = known(previous, ids, hashes) if previous is not None else None
    if reuse and who is not None and who.kept.all() and not who.removed:
        space = _Space(*vectors(previous, texts, who), previous.vocabulary, previous.idf, previous.basis)
    else:
        space = fit_space(texts, p, random_state, say)
    Z, n = space.Z, len(texts)
    pinned = np.zeros(n, bool)
    if who is not None:
        was = np.full(n, -1)
        was[who.kept] = previous.clusters[who.before[who.kept]]
        pinned = np.isin(was, sorted(curation.pinned())) & who.kept
    say("choose k", 0.38)
    free = np.flatnonzero(~pinned)
    choice = pick_k(Z[free], k, k_range, p, random_state)
    say("kmeans", 0.43)
    raw, raw_centres = cluster(Z[free], choice.k, n_init=p.n_init, sample_size=p.k_sample, random_state=random_state)
    labels = np.empty(n, np.int64)
    params = {"k": k, "random_state": random_state, "reason": choice.reason, "automatic": k is None}
    params["scores"] = {str(kk): v for kk, v in choice.scores.items()}
    if who is None:
        labels[free] = raw
        outcome = Outcome(mode, why)
        return _Draft(labels, space, choice, k is None, outcome, max(choice.k, 0), None, {}, params)
    labels[pinned] = was[pinned]
    old_ids, old_centres = old_centres_in(Z, previous.clusters, who)
    loose = ~np.isin(old_ids, labels[pinned])
    mapping = match(old_centres[loose], old_ids[loose], raw_centres)
    reserved = curation.ids() | set(previous.cluster_ids.tolist())
    next_id = previous.next_id
    created = []
    for r in np.unique(raw).tolist():
        if r not in mapping:
            while next_id in reserved:
                next_id += 1
            mapping[r] = next_id
            created.append(next_id)
            next_id += 1
    labels[free] = np.array([mapping.get(r, -1) for r in range(choice.k)], np.int64)[raw] if len(free) else 0
    _join_pinned(Z, labels, pinned, who)
    outcome = Outcome(
        mode, why, kept=int((labels == was)[who.kept].sum()), removed=who.removed, new_clusters=tuple(created),
        matched=choice.k - len(created),
    )  # fmt: skip
    reason = f"{choice.reason}; {choice.k - len(created)} of them continue earlier clusters"
    keep = {c: previous.names[c] for c in set(mapping.values()) | set(labels[pinned].tolist()) if c in previous.names}
    choice = KChoice(choice.k, choice.scores, reason)
    return _Draft(labels, space, choice, k is None, outcome, next_id, None, keep, params)


def _join_pinned(Z, labels, pinned, who: Known) -> None:
    """New papers nearer a pinned cluster's centre than their own cluster's join the pinned cluster."""
    pins = np.unique(labels[pinned])
    newcomers = np.flatnonzero(~who.kept & ~pinned)
    if not len(pins) or not len(newcomers):
        return
    present = np.unique(labels)
    C = centres(Z, np.searchsorted(present, labels), len(present))
    sims = Z[newcomers] @ C.T
    best = present[sims.argmax(axis=1)]
    joins = np.isin(best, pins)
    labels[newcomers[joins]] = best[joins]


def _describe(texts, ids, hashes, draft: _Draft, applied, curation: Curation, p, random_state, with_similar, say):
    """Cards, map, similar papers and the model to save, for the curated labels."""
    labels, Z = applied.labels, draft.space.Z
    present = np.unique(labels)
    positions = np.searchsorted(present, labels)
    C = centres(Z, positions, len(present))
    naming = name_topics(texts, labels, keep=draft.keep_names, sample_key=hashes)
    reps = representatives(Z, positions, C)
    sizes = np.bincount(positions, minlength=len(present))
    cards = [
        Card(
            int(c),
            curation.name(int(c)) or naming.names[int(c)],
            naming.names[int(c)],
            int(sizes[i]),
            naming.top_terms[int(c)],
            reps[i],
            int(c) in curation.pinned(),
            int(c) in draft.outcome.new_clusters,
        )
        for i, c in enumerate(present)
    ]
    say("map", 0.56)
    coords = layout(Z, positions, C) if len(labels) else np.zeros((0, 2))
    sims = draft.similar
    if sims is None and with_similar:
        say("similar", 0.57)
        sims = find_similar(draft.space, p, random_state)
    if sims is None:
        sims = (np.full((len(labels), N_SIMILAR), -1, np.int64), np.full((len(labels), N_SIMILAR), np.nan, np.float32))
    space = draft.space
    parts = dict(
        paper_ids=np.asarray(ids, dtype=str),
        text_hashes=hashes,
        clusters=labels,
        lsa=Z,
        counts=space.counts,
        similar=sims[0],
        similar_scores=sims[1],
        vocabulary=list(space.vocabulary),
        idf=space.idf,
        basis=space.basis,
        cluster_ids=present.astype(np.int64),
        centroids=C,
        names={int(c): naming.names[int(c)] for c in present},
        far_threshold=far_threshold(Z, labels, present, C),
        params=draft.params,
    )
    return cards, coords, sims, parts
