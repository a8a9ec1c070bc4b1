"""The listing parser: full line accounting on the seeds, and the odd inputs users paste."""

from __future__ import annotations

import re

import pytest

from lib.core.dates import parse_listing_date
from lib.core.errors import IngestError
from lib.reading.formats import read_path
from lib.reading.formats.listing import parse_listing_text

EXPECTED_ENTRIES = {"000": 117, "001": 81, "002": 242, "003": 233, "004": 72}
ABSTRACT = (
    "Abstracts on listing pages are paragraphs of prose, several hundred characters long. "
    "We study a problem that matters. Our method improves accuracy by a wide margin on three "
    "benchmarks while using half the compute of strong baselines, and we release code and models."
)
ABSTRACT_2 = (
    "Abstracts on listing pages are paragraphs of prose, several hundred characters long. "
    "Second abstract here. It describes another approach in enough words to read as prose, with "
    "several clauses, numbers like 3.5x, and a claim that it beats the previous state of the art."
)


def test_seed_entry_counts(seed_parsed):
    assert {p.source[:3]: len(p.records) for p in seed_parsed} == EXPECTED_ENTRIES
    assert sum(len(p.records) for p in seed_parsed) == 745


def test_every_nonblank_seed_line_is_accounted_for_exactly_once(seed_files, seed_parsed):
    for path, parsed in zip(seed_files, seed_parsed):
        raw_lines = re.split(r"\r\n|\r|\n", path.read_text(encoding="utf-8"))
        nonblank = {i for i, line in enumerate(raw_lines, start=1) if line.strip()}
        assert set(parsed.kinds) == nonblank, path.name
        counts = parsed.counts()
        assert sum(counts.values()) == len(nonblank)
        assert counts["title"] == counts["abstract"] == len(parsed.records)
        assert counts["unrecognised"] == 0 and parsed.unrecognised() == []
        # Each record's title and abstract are two lines the parser marked as such, in order.
        title_lines = sorted(n for n, k in parsed.kinds.items() if k == "title")
        assert [r.line for r in parsed.records] == title_lines


@pytest.mark.parametrize(
    "prefix, boilerplate, date",
    [("000", 4, "03-18"), ("001", 4, "03-13"), ("002", 2, None), ("003", 2, None), ("004", 4, "03-11")],
)
def test_seed_boilerplate_and_page_dates(seed_parsed, prefix, boilerplate, date):
    parsed = next(p for p in seed_parsed if p.source.startswith(prefix))
    assert parsed.counts()["boilerplate"] == boilerplate
    assert parsed.page_date == date
    assert all(r.listing_date == date for r in parsed.records)


def test_subscribe_glued_to_first_title_is_stripped(seed_parsed):
    firsts = {p.source[:3]: p.records[0].title for p in seed_parsed}
    assert firsts["002"] == "DeepZero: Scaling up Zeroth-Order Optimization for Deep Model Training"
    assert firsts["003"] == "Language Modeling with Deep Transformers"
    assert not any(r.title.startswith("Subscribe") for p in seed_parsed for r in p.records)


def _titles(text: str) -> list[tuple[str, str]]:
    return [(r.title, r.abstract) for r in parse_listing_text(text, "t.txt").records]


PAGE = f"new\n\nSubscribe\n\nMar 18\n\nFirst Paper: A Title\n\n{ABSTRACT}\n\nSecond Paper Ünïcode ε\n\n{ABSTRACT_2}\n"
BOTH = [("First Paper: A Title", ABSTRACT), ("Second Paper Ünïcode ε", ABSTRACT_2)]


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("LF with blank lines", PAGE, BOTH),
        ("CRLF", PAGE.replace("\n", "\r\n"), BOTH),
        ("old Mac CR", PAGE.replace("\n", "\r"), BOTH),
        ("UTF-8 BOM", "\ufeff" + PAGE, BOTH),
        ("trailing spaces and tabs", PAGE.replace("\n", " \t \n").replace("First Paper:", "First\tPaper:"), BOTH),
        ("runs of blank lines", PAGE.replace("\n\n", "\n\n\n\n\n"), BOTH),
        ("no blank lines", PAGE.replace("\n\n", "\n"), BOTH),
        ("no date, no boilerplate", f"First Paper: A Title\n{ABSTRACT}\nSecond Paper Ünïcode ε\n{ABSTRACT_2}", BOTH),
        ("only boilerplate", "new\nGet trending papers in your email inbox!\nSubscribe\n", []),
        ("empty", "", []),
        (
            "last title has no abstract",
            f"First Paper: A Title\n{ABSTRACT}\nDangling Title",
            [BOTH[0], ("Dangling Title", "")],
        ),
        ("glued Subscribe", f"SubscribeFirst Paper: A Title\n{ABSTRACT}", [BOTH[0]]),
        (
            "title starting with Subscriber",
            f"Subscriber Churn Prediction\n{ABSTRACT}",
            [("Subscriber Churn Prediction", ABSTRACT)],
        ),
        ("decomposed accents are composed", f"Second Paper U\u0308ni\u0308code ε\n{ABSTRACT_2}", [BOTH[1]]),
    ],
)
def test_parser_layouts_and_odd_inputs(name, text, expected):
    assert _titles(text) == expected, name


def test_accounting_holds_on_odd_input():
    text = f"new\n\nMar 18\nTitle One\n{ABSTRACT}\n{ABSTRACT_2}\nLonely Title\nMay 2, 2024\n"
    parsed = parse_listing_text(text, "odd.txt")
    assert parsed.kinds == {
        1: "boilerplate",
        3: "date",
        4: "title",
        5: "abstract",
        6: "unrecognised",
        7: "title",
        8: "date",
    }
    wheres = {(i.where(), i.reason) for i in parsed.issues}
    assert ("odd.txt:6", "long text with no title line before it") in wheres
    assert ("odd.txt:7", "title with no abstract") in wheres
    assert parsed.page_date == "03-18"


def test_empty_and_boilerplate_only_pages_say_so():
    assert [i.reason for i in parse_listing_text("", "e.txt").issues] == ["empty file"]
    assert [i.reason for i in parse_listing_text("Subscribe\nnew\n", "b.txt").issues] == ["no papers found"]


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Mar 18", "03-18"),
        ("Sept 3", "09-03"),
        ("Dec 31, 2024", "2024-12-31"),
        ("march 1", "03-01"),
        ("Mar 32", None),
        ("Marching Orders", None),
        ("May Contain Nuts 18", None),
    ],
)
def test_parse_date(line, expected):
    assert parse_listing_date(line) == expected


def test_encodings(tmp_path):
    body = f"Café Networks\n{ABSTRACT}\n"
    (tmp_path / "u16.txt").write_bytes(body.encode("utf-16"))
    (tmp_path / "cp.txt").write_bytes(body.encode("cp1252"))
    assert read_path(tmp_path / "u16.txt").records[0].title == "Café Networks"
    latin = read_path(tmp_path / "cp.txt")
    assert latin.records[0].title == "Café Networks"
    assert latin.issues[0].reason == "read as cp1252, not UTF-8"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"Title\nmore\n\x00\x01\x02binary", "bin.txt:3: binary content (NUL byte), not listing text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "bin.txt: not a paper list: looks like a PNG image"),
    ],
)
def test_binary_input_is_rejected_with_file_and_line(tmp_path, data, message):
    (tmp_path / "bin.txt").write_bytes(data)
    with pytest.raises(IngestError) as err:
        read_path(tmp_path / "bin.txt")
    assert str(err.value) == message


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(IngestError, match=r"^nope\.txt: cannot read file"):
        read_path(tmp_path / "nope.txt")
