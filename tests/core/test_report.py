"""The typed build report: what a build writes is what the app reads back, and a report of another shape or
version reads as none, so the collection is rebuilt instead of shown half-understood."""

from __future__ import annotations

import dataclasses
import json

import pytest

from lib.core.report import VERSION, BuildReport, IdConflict
from lib.reading import store


def test_a_built_report_reads_back_equal(seed_build, tmp_path):
    path = tmp_path / "build_report.json"
    store.write_report(seed_build.report, path)
    again = store.read_report(path)
    assert again == seed_build.report
    assert again.topics.clusters[0].representatives == seed_build.report.topics.clusters[0].representatives
    assert isinstance(next(iter(again.topics.scores)), int)  # JSON keys are text; the report gives k back as int


def test_id_conflicts_read_back_with_which_id_was_kept_and_which_set_aside(seed_build, tmp_path):
    conflict = IdConflict("p1", "In-Context LoRA", "2410.23775", "list", "2410.15027", "text")
    arxiv = dataclasses.replace(seed_build.report.arxiv, conflicts=(conflict,))
    path = tmp_path / "build_report.json"
    store.write_report(dataclasses.replace(seed_build.report, arxiv=arxiv), path)
    (again,) = store.read_report(path).arxiv.conflicts
    assert (again.kept, again.kept_from, again.other, again.other_from) == ("2410.23775", "list", "2410.15027", "text")


def test_a_report_whose_id_conflicts_have_the_old_shape_reads_as_none(seed_build, tmp_path):
    # Before version 3 a conflict's `kept` held the text's id, which was not used; such a report is rebuilt.
    old = {"paper_id": "p1", "title": "T", "kept": "2410.15027", "kept_from": "text", "list_id": "2410.23775"}
    doc = seed_build.report.to_dict()
    doc["arxiv"]["conflicts"] = [old]
    with pytest.raises(ValueError):
        BuildReport.from_dict(doc)
    path = tmp_path / "build_report.json"
    path.write_text(json.dumps(doc | {"version": 2}), encoding="utf-8")
    assert store.read_report(path) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda doc: doc | {"version": VERSION - 1},  # written by an older Paper Atlas
        lambda doc: {k: v for k, v in doc.items() if k != "topics"},  # a key missing
        lambda doc: doc | {"n_papers": "many"},  # a value of the wrong type
        lambda doc: doc | {"inputs": {"not": "a list"}},
        lambda doc: [doc],
    ],
)
def test_a_report_of_another_shape_reads_as_none_so_the_collection_is_rebuilt(seed_build, tmp_path, change):
    path = tmp_path / "build_report.json"
    path.write_text(json.dumps(change(seed_build.report.to_dict())), encoding="utf-8")
    assert store.read_report(path) is None
    with pytest.raises(ValueError):
        BuildReport.from_dict(json.loads(path.read_text(encoding="utf-8")))


def test_unreadable_report_files_read_as_none(tmp_path):
    assert store.read_report(tmp_path / "missing.json") is None
    (tmp_path / "cut.json").write_text('{"n_records": 7', encoding="utf-8")
    assert store.read_report(tmp_path / "cut.json") is None
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    assert store.read_report(tmp_path / "binary.json") is None


def test_unknown_keys_from_a_newer_writer_are_ignored(seed_build, tmp_path):
    doc = seed_build.report.to_dict() | {"something_new": [1, 2, 3]}
    assert BuildReport.from_dict(doc) == seed_build.report
    assert dataclasses.asdict(BuildReport.from_dict(doc)) == seed_build.report.to_dict()
