"""The map's shading: every paper of the collection painted into one small image that the map lays under the
points it draws. A browser redraws a Plotly map in time that grows with its points and their hover texts (8,000
points took Chromium about a second on two cores), so the map draws a thousand points and shows the rest as
this image, which costs it a single picture to paint and is made once per collection and clustering. Pure:
numpy and Pillow, nothing of plotly or the app.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# The map's points, each with its hover text; past them the map shades every paper in this image beneath. A
# filter change on the Topics page at 100k papers settled in Chromium on two cores after 1.2 s with 8,000 points,
# 650 ms with 2,000 and 470 ms with 1,000 (bench/browser_latency.py, "Topics: pick a theme").
MAP_POINTS = 1000
WIDTH, HEIGHT = 640, 320  # pixels; stretched over the points' extent, about 1.5 screen pixels each on a wide screen
LEVELS = 5  # shades of density per colour: a pixel's share of the busiest pixel, on a log scale
LIGHTEST, DARKEST = 0.22, 0.55  # how far a shade goes from white towards its colour: pale, so points stand out


@dataclass(frozen=True)
class Extent:
    """The box the image covers, in map coordinates, padded so the outermost papers are not cut in half."""

    x0: float
    x1: float
    y0: float
    y1: float

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray, pad: float = 0.02) -> Extent:
        if not len(x):
            return cls(0.0, 1.0, 0.0, 1.0)
        (x0, x1), (y0, y1) = (float(np.min(x)), float(np.max(x))), (float(np.min(y)), float(np.max(y)))
        dx, dy = (x1 - x0) or 1.0, (y1 - y0) or 1.0
        return cls(x0 - pad * dx, x1 + pad * dx, y0 - pad * dy, y1 + pad * dy)


def shading(x: np.ndarray, y: np.ndarray, groups: np.ndarray, colour: Callable[[int], str], extent: Extent) -> str:
    """A PNG data URI of every point (`x`, `y`) in `extent`, each pixel in the colour of the group most of its
    points belong to (`colour(g)`, "#rrggbb", for group `g`), paler where fewer points lie; transparent where
    none do."""
    x, y, groups = np.asarray(x, float), np.asarray(y, float), np.asarray(groups, np.int64)
    col = np.clip(((x - extent.x0) / (extent.x1 - extent.x0) * WIDTH).astype(np.int64), 0, WIDTH - 1)
    row = np.clip(((extent.y1 - y) / (extent.y1 - extent.y0) * HEIGHT).astype(np.int64), 0, HEIGHT - 1)
    pixel = row * WIDTH + col
    count = np.bincount(pixel, minlength=WIDTH * HEIGHT)
    # The group a pixel shows: painted in a fixed random order, so the last painter of a pixel is one of its points
    # drawn fairly, which for a pixel most of whose points share a group is that group.
    order = np.random.default_rng(0).permutation(len(pixel))
    group = np.full(WIDTH * HEIGHT, -1, np.int64)
    group[pixel[order]] = groups[order]
    group, count = _spread(group.reshape(HEIGHT, WIDTH), count.reshape(HEIGHT, WIDTH))
    level = np.ceil(np.log1p(count) / np.log1p(max(count.max(), 1)) * LEVELS).astype(np.int64)  # 1..LEVELS if painted
    used = np.unique(group[group >= 0])
    slot = np.zeros(max(int(used.max()) + 1, 1) if len(used) else 1, np.int64)
    slot[used] = np.arange(len(used))
    index = np.where(group >= 0, 1 + slot[np.maximum(group, 0)] * LEVELS + level - 1, 0)
    # A palette holds 255 colours besides the transparent one: past 51 groups the last ones share its last shade.
    return _png(np.minimum(index, 255).astype(np.uint8), _palette([colour(g) for g in used.tolist()]))


def _spread(group: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each painted pixel also covers its right, lower and lower-right neighbours where those are empty, so a lone
    paper shows as a dot of two by two pixels rather than one that the eye misses."""
    out_g, out_c = group.copy(), count.copy()
    for dy, dx in ((0, 1), (1, 0), (1, 1)):
        g = np.full_like(group, -1)
        c = np.zeros_like(count)
        g[dy:, dx:], c[dy:, dx:] = group[: HEIGHT - dy, : WIDTH - dx], count[: HEIGHT - dy, : WIDTH - dx]
        empty = (out_g < 0) & (g >= 0)
        out_g[empty], out_c[empty] = g[empty], c[empty]
    return out_g, out_c


def _palette(colours: list[str]) -> list[int]:
    """RGB triples: index 0 transparent, then LEVELS shades of each colour, from pale to less pale."""
    out = [255, 255, 255]
    for colour in colours[: 255 // LEVELS]:
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], float)
        for share in np.linspace(LIGHTEST, DARKEST, LEVELS):
            out += np.round(255 - (255 - rgb) * share).astype(int).tolist()
    return out


def _png(index: np.ndarray, palette: list[int]) -> str:
    """A palette PNG (one byte a pixel, index 0 transparent) as a data URI: 256 colours are enough for 50
    clusters at five shades, and the file is a fraction of a full-colour one."""
    from PIL import Image  # loaded by the map, not by every module that reads MAP_POINTS

    image = Image.frombytes("P", (index.shape[1], index.shape[0]), np.ascontiguousarray(index).tobytes())
    image.putpalette(palette)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", transparency=0, optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
