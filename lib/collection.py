"""Adding files to a collection: read them, say what they would add (new papers, merges into existing
ones, problems), and store the good ones through lib.store. Never touches the built table itself:
the next build picks up the added sources.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from lib.cleaning.dedupe import dedupe
from lib.cleaning.merge_rules import titles_name_one_work
from lib.core import schema as S
from lib.core.errors import AtlasError, IngestError
from lib.core.records import Record
from lib.core.titles import TitleIndex
from lib.reading import sources, store
from lib.reading.formats import detect_format, read_bytes


@dataclass
class AddOutcome:
    """What became of one file: stored or not, how many papers are new or merge into existing ones."""

    name: str
    stored: bool = False
    error: str | None = None  # why nothing was added, naming the file (and line where known)
    n_records: int = 0
    n_new: int = 0
    n_merged: int = 0
    merges: list[dict] = field(default_factory=list)  # {title, into_title, into_id, by}
    warnings: list[str] = field(default_factory=list)  # "file:line: problem" for rows left out

    def summary(self) -> str:
        if self.error:
            return self.error
        return f"{self.name}: {self.n_new:,} new, {self.n_merged:,} merged into existing papers"


def match_existing(papers: pd.DataFrame, records: Sequence[Record]) -> list[tuple[str, str] | None]:
    """For each record, (existing paper_id, how) when it is already in `papers`: by arXiv id (version
    ignored), then DOI, each only where the titles can name one work (as the build's dedupe joins them), then
    title (the same title by lib.core.titles, the rule the build's dedupe uses)."""
    by_arxiv = _index(papers, S.ARXIV_ID)
    by_doi = _index(papers, S.DOI)
    titles = TitleIndex(papers[S.TITLE].tolist() if len(papers) else [])
    ids = papers[S.PAPER_ID].tolist() if len(papers) else []
    title_of = dict(zip(ids, papers[S.TITLE])) if len(papers) else {}
    out: list[tuple[str, str] | None] = []
    for r in records:
        if r.arxiv_id and r.arxiv_id in by_arxiv and titles_name_one_work(r.title, title_of[by_arxiv[r.arxiv_id]]):
            out.append((by_arxiv[r.arxiv_id], "arXiv id"))
        elif r.doi and r.doi in by_doi and titles_name_one_work(r.title, title_of[by_doi[r.doi]]):
            out.append((by_doi[r.doi], "DOI"))
        else:
            near = titles.match(r.title)
            out.append((ids[near[0]], "title") if near else None)
    return out


def _index(papers: pd.DataFrame, column: str) -> dict[str, str]:
    if column not in papers or not len(papers):
        return {}
    present = papers[papers[column].notna() & (papers[column].astype(str) != "")]
    return dict(zip(present[column].astype(str), present[S.PAPER_ID]))


def add_file(data: store.DataDir, papers: pd.DataFrame, name: str, content: bytes) -> AddOutcome:
    """Read `content`, and when it holds papers and is not already in the collection, store it.

    Never raises for bad input: the outcome carries the message, and nothing is stored.
    """
    outcome = AddOutcome(name=name)
    digest = hashlib.sha256(content).hexdigest()
    same = next((s for s in sources.list_sources(data) if s["sha256"] == digest), None)
    if same:
        outcome.error = f"{name}: already in the collection (added as {same['name']} on {same['added']})"
        return outcome
    try:
        result = read_bytes(content, name)
    except IngestError as exc:
        outcome.error = str(exc)
        return outcome
    outcome.warnings = [f"{i.where()}: {i.reason}" for i in result.issues]
    if not result.records:
        reasons = "; ".join(i.reason for i in result.issues) or "no papers found"
        outcome.error = f"{result.source}: nothing to add ({reasons})"
        return outcome
    _count(outcome, papers, result.records)
    try:
        sources.add_source(
            data,
            name,
            content,
            fmt=detect_format(content, name),
            records=len(result.records),
            added=date.today().isoformat(),
        )
    except AtlasError as exc:  # the disk is full, or the data folder is read-only
        outcome.error = str(exc)
        return outcome
    outcome.stored = True
    return outcome


def _count(outcome: AddOutcome, papers: pd.DataFrame, records: list[Record]) -> None:
    """New and merged counts, counting papers (a file's own repeats merge first), not rows."""
    distinct = dedupe(records).papers
    firsts = [
        Record(row[S.TITLE], row[S.ABSTRACT], "", 0, arxiv_id=row[S.RECORD_ARXIV_ID] or None, doi=row[S.DOI] or None)
        for _, row in distinct.iterrows()
    ]
    titles = dict(zip(papers[S.PAPER_ID], papers[S.TITLE])) if len(papers) else {}
    outcome.n_records = len(records)
    for record, match in zip(firsts, match_existing(papers, firsts)):
        if match is None:
            outcome.n_new += 1
        else:
            outcome.n_merged += 1
            outcome.merges.append(
                {"title": record.title, "into_title": titles.get(match[0], ""), "into_id": match[0], "by": match[1]}
            )
