"""The frame around every page: load the current view, take state from the URL, draw the shared
sidebar, and mirror the state back into the URL. Every page calls `prepare()` first."""

from __future__ import annotations

import streamlit as st

from lib.arxiv_cache import CacheError
from lib.ingest import IngestError
from lib.themes import TaxonomyError
from ui import sidebar, state
from ui.data import View, load_view


PAGE_CONFIG = dict(page_title="Paper Atlas", page_icon=":material/travel_explore:", layout="wide")


def prepare() -> View:
    """The view for this run; on unusable bundled data, a clear message and a stop instead of a trace."""
    st.set_page_config(**PAGE_CONFIG)
    state.seed_k_from_url()
    try:
        view = load_view(state.k())
    except (IngestError, TaxonomyError, CacheError) as exc:
        st.error(f"Paper Atlas could not build its collection. {exc}", icon=":material/error:")
        st.stop()
    state.seed_from_url(view.index)
    # Callbacks have already applied this run's changes, so the URL can be brought up to date now.
    state.sync_url()
    sidebar.render(view)
    return view
