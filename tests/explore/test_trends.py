"""Time axis and trend charts: periods, notes, shares and counts checked against the fixture by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from chart_data import CLUSTER_NAMES, ROWS, THEME_NAMES, check_style, papers_table, themes_of, values, year

from lib.core import schema as S
from lib.explore import trends


@pytest.fixture
def papers() -> pd.DataFrame:
    return papers_table()


@pytest.fixture
def undated(papers) -> pd.DataFrame:
    """The fixture with no publication dates, so the listing dates drive the time axis."""
    return papers.assign(**{S.PUBLISHED: None})


# ------------------------------------------------------------------------------------- time axis


def test_time_axis_uses_publication_year_when_span_is_three_years(papers):
    axis = trends.time_axis(papers)
    assert (axis.column, axis.granularity) == (S.PUBLISHED, "year")
    assert axis.periods == ("2020", "2021", "2022", "2023", "2024")
    assert axis.labels.tolist() == [str(year(r)) if year(r) else None for r in ROWS]
    assert axis.n_undated == 1
    assert axis.note == "Publication year; 1 paper has no publication date."


def test_time_axis_uses_months_under_three_years(papers):
    recent = papers[papers[S.PUBLISHED].fillna("").str.startswith(("2023", "2024"))]
    axis = trends.time_axis(recent)
    assert axis.granularity == "month"
    assert axis.periods[0] == "2023-01" and axis.periods[-1] == "2024-03" and len(axis.periods) == 15
    assert axis.labels.tolist() == ["2023-01", "2023-05", "2023-07", "2024-02", "2024-03"]
    assert axis.n_undated == 0 and "every paper is dated" in axis.note


def test_time_axis_falls_back_to_earliest_listing_date(undated):
    axis = trends.time_axis(undated)
    assert (axis.column, axis.granularity) == (S.LISTING_DATES, "listing")
    assert axis.periods == ("Mar 13", "Mar 18")
    assert axis.labels[undated[S.PAPER_ID] == "p04"].item() == "Mar 13"  # earliest of its two pages
    assert axis.n_undated == 2
    assert axis.note == (
        "Listing dates of the pages (no year), the earliest per paper; 2 papers come only from pages without a date."
    )
    assert axis.title == "Listing date (no year)"


def test_time_axis_ignores_publication_dates_that_cover_too_few_papers(undated):
    # One dated paper out of twelve (under a quarter) would make a publication-year axis of one paper.
    few = undated.assign(**{S.PUBLISHED: ["2021-05"] + [None] * (len(undated) - 1)})
    axis = trends.time_axis(few)
    assert axis.granularity == "listing"
    assert axis.note.endswith("Only 1 paper has a publication date, too few for a publication-date axis.")


def test_time_axis_listing_dates_with_years_keep_them(undated):
    dated = undated.assign(**{S.LISTING_DATES: [["2025-03-18"], ["2024-12-30"]] * 6})
    axis = trends.time_axis(dated)
    assert axis.periods == ("Dec 30, 2024", "Mar 18, 2025")
    assert "(no year)" not in axis.note


# ------------------------------------------------------------------------------------------ trend


def test_theme_trend_share_per_year(papers):
    d = trends.theme_trend(papers, themes_of(papers), ["llm", "rl"], THEME_NAMES).to_dict()
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
    d = trends.theme_trend(undated, themes_of(undated), ["llm"], THEME_NAMES, measure="count").to_dict()
    (trace,) = d["data"]
    assert trace["x"] == ["Mar 13", "Mar 18"]
    assert values(trace["y"]) == [2, 4]  # p04, p08 | p01, p06, p07, p11
    assert trace["customdata"][0] == [2, 4, "50%"]
    check_style(d, "Listing date (no year)", "Papers")


def test_theme_trend_marks_only_small_periods():
    n = 25
    big = pd.DataFrame(
        {
            S.THEMES: [["llm"] if i % 2 else [] for i in range(n)],
            S.PUBLISHED: ["2020-01"] * 20 + ["2021-01"] * 3 + ["2022-01"] * 2,
            S.LISTING_DATES: [[] for _ in range(n)],
        }
    )
    (trace,) = trends.theme_trend(big, themes_of(big), ["llm"], THEME_NAMES).to_dict()["data"]
    assert trace["marker"]["symbol"] == ["circle", "circle-open", "circle-open"]


def test_trend_charts_need_two_periods(undated):
    one = undated.assign(**{S.LISTING_DATES: [["03-18"]] * len(ROWS)})
    message = "Only one listing date (Mar 18): a trend needs at least two."
    assert trends.theme_trend(one, themes_of(one), ["llm"], THEME_NAMES) == message
    assert trends.cluster_share_over_time(one, CLUSTER_NAMES) == message
    none = undated.assign(**{S.LISTING_DATES: [[] for _ in ROWS]})
    assert (
        trends.theme_trend(none, themes_of(none), ["llm"], THEME_NAMES)
        == "No paper has a listing date: a trend needs at least two."
    )
    assert isinstance(trends.papers_per_period(none), str)


def test_theme_trend_rejects_unknown_measure(papers):
    with pytest.raises(ValueError):
        trends.theme_trend(papers, themes_of(papers), ["llm"], THEME_NAMES, measure="ratio")


# ------------------------------------------------------------------------------------- per period


def test_papers_per_period_shows_undated_apart(papers):
    d = trends.papers_per_period(papers).to_dict()
    dated, grey = d["data"]
    assert dated["x"] == ["2020", "2021", "2022", "2023", "2024"]
    assert values(dated["y"]) == [sum(year(r) == y for r in ROWS) for y in range(2020, 2025)]
    assert (grey["x"], values(grey["y"])) == (["Undated"], [1])
    assert grey["marker"]["color"] == trends.FADED
    assert d["layout"]["xaxis"]["categoryarray"] == ["2020", "2021", "2022", "2023", "2024", "Undated"]
    check_style(d, "Publication year", "Papers")


def test_papers_per_period_by_listing_date(undated):
    d = trends.papers_per_period(undated).to_dict()
    assert values(d["data"][0]["y"]) == [4, 6]
    assert values(d["data"][1]["y"]) == [2]


def test_cluster_share_over_time(papers):
    d = trends.cluster_share_over_time(papers, CLUSTER_NAMES).to_dict()
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
    table = trends.emerging_themes(
        papers, themes_of(papers), THEME_NAMES, recent_years=2, baseline_years=3, min_support=2
    )
    assert list(table.columns) == list(trends.EMERGING_COLUMNS)
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
    assert trends.emerging_themes(papers, themes_of(papers), THEME_NAMES).empty  # no theme has 5 recent papers


def test_emerging_themes_without_publication_years(undated):
    table = trends.emerging_themes(undated, themes_of(undated), THEME_NAMES)
    assert table.empty and list(table.columns) == list(trends.EMERGING_COLUMNS)


def test_every_builder_returns_a_figure(papers):
    built = [
        trends.theme_trend(papers, themes_of(papers), ["llm"], THEME_NAMES),
        trends.papers_per_period(papers),
        trends.cluster_share_over_time(papers, CLUSTER_NAMES),
    ]
    assert all(isinstance(f, go.Figure) for f in built)


def test_builders_cope_with_no_papers():
    empty = S.empty_papers()
    assert (
        trends.theme_trend(empty, themes_of(empty), ["llm"], THEME_NAMES)
        == "No paper has a listing date: a trend needs at least two."
    )
    assert isinstance(trends.papers_per_period(empty), str)
    assert isinstance(trends.cluster_share_over_time(empty, CLUSTER_NAMES), str)
    assert trends.time_axis(empty).periods == ()


def test_theme_trend_without_a_theme_says_so(papers):
    assert (
        trends.theme_trend(papers, themes_of(papers), [], THEME_NAMES) == "Choose at least one theme to see its trend."
    )


def test_time_axis_codes_follow_labels(papers):
    axis = trends.time_axis(papers)
    assert [axis.periods[c] if c >= 0 else None for c in axis.codes] == axis.labels.tolist()


def test_a_towering_undated_bar_is_cut_and_says_its_count(papers):
    nothing = papers.assign(**{S.PUBLISHED: None, S.LISTING_DATES: [[] for _ in range(len(papers))]})
    undated = pd.concat([papers] + [nothing] * 10, ignore_index=True)
    d = trends.papers_per_period(undated).to_dict()
    dated, grey = d["data"]
    top, count = max(values(dated["y"])), values(grey["y"])[0]
    assert count > 100 > 3 * top
    assert d["layout"]["yaxis"]["range"] == [0, 1.25 * top]  # the dated bars keep the scale
    assert grey["text"] == [f"{count:,} (bar cut)"]  # the true count stays on the bar and in the hover
    assert trends.papers_per_period(papers).to_dict()["data"][1]["text"] == [""]  # a modest one is drawn whole
