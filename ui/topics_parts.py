"""Parts of the Topics page: the k control, map selection as a filter, and the cluster cards."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lib.core import schema as S
from lib.explore import regions
from lib.explore.display import escape_markdown, plural
from lib.explore.facets import BY_NAME
from ui import state
from ui.cache import Atlas


def k_control(atlas: Atlas) -> None:
    auto = atlas.corpus.report.topics
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    st.session_state["k_input"] = atlas.k
    left.number_input(
        "Number of clusters (k)",
        min_value=state.MIN_K,
        max_value=state.MAX_K,
        step=1,
        key="k_input",
        on_change=_k_changed,
    )
    chosen = "automatic" if state.k() is None else "set by you"
    right.markdown(f"**k = {atlas.k}** ({chosen}). Automatic choice: {escape_markdown(auto.reason)}")
    if state.k() is not None:
        right.button(f"Back to automatic k ({auto.k})", key="k_auto", on_click=_set_k, args=(None,))


def _k_changed() -> None:
    _set_k(int(st.session_state["k_input"]))


def _set_k(value: int | None) -> None:
    state.set_k(value)
    # Cluster numbers mean other clusters under another k, so a cluster filter would silently change.
    state.choose("clusters", ())


def mask(atlas: Atlas, positions: np.ndarray) -> np.ndarray:
    out = np.zeros(len(atlas.index), dtype=bool)
    out[positions] = True
    return out


def pick_from_map() -> None:
    """A box or lasso on the map picks the region, so every paper in it counts, drawn or not."""
    state.update_spec(regions=regions.from_selection(st.session_state["map"].selection))


def picked_notice(atlas: Atlas) -> None:
    picked = state.spec().regions
    if picked:
        n = int(regions.inside(atlas.index.xy[:, 0], atlas.index.xy[:, 1], picked).sum())
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.info(
            f"{plural(n, 'paper')} {regions.holding(picked)} filter every page. Explore lists them.",
            icon=":material/gesture_select:",
        )
        right.button("Clear map pick", key="clear_pick", on_click=state.update_spec, kwargs={"regions": ()})


def cluster_cards(atlas: Atlas, positions: np.ndarray) -> None:
    cards = atlas.topics.clusters
    st.subheader(f"{len(cards)} clusters")
    in_filter = np.bincount(atlas.papers[S.CLUSTER].to_numpy()[positions], minlength=len(cards))
    label = BY_NAME["clusters"].label
    columns = st.columns(3)
    for card in cards:
        c = card.cluster
        with columns[c % 3].container(border=True):
            st.markdown(f"**{escape_markdown(label(atlas.names, c))}**")
            shown = int(in_filter[c]) if c < len(in_filter) else 0
            st.caption(f"{card.size:,} papers · {shown:,} under the current filters")
            st.markdown("Top terms: " + escape_markdown(", ".join(card.top_terms)))
            for pid in card.representatives:
                if pid in atlas.index.position:
                    st.markdown("- " + escape_markdown(atlas.papers[S.TITLE].iat[atlas.index.position[pid]]))
            st.button("Show only this topic", key=f"only_cluster_{c}", on_click=state.choose, args=("clusters", (c,)))
