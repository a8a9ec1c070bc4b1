"""Single-machine and Spark builds side by side at growing corpus sizes, and a Spark standalone cluster on loopback.

For each size (default 100000 and 1000000) the corpus is made once by bench/corpora.py, then each build runs
as `python -m lib.build RAW --out DIR --quiet [--engine spark --master URL]` in a fresh process: wall time,
the report's stage timings, and the peak RSS of the whole process tree (for Spark: the driver's Python, its
JVM and the Python workers), sampled from /proc every 0.5 s, with when it fell and how it divides among those
three parts. The Spark table is compared with the single-machine
one (same paper ids in the same order, same merges, clusters by adjusted Rand index, similar papers by top-5
overlap). With --cluster SIZE, a master and two one-core workers are started on 127.0.0.1 (bench/spark_cluster.py),
the build runs against spark://127.0.0.1:PORT, its table is compared with the local[*] Spark table (equal) and
the daemons are stopped by pid, also on failure. Results go to bench/out/spark-SIZE.json.

Usage: python bench/spark_build.py [SIZE ...] [--engine local|spark] [--cluster SIZE] [--timeout S]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import corpora  # bench/corpora.py, beside this script
import numpy as np
from spark_cluster import loopback_cluster  # bench/spark_cluster.py

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.core import schema as S  # noqa: E402
from lib.reading import store  # noqa: E402

GIB = 2**30


def tree_rss(pid: int) -> dict[str, int]:
    """Resident bytes of `pid` and all its descendants, by part: "driver" (`pid` itself), "java" (its JVM) and
    "workers" (every other descendant: Spark's Python workers and daemon)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, tail = (entry / "stat").read_text().rsplit(")", 1)
            fields = tail.split()
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            names[int(entry.name)] = head.split("(", 1)[1]
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    parts = {"driver": rss.get(pid, 0), "java": 0, "workers": 0}
    todo = list(children.get(pid, []))
    while todo:
        p = todo.pop()
        parts["java" if names.get(p) == "java" else "workers"] += rss.get(p, 0)
        todo += children.get(p, [])
    return parts


def run_build(root: Path, out: Path, engine: str, timeout: float, master: str | None = None) -> dict:
    """One build in a fresh process: exit code, wall seconds, peak RSS of its process tree, the report's timings."""
    command = [sys.executable, "-m", "lib.build", str(root / "raw"), "--out", str(out), "--quiet", "--engine", engine]
    command += ["--taxonomy", str(root / "themes.toml"), "--arxiv-cache", str(root / "arxiv_ids.csv")]
    command += ["--master", master] if master else []
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = {"total": 0, "at_s": 0.0, "parts": {}, "most": {}}  # the tree's peak, when, its parts; each part's own

    def sample() -> None:
        while child.poll() is None:
            parts = tree_rss(child.pid)
            peak["most"] = {k: max(v, peak["most"].get(k, 0)) for k, v in parts.items()}
            if sum(parts.values()) > peak["total"]:
                peak.update(total=sum(parts.values()), at_s=time.perf_counter() - started, parts=parts)
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        stdout, stderr = child.communicate()
    sampler.join()
    report = store.read_report(out / store.REPORT_FILE)
    return {
        "engine": engine,
        "master": master or ("local[*]" if engine == "spark" else None),
        "code": child.returncode,
        "wall_s": round(time.perf_counter() - started, 1),
        "peak_rss_gib": round(peak["total"] / GIB, 2),
        "peak_at_s": round(peak["at_s"], 1),  # against the stages' cumulative timings: where the peak fell
        "peak_parts_gib": {k: round(v / GIB, 2) for k, v in peak["parts"].items()},
        "most_per_part_gib": {k: round(v / GIB, 2) for k, v in peak["most"].items()},
        "driver_memory": os.environ.get("PAPER_ATLAS_SPARK_DRIVER_MEMORY", "4g") if engine == "spark" else None,
        "timings": report.timings if report else {},
        "n_papers": report.n_papers if report else None,
        "stderr_tail": stderr[-2000:] if child.returncode else "",
        "summary_head": stdout.splitlines()[:1],
    }


def compare(a_dir: Path, b_dir: Path) -> dict:
    """How the table in `b_dir` agrees with the one in `a_dir`."""
    from sklearn.metrics import adjusted_rand_score

    a, b = (store.read_papers(d / store.PAPERS_FILE) for d in (a_dir, b_dir))
    ra, rb = (store.read_report(d / store.REPORT_FILE) for d in (a_dir, b_dir))
    overlap = [len(set(x) & set(y)) / len(x) for x, y in zip(a[S.SIMILAR_IDS], b[S.SIMILAR_IDS]) if len(x)]
    same_ids = a[S.PAPER_ID].tolist() == b[S.PAPER_ID].tolist()
    differing = [c for c in S.COLUMNS if not _column_equal(a[c], b[c])] if same_ids else list(S.COLUMNS)
    return {
        "papers": [len(a), len(b)],
        "same_ids_in_order": same_ids,
        "same_merges": ra.merges == rb.merges,
        "same_issues": ra.issues == rb.issues,
        "ari": round(float(adjusted_rand_score(a[S.CLUSTER], b[S.CLUSTER])), 4),
        "similar_overlap": round(float(np.mean(overlap)), 4) if overlap else None,
        "columns_differing": differing,
        "max_xy_difference": float(max(np.abs(a[S.X] - b[S.X]).max(), np.abs(a[S.Y] - b[S.Y]).max())),
    }


def _column_equal(x, y) -> bool:
    if x.name in (S.X, S.Y):
        return bool(np.allclose(x.to_numpy(float), y.to_numpy(float), rtol=0, atol=1e-9))
    return all(
        ((p is None or p != p) and (q is None or q != q)) or bool(np.all(p == q))
        for p, q in zip(x.tolist(), y.tolist())
    )


def bench_size(size: str, timeout: float, engines: tuple[str, ...] = ("local", "spark")) -> dict:
    root = corpora.prepare(size)
    out = root / "spark-bench"
    result = {"size": size, "builds": {}}
    for engine in engines:
        print(f"{size}: {engine} build ...", flush=True)
        result["builds"][engine] = run_build(root, out / engine, engine, timeout)
        print(json.dumps(result["builds"][engine]), flush=True)
    if len(engines) < 2:
        return result
    local, spark = result["builds"]["local"], result["builds"]["spark"]
    if local["code"] in (0, 1) and spark["code"] in (0, 1):
        result["ratio_spark_to_local"] = round(spark["wall_s"] / local["wall_s"], 2)
        result["spark_vs_local"] = compare(out / "local", out / "spark")
    return result


def bench_cluster(size: str, timeout: float) -> dict:
    root = corpora.prepare(size)
    out = root / "spark-bench"
    if not (out / "spark" / store.PAPERS_FILE).exists():
        run_build(root, out / "spark", "spark", timeout)
    print(f"{size}: standalone cluster on 127.0.0.1 (a master, two one-core workers) ...", flush=True)
    started = time.perf_counter()
    with loopback_cluster(workers=2, cores=1) as url:
        up = round(time.perf_counter() - started, 1)
        build = run_build(root, out / "cluster", "spark", timeout, master=url)
    result = {"size": size, "cluster_start_s": up, "build": build}
    if build["code"] in (0, 1):
        result["cluster_vs_spark_local"] = compare(out / "spark", out / "cluster")
        result["cluster_vs_single_machine"] = (
            compare(out / "local", out / "cluster") if (out / "local").exists() else None
        )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", help="corpus sizes (default 100000 1000000, none with --cluster)")
    parser.add_argument("--cluster", help="corpus size for the loopback cluster run (seeds or N)")
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="seconds per build")
    parser.add_argument(
        "--engine",
        choices=("local", "spark"),
        help="build with this engine only (at 3M the single-machine build does not fit in 24 GiB)",
    )
    args = parser.parse_args(argv)
    engines = (args.engine,) if args.engine else ("local", "spark")
    for size in args.sizes or ([] if args.cluster else ["100000", "1000000"]):
        result = bench_size(size, args.timeout, engines)
        (corpora.OUT / f"spark-{size}.json").write_text(json.dumps(result, indent=2))
        print(json.dumps({k: v for k, v in result.items() if k != "builds"}, indent=2), flush=True)
    if args.cluster:
        result = bench_cluster(args.cluster, args.timeout)
        (corpora.OUT / f"spark-cluster-{args.cluster}.json").write_text(json.dumps(result, indent=2))
        print(json.dumps(result, indent=2), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
