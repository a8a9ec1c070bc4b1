"""Parts of the Explore page for search by meaning: what a question was read as, the themes it looks like (a
click applies the theme facet), "papers like these" from ticked rows, and the score column. Only drawing and
session wiring; the search itself is lib.explore.meaning's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lib.explore.display import escape_markdown
from lib.explore.filters import FilterSpec, search_hits
from lib.explore.meaning import MAX_QUESTION
from ui import state
from ui.cache import Atlas
from ui.frame import slot

SCORE = "Score"
SCORE_COLUMN = st.column_config.NumberColumn(SCORE, help="Closeness in meaning (cosine)", format="%.2f", width="small")


@slot
def reading(atlas: Atlas) -> None:
    """Under the search bar: why a meaning or typo-tolerant search found nothing, or the words a meaning search
    read and the themes it suggests; for "papers like these", what the ranking starts from and a way back."""
    spec = state.spec()
    if spec.like:
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.caption(f"Ranked by closeness in meaning to the {len(spec.like):,} papers you chose.")
        right.button("Back", key="like_back", on_click=state.update_spec, kwargs={"like": ()}, width="stretch")
    if spec.search not in ("meaning", "fuzzy") or not spec.query.strip() or spec.like:
        return
    hits = search_hits(atlas.index, spec)
    shown = escape_markdown(spec.query.strip()[:80]) + ("…" if len(spec.query.strip()) > 80 else "")
    if hits.note:
        st.warning(f"“{shown}”: {hits.note}.", icon=":material/search_off:")
        return
    if spec.search != "meaning":
        return
    cut = f" (only its first {MAX_QUESTION:,} characters were read)" if len(spec.query) > MAX_QUESTION else ""
    st.caption("Read as: " + ", ".join(escape_markdown(t) for t in hits.terms) + cut)
    chosen = spec.chosen("themes") or ()
    for theme in hits.themes:
        if theme in chosen or theme not in atlas.names.themes:
            continue
        st.button(
            f"Looks like: {atlas.names.themes[theme]}",
            key=f"looks_like_{theme}",
            on_click=state.choose,
            args=("themes", (*chosen, theme)),
            icon=":material/label:",
            help="Show only papers about this theme",
        )


@slot
def like_button(atlas: Atlas, selected: list[int]) -> None:
    """ "Papers like these" for the ticked rows: a new ranking of the collection in the same space."""
    if not selected or atlas.index.meaning is None:
        return
    ids = tuple(dict.fromkeys(str(atlas.index.ids[p]) for p in selected))
    if st.button(f"Papers like these ({len(ids):,})", key="like_these", icon=":material/join_inner:"):
        state.update_spec(like=ids)
        st.rerun()  # the whole page: the facet counts follow the new ranking


def with_scores(table: pd.DataFrame, atlas: Atlas, spec: FilterSpec, shown: np.ndarray) -> pd.DataFrame:
    """`table` (the rows at `shown`) with a score column first, when the results are ranked by meaning."""
    meaning = spec.like or (spec.search == "meaning" and spec.query.strip())
    if not meaning or spec.sort != "relevance" or not len(shown):
        return table
    hits = search_hits(atlas.index, spec)
    order = np.argsort(hits.positions, kind="stable")
    at = order[np.searchsorted(hits.positions[order], shown)]
    return table.assign(**{SCORE: hits.scores[at]})
