"""What every download is made of: the export columns of each row as plain Python values, and the one web link
a row offers. Shared by the writers in lib.explore.export and lib.explore.export_markdown."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from lib.core import schema as S
from lib.core.ids import arxiv_abs_url

EXPORT_COLUMNS = (
    S.PAPER_ID,
    S.TITLE,
    S.ABSTRACT,
    S.THEMES,
    S.THEME_MENTIONS,
    S.CLUSTER,
    S.CLUSTER_LABEL,
    S.SOURCES,
    S.N_SOURCES,
    S.LISTING_DATES,
    S.CODE_URL,
    S.ARXIV_ID,
    S.PUBLISHED,
    S.DATASETS,
    S.PAPER_TYPE,
)
# Tables built before these columns existed lack them; absent reads as no authors and no DOI.
OPTIONAL_COLUMNS = (S.AUTHORS, S.DOI)


def records(papers: pd.DataFrame, *, optional: bool = False) -> list[dict]:
    """The export columns of each row as plain Python values: lists as lists, missing as None.

    With `optional`, also `authors` (a list) and `doi`, empty when the table lacks the column.
    """
    missing = [c for c in EXPORT_COLUMNS if c not in papers.columns]
    if missing:
        raise ValueError(f"cannot export without the columns {', '.join(missing)}")
    names = EXPORT_COLUMNS + (OPTIONAL_COLUMNS if optional else ())
    columns = {
        c: [_plain(v, c in S.LIST_COLUMNS) for v in papers[c].tolist()]
        if c in papers.columns
        else [[] if c in S.LIST_COLUMNS else None] * len(papers)
        for c in names
    }
    return [dict(zip(names, row)) for row in zip(*columns.values())]


def _plain(value, is_list: bool):
    if is_list:
        return [str(v) for v in value] if isinstance(value, (list, tuple, np.ndarray)) else []
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def web_link(row: dict) -> tuple[str, str] | None:
    """(label, URL) of the paper's arXiv page, else of its code; None when it has neither."""
    if row[S.ARXIV_ID]:
        try:
            return f"arXiv:{row[S.ARXIV_ID]}", arxiv_abs_url(row[S.ARXIV_ID])
        except ValueError:
            pass
    code = row[S.CODE_URL]
    # Only web links: a "javascript:" URL in a reading list is a trap, not a link.
    return ("Code", code) if isinstance(code, str) and re.match(r"https?://", code, re.IGNORECASE) else None
