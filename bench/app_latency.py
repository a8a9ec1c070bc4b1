"""Dashboard latency at growing corpus sizes: first render in a real browser, and the server time of a
filter change and a search. Prints one table.

For each size it prepares a data folder under bench/out/ (the seeds, or a synthetic corpus from
make_corpus.py), builds it, then
- serves it with `streamlit run` on a free loopback port and times, in headless Chromium, navigation
  to the moment the results table is drawn (first visit: cold cache; then the median of 3 fresh visits);
- drives the app in-process with AppTest and times whole script runs (server time) for a theme filter
  change, an exact search and a typo-tolerant search, median of 5 each.

Usage: python bench/app_latency.py [seeds] [N ...]     (default: seeds 100000)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import corpora  # bench/corpora.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from served import CHROMIUM, CHROMIUM_FLAGS, serve  # noqa: E402

REPEATS = 5


def prepare(size: str) -> Path:
    root = corpora.prepare(size, "latency")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "lib.build", "--quiet"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PAPER_ATLAS_DATA": str(root)},
    )
    print(f"  built {size} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return root


def browser_first_render(root: Path) -> tuple[float, float, float, float]:
    """Seconds from navigation to a drawn results table: the server's very first visit (cold caches), then
    medians of 3 visits in fresh browser profiles and of 3 visits by a returning browser (assets cached);
    last, for the returning browser, the median time to the page's first content (its heading)."""
    from playwright.sync_api import sync_playwright

    def visit(context) -> float:
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url)
        page.get_by_role("heading", name="Explore papers").wait_for(timeout=300_000)
        headings.append(time.perf_counter() - started)
        page.wait_for_selector('[data-testid="stDataFrame"] canvas', timeout=300_000)
        elapsed = time.perf_counter() - started
        page.close()
        return elapsed

    headings: list[float] = []
    with serve(root) as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        fresh = []
        for _ in range(4):
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            fresh.append(visit(context))
            context.close()
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        visit(context)
        returning = [visit(context) for _ in range(3)]
        browser.close()
    return fresh[0], statistics.median(fresh[1:]), statistics.median(returning), statistics.median(headings[-3:])


def server_times(root: Path) -> dict[str, float]:
    """Median whole-script server time (s) per interaction, from a fresh process."""
    code = f"""
import os, statistics, sys, time
os.environ["PAPER_ATLAS_DATA"] = {str(root)!r}
sys.path.insert(0, {str(ROOT)!r})
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=600)
at.run()
def timed(action):
    start = time.perf_counter(); action(); return time.perf_counter() - start
out = {{}}
out["rerun"] = statistics.median(timed(lambda: at.run()) for _ in range({REPEATS}))
choices = [["pruning"], ["quantization"]]
out["filter"] = statistics.median(
    timed(lambda i=i: at.multiselect(key="f_themes").set_value(choices[i % 2]).run()) for i in range({REPEATS}))
at.multiselect(key="f_themes").set_value([]).run()
queries = ["knowledge distillation", "pruning", "vision transformer", "diffusion", "quantized"]
out["search"] = statistics.median(timed(lambda q=q: at.text_input(key="q").input(q).run()) for q in queries)
at.segmented_control(key="search_mode").set_value("fuzzy").run()
typos = ["knowlege distilation", "atention pruning", "vison transfomer", "difusion", "quantizaton"]
out["fuzzy"] = statistics.median(timed(lambda q=q: at.text_input(key="q").input(q).run()) for q in typos)
assert not at.exception, [e.message for e in at.exception]
print(repr(out))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 - our own subprocess's repr of a dict


def main(sizes: list[str]) -> None:
    rows = []
    for size in sizes:
        print(f"{size}:", file=sys.stderr)
        root = prepare(size)
        renders = browser_first_render(root)
        server = server_times(root)
        rows.append((size, renders, server))
    print(
        f"\n{'corpus':>8} | {'table: server cold':>18} | {'fresh browser':>13} | {'returning':>9} | "
        f"{'first content':>13} | {'rerun':>7} | {'filter change':>13} | {'exact search':>12} | {'fuzzy search':>12}"
    )
    print("-" * 134)
    for size, (cold, fresh, returning, heading), s in rows:
        print(
            f"{size:>8} | {cold:>16.2f} s | {fresh:>11.2f} s | {returning:>7.2f} s | {heading:>11.2f} s | "
            f"{s['rerun'] * 1000:>4.0f} ms | "
            f"{s['filter'] * 1000:>10.0f} ms | {s['search'] * 1000:>9.0f} ms | {s['fuzzy'] * 1000:>9.0f} ms"
        )
    print(
        "\nServer times are whole script runs measured in-process (AppTest), medians of 5; first render is "
        "navigation to a drawn results table in headless Chromium."
    )


if __name__ == "__main__":
    main(sys.argv[1:] or ["seeds", "100000"])
