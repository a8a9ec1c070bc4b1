"""The twelve-paper table the chart and trend tests check by hand, and helpers to read figures back."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import plotly.io as pio

from lib.core import schema as S
from lib.explore.facets import Membership

HOSTILE = "<script>alert(1)</script> & $x$ Tricks"
THEME_NAMES = {
    "llm": "Language models",
    "vision": "Vision",
    "rl": "Reinforcement learning",
    "graph": "Graphs",
    "safety": "Safety",
    "audio": "Audio",
}
THEME_GROUPS = {
    "llm": "Language",
    "safety": "Language",
    "vision": "Perception",
    "audio": "Perception",
    "rl": "Control",
    "graph": "Structure",
}
CLUSTER_NAMES = {0: "language models", 1: "vision", 2: "control"}

# id, title, themes, cluster, published, listing dates
ROWS = [
    ("p01", "Scaling Language Models", ["llm"], 0, "2020-01", ["03-18"]),
    ("p02", "Vision Transformers", ["vision"], 1, "2020-06", ["03-18"]),
    ("p03", "Policy Gradients", ["rl"], 2, "2021-02", ["03-13"]),
    ("p04", "Language Planners for Control", ["llm", "rl"], 0, "2021-11", ["03-18", "03-13"]),
    ("p05", "Graph Networks", ["graph"], 2, "2022-04", []),
    ("p06", "Multimodal Language Models", ["llm", "vision"], 1, "2022-09", ["03-18"]),
    ("p07", HOSTILE, ["llm"], 0, "2023-01", ["03-18"]),
    ("p08", "Reasoning with Language Models", ["llm", "safety"], 0, "2023-05", ["03-13"]),
    ("p09", "Learning from Human Feedback", ["llm", "rl"], 0, "2023-07", []),
    ("p10", "Robot Vision", ["vision", "rl"], 1, "2024-02", ["03-18"]),
    ("p11", "Instruction Tuning", ["llm", "safety"], 0, "2024-03", ["03-18"]),
    ("p12", "An Untitled Workshop Note", [], 2, None, ["03-13"]),
]


def papers_table() -> pd.DataFrame:
    """ROWS as a papers table with the columns the charts read."""
    n = len(ROWS)
    return pd.DataFrame(
        {
            S.PAPER_ID: [r[0] for r in ROWS],
            S.TITLE: [r[1] for r in ROWS],
            S.THEMES: [list(r[2]) for r in ROWS],
            S.THEME_MENTIONS: [[] for _ in ROWS],
            S.CLUSTER: np.array([r[3] for r in ROWS], dtype=np.int64),
            S.CLUSTER_LABEL: [CLUSTER_NAMES[r[3]] for r in ROWS],
            S.PUBLISHED: pd.Series([r[4] for r in ROWS], dtype=object),
            S.LISTING_DATES: [list(r[5]) for r in ROWS],
            S.X: np.linspace(0, 1, n),
            S.Y: np.linspace(1, 0, n) ** 2,
        }
    )


def themes_of(papers: pd.DataFrame) -> Membership:
    """Which rows of `papers` have which themes, as the app's index gives the charts."""
    return Membership.of(papers[S.THEMES])


def values(v) -> list:
    """Plain values from a to_dict() entry, decoding plotly's base64 typed arrays."""
    if isinstance(v, dict) and "bdata" in v:
        array = np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
        return array.reshape([int(s) for s in str(v.get("shape", len(array))).split(",")]).tolist()
    return list(np.asarray(v, dtype=object).tolist())


def theme_sets() -> list[set[str]]:
    return [set(r[2]) for r in ROWS]


def year(r) -> int | None:
    return int(r[4][:4]) if r[4] else None


def check_style(d: dict, x_title: str | None, y_title: str) -> None:
    # No template of its own: a chart takes the theme of wherever it is shown (the app's, light or dark).
    assert d["layout"].get("template") in (None, pio.templates[pio.templates.default].to_plotly_json())
    assert d["layout"]["title"]["text"]
    if x_title is not None:
        assert d["layout"]["xaxis"]["title"]["text"] == x_title
    assert d["layout"]["yaxis"]["title"]["text"] == y_title
