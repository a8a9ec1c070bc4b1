"""What every chart shares: the cluster palette, titles and legends, and escaped labels. Charts name no
template: they take the app's theme (Streamlit's, light or dark), and pinning one costs 10 ms a figure, on
every rerun, in plotly's validation of the template alone.
Pure: never imports streamlit, never mutates input.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import plotly.express as px
import plotly.graph_objects as go

# Indexed by cluster id (not by position) so a cluster keeps its colour across charts and filters.
PALETTE = tuple(px.colors.qualitative.Dark24 + px.colors.qualitative.Light24)
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
