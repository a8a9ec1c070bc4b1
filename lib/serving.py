"""How the app serves a large collection in bounded memory: the build writes a lean folder beside the table (the
filter index as arrays, the folded texts the search scans, chart aggregates, a map sample), and above
`lean_threshold()` papers the app maps it instead of working the index out in its own memory.

`python -m lib.serving [DATA]` writes the lean folder of a collection that is built already (a build made before
lean folders existed; the Spark build writes its own, from the Parquet table: the Arrow copy the app maps too).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

from lib.core import schema as S
from lib.core.errors import AtlasError
from lib.describing.themes import load_taxonomy
from lib.explore import lean_index
from lib.explore.filters import PaperIndex
from lib.reading import lean, store

LEAN_ENV = "PAPER_ATLAS_LEAN_ABOVE"
# Measured (bench/lean_app.py, docs/scaling.md): at 10k papers both paths start and answer alike; at 100k the
# lean one starts in 2.9 s instead of 6.4 s and holds 0.15 GiB of its own memory instead of 0.35, with every
# interaction as fast or faster; at 1M it is what keeps a server under 3 GiB and its start under 10 s.
DEFAULT_LEAN_ABOVE = 50_000


def lean_threshold() -> int:
    """Collections of more papers than this are served lean: $PAPER_ATLAS_LEAN_ABOVE, else DEFAULT_LEAN_ABOVE
    (0 serves every collection lean, as the tests of the lean path do)."""
    try:
        return max(int(os.environ.get(LEAN_ENV, DEFAULT_LEAN_ABOVE)), 0)
    except ValueError:
        return DEFAULT_LEAN_ABOVE


def write_lean(out_dir: Path, papers: pd.DataFrame, theme_order: Sequence[str]) -> Path:
    """Write the lean folder for `papers`, the table just written to out_dir (its Arrow copy first)."""
    index = PaperIndex.from_papers(papers, orders={"themes": list(theme_order)})
    meta, arrays, texts, words = lean_index.index_parts(index)
    arrays["map_sample"] = lean_index.map_sample(papers[S.CLUSTER].to_numpy(dtype="int64"))
    tables = lean_index.aggregates(index, papers)
    return lean.write_lean(out_dir, out_dir / store.SERVED_FILE, meta, arrays, texts, words, tables)


def serves_lean(n_papers: int) -> bool:
    """Whether a collection of `n_papers` is served from its lean folder (when it has one made from its table)."""
    return n_papers > lean_threshold()


def load_index(data: store.DataDir) -> PaperIndex | None:
    """The collection's filter index from its lean folder, memory-mapped; None when it has none made from the
    table served now (the app then works the index out in memory)."""
    found = lean.read_lean(data.processed, data.processed / store.SERVED_FILE)
    return None if found is None else lean_index.lean_index(found.meta, found.arrays, found.texts, found.words)


def lean_for_collection(data: store.DataDir) -> Path:
    """Write the lean folder of the collection built in `data` as it is on disk; the Arrow copy of the table
    too when it has none or an older one."""
    if not data.papers_path.exists():
        raise AtlasError(f"{data.papers_path.name}: nothing is built in {data.processed}")
    return lean_for_folder(data.processed, load_taxonomy(data.taxonomy).ids())


def lean_for_folder(processed: Path, theme_order: Sequence[str]) -> Path:
    """Write the lean folder of the table built into `processed` (the Spark build ends here); the Arrow copy of
    the table too when it has none or an older one."""
    papers_path, served = processed / store.PAPERS_FILE, processed / store.SERVED_FILE
    if not papers_path.exists():
        raise AtlasError(f"{papers_path.name}: nothing is built in {processed}")
    if (lean.served_stamp(served) or [0, 0])[1] < papers_path.stat().st_mtime_ns:
        _served_from_parquet(papers_path, served)
    return write_lean(processed, store.read_served(processed), theme_order)


def _served_from_parquet(parquet: Path, served: Path) -> None:
    """The Arrow copy of a table written as Parquet only, converted in Arrow (no Python object per value), a
    column at a time: the table is held once, in one chunk per column, plus one column as read."""
    schema = S.arrow_schema(pq.ParquetFile(parquet).schema_arrow.names)
    columns = [pq.read_table(parquet, columns=[f.name]).column(0).cast(f.type).combine_chunks() for f in schema]
    table = pa.Table.from_arrays(columns, schema=schema)
    store.atomic_write(
        served,
        lambda tmp: feather.write_feather(table, tmp, compression="uncompressed", chunksize=max(len(table), 1)),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.serving", description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", help="the collection's folder (default: $PAPER_ATLAS_DATA, else data/)")
    args = parser.parse_args(argv)
    data = store.data_dir(args.data)
    started = time.perf_counter()
    try:
        folder = lean_for_collection(data)
    except (AtlasError, OSError, pa.ArrowException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    size = lean.lean_size(data.processed)
    print(f"wrote {folder} ({size / 2**20:,.0f} MiB) in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
