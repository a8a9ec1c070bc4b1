"""Parts of the Data page: adding files or pasted text to the collection, the list of added sources, and the merge
workbench (review merges, undo the wrong ones)."""

from __future__ import annotations

import logging
from datetime import datetime

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from lib import build_job
from lib.collection import AddOutcome
from lib.core.errors import AtlasError
from lib.explore import export
from lib.explore.display import escape_markdown, plural
from lib.explore.tables import kept_title
from lib.reading import sources as added_sources
from lib.reading import store
from lib.reading.formats import BY_NAME, INPUT_FORMATS, INPUT_SUFFIXES, MAX_BYTES
from ui import auth, frame
from ui.cache import Atlas

log = logging.getLogger("paper_atlas")

PENDING = "_pending_uploads"
OUTCOMES = "_add_outcomes"
UPLOAD_ROUND = "_upload_round"
NOTHING_YET = "_nothing_to_add"
SOURCES_PER_PAGE = 20
MAX_UPLOAD_MB = MAX_BYTES // 2**20  # the one upload limit: the widget's, the server's (config.toml) and Python's


def add_papers(atlas: Atlas) -> None:
    """Upload or paste (editors only); files are read and stored in a child process on the next run, then the
    collection rebuilds in the background."""
    if not auth.can_edit():
        return
    _process_pending(atlas)
    st.subheader("Add papers")
    st.caption(
        f"{accepted_formats()}, up to {MAX_UPLOAD_MB} MB a file; the content decides the format. "
        "New papers are merged with the ones already here by arXiv id, DOI, then title."
    )
    round_ = st.session_state.get(UPLOAD_ROUND, 0)
    left, right = st.columns(2)
    left.file_uploader(
        "Files",
        accept_multiple_files=True,
        key=f"upload_{round_}",
        type=list(INPUT_SUFFIXES),
        max_upload_size=MAX_UPLOAD_MB,
    )
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
    try:
        files = st.session_state.get(f"upload_{round_}") or []
    except StreamlitAPIException:  # a name the picker would not offer (sent past it): refused, said plainly
        st.session_state[UPLOAD_ROUND] = round_ + 1
        st.session_state[OUTCOMES] = [
            AddOutcome("upload", error="A file of a type the collection cannot read was sent; nothing was added.")
        ]
        return
    pending = [(f.name, f.getvalue()) for f in files]
    pasted = (st.session_state.get(f"paste_{round_}") or "").strip()
    if pasted:
        pending.append((f"pasted-{datetime.now():%Y%m%d-%H%M%S}.txt", pasted.encode("utf-8")))
    if not pending:  # nothing chosen yet, or a file still on its way up: the widgets stay as they are
        st.session_state[OUTCOMES] = []
        st.session_state[NOTHING_YET] = True
        return
    st.session_state[UPLOAD_ROUND] = round_ + 1  # fresh, empty widgets for the next batch
    if auth.allowed(f"add {', '.join(name for name, _ in pending)}"):
        st.session_state[PENDING] = pending


def _process_pending(atlas: Atlas) -> None:
    pending = st.session_state.pop(PENDING, None)
    if not pending:
        return
    jobs = build_job.jobs_for(atlas.corpus.data)
    with st.status(f"Reading {plural(len(pending), 'file')}…", expanded=True) as status:
        bar = st.progress(0.0)
        outcomes = jobs.add_files(pending, lambda stage, f: bar.progress(min(max(f, 0.0), 1.0), text=stage))
        status.update(label=f"Read {plural(len(pending), 'file')}", state="complete", expanded=False)
    for o in outcomes:
        log.info("%s: %s", auth.who(), o.summary())
    st.session_state[OUTCOMES] = outcomes
    if any(o.stored for o in outcomes):
        st.rerun()  # the next run sees the new inputs: the rebuild runs in the background meanwhile


def _show_outcomes() -> None:
    if st.session_state.pop(NOTHING_YET, False):
        st.info(
            "Nothing to add yet: choose files or paste a listing first. A large file is added once it has finished "
            "uploading, when the picker shows its size.",
            icon=":material/info:",
        )
    outcomes: list[AddOutcome] = st.session_state.get(OUTCOMES, [])
    for o in outcomes:
        if o.error:
            st.error(frame.shown(o.error), icon=":material/error:")
            continue
        st.success(escape_markdown(o.summary()), icon=":material/check_circle:")
        if o.merges:
            with st.expander(f"Review the {len(o.merges):,} merges of {escape_markdown(o.name)}"):
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
            problems = plural(len(o.warnings), "problem")
            with st.expander(f"{problems} in {escape_markdown(o.name)} (those rows were left out)"):
                st.code("\n".join(o.warnings[:500]), language=None)


def sources(atlas: Atlas) -> None:
    """The added sources, a page at a time (a lab may add thousands), each removable by an editor after a
    confirmation. A manifest broken by hand is named, and nothing overwrites it."""
    data = atlas.corpus.data
    if problem := added_sources.manifest_problem(data):
        st.error(
            f"{escape_markdown(problem)}. Added sources are still built, but none can be added or removed until "
            "the file is fixed.",
            icon=":material/error:",
        )
    added = added_sources.list_sources(data)
    st.subheader(f"Added sources: {len(added):,}")
    if not added:
        st.caption("Only the bundled pages so far.")
        return
    wanted = st.text_input("Find a source by name", key="source_filter", placeholder="part of a file name")
    shown = [e for e in reversed(added) if wanted.casefold() in e["name"].casefold()]  # the newest first
    pages = max(1, -(-len(shown) // SOURCES_PER_PAGE))
    page = st.pagination(pages, key="sources_page") if pages > 1 else 1
    editor = auth.can_edit()
    for entry in shown[(page - 1) * SOURCES_PER_PAGE : page * SOURCES_PER_PAGE]:
        left, right = st.columns([6, 1], vertical_alignment="center")
        records = f"{plural(entry['records'], 'record')} · " if isinstance(entry.get("records"), int) else ""
        fmt = BY_NAME[entry["format"]].label if entry.get("format") in BY_NAME else str(entry.get("format", ""))
        left.markdown(
            f"**{escape_markdown(entry['name'])}** · {escape_markdown(fmt)} · "
            f"{records}added {escape_markdown(str(entry.get('added', '')))}"
        )
        if editor:
            with right.popover("Remove", icon=":material/delete:"):
                st.caption(f"Remove {escape_markdown(entry['name'])} for everyone? Its papers leave the collection.")
                st.button("Remove", key=f"remove_{entry['file']}", on_click=_remove, args=(data, entry), type="primary")
    if len(shown) > SOURCES_PER_PAGE:
        st.caption(f"{len(shown):,} sources, {SOURCES_PER_PAGE} a page, the newest first.")


def _remove(data: store.DataDir, entry: dict) -> None:
    if not auth.allowed(f"remove {entry['name']} ({entry['file']})"):
        return
    try:
        added_sources.remove_source(data, entry["file"])
    except AtlasError as exc:
        st.session_state[DECISION_ERROR] = str(exc)
    st.session_state.pop(OUTCOMES, None)
    build_job.jobs_for(data).ensure()  # the rebuild starts now, in the background


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


SHOWN_ROWS = 1000  # rows of a long table sent to the browser; the download holds them all


def long_table(table: pd.DataFrame, name: str, *, height: int | None = None) -> None:
    """A table of the collection's bookkeeping (merges, warnings), its first SHOWN_ROWS rows on the page: at a
    million papers the merges alone made 8 MB a visit. When cut, a CSV download holds every row."""
    st.dataframe(table.iloc[:SHOWN_ROWS], hide_index=True, width="stretch", **({"height": height} if height else {}))
    if len(table) <= SHOWN_ROWS:
        return
    said, button = st.columns([4, 1], vertical_alignment="center")
    said.caption(f"The first {SHOWN_ROWS:,} of {len(table):,} rows are shown; the download holds them all.")
    button.download_button(
        "CSV",
        data=lambda: export.table_to_csv(table),
        file_name=f"paper-atlas-{name}.csv",
        mime="text/csv",
        key=f"download_{name}",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
    )


def merge_workbench(atlas: Atlas) -> None:
    """Every merged paper with the record it kept and where each field came from; a person can say a merge is
    not one paper (alone, or in bulk for the common cases), and every rebuild respects it."""
    data = atlas.corpus.data
    details = atlas.corpus.merge_details
    st.subheader(f"Review merges: {len(details):,} papers made of several records")
    if not details:
        st.caption("No merged papers, or the collection was built before merges were recorded.")
    else:
        if auth.can_edit():
            _bulk_actions(data, atlas.corpus.title_only_merges)
        _one_merge(data, details, atlas.corpus.merge_choices)
    if problem := store.decisions_problem(data.decisions):
        st.error(f"{escape_markdown(problem)}. It is left as it is until fixed by hand.", icon=":material/error:")
    _decisions(data)


def _bulk_actions(data: store.DataDir, candidates: list[dict]) -> None:
    st.button(
        f"Split every merge made only by title whose records give different years ({len(candidates):,})",
        key="split_title_years",
        on_click=_decide,
        args=(data, candidates),
        disabled=not candidates,
        icon=":material/call_split:",
    )


MAX_LISTED = 500  # merged papers offered in the review list at once; past that, found by their title


def _one_merge(data: store.DataDir, details: dict[str, dict], choices: dict[str, str]) -> None:
    listed = list(choices)
    if len(listed) > MAX_LISTED:  # a list of 90,000 would be sent to the browser on every run, and never scrolled
        needle = st.text_input("Find a merged paper by its title", key="merge_find").strip().casefold()
        listed = [pid for pid in listed if needle in choices[pid].casefold()] if needle else listed
        more = f"; the first {MAX_LISTED:,} are listed" if len(listed) > MAX_LISTED else ""
        said = ("matches" if len(listed) == 1 else "match") if needle else "in title order"
        st.caption(f"{plural(len(listed), 'merged paper')} {said}{more}.")
        listed = listed[:MAX_LISTED]
    if not listed:
        return
    pid = st.selectbox("Merged paper", listed, format_func=choices.__getitem__, key="merge_review")
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
    decision = {"records": [r["where"] for r in d["records"]], "title": kept_title(d), "paper_id": pid}
    if not auth.can_edit():
        return
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
    with st.expander(f"{len(decided):,} merges undone by hand (kept in {data.decisions.name})"):
        for n, entry in enumerate(decided):
            left, right = st.columns([6, 1], vertical_alignment="center")
            where = escape_markdown(", ".join(map(str, entry["records"])))
            left.markdown(f"**{escape_markdown(str(entry.get('title', '')))}**: {where}")
            if auth.can_edit():
                right.button("Undo", key=f"undo_decision_{n}", on_click=_undo, args=(data, entry["records"]))


def _decide(data: store.DataDir, entries: list[dict]) -> None:
    today = datetime.now().date().isoformat()
    if not auth.allowed(f"keep apart {len(entries)} merged papers"):
        return
    try:
        store.add_decisions(data, [{**e, "decided": today} for e in entries])
    except AtlasError as exc:  # a read-only data folder: say so instead of failing the page
        st.session_state[DECISION_ERROR] = str(exc)
    build_job.jobs_for(data).ensure()


def _undo(data: store.DataDir, records: list[str]) -> None:
    if not auth.allowed(f"undo the decision on {', '.join(records)}"):
        return
    try:
        store.remove_decision(data, records)
    except AtlasError as exc:
        st.session_state[DECISION_ERROR] = str(exc)
    build_job.jobs_for(data).ensure()


DECISION_ERROR = "_decision_error"


def decision_error() -> None:
    if message := st.session_state.pop(DECISION_ERROR, None):
        st.error(frame.shown(message), icon=":material/error:")
