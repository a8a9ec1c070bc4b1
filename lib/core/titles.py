"""When two titles name the same paper, and how to find such pairs without comparing every title with every other.

One rule serves every place that joins records by title: dedupe (pairs within one set of records), adding
sources (a new record against the collection), the arXiv id cache (a paper against the cache's rows) and the
arXiv lookup (a title against arXiv's answers). A paper that merges in one of them therefore matches in the
others, and "X v2" never takes the id of "X v3".

Two titles are the same title when their normalised forms are equal, or when all of these hold:
1. the normalised forms, with roman numerals and number words written in digits (numeral_form), score at
   least TITLE_THRESHOLD (rapidfuzz ratio): a typo, a dropped hyphen, "Part II" for "Part 2";
2. they carry the same numbers, arabic, roman or in words ("YOLOv3" is not "YOLOv4", "Part II" is not
   "Part III", "Part One" is not "Part Two", "Copper(I)" is not "Copper(II)");
3. the short system names before their colons, when both have one, are alike: "WGK: X" is not "NWFQ: X",
   while "Mamaba: X" is "Mamba: X" with a typo;
4. where they differ by one word swapped for another, the two words are one word with a typo ("Prunning" for
   "Pruning"), not two words ("in men" / "in women", "The Way of the World" / "The War of the World").

Candidates come from blocking keys: the first and last EDGE characters of the numeral form and the
title's two rarest words (within one list, the two rarest it shares with another title; against a
TitleIndex, every word of the title asked about is looked up). The cost grows with the number of titles,
not with its square.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
from rapidfuzz import fuzz, process

TITLE_THRESHOLD = 95.0  # rapidfuzz ratio of normalised titles; below it two titles are two papers
NAME_THRESHOLD = 80.0  # system names scoring below this against each other name two different systems
MAX_NAME_WORDS = 3  # a longer head before the colon is the subject, not a name
EDGE = 16  # characters of a normalised title's start and end used as blocking keys
MAX_BLOCK = 500  # a blocking key shared by more titles than this says nothing about them

_NON_WORD = re.compile(r"[\W_]+")
_NUMBER = re.compile(r"\d+")
# Roman numerals from ii to xxxix. Single letters are left out: "X-ray", "V-Net" and "I/O" lose their
# hyphen or slash in some spellings ("Xray"), and that must stay a near-identical title, not a new number.
_ROMAN = re.compile(r"x{0,3}(?:ix|iv|v?i{0,3})")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}
# After these words a single letter is a roman numeral too: "Part I", "Volume V", "Type X".
_NUMBERING_WORDS = frozenset("part volume vol chapter book phase stage type class section series".split())
_NUMBER_WORDS = {
    w: str(i)
    for i, words in enumerate(
        [
            (),
            ("one", "first"),
            ("two", "second"),
            ("three", "third"),
            ("four", "fourth"),
            ("five", "fifth"),
            ("six", "sixth"),
            ("seven", "seventh"),
            ("eight", "eighth"),
            ("nine", "ninth"),
            ("ten", "tenth"),
            ("eleven", "eleventh"),
            ("twelve", "twelfth"),
        ]
    )
    for w in words
}
# A word numeral_form may rewrite: a run of roman letters (the rules decide whether it is a numeral) or a
# number word, between the single spaces of a normalised title. A quick test (about 3 s for a million titles),
# so titles without one skip the word-by-word pass.
_WORDS_PATTERN = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_NUMERAL_WORD = re.compile(f"(?<![^ ])(?:[ivx]+|{_WORDS_PATTERN})(?![^ ])")
MIN_TYPO_WORD = 4  # a changed word shorter than this is another word ("Way" / "War"), never a typo


class Title(NamedTuple):
    key: str  # normalised title: what the scores compare and what paper ids hash
    name: str  # normalised system name before the colon, "" when the title has none


def normalize_title(title: str) -> str:
    """Case, accents' composition, punctuation and spacing folded away: the identity of a title.

    Paper ids are hashes of this form, so any change to it changes every id.
    """
    text = unicodedata.normalize("NFKC", title).casefold()
    return _NON_WORD.sub(" ", text).strip()


def system_name(title: str) -> str:
    """The name before a title's colon ("WGK" in "WGK: Weakly Supervised ..."), normalised; "" if none."""
    head, colon, _ = title.partition(":")
    return normalize_title(head) if colon and len(head.split()) <= MAX_NAME_WORDS else ""


def parse_title(title: str) -> Title:
    # The name needs the raw title: normalising drops the colon that marks it.
    return Title(normalize_title(title), system_name(title))


def title_numbers(key: str) -> list[str]:
    """The numbers a normalised title carries, in order; roman numerals and number words ("two", "second")
    as their arabic value."""
    found: list[str] = []
    for token in _numeral_tokens(key):
        found.extend(_NUMBER.findall(token))
    return found


def numeral_form(key: str) -> str:
    """A normalised title with each roman numeral and number word written in digits, as title_numbers reads
    them ("part ii" and "part two" become "part 2"). Titles are scored in this form, so one number spelled two
    ways costs no similarity: in a short title "Part II" against "Part 2" would otherwise fall below the
    threshold. Titles without such a word (most of them) come back unchanged without being split."""
    if not _NUMERAL_WORD.search(key):
        return key
    return " ".join(_numeral_tokens(key))


def _numeral_tokens(key: str) -> list[str]:
    tokens, previous = [], ""
    for token in key.split():
        if _ROMAN.fullmatch(token) and (len(token) > 1 or previous in _NUMBERING_WORDS):
            tokens.append(str(_roman_value(token)))
        else:
            tokens.append(_NUMBER_WORDS.get(token, token))
        previous = token
    return tokens


def _roman_value(token: str) -> int:
    values = [_ROMAN_VALUES[c] for c in token]
    return sum(-v if v < after else v for v, after in zip(values, [*values[1:], 0]))


def numbers_agree(a: str, b: str) -> bool:
    # "YOLOv3" and "YOLOv4", "Llama 2" and "Llama 3": a different number is a different paper, not a typo.
    return title_numbers(a) == title_numbers(b)


def names_differ(a: str, b: str) -> bool:
    # "WGK: Weakly Supervised Lesion Detection" and "NWFQLM: Weakly Supervised Lesion Detection" are two
    # systems; "Mamba: ..." and "Mamaba: ..." are one name with a typo, "Llama II" and "Llama 2" one name.
    return bool(a and b and fuzz.ratio(numeral_form(a), numeral_form(b)) < NAME_THRESHOLD)


def word_swapped(a: str, b: str) -> bool:
    """Whether two normalised titles differ in exactly one word that is another word, not a typo of it."""
    wa, wb = a.split(), b.split()
    if len(wa) != len(wb):
        return False
    changed = [(x, y) for x, y in zip(wa, wb) if x != y]
    if len(changed) != 1:
        return False
    x, y = changed[0]
    # "II" for "2" is one number written two ways; numbers are rule 2's to judge.
    return not (title_numbers(x) or title_numbers(y)) and not _typo(x, y)


def _typo(x: str, y: str) -> bool:
    # One letter added, dropped, changed, or two neighbours swapped, in a word long enough to carry a typo.
    # Prefixing a word is no typo: "women" is not "men" mistyped.
    if min(len(x), len(y)) < MIN_TYPO_WORD or x.endswith(y) or y.endswith(x):
        return False
    return fuzz.ratio(x, y) >= 100 * (1 - 2 / (len(x) + len(y))) or _swapped_neighbours(x, y)


def _swapped_neighbours(x: str, y: str) -> bool:
    if len(x) != len(y):
        return False
    diff = [i for i in range(len(x)) if x[i] != y[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and x[diff[0]] == y[diff[1]] and x[diff[1]] == y[diff[0]]


def _rules_hold(a: Title, b: Title) -> bool:
    # Words are compared with numbers in digits, so "Way ... Part II" / "War ... Part 2" is still one word swapped.
    return a.key == b.key or (
        numbers_agree(a.key, b.key)
        and not names_differ(a.name, b.name)
        and not word_swapped(numeral_form(a.key), numeral_form(b.key))
    )


def title_score(a: Title, b: Title, threshold: float = TITLE_THRESHOLD) -> float | None:
    """How alike two parsed titles are (100 when their keys, or their keys with numbers in digits, are equal),
    or None when they are two papers."""
    if a.key == b.key:
        return 100.0
    score = fuzz.ratio(numeral_form(a.key), numeral_form(b.key), score_cutoff=threshold)  # 0 below the cutoff
    return score if score >= threshold and _rules_hold(a, b) else None


def same_title(a: str, b: str, threshold: float = TITLE_THRESHOLD) -> bool:
    """Whether two titles, as written, name the same paper."""
    return title_score(parse_title(a), parse_title(b), threshold) is not None


def _block_keys(key: str, tokens: Iterable[str], df: Counter[str], min_df: int) -> list[str]:
    # A typo touches one word and one end of a title: the rarest words and the two ends are unlikely to
    # all be hit, and rare words keep blocks small where long shared openings ("a survey of") would not.
    rare = sorted((t for t in set(tokens) if df[t] >= min_df), key=lambda t: (df[t], t))[:2]
    return [f"w:{t}" for t in rare] + [f"a:{key[:EDGE]}", f"z:{key[-EDGE:]}"]


def _blocks(keys: Sequence[str], min_df: int = 1) -> dict[str, list[int]]:
    tokens = [k.split() for k in keys]
    df = Counter(t for toks in tokens for t in set(toks))
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, (key, toks) in enumerate(zip(keys, tokens)):
        for block in _block_keys(key, toks, df, min_df):
            blocks[block].append(i)
    return blocks


def similar_pairs(titles: Sequence[Title], threshold: float = TITLE_THRESHOLD) -> set[tuple[int, int]]:
    """Pairs of indices (smaller first) of titles that are the same title by every rule; equal keys included.

    Each block is scored apart, a large one at once in C (rapidfuzz `cdist` with a cutoff), so the cost is
    the blocks' sizes squared, not n squared, and the rules run only on pairs that score high enough.
    """
    keys = [numeral_form(t.key) for t in titles]
    pairs: set[tuple[int, int]] = set()
    # A word no other title carries pairs with nothing, and a typo makes exactly such a word: counting it
    # among a title's two rarest would leave a typo'd copy one useful word, or none with typos at both ends.
    for members in _blocks(keys, min_df=2).values():
        if 2 <= len(members) <= MAX_BLOCK:
            pairs.update(_close_in_block(keys, members, threshold))
    return {(i, j) for i, j in pairs if _rules_hold(titles[i], titles[j])}


def _close_in_block(keys: Sequence[str], members: list[int], threshold: float) -> Iterable[tuple[int, int]]:
    m = len(members)
    if m <= 8:  # most blocks: a call per pair is cheaper than building a matrix
        for a in range(m):
            for b in range(a + 1, m):
                if fuzz.ratio(keys[members[a]], keys[members[b]], score_cutoff=threshold) >= threshold:
                    yield members[a], members[b]
        return
    block = [keys[i] for i in members]
    scores = process.cdist(block, block, scorer=fuzz.ratio, score_cutoff=threshold, dtype=np.uint8)
    for a, b in np.argwhere(np.triu(scores, 1)).tolist():
        yield members[a], members[b]


class TitleIndex:
    """Known titles, asked about one new title at a time: which known title is the same title, if any."""

    def __init__(self, titles: Iterable[str], threshold: float = TITLE_THRESHOLD):
        self.titles = [parse_title(t) for t in titles]
        self.threshold = threshold
        self._exact: dict[str, int] = {}
        for i, t in enumerate(self.titles):
            self._exact.setdefault(t.key, i)  # a title known twice answers with its first position
        self._scored = [numeral_form(t.key) for t in self.titles]
        self._blocks = _blocks(self._scored)

    def __len__(self) -> int:
        return len(self.titles)

    def match(self, title: str) -> tuple[int, float] | None:
        """(position, score) of the known title most like `title` by the rules, None when none is the same.

        An equal normalised title wins with 100; among near ones the highest score, then the first position.
        """
        query = parse_title(title)
        if query.key in self._exact:
            return self._exact[query.key], 100.0
        scored = numeral_form(query.key)
        candidates = sorted(self._candidates(scored))
        keys = [self._scored[i] for i in candidates]
        # Scores first, all in C; the rules only for the few candidates close enough, best first.
        close = process.extract(scored, keys, scorer=fuzz.ratio, score_cutoff=self.threshold, limit=None)
        for _, score, k in sorted(close, key=lambda hit: (-hit[1], hit[2])):
            if _rules_hold(query, self.titles[candidates[k]]):
                return candidates[k], score
        return None

    def _candidates(self, key: str) -> set[int]:
        # Every word of the query is probed, not only its two rarest: a known title sits in the blocks of
        # its own rarest words, which the query shares whenever the two differ by a typo elsewhere.
        probes = [f"w:{t}" for t in set(key.split())] + [f"a:{key[:EDGE]}", f"z:{key[-EDGE:]}"]
        found: set[int] = set()
        for probe in probes:
            members = self._blocks.get(probe, ())
            if len(members) <= MAX_BLOCK:
                found.update(members)
        return found
