"""The arXiv id cache: a CSV of (title, arxiv_id, confidence) rows, and joining it to papers by title.

Owns the cache's format (shared by the bundled `data/arxiv_ids.csv` and anything that later adds to it)
and joining it to papers; which cache row is a paper's title is lib.core.titles' rule, the one dedupe and
adding sources use, so "X v2" never takes the id listed for "X v3". It never fetches anything and never
reads paths it is not given.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lib.core.errors import CacheError
from lib.core.ids import normalize_arxiv_id
from lib.core.titles import TITLE_THRESHOLD, TitleIndex

COLUMNS = ("title", "arxiv_id", "confidence")
CONFIDENCES = ("high", "low")


@dataclass(frozen=True)
class CacheEntry:
    title: str
    arxiv_id: str | None  # None: looked up, no id known; the paper stays undated
    confidence: str | None


@dataclass(frozen=True)
class Match:
    arxiv_id: str | None
    confidence: str | None
    score: float  # title similarity of the cache row the paper matched, 100 for an exact match


def read_cache(path: Path) -> list[CacheEntry]:
    """Rows of the cache; a missing file is an empty cache, a malformed one raises CacheError."""
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed by the `with` below)
    except FileNotFoundError:
        return []
    with handle:
        try:
            return _entries(path, csv.DictReader(handle))
        except UnicodeDecodeError:
            raise CacheError(f"{path.name}:{_line_of(path)}: not UTF-8 text") from None
        except csv.Error as exc:
            raise CacheError(f"{path.name}: not a readable CSV file ({exc})") from None


def _line_of(path: Path) -> int:
    """The line holding the first byte that is not UTF-8."""
    raw = path.read_bytes()
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return raw.count(b"\n", 0, exc.start) + 1
    return 1


def _entries(path: Path, reader: csv.DictReader) -> list[CacheEntry]:
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CacheError(f"{path.name}:1: missing column(s) {', '.join(missing)}")
    entries = []
    for line, row in enumerate(reader, start=2):
        raw_id, confidence = (row["arxiv_id"] or "").strip(), (row["confidence"] or "").strip().lower()
        arxiv_id = normalize_arxiv_id(raw_id) if raw_id else None
        if raw_id and arxiv_id is None:
            raise CacheError(f"{path.name}:{line}: {raw_id!r} is not an arXiv id")
        if confidence and confidence not in CONFIDENCES:
            raise CacheError(f"{path.name}:{line}: confidence {confidence!r} is not one of {', '.join(CONFIDENCES)}")
        entries.append(CacheEntry((row["title"] or "").strip(), arxiv_id, confidence or None))
    return entries


def write_cache(entries: Sequence[CacheEntry], path: Path) -> None:
    """Write the cache sorted by title (so diffs stay small); the caller makes it atomic (lib.store)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for e in sorted(entries, key=lambda e: (e.title.casefold(), e.title)):
            writer.writerow((e.title, e.arxiv_id or "", e.confidence or ""))


def match_titles(
    titles: Sequence[str], entries: Sequence[CacheEntry], *, threshold: float = TITLE_THRESHOLD
) -> list[Match | None]:
    """For each title, the cache row with the same normalised title, else the closest row that is the same
    title by lib.core.titles (scoring at least `threshold`, same numbers, no different system name); None
    when no row is. Of rows sharing a normalised title, the first answers."""
    index = TitleIndex([e.title for e in entries], threshold)
    out: list[Match | None] = []
    for found in map(index.match, titles):
        if found is None:
            out.append(None)
        else:
            position, score = found
            out.append(Match(entries[position].arxiv_id, entries[position].confidence, score))
    return out
