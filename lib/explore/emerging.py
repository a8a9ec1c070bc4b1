"""Growth from a baseline window of publication years to the most recent one, for any grouping of papers
(themes, topic clusters): the ranking behind the emerging-themes and emerging-clusters tables. Pure: never
imports streamlit, never mutates what it is given."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

COUNTS = ("recent_count", "recent_share", "baseline_count", "baseline_share", "growth")


def rank_growth(
    years: np.ndarray,
    matrix,
    keys: Sequence,
    names: Sequence[str],
    key_column: str,
    *,
    recent_years: int = 2,
    baseline_years: int = 3,
    min_support: int = 5,
) -> pd.DataFrame:
    """Groups whose share of papers grew from the baseline years to the most recent years. `years` holds each
    paper's publication year (NaN when undated) and `matrix` (papers x groups, 0/1) which papers are in which
    of the groups `keys` (called `names`).

    Windows end at the latest publication year: recent = its last `recent_years` years, baseline = the
    `baseline_years` before. Only groups with at least `min_support` papers in the recent window are listed,
    since a rise resting on fewer is noise; the baseline may hold fewer, even none (growth is then inf), and its
    count sits beside the ratio so the reader can weigh it. Empty (same columns) when no paper has a year or the
    baseline window holds no papers. `attrs` carries the windows as "recent" and "baseline".
    """
    if recent_years < 1 or baseline_years < 1:
        raise ValueError("recent_years and baseline_years must be at least 1")
    kinds = {key_column: "str", "name": "str", **dict.fromkeys(COUNTS, float)}
    table = pd.DataFrame({c: pd.Series(dtype=kind) for c, kind in kinds.items()})
    table = table.astype({"recent_count": "int64", "baseline_count": "int64"})
    if np.isnan(years).all():
        return table
    last = int(np.nanmax(years))
    recent = (years > last - recent_years) & (years <= last)
    base = (years > last - recent_years - baseline_years) & (years <= last - recent_years)
    table.attrs = {
        "recent": _window(last - recent_years + 1, last),
        "baseline": _window(last - recent_years - baseline_years + 1, last - recent_years),
    }
    if not base.any():
        return table
    recent_count = np.rint(matrix.T @ recent.astype(np.float32)).astype(np.int64)
    base_count = np.rint(matrix.T @ base.astype(np.float32)).astype(np.int64)
    recent_share, base_share = recent_count / recent.sum(), base_count / base.sum()
    rows = pd.DataFrame(
        {
            key_column: pd.Series(list(keys), dtype="str"),
            "name": pd.Series(list(names), dtype="str"),
            "recent_count": recent_count,
            "recent_share": recent_share,
            "baseline_count": base_count,
            "baseline_share": base_share,
            "growth": np.divide(recent_share, base_share, out=np.full(len(keys), np.inf), where=base_count > 0),
        }
    )
    rows = rows[rows["recent_count"] >= min_support]
    rows = rows.sort_values(["growth", "recent_count", key_column], ascending=[False, False, True], kind="stable")
    rows = rows.reset_index(drop=True)
    rows.attrs = dict(table.attrs)
    return rows


def _window(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"
