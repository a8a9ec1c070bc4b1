"""Whatever bytes arrive, read_bytes returns a ParseResult or raises IngestError, never anything else:
random bytes, and random bytes or text behind each format's opening signature."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.core.errors import IngestError
from lib.core.records import ParseResult
from lib.reading.formats import read_bytes

NAMES = st.sampled_from(
    ["upload", "p.txt", "p.csv", "p.tsv", "p.json", "p.jsonl", "p.parquet", "p.bib", "p.ris", "p.xml"]
)
PREFIXES = [
    b"PAR1",
    b"<?xml",
    b"<feed>",
    b"@article{",
    b"TY  - ",
    b"[",
    b"{",
    b"title,abstract\n",
    b"title\tyear\n",
]
# Characters that matter to some parser, so random text reaches past the first syntax check.
TOKENS = list('{}[]",:;=@%\\$<>/&#!?-\t\n\r aZ09é') + [
    "TY  - ",
    "\nER  - ",
    "  - ",
    " and ",
    "title",
    "&lol;",
    "\\'",
]
SYNTAX = st.lists(st.sampled_from(TOKENS), max_size=300).map("".join)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(data: bytes, name: str) -> None:
    try:
        result = read_bytes(data, name)
    except IngestError as exc:
        assert str(exc).startswith(name)
        return
    assert isinstance(result, ParseResult)
    for record in result.records:
        assert record.title and record.title != "nan"
        assert record.title == record.title.strip()


@SETTINGS
@given(data=st.binary(max_size=2000), name=NAMES)
def test_arbitrary_bytes(data, name):
    check(data, name)


@pytest.mark.parametrize("prefix", PREFIXES, ids=lambda p: p.decode().strip().replace("\t", ","))
@SETTINGS
@given(rest=st.binary(max_size=1000), name=NAMES)
def test_format_signature_then_arbitrary_bytes(prefix, rest, name):
    check(prefix + rest, name)


@SETTINGS
@given(prefix=st.sampled_from(PREFIXES), rest=SYNTAX, name=NAMES)
def test_format_signature_then_syntax_soup(prefix, rest, name):
    check(prefix + rest.encode("utf-8"), name)
