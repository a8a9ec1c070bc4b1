"""Filters as data: a frozen FilterSpec, the precomputed PaperIndex it runs against, and one pure
`apply_filters`. Also facet counts, a plain-words `describe`, and the URL form (`to_query`/`from_query`).

Nothing here rescans text or lists per interaction: facets are boolean matrices built once per corpus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.core import schema as S
from lib.explore.search import Hits, SearchIndex

SORTS = ("relevance", "newest", "oldest", "title", "sources")
SEARCH_MODES = ("exact", "fuzzy")
CODE_CHOICES = ("any", "yes", "no")
MAX_QUERY = 200


@dataclass(frozen=True)
class FilterSpec:
    themes: tuple[str, ...] = ()
    theme_mode: str = "any"  # "any": at least one chosen theme; "all": every chosen theme
    clusters: tuple[int, ...] = ()
    sources: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    code: str = "any"
    types: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    query: str = ""
    search: str = "exact"
    ids: tuple[str, ...] = ()  # an explicit set of papers, e.g. picked on the map
    sort: str = "relevance"

    def is_empty(self) -> bool:
        return self == FilterSpec(search=self.search, sort=self.sort, theme_mode=self.theme_mode)


@dataclass
class PaperIndex:
    """Everything filtering needs, in arrays aligned with the papers table's rows."""

    ids: np.ndarray
    themes: tuple[list[str], np.ndarray]
    sources: tuple[list[str], np.ndarray]
    dates: tuple[list[str], np.ndarray]
    types: tuple[list[str], np.ndarray]
    datasets: tuple[list[str], np.ndarray]
    clusters: np.ndarray
    has_code: np.ndarray
    year: np.ndarray  # 0 when undated
    month_key: np.ndarray  # YYYYMM, 0 when undated, for sorting by date
    n_sources: np.ndarray
    title_rank: np.ndarray
    search: SearchIndex
    position: dict[str, int] = field(default_factory=dict)
    totals: dict[str, np.ndarray] = field(default_factory=dict)  # column sums of each facet matrix

    def __post_init__(self) -> None:
        for name in ("themes", "sources", "dates", "types", "datasets"):
            self.totals[name] = getattr(self, name)[1].sum(axis=0)

    @classmethod
    def from_papers(cls, papers: pd.DataFrame, theme_order: list[str] | None = None) -> "PaperIndex":
        published = papers[S.PUBLISHED].fillna("").astype(str)
        month_key = np.array([int(p[:4] + p[5:7]) if len(p) >= 7 else (int(p[:4]) * 100 if p else 0) for p in published])
        titles = pa.array(papers[S.TITLE], type=pa.large_string())  # Arrow strings: no Python object per title
        return cls(
            ids=papers[S.PAPER_ID].to_numpy(dtype=object),
            themes=_membership(papers[S.THEMES], theme_order),
            sources=_membership(papers[S.SOURCES]),
            dates=_membership(papers[S.LISTING_DATES]),
            types=_membership_one(papers[S.PAPER_TYPE]),
            datasets=_membership(papers[S.DATASETS]),
            clusters=papers[S.CLUSTER].to_numpy(dtype=np.int64),
            has_code=papers[S.CODE_URL].notna().to_numpy() & (papers[S.CODE_URL].fillna("") != "").to_numpy(),
            year=month_key // 100,
            month_key=month_key,
            n_sources=papers[S.N_SOURCES].to_numpy(dtype=np.int64),
            # place in case-insensitive title order, ties in table order
            title_rank=pc.rank(pc.utf8_lower(titles), sort_keys="ascending", tiebreaker="first").to_numpy() - 1,
            search=SearchIndex(titles, papers[S.ABSTRACT]),  # converted to Arrow there
            position={pid: i for i, pid in enumerate(papers[S.PAPER_ID])},
        )

    def __len__(self) -> int:
        return len(self.ids)


def _membership(column: pd.Series, order: list[str] | None = None) -> tuple[list[str], np.ndarray]:
    """Distinct values (in `order`, else sorted) and an (n, values) boolean matrix of who has which."""
    lengths = np.fromiter((len(v) for v in column), dtype=np.int64, count=len(column))
    flat = pd.Series([v for values in column for v in values], dtype=object)
    seen = sorted(set(flat))
    values = [v for v in order if v in set(seen)] + [v for v in seen if v not in set(order)] if order else seen
    matrix = np.zeros((len(column), len(values)), dtype=bool)
    if len(flat):
        rows = np.repeat(np.arange(len(column)), lengths)
        matrix[rows, pd.Categorical(flat, categories=values).codes] = True
    return values, matrix


def _membership_one(column: pd.Series) -> tuple[list[str], np.ndarray]:
    """`_membership` of a column holding one value per row."""
    codes, values = pd.factorize(column, sort=True)
    matrix = np.zeros((len(column), len(values)), dtype=bool)
    matrix[np.flatnonzero(codes >= 0), codes[codes >= 0]] = True
    return [str(v) for v in values], matrix


def _column_counts(matrix: np.ndarray, keep: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Per-column counts of the rows in `keep`, copying only the smaller side of the mask."""
    n_keep = int(keep.sum())
    if n_keep == len(keep):
        return totals
    if n_keep * 2 <= len(keep):
        return matrix[keep].sum(axis=0)
    return totals - matrix[~keep].sum(axis=0)


def _any_of(facet: tuple[list[str], np.ndarray], chosen: tuple[str, ...], *, all_of: bool = False) -> np.ndarray | None:
    values, matrix = facet
    cols = [values.index(v) for v in chosen if v in values]
    if not chosen:
        return None
    if not cols:
        return np.zeros(len(matrix), dtype=bool)
    sub = matrix[:, cols]
    return sub.all(axis=1) if all_of else sub.any(axis=1)


def search_hits(index: PaperIndex, spec: FilterSpec) -> Hits | None:
    if not spec.query.strip():
        return None
    return index.search.search(spec.query, spec.search)


def _masks(index: PaperIndex, spec: FilterSpec, hits: Hits | None) -> dict[str, np.ndarray]:
    """One boolean mask per active facet, keyed by facet name."""
    n = len(index)
    masks: dict[str, np.ndarray | None] = {
        "themes": _any_of(index.themes, spec.themes, all_of=spec.theme_mode == "all"),
        "sources": _any_of(index.sources, spec.sources),
        "dates": _any_of(index.dates, spec.dates),
        "types": _any_of(index.types, spec.types),
        "datasets": _any_of(index.datasets, spec.datasets),
        "clusters": np.isin(index.clusters, spec.clusters) if spec.clusters else None,
        "code": (index.has_code if spec.code == "yes" else ~index.has_code) if spec.code != "any" else None,
        "years": ((index.year >= spec.years[0]) & (index.year <= spec.years[1])) if spec.years else None,
        "ids": np.isin(index.ids, np.asarray(spec.ids, dtype=object)) if spec.ids else None,
    }
    if hits is not None:
        found = np.zeros(n, dtype=bool)
        found[hits.positions] = True
        masks["query"] = found
    return {k: v for k, v in masks.items() if v is not None}


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

    Themes in "all" mode count within the current theme selection too (how many remain if one more
    theme is required); everywhere else a facet's own choice is left out, so choosing more values in
    one facet never hides the alternatives.
    """
    masks = _masks(index, spec, search_hits(index, spec))
    n = len(index)
    out: dict[str, dict] = {}
    for name in ("themes", "sources", "dates", "types", "datasets"):
        skip = None if (name == "themes" and spec.theme_mode == "all") else name
        base = _combine(masks, n, skip=skip)
        values, matrix = getattr(index, name)
        out[name] = dict(zip(values, _column_counts(matrix, base, index.totals[name]).tolist()))
    base = _combine(masks, n, skip="clusters")
    labels, counts = np.unique(index.clusters[base], return_counts=True)
    out["clusters"] = {int(c): 0 for c in np.unique(index.clusters)} | dict(zip(labels.tolist(), counts.tolist()))
    base = _combine(masks, n, skip="code")
    out["code"] = {"yes": int(index.has_code[base].sum()), "no": int((~index.has_code[base]).sum())}
    base = _combine(masks, n, skip="years")
    years, counts = np.unique(index.year[base], return_counts=True)
    out["years"] = dict(zip(years.tolist(), counts.tolist()))
    return out


def describe(spec: FilterSpec, labels: Mapping[str, Mapping] | None = None) -> str:
    """The active filters in plain words, e.g. 'about LoRA or Pruning · with code · matching "vit"'."""
    labels = labels or {}

    def names(facet: str, values) -> list[str]:
        table = labels.get(facet, {})
        return [str(table.get(v, v)) for v in values]

    parts = []
    if spec.themes:
        joiner = " and " if spec.theme_mode == "all" else " or "
        parts.append("about " + joiner.join(names("themes", spec.themes)))
    if spec.clusters:
        parts.append("in topic " + " or ".join(names("clusters", spec.clusters)))
    if spec.sources:
        parts.append("seen on " + " or ".join(names("sources", spec.sources)))
    if spec.dates:
        parts.append("listed on " + " or ".join(names("dates", spec.dates)))
    if spec.code != "any":
        parts.append("with code" if spec.code == "yes" else "without code")
    if spec.types:
        parts.append("of type " + " or ".join(names("types", spec.types)))
    if spec.datasets:
        parts.append("using " + " or ".join(names("datasets", spec.datasets)))
    if spec.years:
        parts.append(f"published {spec.years[0]}–{spec.years[1]}")
    if spec.query.strip():
        how = "title words close to" if spec.search == "fuzzy" else "text containing"
        parts.append(f'{how} "{spec.query.strip()}"')
    if spec.ids:
        parts.append(f"{len(spec.ids)} papers picked on the map")
    return " · ".join(parts) if parts else "all papers, no filters"


# --- URL form -------------------------------------------------------------------------------------

_LIST_KEYS = {"themes": "theme", "clusters": "cluster", "sources": "source", "dates": "date",
              "types": "type", "datasets": "dataset", "ids": "id"}
_CHOICE_KEYS = {"theme_mode": ("match", ("any", "all")), "code": ("code", CODE_CHOICES),
                "search": ("search", SEARCH_MODES), "sort": ("sort", SORTS)}


def to_query(spec: FilterSpec) -> dict[str, str | list[str]]:
    """URL query parameters for `spec`, leaving out everything at its default."""
    default = FilterSpec()
    out: dict[str, str | list[str]] = {}
    for attr, key in _LIST_KEYS.items():
        if getattr(spec, attr):
            out[key] = [str(v) for v in getattr(spec, attr)]
    for attr, (key, _) in _CHOICE_KEYS.items():
        if getattr(spec, attr) != getattr(default, attr):
            out[key] = getattr(spec, attr)
    if spec.years:
        out["years"] = f"{spec.years[0]}-{spec.years[1]}"
    if spec.query.strip():
        out["q"] = spec.query.strip()
    return out


def from_query(params: Mapping[str, str | list[str]], index: PaperIndex | None = None) -> FilterSpec:
    """A FilterSpec from URL parameters. Unknown keys and invalid values are dropped, never raised."""

    def get_all(key: str) -> list[str]:
        value = params.get(key, [])
        return [value] if isinstance(value, str) else [str(v) for v in value]

    valid = _valid_values(index)
    kwargs: dict = {}
    for attr, key in _LIST_KEYS.items():
        raw = list(dict.fromkeys(get_all(key)))
        if attr == "clusters":
            raw = [int(v) for v in raw if v.lstrip("-").isdigit()]
        allowed = valid.get(attr)
        kwargs[attr] = tuple(v for v in raw if allowed is None or v in allowed)
    for attr, (key, choices) in _CHOICE_KEYS.items():
        value = (get_all(key) or [None])[0]
        if value in choices:
            kwargs[attr] = value
    kwargs["years"] = _parse_years((get_all("years") or [""])[0])
    kwargs["query"] = (get_all("q") or [""])[0].strip()[:MAX_QUERY]
    return FilterSpec(**kwargs)


def _parse_years(text: str) -> tuple[int, int] | None:
    lo, _, hi = text.partition("-")
    if not (lo.isdigit() and hi.isdigit()):
        return None
    lo_i, hi_i = sorted((int(lo), int(hi)))
    return (lo_i, hi_i) if 1900 <= lo_i <= 2100 and 1900 <= hi_i <= 2100 else None


def _valid_values(index: PaperIndex | None) -> dict[str, set]:
    if index is None:
        return {}
    return {
        "themes": set(index.themes[0]), "sources": set(index.sources[0]), "dates": set(index.dates[0]),
        "types": set(index.types[0]), "datasets": set(index.datasets[0]),
        "clusters": set(index.clusters.tolist()), "ids": set(index.position),
    }

