"""What a person waits for in the browser: click to settled page, in headless Chromium, per interaction.

For each corpus size it builds a data folder under bench/out/ (the seeds, or a synthetic corpus from
make_corpus.py), starts `streamlit run` on a free 127.0.0.1 port, and drives Chromium through each interaction
REPEATS times. A click has settled when Streamlit's own signals say so (tests/e2e/settle.py: the run it caused
finished, nothing is running or stale, the expected content is on the page, and the page stopped changing).
Each row gives the click-to-settled median, p90 and max, and the server's share (from the browser's rerun
request to the run's end). Cold start is a fresh server's first page with results.

Usage: python bench/browser_latency.py [seeds] [N ...] [--repeats 5] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import corpora  # bench/corpora.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import interactions  # noqa: E402  (tests/e2e/interactions.py: the clicks, shared with the browser tests)
import settle  # noqa: E402
from served import CHROMIUM, CHROMIUM_FLAGS, serve  # noqa: E402

VIEWPORT = {"width": 1440, "height": 1000}


def build(size: str) -> Path:
    root = corpora.prepare(size, "latency")
    if not (root / "processed" / "papers.parquet").exists():
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lib.build", "--quiet"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, env={**os.environ, "PAPER_ATLAS_DATA": str(root)})  # fmt: skip
        print(f"  built {size} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return root


def measure(root: Path, repeats: int, only: str = "") -> dict[str, list[settle.Timing]]:
    from playwright.sync_api import sync_playwright

    results: dict[str, list[settle.Timing]] = {}
    with serve(root) as (url, server), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.set_default_timeout(300_000)
        settle.install(page, server.pid)
        results["cold start to first results"] = [interactions.open_app(page, url)]
        for name, run in interactions.SCRIPT:
            if only and only.casefold() not in name.casefold():
                continue
            for i in range(repeats):
                results.setdefault(name, []).append(run(page, url, i))
        browser.close()
    return results


def measure_floor(repeats: int) -> list[settle.Timing]:
    """A pick in the bare page (bench/floor_app.py), the same way as a theme pick in the app."""
    from playwright.sync_api import sync_playwright

    timings = []
    with serve(ROOT, app=ROOT / "bench" / "floor_app.py") as (url, server), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_context(viewport=VIEWPORT).new_page()
        settle.install(page, server.pid)
        for i in range(repeats):
            page.goto(url)
            settle.settle(page, ready="!!document.querySelector('[data-testid=\"stDataFrame\"]')")
            page.locator('[data-testid="stMultiSelect"]').first.click()
            option = page.get_by_role("option", name="abcdefghij"[i % 10], exact=True)
            timings.append(settle.timed(page, option.click))
        browser.close()
    return timings


def _stats(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return statistics.median(ordered), p90, ordered[-1]


def table(size: str, n_papers: int, results: dict[str, list[settle.Timing]]) -> str:
    lines = [
        f"\n### {size} ({n_papers:,} papers), {time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.2f}",
        "",
        "| interaction | n | settled median (ms) | p90 | max | server share (ms) | runs | KiB sent "
        "| CPU ms: browser / server |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, timings in results.items():
        med, p90, top = _stats([t.settled_ms for t in timings])
        server = statistics.median(t.server_ms for t in timings)
        runs = statistics.median(t.runs for t in timings)
        kib = statistics.median(t.kib for t in timings)
        cpu = f"{statistics.median(t.browser_cpu_ms for t in timings):.0f} / " + (
            f"{statistics.median(t.server_cpu_ms for t in timings):.0f}"
        )
        lines.append(
            f"| {name} | {len(timings)} | {med:.0f} | {p90:.0f} | {top:.0f} | {server:.0f} | {runs:g} | {kib:.0f} "
            f"| {cpu} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", default=["seeds"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the raw timings here")
    parser.add_argument("--only", default="", help="only the interactions whose name holds this text")
    args = parser.parse_args(argv)
    raw = {}
    for size in args.sizes:
        root = build(size)
        report = json.loads((root / "processed" / "build_report.json").read_text(encoding="utf-8"))
        floor = {"floor: a pick in a bare page (600 rows)": measure_floor(args.repeats)}
        results = floor | measure(root, args.repeats, args.only)
        print(table(size, report["n_papers"], results), flush=True)
        raw[size] = {k: [t.__dict__ for t in v] for k, v in results.items()}
    if args.json:
        args.json.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
