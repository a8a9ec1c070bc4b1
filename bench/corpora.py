"""The corpus folders the benchmarks run on: bench/out/PREFIX-SIZE/ with raw/, themes.toml and
arxiv_ids.csv (copied from data/) and, for synthetic sizes, planted_duplicates.csv beside raw/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def prepare(size: str, prefix: str = "corpus") -> Path:
    """The folder for `size` ("seeds" or a number of papers), made once and reused afterwards."""
    root = OUT / f"{prefix}-{size}"
    if not (root / "raw").exists():
        if size == "seeds":
            shutil.copytree(ROOT / "data" / "raw", root / "raw")
        else:
            subprocess.run(
                [sys.executable, str(ROOT / "bench" / "make_corpus.py"), size, "--out", str(root / "raw")],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            for name in ("_planted_duplicates.csv", "planted_duplicates.csv"):  # the name differs across versions
                if (root / "raw" / name).exists():
                    shutil.move(root / "raw" / name, root / "planted_duplicates.csv")
        for name in ("themes.toml", "arxiv_ids.csv"):
            shutil.copy(ROOT / "data" / name, root / name)
    return root
