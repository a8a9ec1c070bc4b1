"""An incremental rebuild next to a full one: a collection of N papers grows by 1%, and is rebuilt from the topic
model of its last build (what the app and `python -m lib.build` do when a source is added), then built again
from nothing (what a first build, or the same folder without its last build, costs).

For each size the synthetic corpus of bench/out/corpus-SIZE/ (made by make_corpus.py, see corpora.py) is split:
"before" holds every page but one, "after" adds 1% of N papers from that page (the whole page at 100k, a CSV of
its first entries below). Each build runs in a fresh process: "before" (not timed), the incremental rebuild of
"after" into the same folder, and a full build of "after" into an empty folder. Stage times come from the
report and the topic stage's progress messages; CPU time per stage from the process's CPU clock at those
messages, which moves far less than wall time when the two cores are shared. Also printed: what became of the
earlier papers' clusters and names.

Usage: python bench/incremental.py [N ...] [--runs R]   (default: 10000 100000, 1 run)
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import corpora  # bench/corpora.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SHARE = 0.01


def child(root: Path, out: Path) -> dict:
    """Build `root`'s raw/ into `out` (from the model there, if any) and report the times."""
    sys.path.insert(0, str(ROOT))
    from lib.build import build_to_disk
    from lib.reading import store

    data = store.data_dir(root)
    marks: list[tuple[str, float]] = []  # (progress message, CPU seconds of this process so far)
    start, cpu_start = time.perf_counter(), time.process_time()
    result = build_to_disk(
        data.raw_files(),
        out,
        data.taxonomy,
        fingerprint="bench",
        arxiv_cache_path=data.arxiv_cache,
        progress=lambda stage, f: marks.append((stage, time.process_time())),
    )
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    marks.append(("end", time.process_time()))
    topics = [(s.split(": ", 1)[1], t) for s, t in marks if s.startswith("Clustering topics: ")]
    sub = {a: round(t2 - t1, 2) for (a, t1), (_, t2) in zip(topics, topics[1:])}
    report = result.report
    outcome = report.topics.outcome
    return {
        "wall": round(wall, 2),
        "cpu": round(cpu, 2),
        "cpu_stages": _cpu_stages(marks, cpu_start),
        "stages": report.timings,
        "topic_stages": sub,
        "write": round(wall - sum(report.timings.values()), 2),
        "papers": report.n_papers,
        "k": report.topics.k,
        "mode": outcome.mode,
        "kept": outcome.kept,
        "joined": outcome.joined,
        "changed": outcome.changed,
        "new_clusters": list(outcome.new_clusters),
        "clusters": {c.cluster: c.label for c in report.topics.clusters},
    }


CPU_STAGES = (  # (stage, the progress message that ends it)
    ("read and parse", "Merging duplicates"),
    ("dedupe", "Tagging themes and facets"),
    ("themes and facets", "Clustering topics"),
    ("topics", "Done"),
    ("write", "end"),
)


def _cpu_stages(marks: list[tuple[str, float]], start: float) -> dict[str, float]:
    """CPU seconds per coarse stage, from the CPU time at the first message that ends each."""
    out, last = {}, start
    for stage, ends in CPU_STAGES:
        at = next((t for s, t in marks if s == ends or s.startswith(ends + ":")), None)
        if at is not None:
            out[stage], last = round(at - last, 2), at
    return out


def run_child(root: Path, out: Path) -> dict:
    line = (
        subprocess.run(
            [sys.executable, __file__, "--child", str(root), str(out)], check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return json.loads(line)


def split(size: str) -> tuple[Path, Path]:
    """bench/out/incremental-SIZE/ with before/ (all pages but one) and after/ (plus 1% of N papers)."""
    corpus = corpora.prepare(size)
    work = OUT / f"incremental-{size}"
    if (work / "after" / "raw").exists():
        return work / "before", work / "after"
    pages = sorted((corpus / "raw").glob("*.txt"))
    held = pages[len(pages) // 2]  # a middle page: its papers are not the later pages' planted duplicates
    for name in ("before", "after"):
        (work / name / "raw").mkdir(parents=True, exist_ok=True)
        for page in pages:
            if page != held:
                shutil.copy(page, work / name / "raw")
        for extra in ("themes.toml", "arxiv_ids.csv"):
            shutil.copy(corpus / extra, work / name)
    added = int(int(size) * SHARE)
    sys.path.insert(0, str(ROOT))
    from lib.reading.formats import read_path

    records = read_path(held).records
    if added >= len(records):
        shutil.copy(held, work / "after" / "raw")
    else:
        with open(work / "after" / "raw" / "zz_added.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["title", "abstract"])
            writer.writerows((r.title, r.abstract) for r in records[:added])
    return work / "before", work / "after"


def measure(size: str, runs: int) -> dict:
    before, after = split(size)
    results = {"incremental": [], "full": []}
    for _ in range(runs):
        out = after.parent / "out"
        shutil.rmtree(out, ignore_errors=True)
        first = run_child(before, out)
        results["incremental"].append(run_child(after, out))
        full = after.parent / "out-full"
        shutil.rmtree(full, ignore_errors=True)
        results["full"].append(run_child(after, full))
    results["before"] = first
    return results


def table(size: str, results: dict) -> list[str]:
    inc, full, before = results["incremental"], results["full"], results["before"]

    def med(rows: list[dict], *path: str) -> float:
        values = []
        for r in rows:
            for key in path:
                r = r.get(key, 0.0) if isinstance(r, dict) else 0.0
            values.append(r)
        return statistics.median(values)

    stages = list(full[0]["stages"])
    subs = sorted({s for r in inc + full for s in r["topic_stages"]}, key=list(full[0]["topic_stages"]).index)
    lines = [
        f"### {size}: {before['papers']:,} papers, then {inc[0]['papers']:,} ({inc[0]['papers'] - before['papers']:,} more)",
        "",
        "| stage | full build (s) | incremental rebuild (s) |",
        "|---|---|---|",
    ]
    for s in stages:
        lines.append(f"| {s} | {med(full, 'stages', s):.2f} | {med(inc, 'stages', s):.2f} |")
    for s in subs:
        lines.append(f"| topics: {s} | {med(full, 'topic_stages', s):.2f} | {med(inc, 'topic_stages', s):.2f} |")
    lines.append(f"| write | {med(full, 'write'):.2f} | {med(inc, 'write'):.2f} |")
    wall_f, wall_i = med(full, "wall"), med(inc, "wall")
    lines.append(f"| **whole build, wall** | **{wall_f:.2f}** | **{wall_i:.2f}** ({wall_i / wall_f:.0%}) |")
    for stage, _ in CPU_STAGES:
        lines.append(f"| CPU: {stage} | {med(full, 'cpu_stages', stage):.2f} | {med(inc, 'cpu_stages', stage):.2f} |")
    cpu_f, cpu_i = med(full, "cpu"), med(inc, "cpu")
    lines.append(f"| **whole build, CPU** | **{cpu_f:.2f}** | **{cpu_i:.2f}** ({cpu_i / cpu_f:.0%}) |")
    last = inc[-1]
    kept_names = sum(last["clusters"].get(c) == n for c, n in before["clusters"].items()) / len(before["clusters"])
    lines += [
        "",
        f"Incremental: {last['kept']:,} papers kept their cluster, {last['joined']:,} new or changed papers joined "
        f"the nearest ({last['changed']:,} changed), new clusters {last['new_clusters'] or 'none'}; "
        f"{kept_names:.0%} of the {len(before['clusters'])} names kept. The full build chose k={full[-1]['k']}.",
    ]
    return lines


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(child(Path(argv[1]), Path(argv[2]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", default=["10000", "100000"])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    for size in args.sizes:
        results = measure(size, args.runs)
        (OUT / f"incremental-{size}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
        print("\n".join(table(size, results)) + "\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
