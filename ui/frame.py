"""The frame around every page: load the collection, take state from the URL, draw the shared
sidebar, and mirror the state back into the URL. Every page calls `prepare()` first."""

from __future__ import annotations

import threading

import streamlit as st

from lib.core.errors import AtlasError
from lib.explore.display import escape_markdown
from ui import sidebar, state
from ui.cache import Atlas, load_atlas

PAGE_CONFIG = dict(page_title="Paper Atlas", page_icon=":material/travel_explore:", layout="wide")
# Set by app.py in the script thread for the run it routes; a page run without it was started directly.
_run = threading.local()


def pages() -> list:
    return [
        st.Page("pages/explore.py", title="Explore", icon=":material/search:", default=True),
        st.Page("pages/topics.py", title="Topics", icon=":material/bubble_chart:"),
        st.Page("pages/themes.py", title="Themes & trends", icon=":material/trending_up:"),
        st.Page("pages/data.py", title="Data", icon=":material/dataset:"),
    ]


def mark_routed(page_path: str) -> None:
    _run.routed = True
    _run.page = page_path


def prepare(*, filters: bool = True) -> Atlas:
    """The collection for this run; on unusable data, a clear message and a stop instead of a trace. The
    sidebar's filters are drawn where they act (`filters`): not on the Data page."""
    st.set_page_config(**PAGE_CONFIG)
    if not getattr(_run, "routed", False):
        # Started directly (a deep link on a fresh server): register the app's own navigation, which also
        # stops Streamlit from treating pages/ as auto-discovered pages, and run again through it, so that
        # widgets get the ids they will keep (an upload made now would otherwise be lost on the next run).
        st.navigation(pages(), position="top")
        st.rerun()
    _run.routed = False
    state.start_run(_run.page)
    state.seed_k_from_url()
    try:
        atlas = load_atlas(state.k())
    except AtlasError as exc:
        st.error(f"Paper Atlas could not build its collection. {exc}", icon=":material/error:")
        st.stop()
    state.seed_from_url(atlas.index)
    if unused := state.take_unused_url_parts():
        st.warning(
            "Parts of this link could not be used, so the view shows the rest: "
            + "; ".join(escape_markdown(u) for u in unused)
            + ".",
            icon=":material/link_off:",
        )
    # Callbacks have already applied this run's changes, so the URL can be brought up to date now.
    state.sync_url()
    if filters:
        sidebar.render(atlas)
    return atlas
