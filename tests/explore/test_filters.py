"""Filters as data: apply_filters, facet counts, describe, and the URL round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core import schema as S
from lib.explore import regions
from lib.explore.facets import MAX_OPTIONS, Names
from lib.explore.filters import FilterSpec, PaperIndex, apply_filters, describe, facet_counts, from_query, to_query

ROWS = [
    # id, title, themes, cluster, sources, dates, code, type, datasets, published, n_sources
    (
        "a",
        "LoRA for Vision Transformers",
        ["lora"],
        0,
        ["p1"],
        ["03-18"],
        "https://github.com/x/a",
        "method",
        ["ImageNet"],
        "2023-05",
    ),
    ("b", "Pruning Attention Heads", ["pruning"], 1, ["p1", "p2"], ["03-18", "03-11"], None, "method", [], "2019-05"),
    (
        "c",
        "QLoRA: Quantized LoRA",
        ["lora", "quantization"],
        0,
        ["p2"],
        ["03-11"],
        "https://github.com/x/c",
        "method",
        ["MMLU"],
        "2023-05",
    ),
    (
        "d",
        "A Survey of Model Compression",
        ["pruning", "quantization", "distillation"],
        1,
        ["p3"],
        [],
        None,
        "survey",
        [],
        None,
    ),
    ("e", "Diffusion Models Beat GANs", ["diffusion"], 2, ["p3"], [], None, "method", ["ImageNet"], "2021-05"),
    (
        "f",
        "YOLO9000: Better, Faster, Stronger",
        ["yolo"],
        2,
        ["p1", "p3"],
        ["03-18"],
        None,
        "benchmark",
        ["COCO", "Pascal VOC"],
        "2016-12",
    ),
]


# Imported papers carry authors; listing pages do not (the facet then offers nothing).
AUTHORS = {
    "a": ["Ada Lovelace", "Alan Turing"],
    "b": [],
    "c": ["Grace Hopper"],
    "d": ["Ada Lovelace"],
    "e": ["Alan Turing", "Grace Hopper"],
    "f": [],
}


# Where each paper lies on the topic map.
PLACES = {"a": (0.0, 0.0), "b": (1.0, 0.0), "c": (0.0, 1.0), "d": (1.0, 1.0), "e": (2.0, 2.5), "f": (3.0, 2.0)}
BOTTOM_ROW = ((-0.5, -0.5), (1.5, -0.5), (1.5, 0.5), (-0.5, 0.5))  # a box around a and b
TRIANGLE = ((1.5, 1.5), (3.5, 1.5), (3.5, 3.5))  # e and f lie in its box; only f is inside it


@pytest.fixture(scope="module")
def papers() -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {
                S.PAPER_ID: pid,
                S.TITLE: title,
                S.ABSTRACT: f"{title}. The abstract of paper {pid} about attention.",
                S.THEMES: themes,
                S.CLUSTER: cluster,
                S.SOURCES: sources,
                S.N_SOURCES: len(sources),
                S.LISTING_DATES: dates,
                S.CODE_URL: code,
                S.PAPER_TYPE: ptype,
                S.DATASETS: data,
                S.PUBLISHED: pub,
                S.AUTHORS: AUTHORS[pid],
                S.X: PLACES[pid][0],
                S.Y: PLACES[pid][1],
            }
            for pid, title, themes, cluster, sources, dates, code, ptype, data, pub in ROWS
        ]
    )
    return frame


@pytest.fixture(scope="module")
def index(papers) -> PaperIndex:
    return PaperIndex.from_papers(
        papers, orders={"themes": ["yolo", "lora", "pruning", "quantization", "distillation", "diffusion"]}
    )


def ids(index, spec):
    return [index.ids[i] for i in apply_filters(index, spec)]


@pytest.mark.parametrize(
    "spec, expected",
    [
        (FilterSpec.of(), list("abcdef")),
        (FilterSpec.of(themes=("lora",)), ["a", "c"]),
        (FilterSpec.of(themes=("lora", "pruning")), ["a", "b", "c", "d"]),
        (FilterSpec.of(themes=("lora", "quantization"), match_all=("themes",)), ["c"]),
        (FilterSpec.of(clusters=(2,)), ["e", "f"]),
        (FilterSpec.of(sources=("p1",)), ["a", "b", "f"]),
        (FilterSpec.of(dates=("03-11",)), ["b", "c"]),
        (FilterSpec.of(code="yes"), ["a", "c"]),
        (FilterSpec.of(code="no"), ["b", "d", "e", "f"]),
        (FilterSpec.of(types=("survey", "benchmark")), ["d", "f"]),
        (FilterSpec.of(datasets=("ImageNet",)), ["a", "e"]),
        (FilterSpec.of(years=(2019, 2021)), ["b", "e"]),
        (FilterSpec.of(regions=(BOTTOM_ROW,)), ["a", "b"]),
        (FilterSpec.of(regions=(TRIANGLE,)), ["f"]),
        (FilterSpec.of(regions=(BOTTOM_ROW, TRIANGLE)), ["a", "b", "f"]),
        (FilterSpec.of(regions=(TRIANGLE,), themes=("diffusion",)), []),
        (FilterSpec.of(authors=("Ada Lovelace",)), ["a", "d"]),
        (FilterSpec.of(authors=("Ada Lovelace", "Grace Hopper")), ["a", "c", "d", "e"]),
        (FilterSpec.of(authors=("Alan Turing",), themes=("diffusion",)), ["e"]),
        (FilterSpec.of(themes=("lora",), code="no"), []),
        (FilterSpec.of(themes=("no-such-theme",)), []),
        (FilterSpec.of(sort="newest"), ["a", "c", "e", "b", "f", "d"]),
        (FilterSpec.of(sort="oldest"), ["f", "b", "e", "a", "c", "d"]),
        (FilterSpec.of(sort="title"), ["d", "e", "a", "b", "c", "f"]),
        (FilterSpec.of(sort="sources"), ["b", "f", "a", "c", "d", "e"]),
    ],
)
def test_apply_filters(index, spec, expected):
    assert ids(index, spec) == expected


def test_exact_search_ranks_title_hits_first_and_combines_with_facets(index):
    assert ids(index, FilterSpec.of(query="lora")) == ["c", "a"]  # "LoRA" twice in c's title
    assert ids(index, FilterSpec.of(query="LoRA", themes=("quantization",))) == ["c"]
    assert ids(index, FilterSpec.of(query="  ")) == list("abcdef")


def test_fuzzy_search_tolerates_typos(index):
    assert ids(index, FilterSpec.of(query="atention prunning", search="fuzzy")) == ["b"]
    assert ids(index, FilterSpec.of(query="atention prunning", search="exact")) == []


def test_facet_counts_reflect_the_other_filters(index):
    counts = facet_counts(index, FilterSpec.of(themes=("lora",), code="yes"))
    # Themes leave their own choice out: with code, lora 2 and quantization 1 are available.
    assert counts["themes"] == {
        "yolo": 0,
        "lora": 2,
        "pruning": 0,
        "quantization": 1,
        "distillation": 0,
        "diffusion": 0,
    }
    # Code counts leave the code choice out: of the lora papers, 2 have code and 0 do not.
    assert counts["code"] == {"yes": 2, "no": 0}
    assert counts["clusters"] == {0: 2, 1: 0, 2: 0}
    assert counts["sources"] == {"p1": 1, "p2": 1, "p3": 0}


def test_all_mode_theme_counts_drill_down(index):
    counts = facet_counts(index, FilterSpec.of(themes=("pruning",), match_all=("themes",)))
    assert counts["themes"]["quantization"] == 1 and counts["themes"]["pruning"] == 2
    assert counts["themes"]["lora"] == 0


def test_describe_in_plain_words():
    spec = FilterSpec.of(themes=("lora", "pruning"), code="yes", query="vit", clusters=(3,))
    text = describe(spec, Names(themes={"lora": "LoRA", "pruning": "Pruning"}, clusters={3: "pruning"}))
    assert text == 'about LoRA or Pruning · in topic C3 · pruning · with code · text containing "vit"'
    assert describe(FilterSpec.of()) == "all papers, no filters"


SPECS = st.builds(
    FilterSpec.of,
    themes=st.lists(st.sampled_from(["yolo", "lora", "pruning"]), unique=True).map(tuple),
    match_all=st.sampled_from([(), ("themes",)]),
    clusters=st.lists(st.sampled_from([0, 1, 2]), unique=True).map(tuple),
    sources=st.lists(st.sampled_from(["p1", "p2", "p3"]), unique=True).map(tuple),
    code=st.sampled_from([None, "yes", "no"]),
    # within the papers' years (2016-2023), and not all of them: that is no filter at all
    years=st.one_of(st.none(), st.tuples(st.integers(2016, 2019), st.integers(2020, 2022))),
    query=st.text(alphabet="abc xyz", max_size=12).map(str.strip),
    search=st.sampled_from(["exact", "fuzzy"]),
    sort=st.sampled_from(["relevance", "newest", "title"]),
)


@settings(max_examples=150, deadline=None)
@given(SPECS)
def test_url_round_trip(index, spec):
    assert from_query(to_query(spec), index) == spec


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"theme": ["lora", "bogus"], "cluster": ["1", "x", "99"]}, FilterSpec.of(themes=("lora",), clusters=(1,))),
        ({"code": "maybe", "sort": "random", "match": "some"}, FilterSpec.of()),
        ({"years": "2025-2019"}, FilterSpec.of(years=(2019, 2023))),  # clamped to the papers' years
        ({"years": "1900-2100"}, FilterSpec.of()),  # every year: no filter
        ({"years": "1900-1950"}, FilterSpec.of()),  # no paper in those years
        ({"years": "abc"}, FilterSpec.of()),
        ({"years": "２０１９-２０２０"}, FilterSpec.of()),  # fullwidth digits pass isdigit() but are no year
        ({"cluster": ["²", "---5", "-1", "9" * 5000, "1"]}, FilterSpec.of(clusters=(1,))),
        ({"q": "x" * 500}, FilterSpec.of(query="x" * 200)),
        ({"id": ["a", "f"], "unknown": "1"}, FilterSpec.of()),  # links that listed picked papers one by one
        ({"region": ["1.5,1.5;3.5,1.5;3.5,3.5", "x", "1,2;3", "nan,1;2,2;3,3"]}, FilterSpec.of(regions=(TRIANGLE,))),
    ],
)
def test_invalid_url_values_are_ignored(index, params, expected):
    assert from_query(params, index) == expected


def test_authors_facet_counts_describes_and_round_trips(index):
    spec = FilterSpec.of(authors=("Grace Hopper",))
    assert ids(index, spec) == ["c", "e"]
    counts = facet_counts(index, spec)
    assert counts["authors"] == {"Ada Lovelace": 2, "Alan Turing": 2, "Grace Hopper": 2}
    assert counts["themes"]["quantization"] == 1  # the other facets count within Grace Hopper's papers
    assert describe(FilterSpec.of(authors=("Ada Lovelace", "Alan Turing"))) == "by Ada Lovelace or Alan Turing"
    assert to_query(spec) == {"author": ["Grace Hopper"]}
    assert from_query({"author": ["Grace Hopper", "Nobody Here"]}, index) == spec


def test_a_facet_with_very_many_values_offers_the_most_frequent_and_the_chosen():
    n = 600
    papers = pd.DataFrame(
        {
            S.PAPER_ID: [f"p{i}" for i in range(n)],
            S.TITLE: [f"Paper {i}" for i in range(n)],
            S.ABSTRACT: [""] * n,
            S.N_SOURCES: [1] * n,
            S.PUBLISHED: [None] * n,
            # 300 authors with two papers each, and one author with a single paper
            S.AUTHORS: [[f"Author {i % 300:03d}"] + (["Rare Author"] if i == 0 else []) for i in range(n)],
        }
    )
    index = PaperIndex.from_papers(papers)
    counts = facet_counts(index, FilterSpec.of())["authors"]
    assert len(counts) == MAX_OPTIONS and "Rare Author" not in counts
    assert set(counts.values()) == {2}
    chosen = facet_counts(index, FilterSpec.of(authors=("Rare Author",)))["authors"]
    assert chosen["Rare Author"] == 1 and len(chosen) == MAX_OPTIONS + 1


def test_a_region_picked_on_the_map_keeps_every_paper_in_it_and_fits_in_a_short_url(index):
    box = {"box": [{"x": [1.5, -0.5], "y": [0.5, -0.5]}]}
    lasso = {"lasso": [{"x": [1.5 + 2 * np.cos(a) for a in np.linspace(0, 6.28, 500)],
                        "y": [1.5 + 2 * np.sin(a) for a in np.linspace(0, 6.28, 500)]}]}  # fmt: skip
    picked = regions.from_selection(box)
    assert ids(index, FilterSpec.of(regions=picked)) == ["a", "b"]
    circle = regions.from_selection(lasso)
    assert len(circle[0]) == regions.MAX_VERTICES  # a 500-point lasso is thinned
    assert ids(index, FilterSpec.of(regions=circle)) == ["b", "c", "d", "e", "f"]  # a lies outside it
    query = to_query(FilterSpec.of(regions=circle))
    assert len(query["region"][0]) < 1000
    assert from_query(query, index) == FilterSpec.of(regions=circle)
    assert describe(FilterSpec.of(regions=circle)) == "in the region picked on the map"


def test_regions_count_every_paper_not_only_the_drawn_ones():
    rng = np.random.default_rng(0)
    xy = rng.random((200_000, 2))
    square = ((0.25, 0.25), (0.75, 0.25), (0.75, 0.75), (0.25, 0.75))
    inside = regions.inside(xy[:, 0], xy[:, 1], [square])
    expected = (xy[:, 0] > 0.25) & (xy[:, 0] < 0.75) & (xy[:, 1] > 0.25) & (xy[:, 1] < 0.75)
    assert (inside == expected).all() and 49_000 < inside.sum() < 51_000
