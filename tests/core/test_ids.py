"""arXiv ids: every accepted written form, impossible ids, dating, and finding ids in prose."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.core.ids import arxiv_abs_url, arxiv_month, find_arxiv_ids, normalize_arxiv_id


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("2502.12524", "2502.12524"),
        ("1506.02640", "1506.02640"),
        ("arXiv:2502.12524v3", "2502.12524"),
        ("ARXIV: 2502.12524", "2502.12524"),
        ("https://arxiv.org/abs/2502.12524", "2502.12524"),
        ("http://www.arxiv.org/abs/2502.12524v2", "2502.12524"),
        ("arxiv.org/pdf/2502.12524v1.pdf", "2502.12524"),
        ("https://arxiv.org/pdf/2502.12524", "2502.12524"),
        ("https://export.arxiv.org/abs/1506.02640/", "1506.02640"),
        ("https://doi.org/10.48550/arXiv.2502.12524", "2502.12524"),
        ("  0704.0001  ", "0704.0001"),
        ("1412.9999", "1412.9999"),
        ("1501.00001", "1501.00001"),
        ("cs/0501001", "cs/0501001"),
        ("hep-th/9901001v2", "hep-th/9901001"),
        ("math.AG/0601001", "math/0601001"),
        ("arXiv:cs/0501001v1", "cs/0501001"),
        ("https://arxiv.org/abs/hep-th/9108001", "hep-th/9108001"),
        ("astro-ph/0703999", "astro-ph/0703999"),
    ],
)
def test_normalize_accepts_every_written_form(raw, canonical):
    assert normalize_arxiv_id(raw) == canonical


@pytest.mark.parametrize(
    "raw",
    [
        "2513.12345",  # month 13
        "2500.12345",  # month 00
        "0703.1234",  # new-style ids start in 2007-04
        "9001.1234",  # a new-style id from "1990"
        "1412.12345",  # 5-digit numbers start in 2015
        "1501.1234",  # 4-digit numbers end in 2014
        "2502.00000",  # no paper zero
        "hep-th/9107001",  # arXiv opened in 1991-08
        "hep-th/9001001",  # 1990
        "cs/0801001",  # old-style ids end in 2007-03
        "cs/0513001",  # month 13
        "stat/0501001",  # stat never issued old-style ids
        "foo/0501001",  # not an archive
        "2502.1252",  # too short
        "2502.125245",  # too long
        "https://example.org/abs/2502.12524",  # not arXiv
        "arXiv:",
        "",
        "see 2502.12524",
    ],
)
def test_normalize_rejects_impossible_or_foreign_ids(raw):
    assert normalize_arxiv_id(raw) is None


def test_normalize_rejects_non_strings():
    assert normalize_arxiv_id(None) is None  # type: ignore[arg-type]
    assert normalize_arxiv_id(2502.12524) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "month"),
    [
        ("2502.12524", "2025-02"),
        ("1506.02640", "2015-06"),
        ("arXiv:0704.0001v2", "2007-04"),
        ("1412.1234", "2014-12"),
        ("cs/0501001", "2005-01"),
        ("hep-th/9901001v2", "1999-01"),
        ("math.AG/0601001", "2006-01"),
        ("hep-th/9108001", "1991-08"),
        ("https://arxiv.org/abs/1704.02685", "2017-04"),
        ("2513.12345", None),
        ("not an id", None),
    ],
)
def test_arxiv_month(raw, month):
    assert arxiv_month(raw) == month


def test_abs_url_is_canonical_whatever_the_input_form():
    assert arxiv_abs_url("arXiv:2502.12524v3") == "https://arxiv.org/abs/2502.12524"
    assert arxiv_abs_url("hep-th/9901001v2") == "https://arxiv.org/abs/hep-th/9901001"
    with pytest.raises(ValueError):
        arxiv_abs_url("2513.12345")


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        # Real seed abstracts (In-Context LoRA, DeepLIFT).
        ("Recent research arXiv:2410.15027 has explored the use of DiTs", ["2410.15027"]),
        ("See https://arxiv.org/abs/1704.02685 for the newer version.", ["1704.02685"]),
        ("arXiv preprint arXiv:1506.02640v5, 2015.", ["1506.02640"]),
        ("(arxiv.org/pdf/2502.12524v1.pdf)", ["2502.12524"]),
        ("cited as arXiv 2502.12524 in", ["2502.12524"]),
        ("doi:10.48550/arXiv.2502.12524", ["2502.12524"]),
        ("old ids such as hep-th/9901001v2 and math.AG/0601001 resolve", ["hep-th/9901001", "math/0601001"]),
        # Order of first appearance, duplicates and versions collapse.
        (
            "arXiv:2410.15027v2, then cs/0501001, then https://arxiv.org/abs/2410.15027",
            ["2410.15027", "cs/0501001"],
        ),
        # A bare decimal in prose is not taken for an id: it could be any number.
        ("YOLO (1506.02640) runs at 45 fps", []),
        ("a ratio of 2502.12524 was reached", []),
        # Impossible ids in id position are still rejected.
        ("arXiv:2513.12345 and arXiv:0612.1234", []),
        ("paths like data/2020123 or foo/0501001 are not ids", []),
        ("", []),
    ],
)
def test_find_arxiv_ids(text, ids):
    assert find_arxiv_ids(text) == ids


_NEW_IDS = st.builds(
    lambda yy, mm, seq: f"{yy:02d}{mm:02d}.{seq:05d}",
    st.integers(15, 99),
    st.integers(1, 12),
    st.integers(1, 99999),
)


_FORMS = st.sampled_from(["{}", "arXiv:{}", "https://arxiv.org/abs/{}", "arxiv.org/pdf/{}.pdf"])


@given(_NEW_IDS, st.integers(1, 9), _FORMS)
def test_every_form_of_a_valid_id_normalizes_to_the_same_id(ident, version, form):
    assert normalize_arxiv_id(form.format(f"{ident}v{version}")) == ident
    assert normalize_arxiv_id(ident) == ident
    assert arxiv_month(ident) == f"20{ident[:2]}-{ident[2:4]}"
