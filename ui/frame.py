"""The frame around every page: load the collection, take state from the URL, draw the shared
sidebar, and mirror the state back into the URL. Every page calls `prepare()` first.

Nothing about the server reaches a visitor: messages are escaped and carry no absolute paths, and an
unexpected failure is logged on the server and shown as one plain sentence, never as a traceback.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import streamlit as st

from lib import build_job
from lib.core.errors import AtlasError
from lib.explore.display import escape_markdown
from lib.reading import store
from ui import auth, sidebar, state
from ui.cache import Atlas, load_atlas

P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger("paper_atlas")
if not log.handlers:  # who changed what, refusals and builds: on the server's standard error (docs/security.md)
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s paper_atlas: %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False
# The tab's icon is served by the app itself: a Material icon name would have every visitor's browser fetch it
# from a third party's server.
PAGE_CONFIG = dict(page_title="Paper Atlas", page_icon=str(Path(__file__).with_name("icon.svg")), layout="wide")
# Set by app.py in the script thread for the run it routes; a page run without it was started directly.
_run = threading.local()
# An absolute path in a message ("... in /srv/atlas/data/processed"): only its last part is shown. Not a URL's
# path, which follows a host name's letters, nor "and/or".
_ABSOLUTE_PATH = re.compile(r"(?<![\w:/.~-])/(?:[^\s/]+/)+(?=[^\s/]*)")


PAGES = (  # script, title, icon; the first is the home page
    ("pages/explore.py", "Explore", ":material/search:"),
    ("pages/topics.py", "Topics", ":material/bubble_chart:"),
    ("pages/themes.py", "Themes & trends", ":material/trending_up:"),
    ("pages/data.py", "Data", ":material/dataset:"),
)


def pages() -> list:
    """The pages for `st.navigation`, which routes them; the links to them are drawn by `navigation_bar`."""
    return [st.Page(path, title=title, icon=icon, default=i == 0) for i, (path, title, icon) in enumerate(PAGES)]


def navigation_bar() -> None:
    """Links to every page that carry the view in their URL: one step in the browser's history per page switch,
    so Back returns to the page and filters the reader came from. (Streamlit's own navigation opens a page
    without parameters, and the app writing them a moment later would add a second step.)"""
    params = state.link_params()
    with st.container(horizontal=True, gap="small", key="atlas_nav"):
        for path, title, icon in PAGES:
            st.page_link(path, label=title, icon=icon, query_params=params)


def slot(draw: Callable[P, R]) -> Callable[P, R]:
    """`draw` in a place of its own on the page, there even when it draws nothing. Streamlit places a page's
    elements by their order, so a line that comes or goes would move every element after it, and the browser
    would draw them anew: the results table, for one, about 100 ms a click (bench/README.md, "The results table
    updated in place")."""

    @functools.wraps(draw)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> R:
        with st.container():
            return draw(*args, **kwargs)

    return drawn


def mark_routed(page_path: str) -> None:
    _run.routed = True
    _run.page = page_path


def public(text: str) -> str:
    """`text` without the server's folders: each absolute path is cut to its last part."""
    return _ABSOLUTE_PATH.sub("", str(text))


def shown(text: str) -> str:
    """Text that came from files, inputs or errors, as a message may show it: no server paths, no live markup."""
    return escape_markdown(public(text))


def prepare(*, filters: bool = True) -> Atlas:
    """The collection for this run; on unusable data, a clear message and a stop instead of a trace. The
    sidebar's filters are drawn where they act (`filters`): not on the Data page."""
    st.set_page_config(**PAGE_CONFIG)
    if not getattr(_run, "routed", False):
        # Started directly (a deep link on a fresh server): register the app's own navigation, which also
        # stops Streamlit from treating pages/ as auto-discovered pages, and run again through it, so that
        # widgets get the ids they will keep (an upload made now would otherwise be lost on the next run).
        st.navigation(pages(), position="hidden")
        st.rerun()
    _run.routed = False
    state.start_run(_run.page)
    state.seed_k_from_url()
    with st.sidebar:
        auth.account()
    atlas = _notices_and_load()
    # Callbacks have already applied this run's changes, so the URL can be brought up to date now.
    state.sync_url()
    navigation_bar()
    if filters:
        sidebar.render(atlas)
    return atlas


@slot
def _notices_and_load() -> Atlas:
    """The collection, and this run's notices: a refused change, a build loading, a link's unused parts."""
    auth.refusal()
    atlas = _load()
    state.seed_from_url(atlas.index)
    if unused := state.take_unused_url_parts():
        st.warning(
            "Parts of this link could not be used, so the view shows the rest: "
            + "; ".join(escape_markdown(u) for u in unused)
            + ".",
            icon=":material/link_off:",
        )
    return atlas


def _load() -> Atlas:
    try:
        return load_atlas(state.k())
    except AtlasError as exc:
        st.error(f"Paper Atlas could not build its collection. {shown(exc)}", icon=":material/error:")
        st.stop()
    except Exception:  # noqa: BLE001 - a damaged table: logged here, rebuilt from the inputs, never shown raw
        data = store.data_dir()
        log.exception("the built collection in %s could not be loaded; rebuilding it", data.root.name)
        jobs = build_job.jobs_for(data)
        jobs.mark_unloadable(store.built_stamp(data))
        jobs.ensure()
        st.error(
            "Paper Atlas could not load its collection and is building it again from its inputs. "
            "Reload the page in a minute.",
            icon=":material/error:",
        )
        st.stop()
