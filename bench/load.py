"""Loopback load test of the dashboard: concurrent sessions speaking Streamlit's websocket protocol.

Starts `streamlit run app.py` on a free 127.0.0.1 port with PAPER_ATLAS_DATA pointing at a built
corpus, opens one session to warm the shared caches (timed: the cold first render), then runs waves
of concurrent sessions. Each session connects to ws://127.0.0.1:PORT/_stcore/stream, sends a
BackMsg rerun_script whose query string carries the wave's filter (as a shared URL would), reads
ForwardMsgs until script_finished (its "open" latency), then changes the search box through a widget
state and waits for that rerun (its "interaction" latency). Per wave: p50/p95 of both, failures, and
the server's RSS before, at peak during, and after the wave.

Bounded: at most 50 sessions, a timeout per message, a deadline for the whole run (waves that would
start past it are skipped and reported). Only 127.0.0.1 is contacted.

Usage: python bench/load.py [DIR] [--sessions 50] [--waves 3] [--deadline 280]
       (more than three waves repeat the three filters, to see whether memory settles)
       (DIR: a data folder with processed/; default bench/out/corpus-100000, built by bench/run.py)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import served  # noqa: E402  (tests/e2e/served.py: the app on a loopback port)

HOST = served.HOST
MAX_SESSIONS = 50
MAX_WAVES = 10
MESSAGE_TIMEOUT = 120.0
WAVES = [  # (filter carried by the URL, what the session then types into the search box)
    ("theme=pruning", "knowledge distillation"),
    ("theme=pruning&theme=quantization&code=yes", "vision transformer"),
    ("search=fuzzy&q=atention", "atention prunin"),
]


class RssSampler(threading.Thread):
    """Samples a process's VmRSS every 0.1 s; `window()` gives the peak since the last call."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.path = Path(f"/proc/{pid}/status")
        self.peak = 0.0
        self.stop = threading.Event()

    def now(self) -> float:
        try:
            for line in self.path.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except (FileNotFoundError, ProcessLookupError):
            pass
        return 0.0

    def run(self) -> None:
        while not self.stop.wait(0.1):
            self.peak = max(self.peak, self.now())

    def window(self) -> float:
        peak, self.peak = max(self.peak, self.now()), 0.0
        return peak


def rerun_request(query_string: str, widgets: dict[str, str] | None = None) -> bytes:
    """The BackMsg a browser sends for a rerun: the page's query string and the text widgets' values."""
    msg = BackMsg()
    msg.rerun_script.query_string = query_string
    msg.rerun_script.page_script_hash = ""
    for wid, value in (widgets or {}).items():
        state = msg.rerun_script.widget_states.widgets.add()
        state.id, state.string_value = wid, value
    return msg.SerializeToString()


async def rerun(ws, query_string: str, widgets: dict[str, str] | None = None) -> tuple[float, dict]:
    """Send one rerun and read until it finishes: (seconds, what was seen)."""
    started = time.perf_counter()
    await ws.send(rerun_request(query_string, widgets))
    seen = {"bytes": 0, "errors": 0, "text_inputs": {}}
    while True:
        data = await asyncio.wait_for(ws.recv(), MESSAGE_TIMEOUT)
        seen["bytes"] += len(data)
        fwd = ForwardMsg()
        fwd.ParseFromString(data)
        kind = fwd.WhichOneof("type")
        if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
            element = fwd.delta.new_element
            which = element.WhichOneof("type")
            if which == "exception":
                seen["errors"] += 1
            elif which == "text_input":
                seen["text_inputs"][element.text_input.id] = element.text_input.label
            elif which == "markdown" and element.markdown.body.startswith("Showing"):
                seen["shown"] = element.markdown.body.replace("**", "")
        elif kind == "script_finished":
            if fwd.script_finished not in (
                ForwardMsg.FINISHED_SUCCESSFULLY,
                ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
            ):
                seen["errors"] += 1
            return time.perf_counter() - started, seen


async def session(port: int, query_string: str, typed: str) -> dict:
    """One visitor: open the shared URL, then type a search. Latencies in seconds, or an error."""
    try:
        async with connect(
            f"ws://{HOST}:{port}/_stcore/stream",
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=MESSAGE_TIMEOUT,
            ping_interval=None,
        ) as ws:
            opened, seen = await rerun(ws, query_string)
            box = next((wid for wid in seen["text_inputs"] if wid.endswith("-q")), None)
            if box is None:
                return {"error": "no search box in the first render"}
            changed, seen2 = await rerun(ws, query_string, {box: typed})
            return {
                "open": opened,
                "interaction": changed,
                "errors": seen["errors"] + seen2["errors"],
                "bytes": seen["bytes"] + seen2["bytes"],
                "shown": (seen.get("shown"), seen2.get("shown")),
            }
    except (TimeoutError, OSError, Exception) as exc:  # noqa: BLE001 - a failed session is a result
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def wave(port: int, n: int, query_string: str, typed: str) -> list[dict]:
    return await asyncio.gather(*(session(port, query_string, typed) for _ in range(n)))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=ROOT / "bench" / "out" / "corpus-100000")
    parser.add_argument("--sessions", type=int, default=MAX_SESSIONS)
    parser.add_argument("--waves", type=int, default=len(WAVES), help=f"at most {MAX_WAVES}")
    parser.add_argument("--deadline", type=float, default=280.0, help="seconds for the whole run (max 300)")
    args = parser.parse_args(argv)
    n = max(1, min(args.sessions, MAX_SESSIONS))
    deadline = time.monotonic() + min(args.deadline, 300.0)
    if not (args.data / "processed" / "papers.parquet").exists():
        print(
            f"error: {args.data} has no processed/papers.parquet; build it first (python bench/run.py)", file=sys.stderr
        )
        return 1
    port = served.free_port()
    proc = served.start(args.data.resolve(), port)
    sampler = RssSampler(proc.pid)
    rows, skipped = [], 0
    try:
        served.wait_ready(f"http://{HOST}:{port}", proc)
        sampler.start()
        idle = sampler.now()
        cold = asyncio.run(wave(port, 1, "", "pruning"))[0]
        warm_rss = sampler.window()
        for i in range(min(args.waves, MAX_WAVES)):
            query_string, typed = WAVES[i % len(WAVES)]  # past three, the filters come round again
            if time.monotonic() > deadline - 30:
                skipped += 1
                continue
            before = sampler.now()
            sampler.window()
            started = time.perf_counter()
            results = asyncio.run(asyncio.wait_for(wave(port, n, query_string, typed), deadline - time.monotonic()))
            elapsed = time.perf_counter() - started
            during = sampler.window()
            time.sleep(2.0)
            rows.append((i + 1, query_string, typed, results, elapsed, before, during, sampler.now()))
    finally:
        sampler.stop.set()
        served.stop(proc)
    print_report(args.data.name, n, cold, idle, warm_rss, rows)
    if skipped:
        print(f"\n{skipped} wave(s) skipped: the {args.deadline:.0f} s deadline was near.")
    return 0


def print_report(name: str, n: int, cold: dict, idle: float, warm_rss: float, rows: list) -> None:
    print(
        f"Load test: {name}, {n} concurrent sessions per wave, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"load average {os.getloadavg()[0]:.2f} at the end"
    )
    if "error" in cold:
        print(f"cold first render failed: {cold['error']}")
    else:
        print(
            f"cold first render (one session, empty caches): open {cold['open']:.2f} s, then a search "
            f"{cold['interaction']:.2f} s; server RSS idle {idle:.0f} MiB, after warm-up {warm_rss:.0f} MiB"
        )
    print(
        "\n| wave | URL filter | then types | ok / failed | open p50 / p95 (s) | interaction p50 / p95 (s) "
        "| wave wall (s) | MiB per session sent | server RSS before / peak / after (MiB) |"
    )
    print("|" + "---|" * 9)
    for i, query_string, typed, results, elapsed, before, during, after in rows:
        ok = [r for r in results if "error" not in r and not r["errors"]]
        failed = len(results) - len(ok)
        opened = [r["open"] for r in ok]
        changed = [r["interaction"] for r in ok]
        sent = statistics.mean(r["bytes"] for r in ok) / 2**20 if ok else float("nan")
        print(
            f"| {i} | `{query_string}` | {typed} | {len(ok)} / {failed} | {pct(opened, 0.5):.2f} / {pct(opened, 0.95):.2f} "
            f"| {pct(changed, 0.5):.2f} / {pct(changed, 0.95):.2f} | {elapsed:.1f} | {sent:.2f} | "
            f"{before:.0f} / {during:.0f} / {after:.0f} |"
        )
        for r in ok[:1]:
            saw = [str(text).replace("\\", "") for text in r["shown"]]
            print(f"|  | first session saw: {saw[0]}; then: {saw[1]} |" + "  |" * 7)
        errors = sorted({r["error"] for r in results if "error" in r})
        for e in errors[:3]:
            print(f"|  | failure: {e} |" + "  |" * 7)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
