"""Search by meaning holds its quality on the labelled questions (tests/data/meaning_questions.toml): P@10 above
floors set a little under what bench/meaning_search.py measured (bench/README.md), with the bundled taxonomy and
with the themed subjects' themes removed from it, and never below plain LSA on the same questions."""

from __future__ import annotations

import tomllib
from dataclasses import replace

import numpy as np
import pytest

from lib.build import build_papers
from lib.core import schema as S
from lib.explore.meaning import MeaningIndex, Tuning
from tests.conftest import TEST_DATA

PLAIN = Tuning(expand=False, feedback=0, boost=0.0)
# Measured on all 26 questions (dev and held-out): themed subjects 0.40 with the taxonomy and 0.36 with their
# themes removed, plain LSA 0.31; the subjects the taxonomy lacks 0.31, plain LSA 0.23.
FLOORS = {("theme", "with"): 0.36, ("theme", "removed"): 0.33, ("no theme", "with"): 0.26}


@pytest.fixture(scope="module")
def labelled():
    data = tomllib.loads((TEST_DATA / "meaning_questions.toml").read_text(encoding="utf-8"))
    return data["subjects"], data["questions"]


@pytest.fixture(scope="module")
def removed_build(seed_files, taxonomy, labelled):
    subjects, _ = labelled
    gone = {s["theme"] for s in subjects.values() if "theme" in s}
    return build_papers(seed_files, replace(taxonomy, themes=tuple(t for t in taxonomy.themes if t.id not in gone)))


def precision(build, tuning, labelled) -> dict[str, float]:
    subjects, questions = labelled
    ids = build.papers[S.PAPER_ID].to_numpy(dtype=str)
    index = MeaningIndex.from_files(*build.meaning, ids, tuning)
    out: dict[str, list[float]] = {}
    for q in questions:
        subject = subjects[q["subject"]]
        top = index.search(q["text"]).positions[:10]
        out.setdefault("theme" if "theme" in subject else "no theme", []).append(
            sum(ids[p] in set(subject["relevant"]) for p in top) / 10
        )
    return {k: float(np.mean(v)) for k, v in out.items()}


def test_the_labelled_set_is_as_documented(labelled):
    subjects, questions = labelled
    assert len(questions) >= 24
    assert {q["subject"] for q in questions} == set(subjects)
    assert sum(q["held_out"] for q in questions) == len(questions) // 2
    assert sum("theme" not in s for s in subjects.values()) >= 4  # subjects the taxonomy lacks


def test_meaning_search_stays_above_its_floors_and_plain_lsa(seed_build, removed_build, labelled):
    for build, condition in ((seed_build, "with"), (removed_build, "removed")):
        shipped, plain = precision(build, Tuning(), labelled), precision(build, PLAIN, labelled)
        for kind, value in shipped.items():
            if (kind, condition) in FLOORS:
                assert value >= FLOORS[(kind, condition)], (kind, condition, value)
                assert value >= plain[kind], (kind, condition, value, plain[kind])
