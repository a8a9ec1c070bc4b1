"""Parts of the Data page: adding files or pasted text to the collection, the list of added sources, and the merge
workbench (review merges, undo the wrong ones)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from lib.collection import AddOutcome, add_file
from lib.core.errors import AtlasError
from lib.explore.display import escape_markdown
from lib.reading import sources as added_sources
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
    added = added_sources.list_sources(data)
    st.subheader(f"Added sources: {len(added)}")
    if not added:
        st.caption("Only the bundled pages so far.")
        return
    for entry in added:
        left, right = st.columns([6, 1], vertical_alignment="center")
        left.markdown(
            f"**{escape_markdown(entry['name'])}** · {escape_markdown(entry['format'])} · "
            f"{entry['records']:,} records · added {entry['added']}"
        )
        right.button(
            "Remove",
            key=f"remove_{entry['file']}",
            on_click=_remove,
            args=(data, entry["file"]),
            icon=":material/delete:",
        )


def _remove(data: store.DataDir, stored: str) -> None:
    added_sources.remove_source(data, stored)
    st.session_state.pop(OUTCOMES, None)


# --- the merge workbench -----------------------------------------------------------------------------

_FIELD_NAMES = {
    "title": "Title",
    "abstract": "Abstract",
    "authors": "Authors",
    "record_published": "Date",
    "url": "Link",
    "record_arxiv_id": "arXiv id",
    "doi": "DOI",
    "venue": "Venue",
}


def merge_workbench(atlas: Atlas) -> None:
    """Every merged paper with the record it kept and where each field came from; a person can say a merge is
    not one paper (alone, or in bulk for the common cases), and every rebuild respects it."""
    data = atlas.corpus.data
    details = store.read_details(data)
    st.subheader(f"Review merges: {len(details)} papers made of several records")
    if not details:
        st.caption("No merged papers, or the collection was built before merges were recorded.")
    else:
        _bulk_actions(data, details)
        _one_merge(data, details)
    _decisions(data)


def title_only_with_years(details: dict[str, dict]) -> list[dict]:
    """Merges made only by title whose records give different years: the common wrong merge."""
    out = []
    for pid, d in details.items():
        years = {r["published"][:4] for r in d["records"] if r.get("published")}
        if d.get("joined_by") == ["title"] and len(years) > 1:
            out.append({"records": [r["where"] for r in d["records"]], "title": _title(d), "paper_id": pid})
    return out


def _title(d: dict) -> str:
    return next((r["title"] for r in d["records"] if r["where"] == d["kept"]), d["records"][0]["title"])


def _bulk_actions(data: store.DataDir, details: dict[str, dict]) -> None:
    candidates = title_only_with_years(details)
    st.button(
        f"Split every merge made only by title whose records give different years ({len(candidates)})",
        key="split_title_years",
        on_click=_decide,
        args=(data, candidates),
        disabled=not candidates,
        icon=":material/call_split:",
    )


def _one_merge(data: store.DataDir, details: dict[str, dict]) -> None:
    ids = sorted(details, key=lambda pid: _title(details[pid]).casefold())
    pid = st.selectbox(
        "Merged paper",
        ids,
        format_func=lambda p: f"{_title(details[p])[:90]} ({len(details[p]['records'])} records)",
        key="merge_review",
    )
    d = details[pid]
    st.markdown(
        f"Kept **{escape_markdown(d['kept'])}** (abstract first, then a DOI or arXiv id, then the most fields); "
        f"joined by {escape_markdown(', '.join(d.get('joined_by') or ['title']))}."
    )
    records = pd.DataFrame(d["records"]).assign(kept=lambda f: f["where"] == d["kept"])
    records["authors"] = records["authors"].map(lambda a: "; ".join(a or []))
    st.dataframe(records, hide_index=True, width="stretch")
    fields = pd.DataFrame([{"field": _FIELD_NAMES.get(k, k), "from record": v} for k, v in d.get("fields", {}).items()])
    st.dataframe(fields, hide_index=True, width="stretch")
    decision = {"records": [r["where"] for r in d["records"]], "title": _title(d), "paper_id": pid}
    st.button(
        "Not the same paper: keep these records apart",
        key="split_merge",
        on_click=_decide,
        args=(data, [decision]),
        icon=":material/call_split:",
    )


def _decisions(data: store.DataDir) -> None:
    decided = store.read_decisions(data.decisions)
    if not decided:
        return
    with st.expander(f"{len(decided)} merges undone by hand (kept in {data.decisions.name})"):
        for n, entry in enumerate(decided):
            left, right = st.columns([6, 1], vertical_alignment="center")
            where = escape_markdown(", ".join(entry["records"]))
            left.markdown(f"**{escape_markdown(entry.get('title', ''))}**: {where}")
            right.button("Undo", key=f"undo_decision_{n}", on_click=_undo, args=(data, entry["records"]))


def _decide(data: store.DataDir, entries: list[dict]) -> None:
    today = datetime.now().date().isoformat()
    try:
        store.add_decisions(data, [{**e, "decided": today} for e in entries])
    except AtlasError as exc:  # a read-only data folder: say so instead of failing the page
        st.session_state[DECISION_ERROR] = str(exc)


def _undo(data: store.DataDir, records: list[str]) -> None:
    try:
        store.remove_decision(data, records)
    except AtlasError as exc:
        st.session_state[DECISION_ERROR] = str(exc)


DECISION_ERROR = "_decision_error"


def decision_error() -> None:
    if message := st.session_state.pop(DECISION_ERROR, None):
        st.error(escape_markdown(message), icon=":material/error:")
