"""Shaping topics in the app (AppTest): rename, merge, split and pin a cluster, re-cluster; every change is kept
in topics.toml, shows wherever the cluster is named, and survives a restart and a rebuild. A page added on the
Data page keeps the clusters and names the collection had."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib import build_job
from lib.build import build_collection, update_curation
from lib.core import schema as S
from lib.describing.topic_curation import parse_curation
from lib.explore.display import escape_markdown
from lib.reading import store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = sorted((ROOT / "data" / "raw").glob("*.txt"))


def collection(root: Path, pages=PAGES) -> store.DataDir:
    (root / "raw").mkdir(parents=True)
    for page in pages:
        shutil.copy(page, root / "raw")
    shutil.copy(ROOT / "data" / "themes.toml", root / "themes.toml")
    shutil.copy(ROOT / "data" / "arxiv_ids.csv", root / "arxiv_ids.csv")  # publication months, for trends
    data = store.data_dir(root)
    build_collection(data)
    return data


@pytest.fixture
def data(tmp_path, monkeypatch) -> store.DataDir:
    built = collection(tmp_path / "atlas")
    monkeypatch.setenv(store.ENV_VAR, str(built.root))
    return built


def settled(at: AppTest) -> AppTest:
    """The page once the rebuild the last click started in the background is in."""
    build_job.jobs_for(store.data_dir()).wait_idle()
    return at.run()


def topics_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    return at.switch_page("pages/topics.py").run()


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def card_titles(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**C")]


def built(data: store.DataDir):
    return store.read_papers(data.papers_path), store.read_report(data.report_path)


def restarted() -> AppTest:
    """The app as a new server process would find it: no cached collection, a new session."""
    st.cache_resource.clear()
    st.cache_data.clear()
    return topics_page()


def test_rename_shows_everywhere_and_survives_a_restart_and_a_rebuild(data):
    at = topics_page()
    no_errors(at)
    _, report = built(data)
    c = report.topics.clusters[1].cluster
    at.text_input(key=f"name_{c}").set_value("Compression on small devices")
    at.button(key=f"rename_{c}").click().run()
    no_errors(at)
    assert f"**C{c} · Compression on small devices**" in card_titles(at)
    assert any("is now called" in s.value for s in at.success)
    facet = at.multiselect(key="f_clusters").options  # the sidebar's topic facet
    assert any(o.startswith(f"C{c} · Compression on small devices") for o in facet), facet
    assert parse_curation(data.topics.read_text("utf-8")).name(c) == "Compression on small devices"
    papers, _ = built(data)
    assert set(papers.loc[papers[S.CLUSTER] == c, S.CLUSTER_LABEL]) == {"Compression on small devices"}
    at.switch_page("pages/explore.py").run()
    topics_shown = set(at.dataframe[0].value["Topic"])
    assert f"C{c} · Compression on small devices" in topics_shown
    assert f"**C{c} · Compression on small devices**" in card_titles(restarted())
    build_collection(data)  # a rebuild by any route reads topics.toml again
    assert f"**C{c} · Compression on small devices**" in card_titles(restarted())


def test_merge_moves_every_paper_and_survives_a_rebuild(data):
    papers, report = built(data)
    a, b = report.topics.clusters[2].cluster, report.topics.clusters[3].cluster
    moved = set(papers.loc[papers[S.CLUSTER] == a, S.PAPER_ID])
    at = topics_page()
    at.selectbox(key="merge_from").select(a).run()
    at.selectbox(key="merge_into").select(b)
    at.button(key="merge").click().run()
    no_errors(at)
    assert at.subheader[0].value == f"{report.topics.k - 1} clusters"
    papers, after = built(data)
    assert set(papers.loc[papers[S.PAPER_ID].isin(moved), S.CLUSTER]) == {b}
    assert a not in {card.cluster for card in after.topics.clusters} and after.topics.outcome.merged == (a,)
    build_collection(data)
    papers, _ = built(data)
    assert set(papers.loc[papers[S.PAPER_ID].isin(moved), S.CLUSTER]) == {b}


def test_split_makes_two_clusters_of_one_and_survives_a_rebuild(data):
    papers, report = built(data)
    card = max(report.topics.clusters, key=lambda x: x.size)
    members = set(papers.loc[papers[S.CLUSTER] == card.cluster, S.PAPER_ID])
    at = topics_page()
    at.button(key=f"split_{card.cluster}").click().run()
    no_errors(at)
    assert at.subheader[0].value == f"{report.topics.k + 1} clusters"
    papers, after = built(data)
    halves = set(papers.loc[papers[S.PAPER_ID].isin(members), S.CLUSTER])
    new = after.topics.outcome.split
    assert len(new) == 1 and halves == {card.cluster, new[0]}
    assert new[0] not in {c.cluster for c in report.topics.clusters}
    build_collection(data)
    again, _ = built(data)
    assert set(again.loc[again[S.PAPER_ID].isin(members), S.CLUSTER]) == halves


def test_a_pinned_cluster_survives_the_recluster_button(data):
    papers, report = built(data)
    c = report.topics.clusters[0].cluster
    members = set(papers.loc[papers[S.CLUSTER] == c, S.PAPER_ID])
    at = topics_page()
    at.button(key=f"pin_{c}").click().run()
    no_errors(at)
    assert any(t.startswith(f"**C{c} ·") and "pinned" in t for t in card_titles(at))
    settled(at.button(key="recluster").click().run())
    no_errors(at)
    papers, after = built(data)
    assert after.topics.outcome.mode == "recluster"
    assert set(papers.loc[papers[S.CLUSTER] == c, S.PAPER_ID]) == members
    assert any(t.startswith(f"**C{c} ·") and "pinned" in t for t in card_titles(restarted()))


def test_a_broken_topics_toml_is_named_by_line_and_the_last_build_stays_in_use(data):
    _, report = built(data)
    data.topics.write_text('[[cluster]]\nid = 0\nname = "fine"\n\n[[merge]]\ninto = "zero"\n', "utf-8")
    at = restarted()
    assert not at.exception
    warnings = [w.value.replace("\\", "") for w in at.warning]  # markdown escapes
    assert any("topics.toml:6" in w and "cluster number" in w for w in warnings), warnings
    assert at.subheader[0].value == f"{report.topics.k} clusters"  # the last good build
    c = report.topics.clusters[0].cluster
    at.text_input(key=f"name_{c}").set_value("Another")
    at.button(key=f"rename_{c}").click().run()
    assert any("not saved" in e.value and "topics.toml:6" in e.value.replace("\\", "") for e in at.error)
    assert "Another" not in data.topics.read_text("utf-8")  # the person's file is never overwritten


def test_a_page_added_on_the_data_page_keeps_the_clusters_and_their_names(tmp_path, monkeypatch):
    data = collection(tmp_path / "grow", PAGES[:4])
    monkeypatch.setenv(store.ENV_VAR, str(data.root))
    papers4, report4 = built(data)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/data.py").run()
    at.file_uploader[0].upload(PAGES[4].name, PAGES[4].read_bytes())
    settled(at.button(key="add_sources").click().run())
    at.switch_page("pages/topics.py").run()
    no_errors(at)
    papers5, report5 = built(data)
    assert len(papers5) > len(papers4)
    before = dict(zip(papers4[S.PAPER_ID], papers4[S.CLUSTER]))
    after = dict(zip(papers5[S.PAPER_ID], papers5[S.CLUSTER]))
    kept = np.mean([after[i] == c for i, c in before.items() if i in after])
    names4 = {c.cluster: c.label for c in report4.topics.clusters}
    names5 = {c.cluster: c.label for c in report5.topics.clusters}
    named = np.mean([names5.get(c) == n for c, n in names4.items()])
    assert kept >= 0.95 and named >= 0.90, (kept, named)
    assert any(c.value.startswith("Since the last build:") for c in at.caption)
    shown = card_titles(at)
    assert all(any(t.startswith(f"**C{c} · {escape(n)}**") for t in shown) for c, n in names5.items())


def escape(text: str) -> str:
    return escape_markdown(text)


def test_themes_page_ranks_emerging_clusters_by_their_names(data):
    papers, report = built(data)
    years = papers[S.PUBLISHED].str.slice(0, 4).astype(float)
    recent = papers[years >= years.max() - 1]
    busiest = int(recent[S.CLUSTER].value_counts().idxmax())
    update_curation(data.topics, lambda cur: cur.with_cluster(busiest, name="Where the field is going"))
    at = restarted()
    at.query_params["show"] = "trends"  # the Trends part of the page, where emerging clusters are
    at.switch_page("pages/themes.py").run()
    no_errors(at)
    assert "Emerging clusters" in [h.value for h in at.subheader]
    table = next(d.value for d in at.dataframe if "Cluster" in d.value.columns)
    assert f"C{busiest} · Where the field is going" in table["Cluster"].tolist()
    assert set(table["New cluster"]) <= {"", "new"}
