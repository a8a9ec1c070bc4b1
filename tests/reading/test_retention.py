"""The acceptance measure of issue 12 on the committed export shapes: for each field (dates, authors, DOIs, arXiv
ids), papers.parquet keeps at least 99% of the records that carry it. The counts in the files are made by
bench/real_exports.py with plain regexes, csv and json, never with the app's readers."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHAPES = ROOT / "tests" / "data" / "real_shapes"


def _bench():
    spec = importlib.util.spec_from_file_location("real_exports", ROOT / "bench" / "real_exports.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    bench = _bench()
    folder = tmp_path_factory.mktemp("shapes")
    for path in SHAPES.iterdir():
        if path.name != "SOURCES.md":
            shutil.copy(path, folder)
    out = []
    for path in sorted(folder.iterdir()):
        fmt, records = bench.count_file(path)
        result = bench.FileResult(path.name, fmt, records)
        bench.build_one(path, result)
        out.append((bench, result))
    return out


def test_every_shape_is_read(results):
    assert all(not r.error and r.papers == len(r.records) for _, r in results), [(r.name, r.error) for _, r in results]


@pytest.mark.parametrize("field", ["dates", "authors", "dois", "arxiv"])
def test_each_field_is_kept_for_at_least_99_percent_of_the_records_carrying_it(results, field):
    carried = sum(b.carried(raw)[field] for b, r in results for raw in r.records)
    kept = sum(r.kept[field] for _, r in results)
    assert carried >= 5  # the shapes carry every field, so the share measures something
    assert kept >= 0.99 * carried, [(r.name, r.kept[field]) for _, r in results]
