"""The app's memory, cold start and server time per interaction at growing corpus sizes, served in memory and
served lean (lib.serving), side by side. Prints one table.

For each size and path, in fresh processes:
- **server**: `streamlit run app.py` on a free 127.0.0.1 port (tests/e2e/served.py), and one websocket session
  (bench/load.py's client) that opens the Explore page: cold start is from starting the process to that page's
  run finishing; then the server's RSS (VmRSS, and the part that is not file-backed, RssAnon).
- **interactions**: the app driven in-process by AppTest: the first run (load and index), then medians of whole
  script runs for a theme pick, an exact phrase search, a typo-tolerant search and a sort change, and the
  Topics, Themes & trends and Data pages, then Topics again; the process's RSS after each and its peak.

The path is chosen with PAPER_ATLAS_LEAN_ABOVE: 0 serves lean, a billion serves in memory. A size's corpus is the
folder bench/out/corpus-SIZE (made by make_corpus.py through corpora.py and built once with `python -m lib.build`;
`python -m lib.serving DIR` adds the lean folder to a build made before lean folders existed).

Usage: python bench/lean_app.py [seeds] [N ...] [--paths memory,lean] [--no-server]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import corpora  # bench/corpora.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import served  # noqa: E402  (tests/e2e/served.py)
from load import rerun  # noqa: E402  (bench/load.py's websocket client)
from websockets.asyncio.client import connect  # noqa: E402

PATHS = {"memory": str(10**9), "lean": "0"}
REPEATS = 3


def memory_of(pid: int) -> dict[str, float]:
    """VmRSS, RssAnon, RssFile and VmHWM of a process, in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def prepare(size: str) -> Path:
    root = corpora.prepare(size)
    data = root / "processed"
    if not (data / "build_report.json").exists():
        started = time.perf_counter()
        env = {**os.environ, "PAPER_ATLAS_DATA": str(root)}
        subprocess.run(
            [sys.executable, "-m", "lib.build", "--quiet"], cwd=ROOT, check=True, env=env, stdout=subprocess.DEVNULL
        )
        print(f"  built {size} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if not (data / "lean" / "lean.json").exists():
        subprocess.run([sys.executable, "-m", "lib.serving", str(root)], cwd=ROOT, check=True, stdout=sys.stderr)
    return root


def server_cold_start(root: Path, path: str) -> dict[str, float]:
    """Seconds from starting the server to the first Explore page, and the server's memory then."""

    async def first_page(port: int) -> float:
        url = f"ws://{served.HOST}:{port}/_stcore/stream"
        async with connect(url, subprotocols=["streamlit"], max_size=None, ping_interval=None) as ws:
            seconds, seen = await rerun(ws, "")
            if seen["errors"] or "shown" not in seen:
                raise RuntimeError(f"the first page failed: {seen}")
            return seconds

    port = served.free_port()
    started = time.perf_counter()
    proc = served.start(root, port, env={"PAPER_ATLAS_LEAN_ABOVE": PATHS[path]})
    try:
        served.wait_ready(f"http://{served.HOST}:{port}", proc, timeout=300)
        ready = time.perf_counter() - started
        page = asyncio.run(first_page(port))
        return {"server ready": ready, "cold start": time.perf_counter() - started, "first page": page,
                **{f"server {k}": v for k, v in memory_of(proc.pid).items()}}  # fmt: skip
    finally:
        served.stop(proc)


INTERACTIONS = f"""
import json, os, statistics, sys, time
sys.path.insert(0, {str(ROOT)!r})
def mem():
    out = {{}}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out
started = time.perf_counter()
from streamlit.testing.v1 import AppTest
out = {{"import": time.perf_counter() - started}}
at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=900)
def timed(action):
    start = time.perf_counter(); action(); return time.perf_counter() - start
out["first run"] = timed(at.run)
out["after first run"] = mem()
def median(actions):
    return statistics.median(timed(a) for a in actions)
picks = [["pruning"], ["quantization"], ["lora"]]
out["theme pick"] = median(lambda p=p: at.multiselect(key="f_themes").set_value(p).run() for p in picks)
at.multiselect(key="f_themes").set_value([]).run()
queries = ["knowledge distillation", "vision transformer", "quantized"]
out["exact search"] = median(lambda q=q: at.text_input(key="q").input(q).run() for q in queries)
out["theme + search"] = timed(lambda: at.multiselect(key="f_themes").set_value(["pruning"]).run())
out["sort by newest"] = timed(lambda: at.selectbox(key="sort").set_value("newest").run())
at.multiselect(key="f_themes").set_value([]).run()
at.selectbox(key="sort").set_value("relevance").run()
at.segmented_control(key="search_mode").set_value("fuzzy").run()
typos = ["knowlege distilation", "atention pruning", "vison transfomer"]
out["fuzzy search"] = median(lambda q=q: at.text_input(key="q").input(q).run() for q in typos)
at.text_input(key="q").input("").run()
out["topics page"] = timed(lambda: at.switch_page("pages/topics.py").run())
out["themes page"] = timed(lambda: at.switch_page("pages/themes.py").run())
out["data page"] = timed(lambda: at.switch_page("pages/data.py").run())
out["topics again"] = timed(lambda: at.switch_page("pages/topics.py").run())
out["explore again"] = timed(lambda: at.switch_page("pages/explore.py").run())
out["after pages"] = mem()
assert not at.exception, [e.message for e in at.exception]
print(json.dumps(out))
"""


def interactions(root: Path, path: str) -> dict:
    env = {**os.environ, "PAPER_ATLAS_DATA": str(root), "PAPER_ATLAS_LEAN_ABOVE": PATHS[path]}
    result = subprocess.run(
        [sys.executable, "-c", INTERACTIONS], capture_output=True, text=True, cwd=ROOT, env=env, timeout=3600
    )
    if result.returncode:
        raise RuntimeError(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def n_papers(root: Path) -> int:
    return json.loads((root / "processed" / "build_report.json").read_text())["n_papers"]


def table(rows: list[tuple[str, str, int, dict]]) -> str:
    gib = 1024
    head = (
        "| corpus | path | cold start (server, first page) | server RSS (anon) | first run (AppTest) | theme pick | "
        "exact search | theme + search | fuzzy search | sort | Topics | Themes & trends | Data | Topics again "
        "| RSS after pages (anon) | peak RSS |"
    )
    lines = [head, "|" + "---|" * 16]
    for size, path, n, r in rows:
        ms = {k: f"{r[k] * 1000:,.0f} ms" for k in r if isinstance(r[k], float)}
        server = (
            f"{r['cold start']:.1f} s | {r['server VmRSS'] / gib:.2f} GiB ({r['server RssAnon'] / gib:.2f})"
            if "cold start" in r
            else "- | -"
        )
        after = r["after pages"]
        lines.append(
            f"| {size} ({n:,}) | {path} | {server} | {r['first run']:.1f} s | {ms['theme pick']} | "
            f"{ms['exact search']} | {ms['theme + search']} | {ms['fuzzy search']} | {ms['sort by newest']} | "
            f"{ms['topics page']} | {ms['themes page']} | {ms.get('data page', '-')} | {ms.get('topics again', '-')} | "
            f"{after['VmRSS'] / gib:.2f} GiB ({after['RssAnon'] / gib:.2f}) "
            f"| {after['VmHWM'] / gib:.2f} GiB |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", default=["seeds", "100000", "1000000"])
    parser.add_argument("--paths", default="memory,lean")
    parser.add_argument("--no-server", action="store_true", help="skip the streamlit server's cold start")
    args = parser.parse_args(argv)
    rows = []
    out = corpora.OUT / "lean-app.json"
    for size in args.sizes:
        root = prepare(size)
        for path in args.paths.split(","):
            print(f"{size} {path}…", file=sys.stderr)
            result = {} if args.no_server else server_cold_start(root, path)
            result.update(interactions(root, path))
            rows.append((size, path, n_papers(root), result))
            out.write_text(json.dumps(rows, indent=1))
            print(table(rows[-1:]), file=sys.stderr)
    print(f"\n{time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.1f}\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
