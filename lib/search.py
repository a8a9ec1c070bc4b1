"""Text search over the papers table: exact phrase search (ranked) and typo-tolerant title search.

Owns the search index built once per corpus; it never filters by facets and never renders anything.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

_WORD = re.compile(r"\w+")
FUZZY_CUTOFF = 80.0  # rapidfuzz ratio a query word needs against a title word


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())  # split() folds every run of white space, faster than a regex


@dataclass(frozen=True)
class Hits:
    """Matching row positions, best first, with their scores and the words that matched."""

    positions: np.ndarray
    scores: np.ndarray
    terms: tuple[str, ...]  # what to highlight: the phrase, or the title words the query was read as


class SearchIndex:
    """Lower-cased titles and abstracts joined into one string each (so a phrase is found at C speed),
    a title-word index for fuzzy lookups, and a small memo of recent answers shared by all sessions."""

    MEMO_SIZE = 64

    def __init__(self, titles: list[str], abstracts: list[str]):
        self.titles = [_fold(t) for t in titles]
        self._title_blob, self._title_starts = _blob(self.titles)
        self._abstract_blob, self._abstract_starts = _blob(_fold(a) for a in abstracts)
        postings: dict[str, list[int]] = defaultdict(list)
        for i, title in enumerate(self.titles):
            for word in set(_WORD.findall(title)):
                postings[word].append(i)
        self.vocabulary = sorted(postings)
        self.postings = {w: np.asarray(p, dtype=np.int64) for w, p in postings.items()}
        self._memo: OrderedDict[tuple[str, str], Hits] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.titles)

    def abstract(self, i: int) -> str:
        return self._abstract_blob[self._abstract_starts[i] : self._abstract_starts[i + 1] - 1]

    def search(self, query: str, mode: str) -> Hits:
        """`exact` or `fuzzy` hits for `query`, from the memo when the same search ran recently."""
        key = (mode, query)
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        hits = self.fuzzy(query) if mode == "fuzzy" else self.exact(query)
        with self._lock:
            self._memo[key] = hits
            while len(self._memo) > self.MEMO_SIZE:
                self._memo.popitem(last=False)
        return hits

    def exact(self, query: str) -> Hits:
        """Rows whose title or abstract contains the phrase; title hits rank above abstract-only hits,
        then by number of occurrences."""
        phrase = _fold(query)
        if not phrase:
            return Hits(np.arange(len(self)), np.zeros(len(self)), ())
        in_title = _occurrences(self._title_blob, self._title_starts, phrase)
        in_abstract = _occurrences(self._abstract_blob, self._abstract_starts, phrase)
        score = 10.0 * in_title + in_abstract
        rows = np.flatnonzero(score)
        return _ranked(rows.tolist(), score[rows].tolist(), (phrase,))

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
            [sum(any(c in self.abstract(i) for c, _ in found) for found in spellings) for i in hit]
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


def _blob(texts) -> tuple[str, np.ndarray]:
    """One string of all texts, each followed by a NUL (which folded text never holds), and the start
    offset of each text plus one past the end."""
    parts = list(texts)
    lengths = np.fromiter((len(t) + 1 for t in parts), dtype=np.int64, count=len(parts))
    starts = np.concatenate([[0], np.cumsum(lengths)])
    return "\x00".join(parts) + "\x00", starts


def _occurrences(blob: str, starts: np.ndarray, phrase: str) -> np.ndarray:
    """Occurrences of `phrase` per text; the scan itself runs in C (str.find)."""
    found = []
    at = blob.find(phrase)
    while at >= 0:
        found.append(at)
        at = blob.find(phrase, at + len(phrase))
    counts = np.zeros(len(starts) - 1, dtype=np.float64)
    if found:
        np.add.at(counts, np.searchsorted(starts, found, side="right") - 1, 1)
    return counts


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
