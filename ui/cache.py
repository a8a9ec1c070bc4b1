"""The app's one caching boundary: loading (and on first run, building) the collection, re-clustering per k,
and the filter index. Pages get everything through `load_atlas` and never cache anything themselves.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

import pandas as pd
import streamlit as st

from lib.build import build_to_disk
from lib.core.errors import AtlasError
from lib.core.report import BuildReport, TopicSummary
from lib.describing.themes import Taxonomy, load_taxonomy
from lib.explore.display import plural
from lib.explore.facets import Names
from lib.explore.filters import PaperIndex
from lib.pipeline import CLUSTER_COLUMNS, cluster_topics
from lib.reading import store


@dataclass(frozen=True)
class Corpus:
    """A built collection as loaded: shared read-only across sessions, so never mutate it."""

    key: str
    papers: pd.DataFrame
    report: BuildReport
    taxonomy: Taxonomy
    data: store.DataDir


@dataclass(frozen=True, eq=False)
class Atlas:
    """The collection under one clustering k: the table pages show, its topics, and its filter index.
    Shared read-only across sessions."""

    corpus: Corpus
    papers: pd.DataFrame
    topics: TopicSummary
    index: PaperIndex

    @property
    def k(self) -> int:
        return self.topics.k

    @cached_property
    def names(self) -> Names:
        """What this collection calls its themes, clusters and pages."""
        return Names(
            themes={t.id: t.name for t in self.corpus.taxonomy.themes},
            clusters={c.cluster: c.label for c in self.topics.clusters},
            page_dates={p.source: p.page_date for p in self.corpus.report.inputs},
        )


@st.cache_resource
def _build_lock() -> threading.Lock:
    return threading.Lock()


@st.cache_resource
def _failed_builds() -> dict[str, str]:
    """Input fingerprint -> why its build failed, so a broken input is not rebuilt on every rerun."""
    return {}


def ensure_built(data: store.DataDir) -> None:
    """Build the collection when nothing is built or the inputs changed since, showing progress.

    Sessions share one lock, so a second visitor waits for the running build instead of starting another.
    When a rebuild fails and an earlier build exists, that one stays in use and the reason is shown;
    with nothing built at all, the error propagates to the frame.
    """
    if not data.is_stale():
        return
    fingerprint = data.fingerprint()
    failed = _failed_builds()
    with _build_lock():
        if data.is_stale() and fingerprint not in failed:
            try:
                _build_with_progress(data)
            except AtlasError as exc:
                if not data.papers_path.exists():
                    raise
                failed[fingerprint] = str(exc)
    if fingerprint in failed:
        st.warning(
            f"The collection could not be rebuilt ({failed[fingerprint]}); showing it as last built.",
            icon=":material/warning:",
        )


def _build_with_progress(data: store.DataDir) -> None:
    with st.status("Building the paper collection…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting")

        def progress(stage: str, fraction: float) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=stage)

        result = build_to_disk(
            data.raw_files(),
            data.processed,
            data.taxonomy,
            fingerprint=data.fingerprint(),
            arxiv_cache_path=data.arxiv_cache,
            progress=progress,
        )
        status.update(label=f"Built {plural(result.report.n_papers, 'paper')}", state="complete", expanded=False)


@st.cache_resource(max_entries=4, show_spinner="Loading papers…")
def _load(root: str, fingerprint: str) -> Corpus:
    data = store.data_dir(root)
    papers = store.read_papers(data.papers_path)
    report = store.read_report(data.report_path)
    if report is None:
        raise AtlasError(f"{data.report_path.name}: the build report is missing or unreadable")
    key = f"{fingerprint}:{store.file_digest(data.papers_path)[:16]}"
    return Corpus(key, papers, report, load_taxonomy(data.taxonomy), data)


def load_corpus() -> Corpus:
    data = store.data_dir()
    ensure_built(data)
    return _load(str(data.root), data.fingerprint())


@st.cache_data(max_entries=16, show_spinner="Re-clustering…")
def _recluster(corpus_key: str, k: int, _corpus: Corpus) -> tuple[dict, TopicSummary]:
    topics = cluster_topics(_corpus.papers, k=k, random_state=_corpus.report.params.get("random_state") or 0)
    summary = TopicSummary(topics.summary.k, False, f"k={k}, set by you", clusters=topics.summary.clusters)
    return {c: topics.columns[c].to_numpy() for c in CLUSTER_COLUMNS}, summary


@st.cache_resource(max_entries=8, show_spinner=False)
def _atlas(corpus_key: str, k: int | None, _corpus: Corpus) -> Atlas:
    papers, topics = _corpus.papers, _corpus.report.topics
    if k is not None and k != topics.k:
        columns, topics = _recluster(corpus_key, k, _corpus)
        papers = papers.assign(**columns)
    index = PaperIndex.from_papers(papers, orders={"themes": list(_corpus.taxonomy.ids())})
    return Atlas(_corpus, papers, topics, index)


def load_atlas(k: int | None = None) -> Atlas:
    corpus = load_corpus()
    return _atlas(corpus.key, k, corpus)
