"""The topic stage started from a saved model: papers keep their clusters, new papers join the nearest, a new
cluster appears only by the stated rule, a re-cluster carries ids and names over, pins hold, and similar papers
stay exact where they were searched again."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from lib.describing.topic_curation import Curation
from lib.describing.topic_model import TopicModel
from lib.describing.topic_stage import run
from lib.describing.topics import TopicParams
from tests.describing.test_topics import PLANTED_TOPICS, SHARED


def planted(topics, per_topic: int, seed: int, prefix: str = "p") -> tuple[list[str], list[str], list[int]]:
    """(ids, texts, planted topic) for `per_topic` papers of each of `topics` (indices into PLANTED_TOPICS)."""
    rng = np.random.default_rng(seed)
    ids, texts, truth = [], [], []
    for topic in topics:
        vocab = PLANTED_TOPICS[topic].split()
        for i in range(per_topic):
            words = rng.choice(vocab, 12).tolist() + rng.choice(SHARED, 6).tolist()
            ids.append(f"{prefix}{seed:02d}{topic}{i:04d}")
            texts.append(" ".join(rng.permutation(words)))
            truth.append(topic)
    return ids, texts, truth


def stage(ids, texts, **options):
    order = np.argsort(ids)
    result = run([texts[i] for i in order], np.asarray(ids)[order], k_range=(2, 10), **options)
    return result, dict(zip(np.asarray(ids)[order].tolist(), result.labels.tolist()))


@pytest.fixture(scope="module")
def four_topics():
    ids, texts, truth = planted(range(4), 40, seed=0)
    result, clusters = stage(ids, texts)
    assert result.outcome.mode == "fresh" and len(result.cards) == 4
    return ids, texts, truth, result, clusters


def test_same_papers_again_keep_every_cluster_and_name(four_topics):
    ids, texts, _, first, clusters = four_topics
    again, again_clusters = stage(ids, texts, previous=first.model)
    assert again.outcome.mode == "incremental" and again.outcome.kept == len(ids)
    assert again_clusters == clusters
    assert [(c.cluster, c.name) for c in again.cards] == [(c.cluster, c.name) for c in first.cards]


def test_new_papers_on_known_topics_join_the_nearest_and_make_no_cluster(four_topics):
    ids, texts, truth, first, clusters = four_topics
    new_ids, new_texts, new_truth = planted(range(4), 8, seed=1)
    result, after = stage(ids + new_ids, texts + new_texts, previous=first.model)
    assert result.outcome.new_clusters == () and result.outcome.joined == len(new_ids)
    assert all(after[i] == clusters[i] for i in ids)
    home = {t: clusters[i] for i, t in zip(ids, truth)}
    assert sum(after[i] == home[t] for i, t in zip(new_ids, new_truth)) >= 0.9 * len(new_ids)
    assert not any(card.new for card in result.cards)


def test_enough_papers_far_from_every_cluster_make_a_new_one_flagged_new(four_topics):
    ids, texts, _, first, clusters = four_topics
    new_ids, new_texts, _ = planted([4], 30, seed=2)
    result, after = stage(ids + new_ids, texts + new_texts, previous=first.model)
    assert len(result.outcome.new_clusters) == 1
    created = result.outcome.new_clusters[0]
    assert created not in clusters.values() and created >= first.model.next_id
    assert sum(after[i] == created for i in new_ids) >= 0.9 * len(new_ids)
    assert all(after[i] == clusters[i] for i in ids)
    flagged = [card for card in result.cards if card.new]
    assert [card.cluster for card in flagged] == [created] and flagged[0].size >= 27


def mixtures(n: int, seed: int) -> tuple[list[str], list[str]]:
    """Papers that each mix two known topics, a different pair for each: far from every cluster, yet no topic."""
    rng = np.random.default_rng(seed)
    ids, texts = [], []
    for i in range(n):
        a, b = rng.choice(4, 2, replace=False)
        words = [*rng.choice(PLANTED_TOPICS[a].split(), 4), *rng.choice(PLANTED_TOPICS[b].split(), 4)]
        ids.append(f"m{seed:02d}{i:04d}")
        texts.append(" ".join(rng.permutation([*words, *rng.choice(SHARED, 8)])))
    return ids, texts


def test_papers_that_fit_no_cluster_but_share_no_subject_make_no_new_cluster(four_topics):
    ids, texts, _, first, clusters = four_topics
    new_ids, new_texts = mixtures(60, seed=11)
    result, after = stage(ids + new_ids, texts + new_texts, previous=first.model)
    assert result.outcome.new_clusters == () and {after[i] for i in new_ids} <= set(clusters.values())


def test_too_few_far_papers_make_no_cluster(four_topics):
    ids, texts, _, first, clusters = four_topics
    new_ids, new_texts, _ = planted([4], 10, seed=3)  # fewer than min_cluster_size (15)
    result, after = stage(ids + new_ids, texts + new_texts, previous=first.model)
    assert result.outcome.new_clusters == ()
    assert {after[i] for i in new_ids} <= set(clusters.values())


def test_a_changed_text_is_placed_again_and_removed_papers_are_counted(four_topics):
    ids, texts, truth, first, clusters = four_topics
    texts = list(texts)
    moved = next(i for i, t in enumerate(truth) if t == 0)
    texts[moved] = planted([3], 1, seed=4)[1][0]  # now about topic 3
    result, after = stage(ids[:-5], texts[:-5], previous=first.model)
    o = result.outcome
    assert (o.changed, o.removed, o.kept) == (1, 5, len(ids) - 6)
    topic3 = clusters[ids[truth.index(3)]]
    assert after[ids[moved]] == topic3


def test_recluster_of_the_same_papers_carries_every_id_and_name(four_topics):
    ids, texts, _, first, clusters = four_topics
    result, after = stage(ids, texts, previous=first.model, recluster=True)
    assert result.outcome.mode == "recluster" and result.outcome.matched == 4 and result.outcome.new_clusters == ()
    assert after == clusters
    assert {c.cluster: c.name for c in result.cards} == {c.cluster: c.name for c in first.cards}


def test_a_pinned_cluster_survives_a_recluster_with_another_seed(four_topics):
    ids, texts, _, first, clusters = four_topics
    pin = first.cards[0].cluster
    curation = Curation().with_cluster(pin, pinned=True, name="Kept as it is")
    result, after = stage(ids, texts, previous=first.model, recluster=True, curation=curation, random_state=5)
    members = [i for i in ids if clusters[i] == pin]
    assert all(after[i] == pin for i in members)
    card = next(c for c in result.cards if c.cluster == pin)
    assert card.pinned and card.name == "Kept as it is" and card.size == len(members)


def test_merge_and_split_apply_and_stay_applied_in_the_next_build(four_topics):
    ids, texts, _, first, clusters = four_topics
    a, b = first.cards[0].cluster, first.cards[1].cluster
    fresh = first.model.next_id
    curation = Curation().with_merge(a, (b,)).with_split(a, fresh)
    result, after = stage(ids, texts, previous=first.model, curation=curation)
    assert {after[i] for i in ids if clusters[i] in (a, b)} == {a, fresh}
    assert result.outcome.merged == (b,) and result.outcome.split == (fresh,)
    assert result.model.next_id > fresh
    again, again_after = stage(ids, texts, previous=result.model, curation=curation)
    assert again_after == after and again.outcome.merged == () and again.outcome.split == ()


def test_model_survives_its_files():
    ids, texts, _ = planted(range(3), 20, seed=6)
    result, clusters = stage(ids, texts)
    meta, arrays = result.model.to_files()
    back = TopicModel.from_files(meta, arrays)
    again, again_clusters = stage(ids, texts, previous=back)
    assert again.outcome.mode == "incremental" and again_clusters == clusters
    assert TopicModel.from_files({**meta, "format": 0}, arrays) is None
    assert TopicModel.from_files(meta, {**arrays, "lsa": arrays["lsa"][:-1]}) is None


def test_similar_papers_after_an_addition_are_the_exact_ones(four_topics):
    ids, texts, _, first, _ = four_topics
    new_ids, new_texts, _ = planted(range(5), 3, seed=7)
    all_ids, all_texts = ids[:-4] + new_ids, texts[:-4] + new_texts  # four gone, fifteen new
    result, _ = stage(all_ids, all_texts, previous=first.model)
    order = np.argsort(all_ids)
    model = result.model
    from lib.describing.topic_update import tfidf_of

    brute = cosine_similarity(tfidf_of(model.counts, model.idf))
    np.fill_diagonal(brute, -np.inf)
    expected = -np.sort(-brute, axis=1)[:, :5]
    np.testing.assert_allclose(np.nan_to_num(result.similar_scores, nan=0), np.maximum(expected, 0), atol=1e-5)
    rows = np.arange(len(order))[:, None]
    found = result.similar >= 0
    np.testing.assert_allclose(brute[np.broadcast_to(rows, found.shape)[found], result.similar[found]],
                               result.similar_scores[found], atol=1e-5)  # fmt: skip


def test_above_the_exact_limit_new_papers_find_most_of_their_exact_neighbours(four_topics):
    """Beyond `exact_similar_max` new papers are compared with their nearest papers by LSA only, as a full build
    does: the similar papers found are true cosines, and most of the exact five."""
    ids, texts, _, first, _ = four_topics
    new_ids, new_texts, _ = planted(range(4), 5, seed=8)
    params = TopicParams(exact_similar_max=50, n_candidates=40)
    result, _ = stage(ids + new_ids, texts + new_texts, previous=first.model, params=params)
    from lib.describing.topic_update import tfidf_of

    brute = cosine_similarity(tfidf_of(result.model.counts, result.model.idf))
    np.fill_diagonal(brute, -np.inf)
    rows = np.flatnonzero(np.isin(result.model.paper_ids, new_ids))
    found = result.similar[rows]
    exact = np.argsort(-brute[rows], axis=1)[:, :5]
    recall = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(found, exact)])
    assert recall >= 0.8, recall
    ok = found >= 0
    np.testing.assert_allclose(
        brute[np.repeat(rows, 5).reshape(found.shape)[ok], found[ok]], result.similar_scores[rows][ok], atol=1e-5
    )


def test_another_k_of_the_same_papers_is_clustered_in_the_saved_space_without_vectorizing(four_topics, monkeypatch):
    ids, texts, truth, first, clusters = four_topics
    import lib.describing.topic_stage as topic_stage

    def no_vectorizing(*args, **kwargs):
        raise AssertionError("the texts were vectorized again")

    monkeypatch.setattr(topic_stage, "fit_space", no_vectorizing)
    result, two = stage(ids, texts, previous=first.model, k=2, reuse_space=True)
    assert len(result.cards) == 2 and result.outcome.mode == "recluster"
    assert np.array_equal(result.model.lsa, first.model.lsa)  # the build's vectors, as saved
    # each of the two clusters gathers whole planted topics, and continues one of the build's clusters
    assert all(len({two[i] for i, t in zip(ids, truth) if t == topic}) == 1 for topic in range(4))
    assert set(two.values()) <= set(clusters.values())


def test_another_k_vectorizes_again_when_a_text_changed_or_a_new_k_is_asked_from_scratch(four_topics, monkeypatch):
    ids, texts, _, first, _ = four_topics
    import lib.describing.topic_stage as topic_stage

    fitted = []
    real = topic_stage.fit_space
    monkeypatch.setattr(topic_stage, "fit_space", lambda *a, **kw: fitted.append(1) or real(*a, **kw))
    changed = [texts[0] + " quantum annealing"] + texts[1:]
    stage(ids, changed, previous=first.model, k=3, reuse_space=True)
    stage(ids, texts, previous=first.model, k=3, reuse_space=True, recluster=True)
    assert fitted == [1, 1]


def test_when_most_texts_changed_the_clusters_are_made_anew_instead_of_placed(four_topics):
    ids, texts, truth, first, _ = four_topics
    # the same papers, every text read differently (as after a change in how a paper's text is put together)
    result, after = stage(ids, [f"{t} preprint version" for t in texts], previous=first.model)
    assert result.outcome.mode == "recluster" and "same text" in result.outcome.why
    assert len(result.cards) == 4
    assert all(len({after[i] for i, t in zip(ids, truth) if t == topic}) == 1 for topic in range(4))
