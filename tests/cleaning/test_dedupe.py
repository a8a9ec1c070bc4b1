"""Deduplication: what merges, what stays apart, and ids that do not depend on input order."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.cleaning.dedupe import dedupe
from lib.core import schema as S
from lib.core.records import Record
from lib.core.report import Merge, SameTitleSplit
from lib.core.titles import normalize_title

A = "We prune channels of convolutional networks by measuring the importance of each filter " * 4
B = "A survey of reinforcement learning for robotics covering model-free and model-based methods " * 4


def rec(title, abstract=A, source="p1.txt", line=1, date=None):
    return Record(title, abstract, source, line, date)


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Deep  Residual Learning", "deep residual learning"),
        ("Deep Residual-Learning!", "deep residual learning"),
        ("DEEP residual learning ", "deep residual learning"),
        ("γ-MoD: Mixture-of-Depth", "γ mod mixture of depth"),
        ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
    ],
)
def test_normalize_title(title, expected):
    assert normalize_title(title) == expected


@pytest.mark.parametrize(
    "variant",
    [
        "Channel Pruning for Accelerating Very Deep Neural Networks",  # exact repeat
        "channel pruning for accelerating very deep neural networks",  # case
        "Channel Pruning for Accelerating Very-Deep Neural Networks.",  # punctuation
        "Channel  Pruning for Accelerating Very Deep Neural  Networks",  # whitespace
        "Channel Prunning for Accelerating Very Deep Neural Networks",  # a typo
    ],
)
def test_same_paper_variants_merge_into_one_row(variant):
    papers = dedupe(
        [
            rec("Channel Pruning for Accelerating Very Deep Neural Networks", line=3, date="03-18"),
            rec(variant, source="p2.txt", line=9, date="03-11"),
        ]
    ).papers
    assert len(papers) == 1
    row = papers.iloc[0]
    assert row.title == "Channel Pruning for Accelerating Very Deep Neural Networks"
    assert row.sources == ["p1.txt", "p2.txt"] and row.n_sources == 2
    assert row.source_lines == ["p1.txt:3", "p2.txt:9"]
    assert row.listing_dates == ["03-11", "03-18"]


@pytest.mark.parametrize(
    "a, b",
    [
        ("Deep Residual Learning for Image Recognition", "Deep Recurrent Learning for Image Recognition"),
        ("YOLOv3: An Incremental Improvement", "YOLOv4: Optimal Speed and Accuracy"),
        ("Network Pruning Spaces", "Network Pruning Scales"),
        ("Llama 2: Open Foundation and Fine-Tuned Chat Models", "Llama 3: Open Foundation and Fine-Tuned Chat Models"),
        ("Paper Number 1", "Paper Number 12"),
        # two systems for one task: the names before the colon differ, the long subject does not
        (
            "WGK: Weakly Supervised Lesion Detection and Segmentation in Chest Radiographs with Noisy Labels",
            "NWGQK: Weakly Supervised Lesion Detection and Segmentation in Chest Radiographs with Noisy Labels",
        ),
    ],
)
def test_different_titles_stay_apart(a, b):
    assert len(dedupe([rec(a), rec(b, line=5)]).papers) == 2


def test_a_typo_in_a_system_name_still_merges():
    papers = dedupe(
        [
            rec("Mamba: Linear-Time Sequence Modeling with Selective State Spaces"),
            rec("Mamaba: Linear-Time Sequence Modeling with Selective State Spaces", line=5),
        ]
    ).papers
    assert len(papers) == 1


def test_same_title_with_unrelated_abstracts_are_two_papers():
    result = dedupe([rec("Deep Learning", A), rec("Deep Learning", B, source="p2.txt")])
    assert len(result.papers) == 2
    assert result.papers.paper_id.nunique() == 2
    assert result.same_title_splits == [SameTitleSplit("Deep Learning", tuple(result.papers.paper_id))]


def test_two_versions_of_one_work_keep_the_fuller_abstract_and_the_other_as_variant():
    short = "Convolutional networks are powerful visual models. We improve on the previous best result " * 3
    full = short + "We also extend the approach to new datasets and report faster inference. "
    result = dedupe(
        [rec("Fully Convolutional Networks", short, line=1), rec("Fully Convolutional Networks", full, line=9)]
    )
    assert len(result.papers) == 1
    row = result.papers.iloc[0]
    assert row.abstract == full and row.abstract_variants == [short]
    assert result.merges[0].n_abstract_versions == 2


def test_the_more_often_seen_abstract_wins_over_a_longer_one():
    short, longer = A, A + "Extra sentence at the end. "
    records = [rec("T One", short, "a.txt"), rec("T One", short, "b.txt"), rec("T One", longer, "c.txt")]
    assert dedupe(records).papers.iloc[0].abstract == short


def test_title_without_abstract_merges_with_the_full_entry():
    papers = dedupe([rec("Lonely Title Paper", ""), rec("Lonely Title Paper", A, source="p2.txt")]).papers
    assert len(papers) == 1 and papers.iloc[0].abstract == A


def test_merges_report_where_each_paper_was_seen():
    merges = dedupe([rec("X Net", line=1), rec("Y Net", B, line=3), rec("X  net", source="p2.txt", line=7)]).merges
    assert merges == [
        Merge(
            paper_id=merges[0].paper_id,
            title="X Net",
            n_records=2,
            where=("p1.txt:1", "p2.txt:7"),
            title_variants=("X  net", "X Net"),
            n_abstract_versions=1,
        )
    ]


def test_seed_repeats_are_merged(seed_records):
    papers = dedupe(seed_records).papers
    assert len(papers) == 634
    dq = papers[papers.title == "Dataset Quantization"].iloc[0]
    assert dq.n_sources == 4 and [s[:3] for s in dq.sources] == ["000", "001", "003", "004"]
    assert papers.paper_id.is_unique


TITLES = ["Alpha Nets", "Beta Nets", "Gamma Nets", "alpha nets", "Delta Pruning", "Beta  Nets!"]


@settings(max_examples=60, deadline=None)
@given(st.permutations([rec(t, A if i % 2 else B, f"p{i % 3}.txt", i) for i, t in enumerate(TITLES)]))
def test_any_input_order_gives_the_same_table(records):
    reference = dedupe(sorted(records, key=lambda r: r.line)).papers
    assert dedupe(records).papers.equals(reference)


def test_the_same_arxiv_id_or_doi_is_one_paper_whatever_the_title():
    records = [
        Record("Attention Is All You Need", A, "a.bib", 1, arxiv_id="1706.03762"),
        Record("The Transformer (NeurIPS version)", A, "b.csv", 2, arxiv_id="1706.03762"),
        Record("Deep Residual Learning", B, "a.bib", 5, doi="10.1109/cvpr.2016.90"),
        Record("ResNet", B, "c.ris", 1, doi="10.1109/cvpr.2016.90"),
    ]
    result = dedupe(records)
    assert len(result.papers) == 2
    assert sorted(len(s) for s in result.papers.source_lines) == [2, 2]


def test_different_arxiv_ids_are_never_merged_even_with_the_same_title():
    records = [
        Record("Deep Learning", A, "a.csv", 1, arxiv_id="1506.02640"),
        Record("Deep Learning", A, "b.csv", 1, arxiv_id="1612.08242"),
        Record("Deep  learning", A, "c.csv", 1),  # no id: joins the first it meets
    ]
    papers = dedupe(records).papers
    assert len(papers) == 2
    assert sorted(papers.record_arxiv_id) == ["1506.02640", "1612.08242"]


def test_merged_rows_keep_what_structured_inputs_carry():
    records = [
        Record(
            "Paper X",
            A,
            "a.bib",
            1,
            authors=("Ada Lovelace",),
            published="2023-05",
            doi="10.1/x",
            extra=(("venue", "ICML"),),
        ),
        Record(
            "Paper X",
            A,
            "b.csv",
            3,
            authors=("Ada Lovelace", "Alan Turing"),
            published="2023",
            url="https://example.org/x",
            extra=(("pages", "1-9"),),
        ),
    ]
    row = dedupe(records).papers.iloc[0]
    assert row.authors == ["Ada Lovelace", "Alan Turing"]
    assert row.record_published == "2023-05" and row.doi == "10.1/x" and row.url == "https://example.org/x"
    assert row.extra == '{"pages": "1-9", "venue": "ICML"}'


def test_a_merged_paper_names_where_it_was_published_over_arxiv():
    preprint = Record("Sparse Routing Nets", A, "feed.xml", 1, venue="arXiv")
    published = Record("Sparse Routing Nets", A, "refs.bib", 3, venue="NeurIPS")
    unplaced = Record("Sparse Routing Nets", A, "page.txt", 5)
    (venue,) = dedupe([preprint, unplaced, published]).papers[S.VENUE]
    assert venue == "NeurIPS"
    (alone,) = dedupe([preprint, unplaced]).papers[S.VENUE]
    assert alone == "arXiv"
