"""Every page through Streamlit's AppTest: smoke runs and the interactions a reader makes, by widget key."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from lib import serving
from lib.build import build_to_disk
from lib.core import schema as S
from lib.explore import export
from lib.reading import store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
HOSTILE = "Hostile $x$ *a* [a](b) <script>alert(1)</script> :red[x] Title"
ABSTRACT = (
    "This abstract is long enough to read as prose on a listing page, and it talks about low-rank "
    "adaptation (LoRA) of large language models. We propose a new LoRA variant that trains faster. "
    "Code is at https://github.com/example/hostile."
)


def _copy_data(target: Path, extra: str | None = None) -> Path:
    shutil.copytree(ROOT / "data" / "raw", target / "raw")
    shutil.copy(ROOT / "data" / "themes.toml", target / "themes.toml")
    shutil.copy(ROOT / "data" / "arxiv_ids.csv", target / "arxiv_ids.csv")
    if extra:
        (target / "raw" / "zz_hostile.txt").write_text(extra, encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """The bundled pages plus one page with a hostile title, built once."""
    root = _copy_data(tmp_path_factory.mktemp("pages-data"), f"{HOSTILE}\n{ABSTRACT}\n")
    data = store.data_dir(root)
    build_to_disk(
        data.raw_files(),
        data.processed,
        data.taxonomy,
        fingerprint=data.fingerprint(),
        arxiv_cache_path=data.arxiv_cache,
    )
    return root


@pytest.fixture(scope="session")
def papers(data_dir) -> pd.DataFrame:
    return store.read_papers(store.data_dir(data_dir).papers_path)


@pytest.fixture(params=["in memory", "lean"])
def app(data_dir, monkeypatch, request):
    """The app on the test collection, served both ways: its index worked out in memory, and mapped from the
    lean folder the build wrote (as collections above serving.lean_threshold() papers are)."""
    monkeypatch.setenv(store.ENV_VAR, str(data_dir))
    lean = request.param == "lean"
    monkeypatch.setenv(serving.LEAN_ENV, "0" if lean else str(10**9))
    assert (serving.load_index(store.data_dir(data_dir)) is not None) or not lean, "the build wrote no lean folder"

    def make(**params) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=90)
        for key, value in params.items():
            at.query_params[key] = value
        return at.run()

    return make


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def shown_titles(at: AppTest) -> list[str]:
    return at.dataframe[0].value["Title"].tolist()


def shown_count(at: AppTest) -> int:
    line = next(m.value for m in at.markdown if m.value.startswith("Showing"))
    return int(line.split("**")[1].replace(",", ""))


# --- smoke: every page renders what a reader needs ---------------------------------------------------


def test_explore_page(app, papers):
    at = app()
    no_errors(at)
    assert shown_count(at) == len(papers) == 635
    assert shown_titles(at) == papers[S.TITLE].tolist()[:100]  # one page of the results, in listing order
    assert any(c.value == "Rows 1–100 of 635" for c in at.caption)
    assert [b.label for b in at.get("download_button")] == ["CSV", "JSON", "BibTeX", "Markdown", "RIS", "Parquet"]
    assert any("Select a row" in i.value for i in at.info)


def test_pages_of_results_are_in_the_url_and_start_over_when_the_filters_change(app, papers):
    at = app()
    at.get("pagination")[0].set_value(3).run()
    no_errors(at)
    assert shown_titles(at) == papers[S.TITLE].tolist()[200:300]
    assert at.query_params["page"] == "3"
    assert any(c.value == "Rows 201–300 of 635" for c in at.caption)
    again = app(page="7")  # a shared link opens on its page: the last one, 35 rows
    assert shown_titles(again) == papers[S.TITLE].tolist()[600:]
    at.sidebar.multiselect(key="f_themes").set_value(["pruning"]).run()
    assert "page" not in at.query_params
    assert shown_titles(at)[0] == papers[papers[S.THEMES].map(lambda t: "pruning" in t)][S.TITLE].iloc[0]


def test_topics_page(app, data_dir):
    at = app()
    at.switch_page("pages/topics.py").run()
    no_errors(at)
    report = store.read_report(store.data_dir(data_dir).report_path)
    k = report.topics.k
    assert at.subheader[0].value == f"{k} clusters"
    assert len(at.get("plotly_chart")) == 1
    assert at.number_input(key="k_input").value == k


def test_themes_page_draws_only_the_part_in_view(app):
    at = app()
    at.switch_page("pages/themes.py").run()
    no_errors(at)
    assert [t.label for t in at.tabs] == ["Themes", "Themes × clusters", "Trends"]
    titles = [c.proto.spec for c in at.get("plotly_chart")]
    assert len(titles) == 2 and "Papers per theme" in titles[0] and "Themes that occur together" in titles[1]
    assert "trend_themes" not in [m.key for m in at.multiselect]  # the trends are not drawn meanwhile
    assert "show" not in at.query_params  # the first part is the page's plain address
    at = app(show="clusters")
    at.switch_page("pages/themes.py").run()
    assert [len(at.get("plotly_chart")), at.query_params["show"]] == [1, "clusters"]
    at = app(show="trends")
    at.switch_page("pages/themes.py").run()
    no_errors(at)
    assert len(at.get("plotly_chart")) >= 3 and at.query_params["show"] == "trends"
    assert at.multiselect(key="trend_themes").value  # a default choice of themes to plot
    at = app(show="<script>")  # an unknown part: the first one, and the URL cleaned
    at.switch_page("pages/themes.py").run()
    assert len(at.get("plotly_chart")) == 2 and "show" not in at.query_params


def test_trend_choices_are_in_the_url_and_come_back_from_it(app):
    at = app(show="trends")
    at.switch_page("pages/themes.py").run()
    at.multiselect(key="trend_themes").set_value(["moe", "lora"]).run()
    at.segmented_control(key="trend_measure").set_value("count").run()
    no_errors(at)
    assert at.query_params["plot"] == ["moe", "lora"] and at.query_params["measure"] == "count"
    again = app(plot=["moe", "lora", "no_such_theme"], measure="count", show="trends")
    again.switch_page("pages/themes.py").run()
    assert again.multiselect(key="trend_themes").value == ["moe", "lora"]
    assert again.segmented_control(key="trend_measure").value == "count"


def test_themes_page_with_no_paper_under_the_filters_says_so(app):
    at = app(q="no paper holds this phrase anywhere")
    at.switch_page("pages/themes.py").run()
    no_errors(at)
    assert any(i.value.startswith("No paper matches the filters") for i in at.info)
    assert not at.get("plotly_chart")


def test_browsing_every_page_never_loads_the_build(data_dir):
    """A reader's first visit to a page does not wait for scikit-learn and the build's modules to import (over a
    second); they load when something is built or re-clustered. Checked in a fresh interpreter."""
    script = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({APP!r}, default_timeout=120)\n"
        "at.run()\n"
        "for page in ('pages/topics.py', 'pages/themes.py', 'pages/data.py', 'pages/explore.py'):\n"
        "    at.switch_page(page).run()\n"
        "    assert not at.exception, (page, at.exception)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn' or m in ('lib.build', 'lib.pipeline')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, store.ENV_VAR: str(data_dir)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_data_page(app, data_dir):
    at = app()
    at.switch_page("pages/data.py").run()
    no_errors(at)
    assert not at.sidebar.multiselect and not at.sidebar.slider  # the filters act elsewhere, not here
    report = store.read_report(store.data_dir(data_dir).report_path)
    assert any(h.value == f"Duplicates merged: {len(report.merges)} papers seen more than once" for h in at.subheader)
    pages = at.dataframe[0].value
    assert pages["Entries"].tolist()[:5] == [117, 81, 242, 233, 72]


# --- interactions --------------------------------------------------------------------------------------


def test_choosing_lora_leaves_only_lora_papers(app, papers):
    at = app()
    at.multiselect(key="f_themes").select("lora").run()
    no_errors(at)
    expected = papers[papers[S.THEMES].map(lambda t: "lora" in t)]
    assert 0 < shown_count(at) == len(expected) < len(papers)
    assert sorted(shown_titles(at)) == sorted(expected[S.TITLE])
    assert all("LoRA and low-rank adapters" in themes for themes in at.dataframe[0].value["Themes"])
    assert at.query_params["theme"] == "lora"


def test_search_narrows_the_table(app, papers):
    at = app()
    at.text_input(key="q").input("knowledge distillation").run()
    no_errors(at)
    text = (papers[S.TITLE] + " " + papers[S.ABSTRACT]).str.lower()
    assert shown_count(at) == int(text.str.contains("knowledge distillation", regex=False).sum())
    assert 0 < shown_count(at) < len(papers)
    assert "knowledge distillation" in shown_titles(at)[0].lower()  # title hits rank first


def test_typo_tolerant_search(app):
    at = app()
    at.segmented_control(key="search_mode").set_value("fuzzy").run()
    at.text_input(key="q").input("knowlege distilation").run()
    no_errors(at)
    titles = shown_titles(at)
    assert titles and all("knowledge distillation" in t.lower() for t in titles)


def map_points(at: AppTest) -> dict[str, tuple[float, float]]:
    """Paper id -> its place on the Topics map, from the chart the page sent."""
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)

    def values(v) -> list:  # plotly sends number arrays as base64 typed arrays
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist() if isinstance(v, dict) else v

    points = {}
    for trace in spec["data"]:
        points |= dict(zip(values(trace["customdata"]), zip(values(trace["x"]), values(trace["y"]))))
    return points


def test_changing_k_changes_the_clusters_but_not_the_map(app):
    at = app()
    at.switch_page("pages/topics.py").run()
    before = map_points(at)
    at.number_input(key="k_input").set_value(6).run()
    no_errors(at)
    assert at.subheader[0].value == "6 clusters"
    assert len(at.multiselect(key="f_clusters").options) == 6
    assert at.query_params["k"] == "6"
    assert map_points(at) == before  # only the colours change: every paper stays where the reader saw it


def test_year_range_filter(app, papers):
    at = app()
    slider = at.slider(key="f_years")
    assert slider.value == (2011, 2025)
    slider.set_value((2016, 2018)).run()
    no_errors(at)
    years = papers[S.PUBLISHED].str.slice(0, 4).astype("float")
    expected = papers[(years >= 2016) & (years <= 2018)]
    assert shown_count(at) == len(expected) > 0
    assert sorted(shown_titles(at)) == sorted(expected[S.TITLE])
    assert all(2016 <= int(p[:4]) <= 2018 for p in at.dataframe[0].value["Published"])
    assert at.query_params["years"] == "2016-2018"
    caption = next(c.value for c in at.sidebar.caption if "published in 2016–2018" in c.value)
    assert caption.startswith(f"{len(expected)} papers published in 2016–2018; {int(years.isna().sum())} undated")


def test_sort_by_date_puts_newest_first(app):
    at = app(sort="newest")
    published = [p for p in at.dataframe[0].value["Published"] if p]
    assert published == sorted(published, reverse=True)


def test_clear_all_drops_every_filter(app, papers):
    at = app(theme="lora", code="yes")
    assert shown_count(at) < len(papers)
    at.button(key="clear_main").click().run()
    assert shown_count(at) == len(papers)
    assert "theme" not in at.query_params


@pytest.fixture
def deferred(monkeypatch) -> dict:
    """Capture the callables the app hands to download buttons, so a test can produce the file bytes."""
    captured: dict = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        captured[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return captured


def test_csv_download_is_exactly_the_shown_rows(app, deferred):
    at = app(theme="pruning", sort="title")
    no_errors(at)
    csv_call = next(fn for name, fn in deferred.items() if str(name).endswith(".csv"))
    rows = list(csv.DictReader(io.StringIO(csv_call().decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == shown_titles(at)
    assert all("pruning" in r["themes"].split("; ") for r in rows)


def test_a_selection_too_large_for_text_formats_is_offered_as_parquet_with_its_row_count(app, deferred, monkeypatch):
    monkeypatch.setattr(export, "LARGE_EXPORT", 400)  # the seeds stand in for a selection of millions
    at = app(sort="title")
    no_errors(at)
    buttons = {b.label: b for b in at.get("download_button")}
    assert [label for label, b in buttons.items() if not b.proto.disabled] == ["Parquet"]
    assert any(c.value == "Download all 635 shown papers: 635 rows, as Parquet (the other formats hold at most 400)"
               for c in at.caption)  # fmt: skip
    parquet = next(fn for name, fn in deferred.items() if str(name).endswith(".parquet"))
    rows = pd.read_parquet(io.BytesIO(parquet()))
    assert rows[S.TITLE].tolist()[:100] == shown_titles(at) and len(rows) == 635
    assert rows[S.ABSTRACT].notna().all()
    smaller = app(theme="pruning")  # fewer papers than the limit: every format again
    assert all(not b.proto.disabled for b in smaller.get("download_button"))


# --- URL state and display safety ----------------------------------------------------------------------


def test_url_reproduces_the_view(app, papers):
    at = app(theme=["lora", "pruning"], match="any", q="efficient", sort="title")
    no_errors(at)
    assert at.multiselect(key="f_themes").value == ["lora", "pruning"]
    assert at.text_input(key="q").value == "efficient"
    titles = shown_titles(at)
    assert titles == sorted(titles, key=str.casefold)


def test_invalid_url_values_are_ignored_and_named(app, papers):
    at = app(theme=["bogus", "lora"], cluster="999", k="1000", sort="sideways", years="x-y", paper="nope")
    no_errors(at)
    assert at.multiselect(key="f_themes").value == ["lora"]
    assert at.multiselect(key="f_clusters").value == []
    (warning,) = [w.value.replace("\\", "") for w in at.warning]
    assert warning.startswith("Parts of this link could not be used, so the view shows the rest:")
    for part in ("theme=bogus", "cluster=999", "sort=sideways", "years=x-y"):
        assert part in warning
    at.run()
    assert not at.warning  # said once, not on every click


def test_a_link_that_spells_out_the_defaults_is_used_whole(app):
    at = app(q="lora", search="exact", sort="relevance", match="any")
    no_errors(at)
    assert at.text_input(key="q").value == "lora" and not at.warning  # nothing in it was left unused


def test_a_link_of_the_old_kind_says_its_pick_is_lost(app):
    at = app(id=["p1", "p2"], theme="lora")
    assert "papers picked on the map by id" in at.warning[0].value
    assert at.multiselect(key="f_themes").value == ["lora"]


def test_markup_in_a_link_is_shown_as_text(app):
    at = app(theme="[click me](https://evil.example)")
    (warning,) = at.warning
    assert "\\[click me\\]" in warning.value or "\\[" in warning.value
    assert "](https://evil.example)" not in warning.value


def test_open_paper_from_url_and_follow_a_similar_paper(app, papers):
    first = papers.iloc[0]
    at = app(paper=first[S.PAPER_ID])
    no_errors(at)
    assert any(first[S.ABSTRACT][:40] in m.value.replace("\\", "") for m in at.markdown)
    target = first[S.SIMILAR_IDS][0]
    at.button(key=f"similar_{target}").click().run()
    target_row = papers.set_index(S.PAPER_ID).loc[target]
    assert any(target_row[S.ABSTRACT][:40] in m.value.replace("\\", "") for m in at.markdown)
    assert at.query_params["paper"] == target


def test_hostile_title_is_escaped_everywhere(app, papers):
    hostile = papers[papers[S.TITLE] == HOSTILE].iloc[0]
    at = app(paper=hostile[S.PAPER_ID])
    no_errors(at)
    heading = next(m.value for m in at.markdown if m.value.startswith("####"))
    for raw in ("$x$", "*a*", "[a](b)", "<script>", ":red[x]"):
        assert raw not in heading
    assert heading.replace("\\", "") == "#### " + HOSTILE
    at.text_input(key="q").input("Hostile").run()
    assert HOSTILE in shown_titles(at)  # the table shows it as plain text


def test_first_run_builds_with_progress(tmp_path, monkeypatch):
    root = tmp_path / "fresh"
    (root / "raw").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "themes.toml", root / "themes.toml")
    (root / "raw" / "one.txt").write_text("\n".join(f"Paper Number {i}\n{ABSTRACT} Variant {i}." for i in range(30)))
    monkeypatch.setenv(store.ENV_VAR, str(root))
    at = AppTest.from_file(APP, default_timeout=90).run()
    no_errors(at)
    assert at.status and at.status[0].label == "Built 30 papers"
    assert (root / "processed" / "papers.parquet").exists()
    assert shown_count(at) == 30


@pytest.fixture(scope="module")
def large_data_dir(tmp_path_factory) -> Path:
    """1,500 synthetic papers from bench/make_corpus.py: counts past a thousand, and more papers than the map
    draws as points."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "bench" / "make_corpus.py")
    make_corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_corpus)
    root = tmp_path_factory.mktemp("large-data")
    assert make_corpus.main(["1500", "--out", str(root / "raw")]) == 0
    shutil.copy(ROOT / "data" / "themes.toml", root / "themes.toml")
    data = store.data_dir(root)
    build_to_disk(data.raw_files(), data.processed, data.taxonomy, fingerprint=data.fingerprint())
    return root


def test_counts_past_a_thousand_are_written_with_separators(large_data_dir, monkeypatch):
    monkeypatch.setenv(store.ENV_VAR, str(large_data_dir))
    at = AppTest.from_file(APP, default_timeout=90).run()
    no_errors(at)
    assert "No code (1," in " ".join(at.radio(key="f_code").options)
    captions = [c.value for c in at.sidebar.caption]
    assert any(re.search(r"; 1,\d{3} undated", c) for c in captions), captions  # few synthetic papers are dated
    assert any(c.value == "Download all 1,500 shown papers" for c in at.caption)


def test_a_filter_change_on_topics_redraws_the_matching_points_over_the_same_shaded_map(large_data_dir, monkeypatch):
    """Past MAP_POINTS papers the map is an image of every paper with points on top: a facet change sends the same
    image and axes again (nothing to redraw in them), and only points that match, no more than MAP_POINTS."""
    from lib.explore.map_image import MAP_POINTS

    monkeypatch.setenv(store.ENV_VAR, str(large_data_dir))
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page("pages/topics.py").run()
    maps = []
    for theme in ("pruning", "llm", "quantization"):
        at.multiselect(key="f_themes").set_value([theme]).run()
        no_errors(at)
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        drawn = [i for trace in spec["data"] for i in trace["customdata"]]
        papers = store.read_papers(store.data_dir(large_data_dir).papers_path).set_index(S.PAPER_ID)
        assert 0 < len(drawn) <= MAP_POINTS and all(theme in papers.at[i, S.THEMES] for i in drawn)
        maps.append((spec["layout"]["images"][0]["source"], spec["layout"]["xaxis"]["range"]))
    assert maps[0] == maps[1] == maps[2]
    assert "1,500 papers shaded" in spec["layout"]["title"]["text"]


def test_a_region_picked_on_the_map_filters_every_page_from_its_url(app, papers):
    x, y = papers[S.X].to_numpy(), papers[S.Y].to_numpy()
    x0, x1, y0, y1 = np.quantile(x, 0.2), np.quantile(x, 0.6), np.quantile(y, 0.2), np.quantile(y, 0.6)
    expected = int(((x > x0) & (x < x1) & (y > y0) & (y < y1)).sum())
    region = f"{x0:.3f},{y0:.3f};{x1:.3f},{y0:.3f};{x1:.3f},{y1:.3f};{x0:.3f},{y1:.3f}"
    at = app(region=region)
    no_errors(at)
    assert abs(shown_count(at) - expected) <= 2 and shown_count(at) > 20  # the corners are rounded to 0.001
    assert any("in the region picked on the map" in m.value for m in at.markdown if m.value.startswith("Showing"))
    count = shown_count(at)
    at.switch_page("pages/topics.py").run()
    notice = next(i.value for i in at.info if "picked on the map" in i.value)
    assert notice.startswith(f"{count:,} papers in the region picked on the map filter every page")
    at.button(key="clear_pick").click().run()
    assert "region" not in at.query_params
