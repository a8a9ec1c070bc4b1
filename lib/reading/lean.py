"""The files a large collection is served from, beside its table in processed/lean/: the filter index as arrays
(.npy, memory-mapped on reading), the folded texts and title words the search scans (uncompressed Arrow,
mapped), precomputed chart aggregates and a map sample (small Parquet and arrays), and lean.json describing
them and naming the table they were made from.

Owns only where these files are and how they are written and read; what they hold is lib.explore.lean_index's.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

from lib.core.errors import WriteError
from lib.reading.files import fresh_folder

LEAN_DIR = "lean"
DESCRIPTION = "lean.json"
TEXTS_FILE, WORDS_FILE = "texts.arrow", "words.arrow"
VERSION = 1  # of the layout: a folder of another version is not read (the app then loads the table whole)


@dataclass(frozen=True)
class Lean:
    """A lean folder as read: its description, its arrays (memory-mapped, read-only), the folded texts and the
    sorted title words (Arrow, mapped), and the small tables beside them."""

    meta: dict
    arrays: dict[str, np.ndarray]
    texts: pa.Table
    words: pa.Array
    tables: dict[str, pa.Table]


def served_stamp(served: Path) -> list[int] | None:
    """What identifies the served table a lean folder was made from: its size and modification time (a build's
    files keep them when it is moved into place)."""
    try:
        stat = served.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def write_lean(
    out_dir: Path,
    served: Path,
    meta: dict,
    arrays: dict[str, np.ndarray],
    texts: pa.Table,
    words: pa.Array,
    tables: dict[str, pa.Table],
) -> Path:
    """Write out_dir/lean/ for the served table at `served` (written first): into a fresh folder that then takes
    the old one's place, so a reader sees the old folder or the new one, never a mix."""
    target, fresh = out_dir / LEAN_DIR, None
    try:
        fresh = fresh_folder(out_dir, LEAN_DIR)
        for name, array in arrays.items():
            np.save(fresh / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        feather.write_feather(texts, fresh / TEXTS_FILE, compression="uncompressed", chunksize=max(len(texts), 1))
        words_table = pa.table({"word": words})
        feather.write_feather(words_table, fresh / WORDS_FILE, compression="uncompressed", chunksize=max(len(words), 1))
        for name, table in tables.items():
            pq.write_table(table, fresh / f"{name}.parquet")
        description = {**meta, "version": VERSION, "served": served_stamp(served), "tables": sorted(tables)}
        (fresh / DESCRIPTION).write_text(json.dumps(description, ensure_ascii=False), encoding="utf-8")
        old = out_dir / f".{LEAN_DIR}.old"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            os.replace(target, old)
        os.replace(fresh, target)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise WriteError.from_os_error(target, exc) from exc
    finally:
        if fresh is not None:
            shutil.rmtree(fresh, ignore_errors=True)  # left only when the swap failed
    return target


def read_lean(out_dir: Path, served: Path) -> Lean | None:
    """The lean folder of the build in `out_dir`, mapped; None when there is none, it is of another layout, it
    was made from another table than the one at `served`, or a file of it cannot be read."""
    folder = out_dir / LEAN_DIR
    try:
        meta = json.loads((folder / DESCRIPTION).read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("version") != VERSION or meta.get("served") != served_stamp(served):
            return None
        arrays = {p.stem: np.load(p, mmap_mode="r", allow_pickle=False) for p in sorted(folder.glob("*.npy"))}
        texts = feather.read_table(folder / TEXTS_FILE, memory_map=True)
        words = feather.read_table(folder / WORDS_FILE, memory_map=True).column("word").combine_chunks()
        tables = {name: pq.read_table(folder / f"{name}.parquet") for name in meta.get("tables", [])}
    except (OSError, UnicodeDecodeError, ValueError, pa.ArrowException):
        return None
    if texts.num_rows != meta.get("n"):
        return None
    return Lean(meta, arrays, texts, words, tables)


def lean_size(out_dir: Path) -> int:
    """Bytes the lean folder of `out_dir` takes on disk (0 when there is none)."""
    folder = out_dir / LEAN_DIR
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) if folder.is_dir() else 0
