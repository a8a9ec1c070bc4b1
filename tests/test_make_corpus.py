"""The synthetic benchmark corpus: every figure in bench/README.md rests on it being deterministic,
readable by the build like real pages, and honest about its planted near-duplicates."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from lib.cleaning.dedupe import dedupe
from lib.reading import store
from lib.reading.formats import read_path

ROOT = Path(__file__).resolve().parent.parent
N = 1500


def _make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "bench" / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _make(out: Path, *args: str) -> Path:
    assert _make_corpus().main([str(N), "--out", str(out), *args]) == 0
    return out


def _records(folder: Path):
    return [r for p in store.list_inputs([folder]) for r in read_path(p).records]


def _planted(folder: Path) -> list[tuple[str, str]]:
    with open(folder / "_planted_duplicates.csv", newline="", encoding="utf-8") as handle:
        return [(" ".join(a.split()), " ".join(b.split())) for a, b in list(csv.reader(handle))[1:]]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    return _make(tmp_path_factory.mktemp("pages"))


def test_the_same_seed_writes_the_same_pages_and_another_seed_does_not(pages, tmp_path):
    again = _make(tmp_path / "again")
    other = _make(tmp_path / "other", "--seed", "1")
    names = sorted(p.name for p in pages.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    assert all((pages / n).read_bytes() == (again / n).read_bytes() for n in names)
    assert (pages / "page_00000.txt").read_bytes() != (other / "page_00000.txt").read_bytes()


def test_pages_parse_like_real_listings_into_n_papers_plus_the_planted_copies(pages):
    parsed = [read_path(p) for p in store.list_inputs([pages])]
    assert not any(result.unrecognised() for result in parsed)  # both page layouts read cleanly
    records = [r for result in parsed for r in result.records]
    assert len(records) == N + len(_planted(pages))
    assert "_planted_duplicates.csv" not in {r.source for r in records}  # the answer key is not an input


def test_dedupe_finds_every_planted_near_duplicate_and_merges_nothing_else(pages):
    planted = _planted(pages)
    assert len(planted) >= 0.02 * N  # about 3 % are planted again
    result = dedupe(_records(pages))
    assert len(result.papers) == N
    paper_of = {}
    for i, merge in enumerate(result.merges):
        for title in merge.title_variants or [merge.title]:
            paper_of[" ".join(title.split())] = i
    found = sum(1 for a, b in planted if a in paper_of and paper_of[a] == paper_of.get(b))
    assert found == len(planted)


def test_parquet_output_holds_the_same_entries_as_the_pages(pages, tmp_path):
    folder = _make(tmp_path / "parquet", "--format", "parquet")
    assert [p.name for p in store.list_inputs([folder])] == ["papers.parquet"]
    as_pages = sorted((r.title, r.abstract) for r in _records(pages))
    assert sorted((r.title, r.abstract) for r in _records(folder)) == as_pages
