"""What a person waits for in the browser: click to settled page, in headless Chromium, per interaction.

For each corpus size it builds a data folder under bench/out/ (the seeds, or a synthetic corpus from
make_corpus.py), starts `streamlit run` on a free 127.0.0.1 port, and drives Chromium through each interaction
REPEATS times. A click has settled when Streamlit's own signals say so (tests/e2e/settle.py: the run it caused
finished, nothing is running or stale, the expected content is on the page, and the page stopped changing). It is
timed from the press, as the page's pointer or key event stamps it: what Playwright does before the press reaches
the page (finding the element, waiting for it, scrolling it into view: 40-100 ms a click) is no person's wait, and
is shown apart as "driver".
Each row gives the click-to-settled median, p90 and max, and the server's share (from the browser's rerun
request to the run's end). Cold start is a fresh server's first page with results.

With `--code CHECKOUT` (another checkout of Paper Atlas, e.g. `git worktree add /tmp/before <commit>`), each
size is measured for that code ("before", its own build in bench/out/latency-before-SIZE) and for this one
("after") in the same run, alternating repetition by repetition, and the table puts them side by side. With
`--built DIR` as well, both serve that one folder, for a change that leaves what the build writes as it was.

Usage: python bench/browser_latency.py [seeds] [N ...] [--repeats 5] [--json OUT] [--code CHECKOUT] [--built DIR]
       [--only TEXT ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import corpora  # bench/corpora.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import interactions  # noqa: E402  (tests/e2e/interactions.py: the clicks, shared with the browser tests)
import settle  # noqa: E402
from served import CHROMIUM, CHROMIUM_FLAGS, serve  # noqa: E402

VIEWPORT = {"width": 1440, "height": 1000}


def build(size: str, code: Path = ROOT) -> Path:
    """The data folder for `size`, built by `code` with the taxonomy in the form that code reads; built every
    time, so the app starts on a build of exactly these inputs (a stale one would be rebuilt in the cold start)."""
    root = corpora.prepare(size, "latency" if code == ROOT else "latency-before")
    for name in ("themes.toml", "arxiv_ids.csv"):
        shutil.copy(code / "data" / name, root / name)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lib.build", "--quiet"], cwd=code, check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "PAPER_ATLAS_DATA": str(root)})  # fmt: skip
    print(f"  built {size} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return root


def measure(
    setups: dict[str, tuple[Path, Path]], repeats: int, only: tuple[str, ...] = ()
) -> dict[str, dict[str, list]]:
    """Each setup (label -> data folder, app.py) served at once, each interaction run on one after the other
    repetition by repetition, so a change in the machine's load touches them alike."""
    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, list[settle.Timing]]] = {label: {} for label in setups}
    with ExitStack() as stack, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        pages = {}
        for label, (root, app) in setups.items():
            url, server = stack.enter_context(serve(root, app=app))
            page = browser.new_context(viewport=VIEWPORT).new_page()
            page.set_default_timeout(300_000)
            settle.install(page, server.pid)
            pages[label] = (page, url)
        for label, (page, url) in pages.items():
            results[label]["cold start to first results"] = [interactions.open_app(page, url)]
        for name, run in interactions.SCRIPT:
            if only and not any(text.casefold() in name.casefold() for text in only):
                continue
            for i in range(repeats):
                for label, (page, url) in pages.items():
                    timing = run(page, url, i)
                    results[label].setdefault(name, []).append(timing)
                    print(f"  {label}: {name} #{i + 1}: {timing.settled_ms:.0f} ms", file=sys.stderr, flush=True)
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
        "| CPU ms: browser / server | driver (ms, not counted) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, timings in results.items():
        med, p90, top = _stats([t.settled_ms for t in timings])
        server = statistics.median(t.server_ms for t in timings)
        runs = statistics.median(t.runs for t in timings)
        kib = statistics.median(t.kib for t in timings)
        cpu = f"{statistics.median(t.browser_cpu_ms for t in timings):.0f} / " + (
            f"{statistics.median(t.server_cpu_ms for t in timings):.0f}"
        )
        driver = statistics.median(t.driver_ms for t in timings)
        lines.append(
            f"| {name} | {len(timings)} | {med:.0f} | {p90:.0f} | {top:.0f} | {server:.0f} | {runs:g} | {kib:.0f} "
            f"| {cpu} | {driver:.0f} |"
        )
    return "\n".join(lines)


def compared(size: str, n_papers: int, floor: list, before: dict[str, list], after: dict[str, list]) -> str:
    """Before and after side by side: click-to-settled median and p90, and the CPU each click cost."""
    lines = [
        f"\n### {size} ({n_papers:,} papers), {time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.2f}",
        "",
        "| interaction | n | settled median (ms): before → after | p90: before → after "
        "| CPU ms, browser: before → after | CPU ms, server: before → after |",
        "|---|---|---|---|---|---|",
    ]
    med = lambda ts, f: statistics.median(f(t) for t in ts)  # noqa: E731
    floor_ms = med(floor, lambda t: t.settled_ms)
    lines.append(f"| floor: a pick in a bare page | {len(floor)} | {floor_ms:.0f} | {_stats([t.settled_ms for t in floor])[1]:.0f} "
                 f"| {med(floor, lambda t: t.browser_cpu_ms):.0f} | {med(floor, lambda t: t.server_cpu_ms):.0f} |")  # fmt: skip
    for name, ts in after.items():
        was = before.get(name, [])
        if not was:
            continue
        cells = [
            f"{med(was, lambda t: t.settled_ms):.0f} → {med(ts, lambda t: t.settled_ms):.0f}",
            f"{_stats([t.settled_ms for t in was])[1]:.0f} → {_stats([t.settled_ms for t in ts])[1]:.0f}",
            f"{med(was, lambda t: t.browser_cpu_ms):.0f} → {med(ts, lambda t: t.browser_cpu_ms):.0f}",
            f"{med(was, lambda t: t.server_cpu_ms):.0f} → {med(ts, lambda t: t.server_cpu_ms):.0f}",
        ]
        lines.append(f"| {name} | {len(ts)} | " + " | ".join(cells) + " |")
    every = [t.driver_ms for ts in (*before.values(), *after.values()) for t in ts]
    if every:
        lines.append(
            f"\nThe driver's own work before each press, not counted: median {statistics.median(every):.0f} ms."
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", default=["seeds"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the raw timings here")
    parser.add_argument("--only", action="append", default=[], help="only the interactions whose name holds this "
                        "text (repeat it for several)")  # fmt: skip
    parser.add_argument("--code", type=Path, help="another checkout, measured beside this one as 'before'")
    parser.add_argument("--built", type=Path, help="measure this data folder as it is built, no build; with --code, "
                        "both serve it (for a change that leaves the build's output as it was)")  # fmt: skip
    args = parser.parse_args(argv)
    raw = {}
    for size in [args.built.name] if args.built else args.sizes:
        root = args.built.resolve() if args.built else build(size)
        report = json.loads((root / "processed" / "build_report.json").read_text(encoding="utf-8"))
        floor = measure_floor(args.repeats)
        setups = {"after": (root, ROOT / "app.py")}
        if args.code:
            before = root if args.built else build(size, args.code.resolve())
            setups = {"before": (before, args.code.resolve() / "app.py")} | setups
        results = measure(setups, args.repeats, tuple(args.only))
        if "before" in results:
            print(compared(size, report["n_papers"], floor, results["before"], results["after"]), flush=True)
        else:
            print(
                table(size, report["n_papers"], {"floor: a pick in a bare page (600 rows)": floor} | results["after"])
            )
        raw[size] = {label: {k: [t.__dict__ for t in v] for k, v in r.items()} for label, r in results.items()}
        raw[size]["floor"] = [t.__dict__ for t in floor]
    if args.json:
        args.json.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
