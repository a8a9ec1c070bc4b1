"""Build the papers table: read, deduplicate, tag themes, extract fields, date, cluster; and the CLI for it.

Owns the order of the stages and the build report. Each stage lives in its own module; this one only wires
them together and times them. The app re-clusters through `cluster_topics`, the same function the build
uses. Run as `python -m lib.build [INPUT ...] [--out DIR]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from lib.cleaning.dedupe import DedupeResult, dedupe
from lib.cleaning.id_cache import CacheEntry, match_titles, read_cache
from lib.core import schema as S
from lib.core.errors import AtlasError
from lib.core.ids import arxiv_abs_url, arxiv_month
from lib.core.records import ParseResult
from lib.core.report import (
    ArxivSummary,
    BuildReport,
    ClusterCard,
    IdConflict,
    InputSummary,
    ThemeCount,
    TopicSummary,
)
from lib.describing.extract import extract_fields
from lib.describing.themes import Taxonomy, load_taxonomy, tag_themes
from lib.describing.topics import TopicResult, fit_topics
from lib.reading import store
from lib.reading.formats import read_path

Progress = Callable[[str, float], None]
N_SIMILAR = 5
# The columns a re-clustering changes; similar papers stay as built (they do not depend on k).
CLUSTER_COLUMNS = (S.CLUSTER, S.CLUSTER_LABEL, S.X, S.Y)


@dataclass
class BuildResult:
    papers: pd.DataFrame
    report: BuildReport


@dataclass(frozen=True)
class Topics:
    """The topic columns for a table's rows (aligned with it) and the summary that goes in the report."""

    columns: pd.DataFrame
    summary: TopicSummary


def build_papers(
    inputs: Sequence[Path],
    taxonomy: Taxonomy,
    *,
    arxiv_cache: Sequence[CacheEntry] = (),
    k: int | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
) -> BuildResult:
    """The canonical table and its report for the files `inputs` (IngestError on unreadable input).

    `arxiv_cache` rows give arXiv ids (and so publication months) to papers by title; an id found in a
    paper's own record or text wins, and a disagreement is listed in the report's `arxiv.conflicts`."""
    say = progress or (lambda stage, fraction: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 4)
        clock = now

    parsed: list[ParseResult] = []
    for i, path in enumerate(inputs):
        say(f"Reading {path.name}", 0.3 * i / max(len(inputs), 1))
        parsed.append(read_path(path))
    lap("parse")
    say("Merging duplicates", 0.3)
    deduped = dedupe([r for p in parsed for r in p.records])
    lap("dedupe")
    say("Tagging themes and facets", 0.4)
    papers = _with_themes(deduped.papers, taxonomy)
    lap("themes")
    papers = _with_fields(papers)
    papers, arxiv = _with_arxiv_ids(papers, arxiv_cache)
    lap("facets")
    say("Clustering topics", 0.55)
    topics = cluster_topics(
        papers,
        k=k,
        random_state=random_state,
        similar=True,
        progress=lambda stage, f: say(f"Clustering topics: {stage}", 0.55 + 0.4 * f),
    )
    papers = pd.concat([papers.reset_index(drop=True), topics.columns], axis=1)[list(S.COLUMNS)]
    lap("topics")
    report = _report(parsed, deduped, papers, taxonomy, topics.summary, arxiv, timings)
    say("Done", 1.0)
    return BuildResult(papers, report)


def _with_themes(papers: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    tags = tag_themes(papers[S.TITLE].tolist(), papers[S.ABSTRACT].tolist(), taxonomy)
    return papers.assign(
        **{
            S.THEMES: [list(t.themes) for t in tags],
            S.THEME_MENTIONS: [list(t.mentions) for t in tags],
            S.THEME_EVIDENCE: [json.dumps(t.evidence, ensure_ascii=False, sort_keys=True) for t in tags],
        }
    )


def _with_fields(papers: pd.DataFrame) -> pd.DataFrame:
    fields = extract_fields(papers[S.TITLE].tolist(), papers[S.ABSTRACT].tolist())
    return papers.assign(
        **{
            S.CODE_URL: fields[S.CODE_URL].tolist(),
            S.ARXIV_ID: fields[S.ARXIV_ID].tolist(),
            S.DATASETS: [list(d) for d in fields[S.DATASETS]],
            S.PAPER_TYPE: fields[S.PAPER_TYPE].tolist(),
        }
    )


def _with_arxiv_ids(papers: pd.DataFrame, cache: Sequence[CacheEntry]) -> tuple[pd.DataFrame, ArxivSummary]:
    """arXiv id by precedence: the input's own field, an id in the text, the cache matched by title.
    Publication date: the input's own date, else the id's submission month."""
    matches = match_titles(papers[S.TITLE].tolist(), cache) if len(cache) else [None] * len(papers)
    ids, sources, confidences, conflicts = [], [], [], []
    columns = zip(papers[S.PAPER_ID], papers[S.TITLE], papers[S.RECORD_ARXIV_ID], papers[S.ARXIV_ID], matches)
    for pid, title, given, found, match in columns:
        own = {"record": S.present(given), "text": S.present(found)}
        listed = match.arxiv_id if match else None
        source = next((k for k, v in own.items() if v), None)
        chosen = own[source] if source else listed
        if source and listed and chosen != listed:
            conflicts.append(IdConflict(pid, title, chosen, source, listed))
        ids.append(chosen)
        sources.append(source or ("list" if listed else None))
        confidences.append(match.confidence if (listed and not source) else None)
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
    """What topics are made of: each paper's title and abstract."""
    return (papers[S.TITLE] + ". " + papers[S.ABSTRACT]).tolist()


def cluster_topics(
    papers: pd.DataFrame,
    *,
    k: int | None = None,
    random_state: int = 0,
    similar: bool = False,
    progress: Progress | None = None,
) -> Topics:
    """Topic clusters for `papers`: the columns CLUSTER_COLUMNS (and, with `similar`, SIMILAR_IDS) and the
    summary. The build and the app's re-clustering both come through here, so they cannot disagree."""
    result = fit_topics(topic_texts(papers), k=k, random_state=random_state, progress=progress, similar=similar)
    ids = papers[S.PAPER_ID].tolist()
    columns = {
        S.CLUSTER: result.labels_.astype("int64"),
        S.CLUSTER_LABEL: [result.cluster_names[c] for c in result.labels_],
        S.X: result.coords[:, 0].astype("float64") if len(ids) else [],
        S.Y: result.coords[:, 1].astype("float64") if len(ids) else [],
    }
    if similar:
        columns[S.SIMILAR_IDS] = [[ids[j] for j in row if j >= 0][:N_SIMILAR] for row in result.similar]
    return Topics(pd.DataFrame(columns), _topic_summary(result, ids))


def _topic_summary(topics: TopicResult, ids: list[str]) -> TopicSummary:
    cards = tuple(
        ClusterCard(
            c,
            topics.cluster_names[c],
            int(topics.sizes[c]),
            tuple(topics.top_terms[c]),
            tuple(ids[i] for i in topics.representatives[c]),
        )
        for c in range(topics.k)
    )
    scores = {int(k): round(float(v), 5) for k, v in topics.k_scores.items()}
    return TopicSummary(topics.k, topics.k_chosen_automatically, topics.k_reason, scores, cards)


def _report(parsed, deduped: DedupeResult, papers, taxonomy, topics: TopicSummary, arxiv, timings) -> BuildReport:
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


def build_to_disk(
    inputs: Sequence[Path],
    out_dir: Path,
    taxonomy_path: Path,
    *,
    fingerprint: str,
    arxiv_cache_path: Path | None = None,
    k: int | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
) -> BuildResult:
    """Build and write papers.parquet and build_report.json into `out_dir` atomically."""
    taxonomy = load_taxonomy(taxonomy_path)
    cache = read_cache(arxiv_cache_path) if arxiv_cache_path else []
    result = build_papers(inputs, taxonomy, arxiv_cache=cache, k=k, random_state=random_state, progress=progress)
    report = replace(result.report, input_fingerprint=fingerprint, params={"k": k, "random_state": random_state})
    store.write_build(out_dir, result.papers, report)
    return BuildResult(result.papers, report)


def summary(report: BuildReport) -> str:
    """A one-screen plain-text summary of a build report."""
    lines = [f"{report.n_papers} papers from {report.n_records} entries in {len(report.inputs)} inputs"]
    for page in report.inputs:
        c = page.lines
        lines.append(
            f"  {page.source}: {page.papers} entries, {c['boilerplate']} boilerplate, "
            f"{c['date']} date, {c['unrecognised']} unrecognised"
            + (f", listed {page.page_date}" if page.page_date else "")
        )
    lines.append(f"{len(report.merges)} papers merged from repeated entries")
    ax = report.arxiv
    lines.append(
        f"arXiv ids: {ax.from_record} from the records, {ax.from_text} from the text, {ax.from_list} from the id "
        f"list ({ax.low_confidence} low confidence), {ax.undated} papers undated, {len(ax.conflicts)} conflicts"
    )
    top = sorted(report.theme_counts.items(), key=lambda kv: -kv[1].about)[:8]
    lines.append("themes: " + ", ".join(f"{k} {v.about}" for k, v in top if v.about))
    lines.append(f"topics: {report.topics.reason}")
    for issue in report.issues[:10]:
        lines.append(f"  warning {issue.where()}: {issue.reason}")
    if len(report.issues) > 10:
        lines.append(f"  ... and {len(report.issues) - 10} more warnings in build_report.json")
    lines.append("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items()))
    return "\n".join(lines)


def _progress_bar(stage: str, fraction: float) -> None:
    filled = int(30 * fraction)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {stage[:60]:<60}")
    if fraction >= 1:
        sys.stderr.write("\n")
    sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.build", description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", type=Path, help="listing files or folders (default: data/raw)")
    parser.add_argument("--out", type=Path, help="output folder (default: data/processed)")
    parser.add_argument("--taxonomy", type=Path, help="theme taxonomy TOML (default: data/themes.toml)")
    parser.add_argument("--arxiv-cache", type=Path, help="arXiv id cache CSV (default: data/arxiv_ids.csv)")
    parser.add_argument("--k", type=int, help="number of topic clusters (default: chosen automatically)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for clustering and the map")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    data = store.data_dir()
    inputs = store.list_inputs(args.inputs or [data.raw])
    taxonomy = args.taxonomy or data.taxonomy
    cache = args.arxiv_cache or data.arxiv_cache
    fingerprint = data.fingerprint() if not args.inputs else store.input_fingerprint([*inputs, taxonomy, cache])
    if args.k is not None and args.k < 1:
        parser.error("--k must be at least 1")
    try:
        result = build_to_disk(
            inputs,
            args.out or data.processed,
            taxonomy,
            fingerprint=fingerprint,
            arxiv_cache_path=cache,
            k=args.k,
            random_state=args.seed,
            progress=None if args.quiet else _progress_bar,
        )
    except AtlasError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    print(summary(result.report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
