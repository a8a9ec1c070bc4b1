"""Merge paper records seen several times (same page or across pages) into one row per paper.

Owns the merge rule and stable paper ids; when two titles are the same title is lib.core.titles' rule.
It does not parse, tag or cluster.

The rule, in order:
0. Records carrying the same arXiv id (version ignored) or DOI are the same paper; records carrying two
   different ones are never merged, whatever their titles.
1. Records whose normalised titles are equal are the same paper, unless both carry abstracts that share
   too little (token-set similarity below `abstract_threshold`): then they are different papers that
   happen to share a title, and each keeps its own row and id.
2. Records whose titles are the same title by lib.core.titles (near-identical normalised titles: a typo,
   a dropped hyphen; the same numbers: YOLOv3 is not YOLOv4; no different system names before a colon:
   "WGK: Lesion Detection" is not "NWF: Lesion Detection") merge on the same abstract condition.
3. A merged paper shows the title spelling seen most often and the abstract seen most often; on a tie the
   longer abstract wins (two versions of one work: the fuller text is kept), the other versions are kept
   in `abstract_variants`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from rapidfuzz import fuzz

from lib.core import schema as S
from lib.core.records import Record
from lib.core.report import Merge, SameTitleSplit
from lib.core.titles import TITLE_THRESHOLD, Title, normalize_title, similar_pairs, system_name

ABSTRACT_THRESHOLD = 60.0
_ABSTRACT_PROBE = 800  # characters compared; versions of one work agree well before this
# Which title groups (indices into the list it is given) are the same title: lib.core.titles.similar_pairs, or,
# for an engine that found the pairs over the whole corpus beforehand (lib.spark), a lookup of those pairs.
PairFinder = Callable[[Sequence[Title], float], set[tuple[int, int]]]


def make_paper_id(key: str) -> str:
    return "p" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:15]


@dataclass
class _Group:
    key: str  # normalised title
    members: list[Record] = field(default_factory=list)

    def abstract(self) -> str:
        return next((r.abstract for r in self.members if r.abstract), "")

    def ids(self, kind: str) -> set[str]:
        return {getattr(r, kind) for r in self.members if getattr(r, kind)}


@dataclass
class DedupeResult:
    papers: pd.DataFrame
    merges: list[Merge]  # one entry per paper built from more than one record
    same_title_splits: list[SameTitleSplit]  # titles shared by papers whose abstracts differ


def abstracts_compatible(a: str, b: str, threshold: float = ABSTRACT_THRESHOLD) -> bool:
    if not a or not b:
        return True
    return fuzz.token_set_ratio(a[:_ABSTRACT_PROBE], b[:_ABSTRACT_PROBE]) >= threshold


def dedupe(
    records: Sequence[Record],
    *,
    title_threshold: float = TITLE_THRESHOLD,
    abstract_threshold: float = ABSTRACT_THRESHOLD,
    find_pairs: PairFinder = similar_pairs,
) -> DedupeResult:
    """One row per paper, in order of first appearance (by source name, then line), whatever the input order."""
    groups = _exact_groups(sorted(records, key=record_order), abstract_threshold)
    sets = _UnionFind(groups)
    for members in _shared_ids(groups).values():  # the same arXiv id or DOI is the same paper, whatever its title
        for j in members[1:]:
            sets.union(members[0], j)
    titles = [Title(g.key, system_name(g.members[0].title)) for g in groups]
    for i, j in sorted(find_pairs(titles, title_threshold)):
        gi, gj = groups[i], groups[j]
        if gi.key == gj.key:
            continue  # split on purpose in step 1
        if abstracts_compatible(gi.abstract(), gj.abstract(), abstract_threshold):
            sets.union(i, j)
    rows = [
        _paper_row(sorted(m, key=lambda r: (r.source, r.line)), [groups[i] for i in parts])
        for m, parts in sets.members()
    ]
    _assign_ids(rows)
    rows.sort(key=lambda row: row["_first"])
    merges = [_merge_entry(row) for row in rows if len(row[S.SOURCE_LINES]) > 1]
    frame = pd.DataFrame([{k: v for k, v in row.items() if not k.startswith("_")} for row in rows], columns=ROW_COLUMNS)
    frame[S.N_SOURCES] = frame[S.N_SOURCES].astype("int64")
    return DedupeResult(frame, merges, _splits(rows))


def record_order(r: Record) -> tuple:
    """The order dedupe reads records in: by source and line, the rest only to break ties."""
    return (r.source, r.line, r.title, r.abstract, r.arxiv_id or "", r.doi or "")


def title_groups(records: Iterable[Record], abstract_threshold: float = ABSTRACT_THRESHOLD) -> list[Title]:
    """Step 1 alone: the Title of each group of records that dedupe compares by title, in the order `dedupe`
    numbers them (records sharing a normalised title form more than one group when their abstracts or ids
    differ). Lets another engine find step 2's pairs before handing the records of each paper to `dedupe`."""
    groups = _exact_groups(sorted(records, key=record_order), abstract_threshold)
    return [Title(g.key, system_name(g.members[0].title)) for g in groups]


ROW_COLUMNS = [
    S.PAPER_ID,
    S.TITLE,
    S.ABSTRACT,
    S.ABSTRACT_VARIANTS,
    S.SOURCES,
    S.N_SOURCES,
    S.SOURCE_LINES,
    S.LISTING_DATES,
    S.AUTHORS,
    S.RECORD_PUBLISHED,
    S.URL,
    S.RECORD_ARXIV_ID,
    S.DOI,
    S.VENUE,
    S.EXTRA,
]


class _UnionFind:
    """Groups joined into papers; a union is refused when the two sides carry different arXiv ids or DOIs."""

    def __init__(self, groups: list[_Group]):
        self.groups = groups
        self.parent = list(range(len(groups)))
        self.ids = [(g.ids("arxiv_id"), g.ids("doi")) for g in groups]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = sorted((self.find(i), self.find(j)))
        if ri == rj or _conflict(self.ids[ri], self.ids[rj]):
            return
        self.parent[rj] = ri
        self.ids[ri] = (self.ids[ri][0] | self.ids[rj][0], self.ids[ri][1] | self.ids[rj][1])

    def members(self) -> list[tuple[list[Record], list[int]]]:
        """Per paper: its records and the indices of the groups they came from."""
        merged: dict[int, tuple[list[Record], list[int]]] = {}
        for i, g in enumerate(self.groups):
            records, parts = merged.setdefault(self.find(i), ([], []))
            records.extend(g.members)
            parts.append(i)
        return list(merged.values())


def _conflict(a: tuple[set, set], b: tuple[set, set]) -> bool:
    # Two different arXiv ids (or DOIs) are two papers, however alike their titles.
    return bool(a[0] and b[0] and not a[0] & b[0]) or bool(a[1] and b[1] and not a[1] & b[1])


def _shared_ids(groups: list[_Group]) -> dict[str, list[int]]:
    by_id: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        for kind in ("arxiv_id", "doi"):
            for value in sorted(g.ids(kind)):
                by_id[f"{kind}:{value}"].append(i)
    return {k: v for k, v in by_id.items() if len(v) > 1}


def _exact_groups(ordered: Iterable[Record], abstract_threshold: float) -> list[_Group]:
    by_key: dict[str, list[_Group]] = defaultdict(list)
    groups: list[_Group] = []
    for record in ordered:
        key = normalize_title(record.title)
        mine = ({record.arxiv_id} - {None}, {record.doi} - {None})
        for group in by_key[key]:
            theirs = (group.ids("arxiv_id"), group.ids("doi"))
            if not _conflict(mine, theirs) and abstracts_compatible(
                group.abstract(), record.abstract, abstract_threshold
            ):
                group.members.append(record)
                break
        else:
            group = _Group(key, [record])
            by_key[key].append(group)
            groups.append(group)
    return groups


def _paper_row(members: list[Record], groups: list[_Group]) -> dict:
    if len(members) == 1:
        return _single_row(members[0], groups[0].key)
    title = _most_common([r.title for r in members])
    abstracts = Counter(r.abstract for r in members if r.abstract)
    ranked = sorted(abstracts, key=lambda a: (-abstracts[a], -len(a), a))
    sources = sorted({r.source for r in members})
    keys: Counter[str] = Counter()
    for g in groups:
        keys[g.key] += len(g.members)
    return {
        S.PAPER_ID: "",
        S.TITLE: title,
        S.ABSTRACT: ranked[0] if ranked else "",
        S.ABSTRACT_VARIANTS: ranked[1:],
        S.SOURCES: sources,
        S.N_SOURCES: len(sources),
        S.SOURCE_LINES: [f"{r.source}:{r.line}" for r in members],
        S.LISTING_DATES: sorted({r.listing_date for r in members if r.listing_date}),
        S.AUTHORS: list(max((r.authors for r in members), key=len)),
        # The earliest year, and within it the most precise date ("2023-05" over "2023").
        S.RECORD_PUBLISHED: min(
            (r.published for r in members if r.published), key=lambda p: (p[:4], -len(p), p), default=None
        ),
        S.URL: next((r.url for r in members if r.url), None),
        S.RECORD_ARXIV_ID: next((r.arxiv_id for r in members if r.arxiv_id), None),
        S.DOI: next((r.doi for r in members if r.doi), None),
        S.VENUE: next((r.venue for r in members if r.venue and r.venue != "arXiv"), None)
        or next((r.venue for r in members if r.venue), None),  # where it was published beats "arXiv"
        S.EXTRA: json.dumps(dict(pair for r in members for pair in r.extra), ensure_ascii=False, sort_keys=True),
        "_key": min(keys, key=lambda k: (-keys[k], k)),
        "_first": (members[0].source, members[0].line),
        "_titles": sorted({r.title for r in members}),
    }


def _single_row(r: Record, key: str) -> dict:
    """The row of a paper seen once: what `_paper_row` gives for one record, without its bookkeeping."""
    return {
        S.PAPER_ID: "",
        S.TITLE: r.title,
        S.ABSTRACT: r.abstract or "",
        S.ABSTRACT_VARIANTS: [],
        S.SOURCES: [r.source],
        S.N_SOURCES: 1,
        S.SOURCE_LINES: [f"{r.source}:{r.line}"],
        S.LISTING_DATES: [r.listing_date] if r.listing_date else [],
        S.AUTHORS: list(r.authors),
        S.RECORD_PUBLISHED: r.published or None,
        S.URL: r.url or None,
        S.RECORD_ARXIV_ID: r.arxiv_id or None,
        S.DOI: r.doi or None,
        S.VENUE: r.venue or None,
        S.EXTRA: json.dumps(dict(r.extra), ensure_ascii=False, sort_keys=True) if r.extra else "{}",
        "_key": key,
        "_first": (r.source, r.line),
        "_titles": [r.title],
    }


def _most_common(values: list[str]) -> str:
    counts = Counter(values)
    return max(counts, key=lambda v: (counts[v], -values.index(v)))


def _assign_ids(rows: list[dict]) -> None:
    by_key: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_key[row["_key"]].append(row)
    for key, same in by_key.items():
        for row in same:
            # Papers sharing a title are told apart by their abstract, so neither id depends on order.
            suffix = "" if len(same) == 1 else "\n" + normalize_title(row[S.ABSTRACT])[:300]
            row[S.PAPER_ID] = make_paper_id(key + suffix)


def _merge_entry(row: dict) -> Merge:
    return Merge(
        paper_id=row[S.PAPER_ID],
        title=row[S.TITLE],
        n_records=len(row[S.SOURCE_LINES]),
        where=tuple(row[S.SOURCE_LINES]),
        title_variants=tuple(row["_titles"]) if len(row["_titles"]) > 1 else (),
        n_abstract_versions=1 + len(row[S.ABSTRACT_VARIANTS]),
    )


def _splits(rows: list[dict]) -> list[SameTitleSplit]:
    by_key: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_key[row["_key"]].append(row)
    return [
        SameTitleSplit(same[0][S.TITLE], tuple(r[S.PAPER_ID] for r in same))
        for same in by_key.values()
        if len(same) > 1
    ]
