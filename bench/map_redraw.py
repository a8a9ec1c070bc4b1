"""What a Plotly map costs Chromium to redraw after a pick, by the number of points drawn: a bare page
(bench/map_redraw_app.py) with one multiselect and the map, the pick timed from the press to the settled page
(tests/e2e/settle.py), as bench/browser_latency.py times the app's clicks. The Topics map draws MAP_POINTS points
(lib/explore/map_image.py) over an image of every paper because of what this prints.

Usage: python bench/map_redraw.py [--repeats 5] [--points 500 1000 2000 8000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import settle  # noqa: E402
from served import CHROMIUM, CHROMIUM_FLAGS, serve  # noqa: E402

READY = "!!document.querySelector('.js-plotly-plot .main-svg')"


def measure(page, url: str, query: str, repeats: int) -> list[settle.Timing]:
    timings = []
    for i in range(repeats):
        page.goto(f"{url}/?{query}")
        settle.settle(page, ready=READY)
        page.locator('[data-testid="stMultiSelect"]').first.click()
        option = page.get_by_role("option", name="abcdefghij"[i % 10], exact=True)
        timings.append(settle.timed(page, option.click, ready="document.body.innerText.includes('picked 1')"))
    return timings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--points", type=int, nargs="*", default=[500, 1000, 2000, 8000])
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    cases = [(f"{n:,} points, the map unchanged", f"n={n}&same=1") for n in args.points[-1:]]
    cases += [(f"{n:,} points with hover texts", f"n={n}") for n in args.points]
    cases += [(f"{n:,} points, no hover texts", f"n={n}&hover=0") for n in args.points[-1:]]
    cases += [(f"{n:,} points over an image of 100,000", f"n={n}&shade=1") for n in args.points[:2]]
    print("| the pick redraws | settled median (ms) | p90 | CPU ms, browser | KiB sent |\n|---|---|---|---|---|")
    with serve(ROOT, app=ROOT / "bench" / "map_redraw_app.py") as (url, server), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
        settle.install(page, server.pid)
        for name, query in cases:
            ts = measure(page, url, query, args.repeats)
            settled = sorted(t.settled_ms for t in ts)
            print(
                f"| {name} | {statistics.median(settled):.0f} | {settled[round(0.9 * (len(settled) - 1))]:.0f} "
                f"| {statistics.median(t.browser_cpu_ms for t in ts):.0f} | {statistics.median(t.kib for t in ts):.0f} |",
                flush=True,
            )
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
