"""The peer for bench/run.py: the typical single-file Streamlit dashboard over the same listing pages.

It does what such apps commonly do, honestly and without caching: on every rerun it re-reads the raw
pages, pairs lines as title/abstract, drops exact-duplicate titles, fits TF-IDF and KMeans on the
sparse features, and filters with pandas string matching. `compute` is that per-rerun work, timed by
stage; bench/run.py calls it directly on the same corpus as Paper Atlas.

Run it as an app: PAPER_ATLAS_DATA=DIR streamlit run bench/peer_app.py
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pandas as pd
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

BOILERPLATE = {
    "new",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "subscribe",
    "byak and the research community",
}
_DATE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}$")


def read_pages(raw: Path) -> list[str]:
    """Every non-blank, non-furniture line of every page, in file order."""
    lines = []
    for path in sorted(raw.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.lower() in BOILERPLATE or _DATE.match(line):
                continue
            lines.append(line[len("Subscribe") :] if line.startswith("Subscribe") else line)
    return lines


def parse(lines: list[str]) -> pd.DataFrame:
    """Alternating lines: a title, then its abstract."""
    return pd.DataFrame({"title": lines[0::2], "abstract": lines[1::2][: len(lines[0::2])]})


def compute(raw: Path, *, k: int = 10, theme: str = "", query: str = "", random_state: int = 0):
    """One rerun's work: (filtered table, seconds per stage)."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now

    lines = read_pages(raw)
    lap("read")
    papers = parse(lines)
    lap("parse")
    papers = papers.drop_duplicates(subset="title").reset_index(drop=True)
    lap("dedupe")
    features = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.5, max_features=50_000).fit_transform(
        papers["title"] + ". " + papers["abstract"]
    )
    lap("tfidf")
    papers["cluster"] = KMeans(k, n_init=1, random_state=random_state).fit_predict(features)
    lap("kmeans")
    keep = pd.Series(True, index=papers.index)
    if theme:
        keep &= papers["title"].str.contains(theme, case=False, regex=False) | papers["abstract"].str.contains(
            theme, case=False, regex=False
        )
    if query:
        keep &= papers["title"].str.contains(query, case=False, regex=False) | papers["abstract"].str.contains(
            query, case=False, regex=False
        )
    shown = papers[keep]
    lap("filter")
    return shown, timings


def main() -> None:
    import streamlit as st

    root = Path(os.environ.get("PAPER_ATLAS_DATA", Path(__file__).resolve().parent.parent / "data"))
    st.title("Papers")
    theme = st.sidebar.text_input("Theme keyword", "")
    query = st.sidebar.text_input("Search", "")
    k = st.sidebar.slider("Clusters", 2, 30, 10)
    shown, timings = compute(root / "raw", k=k, theme=theme, query=query)
    st.caption(f"{len(shown)} papers · " + ", ".join(f"{s} {t:.2f}s" for s, t in timings.items()))
    st.bar_chart(shown["cluster"].value_counts().sort_index())
    st.dataframe(shown[["title", "cluster"]].head(1000), hide_index=True)


if __name__ == "__main__":
    main()
