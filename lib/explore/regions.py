"""Regions picked on the topic map: polygons in the map's coordinates, which papers lie in them, and their short
URL form. A pick selects every paper in the region, not only the sample the map draws, and a link holds the
region (a few dozen numbers), never one id per paper.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

Polygon = tuple[tuple[float, float], ...]
MAX_VERTICES = 48  # a lasso's outline is thinned to this many corners: enough for its shape, short in a URL
DECIMALS = 3  # map coordinates span a few units; a thousandth is finer than a point
MAX_REGIONS = 8  # regions one view may hold


def from_selection(selection: dict) -> tuple[Polygon, ...]:
    """The polygons of a Plotly selection event: each box as its four corners, each lasso as its outline."""
    polygons = []
    for box in selection.get("box", []) or []:
        (x0, x1), (y0, y1) = sorted(box.get("x", [0, 0])[:2]), sorted(box.get("y", [0, 0])[:2])
        polygons.append(((x0, y0), (x1, y0), (x1, y1), (x0, y1)))
    for lasso in selection.get("lasso", []) or []:
        xs, ys = lasso.get("x", []), lasso.get("y", [])
        if len(xs) >= 3 and len(xs) == len(ys):
            polygons.append(thin(tuple(zip(map(float, xs), map(float, ys)))))
    return tuple(_rounded(p) for p in polygons)


def thin(polygon: Polygon, most: int = MAX_VERTICES) -> Polygon:
    """The polygon with at most `most` corners, taken evenly along its outline."""
    if len(polygon) <= most:
        return polygon
    keep = np.linspace(0, len(polygon), most, endpoint=False).astype(int)
    return tuple(polygon[i] for i in keep)


def _rounded(polygon: Polygon) -> Polygon:
    return tuple((round(x, DECIMALS), round(y, DECIMALS)) for x, y in polygon)


def inside(x: np.ndarray, y: np.ndarray, polygons: Iterable[Polygon]) -> np.ndarray:
    """Whether each point lies in any of the polygons (even-odd rule); the bounding box is checked first, so
    only the points near a region pay for the exact test."""
    found = np.zeros(len(x), dtype=bool)
    for polygon in polygons:
        vx, vy = np.array([p[0] for p in polygon]), np.array([p[1] for p in polygon])
        near = np.flatnonzero((x >= vx.min()) & (x <= vx.max()) & (y >= vy.min()) & (y <= vy.max()))
        px, py = x[near], y[near]
        odd = np.zeros(len(near), dtype=bool)
        for (ax, ay), (bx, by) in zip(zip(vx, vy), zip(np.roll(vx, 1), np.roll(vy, 1))):
            crosses = (ay > py) != (by > py)
            with np.errstate(divide="ignore", invalid="ignore"):
                at = (bx - ax) * (py - ay) / (by - ay) + ax
            odd ^= crosses & (px < at)
        found[near[odd]] = True
    return found


def to_text(polygon: Polygon) -> str:
    """'x1,y1;x2,y2;...' for a URL."""
    return ";".join(f"{x:g},{y:g}" for x, y in polygon)


def parse(text: str) -> Polygon:
    """A polygon from its URL form; ValueError when it is not one (fewer than 3 corners, too many, or not
    numbers)."""
    if len(text) > 40 * MAX_VERTICES:
        raise ValueError("region too long")
    corners = []
    for pair in text.split(";"):
        x, _, y = pair.partition(",")
        point = (float(x), float(y))
        if not all(np.isfinite(point)):
            raise ValueError(pair)
        corners.append(point)
    if not 3 <= len(corners) <= MAX_VERTICES:
        raise ValueError(f"{len(corners)} corners")
    return tuple(corners)


def holding(polygons: Sequence[Polygon]) -> str:
    """How `describe` names the regions."""
    return "in the region picked on the map" if len(polygons) == 1 else f"in {len(polygons)} regions picked on the map"
