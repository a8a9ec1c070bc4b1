"""Map and theme charts: traces, axis titles and every number in a figure checked against the fixture by hand."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from chart_data import (
    CLUSTER_NAMES,
    ROWS,
    THEME_GROUPS,
    THEME_NAMES,
    check_style,
    papers_table,
    theme_sets,
    themes_of,
    values,
)

from lib.core import schema as S
from lib.explore import charts


@pytest.fixture
def papers() -> pd.DataFrame:
    return papers_table()


# ------------------------------------------------------------------------------------ cluster map


def test_cluster_map_one_trace_per_cluster_with_ids(papers):
    d = charts.cluster_map(papers).to_dict()
    assert [t["name"] for t in d["data"]] == ["C0 · language models", "C1 · vision", "C2 · control"]
    assert {t["type"] for t in d["data"]} == {"scatter"}
    cluster_of = {r[0]: r[3] for r in ROWS}
    seen = []
    for c, trace in enumerate(d["data"]):
        ids = values(trace["customdata"])
        assert {cluster_of[i] for i in ids} == {c}
        seen += ids
    assert sorted(seen) == [r[0] for r in ROWS]
    assert d["layout"]["xaxis"]["showticklabels"] is False
    assert d["layout"]["dragmode"] == "lasso"
    assert d["layout"]["title"]["text"] == "Topic map"


def test_cluster_map_names_each_cluster_where_its_papers_are(papers):
    d = charts.cluster_map(papers).to_dict()
    notes = {n["text"]: (n["x"], n["y"]) for n in d["layout"]["annotations"]}
    assert set(notes) == {"C0 · language models", "C1 · vision", "C2 · control"}
    for c, (x, y) in enumerate(notes.values()):
        rows = papers[papers[S.CLUSTER] == c]
        assert (x, y) == (rows[S.X].median(), rows[S.Y].median())


def test_a_cluster_label_stays_put_when_the_filters_change_and_names_only_clusters_with_matches(papers):
    unfiltered = {n["text"]: (n["x"], n["y"]) for n in charts.cluster_map(papers).to_dict()["layout"]["annotations"]}
    one = np.zeros(len(papers), dtype=bool)
    one[np.flatnonzero(papers[S.CLUSTER].to_numpy() == 1)[0]] = True  # a single matching paper, in C1
    notes = charts.cluster_map(papers, highlight=one).to_dict()["layout"]["annotations"]
    assert [(n["text"], (n["x"], n["y"])) for n in notes] == [("C1 · vision", unfiltered["C1 · vision"])]


def test_cluster_colours_stay_apart_however_many_clusters():
    from lib.explore.chart_style import _lab

    rgb = np.array([[int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)] for c in charts.PALETTE[:30]])
    lab = _lab(rgb)
    distance = np.linalg.norm(lab[:, None] - lab[None], axis=2) + np.eye(30) * 1e9
    assert distance.min() > 25  # CIELAB distance: past 20 two colours are plainly different at a glance


def test_cluster_map_escapes_hostile_titles_in_hover(papers):
    d = charts.cluster_map(papers).to_dict()
    hover = [h for t in d["data"] for h in t["hovertext"]]
    hostile = next(h for h in hover if "alert" in h)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; $x$ Tricks" in hostile
    assert "<script>" not in hostile
    assert all(t["hovertemplate"] == "%{hovertext}<extra></extra>" for t in d["data"])


def test_cluster_map_samples_per_cluster_above_max_points(papers):
    fig = charts.cluster_map(papers, max_points=6)
    d = fig.to_dict()
    sizes = [len(values(t["customdata"])) for t in d["data"]]
    assert sum(sizes) == 6
    assert sizes == [3, 2, 1]  # 6:3:3 scaled to 6 points, every cluster kept
    assert "all 12 papers shaded, 6 of them drawn as points" in d["layout"]["title"]["text"]
    (image,) = d["layout"]["images"]  # every paper, in the image beneath the points
    assert image["source"].startswith("data:image/png;base64,") and image["layer"] == "below"
    again = charts.cluster_map(papers, max_points=6).to_dict()
    assert [values(t["customdata"]) for t in again["data"]] == [values(t["customdata"]) for t in d["data"]]


def test_cluster_map_keeps_every_cluster_when_one_is_tiny():
    n = 6000
    clusters = np.r_[np.zeros(n - 2, dtype=np.int64), [1, 1]]
    big = pd.DataFrame(
        {
            S.PAPER_ID: [f"p{i}" for i in range(n)],
            S.TITLE: ["t"] * n,
            S.CLUSTER: clusters,
            S.CLUSTER_LABEL: np.where(clusters == 0, "big", "tiny"),
            S.X: np.arange(n, dtype=float),
            S.Y: np.zeros(n),
        }
    )
    d = charts.cluster_map(big, max_points=1000).to_dict()
    assert [len(values(t["customdata"])) for t in d["data"]] == [999, 1]
    assert {t["type"] for t in d["data"]} == {"scatter"}
    assert {t["type"] for t in charts.cluster_map(big, max_points=n).to_dict()["data"]} == {"scattergl"}


def test_cluster_map_highlight_draws_the_rest_grey_beneath(papers):
    mask = np.array([r[0] in {"p02", "p07", "p08"} for r in ROWS])
    d = charts.cluster_map(papers, highlight=mask).to_dict()
    grey, *coloured = d["data"]
    assert grey["marker"]["color"] == charts.FADED
    assert len(values(grey["customdata"])) == 9
    assert [t["name"] for t in coloured] == ["C0 · language models", "C1 · vision"]
    assert sorted(i for t in coloured for i in values(t["customdata"])) == ["p02", "p07", "p08"]
    assert "3 of 12 papers match" in d["layout"]["title"]["subtitle"]["text"]


def test_cluster_map_above_its_points_draws_the_matches_over_every_paper_shaded_grey(papers):
    mask = np.array([r[0] in {"p02", "p07", "p08"} for r in ROWS])
    d = charts.cluster_map(papers, highlight=mask, max_points=5).to_dict()
    assert sorted(i for t in d["data"] for i in values(t["customdata"])) == ["p02", "p07", "p08"]
    assert charts.FADED not in [t["marker"]["color"] for t in d["data"]]  # the rest are in the image
    unfiltered = charts.cluster_map(papers, max_points=5).to_dict()["layout"]["images"][0]["source"]
    assert d["layout"]["images"][0]["source"] != unfiltered  # grey, where the unfiltered map shades by cluster
    none = charts.cluster_map(papers, highlight=np.zeros(len(ROWS), bool), max_points=5).to_dict()
    assert not none["data"]
    assert [n["text"] for n in none["layout"]["annotations"]] == ["No paper matches the filters."]


def test_a_filter_change_leaves_the_shaded_map_where_it_was_and_redraws_only_its_points(papers):
    """The image of every paper and the axes are the same whatever matches, so a filter change on the Topics
    page redraws a few points, not the map; the map's view does not jump to the matching papers."""
    points = charts.MapPoints.of(papers)
    maps = [
        charts.cluster_map(points, highlight=np.array([r[3] == c for r in ROWS]), max_points=4).to_dict()
        for c in (0, 1, 2)
    ]
    assert len({m["layout"]["images"][0]["source"] for m in maps}) == 1
    assert len({(tuple(m["layout"]["xaxis"]["range"]), tuple(m["layout"]["yaxis"]["range"])) for m in maps}) == 1
    x0, x1 = maps[0]["layout"]["xaxis"]["range"]
    assert x0 < papers[S.X].min() and x1 > papers[S.X].max()  # every paper inside, where the image lies
    for c, m in enumerate(maps):
        drawn = [i for t in m["data"] for i in values(t["customdata"])]
        assert 0 < len(drawn) <= 4 and {r[3] for r in ROWS if r[0] in drawn} == {c}
    assert points.shading(grey=True) is points.shading(grey=True)  # made once


def test_cluster_map_rejects_a_misaligned_mask(papers):
    with pytest.raises(ValueError):
        charts.cluster_map(papers, highlight=np.ones(3, dtype=bool))


def test_cluster_map_leaves_the_input_alone(papers):
    before = papers.copy(deep=True)
    charts.cluster_map(papers, max_points=4)
    pd.testing.assert_frame_equal(papers, before)


# ----------------------------------------------------------------------------------------- themes


def test_theme_counts_grouped_sorted_and_counted(papers):
    d = charts.theme_counts(themes_of(papers), THEME_NAMES, THEME_GROUPS).to_dict()
    counts = Counter(t for s in theme_sets() for t in s)
    assert [t["name"] for t in d["data"]] == ["Language", "Perception", "Control", "Structure"]
    by_name = {THEME_NAMES[t]: n for t, n in counts.items()}
    for trace in d["data"]:
        got = dict(zip(trace["y"], values(trace["x"])))
        assert got == {name: by_name[name] for name in trace["y"]}
        assert values(trace["x"]) == sorted(values(trace["x"]), reverse=True)
    shown = [y for t in d["data"] for y in t["y"]]
    assert "Audio" not in shown  # no paper, no bar
    assert shown == d["layout"]["yaxis"]["categoryarray"]
    check_style(d, "Papers", "Theme")


def test_theme_cluster_heatmap_counts(papers):
    d = charts.theme_cluster_heatmap(
        themes_of(papers), papers[S.CLUSTER].to_numpy(), THEME_NAMES, CLUSTER_NAMES
    ).to_dict()
    (trace,) = d["data"]
    assert trace["x"] == ["C0 · language models", "C1 · vision", "C2 · control"]
    order = ["llm", "vision", "rl", "graph", "safety"]  # taxonomy order, audio absent
    assert trace["y"] == [THEME_NAMES[t] for t in order]
    z = values(trace["z"])
    for i, theme in enumerate(order):
        for c in range(3):
            assert z[i][c] == sum(theme in r[2] and r[3] == c for r in ROWS)
    assert trace["texttemplate"] == "%{text}"
    assert trace["text"][0][0] == str(z[0][0]) and trace["text"][3][0] == ""  # zeros stay blank
    check_style(d, "Cluster", "Theme")


def test_theme_cooccurrence_counts_pairs_and_puts_each_themes_own_count_in_its_label(papers):
    d = charts.theme_cooccurrence(themes_of(papers), THEME_NAMES).to_dict()
    (trace,) = d["data"]
    order = ["llm", "vision", "rl", "graph", "safety"]
    own = {t: sum(t in s for s in theme_sets()) for t in order}
    assert trace["x"] == trace["y"] == [f"{THEME_NAMES[t]} ({own[t]})" for t in order]
    z = values(trace["z"])
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            expected = None if i == j else sum(a in s and b in s for s in theme_sets())
            assert z[i][j] == expected  # no colour on the diagonal: it would pale every pair
    assert own["llm"] == 7 and z[0][2] == 2
    assert d["layout"]["width"] >= d["layout"]["height"]  # never squeezed into a narrow column
    check_style(d, "Theme", "Theme")


def test_theme_charts_without_themes_say_so(papers):
    bare = papers.assign(**{S.THEMES: [[] for _ in ROWS]})
    for fig in (
        charts.theme_counts(themes_of(bare), THEME_NAMES, THEME_GROUPS),
        charts.theme_cluster_heatmap(themes_of(bare), bare[S.CLUSTER].to_numpy(), THEME_NAMES, CLUSTER_NAMES),
        charts.theme_cooccurrence(themes_of(bare), THEME_NAMES),
    ):
        d = fig.to_dict()
        assert d["data"] == [] and d["layout"]["annotations"][0]["text"] == "No paper has a theme."


def test_every_builder_returns_a_figure(papers):
    built = [
        charts.cluster_map(papers),
        charts.theme_counts(themes_of(papers), THEME_NAMES, THEME_GROUPS),
        charts.theme_cluster_heatmap(themes_of(papers), papers[S.CLUSTER].to_numpy(), THEME_NAMES, CLUSTER_NAMES),
        charts.theme_cooccurrence(themes_of(papers), THEME_NAMES),
    ]
    assert all(isinstance(f, go.Figure) for f in built)


def test_builders_cope_with_no_papers():
    empty = S.empty_papers()
    assert charts.cluster_map(empty).to_dict()["data"] == []
    assert charts.theme_counts(themes_of(empty), THEME_NAMES, THEME_GROUPS).to_dict()["data"] == []


def test_heatmap_cells_stay_short_at_any_corpus_size(papers):
    big = pd.concat([papers] * 1_000, ignore_index=True)  # every count times a thousand
    d = charts.theme_cooccurrence(themes_of(big), THEME_NAMES).to_dict()
    (trace,) = d["data"]
    z = values(trace["z"])
    assert z[0][2] >= 1_000
    assert trace["text"][0][2] == f"{z[0][2] / 1000:.1f}".removesuffix(".0") + "k"  # "2k", not "2000"
    assert all(len(cell) <= 4 for row in trace["text"] for cell in row)
    assert "%{z} papers" in trace["hovertemplate"]  # the exact count stays one hover away


@pytest.mark.parametrize(
    "title",
    [
        "Attention Is All You Need",
        "LoRA-Drop: Efficient LoRA Parameter Pruning based on Output Evaluation for Large Language Models in the Wild",
        "A\tTitle  with\nodd   white space and a verylongwordthatgoesonandonandonandonandonandonandonandonandonandonandon x",
        "",
    ],
)
def test_map_hover_titles_break_between_words_within_the_width(title):
    lines = charts._hover_title(title, width=40).split("<br>")
    assert " ".join(lines) == " ".join(title.split())  # every word kept, in order, one space between
    assert all(len(line) <= 40 or " " not in line for line in lines)  # only a single long word runs past
    assert all(len(a) + 1 + len(b.split(" ")[0]) > 40 for a, b in zip(lines, lines[1:]))  # each line as full as fits


@pytest.mark.parametrize("lowest", [0, -1, 5])
def test_a_map_sample_keeps_each_clusters_share_and_every_cluster(lowest):
    rng = np.random.default_rng(1)
    clusters = rng.choice(np.arange(lowest, lowest + 12), size=50_000, p=np.r_[0.5, np.full(11, 0.5 / 11)])
    clusters[:3] = lowest + 12  # a cluster of three papers
    rows = np.flatnonzero(rng.random(len(clusters)) < 0.8)
    drawn = charts._stratified(rows, clusters, 1000, np.random.default_rng(0))
    assert len(drawn) == 1000 and len(np.unique(drawn)) == 1000 and np.isin(drawn, rows).all()
    shares = {c: np.mean(clusters[rows] == c) for c in np.unique(clusters[rows])}
    assert set(np.unique(clusters[drawn]).tolist()) == set(shares)  # every cluster keeps a point
    for c, share in shares.items():  # proportional, within one point of the exact share; none left out
        assert max(1, np.floor(share * 1000)) - 1 <= np.sum(clusters[drawn] == c) <= np.ceil(share * 1000) + 1
