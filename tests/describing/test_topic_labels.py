"""Cluster names on the seeds: distinctive words and phrases that most of a cluster's papers use, never a
generic word, never shared between two clusters."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lib.core import schema as S
from lib.describing.topic_labels import GENERIC, name_topics
from tests.describing.test_topics import GENERIC as FIELD_WORDS

MIN_SHARE = 0.30


def uses(text: str, term: str) -> bool:
    """Whether `text` holds `term`, each word of it in singular or plural, counted without the labeller's code."""
    words = [re.escape(w) for w in term.split()]
    plural = r"(?:s|es)?"
    pattern = r"\b" + r"[\s]+".join(w + plural for w in words) + r"\b"
    return re.search(pattern, text.lower().replace("ies", "y")) is not None


@pytest.fixture(scope="module")
def named(seed_build):
    papers = seed_build.papers
    texts = (papers[S.TITLE] + ". " + papers[S.ABSTRACT]).tolist()
    by_cluster = {c: [t for t, k in zip(texts, papers[S.CLUSTER]) if k == c] for c in set(papers[S.CLUSTER])}
    return seed_build.report.topics.clusters, by_cluster


def test_each_term_of_a_name_is_in_at_least_30_percent_of_its_clusters_papers(named):
    cards, texts = named
    for card in cards:
        if " / " in card.label:  # alternatives: a third of the papers use one of them
            share = np.mean([any(uses(t, term) for term in card.label.split(" / ")) for t in texts[card.cluster]])
            assert share >= MIN_SHARE, (card.label, share)
            continue
        for term in card.label.split(" · "):
            share = np.mean([uses(t, term) for t in texts[card.cluster]])
            assert share >= MIN_SHARE, (card.label, term, share)


def test_most_clusters_have_a_name_of_shared_terms_and_some_names_are_phrases(named):
    cards, _ = named
    strict = [c for c in cards if " / " not in c.label and not c.label.startswith("topic ")]
    assert len(strict) >= 0.6 * len(cards), [c.label for c in cards]
    terms = [t for c in cards for t in re.split(" · | / ", c.label)]
    assert any(" " in t for t in terms), terms  # e.g. "object detection", "architecture search"


def test_names_share_no_term_and_use_no_generic_word(named):
    cards, _ = named
    terms = [t for c in cards for t in re.split(" · | / ", c.label)]
    assert len(terms) == len(set(terms)), terms
    assert len({c.label for c in cards}) == len(cards)
    for term in terms:  # a phrase may hold a broad word ("architecture search"), never only broad words
        words = set(term.split())
        assert not words & FIELD_WORDS and words - GENERIC, term


def test_seed_clusters_on_known_subjects_are_named_for_them(named):
    cards, _ = named
    labels = " | ".join(c.label for c in cards)
    for subject in ("architecture search", "lora", "object detection"):
        assert subject in labels, labels


def test_a_kept_name_stays_while_its_terms_still_hold():
    texts = ["pruning sparse channels"] * 10 + ["detection boxes anchors"] * 10
    clusters = np.repeat([0, 1], 10)
    kept = name_topics(texts, clusters, keep={0: "channel", 1: "pruning"})  # "pruning" is not C1's word
    assert kept.names[0] == "channel" and kept.names[1] != "pruning"
