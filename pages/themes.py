"""Themes & trends: theme counts under the current filters, themes against clusters, and trends."""

import streamlit as st

from lib.core import schema as S
from lib.explore import charts
from lib.explore.filters import apply_filters
from ui import frame, state, themes_parts

atlas = frame.prepare()
st.title("Themes & trends")
positions = apply_filters(atlas.index, state.spec())
rows = atlas.papers.iloc[positions]
themes = atlas.index.facets["themes"].rows(positions)
names = atlas.names.themes
st.caption(f"{len(rows):,} papers under the current filters.")
left, right = st.columns(2, gap="large")
left.plotly_chart(charts.theme_counts(themes, names, themes_parts.groups(atlas)), width="stretch")
right.plotly_chart(charts.theme_cooccurrence(themes, names), width="stretch")
st.plotly_chart(
    charts.theme_cluster_heatmap(themes, rows[S.CLUSTER].to_numpy(), names, atlas.names.clusters), width="stretch"
)
themes_parts.trends(rows, themes, atlas)
