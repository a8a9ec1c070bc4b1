"""What every chart shares: the template, the cluster palette, titles and legends, escaped labels, and
the papers-by-themes matrix the theme charts count from. Pure: never imports streamlit, never mutates input.
"""

from __future__ import annotations

import html
from typing import Mapping

import numpy as np
import pandas as pd
import plotly.express as px

from lib.core import schema as S

TEMPLATE = "plotly_white"
# Indexed by cluster id (not by position) so a cluster keeps its colour across charts and filters.
PALETTE = tuple(px.colors.qualitative.Dark24 + px.colors.qualitative.Light24)
FADED = "#c8c8c8"
LONG_LEGEND = 6


def esc(text: object) -> str:
    """`text` as a string that plotly shows literally."""
    # Plotly renders a subset of HTML in hover labels, legends and ticks, and decodes entities.
    return html.escape(str(text), quote=False)


def cluster_name(cluster: int, label: object) -> str:
    """"C3 · label" with the label escaped, or "C3" when the cluster has no label."""
    return f"C{cluster} · {esc(label)}" if isinstance(label, str) and label else f"C{cluster}"


def style_figure(fig, title, *, subtitle="", x_title="", y_title="", n_legend=0, height=None, legend_y=-0.2):
    """The shared template, titles and axis titles; legends longer than LONG_LEGEND lie flat below."""
    fig.update_layout(
        template=TEMPLATE,
        title=dict(text=title, subtitle=dict(text=subtitle)),
        hoverlabel=dict(align="left"),
        margin=dict(t=90),
        height=height,
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    if n_legend > LONG_LEGEND:
        fig.update_layout(legend=dict(orientation="h", yanchor="top", y=legend_y, x=0, xanchor="left"))
    return fig


def theme_matrix(papers: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """Theme ids present and a (papers x themes) boolean matrix of the `themes` column."""
    exploded = pd.Series(papers[S.THEMES].to_numpy(), dtype=object).explode().dropna()
    codes, uniques = pd.factorize(exploded)
    matrix = np.zeros((len(papers), len(uniques)), dtype=bool)
    matrix[exploded.index.to_numpy(dtype=np.int64), codes] = True
    return [str(u) for u in uniques], matrix


def theme_labels(ids: list[str], theme_names: Mapping[str, str]) -> list[str]:
    """Escaped display names for theme ids, in the same order."""
    names = [esc(theme_names.get(t, t)) for t in ids]
    # Category axes merge equal labels, so two themes sharing a display name are told apart by id.
    return [f"{n} ({esc(t)})" if names.count(n) > 1 else n for n, t in zip(names, ids)]
