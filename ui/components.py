"""Reusable page parts: the search bar, the paged results table with selection, the paper detail view,
and the download buttons. Only drawing and session wiring; all data work is called from lib/."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import streamlit as st

from lib.core import schema as S
from lib.explore.display import escape_markdown, highlight_markdown
from lib.explore.export import EXPORT_FORMATS
from lib.explore.filters import describe, search_hits
from lib.explore.tables import paper_detail, results_table
from ui import state
from ui.cache import Atlas

PAGE_SIZE = 1000
SHOWN = "_shown_ids"


def search_bar() -> None:
    left, mid, right = st.columns([5, 3, 2], vertical_alignment="bottom")
    with left:
        state.bound_field(
            st.text_input,
            "q",
            "query",
            label="Search titles and abstracts",
            placeholder='e.g. "knowledge distillation" or, typo-tolerant, atention pruning',
        )
    with mid:
        # Clicking the chosen segment again clears it; the search stays exact then.
        state.bound(
            st.segmented_control,
            "search_mode",
            lambda s: s.search,
            lambda s, v: replace(s, search=v or "exact"),
            label="Search mode",
            options=["exact", "fuzzy"],
            format_func={"exact": "Exact phrase", "fuzzy": "Typo-tolerant titles"}.get,
        )
    with right:
        state.bound_field(
            st.selectbox,
            "sort",
            "sort",
            label="Sort by",
            options=["relevance", "newest", "oldest", "title", "sources"],
            format_func={
                "relevance": "Relevance / listing order",
                "newest": "Newest first",
                "oldest": "Oldest first",
                "title": "Title A–Z",
                "sources": "Most pages",
            }.get,
        )


def results(atlas: Atlas, positions: np.ndarray) -> list[int]:
    """Draw the results table (paged above PAGE_SIZE rows); return the selected rows as positions."""
    n_pages = max(1, -(-len(positions) // PAGE_SIZE))
    page = 1
    if n_pages > 1:
        page = st.number_input(f"Page (of {n_pages:,}, {PAGE_SIZE:,} rows each)", 1, n_pages, 1, key="page")
    shown = positions[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    table = results_table(atlas.papers.iloc[shown], atlas.names)
    ids = table.index.tolist()
    st.session_state[SHOWN] = ids
    key = "results_" + hashlib.sha1("\n".join(ids).encode()).hexdigest()[:12]
    event = st.dataframe(
        table,
        key=key,
        on_select=lambda: _open_selected(key),
        selection_mode="multi-row",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * max(len(table), 1), 460),
        column_config={
            "Title": st.column_config.TextColumn("Title", width="large"),
            "Themes": st.column_config.ListColumn("Themes", width="medium"),
            "Topic": st.column_config.TextColumn("Topic", width="medium"),
            "Pages": st.column_config.NumberColumn("Pages", help="Listing pages the paper appeared on", width="small"),
            "Published": st.column_config.TextColumn(
                "Published", help="Year-month of first arXiv version", width="small"
            ),
            "Code": st.column_config.LinkColumn("Code", display_text="code", width="small"),
        },
    )
    return [int(shown[i]) for i in event.selection.rows]


def _open_selected(key: str) -> None:
    rows = st.session_state[key].selection.rows
    shown = st.session_state.get(SHOWN, [])
    if rows and rows[-1] < len(shown):
        state.set_open_paper(shown[rows[-1]])


def downloads(atlas: Atlas, positions: np.ndarray, selected: list[int]) -> None:
    """Download buttons for the selected rows, or all filtered rows when none is selected, in shown order."""
    chosen = np.asarray(selected if selected else positions, dtype=np.int64)
    what = f"{len(chosen):,} selected" if selected else f"all {len(chosen):,} shown"
    st.caption(f"Download {what} papers")
    rows = atlas.papers.iloc[chosen]
    cols = st.columns(len(EXPORT_FORMATS))
    for col, (name, fmt) in zip(cols, EXPORT_FORMATS.items()):
        col.download_button(
            fmt.label,
            data=lambda fmt=fmt: fmt.write(rows),
            file_name=f"paper-atlas.{fmt.extension}",
            mime=fmt.mime,
            key=f"download_{name}",
            on_click="ignore",
            icon=":material/download:",
            disabled=len(chosen) == 0,
            width="stretch",
        )


def detail(atlas: Atlas, paper_id: str | None) -> None:
    """The open paper: abstract with matches marked, why each theme matched, its cluster, similar papers."""
    if paper_id is None or paper_id not in atlas.index.position:
        st.info("Select a row in the table to read the paper here.", icon=":material/touch_app:")
        return
    row = atlas.papers.iloc[atlas.index.position[paper_id]]
    d = paper_detail(row, atlas.names)
    hits = search_hits(atlas.index, state.spec())
    terms = hits.terms if hits is not None else ()
    st.markdown(f"#### {highlight_markdown(d.title, terms)}")
    facts = [
        f"{S.PAPER_TYPE_NAMES.get(d.paper_type, d.paper_type)}",
        f"seen on {len({p.rsplit(':', 1)[0] for p in d.pages})} page(s)",
    ]
    if d.published:
        facts.append(f"published {d.published}")
    if d.listing_dates:
        facts.append("listed " + ", ".join(d.listing_dates))
    if d.authors:
        st.markdown(escape_markdown(", ".join(d.authors)))
    st.caption(escape_markdown(" · ".join(facts)))
    links = st.columns(4)
    if d.arxiv_url:
        links[0].link_button(
            f"arXiv {d.arxiv_id}",
            d.arxiv_url,
            icon=":material/open_in_new:",
            help=f"arXiv id {d.arxiv_note}" if d.arxiv_note else None,
        )
    if d.code_url:
        links[1].link_button("Code", d.code_url, icon=":material/code:")
    if d.doi:
        links[2].link_button("DOI", f"https://doi.org/{d.doi}", icon=":material/link:")
    if d.arxiv_note:
        st.caption(f"The arXiv id was {d.arxiv_note}.")
    st.markdown(highlight_markdown(d.abstract, terms) or "_No abstract on the listing page._")
    if d.abstract_variants:
        with st.expander(f"{len(d.abstract_variants)} other version(s) of the abstract"):
            for variant in d.abstract_variants:
                st.markdown(escape_markdown(variant))
    _why_themes(d)
    st.markdown(f"**Topic:** {escape_markdown(d.cluster_name)}")
    if d.datasets:
        st.markdown("**Datasets:** " + escape_markdown(", ".join(d.datasets)))
    _similar(atlas, d.similar_ids)


def _why_themes(d) -> None:
    if not d.themes and not d.mentions:
        st.markdown("**Themes:** none of the taxonomy's themes matched.")
        return
    lines = [
        f"- **{escape_markdown(name)}**: matched {escape_markdown(', '.join(words) or '—')}" for name, words in d.themes
    ]
    lines += [
        f"- {escape_markdown(name)} (mentioned only): {escape_markdown(', '.join(words) or '—')}"
        for name, words in d.mentions
    ]
    st.markdown("**Why these themes**\n\n" + "\n".join(lines))


def _similar(atlas: Atlas, similar_ids: list[str]) -> None:
    known = [pid for pid in similar_ids if pid in atlas.index.position]
    if not known:
        return
    st.markdown("**Similar papers**")
    for pid in known:
        title = atlas.papers[S.TITLE].iat[atlas.index.position[pid]]
        st.button(
            escape_markdown(title),
            key=f"similar_{pid}",
            on_click=state.set_open_paper,
            args=(pid,),
            type="tertiary",
            icon=":material/article:",
        )


def summary_line(atlas: Atlas, positions: np.ndarray) -> None:
    spec = state.spec()
    text = f"Showing **{len(positions):,}** of {len(atlas.index):,} papers"
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.markdown(text + " — " + escape_markdown(describe(spec, atlas.names)))
    right.button(
        "Clear all",
        key="clear_main",
        on_click=state.clear_filters,
        disabled=spec.is_empty(),
        icon=":material/filter_alt_off:",
        width="stretch",
    )
