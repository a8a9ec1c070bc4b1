"""The facets: every dimension a reader filters by, declared once in FACETS. The filter index, the live counts,
the URL, the plain-words description and the sidebar all loop over this registry, so adding a facet is one
entry here (plus its column in the papers table, when the column is new).

Each facet is indexed once per collection (`FacetIndex.build`), so a click never rescans the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from lib.core import schema as S
from lib.core.dates import listing_date_label, month_keys

MANY = "many"  # a list of values per paper (themes, datasets); a paper matches any (or all) chosen values
ONE = "one"  # one value per paper, or none (topic cluster, paper type)
FLAG = "flag"  # a paper has a value in the column or not (code); chosen as "yes" or "no"
RANGE = "range"  # a year read from a date column; chosen as (first, last)
FLAG_CHOICES = ("yes", "no")
MAX_OPTIONS = 200  # values a facet with very many of them (authors) offers: the most frequent under the filters


@dataclass(frozen=True)
class Names:
    """What facet values are called in this collection, for the labels of the facets that need more than the
    value itself: theme names, cluster labels, and the listing date of each input page."""

    themes: Mapping[str, str] = field(default_factory=dict)
    clusters: Mapping[int, str] = field(default_factory=dict)
    page_dates: Mapping[str, str | None] = field(default_factory=dict)


def _as_text(names: Names, value: object) -> str:
    return str(value)


@dataclass(frozen=True)
class Facet:
    """One filter dimension: where it reads, how it is chosen, how it is written in the URL and said in words."""

    name: str  # its key in FilterSpec and in the counts
    url_key: str  # the URL parameter; repeated for several values
    column: str  # the papers column it reads
    kind: str  # MANY, ONE, FLAG or RANGE
    title: str  # the sidebar heading
    phrase: str  # said before the chosen values: "about LoRA or Pruning"; for FLAG, said of "yes"
    placeholder: str = ""  # the empty widget's text
    label: Callable[[Names, object], str] = _as_text  # a value as the reader sees it
    parse: Callable[[str], object] = str  # a URL value as a facet value; ValueError when it is not one
    negated: str = ""  # FLAG only: said of "no"
    all_key: str | None = None  # MANY only: the URL key that asks for every chosen value, not any
    top: int | None = None  # offer only this many values, the most frequent under the other filters


def url_int(text: str) -> int:
    """A small whole number written in ASCII digits; anything else (Unicode digits, "---5", 5,000 digits) fails."""
    if not (0 < len(text) <= 9 and text.lstrip("-").isascii() and text.lstrip("-").isdigit() and text.count("-") <= 1):
        raise ValueError(text)
    return int(text)


def _source_label(names: Names, source: object) -> str:
    date = names.page_dates.get(str(source))
    return str(source).rsplit(".", 1)[0] + (f" ({listing_date_label(date)})" if date else "")


FACETS: tuple[Facet, ...] = (
    Facet(
        "themes",
        "theme",
        S.THEMES,
        MANY,
        "Themes",
        "about",
        "Any theme",
        all_key="match",
        label=lambda names, v: names.themes.get(str(v), str(v)),
    ),
    Facet(
        "clusters",
        "cluster",
        S.CLUSTER,
        ONE,
        "Topic cluster",
        "in topic",
        "Any topic",
        parse=url_int,
        label=lambda names, v: f"C{v} · {names.clusters[v]}" if v in names.clusters else f"C{v}",
    ),
    Facet("code", "code", S.CODE_URL, FLAG, "Code", "with code", negated="without code"),
    Facet(
        "types",
        "type",
        S.PAPER_TYPE,
        ONE,
        "Paper type",
        "of type",
        "Any type",
        label=lambda names, v: S.PAPER_TYPE_NAMES.get(str(v), str(v)),
    ),
    Facet("years", "years", S.PUBLISHED, RANGE, "Publication year", "published"),
    Facet("datasets", "dataset", S.DATASETS, MANY, "Datasets mentioned", "using", "Any dataset"),
    Facet("authors", "author", S.AUTHORS, MANY, "Authors", "by", "Any author", top=MAX_OPTIONS),
    Facet("venue", "venue", S.VENUE, ONE, "Venue", "in", "Any venue", top=MAX_OPTIONS),
    Facet("sources", "source", S.SOURCES, MANY, "Source page", "seen on", "Any page", label=_source_label),
    Facet(
        "dates",
        "date",
        S.LISTING_DATES,
        MANY,
        "Listing date",
        "listed on",
        "Any date",
        label=lambda names, v: listing_date_label(str(v)),
    ),
)
BY_NAME: dict[str, Facet] = {f.name: f for f in FACETS}


# --- the index of one facet ------------------------------------------------------------------------


class FacetIndex:
    """One facet's values, precomputed over the whole table: which papers a choice keeps (`mask`) and how
    many papers each value would keep among a set of rows (`counts`)."""

    def __init__(self, facet: Facet, n: int):
        self.facet, self.n = facet, n
        self.values: list = []
        self.position: dict = {}

    def _set_values(self, values: list) -> None:
        self.values, self.position = values, {v: i for i, v in enumerate(values)}

    def _positions(self, values: Sequence) -> list[int]:
        return [self.position[v] for v in values if v in self.position]

    @staticmethod
    def build(facet: Facet, column: pd.Series, order: Sequence | None = None) -> FacetIndex:
        kind = {MANY: ManyIndex, ONE: OneIndex, FLAG: FlagIndex, RANGE: RangeIndex}[facet.kind]
        return kind(facet, column, order)

    def mask(self, chosen, all_of: bool = False) -> np.ndarray:
        raise NotImplementedError

    def counts(self, keep: np.ndarray, include: Sequence = ()) -> dict:
        """{value: papers among `keep` that have it}; a facet with `top` lists its most frequent values and
        those in `include` (the chosen ones)."""
        raise NotImplementedError


class ManyIndex(FacetIndex):
    """A sparse papers x values matrix; columns are cheap to take, so a choice costs its papers, not n."""

    def __init__(self, facet: Facet, column: pd.Series, order: Sequence | None):
        super().__init__(facet, len(column))
        rows, found, codes = _flattened(column)
        known = set(found)
        self._set_values([v for v in order if v in known] + sorted(known - set(order)) if order else sorted(known))
        position = {v: i for i, v in enumerate(self.values)}
        codes = np.array([position[v] for v in found], dtype=np.int64)[codes] if len(found) else codes
        ones = np.ones(len(rows), np.float32)
        self.matrix = sp.csc_matrix((ones, (rows, codes)), shape=(len(column), len(self.values)))
        self.matrix.sum_duplicates()
        self.matrix.data[:] = 1  # a value listed twice for one paper counts once
        self.totals = np.asarray(self.matrix.sum(axis=0)).ravel().astype(np.int64)

    def mask(self, chosen, all_of: bool = False) -> np.ndarray:
        cols = self._positions(chosen)
        if not cols or (all_of and len(cols) < len(set(chosen))):
            return np.zeros(self.n, dtype=bool)
        hits = np.bincount(self.matrix[:, cols].indices, minlength=self.n)
        return hits == len(cols) if all_of else hits > 0

    def rows(self, positions: np.ndarray) -> Membership:
        """The membership of the rows at `positions`, in that order."""
        return Membership(self.values, self.matrix[positions])

    def count_array(self, keep: np.ndarray) -> np.ndarray:
        if keep.all():
            return self.totals
        return np.rint(self.matrix.T @ keep.astype(np.float32)).astype(np.int64)

    def counts(self, keep: np.ndarray, include: Sequence = ()) -> dict:
        return _value_counts(self.values, self.count_array(keep), self.facet.top, self._positions(include))


def _flattened(column: pd.Series) -> tuple[np.ndarray, list, np.ndarray]:
    """A list column as (row of each value, the distinct values, each value's position among them), worked
    out in Arrow: Python lists and Arrow-backed columns alike, without a Python loop over the rows."""
    lists = pa.array(column, from_pandas=True) if len(column) else pa.array([], pa.list_(pa.string()))
    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks()
    lengths = np.asarray(pc.fill_null(pc.list_value_length(lists), 0)).astype(np.int64)
    rows = np.repeat(np.arange(len(column)), lengths)
    flat = pc.list_flatten(lists)
    if pa.types.is_null(flat.type) or not len(flat):
        return rows[:0], [], np.zeros(0, np.int64)
    present = np.asarray(flat.is_valid())
    encoded = pc.dictionary_encode(flat.filter(present))
    return rows[present], encoded.dictionary.to_pylist(), np.asarray(encoded.indices).astype(np.int64)


class OneIndex(FacetIndex):
    """A code per paper (-1: no value)."""

    def __init__(self, facet: Facet, column: pd.Series, order: Sequence | None):
        super().__init__(facet, len(column))
        missing = column.isna().to_numpy(dtype=bool)
        if not pd.api.types.is_numeric_dtype(column.dtype):  # an empty text is no value
            missing = missing | (column.astype(str) == "").to_numpy(dtype=bool)
        codes, uniques = pd.factorize(column.where(~missing), sort=True)
        self._set_values([v.item() if isinstance(v, np.generic) else v for v in uniques])
        self.codes = np.where(missing, -1, codes).astype(np.int64)

    def mask(self, chosen, all_of: bool = False) -> np.ndarray:
        return np.isin(self.codes, self._positions(chosen))

    def counts(self, keep: np.ndarray, include: Sequence = ()) -> dict:
        kept = self.codes[keep]
        tally = np.bincount(kept[kept >= 0], minlength=len(self.values))
        return _value_counts(self.values, tally, self.facet.top, self._positions(include))


class FlagIndex(FacetIndex):
    def __init__(self, facet: Facet, column: pd.Series, order: Sequence | None):
        super().__init__(facet, len(column))
        self._set_values(list(FLAG_CHOICES))
        self.has = column.notna().to_numpy(dtype=bool) & (column.fillna("").astype(str) != "").to_numpy(dtype=bool)

    def mask(self, chosen, all_of: bool = False) -> np.ndarray:
        return self.has.copy() if chosen == "yes" else ~self.has

    def counts(self, keep: np.ndarray, include: Sequence = ()) -> dict:
        yes = int(self.has[keep].sum())
        return {"yes": yes, "no": int(keep.sum()) - yes}


class RangeIndex(FacetIndex):
    """A year per paper (0: undated)."""

    def __init__(self, facet: Facet, column: pd.Series, order: Sequence | None):
        super().__init__(facet, len(column))
        self.years = month_keys(column) // 100
        self._set_values(sorted(set(self.years[self.years > 0].tolist())))

    @property
    def bounds(self) -> tuple[int, int] | None:
        return (self.values[0], self.values[-1]) if self.values else None

    def mask(self, chosen, all_of: bool = False) -> np.ndarray:
        return (self.years >= chosen[0]) & (self.years <= chosen[1])

    def counts(self, keep: np.ndarray, include: Sequence = ()) -> dict:
        years, tally = np.unique(self.years[keep], return_counts=True)
        return dict(zip(years.tolist(), tally.tolist()))


def _value_counts(values: list, tally: np.ndarray, top: int | None, include: list[int]) -> dict:
    """{value: count} for every value; with `top`, only the most frequent ones (ties in value order) and the
    values at the positions `include`."""
    if top is None or len(values) <= top:
        return dict(zip(values, tally.tolist()))
    best = np.argsort(-tally, kind="stable")[:top]
    return {values[i]: int(tally[i]) for i in [*include, *best] if tally[i] > 0 or i in include}


@dataclass(frozen=True)
class Membership:
    """Which rows have which values of a MANY facet: the values, and a sparse rows x values matrix of 0/1.
    Charts read theme membership from here (taken from the index, not rebuilt from the list column)."""

    values: list
    matrix: sp.csc_matrix

    @classmethod
    def of(cls, column: pd.Series, order: Sequence | None = None) -> Membership:
        """The membership of a list column (for tables that have no index)."""
        index = ManyIndex(Facet("", "", "", MANY, "", ""), column, order)
        return cls(index.values, index.matrix)

    def counts(self) -> np.ndarray:
        return np.asarray(self.matrix.sum(axis=0)).ravel().astype(np.int64)

    def present(self) -> Membership:
        """Only the values at least one row has."""
        keep = np.flatnonzero(self.counts() > 0)
        return Membership([self.values[i] for i in keep], self.matrix[:, keep])

    def has(self, value) -> np.ndarray:
        """Whether each row has `value` (all False for a value none has)."""
        if value not in self.values:
            return np.zeros(self.matrix.shape[0], dtype=bool)
        return self.matrix[:, self.values.index(value)].toarray().ravel() > 0
