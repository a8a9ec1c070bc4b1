"""Chart builders: traces, axis titles and every number in a figure checked against the fixture by hand."""

from __future__ import annotations

import base64
import math
from collections import Counter

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from lib import charts
from lib import schema as S

HOSTILE = "<script>alert(1)</script> & $x$ Tricks"
THEME_NAMES = {
    "llm": "Language models", "vision": "Vision", "rl": "Reinforcement learning",
    "graph": "Graphs", "safety": "Safety", "audio": "Audio",
}
THEME_GROUPS = {"llm": "Language", "safety": "Language", "vision": "Perception", "audio": "Perception",
                "rl": "Control", "graph": "Structure"}
CLUSTER_NAMES = {0: "language models", 1: "vision", 2: "control"}

# id, title, themes, cluster, published, listing dates
ROWS = [
    ("p01", "Scaling Language Models", ["llm"], 0, "2020-01", ["03-18"]),
    ("p02", "Vision Transformers", ["vision"], 1, "2020-06", ["03-18"]),
    ("p03", "Policy Gradients", ["rl"], 2, "2021-02", ["03-13"]),
    ("p04", "Language Planners for Control", ["llm", "rl"], 0, "2021-11", ["03-18", "03-13"]),
    ("p05", "Graph Networks", ["graph"], 2, "2022-04", []),
    ("p06", "Multimodal Language Models", ["llm", "vision"], 1, "2022-09", ["03-18"]),
    ("p07", HOSTILE, ["llm"], 0, "2023-01", ["03-18"]),
    ("p08", "Reasoning with Language Models", ["llm", "safety"], 0, "2023-05", ["03-13"]),
    ("p09", "Learning from Human Feedback", ["llm", "rl"], 0, "2023-07", []),
    ("p10", "Robot Vision", ["vision", "rl"], 1, "2024-02", ["03-18"]),
    ("p11", "Instruction Tuning", ["llm", "safety"], 0, "2024-03", ["03-18"]),
    ("p12", "An Untitled Workshop Note", [], 2, None, ["03-13"]),
]


@pytest.fixture
def papers() -> pd.DataFrame:
    n = len(ROWS)
    return pd.DataFrame({
        S.PAPER_ID: [r[0] for r in ROWS],
        S.TITLE: [r[1] for r in ROWS],
        S.THEMES: [list(r[2]) for r in ROWS],
        S.THEME_MENTIONS: [[] for _ in ROWS],
        S.CLUSTER: np.array([r[3] for r in ROWS], dtype=np.int64),
        S.CLUSTER_LABEL: [CLUSTER_NAMES[r[3]] for r in ROWS],
        S.PUBLISHED: pd.Series([r[4] for r in ROWS], dtype=object),
        S.LISTING_DATES: [list(r[5]) for r in ROWS],
        S.X: np.linspace(0, 1, n),
        S.Y: np.linspace(1, 0, n) ** 2,
    })


@pytest.fixture
def undated(papers) -> pd.DataFrame:
    """The fixture with no publication dates, so the listing dates drive the time axis."""
    return papers.assign(**{S.PUBLISHED: None})


def values(v) -> list:
    """Plain values from a to_dict() entry, decoding plotly's base64 typed arrays."""
    if isinstance(v, dict) and "bdata" in v:
        array = np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
        return array.reshape([int(s) for s in str(v.get("shape", len(array))).split(",")]).tolist()
    return list(np.asarray(v, dtype=object).tolist())


def theme_sets() -> list[set[str]]:
    return [set(r[2]) for r in ROWS]


def year(r) -> int | None:
    return int(r[4][:4]) if r[4] else None


def check_style(d: dict, x_title: str | None, y_title: str) -> None:
    assert d["layout"]["template"] == pio.templates["plotly_white"].to_plotly_json()
    assert d["layout"]["title"]["text"]
    if x_title is not None:
        assert d["layout"]["xaxis"]["title"]["text"] == x_title
    assert d["layout"]["yaxis"]["title"]["text"] == y_title


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
    assert "6 of 12" in d["layout"]["title"]["text"]
    again = charts.cluster_map(papers, max_points=6).to_dict()
    assert [values(t["customdata"]) for t in again["data"]] == [values(t["customdata"]) for t in d["data"]]


def test_cluster_map_keeps_every_cluster_when_one_is_tiny():
    n = 6000
    clusters = np.r_[np.zeros(n - 2, dtype=np.int64), [1, 1]]
    big = pd.DataFrame({
        S.PAPER_ID: [f"p{i}" for i in range(n)], S.TITLE: ["t"] * n, S.CLUSTER: clusters,
        S.CLUSTER_LABEL: np.where(clusters == 0, "big", "tiny"), S.X: np.arange(n, dtype=float),
        S.Y: np.zeros(n),
    })
    d = charts.cluster_map(big, max_points=1000).to_dict()
    assert [len(values(t["customdata"])) for t in d["data"]] == [999, 1]
    assert {t["type"] for t in d["data"]} == {"scatter"}
    assert {t["type"] for t in charts.cluster_map(big).to_dict()["data"]} == {"scattergl"}


def test_cluster_map_highlight_draws_the_rest_grey_beneath(papers):
    mask = np.array([r[0] in {"p02", "p07", "p08"} for r in ROWS])
    d = charts.cluster_map(papers, highlight=mask).to_dict()
    grey, *coloured = d["data"]
    assert grey["marker"]["color"] == charts.FADED
    assert len(values(grey["customdata"])) == 9
    assert [t["name"] for t in coloured] == ["C0 · language models", "C1 · vision"]
    assert sorted(i for t in coloured for i in values(t["customdata"])) == ["p02", "p07", "p08"]
    assert "3 of 12 papers match" in d["layout"]["title"]["subtitle"]["text"]


def test_cluster_map_prefers_highlighted_points_when_sampling(papers):
    mask = np.array([r[0] in {"p02", "p07", "p08"} for r in ROWS])
    d = charts.cluster_map(papers, highlight=mask, max_points=5).to_dict()
    grey, *coloured = d["data"]
    assert sorted(i for t in coloured for i in values(t["customdata"])) == ["p02", "p07", "p08"]
    assert len(values(grey["customdata"])) == 2


def test_cluster_map_rejects_a_misaligned_mask(papers):
    with pytest.raises(ValueError):
        charts.cluster_map(papers, highlight=np.ones(3, dtype=bool))


def test_cluster_map_leaves_the_input_alone(papers):
    before = papers.copy(deep=True)
    charts.cluster_map(papers, max_points=4)
    pd.testing.assert_frame_equal(papers, before)


# ----------------------------------------------------------------------------------------- themes


def test_theme_counts_grouped_sorted_and_counted(papers):
    d = charts.theme_counts(papers, THEME_NAMES, THEME_GROUPS).to_dict()
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
    d = charts.theme_cluster_heatmap(papers, THEME_NAMES, CLUSTER_NAMES).to_dict()
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


def test_theme_cooccurrence_is_symmetric_with_counts_on_the_diagonal(papers):
    d = charts.theme_cooccurrence(papers, THEME_NAMES).to_dict()
    (trace,) = d["data"]
    order = ["llm", "vision", "rl", "graph", "safety"]
    assert trace["x"] == trace["y"] == [THEME_NAMES[t] for t in order]
    z = values(trace["z"])
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            assert z[i][j] == sum(a in s and b in s for s in theme_sets())
    assert z[0][0] == 7 and z[0][2] == 2
    assert trace["zmax"] == 2  # colours follow the largest pair, not the diagonal
    check_style(d, "Theme", "Theme")


def test_theme_charts_without_themes_say_so(papers):
    bare = papers.assign(**{S.THEMES: [[] for _ in ROWS]})
    for fig in (charts.theme_counts(bare, THEME_NAMES, THEME_GROUPS),
                charts.theme_cluster_heatmap(bare, THEME_NAMES, CLUSTER_NAMES),
                charts.theme_cooccurrence(bare, THEME_NAMES)):
        d = fig.to_dict()
        assert d["data"] == [] and d["layout"]["annotations"][0]["text"] == "No paper has a theme."


# ------------------------------------------------------------------------------------- time axis


def test_time_axis_uses_publication_year_when_span_is_three_years(papers):
    axis = charts.time_axis(papers)
    assert (axis.column, axis.granularity) == (S.PUBLISHED, "year")
    assert axis.periods == ("2020", "2021", "2022", "2023", "2024")
    assert axis.labels.tolist() == [str(year(r)) if year(r) else None for r in ROWS]
    assert axis.n_undated == 1
    assert axis.note == "Publication year; 1 paper has no publication date."


def test_time_axis_uses_months_under_three_years(papers):
    recent = papers[papers[S.PUBLISHED].fillna("").str.startswith(("2023", "2024"))]
    axis = charts.time_axis(recent)
    assert axis.granularity == "month"
    assert axis.periods[0] == "2023-01" and axis.periods[-1] == "2024-03" and len(axis.periods) == 15
    assert axis.labels.tolist() == ["2023-01", "2023-05", "2023-07", "2024-02", "2024-03"]
    assert axis.n_undated == 0 and "every paper is dated" in axis.note


def test_time_axis_falls_back_to_earliest_listing_date(undated):
    axis = charts.time_axis(undated)
    assert (axis.column, axis.granularity) == (S.LISTING_DATES, "listing")
    assert axis.periods == ("Mar 13", "Mar 18")
    assert axis.labels["p04" == undated[S.PAPER_ID]].item() == "Mar 13"  # earliest of its two pages
    assert axis.n_undated == 2
    assert axis.note == (
        "Listing dates of the pages (no year), the earliest per paper; 2 papers come only from pages without a date."
    )
    assert axis.title == "Listing date (no year)"


def test_time_axis_ignores_publication_dates_that_cover_too_few_papers(undated):
    # One dated paper out of twelve (under a quarter) would make a publication-year axis of one paper.
    few = undated.assign(**{S.PUBLISHED: ["2021-05"] + [None] * (len(undated) - 1)})
    axis = charts.time_axis(few)
    assert axis.granularity == "listing"
    assert axis.note.endswith("Only 1 paper has a publication date, too few for a publication-date axis.")


def test_time_axis_listing_dates_with_years_keep_them(undated):
    dated = undated.assign(**{S.LISTING_DATES: [["2025-03-18"], ["2024-12-30"]] * 6})
    axis = charts.time_axis(dated)
    assert axis.periods == ("Dec 30, 2024", "Mar 18, 2025")
    assert "(no year)" not in axis.note


# ------------------------------------------------------------------------------------------ trend


def test_theme_trend_share_per_year(papers):
    d = charts.theme_trend(papers, ["llm", "rl"], THEME_NAMES).to_dict()
    assert [t["name"] for t in d["data"]] == ["Language models", "Reinforcement learning"]
    years = [2020, 2021, 2022, 2023, 2024]
    for trace, theme in zip(d["data"], ["llm", "rl"]):
        assert trace["x"] == [str(y) for y in years]
        for y, got in zip(years, values(trace["y"])):
            in_year = [r for r in ROWS if year(r) == y]
            assert got == pytest.approx(sum(theme in r[2] for r in in_year) / len(in_year))
        # every fixture period holds under ten papers, so every marker is hollow
        assert trace["marker"]["symbol"] == ["circle-open"] * 5
        assert "n=%{customdata[1]}" in trace["hovertemplate"]
    assert d["layout"]["xaxis"]["categoryarray"] == [str(y) for y in years]
    assert "Grey bands, hollow markers: under 10 papers" in d["layout"]["title"]["subtitle"]["text"]
    # one grey band spans the five small years: category positions -0.5 to 4.5
    assert [(b["x0"], b["x1"]) for b in d["layout"]["shapes"]] == [(-0.5, 4.5)]
    check_style(d, "Publication year", "Share of dated papers")


def test_theme_trend_counts_by_listing_date(undated):
    d = charts.theme_trend(undated, ["llm"], THEME_NAMES, measure="count").to_dict()
    (trace,) = d["data"]
    assert trace["x"] == ["Mar 13", "Mar 18"]
    assert values(trace["y"]) == [2, 4]  # p04, p08 | p01, p06, p07, p11
    assert trace["customdata"][0] == [2, 4, "50%"]
    check_style(d, "Listing date (no year)", "Papers")


def test_theme_trend_marks_only_small_periods():
    n = 25
    big = pd.DataFrame({
        S.THEMES: [["llm"] if i % 2 else [] for i in range(n)],
        S.PUBLISHED: ["2020-01"] * 20 + ["2021-01"] * 3 + ["2022-01"] * 2,
        S.LISTING_DATES: [[] for _ in range(n)],
    })
    (trace,) = charts.theme_trend(big, ["llm"], THEME_NAMES).to_dict()["data"]
    assert trace["marker"]["symbol"] == ["circle", "circle-open", "circle-open"]


def test_trend_charts_need_two_periods(undated):
    one = undated.assign(**{S.LISTING_DATES: [["03-18"]] * len(ROWS)})
    message = "Only one listing date (Mar 18): a trend needs at least two."
    assert charts.theme_trend(one, ["llm"], THEME_NAMES) == message
    assert charts.cluster_share_over_time(one, CLUSTER_NAMES) == message
    none = undated.assign(**{S.LISTING_DATES: [[] for _ in ROWS]})
    assert charts.theme_trend(none, ["llm"], THEME_NAMES) == "No paper has a listing date: a trend needs at least two."
    assert isinstance(charts.papers_per_period(none), str)


def test_theme_trend_rejects_unknown_measure(papers):
    with pytest.raises(ValueError):
        charts.theme_trend(papers, ["llm"], THEME_NAMES, measure="ratio")


# ------------------------------------------------------------------------------------- per period


def test_papers_per_period_shows_undated_apart(papers):
    d = charts.papers_per_period(papers).to_dict()
    dated, grey = d["data"]
    assert dated["x"] == ["2020", "2021", "2022", "2023", "2024"]
    assert values(dated["y"]) == [sum(year(r) == y for r in ROWS) for y in range(2020, 2025)]
    assert (grey["x"], values(grey["y"])) == (["Undated"], [1])
    assert grey["marker"]["color"] == charts.FADED
    assert d["layout"]["xaxis"]["categoryarray"] == ["2020", "2021", "2022", "2023", "2024", "Undated"]
    check_style(d, "Publication year", "Papers")


def test_papers_per_period_by_listing_date(undated):
    d = charts.papers_per_period(undated).to_dict()
    assert values(d["data"][0]["y"]) == [4, 6]
    assert values(d["data"][1]["y"]) == [2]


def test_cluster_share_over_time(papers):
    d = charts.cluster_share_over_time(papers, CLUSTER_NAMES).to_dict()
    assert [t["name"] for t in d["data"]] == ["C0 · language models", "C1 · vision", "C2 · control"]
    assert all(t["stackgroup"] == "one" for t in d["data"])
    shares = np.array([values(t["y"]) for t in d["data"]])
    assert shares.sum(axis=0) == pytest.approx(np.ones(5))
    in_2023 = [r for r in ROWS if year(r) == 2023]
    assert shares[0][3] == pytest.approx(sum(r[3] == 0 for r in in_2023) / len(in_2023))
    assert d["layout"]["xaxis"]["categoryarray"] == ["2020", "2021", "2022", "2023", "2024"]
    check_style(d, "Publication year", "Share of dated papers")


# ----------------------------------------------------------------------------------------- emerging


def test_emerging_themes_by_hand(papers):
    table = charts.emerging_themes(papers, THEME_NAMES, recent_years=2, baseline_years=3, min_support=2)
    assert list(table.columns) == list(charts.EMERGING_COLUMNS)
    # recent 2023-2024 holds 5 papers, baseline 2020-2022 holds 6
    assert table["theme"].tolist() == ["safety", "llm", "rl"]  # vision has 1 recent paper, graph none
    safety, llm, rl = (table.iloc[i] for i in range(3))
    assert (safety.recent_count, safety.baseline_count, safety.growth) == (2, 0, math.inf)
    assert (llm.recent_count, llm.recent_share, llm.baseline_count) == (4, 0.8, 3)
    assert llm.baseline_share == pytest.approx(0.5) and llm.growth == pytest.approx(1.6)
    assert rl.recent_share == pytest.approx(0.4) and rl.baseline_share == pytest.approx(2 / 6)
    assert rl.growth == pytest.approx(1.2)
    assert llm["name"] == "Language models"
    assert table.attrs == {"recent": "2023–2024", "baseline": "2020–2022"}


def test_emerging_themes_default_support_drops_thin_themes(papers):
    assert charts.emerging_themes(papers, THEME_NAMES).empty  # no theme has 5 recent papers


def test_emerging_themes_without_publication_years(undated):
    table = charts.emerging_themes(undated, THEME_NAMES)
    assert table.empty and list(table.columns) == list(charts.EMERGING_COLUMNS)


def test_every_builder_returns_a_figure(papers):
    built = [
        charts.cluster_map(papers), charts.theme_counts(papers, THEME_NAMES, THEME_GROUPS),
        charts.theme_cluster_heatmap(papers, THEME_NAMES, CLUSTER_NAMES),
        charts.theme_cooccurrence(papers, THEME_NAMES),
        charts.theme_trend(papers, ["llm"], THEME_NAMES), charts.papers_per_period(papers),
        charts.cluster_share_over_time(papers, CLUSTER_NAMES),
    ]
    assert all(isinstance(f, go.Figure) for f in built)


def test_builders_cope_with_no_papers():
    empty = S.empty_papers()
    assert charts.cluster_map(empty).to_dict()["data"] == []
    assert charts.theme_counts(empty, THEME_NAMES, THEME_GROUPS).to_dict()["data"] == []
    assert charts.theme_trend(empty, ["llm"], THEME_NAMES) == "No paper has a listing date: a trend needs at least two."
    assert isinstance(charts.papers_per_period(empty), str)
    assert isinstance(charts.cluster_share_over_time(empty, CLUSTER_NAMES), str)
    assert charts.time_axis(empty).periods == ()


def test_theme_trend_without_a_theme_says_so(papers):
    assert charts.theme_trend(papers, [], THEME_NAMES) == "Choose at least one theme to see its trend."


def test_time_axis_codes_follow_labels(papers):
    axis = charts.time_axis(papers)
    assert [axis.periods[c] if c >= 0 else None for c in axis.codes] == axis.labels.tolist()
