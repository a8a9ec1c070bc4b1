"""Text search: ranked exact phrases, typo-tolerant titles, and highlight spans."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz, process

from lib.explore.search import FUZZY_CUTOFF, SearchIndex, highlight_spans


@pytest.fixture(scope="module")
def index():
    titles = [
        "Attention Is All You Need",
        "Channel Pruning for Deep Networks",
        "Not All Attention is Needed",
        "Explorations of Low-Rank Adaptation",
        "Network Pruning Spaces",
    ]
    abstracts = [
        "We propose the Transformer, based solely on attention mechanisms.",
        "Pruning channels speeds up inference on phones.",
        "We drop attention layers, a form of structured pruning, with little loss.",
        "LoRA variants are studied; exploration of ranks.",
        "We study pruning spaces and pruning recipes.",
    ]
    return SearchIndex(titles, abstracts)


def test_exact_phrase_ranks_title_hits_above_abstract_hits(index):
    hits = index.exact("Attention")
    assert hits.positions.tolist() == [0, 2]
    assert hits.terms == ("attention",)


@pytest.mark.parametrize("query", ["low rank adaptation", "Low-Rank Adaptation", "low - rank adaptation"])
def test_a_hyphen_and_a_space_are_alike_between_the_words_of_a_phrase(index, query):
    hits = index.exact(query)
    assert hits.positions.tolist() == [3]  # "Explorations of Low-Rank Adaptation"
    spans = highlight_spans("Explorations of Low-Rank Adaptation", hits.terms)
    assert ("Low-Rank Adaptation", True) in spans
    joined = SearchIndex(["YOLOv8 at the Edge", "Pretraining at Scale"], ["An abstract.", "Another abstract."])
    assert joined.exact("yolo v8").positions.tolist() == [0]  # the text may also join the words
    assert joined.exact("pre-training").positions.tolist() == [1]


def test_a_query_is_never_read_as_a_regular_expression(index):
    for query in ("(a+)+$", "[", ".*", "pruning|attention", "\\d"):
        assert index.exact(query).positions.tolist() == [], query


def test_a_phrase_starts_where_a_word_starts_or_ends_where_one_ends():
    titles = ["QLoRA: Efficient Finetuning", "Exploration in Reinforcement Learning", "EfficientViT on Phones"]
    titles += ["Human Activity Recognition", "LoRA-based Adapters", "Pruning at Initialization"]
    index = SearchIndex(titles, ["An abstract."] * len(titles))
    assert sorted(index.exact("lora").positions.tolist()) == [0, 4]  # not "exploration"
    assert index.exact("vit").positions.tolist() == [2]  # not "activity"
    assert index.exact("prun").positions.tolist() == [5]  # the start of a word
    assert index.exact("lora-based").positions.tolist() == [4]
    assert index.exact("ration").positions.tolist() == [1]  # the end of a word ("exploration")
    assert index.exact("xplor").positions.tolist() == []  # neither: inside a word
    spans = highlight_spans("QLoRA beats exploration", index.exact("lora").terms, phrase=True)
    assert spans == [("Q", False), ("LoRA", True), (" beats exploration", False)]


def test_exact_phrase_is_a_phrase_not_a_bag_of_words(index):
    assert index.exact("pruning spaces").positions.tolist() == [4]
    assert index.exact("spaces pruning").positions.tolist() == []


def test_more_occurrences_rank_higher(index):
    assert index.exact("pruning").positions.tolist() == [4, 1, 2]


@pytest.mark.parametrize(
    "query, first",
    [("atention pruning", 2), ("chanel prunning", 1), ("adaptaton", 3), ("prun", 1)],
)
def test_fuzzy_title_search_survives_typos(index, query, first):
    assert index.fuzzy(query).positions.tolist()[0] == first


@pytest.mark.parametrize("word", ["atention", "prunin", "tranformer", "difusion", "quantizaton", "lora", "nets", "a"])
def test_close_spellings_read_by_length_are_those_of_the_whole_vocabulary(seed_records, word):
    """The lookup reads only the title words whose length allows the cutoff; it must find exactly what a scan
    of every word finds, in the same order."""
    seeds = SearchIndex([r.title for r in seed_records], [r.abstract for r in seed_records])
    everything = process.extract(word, seeds.vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=8)
    expected = sorted(((w, score) for w, score, _ in everything), key=lambda hit: (-hit[1], hit[0]))
    assert seeds._close_words(word, FUZZY_CUTOFF) == expected
    assert len(seeds.vocabulary) > 1000  # a real vocabulary, with words of every length


def test_fuzzy_search_with_nothing_close_finds_nothing(index):
    assert index.fuzzy("zebra xylophone").positions.tolist() == []


@pytest.mark.parametrize(
    "text, terms, expected",
    [
        ("Attention Pruning", ("attention",), [("Attention", True), (" Pruning", False)]),
        ("network of nets", ("net",), [("network of nets", False)]),
        ("a low-rank adapter", ("low-rank adapter",), [("a ", False), ("low-rank adapter", True)]),
        ("$x$ <b>", ("x",), [("$", False), ("x", True), ("$ <b>", False)]),
        ("nothing", (), [("nothing", False)]),
    ],
)
def test_highlight_spans(text, terms, expected):
    assert highlight_spans(text, terms) == expected


def test_tabs_newlines_and_doubled_spaces_do_not_hide_a_phrase():
    index = SearchIndex(["Sparse  Mixture of\tExperts"], ["Routing tokens\nto experts,  sparsely."])
    assert index.exact("mixture of experts").positions.tolist() == [0]
    assert index.exact("tokens to experts").positions.tolist() == [0]


def test_pandas_and_arrow_columns_search_like_lists():
    import pandas as pd
    import pyarrow as pa

    titles = ["Attention Is All You Need", "Network Pruning Spaces"]
    abstracts = ["We propose attention.", "We study pruning spaces and pruning recipes."]
    for built in (
        SearchIndex(pd.Series(titles), pd.Series(abstracts)),
        SearchIndex(pa.array(titles), pa.array(abstracts)),
    ):
        assert built.exact("pruning").positions.tolist() == [1]
        assert built.fuzzy("atention").positions.tolist() == [0]


def test_a_phrase_in_very_many_rows_still_ranks_title_hits_first(index, monkeypatch):
    import lib.explore.search

    monkeypatch.setattr(lib.explore.search, "_COUNTED_HITS", 1)  # every phrase counts as very common
    hits = index.exact("pruning")
    assert set(hits.positions[:2].tolist()) == {1, 4}  # the two titles holding it
    assert hits.positions.tolist()[2:] == [2]
