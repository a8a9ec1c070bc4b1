"""Emerging topic clusters, counted by hand: growth from the baseline years to the recent ones, clusters too thin
in the recent years left out, and the clusters that came with the latest additions marked new."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.core import schema as S
from lib.explore.trends import emerging_clusters

# (cluster, publication year): recent = 2024-2025, baseline = 2021-2023
ROWS = (
    [(0, "2021")] * 4 + [(0, "2024")] * 5  # 4 of 10 baseline papers, 5 of 12 recent ones
    + [(1, "2022")] * 6 + [(1, "2025")] * 1  # shrinking, and too thin in the recent years
    + [(2, "2024")] * 6  # none in the baseline: "new" growth
    + [(3, None)] * 3  # undated
)  # fmt: skip


def papers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            S.CLUSTER: np.array([c for c, _ in ROWS], dtype=np.int64),
            S.PUBLISHED: [f"{y}-05" if y else None for _, y in ROWS],
            S.LISTING_DATES: [[] for _ in ROWS],
        }
    )


def test_clusters_are_ranked_by_growth_with_their_names_and_the_new_ones_marked():
    table = emerging_clusters(papers(), {0: "pruning", 2: "agents"}, new=[2])
    assert table["cluster"].tolist() == ["2", "0"]  # C1 has one recent paper: left out
    assert table["name"].tolist() == ["C2 · agents", "C0 · pruning"]
    assert table["recent_count"].tolist() == [6, 5] and table["baseline_count"].tolist() == [0, 4]
    assert table["growth"].iloc[0] == float("inf")
    assert abs(table["growth"].iloc[1] - (5 / 12) / (4 / 10)) < 1e-9
    assert table["new"].tolist() == [True, False]
    assert table.attrs == {"recent": "2024–2025", "baseline": "2021–2023"}


def test_without_publication_years_nothing_is_ranked():
    undated = papers().assign(**{S.PUBLISHED: None})
    assert emerging_clusters(undated, {}).empty
