"""Themes & trends: theme counts under the current filters, themes together and against clusters, and trends,
each part a tab of its own that is drawn only when open (its name in the URL as show=)."""

import streamlit as st

from lib.core import schema as S
from lib.explore import charts
from lib.explore.filters import apply_filters
from ui import frame, state, themes_parts

atlas = frame.prepare()
st.title("Themes & trends")
positions = apply_filters(atlas.index, state.spec())
if not len(positions):
    st.info("No paper matches the filters. Clear a filter in the sidebar to see themes and trends.",
            icon=":material/filter_alt_off:")  # fmt: skip
    st.stop()
rows = atlas.papers[list(charts.TIME_COLUMNS)].iloc[positions]  # what the charts read, not whole rows
themes = atlas.index.facets["themes"].rows(positions)
names = atlas.names.themes
st.caption(f"{len(rows):,} papers under the current filters.")
shown = themes_parts.sections()
if "themes" in shown:
    with shown["themes"]:
        st.plotly_chart(charts.theme_counts(themes, names, themes_parts.groups(atlas)), width="stretch")
        st.plotly_chart(charts.theme_cooccurrence(themes, names), width="content")
if "clusters" in shown:
    with shown["clusters"]:
        st.plotly_chart(
            charts.theme_cluster_heatmap(themes, rows[S.CLUSTER].to_numpy(), names, atlas.names.clusters),
            width="stretch",
        )
if "trends" in shown:
    with shown["trends"]:
        themes_parts.trends(rows, themes, atlas)
