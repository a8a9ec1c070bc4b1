"""The lean path (lib.serving): the index a build writes beside its table answers every filter, count, sort,
search and lookup exactly as the index worked out in memory, and a lean folder that does not belong to the table
served is never used."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from lib import serving
from lib.core import schema as S
from lib.explore import lean_index
from lib.explore.charts import MapPoints, cluster_map
from lib.explore.filters import FilterSpec, PaperIndex, apply_filters, facet_counts
from lib.reading import lean, store

SPECS = [
    FilterSpec(),
    FilterSpec.of(themes=("lora",)),
    FilterSpec.of(themes=("lora", "pruning"), match_all=("themes",)),
    FilterSpec.of(code="no", sort="title"),
    FilterSpec.of(types=("survey",), sort="newest"),
    FilterSpec.of(years=(2024, 2025), sort="oldest"),
    FilterSpec.of(clusters=(0, 2), sort="sources"),
    FilterSpec(query="language model"),
    FilterSpec(query="Diffusion", sort="title"),
    FilterSpec(query="a"),
    FilterSpec(query="atention prunin", search="fuzzy"),
    FilterSpec(query="qantization", search="fuzzy", sort="newest"),
    FilterSpec(query="no such phrase anywhere"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory, seed_papers, taxonomy) -> store.DataDir:
    """The seed table written as a build writes it: the table, its Arrow copy, and its lean folder."""
    data = store.data_dir(tmp_path_factory.mktemp("lean"))
    store.write_papers(seed_papers, data.papers_path)
    store.write_served(seed_papers, data.processed / store.SERVED_FILE)
    serving.write_lean(data.processed, seed_papers, taxonomy.ids())
    return data


@pytest.fixture(scope="module")
def both(built, taxonomy) -> tuple[PaperIndex, PaperIndex]:
    papers = store.read_served(built)
    memory = PaperIndex.from_papers(papers, orders={"themes": list(taxonomy.ids())})
    mapped = serving.load_index(built)
    assert mapped is not None
    return memory, mapped


@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_every_filter_keeps_the_same_papers_in_the_same_order_with_the_same_counts(both, spec):
    memory, mapped = both
    kept = apply_filters(memory, spec)
    assert np.array_equal(apply_filters(mapped, spec), kept)
    assert facet_counts(mapped, spec) == facet_counts(memory, spec)
    if spec.query:
        assert (
            mapped.search.search(spec.query, spec.search).terms == memory.search.search(spec.query, spec.search).terms
        )


def test_the_specs_above_tell_papers_apart(both):
    """The comparison above is worth something only if the filters keep different, non-empty selections."""
    memory, _ = both
    sizes = {len(apply_filters(memory, spec)) for spec in SPECS}
    assert len(sizes) >= 8 and 0 in sizes and len(memory) in sizes


def test_facet_values_and_paper_lookups_are_the_same(both, seed_papers):
    memory, mapped = both
    assert list(mapped.facets) == list(memory.facets)
    for name in memory.facets:
        assert mapped.values(name) == memory.values(name), name
    ids = seed_papers[S.PAPER_ID].tolist()
    assert [mapped.position[pid] for pid in ids] == list(range(len(ids)))
    assert "p-not-a-paper" not in mapped.position and 3 not in mapped.position
    assert len(mapped.position) == len(ids) and sorted(mapped.position) == sorted(ids)
    assert len(mapped) == len(memory)


def test_reclustering_reindexes_the_cluster_facet_of_the_mapped_index(both, seed_papers):
    memory, mapped = both
    clusters = (np.arange(len(seed_papers)) % 3).astype(np.int64)
    papers = seed_papers.assign(**{S.CLUSTER: clusters})
    again = mapped.with_column(papers, S.CLUSTER)
    expected = dict(enumerate(np.bincount(clusters).tolist()))
    assert facet_counts(again, FilterSpec())["clusters"] == expected
    spec = FilterSpec.of(clusters=(1,), query="model")
    assert np.array_equal(apply_filters(again, spec), apply_filters(memory.with_column(papers, S.CLUSTER), spec))
    assert again.search is mapped.search


def test_map_points_write_hover_texts_for_the_drawn_papers_only(both, built):
    memory, mapped = both
    papers = store.read_served(built)
    points = lean_index.map_points(papers, mapped.ids)
    eager = cluster_map(papers, max_points=50).to_dict()
    lazy = cluster_map(points, max_points=50).to_dict()
    assert len(lazy["data"]) == len(eager["data"]) > 1
    for drawn, expected in zip(lazy["data"], eager["data"]):
        assert list(drawn["hovertext"]) == list(expected["hovertext"])
        assert [str(i) for i in drawn["customdata"]] == list(expected["customdata"])
    assert len(points.hover) == len(papers) and len(points.hover[np.array([0, 5])]) == 2


def test_lazy_hover_texts_are_indexed_as_an_array_of_them_would_be(both, built):
    memory, mapped = both
    papers = store.read_served(built)
    lazy = lean_index.map_points(papers, mapped.ids).hover
    eager = np.array([lazy[i][0] for i in range(len(lazy))], object)
    mask = np.zeros(len(lazy), dtype=bool)
    mask[[3, 7, 11]] = True
    for rows in (np.array([5, 0, 5, 2]), mask, slice(2, 9, 3), np.array([-1, -len(lazy)]), 4, []):
        assert list(lazy[rows]) == list(np.atleast_1d(eager[rows])), rows


def test_the_map_draws_the_sample_the_build_saved_only_with_nothing_highlighted(both, built):
    memory, mapped = both
    papers = store.read_served(built)
    assert np.array_equal(mapped.map_sample, lean_index.map_sample(papers[S.CLUSTER].to_numpy(dtype="int64")))
    points = MapPoints.of(papers)
    saved = replace(points, sample=(50, lean_index.map_sample(points.clusters, budget=50)))
    assert cluster_map(saved, max_points=50).to_json() == cluster_map(points, max_points=50).to_json()
    bogus = replace(points, sample=(50, np.arange(3)))  # a sample for other clusters would show: never used so
    some = np.arange(len(papers)) % 3 == 0
    for kwargs in ({"highlight": some, "max_points": 50}, {"max_points": 60}, {"max_points": 50, "random_state": 1}):
        assert cluster_map(bogus, **kwargs).to_json() == cluster_map(points, **kwargs).to_json()
    assert sum(len(t.x) for t in cluster_map(bogus, max_points=50).data) == 3


def test_aggregates_count_what_the_charts_count(built, seed_papers):
    found = lean.read_lean(built.processed, built.processed / store.SERVED_FILE)
    sizes = found.tables["cluster_sizes"].to_pandas().set_index("cluster")["papers"]
    assert sizes.to_dict() == seed_papers[S.CLUSTER].value_counts().to_dict()
    theme_month = found.tables["theme_month"].to_pandas()
    lora = seed_papers[seed_papers[S.THEMES].map(lambda t: "lora" in t)]
    assert theme_month[theme_month["theme"] == "lora"]["papers"].sum() == len(lora)
    cluster_month = found.tables["cluster_month"].to_pandas()
    assert cluster_month["papers"].sum() == len(seed_papers)
    sample = found.arrays["map_sample"]
    assert len(sample) == len(seed_papers)  # fewer papers than the map's budget: every one is drawn


def test_a_lean_folder_of_another_table_is_not_used(built, tmp_path, seed_papers, taxonomy):
    data = store.data_dir(tmp_path)
    store.write_papers(seed_papers, data.papers_path)
    store.write_served(seed_papers, data.processed / store.SERVED_FILE)
    serving.write_lean(data.processed, seed_papers, taxonomy.ids())
    assert serving.load_index(data) is not None
    fewer = seed_papers.iloc[:100]
    store.write_served(fewer, data.processed / store.SERVED_FILE)  # a new table, its lean folder not yet written
    assert serving.load_index(data) is None
    serving.write_lean(data.processed, fewer, taxonomy.ids())
    assert len(serving.load_index(data)) == 100


def test_a_damaged_lean_folder_is_not_used(tmp_path, seed_papers, taxonomy):
    data = store.data_dir(tmp_path)
    store.write_served(seed_papers, data.processed / store.SERVED_FILE)
    folder = serving.write_lean(data.processed, seed_papers, taxonomy.ids())
    (folder / lean.TEXTS_FILE).write_bytes(b"not arrow")
    assert serving.load_index(data) is None


def test_the_threshold_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(serving.LEAN_ENV, "0")
    assert serving.serves_lean(1)
    monkeypatch.setenv(serving.LEAN_ENV, "5000")
    assert not serving.serves_lean(5000) and serving.serves_lean(5001)
    monkeypatch.setenv(serving.LEAN_ENV, "many")
    assert serving.lean_threshold() == serving.DEFAULT_LEAN_ABOVE
    monkeypatch.delenv(serving.LEAN_ENV)
    assert not serving.serves_lean(10_000) and serving.serves_lean(100_000)


def test_the_command_writes_the_lean_folder_and_the_arrow_copy_of_a_parquet_only_build(tmp_path, seed_papers, capsys):
    """A build that wrote papers.parquet only (as Spark does) gets the Arrow copy the app maps and its lean folder."""
    root = Path(tmp_path)
    data = store.data_dir(root)
    (root / "themes.toml").write_bytes((Path(S.__file__).parents[2] / "data" / "themes.toml").read_bytes())
    store.write_papers(seed_papers, data.papers_path)
    assert serving.main([str(root)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert serving.load_index(data) is not None
    served = store.read_served(data)
    pd.testing.assert_series_equal(
        served[S.TITLE].astype(object), seed_papers[S.TITLE].astype(object), check_names=False
    )
    copy = feather.read_table(data.processed / store.SERVED_FILE)  # every column as built, each in one piece
    assert copy.equals(pq.read_table(data.papers_path).cast(copy.schema))
    assert copy.schema.equals(S.arrow_schema(copy.column_names)) and {c.num_chunks for c in copy.columns} == {1}
    assert serving.main([str(root / "nowhere")]) == 1
    assert "nothing is built" in capsys.readouterr().err
