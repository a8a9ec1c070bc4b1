"""Where a page's rerun spends its time: each page driven through AppTest on a built corpus, the script's own
thread profiled with cProfile, and the heaviest calls printed (cumulative time per rerun).

It times what the server does for one click (the script run, including turning elements into messages),
not the browser's part; bench/browser_latency.py measures the whole click.

Usage: python bench/profile_pages.py [DATA_DIR] [--top 25]   (default: bench/out/latency-seeds)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5


class _Profiled:
    """Every script run profiles itself in its own thread (runs happen off the main thread) into `current`."""

    current: cProfile.Profile | None = None

    @classmethod
    def install(cls) -> None:
        from streamlit.runtime.scriptrunner import script_runner

        original = script_runner.ScriptRunner._run_script

        def run(self, *args, **kwargs):
            profile = cls.current
            if profile is None:
                return original(self, *args, **kwargs)
            profile.enable()
            try:
                return original(self, *args, **kwargs)
            finally:
                profile.disable()

        script_runner.ScriptRunner._run_script = run


def scenarios(at):
    """(name, action) pairs: each action changes one thing and reruns, as a click would."""
    themes = iter(["pruning", "quantization", "lora", "distillation", "diffusion", "moe", "nas"] * 3)
    queries = iter(["knowledge distillation", "vision transformer", "diffusion", "pruning", "attention"] * 3)
    return [
        ("Explore: pick a theme", lambda: at.sidebar.multiselect(key="f_themes").set_value([next(themes)]).run()),
        ("Explore: search", lambda: at.text_input(key="q").input(next(queries)).run()),
        ("Explore: rerun, nothing changed", lambda: at.run()),
        ("Topics: rerun", lambda: at.switch_page("pages/topics.py").run()),
        ("Themes & trends: rerun", lambda: at.switch_page("pages/themes.py").run()),
        ("Data: rerun", lambda: at.switch_page("pages/data.py").run()),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=ROOT / "bench" / "out" / "latency-seeds")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    if not (args.data / "processed" / "papers.parquet").exists():
        print(f"error: {args.data} is not built; run bench/browser_latency.py first", file=sys.stderr)
        return 1
    os.environ["PAPER_ATLAS_DATA"] = str(args.data.resolve())
    sys.path.insert(0, str(ROOT))
    from streamlit.testing.v1 import AppTest

    _Profiled.install()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    for name, action in scenarios(at):
        profile = _Profiled.current = cProfile.Profile()
        walls = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            action()
            walls.append((time.perf_counter() - started) * 1000)
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("cumulative").print_stats(args.top)
        print(f"\n## {name}: {statistics.median(walls):.0f} ms a rerun (median of {REPEATS}, AppTest wall time)")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
