"""Every format reader on its sample file (exact Records), flexible header names, and sniffing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from lib.core.records import Issue, Record
from lib.reading.formats import INPUT_FORMATS, detect_format, read_bytes, read_path

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "formats"

# The same three papers appear in every sample file, written the way each format writes them.
SMOE = Record(
    title="Sparse Mixture-of-Experts for Café Recommendation",
    abstract="We route each query to two of sixty-four experts, which halves serving cost.",
    source="",
    line=0,
    authors=("Ana Müller", "Bo Chen"),
    published="2023-05",
    url="https://arxiv.org/abs/2305.01234",
    arxiv_id="2305.01234",
    doi="10.1000/smoe.2023.17",
)
KNN = Record(
    title="Scaling $k$-NN Retrieval to Billions of Vectors",
    abstract="An index that answers nearest-neighbour queries over a billion vectors in ten milliseconds.",
    source="",
    line=0,
    authors=("Chen Li",),
    published="2021",
    url="https://example.org/knn",
    doi="10.5555/knn.2021.7",
)
FOLD = Record(
    title="Protein Folding with Diffusion Models",
    abstract="A diffusion model that predicts backbone coordinates from sequence alone.",
    source="",
    line=0,
    authors=("Kim Park", "Lee Ray", "Sam Ode"),
    published="2024-02",
    arxiv_id="2402.00042",
)


def at(paper: Record, source: str, line: int, **changes) -> Record:
    return dataclasses.replace(paper, source=source, line=line, **changes)


def _pubmed(n: int) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/3000000{n}/"


def _pmid(n: int) -> tuple:
    return (("PMID", f"3000000{n}"), ("OWN", "NLM"))


def _atom_url(ident: str) -> str:
    return f"http://arxiv.org/abs/{ident}"


EXPECTED = {
    "papers.csv": [
        at(SMOE, "papers.csv", 2, venue="NeurIPS"),
        at(KNN, "papers.csv", 3),
        at(FOLD, "papers.csv", 4, venue="ICML"),  # its abstract spans lines 4-5
    ],
    "papers.tsv": [
        at(SMOE, "papers.tsv", 2, venue="NeurIPS"),
        at(KNN, "papers.tsv", 3),
        at(FOLD, "papers.tsv", 4, venue="ICML"),
    ],
    "papers.json": [  # JSON records are numbered, not lined
        at(SMOE, "papers.json", 1, venue="NeurIPS"),
        at(KNN, "papers.json", 2),
        at(FOLD, "papers.json", 3, venue="ICML"),
    ],
    "papers.jsonl": [
        at(SMOE, "papers.jsonl", 1, venue="NeurIPS"),
        at(KNN, "papers.jsonl", 2),
        at(FOLD, "papers.jsonl", 3, venue="ICML"),
    ],
    "papers.parquet": [
        at(SMOE, "papers.parquet", 1, extra=(("citations", "12"),)),
        at(KNN, "papers.parquet", 2),
        at(FOLD, "papers.parquet", 3, extra=(("citations", "3"),)),
    ],
    "papers.bib": [
        at(
            SMOE,
            "papers.bib",
            2,
            extra=(("bibtex_key", "muller2023sparse"), ("bibtex_type", "article")),
            venue="NeurIPS",
        ),
        at(KNN, "papers.bib", 16, extra=(("bibtex_key", "li2021knn"), ("bibtex_type", "inproceedings"))),
        at(
            FOLD,
            "papers.bib",
            25,
            extra=(
                ("bibtex_key", "park2024folding"),
                ("bibtex_type", "misc"),
                ("journal", "arXiv preprint arXiv:2402.00042"),
            ),
            venue="ICML",  # an explicit venue field beats Google Scholar's "arXiv preprint" journal
        ),
    ],
    "papers.ris": [
        at(SMOE, "papers.ris", 1, extra=(("type_of_reference", "JOUR"),), venue="NeurIPS"),
        at(KNN, "papers.ris", 13, extra=(("type_of_reference", "CONF"),)),
        at(
            FOLD,
            "papers.ris",
            22,
            extra=(
                ("type_of_reference", "GEN"),
                ("notes", "arXiv:2402.00042v3"),
            ),
            venue="ICML",
        ),
    ],
    "papers.xml": [  # arXiv's own feed: every paper has an id, links are http, entries are numbered
        at(
            SMOE,
            "papers.xml",
            1,
            url=_atom_url("2305.01234v2"),
            venue="arXiv",  # an arXiv entry without a journal_ref
            extra=(
                ("primary_category", "cs.LG"),
                ("categories", "cs.LG; cs.IR"),
                ("comment", "NeurIPS"),
            ),
        ),
        at(
            KNN,
            "papers.xml",
            2,
            url=_atom_url("2107.00007v1"),
            venue="arXiv",
            arxiv_id="2107.00007",
            published="2021-07",
            doi=None,
            extra=(("primary_category", "cs.DB"), ("categories", "cs.DB")),
        ),
        at(
            FOLD,
            "papers.xml",
            3,
            url=_atom_url("2402.00042v3"),
            venue="arXiv",
            extra=(
                ("primary_category", "q-bio.BM"),
                ("categories", "q-bio.BM"),
                ("comment", "ICML"),
            ),
        ),
    ],
    "papers.isi": [  # Web of Science plain text: AF (full names) beats AU, PD gives the month, UT is kept
        at(SMOE, "papers.isi", 3, extra=(("UT", "WOS:000000000000001"),), venue="NeurIPS"),
        at(KNN, "papers.isi", 20, extra=(("UT", "WOS:000000000000002"),)),
        at(FOLD, "papers.isi", 32, extra=(("UT", "ARXIV:2402.00042"),), venue="ICML"),
    ],
    "papers.enw": [  # EndNote: %8 makes the %D year finer, %@ holds a DOI (or an ISSN) and is kept, %B a venue
        at(
            SMOE,
            "papers.enw",
            1,
            authors=("Müller, Ana", "Chen, Bo"),
            extra=(("%0", "Journal Article"),),
            venue="NeurIPS",
        ),
        at(KNN, "papers.enw", 13, authors=("Li, Chen",), extra=(("%0", "Conference Proceedings"), ("%@", KNN.doi))),
        at(
            FOLD,
            "papers.enw",
            21,
            authors=("Park, Kim", "Ray, Lee", "Ode, Sam"),
            url="https://arxiv.org/abs/2402.00042",
            extra=(("%0", "Journal Article"),),
            venue="ICML",
        ),
    ],
    "papers.nbib": [  # PubMed: FAU names are "Last, First", the link is PubMed's, PMID and OWN are kept
        at(
            SMOE, "papers.nbib", 1, authors=("Müller, Ana", "Chen, Bo"), url=_pubmed(1), extra=_pmid(1), venue="NeurIPS"
        ),
        at(KNN, "papers.nbib", 17, authors=("Li, Chen",), url=_pubmed(2), extra=_pmid(2)),
        at(
            FOLD,
            "papers.nbib",
            26,
            authors=("Park, Kim", "Ray, Lee", "Ode, Sam"),
            url=_pubmed(3),
            extra=_pmid(3),
            venue="ICML",
        ),
    ],
}

SAMPLE_FORMATS = {
    "papers.txt": "listing",
    "papers.csv": "csv",
    "papers.tsv": "tsv",
    "papers.json": "json",
    "papers.jsonl": "jsonl",
    "papers.parquet": "parquet",
    "papers.bib": "bibtex",
    "papers.ris": "ris",
    "papers.xml": "atom",
    "papers.isi": "wos",
    "papers.nbib": "medline",
    "papers.enw": "refer",
}


def test_every_format_has_a_sample():
    assert sorted(SAMPLE_FORMATS.values()) == sorted(f.name for f in INPUT_FORMATS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_gives_exact_records_and_no_issues(name):
    result = read_path(SAMPLES / name)
    assert result.records == EXPECTED[name]
    assert result.issues == []
    assert result.source == name


@pytest.mark.parametrize("name", sorted(SAMPLE_FORMATS))
def test_sample_format_is_detected_from_content(name):
    data = (SAMPLES / name).read_bytes()
    assert detect_format(data, name) == SAMPLE_FORMATS[name]
    assert detect_format(data, "upload") == SAMPLE_FORMATS[name]


def test_listing_sample_keeps_listing_behaviour():
    result = read_path(SAMPLES / "papers.txt")
    assert [(r.title, r.line, r.listing_date) for r in result.records] == [
        (SMOE.title, 7, "05-17"),
        (KNN.title, 11, "05-17"),
        (FOLD.title, 15, "05-17"),
    ]
    assert all(r.published is None and r.authors == () for r in result.records)
    assert result.counts()["title"] == 3 and result.counts()["boilerplate"] == 2


@pytest.mark.parametrize(
    "header",
    [
        "title,abstract,authors,date,arxiv_id,doi,url",
        "Title,Summary,Author,Published,eprint,DOI,Link",
        "Paper Title,Description,AUTHORS,publication_date,arXiv,doi,URL",
        "paper_title,abstract,author,Publication-Date,arXiv ID,Doi,link",
        "name,summary,authors,publishedAt,ARXIV_ID,doi,url",
        " TITLE , ABSTRACT , Authors , DATE , Arxiv Id , DOI , Url ",
    ],
)
def test_header_aliases(header):
    row = ",".join(
        [
            "Graph Nets",
            "We study graphs.",
            "A. One and B. Two",
            "2023-05-17T08:00:00Z",
            "2305.01234v1",
            "https://doi.org/10.1234/ABC",
            "https://x.org/p",
        ]
    )
    result = read_bytes(f"{header}\n{row}\n".encode(), "papers.csv")
    assert result.records == [
        Record(
            "Graph Nets",
            "We study graphs.",
            "papers.csv",
            2,
            authors=("A. One", "B. Two"),
            published="2023-05",
            url="https://x.org/p",
            arxiv_id="2305.01234",
            doi="10.1234/abc",
        ),
    ]


def test_title_column_beats_name_column_and_name_is_kept_as_extra():
    result = read_bytes(b"name,title\nalpha,Real Title\n", "t.csv")
    assert result.records[0].title == "Real Title"
    assert result.records[0].extra == (("name", "alpha"),)


@pytest.mark.parametrize(
    ("columns", "cells", "published"),
    [
        ("year,month", "2023,5", "2023-05"),
        ("year,month", "2023,May", "2023-05"),
        ("Year,Month", "2023,sept", "2023-09"),
        ("year", "2023", "2023"),
        ("date", "May 2023", "2023-05"),
        ("date", "17 May 2023", "2023-05"),
        ("date", '"May 17, 2023"', "2023-05"),
        ("date", "2023/05/17", "2023-05"),
        ("date,arxiv", ",2402.00042", "2024-02"),
        ("date,month", "2023,11", "2023-11"),
    ],
)
def test_dates_normalised(columns, cells, published):
    result = read_bytes(f"title,{columns}\nT,{cells}\n".encode(), "d.csv")
    assert result.records[0].published == published


def test_unreadable_date_is_an_issue_and_arxiv_month_fills_in():
    result = read_bytes(b"title,date,arxiv_id\nT,next spring,2305.01234\n", "d.csv")
    assert result.records[0].published == "2023-05"
    assert result.issues == [Issue("d.csv", 2, "date not understood", "next spring")]


def test_non_web_url_is_dropped_with_an_issue():
    result = read_bytes(b"title,url\nT,javascript:alert(1)\n", "u.csv")
    assert result.records[0].url is None
    assert result.issues == [Issue("u.csv", 2, "url ignored (not an http or https link)", "javascript:alert(1)")]


def test_arxiv_id_taken_from_an_arxiv_url_or_doi():
    data = b"title,url,doi\nA,https://arxiv.org/abs/2305.01234v3,\nB,,10.48550/arXiv.2402.00042\n"
    result = read_bytes(data, "a.csv")
    assert [(r.arxiv_id, r.published) for r in result.records] == [
        ("2305.01234", "2023-05"),
        ("2402.00042", "2024-02"),
    ]


def test_semicolon_separated_csv():
    result = read_bytes(b"Titel;title;year\nx;Ein Paper;2020\n", "de.csv")
    assert [(r.title, r.published, r.extra) for r in result.records] == [
        ("Ein Paper", "2020", (("Titel", "x"),)),
    ]


def test_json_object_holding_a_list_and_a_single_paper_object():
    wrapped = read_bytes(b'{"count": 1, "papers": [{"title": "Wrapped"}]}', "w.json")
    single = read_bytes(b'{"title": "Alone", "year": 2020}', "s.json")
    assert [r.title for r in wrapped.records] == ["Wrapped"]
    assert [(r.title, r.published) for r in single.records] == [("Alone", "2020")]


def test_json_nan_and_null_never_become_text():
    result = read_bytes(b'[{"title": "T", "abstract": NaN, "doi": null, "score": NaN}]', "n.json")
    assert result.records == [Record("T", "", "n.json", 1)]


def test_bibtex_latex_is_decoded_but_math_kept():
    data = (
        rb"""@article{k, title = {{\"U}ber {Caf\'e}s and $\alpha$-{NN} -- a {S}urvey},"""
        rb"""  author = {M{\"u}ller, J. and {Barnes and Noble}}}"""
    )
    record = read_bytes(data, "k.bib").records[0]
    assert record.title == "Über Cafés and $\\alpha$-NN – a Survey"
    assert record.authors == ("Müller, J.", "Barnes and Noble")


# Content beats a wrong extension; the result says so.
@pytest.mark.parametrize(
    ("sample", "name", "fmt"),
    [
        ("papers.bib", "refs.csv", "BibTeX"),
        ("papers.csv", "table.json", "CSV"),
        ("papers.json", "papers.csv", "JSON"),
        ("papers.jsonl", "papers.json", "JSON lines"),
        ("papers.ris", "refs.bib", "RIS"),
        ("papers.xml", "feed.json", "XML: arXiv Atom, EndNote, PubMed, MODS, Zotero RDF"),
        ("papers.nbib", "refs.ris", "PubMed / MEDLINE"),
        ("papers.enw", "refs.ris", "EndNote / Refer tagged"),
        ("papers.parquet", "table.csv", "Parquet"),
        ("papers.tsv", "table.csv", "TSV"),
        ("papers.txt", "page.json", "Hugging Face Papers page text"),
    ],
)
def test_wrong_extension_is_sniffed_and_noted(sample, name, fmt):
    result = read_bytes((SAMPLES / sample).read_bytes(), name)
    assert len(result.records) == 3
    suffix = name.rsplit(".", 1)[1]
    assert result.issues[0] == Issue(name, None, f"content is {fmt}, not what the .{suffix} extension says")


def test_txt_extension_promises_nothing():
    result = read_bytes((SAMPLES / "papers.csv").read_bytes(), "papers.txt")
    assert len(result.records) == 3 and result.issues == []


def test_bracketed_listing_title_is_not_taken_for_json():
    text = "[RE] Reproducing a Classic Result\n\n" + "We reproduce it. " * 20 + "\n"
    assert detect_format(text.encode(), "page.txt") == "listing"
    assert read_bytes(text.encode(), "page.txt").records[0].title == "[RE] Reproducing a Classic Result"


def test_bibtex_eprint_counts_as_arxiv_only_when_it_is_one():
    data = (
        b"@article{a, title={HAL}, eprint={hal-01234}}\n"
        b"@article{b, title={Biblatex}, eprint={2305.01234}, eprinttype={arxiv}}\n"
        b"@article{c, title={Bare}, eprint={2305.01234v2}}\n"
    )
    result = read_bytes(data, "e.bib")
    assert [(r.arxiv_id, r.extra[2:]) for r in result.records] == [
        (None, (("eprint", "hal-01234"),)),
        ("2305.01234", ()),
        ("2305.01234", ()),
    ]
    assert result.issues == []


@pytest.mark.parametrize(
    "header, value, venue",
    [
        ("Source title", "Pattern Recognition", "Pattern Recognition"),  # Scopus CSV
        ("Publication Title", "IEEE Transactions on Image Processing", "IEEE Transactions on Image Processing"),
        ("journal", "CoRR", "arXiv"),  # DBLP's name for arXiv
        ("Journal", "arXiv preprint arXiv:2402.00042", "arXiv"),  # Google Scholar's
        ("booktitle", "Proceedings of ICML 2024", "Proceedings of ICML 2024"),
        ("venue", "", None),
    ],
)
def test_the_venue_column_is_recognised_by_its_common_names(header, value, venue):
    data = f'title,{header}\n"A Paper On Routing","{value}"\n'.encode()
    (record,) = read_bytes(data, "refs.csv").records
    assert record.venue == venue
    assert all(k != header for k, _ in record.extra)  # the venue is not also kept as an unknown column
