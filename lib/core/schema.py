"""Column names and types of the one canonical papers table.

Every other module names columns through these constants; nothing here computes anything.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

PAPER_ID = "paper_id"
TITLE = "title"
ABSTRACT = "abstract"
ABSTRACT_VARIANTS = "abstract_variants"
SOURCES = "sources"
N_SOURCES = "n_sources"
SOURCE_LINES = "source_lines"
LISTING_DATES = "listing_dates"
THEMES = "themes"
THEME_MENTIONS = "theme_mentions"
THEME_EVIDENCE = "theme_evidence"
AUTHORS = "authors"
DOI = "doi"
VENUE = "venue"
URL = "url"
EXTRA = "extra"
CODE_URL = "code_url"
ARXIV_ID = "arxiv_id"
ARXIV_URL = "arxiv_url"
ARXIV_SOURCE = "arxiv_source"
ARXIV_CONFIDENCE = "arxiv_confidence"
PUBLISHED = "published"
DATASETS = "datasets"
PAPER_TYPE = "paper_type"
CLUSTER = "cluster"
CLUSTER_LABEL = "cluster_label"
X = "x"
Y = "y"
SIMILAR_IDS = "similar_ids"

# Column -> kind. "list" columns hold lists of strings; "json" holds a JSON object as text.
COLUMNS: dict[str, str] = {
    PAPER_ID: "str",
    TITLE: "str",
    ABSTRACT: "str",
    ABSTRACT_VARIANTS: "list",
    SOURCES: "list",
    N_SOURCES: "int",
    SOURCE_LINES: "list",
    LISTING_DATES: "list",
    THEMES: "list",
    THEME_MENTIONS: "list",
    THEME_EVIDENCE: "json",
    AUTHORS: "list",
    DOI: "optstr",
    VENUE: "optstr",
    URL: "optstr",
    EXTRA: "json",
    CODE_URL: "optstr",
    ARXIV_ID: "optstr",
    ARXIV_URL: "optstr",
    ARXIV_SOURCE: "optstr",
    ARXIV_CONFIDENCE: "optstr",
    PUBLISHED: "optstr",
    DATASETS: "list",
    PAPER_TYPE: "str",
    CLUSTER: "int",
    CLUSTER_LABEL: "str",
    X: "float",
    Y: "float",
    SIMILAR_IDS: "list",
}

# Intermediate columns of the dedupe stage: what the inputs themselves said, before the build decides.
RECORD_PUBLISHED = "record_published"
RECORD_ARXIV_ID = "record_arxiv_id"

LIST_COLUMNS = tuple(c for c, kind in COLUMNS.items() if kind == "list")

PAPER_TYPES = ("method", "survey", "benchmark")
PAPER_TYPE_NAMES = {"method": "Method", "survey": "Survey / review", "benchmark": "Benchmark / dataset"}
ARXIV_SOURCES = ("record", "text", "list")  # the input's own id field, an id in the text, the id cache


_ARROW_TYPES = {
    "str": pa.large_string(), "optstr": pa.large_string(), "json": pa.large_string(),
    "list": pa.list_(pa.string()), "int": pa.int64(), "float": pa.float64(),
}  # fmt: skip


def arrow_schema(names: list[str]) -> pa.Schema:
    """The Arrow types of the table's columns: a column of nothing but missing values keeps its type (text,
    list of text, number) instead of becoming Arrow's type of nulls."""
    return pa.schema([(n, _ARROW_TYPES.get(COLUMNS.get(n, "str"), pa.large_string())) for n in names])


def empty_papers() -> pd.DataFrame:
    """A papers table with every column and no rows."""
    return pd.DataFrame({c: pd.Series(dtype=_dtype(k)) for c, k in COLUMNS.items()})


def _dtype(kind: str) -> str:
    return {"int": "int64", "float": "float64"}.get(kind, "object")


def present(value) -> str | None:
    """A text cell's value, or None when it is missing: None, NaN (how Parquet and pandas give a missing
    string back), or blank text."""
    return value if isinstance(value, str) and value.strip() else None


def missing_columns(papers: pd.DataFrame) -> list[str]:
    """Names of canonical columns that `papers` lacks, in schema order."""
    return [c for c in COLUMNS if c not in papers.columns]
