"""When a click in the browser has settled, read from Streamlit's own signals rather than fixed sleeps.

A page init script wraps `window.WebSocket` and decodes the top level of each ForwardMsg that Streamlit sends:
`new_session` (field 4) starts a run, `script_finished` (field 6) ends one, `session_status_changed` (field 9)
says whether a script is running. It also notes each BackMsg the browser sends (a click's rerun request) and
the last change to the page (a MutationObserver, and draws on a canvas, where tables are drawn; not the hidden
fallback content inside a canvas). A click has settled when a run started by it has finished,
no script is running, no element is stale, the expected content is there, and nothing changed for a while
(chained reruns start right after a finish). Shared by the browser tests and bench/browser_latency.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

INIT_SCRIPT = r"""
(() => {
  const st = window.__st = {sent: 0, lastSent: 0, finished: 0, lastFinish: 0, running: false, lastChange: 0,
                            starts: 0, errors: 0, bytes: 0, messages: 0, input: 0};
  const varint = (b, i) => { let v = 0, m = 1, x; do { x = b[i++]; v += (x & 127) * m; m *= 128; } while (x & 128);
                             return [v, i]; };
  const fields = (b) => {  // (field number, varint value | [start, end] of a length-delimited value)
    const out = []; let i = 0;
    while (i < b.length) {
      let tag; [tag, i] = varint(b, i); const f = Math.floor(tag / 8), w = tag & 7;
      if (w === 0) { let v; [v, i] = varint(b, i); out.push([f, v]); }
      else if (w === 2) { let n; [n, i] = varint(b, i); out.push([f, [i, i + n]]); i += n; }
      else if (w === 1) { i += 8; } else if (w === 5) { i += 4; } else { break; }
    }
    return out;
  };
  const read = (buffer) => {
    const b = new Uint8Array(buffer), now = performance.now();
    st.bytes += b.length; st.messages += 1;
    for (const [f, v] of fields(b)) {
      if (f === 4) { st.running = true; st.starts += 1; }
      else if (f === 6) { st.finished += 1; st.lastFinish = now; st.running = false; }
      else if (f === 9) {
        for (const [g, x] of fields(b.subarray(v[0], v[1]))) { if (g === 2) st.running = x === 1; }
      }
    }
  };
  const Native = window.WebSocket;
  function Watched(url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    if (String(url).includes("_stcore/stream")) {
      const send = ws.send.bind(ws);
      ws.send = (data) => { st.sent += 1; st.lastSent = performance.now(); return send(data); };
      ws.addEventListener("message", (ev) => {
        try {
          if (ev.data instanceof ArrayBuffer) read(ev.data);
          else if (ev.data && ev.data.arrayBuffer) ev.data.arrayBuffer().then(read);
        } catch (e) { st.errors += 1; }
      });
    }
    return ws;
  }
  Watched.prototype = Native.prototype;
  for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Watched[k] = Native[k];
  window.WebSocket = Watched;
  // A table is drawn on a canvas: a draw is a change. The canvas's fallback content (the table's hidden copy for
  // screen readers, which the grid refills a few hundred ms after it drew) is not.
  const drawn = () => { st.lastChange = performance.now(); };
  for (const name of ["fillText", "drawImage"]) {
    const native = CanvasRenderingContext2D.prototype[name];
    CanvasRenderingContext2D.prototype[name] = function (...args) { drawn(); return native.apply(this, args); };
  }
  const unseen = (node) => {
    const el = node.nodeType === 1 ? node : node.parentElement;
    return !!(el && el.closest("canvas"));
  };
  const watch = () => new MutationObserver((records) => {
    if (records.some((r) => !unseen(r.target))) st.lastChange = performance.now();
  }).observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
  if (document.documentElement) watch(); else document.addEventListener("DOMContentLoaded", watch);
  // The moment the page received the person's press (a pointer or a key), as the event stamps it: the first
  // after `st.input` was cleared.
  const pressed = (e) => { if (!st.input) st.input = e.timeStamp; };
  for (const type of ["pointerdown", "keydown"]) window.addEventListener(type, pressed, {capture: true});
})();
"""

SETTLED = """([finishedBefore, quiet, ready]) => {
  const st = window.__st, now = performance.now();
  if (!st || st.finished <= finishedBefore || st.running) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  if (ready && !(new Function("return (" + ready + ")")())) return false;
  return now - Math.max(st.lastFinish, st.lastChange) >= quiet;
}"""


@dataclass(frozen=True)
class Timing:
    settled_ms: float  # from the press (as the page's input event stamps it) to the last change before it settled
    server_ms: float  # from the browser's rerun request to the run's end: the server's share (queue included)
    runs: int  # script runs the action caused
    kib: float = 0.0  # what the server sent the browser for it
    browser_cpu_ms: float = 0.0  # the renderer's main-thread work for it (when installed with the server's pid)
    server_cpu_ms: float = 0.0  # the server process's CPU time meanwhile (likewise)
    driver_ms: float = 0.0  # before the press reached the page: the test driver's own work, which no person waits for


class CpuMeter:
    """CPU time that an action costs the browser's renderer (Chrome's TaskDuration) and the server process:
    unlike wall-clock time, neither grows when other work shares the machine."""

    def __init__(self, page, server_pid: int | None):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Performance.enable")
        self.stat = Path(f"/proc/{server_pid}/stat") if server_pid else None

    def read(self) -> tuple[float, float]:
        metrics = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        server = 0.0
        if self.stat is not None:
            fields = self.stat.read_text().rsplit(")", 1)[1].split()
            server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        return metrics.get("TaskDuration", 0.0) * 1000, server * 1000


def install(page, server_pid: int | None = None) -> None:
    """Watch the page's Streamlit connection; call before the first `goto`. With the server's pid, timings
    also count CPU time (of the browser's renderer and of the server)."""
    page.add_init_script(INIT_SCRIPT)
    if server_pid is not None:
        page.atlas_cpu = CpuMeter(page, server_pid)


def timed(
    page, action: Callable[[], None], *, ready: str = "", quiet_ms: int = 350, timeout_ms: int = 120_000
) -> Timing:
    """Run `action` (a click, a keypress, a navigation) and wait until the page has settled; `ready` is a
    JavaScript expression that must also hold (the content the action should bring)."""
    cpu = getattr(page, "atlas_cpu", None)
    cpu_before = cpu.read() if cpu else (0.0, 0.0)
    before = page.evaluate("() => { window.__st.input = 0; return {...window.__st, t: performance.now()}; }")
    action()
    page.wait_for_function(SETTLED, arg=[before["finished"], quiet_ms, ready], timeout=timeout_ms, polling=50)
    after = page.evaluate("() => ({...window.__st})")
    cpu_after = cpu.read() if cpu else (0.0, 0.0)
    pressed = after["input"] if after["input"] >= before["t"] else before["t"]  # no press (a navigation): the call
    settled = max(after["lastFinish"], after["lastChange"]) - pressed
    driver = pressed - before["t"]
    sent_at = after["lastSent"] if after["sent"] > before["sent"] else before["t"]
    server = after["lastFinish"] - max(sent_at, before["t"]) if after["sent"] > before["sent"] else settled
    kib = (after["bytes"] - before["bytes"]) / 1024
    runs = after["finished"] - before["finished"]
    cpu_spent = (cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1])
    return Timing(settled, max(server, 0.0), runs, kib, *cpu_spent, driver_ms=driver)


def settle(page, *, ready: str = "", quiet_ms: int = 350, timeout_ms: int = 120_000) -> None:
    """Wait until the page has finished every run so far and shows `ready` (after a `goto`)."""
    page.wait_for_function(SETTLED, arg=[0, quiet_ms, ready], timeout=timeout_ms, polling=50)
