"""Merge paper records seen several times (same page or across pages) into one row per paper.

Owns the merge rule and stable paper ids; when two titles are the same title is lib.core.titles' rule.
It does not parse, tag or cluster.

The rule, in order:
0. Records carrying the same arXiv id (version ignored) or DOI are the same paper when their titles can name
   one work (lib.cleaning.merge_rules); a DOI or id shared by clearly different titles (a book's DOI on its
   chapters, a wrong DOI) is reported and merges nothing. Records carrying two different ids are never
   merged, whatever their titles.
1. Records whose normalised titles are equal are the same paper, unless both carry abstracts that share
   too little (token-set similarity below `abstract_threshold`): then they are different papers that
   happen to share a title, and each keeps its own row and id.
2. Records whose titles are the same title by lib.core.titles (near-identical normalised titles: a typo,
   a dropped hyphen; the same numbers: YOLOv3 is not YOLOv4; no different system names before a colon:
   "WGK: Lesion Detection" is not "NWF: Lesion Detection") merge on the same abstract condition.
3. Nothing merged by title may contradict: not different first authors, not years more than two apart, not
   a person's decision that the records are not the same paper (`apart`, from the merge decisions file).
4. A merged paper keeps one record (an abstract first, then a DOI or arXiv id, then the most fields) and
   shows the title spelling seen most often and the abstract seen most often; on a tie the
   longer abstract wins (two versions of one work: the fuller text is kept), the other versions are kept
   in `abstract_variants`. `details` says, per merged paper, which record was kept, which record gave each
   field and how the records were joined.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from rapidfuzz import fuzz

from lib.cleaning.merge_rules import (
    Evidence,
    contradiction,
    decided_apart,
    ids_conflict,
    keeper_rank,
    record_key,
    record_summary,
    titles_name_one_work,
)
from lib.core import schema as S
from lib.core.records import Issue, Record
from lib.core.report import Merge, SameTitleSplit
from lib.core.titles import TITLE_THRESHOLD, Title, normalize_title, similar_pairs, system_name

ABSTRACT_THRESHOLD = 60.0
SAME_WORK_ABSTRACT = 80.0  # abstracts this alike make records sharing an id one work, however retitled
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
    evidence: Evidence = field(default_factory=Evidence)

    def abstract(self) -> str:
        return next((r.abstract for r in self.members if r.abstract), "")

    def ids(self, kind: str) -> set[str]:
        return {getattr(r, kind) for r in self.members if getattr(r, kind)}


@dataclass
class DedupeResult:
    papers: pd.DataFrame
    merges: list[Merge]  # one entry per paper built from more than one record
    same_title_splits: list[SameTitleSplit]  # titles shared by papers whose abstracts differ
    warnings: list[Issue] = field(default_factory=list)  # identifiers shared by different works
    details: dict[str, dict] = field(default_factory=dict)  # paper id -> kept record, field sources, joins


def abstracts_compatible(a: str, b: str, threshold: float = ABSTRACT_THRESHOLD) -> bool:
    if not a or not b:
        return True
    return fuzz.token_set_ratio(a[:_ABSTRACT_PROBE], b[:_ABSTRACT_PROBE]) >= threshold


def dedupe(
    records: Sequence[Record],
    *,
    title_threshold: float = TITLE_THRESHOLD,
    abstract_threshold: float = ABSTRACT_THRESHOLD,
    apart: Sequence[Sequence[str]] = (),
    find_pairs: PairFinder = similar_pairs,
) -> DedupeResult:
    """One row per paper, in order of first appearance (by source name, then line), whatever the input order.
    `apart`: groups of records ("file:line") that a person decided are different papers."""
    groups = _exact_groups(sorted(records, key=record_order), abstract_threshold, _decisions(apart))
    sets = _UnionFind(groups)
    warnings = _join_shared_ids(groups, sets)
    titles = [Title(g.key, system_name(g.members[0].title)) for g in groups]
    for i, j in sorted(find_pairs(titles, title_threshold)):
        gi, gj = groups[i], groups[j]
        if gi.key == gj.key:
            continue  # split on purpose in step 1
        if abstracts_compatible(gi.abstract(), gj.abstract(), abstract_threshold):
            sets.union(i, j, "title")
    rows = [
        _paper_row(sorted(m, key=lambda r: (r.source, r.line)), [groups[i] for i in parts], joins)
        for m, parts, joins in sets.members()
    ]
    _assign_ids(rows)
    rows.sort(key=lambda row: row["_first"])
    merges = [_merge_entry(row) for row in rows if len(row[S.SOURCE_LINES]) > 1]
    details = {row[S.PAPER_ID]: row["_details"] for row in rows if row.get("_details")}
    frame = pd.DataFrame([{k: v for k, v in row.items() if not k.startswith("_")} for row in rows], columns=ROW_COLUMNS)
    frame[S.N_SOURCES] = frame[S.N_SOURCES].astype("int64")
    return DedupeResult(frame, merges, _splits(rows), warnings, details)


def record_order(r: Record) -> tuple:
    """The order dedupe reads records in: by source and line, the rest only to break ties."""
    return (r.source, r.line, r.title, r.abstract, r.arxiv_id or "", r.doi or "")


def title_groups(
    records: Iterable[Record], abstract_threshold: float = ABSTRACT_THRESHOLD, apart: Sequence[Sequence[str]] = ()
) -> list[Title]:
    """Step 1 alone: the Title of each group of records that dedupe compares by title, in the order `dedupe`
    numbers them (records sharing a normalised title form more than one group when their abstracts or ids
    differ). Lets another engine find step 2's pairs before handing the records of each paper to `dedupe`."""
    groups = _exact_groups(sorted(records, key=record_order), abstract_threshold, _decisions(apart))
    return [Title(g.key, system_name(g.members[0].title)) for g in groups]


def _decisions(apart: Sequence[Sequence[str]]) -> dict[str, list[int]]:
    decisions: dict[str, list[int]] = defaultdict(list)
    for d, keys in enumerate(apart):
        for key in keys:
            decisions[key].append(d)
    return decisions


def _join_shared_ids(groups: list[_Group], sets: _UnionFind) -> list[Issue]:
    """Join groups sharing an arXiv id or DOI when their titles can be one work; report the others."""
    warnings: list[Issue] = []
    for (kind, value), members in _shared_ids(groups).items():
        head = groups[members[0]]
        first = head.members[0]
        odd = [j for j in members[1:] if not _one_work(head, groups[j])]
        for j in members[1:]:
            if j not in odd:
                sets.union(members[0], j, _ID_NAMES[kind])
        odd = [groups[j].members[0] for j in odd]
        if odd:
            shown = "; ".join(f"{record_key(r)} {r.title[:60]!r}" for r in [first, *odd])
            reason = (
                f"{_ID_NAMES[kind]} {value} is shared by records with different titles (a book and its chapters, "
                f"or a wrong {_ID_NAMES[kind]}); not merged: {shown}"
            )
            warnings.append(Issue(first.source, first.line or None, reason))
    return warnings


_ID_NAMES = {"arxiv_id": "arXiv id", "doi": "DOI"}


def _one_work(a: _Group, b: _Group) -> bool:
    # A retitled version keeps its abstract: two abstracts that agree make one work whatever the titles say.
    both = a.abstract() and b.abstract()
    return titles_name_one_work(a.members[0].title, b.members[0].title) or bool(
        both and abstracts_compatible(a.abstract(), b.abstract(), SAME_WORK_ABSTRACT)
    )


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


_BY_TITLE, _NOTHING = frozenset({"title"}), frozenset()


class _UnionFind:
    """Groups joined into papers. A union is refused when the two sides carry different arXiv ids or DOIs, when a
    person decided they are different papers, and, for a union by title, when anything contradicts it."""

    def __init__(self, groups: list[_Group]):
        self.groups = groups
        self.parent = list(range(len(groups)))
        self.evidence = [g.evidence for g in groups]
        # Shared frozen sets: most groups are one record, joined to nothing.
        self.joins: list[frozenset[str]] = [_BY_TITLE if len(g.members) > 1 else _NOTHING for g in groups]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int, how: str) -> None:
        ri, rj = sorted((self.find(i), self.find(j)))
        a, b = self.evidence[ri], self.evidence[rj]
        if ri == rj or ids_conflict(a, b) or decided_apart(a, b) or (how == "title" and contradiction(a, b)):
            return
        self.parent[rj] = ri
        self.evidence[ri] = a.merged(b)
        self.joins[ri] = self.joins[ri] | self.joins[rj] | {how}

    def members(self) -> list[tuple[list[Record], list[int], frozenset[str]]]:
        """Per paper: its records, the indices of the groups they came from, and how they were joined."""
        merged: dict[int, tuple[list[Record], list[int], frozenset[str]]] = {}
        for i, g in enumerate(self.groups):
            root = self.find(i)
            records, parts, _ = merged.setdefault(root, ([], [], self.joins[root]))
            records.extend(g.members)
            parts.append(i)
        return list(merged.values())


def _shared_ids(groups: list[_Group]) -> dict[tuple[str, str], list[int]]:
    by_id: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        for kind in ("arxiv_id", "doi"):
            for value in sorted(g.ids(kind)):
                by_id[(kind, value)].append(i)
    return {k: v for k, v in by_id.items() if len(v) > 1}


def _exact_groups(
    ordered: Iterable[Record], abstract_threshold: float, decisions: dict[str, list[int]]
) -> list[_Group]:
    by_key: dict[str, list[_Group]] = defaultdict(list)
    groups: list[_Group] = []
    for record in ordered:
        key = normalize_title(record.title)
        mine = Evidence.of([record], decisions)
        for group in by_key[key]:
            theirs = group.evidence
            if (
                not ids_conflict(mine, theirs)
                and not decided_apart(mine, theirs)
                and not contradiction(mine, theirs)
                and abstracts_compatible(group.abstract(), record.abstract, abstract_threshold)
            ):
                group.members.append(record)
                group.evidence = theirs.merged(mine)
                break
        else:
            group = _Group(key, [record], mine)
            by_key[key].append(group)
            groups.append(group)
    return groups


def _paper_row(members: list[Record], groups: list[_Group], joins: frozenset[str]) -> dict:
    if len(members) == 1:
        return _single_row(members[0], groups[0].key)
    title = _most_common([r.title for r in members])
    abstracts = Counter(r.abstract for r in members if r.abstract)
    ranked = sorted(abstracts, key=lambda a: (-abstracts[a], -len(a), a))
    sources = sorted({r.source for r in members})
    keys: Counter[str] = Counter()
    for g in groups:
        keys[g.key] += len(g.members)
    keeper = min(members, key=keeper_rank)
    by_keeper = [keeper, *(r for r in members if r is not keeper)]  # the kept record's values come first
    picked = {
        S.TITLE: next(r for r in members if r.title == title),
        S.ABSTRACT: next((r for r in members if ranked and r.abstract == ranked[0]), None),
        S.AUTHORS: max(by_keeper, key=lambda r: len(r.authors)),
        # The earliest year, and within it the most precise date ("2023-05" over "2023").
        S.RECORD_PUBLISHED: min(
            (r for r in by_keeper if r.published), key=lambda r: (r.published[:4], -len(r.published)), default=None
        ),
        S.URL: next((r for r in by_keeper if r.url), None),
        S.RECORD_ARXIV_ID: next((r for r in by_keeper if r.arxiv_id), None),
        S.DOI: next((r for r in by_keeper if r.doi), None),
        # where it was published beats "arXiv"
        S.VENUE: next((r for r in by_keeper if r.venue and r.venue != "arXiv"), None)
        or next((r for r in by_keeper if r.venue), None),
    }
    value = {S.RECORD_ARXIV_ID: "arxiv_id", S.RECORD_PUBLISHED: "published"}
    row = {
        S.PAPER_ID: "",
        S.TITLE: title,
        S.ABSTRACT: ranked[0] if ranked else "",
        S.ABSTRACT_VARIANTS: ranked[1:],
        S.SOURCES: sources,
        S.N_SOURCES: len(sources),
        S.SOURCE_LINES: [record_key(r) for r in members],
        S.LISTING_DATES: sorted({r.listing_date for r in members if r.listing_date}),
        S.EXTRA: json.dumps(dict(pair for r in members for pair in r.extra), ensure_ascii=False, sort_keys=True),
        "_key": min(keys, key=lambda k: (-keys[k], k)),
        "_first": (members[0].source, members[0].line),
        "_titles": sorted({r.title for r in members}),
    }
    for column in (S.AUTHORS, S.RECORD_PUBLISHED, S.URL, S.RECORD_ARXIV_ID, S.DOI, S.VENUE):
        r = picked[column]
        got = getattr(r, value.get(column, column)) if r else None
        row[column] = list(got or ()) if column == S.AUTHORS else got
    row["_details"] = {
        "kept": record_key(keeper),
        "joined_by": sorted(joins),
        "fields": {c: record_key(r) for c, r in picked.items() if r is not None},
        "records": [record_summary(r) for r in members],
    }
    return row


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
