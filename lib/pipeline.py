"""The stages of a build, one function each: tag themes, extract fields, settle arXiv ids and dates, cluster
topics, and make the report. lib.build runs them in order on one machine; the app re-clusters through
`cluster_topics`, so the two cannot disagree. Nothing here reads or writes files.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.cleaning.dedupe import DedupeResult
from lib.cleaning.id_cache import CacheEntry, match_titles
from lib.core import schema as S
from lib.core.ids import arxiv_abs_url, arxiv_month
from lib.core.report import (
    ArxivSummary,
    BuildReport,
    ClusterCard,
    IdConflict,
    InputSummary,
    ThemeCount,
    TopicOutcome,
    TopicSummary,
)
from lib.describing.extract import extract_fields
from lib.describing.themes import Taxonomy, tag_themes
from lib.describing.topic_curation import Curation
from lib.describing.topic_model import TopicModel, text_hashes
from lib.describing.topic_stage import StageResult
from lib.describing.topic_stage import run as run_topics

Progress = Callable[[str, float], None]
N_SIMILAR = 5
# The columns a re-clustering changes; similar papers stay as built (they do not depend on k).
CLUSTER_COLUMNS = (S.CLUSTER, S.CLUSTER_LABEL, S.X, S.Y)


@dataclass(frozen=True)
class Topics:
    """The topic columns for a table's rows (aligned with it), the summary that goes in the report, the model a
    build saves to start the next one from, and notes on topics.toml entries that did nothing (line, what)."""

    columns: pd.DataFrame
    summary: TopicSummary
    model: TopicModel | None = None
    notes: tuple[tuple[int, str], ...] = ()


THEME_COLUMNS = (S.THEMES, S.THEME_MENTIONS, S.THEME_EVIDENCE)


def with_themes(papers: pd.DataFrame, taxonomy: Taxonomy, *, known: pd.DataFrame | None = None) -> pd.DataFrame:
    """The papers with their theme columns. `known` (indexed by paper id: THEME_COLUMNS and "hash", the digest of
    the paper's topic text, from the last build with this same taxonomy) spares tagging the papers whose title
    and abstract are unchanged: tags depend on nothing else."""
    columns = {c: [None] * len(papers) for c in THEME_COLUMNS}
    todo = np.arange(len(papers))
    if known is not None and len(known) and len(papers) and known.index.is_unique:
        at = known.index.get_indexer(papers[S.PAPER_ID])
        same = at >= 0
        same[same] = known["hash"].to_numpy()[at[same]] == text_hashes(topic_texts(papers[same]))
        for c in THEME_COLUMNS:
            values = known[c].to_numpy()
            for i in np.flatnonzero(same):
                columns[c][i] = values[at[i]]
        todo = np.flatnonzero(~same)
    rows = papers.iloc[todo]
    tags = tag_themes(rows[S.TITLE].tolist(), rows[S.ABSTRACT].tolist(), taxonomy)
    for i, t in zip(todo.tolist(), tags):
        columns[S.THEMES][i] = list(t.themes)
        columns[S.THEME_MENTIONS][i] = list(t.mentions)
        columns[S.THEME_EVIDENCE][i] = json.dumps(t.evidence, ensure_ascii=False, sort_keys=True)
    return papers.assign(**columns)


def with_fields(papers: pd.DataFrame) -> pd.DataFrame:
    fields = extract_fields(papers[S.TITLE].tolist(), papers[S.ABSTRACT].tolist())
    return papers.assign(
        **{
            S.CODE_URL: fields[S.CODE_URL].tolist(),
            S.ARXIV_ID: fields[S.ARXIV_ID].tolist(),
            S.DATASETS: [list(d) for d in fields[S.DATASETS]],
            S.PAPER_TYPE: fields[S.PAPER_TYPE].tolist(),
        }
    )


def with_arxiv_ids(papers: pd.DataFrame, cache: Sequence[CacheEntry]) -> tuple[pd.DataFrame, ArxivSummary]:
    """arXiv id by precedence: the input's own field, the cache matched by title, an id in the text. An id in the
    text often names another paper ("arXiv:2410.15027 has explored..."), so it only fills a gap. Where the list
    disagrees with the record, or the text with the list, the conflict is reported with the id kept and the id
    set aside, each with where it came from. Publication date: the input's own date, else the id's submission
    month."""
    matches = match_titles(papers[S.TITLE].tolist(), cache) if len(cache) else [None] * len(papers)
    ids, sources, confidences, conflicts = [], [], [], []
    columns = zip(papers[S.PAPER_ID], papers[S.TITLE], papers[S.RECORD_ARXIV_ID], papers[S.ARXIV_ID], matches)
    for pid, title, given, found, match in columns:
        candidates = {"record": S.present(given), "list": match.arxiv_id if match else None, "text": S.present(found)}
        source = next((k for k, v in candidates.items() if v), None)
        chosen = candidates[source] if source else None
        listed = candidates["list"]
        if candidates["record"] and listed and candidates["record"] != listed:
            conflicts.append(IdConflict(pid, title, candidates["record"], "record", listed, "list"))
        elif candidates["text"] and listed and candidates["text"] != listed:
            conflicts.append(IdConflict(pid, title, listed, "list", candidates["text"], "text"))
        ids.append(chosen)
        sources.append(source)
        confidences.append(match.confidence if source == "list" else None)
    months = [arxiv_month(a) if a else None for a in ids]
    out = papers.assign(
        **{
            S.ARXIV_ID: ids,
            S.ARXIV_URL: [arxiv_abs_url(a) if a else None for a in ids],
            S.ARXIV_SOURCE: sources,
            S.ARXIV_CONFIDENCE: confidences,
            S.PUBLISHED: [S.present(p) or m for p, m in zip(papers[S.RECORD_PUBLISHED], months)],
        }
    )
    summary = ArxivSummary(
        from_record=sources.count("record"),
        from_text=sources.count("text"),
        from_list=sources.count("list"),
        low_confidence=confidences.count("low"),
        undated=int(out[S.PUBLISHED].isna().sum()),
        conflicts=tuple(conflicts),
    )
    return out, summary


def topic_texts(papers: pd.DataFrame) -> list[str]:
    """What topics are made of: each paper's title, twice, and its abstract. The title names the subject in
    the fewest words; counted twice, on the seeds the papers of each core theme sit more often in one cluster
    (63% against 60%), and 8-9 of the 12 papers with "pruning" in their title share one (3-4 otherwise)."""
    titles = papers[S.TITLE]
    return (titles + ". " + titles + ". " + papers[S.ABSTRACT]).tolist()


def cluster_topics(
    papers: pd.DataFrame,
    *,
    k: int | None = None,
    random_state: int = 0,
    similar: bool = False,
    progress: Progress | None = None,
    previous: TopicModel | None = None,
    curation: Curation | None = None,
    recluster: bool = False,
    reuse_space: bool = False,
) -> Topics:
    """Topic clusters for `papers`: the columns CLUSTER_COLUMNS (and, with `similar`, SIMILAR_IDS) and the
    summary. The build and the app's re-clustering both come through here, so they cannot disagree.

    Papers are clustered in paper-id order, so the order of files and records changes nothing. With a
    `previous` model (the last build's), papers keep their clusters and new ones join the nearest, unless
    `recluster` (or another k or seed) asks for new clusters, which are then matched to the old ones.
    `curation` (topics.toml) merges, splits, names and pins clusters. `reuse_space`: another k is clustered in
    the `previous` model's space when it holds these very papers (see topic_stage.run)."""
    ids = papers[S.PAPER_ID].to_numpy(dtype=str)
    if not len(ids):
        return _no_topics(k, similar)
    order = np.argsort(ids, kind="stable")
    texts = topic_texts(papers)
    result = run_topics(
        [texts[i] for i in order],
        ids[order],
        previous=previous,
        curation=curation,
        k=k,
        random_state=random_state,
        recluster=recluster,
        similar=similar,
        progress=progress,
        reuse_space=reuse_space,
    )
    back = np.empty(len(ids), np.int64)
    back[order] = np.arange(len(ids))  # table row -> sorted row
    labels = result.labels[back]
    names = {card.cluster: card.name for card in result.cards}
    columns = {
        S.CLUSTER: labels.astype("int64"),
        S.CLUSTER_LABEL: [names[c] for c in labels.tolist()],
        S.X: result.coords[back, 0].astype("float64"),
        S.Y: result.coords[back, 1].astype("float64"),
    }
    if similar:
        sorted_ids = ids[order]
        rows = result.similar[back]
        columns[S.SIMILAR_IDS] = [[str(sorted_ids[j]) for j in row if j >= 0][:N_SIMILAR] for row in rows]
    summary = topic_summary(result, ids[order].tolist())
    return Topics(pd.DataFrame(columns), summary, result.model, tuple(result.notes))


def _no_topics(k: int | None, similar: bool) -> Topics:
    columns = {S.CLUSTER: np.zeros(0, "int64"), S.CLUSTER_LABEL: [], S.X: [], S.Y: []}
    if similar:
        columns[S.SIMILAR_IDS] = []
    return Topics(pd.DataFrame(columns), TopicSummary(0, k is None, "k=0: no papers"))


def topic_summary(result: StageResult, ids: list[str]) -> TopicSummary:
    """The report's account of the topics: the cards, how k came about, and what the stage did."""
    cards = tuple(
        ClusterCard(
            card.cluster,
            card.name,
            card.size,
            tuple(card.top_terms),
            tuple(ids[i] for i in card.representatives),
            card.auto_name,
            card.pinned,
            card.new,
        )
        for card in result.cards
    )
    scores = {int(k): round(float(v), 5) for k, v in result.choice.scores.items()}
    o = result.outcome
    outcome = TopicOutcome(
        o.mode, o.why, o.kept, o.joined, o.changed, o.removed, o.new_clusters, o.matched, o.merged, o.split
    )
    return TopicSummary(
        len(cards), result.automatic, result.choice.reason, scores, cards, outcome, result.model.next_id
    )


def make_report(parsed, deduped: DedupeResult, papers, taxonomy, topics: TopicSummary, arxiv, timings) -> BuildReport:
    themes = papers[S.THEMES].explode().value_counts()
    mentions = papers[S.THEME_MENTIONS].explode().value_counts()
    return BuildReport(
        n_records=sum(len(p.records) for p in parsed),
        n_papers=len(papers),
        inputs=tuple(InputSummary(p.source, len(p.records), p.counts(), p.page_date, p.encoding) for p in parsed),
        merges=tuple(deduped.merges),
        same_title_splits=tuple(deduped.same_title_splits),
        issues=tuple(i for p in parsed for i in p.issues),
        taxonomy=taxonomy.source,
        theme_counts={t.id: ThemeCount(int(themes.get(t.id, 0)), int(mentions.get(t.id, 0))) for t in taxonomy.themes},
        topics=topics,
        arxiv=arxiv,
        timings=timings,
    )
