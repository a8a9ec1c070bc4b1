"""Data: where the papers came from, what was merged, what the parser could not read, and the taxonomy."""

import streamlit as st

from lib.explore import tables
from ui import data_parts, frame

atlas = frame.prepare(filters=False)
report = atlas.corpus.report
st.title("Data")
st.markdown(f"**{report.n_papers:,} papers** from {report.n_records:,} entries in {len(report.inputs):,} inputs.")
data_parts.add_papers(atlas)
data_parts.sources(atlas)
st.subheader("Inputs")
data_parts.long_table(tables.inputs_table(report), "inputs")
merges = atlas.corpus.merges_table
st.subheader(f"Duplicates merged: {len(merges):,} papers seen more than once")
data_parts.long_table(merges, "merges", height=320)
if report.same_title_splits:
    st.caption(
        f"{len(report.same_title_splits):,} titles are shared by papers with unrelated abstracts; they were kept apart."
    )
data_parts.decision_error()
data_parts.merge_workbench(atlas)
issues = tables.issues_table(report)
st.subheader(f"Lines not recognised and other warnings: {len(issues):,}")
if len(issues):
    data_parts.long_table(issues, "warnings")
else:
    st.success("Every non-blank line was read as a title, an abstract, page furniture or a page date.")
st.subheader("Theme taxonomy in use")
st.caption(f"From `{atlas.corpus.data.taxonomy.name}`; edit it and reload to re-tag the collection.")
st.dataframe(tables.taxonomy_table(atlas.corpus.taxonomy), hide_index=True, width="stretch", height=400)
with st.expander("Build details"):
    topics = report.topics
    st.json(
        {
            "topics": {
                "k": topics.k,
                "automatic": topics.automatic,
                "reason": topics.reason,
                "silhouettes": topics.scores,
            },
            "timings (s)": report.timings,
        },
        expanded=False,
    )
