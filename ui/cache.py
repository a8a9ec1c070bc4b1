"""The app's one caching boundary: loading (and on first run, building) the collection, re-clustering per k,
and the filter index. Pages get everything through `load_atlas` and never cache anything themselves.

The build and the topic models are imported when a build or a re-clustering runs, not when the server starts:
scikit-learn alone takes a second to import, and a reader who only browses never needs it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

if TYPE_CHECKING:
    from lib.explore.charts import MapPoints

from lib.core import schema as S
from lib.core.errors import AtlasError
from lib.core.report import BuildReport, TopicSummary
from lib.describing.themes import Taxonomy, load_taxonomy
from lib.explore.display import plural
from lib.explore.facets import Names
from lib.explore.filters import PaperIndex
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
    def map_points(self) -> MapPoints:
        """The Topics map's points: worked out once for this collection and clustering, not on every rerun."""
        from lib.explore.charts import MapPoints  # plotly is loaded by the pages that draw, not at start-up

        return MapPoints.of(self.papers)

    @cached_property
    def names(self) -> Names:
        """What this collection calls its themes, clusters and pages."""
        return Names(
            themes={t.id: t.name for t in self.corpus.taxonomy.themes},
            clusters={c.cluster: c.label for c in self.topics.clusters},
            page_dates={p.source: p.page_date for p in self.corpus.report.inputs},
        )


MAX_CLUSTERINGS = 6  # values of k kept at once; each holds its cluster columns and facet, not a copy of the table


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

        from lib.build import build_to_disk  # the build's models load only when a build runs

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
def _load(root: str, built: str) -> Corpus:
    data = store.data_dir(root)
    papers = store.read_served(data)
    report = store.read_report(data.report_path)
    if report is None:
        raise AtlasError(f"{data.report_path.name}: the build report is missing or unreadable")
    return Corpus(f"{root}|{built}", papers, report, load_taxonomy(data.taxonomy), data)


def load_corpus() -> Corpus:
    data = store.data_dir()
    ensure_built(data)
    # Keyed on what is on disk, not on the inputs: a rebuild by any route (the CLI, another visitor) is served
    # at once, and a failed rebuild never files the old table under the new inputs.
    return _load(str(data.root), store.built_stamp(data))


@st.cache_resource(max_entries=4, show_spinner=False)
def _base_atlas(corpus_key: str, _corpus: Corpus) -> Atlas:
    index = PaperIndex.from_papers(_corpus.papers, orders={"themes": list(_corpus.taxonomy.ids())})
    return Atlas(_corpus, _corpus.papers, _corpus.report.topics, index)


class _Clusterings:
    """The collection under each k asked for lately (at most MAX_CLUSTERINGS), shared by every session.
    Not an st.cache: a re-clustering shows its progress in the page that asked for it, which a cached
    function would replay on every later hit."""

    def __init__(self) -> None:
        self.atlases: OrderedDict[tuple[str, int], Atlas] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, corpus: Corpus, base: Atlas, k: int) -> Atlas:
        key = (corpus.key, k)
        with self.lock:
            if key not in self.atlases:
                self.atlases[key] = _reclustered(corpus, base, k)
            self.atlases.move_to_end(key)
            while len(self.atlases) > MAX_CLUSTERINGS:
                self.atlases.popitem(last=False)
            return self.atlases[key]


@st.cache_resource
def _clusterings() -> _Clusterings:
    return _Clusterings()


def _reclustered(corpus: Corpus, base: Atlas, k: int) -> Atlas:
    with st.status(f"Re-clustering {plural(len(corpus.papers), 'paper')} into {k} topics…") as status:
        bar = st.progress(0.0)

        def progress(stage: str, fraction: float) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=stage)

        from lib.pipeline import cluster_topics

        topics = cluster_topics(
            corpus.papers, k=k, random_state=corpus.report.params.get("random_state") or 0, progress=progress
        )
        status.update(label=f"Re-clustered into {k} topics", state="complete", expanded=False)
    # The map keeps every paper where it is: only the colours (the clusters) change with k.
    papers = corpus.papers.assign(**{c: topics.columns[c].to_numpy() for c in (S.CLUSTER, S.CLUSTER_LABEL)})
    summary = TopicSummary(topics.summary.k, False, f"k={k}, set by you", clusters=topics.summary.clusters)
    return Atlas(corpus, papers, summary, base.index.with_column(papers, S.CLUSTER))


def load_atlas(k: int | None = None) -> Atlas:
    corpus = load_corpus()
    base = _base_atlas(corpus.key, corpus)
    return base if k is None or k == base.k else _clusterings().get(corpus, base, k)
