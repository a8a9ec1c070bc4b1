"""What every chart shares: the cluster palette, titles and legends, and escaped labels. Charts name no
template: they take the app's theme (Streamlit's, light or dark), and pinning one costs 10 ms a figure, on
every rerun, in plotly's validation of the template alone.
Pure: never imports streamlit, never mutates input.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go


def distinct_colours(n: int) -> tuple[str, ...]:
    """`n` colours, each as far as can be (in CIELAB, where distance is what the eye sees) from all before it,
    among clear colours: neither near white nor near black (the page), nor grey (the papers outside the
    filters). Hand-made palettes of 24 repeat look-alikes past 15 clusters."""
    grid = np.stack(np.meshgrid(*[np.linspace(0.0, 1.0, 16)] * 3, indexing="ij"), -1).reshape(-1, 3)
    lab = _lab(grid)
    clear = (lab[:, 0] >= 35) & (lab[:, 0] <= 75) & (np.hypot(lab[:, 1], lab[:, 2]) >= 35)
    grid, lab = grid[clear], lab[clear]
    nearest = np.hypot(lab[:, 1], lab[:, 2])  # the first pick: the most colourful
    chosen = []
    while len(chosen) < n:
        best = int(np.argmax(nearest))
        chosen.append(grid[best])
        nearest = np.minimum(nearest, np.linalg.norm(lab - lab[best], axis=1))
    return tuple("#" + "".join(f"{round(v * 255):02x}" for v in c) for c in chosen)


def _lab(rgb: np.ndarray) -> np.ndarray:
    linear = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = linear @ np.array([[0.4124, 0.2126, 0.0193], [0.3576, 0.7152, 0.1192], [0.1805, 0.0722, 0.9505]])
    f = np.cbrt(xyz / np.array([0.9505, 1.0, 1.089]))
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


# Indexed by cluster id (not by position) so a cluster keeps its colour across charts and filters.
PALETTE = distinct_colours(40)
FADED = "#c8c8c8"
LONG_LEGEND = 6


def esc(text: object) -> str:
    """`text` as a string that plotly shows literally."""
    # Plotly renders a subset of HTML in hover labels, legends and ticks, and decodes entities.
    return html.escape(str(text), quote=False)


def cluster_name(cluster: int, label: object) -> str:
    """ "C3 · label" with the label escaped, or "C3" when the cluster has no label."""
    return f"C{cluster} · {esc(label)}" if isinstance(label, str) and label else f"C{cluster}"


def figure(
    traces,
    title,
    *,
    subtitle="",
    x_title="",
    y_title="",
    n_legend=0,
    height=None,
    legend_y=-0.2,
    xaxis=None,
    yaxis=None,
    shapes=(),
    annotations=(),
    **layout,
) -> go.Figure:
    """A figure with its titles, axis titles and legend, built in one go: plotly checks a layout given whole
    once, where each later update walks and checks it again (five times the cost of the chart itself).
    Legends longer than LONG_LEGEND lie flat below; `xaxis`, `yaxis` and `layout` add to the defaults."""
    spec = dict(
        title=dict(text=title, subtitle=dict(text=subtitle)),
        hoverlabel=dict(align="left"),
        margin=dict(t=90),
        height=height,
        xaxis=dict(title=dict(text=x_title), **(xaxis or {})),
        yaxis=dict(title=dict(text=y_title), **(yaxis or {})),
        shapes=list(shapes),
        annotations=list(annotations),
        **layout,
    )
    if n_legend > LONG_LEGEND:
        spec["legend"] = dict(orientation="h", yanchor="top", y=legend_y, x=0, xanchor="left") | spec.get("legend", {})
    return go.Figure(traces, layout=spec)


def theme_labels(ids: list[str], theme_names: Mapping[str, str]) -> list[str]:
    """Escaped display names for theme ids, in the same order."""
    names = [esc(theme_names.get(t, t)) for t in ids]
    # Category axes merge equal labels, so two themes sharing a display name are told apart by id.
    return [f"{n} ({esc(t)})" if names.count(n) > 1 else n for n, t in zip(names, ids)]
