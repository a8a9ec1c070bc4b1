"""Tables for reading: the results table's columns, one paper's details, and the Data page's tables of a
build report. Owns what a reader sees of a row (never abstracts in the results: they are in the detail view).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from lib.core import schema as S
from lib.core.dates import listing_date_label
from lib.core.ids import arxiv_abs_url
from lib.core.report import BuildReport
from lib.explore.facets import BY_NAME, Names

RESULT_COLUMNS = ("Title", "Themes", "Topic", "Pages", "Published", "Code")
# The table columns the results read; taking only these rows of only these columns keeps a page of results
# from copying abstracts at all.
RESULT_SOURCES = (S.PAPER_ID, S.TITLE, S.THEMES, S.CLUSTER, S.N_SOURCES, S.PUBLISHED, S.CODE_URL)


def results_table(rows: pd.DataFrame, names: Names) -> pd.DataFrame:
    """The results table for `rows`, in their order: title, theme names, topic, pages seen on, code link."""
    topic = BY_NAME["clusters"].label
    return pd.DataFrame(
        {
            "Title": rows[S.TITLE].to_numpy(),
            "Themes": [[names.themes.get(t, t) for t in themes] for themes in rows[S.THEMES]],
            "Topic": [topic(names, c) for c in rows[S.CLUSTER].tolist()],
            "Pages": rows[S.N_SOURCES].to_numpy(),
            "Published": rows[S.PUBLISHED].fillna("").to_numpy(),
            "Code": rows[S.CODE_URL].fillna("").to_numpy(),  # blank, not "None", where there is no code
        },
        index=rows[S.PAPER_ID].to_numpy(),
    )


@dataclass(frozen=True)
class Detail:
    paper_id: str
    title: str
    abstract: str
    abstract_variants: list[str]
    themes: list[tuple[str, list[str]]]  # (theme name, matched words)
    mentions: list[tuple[str, list[str]]]
    cluster: int
    cluster_name: str  # "C3 · label"
    pages: list[str]  # "file:line"
    listing_dates: list[str]
    published: str | None
    arxiv_id: str | None
    arxiv_url: str | None
    arxiv_note: str | None  # how far to trust the id, when it came from the id cache with low confidence
    authors: list[str]
    doi: str | None
    code_url: str | None
    datasets: list[str]
    paper_type: str
    similar_ids: list[str]


def paper_detail(row: pd.Series, names: Names) -> Detail:
    """What the detail view shows of one row; missing values (None, NaN, pandas' NA) all read as None."""
    row = row.map(lambda v: None if v is pd.NA or (isinstance(v, float) and v != v) else v)
    try:
        evidence = json.loads(row[S.THEME_EVIDENCE] or "{}")
    except (TypeError, ValueError):
        evidence = {}

    def named(ids) -> list[tuple[str, list[str]]]:
        return [(names.themes.get(t, t), list(evidence.get(t, []))) for t in ids]

    arxiv_id = S.present(row.get(S.ARXIV_ID))
    return Detail(
        paper_id=row[S.PAPER_ID],
        title=row[S.TITLE],
        abstract=row[S.ABSTRACT],
        abstract_variants=list(row[S.ABSTRACT_VARIANTS]),
        themes=named(row[S.THEMES]),
        mentions=named(row[S.THEME_MENTIONS]),
        cluster=int(row[S.CLUSTER]),
        cluster_name=BY_NAME["clusters"].label(names, int(row[S.CLUSTER])),
        pages=list(row[S.SOURCE_LINES]),
        listing_dates=[listing_date_label(d) for d in row[S.LISTING_DATES]],
        published=S.present(row.get(S.PUBLISHED)),
        arxiv_id=arxiv_id,
        arxiv_url=arxiv_abs_url(arxiv_id) if arxiv_id else None,
        arxiv_note=("matched by title with low confidence" if row.get(S.ARXIV_CONFIDENCE) == "low" else None),
        authors=list(row[S.AUTHORS]) if S.AUTHORS in row and isinstance(row[S.AUTHORS], list) else [],
        doi=S.present(row.get(S.DOI)),
        code_url=S.present(row.get(S.CODE_URL)),
        datasets=list(row[S.DATASETS]),
        paper_type=row[S.PAPER_TYPE],
        similar_ids=list(row[S.SIMILAR_IDS]),
    )


def inputs_table(report: BuildReport) -> pd.DataFrame:
    """Per input: entries, lines of each kind, page date, encoding."""
    rows = [
        {
            "Input": p.source,
            "Listing date": listing_date_label(p.page_date) if p.page_date else "—",
            "Entries": p.papers,
            "Boilerplate lines": p.lines["boilerplate"],
            "Date lines": p.lines["date"],
            "Unrecognised lines": p.lines["unrecognised"],
            "Encoding": p.encoding,
        }
        for p in report.inputs
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "Input",
            "Listing date",
            "Entries",
            "Boilerplate lines",
            "Date lines",
            "Unrecognised lines",
            "Encoding",
        ],
    )


def merges_table(report: BuildReport) -> pd.DataFrame:
    """Every paper built from several entries, with where each entry was."""
    rows = [
        {
            "Title": m.title,
            "Entries": m.n_records,
            "Where": ", ".join(m.where),
            "Title spellings": " | ".join(m.title_variants),
            "Abstract versions": m.n_abstract_versions,
        }
        for m in report.merges
    ]
    return pd.DataFrame(rows, columns=["Title", "Entries", "Where", "Title spellings", "Abstract versions"])


def kept_title(detail: dict) -> str:
    """A merged paper's title: its kept record's (from merge_details.json, see lib.reading.store.read_details)."""
    records = detail["records"]
    return next((r["title"] for r in records if r["where"] == detail["kept"]), records[0]["title"])


def merge_choices(details: dict[str, dict]) -> dict[str, str]:
    """Each merged paper's id and how a list of them names it (its title, and how many records it joins), in the
    order of the titles."""
    titles = {pid: kept_title(d) for pid, d in details.items()}
    order = sorted(titles, key=lambda pid: titles[pid].casefold())
    return {pid: f"{titles[pid][:90]} ({len(details[pid]['records'])} records)" for pid in order}


def title_only_with_years(details: dict[str, dict]) -> list[dict]:
    """Merges made only by title whose records give different years: the common wrong merge."""
    out = []
    for pid, d in details.items():
        years = {r["published"][:4] for r in d["records"] if r.get("published")}
        if d.get("joined_by") == ["title"] and len(years) > 1:
            out.append({"records": [r["where"] for r in d["records"]], "title": kept_title(d), "paper_id": pid})
    return out


def issues_table(report: BuildReport) -> pd.DataFrame:
    """Lines and files the parser could not fully use, as file:line, reason and the text."""
    rows = [{"Where": i.where(), "Problem": i.reason, "Text": i.text} for i in report.issues]
    return pd.DataFrame(rows, columns=["Where", "Problem", "Text"])


def taxonomy_table(taxonomy) -> pd.DataFrame:
    """The theme taxonomy in use: group, id, name, patterns, acronyms and exclusions."""
    rows = [
        {
            "Group": t.group,
            "Id": t.id,
            "Theme": t.name,
            "Patterns": " | ".join(t.patterns),
            "Acronyms (case-sensitive)": " | ".join(t.acronyms),
            "Exclusions": " | ".join(t.exclusions),
        }
        for t in taxonomy.themes
    ]
    return pd.DataFrame(rows, columns=["Group", "Id", "Theme", "Patterns", "Acronyms (case-sensitive)", "Exclusions"])


def emerging_table(emerging: pd.DataFrame) -> pd.DataFrame:
    """The emerging-themes table for reading: counts beside shares, growth as "x2.4" or "new"."""
    growth = ["new" if g == float("inf") else f"×{g:.1f}" for g in emerging["growth"]]
    return pd.DataFrame(
        {
            "Theme": emerging["name"].to_numpy(),
            "Growth": growth,
            "Recent papers": emerging["recent_count"].to_numpy(),
            "Recent share": emerging["recent_share"].to_numpy(),
            "Baseline papers": emerging["baseline_count"].to_numpy(),
            "Baseline share": emerging["baseline_share"].to_numpy(),
        }
    )
