"""Parts of the Data page: adding files or pasted text to the collection, and the list of added sources."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from lib.collection import AddOutcome, add_file
from lib.explore.display import escape_markdown
from lib.reading import store
from lib.reading.formats import INPUT_FORMATS, INPUT_SUFFIXES, MAX_BYTES
from ui.cache import Atlas

PENDING = "_pending_uploads"
OUTCOMES = "_add_outcomes"
UPLOAD_ROUND = "_upload_round"


def add_papers(atlas: Atlas) -> None:
    """Upload or paste; files are read and stored on the next run, then the collection rebuilds."""
    _process_pending(atlas)
    st.subheader("Add papers")
    st.caption(
        f"{accepted_formats()}, up to {MAX_BYTES // (1024 * 1024)} MB a file; the content decides the format. "
        "New papers are merged with the ones already here by arXiv id, DOI, then title."
    )
    round_ = st.session_state.get(UPLOAD_ROUND, 0)
    left, right = st.columns(2)
    left.file_uploader("Files", accept_multiple_files=True, key=f"upload_{round_}", type=list(INPUT_SUFFIXES))
    right.text_area("…or paste the text of a listing page", key=f"paste_{round_}", height=120)
    st.button(
        "Add to the collection",
        key="add_sources",
        on_click=_queue,
        args=(round_,),
        type="primary",
        icon=":material/add:",
    )
    _show_outcomes()


def accepted_formats() -> str:
    """'Hugging Face Papers page text (.txt), CSV (.csv), ...': every input format, from the one registry."""
    return ", ".join(f"{f.label} ({', '.join('.' + e for e in f.extensions)})" for f in INPUT_FORMATS)


def _queue(round_: int) -> None:
    files = st.session_state.get(f"upload_{round_}") or []
    pending = [(f.name, f.getvalue()) for f in files]
    pasted = (st.session_state.get(f"paste_{round_}") or "").strip()
    if pasted:
        pending.append((f"pasted-{datetime.now():%Y%m%d-%H%M%S}.txt", pasted.encode("utf-8")))
    st.session_state[PENDING] = pending
    st.session_state[UPLOAD_ROUND] = round_ + 1  # fresh, empty widgets for the next batch


def _process_pending(atlas: Atlas) -> None:
    pending = st.session_state.pop(PENDING, None)
    if not pending:
        return
    data = atlas.corpus.data
    st.session_state[OUTCOMES] = [add_file(data, atlas.papers, name, content) for name, content in pending]
    if any(o.stored for o in st.session_state[OUTCOMES]):
        st.rerun()  # the next run sees the new inputs and rebuilds, with progress


def _show_outcomes() -> None:
    outcomes: list[AddOutcome] = st.session_state.get(OUTCOMES, [])
    for o in outcomes:
        if o.error:
            st.error(escape_markdown(o.error), icon=":material/error:")
            continue
        st.success(escape_markdown(o.summary()), icon=":material/check_circle:")
        if o.merges:
            with st.expander(f"Review the {len(o.merges)} merges of {o.name}"):
                st.dataframe(
                    pd.DataFrame(o.merges).rename(
                        columns={
                            "title": "New entry",
                            "into_title": "Merged into",
                            "into_id": "Paper id",
                            "by": "Matched by",
                        }
                    ),
                    hide_index=True,
                    width="stretch",
                )
        if o.warnings:
            with st.expander(f"{len(o.warnings)} problems in {o.name} (those rows were left out)"):
                st.code("\n".join(o.warnings[:500]), language=None)


def sources(atlas: Atlas) -> None:
    data = atlas.corpus.data
    added = store.list_sources(data)
    st.subheader(f"Added sources: {len(added)}")
    if not added:
        st.caption("Only the bundled pages so far.")
        return
    for entry in added:
        left, right = st.columns([6, 1], vertical_alignment="center")
        left.markdown(
            f"**{escape_markdown(entry['name'])}** · {escape_markdown(entry['format'])} · "
            f"{entry['records']} records · added {entry['added']}"
        )
        right.button(
            "Remove",
            key=f"remove_{entry['file']}",
            on_click=_remove,
            args=(data, entry["file"]),
            icon=":material/delete:",
        )


def _remove(data: store.DataDir, stored: str) -> None:
    store.remove_source(data, stored)
    st.session_state.pop(OUTCOMES, None)
