"""Findings 2, 17 and 18: a build runs in a child under limits and leaves the collection as it was when it fails,
while other visitors keep being served; text that could spoof a reader or a spreadsheet is neutralised."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib import build_job
from lib.build import build_to_disk
from lib.explore.export import to_csv
from lib.reading import store
from lib.reading.files import file_lock
from lib.reading.formats import read_bytes

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGE = ROOT / "data" / "raw" / "004_bf2a305c17a77534.txt"
CSV = (
    b"title,abstract\nA Fresh Paper on Sparse Retrieval,This abstract is long enough to read as prose. It says more.\n"
)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("template")
    (root / "raw").mkdir()
    shutil.copy(PAGE, root / "raw")
    shutil.copy(ROOT / "data" / "themes.toml", root / "themes.toml")
    data = store.data_dir(root)
    build_to_disk(data.raw_files(), data.processed, data.taxonomy, fingerprint=data.fingerprint())
    return root


@pytest.fixture
def data(template, tmp_path) -> store.DataDir:
    return store.data_dir(shutil.copytree(template, tmp_path / "atlas"))


def snapshot(data: store.DataDir) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(data.processed.iterdir()) if p.is_file() and p.suffix != ".lock"}


@pytest.mark.parametrize(
    "limits, why",
    [
        (build_job.Limits(memory_mb=200), "MB of memory a build may use"),
        (build_job.Limits(timeout_s=1.0), "took longer than the"),
    ],
)
def test_2_a_build_over_its_limits_leaves_the_collection_as_it_was_and_says_why(data, limits, why):
    before = snapshot(data)
    (data.raw / "more.csv").write_bytes(CSV)
    jobs = build_job.CollectionJobs(data.root, limits=limits)
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_build_lock, args=(data, release, 60.0, held))
    if limits.timeout_s < 60:
        # A build that cannot finish in time: it waits for this lock, held from before it starts until it is
        # stopped (a small build finishes inside the limit, and a child can be slow to start on a busy machine).
        holder.start()
        assert held.wait(30)
    try:
        assert jobs.ensure().started
        status = jobs.wait_idle()
    finally:
        release.set()
        if holder.is_alive():
            holder.join()
    assert why in status.failure and status.usable and not status.running
    assert snapshot(data) == before  # not a file of the served build changed
    assert [p.name for p in data.processed.iterdir() if p.name.startswith(".next")] == []  # staging removed
    assert jobs.ensure().failure == status.failure and not jobs.status().running  # not retried on every visit


def test_2_another_visitor_is_served_the_last_build_while_one_runs(data, monkeypatch):
    monkeypatch.setenv(store.ENV_VAR, str(data.root))
    visitor = AppTest.from_file(APP, default_timeout=60).run()
    assert any(m.value.startswith("Showing **72**") for m in visitor.markdown)
    (data.raw / "more.csv").write_bytes(CSV)
    jobs = build_job.jobs_for(data)
    release = threading.Event()
    holder = threading.Thread(target=_hold_build_lock, args=(data, release))
    holder.start()  # the build waits for this lock: it is certainly running while the visitor looks
    try:
        time.sleep(0.2)
        jobs.ensure()
        started = time.perf_counter()
        visitor.run()
        assert time.perf_counter() - started < 15
        assert jobs.status().running
        assert any(m.value.startswith("Showing **72**") for m in visitor.markdown)
        assert any(i.value.startswith("Updating the collection") for i in visitor.info)
    finally:
        release.set()
        holder.join()
    jobs.wait_idle()
    visitor.run()
    assert any(m.value.startswith("Showing **73**") for m in visitor.markdown)
    assert not [i for i in visitor.info if i.value.startswith("Updating")]


def test_2_a_new_build_slow_to_load_is_loaded_in_the_background_while_visitors_see_the_last(data, monkeypatch):
    """When a rebuild lands, the visitors' runs do not wait on loading it (seconds for a large collection, during
    which every run would queue behind the one loading): they are served the last build, with a note, until the
    new one is in memory, and then see it."""
    monkeypatch.setenv(store.ENV_VAR, str(data.root))
    visitor = AppTest.from_file(APP, default_timeout=60).run()
    assert any(m.value.startswith("Showing **72**") for m in visitor.markdown)
    (data.raw / "more.csv").write_bytes(CSV)
    build_job.jobs_for(data).ensure()
    build_job.jobs_for(data).wait_idle()
    release, read = threading.Event(), store.read_served

    def slow_read(data_dir):  # the new table takes its time to load
        release.wait(30)
        return read(data_dir)

    monkeypatch.setattr(store, "read_served", slow_read)
    try:
        started = time.perf_counter()
        visitor.run()
        assert time.perf_counter() - started < 10  # not held up by the load
        assert any(m.value.startswith("Showing **72**") for m in visitor.markdown)
        assert any(i.value.startswith("Loading the new build") for i in visitor.info)
    finally:
        release.set()
    for _ in range(100):  # the load finishes in the background; the next run shows the new build
        visitor.run()
        if any(m.value.startswith("Showing **73**") for m in visitor.markdown):
            break
        time.sleep(0.1)
    assert any(m.value.startswith("Showing **73**") for m in visitor.markdown)
    assert not [i for i in visitor.info if i.value.startswith(("Loading the new build", "Updating"))]
    assert not visitor.exception


def _hold_build_lock(
    data: store.DataDir, release: threading.Event, longest: float = 60.0, held: threading.Event | None = None
) -> None:
    with file_lock(data.processed / build_job.BUILD_LOCK):
        if held is not None:
            held.set()
        release.wait(longest)


def test_17_titles_made_only_of_punctuation_are_not_one_paper():
    result = read_bytes(b"title,abstract\n???,a\n---,b\n...,c\nA real title,d\n", "p.csv")
    assert [r.title for r in result.records] == ["A real title"]
    assert [(i.line, i.reason) for i in result.issues] == [
        (n, "title has no letters or digits; skipped") for n in (2, 3, 4)
    ]


def test_18_direction_overrides_and_zero_width_spaces_leave_titles_and_names():
    text = "title,authors\nInvoice\u202egpj.exe,\u202eAnn Lee; Bo\u200b Kim\n"
    (record,) = read_bytes(text.encode(), "p.csv").records
    assert record.title == "Invoicegpj.exe" and record.authors == ("Ann Lee", "Bo Kim")


@pytest.mark.parametrize("cell", ['＝HYPERLINK("x")', "\u200b=1+1", " \u2060@SUM(A1)", "\ufeff+cmd", "＋1"])
def test_18_the_csv_download_neutralises_hidden_and_fullwidth_formula_starts(seed_papers, cell):
    papers = seed_papers.head(1).assign(title=[cell])
    title = to_csv(papers).decode("utf-8-sig").splitlines()[1].split(",")[1]
    assert title.strip('"').startswith("'"), title


def test_a_build_the_app_runs_can_be_searched_by_meaning(data, monkeypatch):
    """The build a visitor's first load (or an upload) starts is moved in whole: the index search by meaning reads
    comes with the table, as it does from `python -m lib.build`."""
    from lib.explore.meaning import MeaningIndex

    shutil.rmtree(data.processed)
    jobs = build_job.CollectionJobs(data.root)
    assert jobs.ensure().started
    assert jobs.wait_idle().usable
    saved = store.read_meaning(data.processed)
    assert saved is not None, "the app's build has no meaning index"
    ids = store.read_papers(data.papers_path)["paper_id"].to_numpy(dtype=str)
    index = MeaningIndex.from_files(*saved, ids)
    assert index is not None and len(index.search("a small student network imitating a teacher").positions)
