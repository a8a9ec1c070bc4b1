"""The arXiv id cache: reading it, matching titles, and how the build uses it on the seeds."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lib.build import build_papers
from lib.build import summary as build_summary
from lib.cleaning.id_cache import CacheEntry, CacheError, match_titles, read_cache, write_cache
from lib.core import schema as S
from lib.core.titles import normalize_title
from lib.pipeline import with_arxiv_ids

CACHE = Path(__file__).resolve().parents[2] / "data" / "arxiv_ids.csv"


@pytest.fixture(scope="module")
def cache() -> list[CacheEntry]:
    return read_cache(CACHE)


@pytest.fixture(scope="module")
def enriched(seed_files, taxonomy, cache):
    return build_papers(seed_files, taxonomy, arxiv_cache=cache)


def test_bundled_cache_shape(cache):
    assert len(cache) == 634
    confidences = [e.confidence for e in cache]
    assert confidences.count("high") == 544 and confidences.count("low") == 4
    assert sum(e.arxiv_id is None for e in cache) == 86


def test_every_high_confidence_id_lands_on_its_title(enriched, cache):
    papers = enriched.papers.assign(_key=enriched.papers[S.TITLE].map(normalize_title)).set_index("_key")
    for entry in cache:  # an id in a paper's text (often another paper's) never overrides the list
        if entry.confidence != "high":
            continue
        paper = papers.loc[normalize_title(entry.title)]
        assert paper[S.ARXIV_ID] == entry.arxiv_id, entry.title
        assert paper[S.ARXIV_SOURCE] == "list" and paper[S.ARXIV_CONFIDENCE] == "high"


def test_low_confidence_ids_are_used_but_marked(enriched):
    low = enriched.papers[enriched.papers[S.ARXIV_CONFIDENCE] == "low"]
    assert sorted(low[S.TITLE]) == [
        "Compositional Deep Learning",
        "ExcelFormer: Can a DNN be a Sure Bet for Tabular Prediction?",
        "Generating Multi-Image Synthetic Data for Text-to-Image Customization",
        "Multispectral Vineyard Segmentation: A Deep Learning approach",
    ]
    assert low[S.PUBLISHED].notna().all()


def test_blank_ids_stay_undated(enriched):
    report = enriched.report.arxiv
    papers = enriched.papers
    assert report.undated == 86 == int(papers[S.PUBLISHED].isna().sum())
    assert papers.loc[papers[S.ARXIV_ID].isna(), S.PUBLISHED].isna().all()


def test_published_month_and_url_follow_the_id(enriched):
    yolo = enriched.papers[enriched.papers[S.TITLE] == "YOLO9000: Better, Faster, Stronger"].iloc[0]
    assert yolo[S.ARXIV_ID] == "1612.08242" and yolo[S.PUBLISHED] == "2016-12"
    assert yolo[S.ARXIV_URL] == "https://arxiv.org/abs/1612.08242"
    years = enriched.papers[S.PUBLISHED].dropna().str.slice(0, 4).astype(int)
    assert years.min() == 2011 and years.max() == 2025


def test_an_id_in_the_text_cited_from_another_paper_loses_to_the_list_and_the_conflict_is_reported(enriched):
    # The abstract says "arXiv:2410.15027 has explored...": that is the earlier paper, not this one.
    conflicts = {c.title: c for c in enriched.report.arxiv.conflicts}
    lora = conflicts["In-Context LoRA for Diffusion Transformers"]
    assert (lora.kept, lora.kept_from, lora.other, lora.other_from) == ("2410.23775", "list", "2410.15027", "text")
    paper = enriched.papers[enriched.papers[S.TITLE] == "In-Context LoRA for Diffusion Transformers"].iloc[0]
    assert paper[S.ARXIV_ID] == "2410.23775" and paper[S.ARXIV_SOURCE] == "list"
    assert len(enriched.report.arxiv.conflicts) == 2 and enriched.report.arxiv.from_text == 0


def test_an_id_in_the_text_fills_a_paper_the_list_and_record_leave_without_one():
    papers = pd.DataFrame(
        {
            S.PAPER_ID: ["p1", "p2"],
            S.TITLE: ["Listed Paper Title Here", "Unlisted Paper"],
            S.RECORD_ARXIV_ID: [None, None],
            S.ARXIV_ID: ["2101.00001", "2102.00002"],
            S.RECORD_PUBLISHED: [None, None],
        }
    )
    cache = [CacheEntry("Listed Paper Title Here", "2103.00003", "high")]
    out, summary = with_arxiv_ids(papers, cache)
    assert out[S.ARXIV_ID].tolist() == ["2103.00003", "2102.00002"]
    assert out[S.ARXIV_SOURCE].tolist() == ["list", "text"]
    assert [(c.kept, c.kept_from, c.other, c.other_from) for c in summary.conflicts] == [
        ("2103.00003", "list", "2101.00001", "text")
    ]


def test_a_record_id_beats_the_list_and_the_list_id_is_reported_as_set_aside():
    papers = pd.DataFrame(
        {
            S.PAPER_ID: ["p1"],
            S.TITLE: ["Listed Paper Title Here"],
            S.RECORD_ARXIV_ID: ["2104.00004"],
            S.ARXIV_ID: [None],
            S.RECORD_PUBLISHED: [None],
        }
    )
    out, summary = with_arxiv_ids(papers, [CacheEntry("Listed Paper Title Here", "2103.00003", "high")])
    assert out[S.ARXIV_ID].tolist() == ["2104.00004"] and out[S.ARXIV_SOURCE].tolist() == ["record"]
    assert [(c.kept, c.kept_from, c.other, c.other_from) for c in summary.conflicts] == [
        ("2104.00004", "record", "2103.00003", "list")
    ]


def test_the_build_summary_says_which_id_each_conflict_kept_and_which_it_set_aside(enriched):
    text = build_summary(enriched.report)
    assert "2 conflicts" in text
    assert (
        "  In-Context LoRA for Diffusion Transformers: kept 2410.23775 from the id list, "
        "set aside 2410.15027 from the text"
    ) in text.splitlines()


@pytest.mark.parametrize(
    "title, expected",
    [
        ("YOLO9000: Better, Faster, Stronger", ("1612.08242", 100.0)),
        ("yolo9000 better faster stronger", ("1612.08242", 100.0)),
        ("YOLO9000: Beter, Faster, Stronger", ("1612.08242", None)),  # a typo still matches, below 100
        ("YOLO9000: Slower and Weaker", None),
    ],
)
def test_match_titles(cache, title, expected):
    match = match_titles([title], cache)[0]
    if expected is None:
        assert match is None
    else:
        assert match.arxiv_id == expected[0]
        assert match.score == expected[1] if expected[1] else 95 <= match.score < 100


@pytest.mark.parametrize(
    "content, message",
    [
        ("name,id\nx,1\n", "bad.csv:1: missing column(s) title, arxiv_id, confidence"),
        ("title,arxiv_id,confidence\nA,not-an-id,high\n", "bad.csv:2: 'not-an-id' is not an arXiv id"),
        ("title,arxiv_id,confidence\nA,1506.02640,sure\n", "bad.csv:2: confidence 'sure' is not one of high, low"),
    ],
)
def test_bad_cache_files_name_file_and_line(tmp_path, content, message):
    (tmp_path / "bad.csv").write_text(content)
    with pytest.raises(CacheError) as err:
        read_cache(tmp_path / "bad.csv")
    assert str(err.value) == message


def test_missing_cache_is_empty_and_write_round_trips(tmp_path):
    assert read_cache(tmp_path / "none.csv") == []
    entries = [CacheEntry("B paper", "1506.02640", "high"), CacheEntry("a paper", None, None)]
    write_cache(entries, tmp_path / "c.csv")
    assert read_cache(tmp_path / "c.csv") == sorted(entries, key=lambda e: e.title.casefold())
    assert (tmp_path / "c.csv").read_text().splitlines()[0] == "title,arxiv_id,confidence"
