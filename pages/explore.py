"""Explore: search, read and take away papers under the sidebar's filters."""

import streamlit as st

from lib.explore.filters import apply_filters
from ui import components, frame, state

view = frame.prepare()
st.title("Explore papers")
components.search_bar()
positions = apply_filters(view.index, state.spec())
components.summary_line(view, positions)
selected = components.results(view, positions)
components.downloads(view, positions, selected)
st.divider()
components.detail(view, state.open_paper())
