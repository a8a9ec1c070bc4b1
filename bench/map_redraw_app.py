"""A bare Streamlit page with one multiselect and one Plotly map of `n` points (query parameters), for
bench/map_redraw.py: what a map costs the browser to redraw when a pick changes it, and when it does not.

    ?n=2000&hover=1&same=0&shade=0
n: points drawn; hover: a title-long hover text per point; same=1: the pick leaves the figure as it was; shade=1:
an image of 100,000 more papers beneath the points, as the Topics map draws past MAP_POINTS papers."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from lib.explore.map_image import Extent, shading

params = st.query_params
n, hover, same, shade = (int(params.get(k, d)) for k, d in (("n", 2000), ("hover", 1), ("same", 0), ("shade", 0)))
rng = np.random.default_rng(0)
x, y = rng.normal(size=100_000), rng.normal(size=100_000)
cluster = ((np.arctan2(y, x) + np.pi) / (2 * np.pi) * 12).astype(int) % 12  # twelve wedges, as clusters lie together
chosen = st.multiselect("Letters", list("abcdefghij"))
rows = np.flatnonzero(np.arange(100_000) % (1 if same else len(chosen) + 3) == 0)[:n]
text = [f"<b>Paper number {i}, with a title as long as most titles are</b><br>C{cluster[i]} · a cluster" for i in rows]
trace = go.Scattergl if n > 5000 else go.Scatter
figure = go.Figure(
    [
        trace(
            x=x[rows],
            y=y[rows],
            mode="markers",
            marker=dict(size=5, color=cluster[rows]),
            hovertext=text if hover else None,
            hoverinfo="text" if hover else "skip",
        )
    ],  # fmt: skip
    layout=dict(height=620, uirevision="map"),
)
if shade:
    box = Extent.of(x, y)
    figure.add_layout_image(source=shading(x, y, cluster, lambda g: ["#3b5bdb", "#e8590c", "#2f9e44"][g % 3], box), xref="x", yref="y", x=box.x0,
                            y=box.y1, sizex=box.x1 - box.x0, sizey=box.y1 - box.y0, sizing="stretch", layer="below")  # fmt: skip
st.plotly_chart(figure, key="map")
st.write(f"picked {len(chosen)}")
