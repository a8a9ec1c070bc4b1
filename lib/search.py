"""Search a built collection from the command line, by exact phrase, typo-tolerant titles or meaning:

    python -m lib.search QUERY [QUERY ...] [--collection DIR] [--mode exact|fuzzy|meaning] [--top N] [--json]

DIR is a folder `python -m lib.build --out DIR` wrote (default: the data folder's processed/). Prints a table per
query (rank, score, title, themes), or with --json one object per query and line: {"query": ..., "hits":
[{"paper_id": ..., "title": ..., "score": ...}, ...]} (and "note" when a question has no word the collection
knows). The themes are those of the taxonomy the collection was built with. A collection that cannot be read is
named in one line on standard error, with exit status 1. Without --collection, a data folder with nothing built yet
is built first (as the app does on its first load). Kept at this name: the code it runs lives in lib/explore.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from lib.core import schema as S
from lib.core.errors import AtlasError
from lib.explore.filters import SEARCH_MODES, FilterSpec, PaperIndex, search_hits
from lib.explore.meaning import MeaningIndex
from lib.explore.search import Hits
from lib.reading import store

TITLE_WIDTH = 70


class Unreadable(Exception):
    """The collection folder cannot be searched; the message names it and says why."""


@dataclass(frozen=True)
class Collection:
    papers: pd.DataFrame  # paper id, title and themes, in the table's order
    theme_names: dict[str, str]
    search: object  # query -> Hits


def load(folder: Path, mode: str) -> Collection:
    """The built collection in `folder`, ready to be searched in `mode`; Unreadable when it cannot be."""
    where = str(folder)
    if not (folder / store.PAPERS_FILE).is_file():
        raise Unreadable(f"{where}: no built collection here (no {store.PAPERS_FILE}; build one with "
                         f"python -m lib.build --out {where})")  # fmt: skip
    columns = None if mode != "meaning" else [S.PAPER_ID, S.TITLE, S.THEMES]
    try:
        papers = store.read_papers(folder / store.PAPERS_FILE, columns=columns)
        saved = store.read_meaning(folder)
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        raise Unreadable(f"{where}: the built table cannot be read ({type(exc).__name__})") from exc
    ids = papers[S.PAPER_ID].to_numpy(dtype=str)
    meaning = MeaningIndex.from_files(*saved, ids) if saved else None
    names = meaning.theme_names if meaning is not None else {}
    if mode == "meaning":
        if meaning is None:
            raise Unreadable(
                f"{where}: built without a meaning index (build it again: python -m lib.build --out {where})"
            )
        return Collection(papers, names, meaning.search)
    try:
        index = PaperIndex.from_papers(papers)
    except (KeyError, ValueError, TypeError) as exc:
        raise Unreadable(f"{where}: the built table lacks what search needs ({exc})") from exc
    return Collection(papers, names, lambda q: search_hits(index, FilterSpec(query=q, search=mode)))


def answer(collection: Collection, query: str, top: int) -> tuple[list[dict], str]:
    """The first `top` hits of `query` (paper id, title, score, themes) and the note, if any."""
    hits: Hits | None = collection.search(query) if query.strip() else None
    if hits is None:
        return [], ""
    rows = []
    for position, score in zip(hits.positions[:top].tolist(), hits.scores[:top].tolist()):
        paper = collection.papers.iloc[position]
        themes = [collection.theme_names.get(t, t) for t in _listed(paper[S.THEMES])]
        rows.append({"paper_id": str(paper[S.PAPER_ID]), "title": str(paper[S.TITLE]), "score": round(score, 4),
                     "themes": themes})  # fmt: skip
    return rows, hits.note


def _listed(value) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple | np.ndarray) else []


def table(query: str, rows: list[dict], note: str) -> str:
    """A readable table of one query's hits."""
    lines = [f"{query}"]
    if note or not rows:
        return "\n".join([*lines, f"  {note or 'no paper found'}", ""])
    lines.append(f"  {'rank':>4}  {'score':>7}  {'title':<{TITLE_WIDTH}}  themes")
    for rank, row in enumerate(rows, 1):
        title = row["title"] if len(row["title"]) <= TITLE_WIDTH else row["title"][: TITLE_WIDTH - 1] + "…"
        lines.append(f"  {rank:>4}  {row['score']:>7.3f}  {title:<{TITLE_WIDTH}}  {', '.join(row['themes'])}")
    return "\n".join([*lines, ""])


def _first_build(data: store.DataDir) -> None:
    """Build the data folder's collection when nothing is built there yet (a fresh checkout), as the app does on
    its first load; progress on standard error, so the answers alone go to standard output."""
    if data.papers_path.exists() or not data.raw_files():
        return
    from lib.build import build_collection  # only then: the build's imports cost a second

    print(f"building {data.processed} first: nothing is built there yet ...", file=sys.stderr, flush=True)
    build_collection(data)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.search", description=__doc__.splitlines()[0])
    parser.add_argument("queries", nargs="+", metavar="QUERY", help="what to search for; each is answered in turn")
    parser.add_argument("--collection", type=Path, help="a folder lib.build wrote (default: data/processed)")
    parser.add_argument("--mode", choices=SEARCH_MODES, default="meaning", help="how to search (default: meaning)")
    parser.add_argument("--top", type=int, default=10, help="hits shown per query (default: 10)")
    parser.add_argument("--json", action="store_true", help="one JSON object per query and line")
    args = parser.parse_args(argv)
    if args.top < 1:
        parser.error("--top must be at least 1")
    folder = args.collection if args.collection is not None else store.data_dir().processed
    try:
        if args.collection is None:
            _first_build(store.data_dir())
        collection = load(folder, args.mode)
    except (Unreadable, AtlasError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for query in args.queries:
        rows, note = answer(collection, query, args.top)
        if args.json:
            hits = [{k: row[k] for k in ("paper_id", "title", "score")} for row in rows]
            print(json.dumps({"query": query, "hits": hits} | ({"note": note} if note else {}), ensure_ascii=False))
        else:
            print(table(query, rows, note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
