"""Explore: search, read and take away papers under the sidebar's filters."""

import streamlit as st

from lib.explore.filters import apply_filters
from ui import components, frame, meaning_parts, state

atlas = frame.prepare()
st.title("Explore papers")
components.search_bar()
meaning_parts.reading(atlas)
components.summary_line(atlas, apply_filters(atlas.index, state.spec()))
components.results_area(atlas)
