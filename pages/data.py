"""Data: where the papers came from, what was merged, what the parser could not read, and the taxonomy."""

import streamlit as st

from lib.explore import tables as views
from lib.explore.display import escape_markdown
from ui import data_parts, frame

view = frame.prepare()
report = view.corpus.report
st.title("Data")
st.markdown(
    f"**{report.get('n_papers', len(view.papers)):,} papers** from {report.get('n_records', 0):,} entries "
    f"in {len(report.get('pages', []))} inputs, in {escape_markdown(str(view.corpus.data.root))}."
)
data_parts.add_papers(view)
data_parts.sources(view)
st.subheader("Inputs")
st.dataframe(views.pages_table(report), hide_index=True, width="stretch")
merges = views.merges_table(report)
st.subheader(f"Duplicates merged: {len(merges)} papers seen more than once")
st.dataframe(merges, hide_index=True, width="stretch", height=320)
splits = report.get("same_title_splits", [])
if splits:
    st.caption(f"{len(splits)} titles are shared by papers with unrelated abstracts; they were kept apart.")
issues = views.issues_table(report)
st.subheader(f"Lines not recognised and other warnings: {len(issues)}")
if len(issues):
    st.dataframe(issues, hide_index=True, width="stretch")
else:
    st.success("Every non-blank line was read as a title, an abstract, page furniture or a page date.")
st.subheader("Theme taxonomy in use")
st.caption(f"From `{view.corpus.data.taxonomy.name}`; edit it and reload to re-tag the collection.")
st.dataframe(views.taxonomy_table(view.corpus.taxonomy), hide_index=True, width="stretch", height=400)
with st.expander("Build details"):
    st.json({"topics": {k: v for k, v in report.get("topics", {}).items() if k != "clusters"},
             "timings (s)": report.get("timings", {})}, expanded=False)
