"""`python -m lib.build --engine spark` gives the single-machine table: the same papers and merges, the same
themes and facets per paper, nearly the same clusters and similar papers, the same report and file schema."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import adjusted_rand_score

from lib.core import schema as S
from lib.reading import store

pytestmark = pytest.mark.xdist_group("spark")  # one worker, one JVM for all Spark tests

TOPIC_COLUMNS = {S.CLUSTER, S.CLUSTER_LABEL, S.X, S.Y, S.SIMILAR_IDS}


def _same(a, b) -> bool:
    missing = (a is None or a != a) and (b is None or b != b)  # None and NaN are both a missing cell
    return missing or bool(np.all(a == b)) if not missing else True


def test_same_papers_in_the_same_order_with_the_same_merges(pair):
    assert pair.spark[S.PAPER_ID].tolist() == pair.local[S.PAPER_ID].tolist()
    assert pair.spark_report.n_records == pair.local_report.n_records
    assert pair.spark_report.merges == pair.local_report.merges
    assert len(pair.local_report.merges) > 0  # the corpora do hold duplicates to merge
    assert pair.spark_report.same_title_splits == pair.local_report.same_title_splits
    assert pair.spark_details == pair.local_details


def test_same_themes_facets_and_every_other_per_paper_column(pair):
    for column in S.COLUMNS:
        if column in TOPIC_COLUMNS:
            continue
        differing = [i for i, (a, b) in enumerate(zip(pair.local[column], pair.spark[column])) if not _same(a, b)]
        assert not differing, f"{column}: {len(differing)} papers differ, first at row {differing[0]}"
    assert sum(map(len, pair.spark[S.THEMES])) > 0 and pair.spark[S.PAPER_TYPE].nunique() > 1


def test_same_report_apart_from_timings(pair):
    local, spark = pair.local_report, pair.spark_report
    for field in ("n_papers", "inputs", "issues", "taxonomy", "theme_counts", "arxiv"):
        assert getattr(spark, field) == getattr(local, field), field
    assert spark.topics.k == local.topics.k and spark.topics.reason == local.topics.reason
    assert {"topics", "meaning"} <= spark.timings.keys() & local.timings.keys()  # the meaning index timed apart


def test_clusters_agree_with_the_single_machine_build(pair):
    ari = adjusted_rand_score(pair.local[S.CLUSTER], pair.spark[S.CLUSTER])
    assert ari >= 0.9, f"adjusted Rand index {ari:.3f}"
    sizes = pair.spark[S.CLUSTER].value_counts()
    assert sizes.index.tolist() == sorted(sizes.index, key=lambda c: (-sizes[c], c))  # numbered by size
    labels = dict(zip(pair.spark[S.CLUSTER], pair.spark[S.CLUSTER_LABEL]))
    assert len(set(labels.values())) == len(labels) == pair.spark_report.topics.k


def test_similar_papers_overlap_with_the_single_machine_build(pair):
    overlap = [
        len(set(a) & set(b)) / len(a) for a, b in zip(pair.local[S.SIMILAR_IDS], pair.spark[S.SIMILAR_IDS]) if len(a)
    ]
    assert np.mean(overlap) >= 0.8, f"top-5 overlap {np.mean(overlap):.3f}"
    ids = set(pair.spark[S.PAPER_ID])
    assert all(set(s) <= ids and pid not in s for pid, s in zip(pair.spark[S.PAPER_ID], pair.spark[S.SIMILAR_IDS]))


def test_the_map_places_papers_as_the_single_machine_build_does(pair):
    assert np.abs(pair.spark[S.X] - pair.local[S.X]).max() < 0.01
    assert np.abs(pair.spark[S.Y] - pair.local[S.Y]).max() < 0.01


def test_one_parquet_file_with_the_table_columns_and_types(pair):
    schema = pq.read_schema(pair.spark_dir / store.PAPERS_FILE)
    assert schema.names == list(S.COLUMNS)
    assert pair.spark_report.input_fingerprint == pair.local_report.input_fingerprint != ""
    local = {f.name: f.type for f in pq.read_schema(pair.spark_dir.parent / "local" / store.PAPERS_FILE)}
    for field in schema:
        if str(local[field.name]) not in ("null", "list<element: null>"):  # all-missing columns are untyped there
            assert field.type == local[field.name], field.name


QUESTIONS = (
    "making a trained network smaller by throwing away connections it does not need",
    "a small student network learning to imitate a large teacher network",
    "detecting objects in photos in real time",
)


def test_search_by_meaning_finds_the_papers_the_single_machine_build_finds(pair):
    from lib.explore.meaning import NONE_FOUND, MeaningIndex

    indexes = []
    for side, table in (("local", pair.local), ("spark", pair.spark)):
        saved = store.read_meaning(pair.spark_dir.parent / side)
        assert saved is not None, f"the {side} build wrote no meaning index"
        index = MeaningIndex.from_files(*saved, table[S.PAPER_ID].to_numpy(dtype=str))
        assert index is not None, f"the {side} build's meaning index does not fit its table"
        indexes.append(index)
    local, spark = indexes
    assert spark.vocabulary == local.vocabulary
    for question in QUESTIONS:
        a, b = local.search(question), spark.search(question)
        top_a, top_b = set(a.positions[:10].tolist()), set(b.positions[:10].tolist())
        assert len(top_a) == 10 and len(top_a & top_b) >= 8, f"{question!r}: {len(top_a & top_b)} of 10 shared"
        assert b.terms == a.terms and b.themes == a.themes
    assert spark.search("zzqx qqvv").note == NONE_FOUND


def test_the_spark_build_writes_the_lean_folder_and_it_answers_as_the_single_machine_one(pair):
    from lib.explore import lean_index
    from lib.explore.filters import FilterSpec, apply_filters, facet_counts
    from lib.reading import lean

    indexes = []
    for side in ("local", "spark"):
        out = pair.spark_dir.parent / side
        found = lean.read_lean(out, out / store.SERVED_FILE)
        assert found is not None, f"the {side} build wrote no lean folder made from its table"
        indexes.append(lean_index.lean_index(found.meta, found.arrays, found.texts, found.words))
    local, spark = indexes
    assert "lean" in pair.spark_report.timings  # timed apart in the report
    theme = max(facet_counts(local, FilterSpec())["themes"].items(), key=lambda kv: kv[1])[0]
    for spec in (FilterSpec(), FilterSpec().choose("themes", (theme,)), FilterSpec(query="diffusion")):
        assert facet_counts(spark, spec) == facet_counts(local, spec)
        kept = [spark.ids[i] for i in apply_filters(spark, spec)]
        assert kept == [local.ids[i] for i in apply_filters(local, spec)] and kept
