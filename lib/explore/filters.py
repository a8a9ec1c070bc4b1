"""Filters as data: a frozen FilterSpec, the PaperIndex it runs against, and one pure `apply_filters`. Also the
live facet counts, a plain-words `describe`, and the URL form (`to_query` / `from_query`).

Every facet-specific step loops over the registry in lib.explore.facets; nothing here names a facet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.core import schema as S
from lib.core.dates import month_keys
from lib.explore import regions
from lib.explore.facets import BY_NAME, FACETS, FLAG, FLAG_CHOICES, MANY, RANGE, FacetIndex, Names, RangeIndex
from lib.explore.meaning import MeaningIndex
from lib.explore.search import Hits, SearchIndex

SORTS = ("relevance", "newest", "oldest", "title", "sources")
SEARCH_MODES = ("exact", "fuzzy", "meaning")
MAX_LIKE = 50  # papers a "papers like these" search starts from
MAX_QUERY = 200
MAX_URL_VALUES = 1000  # values taken from one URL key; a longer list is somebody's mistake or an attack


@dataclass(frozen=True)
class FilterSpec:
    """What a reader asked for. `facets` holds (facet name, choice) pairs in registry order, for active
    facets only: a tuple of values (MANY, ONE), "yes" or "no" (FLAG), or (first, last) (RANGE)."""

    facets: tuple[tuple[str, Any], ...] = ()
    match_all: tuple[str, ...] = ()  # MANY facets whose chosen values must all hold, not just one
    query: str = ""
    search: str = "exact"
    regions: tuple[regions.Polygon, ...] = ()  # picked on the map: every paper inside any of them
    sort: str = "relevance"
    like: tuple[str, ...] = ()  # paper ids: papers close in meaning to these, ranked (instead of the query)

    @classmethod
    def of(cls, **choices) -> FilterSpec:
        """A spec from keywords naming facets (`themes=("lora",)`, `code="yes"`) or the other fields."""
        own = {f.name for f in fields(cls)}
        spec = cls(**{k: v for k, v in choices.items() if k in own})
        for name, choice in choices.items():
            if name not in own:
                spec = spec.choose(name, choice)
        return spec

    def chosen(self, name: str) -> Any:
        """The choice for facet `name`, or None when the facet is not active."""
        return dict(self.facets).get(name)

    def choose(self, name: str, choice: Any) -> FilterSpec:
        """This spec with facet `name` set to `choice` (an empty choice clears it)."""
        if name not in BY_NAME:
            raise KeyError(f"no facet called {name!r}")
        if isinstance(choice, list):
            choice = tuple(choice)
        active = dict(self.facets)
        if choice:
            active[name] = choice
        else:
            active.pop(name, None)
        return replace(self, facets=tuple((f.name, active[f.name]) for f in FACETS if f.name in active))

    def match_all_of(self, name: str, wanted: bool) -> FilterSpec:
        others = tuple(m for m in self.match_all if m != name)
        return replace(self, match_all=(*others, name) if wanted else others)

    def without_facets(self) -> FilterSpec:
        """No facet, no search and no picked papers; how the reader searches and sorts is kept."""
        return FilterSpec(search=self.search, sort=self.sort, match_all=self.match_all)

    def is_empty(self) -> bool:
        return self == self.without_facets()


@dataclass
class PaperIndex:
    """Everything filtering needs, in arrays aligned with the papers table's rows, built once per collection."""

    ids: np.ndarray
    xy: np.ndarray  # (n, 2) place on the topic map, for regions picked on it
    facets: dict[str, FacetIndex]
    month_key: np.ndarray  # YYYYMM, 0 when undated, for sorting by date
    n_sources: np.ndarray
    title_rank: np.ndarray
    search: SearchIndex
    position: dict[str, int]
    meaning: MeaningIndex | None = None  # the build's meaning index for these rows; None for a build without one
    map_sample: np.ndarray | None = None  # the rows the build's map draws with nothing highlighted (lean folders)

    @classmethod
    def from_papers(
        cls, papers: pd.DataFrame, orders: Mapping[str, Sequence] | None = None, meaning: MeaningIndex | None = None
    ) -> PaperIndex:
        """The index of `papers`; `orders` gives a facet's values in the order to offer them (themes in
        taxonomy order), else they are sorted. `meaning` answers search by meaning and "papers like these"."""
        orders = orders or {}
        titles = pa.array(papers[S.TITLE], type=pa.large_string())  # Arrow strings: no Python object per title
        return cls(
            ids=papers[S.PAPER_ID].to_numpy(dtype=object),
            xy=np.column_stack([papers[S.X].to_numpy(dtype=float), papers[S.Y].to_numpy(dtype=float)])
            if S.X in papers.columns
            else np.zeros((len(papers), 2)),
            facets={
                f.name: FacetIndex.build(f, papers[f.column], orders.get(f.name))
                for f in FACETS
                if f.column in papers.columns
            },
            month_key=month_keys(papers[S.PUBLISHED]),
            n_sources=papers[S.N_SOURCES].to_numpy(dtype=np.int64),
            # place in case-insensitive title order, ties in table order
            title_rank=pc.rank(pc.utf8_lower(titles), sort_keys="ascending", tiebreaker="first").to_numpy() - 1,
            search=SearchIndex(titles, papers[S.ABSTRACT]),  # converted to Arrow there
            position={pid: i for i, pid in enumerate(papers[S.PAPER_ID])},
            meaning=meaning,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def with_column(self, papers: pd.DataFrame, column: str) -> PaperIndex:
        """This index with the facets reading `column` indexed again from `papers` (the same rows), sharing
        everything else: re-clustering changes one column, and the search index alone is most of the memory."""
        facets = {
            f.name: FacetIndex.build(f, papers[f.column]) if f.column == column else self.facets[f.name]
            for f in FACETS
            if f.name in self.facets
        }
        return replace(self, facets=facets)

    def values(self, name: str) -> list:
        """The values of facet `name` present in the collection, in the order they are offered."""
        return self.facets[name].values if name in self.facets else []


NO_MEANING = "this collection was built without an index for search by meaning: build it again"


def search_hits(index: PaperIndex, spec: FilterSpec) -> Hits | None:
    """The rows the search (or "papers like these") keeps, best first; None when there is no search."""
    if spec.like:
        if index.meaning is None:
            return Hits(np.zeros(0, np.int64), np.zeros(0), (), (), NO_MEANING)
        return index.meaning.like([index.position[p] for p in spec.like if p in index.position])
    if not spec.query.strip():
        return None
    if spec.search == "meaning":
        if index.meaning is None:
            return Hits(np.zeros(0, np.int64), np.zeros(0), (), (), NO_MEANING)
        return index.meaning.search(spec.query)
    return index.search.search(spec.query, spec.search)


def _masks(index: PaperIndex, spec: FilterSpec, hits: Hits | None) -> dict[str, np.ndarray]:
    """One boolean mask per active filter, keyed by facet name ("query" and "regions" for the others)."""
    masks = {
        name: index.facets[name].mask(choice, all_of=name in spec.match_all)
        for name, choice in spec.facets
        if name in index.facets
    }
    if spec.regions:
        masks["regions"] = regions.inside(index.xy[:, 0], index.xy[:, 1], spec.regions)
    if hits is not None:
        found = np.zeros(len(index), dtype=bool)
        found[hits.positions] = True
        masks["query"] = found
    return masks


def _combine(masks: dict[str, np.ndarray], n: int, *, skip: str | None = None) -> np.ndarray:
    out = np.ones(n, dtype=bool)
    for name, mask in masks.items():
        if name != skip:
            out &= mask
    return out


def apply_filters(index: PaperIndex, spec: FilterSpec) -> np.ndarray:
    """Row positions of the papers `spec` keeps, in display order."""
    hits = search_hits(index, spec)
    keep = _combine(_masks(index, spec, hits), len(index))
    if spec.sort == "relevance" and hits is not None:
        return hits.positions[keep[hits.positions]]
    rows = np.flatnonzero(keep)
    if spec.sort == "newest":
        return rows[np.lexsort((rows, index.month_key[rows] == 0, -index.month_key[rows]))]
    if spec.sort == "oldest":
        return rows[np.lexsort((rows, index.month_key[rows], index.month_key[rows] == 0))]
    if spec.sort == "title":
        return rows[np.argsort(index.title_rank[rows], kind="stable")]
    if spec.sort == "sources":
        return rows[np.lexsort((rows, -index.n_sources[rows]))]
    return rows


def facet_counts(index: PaperIndex, spec: FilterSpec) -> dict[str, dict]:
    """For each facet, how many papers each value would show given the *other* active filters.

    A facet in "all" mode counts within its own selection too (how many remain if one more value is
    required); everywhere else a facet's own choice is left out, so choosing more values in one facet
    never hides the alternatives. RANGE facets count per year, 0 being the undated papers.
    """
    masks = _masks(index, spec, search_hits(index, spec))
    n = len(index)
    out: dict[str, dict] = {}
    for name, facet_index in index.facets.items():
        base = _combine(masks, n, skip=None if name in spec.match_all else name)
        chosen = spec.chosen(name)
        out[name] = facet_index.counts(base, include=chosen if isinstance(chosen, tuple) else ())
    return out


def describe(spec: FilterSpec, names: Names | None = None) -> str:
    """The active filters in plain words, e.g. 'about LoRA or Pruning · with code · matching "vit"'."""
    names = names or Names()
    parts = []
    for name, choice in spec.facets:
        facet = BY_NAME[name]
        if facet.kind == FLAG:
            parts.append(facet.phrase if choice == "yes" else facet.negated)
        elif facet.kind == RANGE:
            parts.append(f"{facet.phrase} {choice[0]}–{choice[1]}")
        else:
            joiner = " and " if name in spec.match_all else " or "
            parts.append(f"{facet.phrase} " + joiner.join(facet.label(names, v) for v in choice))
    if spec.like:
        parts.append(f"like {len(spec.like)} chosen paper" + ("s" if len(spec.like) > 1 else ""))
    elif spec.query.strip():
        how = {"fuzzy": "title words close to", "meaning": "close in meaning to"}.get(spec.search, "text containing")
        parts.append(f'{how} "{spec.query.strip()[:MAX_QUERY]}"')
    if spec.regions:
        parts.append(regions.holding(spec.regions))
    return " · ".join(parts) if parts else "all papers, no filters"


# --- URL form -------------------------------------------------------------------------------------

_CHOICES = {"search": ("search", SEARCH_MODES), "sort": ("sort", SORTS)}
REGION_KEY = "region"
QUERY_KEY = "q"
LIKE_KEY = "like"


def to_query(spec: FilterSpec) -> dict[str, str | list[str]]:
    """URL query parameters for `spec`, leaving out everything at its default."""
    out: dict[str, str | list[str]] = {}
    for name, choice in spec.facets:
        facet = BY_NAME[name]
        if facet.kind == RANGE:
            out[facet.url_key] = f"{choice[0]}-{choice[1]}"
        elif facet.kind == FLAG:
            out[facet.url_key] = choice
        else:
            out[facet.url_key] = [str(v) for v in choice]
    for name in spec.match_all:
        if BY_NAME[name].all_key:
            out[BY_NAME[name].all_key] = "all"
    for attr, (key, _) in _CHOICES.items():
        if getattr(spec, attr) != getattr(FilterSpec(), attr):
            out[key] = getattr(spec, attr)
    if spec.regions:
        out[REGION_KEY] = [regions.to_text(p) for p in spec.regions]
    if spec.query.strip():
        out[QUERY_KEY] = spec.query.strip()
    if spec.like:
        out[LIKE_KEY] = list(spec.like)
    return out


def from_query(params: Mapping[str, str | list[str]], index: PaperIndex | None = None) -> FilterSpec:
    """A FilterSpec from URL parameters. Unknown keys and invalid values are dropped, never raised; with an
    index, values the collection does not have are dropped and year ranges are clamped to its years."""

    def get_all(key: str) -> list[str]:
        value = params.get(key, [])
        return ([value] if isinstance(value, str) else [str(v) for v in value])[:MAX_URL_VALUES]

    spec = FilterSpec()
    for facet in FACETS:
        raw = get_all(facet.url_key)
        known = index.facets.get(facet.name) if index is not None else None
        if facet.kind == RANGE:
            choice = _parse_range(raw[0] if raw else "", known)
        elif facet.kind == FLAG:
            choice = raw[0] if raw and raw[0] in FLAG_CHOICES else None
        else:
            choice = tuple(v for v in dict.fromkeys(_parsed(facet.parse, raw)) if known is None or v in known.position)
        spec = spec.choose(facet.name, choice)
        if facet.kind == MANY and facet.all_key and (get_all(facet.all_key) or [""])[0] == "all":
            spec = spec.match_all_of(facet.name, True)
    for attr, (key, allowed) in _CHOICES.items():
        value = (get_all(key) or [None])[0]
        if value in allowed:
            spec = replace(spec, **{attr: value})
    picked = tuple(dict.fromkeys(_parsed(regions.parse, get_all(REGION_KEY)[: regions.MAX_REGIONS])))
    like = [p for p in dict.fromkeys(get_all(LIKE_KEY)) if index is None or p in index.position][:MAX_LIKE]
    return replace(
        spec,
        regions=picked,
        query=(get_all(QUERY_KEY) or [""])[0].strip()[:MAX_QUERY],
        like=tuple(like),
    )


def _parsed(parse, raw: list[str]) -> list:
    out = []
    for text in raw:
        try:
            out.append(parse(text))
        except ValueError:
            continue
    return out


def _parse_range(text: str, known: FacetIndex | None) -> tuple[int, int] | None:
    """'2019-2023' as (2019, 2023), within the collection's years when an index is given; else None."""
    lo, sep, hi = text.partition("-")
    if not sep or not all(0 < len(t) <= 4 and t.isascii() and t.isdigit() for t in (lo, hi)):
        return None
    first, last = sorted((int(lo), int(hi)))
    bounds = known.bounds if isinstance(known, RangeIndex) else (1000, 2999)
    if bounds is None or last < bounds[0] or first > bounds[1]:
        return None
    first, last = max(first, bounds[0]), min(last, bounds[1])
    return None if (first, last) == bounds and known is not None else (first, last)


def unused_url_parts(params: Mapping[str, str | list[str]], spec: FilterSpec) -> list[str]:
    """The filters a link asked for that `spec` (read from it) could not keep: values the collection lacks,
    malformed ones, and picks in the old one-id-per-paper form. Keys the app does not use are ignored."""
    kept = to_query(spec)  # and the defaults it leaves out, which a link may spell out ("search=exact")
    kept |= {key: getattr(spec, attr) for attr, (key, _) in _CHOICES.items()}
    kept |= {f.all_key: "all" if f.name in spec.match_all else "any" for f in FACETS if f.all_key}
    known = {f.url_key for f in FACETS} | {f.all_key for f in FACETS if f.all_key} | {k for k, _ in _CHOICES.values()}
    unused = []
    for key in sorted(known | {REGION_KEY, QUERY_KEY, LIKE_KEY}):
        asked = params.get(key, [])
        asked = [asked] if isinstance(asked, str) else list(asked)
        have = kept.get(key, [])
        have = [have] if isinstance(have, str) else list(have)
        unused += [f"{key}={value[:40]}" for value in asked if value.strip() and value not in have]
    if params.get("id"):
        unused.append("papers picked on the map by id (a link of an older kind)")
    return unused
