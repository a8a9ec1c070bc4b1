"""Display names for facet values: theme names, cluster labels, page names, dates and paper types."""

from __future__ import annotations

from lib.core.dates import listing_date_label
from ui.data import View

TYPE_NAMES = {"method": "Method", "survey": "Survey / review", "benchmark": "Benchmark / dataset"}


def cluster_name(cluster: int, label: str) -> str:
    return f"C{cluster} · {label}"


def facet_labels(view: View) -> dict[str, dict]:
    pages = {p["source"]: p.get("page_date") for p in view.corpus.report.get("pages", [])}
    return {
        "themes": {t.id: t.name for t in view.corpus.taxonomy.themes},
        "clusters": {c["cluster"]: cluster_name(c["cluster"], c["label"]) for c in view.clusters},
        "sources": {s: s.rsplit(".", 1)[0] + (f" ({listing_date_label(d)})" if d else "") for s, d in pages.items()},
        "dates": {d: listing_date_label(d) for d in view.index.dates[0]},
        "types": TYPE_NAMES,
        "datasets": {},
    }
