"""The frame around every page: load the current view, take state from the URL, draw the shared
sidebar, and after the page ran, write the state back into the URL."""

from __future__ import annotations

import streamlit as st

from lib.ingest import IngestError
from lib.themes import TaxonomyError
from ui import sidebar, state
from ui.data import View, load_view


def prepare() -> View:
    """The view for this run; on unusable bundled data, a clear message and a stop instead of a trace."""
    state.seed_k_from_url()
    try:
        view = load_view(state.k())
    except (IngestError, TaxonomyError) as exc:
        st.error(f"Paper Atlas could not build its collection. {exc}", icon=":material/error:")
        st.stop()
    state.seed_from_url(view.index)
    st.session_state[state.VIEW] = view
    sidebar.render(view)
    return view


def current_view() -> View:
    """The view `prepare` loaded for this run."""
    return st.session_state[state.VIEW]


def finish() -> None:
    state.sync_url()
