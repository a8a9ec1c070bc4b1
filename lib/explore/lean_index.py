"""The filter index of a large collection, worked out once by the build and read back from arrays, so that a
server never folds a million texts or makes a Python object per paper at start-up.

`index_parts` turns a PaperIndex's contents into plain arrays (and a small description); `lean_index` puts a
PaperIndex back together from them, as memory-mapped arrays hand them back. The arrays hold the same numbers
as `PaperIndex.from_papers` computes, so filters, counts, sorting and search answer the same on both paths.
Owns no files: lib.reading.lean writes and maps them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import scipy.sparse as sp

from lib.core import schema as S
from lib.explore.facets import (
    BY_NAME,
    FACETS,
    FLAG,
    MANY,
    ONE,
    RANGE,
    FacetIndex,
    FlagIndex,
    ManyIndex,
    OneIndex,
    RangeIndex,
)
from lib.explore.filters import PaperIndex
from lib.explore.map_image import MAP_POINTS
from lib.explore.search import SearchIndex
from lib.explore.spelling import Spellings

TEXTS = ("title", "abstract")  # the folded texts' columns, as SearchIndex scans them


def index_parts(index: PaperIndex) -> tuple[dict, dict[str, np.ndarray], pa.Table, pa.Array]:
    """(description, arrays, folded texts, sorted title words) of `index`: what lean_index puts back together.
    The texts and title words are the ones its search index folded and listed, not worked out again."""
    search = index.search
    texts = search._texts.to_arrow().cast(pa.schema([(c, pa.large_string()) for c in TEXTS]))
    vocabulary, rows, offsets = search.vocabulary, search._rows, search._offsets
    ids = np.asarray(index.ids, dtype=str)
    order = np.argsort(ids, kind="stable")
    arrays = {
        "ids": ids,
        "sorted_ids": ids[order],
        "id_order": order.astype(np.int64),
        "xy": np.asarray(index.xy, dtype=np.float64),
        "month_key": index.month_key,
        "n_sources": index.n_sources,
        "title_rank": np.asarray(index.title_rank, dtype=np.int64),
        "word_rows": rows.astype(np.int64),
        "word_offsets": offsets.astype(np.int64),
    }
    facets = {}
    for name, facet in index.facets.items():
        facets[name] = {"values": [_plain(v) for v in facet.values]}
        if isinstance(facet, ManyIndex):
            arrays[f"{name}.indices"] = facet.matrix.indices.astype(np.int32)
            arrays[f"{name}.indptr"] = facet.matrix.indptr.astype(np.int64)
        elif isinstance(facet, OneIndex):
            arrays[f"{name}.codes"] = facet.codes
        elif isinstance(facet, FlagIndex):
            arrays[f"{name}.has"] = facet.has
        elif isinstance(facet, RangeIndex):
            arrays[f"{name}.years"] = facet.years
    return {"n": len(ids), "facets": facets}, arrays, texts, pa.array(vocabulary, type=pa.large_string())


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def lean_index(meta: dict, arrays: Mapping[str, np.ndarray], texts: pa.Table, words: pa.Array) -> PaperIndex:
    """The PaperIndex described by `meta` over `arrays` (memory-mapped, never written to), the folded `texts` and
    the sorted title `words`."""
    n = int(meta["n"])
    facets = {name: _facet(name, n, spec["values"], arrays) for name, spec in meta["facets"].items() if name in BY_NAME}
    return PaperIndex(
        ids=arrays["ids"],
        xy=arrays["xy"],
        facets={f.name: facets[f.name] for f in FACETS if f.name in facets},
        month_key=arrays["month_key"],
        n_sources=arrays["n_sources"],
        title_rank=arrays["title_rank"],
        search=MappedSearchIndex(texts, words, arrays["word_rows"], arrays["word_offsets"]),
        position=IdPositions(arrays["sorted_ids"], arrays["id_order"]),
        map_sample=arrays.get("map_sample"),
    )


def _facet(name: str, n: int, values: list, arrays: Mapping[str, np.ndarray]) -> FacetIndex:
    """A facet's index as FacetIndex.build makes it, from the arrays index_parts took from one."""
    facet = BY_NAME[name]
    kind = {MANY: ManyIndex, ONE: OneIndex, FLAG: FlagIndex, RANGE: RangeIndex}[facet.kind]
    index = kind.__new__(kind)
    FacetIndex.__init__(index, facet, n)
    if facet.kind == RANGE:
        index.years = arrays[f"{name}.years"]
        index._set_values(values)
        return index
    index._set_values(list(values))
    if facet.kind == MANY:
        indices, indptr = arrays[f"{name}.indices"], arrays[f"{name}.indptr"]
        ones = np.ones(len(indices), np.float32)
        index.matrix = sp.csc_matrix((ones, indices, indptr), shape=(n, len(values)))
        index.totals = np.diff(indptr).astype(np.int64)
    elif facet.kind == ONE:
        index.codes = arrays[f"{name}.codes"]
    else:
        index.has = arrays[f"{name}.has"]
    return index


class IdPositions(Mapping):
    """paper_id -> row, by binary search in the sorted ids: no Python object per paper."""

    def __init__(self, sorted_ids: np.ndarray, order: np.ndarray):
        self.sorted_ids, self.order = sorted_ids, order

    def _find(self, pid) -> int | None:
        if not isinstance(pid, str) or not len(self.sorted_ids):
            return None
        i = int(np.searchsorted(self.sorted_ids, pid))
        return int(self.order[i]) if i < len(self.sorted_ids) and self.sorted_ids[i] == pid else None

    def __getitem__(self, pid) -> int:
        found = self._find(pid)
        if found is None:
            raise KeyError(pid)
        return found

    def __contains__(self, pid) -> bool:
        return self._find(pid) is not None

    def __iter__(self) -> Iterator[str]:
        return (str(pid) for pid in self.sorted_ids)

    def __len__(self) -> int:
        return len(self.sorted_ids)


class MappedSearchIndex(SearchIndex):
    """SearchIndex over texts folded by the build (Arrow, memory-mapped: polars reads them in place) and its
    title-word postings; the sorted words are mapped too, and listed as Python strings in the background."""

    def __init__(self, texts: pa.Table, vocabulary: Sequence[str] | pa.Array, rows: np.ndarray, offsets: np.ndarray):
        frame = pl.from_arrow(texts)
        self._texts, self._titles, self._abstracts = frame, frame["title"], frame["abstract"]
        self._words, self._rows, self._offsets = vocabulary, rows, offsets
        self._memo, self._lock = OrderedDict(), threading.Lock()
        # The words become Python strings, and their spelling lookup is made, in the background (about 0.5 s at a
        # million titles), not in a reader's search.
        threading.Thread(target=lambda: (self.vocabulary, self._spelling), name="title-words", daemon=True).start()

    @cached_property
    def vocabulary(self) -> list[str]:
        words = self._words
        return words.to_pylist() if isinstance(words, (pa.Array, pa.ChunkedArray)) else list(words)

    @cached_property
    def _spelling(self) -> Spellings:
        words = self._words
        return Spellings(words.combine_chunks() if isinstance(words, pa.ChunkedArray) else words)


def map_sample(clusters: np.ndarray, budget: int = MAP_POINTS, random_state: int = 0) -> np.ndarray:
    """Sorted rows of a sample of the map, stratified by cluster as the map draws one with nothing highlighted."""
    from lib.explore.charts import sample_rows  # plotly is loaded here only, not by the filters

    return sample_rows(clusters, np.arange(len(clusters)), budget, random_state).astype(np.int64)


def aggregates(index: PaperIndex, papers: pd.DataFrame) -> dict[str, pa.Table]:
    """Counts the charts of a whole collection read: papers per theme and month, per cluster and month (month
    0: undated), and per cluster, with its label."""
    month = np.asarray(index.month_key)
    months, month_code = np.unique(month, return_inverse=True)
    out = {}
    themes = index.facets.get("themes")
    if isinstance(themes, ManyIndex):
        matrix = themes.matrix.tocoo()
        cells = np.bincount(
            matrix.col * len(months) + month_code[matrix.row], minlength=len(themes.values) * len(months)
        )
        out["theme_month"] = _cells(cells, [str(v) for v in themes.values], months, "theme")
    clusters = papers[S.CLUSTER].to_numpy(dtype=np.int64)
    ids, cluster_code = np.unique(clusters, return_inverse=True)
    cells = np.bincount(cluster_code * len(months) + month_code, minlength=len(ids) * len(months))
    out["cluster_month"] = _cells(cells, ids.tolist(), months, "cluster")
    labels = pd.Series(papers[S.CLUSTER_LABEL].to_numpy(dtype=object)).groupby(clusters).first()
    sizes = np.bincount(cluster_code, minlength=len(ids))
    out["cluster_sizes"] = pa.table(
        {"cluster": ids, "label": [str(labels.get(c, "")) for c in ids.tolist()], "papers": sizes}
    )
    return out


def _cells(cells: np.ndarray, keys: list, months: np.ndarray, name: str) -> pa.Table:
    grid = cells.reshape(len(keys), len(months))
    row, col = np.nonzero(grid)
    return pa.table({name: [keys[i] for i in row.tolist()], "month": months[col], "papers": grid[row, col]})


class LazyHover:
    """The map's hover texts, written for the rows asked for only: the map draws a few thousand of a million."""

    KEPT = 100_000  # texts kept once written: the map draws mostly the same rows again on the next run

    def __init__(self, titles: pd.Series, clusters: np.ndarray, names: Mapping[int, str]):
        self.titles, self.clusters, self.names = titles, clusters, names
        self._written: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.clusters)

    def __getitem__(self, rows) -> np.ndarray:
        rows = self._positions(rows)
        written = self._written
        new = [r for r in rows if r not in written]
        if new:
            if len(written) + len(new) > self.KEPT:
                written.clear()  # sessions share it; a rare clear keeps it bounded without bookkeeping
            for r, t, c in zip(new, self.titles.take(new).tolist(), self.clusters[new].tolist()):
                written[r] = self._text(t, c)
        # .get: another session may have cleared it in between
        return np.array([written.get(r) or self._text(self.titles.iloc[r], self.clusters[r]) for r in rows], object)

    def _positions(self, rows) -> list[int]:
        """Row numbers from what numpy indexing takes (positions, a mask, a slice), without an index of every row:
        at 1M papers that cost 1.5 ms for each of the map's traces."""
        if isinstance(rows, slice):
            return list(range(*rows.indices(len(self))))
        rows = np.atleast_1d(np.asarray(rows))
        if rows.dtype == bool:
            return np.flatnonzero(rows).tolist()
        return np.where(rows < 0, rows + len(self), rows).astype(np.int64).tolist()

    def _text(self, title, cluster) -> str:
        from lib.explore.charts import _hover_title

        return f"<b>{_hover_title(title)}</b><br>{self.names[int(cluster)]}"


def map_points(papers: pd.DataFrame, ids: np.ndarray, sample: np.ndarray | None = None):
    """The map's MapPoints for a large table: ids from the index's arrays and hover texts written on demand,
    instead of a Python string per paper and field; `sample`, the map sample the build drew for these clusters."""
    from lib.explore.charts import MapPoints, cluster_name

    clusters = papers[S.CLUSTER].to_numpy(dtype=np.int64)
    found, first = np.unique(clusters, return_index=True)  # each cluster's first row: its label, one string each
    labels = papers[S.CLUSTER_LABEL].take(first).tolist()
    names = {int(c): cluster_name(int(c), label) for c, label in zip(found.tolist(), labels)}
    hover = LazyHover(papers[S.TITLE], clusters, names)
    xy = papers[S.X].to_numpy(dtype=float), papers[S.Y].to_numpy(dtype=float)
    # A folder written when the map drew another number of points holds a sample of that size: not used.
    fits = sample is not None and len(sample) == min(MAP_POINTS, len(clusters))
    drawn = (MAP_POINTS, np.asarray(sample)) if fits else None
    return MapPoints(*xy, ids, clusters, hover, names, drawn)
