"""Search by meaning: quality on the labelled questions, query latency at 100k and 1M papers, and what the meaning
index adds to a 100k build.

    python bench/meaning_search.py quality             # P@10 per method, dev and held-out, with and without themes
    python bench/meaning_search.py latency [--sizes 100000 1000000]
    python bench/meaning_search.py build               # 100k build with and without the meaning index

quality: builds the bundled pages twice into bench/out/meaning-seeds/ (with data/themes.toml, and with the themes
of the questions' subjects removed from it), then asks tests/data/meaning_questions.toml by exact phrase,
typo-tolerant titles and by meaning (the shipped tuning and the variants it was chosen among) and prints P@10.
latency: a built 100k corpus (bench/out/corpus-100000, built here when missing) and, at 1M, a synthetic index of
the same shape (random unit vectors, int8, the 100k build's vocabulary and basis): a 1M build takes 8 minutes
and its vectors would not make the scan cheaper or dearer. Times one new question (no memo) in-process.
build: `lib.build.build_to_disk` on the 100k corpus in a fresh process, once as shipped and once with the meaning
stage switched off; wall time, the meaning stage's time and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lib.build import build_to_disk, read_model  # noqa: E402
from lib.describing.meaning_index import make_index  # noqa: E402
from lib.describing.themes import load_taxonomy  # noqa: E402
from lib.explore.filters import FilterSpec, PaperIndex, search_hits  # noqa: E402
from lib.explore.meaning import MeaningIndex, Tuning  # noqa: E402
from lib.reading import store  # noqa: E402

OUT = ROOT / "bench" / "out"
QUESTIONS = ROOT / "tests" / "data" / "meaning_questions.toml"
DATA = ROOT / "data"
SHIPPED = Tuning()
VARIANTS = {
    "meaning (as shipped)": SHIPPED,
    "plain LSA (64 dims, no expansion, feedback or boost)": Tuning(expand=False, feedback=0, boost=0.0),
    "+ word forms": Tuning(feedback=0, boost=0.0),
    "+ word forms + feedback": Tuning(boost=0.0),
    "+ word forms + boost, no feedback": Tuning(feedback=0),
    "theme boost at full weight, ungated": Tuning(boost=1.0, floor=0.0),
}


def load_questions() -> tuple[dict, list[dict]]:
    data = tomllib.loads(QUESTIONS.read_text(encoding="utf-8"))
    return data["subjects"], data["questions"]


def without_themes(taxonomy_text: str, removed: set[str]) -> str:
    """The taxonomy file's text with the [[theme]] tables of `removed` left out."""
    head, *blocks = re.split(r"(?m)^\[\[theme\]\]\n", taxonomy_text)
    kept = [b for b in blocks if re.search(r'(?m)^id = "([^"]+)"', b).group(1) not in removed]
    return head + "".join("[[theme]]\n" + b for b in kept)


def build_seeds(name: str, taxonomy: Path) -> Path:
    out = OUT / name / "processed"
    if not (out / store.REPORT_FILE).exists():
        build_to_disk(
            store.list_inputs([DATA / "raw"]), out, taxonomy, fingerprint=name, arxiv_cache_path=DATA / "arxiv_ids.csv"
        )
    return out


def p_at_10(positions, ids, relevant: set[str]) -> float:
    return sum(ids[p] in relevant for p in positions[:10]) / 10


def quality() -> None:
    subjects, questions = load_questions()
    themes = {s["theme"] for s in subjects.values() if "theme" in s}
    removed_taxonomy = OUT / "meaning-seeds-removed" / "themes.toml"
    removed_taxonomy.parent.mkdir(parents=True, exist_ok=True)
    removed_taxonomy.write_text(without_themes((DATA / "themes.toml").read_text(encoding="utf-8"), themes))
    rows: dict[str, dict[str, list[float]]] = {}
    for condition, folder in (("with", build_seeds("meaning-seeds", DATA / "themes.toml")),
                              ("removed", build_seeds("meaning-seeds-removed", removed_taxonomy))):  # fmt: skip
        papers = store.read_papers(folder / store.PAPERS_FILE)
        ids = papers["paper_id"].to_numpy(dtype=str)
        meta, arrays = store.read_meaning(folder)
        methods = {f"{mode} search": _text_search(papers, mode) for mode in ("exact", "fuzzy")}
        for name, tuning in VARIANTS.items():
            methods[name] = MeaningIndex.from_files(meta, arrays, ids, tuning).search
        model = read_model(folder)
        topic_dims = model.basis.shape[0]
        taxonomy = load_taxonomy(removed_taxonomy if condition == "removed" else DATA / "themes.toml")
        topic = make_index(model, ids, taxonomy, papers["themes"].tolist(), dims=topic_dims)
        methods[f"meaning in the topic space as built ({topic_dims} dims)"] = MeaningIndex.from_files(
            *topic, ids
        ).search
        for name, search in methods.items():
            for q in questions:
                subject = subjects[q["subject"]]
                part = "held-out" if q["held_out"] else "dev"
                kind = "theme" if "theme" in subject else "no theme"
                if kind == "no theme" and condition == "removed":
                    continue  # nothing of theirs was removed: the same as "with"
                score = p_at_10(search(q["text"]).positions, ids, set(subject["relevant"]))
                rows.setdefault(name, {}).setdefault(f"{part}|{kind}|{condition}", []).append(score)
    _print_quality(rows)


def _text_search(papers, mode: str):
    index = PaperIndex.from_papers(papers)
    return lambda q: search_hits(index, FilterSpec(query=q, search=mode))


def _print_quality(rows) -> None:
    columns = [
        (p, k, c)
        for p in ("dev", "held-out")
        for k, c in (("theme", "with"), ("theme", "removed"), ("no theme", "with"))
    ]
    titles = [
        f"{p}: {'themed subjects' if k == 'theme' else 'subjects not in the taxonomy'}"
        + (", their themes removed" if c == "removed" else "")
        for p, k, c in columns
    ]
    print("| method | " + " | ".join(titles) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, cells in rows.items():
        values = [cells.get("|".join(c), []) for c in columns]
        print(f"| {name} | " + " | ".join(f"{statistics.mean(v):.2f}" if v else "-" for v in values) + " |")
    n = {c: len(rows[next(iter(rows))].get("|".join(c), [])) for c in columns}
    print("\nquestions per column: " + ", ".join(str(v) for v in n.values()))


# --- latency ---------------------------------------------------------------------------------------------

LATENCY_QUESTIONS = (
    "making a trained network smaller by throwing away connections it does not need",
    "a small student network learning to imitate a large teacher network",
    "how does performance grow when we add more data, parameters and compute",
    "training a model that does not fit in my GPU's memory",
    "detecting objects in photos in real time",
)


def built_100k() -> Path:
    from corpora import prepare

    folder = prepare("100000")
    out = folder / "processed"
    if not (out / store.MEANING_DIR).exists():
        data = store.data_dir(folder)
        build_to_disk(
            data.raw_files(), out, data.taxonomy, fingerprint=data.fingerprint(), arxiv_cache_path=data.arxiv_cache
        )
    return out


def latency(sizes: list[int]) -> None:
    out = built_100k()
    meta, arrays = store.read_meaning(out)
    ids = np.asarray(arrays["paper_ids"], dtype=str)
    print("| papers | index | ms a question (median, new: no memo) | its CPU ms | slowest ms | one scan ms | MiB |")
    print("|---|---|---|---|---|---|---|")
    for n in sizes:
        if n == 100_000:  # the built corpus (a few planted duplicates fewer than 100,000)
            index, kind, n = MeaningIndex.from_files(meta, arrays, ids), "built", len(ids)
        else:
            index, kind = MeaningIndex(*_synthetic(meta, arrays, n)), "synthetic vectors, built vocabulary and basis"
        times, cpu, scans = [], [], []
        for _ in range(3):
            for q in LATENCY_QUESTIONS:
                index._memo.clear()
                start, start_cpu = time.perf_counter(), time.process_time()
                index.search(q)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                start = time.perf_counter()
                index.scores(np.ones(index.basis.shape[0], np.float32) / np.sqrt(index.basis.shape[0]))
                scans.append(time.perf_counter() - start)
        size = (index.vectors.nbytes + index.scale.nbytes) / 2**20
        ms = [statistics.median(times) * 1000, statistics.median(cpu) * 1000, max(times) * 1000]
        ms.append(statistics.median(scans) * 1000)
        print(f"| {n:,} | {kind} | " + " | ".join(f"{v:.1f}" for v in ms) + f" | {size:.0f} |")
    print(f"\nothers' load meanwhile: {Path('/proc/loadavg').read_text().split()[:3]}")


def _synthetic(meta: dict, arrays: dict, n: int) -> tuple[dict, dict]:
    rng = np.random.default_rng(0)
    d = arrays["vectors"].shape[1]
    vectors = np.empty((n, d), np.int8)
    scale = np.empty(n, np.float32)
    for start in range(0, n, 100_000):
        block = rng.standard_normal((min(100_000, n - start), d)).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        peak = np.abs(block).max(axis=1) / 127
        vectors[start : start + len(block)] = np.round(block / peak[:, None])
        scale[start : start + len(block)] = peak
    # the themes keep their papers, spread over the larger collection in the same proportion
    offsets = np.asarray(arrays["theme_offsets"])
    factor = n / len(arrays["scale"])
    rows = (np.asarray(arrays["theme_rows"], np.int64) * factor).astype(np.int32)
    synthetic = {**arrays, "vectors": vectors, "scale": scale, "paper_ids": np.arange(n).astype(str)}
    synthetic.update(theme_rows=rows, theme_offsets=offsets)
    return replace_n(meta, n), synthetic


def replace_n(meta: dict, n: int) -> dict:
    return {**meta, "n": n}


# --- build -----------------------------------------------------------------------------------------------

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
import lib.build
if {off}:
    lib.build.make_index = lambda *a, **k: None
from lib.reading import store
data = store.data_dir({folder!r})
start = time.perf_counter()
result = lib.build.build_to_disk(data.raw_files(), __import__("pathlib").Path({out!r}), data.taxonomy,
    fingerprint="bench", arxiv_cache_path=data.arxiv_cache)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
rss, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
print(json.dumps({{"wall": wall, "cpu": cpu, "timings": result.report.timings, "rss_mib": rss}}))
"""


def build(runs: int) -> None:
    from corpora import prepare

    folder = prepare("100000")
    results = {"with the meaning index": [], "without": []}
    for _ in range(runs):
        for name, off in (("without", True), ("with the meaning index", False)):
            out = OUT / "meaning-build-100000"
            subprocess.run(["rm", "-rf", str(out)], check=True)
            code = _CHILD.format(root=str(ROOT), off=off, folder=str(folder), out=str(out))
            line = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            results[name].append(json.loads(line.strip().splitlines()[-1]))
    print("| 100k build | wall (s) | CPU (s) | topics stage (s) | meaning stage (s) | peak RSS (MiB) |")
    print("|---|---|---|---|---|---|")
    for name, rs in results.items():
        wall = statistics.median(r["wall"] for r in rs)
        topics = statistics.median(r["timings"].get("topics", 0) for r in rs)
        meaning = statistics.median(r["timings"].get("meaning", 0) for r in rs)
        rss = statistics.median(r["rss_mib"] for r in rs)
        cpu = statistics.median(r["cpu"] for r in rs)
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {topics:.1f} | {meaning:.2f} | {rss:.0f} |")
    print(f"\n{runs} runs each, alternating, medians; others' load: {Path('/proc/loadavg').read_text().split()[:3]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("quality", "latency", "build"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    if args.what == "quality":
        quality()
    elif args.what == "latency":
        latency(args.sizes)
    else:
        build(args.runs)
    print(f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
