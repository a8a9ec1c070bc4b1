"""The 2-D topic map: where each paper sits, from its LSA vector and its cluster. Deterministic and linear in n;
knows nothing of files, tables or the app."""

from __future__ import annotations

import numpy as np

from lib.describing.neighbours import group_rows


def layout(Z, labels, centroids) -> np.ndarray:
    """2-D map: cluster discs placed by their centroids' principal axes and pushed apart until they do not
    overlap, each paper inside its disc at its position along its cluster's own two principal axes.

    Linear in n and deterministic; distances between discs follow centroid similarity only roughly.
    """
    k = len(centroids)
    centres, radii = disc_centres(centroids, np.bincount(labels, minlength=k))
    coords = np.zeros((len(Z), 2))
    for c, members in enumerate(group_rows(labels, k)):
        local = _principal_2d(Z[members])
        spread = np.percentile(np.linalg.norm(local, axis=1), 95) if len(members) > 1 else 0.0
        coords[members] = centres[c] + local * (radii[c] / spread if spread > 0 else 0.0)
    return coords


def disc_centres(centroids, sizes) -> tuple[np.ndarray, np.ndarray]:
    """Each cluster's disc: its centre on the map (k, 2) and its radius (k,), from the centroids and sizes."""
    radii = 0.5 * np.sqrt(sizes / max(sizes.max(), 1))
    return _separate(_principal_2d(centroids), radii), radii


def principal_axes(scatter) -> np.ndarray:
    """The two principal axes (d, 2 or fewer) of rows whose centred scatter matrix (d, d) is `scatter`, signs
    fixed for determinism. An engine that sums the scatter matrix over partitions projects with the same axes."""
    values, vectors = np.linalg.eigh(scatter)
    axes = vectors[:, ::-1][:, :2]
    return axes * np.sign(axes[np.abs(axes).argmax(axis=0), np.arange(axes.shape[1])])


def _principal_2d(A) -> np.ndarray:
    """Rows of A on their two principal axes (zeros past A's rank), signs fixed for determinism."""
    A = np.asarray(A, np.float64)
    centred = A - A.mean(axis=0)
    axes = principal_axes(centred.T @ centred)
    out = np.zeros((len(A), 2))
    out[:, : axes.shape[1]] = centred @ axes
    return out


def _separate(centres, radii, *, gap: float = 0.08, max_iter: int = 500) -> np.ndarray:
    k = len(centres)
    if k < 2:
        return np.zeros((k, 2))
    pos = centres / (np.median(np.linalg.norm(centres, axis=1)) or 1.0)
    angle = np.arange(k) * 2.399963  # golden-angle directions split discs that start on the same spot
    pos = pos + 1e-3 * np.column_stack([np.cos(angle), np.sin(angle)])
    for _ in range(max_iter):
        diff = pos[:, None] - pos[None]
        dist = np.maximum(np.linalg.norm(diff, axis=2), 1e-9)
        overlap = np.maximum(radii[:, None] + radii[None] + gap - dist, 0)
        np.fill_diagonal(overlap, 0)
        if overlap.max() < 1e-4:
            break
        pos = pos + 0.5 * (overlap[:, :, None] * diff / dist[:, :, None]).sum(axis=1)
    return pos
