"""Search by meaning: a question folded through the collection's own vocabulary and LSA basis (the meaning index
the build wrote, see lib.describing.meaning_index), scored against every paper, with a boost for the papers of the
themes the question plainly looks like, and "papers like these" in the same space. Never filters by facets
and never renders anything; the arrays may be memory-mapped and are never written.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import ThreadpoolController

from lib.explore.search import Hits

FORMAT = 1
NONE_FOUND = "none of these words occur in the collection"
MAX_QUESTION = 1000  # characters of a question that are read; a longer one is cut there
MAX_TERMS = 12  # terms shown as what the question was read as
# Chosen on the dev half of tests/data/meaning_questions.toml (bench/meaning_search.py). The boost is graded: a
# paper gains BOOST times the amount by which the question's likeness to each of its themes exceeds FLOOR, so a
# question that plainly names a theme lifts that theme's papers and one that only brushes a theme lifts nothing.
# Ungated (no floor, full weight) a neighbouring theme stands in for a missing one; with this floor the questions
# whose theme was removed from the taxonomy scored no worse than before, and the questions on subjects the
# taxonomy lacks were left as plain search left them. The first design, one theme only and only when confident,
# gave nothing to a question that looks like two nested themes alike ("YOLO" and "object detection").
BOOST = 1.0
FLOOR = 0.3
# A theme is suggested (a chip the user may click) only when the question looks like it CONFIDENT and MARGIN more
# than like any other: at 0.2 and 0.05, 3 of the 13 dev questions were given a wrong one.
CONFIDENT = 0.4
MARGIN = 0.1
FEEDBACK = 10  # pseudo-relevance feedback: the question moves towards its best FEEDBACK papers ...
FEEDBACK_WEIGHT = 0.5  # ... by this much
RELATIVE = 0.5  # a hit scores at least this share of the best score ...
MIN_SCORE = 0.15  # ... and at least this cosine
_BLOCK = 8192  # rows converted to float32 at a time: 2 MB stays in cache (a 1M scan took 25 ms, 45 ms at 65,536)
_SUFFIXES = (
    *"isations izations isation ization ations ation ings ing ised ized ises izes ise ize".split(),
    *"ers er ed es s ly al ity ive".split(),
)


def stem(word: str) -> str:
    """A crude stem that groups spellings and forms of a word: "generalise", "generalizes", "generalization"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class Tuning:
    """How questions are read and scored (the defaults are the module's constants; bench/meaning_search.py
    measures the others): `expand` lets words count for their stem's family, `feedback` papers pull the
    question towards them, the papers of each theme the question looks like more than `floor` gain `boost`
    times the excess, and a theme it looks like `confident` and `margin` more than any other is suggested."""

    expand: bool = True
    feedback: int = FEEDBACK
    feedback_weight: float = FEEDBACK_WEIGHT
    boost: float = BOOST
    floor: float = FLOOR
    confident: float = CONFIDENT
    margin: float = MARGIN


@dataclass(frozen=True)
class Reading:
    """What a question was read as: its weights over the vocabulary (unit length, idf-weighted, zero when no
    word is known), the collection's words that carry them, the themes it confidently looks like, and how much it
    looks like each theme of the taxonomy (`likeness`, in taxonomy order; empty when no word is known)."""

    weights: np.ndarray
    terms: tuple[str, ...]
    themes: tuple[str, ...] = ()
    likeness: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    @property
    def known(self) -> bool:
        return bool(self.terms)


class MeaningIndex:
    """The meaning index of one built table (rows aligned with it), ready to answer questions."""

    MEMO_SIZE = 64

    def __init__(self, meta: dict, arrays: dict[str, np.ndarray], tuning: Tuning | None = None):
        self.tuning = tuning or Tuning()
        self.vocabulary: list[str] = list(meta["vocabulary"])
        self.position = {w: i for i, w in enumerate(self.vocabulary)}
        self._token = re.compile(meta["token_pattern"])
        self._stop = frozenset(meta["stop_words"])
        self._family: dict[str, list[int]] = {}
        for i, word in enumerate(self.vocabulary):
            self._family.setdefault(stem(word), []).append(i)
        self.vectors, self.scale = arrays["vectors"], arrays["scale"]
        self.basis, self.idf = np.asarray(arrays["basis"], np.float32), np.asarray(arrays["idf"], np.float32)
        self.theme_ids = [t["id"] for t in meta["themes"]]
        self.theme_names = {t["id"]: t["name"] for t in meta["themes"]}
        self._theme_rows, self._theme_offsets = arrays["theme_rows"], arrays["theme_offsets"]
        words = [self._weights(t["text"]) for t in meta["themes"]]
        self._theme_words = np.array(words, np.float32).reshape(len(words), len(self.idf))  # (themes, vocabulary)
        self._theme_described = _unit(np.array([w @ self.basis.T for w in words], np.float32).reshape(len(words), -1))
        self._theme_centres = np.asarray(arrays["theme_centres"], np.float32)
        self._memo: OrderedDict[tuple, tuple[Hits, Reading]] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_files(
        cls, meta: dict, arrays: dict[str, np.ndarray], row_ids: Sequence[str], tuning: Tuning | None = None
    ) -> MeaningIndex | None:
        """The index saved as `meta` and `arrays` when it is of this format and was made for a table with the
        paper ids `row_ids` in this order; else None (a build from before, or of another table)."""
        try:
            if meta.get("format") != FORMAT or len(row_ids) != int(meta["n"]):
                return None
            if not np.array_equal(np.asarray(arrays["paper_ids"], dtype=str), np.asarray(row_ids, dtype=str)):
                return None
            index = cls(meta, arrays, tuning)
        except (KeyError, TypeError, ValueError):
            return None
        fits = index.vectors.shape == (len(row_ids), index.basis.shape[0]) and len(index.idf) == len(index.vocabulary)
        return index if fits and index.basis.shape[1] == len(index.vocabulary) else None

    def __len__(self) -> int:
        return len(self.scale)

    def search(self, question: str) -> Hits:
        """The papers close in meaning to `question`, best first, with what it was read as (`terms`), the themes
        it looks like (`themes`) and, when no word of it is known, NONE_FOUND as `note`."""
        return self._memoised(("q", question), lambda: self._search(question))[0]

    def reading(self, question: str) -> Reading:
        return self._memoised(("q", question), lambda: self._search(question))[1]

    def like(self, positions: Sequence[int]) -> Hits:
        """Papers close in meaning to the papers at `positions` (themselves left out), best first."""
        chosen = tuple(sorted({int(p) for p in positions if 0 <= int(p) < len(self)}))
        return self._memoised(("like", chosen), lambda: self._like(chosen))[0]

    def read(self, question: str) -> Reading:
        """`question`'s weights over the vocabulary and the collection words behind them (see `_weights`)."""
        weights = self._weights(question)
        terms = tuple(self.vocabulary[i] for i in np.argsort(-weights, kind="stable")[:MAX_TERMS] if weights[i] > 0)
        likeness = self._likeness(weights)
        return Reading(weights, terms, self._suggested(likeness), likeness)

    def scores(self, direction: np.ndarray) -> np.ndarray:
        """Cosine of every paper with the unit vector `direction`, a block of int8 rows at a time. One BLAS
        thread: on two cores shared with the server, a second thread made a 1M-paper scan 2.4x slower (57
        against 136 ms, bench/meaning_search.py)."""
        out = np.empty(len(self), np.float32)
        with _threads().limit(limits=1, user_api="blas"):
            for start in range(0, len(self), _BLOCK):
                block = np.asarray(self.vectors[start : start + _BLOCK], np.float32)
                out[start : start + _BLOCK] = (block @ direction) * self.scale[start : start + _BLOCK]
        return out

    def theme_rows(self, theme: str) -> np.ndarray:
        k = self.theme_ids.index(theme)
        return np.asarray(self._theme_rows[self._theme_offsets[k] : self._theme_offsets[k + 1]])

    # --- the steps -------------------------------------------------------------------------------------

    def _memoised(self, key, compute) -> tuple[Hits, Reading]:
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        answer = compute()
        with self._lock:
            self._memo[key] = answer
            while len(self._memo) > self.MEMO_SIZE:
                self._memo.popitem(last=False)
        return answer

    def _search(self, question: str) -> tuple[Hits, Reading]:
        reading = self.read(question)
        if not reading.known:
            note = NONE_FOUND if question.strip() else ""
            return Hits(np.zeros(0, np.int64), np.zeros(0), (), (), note), reading
        direction = _unit(reading.weights @ self.basis.T)
        score = self.scores(direction)
        t = self.tuning
        if t.feedback and len(self) > t.feedback:
            best = np.sort(np.argpartition(-score, t.feedback)[: t.feedback])
            centre = np.asarray(self.vectors[best], np.float32) * self.scale[best, None]
            score = self.scores(_unit(direction + t.feedback_weight * centre.mean(axis=0)))
        if t.boost:
            for k in np.flatnonzero(reading.likeness > t.floor):
                score[self.theme_rows(self.theme_ids[k])] += t.boost * (reading.likeness[k] - t.floor)
        return _cut(score, reading.terms, reading.themes), reading

    def _like(self, chosen: tuple[int, ...]) -> tuple[Hits, Reading]:
        empty = Reading(np.zeros(len(self.idf), np.float32), ())
        if not chosen:
            return Hits(np.zeros(0, np.int64), np.zeros(0), ()), empty
        rows = np.asarray(chosen)
        centre = (np.asarray(self.vectors[rows], np.float32) * self.scale[rows, None]).mean(axis=0)
        score = self.scores(_unit(centre))
        score[rows] = -np.inf
        return _cut(score, (), ()), empty

    def _weights(self, text: str) -> np.ndarray:
        """Unit idf-weighted counts of the collection's words in `text` (its first MAX_QUESTION characters). A
        word the collection lacks counts for the words it shares a stem with ("memorise": "memorization"); a
        known word also lends a little weight to those."""
        counts = np.zeros(len(self.idf), np.float32)
        for word in self._token.findall(text[:MAX_QUESTION].lower()):
            if word in self._stop:
                continue
            at = self.position.get(word)
            family = [i for i in self._family.get(stem(word), ()) if i != at] if self.tuning.expand else []
            if at is not None:
                counts[at] += 1.0
            share = (0.3 if at is not None else 1.0) / max(len(family), 1)
            for i in family:
                counts[i] += share
        return _unit(counts * self.idf)

    def _likeness(self, weights: np.ndarray) -> np.ndarray:
        """How much the question looks like each theme: half by shared words, half by the nearer of the theme's
        described meaning and its papers' centre."""
        if len(self.theme_ids) == 0 or not weights.any():
            return np.zeros(len(self.theme_ids), np.float32)
        direction = _unit(weights @ self.basis.T)
        used = np.flatnonzero(weights)  # a few dozen words: only their columns are read
        lexical = self._theme_words[:, used] @ weights[used]
        semantic = np.maximum(self._theme_described @ direction, self._theme_centres @ direction)
        return (0.5 * lexical + 0.5 * semantic).astype(np.float32)

    def _suggested(self, likeness: np.ndarray) -> tuple[str, ...]:
        """The one theme, with papers, that the question looks like confidently and clearly more than any other;
        none when the boost is off."""
        if not len(likeness) or not self.tuning.boost:
            return ()
        order = np.argsort(-likeness, kind="stable")
        runner_up = likeness[order[1]] if len(order) > 1 else 0.0
        top = order[0]
        sure = (
            likeness[top] >= self.tuning.confident
            and likeness[top] - runner_up >= self.tuning.margin
            and self._theme_offsets[top + 1] > self._theme_offsets[top]
        )
        return (self.theme_ids[top],) if sure else ()


_CONTROLLER: list[ThreadpoolController] = []


def _threads() -> ThreadpoolController:
    """The process's thread pools, looked up once (a lookup took 7 ms on a busy machine)."""
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    if x.ndim == 1:
        norm = float(np.linalg.norm(x))
        return x / norm if norm > 0 else x
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def _cut(score: np.ndarray, terms: tuple[str, ...], themes: tuple[str, ...]) -> Hits:
    """The rows scoring at least RELATIVE of the best and MIN_SCORE, best first, ties in table order."""
    finite = score[np.isfinite(score)]
    if not len(finite) or finite.max() < MIN_SCORE:
        return Hits(np.zeros(0, np.int64), np.zeros(0), terms, themes)
    rows = np.flatnonzero(score >= max(MIN_SCORE, RELATIVE * float(finite.max())))
    order = np.lexsort((rows, -score[rows]))
    return Hits(rows[order], score[rows][order].astype(np.float64), terms, themes)
