"""The shared sidebar: one facet widget per filter, each option labelled with its live count."""

from __future__ import annotations

import streamlit as st

from lib.explore.display import plural
from lib.explore.filters import facet_counts
from ui import state
from ui.data import View
from ui.labels import facet_labels


def render(view: View) -> None:
    spec = state.spec()
    counts = facet_counts(view.index, spec)
    labels = facet_labels(view)
    bar = st.sidebar
    bar.header("Filters")
    bar.button("Clear all filters", key="clear_sidebar", on_click=state.clear_filters,
               disabled=spec.is_empty(), width="stretch")

    def named(facet: str):
        return lambda v: f"{labels[facet].get(v, v)} ({counts[facet].get(v, 0):,})"

    theme_ids, _ = view.index.themes
    state.bound(bar.multiselect, "f_themes", "themes", label="Themes", options=theme_ids,
                format_func=named("themes"), placeholder="Any theme")
    state.bound(bar.segmented_control, "f_match", "theme_mode", label="Match themes",
                options=["any", "all"], format_func={"any": "any of them", "all": "all of them"}.get,
                from_widget=lambda v: v or "any", label_visibility="collapsed")
    state.bound(bar.multiselect, "f_clusters", "clusters", label="Topic cluster",
                options=sorted(counts["clusters"]), format_func=named("clusters"), placeholder="Any topic")
    state.bound(bar.radio, "f_code", "code", label="Code", options=["any", "yes", "no"], horizontal=True,
                format_func=lambda v: {"any": "Any", "yes": f"Has code ({counts['code']['yes']:,})",
                                       "no": f"No code ({counts['code']['no']:,})"}[v])
    state.bound(bar.multiselect, "f_types", "types", label="Paper type", options=view.index.types[0],
                format_func=named("types"), placeholder="Any type")
    _year_filter(view, counts["years"])
    state.bound(bar.multiselect, "f_datasets", "datasets", label="Datasets mentioned",
                options=view.index.datasets[0], format_func=named("datasets"), placeholder="Any dataset")
    state.bound(bar.multiselect, "f_sources", "sources", label="Source page", options=view.index.sources[0],
                format_func=named("sources"), placeholder="Any page")
    state.bound(bar.multiselect, "f_dates", "dates", label="Listing date", options=view.index.dates[0],
                format_func=named("dates"), placeholder="Any date")


def _year_filter(view: View, year_counts: dict[int, int]) -> None:
    years = sorted(y for y in set(view.index.year.tolist()) if y)
    if len(years) < 2:
        return
    lo, hi = years[0], years[-1]
    state.bound(
        st.sidebar.slider, "f_years", "years", label="Publication year", min_value=lo, max_value=hi,
        to_widget=lambda v: tuple(v) if v else (lo, hi),
        from_widget=lambda v: None if tuple(v) == (lo, hi) else tuple(v),
    )
    chosen = state.spec().years or (lo, hi)
    dated = sum(c for y, c in year_counts.items() if y and chosen[0] <= y <= chosen[1])
    st.sidebar.caption(f"{plural(dated, 'paper')} published in {chosen[0]}–{chosen[1]}; "
                       f"{year_counts.get(0, 0):,} undated" + (" (left out while a year range is set)" if state.spec().years else ""))
