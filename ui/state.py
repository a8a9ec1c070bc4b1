"""Session and URL state: the one FilterSpec of a session, the clustering k and the open paper, kept in
`st.session_state` and mirrored into the URL so every view can be shared. Names every session key.

Widgets whose labels carry live counts cannot hold their own value (a label change would orphan it),
so each widget is re-seeded from the canonical state before it is drawn, and writes back on change. A widget
is seeded only when what it would show has changed: a seeded widget is redrawn by the browser on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from lib.explore.facets import url_int
from lib.explore.filters import FilterSpec, PaperIndex, from_query, to_query, unused_url_parts

SPEC = "_spec"
K = "_k"
PAPER = "_paper"
PAGE = "_page"  # (the FilterSpec it belongs to, page number): another filter starts again at page 1
TABLE = "results"  # the results table's key: one table for every page of results, its ticks cleared when they change
TABLE_FOR = "_table_for"  # the (filters, page) whose rows the results table holds now
NO_TICKS = {"selection": {"rows": [], "columns": [], "cells": []}}
SEEDED = "_seeded_from_url"
WRITTEN = "_url_written"  # (page, URL parameters) this session last wrote, to tell its own URL from Back/Forward
PAGE_PATH = "_page_path"  # the page this run draws
TREND = "_trend"  # (themes plotted over time, or None for the featured ones; "share" or "count")
SECTION = "_section"  # the part of the Themes & trends page in view
SECTIONS = ("themes", "clusters", "trends")  # its parts; the first is shown when the URL names none
UNUSED = "_unused_url_parts"  # what the last link opened asked for and could not be kept, said once
SEEDS = "_seeds"  # widget key -> (value, option labels) it was last given
LINKED = "_linked"  # the URL parameters the links to other pages were last drawn with
MIN_K, MAX_K = 2, 40


def _url_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def start_run(page_path: str) -> None:
    """Note which page this run draws (the URL's path), before the URL is read."""
    st.session_state[PAGE_PATH] = page_path


def _url_is_new() -> bool:
    """Whether the URL says something this session did not write: its first run, the Back or Forward
    button, or an address typed in. Then the URL is the state to show, not the session's. Another page opened
    from the app's own links arrives with the view the links were drawn with, which the session may have moved
    on from since (a sort or an opened paper reruns only the results): the session's view goes with the reader."""
    if not st.session_state.get(SEEDED):
        return True
    params, path = _url_params(), st.session_state.get(PAGE_PATH, "")
    written_path, written = st.session_state.get(WRITTEN, ("", {}))
    if params == written:
        return False
    if path != written_path and params == st.session_state.get(LINKED):
        return False  # another page, opened from the app's own link: what changed since it was drawn is kept
    return bool(params) or path == written_path


def seed_k_from_url() -> None:
    """Take the clustering k from a new URL (it decides which clusters exist, so it is read first)."""
    if _url_is_new():
        st.session_state[K] = parse_k((_url_params().get("k") or [""])[0])


def seed_from_url(index: PaperIndex) -> None:
    """Take filters, the open paper and the page from a new URL (invalid parts dropped)."""
    if not _url_is_new():
        return
    params = _url_params()
    st.session_state[SPEC] = from_query(params, index)
    st.session_state[UNUSED] = unused_url_parts(params, st.session_state[SPEC])
    paper = (params.get("paper") or [""])[0]
    st.session_state[PAPER] = paper if paper in index.position else None
    st.session_state[PAGE] = (st.session_state[SPEC], parse_page((params.get("page") or [""])[0]))
    plotted = [t for t in params.get("plot", []) if t in index.values("themes")]
    measure = (params.get("measure") or [""])[0]
    st.session_state[TREND] = (tuple(plotted) if "plot" in params else None, "count" if measure == "count" else "share")
    shown = (params.get("show") or [""])[0]
    st.session_state[SECTION] = shown if shown in SECTIONS else SECTIONS[0]
    st.session_state[SEEDED] = True
    st.session_state[WRITTEN] = (st.session_state.get(PAGE_PATH, ""), params)


def trend() -> tuple[tuple[str, ...] | None, str]:
    """The themes the trend chart plots (None: the featured ones) and its measure."""
    return st.session_state.get(TREND, (None, "share"))


def set_trend(themes: tuple[str, ...] | None, measure: str) -> None:
    st.session_state[TREND] = (themes, measure)


def section() -> str:
    """The part of the Themes & trends page in view (one of SECTIONS)."""
    return st.session_state.get(SECTION, SECTIONS[0])


def set_section(name: str) -> None:
    st.session_state[SECTION] = name if name in SECTIONS else SECTIONS[0]


def take_unused_url_parts() -> list[str]:
    """What the link just opened asked for that could not be kept; each is reported once."""
    return st.session_state.pop(UNUSED, [])


def parse_k(text: str) -> int | None:
    """The k a URL asks for, when it is a plain number in range; else None (automatic)."""
    try:
        k = url_int(text)
    except ValueError:
        return None
    return k if MIN_K <= k <= MAX_K else None


def parse_page(text: str) -> int:
    try:
        return max(url_int(text), 1)
    except ValueError:
        return 1


def page() -> int:
    """The results page the reader is on, for the current filters (1 after any change of them)."""
    stored = st.session_state.get(PAGE)
    return stored[1] if stored and stored[0] == spec() else 1


def set_page(number: int) -> None:
    st.session_state[PAGE] = (spec(), number)


def spec() -> FilterSpec:
    return st.session_state.get(SPEC, FilterSpec())


def set_spec(new: FilterSpec) -> None:
    st.session_state[SPEC] = new


def update_spec(**changes) -> None:
    set_spec(replace(spec(), **changes))


def choose(facet: str, choice) -> None:
    set_spec(spec().choose(facet, choice))


def clear_filters() -> None:
    """Drop every filter and the search, keep how the user likes to search and sort."""
    set_spec(spec().without_facets())


def k() -> int | None:
    return st.session_state.get(K)


def set_k(value: int | None) -> None:
    st.session_state[K] = value


def open_paper() -> str | None:
    return st.session_state.get(PAPER)


def set_open_paper(paper_id: str | None) -> None:
    st.session_state[PAPER] = paper_id


def open_from_elsewhere(paper_id: str) -> None:
    """Open a paper that was not ticked in the table (a similar paper, say), and untick the table's rows, so
    the table, the detail and the downloads never speak of different papers."""
    set_open_paper(paper_id)
    untick()


def untick() -> None:
    """No row of the results table ticked, on the page too."""
    st.session_state[TABLE] = NO_TICKS


def url_params() -> dict[str, str | list[str]]:
    """The canonical state as URL parameters: what the URL says now, and what links to other pages carry."""
    params: dict[str, str | list[str]] = to_query(spec())
    if k() is not None:
        params["k"] = str(k())
    if open_paper():
        params["paper"] = open_paper()
    if page() > 1:
        params["page"] = str(page())
    plotted, measure = trend()
    if plotted is not None:
        params["plot"] = list(plotted) or [""]  # an empty choice is a choice too
    if measure != "share":
        params["measure"] = measure
    if section() != SECTIONS[0]:
        params["show"] = section()
    return params


def link_params() -> dict[str, str | list[str]]:
    """The parameters for a link to another page: the view of the moment, noted so that the page it opens knows
    its URL came from this session (a part of the page that reran on its own may have changed the view since)."""
    params = url_params()
    st.session_state[LINKED] = _as_lists(params)
    return params


def _as_lists(params: dict[str, str | list[str]]) -> dict[str, list[str]]:
    return {key: [v] if isinstance(v, str) else list(v) for key, v in params.items()}


def sync_url() -> None:
    """Write the canonical state into the URL, touching it only when something changed."""
    params = url_params()
    current = _url_params()
    wanted = _as_lists(params)
    if current != wanted:
        st.query_params.from_dict(params)  # a new entry in the browser's history: Back returns to this state
    st.session_state[WRITTEN] = (st.session_state.get(PAGE_PATH, ""), wanted)


def seed(key: str, value, labels: tuple = ()) -> None:
    """Give widget `key` the value `value` before it is drawn, unless it already holds it under the same
    option `labels`. Setting a widget's value marks it as set in the message to the browser, which then
    redraws it even when nothing else changed (about 20 ms for a select of 200 options), so a run that
    changes one filter would otherwise redraw every widget on the page."""
    seeds = st.session_state.setdefault(SEEDS, {})
    if key in st.session_state and seeds.get(key) == (value, labels) and st.session_state[key] == value:
        return
    st.session_state[key] = value
    seeds[key] = (value, labels)


def _labels(kwargs: dict) -> tuple:
    """The option labels a widget is drawn with: its value is sent back by label, so new labels need a seed."""
    options, named = kwargs.get("options"), kwargs.get("format_func")
    return tuple(map(named, options)) if options is not None and named is not None else ()


def bound(
    widget: Callable,
    key: str,
    get: Callable[[FilterSpec], object],
    put: Callable[[FilterSpec, object], FilterSpec],
    **kwargs,
):
    """Draw `widget` with its value read from the spec by `get`, writing changes back through `put`."""
    seed(key, get(spec()), _labels(kwargs))

    def write_back() -> None:
        set_spec(put(spec(), st.session_state[key]))

    return widget(key=key, on_change=write_back, **kwargs)


def bound_field(widget: Callable, key: str, attr: str, **kwargs):
    """`bound` to one FilterSpec field (query, search, sort)."""
    return bound(widget, key, lambda s: getattr(s, attr), lambda s, v: replace(s, **{attr: v}), **kwargs)
