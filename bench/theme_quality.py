"""Theme tagging quality and speed: precision, recall and F1 per required theme against the hand labels in
tests/data/theme_labels.csv, for a plain keyword regex and for `lib.themes.tag_themes`; then the tagging time
per paper, on the labelled papers and on the whole seed corpus. Usage: python bench/theme_quality.py [--repeat N]

Measured on the shared 2-core box (CPU time; a 10M-step Python loop takes 0.75 s there), x 100 each:
  macro-F1 keyword 0.728, tagger 0.871 (240 papers; the rules were written while looking at these labels)
  labelled papers, 50-theme taxonomy: 79 us/paper in the best pass, 84-89 on average
  labelled papers, the 8 labelled themes only: 46 best, 51 average
  whole seed corpus (634 papers, fewer theme words), 50 themes: 62 best, 66 average
  About a third is the one regex pass that finds every word starting a pattern literal (~25 us/paper).
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

from lib.ingest import parse_listing_file  # noqa: E402
from lib.themes import Taxonomy, load_taxonomy, tag_themes  # noqa: E402

LABELS = ROOT / "tests" / "data" / "theme_labels.csv"
REQUIRED = ("yolo", "lora", "pruning", "quantization", "distillation", "nas", "moe", "diffusion")
# The plain keyword approach the tagger has to beat: one case-insensitive regex per theme, any hit counts.
BASELINE = {
    "yolo": r"\byolo", "lora": r"lora", "pruning": r"prun", "quantization": r"quantiz", "distillation": r"distill",
    "nas": r"architecture search|\bnas\b", "moe": r"mixture of experts|\bmoe\b", "diffusion": r"diffusion",
}


def seed_papers(raw_dir: Path = ROOT / "data" / "raw") -> dict[str, str]:
    """Title -> abstract of every distinct title on the seed pages."""
    abstracts: dict[str, str] = {}
    for path in sorted(raw_dir.glob("*.txt")):
        for record in parse_listing_file(path).records:
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


def scores(predicted: list[bool], gold: list[bool]) -> tuple[float, float, float]:
    """Precision, recall and F1; an empty prediction or gold set counts as perfect on that side."""
    tp = sum(p and g for p, g in zip(predicted, gold))
    precision = tp / sum(predicted) if any(predicted) else 1.0
    recall = tp / sum(gold) if any(gold) else 1.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def evaluate(papers: list[dict], taxonomy: Taxonomy) -> dict[str, dict[str, tuple[float, float, float]]]:
    """{"keyword"|"tagger": {theme: (precision, recall, f1)}} over the labelled papers."""
    tags = tag_themes([p["title"] for p in papers], [p["abstract"] for p in papers], taxonomy)
    result: dict[str, dict] = {"keyword": {}, "tagger": {}}
    for theme in REQUIRED:
        gold = [p[theme] == "1" for p in papers]
        keyword = re.compile(BASELINE[theme], re.IGNORECASE)
        result["keyword"][theme] = scores([bool(keyword.search(f"{p['title']} {p['abstract']}")) for p in papers], gold)
        result["tagger"][theme] = scores([theme in t.themes for t in tags], gold)
    return result


def macro_f1(per_theme: dict[str, tuple[float, float, float]]) -> float:
    return sum(f1 for _, _, f1 in per_theme.values()) / len(per_theme)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=100, help="copies of the labelled papers to time")
    parser.add_argument("--taxonomy", type=Path, default=ROOT / "data" / "themes.toml")
    args = parser.parse_args()
    taxonomy, papers = load_taxonomy(args.taxonomy), labelled_papers()
    result = evaluate(papers, taxonomy)
    positives = {t: sum(p[t] == "1" for p in papers) for t in REQUIRED}
    print(f"{len(papers)} labelled papers, taxonomy {taxonomy.source} ({len(taxonomy.themes)} themes)\n")
    print(f"{'theme':<14}{'n+':>4}  {'keyword P':>9} {'R':>5} {'F1':>5}   {'tagger P':>8} {'R':>5} {'F1':>5}")
    for theme in REQUIRED:
        (kp, kr, kf), (tp, tr, tf) = result["keyword"][theme], result["tagger"][theme]
        print(f"{theme:<14}{positives[theme]:>4}  {kp:>9.2f} {kr:>5.2f} {kf:>5.2f}   {tp:>8.2f} {tr:>5.2f} {tf:>5.2f}")
    print(f"{'macro-F1':<14}{'':>4}  {'':>9} {'':>5} {macro_f1(result['keyword']):>5.3f}"
          f"   {'':>8} {'':>5} {macro_f1(result['tagger']):>5.3f}\n")
    required_only = Taxonomy(tuple(t for t in taxonomy.themes if t.id in REQUIRED), taxonomy.source)
    corpus = [{"title": t, "abstract": a} for t, a in seed_papers().items()]
    for label, tax, sample in (("labelled, all themes", taxonomy, papers),
                               ("labelled, 8 labelled themes only", required_only, papers),
                               ("whole seed corpus, all themes", taxonomy, corpus)):
        mean, best, n = time_per_paper(sample, tax, args.repeat)
        print(f"speed, {label}: {n} papers, {mean:.1f} us/paper CPU on average, {best:.1f} in the best pass")


if __name__ == "__main__":
    main()
