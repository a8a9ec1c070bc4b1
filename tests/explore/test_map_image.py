"""The map's shading: every paper painted where it lies, in its cluster's colour, paler where fewer lie."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from lib.explore.map_image import HEIGHT, WIDTH, Extent, shading

RED, BLUE = "#ff0000", "#0000ff"


def _pixels(uri: str) -> np.ndarray:
    """RGBA pixels of a data URI, (HEIGHT, WIDTH, 4)."""
    head, data = uri.split(",", 1)
    assert head == "data:image/png;base64"
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGBA"))


def _at(x: float, y: float, box: Extent) -> tuple[int, int]:
    col = int((x - box.x0) / (box.x1 - box.x0) * WIDTH)
    row = int((box.y1 - y) / (box.y1 - box.y0) * HEIGHT)
    return row, col


def test_every_paper_is_painted_in_its_clusters_colour_and_nothing_else_is():
    rng = np.random.default_rng(1)
    x = np.r_[rng.uniform(0, 1, 300), rng.uniform(3, 4, 300)]
    y = rng.uniform(0, 1, 600)
    groups = np.r_[np.zeros(300, int), np.ones(300, int)]
    box = Extent.of(x, y)
    image = _pixels(shading(x, y, groups, [RED, BLUE].__getitem__, box))
    assert image.shape == (HEIGHT, WIDTH, 4)
    for xi, yi, g in zip(x, y, groups):
        r, gr, b, alpha = image[_at(xi, yi, box)]
        assert alpha == 255
        assert (r > b) if g == 0 else (b > r)  # a shade of its cluster's colour
    gap = image[:, _at(2.0, 0.5, box)[1]]  # the column half way between the two clusters: no paper lies there
    assert (gap[:, 3] == 0).all()


def test_a_crowded_place_is_shaded_darker_than_a_lone_paper():
    x = np.r_[np.full(500, 0.25), [0.75], [0.0, 1.0]]
    y = np.r_[np.full(500, 0.5), [0.5], [0.0, 1.0]]
    box = Extent.of(x, y)
    image = _pixels(shading(x, y, np.zeros(len(x), int), lambda g: BLUE, box))
    crowded, lone = image[_at(0.25, 0.5, box)], image[_at(0.75, 0.5, box)]
    assert crowded[0] < lone[0]  # less red in the blue: further from white
    assert lone[3] == 255 and lone[0] < 255  # a single paper still shows


def test_more_clusters_than_a_palette_holds_still_make_an_image():
    n = 80
    x, y = np.arange(n, dtype=float), np.zeros(n)
    colours = [f"#{(37 * g) % 256:02x}{(91 * g) % 256:02x}{(53 * g) % 256:02x}" for g in range(n)]
    image = _pixels(shading(x, y, np.arange(n), colours.__getitem__, Extent.of(x, y)))
    assert (image[..., 3] == 255).sum() >= n  # every paper painted, the last clusters in a shared colour


def test_an_empty_map_is_a_transparent_image():
    box = Extent.of(np.zeros(0), np.zeros(0))
    image = _pixels(shading(np.zeros(0), np.zeros(0), np.zeros(0, int), lambda g: RED, box))
    assert (image[..., 3] == 0).all()
