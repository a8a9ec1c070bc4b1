"""The map and theme charts, one function per chart, each returning a plotly Figure; the time-based charts
are in lib.trends and the shared look in lib.chart_style. Pure: never imports streamlit, never mutates the
frames it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import scipy.sparse as sp

from lib.core import schema as S
from lib.explore.chart_style import FADED, PALETTE, cluster_name, esc, figure, theme_labels
from lib.explore.facets import Membership
from lib.explore.map_image import MAP_POINTS, Extent, shading

# The columns the theme and time charts read of the rows they show (the themes come from the index).
TIME_COLUMNS = (S.PAPER_ID, S.PUBLISHED, S.LISTING_DATES, S.CLUSTER, S.CLUSTER_LABEL)
GL_ABOVE = 5000  # SVG scatter gets sluggish past a few thousand points


def _hover_title(title: object, width: int = 70) -> str:
    """The title in lines of at most `width` characters, broken between words (a longer word has a line of its
    own), escaped, joined by <br>. Wrapped before escaping, so a break never splits an entity. A plain greedy
    wrap: textwrap's took 0.3 s for the 8,000 points of a map."""
    lines: list[str] = []
    line = ""
    for word in str(title).split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "<br>".join(esc(line) for line in lines)


def _theme_order(present: list[str], theme_names: Mapping[str, str]) -> list[str]:
    """Taxonomy order first, then ids the taxonomy does not know, alphabetically."""
    known = [t for t in theme_names if t in present]
    return known + sorted(set(present) - set(known))


def _empty_note(message: str, shown: bool) -> list[dict]:
    """The annotation that says why a chart is empty, when it is."""
    return [] if shown else [dict(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)]


# ---------------------------------------------------------------------------------------- map


@dataclass(frozen=True, eq=False)
class MapPoints:
    """What the map draws of each paper, worked out once per collection and clustering: wrapping and escaping
    every title on each rerun cost more than drawing the map."""

    x: np.ndarray
    y: np.ndarray
    ids: np.ndarray
    clusters: np.ndarray
    hover: np.ndarray  # "<b>title</b><br>C3 · label", escaped, per paper
    names: dict[int, str]  # cluster -> "C3 · label", escaped
    # (point budget, rows): the sample a map of that budget draws with nothing highlighted, when the build saved it
    sample: tuple[int, np.ndarray] | None = None
    _shading: dict = field(default_factory=dict, repr=False)  # (grey?) -> the image of every paper, made once

    @cached_property
    def extent(self) -> Extent:
        """The box of every paper, found once: the map's axes and its shading both span it."""
        return Extent.of(self.x, self.y)

    def shading(self, grey: bool) -> str:
        """Every paper painted in one image (lib.explore.map_image): in its cluster's colour, or all grey."""
        if grey not in self._shading:
            groups = np.zeros(len(self.x), np.int64) if grey else self.clusters
            colour = (lambda g: FADED) if grey else (lambda g: PALETTE[g % len(PALETTE)])
            self._shading[grey] = shading(self.x, self.y, groups, colour, self.extent)
        return self._shading[grey]

    @classmethod
    def of(cls, papers: pd.DataFrame) -> MapPoints:
        clusters = papers[S.CLUSTER].to_numpy(dtype=np.int64)
        names = {int(c): cluster_name(int(c), lab) for c, lab in zip(clusters, papers[S.CLUSTER_LABEL])}
        titles = papers[S.TITLE].tolist()
        hover = np.array([f"<b>{_hover_title(t)}</b><br>{names[c]}" for t, c in zip(titles, clusters.tolist())], object)
        ids = papers[S.PAPER_ID].to_numpy(dtype=object)
        return cls(papers[S.X].to_numpy(dtype=float), papers[S.Y].to_numpy(dtype=float), ids, clusters, hover, names)


# The map's toolbar without "Autoscale": it zooms to the points drawn, which under a narrow filter are a few
# papers in one corner of the shaded map; "Reset axes" returns to the whole map.
MAP_CONFIG = {"modeBarButtonsToRemove": ["autoScale2d"]}


def cluster_map(
    papers: pd.DataFrame | MapPoints,
    *,
    highlight: np.ndarray | None = None,
    max_points: int = MAP_POINTS,
    random_state=0,
) -> go.Figure:
    """Papers on the 2-D map, one trace per cluster; `customdata` holds each point's paper_id. `papers` is
    the table or, cheaper, its MapPoints.

    With `highlight` (a boolean mask over rows), the other papers are grey beneath. Above `max_points`, every
    paper is shaded in an image beneath (grey with a highlight), and only `max_points` are drawn as points, the
    highlighted ones, sampled per cluster; the title says so. The image is the same whatever the filters, so a
    filter change redraws the few points only. Tick labels are hidden because map coordinates have no units; the
    subtitle says how to read it.
    """
    points = papers if isinstance(papers, MapPoints) else MapPoints.of(papers)
    n = len(points.ids)
    mask = np.ones(n, dtype=bool) if highlight is None else np.asarray(highlight, dtype=bool)
    if mask.shape != (n,):
        raise ValueError(f"highlight has shape {mask.shape}, expected ({n},)")
    shaded = n > max_points
    if highlight is None and random_state == 0 and points.sample is not None and points.sample[0] == max_points:
        drawn = points.sample[1]  # drawn by the build, as below
    elif shaded:
        drawn = sample_rows(points.clusters, np.flatnonzero(mask), max_points, random_state)
    else:
        drawn = np.arange(n)
    inside, clusters = mask[drawn], points.clusters[drawn]
    style = (go.Scattergl, 4) if len(drawn) > GL_ABOVE else (go.Scatter, 7 if not shaded else 5)
    traces = []
    if highlight is not None and not shaded:
        traces.append(_map_trace(style, points, drawn[~inside], "Outside the filters", FADED, 0.45))
    for c in np.unique(clusters[inside]).tolist():
        rows = drawn[inside & (clusters == c)]
        traces.append(_map_trace(style, points, rows, points.names[c], PALETTE[c % len(PALETTE)], 0.85))
    title, subtitle = "Topic map", "Papers with similar wording lie close together; the axes have no units."
    bare = dict(showticklabels=False, showgrid=False, zeroline=False)
    xaxis, yaxis, layout = dict(bare), dict(bare), {}
    if shaded:
        title += f": all {n:,} papers shaded, {len(drawn):,} of them drawn as points, per cluster"
        box = points.extent
        xaxis["range"], yaxis["range"] = [box.x0, box.x1], [box.y0, box.y1]  # the image's box, whatever is drawn
        layout["images"] = [dict(
            source=points.shading(grey=highlight is not None), xref="x", yref="y", x=box.x0, y=box.y1,
            sizex=box.x1 - box.x0, sizey=box.y1 - box.y0, sizing="stretch", layer="below",
        )]  # fmt: skip
    if highlight is not None:
        subtitle += f" {int(mask.sum()):,} of {n:,} papers match the filters; the rest are grey."
    if shaded and not inside.any():
        labels = _empty_note("No paper matches the filters.", False)
    else:
        labels = _cluster_labels(points, drawn, clusters[inside]) if traces else _empty_note("No papers to map.", False)
    return figure(
        traces, title, subtitle=subtitle, n_legend=len(traces), height=620, legend_y=0, xaxis=xaxis, yaxis=yaxis,
        annotations=labels,
        # No uirevision: Streamlit 1.67 makes a changed figure a new element (its id holds the figure), so the
        # browser draws the map afresh on a filter change and a zoom is lost whatever uirevision says.
        dragmode="lasso", legend=dict(itemsizing="constant"), **layout,
    )  # fmt: skip


def _cluster_labels(points: MapPoints, drawn: np.ndarray, named: np.ndarray) -> list[dict]:
    """The name of each cluster in `named` at the middle of all its drawn papers, so the map reads without the
    legend. The middle of the whole cluster, not of its papers that match the filters: a label stays put as the
    filters change, and never sits on the few matching papers it would otherwise be centred on."""
    notes = []
    for c in np.unique(named).tolist():
        members = drawn[points.clusters[drawn] == c]
        name = points.names[c]
        short = name if len(name) <= 32 else name[:31] + "…"
        notes.append(dict(
            x=float(np.median(points.x[members])), y=float(np.median(points.y[members])), text=short,
            showarrow=False, font=dict(size=11, color=PALETTE[c % len(PALETTE)]), bgcolor="rgba(255,255,255,0.6)",
        ))  # fmt: skip
    return notes


def _map_trace(style, points: MapPoints, rows: np.ndarray, name: str, colour: str, opacity: float):
    trace, size = style
    return trace(
        x=points.x[rows],
        y=points.y[rows],
        mode="markers",
        name=name,
        marker=dict(color=colour, size=size, opacity=opacity),
        customdata=points.ids[rows],
        hovertext=points.hover[rows],
        hovertemplate="%{hovertext}<extra></extra>",
    )


def sample_rows(clusters: np.ndarray, rows: np.ndarray, budget: int, random_state=0) -> np.ndarray:
    """Sorted positions of at most `budget` of `rows` to draw, each cluster's share in proportion to its size."""
    return np.sort(_stratified(rows, clusters, budget, np.random.default_rng(random_state)))


def _stratified(rows: np.ndarray, clusters: np.ndarray, k: int, rng) -> np.ndarray:
    """`k` of `rows`, each cluster's share in proportion to its size (largest remainders), drawn at random within
    the cluster. Counted with bincount and grouped by one radix sort of the cluster numbers: comparing every row
    with each cluster in turn took 0.9 s at 3M papers, this 0.2 s."""
    if len(rows) <= k:
        return rows
    of = clusters[rows]
    of = of - of.min()  # cluster numbers from 0, whatever the lowest
    counts = np.bincount(of)
    ids = np.flatnonzero(counts)
    sizes = counts[ids]
    exact = sizes * k / len(rows)
    quota = np.floor(exact).astype(np.int64)
    quota[np.argsort(quota - exact, kind="stable")[: k - quota.sum()]] += 1  # largest remainders
    if k >= len(ids):  # every cluster keeps at least one point, so none drops off the legend
        for i in np.flatnonzero(quota == 0):
            quota[np.argmax(quota)] -= 1
            quota[i] = 1
    order = np.argsort(of.astype(np.int16) if ids[-1] < 2**15 else of, kind="stable")  # radix sort: small ints
    ends = np.cumsum(sizes)
    parts = [rows[order[e - s + rng.choice(s, q, replace=False)]] for s, e, q in zip(sizes, ends, quota) if q]
    return np.concatenate(parts) if parts else rows[:0]


# ------------------------------------------------------------------------------------- themes


def theme_counts(themes: Membership, theme_names: Mapping[str, str], theme_groups: Mapping[str, str]) -> go.Figure:
    """Horizontal bars of papers per theme (main themes only), one trace per taxonomy group."""
    themes = themes.present()
    ids = themes.values
    counts = dict(zip(ids, themes.counts().tolist()))
    groups = list(dict.fromkeys([theme_groups.get(t, "Other") for t in _theme_order(ids, theme_names)]))
    label = dict(zip(ids, theme_labels(ids, theme_names)))
    traces, order = [], []
    for g, group in enumerate(groups):
        members = sorted((t for t in ids if theme_groups.get(t, "Other") == group), key=lambda t: (-counts[t], t))
        order += [label[t] for t in members]
        traces.append(
            go.Bar(
                x=[int(counts[t]) for t in members],
                y=[label[t] for t in members],
                orientation="h",
                name=esc(group),
                marker_color=PALETTE[g % len(PALETTE)],
                hovertemplate="%{y}: %{x} papers<extra>%{fullData.name}</extra>",
            )
        )
    return figure(
        traces,
        "Papers per theme",
        subtitle="Main themes only; a paper can have several.",
        x_title="Papers",
        y_title="Theme",
        height=max(320, 180 + 24 * len(order)),
        yaxis=dict(categoryorder="array", categoryarray=order, autorange="reversed", automargin=True),
        # Above the bars, across: a legend at the side took a third of the width from them.
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, xanchor="left"),
        annotations=_empty_note("No paper has a theme.", bool(traces)),
    )


def _cell_text(z: np.ndarray) -> list[list[str]]:
    """Counts to print in heatmap cells: blank for zero, short past a thousand ("14k", "1.2M") so they
    fit a cell at any corpus size; the hover keeps the exact count."""

    def short(n: int) -> str:
        if n >= 999_500:
            return f"{n / 1e6:.1f}".removesuffix(".0") + "M"
        if n >= 9_950:
            return f"{n / 1e3:.0f}k"
        if n >= 1_000:
            return f"{n / 1e3:.1f}".removesuffix(".0") + "k"
        return str(n) if n else ""

    return [[short(int(n)) for n in row] for row in z]


def _count_heatmap(z: np.ndarray, x: list[str], y: list[str], hover: str, text=None, **scale) -> go.Heatmap:
    """Counts in cells, printed short, with the exact count in the hover."""
    return go.Heatmap(
        z=z.tolist(), x=x, y=y, colorscale="Blues", text=_cell_text(z) if text is None else text,
        texttemplate="%{text}", colorbar=dict(title=dict(text="Papers")), hovertemplate=hover + "<extra></extra>",
        hoverongaps=False, **scale,
    )  # fmt: skip


def theme_cluster_heatmap(
    themes: Membership, clusters: np.ndarray, theme_names: Mapping[str, str], cluster_names: Mapping[int, str]
) -> go.Figure:
    """Papers per (theme, cluster) cell; rows are the themes present, columns the clusters of the rows
    (`clusters` holds each row's cluster)."""
    membership = themes.present()
    ids = membership.values
    themes = _theme_order(ids, theme_names)
    present, codes = np.unique(np.asarray(clusters, dtype=np.int64), return_inverse=True)
    one_hot = sp.csr_matrix(
        (np.ones(len(codes), np.float32), (codes, np.arange(len(codes)))), shape=(len(present), len(codes))
    )
    by_cluster = np.rint((one_hot @ membership.matrix).toarray()).astype(np.int64)  # clusters x themes
    z = by_cluster[:, [ids.index(t) for t in themes]].T
    x = [cluster_name(int(c), cluster_names.get(int(c), "")) for c in present]
    traces = [_count_heatmap(z, x, theme_labels(themes, theme_names), "%{y}<br>%{x}<br>%{z} papers")] if themes else []
    return figure(
        traces,
        "Themes by cluster",
        subtitle="Papers per theme in each topic cluster.",
        x_title="Cluster",
        y_title="Theme",
        height=max(360, 200 + 28 * len(themes)),
        xaxis=dict(tickangle=-35 if len(x) > 6 else 0),
        yaxis=dict(autorange="reversed"),
        annotations=_empty_note("No paper has a theme.", bool(themes)),
    )


def theme_cooccurrence(themes: Membership, theme_names: Mapping[str, str], *, max_themes: int = 15) -> go.Figure:
    """Papers sharing each pair of themes, among the `max_themes` most frequent themes (so the cells stay
    readable). Each theme's own count is in its label, not on the diagonal, where it would take the colour
    scale and leave every pair pale."""
    membership = themes.present()
    ids, matrix = membership.values, membership.matrix
    if len(ids) > max_themes:
        keep = sorted(np.argsort(-membership.counts(), kind="stable")[:max_themes])
        ids, matrix = [ids[i] for i in keep], matrix[:, keep]
    themes = _theme_order(ids, theme_names)
    matrix = matrix[:, [ids.index(t) for t in themes]]
    z = np.rint((matrix.T @ matrix).toarray()).astype(np.int64)
    own = np.diag(z).copy()
    labels = [f"{name} ({n:,})" for name, n in zip(theme_labels(themes, theme_names), own.tolist())]
    pairs = z.astype(object)
    np.fill_diagonal(pairs, None)
    text = _cell_text(np.where(np.eye(len(themes), dtype=bool), 0, z))
    traces = []
    if themes:
        traces = [_count_heatmap(pairs, labels, labels, "%{y} and %{x}: %{z} papers", zmin=0, text=text)]
    size = 260 + 34 * len(themes)  # square cells, big enough for a count
    return figure(
        traces,
        "Themes that occur together",
        x_title="Theme",
        y_title="Theme",
        subtitle="Papers that have both themes; in brackets, each theme's own count.",
        height=size,
        width=size + 220,
        xaxis=dict(tickangle=-45, automargin=True),
        yaxis=dict(autorange="reversed", automargin=True),
        annotations=_empty_note("No paper has a theme.", bool(themes)),
    )
