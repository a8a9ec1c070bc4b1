"""Generate a synthetic listing corpus of N papers from the seed pages, deterministically.

Each synthetic paper descends from one seed paper: its abstract keeps most sentences of the parent's
abstract and borrows a few from other seeds, and its title is the parent's title under a new short name
("QXRNet: ...") with light perturbations. Theme rates and vocabulary therefore follow the seeds. A share of
papers is planted again on a later page as a near-duplicate (typo, case, punctuation or spacing changes in
the title, same abstract), and those pairs are written to `_planted_duplicates.csv` so dedupe recall can be
measured. Output: Hugging Face page text files (both layouts, 1,000 papers a page) or one Parquet file.

Usage: python bench/make_corpus.py N --out DIR [--format txt|parquet] [--seed S] [--dup-rate R]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.cleaning.dedupe import dedupe  # noqa: E402
from lib.reading.formats import read_path  # noqa: E402

PAGE_SIZE = 1000
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_LETTERS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
_SUFFIXES = ("Net", "Former", "GAN", "Diff", "LM", "", "", "")
_BOILERPLATE = ["new", "Get trending papers in your email inbox!", "Subscribe", "byAK and the research community"]
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def seed_papers() -> list[tuple[str, str]]:
    records = [r for p in sorted((ROOT / "data" / "raw").glob("*.txt")) for r in read_path(p).records]
    papers = dedupe(records).papers
    return list(zip(papers["title"], papers["abstract"]))


def _name(rng: np.random.Generator) -> str:
    letters = "".join(rng.choice(_LETTERS, size=int(rng.integers(3, 6))))
    return letters + _SUFFIXES[int(rng.integers(len(_SUFFIXES)))]


def _perturb(title: str, rng: np.random.Generator) -> str:
    """A near-duplicate spelling: one typo, a case change, punctuation or spacing dropped."""
    kind = int(rng.integers(4))
    if kind == 0:  # swap two neighbouring letters inside a long word
        words = title.split(" ")
        long = [i for i, w in enumerate(words) if len(w) > 5 and w.isalpha()]
        if long:
            i = long[int(rng.integers(len(long)))]
            w = words[i]
            j = int(rng.integers(1, len(w) - 2))
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
            return " ".join(words)
    if kind == 1:
        return title.lower()
    if kind == 2:
        return title.replace(":", "").replace("-", " ")
    return title.replace(" ", "  ", 1) + " "


def _recombine(title: str, other: str, rng: np.random.Generator) -> str:
    """The parent title's subject with the tail of another seed title, so titles stay plausible but distinct."""
    head = title.split(": ", 1)[-1].split(" ")
    tail = other.split(": ", 1)[-1].split(" ")
    cut_head = max(2, int(len(head) * rng.uniform(0.4, 0.7)))
    cut_tail = int(len(tail) * rng.uniform(0.3, 0.6))
    rest = tail[cut_tail:]
    joiner = [] if rest and rest[0].lower() in {"for", "of", "with", "in", "via", "on", "and"} else ["for"]
    return " ".join(head[:cut_head] + joiner + rest) if len(tail) > 2 else " ".join(head)


def generate(n: int, *, seed: int = 0, dup_rate: float = 0.03) -> tuple[list[tuple[str, str]], list[tuple[int, int]]]:
    """`n` distinct papers plus planted near-duplicates; returns (entries, planted (original, copy) pairs)."""
    seeds = seed_papers()
    own = [_SENTENCES.split(a) for _, a in seeds]
    every = [s for sentences in own for s in sentences]
    rng = np.random.default_rng(seed)
    entries: list[tuple[str, str]] = []
    names: set[str] = set()
    for parent in rng.integers(len(seeds), size=n):
        title, _ = seeds[parent]
        name = _name(rng)
        while name in names:
            name = _name(rng)
        names.add(name)
        sentences = [s for s in own[parent] if rng.random() < 0.7] or own[parent][:1]
        extra = int(rng.integers(0, 3))
        while extra > 0 or sum(map(len, sentences)) < 400:  # listing abstracts are paragraphs, never one line
            sentences.insert(int(rng.integers(len(sentences) + 1)), every[int(rng.integers(len(every)))])
            extra -= 1
        entries.append(
            (f"{name}: {_recombine(title, seeds[int(rng.integers(len(seeds)))][0], rng)}", " ".join(sentences))
        )
    planted = []  # copies are appended, so they land on later pages than their originals
    for original in np.flatnonzero(rng.random(n) < dup_rate):
        planted.append((int(original), len(entries)))
        entries.append((_perturb(entries[original][0], rng), entries[original][1]))
    return entries, planted


def write_pages(entries: list[tuple[str, str]], out: Path) -> list[str]:
    """Listing pages of PAGE_SIZE entries; even pages with blank lines and a date, odd pages without."""
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for page, start in enumerate(range(0, len(entries), PAGE_SIZE)):
        chunk = entries[start : start + PAGE_SIZE]
        name = f"page_{page:05d}.txt"
        if page % 2 == 0:
            head = _BOILERPLATE + [f"{_MONTHS[page % 12]} {1 + page % 28}"]
            body = [line for t, a in chunk for line in (t, a)]
            text = "\n\n".join(head + body) + "\n"
        else:
            lines = ["Get trending papers in your email inbox!", "Subscribe" + chunk[0][0], chunk[0][1]]
            lines += [line for t, a in chunk[1:] for line in (t, a)]
            text = "\n".join(lines) + "\n"
        (out / name).write_text(text, encoding="utf-8")
        names.append(name)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of distinct papers")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--format", choices=("txt", "parquet"), default="txt")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dup-rate", type=float, default=0.03, help="share of papers planted again")
    args = parser.parse_args(argv)
    entries, planted = generate(args.n, seed=args.seed, dup_rate=args.dup_rate)
    if args.format == "parquet":
        import pandas as pd

        args.out.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(entries, columns=["title", "abstract"]).to_parquet(args.out / "papers.parquet", index=False)
    else:
        write_pages(entries, args.out)
    # "_" marks it as a note beside the inputs, not an input (lib.store skips such files).
    with open(args.out / "_planted_duplicates.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["original_title", "duplicate_title"])
        writer.writerows((entries[a][0], entries[b][0]) for a, b in planted)
    print(f"{args.n} papers + {len(planted)} planted near-duplicates -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
