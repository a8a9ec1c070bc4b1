"""Topics you can trust across builds, through the build and its CLI: file names and order change nothing, a
collection that grows keeps its clusters and their names, --recluster starts afresh and carries them over, and
topics.toml names clusters everywhere (or, when it is broken, is named by line while the last build stays)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from lib.build import build_papers, main
from lib.core import schema as S
from lib.reading import store

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "data" / "raw").glob("*.txt"))


def clusters_of(papers) -> dict[str, int]:
    return dict(zip(papers[S.PAPER_ID], papers[S.CLUSTER].tolist()))


def names_of(report) -> dict[int, str]:
    return {c.cluster: c.label for c in report.topics.clusters}


def test_renamed_and_reordered_files_give_identical_clusters_and_k(tmp_path, seed_build, taxonomy):
    renamed = []
    for i, page in enumerate(reversed(PAGES)):  # other names, sorting in the opposite order
        target = tmp_path / f"{chr(ord('a') + i)}-listing-{i}.txt"
        shutil.copy(page, target)
        renamed.append(target)
    again = build_papers(renamed[::-1][2:] + renamed[::-1][:2], taxonomy)
    before, after = clusters_of(seed_build.papers), clusters_of(again.papers)
    assert set(before) == set(after)
    ids = sorted(before)
    assert [before[i] for i in ids] == [after[i] for i in ids]
    assert adjusted_rand_score([before[i] for i in ids], [after[i] for i in ids]) == 1.0
    assert again.report.topics.k == seed_build.report.topics.k
    assert names_of(again.report) == names_of(seed_build.report)


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """Four of the five pages built into a folder, then the fifth added and built into the same folder."""
    root = tmp_path_factory.mktemp("grown")
    raw, out = root / "raw", root / "out"
    raw.mkdir()
    for page in PAGES[:4]:
        shutil.copy(page, raw)
    assert main([str(raw), "--out", str(out), "--quiet"]) == 0
    first = (store.read_papers(out / "papers.parquet"), store.read_report(out / "build_report.json"))
    shutil.copy(PAGES[4], raw)
    assert main([str(raw), "--out", str(out), "--quiet"]) == 0
    second = (store.read_papers(out / "papers.parquet"), store.read_report(out / "build_report.json"))
    return raw, out, first, second


def test_a_page_added_keeps_the_earlier_papers_clusters_and_the_names(grown):
    _, _, (papers4, report4), (papers5, report5) = grown
    before, after = clusters_of(papers4), clusters_of(papers5)
    earlier = [i for i in before if i in after]
    kept = np.mean([before[i] == after[i] for i in earlier])
    names4, names5 = names_of(report4), names_of(report5)
    names_kept = np.mean([names5.get(c) == name for c, name in names4.items()])
    print(f"\n4 -> 5 pages: {kept:.1%} of {len(earlier)} earlier papers kept their cluster; {names_kept:.1%} of names")
    assert kept >= 0.95 and names_kept >= 0.90
    outcome = report5.topics.outcome
    assert outcome.mode == "incremental" and outcome.joined == len(after) - len(earlier) + outcome.changed
    assert len(after) > len(before)


def test_recluster_starts_afresh_and_carries_ids_and_names_over(grown, capsys):
    raw, out, _, (papers5, report5) = grown
    assert main([str(raw), "--out", str(out), "--quiet", "--recluster"]) == 0
    assert "topics (recluster)" in capsys.readouterr().out
    report = store.read_report(out / "build_report.json")
    papers = store.read_papers(out / "papers.parquet")
    assert report.topics.outcome.mode == "recluster"
    matched = report.topics.outcome.matched
    assert matched >= 0.7 * report.topics.k
    carried = [c for c in report.topics.clusters if c.cluster in names_of(report5)]
    assert len(carried) == matched  # a continuing cluster keeps its number ...
    before, after = clusters_of(papers5), clusters_of(papers)
    for card in carried:  # ... because more of its papers come from that cluster than from any other
        came_from = np.bincount([before[i] for i, c in after.items() if c == card.cluster])
        assert came_from[card.cluster] == came_from.max(), (card, came_from)


def _built(tmp_path) -> tuple[Path, Path]:
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    shutil.copy(PAGES[4], raw)
    assert main([str(raw), "--out", str(out), "--quiet"]) == 0
    return raw, out


def test_a_name_in_topics_toml_shows_in_the_table_and_the_report(tmp_path):
    raw, out = _built(tmp_path)
    report = store.read_report(out / "build_report.json")
    card = report.topics.clusters[0]
    (tmp_path / "topics.toml").write_text(f'[[cluster]]\nid = {card.cluster}\nname = "My own name"\n', "utf-8")
    assert main([str(raw), "--out", str(out), "--quiet"]) == 0
    papers = store.read_papers(out / "papers.parquet")
    again = store.read_report(out / "build_report.json")
    renamed = next(c for c in again.topics.clusters if c.cluster == card.cluster)
    assert renamed.label == "My own name" and renamed.auto_label == card.auto_label
    labels = set(papers.loc[papers[S.CLUSTER] == card.cluster, S.CLUSTER_LABEL])
    assert labels == {"My own name"} and len(papers[papers[S.CLUSTER] == card.cluster]) == card.size


def test_a_broken_topics_toml_is_named_by_line_and_the_last_build_stays(tmp_path, capsys):
    raw, out = _built(tmp_path)
    table = (out / "papers.parquet").read_bytes()
    (tmp_path / "topics.toml").write_text('[[cluster]]\nid = 1\nname = "fine"\npinned = "yes"\n', "utf-8")
    capsys.readouterr()
    assert main([str(raw), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: topics.toml:4: 'pinned' must be true or false"]
    assert (out / "papers.parquet").read_bytes() == table


def test_an_entry_that_can_do_nothing_is_a_warning_with_its_line(tmp_path, capsys):
    raw, out = _built(tmp_path)
    (tmp_path / "topics.toml").write_text("\n[[merge]]\ninto = 900\nclusters = [901]\n", "utf-8")
    assert main([str(raw), "--out", str(out), "--quiet"]) == 0
    assert "warning topics.toml:2: merge into C900: no such clusters" in capsys.readouterr().out


def test_a_grown_collection_has_the_theme_tags_a_build_from_nothing_gives(grown, taxonomy):
    """Tags of unchanged papers come from the last build (same taxonomy): they must be what tagging gives."""
    raw, _, _, (papers5, _) = grown
    fresh = build_papers(sorted(raw.glob("*.txt")), taxonomy).papers
    columns = [S.PAPER_ID, S.THEMES, S.THEME_MENTIONS, S.THEME_EVIDENCE]
    a = papers5[columns].sort_values(S.PAPER_ID).reset_index(drop=True)
    b = fresh[columns].sort_values(S.PAPER_ID).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_another_taxonomy_tags_every_paper_again(tmp_path):
    raw, out = _built(tmp_path)
    taxonomy = tmp_path / "themes.toml"
    text = (ROOT / "data" / "themes.toml").read_text(encoding="utf-8")
    taxonomy.write_text(
        text + '\n[[theme]]\nid = "images"\nname = "Images"\ngroup = "Test"\npatterns = [\'images?\']\n'
    )
    assert main([str(raw), "--out", str(out), "--quiet", "--taxonomy", str(taxonomy)]) == 0
    papers = store.read_papers(out / "papers.parquet")
    with_images = papers[S.TITLE].str.contains(r"\bImages?\b", case=False, regex=True)
    assert with_images.any() and papers.loc[with_images, S.THEMES].map(lambda t: "images" in t).all()


def test_a_rebuild_tags_only_the_papers_it_has_not_seen(tmp_path, monkeypatch):
    import lib.pipeline

    raw, out = _built(tmp_path)
    before = len(store.read_papers(out / "papers.parquet", columns=[S.PAPER_ID]))
    shutil.copy(PAGES[3], raw)
    tagged: list[int] = []
    real = lib.pipeline.tag_themes
    monkeypatch.setattr(lib.pipeline, "tag_themes", lambda t, a, tax: tagged.append(len(t)) or real(t, a, tax))
    assert main([str(raw), "--out", str(out), "--quiet"]) == 0
    after = len(store.read_papers(out / "papers.parquet", columns=[S.PAPER_ID]))
    assert tagged and tagged[0] < after - before + 20  # the new papers, and those whose abstract changed
