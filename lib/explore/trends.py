"""The time axis (publication year or month, else listing date), the charts over it and the emerging-themes
and emerging-clusters tables (ranked by lib.explore.emerging). Each chart returns a plotly Figure, or a plain
message when the data cannot support a trend. Pure: never imports streamlit, never mutates the frames it is
given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import scipy.sparse as sp

from lib.core import schema as S
from lib.core.dates import listing_date_label
from lib.explore.chart_style import FADED, PALETTE, cluster_name, figure, theme_labels
from lib.explore.emerging import rank_growth
from lib.explore.facets import Membership

UNDATED = "Undated"
UNDATED_CUT = 3  # past this many times the largest period, the undated bar is cut so the dated ones stay readable
MIN_DATED_SHARE = 0.25  # below this, a publication-date axis would describe a small, unrepresentative subset
MIN_PERIOD_PAPERS = 10  # below this a period's share moves by 10+ points per paper
EMERGING_COLUMNS = (
    "theme",
    "name",
    "recent_count",
    "recent_share",
    "baseline_count",
    "baseline_share",
    "growth",
)
_GRANULARITY_WORDS = {"year": "publication year", "month": "publication month", "listing": "listing date"}


@dataclass(frozen=True, eq=False)
class TimeAxis:
    """Which date the time charts read, and each paper's period on it."""

    column: str  # the papers column read: published or listing_dates
    granularity: str  # "year" | "month" | "listing"
    labels: pd.Series  # period label per paper, aligned with the papers' index; None when undated
    periods: tuple[str, ...]  # every period, in time order
    n_undated: int
    note: str  # one sentence saying plainly what the axis is
    title: str  # the axis title
    codes: np.ndarray = field(repr=False)  # each paper's position in `periods`, -1 when undated


def time_axis(papers: pd.DataFrame) -> TimeAxis:
    """Publication year (dated papers span 3+ calendar years) or month, when at least MIN_DATED_SHARE of
    the papers have one; else the pages' listing dates."""
    months = _published_months(papers)
    dated = months.notna()
    if not dated.any() or dated.mean() < MIN_DATED_SHARE:
        return _listing_axis(papers, n_published=int(dated.sum()))
    n_undated = int((~dated).sum())
    undated = f"{_papers(n_undated)} no publication date." if n_undated else "every paper is dated."
    first, last = months[dated].min(), months[dated].max()
    if int(last[:4]) - int(first[:4]) + 1 >= 3:
        years = [str(y) for y in range(int(first[:4]), int(last[:4]) + 1)]
        return _axis(
            papers,
            months.str.slice(0, 4),
            years,
            dict(zip(years, years)),
            S.PUBLISHED,
            "year",
            f"Publication year; {undated}",
            "Publication year",
        )
    span = list(pd.period_range(first, last, freq="M").strftime("%Y-%m"))
    return _axis(
        papers,
        months,
        span,
        dict(zip(span, span)),
        S.PUBLISHED,
        "month",
        f"Publication month (the dated papers span under three years); {undated}",
        "Publication month",
    )


def _published_months(papers: pd.DataFrame) -> pd.Series:
    """ "YYYY-MM" per paper, missing where `published` is absent or not shaped like a month."""
    published = papers[S.PUBLISHED].astype("str")
    valid = published.str.match(r"\d{4}-(?:0[1-9]|1[0-2])").fillna(False).astype(bool)
    return published.str.slice(0, 7).where(valid)


def _axis(papers, keys: pd.Series, order: list[str], names: dict[str, str], column, granularity, note, title):
    """A TimeAxis from a sortable key per paper (missing when undated) and the keys' order and names."""
    codes = pd.Categorical(keys.to_numpy(), categories=order).codes.astype(np.int64)
    shown = np.array([names[k] for k in order] + [None], dtype=object)
    labels = pd.Series(shown[codes], index=papers.index, dtype=object)  # -1 picks the trailing None
    return TimeAxis(column, granularity, labels, tuple(shown[:-1]), int((codes < 0).sum()), note, title, codes)


def _papers(n: int) -> str:
    return "1 paper has" if n == 1 else f"{n:,} papers have"


def _listing_axis(papers: pd.DataFrame, n_published: int = 0) -> TimeAxis:
    dates = pd.Series(papers[S.LISTING_DATES].to_numpy(), dtype=object).explode().dropna().astype("str")
    dates = dates[dates.str.fullmatch(r"(?:\d{4}-)?(?:0[1-9]|1[0-2])-\d{2}").fillna(False).astype(bool)]
    # Pages usually print "Mar 18" without a year; mixed with dated pages, only month-day compares.
    with_year = bool(len(dates)) and bool((dates.str.len() == 10).all())
    keys = (dates if with_year else dates.str.slice(-5)).groupby(level=0).min().reindex(range(len(papers)))
    order = sorted(keys.dropna().unique())
    n_undated = int(keys.isna().sum())
    no_year = "" if with_year else " (no year)"
    if not len(papers):
        undated = "there are no papers."
    elif n_undated == 0:
        undated = "every paper has one."
    else:
        undated = f"{n_undated:,} {'paper comes' if n_undated == 1 else 'papers come'} only from pages without a date."
    if n_published:
        undated += f" Only {_papers(n_published)} a publication date, too few for a publication-date axis."
    return _axis(
        papers,
        keys,
        order,
        {k: listing_date_label(k) for k in order},
        S.LISTING_DATES,
        "listing",
        f"Listing dates of the pages{no_year}, the earliest per paper; {undated}",
        f"Listing date{no_year}",
    )


def _too_few_periods(axis: TimeAxis) -> str | None:
    word = _GRANULARITY_WORDS[axis.granularity]
    if not axis.periods:
        return f"No paper has a {word}: a trend needs at least two."
    if len(axis.periods) == 1:
        return f"Only one {word} ({axis.periods[0]}): a trend needs at least two."
    return None


def _period_totals(axis: TimeAxis) -> np.ndarray:
    return np.bincount(axis.codes[axis.codes >= 0], minlength=len(axis.periods))


def _period_xaxis(axis: TimeAxis, extra: tuple[str, ...] = ()) -> dict:
    return dict(type="category", categoryorder="array", categoryarray=list(axis.periods + extra))


def theme_trend(
    papers: pd.DataFrame,
    membership: Membership,
    themes: list[str],
    theme_names: Mapping[str, str],
    *,
    measure: str = "share",
    axis: TimeAxis | None = None,
) -> go.Figure | str:
    """One line per chosen theme over the time axis, as a share of dated papers or a count; `membership`
    says which of the `papers` rows have which themes.

    Returns a message instead when there are fewer than two periods or no theme is chosen. Periods
    with fewer than MIN_PERIOD_PAPERS papers get hollow markers, since their shares are noisy.
    """
    if measure not in ("share", "count"):
        raise ValueError(f"measure must be 'share' or 'count', not {measure!r}")
    axis = axis or time_axis(papers)
    if message := _too_few_periods(axis):
        return message
    themes = list(dict.fromkeys(themes))
    if not themes:
        return "Choose at least one theme to see its trend."
    totals = _period_totals(axis)
    small = totals < MIN_PERIOD_PAPERS
    labels = theme_labels(themes, theme_names)
    traces = [
        _theme_line(axis, membership.has(theme), totals, small, name, PALETTE[i % len(PALETTE)], measure)
        for i, (theme, name) in enumerate(zip(themes, labels))
    ]
    subtitle = axis.note + (
        f" Grey bands, hollow markers: under {MIN_PERIOD_PAPERS} papers in the period, so one paper moves the share"
        f" by 10 points or more."
        if small.any()
        else ""
    )
    y_title = "Share of dated papers" if measure == "share" else "Papers"
    shapes, notes = _small_period_bands(small)
    return figure(
        traces,
        "Themes over time",
        subtitle=subtitle,
        x_title=axis.title,
        y_title=y_title,
        n_legend=len(traces),
        xaxis=_period_xaxis(axis),
        yaxis=dict(rangemode="tozero", tickformat=".0%" if measure == "share" else None),
        shapes=shapes,
        annotations=notes,
    )


def _theme_line(axis: TimeAxis, has: np.ndarray, totals, small, name: str, colour: str, measure: str) -> go.Scatter:
    """One theme's line: its count or share of the dated papers per period, hollow where the period is small."""
    counts = np.bincount(axis.codes[(axis.codes >= 0) & has], minlength=len(axis.periods))
    share = np.divide(counts, totals, out=np.full(len(totals), np.nan), where=totals > 0)
    share_text = [f"{s:.0%}" if t else "no papers" for s, t in zip(share, totals)]
    return go.Scatter(
        x=list(axis.periods),
        y=(share if measure == "share" else counts).tolist(),
        mode="lines+markers",
        name=name,
        line=dict(color=colour, width=2),
        marker=dict(size=8, symbol=np.where(small, "circle-open", "circle").tolist()),
        customdata=[[int(c), int(t), s] for c, t, s in zip(counts, totals, share_text)],
        hovertemplate="%{fullData.name}<br>%{x}: %{customdata[0]} of %{customdata[1]} papers "
        "(%{customdata[2]})<br>n=%{customdata[1]}<extra></extra>",
    )


def _small_period_bands(small: np.ndarray) -> tuple[list[dict], list[dict]]:
    """Grey bands behind runs of small periods, and their notes (category positions, so x0/x1 are indices)."""
    shapes, notes, start = [], [], None
    for i, flag in enumerate([*small, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            shapes.append(dict(type="rect", xref="x", yref="y domain", x0=start - 0.5, x1=i - 0.5, y0=0, y1=1,
                               fillcolor="#9e9e9e", opacity=0.18, line=dict(width=0), layer="below"))  # fmt: skip
            notes.append(dict(text=f"n < {MIN_PERIOD_PAPERS}", xref="x", yref="y domain", x=start - 0.5, y=1,
                              xanchor="left", yanchor="top", showarrow=False, font=dict(color="#757575")))  # fmt: skip
            start = None
    return shapes, notes


def papers_per_period(papers: pd.DataFrame, *, axis: TimeAxis | None = None) -> go.Figure | str:
    """Bars of papers per period, and a grey hatched bar for the undated ones so they stay visible. When the
    undated far outnumber any period, their bar is cut at the top of the scale and says its count, so the
    dated bars are not flattened under it. `axis`, when given, is `time_axis(papers)` already worked out."""
    axis = axis or time_axis(papers)
    if not axis.periods:
        return "No paper has a publication date or a listing date to count by."
    totals = _period_totals(axis)
    traces = [
        go.Bar(
            x=list(axis.periods),
            y=totals.tolist(),
            name="Dated",
            marker_color=PALETTE[0],
            hovertemplate="%{x}: %{y} papers<extra></extra>",
        )
    ]
    extra: tuple[str, ...] = ()
    yaxis: dict = {}
    if axis.n_undated:
        extra = (UNDATED,)
        cut = axis.n_undated > UNDATED_CUT * max(int(totals.max()), 1)
        if cut:
            yaxis = dict(range=[0, 1.25 * max(int(totals.max()), 1)])
        traces.append(
            go.Bar(
                x=[UNDATED],
                y=[axis.n_undated],
                name=UNDATED,
                marker=dict(color=FADED, pattern=dict(shape="/")),
                text=[f"{axis.n_undated:,} (bar cut)" if cut else ""],
                textposition="inside",
                insidetextanchor="end",
                hovertemplate="No date: %{y} papers<extra></extra>",
            )
        )
    return figure(
        traces,
        f"Papers per {_GRANULARITY_WORDS[axis.granularity]}",
        subtitle=axis.note,
        x_title=axis.title,
        y_title="Papers",
        xaxis=_period_xaxis(axis, extra),
        yaxis=yaxis,
        showlegend=False,
        bargap=0.15,
    )


def cluster_share_over_time(
    papers: pd.DataFrame, cluster_names: Mapping[int, str], *, axis: TimeAxis | None = None
) -> go.Figure | str:
    """Stacked areas: each cluster's share of the dated papers per period (message under two periods)."""
    axis = axis or time_axis(papers)
    if message := _too_few_periods(axis):
        return message
    codes = axis.codes
    dated = codes >= 0
    totals = _period_totals(axis)
    clusters = papers[S.CLUSTER].to_numpy(dtype=np.int64)
    fallback = dict(zip(clusters.tolist(), papers[S.CLUSTER_LABEL].tolist()))
    traces = []
    for c in np.unique(clusters[dated]).tolist():
        counts = np.bincount(codes[dated & (clusters == c)], minlength=len(axis.periods))
        # An empty period gets zero for every cluster: the dip to nothing says "no papers", truthfully.
        share = np.divide(counts, totals, out=np.zeros(len(totals)), where=totals > 0)
        traces.append(
            go.Scatter(
                x=list(axis.periods),
                y=share.tolist(),
                mode="lines",
                stackgroup="one",
                name=cluster_name(c, cluster_names.get(c) or fallback.get(c, "")),
                line=dict(width=0.5, color=PALETTE[c % len(PALETTE)]),
                customdata=np.column_stack([counts, totals]).tolist(),
                hovertemplate="%{fullData.name}<br>%{x}: %{y:.0%} (%{customdata[0]} of %{customdata[1]} papers)"
                "<extra></extra>",
            )
        )
    return figure(
        traces,
        "Clusters over time",
        subtitle=axis.note,
        x_title=axis.title,
        y_title="Share of dated papers",
        n_legend=len(traces),
        xaxis=_period_xaxis(axis),
        yaxis=dict(range=[0, 1], tickformat=".0%"),
    )


def emerging_themes(
    papers: pd.DataFrame,
    membership: Membership,
    theme_names: Mapping[str, str],
    *,
    recent_years: int = 2,
    baseline_years: int = 3,
    min_support: int = 5,
) -> pd.DataFrame:
    """Themes whose share of papers grew from the baseline years to the most recent years (see
    lib.explore.emerging.rank_growth); `membership` says which of the `papers` rows have which themes."""
    present = membership.present()
    ids = list(present.values)
    windows = dict(recent_years=recent_years, baseline_years=baseline_years, min_support=min_support)
    names = [theme_names.get(t, t) for t in ids]
    return rank_growth(_years(papers), present.matrix, ids, names, "theme", **windows)


def emerging_clusters(
    papers: pd.DataFrame,
    cluster_names: Mapping[int, str],
    *,
    new: Sequence[int] = (),
    recent_years: int = 2,
    baseline_years: int = 3,
    min_support: int = 5,
) -> pd.DataFrame:
    """Topic clusters ranked by growth as `emerging_themes` ranks themes, with a column "new": whether the
    cluster appeared with the latest additions (its number is in `new`)."""
    clusters = papers[S.CLUSTER].to_numpy(dtype=np.int64)
    ids = np.unique(clusters)
    matrix = sp.csr_matrix(
        (np.ones(len(clusters), np.float32), (np.arange(len(clusters)), np.searchsorted(ids, clusters))),
        shape=(len(clusters), len(ids)),
    )
    names = [f"C{c} · {cluster_names[c]}" if cluster_names.get(c) else f"C{c}" for c in ids.tolist()]
    windows = dict(recent_years=recent_years, baseline_years=baseline_years, min_support=min_support)
    rows = rank_growth(_years(papers), matrix, [str(c) for c in ids], names, "cluster", **windows)
    return rows.assign(new=rows["cluster"].isin([str(c) for c in new]).astype(bool))


def _years(papers: pd.DataFrame) -> np.ndarray:
    return pd.to_numeric(_published_months(papers).str.slice(0, 4)).to_numpy(dtype=float)
