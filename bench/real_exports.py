"""What the build keeps of real export files: per format, records in, papers out, and for each field (dates,
authors, DOIs, arXiv ids) how many records carry it in the files against how many papers keep it intact.

The counts "in the files" are made here with plain regexes, csv and json, never with the app's readers, so a
reader that drops or mangles a field shows up as a gap. A table without a header row is counted by which column
most of whose cells fit a plain pattern (an arXiv id or link, a DOI, a year or date, a list of names); a column
of single names is no author list to this count, nor to the reader. A record's field is kept when the paper its title
lands in holds it intact: the same year, the same number of authors, the same DOI (TeX escapes undone, case
folded), the same arXiv id. Each file is built alone with the app's own build (lib.build.build_papers).

Usage: python bench/real_exports.py [DIR] [--code CHECKOUT]   (DIR defaults to bench/out/real/; --code runs
another checkout's lib, e.g. the code before a change)
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("dates", "authors", "dois", "arxiv")
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/, also when loaded from a test
from export_counts import Raw, count_file  # noqa: E402


@dataclass
class FileResult:
    name: str
    fmt: str
    records: list[Raw] = field(default_factory=list)
    papers: int = 0
    kept: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    seconds: float = 0.0
    error: str = ""


# --- what the build kept --------------------------------------------------------------------------


def title_key(title: str) -> str:
    text = re.sub(r"\\[a-zA-Z]+|\\.|<[^>]+>", "", html.unescape(str(title)))
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text.casefold() if c.isascii() and c.isalnum())


def kept(raw: Raw, paper: dict | None) -> dict[str, bool]:
    if paper is None:
        return dict.fromkeys(FIELDS, False)
    text = lambda v: v if isinstance(v, str) else ""  # noqa: E731 (missing cells come back as NaN)
    published, doi, arxiv = text(paper["published"]), text(paper["doi"]).lower(), text(paper["arxiv_id"])
    return {
        "dates": bool(raw.year) and published[:4] == raw.year,
        "authors": bool(raw.n_authors) and len(paper["authors"]) == raw.n_authors,
        "dois": bool(raw.doi) and doi == raw.doi.replace("\\_", "_").lower().rstrip(".,;"),
        "arxiv": bool(raw.arxiv) and arxiv == raw.arxiv,
    }


def build_one(path: Path, result: FileResult) -> None:
    from lib.build import build_papers
    from lib.describing.themes import load_taxonomy

    taxonomy = load_taxonomy(ROOT / "data" / "themes.toml")
    started = time.perf_counter()
    try:
        built = build_papers([path], taxonomy, k=2 if len(result.records) > 2 else 1)
    except Exception as exc:  # a refused file is a result, not the end of the run
        result.error, result.seconds = f"{type(exc).__name__}: {exc}"[:90], time.perf_counter() - started
        return
    result.seconds = time.perf_counter() - started
    papers = built.papers
    result.papers = len(papers)
    rows = papers[["title", "published", "authors", "doi", "arxiv_id"]].to_dict("records")
    by_title = {}
    for row in rows:
        by_title.setdefault(title_key(row["title"]), row)
    keys = list(by_title)
    for raw in result.records:
        key = title_key(raw.title)
        if key not in by_title and keys:  # a duplicate spelled differently lands in the paper it merged into
            near = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=90)
            key = near[0] if near else key
        for f, ok in kept(raw, by_title.get(key)).items():
            result.kept[f] += ok


def carried(raw: Raw) -> dict[str, bool]:
    return {"dates": bool(raw.year), "authors": bool(raw.n_authors), "dois": bool(raw.doi), "arxiv": bool(raw.arxiv)}


def table(results: list[FileResult]) -> str:
    lines = []
    by_fmt: dict[str, list[FileResult]] = defaultdict(list)
    for r in results:
        by_fmt[r.fmt].append(r)
    head = "| file | records in | papers out | " + " | ".join(f"{f} kept / in files" for f in FIELDS) + " | time |"
    total = {f: [0, 0] for f in FIELDS}
    for fmt in sorted(by_fmt):
        lines += ["", f"### {fmt}", "", head, "|" + "---|" * (len(FIELDS) + 4)]
        for r in by_fmt[fmt]:
            cells = []
            for f in FIELDS:
                n = sum(carried(raw)[f] for raw in r.records)
                total[f][0] += r.kept[f]
                total[f][1] += n
                cells.append(f"{r.kept[f]} / {n}" if n else "-")
            papers = f"refused ({r.error})" if r.error else str(r.papers)
            lines.append(f"| {r.name} | {len(r.records)} | {papers} | " + " | ".join(cells) + f" | {r.seconds:.2f} s |")
    lines += ["", "| field | kept / in files | share |", "|---|---|---|"]
    for f in FIELDS:
        k, n = total[f]
        lines.append(f"| {f} | {k:,} / {n:,} | {k / n:.1%} |" if n else f"| {f} | 0 / 0 | - |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, default=ROOT / "bench" / "out" / "real")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose lib/ builds the files")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.code.resolve()))
    results = []
    for path in sorted(p for p in args.dir.iterdir() if p.is_file() and not p.name.startswith((".", "_"))):
        fmt, records = count_file(path)
        result = FileResult(path.name, fmt, records)
        build_one(path, result)
        results.append(result)
        print(f"{path.name}: {len(records)} records, {result.papers} papers {result.error}", file=sys.stderr)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
