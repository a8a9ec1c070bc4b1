"""Time each stage of `lib.topics.fit_topics` on synthetic corpora of growing size; print a table.

Corpora recombine sentences of the seed abstracts in data/raw, deterministically. Each size runs in a
fresh process so that its peak RSS is its own. CPU time is shown beside wall time because it moves
less when other work shares the two cores. Usage: python bench/topics_scaling.py [seeds|N ...]
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.describing.topics import fit_topics, vectorize  # noqa: E402
from lib.reading.formats import read_path  # noqa: E402

STAGES = ("vectorize", "svd", "choose k", "kmeans", "labels", "map", "similar")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def seed_papers() -> list[tuple[str, str]]:
    """(title, abstract) of the bundled seed pages, first occurrence of each title."""
    papers: dict[str, str] = {}
    for path in sorted((ROOT / "data" / "raw").glob("*.txt")):
        for record in read_path(path).records:
            papers.setdefault(record.title, record.abstract)
    return list(papers.items())


def synthetic_corpus(n: int, *, own_share: float = 0.7, random_state: int = 0) -> list[str]:
    """n "title. abstract" texts: a seed title, then 4-8 sentences mostly from that seed's abstract.

    The rest of the sentences come from any seed abstract, so each text is near its seed paper and its
    seed's neighbours, as papers on one subject are, without being a copy.
    """
    seeds = seed_papers()
    own = [_SENTENCE_END.split(abstract) for _, abstract in seeds]
    every = [s for sentences in own for s in sentences]
    rng = np.random.default_rng(random_state)
    parent = rng.integers(len(seeds), size=n)
    length = rng.integers(4, 9, size=n)
    from_own = rng.random((n, 8)) < own_share
    pick = rng.integers(1 << 30, size=(n, 8))
    texts = []
    for i in range(n):
        sentences = own[parent[i]]
        body = [
            sentences[pick[i, j] % len(sentences)] if from_own[i, j] else every[pick[i, j] % len(every)]
            for j in range(length[i])
        ]
        texts.append(f"{seeds[parent[i]][0]}. {' '.join(body)}")
    return texts


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def similar_quality(texts: list[str], similar: np.ndarray, scores: np.ndarray, *, n_queries: int = 200) -> dict:
    """Recall@5 of `similar` against brute-force TF-IDF cosine on a fixed sample of papers, and the found
    neighbours' summed cosine as a share of the best possible (mean and 5th percentile)."""
    _, tfidf, _ = vectorize(texts)
    queries = np.random.default_rng(1).choice(len(texts), min(n_queries, len(texts)), replace=False)
    exact = (tfidf[queries] @ tfidf.T).toarray()
    exact[np.arange(len(queries)), queries] = -np.inf
    best = np.argsort(-exact, axis=1, kind="stable")[:, :5]
    recall = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(similar[queries], best)])
    share = np.nan_to_num(scores[queries]).sum(axis=1) / np.take_along_axis(exact, best, 1).sum(axis=1)
    return {"recall": float(recall), "share": float(share.mean()), "share_p5": float(np.percentile(share, 5))}


def run_one(size: str) -> dict:
    """Stage wall and CPU times (s) and peak RSS (MiB) after each stage for one corpus."""
    texts = [f"{t}. {a}" for t, a in seed_papers()] if size == "seeds" else synthetic_corpus(int(size))
    marks: list[tuple[str, float, float, float]] = []

    def mark(stage: str, fraction: float) -> None:
        marks.append((stage, time.perf_counter(), time.process_time(), _peak_rss_mib()))

    base = _peak_rss_mib()
    result = fit_topics(texts, progress=mark)
    steps = list(zip(marks, marks[1:]))
    return {
        "n": len(texts),
        "wall": {a[0]: b[1] - a[1] for a, b in steps},
        "cpu": {a[0]: b[2] - a[2] for a, b in steps},
        "peak": {a[0]: b[3] for a, b in steps},
        "base_rss": base,
        "k": result.k,
        "reason": result.k_reason,
        "names": result.cluster_names[:5],
        "similar": similar_quality(texts, result.similar, result.similar_scores),
    }


def main(sizes: list[str]) -> None:
    rows = []
    for size in sizes:
        out = subprocess.run([sys.executable, __file__, "--one", size], stdout=subprocess.PIPE, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"done {size}: {sum(rows[-1]['wall'].values()):.1f} s", file=sys.stderr, flush=True)
    print(f"{'papers':<12}" + "".join(f"{r['n']:>26,}" for r in rows))
    print(f"{'stage':<12}" + "".join(f"{'wall s':>10}{'cpu s':>8}{'peak MiB':>8}" for _ in rows))
    for stage in STAGES:
        print(
            f"{stage:<12}"
            + "".join(f"{r['wall'][stage]:>10.2f}{r['cpu'][stage]:>8.2f}{r['peak'][stage]:>8.0f}" for r in rows)
        )
    print(
        f"{'total':<12}"
        + "".join(
            f"{sum(r['wall'].values()):>10.2f}{sum(r['cpu'].values()):>8.2f}{max(r['peak'].values()):>8.0f}"
            for r in rows
        )
    )
    print(f"{'before fit':<12}" + "".join(f"{'':>18}{r['base_rss']:>8.0f}" for r in rows))
    for r in rows:
        q = r["similar"]
        print(f"n={r['n']:,}: {r['reason']}")
        print(
            f"  similar vs brute force on 200 papers: recall@5 {q['recall']:.3f}, "
            f"cosine share {q['share']:.3f} (5th percentile {q['share_p5']:.3f})"
        )
        print(f"  largest topics: {' | '.join(r['names'])}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(run_one(sys.argv[2])))
    else:
        main(sys.argv[1:] or ["seeds", "10000", "100000"])
