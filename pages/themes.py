"""Themes & trends: theme counts under the current filters, themes against clusters, and trends."""

import streamlit as st

from lib.explore import charts
from lib.explore.filters import apply_filters
from ui import frame, state, themes_parts

view = frame.prepare()
st.title("Themes & trends")
rows = view.papers.iloc[apply_filters(view.index, state.spec())]
names, groups, clusters = themes_parts.names(view)
st.caption(f"{len(rows):,} papers under the current filters.")
left, right = st.columns(2, gap="large")
left.plotly_chart(charts.theme_counts(rows, names, groups), width="stretch")
right.plotly_chart(charts.theme_cooccurrence(rows, names), width="stretch")
st.plotly_chart(charts.theme_cluster_heatmap(rows, names, clusters), width="stretch")
themes_parts.trends(rows, names, clusters)
