"""Parts of the Themes & trends page: the trend controls and the honest notes about the time axis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lib.explore import tables
from lib.explore.facets import Membership
from lib.explore.trends import (
    cluster_share_over_time,
    emerging_clusters,
    emerging_themes,
    papers_per_period,
    theme_trend,
    time_axis,
)
from ui import state
from ui.cache import Atlas

MIN_SUPPORT = 5
DEFAULT_TREND_THEMES = ("yolo", "lora", "pruning", "diffusion", "nas")


def groups(atlas: Atlas) -> dict[str, str]:
    """Theme id -> its taxonomy group."""
    return {t.id: t.group for t in atlas.corpus.taxonomy.themes}


SECTION_LABELS = {"themes": "Themes", "clusters": "Themes × clusters", "trends": "Trends"}  # state.SECTIONS


def sections() -> dict[str, DeltaGenerator]:
    """The page's parts as tabs, by name, holding only the one in view: the others are not drawn at all (each
    chart costs the browser a few hundred ms to draw, so a page of six took over a second)."""
    labels = [SECTION_LABELS[name] for name in state.SECTIONS]
    state.seed("themes_section", SECTION_LABELS[state.section()], tuple(labels))
    tabs = st.tabs(labels, key="themes_section", on_change=_section_changed)
    return {name: tab for name, tab in zip(state.SECTIONS, tabs, strict=True) if tab.open}


def _section_changed() -> None:
    chosen = st.session_state["themes_section"]
    state.set_section(next((n for n, label in SECTION_LABELS.items() if label == chosen), state.SECTIONS[0]))


def _trend_changed() -> None:
    state.set_trend(tuple(st.session_state["trend_themes"]), st.session_state["trend_measure"] or "share")


def _show(result) -> None:
    if isinstance(result, str):
        st.info(result, icon=":material/info:")
    else:
        st.plotly_chart(result, width="stretch")


@st.fragment
def trends(rows: pd.DataFrame, themes: Membership, atlas: Atlas) -> None:
    """Theme lines over time, papers per period, cluster shares and the emerging themes, for `rows` (whose
    theme membership is `themes`). A fragment: choosing themes to plot or the measure redraws only this."""
    theme_names = atlas.names.themes
    axis = time_axis(rows)
    st.caption(axis.note)
    counts = dict(zip(themes.values, themes.counts().tolist()))
    options = [t for t in theme_names if counts.get(t)]
    asked, measure = state.trend()
    featured = [t for t in DEFAULT_TREND_THEMES if t in options] or sorted(options, key=lambda t: -counts[t])[:5]
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    # Names only: a live count in an option label would orphan the choice when the count changes.
    state.seed("trend_themes", [t for t in (featured if asked is None else asked) if t in options], tuple(options))
    state.seed("trend_measure", measure)
    chosen = left.multiselect(
        "Themes to plot", options, key="trend_themes", format_func=theme_names.get, select_all=False,
        filter_mode="contains", on_change=_trend_changed,
    )  # fmt: skip
    right.segmented_control(
        "Measure", ["share", "count"], key="trend_measure", format_func={"share": "Share", "count": "Count"}.get,
        on_change=_trend_changed,
    )  # fmt: skip
    if chosen:
        _show(theme_trend(rows, themes, chosen, theme_names, measure=measure, axis=axis))
    state.sync_url()  # a rerun of this part alone changes the URL too
    _show(papers_per_period(rows, axis=axis))
    _show(cluster_share_over_time(rows, atlas.names.clusters, axis=axis))
    emerging = emerging_themes(rows, themes, theme_names, min_support=MIN_SUPPORT)
    st.subheader("Emerging themes")
    if emerging.empty:
        st.info(
            "Emerging themes compare the last two publication years with the three before; these papers "
            "do not have publication years covering both windows.",
            icon=":material/info:",
        )
    else:
        st.caption(
            f"Share of papers with each theme in the recent years ({emerging.attrs['recent']}) against the "
            f"baseline years ({emerging.attrs['baseline']}). Listed only with at least {MIN_SUPPORT} papers in the "
            'recent years; growth is the recent share divided by the baseline share, "new" when the baseline '
            "had none."
        )
        st.dataframe(tables.emerging_table(emerging), hide_index=True, width="stretch", column_config=_SHARES)
    emerging_cluster_table(rows, atlas)


_SHARES = {
    "Recent share": st.column_config.NumberColumn(format="percent"),
    "Baseline share": st.column_config.NumberColumn(format="percent"),
}


def emerging_cluster_table(rows: pd.DataFrame, atlas: Atlas) -> None:
    """Topic clusters ranked by growth, as the themes are; clusters that came with the latest additions marked."""
    new = atlas.corpus.report.topics.outcome.new_clusters if state.k() is None else ()
    emerging = emerging_clusters(rows, atlas.names.clusters, new=new, min_support=MIN_SUPPORT)
    st.subheader("Emerging clusters")
    if emerging.empty:
        st.info(
            f"No topic cluster has {MIN_SUPPORT} papers in the recent years, or these papers do not have "
            "publication years covering both windows.",
            icon=":material/info:",
        )
        return
    st.caption(
        "The same windows and growth for the topic clusters. A cluster marked new appeared with the latest "
        "additions to the collection."
    )
    growth = ["new" if g == float("inf") else f"×{g:.1f}" for g in emerging["growth"]]
    table = pd.DataFrame(
        {
            "Cluster": emerging["name"].to_numpy(),
            "Growth": growth,
            "Recent papers": emerging["recent_count"].to_numpy(),
            "Recent share": emerging["recent_share"].to_numpy(),
            "Baseline papers": emerging["baseline_count"].to_numpy(),
            "Baseline share": emerging["baseline_share"].to_numpy(),
            "New cluster": np.where(emerging["new"].to_numpy(), "new", ""),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", column_config=_SHARES)
