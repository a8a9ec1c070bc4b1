"""Build the papers table on one machine: read, deduplicate, tag themes, extract fields, date, cluster; and the
CLI for it. Owns the order of the stages and times them; the stages themselves are in lib.pipeline. Run as
`python -m lib.build [INPUT ...] [--out DIR] [--recluster]`. A build into a folder that holds an earlier build
starts its topics from the topic model saved there, and applies the topic curation (topics.toml) beside it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from lib import serving
from lib.cleaning.dedupe import dedupe
from lib.cleaning.id_cache import CacheEntry, read_cache
from lib.core import schema as S
from lib.core.errors import AtlasError, IngestError
from lib.core.records import Issue, ParseResult
from lib.core.report import BuildReport
from lib.describing.meaning_index import make_index
from lib.describing.themes import Taxonomy, load_taxonomy
from lib.describing.topic_curation import Curation, TopicsFileError, format_curation, parse_curation
from lib.describing.topic_model import TopicModel
from lib.pipeline import (
    THEME_COLUMNS,
    Progress,
    cluster_topics,
    make_report,
    with_arxiv_ids,
    with_fields,
    with_themes,
)
from lib.reading import store
from lib.reading.formats import read_path


@dataclass
class BuildResult:
    papers: pd.DataFrame
    report: BuildReport
    failed: list[str] = field(default_factory=list)  # "file: why" of each input that could not be read
    details: dict[str, dict] = field(default_factory=dict)  # per merged paper: record kept, field sources
    model: TopicModel | None = None  # the topic model to save, for the next build to start from
    meaning: tuple[dict, dict] | None = None  # the meaning index to save beside the table (description, arrays)


def build_papers(
    inputs: Sequence[Path],
    taxonomy: Taxonomy,
    *,
    arxiv_cache: Sequence[CacheEntry] = (),
    k: int | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
    apart: Sequence[Sequence[str]] = (),
    previous: TopicModel | None = None,
    curation: Curation | None = None,
    recluster: bool = False,
    known_themes: pd.DataFrame | None = None,
) -> BuildResult:
    """The canonical table and its report for the files `inputs`. Every readable input is used; each unreadable
    one is named in `failed` and in the report's issues (IngestError only when none could be read).

    `arxiv_cache` rows give arXiv ids (and so publication months) to papers by title; a paper's own record id
    wins over them, an id in its text only fills a gap, and a disagreement is listed in `arxiv.conflicts`.
    `apart`: groups of records ("file:line") a person decided are not the same paper. Topics start from the
    `previous` build's model unless `recluster`, and follow the person's `curation` (see cluster_topics); the
    theme tags of papers whose text is unchanged come from `known_themes` (see with_themes)."""
    say = progress or (lambda stage, fraction: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 4)
        clock = now

    parsed, failed = _read_all(inputs, say)
    lap("parse")
    say("Merging duplicates", 0.3)
    deduped = dedupe([r for p in parsed for r in p.records], apart=apart)
    lap("dedupe")
    say("Tagging themes and facets", 0.4)
    papers = with_themes(deduped.papers, taxonomy, known=known_themes)
    lap("themes")
    papers = with_fields(papers)
    papers, arxiv = with_arxiv_ids(papers, arxiv_cache)
    lap("facets")
    say("Clustering topics", 0.55)
    topics = cluster_topics(
        papers, k=k, random_state=random_state, similar=True, previous=previous, curation=curation, recluster=recluster,
        progress=lambda stage, f: say(f"Clustering topics: {stage}", 0.55 + 0.4 * f),
    )  # fmt: skip
    papers = pd.concat([papers.reset_index(drop=True), topics.columns], axis=1)[list(S.COLUMNS)]
    lap("topics")
    meaning = make_index(topics.model, papers[S.PAPER_ID].tolist(), taxonomy, papers[S.THEMES].tolist())
    lap("meaning")
    report = make_report(parsed, deduped, papers, taxonomy, topics.summary, arxiv, timings)
    report = replace(report, issues=_issues(report, failed, deduped, papers, topics.notes, curation))
    say("Done", 1.0)
    return BuildResult(papers, report, [str(f) for f in failed], deduped.details, topics.model, meaning)


def _issues(report, failed, deduped, papers, notes, curation) -> tuple[Issue, ...]:
    """The report's issues: inputs not read, topics.toml entries that did nothing, then the stages' own."""
    extra = [Issue(f.source, f.line, f"not read: {f.reason}") for f in failed]
    extra += [Issue(curation.source, line or None, note) for line, note in notes] if curation else []
    return (*extra, *report.issues, *deduped.warnings, *_shared_arxiv_ids(papers))


def _read_all(inputs: Sequence[Path], say: Progress) -> tuple[list[ParseResult], list[IngestError]]:
    """Every input that can be read, and the error of each that cannot: one bad file spoils no others."""
    parsed: list[ParseResult] = []
    failed: list[IngestError] = []
    for i, path in enumerate(inputs):
        say(f"Reading {path.name}", 0.3 * i / max(len(inputs), 1))
        try:
            parsed.append(read_path(path))
        except IngestError as exc:
            failed.append(exc)
    if failed and not parsed:
        raise failed[0]
    return parsed, failed


def _shared_arxiv_ids(papers: pd.DataFrame) -> list[Issue]:
    """One arXiv id on several papers: at most one of them is that paper."""
    ids = papers[S.ARXIV_ID].dropna()
    out = []
    for arxiv_id, rows in papers.loc[ids.index].groupby(S.ARXIV_ID, sort=True):
        if len(rows) > 1:
            titles = "; ".join(repr(t[:60]) for t in rows[S.TITLE])
            out.append(Issue("arxiv ids", None, f"arXiv id {arxiv_id} is on {len(rows)} papers: {titles}"))
    return out


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
    decisions_path: Path | None = None,
    topics_path: Path | None = None,
    recluster: bool = False,
) -> BuildResult:
    """Build and write papers.parquet, merge_details.json and build_report.json into `out_dir` atomically, and
    the topic model the next build starts from. The merge decisions come from `decisions_path` and the topic
    curation from `topics_path`, by default the collection's own beside `out_dir`; a topics.toml that cannot be
    used stops the build before anything is written, so the last good build stays."""
    taxonomy = load_taxonomy(taxonomy_path)
    cache = read_cache(arxiv_cache_path) if arxiv_cache_path else []
    apart = store.apart_groups(decisions_path or store.decisions_beside(out_dir))
    curation = read_curation(topics_path or store.topics_beside(out_dir))
    previous, tagged_with = read_model(out_dir), store.file_digest(taxonomy_path)
    result = build_papers(
        inputs,
        taxonomy,
        arxiv_cache=cache,
        k=k,
        random_state=random_state,
        progress=progress,
        apart=apart,
        previous=previous,
        curation=curation,
        recluster=recluster,
        known_themes=_known_themes(out_dir, previous, tagged_with),
    )
    report = replace(result.report, input_fingerprint=fingerprint, params={"k": k, "random_state": random_state})
    model = result.model
    if model is not None:  # which taxonomy its papers' theme tags were made with, for the next build to reuse them
        model = replace(model, params={**model.params, "taxonomy": tagged_with}).to_files()
    store.write_build(out_dir, result.papers, report, result.details, model, result.meaning)
    serving.write_lean(out_dir, result.papers, taxonomy.ids())  # what a large collection is served from
    return replace(result, report=report)


def read_curation(path: Path) -> Curation:
    """The topic curation in `path` (none when the file does not exist); TopicsFileError naming the file and
    line when it cannot be used."""
    try:
        text = store.read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise TopicsFileError(f"{path.name}: cannot read it ({exc})") from exc
    return parse_curation(text, path.name) if text is not None else Curation(source=path.name)


def update_curation(path: Path, change: Callable[[Curation], Curation]) -> Curation:
    """Apply `change` to the curation in `path` and write it back atomically (the next build applies it). A file
    that cannot be read is left as it is: TopicsFileError names it and its line."""
    curation = change(read_curation(path))
    store.write_text(path, format_curation(curation))
    return curation


def build_collection(data: store.DataDir, *, recluster: bool = False, progress: Progress | None = None) -> BuildResult:
    """Build the collection `data` as the app shows it (its inputs, taxonomy, id cache, merge decisions and topic
    curation) into its processed/ folder, with the fingerprint that marks the build as current."""
    return build_to_disk(
        data.raw_files(),
        data.processed,
        data.taxonomy,
        fingerprint=data.fingerprint(),
        arxiv_cache_path=data.arxiv_cache,
        progress=progress,
        decisions_path=data.decisions,
        topics_path=data.topics,
        recluster=recluster,
    )


def _known_themes(out_dir: Path, model: TopicModel | None, taxonomy_digest: str) -> pd.DataFrame | None:
    """The last build's theme tags by paper id with each paper's text digest, when they were made with this same
    taxonomy and the table on disk is the one the model was saved with (the same papers); else None."""
    if model is None or model.params.get("taxonomy") != taxonomy_digest:
        return None
    try:
        tags = store.read_papers(out_dir / store.PAPERS_FILE, columns=[S.PAPER_ID, *THEME_COLUMNS])
    except (OSError, ValueError, KeyError):
        return None
    ids = tags[S.PAPER_ID].to_numpy(dtype=str)
    order = np.argsort(ids)
    if not np.array_equal(ids[order], model.paper_ids) or not tags[S.PAPER_ID].is_unique:
        return None  # another table, or ids shared by papers kept apart by hand: tag them all
    return tags.set_index(S.PAPER_ID).assign(hash=np.asarray(model.text_hashes)[np.argsort(order)])


def read_model(out_dir: Path) -> TopicModel | None:
    """The topic model saved with the build in `out_dir`, when there is one this code can use."""
    saved = store.read_topic_model(out_dir)
    return TopicModel.from_files(*saved) if saved else None


def summary(report: BuildReport) -> str:
    """A one-screen plain-text summary of a build report."""
    lines = [f"{report.n_papers:,} papers from {report.n_records:,} entries in {len(report.inputs):,} inputs"]
    for page in report.inputs:
        c = page.lines
        lines.append(
            f"  {page.source}: {page.papers:,} entries, {c['boilerplate']:,} boilerplate, "
            f"{c['date']:,} date, {c['unrecognised']:,} unrecognised"
            + (f", listed {page.page_date}" if page.page_date else "")
        )
    lines.append(f"{len(report.merges):,} papers merged from repeated entries")
    ax = report.arxiv
    lines.append(
        f"arXiv ids: {ax.from_record:,} from the records, {ax.from_text:,} from the text, {ax.from_list:,} from the id "
        f"list ({ax.low_confidence:,} low confidence), {ax.undated:,} papers undated, {len(ax.conflicts):,} conflicts"
    )
    where = {"record": "the record", "list": "the id list", "text": "the text"}
    for c in ax.conflicts[:5]:
        kept, other = where.get(c.kept_from, c.kept_from), where.get(c.other_from, c.other_from)
        lines.append(f"  {c.title[:60]}: kept {c.kept} from {kept}, set aside {c.other} from {other}")
    if len(ax.conflicts) > 5:
        lines.append(f"  ... and {len(ax.conflicts) - 5} more conflicts in build_report.json")
    top = sorted(report.theme_counts.items(), key=lambda kv: -kv[1].about)[:8]
    lines.append("themes: " + ", ".join(f"{k} {v.about}" for k, v in top if v.about))
    lines.append(f"topics ({report.topics.outcome.mode}): {report.topics.reason}")
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


def _one_line(exc: Exception) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, AtlasError):
        where = Path(exc.filename).name if exc.filename else "the output"
        return f"{where}: {exc.strerror or type(exc).__name__}"
    return str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.build", description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", type=Path, help="listing files or folders (default: data/raw)")
    parser.add_argument("--out", type=Path, help="output folder (default: data/processed)")
    parser.add_argument("--taxonomy", type=Path, help="theme taxonomy TOML (default: data/themes.toml)")
    parser.add_argument("--arxiv-cache", type=Path, help="arXiv id cache CSV (default: data/arxiv_ids.csv)")
    parser.add_argument("--k", type=int, help="number of topic clusters (default: chosen automatically)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for clustering and the map")
    parser.add_argument(
        "--recluster", action="store_true", help="make the topic clusters afresh instead of from the last build's"
    )
    parser.add_argument(
        "--topics", type=Path, help="topic curation TOML (default: data/topics.toml, or beside --out's folder)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--engine", choices=("local", "spark"), default="local", help="where the stages run")
    parser.add_argument("--master", help="Spark master URL (default: $PAPER_ATLAS_SPARK_MASTER, else local[*])")
    args = parser.parse_args(argv)
    data = store.data_dir()
    # No inputs named: the collection as the app sees it (bundled pages and added sources), with its fingerprint.
    inputs = store.list_inputs(args.inputs) if args.inputs else data.raw_files()
    taxonomy = args.taxonomy or data.taxonomy
    cache = args.arxiv_cache or data.arxiv_cache
    own = not (args.inputs or args.taxonomy or args.arxiv_cache)
    out = args.out or data.processed
    topics = args.topics or (data.topics if own else store.topics_beside(out))
    listed = [*inputs, taxonomy, cache, data.decisions, topics]
    fingerprint = data.fingerprint() if own and not args.topics else store.input_fingerprint(listed)
    if args.k is not None and args.k < 1:
        parser.error("--k must be at least 1")
    run = build_to_disk
    if args.engine == "spark":  # imported here: the single-machine build and the app never need pyspark
        from lib.spark.build import build_to_disk as run
    elif args.master:
        parser.error("--master needs --engine spark")
    options = (
        {"master": args.master} if args.engine == "spark" else {"recluster": args.recluster, "topics_path": topics}
    )
    try:
        result = run(
            inputs,
            out,
            taxonomy,
            fingerprint=fingerprint,
            arxiv_cache_path=cache,
            k=args.k,
            random_state=args.seed,
            progress=None if args.quiet else _progress_bar,
            decisions_path=data.decisions,
            **options,
        )
    except (AtlasError, OSError) as exc:  # OSError: a folder that cannot be listed, a path in the way
        print(f"\nerror: {_one_line(exc)}", file=sys.stderr)
        return 1
    print(summary(result.report))
    for failure in result.failed:
        print(f"error: {failure}", file=sys.stderr)
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
