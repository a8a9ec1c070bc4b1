"""Topics: the map of papers coloured by cluster, one card per cluster, the choice of k, and shaping the
clusters (rename, merge, split, pin, re-cluster)."""

import streamlit as st

from lib.explore import charts
from lib.explore.filters import apply_filters
from ui import frame, state, topics_parts

atlas = frame.prepare()
st.title("Topics")
topics_parts.curation_error()
topics_parts.k_control(atlas)
topics_parts.outcome_note(atlas)
positions = apply_filters(atlas.index, state.spec())
highlight = topics_parts.mask(atlas, positions)
st.plotly_chart(
    charts.cluster_map(atlas.map_points, highlight=None if highlight.all() else highlight),
    key="map",
    on_select=topics_parts.pick_from_map,
    selection_mode=("box", "lasso"),
    width="stretch",
    config=charts.MAP_CONFIG,
)
topics_parts.picked_notice(atlas)
topics_parts.recluster_control(atlas)
topics_parts.merge_control(atlas)
topics_parts.cluster_cards(atlas, positions)
