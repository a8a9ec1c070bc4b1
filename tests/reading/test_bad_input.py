"""Inputs that are empty, binary, oddly encoded, huge, malformed or hostile: each gets a clear
IngestError naming the file (and line where possible) or a partial result that says what was skipped.
Small fixed files live in tests/data/bad/ (see its README); big ones are made here in tmp_path.
"""

from __future__ import annotations

import dataclasses
import time
import zipfile
from pathlib import Path

import pytest

from lib.core.errors import IngestError
from lib.core.records import Issue
from lib.reading.formats import MAX_BYTES, detect_format, read_bytes, read_path, tabular

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
SAMPLES = BAD.parent / "formats"


def error_of(path_or_data, name: str | None = None, **kwargs) -> str:
    with pytest.raises(IngestError) as info:
        read_path(path_or_data, **kwargs) if name is None else read_bytes(path_or_data, name, **kwargs)
    return str(info.value)


def empty_issues(result) -> list[str]:
    assert result.records == []
    return [f"{i.where()}: {i.reason}" for i in result.issues]


def test_empty_file():
    assert empty_issues(read_path(BAD / "empty.txt")) == ["empty.txt: empty file"]


def test_whitespace_only():
    assert empty_issues(read_path(BAD / "whitespace.txt")) == ["whitespace.txt: empty file"]


def test_whitespace_only_in_utf16():
    assert empty_issues(read_bytes(" \n\t\n".encode("utf-16"), "blank.txt")) == ["blank.txt: empty file"]


def test_only_boilerplate_is_a_result_with_no_papers():
    result = read_path(BAD / "boilerplate.txt")
    assert result.records == []
    assert result.issues == [Issue("boilerplate.txt", None, "no papers found")]


def test_png_image():
    assert error_of(BAD / "pixel.png") == "pixel.png: not a paper list: looks like a PNG image"


def test_png_renamed_to_csv():
    data = (BAD / "pixel.png").read_bytes()
    assert error_of(data, "papers.csv") == "papers.csv: not a paper list: looks like a PNG image"


def test_zip_archive(tmp_path):
    path = tmp_path / "papers.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("papers.csv", "title\nA paper\n")
    assert error_of(path) == "papers.zip: not a paper list: looks like a ZIP archive"


def test_nul_bytes():
    assert error_of(BAD / "nul.txt") == "nul.txt:2: binary content (NUL byte), not listing text"


@pytest.mark.parametrize(
    ("name", "encoding", "title"),
    [
        ("latin1.txt", "cp1252", "Café Recommendation with Sparse Experts"),
        ("cp1252.txt", "cp1252", "“Café” – Pricing in € for Recommendation"),
        ("utf16.txt", "utf-16", "Café Recommendation with Sparse Experts"),
    ],
)
def test_non_utf8_text_is_decoded(name, encoding, title):
    result = read_path(BAD / name)
    assert [r.title for r in result.records] == [title]
    assert "naïve" in result.records[0].abstract
    assert result.encoding == encoding
    assert result.issues == [Issue(name, None, f"read as {encoding}, not UTF-8")]


def test_latin1_csv_is_decoded():
    result = read_bytes("title,abstract\nCafé,Crème brûlée\n".encode("latin-1"), "l.csv")
    assert [(r.title, r.abstract) for r in result.records] == [("Café", "Crème brûlée")]


def test_20_mb_single_line_is_one_unrecognised_line(tmp_path):
    path = tmp_path / "long.txt"
    words = b"lorem ipsum dolor sit amet "
    path.write_bytes((words * (20 * 2**20 // len(words) + 1))[: 20 * 2**20])
    start = time.perf_counter()
    result = read_path(path)
    elapsed = time.perf_counter() - start
    assert result.records == []
    assert result.issues == [
        Issue("long.txt", 1, "line is 20,971,520 characters long; only the first 1,000 were read"),
        Issue("long.txt", 1, "long text with no title line before it", ("lorem ipsum dolor sit amet " * 5)[:120]),
        Issue("long.txt", None, "no papers found"),
    ]
    assert elapsed < 5, f"{elapsed:.1f} s"


def test_file_over_the_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.truncate(MAX_BYTES + 10 * 2**20)  # sparse: costs no disk and no time
    start = time.perf_counter()
    message = error_of(path)
    assert time.perf_counter() - start < 0.5
    assert message == "huge.csv: file too large: 60 MB (62,914,560 bytes); the limit is 50 MB (52,428,800 bytes)"


def test_bytes_over_the_limit_are_refused():
    assert error_of(bytes(MAX_BYTES + 1), "big.csv") == (
        "big.csv: file too large: 50 MB (52,428,801 bytes); the limit is 50 MB (52,428,800 bytes)"
    )
    assert error_of(b"x" * 11, "t.txt", max_bytes=10) == (
        "t.txt: file too large: 0 MB (11 bytes); the limit is 0 MB (10 bytes)"
    )


def test_csv_without_title_column():
    assert error_of(BAD / "no_title.csv") == "no_title.csv: no title column (found: a, b, c)"


def test_ragged_csv_keeps_good_rows_and_reports_bad_ones():
    result = read_path(BAD / "ragged.csv")
    assert [(r.title, r.line, r.published) for r in result.records] == [
        ("Good One", 2, "2023"),
        ("Good Two", 5, "2021"),
        ("Good Three", 7, "2019"),
    ]
    assert result.issues == [
        Issue(
            "ragged.csv",
            3,
            "too many fields: 5, the header has 3; row skipped",
            "Too Many,Second abstract,2022,extra,cells",
        ),
        Issue("ragged.csv", 4, "too few fields: 2, the header has 3; row skipped", "Too Few,Third abstract"),
        Issue(
            "ragged.csv",
            6,
            "stray quote inside a cell (a cell with quotes must be quoted as a whole); row skipped",
            '"Bad "quote,Fifth abstract,2020',
        ),
    ]


def test_csv_formulas_are_kept_as_text():
    result = read_path(BAD / "formulas.csv")
    assert [(r.title, r.abstract, r.extra) for r in result.records] == [
        ('=HYPERLINK("http://evil.example","Click")', "+1 plus one", (("note", "-2 minus"),)),
        ("@SUM(A1:A2)", "=1+2", (("note", "@risk"),)),
    ]
    assert result.issues == []


def test_malformed_json_names_line_and_column():
    assert error_of(BAD / "malformed.json") == (
        "malformed.json:3: malformed JSON: Expecting ',' delimiter (line 3, column 19)"
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("number.json", "JSON holds a number, not a list of papers"),
        ("no_records.json", "JSON object holds no list of papers (keys: count, query)"),
        ("strings.json", "JSON list holds a string, not paper objects"),
    ],
)
def test_json_of_the_wrong_shape(name, message):
    assert error_of(BAD / name) == f"{name}: {message}"


def test_json_list_with_some_non_objects_keeps_the_objects():
    result = read_bytes(b'[{"title": "Kept"}, "stray", {"title": ""}]', "mixed.json")
    assert [r.title for r in result.records] == ["Kept"]
    assert [i.reason for i in result.issues] == [
        "record 2: a string, not a paper object; skipped",
        "record 3: empty title; skipped",
    ]


def test_deeply_nested_json():
    assert error_of(b"[" * 100_000 + b"]" * 100_000, "deep.json") == "deep.json: JSON nested too deeply"


def test_jsonl_bad_line_is_reported_and_the_rest_kept():
    data = b'{"title": "One"}\n{"title": "Two",\n{"title": "Three"}\n'
    result = read_bytes(data, "p.jsonl")
    assert [(r.title, r.line) for r in result.records] == [("One", 1), ("Three", 3)]
    assert result.issues == [
        Issue(
            "p.jsonl",
            2,
            "malformed JSON: Expecting property name enclosed in double quotes (column 17); line skipped",
            '{"title": "Two",',
        ),
    ]


def test_truncated_bibtex_keeps_good_entries():
    result = read_path(BAD / "truncated.bib")
    assert [(r.title, r.line, r.published) for r in result.records] == [
        ("First Good Paper", 1, "2023"),
        ("Second Good Paper", 6, "2022"),
    ]
    assert result.issues == [
        Issue("truncated.bib", 11, "broken BibTeX entry, skipped: Unexpectedly reached end of file.", "@article{cut,"),
    ]


def test_truncated_ris_keeps_what_it_has_and_says_so():
    data = b"TY  - JOUR\nTI  - Whole\nER  - \nTY  - JOUR\nTI  - Cut short\nAU  - Lee, A"
    result = read_bytes(data, "cut.ris")
    assert [(r.title, r.line) for r in result.records] == [("Whole", 1), ("Cut short", 4)]
    assert result.issues == [Issue("cut.ris", 4, "RIS record has no closing ER line (file cut short?)")]


@pytest.mark.parametrize("name", ["bomb.xml", "external_entity.xml"])
def test_xml_entity_tricks_are_refused_fast(name):
    start = time.perf_counter()
    message = error_of(BAD / name)
    assert time.perf_counter() - start < 1
    assert message == f"{name}: XML entity declarations are not allowed (possible entity-expansion attack)"


def test_malformed_xml_names_the_line():
    data = b'<?xml version="1.0"?>\n<feed>\n<entry><title>Open\n</feed>\n'
    assert error_of(data, "feed.xml") == "feed.xml:4: malformed XML: mismatched tag: line 4, column 2"


def test_xml_that_is_not_a_feed():
    assert (
        error_of(b"<rss><channel/></rss>", "news.xml")
        == "news.xml: XML root is <rss>, not Atom, EndNote, PubMed, MODS or Zotero RDF"
    )


def test_html_page_is_refused():
    data = b"<!DOCTYPE html><html><body>Papers</body></html>"
    assert error_of(data, "page.html") == (
        "page.html: not a paper list: looks like an HTML page (copy the page's text instead)"
    )


def test_bibtex_saved_as_csv_is_read_as_bibtex_with_a_note():
    result = read_path(BAD / "bibtex_as.csv")
    assert [(r.title, r.authors, r.published) for r in result.records] == [
        ("A BibTeX Entry Saved as CSV", ("Ann Lee", "Bo Kim"), "2023"),
    ]
    assert result.issues == [Issue("bibtex_as.csv", None, "content is BibTeX, not what the .csv extension says")]


def test_corrupt_parquet():
    assert error_of(b"PAR1" + b"\x00" * 64, "t.parquet").startswith("t.parquet: not a readable Parquet file (")


def test_parquet_that_unpacks_too_large(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_DECODED_BYTES", 1024)
    with pytest.raises(
        IngestError, match=r"^papers\.parquet: its data unpacks to [\d,]+ MB or more, over the 0 MB limit$"
    ):
        read_path(SAMPLES / "papers.parquet")


def test_100k_tiny_records_load_quickly(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("title,year\n" + "".join(f"Paper {i},2020\n" for i in range(100_000)))
    start = time.perf_counter()
    result = read_path(path)
    elapsed = time.perf_counter() - start
    assert len(result.records) == 100_000 and result.issues == []
    assert result.records[-1].title == "Paper 99999" and result.records[-1].line == 100_001
    assert elapsed < 10, f"{elapsed:.1f} s"


def test_markup_in_titles_is_kept_literally_but_inline_html_is_dropped():
    # Inline tags and entities (what OpenAlex and publishers leave in titles) go; anything else stays as text
    # for the pages to escape.
    result = read_path(BAD / "markup.csv")
    assert [(r.title, r.abstract) for r in result.records] == [
        ("<script>alert('x')</script> Attention", "bold claims"),
        (
            r"Solving $x^2 + y^2 = z^2$ with \LaTeX{} and \emph{care}",
            "**Markdown** _emphasis_ and [a link](http://example.org)",
        ),
        ("# Not a heading | pipe | table", "`code` & entities"),
    ]


def test_same_bytes_twice_give_the_same_result():
    data = (SAMPLES / "papers.bib").read_bytes()
    first, again, copy = read_bytes(data, "a.bib"), read_bytes(data, "a.bib"), read_bytes(data, "copy.bib")
    assert first == again
    assert [dataclasses.replace(r, source="a.bib") for r in copy.records] == first.records


def test_missing_file(tmp_path):
    assert error_of(tmp_path / "gone.csv") == "gone.csv: cannot read file (No such file or directory)"


@pytest.mark.parametrize(
    "text, tag",
    [
        # Copac: "TI- " tags; every line would otherwise have become a "paper" of the listing reader
        ("TI- The SIS project\nAU- Prechelt, Lutz\nPU- Karlsruhe\nPY- 1993\nSC- QA76\nDT- 1993\n", "TI-"),
        # Biblioscape: "--AU--" tags
        ("--AU-- Name, A.\n--TI-- A Title\n--YP-- 2001\n--SO-- Journal\n--VL-- 3\n--PG-- 1-9\n", "--AU--"),
        # a RIS file whose TY lines were lost
        ("JF  - Empirical Software\nT1  - Editorial\nVL  - 6\nIS  - 3\nSP  - 1\nEP  - 9\nER  - \n", "JF  -"),
    ],
)
def test_a_tagged_export_in_a_format_not_read_is_refused_not_read_as_page_text(text, tag):
    message = error_of(text.encode(), "export.txt")
    assert message.startswith("export.txt: not a paper list that can be read: its lines start with field tags")
    assert f'"{tag}"' in message and "RIS, BibTeX, CSV" in message


def test_page_text_whose_titles_open_with_hyphenated_acronyms_is_still_page_text():
    titles = ["GPT-4 Technical Report", "LLM-based Agents", "ViT-22B: Scaling", "RAG-Fusion at Scale", "SAM-2 Tracks"]
    text = "\n".join(f"{t}\nWe study {t.lower()} and report what we found on many benchmarks." for t in titles)
    assert detect_format(text.encode(), "page.txt") == "listing"
    assert set(titles) <= {r.title for r in read_bytes(text.encode(), "page.txt").records}


BIB = (
    "@Article{key1,\n  title = {Pruning Networks in One Shot},\n  author = {Ann Lee and Bo Chen},\n  year = {2021}\n}\n"
)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read_as_text_not_refused_as_binary(encoding):
    result = read_bytes(BIB.encode(encoding), "refs.bib")
    assert [(r.title, r.authors, r.published) for r in result.records] == [
        ("Pruning Networks in One Shot", ("Ann Lee", "Bo Chen"), "2021")
    ]


def test_a_short_cp1252_file_with_a_no_break_space_is_text():
    data = "@Article{key1,\n  title = {Heat at 25\u00a0C},\n  year = {2020}\n}\n".encode("cp1252")
    (paper,) = read_bytes(data, "refs.bib").records
    assert paper.title == "Heat at 25 C" and paper.published == "2020"


def test_a_bibtex_entry_with_no_key_before_its_first_field_is_kept():
    text = "@TechReport{\n  author = {Ann Lee},\n  title = {Weak Monotonicity of Auctions},\n  year = {2005}\n}\n"
    result = read_bytes(text.encode(), "refs.bib")
    assert [r.title for r in result.records] == ["Weak Monotonicity of Auctions"]
    assert result.records[0].line == 1
