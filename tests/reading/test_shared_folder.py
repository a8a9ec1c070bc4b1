"""A collection shared by several people and processes: concurrent edits lose nothing (one lock), files get
ordinary permissions, leftovers of an interrupted write are cleaned, the lists kept by the app are named by file
and line when broken by hand (and never overwritten), and a damaged built table is noticed."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import stat
import threading
import time
from pathlib import Path

import pytest

from lib.build import build_to_disk
from lib.core.errors import AtlasError
from lib.reading import sources, store

ROOT = Path(__file__).resolve().parents[2]
SEED_PAGE = ROOT / "data" / "raw" / "004_bf2a305c17a77534.txt"


@pytest.fixture
def data(tmp_path) -> store.DataDir:
    (tmp_path / "raw").mkdir()
    return store.data_dir(tmp_path)


def _add(root: str, n: int) -> None:
    data = store.data_dir(root)
    sources.add_source(data, f"file-{n}.csv", f"title\nPaper {n}\n".encode(), fmt="csv", records=1, added="2026")


def _add_many(root: str, first: int, count: int) -> None:
    for n in range(first, first + count):
        _add(root, n)


def _decide_many(root: str, first: int, count: int) -> None:
    data = store.data_dir(root)
    for n in range(first, first + count):
        store.add_decisions(data, [{"records": [f"a.csv:{n}", f"b.csv:{n}"], "title": f"T{n}"}])


def test_threads_adding_sources_at_once_lose_none(data):
    threads = [threading.Thread(target=_add_many, args=(str(data.root), 10 * t, 10)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    listed = sources.list_sources(data)
    assert sorted(e["name"] for e in listed) == sorted(f"file-{n}.csv" for n in range(80))
    assert len(list(data.sources.iterdir())) == 80  # no file without its entry


def test_processes_adding_and_removing_at_once_lose_nothing(data):
    _add_many(str(data.root), 0, 10)
    doomed = [e["file"] for e in sources.list_sources(data)]
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_add_many, args=(str(data.root), 100 + 10 * w, 10)) for w in range(3)]
    workers.append(context.Process(target=_decide_many, args=(str(data.root), 0, 15)))
    for w in workers:
        w.start()
    for stored in doomed:  # meanwhile this process removes the first ten
        sources.remove_source(data, stored)
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    names = sorted(e["name"] for e in sources.list_sources(data))
    assert names == sorted(f"file-{n}.csv" for n in range(100, 130))
    assert sorted(p.name for p in data.sources.iterdir()) == sorted(e["file"] for e in sources.list_sources(data))
    assert len(store.read_decisions(data.decisions)) == 15


def test_files_are_written_with_ordinary_permissions(data):
    old = os.umask(0o022)
    try:
        _add(str(data.root), 1)
        store.add_decisions(data, [{"records": ["a:1", "b:1"]}])
        store.write_topic_model(data.processed, {"k": 1}, {"x": __import__("numpy").zeros(2)})
    finally:
        os.umask(old)
    written = [
        data.sources_manifest,
        data.decisions,
        *data.sources.iterdir(),
        *(data.processed / "topic_model").iterdir(),
    ]
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in written} == {"0o644"}
    assert oct(stat.S_IMODE((data.processed / "topic_model").stat().st_mode)) == "0o755"


def test_leftovers_of_an_interrupted_write_are_cleaned_but_a_live_one_is_kept(data):
    data.processed.mkdir()
    dead = [data.root / ".sources.json.k2j4x9q1", data.processed / ".papers.parquet.abcd1234"]
    (data.processed / ".topic_model.zz99yy88").mkdir()
    dead.append(data.processed / ".topic_model.zz99yy88")
    for path in dead[:2]:
        path.write_text("half")
    past = time.time() - 3600
    for path in dead:
        os.utime(path, (past, past))
    live = data.root / ".merge_decisions.json.q8w7e6r5"
    live.write_text("being written")
    keep = data.root / ".hidden-notes"  # not a temporary name
    keep.write_text("mine")
    os.utime(keep, (past, past))
    removed = store.clean_leftovers(data)
    assert sorted(removed) == sorted(p.name for p in dead)
    assert not any(p.exists() for p in dead) and live.exists() and keep.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (
            '[{"name": "a.csv", "file": "x-a.csv",\n "sha256": "0", "format": "csv"},\n oops]',
            "sources.json:3: not valid JSON",
        ),
        ('{"name": "a.csv"}', "sources.json: holds a JSON dict, not a list"),
        ('["a.csv"]', "sources.json: entry 1 is not a source"),
        ('[{"name": "a", "file": "../../etc/passwd", "sha256": "0", "format": "csv"}]', "names a file outside"),
        (b"[\xff]", "sources.json:1: not UTF-8 text"),
    ],
)
def test_a_broken_manifest_is_named_and_never_overwritten(data, content, message):
    _add(str(data.root), 1)
    raw = content if isinstance(content, bytes) else content.encode()
    data.sources_manifest.write_bytes(raw)
    assert message in sources.manifest_problem(data)
    with pytest.raises(AtlasError, match="sources.json"):
        _add(str(data.root), 2)
    with pytest.raises(AtlasError, match="sources.json"):
        sources.remove_source(data, "anything.csv")
    assert data.sources_manifest.read_bytes() == raw
    assert [p.name for p in data.raw_files()] == [p.name for p in data.sources.iterdir()]  # still built meanwhile


def test_a_broken_decisions_file_is_named_and_never_overwritten(data):
    data.decisions.write_text('[{"records": ["a:1", "b:1"]},\n{"records": ]')
    assert store.decisions_problem(data.decisions).startswith("merge_decisions.json:2: not valid JSON")
    with pytest.raises(AtlasError, match=r"^merge_decisions\.json:2"):
        store.add_decisions(data, [{"records": ["c:1", "d:1"]}])
    assert store.read_decisions(data.decisions) == []  # a build goes on without them


def test_files_of_an_older_version_that_the_manifest_lost_are_listed_again(data):
    _add(str(data.root), 1)
    orphan = data.sources / "abc-lost.csv"
    orphan.write_text("title\nLost\n")
    (data.sources / "notes.md").write_text("not an input")
    assert sources.adopt_unlisted(data) == ["abc-lost.csv"]
    assert [e["name"] for e in sources.list_sources(data)] == ["file-1.csv", "abc-lost.csv"]
    assert sources.adopt_unlisted(data) == []


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> store.DataDir:
    root = tmp_path_factory.mktemp("built")
    (root / "raw").mkdir()
    shutil.copy(SEED_PAGE, root / "raw")
    shutil.copy(ROOT / "data" / "themes.toml", root / "themes.toml")
    data = store.data_dir(root)
    build_to_disk(data.raw_files(), data.processed, data.taxonomy, fingerprint=data.fingerprint())
    return data


@pytest.mark.parametrize("name", ["papers.parquet", "papers.arrow"])
@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_a_damaged_built_table_makes_the_build_stale(built, tmp_path, name, damage):
    copy = store.data_dir(shutil.copytree(built.root, tmp_path / "copy"))
    assert not copy.is_stale()
    path = copy.processed / name
    content = bytearray(path.read_bytes())
    if damage == "truncate":
        content = content[: len(content) // 2]
    else:  # offsets and text in the middle of the file
        middle = len(content) // 2
        content[middle : middle + 4096] = os.urandom(4096)
    stamp = path.stat()
    path.write_bytes(bytes(content))
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1000))  # as a copy or a crash would leave it
    if damage == "garble" and name == "papers.parquet":
        # Parquet's footer survives a garbled middle; the app serves the Arrow copy, checked in full.
        assert not copy.is_stale()
    else:
        assert copy.is_stale()


def test_a_non_utf8_file_name_is_named_and_the_rest_is_built(tmp_path):
    root = tmp_path / "c"
    (root / "raw").mkdir(parents=True)
    shutil.copy(SEED_PAGE, root / "raw")
    shutil.copy(ROOT / "data" / "themes.toml", root / "themes.toml")
    (root / "raw").joinpath(os.fsdecode(b"caf\xe9.csv")).write_text("title\nA paper\n")
    data = store.data_dir(root)
    result = build_to_disk(data.raw_files(), data.processed, data.taxonomy, fingerprint=data.fingerprint())
    assert result.failed == ["caf\ufffd.csv: the file name is not UTF-8 text; rename the file"]
    assert result.report.n_papers > 50 and not data.is_stale()
    assert json.loads(data.report_path.read_text(encoding="utf-8"))  # the report holds the name, written as UTF-8
