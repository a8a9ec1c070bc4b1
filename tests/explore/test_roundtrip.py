"""Export a selection, import it back, get the same papers; and every bad input through the build CLI."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from lib.build import main
from lib.core import schema as S
from lib.explore.export import EXPORT_FORMATS as FORMATS
from lib.reading.formats import read_bytes

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
# Bad inputs the build must refuse (exit 1, one line naming the file); the rest load with warnings.
REFUSED = {
    "pixel.png",
    "nul.txt",
    "no_title.csv",
    "malformed.json",
    "number.json",
    "no_records.json",
    "strings.json",
    "bomb.xml",
    "external_entity.xml",
}


@pytest.fixture(scope="module")
def selection(seed_papers):
    # A selection in a non-table order, with hostile and non-ASCII titles among them.
    picked = seed_papers.iloc[[40, 3, 200, 17, 633, 5]]
    return picked.reset_index(drop=True)


@pytest.mark.parametrize("fmt", ["csv", "json", "bibtex", "ris", "parquet"])
def test_export_then_import_gives_the_same_papers(selection, fmt):
    exported = FORMATS[fmt].write(selection)
    back = read_bytes(exported, f"selection.{FORMATS[fmt].extension}")
    assert [r.title for r in back.records] == selection[S.TITLE].tolist()
    assert [r.abstract for r in back.records] == selection[S.ABSTRACT].tolist()
    with_ids = selection[S.ARXIV_ID].notna()
    assert [r.arxiv_id for r, has in zip(back.records, with_ids) if has] == selection.loc[with_ids, S.ARXIV_ID].tolist()


# Text that ends a BibTeX field early when written carelessly. "^" is left out: the importer reads LaTeX's
# \textasciicircum as the modifier letter "ˆ", not "^".
HOSTILE = [
    "a}}, year = 1999, note = jan",
    "Lone { opening brace",
    "Lone } closing brace",
    "}}}}} @misc{evil, title = {x}} {{{",
    "\\{ escaped braces \\} and a trailing backslash \\",
    "100% of $x$ & #1 ~ _ \\alpha",
    "Cafe\u0301 “quotes” 日本語\nnext line",
    "x" * 3000 + "}",
]


def test_bibtex_round_trip_of_hostile_text(seed_papers):
    picked = seed_papers.head(len(HOSTILE)).reset_index(drop=True)
    hostile = picked.assign(**{S.TITLE: HOSTILE, S.ABSTRACT: HOSTILE[::-1]})
    back = read_bytes(FORMATS["bibtex"].write(hostile), "x.bib")
    # The importer folds white space and composes accents (NFC), as it does for every file.
    expected = [unicodedata.normalize("NFC", " ".join(t.split())) for t in HOSTILE]
    assert [r.title for r in back.records] == expected
    assert [r.abstract for r in back.records] == expected[::-1]
    assert back.issues == []


@pytest.mark.parametrize("path", sorted(p for p in BAD.iterdir() if p.name != "README.md"), ids=lambda p: p.name)
def test_every_bad_input_through_the_build_command(tmp_path, capsys, path):
    code = main([str(path), "--out", str(tmp_path / "out"), "--quiet"])
    out, err = capsys.readouterr()
    if path.name in REFUSED:
        assert code == 1
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {path.name}")
        assert not (tmp_path / "out" / "papers.parquet").exists()
    else:
        assert code == 0, err
        assert "Traceback" not in out + err
