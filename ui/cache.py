"""The app's one caching boundary: loading (and on first run, building) the collection, re-clustering per k,
and the filter index. Pages get everything through `load_atlas` and never cache anything themselves.

The build and the topic models are imported when a build or a re-clustering runs, not when the server starts:
scikit-learn alone takes a second to import, and a reader who only browses never needs it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

if TYPE_CHECKING:
    from lib.explore.charts import MapPoints

from lib import build_job, serving
from lib.core import schema as S
from lib.core.errors import AtlasError
from lib.core.report import BuildReport, TopicSummary
from lib.describing.themes import Taxonomy, load_taxonomy
from lib.explore import lean_index
from lib.explore.display import plural
from lib.explore.facets import Names
from lib.explore.filters import PaperIndex
from lib.explore.meaning import MeaningIndex
from lib.reading import sources as added_sources
from lib.reading import store

log = logging.getLogger("paper_atlas")


@dataclass(frozen=True)
class Corpus:
    """A built collection as loaded: shared read-only across sessions, so never mutate it."""

    key: str
    papers: pd.DataFrame
    report: BuildReport
    taxonomy: Taxonomy
    data: store.DataDir

    @cached_property
    def merge_details(self) -> dict[str, dict]:
        """The build's merge details, read once per loaded build, not on every run of the Data page (a 19 MB
        file at a million papers, 0.6 s to parse)."""
        return store.read_details(self.data)

    @cached_property
    def merge_choices(self) -> dict[str, str]:
        """The merged papers as the Data page lists them to review, in title order (lib.explore.tables)."""
        from lib.explore.tables import merge_choices

        return merge_choices(self.merge_details)

    @cached_property
    def title_only_merges(self) -> list[dict]:
        """The merges the Data page offers to split in bulk (lib.explore.tables.title_only_with_years)."""
        from lib.explore.tables import title_only_with_years

        return title_only_with_years(self.merge_details)

    @cached_property
    def merges_table(self) -> pd.DataFrame:
        from lib.explore.tables import merges_table

        return merges_table(self.report)


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

        if isinstance(self.index.position, lean_index.IdPositions):  # served lean: hover texts on demand
            built = self.topics is self.corpus.report.topics  # the build's clusters: its map sample holds
            return lean_index.map_points(self.papers, self.index.ids, self.index.map_sample if built else None)
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


UPDATE_CHECK_S = 2.0  # how often a page showing "updating" looks whether the new build is in
ARRIVAL_WAIT_S = 1.0  # the longest a run waits for a new build to load before serving the one before
OWN_BUILD_WAIT_S = 30.0  # the longest a run waits for a build it started itself before showing "updating"


def ensure_built(data: store.DataDir) -> None:
    """Keep the collection built from its inputs, without making anyone wait on a rebuild.

    A change of the inputs starts a build in a child process (lib.build_job). Meanwhile every visitor is served
    the last good build, with a note that updates itself and reloads the page when the new build is in; a build
    that failed leaves that build in use and says why. This run waits for the build, showing its progress, when
    nothing usable is built yet (a first run, a damaged table: AtlasError says why a build failed), and for at
    most OWN_BUILD_WAIT_S when it started the build itself (the change it reacts to was made through a path that
    did not start the build at once, such as an edit of topics.toml: the person who made it mostly sees it built).
    Adding and removing sources and deciding merges start their build from the click, so nobody waits for those.
    """
    jobs = build_job.jobs_for(data)
    status = jobs.ensure()
    if not status.usable or status.started:
        status = _build_with_progress(data, jobs, None if not status.usable else OWN_BUILD_WAIT_S)
    if status.running:
        _updating(str(data.root))
    elif status.failure:
        load_taxonomy(data.taxonomy)  # a broken taxonomy stops every page: AtlasError names it, said once
        st.warning(
            f"The collection could not be rebuilt: {_shown(status.failure)}. Showing it as last built"
            + _pending(data)
            + ".",
            icon=":material/warning:",
        )


def _shown(text: str) -> str:
    from ui.frame import shown  # ui.frame imports this module first

    return shown(text)


def _pending(data: store.DataDir) -> str:
    """', without a.csv and b.csv (added since)': the sources the failed build would have added."""
    report = store.read_report(data.report_path)
    built = {i.source for i in report.inputs} if report else set()
    names = [e["name"] for e in added_sources.list_sources(data) if e["file"] not in built]
    if not names:
        return ""
    listed = ", ".join(_shown(n) for n in names[:5]) + (f" and {len(names) - 5:,} more" if len(names) > 5 else "")
    return f", without {listed} (added since; remove to stop retrying)"


@st.fragment(run_every=UPDATE_CHECK_S)
def _updating(root: str) -> None:
    status = build_job.jobs_for(store.data_dir(root)).status()
    arriving = _arrivals().arriving(root)
    if not status.running and not arriving:
        st.rerun()  # the new build (or its failure) is in and loaded: the whole page shows it
    if not status.running:
        st.info("Loading the new build of the collection. You are seeing it as last built until then.",
                icon=":material/sync:")  # fmt: skip
        return
    stage = f": {_shown(status.stage)}" if status.stage else ""
    st.info(
        f"Updating the collection ({status.fraction:.0%}{stage}). You are seeing it as last built until then.",
        icon=":material/sync:",
    )


def _build_with_progress(
    data: store.DataDir, jobs: build_job.CollectionJobs, longest: float | None
) -> build_job.Status:
    with st.status("Building the paper collection…", expanded=True) as shown:
        bar = st.progress(0.0, text="Starting")
        status = jobs.status()
        deadline = time.monotonic() + (longest if longest is not None else float("inf"))
        while status.running and time.monotonic() < deadline:
            bar.progress(status.fraction, text=_shown(status.stage) or "Starting")
            status = jobs.wait(0.5)
        if status.running:  # taking long: the page is served meanwhile, with the updating note
            shown.update(label="Building the paper collection in the background", state="complete", expanded=False)
            return status
        status = jobs.ensure()  # the last word: usable now, or why not
        if not status.usable:
            shown.update(label="The collection could not be built", state="error")
            raise AtlasError(status.failure or "the build left no usable table")
        if status.failure:
            shown.update(label="The collection could not be rebuilt", state="error", expanded=False)
            return status
        report = store.read_report(data.report_path)
        n_papers = report.n_papers if report else 0
        shown.update(label=f"Built {plural(n_papers, 'paper')}", state="complete", expanded=False)
    return status


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
    # as soon as it is loaded, and a failed rebuild never files the old table under the new inputs.
    root, built = str(data.root), store.built_stamp(data)
    served = _arrivals().stamp_to_serve(root, built)
    if served != built and not build_job.jobs_for(data).status().running:
        _updating(root)
    return _load(root, served)


class _Arrivals:
    """A new build loaded in the background while every visitor is still served the one before. Otherwise the
    first run after a rebuild would load it (seconds at 50,000 papers) with every other visitor's run waiting
    on that load; now nobody waits, and each page switches to the new build once it is in memory."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.served: dict[str, str] = {}  # data folder -> the build served
        self.loading: dict[str, str] = {}  # data folder -> the build being loaded

    def stamp_to_serve(self, root: str, built: str) -> str:
        with self.lock:
            served = self.served.setdefault(root, built)  # the first load of all is waited for, as it must be
            if served == built:
                return built
            if self.loading.get(root) == built:
                return served  # loading already: nobody else waits for it
            self.loading[root] = built
            thread = threading.Thread(target=self._load, args=(root, built), daemon=True, name="atlas-arrival")
            thread.start()
        thread.join(ARRIVAL_WAIT_S)  # the run that noticed it waits a little: a small collection then shows at once
        with self.lock:
            return self.served[root]

    def _load(self, root: str, built: str) -> None:
        try:
            corpus = _load(root, built)
            _base_atlas(corpus.key, corpus, serving.serves_lean(len(corpus.papers)))
        except Exception:  # noqa: BLE001 - the next run loads it itself and says what is wrong
            log.exception("loading the build %s of %s in the background", built, root)
        with self.lock:
            if self.loading.get(root) == built:
                del self.loading[root]
                self.served[root] = built

    def arriving(self, root: str) -> bool:
        with self.lock:
            return root in self.loading


@st.cache_resource
def _arrivals() -> _Arrivals:
    return _Arrivals()


@st.cache_resource(max_entries=4, show_spinner=False)
def _base_atlas(corpus_key: str, _corpus: Corpus, lean: bool = False) -> Atlas:
    # Above serving.lean_threshold() papers, the index the build wrote is mapped instead of worked out here.
    index = serving.load_index(_corpus.data) if lean else None
    if index is None:
        index = PaperIndex.from_papers(_corpus.papers, orders={"themes": list(_corpus.taxonomy.ids())})
    return Atlas(_corpus, _corpus.papers, _corpus.report.topics, _with_meaning(index, _corpus))


def _with_meaning(index: PaperIndex, corpus: Corpus) -> PaperIndex:
    """The index with the meaning index the build wrote beside the table (memory-mapped), when it was made for
    these rows; a build without one is searched by meaning with a note saying so."""
    saved = store.read_meaning(corpus.data.processed)
    ids = corpus.papers[S.PAPER_ID].to_numpy(dtype=str)
    meaning = MeaningIndex.from_files(*saved, ids) if saved else None
    return replace(index, meaning=meaning) if meaning is not None else index


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

        from lib.build import read_model
        from lib.pipeline import cluster_topics

        # In the space the build saved (its vectors), not vectorizing every text again; clusters that continue
        # one of the build's keep its number and name.
        topics = cluster_topics(
            corpus.papers,
            k=k,
            random_state=corpus.report.params.get("random_state") or 0,
            progress=progress,
            previous=read_model(corpus.data.processed),
            reuse_space=True,
        )
        status.update(label=f"Re-clustered into {k} topics", state="complete", expanded=False)
    # The map keeps every paper where it is: only the colours (the clusters) change with k.
    papers = corpus.papers.assign(**{c: topics.columns[c].to_numpy() for c in (S.CLUSTER, S.CLUSTER_LABEL)})
    summary = TopicSummary(topics.summary.k, False, f"k={k}, set by you", clusters=topics.summary.clusters)
    return Atlas(corpus, papers, summary, base.index.with_column(papers, S.CLUSTER))


def load_atlas(k: int | None = None) -> Atlas:
    corpus = load_corpus()
    base = _base_atlas(corpus.key, corpus, serving.serves_lean(len(corpus.papers)))
    return base if k is None or k == base.k else _clusterings().get(corpus, base, k)
