"""lib.explore.meaning and the meaning index the build makes (lib.describing.meaning_index), on the seed build."""

from __future__ import annotations

import numpy as np
import pytest

from lib.core import schema as S
from lib.describing.meaning_index import quantize
from lib.explore.filters import FilterSpec, PaperIndex, apply_filters, facet_counts, from_query, search_hits, to_query
from lib.explore.meaning import FLOOR, MAX_QUESTION, NONE_FOUND, MeaningIndex, Tuning


@pytest.fixture(scope="module")
def ids(seed_build):
    return seed_build.papers[S.PAPER_ID].to_numpy(dtype=str)


@pytest.fixture(scope="module")
def meaning(seed_build, ids) -> MeaningIndex:
    index = MeaningIndex.from_files(*seed_build.meaning, ids)
    assert index is not None
    return index


@pytest.fixture(scope="module")
def titles(seed_build):
    return seed_build.papers[S.TITLE].tolist()


def test_the_index_is_small_and_aligned_with_the_table(seed_build, meaning, ids):
    meta, arrays = seed_build.meaning
    assert arrays["vectors"].dtype == np.int8 and arrays["vectors"].shape == (len(ids), meta["dims"])
    per_paper = arrays["vectors"].itemsize * meta["dims"] + arrays["scale"].itemsize
    assert per_paper <= 256
    assert list(arrays["paper_ids"]) == list(ids)
    # each row is its paper: a paper's own title, asked as a question, finds that paper among the first few
    for row in (0, 100, 333):
        title = seed_build.papers[S.TITLE].iloc[row]
        assert row in meaning.search(title).positions[:3].tolist(), title


def test_quantized_rows_keep_their_direction():
    rng = np.random.default_rng(0)
    rows = rng.standard_normal((200, 64)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    q, scale = quantize(rows)
    back = q.astype(np.float32) * scale[:, None]
    assert np.min(np.sum(back * rows, axis=1) / np.linalg.norm(back, axis=1)) > 0.999


def test_a_question_in_plain_words_finds_the_papers_about_it(meaning, titles):
    hits = meaning.search("a small student network learning to imitate a large teacher network")
    top = [titles[p].lower() for p in hits.positions[:10]]
    assert sum("distill" in t or "teacher" in t or "compression" in t for t in top) >= 5
    assert list(hits.scores) == sorted(hits.scores, reverse=True)
    assert {"student", "teacher"} <= set(hits.terms)


def test_word_forms_and_spellings_the_collection_lacks_are_read_through_their_family(meaning, seed_build):
    reading = meaning.read("why networks generalise instead of memorising")
    assert "generalization" in reading.terms or "generalize" in reading.terms
    literal = MeaningIndex(*seed_build.meaning, Tuning(expand=False))
    assert not {"generalization", "generalize"} & set(literal.read("why networks generalise").terms)


@pytest.mark.parametrize("question", ["the of and which", "qqzx vvbnm", "🙂🚀", "\x00\x1b[2J\x07", "   ¿¡   "])
def test_a_question_with_no_known_word_is_answered_with_nothing_and_says_why(meaning, question):
    hits = meaning.search(question)
    assert len(hits.positions) == 0
    assert hits.note == NONE_FOUND


def test_an_empty_question_is_no_answer_and_no_note(meaning):
    hits = meaning.search("")
    assert len(hits.positions) == 0 and hits.note == ""


def test_a_huge_question_is_read_up_to_the_cap(meaning):
    head = "pruning channels of convolutional networks " * 30
    huge = head[:MAX_QUESTION] + " diffusion" * 5000
    assert len(huge) > 10_000
    assert meaning.search(huge).positions.tolist() == meaning.search(head[:MAX_QUESTION]).positions.tolist()


def test_a_confident_theme_is_suggested_and_its_papers_rise(meaning, seed_build):
    question = "a small student network learning to imitate a large teacher network"
    assert meaning.reading(question).themes == ("distillation",)
    assert meaning.read("combining the predictions of several networks to get a more reliable answer").themes == ()
    plain = MeaningIndex(*seed_build.meaning, Tuning(boost=0.0))
    assert plain.read(question).themes == ()  # no boost, no suggestion
    boosted, unboosted = meaning.search(question), plain.search(question)
    about = set(meaning.theme_rows("distillation").tolist())
    share = lambda hits: np.mean([p in about for p in hits.positions[:10]])  # noqa: E731
    assert share(boosted) >= share(unboosted)


def test_a_question_like_two_nested_themes_lifts_both_without_suggesting_either(meaning, seed_build):
    question = "newer versions of the real-time object detector used in industry and on embedded boards"
    reading = meaning.reading(question)
    likeness = dict(zip(meaning.theme_ids, reading.likeness.tolist(), strict=True))
    assert likeness["yolo"] > FLOOR and likeness["detection"] > FLOOR  # YOLO detectors are object detectors
    assert reading.themes == ()  # too close to tell apart: no chip
    plain = MeaningIndex(*seed_build.meaning, Tuning(boost=0.0))
    about = set(meaning.theme_rows("yolo").tolist())
    share = lambda hits: np.mean([p in about for p in hits.positions[:10]])  # noqa: E731
    assert share(plain.search(question)) < 1.0 <= share(meaning.search(question))


def test_papers_like_these_leave_the_chosen_out_and_rank_their_neighbours_first(meaning, titles):
    chosen = [i for i, t in enumerate(titles) if "YOLO" in t][:3]
    hits = meaning.like(chosen)
    assert not set(chosen) & set(hits.positions.tolist())
    assert sum("yolo" in titles[p].lower() or "detect" in titles[p].lower() for p in hits.positions[:10]) >= 6
    assert len(meaning.like([]).positions) == 0


def test_an_index_made_for_other_rows_is_not_used(seed_build, ids):
    meta, arrays = seed_build.meaning
    assert MeaningIndex.from_files(meta, arrays, ids[::-1]) is None
    assert MeaningIndex.from_files(meta, arrays, ids[:-1]) is None
    assert MeaningIndex.from_files({**meta, "format": 0}, arrays, ids) is None


def test_the_mode_runs_with_facets_and_the_url(seed_build, meaning):
    index = PaperIndex.from_papers(seed_build.papers, meaning=meaning)
    question = "a small student network learning to imitate a large teacher network"
    spec = FilterSpec(query=question, search="meaning")
    everything = apply_filters(index, spec)
    assert everything.tolist() == meaning.search(question).positions.tolist()
    with_code = apply_filters(index, spec.choose("code", "yes"))
    assert 0 < len(with_code) < len(everything) and set(with_code) <= set(everything)
    counts = facet_counts(index, spec)
    assert counts["code"]["yes"] == len(with_code)  # the counts count the papers the search keeps
    assert from_query(to_query(spec), index) == spec
    like = FilterSpec(like=tuple(index.ids[:2]))
    assert from_query(to_query(like), index) == like
    assert from_query({"like": ["nope", index.ids[0]]}, index).like == (index.ids[0],)


def test_a_collection_without_a_meaning_index_says_so(seed_build):
    index = PaperIndex.from_papers(seed_build.papers)
    hits = search_hits(index, FilterSpec(query="teacher", search="meaning"))
    assert len(hits.positions) == 0 and "without an index for search by meaning" in hits.note


def test_a_build_without_a_meaning_index_removes_the_earlier_builds(seed_build, tmp_path):
    from lib.reading import store

    store.write_meaning(tmp_path, seed_build.meaning)
    assert store.read_meaning(tmp_path) is not None
    store.write_meaning(tmp_path, None)  # a build with no terms to index: the old index described other papers
    assert store.read_meaning(tmp_path) is None
