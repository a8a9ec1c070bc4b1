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
TARGETS = {"seeds": (3, 0.100, 0.020, None), "100000": (60, 0.150, 0.050, 3), "1000000": (600, 0.300, 0.300, 12)}
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
    stages = {s: t for s, t in result.timings.items() if s != "topics"}
    topic_marks = [(s.split(": ", 1)[1], t) for s, t in marks if s.startswith("Clustering topics: ")]
    for (stage, t), (_, t_next) in zip(topic_marks, topic_marks[1:]):
        stages[TOPIC_STAGES.get(stage, stage)] = t_next - t
    stages["topics (total)"] = result.timings.get("topics", 0.0)
    stages["write"] = done - imported - sum(result.timings.values())
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


def _ok(children: list[dict]) -> list[dict]:
    return [c for c in children if "failed" not in c]


def _med(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def _row(label: str, values: list[float], fmt: str) -> str:
    cells = [format(v, fmt) for v in values]
    return f"| {label} | " + " | ".join(cells) + f" | **{format(_med(values), fmt)}** |"


def _table(title: str, first: str, children: list[dict], rows: list[tuple[str, callable, str]]) -> list[str]:
    n = len(children)
    lines = [
        "",
        title,
        "",
        "| " + " | ".join([first] + [f"run {i + 1}" for i in range(n)] + ["median"]) + " |",
        "|" + "---|" * (n + 2),
    ]
    return lines + [_row(label, [get(c) for c in children], fmt) for label, get, fmt in rows]


def size_table(res: dict) -> str:
    b, s, p = _ok(res["builds"]), _ok(res["serves"]), _ok(res["peers"])
    lines = [
        f"\n### {res['size']}"
        + (f": {b[0]['n_records']} entries -> {b[0]['n_papers']} papers, k={b[0]['k']}" if b else "")
    ]
    lines += [
        f"\n- a run did not finish: {c['failed']}"
        for c in res["builds"] + res["serves"] + res["peers"]
        if "failed" in c
    ]
    if b:
        rows = [(stage, lambda c, st=stage: c["stages"].get(st, 0.0), ".2f") for stage in b[0]["stages"]]
        rows += [
            ("**full build, process wall**", lambda c: c["wall_s"], ".1f"),
            ("CPU time of the build", lambda c: c["cpu_s"], ".1f"),
            ("peak RSS (MiB)", lambda c: c["peak_rss_mb"], ".0f"),
            ("others' CPU meanwhile (cores)", lambda c: c["others_cores"], ".2f"),
        ]
        lines += _table("Build (s, fresh process each run)", "stage", b, rows)
    if res["quality"]:
        lines.append(
            f"\nDedupe on planted near-duplicates: recall {res['quality'][0]:.4f}, "
            f"pair precision {res['quality'][1]:.4f}"
        )
    if s:
        rows = [(key, lambda c, k=key: c["times"][k] * 1000, ".1f") for key in s[0]["times"]]
        rows += [
            ("RSS with table + index (MiB)", lambda c: c["rss_ready_mb"], ".0f"),
            ("peak RSS (MiB)", lambda c: c["peak_rss_mb"], ".0f"),
        ]
        lines += _table(
            "Serve (ms, in-process; median of 5 queries x 3 repeats; every search misses the search "
            "memo except 'repeated')",
            "step",
            s,
            rows,
        )
    if p:
        rows = [(stage, lambda c, st=stage: c["stages"][st], ".2f") for stage in p[0]["stages"]]
        rows += [
            ("**rerun total**", lambda c: c["total"], ".2f"),
            ("peak RSS (MiB)", lambda c: c["peak_rss_mb"], ".0f"),
        ]
        lines += _table(
            f"Peer: the naive app's work per rerun (s); it shows {p[0]['n_shown']} papers for the theme "
            "keyword + search",
            "peer stage",
            p,
            rows,
        )
    return "\n".join(lines)


def summary(results: list[dict]) -> str:
    lines = [
        "\n### Summary (medians; targets in brackets)",
        "",
        "| corpus | full build | filter + search | fuzzy title search | peak RSS build / serve | dedupe recall "
        "| peer rerun | ours / peer: interaction | ours / peer: full build |",
        "|" + "---|" * 9,
    ]

    def mark(value, limit, unit="s", scale=1) -> str:
        if limit is None or value != value:
            return ""
        return f" [<{limit * scale:g} {unit}] " + ("ok" if value < limit else "MISS")

    for res in results:
        size = res["size"]
        target = TARGETS.get(size, (None,) * 4)
        b, s, p = _ok(res["builds"]), _ok(res["serves"]), _ok(res["peers"])
        build, cpu = _med([x["wall_s"] for x in b]), _med([x["cpu_s"] for x in b])
        inter = _med([x["times"]["filter + search"] for x in s])
        fuzzy = _med([x["times"]["fuzzy search"] for x in s])
        peak_b = _med([x["peak_rss_mb"] for x in res["builds"]]) / 1024
        peak_s = _med([x["peak_rss_mb"] for x in s]) / 1024
        peer = _med([x["total"] for x in p])
        recall = "-"
        if res["quality"]:
            recall = f"{res['quality'][0]:.3f} [>=0.99] " + ("ok" if res["quality"][0] >= 0.99 else "MISS")
        failed = " (did not finish)" if len(b) < len(res["builds"]) else ""
        lines.append(
            f"| {size} | {build:.1f} s (CPU {cpu:.1f} s){mark(build, target[0])}{failed} | "
            f"{inter * 1000:.1f} ms{mark(inter, target[1], 'ms', 1000)} | "
            f"{fuzzy * 1000:.1f} ms{mark(fuzzy, target[2], 'ms', 1000)} | "
            f"{peak_b:.2f} / {peak_s:.2f} GiB{mark(max(peak_b, peak_s), target[3], 'GiB')} | {recall} | "
            f"{peer:.2f} s | {inter / peer:.5f} ({peer / inter:,.0f}x faster) | {build / peer:.1f} |"
        )
    return "\n".join(lines)


def header(info: dict, others: float) -> str:
    shared = "yes" if others > 0.3 or info["load"][0] > 1.0 else "no"
    return (
        f"Paper Atlas bench, {info['date']} · {info['cpu']} · {info['cores']} cores · {info['ram_gib']} GiB · "
        f"Python {info['python']} · code {info['code']}\nload average at start {info['load'][0]:.2f}/{info['load'][1]:.2f}/"
        f"{info['load'][2]:.2f}; other processes used {others:.2f} cores on average during our runs "
        f"-> machine shared: {shared}"
    )


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
    children = _ok([c for r in results for c in r["builds"] + r["serves"] + r["peers"]])
    others = statistics.mean(c["others_cores"] for c in children) if children else float("nan")
    print(header(info, others))
    for res in results:
        print(size_table(res))
    print(summary(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
