"""Parts of the Topics page: the k control, map selection as a filter, the cluster cards, and shaping the
clusters (rename, merge, split, pin, re-cluster), which is written to topics.toml and applied by the rebuild
that follows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from lib import build_job
from lib.core import schema as S
from lib.core.errors import AtlasError
from lib.core.report import ClusterCard
from lib.explore import regions
from lib.explore.display import escape_markdown, plural
from lib.explore.facets import BY_NAME
from ui import auth, state
from ui.cache import Atlas
from ui.frame import slot

if TYPE_CHECKING:
    from lib.describing.topic_curation import Curation

NOTICE = "_topics_notice"  # what the last change did, shown once after the rebuild it caused
ERROR = "_topics_error"  # why the last change could not be saved


def k_control(atlas: Atlas) -> None:
    auto = atlas.corpus.report.topics
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    st.session_state["k_input"] = atlas.k
    left.number_input(
        "Number of clusters (k)",
        min_value=state.MIN_K,
        max_value=max(state.MAX_K, atlas.k),
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


@slot
def outcome_note(atlas: Atlas) -> None:
    """What the last build did to the clusters, and what the last change asked for."""
    o = atlas.corpus.report.topics.outcome
    if o.mode == "incremental":
        new = f"; new: {', '.join(f'C{c}' for c in o.new_clusters)}" if o.new_clusters else ""
        st.caption(
            f"Since the last build: {plural(o.kept, 'paper')} kept their cluster, {o.joined:,} new or changed "
            f"joined the nearest, {plural(len(o.new_clusters), 'new cluster')}{new}."
        )
    elif o.mode == "recluster":
        st.caption(f"Re-clustered: {o.matched} clusters continue earlier ones, {len(o.new_clusters)} are new.")
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.success(notice, icon=":material/check:")


def mask(atlas: Atlas, positions: np.ndarray) -> np.ndarray:
    out = np.zeros(len(atlas.index), dtype=bool)
    out[positions] = True
    return out


def pick_from_map() -> None:
    """A box or lasso on the map picks the region, so every paper in it counts, drawn or not."""
    state.update_spec(regions=regions.from_selection(st.session_state["map"].selection))


@slot
def picked_notice(atlas: Atlas) -> None:
    """How many papers a box or lasso on the map picked, and a way to clear it."""
    picked = state.spec().regions
    if picked:
        n = int(regions.inside(atlas.index.xy[:, 0], atlas.index.xy[:, 1], picked).sum())
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.info(
            f"{plural(n, 'paper')} {regions.holding(picked)} filter every page. Explore lists them.",
            icon=":material/gesture_select:",
        )
        right.button("Clear map pick", key="clear_pick", on_click=state.update_spec, kwargs={"regions": ()})


def editable(atlas: Atlas) -> bool:
    """Clusters can be shaped by editors only, and only as the collection's own (a k chosen here is a view that
    is not kept)."""
    return state.k() is None and auth.can_edit()


def cluster_cards(atlas: Atlas, positions: np.ndarray) -> None:
    cards = atlas.topics.clusters
    st.subheader(f"{len(cards)} clusters")
    clusters = atlas.papers[S.CLUSTER].to_numpy()[positions]
    ids, counts = np.unique(clusters, return_counts=True)
    in_filter = dict(zip(ids.tolist(), counts.tolist()))
    label = BY_NAME["clusters"].label
    columns = st.columns(3)
    for i, card in enumerate(cards):
        c = card.cluster
        with columns[i % 3].container(border=True):
            badges = (" :blue-badge[new]" if card.new else "") + (" :violet-badge[pinned]" if card.pinned else "")
            st.markdown(f"**{escape_markdown(label(atlas.names, c))}**{badges}")
            st.caption(f"{card.size:,} papers · {in_filter.get(c, 0):,} under the current filters")
            titles = [
                "- " + escape_markdown(atlas.papers[S.TITLE].iat[atlas.index.position[pid]])
                for pid in card.representatives
                if pid in atlas.index.position
            ]  # one element for the terms and the titles: each element costs the browser a redraw
            st.markdown("\n".join(["Top terms: " + escape_markdown(", ".join(card.top_terms)), "", *titles]))
            left, right = st.columns(2)
            left.button("Only this topic", key=f"only_cluster_{c}", on_click=state.choose, args=("clusters", (c,)))
            if editable(atlas):
                with right.popover("Shape", icon=":material/edit:"):
                    _card_controls(atlas, card)


def _card_controls(atlas: Atlas, card: ClusterCard) -> None:
    c = card.cluster
    st.session_state.setdefault(f"name_{c}", card.label)
    st.text_input("Name", key=f"name_{c}", max_chars=80)
    st.button("Rename", key=f"rename_{c}", on_click=_rename, args=(atlas, c))
    if card.label != card.auto_label:
        st.button(
            f"Back to the automatic name ({card.auto_label})",
            key=f"auto_name_{c}",
            on_click=_name,
            args=(atlas, c, None),
        )
    pin = "Unpin" if card.pinned else "Pin: a re-cluster keeps it as it is"
    st.button(pin, key=f"pin_{c}", on_click=_pin, args=(atlas, c, not card.pinned))
    if card.size >= 2:
        st.button("Split in two", key=f"split_{c}", on_click=_split, args=(atlas, c))


def merge_control(atlas: Atlas) -> None:
    """Merge one cluster into another."""
    cards = atlas.topics.clusters
    if not editable(atlas) or len(cards) < 2:
        return
    names = {card.cluster: BY_NAME["clusters"].label(atlas.names, card.cluster) for card in cards}
    ids = list(names)
    left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
    source = left.selectbox("Merge cluster", ids, key="merge_from", format_func=names.get)
    middle.selectbox("into", [c for c in ids if c != source], key="merge_into", format_func=names.get)
    right.button("Merge", key="merge", on_click=_merge, args=(atlas,))


def recluster_control(atlas: Atlas) -> None:
    """Re-cluster from scratch (pinned clusters stay as they are), in the background like every build."""
    if not auth.can_edit():
        return  # a reader browses the clusters; shaping them is for editors
    if not editable(atlas):
        st.info(
            "Names, merges, splits and pins apply to the collection's own clusters: go back to automatic k to "
            "shape them.",
            icon=":material/info:",
        )
        return
    st.button(
        "Re-cluster from scratch",
        key="recluster",
        help="Clusters are made anew; pinned ones are kept",
        on_click=_recluster,
        args=(atlas,),
    )


def _recluster(atlas: Atlas) -> None:
    # A callback runs before the page: this run already shows the rebuild under way, and the page reloads with it.
    if not auth.allowed("re-cluster from scratch"):
        return
    build_job.jobs_for(atlas.corpus.data).rebuild(recluster=True)
    st.session_state[NOTICE] = "The clusters were made anew; pinned clusters were kept as they were."


def _change(atlas: Atlas, change: Callable[[Curation], Curation], done: str) -> None:
    """Write the change to topics.toml; the rerun that follows rebuilds the collection with it. Callbacks check
    the visitor's role again: the controls are not drawn for readers, but a request can be forged."""
    if not auth.allowed("change the topic clusters"):
        return
    from lib.build import update_curation  # the build's modules (scikit-learn) load on a change, not on a visit

    try:
        update_curation(atlas.corpus.data.topics, change)
    except AtlasError as exc:
        st.session_state[ERROR] = str(exc)
        return
    st.session_state[NOTICE] = done


def _rename(atlas: Atlas, c: int) -> None:
    name = st.session_state.get(f"name_{c}", "").strip()
    _name(atlas, c, name or None)


def _name(atlas: Atlas, c: int, name: str | None) -> None:
    st.session_state.pop(f"name_{c}", None)  # the field shows the name the rebuild gives
    done = f"C{c} is now called “{name}”." if name else f"C{c} is back to its automatic name."
    _change(atlas, lambda cur: cur.with_cluster(c, name=name), done)


def _pin(atlas: Atlas, c: int, pinned: bool) -> None:
    done = f"C{c} is pinned: a re-cluster keeps it." if pinned else f"C{c} is no longer pinned."
    _change(atlas, lambda cur: cur.with_cluster(c, pinned=pinned), done)


def _split(atlas: Atlas, c: int) -> None:
    new = max(atlas.corpus.report.topics.next_id, max(_mentioned(atlas), default=-1) + 1)
    _change(atlas, lambda cur: cur.with_split(c, new), f"C{c} was split in two; one half is now C{new}.")


def _merge(atlas: Atlas) -> None:
    # Read at the click: the choices made since the button was drawn are the ones meant.
    source, target = st.session_state["merge_from"], st.session_state["merge_into"]
    if source == target:
        return
    _change(atlas, lambda cur: cur.with_merge(target, (source,)), f"C{source} was merged into C{target}.")


def _mentioned(atlas: Atlas) -> set[int]:
    try:
        from lib.build import read_curation

        return read_curation(atlas.corpus.data.topics).ids()
    except AtlasError:
        return set()


def curation_error() -> None:
    """A topics.toml the app could not change (broken by a hand edit): say where."""
    error = st.session_state.pop(ERROR, None)
    if error:
        st.error(f"Your change was not saved. {error}", icon=":material/error:")
