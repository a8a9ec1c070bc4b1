"""The results table as the Explore page shows it."""

from __future__ import annotations

import pandas as pd

from lib.core import schema as S
from lib.explore import tables
from lib.explore.facets import Names
from lib.explore.tables import results_table


def test_a_paper_without_code_has_an_empty_code_cell_and_one_with_code_its_link():
    rows = pd.DataFrame(
        {
            S.PAPER_ID: ["a", "b"],
            S.TITLE: ["With code", "Without code"],
            S.THEMES: [["lora"], []],
            S.CLUSTER: [0, 1],
            S.N_SOURCES: [1, 2],
            S.PUBLISHED: ["2024-01", None],
            S.CODE_URL: ["https://github.com/x/y", None],
        }
    )
    table = results_table(rows, Names(themes={"lora": "LoRA"}, clusters={}))
    assert table["Code"].tolist() == ["https://github.com/x/y", ""]  # a blank cell, not the word "None"
    assert table["Published"].tolist() == ["2024-01", ""]
    assert table["Themes"].tolist() == [["LoRA"], []]
    assert table.index.tolist() == ["a", "b"]


def test_merged_papers_are_listed_by_their_kept_title_with_their_record_count():
    details = {
        "p2": {
            "kept": "b.bib:9",
            "records": [{"where": "a.ris:1", "title": "zeta"}, {"where": "b.bib:9", "title": "Beta"}],
        },
        "p1": {
            "kept": "c.csv:2",
            "records": [{"where": "c.csv:2", "title": "alpha"}, {"where": "d.csv:3", "title": "x"}],
        },
        "p3": {
            "kept": "gone:1",
            "records": [{"where": "e.txt:4", "title": "Gamma"}, {"where": "f.txt:5", "title": "g"}],
        },
    }
    assert tables.kept_title(details["p2"]) == "Beta"
    assert tables.kept_title(details["p3"]) == "Gamma"  # a kept record not listed: the first record's title
    assert list(tables.merge_choices(details).items()) == [
        ("p1", "alpha (2 records)"),
        ("p2", "Beta (2 records)"),
        ("p3", "Gamma (2 records)"),
    ]
