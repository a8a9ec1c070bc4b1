"""The links to the other pages carry the view, so a page switch is one step in the browser's history and the
filters go with the reader (the browser side: tests/e2e/test_browser.py, Back after a page switch)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from lib.build import build_to_disk
from lib.reading import store
from ui import state

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("links-data")
    shutil.copytree(ROOT / "data" / "raw", root / "raw")
    shutil.copy(ROOT / "data" / "themes.toml", root / "themes.toml")
    data = store.data_dir(root)
    build_to_disk(data.raw_files(), data.processed, data.taxonomy, fingerprint=data.fingerprint())
    return root


def links(at: AppTest) -> dict[str, dict[str, list[str]]]:
    return {link.proto.label: parse_qs(link.proto.query_string) for link in at.get("page_link")}


def test_every_page_is_linked_with_the_view_of_the_moment(data_dir, monkeypatch):
    monkeypatch.setenv(store.ENV_VAR, str(data_dir))
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert list(links(at)) == ["Explore", "Topics", "Themes & trends", "Data"]
    assert all(query == {} for query in links(at).values())  # no filters yet: plain links

    at.text_input(key="q").input("pruning").run()
    assert all(query == {"q": ["pruning"]} for query in links(at).values())
    assert dict(at.query_params) == {"q": "pruning"}  # the same view as the URL's


def test_a_change_made_after_the_links_were_drawn_goes_with_the_reader(data_dir, monkeypatch):
    monkeypatch.setenv(store.ENV_VAR, str(data_dir))
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.text_input(key="q").input("pruning").run()
    topics = links(at)["Topics"]
    assert topics == {"q": ["pruning"]}
    # Sorting reruns only the results (a fragment), so the links drawn before stay as they were. AppTest reruns
    # the whole script, so the sort is made the way the fragment makes it: in the session's view alone.
    at.session_state[state.SPEC] = replace(at.session_state[state.SPEC], sort="newest")
    path, _ = at.session_state[state.WRITTEN]
    at.session_state[state.WRITTEN] = (path, {"q": ["pruning"], "sort": ["newest"]})  # and in the URL

    at.query_params.clear()  # follow the link: its URL, then the page
    for key, values in topics.items():
        at.query_params[key] = values
    at.switch_page("pages/topics.py").run()
    assert not at.exception
    assert dict(at.query_params) == {"q": "pruning", "sort": "newest"}  # the sort was not lost on the way
    assert links(at)["Explore"] == {"q": ["pruning"], "sort": ["newest"]}
