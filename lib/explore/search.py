"""Text search over the papers table: exact phrase search (ranked) and typo-tolerant title search (search by
meaning is lib.explore.meaning's).

Owns the search index built once per corpus; it never filters by facets and never renders anything.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from lib.explore.spelling import Spellings

_WORD = re.compile(r"\w+")
FUZZY_CUTOFF = 80.0  # rapidfuzz ratio a query word needs against a title word
_COUNTED_HITS = 100_000  # above this many hits, abstract occurrences are not counted for the ranking


def _folded(column: str) -> pl.Expr:
    """Lower case, every run of white space one space, no space at the ends. The pattern touches only
    irregular white space (runs, tabs, newlines), so text that is already clean costs little."""
    return (
        pl.col(column)
        .cast(pl.String)
        .fill_null("")
        .str.to_lowercase()
        .str.replace_all(r"\s\s+|[^\S ]", " ")
        .str.strip_chars()
    )


# Between the words of a phrase, a hyphen, a space or nothing is alike: the search (Rust's regex syntax) and the
# highlight (Python's) join the words with the same pattern.
_BETWEEN_WORDS = re.compile(r"[-\s]+")
_ALIKE = r"[-\s]*"


def phrase_pattern(phrase: str) -> str:
    """The regular expression (Rust's syntax, as polars reads it) an exact search looks for: the folded phrase,
    with a hyphen, a space or nothing alike between its words ("low rank adaptation" finds "low-rank adaptation",
    "yolo v8" "YOLOv8", "pre training" "pretraining"), starting where a word starts or ending where one ends: "lora"
    finds "LoRA", "LoRAs" and "QLoRA" but not "exploration", "vit" finds "ViT" and "EfficientViT" but not
    "activity", "prun" finds "pruning". Every character but letters and digits is written as its code point, so
    nothing in a query is read as regular-expression syntax."""

    def literal(text: str) -> str:
        return "".join(c if c.isalnum() else f"\\x{{{ord(c):X}}}" for c in text)

    return _phrase_regex(phrase, literal)


def _phrase_regex(phrase: str, escape, *, edges: bool = True) -> str:
    """The search's pattern for `phrase` in either syntax (Rust's and Python's share all it uses), its pieces
    written by `escape`: the words joined so that a hyphen, a space or nothing is alike between them, and with
    `edges` held to start where a word starts or end where one ends. Word boundaries, not look-arounds (which
    Rust lacks), keep the scan as fast as a plain literal's."""
    words = [w for w in _BETWEEN_WORDS.split(phrase) if w]
    core = _ALIKE.join(map(escape, words)) if words else escape(phrase)  # "-" alone is looked for as it is
    if not (edges and phrase[:1].isalnum() and phrase[-1:].isalnum()):
        return core  # a phrase that starts or ends with a sign cannot lie inside a word
    return rf"\b(?:{core})|(?:{core})\b"


def _fold(text: str) -> str:
    return pl.DataFrame({"q": [text]}).select(_folded("q")).item()  # the same folding as the texts searched


NO_WORDS = "no word of two letters or more to look for"


@dataclass(frozen=True)
class Hits:
    """Matching row positions, best first, with their scores and the words that matched."""

    positions: np.ndarray
    scores: np.ndarray
    terms: tuple[str, ...]  # what to highlight: the phrase, or the title words the query was read as
    themes: tuple[str, ...] = ()  # by meaning: the themes the question confidently looks like
    note: str = ""  # why there is nothing to show ("none of these words occur in the collection")
    phrase: bool = False  # an exact phrase: its term may start or end inside a word (see `phrase_pattern`)


class SearchIndex:
    """Folded titles and abstracts held as Arrow strings (polars), scanned for a phrase with SIMD
    substring search (both columns at once); a title-word index for fuzzy lookups; and a small memo of
    recent answers shared by all sessions."""

    MEMO_SIZE = 64

    def __init__(self, titles, abstracts):
        texts = pl.DataFrame({"title": _strings(titles), "abstract": _strings(abstracts)})
        texts = texts.lazy().select(_folded("title"), _folded("abstract")).collect()  # both columns at once
        self._texts, self._titles, self._abstracts = texts, texts["title"], texts["abstract"]
        self.vocabulary, self._rows, self._offsets = _title_words(self._titles)
        self._memo: OrderedDict[tuple[str, str], Hits] = OrderedDict()
        self._lock = threading.Lock()

    def postings(self, word: str) -> np.ndarray:
        """Positions of the rows whose title holds `word` (a whole word, folded), in table order."""
        i = bisect.bisect_left(self.vocabulary, word)
        if i == len(self.vocabulary) or self.vocabulary[i] != word:
            return self._rows[:0]
        return self._rows[self._offsets[i] : self._offsets[i + 1]]

    def __len__(self) -> int:
        return len(self._titles)

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
        then by number of occurrences (in the abstract too, unless over `_COUNTED_HITS` rows match)."""
        phrase = _fold(query)
        if not phrase:
            return Hits(np.arange(len(self)), np.zeros(len(self)), ())
        pattern = phrase_pattern(phrase)
        found = pl.col("title").str.contains(pattern) | pl.col("abstract").str.contains(pattern)
        rows = np.flatnonzero(self._texts.select(found).to_series().to_numpy())  # both columns scanned at once
        if len(rows) <= _COUNTED_HITS:  # occurrences counted on the hits only: a few percent of the rows
            in_title = self._titles.gather(rows).str.count_matches(pattern).to_numpy()
            in_abstract = self._abstracts.gather(rows).str.count_matches(pattern).to_numpy()
        else:  # a phrase in most abstracts ("model"): title hits first, then table order
            in_title = self._titles.str.count_matches(pattern).to_numpy()[rows]
            in_abstract = np.ones(len(rows))
        score = 10.0 * in_title + in_abstract
        return _ranked(rows.tolist(), score.tolist(), (phrase,), phrase=True)

    def fuzzy(self, query: str, *, cutoff: float = FUZZY_CUTOFF) -> Hits:
        """Rows whose title holds close spellings of the query words, best-covered first.

        Each query word is read as the title words within `cutoff` similarity or starting with it, so
        "atention prunin" reads as "attention" and "pruning"/"pruned". Rows covering the most query words
        are kept; among them, rows whose abstract also holds the words their title lacks rank first.
        """
        words = [w for w in _WORD.findall(_fold(query)) if len(w) >= 2]
        if not words:  # "a", "🤖", "(+)": nothing to look for, so nothing found (not every paper)
            return Hits(np.zeros(0, np.int64), np.zeros(0), (), note=NO_WORDS if query.strip() else "")
        similarity = np.zeros(len(self))
        covered = np.zeros(len(self), dtype=np.int64)
        spellings = [self._spellings(word, cutoff) for word in words]
        for found in spellings:
            best = np.zeros(len(self))
            for candidate, score in found:
                rows = self.postings(candidate)
                best[rows] = np.maximum(best[rows], score)
            covered += best > 0
            similarity += best
        if not covered.any():
            return _ranked([], [], ())
        hit = np.flatnonzero(covered == covered.max())
        abstracts = self._abstracts.gather(hit)
        in_abstract = np.zeros(len(hit), dtype=np.int64)
        for found in spellings:  # one pass over the abstracts per query word, for all its spellings at once
            if found:
                in_abstract += abstracts.str.contains_any([c for c, _ in found]).fill_null(False).to_numpy()
        score = similarity[hit] + 50.0 * in_abstract
        read_as = tuple(dict.fromkeys(c for found in spellings for c, _ in found))
        return _ranked(hit.tolist(), score.tolist(), read_as)

    def _spellings(self, word: str, cutoff: float) -> list[tuple[str, float]]:
        found = dict(self._close_words(word, cutoff))
        if len(word) >= 4:  # the words starting with it lie together in the sorted vocabulary
            words = self.vocabulary
            for i in range(bisect.bisect_left(words, word), bisect.bisect_left(words, word + "\U0010ffff")):
                found.setdefault(words[i], 90.0)
        return sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))

    def _close_words(self, word: str, cutoff: float, limit: int = 8) -> list[tuple[str, float]]:
        """The `limit` title words most like `word` (rapidfuzz ratio >= `cutoff`), best first, ties alphabetical:
        what a scan of every word finds, read from the few words that can reach the cutoff (lib.explore.spelling)."""
        return self._spelling.close(word, cutoff, limit)

    @cached_property
    def _spelling(self) -> Spellings:
        return Spellings(self.vocabulary)


def _strings(texts) -> pl.Series:
    """A polars string column from a list, a pandas column or an Arrow array (the last two without a
    Python object per text)."""
    if not isinstance(texts, (pa.Array, pa.ChunkedArray)):
        texts = pa.array(texts, type=pa.large_string())
    return pl.Series(pl.from_arrow(texts.cast(pa.large_string())), dtype=pl.String)


def _title_words(titles: pl.Series) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The sorted distinct title words, and per word the rows holding it, as one array cut by offsets."""
    words = titles.str.extract_all(r"\w+")
    row_of = np.repeat(np.arange(len(titles), dtype=np.int64), words.list.len().fill_null(0).to_numpy())
    encoded = pc.dictionary_encode(words.explode().drop_nulls().to_arrow())
    order = pc.sort_indices(encoded.dictionary).to_numpy()  # UTF-8 byte order is code point order
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    n = max(len(titles), 1)
    key = rank[encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)] * n + row_of
    key.sort()  # by word, then row; a word twice in one title is kept once
    key = key[np.concatenate([[True], key[1:] != key[:-1]])] if len(key) else key
    offsets = np.searchsorted(key // n, np.arange(len(order) + 1))
    # Made in sorted order, the word strings lie in memory in the order a fuzzy lookup reads them.
    return encoded.dictionary.take(order).to_pylist(), key % n, offsets


def _ranked(positions: list[int], scores: list[float], terms: tuple[str, ...], *, phrase: bool = False) -> Hits:
    pos = np.asarray(positions, dtype=np.int64)
    sc = np.asarray(scores, dtype=np.float64)
    order = np.lexsort((pos, -sc))  # best score first, ties in table order
    return Hits(pos[order], sc[order], terms, phrase=phrase)


def _term_pattern(term: str, phrase: bool) -> str:
    """An exact phrase is lit as the search reads it (see `phrase_pattern`); a word read from a query only as a
    whole word."""
    if phrase:
        return f"(?:{_phrase_regex(term, re.escape)})"
    core = _phrase_regex(term, re.escape, edges=False)
    return rf"\b{core}\b" if term.isalnum() else core


def highlight_spans(text: str, terms: tuple[str, ...], *, phrase: bool = False) -> list[tuple[str, bool]]:
    """Split `text` into (piece, is_match) runs for the given terms, case-insensitively.

    The terms of an exact `phrase` search are lit where the search finds them ("lora" in "QLoRA", not in
    "exploration"); words read from a query (typo-tolerant, by meaning) as whole words only, so "net" does not
    light up "network".
    """
    if not terms or not text:
        return [(text, False)]
    parts = [_term_pattern(t, phrase) for t in terms if t]
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
