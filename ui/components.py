"""Parts of the Explore page: the search bar, the summary line, and the results area (sort, the paged table with
selection, downloads and the open paper). Only drawing and session wiring; all data work is called from lib/.

The results area is a fragment: sorting, paging, ticking rows and opening a paper rerun only it. A search, a
facet or "Clear all" change what every facet counts, so they rerun the page.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import streamlit as st

from lib.explore import export
from lib.explore.display import escape_markdown
from lib.explore.export import EXPORT_FORMATS
from lib.explore.filters import FilterSpec, apply_filters, describe
from lib.explore.tables import RESULT_SOURCES, results_table
from ui import meaning_parts, paper_detail, state
from ui.cache import Atlas

PAGE_SIZE = 100
SHOWN = "_shown_ids"
PAGER = "pager"
SORTS = {
    "relevance": "Relevance / listing order",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "title": "Title A–Z",
    "sources": "Most pages",
}
COLUMNS = {
    "Title": st.column_config.TextColumn("Title", width="large"),
    "Themes": st.column_config.ListColumn("Themes", width="medium"),
    "Topic": st.column_config.TextColumn("Topic", width="medium"),
    "Pages": st.column_config.NumberColumn("Pages", help="Listing pages the paper appeared on", width="small"),
    "Published": st.column_config.TextColumn("Published", help="Year-month of first arXiv version", width="small"),
    "Code": st.column_config.LinkColumn("Code", display_text="code", width="small"),
}
# The short columns first after the title, so on a laptop's width the code link is in view, not scrolled off.
COLUMN_ORDER = ("Title", "Published", "Code", "Themes", "Topic", "Pages")


def search_bar() -> None:
    left, right = st.columns([5, 3], vertical_alignment="bottom")
    with left:
        state.bound_field(
            st.text_input,
            "q",
            "query",
            label="Search titles and abstracts",
            placeholder='e.g. "knowledge distillation" or, typo-tolerant, atention pruning',
        )
    with right:
        # Clicking the chosen segment again clears it; the search stays exact then.
        state.bound(
            st.segmented_control,
            "search_mode",
            lambda s: s.search,
            lambda s, v: replace(s, search=v or "exact"),
            label="Search mode",
            options=["exact", "fuzzy", "meaning"],
            format_func={"exact": "Exact phrase", "fuzzy": "Typo-tolerant titles", "meaning": "By meaning"}.get,
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


@st.fragment
def results_area(atlas: Atlas) -> None:
    """Sort, one page of the results, the downloads and the open paper; reruns on its own."""
    spec = state.spec()
    positions = apply_filters(atlas.index, spec)
    st.space("small")  # room for the table's hover toolbar, which otherwise covers "Clear all"
    selected = results(atlas, positions, spec)
    meaning_parts.like_button(atlas, selected)
    downloads(atlas, positions, selected)
    st.divider()
    paper_detail.detail(atlas, state.open_paper())
    state.sync_url()  # a rerun of this part alone (a page, a sort, an opened paper) changes the URL too


def results(atlas: Atlas, positions: np.ndarray, spec: FilterSpec) -> list[int]:
    """The current page of the results with its sort and pager; returns the ticked rows as positions."""
    n_pages = max(1, -(-len(positions) // PAGE_SIZE))
    page = min(state.page(), n_pages)
    shown = positions[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    table = results_table(atlas.papers[list(RESULT_SOURCES)].iloc[shown], atlas.names)
    table = meaning_parts.with_scores(table, atlas, spec, shown)
    ids = table.index.tolist()
    st.session_state[SHOWN] = ids
    rows = hashlib.sha1(f"{spec!r}|{page}".encode()).hexdigest()[:12]
    _other_rows(rows)
    event = st.dataframe(
        table,
        key=state.TABLE,
        on_select=lambda: _open_selected(state.TABLE),
        selection_mode="multi-row",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * max(len(table), 1), 460),
        column_config={**COLUMNS, meaning_parts.SCORE: meaning_parts.SCORE_COLUMN},
        column_order=((meaning_parts.SCORE,) if meaning_parts.SCORE in table else ()) + COLUMN_ORDER,
    )
    _pager(len(positions), n_pages, page, rows)
    return [int(shown[i]) for i in event.selection.rows]


def _other_rows(rows: str) -> None:
    """Other rows in the table (other filters, another page) start unticked, so a tick never carries over onto a
    different paper. The table keeps its one key: a table drawn anew under a new key cost the browser about 100 ms
    a click (bench/README.md)."""
    if st.session_state.get(state.TABLE_FOR) != rows:
        st.session_state[state.TABLE_FOR] = rows
        held = st.session_state.get(state.TABLE)
        if held is not None and held["selection"]["rows"]:
            state.untick()


# ... and start at their top: the table keeps its scroll otherwise. Runs in the browser when `data` changes.
_scroll_to_top = st.components.v2.component(
    "paper_atlas.results_scroll",
    js=f"""export default function () {{
        document.querySelector('.st-key-{state.TABLE} .dvn-scroller')?.scrollTo(0, 0);
    }}""",
)


def _pager(n_rows: int, n_pages: int, page: int, rows: str) -> None:
    left, middle, right = st.columns([2, 3, 2], vertical_alignment="center")
    with left:  # beside the caption, where it adds no gap to the page
        _scroll_to_top(data=rows, key="results_scroll")
    first = (page - 1) * PAGE_SIZE + 1 if n_rows else 0
    left.caption(
        f"Rows {first:,}–{min(page * PAGE_SIZE, n_rows):,} of {n_rows:,}",
        help="A click on a column's header orders this page only; Sort by orders all the results."
        if n_pages > 1
        else None,
    )
    if n_pages > 1:
        with middle:
            if st.session_state.get(PAGER) != page:  # other filters (page 1), Back, a link: set, not drawn anew
                st.session_state[PAGER] = page
            st.pagination(n_pages, key=PAGER, on_change=lambda: state.set_page(st.session_state[PAGER]))
    with right:
        state.bound_field(
            st.selectbox, "sort", "sort", label="Sort by", options=list(SORTS), format_func=SORTS.get,
            label_visibility="collapsed",
        )  # fmt: skip


def _open_selected(key: str) -> None:
    rows = st.session_state[key].selection.rows
    shown = st.session_state.get(SHOWN, [])
    if rows and rows[-1] < len(shown):
        state.set_open_paper(shown[rows[-1]])


def downloads(atlas: Atlas, positions: np.ndarray, selected: list[int]) -> None:
    """Download buttons for the ticked rows, or all filtered rows when none is ticked, in shown order. A file
    is written only when its button is clicked."""
    chosen = np.asarray(selected if selected else positions, dtype=np.int64)
    what = f"{len(chosen):,} ticked" if selected else f"all {len(chosen):,} shown"
    large = len(chosen) > export.LARGE_EXPORT  # Parquet only, written a batch at a time
    held = f"{len(chosen):,} rows, as Parquet (the other formats hold at most {export.LARGE_EXPORT:,})"
    st.caption(f"Download {what} papers" + (f": {held}" if large else ""))
    cols = st.columns(len(EXPORT_FORMATS))
    for col, (name, fmt) in zip(cols, EXPORT_FORMATS.items()):
        col.download_button(
            fmt.label,
            data=(lambda: export.to_parquet_rows(atlas.papers, chosen))
            if large
            else lambda fmt=fmt: fmt.write(atlas.papers.iloc[chosen], theme_names=atlas.names.themes),
            file_name=f"paper-atlas.{fmt.extension}",
            mime=fmt.mime,
            key=f"download_{name}",
            on_click="ignore",
            icon=":material/download:",
            disabled=len(chosen) == 0 or (large and name != "parquet"),
            width="stretch",
        )
