"""Theme tagging quality and speed: precision, recall and F1 per required theme against the hand labels, dev
(tests/data/theme_labels.csv) and held-out (theme_labels_holdout.csv), for a plain keyword regex and for
`lib.themes.tag_themes`; then the tagging time per paper, on the dev papers and on the whole seed corpus.
Usage: python bench/theme_quality.py [--repeat N]

A second pair of sets, theme_labels_arxiv.csv: 362 recent arXiv papers outside the seeds, split in halves (dev,
tuned on; held-out, never). On them the tagger as it stood scored macro-F1 0.672 (dev) and 0.666 (held-out),
below the keyword baseline (0.732, 0.702): precise, but it missed papers whose own work uses the technique in
one sentence ("The system leverages YOLOv11 ...", "We apply LoRA fine-tuning to ..."). Tuned on the two dev sets
(a method verb counts in a sentence that also reports results, "the system"/"the framework" is the paper's own,
"<theme>-based sampler/policy/detector" names a model, "non-<theme>" sets it apart; NAS requires a word of
architectures or networks; VQ-style VAEs, codec quantization steps and quantized Gaussians are excluded):
dev 0.952 -> 0.952, arXiv dev 0.672 -> 0.744; held out, once: 0.837 -> 0.840 and arXiv 0.666 -> 0.666. Counting
a single own-work sentence as enough (ABOUT_SCORE 2) would give arXiv dev 0.816 but dev 0.904: the two label
sets draw the line for "used as a means" differently, and it was left at 3.

The sets (tests/data/README.md): dev, 129 papers, tuned on; held-out, 505 papers with 72 positives, never tuned
on (half of it is the former dev set, on which the rules before the split were tuned). Macro-F1 over the 8 core
themes, tagger before -> after the current rules (requires-words, the method-verb cue, the techniques named
in other words): dev 0.933 -> 0.952, held-out 0.856 -> 0.842 (keywords 0.691). Per theme on the held-out set,
precision / recall before -> after: yolo 1.00/1.00 -> 1.00/1.00, lora 0.83/0.83 -> 0.75/1.00, pruning 1.00/0.64
-> 0.89/0.73, quantization 0.86/1.00 -> 0.83/0.83, distillation 0.62/0.71 -> 0.67/0.57, nas 1.00/0.67 ->
0.87/0.72, moe 1.00/1.00 -> 1.00/1.00, diffusion 1.00/0.73 -> 1.00/0.73. The 294 newly labelled papers draw no
false positive before or after.
Then claims need the paper as subject, "as a baseline" makes a hit an aside, a method verb counts for its object
only, and a distillation named by its kind needs no teacher word: dev 0.952 -> 0.952 (its errors are all
borderline calls), held-out 0.842 -> 0.837 (distillation precision 0.67 -> 0.57, every other theme unchanged).
Speed: about 55-115 us/paper (see the last lines of the output).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.describing.themes import Taxonomy, load_taxonomy, tag_themes  # noqa: E402
from lib.reading.formats import read_path  # noqa: E402

LABELS = ROOT / "tests" / "data" / "theme_labels.csv"  # dev: the rules were written while looking at these
HOLDOUT = ROOT / "tests" / "data" / "theme_labels_holdout.csv"  # labelled before the rules changed, never tuned on
ARXIV = ROOT / "tests" / "data" / "theme_labels_arxiv.csv"  # recent arXiv papers outside the seeds, in two halves
REQUIRED = ("yolo", "lora", "pruning", "quantization", "distillation", "nas", "moe", "diffusion")
# The plain keyword approach the tagger has to beat: one case-insensitive regex per theme, any hit counts.
BASELINE = {
    "yolo": r"\byolo",
    "lora": r"lora",
    "pruning": r"prun",
    "quantization": r"quantiz",
    "distillation": r"distill",
    "nas": r"architecture search|\bnas\b",
    "moe": r"mixture of experts|\bmoe\b",
    "diffusion": r"diffusion",
}
METHODS = ("keyword", "tagger")


def seed_papers(raw_dir: Path = ROOT / "data" / "raw") -> dict[str, str]:
    """Title -> abstract of every distinct title on the seed pages."""
    abstracts: dict[str, str] = {}
    for path in sorted(raw_dir.glob("*.txt")):
        for record in read_path(path).records:
            abstracts.setdefault(record.title, record.abstract)
    return abstracts


def labelled_papers(labels: Path = LABELS) -> list[dict]:
    """Label rows, each with the abstract of its title from the seed pages added."""
    abstracts = seed_papers()
    with labels.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    missing = [r["title"] for r in rows if r["title"] not in abstracts]
    if missing:
        raise ValueError(f"{labels}: {len(missing)} titles not in the seed pages, e.g. {missing[0]!r}")
    return [{**r, "abstract": abstracts[r["title"]]} for r in rows]


def arxiv_papers(split: str, labels: Path = ARXIV) -> list[dict]:
    """The rows of the arXiv label set in `split` ("dev" or "held-out"), each with its own title and abstract."""
    with labels.open(encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if r["split"] == split]


def confusion(papers: list[dict], taxonomy: Taxonomy) -> dict[str, dict[str, tuple[int, int, int]]]:
    """{"keyword"|"tagger": {theme: (true positives, false positives, false negatives)}} over the papers."""
    tags = tag_themes([p["title"] for p in papers], [p["abstract"] for p in papers], taxonomy)
    result: dict[str, dict] = {method: {} for method in METHODS}
    for theme in REQUIRED:
        gold = [p[theme] == "1" for p in papers]
        keyword = re.compile(BASELINE[theme], re.IGNORECASE)
        predicted = {
            "keyword": [bool(keyword.search(f"{p['title']} {p['abstract']}")) for p in papers],
            "tagger": [theme in t.themes for t in tags],
        }
        for method in METHODS:
            pairs = list(zip(predicted[method], gold))
            result[method][theme] = (pairs.count((True, True)), pairs.count((True, False)), pairs.count((False, True)))
    return result


def scores(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1; an empty prediction or gold set counts as perfect on that side."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def evaluate(papers: list[dict], taxonomy: Taxonomy) -> dict[str, dict[str, tuple[float, float, float]]]:
    """{"keyword"|"tagger": {theme: (precision, recall, f1)}} over the labelled papers."""
    return {
        method: {theme: scores(*counts) for theme, counts in per_theme.items()}
        for method, per_theme in confusion(papers, taxonomy).items()
    }


def macro_f1(per_theme: dict[str, tuple[float, float, float]]) -> float:
    return sum(f1 for _, _, f1 in per_theme.values()) / len(per_theme)


def micro_f1(per_theme: dict[str, tuple[int, int, int]]) -> float:
    """F1 of the counts pooled over the themes: steadier than macro-F1 when a theme has few positives."""
    return scores(*(sum(c[k] for c in per_theme.values()) for k in range(3)))[2]


def time_per_paper(papers: list[dict], taxonomy: Taxonomy, repeat: int) -> tuple[float, float, int]:
    """Mean and best CPU microseconds per paper over `repeat` passes through the papers, and the paper count.
    The best pass is what the code costs; the mean also holds whatever else ran on the machine meanwhile."""
    titles, abstracts = [p["title"] for p in papers], [p["abstract"] for p in papers]
    tag_themes(titles[:10], abstracts[:10], taxonomy)  # compile the taxonomy outside the timing
    passes = []
    for _ in range(repeat):
        cpu = time.process_time()
        tag_themes(titles, abstracts, taxonomy)
        passes.append((time.process_time() - cpu) / len(titles) * 1e6)
    return sum(passes) / len(passes), min(passes), len(titles) * repeat


def quality_table(sets: dict[str, list[dict]], taxonomy: Taxonomy) -> list[str]:
    """Lines of a table: per theme and per labelled set, positives and the P, R, F1 of both methods."""
    counts = {name: confusion(papers, taxonomy) for name, papers in sets.items()}
    cell = "{:>4}  {:>5} {:>5} {:>5}  {:>5} {:>5} {:>5}"
    lines = [
        f"{'':<14}" + "".join(f"   {name + ' (' + str(len(p)) + ' papers)':<42}" for name, p in sets.items()),
        f"{'theme':<14}" + "   " + "   ".join(cell.format("n+", "kw P", "R", "F1", "tag P", "R", "F1") for _ in sets),
    ]
    for theme in REQUIRED:
        row = []
        for name, papers in sets.items():
            values = [v for m in METHODS for v in scores(*counts[name][m][theme])]
            row.append(cell.format(sum(p[theme] == "1" for p in papers), *(f"{v:.2f}" for v in values)))
        lines.append(f"{theme:<14}   " + "   ".join(row))
    for label, summary in (
        ("macro-F1", lambda c: macro_f1({t: scores(*n) for t, n in c.items()})),
        ("micro-F1", micro_f1),
    ):
        row = [
            cell.format(
                "", "", "", f"{summary(counts[n]['keyword']):.3f}", "", "", f"{summary(counts[n]['tagger']):.3f}"
            )
            for n in sets
        ]
        lines.append(f"{label:<14}   " + "   ".join(row))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=100, help="copies of the labelled papers to time")
    parser.add_argument("--taxonomy", type=Path, default=ROOT / "data" / "themes.toml")
    args = parser.parse_args()
    taxonomy, papers = load_taxonomy(args.taxonomy), labelled_papers()
    sets = {
        "dev": papers,
        "held-out": labelled_papers(HOLDOUT),
        "arXiv dev": arxiv_papers("dev"),
        "arXiv held-out": arxiv_papers("held-out"),
    }
    print(f"taxonomy {taxonomy.source} ({len(taxonomy.themes)} themes); kw = keyword baseline, tag = tagger\n")
    print("\n".join(quality_table(sets, taxonomy)))
    gold = {name: sum(p[t] == "1" for p in s for t in REQUIRED) for name, s in sets.items()}
    print(
        f"\npositives over the 8 themes: {gold}. A theme with no positives in a set scores F1 1 there without a"
        " false positive and 0 with one.\n"
    )
    required_only = Taxonomy(tuple(t for t in taxonomy.themes if t.id in REQUIRED), taxonomy.source)
    corpus = [{"title": t, "abstract": a} for t, a in seed_papers().items()]
    for label, tax, sample in (
        ("labelled, all themes", taxonomy, papers),
        ("labelled, 8 labelled themes only", required_only, papers),
        ("whole seed corpus, all themes", taxonomy, corpus),
    ):
        mean, best, n = time_per_paper(sample, tax, args.repeat)
        print(f"speed, {label}: {n} papers, {mean:.1f} us/paper CPU on average, {best:.1f} in the best pass")


if __name__ == "__main__":
    main()
