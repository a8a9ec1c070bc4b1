"""Finding 5: a shared link cannot break a page. Arbitrary query strings (the app's own keys with hostile values,
and keys it does not know) are thrown at every page through AppTest; no page may raise, and every part that could
not be used is said as text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from lib.build import build_to_disk
from lib.reading import store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = ["pages/explore.py", "pages/topics.py", "pages/themes.py", "pages/data.py"]
KEYS = ["theme", "match", "cluster", "code", "type", "dataset", "source", "listed", "years", "year", "author",
        "venue", "q", "search", "sort", "k", "paper", "page", "plot", "measure", "region", "id", "zzz"]  # fmt: skip
NASTY = [
    "²", "٣", "---5", "1900-2100", "0-0", "2019-", "-", "9" * 5000, "1e9", "0x10", " 3", "3 ", "", "\x00", "﻿7",
    "[x](javascript:alert(1))", "<script>", "$x$", ":red[x]", "1;2;3", "0,0;1,1;2,2", "nan,nan;1,1;0,1",
    "1e308,1;2,2;3,3", "a" * 3000, "🙂", "\u202e", "%00", "..%2F..%2Fetc", "true", "-1", "40", "41", "2",
]  # fmt: skip
values = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))
queries = st.dictionaries(st.sampled_from(KEYS), st.lists(values, min_size=1, max_size=3), max_size=6)


@pytest.fixture(scope="module")
def app_on_a_collection(tmp_path_factory):
    root = tmp_path_factory.mktemp("urls")
    (root / "raw").mkdir()
    shutil.copy(ROOT / "data" / "raw" / "004_bf2a305c17a77534.txt", root / "raw")
    shutil.copy(ROOT / "data" / "themes.toml", root / "themes.toml")
    data = store.data_dir(root)
    build_to_disk(data.raw_files(), data.processed, data.taxonomy, fingerprint=data.fingerprint())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(store.ENV_VAR, str(root))
        apps = {}
        for page in PAGES:
            at = AppTest.from_file(APP, default_timeout=60)
            at.run()
            apps[page] = at.switch_page(page).run()
        yield apps


@pytest.mark.parametrize("page", PAGES)
def test_5_no_query_string_breaks_a_page(app_on_a_collection, page):
    at = app_on_a_collection[page]

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(queries)
    def opened(query: dict[str, list[str]]) -> None:
        at.query_params.clear()
        for key, items in query.items():
            at.query_params[key] = items
        at.run()
        assert not at.exception, (query, [e.message for e in at.exception])
        for warning in at.warning:
            assert "](javascript" not in warning.value and "<script>" not in warning.value.replace("\\<", "")

    opened()
