"""A team on one server: 20 visitors browse while an editor uploads a 26 MB file of 50,000 papers.

Starts `streamlit run app.py` on a free 127.0.0.1 port over a copy of the bundled collection. The browsing
sessions speak Streamlit's websocket protocol (bench/load.py): each opens a shared link, then types one search
after another, timing every rerun. The editor is a real Chromium (Playwright) on the Data page: it picks the file,
clicks "Add to the collection" and waits for the outcome. The upload is read, and the collection rebuilt, in child
processes (lib.build_job); this measures what that costs the visitors meanwhile.

Reported: browsing latency (p50 / p95 / max) before, during (from the click until the new build is served) and
after the upload; how long reading the file and rebuilding took; peak memory of the server process and of the
build's children; and that nothing was lost (every browsing interaction answered without error, the collection
grew by the upload's new papers, the source is listed).

Bounded: at most 30 sessions, a deadline for the whole run; only 127.0.0.1 is contacted.

Usage: python bench/team_load.py [--sessions 20] [--papers 50000] [--megabytes 26] [--think 3] [--after 30]
                                [--deadline 900]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))

import interactions  # noqa: E402  (tests/e2e/interactions.py)
import load  # noqa: E402  (bench/load.py: one rerun over the websocket)
import served  # noqa: E402
import settle  # noqa: E402
from make_corpus import generate  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from lib.reading import sources, store  # noqa: E402

MAX_SESSIONS = 30
TERMS = ["pruning", "distillation", "diffusion", "quantized", "retrieval", "attention", "vision transformer"]


def make_upload(path: Path, n: int, target_mb: float) -> int:
    """A CSV of `n` synthetic papers (title, abstract, authors, year) of about `target_mb` MB; its size in bytes."""
    entries, _ = generate(n, seed=7, dup_rate=0.0)
    budget = int(target_mb * 2**20 / n) - 80  # what each abstract may take
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["title", "abstract", "authors", "year"])
        for i, (title, abstract) in enumerate(entries[:n]):
            writer.writerow([title, abstract[:budget], f"Author {i % 997}; Author {i % 89}", 2015 + i % 10])
    return path.stat().st_size


class TreeMemory(threading.Thread):
    """Peak RSS (MiB) of a process and, separately, of its descendants (the build's children), every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.server, self.children = pid, 0.0, 0.0
        self.halt = threading.Event()

    @staticmethod
    def rss(pid: int) -> float:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def descendants(self) -> list[int]:
        found, frontier = [], [self.pid]
        while frontier:
            parent = frontier.pop()
            try:
                kids = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
            except OSError:
                kids = []
            found += [int(k) for k in kids]
            frontier += [int(k) for k in kids]
        return found

    def run(self) -> None:
        while not self.halt.wait(0.2):
            self.server = max(self.server, self.rss(self.pid))
            self.children = max([self.children] + [self.rss(p) for p in self.descendants()])


async def rerun(ws, query: str, widgets: dict | None = None) -> tuple[float, dict]:
    """One rerun over the websocket (as bench/load.py sends it), read to its end: a run that ends early for a rerun
    the app asked for (the "updating" note reloads the page when the new build is in) is followed to the next."""
    started = time.perf_counter()
    await ws.send(load.rerun_request(query, widgets))
    seen = {"errors": 0, "text_inputs": {}, "early": True}
    while seen["early"]:
        seen.update(await _read_run(ws, seen))
    return time.perf_counter() - started, seen


async def _read_run(ws, seen: dict) -> dict:
    while True:
        fwd = load.ForwardMsg()
        fwd.ParseFromString(await asyncio.wait_for(ws.recv(), load.MESSAGE_TIMEOUT))
        kind = fwd.WhichOneof("type")
        if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
            element = fwd.delta.new_element
            if element.WhichOneof("type") == "exception":
                seen["errors"] += 1
                seen["why"] = element.exception.message[:100]
            elif element.WhichOneof("type") == "text_input":
                seen["text_inputs"][element.text_input.id] = element.text_input.label
        elif kind == "script_finished":
            early = fwd.script_finished == load.ForwardMsg.FINISHED_EARLY_FOR_RERUN
            ok = early or fwd.script_finished in (
                load.ForwardMsg.FINISHED_SUCCESSFULLY,
                load.ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
            )
            if not ok:
                seen["why"] = f"script_finished {fwd.script_finished}"
            return {"early": early, "errors": seen["errors"] + (not ok)}


async def browse(port: int, n: int, stop: asyncio.Event, log: list, think: float) -> None:
    """One visitor: open a shared link, then search for one term after another until told to stop."""
    try:
        async with connect(f"ws://{served.HOST}:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=None,
                           open_timeout=120, ping_interval=None) as ws:  # fmt: skip
            query = "theme=pruning" if n % 2 else ""
            opened, seen = await rerun(ws, query)
            box = next((w for w in seen["text_inputs"] if w.endswith("-q")), None)
            if box is None:
                log.append((time.time(), None, "no search box", True))
                return
            i = n
            while not stop.is_set():
                i += 1
                started = time.time()
                took, seen = await rerun(ws, query, {box: TERMS[i % len(TERMS)]})
                log.append((started, took, seen.get("why", "error") if seen["errors"] else None, i == n + 1))
                await asyncio.sleep(think)  # a person reads the results before the next search
    except Exception as exc:  # noqa: BLE001 - a failed session is a result
        log.append((time.time(), None, f"{type(exc).__name__}: {exc}"[:120], False))


def upload_as_editor(url: str, path: Path, marks: dict) -> None:
    """Chromium on the Data page: pick the file, add it, wait until its outcome is shown."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=served.CHROMIUM, args=served.CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.set_default_timeout(600_000)
        settle.install(page)
        page.goto(f"{url}/data")
        settle.settle(page, ready="document.body.innerText.includes('Add papers')", timeout_ms=600_000)
        interactions.choose_file(page, path, timeout_ms=600_000)
        marks["click"] = time.time()
        page.get_by_role("button", name="Add to the collection").click()
        # The outcome: the file's counts, or an error that names it.
        shown = "[...document.querySelectorAll('[data-testid=\"stAlert\"]')].map(a => a.innerText).join('\\n')"
        done = f"(({shown}).includes('merged into existing papers') || ({shown}).includes({json.dumps(path.name)}))"
        try:
            page.wait_for_function(done, timeout=600_000)
        except Exception:
            page.screenshot(
                path=str(ROOT / "bench" / "out" / "team-load-upload.png"), full_page=True
            )  # kept after the run
            marks["outcome"] = page.locator('[data-testid="stMain"]').inner_text()[-600:]
            raise
        marks["read"] = time.time()
        marks["outcome"] = page.evaluate(shown)
        browser.close()


def wait_for_build(data: store.DataDir, before: str, deadline: float) -> float | None:
    """When the collection on disk changed from `before` and is current again (the rebuild is in)."""
    while time.time() < deadline:
        if store.built_stamp(data) != before and not data.is_stale():
            return time.time()
        time.sleep(0.5)
    return None


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--papers", type=int, default=50_000)
    parser.add_argument("--megabytes", type=float, default=26.0)
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds for the whole run")
    parser.add_argument("--think", type=float, default=3.0, help="seconds a visitor reads between two searches")
    parser.add_argument("--after", type=float, default=30.0, help="seconds of browsing after the new build is in")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="atlas-team-"))
    try:
        return run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work: Path) -> int:
    deadline = time.time() + args.deadline
    root = work / "data"
    shutil.copytree(ROOT / "data" / "raw", root / "raw")
    for name in ("themes.toml", "arxiv_ids.csv"):
        shutil.copy(ROOT / "data" / name, root / name)
    data = store.data_dir(root)
    upload = work / "lab-export.csv"
    size = make_upload(upload, args.papers, args.megabytes)
    port = served.free_port()
    proc = served.start(root, port, log=open(work / "server.log", "w"))  # noqa: SIM115
    memory = TreeMemory(proc.pid)
    marks: dict = {}
    log: list = []
    try:
        served.wait_ready(f"http://{served.HOST}:{port}", proc)
        asyncio.run(load.wave(port, 1, "", "pruning"))  # builds and warms the collection
        before_n, before_stamp = store.read_report(data.report_path).n_papers, store.built_stamp(data)
        memory.start()
        editor = threading.Thread(target=upload_as_editor, args=(f"http://{served.HOST}:{port}", upload, marks))

        async def scenario() -> None:
            stop = asyncio.Event()
            sessions = [
                asyncio.create_task(browse(port, n, stop, log, args.think))
                for n in range(min(args.sessions, MAX_SESSIONS))
            ]
            await asyncio.sleep(15)  # browsing before the upload
            editor.start()
            built = await asyncio.to_thread(wait_for_build, data, before_stamp, deadline - 30)
            marks["built"] = built
            await asyncio.sleep(args.after)  # and after it
            stop.set()
            await asyncio.gather(*sessions)

        asyncio.run(scenario())
        editor.join(60)
    finally:
        memory.halt.set()
        served.stop(proc)
    after_n = store.read_report(data.report_path).n_papers
    listed = [e["name"] for e in sources.list_sources(data)]
    report(args, size, before_n, after_n, listed, marks, log, memory, work)
    return 0


def report(args, size, before_n, after_n, listed, marks, log, memory, work) -> None:
    click, built = marks.get("click"), marks.get("built")
    errors = [e for _, _, e, _ in log if e]
    print(f"Team load: {args.sessions} browsing sessions ({args.think:g} s between searches), one editor uploading "
          f"{size / 2**20:.1f} MB ({args.papers:,} papers), {time.strftime('%Y-%m-%d %H:%M')}, load average "
          f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    print("\n| phase | interactions | p50 (s) | p95 (s) | max (s) |\n|---|---|---|---|---|")
    phases = {
        "each session's first search (all opened at once)": lambda t, first: first,
        "before the upload": lambda t, first: not first and (click is None or t < click),
        "during (click to new build served)": lambda t, first: (
            not first and click is not None and t >= click and (built is None or t < built)
        ),
        "after": lambda t, first: not first and built is not None and t >= built,
    }
    for name, inside in phases.items():
        took = [d for t, d, e, first in log if d is not None and not e and inside(t, first)]
        print(
            f"| {name} | {len(took)} | {pct(took, 0.5):.2f} | {pct(took, 0.95):.2f} | {max(took, default=float('nan')):.2f} |"
        )
    if click:
        print(f"\nreading and storing the upload (click to outcome): {marks.get('read', click) - click:.1f} s; "
              f"outcome: {marks.get('outcome', '?')!r}")  # fmt: skip
    if click and built:
        print(f"rebuild served (click to new build on disk): {built - click:.1f} s")
    print(f"peak RSS: server {memory.server:.0f} MiB, build children {memory.children:.0f} MiB")
    print(f"papers before {before_n:,}, after {after_n:,}; sources listed: {listed}")
    print(
        f"browsing interactions: {sum(1 for _, d, _, _ in log if d is not None)}, failed: {len(errors)} {sorted(set(errors))[:3]}"
    )
    print(f"(server log: {work / 'server.log'}, removed after the run)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
