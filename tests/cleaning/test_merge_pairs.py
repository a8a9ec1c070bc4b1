"""Pairs of records a careful librarian would merge, or keep apart: identifiers agree, or titles match and
nothing contradicts them. Every pair must come out as the librarian says (0 wrong merges, 0 missed ones)."""

from __future__ import annotations

import dataclasses

import pytest

from lib.cleaning.dedupe import dedupe
from lib.core.records import Record

ABS = "We measure how the method behaves on three benchmarks and report the ablations in full detail. " * 3
OTHER = "A randomised trial of a dietary intervention in older adults followed for ten years in clinics. " * 3


def r(title, *, authors=(), year=None, doi=None, arxiv=None, abstract="", source="a.bib", line=1, extra=()):
    return Record(
        title, abstract, source, line, authors=tuple(authors), published=year, doi=doi, arxiv_id=arxiv, extra=extra
    )


def pair(a: Record, b: Record) -> tuple[Record, Record]:
    return a, dataclasses.replace(b, source="b.ris", line=7)


MERGE = [
    pytest.param(r("Channel Pruning for Very Deep Networks"), r("Channel Prunning for Very Deep Networks"), id="typo"),
    pytest.param(r("Attention Is All You Need"), r("attention is all you need."), id="case and stop"),
    pytest.param(r("Real-Time Object Detection at Scale"), r("Real Time Object Detection at Scale"), id="hyphen"),
    pytest.param(
        r("Protein Structure Prediction with Deep Learning, Part II"),
        r("Protein Structure Prediction with Deep Learning, Part 2"),
        id="roman and arabic",
    ),
    pytest.param(
        r("Sparse Routing for Mixtures", authors=["Müller, Ana"]),
        r("Sparse Routing for Mixtures", authors=["Ana Muller", "Bo Chen"]),
        id="one author written two ways",
    ),
    pytest.param(
        r("Sparse Routing for Mixtures", authors=["Muller A.", "Chen B."]),
        r("Sparse Routing for Mixtures", authors=["Ana Müller"]),
        id="scopus initials",
    ),
    pytest.param(
        r("Deep Residual Learning", doi="10.1109/cvpr.2016.90"),
        r("Deep Residual Learning for Image Recognition", doi="10.1109/cvpr.2016.90"),
        id="shared DOI, subtitle cut",
    ),
    pytest.param(
        r("Attention Is All You Need", arxiv="1706.03762", abstract=ABS),
        r("The Transformer", arxiv="1706.03762", abstract=ABS),
        id="shared arXiv id, retitled, same abstract",
    ),
    pytest.param(
        r("Graph Attention Networks", authors=["Petar Velickovic"], year="2017"),
        r("Graph Attention Networks", authors=["Velickovic, Petar"], year="2018"),
        id="preprint and journal a year apart",
    ),
    pytest.param(
        r("Graph Attention Networks", year="2017-10"), r("Graph Attention Networks", year="2019"), id="two years"
    ),
    pytest.param(r("Neural Models for Text Classification"), r("Neural Model for Text Classification"), id="plural"),
    pytest.param(
        r("Copper(II) Complexes of Pyridine Ligands", authors=["Rosa Quispe"]),
        r("Copper(II) complexes of pyridine ligands"),
        id="one side without authors",
    ),
    pytest.param(
        r("Introduction", authors=["Ana Sol"], year="2001"),
        r("Introduction", authors=["Sol, A."], year="2001"),
        id="generic title, same author and year",
    ),
    pytest.param(r("Learning to See in the Dark"), r("Learning to See in the Dark", arxiv="1805.01934"), id="one id"),
    pytest.param(
        r("Mamba: Linear-Time Sequence Modeling"), r("Mamaba: Linear-Time Sequence Modeling"), id="system name typo"
    ),
    pytest.param(
        r("Pruning Filters for Efficient ConvNets", extra=(("Volume", "12 LNCS"),)),
        r("Pruning Filters for Efficient ConvNets", extra=(("VL", "12"),)),
        id="the same volume, written two ways",
    ),
    pytest.param(  # Scopus indexed one 159-page monograph twice, once under the next year's volume
        r(
            "The Conservation Status of Birds",
            year="1998",
            extra=(("Volume", "8"), ("Page start", "1"), ("Page end", "159")),
        ),
        r(
            "The Conservation Status of Birds",
            year="1999",
            extra=(("Volume", "9"), ("Page start", "1"), ("Page end", "159")),
        ),
        id="two volumes, the same pages",
    ),
]

APART = [
    pytest.param(r("Thermodynamics of Mixtures, Part I"), r("Thermodynamics of Mixtures, Part II"), id="part I/II"),
    pytest.param(r("Thermodynamics of Mixtures, Part I"), r("Thermodynamics of Mixtures, Part V"), id="part I/V"),
    pytest.param(r("Spectral Methods: Part One"), r("Spectral Methods: Part Two"), id="number words"),
    pytest.param(r("The Second Law Revisited"), r("The Third Law Revisited"), id="ordinal words"),
    pytest.param(r("Long-Term Outcomes Study III"), r("Long-Term Outcomes Study II"), id="roman II/III"),
    pytest.param(
        r("Mortality in men with type 2 diabetes"), r("Mortality in women with type 2 diabetes"), id="men/women"
    ),
    pytest.param(r("Gene expression in male mice"), r("Gene expression in female mice"), id="male/female"),
    pytest.param(r("The Way of the World"), r("The War of the World"), id="way/war"),
    pytest.param(r("Copper(I) complexes of pyridine"), r("Copper(II) complexes of pyridine"), id="copper I/II"),
    pytest.param(r("A One-Stage Detector for Crowds"), r("A Two-Stage Detector for Crowds"), id="one/two stage"),
    pytest.param(r("YOLOv3: An Incremental Improvement"), r("YOLOv4: An Incremental Improvement"), id="version"),
    pytest.param(r("Handbook of Statistics, Vol. 1"), r("Handbook of Statistics, Vol. 2"), id="volume"),
    pytest.param(
        r("Introduction", authors=["Ana Sol"], year="2001"),
        r("Introduction", authors=["Ben Ito"], year="2001"),
        id="generic title, other author",
    ),
    pytest.param(
        r("Introduction", authors=["Ana Sol"], year="1990"),
        r("Introduction", authors=["Ana Sol"], year="2010"),
        id="generic title, twenty years",
    ),
    pytest.param(
        r("Artificial Intelligence", authors=["Elaine Rich"], year="1983"),
        r("Artificial Intelligence", authors=["George F. Luger"], year="2005"),
        id="two textbooks",
    ),
    pytest.param(
        r("Deep Learning", authors=["LeCun, Yann"], year="2015"),
        r("Deep Learning", authors=["Goodfellow, Ian"], year="2016"),
        id="same title, other first author",
    ),
    pytest.param(r("Graph Attention Networks", year="2012"), r("Graph Attention Networks", year="2018"), id="6 years"),
    pytest.param(
        r("Introduction", doi="10.9999/978-3-999-00001-1"),
        r("Convolutional Networks for Vision", doi="10.9999/978-3-999-00001-1"),
        id="book DOI on two chapters",
    ),
    pytest.param(
        r("Soil Carbon Under Rotational Grazing", doi="10.9999/wrong"),
        r("Wren Song Dialects Across Valleys", doi="10.9999/wrong"),
        id="wrong DOI",
    ),
    pytest.param(
        r("Deep Learning", arxiv="1506.02640"), r("Deep Learning", arxiv="1612.08242"), id="different arXiv ids"
    ),
    pytest.param(r("Deep Learning", doi="10.1/a"), r("Deep Learning", doi="10.1/b"), id="different DOIs"),
    pytest.param(
        r("WGK: Weakly Supervised Lesion Detection in Radiographs"),
        r("NWGQK: Weakly Supervised Lesion Detection in Radiographs"),
        id="two system names",
    ),
    pytest.param(r("Same Title", abstract=ABS), r("Same Title", abstract=OTHER), id="same title, unrelated abstracts"),
    pytest.param(  # Scopus lists each volume of a conference's proceedings under the one title
        r("Computational Science and Its Applications - ICCSA 2010", year="2010", extra=(("Volume", "6017 LNCS"),)),
        r("Computational Science and Its Applications - ICCSA 2010", year="2010", extra=(("Volume", "6019 LNCS"),)),
        id="proceedings volumes",
    ),
]


@pytest.mark.parametrize("a, b", MERGE)
def test_pairs_a_librarian_merges(a, b):
    assert len(dedupe(pair(a, b)).papers) == 1


@pytest.mark.parametrize("a, b", APART)
def test_pairs_a_librarian_keeps_apart(a, b):
    assert len(dedupe(pair(a, b)).papers) == 2


def test_there_are_enough_pairs_of_both_kinds():
    assert len(MERGE) >= 15 and len(APART) >= 15 and len(MERGE) + len(APART) >= 30


def test_a_doi_on_two_different_works_is_reported_with_both_records():
    chapter, other = pair(*APART[17].values)
    result = dedupe([chapter, other])
    (warning,) = result.warnings
    assert warning.where() == "a.bib:1"
    assert "DOI 10.9999/978-3-999-00001-1 is shared by records with different titles" in warning.reason
    assert (
        "a.bib:1 'Introduction'" in warning.reason and "b.ris:7 'Convolutional Networks for Vision'" in warning.reason
    )


def test_a_decision_keeps_two_records_apart_and_others_still_merge():
    a = r("Graph Attention Networks", line=1)
    b = r("Graph Attention Networks", source="b.ris", line=2)
    c = r("Graph Attention Networks", source="c.csv", line=3)
    assert len(dedupe([a, b, c]).papers) == 1
    papers = dedupe([a, b, c], apart=[["a.bib:1", "b.ris:2"]]).papers
    assert len(papers) == 2  # c joins one of them, never both
    assert sorted(len(s) for s in papers.source_lines) == [1, 2]


def test_a_merged_paper_says_which_record_it_kept_and_where_each_field_came_from():
    listing = Record("Graph Attention Networks", "", "page.txt", 4)
    bib = Record(
        "Graph Attention Networks", "", "refs.bib", 2, doi="10.9999/gat", authors=("Petar V",), published="2018"
    )
    feed = Record("Graph attention networks", ABS, "feed.xml", 1, arxiv_id="1710.10903", published="2017-10")
    result = dedupe([listing, bib, feed])
    (details,) = result.details.values()
    assert details["kept"] == "feed.xml:1"  # it has the abstract
    assert details["fields"]["doi"] == "refs.bib:2" and details["fields"]["record_arxiv_id"] == "feed.xml:1"
    assert details["fields"]["record_published"] == "feed.xml:1"  # the earliest date
    assert details["joined_by"] == ["title"]
    assert [x["where"] for x in details["records"]] == ["feed.xml:1", "page.txt:4", "refs.bib:2"]
