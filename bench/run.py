"""The whole pipeline at growing corpus sizes, against a naive peer: one table per size and a summary.

For each size the corpus is made once under bench/out/corpus-SIZE/ (the seed pages copied, or
make_corpus.py with its planted near-duplicates), then each run starts fresh processes for
- build: the full `lib.build` pipeline; stage times from its report and its progress messages, wall
  and CPU time of the process, peak RSS; dedupe recall and precision against planted_duplicates.csv;
- serve: the built table loaded as ui/data.py loads it (store.read_papers, the file digest,
  PaperIndex.from_papers), then apply_filters + facet_counts timed for a theme filter, an exact search,
  the two together and a fuzzy title search (median over 5 queries x 3 repeats);
- peer: bench/peer_app.py's per-rerun work on the same pages, with the k the build chose.
Medians over the runs are printed with the CPU time other processes used meanwhile (the machine may
be shared; CPU time moves less than wall time then). Results also go to bench/out/results-SIZE.json.

Usage: python bench/run.py [seeds|N ...] [--runs 3] [--peer-runs R]   (default: seeds 10000 100000)
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import corpora  # bench/corpora.py, beside this script
from run_tables import finished, header, size_table, summary  # bench/run_tables.py

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TOPIC_STAGES = {
    "vectorize": "tfidf",
    "svd": "svd",
    "choose k": "choose k",
    "kmeans": "kmeans",
    "labels": "labels",
    "map": "map",
    "similar": "neighbours",
}
THEME = ("pruning",)
EXACT = ["knowledge distillation", "pruning", "vision transformer", "diffusion", "quantized"]
FUZZY = ["knowlege distilation", "atention pruning", "vison transfomer", "difusion", "quantizaton"]
CHILD_TIMEOUT = 4 * 3600
MAX_RSS_GIB = 16.0


# --- children: each runs in a fresh interpreter and prints one JSON line --------------------------


def _usage() -> dict:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"peak_rss_mb": ru.ru_maxrss / 1024, "cpu_s": ru.ru_utime + ru.ru_stime}


def child_build(root: Path) -> dict:
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from lib.build import build_to_disk
    from lib.reading import store

    data = store.data_dir(root)
    marks: list[tuple[str, float]] = []
    imported = time.perf_counter()
    result = build_to_disk(
        data.raw_files(),
        data.processed,
        data.taxonomy,
        fingerprint=data.fingerprint(),
        arxiv_cache_path=data.arxiv_cache if data.arxiv_cache.exists() else None,
        progress=lambda stage, f: _mark(marks, stage),
    )
    done = time.perf_counter()
    stages = {s: t for s, t in result.report.timings.items() if s != "topics"}
    topic_marks = [(s.split(": ", 1)[1], t) for s, t in marks if s.startswith("Clustering topics: ")]
    for (stage, t), (_, t_next) in zip(topic_marks, topic_marks[1:]):
        stages[TOPIC_STAGES.get(stage, stage)] = t_next - t
    stages["topics (total)"] = result.report.timings.get("topics", 0.0)
    stages["write"] = done - imported - sum(result.report.timings.values())
    stages["import"] = imported - started
    return {
        "stages": stages,
        "n_papers": result.report.n_papers,
        "n_records": result.report.n_records,
        "k": result.report.topics.k,
        "in_process_s": done - started,
        **_usage(),
    }


def _mark(marks: list, stage: str) -> None:
    marks.append((stage, time.perf_counter()))
    print(stage, file=sys.stderr, flush=True)  # the parent names the running stage if it has to stop us


def child_serve(root: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from lib.describing.themes import load_taxonomy
    from lib.explore.filters import FilterSpec, PaperIndex, apply_filters, facet_counts
    from lib.reading import store

    data = store.data_dir(root)
    t0 = time.perf_counter()
    papers = store.read_papers(data.papers_path)
    t1 = time.perf_counter()
    store.file_digest(data.papers_path)
    t2 = time.perf_counter()
    index = PaperIndex.from_papers(papers, theme_order=list(load_taxonomy(data.taxonomy).ids()))
    t3 = time.perf_counter()
    rss_ready = _vm_rss_mb()

    memo = getattr(index.search, "_memo", None)  # recent searches are memoised; a new query misses it

    def timed(specs: list, action, *, cold: bool = True) -> float:
        times = []
        for _ in range(3):
            for spec in specs:
                if memo is not None:
                    if cold:
                        memo.clear()
                    else:
                        action(spec)
                start = time.perf_counter()
                action(spec)
                times.append(time.perf_counter() - start)
        return statistics.median(times)

    def interaction(spec) -> None:
        apply_filters(index, spec)
        facet_counts(index, spec)

    out = {"load": t1 - t0, "digest": t2 - t1, "index": t3 - t2}
    out["theme filter"] = timed([FilterSpec(themes=THEME)] * 5, interaction)
    out["exact search"] = timed([FilterSpec(query=q) for q in EXACT], interaction)
    out["filter + search"] = timed([FilterSpec(themes=THEME, query=q) for q in EXACT], interaction)
    out["fuzzy search"] = timed([FilterSpec(query=q, search="fuzzy") for q in FUZZY], interaction)
    out["filter + search, repeated"] = timed(
        [FilterSpec(themes=THEME, query=q) for q in EXACT], interaction, cold=False
    )
    out["exact search only"] = timed(EXACT, index.search.exact)
    out["fuzzy search only"] = timed(FUZZY, index.search.fuzzy)
    return {"times": out, "rss_ready_mb": rss_ready, **_usage()}


def child_peer(root: Path, k: int) -> dict:
    sys.path.insert(0, str(ROOT / "bench"))
    from peer_app import compute

    shown, stages = compute(root / "raw", k=k, theme=THEME[0], query=EXACT[0])
    return {"stages": stages, "total": sum(stages.values()), "n_shown": len(shown), **_usage()}


def _vm_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- the parent ------------------------------------------------------------------------------------


def _busy_seconds() -> float:
    """CPU seconds spent by everything on the machine since boot (all cores)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_child(*args: str) -> dict:
    """Run one child in a fresh interpreter; its JSON result plus its wall time and others' CPU meanwhile.

    The child is stopped (and the run reported as such) past CHILD_TIMEOUT or `max_rss_gib` of RSS, so a
    corpus too big for the machine cannot push other work into swap or the OOM killer."""
    busy, started = _busy_seconds(), time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(proc.stderr), daemon=True)
    reader.start()
    peak, stopped = 0.0, None
    while True:
        try:
            proc.wait(timeout=0.5)  # returns as soon as the child ends, so wall time is not rounded up
            break
        except subprocess.TimeoutExpired:
            pass
        rss = _rss_gib(proc.pid)
        peak = max(peak, rss)
        if rss > MAX_RSS_GIB or time.perf_counter() - started > CHILD_TIMEOUT:
            stopped = f"stopped at {rss:.1f} GiB RSS after {time.perf_counter() - started:.0f} s"
            proc.kill()
    out = proc.stdout.read()
    proc.wait()
    reader.join(timeout=5)
    wall = time.perf_counter() - started
    if stopped or proc.returncode != 0:
        stage = next((line.strip() for line in reversed(err) if line.strip()), "?")
        return {
            "failed": f"{stopped or 'exit ' + str(proc.returncode)}, during: {stage[:200]}",
            "wall_s": wall,
            "peak_rss_mb": peak * 1024,
            "cpu_s": float("nan"),
            "others_cores": float("nan"),
        }
    result = json.loads(out.strip().splitlines()[-1])
    others = max(0.0, _busy_seconds() - busy - result["cpu_s"]) / wall
    return {**result, "wall_s": wall, "others_cores": others}


def _rss_gib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 2**20
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def prepare(size: str) -> Path:
    return corpora.prepare(size)


def dedupe_quality(root: Path) -> tuple[float, float] | None:
    """(recall, precision) of merged pairs against the planted pairs, from the build report's merges."""
    planted_path = root / "planted_duplicates.csv"
    if not planted_path.exists():
        return None
    fold = lambda t: " ".join(t.split())  # the parser folds white space the same way  # noqa: E731
    with open(planted_path, newline="", encoding="utf-8") as handle:
        planted = [(fold(a), fold(b)) for a, b in list(csv.reader(handle))[1:]]
    from lib.reading import store

    report = store.read_report(store.data_dir(root).report_path)
    row_of: dict[str, int] = {}
    predicted = 0
    for i, merge in enumerate(report.merges):
        for title in merge.title_variants or [merge.title]:
            row_of[fold(title)] = i
        m = merge.n_records
        predicted += m * (m - 1) // 2
    found = sum(1 for a, b in planted if a in row_of and row_of[a] == row_of.get(b))
    return found / max(len(planted), 1), found / predicted if predicted else 1.0


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = (
        int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
        / 2**20
    )
    git = ["git", "--no-optional-locks", "-C", str(ROOT)]
    commit = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(git + ["status", "--porcelain", "--", "lib"], capture_output=True, text=True).stdout
    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem, 1),
        "load": os.getloadavg(),
        "python": platform.python_version(),
        "code": f"{commit or '?'}{' + uncommitted changes in lib/' if dirty.strip() else ''}",
    }


def measure(size: str, runs: int, peer_runs: int) -> dict:
    root = prepare(size)
    builds, serves, peers, quality, k = [], [], [], None, 16
    for r in range(runs):
        build = run_child("build", str(root))
        builds.append(build)
        if "failed" not in build:
            k, quality = build["k"], dedupe_quality(root)
            serves.append(run_child("serve", str(root)))
        if r < peer_runs:
            peers.append(run_child("peer", str(root), str(k)))
        print(
            f"  {size} run {r + 1}: build {build.get('failed') or format(build['wall_s'], '.1f') + ' s'}"
            + (f", peer {peers[-1].get('total', float('nan')):.1f} s" if r < peer_runs else ""),
            file=sys.stderr,
            flush=True,
        )
    result = {
        "size": size,
        "machine": machine(),
        "builds": builds,
        "serves": serves,
        "peers": peers,
        "quality": quality,
    }
    (OUT / f"results-{size}.json").write_text(json.dumps(result, indent=1))
    return result


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        kind, *args = argv[1:]
        fn = {"build": child_build, "serve": child_serve, "peer": child_peer}[kind]
        result = fn(Path(args[0]), *map(int, args[1:]))
        print(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", default=["seeds", "10000", "100000"])
    parser.add_argument("--runs", type=int, default=3, help="fresh-process runs per size (default 3)")
    parser.add_argument("--peer-runs", type=int, help="peer runs per size (default: --runs)")
    parser.add_argument("--max-rss-gib", type=float, default=16.0, help="stop a child past this RSS (default 16)")
    parser.add_argument("--tables", action="store_true", help="print the tables of the last saved results only")
    args = parser.parse_args(argv)
    globals()["MAX_RSS_GIB"] = args.max_rss_gib
    info = machine()
    if args.tables:
        results = [json.loads((OUT / f"results-{size}.json").read_text()) for size in args.sizes]
        info = results[0].get("machine", info)
    else:
        results = [
            measure(size, args.runs, args.runs if args.peer_runs is None else args.peer_runs) for size in args.sizes
        ]
    children = finished([c for r in results for c in r["builds"] + r["serves"] + r["peers"]])
    others = statistics.mean(c["others_cores"] for c in children) if children else float("nan")
    print(header(info, others))
    for res in results:
        print(size_table(res))
    print(summary(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
