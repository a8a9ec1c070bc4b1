"""Build the papers table: parse, deduplicate, tag themes, extract facets, cluster; and the CLI for it.

Owns the order of the stages and the build report. Each stage lives in its own module; this one only
wires them together and times them. Run as `python -m lib.build [INPUT ...] [--out DIR]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from lib.core import schema as S
from lib.reading import store
from lib.core.ids import arxiv_abs_url, arxiv_month
from lib.cleaning.id_cache import CacheEntry, match_titles, read_cache
from lib.cleaning.dedupe import dedupe
from lib.describing.extract import extract_facets
from lib.reading.formats import read_path
from lib.core.errors import AtlasError
from lib.core.records import ParseResult
from lib.describing.themes import Taxonomy, load_taxonomy, tag_themes
from lib.describing.topics import TopicResult, fit_topics

Progress = Callable[[str, float], None]
N_SIMILAR = 5


@dataclass
class BuildResult:
    papers: pd.DataFrame
    report: dict
    timings: dict[str, float] = field(default_factory=dict)


def build_papers(
    inputs: Sequence[Path],
    taxonomy: Taxonomy,
    *,
    arxiv_cache: Sequence[CacheEntry] = (),
    k: int | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
) -> BuildResult:
    """The canonical table and its report for the listing files `inputs` (IngestError on unreadable input).

    `arxiv_cache` rows give arXiv ids (and so publication months) to papers by title; an id found in a
    paper's own text wins, and a disagreement is listed in the report's `arxiv.conflicts`."""
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
    papers = deduped.papers
    lap("dedupe")
    say("Tagging themes and facets", 0.4)
    papers = _with_themes(papers, taxonomy)
    lap("themes")
    papers = _with_facets(papers)
    papers, arxiv_report = _with_arxiv_ids(papers, arxiv_cache)
    lap("facets")
    say("Clustering topics", 0.55)
    topics = fit_topics(
        (papers[S.TITLE] + ". " + papers[S.ABSTRACT]).tolist(),
        k=k,
        random_state=random_state,
        progress=lambda stage, f: say(f"Clustering topics: {stage}", 0.55 + 0.4 * f),
    )
    papers = apply_topics(papers, topics)
    lap("topics")
    papers = papers[list(S.COLUMNS)].reset_index(drop=True)
    report = _report(parsed, deduped, papers, taxonomy, topics, timings)
    report["arxiv"] = arxiv_report
    say("Done", 1.0)
    return BuildResult(papers, report, timings)


def _with_themes(papers: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    tags = tag_themes(papers[S.TITLE].tolist(), papers[S.ABSTRACT].tolist(), taxonomy)
    return papers.assign(
        **{
            S.THEMES: [list(t.themes) for t in tags],
            S.THEME_MENTIONS: [list(t.mentions) for t in tags],
            S.THEME_EVIDENCE: [json.dumps(t.evidence, ensure_ascii=False, sort_keys=True) for t in tags],
        }
    )


def _with_facets(papers: pd.DataFrame) -> pd.DataFrame:
    facets = extract_facets(papers[S.TITLE].tolist(), papers[S.ABSTRACT].tolist())
    out = papers.assign(
        **{
            S.CODE_URL: facets["code_url"].tolist(),
            S.ARXIV_ID: facets["arxiv_id"].tolist(),
            S.DATASETS: [list(d) for d in facets["datasets"]],
            S.PAPER_TYPE: facets["paper_type"].tolist(),
        }
    )
    return out


def _with_arxiv_ids(papers: pd.DataFrame, cache: Sequence[CacheEntry]) -> tuple[pd.DataFrame, dict]:
    """arXiv id by precedence: the input's own field, an id in the text, the cache matched by title.
    Publication date: the input's own date, else the id's submission month."""
    matches = match_titles(papers[S.TITLE].tolist(), cache) if len(cache) else [None] * len(papers)
    ids, sources, confidences, conflicts = [], [], [], []
    columns = zip(papers[S.PAPER_ID], papers[S.TITLE], papers[S.RECORD_ARXIV_ID], papers[S.ARXIV_ID], matches)
    for pid, title, given, found, match in columns:
        own = {"record": _text(given), "text": _text(found)}
        listed = match.arxiv_id if match else None
        source = next((k for k, v in own.items() if v), None)
        chosen = own[source] if source else listed
        if source and listed and chosen != listed:
            conflicts.append({"paper_id": pid, "title": title, f"{source}_id": chosen, "list_id": listed, "kept": chosen})
        ids.append(chosen)
        sources.append(source or ("list" if listed else None))
        confidences.append(match.confidence if (listed and not source) else None)
    months = [arxiv_month(a) if a else None for a in ids]
    out = papers.assign(**{
        S.ARXIV_ID: ids,
        S.ARXIV_URL: [arxiv_abs_url(a) if a else None for a in ids],
        S.ARXIV_SOURCE: sources,
        S.ARXIV_CONFIDENCE: confidences,
        S.PUBLISHED: [_text(p) or m for p, m in zip(papers[S.RECORD_PUBLISHED], months)],
    })
    report = {
        "from_record": sources.count("record"),
        "from_text": sources.count("text"),
        "from_list": sources.count("list"),
        "low_confidence": confidences.count("low"),
        "undated": int(out[S.PUBLISHED].isna().sum()),
        "conflicts": conflicts,
    }
    return out, report


def _text(value) -> str | None:
    """The string, or None for missing values (None, NaN) and empty text."""
    return value if isinstance(value, str) and value else None


def apply_topics(papers: pd.DataFrame, topics: TopicResult) -> pd.DataFrame:
    """A copy of `papers` (rows aligned with the texts `topics` was fitted on) with the topic columns set."""
    ids = papers[S.PAPER_ID].tolist()
    similar = [[ids[j] for j in row if j >= 0][:N_SIMILAR] for row in topics.similar]
    return papers.assign(
        **{
            S.CLUSTER: topics.labels_.astype("int64"),
            S.CLUSTER_LABEL: [topics.cluster_names[c] for c in topics.labels_],
            S.X: topics.coords[:, 0].astype("float64") if len(ids) else [],
            S.Y: topics.coords[:, 1].astype("float64") if len(ids) else [],
            S.SIMILAR_IDS: similar,
        }
    )


def _report(parsed, deduped, papers, taxonomy, topics, timings) -> dict:
    ids = papers[S.PAPER_ID].tolist()
    themes = papers[S.THEMES].explode().value_counts()
    mentions = papers[S.THEME_MENTIONS].explode().value_counts()
    return {
        "n_records": sum(len(p.records) for p in parsed),
        "n_papers": len(papers),
        "pages": [
            {
                "source": p.source,
                "papers": len(p.records),
                "lines": p.counts(),
                "page_date": p.page_date,
                "encoding": p.encoding,
            }
            for p in parsed
        ],
        "merges": deduped.merges,
        "same_title_splits": deduped.same_title_splits,
        "issues": [
            {"where": i.where(), "source": i.source, "line": i.line, "reason": i.reason, "text": i.text}
            for p in parsed
            for i in p.issues
        ],
        "taxonomy": taxonomy.source,
        "theme_counts": {
            t.id: {"about": int(themes.get(t.id, 0)), "mentions": int(mentions.get(t.id, 0))}
            for t in taxonomy.themes
        },
        "topics": {
            "k": topics.k,
            "automatic": topics.k_chosen_automatically,
            "reason": topics.k_reason,
            "scores": {str(k): round(float(v), 5) for k, v in topics.k_scores.items()},
            "clusters": cluster_cards(topics, ids),
        },
        "timings": timings,
    }


def cluster_cards(topics: TopicResult, ids: list[str]) -> list[dict]:
    """Per cluster: number, label, size, top terms and the ids of its representative papers."""
    return [
        {
            "cluster": c,
            "label": topics.cluster_names[c],
            "size": int(topics.sizes[c]),
            "top_terms": list(topics.top_terms[c]),
            "representatives": [ids[i] for i in topics.representatives[c]],
        }
        for c in range(topics.k)
    ]


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
    result.report["input_fingerprint"] = fingerprint
    result.report["params"] = {"k": k, "random_state": random_state}
    store.write_papers(result.papers, out_dir / store.DataDir(out_dir).papers_path.name)
    store.write_report(result.report, out_dir / store.DataDir(out_dir).report_path.name)
    return result


def summary(report: dict) -> str:
    """A one-screen plain-text summary of a build report."""
    lines = [f"{report['n_papers']} papers from {report['n_records']} entries on {len(report['pages'])} pages"]
    for page in report["pages"]:
        c = page["lines"]
        lines.append(
            f"  {page['source']}: {page['papers']} entries, {c['boilerplate']} boilerplate, "
            f"{c['date']} date, {c['unrecognised']} unrecognised"
            + (f", listed {page['page_date']}" if page["page_date"] else "")
        )
    lines.append(f"{len(report['merges'])} papers merged from repeated entries")
    ax = report.get("arxiv", {})
    if ax:
        lines.append(f"arXiv ids: {ax['from_text']} from the text, {ax['from_list']} from the id list "
                     f"({ax['low_confidence']} low confidence), {ax['undated']} papers undated, "
                     f"{len(ax['conflicts'])} conflicts")
    top = sorted(report["theme_counts"].items(), key=lambda kv: -kv[1]["about"])[:8]
    lines.append("themes: " + ", ".join(f"{k} {v['about']}" for k, v in top if v["about"]))
    lines.append(f"topics: {report['topics']['reason']}")
    for issue in report["issues"][:10]:
        lines.append(f"  warning {issue['where']}: {issue['reason']}")
    if len(report["issues"]) > 10:
        lines.append(f"  ... and {len(report['issues']) - 10} more warnings in build_report.json")
    lines.append("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in report["timings"].items()))
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
    fingerprint = data.fingerprint() if not args.inputs else store.input_fingerprint(inputs + [taxonomy, cache])
    if args.k is not None and args.k < 1:
        parser.error("--k must be at least 1")
    try:
        result = build_to_disk(
            inputs, args.out or data.processed, taxonomy, fingerprint=fingerprint, arxiv_cache_path=cache, k=args.k,
            random_state=args.seed, progress=None if args.quiet else _progress_bar,
        )
    except AtlasError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    print(summary(result.report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
