"""The app's one caching boundary: loading (and on first run, building) the corpus, re-clustering per k,
and the filter index. Pages get everything through these functions and never cache anything themselves.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from lib.core import schema as S
from lib.reading import store
from lib.explore.display import plural
from lib.build import apply_topics, build_to_disk, cluster_cards
from lib.explore.filters import PaperIndex
from lib.core.errors import AtlasError
from lib.describing.themes import Taxonomy, load_taxonomy
from lib.describing.topics import fit_topics


@dataclass(frozen=True)
class Corpus:
    """A built collection as loaded: shared read-only across sessions, so never mutate it."""

    key: str
    papers: pd.DataFrame
    report: dict
    taxonomy: Taxonomy
    data: store.DataDir


@dataclass(frozen=True)
class View:
    """The corpus under one clustering k: the table pages show, its clusters, and its filter index."""

    corpus: Corpus
    k: int
    papers: pd.DataFrame
    clusters: list[dict]
    k_reason: str
    k_scores: dict
    index: PaperIndex


@st.cache_resource
def _build_lock() -> threading.Lock:
    return threading.Lock()


@st.cache_resource
def _failed_builds() -> dict[str, str]:
    """Input fingerprint -> why its build failed, so a broken input is not rebuilt on every rerun."""
    return {}


def ensure_built(data: store.DataDir) -> None:
    """Build the corpus when nothing is built or the inputs changed since, showing progress.

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
        st.warning(f"The collection could not be rebuilt ({failed[fingerprint]}); showing it as last built.",
                   icon=":material/warning:")


def _build_with_progress(data: store.DataDir) -> None:
    with st.status("Building the paper collection…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting")

        def progress(stage: str, fraction: float) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=stage)

        result = build_to_disk(
            data.raw_files(), data.processed, data.taxonomy, fingerprint=data.fingerprint(),
            arxiv_cache_path=data.arxiv_cache, progress=progress
        )
        status.update(label=f"Built {plural(result.report['n_papers'], 'paper')}", state="complete", expanded=False)


@st.cache_resource(max_entries=4, show_spinner="Loading papers…")
def _load(root: str, fingerprint: str) -> Corpus:
    data = store.data_dir(root)
    papers = store.read_papers(data.papers_path)
    report = store.read_report(data.report_path) or {}
    key = f"{fingerprint}:{store.file_digest(data.papers_path)[:16]}"
    return Corpus(key, papers, report, load_taxonomy(data.taxonomy), data)


def load_corpus() -> Corpus:
    data = store.data_dir()
    ensure_built(data)
    return _load(str(data.root), data.fingerprint())


@st.cache_data(max_entries=16, show_spinner="Re-clustering…")
def _recluster(corpus_key: str, k: int, _corpus: Corpus) -> dict:
    papers = _corpus.papers
    topics = fit_topics((papers[S.TITLE] + ". " + papers[S.ABSTRACT]).tolist(), k=k, random_state=0)
    columns = apply_topics(papers[[S.PAPER_ID]], topics)
    return {
        "columns": {c: columns[c].to_numpy() for c in (S.CLUSTER, S.CLUSTER_LABEL, S.X, S.Y)},
        "clusters": cluster_cards(topics, papers[S.PAPER_ID].tolist()),
        "reason": f"k={k}, set by you",
    }


@st.cache_resource(max_entries=8, show_spinner=False)
def _view(corpus_key: str, k: int | None, _corpus: Corpus) -> View:
    topics = _corpus.report.get("topics", {})
    built_k = int(topics.get("k", 0))
    papers, clusters, reason = _corpus.papers, topics.get("clusters", []), topics.get("reason", "")
    if k is not None and k != built_k:
        again = _recluster(corpus_key, k, _corpus)
        papers = papers.assign(**again["columns"])
        clusters, reason = again["clusters"], again["reason"]
    index = PaperIndex.from_papers(papers, theme_order=list(_corpus.taxonomy.ids()))
    return View(_corpus, k or built_k, papers, clusters, reason, topics.get("scores", {}), index)


def load_view(k: int | None = None) -> View:
    corpus = load_corpus()
    return _view(corpus.key, k, corpus)
