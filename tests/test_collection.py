"""Adding a file to a collection (lib.collection): what it reports, and that a failed write changes nothing."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pandas as pd

from lib.build import build_to_disk
from lib.collection import AddOutcome, add_file, match_existing
from lib.core import schema as S
from lib.core.records import Record
from lib.reading import files, sources, store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Path(__file__).resolve().parent / "data" / "formats" / "papers.csv"


def _collection(tmp_path: Path) -> store.DataDir:
    (tmp_path / "raw").mkdir()
    shutil.copy(ROOT / "data" / "raw" / "004_bf2a305c17a77534.txt", tmp_path / "raw")
    shutil.copy(ROOT / "data" / "themes.toml", tmp_path / "themes.toml")
    data = store.data_dir(tmp_path)
    build_to_disk(data.raw_files(), data.processed, data.taxonomy, fingerprint=data.fingerprint())
    return data


def test_a_file_that_cannot_be_stored_is_reported_not_raised(tmp_path, monkeypatch):
    data = _collection(tmp_path)
    papers = store.read_papers(data.papers_path)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.tempfile, "mkstemp", disk_full)
    outcome = add_file(data, papers, "papers.csv", SAMPLE.read_bytes())
    assert not outcome.stored
    # the first write (the list of sources) fails: named, with the reason and the folder
    assert outcome.error == f"sources.json: cannot write it (No space left on device) in {data.root}"
    assert sources.list_sources(data) == [] and not any(data.sources.glob("*"))
    assert not data.is_stale()  # the collection is as it was


def test_a_stored_file_is_listed_with_what_it_adds(tmp_path):
    data = _collection(tmp_path)
    outcome = add_file(data, store.read_papers(data.papers_path), "papers.csv", SAMPLE.read_bytes())
    assert outcome.stored and outcome.error is None
    assert (outcome.n_records, outcome.n_new, outcome.n_merged) == (3, 3, 0)
    (entry,) = sources.list_sources(data)
    assert (entry["name"], entry["format"], entry["records"]) == ("papers.csv", "csv", 3)
    assert data.is_stale()  # the next load rebuilds with it


def test_a_shared_doi_counts_as_a_merge_only_when_the_titles_name_one_work():
    papers = pd.DataFrame(
        {
            S.PAPER_ID: ["p1"],
            S.TITLE: ["Handbook of Wetland Birds"],
            S.ARXIV_ID: [None],
            S.DOI: ["10.9999/978-3-999-00001-1"],
        }
    )
    chapter = Record("Field Methods for Counting Wrens", "", "new.bib", 1, doi="10.9999/978-3-999-00001-1")
    same = Record("Handbook of wetland birds", "", "new.bib", 9, doi="10.9999/978-3-999-00001-1")
    assert match_existing(papers, [chapter, same]) == [None, ("p1", "DOI")]


def test_an_upload_outcome_writes_its_counts_with_thousands_separators():
    outcome = AddOutcome("lab-export.csv", stored=True, n_records=51_000, n_new=49_843, n_merged=1_157)
    assert outcome.summary() == "lab-export.csv: 49,843 new, 1,157 merged into existing papers"
