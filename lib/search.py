"""Text search over the papers table: exact phrase search (ranked) and typo-tolerant title search.

Owns the search index built once per corpus; it never filters by facets and never renders anything.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
FUZZY_CUTOFF = 80.0  # rapidfuzz ratio a query word needs against a title word


def _fold(text: str) -> str:
    return _SPACE.sub(" ", text.casefold()).strip()


@dataclass(frozen=True)
class Hits:
    """Matching row positions, best first, with their scores and the words that matched."""

    positions: np.ndarray
    scores: np.ndarray
    terms: tuple[str, ...]  # what to highlight: the phrase, or the title words the query was read as


class SearchIndex:
    """Lower-cased titles and abstracts, and a title-word index for fuzzy lookups."""

    def __init__(self, titles: list[str], abstracts: list[str]):
        self.titles = [_fold(t) for t in titles]
        self.abstracts = [_fold(a) for a in abstracts]
        postings: dict[str, list[int]] = defaultdict(list)
        for i, title in enumerate(self.titles):
            for word in set(_WORD.findall(title)):
                postings[word].append(i)
        self.vocabulary = sorted(postings)
        self.postings = {w: np.asarray(p, dtype=np.int64) for w, p in postings.items()}

    def __len__(self) -> int:
        return len(self.titles)

    def exact(self, query: str) -> Hits:
        """Rows whose title or abstract contains the phrase; title hits rank above abstract-only hits,
        then by number of occurrences."""
        phrase = _fold(query)
        if not phrase:
            return Hits(np.arange(len(self)), np.zeros(len(self)), ())
        positions, scores = [], []
        for i, (title, abstract) in enumerate(zip(self.titles, self.abstracts)):
            in_title = title.count(phrase)
            in_abstract = abstract.count(phrase) if phrase in abstract else 0
            if in_title or in_abstract:
                positions.append(i)
                scores.append(10.0 * in_title + in_abstract)
        return _ranked(positions, scores, (phrase,))

    def fuzzy(self, query: str, *, cutoff: float = FUZZY_CUTOFF) -> Hits:
        """Rows whose title holds close spellings of the query words, best-covered first.

        Each query word is read as the title words within `cutoff` similarity or starting with it, so
        "atention prunin" reads as "attention" and "pruning"/"pruned". Rows covering the most query words
        are kept; among them, rows whose abstract also holds the words their title lacks rank first.
        """
        words = [w for w in _WORD.findall(_fold(query)) if len(w) >= 2]
        if not words:
            return Hits(np.arange(len(self)), np.zeros(len(self)), ())
        similarity = np.zeros(len(self))
        covered = np.zeros(len(self), dtype=np.int64)
        spellings = [self._spellings(word, cutoff) for word in words]
        for found in spellings:
            best = np.zeros(len(self))
            for candidate, score in found:
                rows = self.postings[candidate]
                best[rows] = np.maximum(best[rows], score)
            covered += best > 0
            similarity += best
        if not covered.any():
            return _ranked([], [], ())
        hit = np.flatnonzero(covered == covered.max())
        in_abstract = np.array(
            [sum(any(c in self.abstracts[i] for c, _ in found) for found in spellings) for i in hit]
        )
        score = similarity[hit] + 50.0 * in_abstract
        read_as = tuple(dict.fromkeys(c for found in spellings for c, _ in found))
        return _ranked(hit.tolist(), score.tolist(), read_as)

    def _spellings(self, word: str, cutoff: float) -> list[tuple[str, float]]:
        found = {
            c: s
            for c, s, _ in process.extract(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff, limit=8)
        }
        if len(word) >= 4:
            for c in self.vocabulary[bisect.bisect_left(self.vocabulary, word):]:
                if not c.startswith(word):
                    break
                found.setdefault(c, 90.0)
        return sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))


def _ranked(positions: list[int], scores: list[float], terms: tuple[str, ...]) -> Hits:
    pos = np.asarray(positions, dtype=np.int64)
    sc = np.asarray(scores, dtype=np.float64)
    order = np.lexsort((pos, -sc))  # best score first, ties in table order
    return Hits(pos[order], sc[order], terms)


def highlight_spans(text: str, terms: tuple[str, ...]) -> list[tuple[str, bool]]:
    """Split `text` into (piece, is_match) runs for the given terms, case-insensitively.

    Single-word terms match whole words only, phrases match anywhere, so "net" does not light up "network"
    when it came from fuzzy reading but a typed phrase is shown wherever it occurs.
    """
    if not terms or not text:
        return [(text, False)]
    parts = [re.escape(t) if " " in t or not t.isalnum() else rf"\b{re.escape(t)}\b" for t in terms if t]
    pattern = re.compile("|".join(sorted(parts, key=len, reverse=True)), re.IGNORECASE)
    out: list[tuple[str, bool]] = []
    last = 0
    for m in pattern.finditer(text):
        if m.start() > last:
            out.append((text[last : m.start()], False))
        out.append((m.group(0), True))
        last = m.end()
    if last < len(text):
        out.append((text[last:], False))
    return out
