"""Search by meaning on the Explore page (AppTest): the mode and its URL, the score column, facets within the
search, the "Looks like" chips, "papers like these", and questions with nothing to read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.build import build_to_disk
from lib.core import schema as S
from lib.reading import store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
QUESTION = "a small student network learning to imitate a large teacher network"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("meaning-data")
    shutil.copytree(ROOT / "data" / "raw", root / "raw")
    for name in ("themes.toml", "arxiv_ids.csv"):
        shutil.copy(ROOT / "data" / name, root / name)
    data = store.data_dir(root)
    build_to_disk(
        data.raw_files(),
        data.processed,
        data.taxonomy,
        fingerprint=data.fingerprint(),
        arxiv_cache_path=data.arxiv_cache,
    )
    return root


@pytest.fixture(scope="module")
def papers(data_dir):
    return store.read_papers(store.data_dir(data_dir).papers_path).set_index(S.PAPER_ID, drop=False)


@pytest.fixture
def app(data_dir, monkeypatch):
    monkeypatch.setenv(store.ENV_VAR, str(data_dir))

    def make(**params) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=90)
        for key, value in params.items():
            at.query_params[key] = value
        return at.run()

    return make


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def table(at: AppTest):
    return at.dataframe[0].value


def shown_count(at: AppTest) -> int:
    line = next(m.value for m in at.markdown if m.value.startswith("Showing"))
    return int(line.split("**")[1].replace(",", ""))


def test_the_mode_ranks_by_meaning_with_scores_and_keeps_it_in_the_url(app, papers):
    at = app()
    at.segmented_control(key="search_mode").set_value("meaning").run()
    at.text_input(key="q").input(QUESTION).run()
    no_errors(at)
    assert at.query_params["search"] == "meaning" and at.query_params["q"] == QUESTION
    shown = table(at)
    scores = shown["Score"].tolist()
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert 0 < shown_count(at) < len(papers)
    assert sum("distill" in t.lower() or "teacher" in t.lower() for t in shown["Title"][:10]) >= 3
    assert any(c.value.startswith("Read as: ") and "teacher" in c.value for c in at.caption)
    again = app(search="meaning", q=QUESTION)  # the link alone gives the same view
    no_errors(again)
    assert again.segmented_control(key="search_mode").value == "meaning"
    assert table(again)["Title"].tolist() == shown["Title"].tolist()


def test_facets_apply_within_the_search_and_their_counts_follow_it(app, papers):
    plain = app(search="meaning", q=QUESTION)
    narrowed = app(search="meaning", q=QUESTION, code="yes")
    no_errors(narrowed)
    assert 0 < shown_count(narrowed) < shown_count(plain)
    assert all(narrowed_url for narrowed_url in table(narrowed)["Code"])
    everything = app()
    label = next(o for o in everything.sidebar.radio(key="f_code").options if o.startswith("Has"))
    label_in_search = next(o for o in plain.sidebar.radio(key="f_code").options if o.startswith("Has"))
    assert label != label_in_search  # "Has code (N)" counts the papers the search keeps
    assert f"({shown_count(narrowed):,})" in label_in_search


def test_a_looks_like_chip_applies_its_theme(app, papers):
    at = app(search="meaning", q=QUESTION)
    chips = [b for b in at.button if b.label.startswith("Looks like: ")]
    assert [b.label for b in chips] == ["Looks like: Knowledge distillation"]
    chips[0].click().run()
    no_errors(at)
    assert at.query_params["theme"] == "distillation"
    assert all("Knowledge distillation" in themes for themes in table(at)["Themes"])
    assert not [b for b in at.button if b.label.startswith("Looks like: ")]  # applied: no longer suggested


def test_no_chip_when_no_theme_is_clearly_meant(app):
    at = app(search="meaning", q="combining the predictions of several networks to get a more reliable answer")
    no_errors(at)
    assert table(at)["Title"].tolist()
    assert not [b for b in at.button if b.label.startswith("Looks like: ")]


def test_papers_like_these_ranks_the_collection_by_the_chosen_papers(app, papers):
    chosen = papers[papers[S.TITLE].str.contains("Pruning", case=True)].index[:2].tolist()
    at = app(like=chosen)
    no_errors(at)
    shown = table(at)
    assert at.query_params["like"] == chosen
    assert not set(shown.index) & set(chosen)  # the table is indexed by paper id
    assert sum("prun" in t.lower() for t in shown["Title"][:10]) >= 4  # 27 of the 634 titles say it
    assert shown["Score"].tolist() == sorted(shown["Score"], reverse=True)
    assert any("2 papers you chose" in c.value for c in at.caption)
    at.button(key="like_back").click().run()
    assert "like" not in at.query_params


def test_ticked_rows_offer_papers_like_these(app):
    at = app(search="meaning", q=QUESTION)
    assert not [b for b in at.button if b.key == "like_these"]  # nothing ticked, nothing offered
    at.session_state["results"] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    no_errors(at)
    assert at.button(key="like_these").label == "Papers like these (2)"
    # AppTest does not deliver a click to a button drawn in a fragment from a selection it was given; the click
    # sets like= to the ticked papers' ids, which test_papers_like_these_ranks_the_collection_by_the_chosen_papers
    # follows from the URL.


@pytest.mark.parametrize("question", ["the of and with", "zqxjv wprrt", "🙂 🚀", "\x00\x07\x1b[31m"])
def test_a_question_with_no_known_word_says_so_and_shows_nothing(app, question):
    at = app(search="meaning", q=question)
    no_errors(at)
    assert any("none of these words occur in the collection" in w.value for w in at.warning)
    assert shown_count(at) == 0


@pytest.mark.parametrize("query", ["🙂 🚀", "a", "(+)$"])
def test_a_typo_tolerant_search_with_no_word_to_look_for_says_so_and_shows_nothing(app, query):
    at = app(search="fuzzy", q=query)
    no_errors(at)
    assert any("no word of two letters or more to look for" in w.value for w in at.warning)
    assert shown_count(at) == 0  # not every paper, as if nothing had been asked


def test_an_empty_question_is_no_search_and_a_huge_one_is_read_in_part(app, papers):
    at = app(search="meaning", q="   ")
    no_errors(at)
    assert shown_count(at) == len(papers) and not at.warning
    at = app()
    at.segmented_control(key="search_mode").set_value("meaning").run()
    at.text_input(key="q").input("knowledge distillation from a teacher " * 400).run()
    no_errors(at)
    assert shown_count(at) > 0
    assert any("only its first 1,000 characters were read" in c.value for c in at.caption)
