"""Where a click's CPU goes in Chromium: the sampling profiler of the DevTools protocol over a theme pick in the
sidebar (tests/e2e/interactions.py), summed by function over REPEATS picks. "(program)" is the browser's own
work outside scripts (style, layout, paint), "(idle)" the main thread waiting.

Usage: python bench/browser_profile.py DATA_DIR [--page topics] [--repeats 4] [--top 25]
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import interactions  # noqa: E402
import settle  # noqa: E402
from served import CHROMIUM, CHROMIUM_FLAGS, serve  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a data folder the app can serve (built, or built on start)")
    parser.add_argument("--page", default="", help="the page to pick on: '' (Explore) or 'topics'")
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    spent: collections.Counter = collections.Counter()
    settled = []
    with serve(args.data.resolve()) as (url, server), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
        settle.install(page, server.pid)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        for i in range(args.repeats):
            interactions.go(page, url, args.page)  # as interactions.pick_theme, the profiler on for the click only
            name = interactions.THEMES[i % len(interactions.THEMES)]
            page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
            page.keyboard.type(name)
            option = page.get_by_role("option", name=name).first
            cdp.send("Profiler.start")
            settled.append(settle.timed(page, option.click, ready=f"({interactions.CONTENT[args.page]})").settled_ms)
            profile = cdp.send("Profiler.stop")["profile"]
            page.keyboard.press("Escape")
            frames = {node["id"]: node["callFrame"] for node in profile["nodes"]}
            for sample, delta in zip(profile["samples"], profile["timeDeltas"]):
                frame = frames[sample]
                where = frame["url"].rsplit("/", 1)[-1]
                spent[(frame["functionName"] or "(anonymous)", where)] += delta / 1000 / args.repeats
        browser.close()
    print(f"{args.repeats} picks, settled in {sorted(settled)} ms; CPU ms per pick:")
    busy = sum(ms for (name, _), ms in spent.items() if name != "(idle)")
    print(f"busy (everything but idle): {busy:.0f} ms a pick\n| ms | function | script |\n|---|---|---|")
    for (name, where), ms in spent.most_common(args.top):
        print(f"| {ms:.1f} | {name} | {where} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
