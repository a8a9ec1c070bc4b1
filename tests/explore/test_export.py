"""Exports: each format parses back to exactly the rows given, in order, with hostile text made harmless."""

from __future__ import annotations

import csv
import io
import json
import re

import bibtexparser
import numpy as np
import pandas as pd
import pytest
import rispy
from pybtex.database import parse_string as pybtex_parse

from lib.core import schema as S
from lib.explore import export, export_markdown

HOSTILE = "<script>alert(1)</script> *a* [a](b) $x$ & 100% #1 {b} ~ ^ \\ _"


def paper(pid: str, title: str, extra: dict | None = None) -> dict:
    row = {
        S.PAPER_ID: pid,
        S.TITLE: title,
        S.ABSTRACT: f"We study {title}. Then more.",
        S.THEMES: ["llm"],
        S.THEME_MENTIONS: [],
        S.CLUSTER: 0,
        S.CLUSTER_LABEL: "language models",
        S.SOURCES: ["000_a.txt"],
        S.N_SOURCES: 1,
        S.LISTING_DATES: ["03-18"],
        S.CODE_URL: None,
        S.ARXIV_ID: None,
        S.PUBLISHED: None,
        S.DATASETS: [],
        S.PAPER_TYPE: "method",
        S.X: 0.0,
        S.Y: 0.0,
    }
    return row | (extra or {})


@pytest.fixture
def papers() -> pd.DataFrame:
    rows = [
        paper(
            "p3c1",
            "Scaling Language Models",
            {
                S.ARXIV_ID: "2001.08361",
                S.PUBLISHED: "2020-01",
                S.THEMES: ["llm", "scaling_laws"],
                S.DATASETS: ["C4", "The Pile"],
            },
        ),
        paper(
            "p0a2",
            "ε-greedy exploration for γ-discounted control",
            {
                S.THEMES: ["rl"],
                S.CLUSTER: 2,
                S.CLUSTER_LABEL: "control",
                S.CODE_URL: "https://github.com/x/eps greedy",
                S.PUBLISHED: "2021-07",
            },
        ),
        paper(
            "p9f3",
            HOSTILE,
            {
                S.THEMES: [],
                S.ABSTRACT: "",
                S.SOURCES: ["a.txt", "b.txt"],
                S.N_SOURCES: 2,
                S.LISTING_DATES: [],
                S.CODE_URL: "javascript:alert(1)",
            },
        ),
        paper("p111", "Scaling Vision Models", {S.ARXIV_ID: "2001.00001", S.PUBLISHED: "2020-01"}),
        paper(
            "p222",
            "Scaling Graph Models",
            {
                S.ARXIV_ID: "2001.00002",
                S.PUBLISHED: "2020-01",
                S.ABSTRACT: "Graphs, e.g. molecules, are everywhere! " + "x " * 400,
            },
        ),
    ]
    frame = pd.DataFrame(rows)
    return frame.assign(**{S.CLUSTER: frame[S.CLUSTER].astype("int64")})


@pytest.fixture
def reordered(papers) -> pd.DataFrame:
    """Rows in a different order than built, to show exports keep the order given."""
    return papers.iloc[[4, 2, 0, 3, 1]]


def parse_csv(data: bytes) -> list[dict]:
    assert data.startswith("\ufeff".encode("utf-8"))
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def bib_entries(data: bytes) -> list[tuple[str, dict[str, str]]]:
    text = data.decode("utf-8")
    out = []
    for key, body in re.findall(r"@misc\{([^,\n]+),\n(.*?)\n\}\n", text, flags=re.S):
        out.append((key, dict(re.findall(r"^  (\w+) = (.*?),?$", body, flags=re.M))))
    assert text.count("@misc{") == len(out)
    return out


# ------------------------------------------------------------------------------------------- CSV


def test_csv_round_trips_rows_in_order(reordered):
    rows = parse_csv(export.to_csv(reordered))
    assert list(rows[0]) == list(export.EXPORT_COLUMNS)
    assert [r[S.PAPER_ID] for r in rows] == reordered[S.PAPER_ID].tolist()
    first = next(r for r in rows if r[S.PAPER_ID] == "p3c1")
    assert first[S.THEMES] == "llm; scaling_laws"
    assert first[S.DATASETS] == "C4; The Pile"
    assert first[S.CLUSTER] == "0" and first[S.N_SOURCES] == "1"
    assert first[S.CODE_URL] == ""  # None is an empty cell
    assert next(r for r in rows if r[S.PAPER_ID] == "p0a2")[S.TITLE].startswith("ε-greedy exploration for γ")


@pytest.mark.parametrize(
    "text, cell",
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Self-supervised learning", "Self-supervised learning"),
    ],
)
def test_csv_defuses_formulas(papers, text, cell):
    hostile = papers.head(1).assign(**{S.TITLE: text, S.THEMES: [[text]]})
    (row,) = parse_csv(export.to_csv(hostile))
    assert row[S.TITLE] == cell
    assert row[S.THEMES] == cell


def test_csv_leaves_numbers_alone(papers):
    negative = papers.head(1).assign(**{S.CLUSTER: -1})
    (row,) = parse_csv(export.to_csv(negative))
    assert row[S.CLUSTER] == "-1"


# ------------------------------------------------------------------------------------------ JSON


def test_json_round_trips_rows_in_order(reordered):
    rows = json.loads(export.to_json(reordered).decode("utf-8"))
    assert [r[S.PAPER_ID] for r in rows] == reordered[S.PAPER_ID].tolist()
    assert all(list(r) == list(export.EXPORT_COLUMNS) for r in rows)
    by_id = {r[S.PAPER_ID]: r for r in rows}
    assert by_id["p3c1"][S.THEMES] == ["llm", "scaling_laws"]
    assert by_id["p3c1"][S.CODE_URL] is None
    assert by_id["p0a2"][S.CLUSTER] == 2
    assert by_id["p9f3"][S.TITLE] == HOSTILE


def test_json_keeps_unicode_unescaped(papers):
    assert "ε-greedy exploration for γ" in export.to_json(papers).decode("utf-8")


def test_json_accepts_arrays_and_pandas_missing_values(papers):
    # Parquet hands list columns back as arrays and pandas 3 str columns hold NaN for missing.
    odd = papers.assign(
        **{
            S.THEMES: [np.array(t, dtype=object) for t in papers[S.THEMES]],
            S.PUBLISHED: papers[S.PUBLISHED].astype("str"),
        }
    )
    rows = json.loads(export.to_json(odd))
    assert rows[0][S.THEMES] == ["llm", "scaling_laws"]
    assert rows[2][S.PUBLISHED] is None


# ---------------------------------------------------------------------------------------- BibTeX


def test_bibtex_one_entry_per_row_with_unique_keys(reordered):
    entries = bib_entries(export.to_bibtex(reordered))
    assert len(entries) == len(reordered)
    keys = [k for k, _ in entries]
    assert keys == ["scaling2020", "scriptp9f3", "scaling2020a", "scaling2020b", "greedy2021"]
    titles = [f["title"] for _, f in entries]
    assert titles[0] == "{{Scaling Graph Models}}"
    assert titles[4] == "{{ε-greedy exploration for γ-discounted control}}"


def test_bibtex_keys_differ_even_ignoring_case():
    # Undated papers are keyed by their id's tail; BibTeX takes "nets4b2c" and "nets4B2C" for one key.
    rows = pd.DataFrame([paper("x4b2c", "Nets that learn"), paper("x4B2C", "Nets that forget")])
    keys = [k for k, _ in bib_entries(export.to_bibtex(rows))]
    assert keys == ["netsx4b2c", "netsx4B2Ca"]
    assert len({k.casefold() for k in keys}) == 2


def test_bibtex_fields(papers):
    fields = dict(bib_entries(export.to_bibtex(papers)))
    arxiv = fields["scaling2020"]
    assert arxiv["url"] == "{https://arxiv.org/abs/2001.08361}"
    assert (arxiv["eprint"], arxiv["archivePrefix"]) == ("{2001.08361}", "{arXiv}")
    assert (arxiv["year"], arxiv["month"]) == ("{2020}", "jan")
    assert arxiv["note"] == r"{Themes: llm; scaling\_laws}"
    code = fields["greedy2021"]
    assert code["url"] == "{https://github.com/x/eps%20greedy}"
    assert "eprint" not in code and code["month"] == "jul"
    hostile = fields["scriptp9f3"]
    assert "url" not in hostile and "year" not in hostile and "note" not in hostile
    assert hostile["title"] == (
        r"{{<script>alert(1)</script> *a* [a](b) \$x\$ \& 100\% \#1 \ensuremath{\lbrace}b\ensuremath{\rbrace} "
        r"\textasciitilde{} \textasciicircum{} \textbackslash{} \_}}"
    )


def field_brace_depths(text: str) -> list[tuple[str, int, int]]:
    """(field line, lowest depth, final depth) of each field value, counting every brace as BibTeX does,
    escaped or not."""
    out = []
    for line in text.splitlines():
        if match := re.match(r"  \w+ = (.*?),?$", line):
            depth, lowest = 0, 0
            for ch in re.findall(r"[{}]", match.group(1)):
                depth += 1 if ch == "{" else -1
                lowest = min(lowest, depth)
            out.append((line[:80], lowest, depth))
    return out


def test_bibtex_braces_balance(papers):
    depths = field_brace_depths(export.to_bibtex(papers).decode("utf-8"))
    assert len(depths) > 20
    assert [d for d in depths if d[1:] != (0, 0)] == []


def test_bibtex_keeps_other_characters_as_written(papers):
    # Decomposed accents and non-Latin scripts stay as given: no NFC, no LaTeX accent macros.
    text = 'Cafe\u0301 Ĳ — 日本語 🙂 <b>"q"</b>'
    ((_, fields),) = bib_entries(export.to_bibtex(papers.head(1).assign(**{S.TITLE: text})))
    assert fields["title"] == "{{" + text + "}}"


# -------------------------------------------------------------------------------------- Markdown


def test_markdown_lists_rows_in_order(reordered):
    text = export.to_markdown(reordered, title="My list").decode("utf-8")
    lines = text.splitlines()
    assert lines[:3] == ["# My list", "", "5 papers"]
    items = [line for line in lines if re.match(r"^\d+\. ", line)]
    assert len(items) == 5
    assert [int(line.split(".")[0]) for line in items] == [1, 2, 3, 4, 5]
    assert items[0] == "1. **Scaling Graph Models**"
    assert items[2] == "3. **Scaling Language Models**"


def test_markdown_escapes_hostile_titles(papers):
    text = export.to_markdown(papers).decode("utf-8")
    line = next(line for line in text.splitlines() if "script" in line)
    assert "<script>" not in line and "*a*" not in line and "[a](b)" not in line and "$x$" not in line
    assert r"\<script\>" in line and r"\*a\*" in line and r"\[a\](b)" in line and r"\$x\$" in line
    assert "javascript" not in text  # a non-web link is not offered


def test_markdown_item_details(papers):
    lines = export.to_markdown(papers).decode("utf-8").splitlines()
    start = lines.index("1. **Scaling Language Models**")
    assert lines[start + 1 : start + 5] == [
        "   - [arXiv:2001.08361](https://arxiv.org/abs/2001.08361)",
        "   - Themes: llm, scaling\\_laws",
        "   - Topic: language models",
        "   - We study Scaling Language Models.",
    ]
    assert "   - [Code](https://github.com/x/eps%20greedy)" in lines


def test_markdown_cuts_long_first_sentences(papers):
    text = export.to_markdown(papers).decode("utf-8")
    line = next(line for line in text.splitlines() if "molecules" in line)
    assert line.endswith("…") and len(line) < export_markdown.MAX_SENTENCE + 60


def test_markdown_reads_as_plain_text_and_names_the_themes(papers):
    names = {"llm": "Large language models", "scaling_laws": "Scaling laws"}
    text = export.EXPORT_FORMATS["markdown"].write(papers, theme_names=names).decode("utf-8")
    assert "   - Themes: Large language models, Scaling laws" in text.splitlines()
    titled = export.to_markdown(papers.head(1).assign(**{S.TITLE: "Maestro: Uncovering Low-Rank Structure"}))
    assert "1. **Maestro: Uncovering Low-Rank Structure**" in titled.decode("utf-8").splitlines()


def test_markdown_counts_a_long_list_with_a_thousands_separator():
    many = pd.DataFrame([paper(f"p{i}", f"Paper {i}") for i in range(1200)])
    assert export.to_markdown(many).decode("utf-8").splitlines()[2] == "1,200 papers"


def test_markdown_sub_items_follow_the_item_number():
    many = pd.DataFrame([paper(f"p{i}", f"Paper {i}") for i in range(10)])
    lines = export.to_markdown(many).decode("utf-8").splitlines()
    assert lines[lines.index("10. **Paper 9**") + 1].startswith("    - ")


# ------------------------------------------------------------------------------------ edge cases


def test_empty_frame_gives_valid_empty_output():
    empty = S.empty_papers()
    assert parse_csv(export.to_csv(empty)) == []
    assert export.to_csv(empty).decode("utf-8-sig").splitlines() == [",".join(export.EXPORT_COLUMNS)]
    assert json.loads(export.to_json(empty)) == []
    assert export.to_bibtex(empty) == b""
    assert export.to_markdown(empty).decode("utf-8").splitlines() == ["# Reading list", "", "0 papers"]
    assert export.to_ris(empty) == b""
    back = pd.read_parquet(io.BytesIO(export.to_parquet(empty)))
    assert back.empty and list(back.columns) == [*export.EXPORT_COLUMNS, S.AUTHORS, S.DOI]


def test_missing_columns_are_named(papers):
    with pytest.raises(ValueError, match="abstract"):
        export.to_csv(papers.drop(columns=[S.ABSTRACT]))


def test_formats_cover_every_writer(papers):
    assert list(export.EXPORT_FORMATS) == ["csv", "json", "bibtex", "markdown", "ris", "parquet"]
    for fmt in export.EXPORT_FORMATS.values():
        assert fmt.extension and fmt.mime and fmt.label
        data = fmt.write(papers)
        assert isinstance(data, bytes) and data


def test_exports_leave_the_input_alone(papers):
    before = papers.copy(deep=True)
    for fmt in export.EXPORT_FORMATS.values():
        fmt.write(papers)
    pd.testing.assert_frame_equal(papers, before)


# ------------------------------------------------------------------- authors, DOI, RIS, Parquet

AUTHORS = {
    "p3c1": ["Jared Kaplan", "Sam McCandlish"],
    "p0a2": ["Émile Ñandú"],
    "p9f3": [],
    "p111": ["Google and DeepMind"],
    "p222": ["A. B. Čech", "Dana O'Neil", "Li_Wei"],
}
DOIS = {"p3c1": "https://doi.org/10.48550/arXiv.2001.08361", "p0a2": "doi:10.1109/TPAMI.2021.1_2{3}"}


@pytest.fixture
def with_authors(reordered) -> pd.DataFrame:
    ids = reordered[S.PAPER_ID]
    return reordered.assign(authors=[AUTHORS[i] for i in ids], doi=[DOIS.get(i) for i in ids])


def test_bibtex_authors_and_doi(with_authors):
    fields = dict(bib_entries(export.to_bibtex(with_authors)))  # keys as in test_bibtex_one_entry_per_row...
    assert fields["scaling2020a"]["author"] == "{Jared Kaplan and Sam McCandlish}"
    assert fields["scaling2020a"]["doi"] == "{10.48550/arXiv.2001.08361}"
    assert fields["scaling2020b"]["author"] == "{{Google and DeepMind}}"  # one corporate author, not two
    assert fields["scaling2020"]["author"] == r"{A. B. Čech and Dana O'Neil and Li\_Wei}"
    assert fields["greedy2021"]["doi"] == "{10.1109/TPAMI.2021.1_2%7B3%7D}"  # a link, so not LaTeX-escaped
    assert "author" not in fields["scriptp9f3"] and "doi" not in fields["scriptp9f3"]


def test_bibtex_without_optional_columns_has_no_authors(papers):
    text = export.to_bibtex(papers.drop(columns=[S.AUTHORS, S.DOI], errors="ignore")).decode("utf-8")
    assert "author =" not in text and "doi =" not in text


# Text a paper might carry that breaks a BibTeX file written carelessly: BibTeX counts every brace, escaped
# or not, so one unmatched brace ends a field early and the rest of the text reads as fields or entries.
HOSTILE_TEXTS = [
    "a}}, year = 1999, note = jan",
    "b}, year = {1999}, note = {x",
    "Lone { opening brace",
    "Lone } closing brace",
    "}}}}} five closers",
    "{{{{ four openers",
    "ends in a backslash \\",
    "\\{ escaped braces \\}",
    "\\} } \\{",
    "@misc{evil2020, title = {injected}}",
    "}\n@misc{evil2021,\n  title = {injected}\n}\n@comment{",
    "100% sure % of a comment",
    "$x^2 + \\alpha$ and a lone $",
    "~ ^ # & _ all the specials \\ { }",
    "Naïve café — “quotes” 日本語 🙂",
    "line\nbreak\r\nand\ttab",
    '"double quotes" and a lone "',
    "x" * 5000 + "}",
    "word } " * 1500,
    "\\end{document} \\input{/etc/passwd}",
    "and",
    ", , ,",
    "= title = {x}",
    "@",
    "%",
    "{",
    "}",
    "\\",
    "title}, author = {Mallory",
    "}}}} @string{jan = {evil}} {{{{",
]


@pytest.fixture
def hostile() -> pd.DataFrame:
    """One paper per hostile text: in the title, the abstract, an author, a theme, the code link and the DOI."""
    rows = []
    for i, text in enumerate(HOSTILE_TEXTS):
        other = HOSTILE_TEXTS[-1 - i]
        extra = {
            S.ABSTRACT: other,
            S.THEMES: [text, other],
            S.CODE_URL: "https://x.org/" + text,
            S.PUBLISHED: f"20{10 + i % 10}-{1 + i % 12:02d}",
            "authors": [text, "Google and DeepMind", "a, b, c, d", other, "Smith, John"],
            "doi": "10.1234/" + "".join(other.split()),  # a DOI holds no white space
        }
        if i % 3 == 1:
            extra[S.ARXIV_ID] = f"2001.{i:05d}"
        rows.append(paper(f"h{i:02d}", text, extra))
    return pd.DataFrame(rows)


def expected_fields(row) -> set[str]:
    fields = {"title", "author", "abstract", "url", "doi", "year", "month", "note"}
    return fields | ({"eprint", "archiveprefix"} if isinstance(row[S.ARXIV_ID], str) else set())


def test_bibtex_hostile_text_read_by_an_independent_reader(hostile):
    text = export.to_bibtex(hostile).decode("utf-8")
    entries = list(pybtex_parse(text, "bibtex").entries.items())  # strict: any syntax error raises
    assert len(entries) == len(hostile)
    assert [k for k, _ in entries] == [k for k, _ in bib_entries(text.encode("utf-8"))]
    for (key, entry), (_, row) in zip(entries, hostile.iterrows()):
        assert entry.type == "misc"
        assert {f.lower() for f in [*entry.fields, *entry.persons]} == expected_fields(row), key
        assert entry.fields["year"] == row[S.PUBLISHED][:4], key
        assert len(entry.persons["author"]) == 5, key


MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()


def test_bibtex_hostile_text_read_by_bibtexparser(hostile):
    text = export.to_bibtex(hostile).decode("utf-8")
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == [] and library.strings == [] and library.comments == []
    assert [e.key for e in library.entries] == [k for k, _ in bib_entries(text.encode("utf-8"))]
    for entry, (_, row) in zip(library.entries, hostile.iterrows()):
        assert {f.key.lower() for f in entry.fields} == expected_fields(row), entry.key
        assert entry["month"] == MONTHS[int(row[S.PUBLISHED][5:]) - 1], entry.key


def test_bibtex_every_field_balances_its_braces(hostile):
    depths = field_brace_depths(export.to_bibtex(hostile).decode("utf-8"))
    assert len(depths) >= 8 * len(hostile)
    assert [d for d in depths if d[1:] != (0, 0)] == []


def test_bibtex_injected_fields_stay_text(hostile):
    ((key, fields),) = bib_entries(export.to_bibtex(hostile.head(1)))
    assert key == "year2010"  # the first title word but "a", and the year
    assert fields["title"] == r"{{a\ensuremath{\rbrace}\ensuremath{\rbrace}, year = 1999, note = jan}}"
    assert fields["year"] == "{2010}" and fields["month"] == "jan"


def test_bibtex_braces_names_that_bibtex_would_split(with_authors):
    odd = with_authors.head(1).assign(authors=[["a, b, c, d", "Smith, John", "Sand Andersen", "R and D"]])
    ((_, fields),) = bib_entries(export.to_bibtex(odd))
    # "Smith, John" keeps its comma: BibTeX reads it as last, first. Too many commas would be an error.
    assert fields["author"] == "{{a, b, c, d} and Smith, John and Sand Andersen and {R and D}}"


def test_a_year_without_a_month(papers):
    year_only = papers.head(1).assign(**{S.ARXIV_ID: None, S.PUBLISHED: "2019"})
    ((key, fields),) = bib_entries(export.to_bibtex(year_only))
    assert key == "scaling2019" and fields["year"] == "{2019}" and "month" not in fields
    (ref,) = rispy.loads(export.to_ris(year_only).decode("utf-8"))
    assert (ref["year"], ref["date"]) == ("2019", "2019///")


def ris_published(ref: dict) -> str | None:
    if "date" not in ref:
        return None
    year, month = ref["date"].split("/")[:2]
    assert ref["year"] == year
    return f"{year}-{month}" if month else year


def plain(values) -> list:
    """Cells as Python values, missing as None (pandas may hold NaN for it)."""
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in values]


def test_ris_round_trips_rows_in_order(with_authors):
    refs = rispy.loads(export.to_ris(with_authors).decode("utf-8"))
    assert [r["id"] for r in refs] == with_authors[S.PAPER_ID].tolist()
    assert [r["title"] for r in refs] == [" ".join(t.split()) for t in with_authors[S.TITLE]]
    assert [r.get("abstract", "") for r in refs] == [" ".join(a.split()) for a in with_authors[S.ABSTRACT]]
    assert [r.get("authors", []) for r in refs] == with_authors["authors"].tolist()
    assert [ris_published(r) for r in refs] == plain(with_authors[S.PUBLISHED])


def test_ris_fields(with_authors):
    refs = {r["id"]: r for r in rispy.loads(export.to_ris(with_authors).decode("utf-8"))}
    arxiv, code, hostile = refs["p3c1"], refs["p0a2"], refs["p9f3"]
    assert arxiv["type_of_reference"] == "GEN"  # an arXiv DOI is still a preprint
    assert (arxiv["doi"], arxiv["urls"]) == ("10.48550/arXiv.2001.08361", ["https://arxiv.org/abs/2001.08361"])
    assert arxiv["notes"] == ["Themes: llm; scaling_laws"] and arxiv["date"] == "2020/01//"
    assert code["type_of_reference"] == "JOUR" and code["doi"] == "10.1109/TPAMI.2021.1_2{3}"
    assert code["urls"] == ["https://github.com/x/eps%20greedy"]
    assert hostile["title"] == HOSTILE and not {"urls", "notes", "authors", "doi", "date"} & set(hostile)


def test_ris_keeps_each_value_on_one_line(papers):
    sneaky = papers.head(2).assign(
        **{S.TITLE: ["Two\nER  - \nTY  - JOUR", "Semi;colon"], S.CODE_URL: [None, "https://x.org/a;b"]}
    )
    text = export.to_ris(sneaky).decode("utf-8")
    assert [line for line in text.splitlines() if line.startswith("ER  -")] == ["ER  - "] * 2
    refs = rispy.loads(text)
    assert refs[0]["title"] == "Two ER - TY - JOUR"
    assert refs[1]["urls"] == ["https://x.org/a%3Bb"]  # RIS readers split UR on ";"


def test_ris_and_bibtex_accept_arrays_and_missing_authors(papers):
    odd = papers.assign(authors=[np.array(["A One", "B Two"], dtype=object), None, [], np.nan, ["C"]])
    refs = rispy.loads(export.to_ris(odd).decode("utf-8"))
    assert [r.get("authors", []) for r in refs] == [["A One", "B Two"], [], [], [], ["C"]]
    entries = bib_entries(export.to_bibtex(odd))
    assert [f.get("author") for _, f in entries] == ["{A One and B Two}", None, None, None, "{C}"]


def test_parquet_round_trips_rows_in_order(with_authors):
    back = pd.read_parquet(io.BytesIO(export.to_parquet(with_authors)))
    assert list(back.columns) == [*export.EXPORT_COLUMNS, "authors", "doi"]
    for column in (S.PAPER_ID, S.TITLE, S.ABSTRACT, S.PUBLISHED, S.CLUSTER, "doi"):
        assert plain(back[column]) == plain(with_authors[column]), column
    for column in ("authors", S.THEMES, S.DATASETS, S.SOURCES):
        assert [list(v) for v in back[column]] == with_authors[column].tolist(), column


def test_parquet_without_optional_columns(papers):
    back = pd.read_parquet(io.BytesIO(export.to_parquet(papers.drop(columns=[S.AUTHORS, S.DOI], errors="ignore"))))
    assert list(back.columns) == list(export.EXPORT_COLUMNS)
    assert [list(v) for v in back[S.THEMES]] == papers[S.THEMES].tolist()


def test_ris_and_parquet_carry_the_whole_seed_table(seed_papers):
    refs = rispy.loads(export.to_ris(seed_papers).decode("utf-8"))
    assert [r["id"] for r in refs] == seed_papers[S.PAPER_ID].tolist()
    assert [r["title"] for r in refs] == [" ".join(t.split()) for t in seed_papers[S.TITLE]]
    back = pd.read_parquet(io.BytesIO(export.to_parquet(seed_papers)))
    assert back[S.TITLE].tolist() == seed_papers[S.TITLE].tolist()
    assert plain(back[S.PUBLISHED]) == plain(seed_papers[S.PUBLISHED])


@pytest.mark.parametrize("arrow_backed", [False, True], ids=["python lists", "arrow columns"])
def test_parquet_of_a_large_selection_is_the_same_file_written_a_batch_at_a_time(seed_papers, arrow_backed):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = seed_papers
    if arrow_backed:  # as the app maps the built table
        table = pa.Table.from_pandas(
            seed_papers, schema=S.arrow_schema(list(seed_papers.columns)), preserve_index=False
        )
        table = table.to_pandas(types_mapper=pd.ArrowDtype)
    rows = np.random.default_rng(3).permutation(len(table))[:500]
    written = pq.ParquetFile(io.BytesIO(export.to_parquet_rows(table, rows, batch=120)))
    assert written.metadata.num_row_groups == 5
    expected = pq.read_table(io.BytesIO(export.to_parquet(seed_papers.iloc[rows])))
    assert written.read().equals(expected)
    none = pq.read_table(io.BytesIO(export.to_parquet_rows(table, np.zeros(0, np.int64))))
    assert none.num_rows == 0 and none.schema.equals(expected.schema)
