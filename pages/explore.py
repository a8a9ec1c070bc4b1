"""Explore: search, read and take away papers under the sidebar's filters."""

import streamlit as st

from lib.filters import apply_filters
from ui import components, frame, state

view = frame.prepare()
st.title("Explore papers")
components.search_bar()
positions = apply_filters(view.index, state.spec())
components.summary_line(view, positions)
table, reader = st.columns([3, 2], gap="large")
with table:
    selected = components.results(view, positions)
    components.downloads(view, positions, selected)
with reader:
    components.detail(view, state.open_paper())
