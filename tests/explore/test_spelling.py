"""Close spellings read through the length and letter bounds are exactly those a scan of every word finds."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest
from rapidfuzz import fuzz, process

from lib.explore.search import FUZZY_CUTOFF, SearchIndex
from lib.explore.spelling import Spellings, letter_masks


def _scan(word: str, vocabulary: list[str], cutoff: float, limit: int = 8) -> list[tuple[str, float]]:
    every = process.extract(word, vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)
    return sorted(((w, score) for w, score, _ in every), key=lambda hit: (-hit[1], hit[0]))[:limit]


def _typo(word: str, rng: random.Random) -> str:
    """`word` with one or two slips of the kind people make: a letter dropped, doubled, swapped or replaced."""
    for _ in range(rng.choice((1, 2))):
        if len(word) < 2:
            break
        i = rng.randrange(len(word) - 1)
        slip = rng.choice(("drop", "double", "swap", "replace"))
        if slip == "drop":
            word = word[:i] + word[i + 1 :]
        elif slip == "double":
            word = word[: i + 1] + word[i:]
        elif slip == "swap":
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        else:
            word = word[:i] + rng.choice("aeiouxzé7") + word[i + 1 :]
    return word


@pytest.fixture(scope="module")
def vocabulary(seed_records) -> list[str]:
    words = SearchIndex([r.title for r in seed_records], [r.abstract for r in seed_records]).vocabulary
    # words beyond the seeds' ASCII: accents, other scripts, digits and "_", which the letter masks treat apart
    return sorted({*words, "régression", "über", "naïve", "变换器", "模型", "gpt_4o", "x2", "3d", "résnet50"})


@pytest.mark.parametrize("cutoff", [FUZZY_CUTOFF, 60.0, 90.0])
def test_close_spellings_are_those_of_a_scan_of_every_word(vocabulary, cutoff):
    rng = random.Random(7)
    spellings = Spellings(vocabulary)
    asked = [_typo(rng.choice(vocabulary), rng) for _ in range(400)]
    asked += ["regresion", "uber", "naive", "变换", "模形", "gpt4o", "x", "resnet", "a", "zzzz"]
    differ = [w for w in asked if spellings.close(w, cutoff, 8) != _scan(w, vocabulary, cutoff)]
    assert differ == []
    assert sum(bool(spellings.close(w, cutoff, 8)) for w in asked) > len(asked) // 4  # not a comparison of nothing


def test_close_spellings_from_an_arrow_vocabulary_are_the_same(vocabulary):
    from_list, from_arrow = Spellings(vocabulary), Spellings(pa.array(vocabulary, type=pa.large_string()))
    for word in ("atention", "prunin", "difusion", "régresion"):
        assert from_arrow.close(word, FUZZY_CUTOFF, 8) == from_list.close(word, FUZZY_CUTOFF, 8)


def test_letter_masks_mark_each_ascii_letter_digit_and_underscore_once():
    masks = letter_masks(pa.array(["abc", "cab", "", "aaa", "z9_", "é"], type=pa.large_string()))
    assert masks[0] == masks[1] == 0b111
    assert masks[2] == 0 and masks[3] == 0b1 and masks[5] == 0
    assert bin(int(masks[4])).count("1") == 3
