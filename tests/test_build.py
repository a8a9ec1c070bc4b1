"""The whole pipeline on the bundled seeds: golden counts and spot checks, determinism, and the CLI."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pandas as pd
import pytest

from lib.build import build_papers, main
from lib.core import schema as S
from lib.reading import sources, store

ROOT = Path(__file__).resolve().parent.parent

# (title, first words of its abstract) read off the seed pages by hand.
SPOT_CHECKS = [
    (
        "Accelerating In-Browser Deep Learning Inference on Diverse Edge Clients through Just-in-Time Kernel Optimizations",
        "Web applications are increasingly becoming the primary platform",
    ),
    (
        "DeepZero: Scaling up Zeroth-Order Optimization for Deep Model Training",
        "Zeroth-order (ZO) optimization has become a popular technique",
    ),
    ("Language Modeling with Deep Transformers", "We explore deep autoregressive Transformer models"),
    ("Uncertainty-Aware DNN for Multi-Modal Camera Localization", "Camera localization, i.e., camera pose regression"),
    (
        "Challenges and Practices of Deep Learning Model Reengineering: A Case Study on Computer Vision",
        "Many engineering organizations are reimplementing",
    ),
    ("YOLO9000: Better, Faster, Stronger", None),
    ("Network Pruning Spaces", None),
    ("Dataset Quantization", None),
    ("A Survey of Mamba", None),
    ("DεpS: Delayed ε-Shrinking for Faster Once-For-All Training", None),
    ("γ-MoD: Exploring Mixture-of-Depth Adaptation for Multimodal Large Language Models", None),
    (
        "Window-Based Early-Exit Cascades for Uncertainty Estimation: When Deep Ensembles are More Efficient than Single Models",
        "Deep Ensembles are a simple, reliable, and effective method",
    ),
]


def row(papers: pd.DataFrame, title: str) -> pd.Series:
    found = papers[papers[S.TITLE] == title]
    assert len(found) == 1, title
    return found.iloc[0]


def test_golden_counts(seed_build):
    report = seed_build.report
    assert report.n_records == 745
    assert report.n_papers == len(seed_build.papers) == 634
    assert [p.papers for p in report.inputs] == [117, 81, 242, 233, 72]
    assert sum(p.lines["unrecognised"] for p in report.inputs) == 0
    # 634 distinct papers from 745 entries: every repeat is accounted for in the merges.
    assert sum(m.n_records - 1 for m in report.merges) == 745 - 634


def test_schema_is_complete_and_typed(seed_papers):
    assert list(seed_papers.columns) == list(S.COLUMNS)
    assert seed_papers[S.PAPER_ID].is_unique
    for column in S.LIST_COLUMNS:
        assert seed_papers[column].map(lambda v: isinstance(v, list)).all(), column
    assert (seed_papers[S.N_SOURCES] == seed_papers[S.SOURCES].map(len)).all()
    assert seed_papers[S.PAPER_TYPE].isin(S.PAPER_TYPES).all()


@pytest.mark.parametrize("title, abstract_start", SPOT_CHECKS)
def test_spot_checked_titles_and_abstracts(seed_papers, title, abstract_start):
    paper = row(seed_papers, title)
    assert len(paper[S.ABSTRACT]) > 400
    if abstract_start:
        assert paper[S.ABSTRACT].startswith(abstract_start)


def test_known_repeats_are_merged_with_every_page(seed_papers):
    dq = row(seed_papers, "Dataset Quantization")
    assert dq[S.N_SOURCES] == 4 and dq[S.LISTING_DATES] == ["03-11", "03-13", "03-18"]
    mamba = row(seed_papers, "A Survey of Mamba")
    assert [s[:3] for s in mamba[S.SOURCES]] == ["001", "003"]


def test_fcn_two_versions_are_one_paper_with_the_other_abstract_kept(seed_papers):
    fcn = row(seed_papers, "Fully Convolutional Networks for Semantic Segmentation")
    assert fcn[S.SOURCE_LINES] == ["002_79c842d55ca55729.txt:151", "002_79c842d55ca55729.txt:319"]
    assert len(fcn[S.ABSTRACT_VARIANTS]) == 1
    assert "improve on the previous best result" in fcn[S.ABSTRACT] + fcn[S.ABSTRACT_VARIANTS][0]
    assert "exceed the state-of-the-art" in fcn[S.ABSTRACT] + fcn[S.ABSTRACT_VARIANTS][0]


@pytest.mark.parametrize(
    "title, theme",
    [
        ("YOLO9000: Better, Faster, Stronger", "yolo"),
        ("Network Pruning Spaces", "pruning"),
        ("Channel Pruning for Accelerating Very Deep Neural Networks", "pruning"),
        ("Knowledge distillation: A good teacher is patient and consistent", "distillation"),
        ("Progressive Neural Architecture Search", "nas"),
        ("Computational Limits of Low-Rank Adaptation (LoRA) for Transformer-Based Models", "lora"),
        ("Decentralized Diffusion Models", "diffusion"),
    ],
)
def test_theme_spot_checks(seed_papers, title, theme):
    paper = row(seed_papers, title)
    assert theme in paper[S.THEMES]
    assert json.loads(paper[S.THEME_EVIDENCE])[theme]  # the words that matched are kept


def test_similar_papers_and_clusters_are_consistent(seed_papers, seed_build):
    ids = set(seed_papers[S.PAPER_ID])
    assert seed_papers[S.SIMILAR_IDS].map(lambda s: len(s) == 5 and set(s) <= ids).all()
    assert not any(pid in sim for pid, sim in zip(seed_papers[S.PAPER_ID], seed_papers[S.SIMILAR_IDS]))
    clusters = seed_build.report.topics.clusters
    assert sorted(seed_papers[S.CLUSTER].unique()) == list(range(len(clusters)))
    for card in clusters:
        members = set(seed_papers.loc[seed_papers[S.CLUSTER] == card.cluster, S.PAPER_ID])
        assert len(members) == card.size and set(card.representatives) <= members


def test_any_page_order_gives_the_same_table(seed_files, taxonomy, seed_papers):
    shuffled = list(seed_files)
    random.Random(7).shuffle(shuffled)
    assert shuffled != list(seed_files)
    again = build_papers(shuffled, taxonomy)
    pd.testing.assert_frame_equal(again.papers, seed_papers)


def test_cli_writes_table_and_report_and_a_rebuild_is_identical(tmp_path, capsys):
    out = tmp_path / "out"
    assert main([str(ROOT / "data" / "raw"), "--out", str(out), "--quiet"]) == 0
    summary = capsys.readouterr().out
    assert summary.startswith("634 papers from 745 entries in 5 inputs")
    first = store.read_papers(out / "papers.parquet")
    report = store.read_report(out / "build_report.json")
    assert report is not None and report.n_papers == len(first) == 634
    assert json.loads((out / "build_report.json").read_text()) == json.loads(json.dumps(report.to_dict()))
    assert main([str(ROOT / "data" / "raw"), "--out", str(out), "--quiet"]) == 0
    pd.testing.assert_frame_equal(store.read_papers(out / "papers.parquet"), first)


def test_cli_unreadable_input_fails_with_one_line_naming_the_file(tmp_path, capsys):
    bad = tmp_path / "raw"
    bad.mkdir()
    (bad / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert main([str(bad), "--out", str(tmp_path / "out"), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: image.txt: not a paper list: looks like a PNG image"]
    assert not (tmp_path / "out" / "papers.parquet").exists()


def test_a_multi_file_build_reads_every_readable_file_and_names_each_unreadable_one(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(ROOT / "data" / "raw" / "004_bf2a305c17a77534.txt", raw)
    shutil.copy(ROOT / "tests" / "data" / "real_shapes" / "springer.csv", raw)  # refused before issue 12
    (raw / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (raw / "notes.json").write_text('{"note": "no papers here"}', encoding="utf-8")
    assert main([str(raw), "--out", str(tmp_path / "out"), "--quiet"]) == 1  # an input failed
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "error: image.txt: not a paper list: looks like a PNG image",
        "error: notes.json: JSON object holds no list of papers (keys: note)",
    ]
    report = store.read_report(tmp_path / "out" / "build_report.json")
    assert [i.source for i in report.inputs] == ["004_bf2a305c17a77534.txt", "springer.csv"]
    assert report.n_papers == 72 + 2  # the page's 72 entries are 72 papers
    not_read = [(i.source, i.reason) for i in report.issues if i.reason.startswith("not read")]
    assert not_read == [
        ("image.txt", "not read: not a paper list: looks like a PNG image"),
        ("notes.json", "not read: JSON object holds no list of papers (keys: note)"),
    ]


def test_cli_output_folder_that_cannot_be_written_fails_with_one_line(tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should go")
    assert main([str(ROOT / "data" / "raw"), "--out", str(blocker / "out"), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: papers.parquet: cannot write it (")
    assert "Traceback" not in err[0]


def test_cli_warnings_do_not_fail_the_build(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(ROOT / "data" / "raw" / "004_bf2a305c17a77534.txt", raw)
    (raw / "empty.txt").write_text("")
    assert main([str(raw), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert "warning empty.txt: empty file" in capsys.readouterr().out


def test_cli_without_inputs_builds_the_collection_the_app_sees(tmp_path, monkeypatch):
    """Bundled pages plus added sources, with the fingerprint the app compares: the app finds the build fresh."""
    root = tmp_path / "atlas"
    (root / "raw").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "raw" / "004_bf2a305c17a77534.txt", root / "raw")
    shutil.copy(ROOT / "data" / "themes.toml", root)
    data = store.data_dir(root)
    content = (ROOT / "tests" / "data" / "real_shapes" / "springer.csv").read_bytes()
    sources.add_source(data, "springer.csv", content, fmt="csv", records=2, added="2026-01-01")
    monkeypatch.setenv(store.ENV_VAR, str(root))
    assert main(["--quiet"]) == 0
    report = store.read_report(data.report_path)
    assert [i.source for i in report.inputs] == ["004_bf2a305c17a77534.txt", data.raw_files()[1].name]
    assert report.input_fingerprint == data.fingerprint() and not data.is_stale()


def test_a_merge_decision_is_respected_by_every_rebuild_and_is_part_of_the_fingerprint(tmp_path, monkeypatch):
    root = tmp_path / "atlas"
    (root / "raw").mkdir(parents=True)
    (root / "raw" / "a.csv").write_text("title,year\nIntroduction,2001\n", encoding="utf-8")
    (root / "raw" / "b.csv").write_text("title,year\nIntroduction,2002\n", encoding="utf-8")
    shutil.copy(ROOT / "data" / "themes.toml", root)
    data = store.data_dir(root)
    monkeypatch.setenv(store.ENV_VAR, str(root))
    assert main(["--quiet"]) == 0
    assert store.read_report(data.report_path).n_papers == 1
    ((paper_id, details),) = store.read_details(data).items()
    assert details["kept"] == "a.csv:2" and details["joined_by"] == ["title"]
    store.add_decisions(data, [{"records": ["a.csv:2", "b.csv:2"], "title": "Introduction"}])
    assert data.is_stale()  # the decision changed the collection
    assert main(["--quiet"]) == 0
    assert store.read_report(data.report_path).n_papers == 2 and store.read_details(data) == {}
    store.remove_decision(data, ["b.csv:2", "a.csv:2"])
    assert main(["--quiet"]) == 0 and store.read_report(data.report_path).n_papers == 1


def test_one_arxiv_id_on_unrelated_papers_is_warned_about_in_the_report(tmp_path, taxonomy):
    page = tmp_path / "ids.csv"
    page.write_text(
        "title,arxiv_id\n"
        "Sparse Routing for Mixtures of Experts,2101.00042\n"
        "Wren Song Dialects Across Valleys,2101.00042\n"
        "A Third Paper Citing It,\n",
        encoding="utf-8",
    )
    report = build_papers([page], taxonomy).report
    assert report.n_papers == 3  # an id on two different works joins neither
    reasons = [i.reason for i in report.issues]
    assert any(r.startswith("arXiv id 2101.00042 is shared by records with different titles") for r in reasons)
    assert (
        "arXiv id 2101.00042 is on 2 papers: 'Sparse Routing for Mixtures of Experts'; 'Wren Song Dialects Across Valleys'"
        in reasons
    )
