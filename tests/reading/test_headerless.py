"""Tables without a header row (tests/data/real_shapes/, SOURCES.md says which real files they imitate): every row
is read, the first included, with its columns taken by what they hold and the file told so in one line; and
the near misses (listing pages with tabs, lists of titles, headed files, tables of other things) are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.core.errors import IngestError
from lib.core.records import Issue
from lib.reading.formats import detect_format, read_bytes, read_path

SHAPES = Path(__file__).resolve().parents[1] / "data" / "real_shapes"
ABSTRACT = (
    "We study how graph networks route traffic through a city. A model trained on one city transfers to "
    "another with a fifth of the error of the baseline, and it needs no map of the new city at all. Code and "
    "data are public."
)


def notes(result) -> list[str]:
    return [i.reason for i in result.issues]


def test_a_scrapers_id_score_title_dump_is_read_every_row_with_its_arxiv_id():
    path = SHAPES / "arxiv_search_cache.txt"
    assert detect_format(path.read_bytes(), path.name) == "tsv"
    result = read_path(path)
    assert len(result.records) == 6 == len(path.read_text(encoding="utf-8").splitlines())
    first = result.records[0]  # the first row is a paper, not a header
    assert (first.line, first.arxiv_id, first.published) == (1, "2405.01234", "2024-05")
    assert first.title == "ShiftGuard: Detecting insider drift with adaptive baselines and LLM-based triage"
    assert first.extra == (("column 2", "10"),)  # the score is kept, and never read as a year
    titles = [r.title for r in result.records]
    assert "3DGraph-Flow: a semi-supervised framework for anomaly detection on point clouds" in titles
    assert "The Hermit's Ledger: Time-aware Anomaly Detection on Authentication Logs" in titles
    assert notes(result) == [
        "no header row; columns recognised by their content: column 1 arXiv id, column 3 title; column 2 kept as it is"
    ]


def test_ogbn_arxiv_titles_and_abstracts_keep_their_first_row():
    # Read with a header, this file loses its first paper to the column names.
    result = read_path(SHAPES / "ogbn_titleabs.tsv")
    assert [r.title for r in result.records][:2] == [
        "rule mining from a hand-built ontology of kitchen tools",
        "a novel method for the thermal analysis of stacked memory chips",
    ]
    assert len(result.records) == 4 and all(len(r.abstract) > 200 for r in result.records)
    assert result.records[2].title == "sparse codes, dense codes and the capacity of associative memories"
    assert result.records[0].extra == (("column 1", "2900417"),)  # a MAG id, not taken for an arXiv id
    assert notes(result) == [
        "no header row; columns recognised by their content: column 2 title, column 3 abstract; column 1 kept as it is"
    ]


def test_csv_rows_without_their_header_give_dates_links_and_arxiv_ids():
    path = SHAPES / "arxiv2csv_rows.csv"
    assert detect_format(path.read_bytes(), "upload") == "csv"
    result = read_path(path)
    speech = result.records[0]
    assert (speech.title, speech.published) == ("Sparse Attention for Streaming Speech Recognition", "2024-03")
    assert (speech.url, speech.arxiv_id) == ("http://arxiv.org/pdf/2403.01234v1", "2403.01234")
    assert ("column 1", "Mei Tanaka") in speech.extra  # one name alone is kept, not guessed to be the authors
    phone = result.records[2]  # no PDF link on this row
    assert (phone.url, phone.arxiv_id, phone.published) == (None, None, "2024-02")
    assert len(result.records) == 5 and len(result.issues) == 1


def test_a_spreadsheet_saved_without_its_header_row_gives_authors_year_doi_abstract_and_keeps_the_rest():
    result = read_path(SHAPES / "scopus_no_header.csv")
    assert len(result.records) == 4
    roost = result.records[0]
    assert roost.title == "Winter roosts of the grey hornbill in logged and unlogged forest"
    assert roost.authors == ("Okafor A.N.", "Lindqvist P.B.", "Marsh T.")
    assert (roost.published, roost.doi) == ("2019", "10.9999/ibis.2019.0051")
    assert roost.abstract.startswith("We followed forty tagged hornbills")
    assert ("column 5", "Ibis Letters") in roost.extra  # the journal: not the title, not an author
    assert result.records[2].authors == ("Ito K.", "Berg L.", "van der Meer J.")
    (note,) = notes(result)
    assert note.startswith(
        "no header row; columns recognised by their content: column 1 authors, column 3 title, column 4 date, "
        "column 13 DOI, column 14 link, column 15 abstract; columns 2, 5, "
    )


def test_a_row_of_another_width_is_reported_with_its_line():
    rows = [f"2401.0001{n}\t2024-01-0{n}\tGraph Networks Route City Traffic, Study {n}" for n in range(1, 7)]
    rows[3] = "2401.00014\t2024-01-04"
    result = read_bytes("\n".join(rows).encode(), "dump.txt")
    assert [r.line for r in result.records] == [1, 2, 3, 5, 6]
    assert Issue("dump.txt", 4, "too few fields: 2, the first row has 3; row skipped", "2401.00014\t2024-01-04") in (
        result.issues
    )


# --- near misses ----------------------------------------------------------------------------------------------


def test_a_listing_page_whose_lines_hold_tabs_is_still_a_listing_page():
    page = (
        "new\n\nSubscribe\n\nMar 18\n\n"
        f"Graph Networks Route City Traffic\t\n\n{ABSTRACT}\t\n\n"
        f"Sparse Attention for Long Documents\t·\t12\n\n{ABSTRACT.replace('city', 'town')}\n"
    )
    assert detect_format(page.encode(), "page.txt") == "listing"
    result = read_bytes(page.encode(), "page.txt")
    assert [r.title for r in result.records] == [
        "Graph Networks Route City Traffic",
        "Sparse Attention for Long Documents · 12",
    ]


def test_a_listing_page_with_a_tab_on_every_line_is_still_a_listing_page():
    page = "".join(
        f"{t}\t\n{ABSTRACT} ({t})\t\n" for t in ("Graph Nets for Cities", "Sparse Attention", "Tiny Devices")
    )
    assert detect_format(page.encode(), "page.txt") == "listing"
    assert len(read_bytes(page.encode(), "page.txt").records) == 3


@pytest.mark.parametrize(
    "titles",
    [
        ["Graph Networks Route City Traffic", "Sparse Attention for Long Documents", "Tiny Devices Learn"],
        # one comma in every title: two columns of text, still no table
        ["Deep Learning, Part II", "Graph Nets, Revisited", "Sparse Attention, Again", "Tiny Models, Big Data"],
    ],
)
def test_a_one_column_file_of_titles_is_not_a_table(titles):
    data = "\n".join(titles).encode()
    assert detect_format(data, "titles.txt") == "listing"
    assert [r.title for r in read_bytes(data, "titles.txt").records] == titles


def test_a_csv_with_a_header_reads_it_as_the_header():
    data = b"id,date,title\n2401.00011,2024-01-03,Graph Networks Route City Traffic\n2401.00012,2024-01-04,Sparse\n"
    result = read_bytes(data, "papers.csv")
    assert [(r.title, r.arxiv_id, r.line) for r in result.records] == [
        ("Graph Networks Route City Traffic", "2401.00011", 2),
        ("Sparse", "2401.00012", 3),
    ]
    assert result.issues == []


def test_a_header_naming_no_title_is_refused_not_read_as_a_row():
    data = b"arxiv,published,paper\n2401.00011,2024-01-03,Graph Networks Route City Traffic\n"
    with pytest.raises(IngestError) as raised:
        read_bytes(data, "papers.csv")
    assert str(raised.value) == "papers.csv: no title column (found: arxiv, published, paper)"
    assert detect_format(data, "upload") == "listing"


def test_a_table_of_tasks_with_dates_is_not_taken_for_papers():
    rows = [
        "Product Research\tNot Started\tJohn Smith\t2023-05-15\tConduct market research for toy categories\tHigh",
        "Define Target Audience\tNot Started\tMary Johnson\t2023-05-17\tIdentify the audience for the store\tMedium",
        "Create Product Catalog\tIn Progress\tSarah Davis\t2023-05-20\tCompile a catalog of toys for sale\tHigh",
    ]
    assert detect_format("\n".join(rows).encode(), "tasks.txt") == "listing"
