"""The shared sidebar: one widget per facet of the registry, each option labelled with its live count."""

from __future__ import annotations

import streamlit as st

from lib.explore.display import plural
from lib.explore.facets import FACETS, FLAG, MANY, ONE, RANGE, Facet, RangeIndex
from lib.explore.filters import facet_counts
from ui import state
from ui.cache import Atlas


def render(atlas: Atlas) -> None:
    spec = state.spec()
    counts = facet_counts(atlas.index, spec)
    bar = st.sidebar
    bar.header("Filters")
    bar.button(
        "Clear all filters",
        key="clear_sidebar",
        on_click=state.clear_filters,
        disabled=spec.is_empty(),
        width="stretch",
    )
    for facet in FACETS:
        if facet.name not in atlas.index.facets:
            continue
        if facet.kind in (MANY, ONE):
            _choice(atlas, facet, counts[facet.name])
        elif facet.kind == FLAG:
            _flag(facet, counts[facet.name])
        elif facet.kind == RANGE:
            _years(atlas.index.facets[facet.name], counts[facet.name])


def _choice(atlas: Atlas, facet: Facet, count: dict) -> None:
    """A multiselect of the facet's values; hidden when no paper has one (say, authors on listing pages)."""
    values = atlas.index.values(facet.name)
    if not values:
        return
    chosen = state.spec().chosen(facet.name) or ()
    # A facet offering only its most frequent values keeps those chosen, and lists by count.
    options = values if facet.top is None else list(dict.fromkeys([*chosen, *count]))

    def named(value) -> str:
        return f"{facet.label(atlas.names, value)} ({count.get(value, 0):,})"

    state.bound(
        st.sidebar.multiselect,
        f"f_{facet.name}",
        lambda s: list(s.chosen(facet.name) or ()),
        lambda s, v: s.choose(facet.name, tuple(v)),
        label=facet.title,
        options=options,
        format_func=named,
        placeholder=facet.placeholder,
        # Typing "LoRA" then Enter should pick LoRA: no "select every match" entry to land on, and only
        # options that contain what was typed (a fuzzy filter offered Kolmogorov-Arnold networks for it).
        select_all=False,
        filter_mode="contains",
    )
    if facet.all_key:
        state.bound(
            st.sidebar.segmented_control,
            f"f_{facet.name}_match",
            lambda s: "all" if facet.name in s.match_all else "any",
            lambda s, v: s.match_all_of(facet.name, v == "all"),
            label=f"Match {facet.title.lower()}",
            options=["any", "all"],
            format_func={"any": "any of them", "all": "all of them"}.get,
            label_visibility="collapsed",
        )


def _flag(facet: Facet, count: dict) -> None:
    labels = {
        "any": "Any",
        "yes": f"Has {facet.title.lower()} ({count['yes']:,})",
        "no": f"No {facet.title.lower()} ({count['no']:,})",
    }
    state.bound(
        st.sidebar.radio,
        f"f_{facet.name}",
        lambda s: s.chosen(facet.name) or "any",
        lambda s, v: s.choose(facet.name, None if v == "any" else v),
        label=facet.title,
        options=["any", "yes", "no"],
        horizontal=True,
        format_func=labels.get,
    )


def _years(index: RangeIndex, year_counts: dict[int, int]) -> None:
    if len(index.values) < 2:
        return
    facet, (lo, hi) = index.facet, index.bounds
    state.bound(
        st.sidebar.slider,
        f"f_{facet.name}",
        lambda s: tuple(s.chosen(facet.name) or (lo, hi)),
        lambda s, v: s.choose(facet.name, None if tuple(v) == (lo, hi) else tuple(v)),
        label=facet.title,
        min_value=lo,
        max_value=hi,
    )
    active = state.spec().chosen(facet.name)
    first, last = active or (lo, hi)
    dated = sum(c for y, c in year_counts.items() if y and first <= y <= last)
    st.sidebar.caption(
        f"{plural(dated, 'paper')} {facet.phrase} in {first}–{last}; "
        f"{year_counts.get(0, 0):,} undated" + (" (left out while a year range is set)" if active else "")
    )
