"""The one owner of Paper Atlas's files: where the data folder is, what is in it, and atomic writes.

Every other module receives paths or objects from here; nothing else joins paths under `data/`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

from lib.core import schema as S
from lib.core.errors import WriteError
from lib.core.report import BuildReport
from lib.reading.decisions import (  # noqa: F401 (the decisions are part of the collection's files)
    DECISIONS_FILE,
    add_decisions,
    apart_groups,
    decisions_beside,
    decisions_problem,
    read_decisions,
    remove_decision,
)
from lib.reading.files import atomic_write, clean_temporary, collection_lock, fresh_folder, load_json_list, write_json  # noqa: F401
from lib.reading.formats import INPUT_SUFFIXES

ENV_VAR = "PAPER_ATLAS_DATA"
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "data"
PAPERS_FILE = "papers.parquet"
# The same table as uncompressed Arrow, which the app maps into memory at start instead of decoding Parquet and
# making a Python object of every value (at 100k papers: a millisecond instead of four seconds).
SERVED_FILE = "papers.arrow"
REPORT_FILE = "build_report.json"
DETAILS_FILE = "merge_details.json"  # per merged paper: the record kept, each field's source, how joined
TOPICS_FILE = "topics.toml"  # the person's names, pins, merges and splits of topic clusters, beside themes.toml
MODEL_DIR = "topic_model"  # the saved topic model in the built outputs: model.json and one .npy per array
MEANING_DIR = "meaning_index"  # the index for search by meaning, laid out the same way


@dataclass(frozen=True)
class DataDir:
    """The layout of one collection: raw inputs, taxonomy beside them, built outputs in processed/.

    This is the one definition of what a collection is: `raw_files()` (the bundled pages, then the files the
    user added) are its inputs, and `fingerprint()` (those, the taxonomy, the id cache and the merge decisions)
    says whether a build is of it. The CLI, the app and the staleness check all go through here.
    """

    root: Path

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def taxonomy(self) -> Path:
        return self.root / "themes.toml"

    @property
    def arxiv_cache(self) -> Path:
        return self.root / "arxiv_ids.csv"

    @property
    def processed(self) -> Path:
        return self.root / "processed"

    @property
    def papers_path(self) -> Path:
        return self.processed / PAPERS_FILE

    @property
    def report_path(self) -> Path:
        return self.processed / REPORT_FILE

    @property
    def sources(self) -> Path:
        """Files the user added to the collection, stored byte for byte."""
        return self.root / "sources"

    @property
    def sources_manifest(self) -> Path:
        return self.root / "sources.json"

    @property
    def decisions(self) -> Path:
        """Merges a person undid on the Data page; every build of this collection respects them."""
        return self.root / DECISIONS_FILE

    @property
    def details_path(self) -> Path:
        return self.processed / DETAILS_FILE

    @property
    def topics(self) -> Path:
        """The person's curation of the topic clusters; every build of this collection applies it."""
        return self.root / TOPICS_FILE

    def raw_files(self) -> list[Path]:
        """Every input of the collection: the bundled pages, then the files the user added."""
        return list_inputs([self.raw]) + list_inputs([self.sources])

    def fingerprint(self) -> str:
        """Changes whenever an input, the taxonomy, the id cache, a merge decision or the topic curation is
        added, removed, edited or touched."""
        return input_fingerprint(self.raw_files() + [self.taxonomy, self.arxiv_cache, self.decisions, self.topics])

    def is_stale(self) -> bool:
        """True when nothing usable is built (none yet, or a table that is truncated or damaged: see built_ok) or
        the build was made from other inputs than those present."""
        report = read_report(self.report_path)
        if report is None or not built_ok(self, report.n_papers):
            return True
        return report.input_fingerprint != self.fingerprint()


def data_dir(root: str | os.PathLike | None = None) -> DataDir:
    """The data folder: `root`, else $PAPER_ATLAS_DATA, else the bundled `data/`."""
    chosen = root or os.environ.get(ENV_VAR) or DEFAULT_DATA
    return DataDir(Path(chosen).expanduser().resolve())


def list_inputs(paths: list[Path]) -> list[Path]:
    """Files named directly, plus the input files inside folders named, sorted by name."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if _is_input(p)))
        elif path.exists() or path.suffix:
            found.append(path)
    return found


def _is_input(path: Path) -> bool:
    # Names starting with "." or "_" are notes beside the inputs (and temporary files), not inputs.
    return path.is_file() and not path.name.startswith((".", "_")) and path.suffix.lower() in INPUT_SUFFIXES


def input_fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha1()
    for path in sorted(paths):
        try:
            stat = path.stat()
            digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode(errors="surrogateescape"))
        except (FileNotFoundError, NotADirectoryError):
            digest.update(f"{path.name}\0missing\n".encode(errors="surrogateescape"))
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_build(
    out_dir: Path,
    papers: pd.DataFrame,
    report: BuildReport,
    details: dict | None = None,
    topic_model: tuple[dict, dict] | None = None,
    meaning: tuple[dict, dict] | None = None,
) -> None:
    """Write a build's table, its merge details, its topic model and meaning index (description and arrays),
    then its report (the report last: it is what marks the build as done)."""
    write_papers(papers, out_dir / PAPERS_FILE)
    write_served(papers, out_dir / SERVED_FILE)
    text = json.dumps(details or {}, ensure_ascii=False, sort_keys=True)
    atomic_write(out_dir / DETAILS_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    if topic_model is not None:
        write_topic_model(out_dir, *topic_model)
    write_meaning(out_dir, meaning)
    write_report(report, out_dir / REPORT_FILE)


def write_meaning(out_dir: Path, meaning: tuple[dict, dict] | None) -> None:
    """Write the meaning index beside the table; with none, remove an earlier build's (of other papers)."""
    if meaning is None:
        return shutil.rmtree(out_dir / MEANING_DIR, ignore_errors=True)
    write_arrays(out_dir, MEANING_DIR, *meaning)


def read_details(data: DataDir) -> dict[str, dict]:
    """Per merged paper id: the record kept, each field's source, how the records were joined; {} when the
    build has none (built before details were written: the next build writes them)."""
    try:
        details = json.loads(data.details_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return details if isinstance(details, dict) else {}


# --- the topic model and the topic curation -----------------------------------------------------------


def topics_beside(out_dir: Path) -> Path:
    """The topics.toml of the collection whose built outputs go to `out_dir` (a collection's processed/)."""
    return out_dir.parent / TOPICS_FILE


def read_text(path: Path) -> str | None:
    """A small text file's content; None when it does not exist (other failures raise OSError)."""
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None


def write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_topic_model(out_dir: Path, meta: dict, arrays: dict) -> None:
    """Save a topic model as out_dir/topic_model/ (see write_arrays), which the next build loads memory-mapped."""
    write_arrays(out_dir, MODEL_DIR, meta, arrays)


def read_topic_model(out_dir: Path) -> tuple[dict, dict[str, np.ndarray]] | None:
    """The saved topic model's description and arrays; None when there is none (the next build clusters afresh)."""
    return read_arrays(out_dir, MODEL_DIR)


def read_meaning(out_dir: Path) -> tuple[dict, dict[str, np.ndarray]] | None:
    """The meaning index built beside the table in `out_dir` (memory-mapped); None when there is none."""
    return read_arrays(out_dir, MEANING_DIR)


def write_arrays(out_dir: Path, name: str, meta: dict, arrays: dict) -> None:
    """Save `meta` as out_dir/name/model.json and one .npy per array beside it. Written into a fresh folder that
    then takes the old one's place, so a reader sees the old arrays or the new ones, never a mix."""
    target, fresh = out_dir / name, None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fresh = fresh_folder(out_dir, name)
        for key, array in arrays.items():
            np.save(fresh / f"{key}.npy", array, allow_pickle=False)
        (fresh / "model.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        old = out_dir / f".{name}.old"
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


def read_arrays(out_dir: Path, name: str) -> tuple[dict, dict[str, np.ndarray]] | None:
    """What write_arrays saved as out_dir/name (arrays memory-mapped, read-only); None when it is not there or
    cannot be read."""
    folder = out_dir / name
    try:
        meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        arrays = {p.stem: np.load(p, mmap_mode="r", allow_pickle=False) for p in sorted(folder.glob("*.npy"))}
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return (meta, arrays) if isinstance(meta, dict) else None


def update_text(root: Path, path: Path, change: Callable[[str | None], str]) -> str:
    """Read-modify-write of a small text file of the collection in `root` (the topic curation) under the
    collection's lock, so two people saving at once both keep their change: `change(old text or None)` gives
    the new text."""
    with collection_lock(root):
        text = change(read_text(path))
        write_text(path, text)
        return text


def clean_leftovers(data: DataDir, *, built_outputs: bool = True) -> list[str]:
    """Temporary files that interrupted writes left in the collection's folders (see files.clean_temporary); the
    built outputs' folder only when `built_outputs` (the caller knows that no build is running)."""
    built = [data.processed, data.processed / MODEL_DIR, data.processed / MEANING_DIR]
    folders = [data.root, data.sources] + (built if built_outputs else [])
    return [name for folder in folders for name in clean_temporary(folder)]


def write_papers(papers: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: papers.to_parquet(tmp, index=False))


def write_served(papers: pd.DataFrame, path: Path) -> None:
    schema = S.arrow_schema(list(papers.columns))
    # An empty frame's columns are all float; there is nothing to convert, only the types to keep.
    table = pa.Table.from_pandas(papers, schema=schema, preserve_index=False) if len(papers) else schema.empty_table()
    # One chunk per column: taking a page of rows from a column in many chunks first joins it whole.
    chunk = max(len(table), 1)
    atomic_write(path, lambda tmp: feather.write_feather(table, tmp, compression="uncompressed", chunksize=chunk))


def read_served(data: DataDir | Path) -> pd.DataFrame:
    """The table built for collection `data` (or into folder `data`), mapped, every column Arrow-backed (a value
    becomes a Python object only when a row is read); from Parquet when its Arrow copy is missing or older."""
    processed = data.processed if isinstance(data, DataDir) else Path(data)
    served, papers_path = processed / SERVED_FILE, processed / PAPERS_FILE
    try:
        current = served.stat().st_mtime_ns >= papers_path.stat().st_mtime_ns
    except OSError:
        current = False
    if not current:
        return read_papers(papers_path)
    table = feather.read_table(served, memory_map=True)
    canonical = S.arrow_schema(table.column_names)
    if not table.schema.equals(canonical):  # written with nothing in some column: give it its type
        table = table.cast(canonical)
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def read_papers(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """The built table, with list columns as Python lists (Parquet hands back arrays)."""
    table = pq.read_table(path, columns=columns)
    papers = table.to_pandas()
    for name in table.column_names:
        if pa.types.is_list(table.schema.field(name).type):
            papers[name] = pd.Series(table.column(name).to_pylist(), index=papers.index, dtype=object)
    return papers


def write_report(report: BuildReport, path: Path) -> None:
    text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_report(path: Path) -> BuildReport | None:
    """The build report at `path`; None when there is none or it cannot be used (the collection is then
    rebuilt). Read once per version of the file: every page view asks whether the build is current."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _read_report(str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino)


@functools.lru_cache(maxsize=8)
def _read_report(path: str, mtime_ns: int, size: int, inode: int) -> BuildReport | None:
    try:
        return BuildReport.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, ValueError):  # JSONDecodeError is a ValueError
        return None


def built_ok(data: DataDir, n_papers: int) -> bool:
    """Whether the built table can be served: papers.parquet's footer reads and holds `n_papers` rows, and the
    Arrow copy the app maps (when it is current) is whole and valid. Checked once per version of the files, so a
    table truncated by a full disk or damaged by hand is rebuilt instead of failing every page."""
    stamps = []
    for path in (data.papers_path, data.processed / SERVED_FILE):
        try:
            stat = path.stat()
            stamps.append((stat.st_mtime_ns, stat.st_size, stat.st_ino))
        except OSError:
            stamps.append(None)
    if stamps[0] is None:
        return False
    served = stamps[1] is not None and stamps[1][0] >= stamps[0][0]
    return _built_ok(str(data.processed), n_papers, tuple(stamps), served)


@functools.lru_cache(maxsize=8)
def _built_ok(processed: str, n_papers: int, stamps: tuple, served: bool) -> bool:
    folder = Path(processed)
    try:
        if pq.read_metadata(folder / PAPERS_FILE).num_rows != n_papers:
            return False
        if served:
            with pa.memory_map(str(folder / SERVED_FILE)) as source:
                table = pa.ipc.open_file(source).read_all()
                table.validate(full=True)  # offsets and UTF-8 within bounds: a damaged copy must not be mapped
                return table.num_rows == n_papers
    except (OSError, ValueError, pa.ArrowException):
        return False
    return True


def built_stamp(data: DataDir) -> str:
    """Identifies what was built (the table and the report as they are on disk), so a cache keyed on it serves a
    rebuild made by any route at once, and never keeps an old table under a new input fingerprint."""
    parts = []
    for path in (data.papers_path, data.report_path):
        try:
            stat = path.stat()
            parts.append(f"{stat.st_mtime_ns}:{stat.st_size}:{stat.st_ino}")
        except OSError:
            parts.append("missing")
    return "|".join(parts)
