"""The one title matcher: which spellings are one paper and which are two, the same answer wherever
records are joined by title (the build's dedupe, adding sources, the arXiv id cache, the arXiv lookup)."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.cleaning.dedupe import dedupe
from lib.cleaning.enrich import best_match
from lib.cleaning.id_cache import CacheEntry, match_titles
from lib.collection import match_existing
from lib.core import schema as S
from lib.core.records import Record
from lib.core.titles import (
    TitleIndex,
    names_differ,
    normalize_title,
    numeral_form,
    same_title,
    system_name,
    title_numbers,
)

ABSTRACT = "We prune channels of convolutional networks by measuring the importance of each filter " * 4
ARXIV_ID = "2101.00001"

SAME = [
    pytest.param(
        "Channel Pruning for Accelerating Very Deep Neural Networks",
        "Channel Prunning for Accelerating Very Deep Neural Networks",
        id="typo",
    ),
    pytest.param(
        "Chest X-ray Lesion Detection with Weakly Supervised Transformers",
        "Chest Xray Lesion Detection with Weakly Supervised Transformers",
        id="dropped hyphen after a single letter",
    ),
    pytest.param(
        "Self-Supervised Learning of Pretext-Invariant Representations",
        "Self Supervised Learning of Pretext Invariant Representations",
        id="dropped hyphens",
    ),
    pytest.param("ATTENTION IS ALL YOU NEED", "attention is all you need", id="case"),
    pytest.param(
        "Réseaux de Neurones Profonds pour la Segmentation d'Images Médicales",
        "Re\u0301seaux de Neurones Profonds pour la Segmentation d'Images Me\u0301dicales",
        id="accents composed and decomposed",
    ),
    pytest.param(
        "Réseaux de Neurones Profonds pour la Segmentation d'Images Médicales",
        "Reseaux de Neurones Profonds pour la Segmentation d'Images Medicales",
        id="accents dropped",
    ),
    pytest.param(
        "Deep Learning: A Survey of Methods, Datasets, and Benchmarks!",
        "Deep Learning -- A Survey of Methods Datasets and Benchmarks",
        id="punctuation",
    ),
    pytest.param(
        "Mamba: Linear-Time Sequence Modeling with Selective State Spaces",
        "Mamaba: Linear-Time Sequence Modeling with Selective State Spaces",
        id="typo in the system name",
    ),
    pytest.param(
        "WGK: Weakly Supervised Lesion Detection and Segmentation in Chest Radiographs",
        "WGK Weakly Supervised Lesion Detection and Segmentation in Chest Radiographs",
        id="colon dropped",
    ),
    pytest.param(
        "Protein Structure Prediction with Deep Learning, Part II",
        "Protein Structure Prediction with Deep Learning, Part 2",
        id="roman and arabic numeral",
    ),
    pytest.param(
        "Sparse Mixture of Experts for Efficient Video Segmentation",
        "Sprase Mixture of Experts for Efficient Video Segmetnation",
        id="typos at both ends",
    ),
    # In a short title the one number's other spelling alone would cost more than the threshold allows.
    pytest.param("Deep Learning, Part II", "Deep Learning, Part 2", id="roman and arabic numeral, short title"),
    pytest.param("Graph Theory, Volume III", "Graph Theory, Volume 3", id="roman volume, short title"),
    pytest.param("Wave Optics Part Two", "Wave Optics Part 2", id="number word and digit, short title"),
    pytest.param("Wave Optics: Part One", "Wave Optics, Part I", id="number word and roman numeral"),
    pytest.param("Llama II: Open Chat Models", "Llama 2: Open Chat Models", id="roman numeral in the system name"),
]

DIFFERENT = [
    pytest.param(
        "YOLOv3: Optimal Speed and Accuracy of Object Detection",
        "YOLOv4: Optimal Speed and Accuracy of Object Detection",
        id="version number",
    ),
    pytest.param(
        "Llama 2: Open Foundation and Fine-Tuned Chat Models",
        "Llama 3: Open Foundation and Fine-Tuned Chat Models",
        id="number after a name",
    ),
    pytest.param(
        "Segment Anything in Images and Videos with Promptable Masks v2",
        "Segment Anything in Images and Videos with Promptable Masks v3",
        id="trailing version",
    ),
    pytest.param(
        "Protein Structure Prediction with Deep Learning, Part II",
        "Protein Structure Prediction with Deep Learning, Part III",
        id="roman numeral",
    ),
    pytest.param(
        "WGK: Weakly Supervised Lesion Detection and Segmentation in Chest Radiographs with Noisy Labels",
        "NWGQK: Weakly Supervised Lesion Detection and Segmentation in Chest Radiographs with Noisy Labels",
        id="system name before a colon",
    ),
    pytest.param(
        "Deep Residual Learning for Image Recognition",
        "Deep Recurrent Learning for Image Recognition",
        id="a different word",
    ),
    pytest.param("Deep Learning, Part II", "Deep Learning, Part 3", id="roman and arabic, different numbers"),
    pytest.param("Wave Optics Part Two", "Wave Optics Part III", id="number word and roman, different numbers"),
    pytest.param(
        "The Way of the World, Part II",
        "The War of the World, Part 2",
        id="a different word beside one number spelled two ways",
    ),
]

ALL = [pytest.param(*p.values, True, id=p.id) for p in SAME] + [
    pytest.param(*p.values, False, id=p.id) for p in DIFFERENT
]


@pytest.mark.parametrize("a, b, same", ALL)
def test_same_title(a, b, same):
    assert same_title(a, b) is same
    assert same_title(b, a) is same


@pytest.mark.parametrize("a, b, same", ALL)
def test_dedupe_merges_exactly_the_same_titles(a, b, same):
    papers = dedupe([Record(a, ABSTRACT, "p1.txt", 1), Record(b, ABSTRACT, "p2.txt", 1)]).papers
    assert len(papers) == (1 if same else 2)


@pytest.mark.parametrize("a, b, same", ALL)
def test_an_added_source_merges_into_exactly_the_same_titles(a, b, same):
    papers = pd.DataFrame({S.PAPER_ID: ["p-other", "p-known"], S.TITLE: ["An Unrelated Paper on Graphs", a]})
    assert match_existing(papers, [Record(b, ABSTRACT, "new.csv", 2)]) == [("p-known", "title") if same else None]


@pytest.mark.parametrize("a, b, same", ALL)
def test_the_id_cache_gives_ids_to_exactly_the_same_titles(a, b, same):
    cache = [CacheEntry("An Unrelated Paper on Graphs", "1999.00001", "high"), CacheEntry(a, ARXIV_ID, "high")]
    match = match_titles([b], cache)[0]
    if same:
        assert match is not None and match.arxiv_id == ARXIV_ID and 95 <= match.score <= 100
    else:
        assert match is None


@pytest.mark.parametrize("a, b, same", ALL)
def test_the_arxiv_lookup_accepts_exactly_the_same_titles(a, b, same):
    found = best_match(b, [("1999.00001", "An Unrelated Paper on Graphs"), (ARXIV_ID, a)], threshold=95)
    assert (found.arxiv_id if found else None) == (ARXIV_ID if same else None)


def test_a_version_takes_the_id_of_its_own_number_not_the_closer_spelling_of_another():
    cache = [
        CacheEntry("Segment Anything in Images and Videos with Promptable Masks v3", "2103.00003", "high"),
        CacheEntry("Segment Anything in Images and Videos with Promptable Masks v2", "2102.00002", "high"),
    ]
    [match] = match_titles(["Segment Anything in Images and Vidoes with Promptable Masks v2"], cache)
    assert match.arxiv_id == "2102.00002"
    assert match_titles(["Segment Anything in Images and Videos with Promptable Masks v4"], cache) == [None]


def test_the_arxiv_lookup_skips_a_sequel_listed_first():
    title = "Llama 2: Open Foundation and Fine-Tuned Chat Models"
    answers = [
        ("2404.00003", "Llama 3: Open Foundation and Fine-Tuned Chat Models"),
        ("2307.09288", "Llama 2: Open Foundation and Fine-Tuned Chat Models"),
    ]
    assert best_match(title, answers, threshold=90) == CacheEntry(title, "2307.09288", "high")
    assert best_match(title, answers[:1], threshold=90) is None


def test_the_index_finds_a_near_title_among_many_and_answers_with_its_position():
    known = [f"Graph Neural Networks for Molecule Property Prediction Study {n}" for n in range(300)]
    known.insert(137, "Sparse Mixture of Experts for Efficient Video Segmentation")
    index = TitleIndex(known)
    assert index.match("Sprase Mixture of Experts for Efficient Video Segmetnation")[0] == 137
    assert index.match("graph neural networks for molecule property prediction study 42") == (42, 100.0)
    assert index.match("Graph Neural Networks for Molecule Property Prediction Study 1000") is None
    assert index.match("A Title Nobody Has Written") is None


def test_a_title_known_twice_answers_with_its_first_position():
    assert TitleIndex(["Deep Learning", "Other", "deep  learning"]).match("DEEP LEARNING") == (0, 100.0)


@pytest.mark.parametrize(
    "title, numbers",
    [
        ("yolov3 an incremental improvement", ["3"]),
        ("yolo9000 better faster stronger", ["9000"]),
        ("protein folding part iii", ["3"]),
        ("protein folding part ii", ["2"]),
        ("chest x ray lesion detection", []),  # a single letter is a word, not a numeral
        ("i o efficient v net for video", []),
        ("llama 2 and gpt 4 compared", ["2", "4"]),
    ],
)
def test_title_numbers(title, numbers):
    assert title_numbers(title) == numbers


@pytest.mark.parametrize(
    "key, form",
    [
        ("deep learning part ii", "deep learning part 2"),
        ("wave optics part one", "wave optics part 1"),
        ("the second law of thermodynamics", "the 2 law of thermodynamics"),
        ("chest x ray lesion detection", "chest x ray lesion detection"),  # a lone letter is a word, not a numeral
        ("copper i complexes", "copper i complexes"),  # as title_numbers reads it: "i" only after a numbering word
        ("mixture of experts", "mixture of experts"),
    ],
)
def test_numeral_form_writes_the_numbers_title_numbers_reads_in_digits(key, form):
    assert numeral_form(key) == form
    assert title_numbers(numeral_form(key)) == title_numbers(key)


@pytest.mark.parametrize(
    "title, name",
    [
        ("WGK: Weakly Supervised Lesion Detection", "wgk"),
        ("γ-MoD: Mixture-of-Depth Adaptation", "γ mod"),
        ("A Very Long Subject Line: With a Subtitle", ""),  # four words before the colon: a subject
        ("No Colon Here", ""),
    ],
)
def test_system_name(title, name):
    assert system_name(title) == name


def test_names_differ_only_when_both_titles_name_a_system():
    assert names_differ("wgk", "nwgqk")
    assert not names_differ("mamba", "mamaba")
    assert not names_differ("wgk", "")


def test_normalisation_is_the_one_paper_ids_hash():
    # Paper ids are hashes of this form: a change here renames every paper in every collection.
    assert (
        normalize_title("  Deep Residual-Learning: for Image_Recognition! ")
        == "deep residual learning for image recognition"
    )
