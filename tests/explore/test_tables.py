"""The results table as the Explore page shows it."""

from __future__ import annotations

import pandas as pd

from lib.core import schema as S
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
