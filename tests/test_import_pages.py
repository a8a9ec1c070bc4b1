"""Bringing your own papers through the Data page (AppTest): uploads, pasted text, merges, bad input,
duplicates and removal, with the collection checked before and after each step."""

from __future__ import annotations

import json
import shutil
import zipfile
from io import BytesIO
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from lib import build_job
from lib.build import build_to_disk
from lib.core import schema as S
from lib.reading import sources, store
from lib.reading.formats import INPUT_FORMATS, MAX_BYTES

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
FORMATS = Path(__file__).resolve().parent / "data" / "formats"
BAD = Path(__file__).resolve().parent / "data" / "bad"
SEED_PAGE = ROOT / "data" / "raw" / "004_bf2a305c17a77534.txt"


@pytest.fixture
def collection(tmp_path, monkeypatch) -> store.DataDir:
    """A small collection (one bundled page) of its own, built, for each test."""
    (tmp_path / "raw").mkdir()
    shutil.copy(SEED_PAGE, tmp_path / "raw")
    shutil.copy(ROOT / "data" / "themes.toml", tmp_path / "themes.toml")
    data = store.data_dir(tmp_path)
    build_to_disk(data.raw_files(), data.processed, data.taxonomy, fingerprint=data.fingerprint())
    monkeypatch.setenv(store.ENV_VAR, str(tmp_path))
    return data


def data_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    return at.switch_page("pages/data.py").run()


def n_papers(data: store.DataDir) -> int:
    return len(store.read_papers(data.papers_path, columns=[S.PAPER_ID]))


def settled(at: AppTest) -> AppTest:
    """The page once the rebuild that the last click started (in the background) is in."""
    build_job.jobs_for(store.data_dir()).wait_idle()
    return at.run()


def add(at: AppTest, *files: tuple[str, bytes], paste: str = "") -> AppTest:
    uploader = at.file_uploader[0]
    for name, content in files:
        uploader.upload(name, content)
    if paste:
        at.text_area[0].input(paste)
    at.button(key="add_sources").click().run()
    return settled(at)  # storing started a rebuild in the background


def messages(at: AppTest) -> tuple[list[str], list[str]]:
    clean = lambda v: v.replace("\\", "")  # noqa: E731 - markdown escapes
    added = [clean(s.value) for s in at.success if "merged into existing papers" in s.value]
    return added, [clean(e.value) for e in at.error]


def test_upload_a_csv_adds_its_papers(collection):
    before = n_papers(collection)
    at = add(data_page(), ("papers.csv", (FORMATS / "papers.csv").read_bytes()))
    ok, errors = messages(at)
    assert not errors and not at.exception
    assert ok == ["papers.csv: 3 new, 0 merged into existing papers"]
    assert n_papers(collection) == before + 3
    assert [s["name"] for s in sources.list_sources(collection)] == ["papers.csv"]
    added = store.read_papers(collection.papers_path)
    paper = added[added[S.TITLE] == "Sparse Mixture-of-Experts for Café Recommendation"].iloc[0]
    assert paper[S.AUTHORS] == ["Ana Müller", "Bo Chen"] and paper[S.PUBLISHED] == "2023-05"
    assert "moe" in paper[S.THEMES] and paper[S.CLUSTER] >= 0  # themes and clusters cover the new papers


def test_add_with_nothing_chosen_says_so_and_keeps_the_picker(collection):
    """A click on "Add" before a file has finished uploading (the picker has nothing yet) must not pass silently,
    nor give the picker a fresh key, which would drop the file still on its way up."""
    before = n_papers(collection)
    at = data_page()
    picker = at.get("file_uploader")[0].proto.id
    at.button(key="add_sources").click().run()
    assert [i.value for i in at.info if i.value.startswith("Nothing to add yet")]
    assert at.get("file_uploader")[0].proto.id == picker and not at.exception
    assert n_papers(collection) == before and sources.list_sources(collection) == []
    at = add(at, ("papers.csv", (FORMATS / "papers.csv").read_bytes()))  # the same picker then takes the file
    assert messages(at)[0] == ["papers.csv: 3 new, 0 merged into existing papers"]
    assert not [i for i in at.info if i.value.startswith("Nothing to add yet")]


def _one_paper(fmt: str, title: str, abstract: str) -> bytes:
    """A file holding one paper in input format `fmt`, written as the tools that make such files do."""
    writers = {
        "listing": lambda: f"{title}\n{abstract}\n".encode(),
        "csv": lambda: f'title,abstract\n"{title}","{abstract}"\n'.encode(),
        "tsv": lambda: f"title\tabstract\n{title}\t{abstract}\n".encode(),
        "json": lambda: json.dumps([{"title": title, "abstract": abstract}]).encode(),
        "jsonl": lambda: (json.dumps({"title": title, "abstract": abstract}) + "\n").encode(),
        "parquet": lambda: _parquet({"title": [title], "abstract": [abstract]}),
        "bibtex": lambda: f"@article{{key,\n  title = {{{title}}},\n  abstract = {{{abstract}}}\n}}\n".encode(),
        "ris": lambda: f"TY  - JOUR\nTI  - {title}\nAB  - {abstract}\nER  - \n".encode(),
        "wos": lambda: (
            f"FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI {title}\nAB {abstract}\nER\nEF\n".encode()
        ),
        "refer": lambda: f"%0 Journal Article\n%T {title}\n%X {abstract}\n".encode(),
        "medline": lambda: f"PMID- 1\nTI  - {title}\nAB  - {abstract}\n".encode(),
        "atom": lambda: (
            '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
            f"<title>{title}</title><summary>{abstract}</summary></entry></feed>"
        ).encode(),
    }
    return writers[fmt]()


def _parquet(columns: dict) -> bytes:
    out = BytesIO()
    pq.write_table(pa.table(columns), out)
    return out.getvalue()


def test_every_extension_the_data_page_accepts_grows_the_collection(collection):
    """One upload per accepted extension (all derived from the one list of input formats): each is stored,
    read by the next build, and adds its paper, whatever the extension is."""
    at = data_page()
    offered = at.file_uploader[0].proto.type
    uploads = [(fmt, ext) for fmt in INPUT_FORMATS for ext in fmt.extensions]
    assert sorted(offered) == sorted(f".{ext}" for _, ext in uploads)
    for n, (fmt, ext) in enumerate(uploads):
        before = n_papers(collection)
        title = f"Uploaded {ext} paper number {n} on sparse retrieval"
        abstract = f"This abstract of the {ext} upload is long enough to read as prose. " * 5
        at = add(at, (f"upload-{n}.{ext}", _one_paper(fmt.name, title, abstract)))
        ok, errors = messages(at)
        assert not errors and ok == [f"upload-{n}.{ext}: 1 new, 0 merged into existing papers"], (ext, errors)
        assert n_papers(collection) == before + 1, ext
        assert title in set(store.read_papers(collection.papers_path)[S.TITLE])
    assert len(sources.list_sources(collection)) == len(uploads)


def test_imported_authors_become_a_facet_in_the_sidebar(collection):
    at = data_page()
    assert not [m for m in at.sidebar.multiselect if m.key == "f_authors"]  # listing pages name no authors
    at = add(at, ("papers.csv", (FORMATS / "papers.csv").read_bytes()))
    at.switch_page("pages/explore.py").run()
    authors = at.sidebar.multiselect(key="f_authors")
    assert "Ana Müller (1)" in authors.options  # each name with its count
    authors.select("Ana Müller").run()
    assert at.query_params["author"] in ("Ana Müller", ["Ana Müller"])
    shown = at.dataframe[0].value["Title"].tolist()
    assert shown == ["Sparse Mixture-of-Experts for Café Recommendation"]


def test_imported_venues_become_a_facet_in_the_sidebar(collection):
    at = data_page()
    assert not [m for m in at.sidebar.multiselect if m.key == "f_venue"]
    at = add(at, ("papers.csv", (FORMATS / "papers.csv").read_bytes()))
    at.switch_page("pages/explore.py").run()
    venues = at.sidebar.multiselect(key="f_venue")
    assert venues.options == ["ICML (1)", "NeurIPS (1)"]  # the most papers first, ties by name
    venues.select("ICML").run()
    assert at.query_params["venue"] in ("ICML", ["ICML"])
    assert at.dataframe[0].value["Title"].tolist() == ["Protein Folding with Diffusion Models"]
    assert any("in ICML" in m.value for m in at.markdown if m.value.startswith("Showing"))


def test_repeated_papers_merge_and_the_merges_can_be_reviewed(collection):
    page = SEED_PAGE.read_text(encoding="utf-8")
    titles = page.splitlines()[10:40:4][:3]  # three titles of the page, as a CSV
    csv = "title,abstract\n" + "".join(f'"{t.upper()}",""\n' for t in titles)
    before = n_papers(collection)
    at = add(data_page(), ("again.csv", csv.encode()))
    ok, _ = messages(at)
    assert ok == ["again.csv: 0 new, 3 merged into existing papers"]
    assert n_papers(collection) == before
    review = next(e for e in at.expander if e.label.startswith("Review the 3 merges"))
    assert sorted(review.dataframe[0].value["Merged into"]) == sorted(titles)


def test_pasted_listing_text(collection):
    abstract = "A pasted abstract that reads as prose. " * 8
    at = add(data_page(), paste=f"Subscribe\n\nPasted Paper About Pruning\n\n{abstract}\n")
    ok, errors = messages(at)
    assert not errors and len(ok) == 1 and ok[0].endswith(": 1 new, 0 merged into existing papers")
    assert ok[0].startswith("pasted-")


def zip_bytes() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("papers.csv", "title\nx\n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.txt", b"", "empty.txt: nothing to add (empty file)"),
        # the file picker offers only the input formats' extensions; a renamed image or archive still gets a message
        ("pixel.txt", (BAD / "pixel.png").read_bytes(), "pixel.txt: not a paper list: looks like a PNG image"),
        ("archive.csv", zip_bytes(), "archive.csv: not a paper list: looks like a ZIP archive"),
        ("no_title.csv", (BAD / "no_title.csv").read_bytes(), None),
        ("bomb.xml", (BAD / "bomb.xml").read_bytes(), None),
        ("malformed.json", (BAD / "malformed.json").read_bytes(), None),
    ],
)
def test_bad_files_get_a_message_and_change_nothing(collection, name, content, message):
    before = store.read_papers(collection.papers_path)
    at = add(data_page(), (name, content))
    ok, errors = messages(at)
    assert not ok and not at.exception and len(errors) == 1
    assert errors[0].startswith(name + ":")
    if message:
        assert errors[0] == message
    assert sources.list_sources(collection) == []
    assert store.read_papers(collection.papers_path).equals(before)


LOADED = [
    "latin1.txt",
    "cp1252.txt",
    "utf16.txt",
    "ragged.csv",
    "formulas.csv",
    "truncated.bib",
    "bibtex_as.csv",
    "markup.csv",
]
NOTHING = [
    "whitespace.txt",
    "boilerplate.txt",
    "nul.txt",
    "number.json",
    "no_records.json",
    "strings.json",
    "external_entity.xml",
]


@pytest.mark.parametrize("name", NOTHING)
def test_every_other_unusable_bad_file_is_refused_with_its_name(collection, name):
    before = store.read_papers(collection.papers_path)
    at = add(data_page(), (name, (BAD / name).read_bytes()))
    ok, errors = messages(at)
    assert not ok and len(errors) == 1 and errors[0].startswith(name + ":") and not at.exception
    assert store.read_papers(collection.papers_path).equals(before)


@pytest.mark.parametrize("name", LOADED)
def test_readable_bad_files_load_what_they_can(collection, name):
    before = n_papers(collection)
    at = add(data_page(), (name, (BAD / name).read_bytes()))
    ok, errors = messages(at)
    assert not errors and len(ok) == 1 and ok[0].startswith(name + ":") and not at.exception
    assert n_papers(collection) > before


def test_a_file_over_the_size_limit_is_refused_in_python(collection):
    # AppTest bypasses the browser widget's own limit, so this reaches the Python check.
    at = add(data_page(), ("big.csv", b"title,abstract\n" + b"x" * MAX_BYTES))
    _, errors = messages(at)
    assert len(errors) == 1 and errors[0].startswith("big.csv: ") and "limit" in errors[0]
    assert sources.list_sources(collection) == []


def test_a_partly_valid_file_loads_its_good_rows_and_reports_the_bad(collection):
    at = add(data_page(), ("ragged.csv", (BAD / "ragged.csv").read_bytes()))
    ok, errors = messages(at)
    assert not errors and len(ok) == 1
    problems = next(e for e in at.expander if "problems in ragged.csv" in e.label.replace("\\", ""))
    assert "ragged.csv:" in problems.code[0].value


def test_the_same_file_twice_is_refused_the_second_time(collection):
    content = (FORMATS / "papers.bib").read_bytes()
    at = add(data_page(), ("papers.bib", content))
    count = n_papers(collection)
    at = add(at, ("copy.bib", content))
    _, errors = messages(at)
    assert errors and errors[0].startswith("copy.bib: already in the collection (added as papers.bib")
    assert n_papers(collection) == count and len(sources.list_sources(collection)) == 1


def test_a_source_can_be_removed_again(collection):
    before = n_papers(collection)
    at = add(data_page(), ("papers.ris", (FORMATS / "papers.ris").read_bytes()))
    assert n_papers(collection) > before
    stored = sources.list_sources(collection)[0]["file"]
    at.button(key=f"remove_{stored}").click().run()
    settled(at)
    assert sources.list_sources(collection) == []
    assert n_papers(collection) == before


WORKBENCH_CSV = (
    "title,abstract,year,doi\n"
    "Introduction,,2001,\n"
    'Introduction,"We introduce the series and its aims, chapter by chapter, for readers new to it.",2002,10.9999/intro\n'
    "Field Methods for Wetland Birds,,2001,\n"
    "Field Methods for Wetland Birds,,2003,\n"
)


def test_merge_workbench_shows_what_was_kept_and_a_merge_undone_stays_undone(collection):
    at = add(data_page(), ("workbench.csv", WORKBENCH_CSV.encode()))
    before = n_papers(collection)
    details = store.read_details(collection)
    (intro,) = [p for p, d in details.items() if d["records"][0]["title"] == "Introduction"]
    assert details[intro]["kept"].endswith("workbench.csv:3")  # the record with an abstract
    at.selectbox(key="merge_review").set_value(intro).run()
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "Kept **" in text and "workbench.csv:3** (abstract first" in text and "joined by title" in text
    (fields,) = [d.value for d in at.dataframe if "from record" in d.value.columns]  # which record gave each field
    assert dict(zip(fields["field"], fields["from record"]))["DOI"].endswith("workbench.csv:3")
    at.button(key="split_merge").click().run()
    at = settled(at)  # the decision changed the collection: it rebuilds
    decided = store.read_decisions(collection.decisions)
    assert [len(d["records"]) for d in decided] == [2] and decided[0]["title"] == "Introduction"
    assert n_papers(collection) == before + 1 and not at.exception
    # A rebuild by any route keeps the decision.
    build_to_disk(
        collection.raw_files(), collection.processed, collection.taxonomy, fingerprint=collection.fingerprint()
    )
    assert n_papers(collection) == before + 1


def test_a_long_list_of_merges_is_found_by_title(collection, monkeypatch):
    from ui import data_parts

    monkeypatch.setattr(data_parts, "MAX_LISTED", 1)  # as with tens of thousands of merges
    at = add(data_page(), ("workbench.csv", WORKBENCH_CSV.encode()))
    assert "2 merged papers in title order; the first 1 are listed" in " ".join(c.value for c in at.caption)
    assert len(at.selectbox(key="merge_review").options) == 1
    at.text_input(key="merge_find").input("WETLAND").run()
    (shown,) = at.selectbox(key="merge_review").options
    assert shown.startswith("Field Methods for Wetland Birds (2 records)")
    assert "1 merged paper matches." in " ".join(c.value for c in at.caption)
    at.text_input(key="merge_find").input("no such title").run()
    assert "0 merged papers match." in " ".join(c.value for c in at.caption) and not at.exception


def test_long_bookkeeping_tables_show_their_first_rows_and_offer_every_row_as_csv(collection, monkeypatch):
    from lib.explore import export
    from ui import data_parts

    monkeypatch.setattr(data_parts, "SHOWN_ROWS", 1)  # as with the 30,000 merges of a million papers
    at = add(data_page(), ("workbench.csv", WORKBENCH_CSV.encode()))
    merges = store.read_report(collection.report_path).merges
    assert len(merges) == 2
    (shown,) = [d.value for d in at.dataframe if "Title spellings" in d.value.columns]
    assert len(shown) == 1
    assert "The first 1 of 2 rows are shown" in " ".join(c.value for c in at.caption)
    assert not at.exception
    every = export.table_to_csv(pd.DataFrame({"Title": ["=HYPERLINK()", "Plain"], "Entries": [2, 3]}))
    assert every.decode("utf-8-sig").splitlines() == ["Title,Entries", "'=HYPERLINK(),2", "Plain,3"]


def test_bulk_split_of_title_only_merges_with_different_years_and_undo(collection):
    at = add(data_page(), ("workbench.csv", WORKBENCH_CSV.encode()))
    before = n_papers(collection)
    bulk = at.button(key="split_title_years")
    assert bulk.label.endswith("(2)")  # Introduction 2001/2002 and Field Methods 2001/2003
    bulk.click().run()
    at = settled(at)
    assert len(store.read_decisions(collection.decisions)) == 2
    assert n_papers(collection) == before + 2
    at.button(key="undo_decision_0").click().run()
    at = settled(at)
    assert len(store.read_decisions(collection.decisions)) == 1 and n_papers(collection) == before + 1
