"""Close spellings of a word among many: the title words a typo-tolerant search reads a query word as.

Two words are as close as rapidfuzz's ratio says, 200 * LCS / (m + n) for lengths m and n and their longest
common subsequence. Scoring every word of a large vocabulary costs about 0.3 s per query word at three million
words, so two bounds that need no scoring rule out most words first, and never a word that would reach the
cutoff, so the answer is the one a scan of every word gives:
- length: a ratio of r needs n between m * r / (200 - r) and m * (200 - r) / r;
- letters: a common subsequence holds no letter that either word lacks, so LCS <= m minus the distinct letters
  of the first word that the second lacks, and the same the other way round. Each word's letters and digits are
  one 64-bit mask, made for the whole vocabulary at once with numpy (letters outside ASCII set no bit, which can
  only loosen the bound).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

_BIT = np.zeros(256, dtype=np.uint64)  # the mask bit of each byte: a-z, 0-9 and "_" (the word characters of ASCII)
for _i, _c in enumerate("abcdefghijklmnopqrstuvwxyz0123456789_"):
    _BIT[ord(_c)] = np.uint64(1) << np.uint64(_i)
_CHUNK = 1_000_000  # words masked at a time, so the per-byte scratch stays small


def letter_masks(words: pa.Array) -> np.ndarray:
    """Per word, a uint64 with the bit of each ASCII letter, digit or "_" it holds."""
    words = words.cast(pa.large_string())
    masks = np.zeros(len(words), dtype=np.uint64)
    for start in range(0, len(words), _CHUNK):
        chunk = words.slice(start, _CHUNK)
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[chunk.offset : chunk.offset + len(chunk) + 1]
        data = chunk.buffers()[2]
        raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
        bits = np.append(_BIT[raw[offsets[0] : offsets[-1]]], np.uint64(0))  # a zero after, for an empty last word
        part = np.bitwise_or.reduceat(bits, offsets[:-1] - offsets[0])
        part[offsets[1:] == offsets[:-1]] = 0  # reduceat gives an empty word its neighbour's byte
        masks[start : start + len(chunk)] = part
    return masks


class Spellings:
    """A sorted vocabulary held by length, with each word's letter mask, for `close` lookups."""

    def __init__(self, words: Sequence[str] | pa.Array):
        words = words if isinstance(words, pa.Array) else pa.array(list(words), type=pa.large_string())
        lengths = pc.utf8_length(words.cast(pa.large_string())).to_numpy(zero_copy_only=False).astype(np.int32)
        order = np.argsort(lengths, kind="stable")  # by length; within one length, in the vocabulary's order
        self._words, self._order = words, order
        self._lengths, self._masks = lengths[order], letter_masks(words)[order]

    def close(self, word: str, cutoff: float, limit: int) -> list[tuple[str, float]]:
        """The `limit` words most like `word` (ratio >= `cutoff`), best first, ties in the vocabulary's order."""
        m = len(word)
        if m == 0:
            return []
        shortest = math.ceil(m * cutoff / (200 - cutoff) - 1e-9)
        longest = math.floor(m * (200 - cutoff) / cutoff + 1e-9)
        a, b = np.searchsorted(self._lengths, [shortest, longest + 1])
        mask = letter_masks(pa.array([word], type=pa.large_string()))[0]
        # First the query's letters alone, at the loosest length (three passes over the masks in range) ...
        may_lack = math.floor(m - cutoff * (m + shortest) / 200 + 1e-9)
        shared = np.bitwise_count(self._masks[a:b] & mask)
        near = a + np.flatnonzero(shared >= int(np.bitwise_count(mask)) - may_lack)
        # ... then both bounds at each survivor's own length.
        lengths, masks = self._lengths[near].astype(np.int64), self._masks[near]
        word_lacks = np.bitwise_count(masks & ~mask).astype(np.int64)  # the candidate's letters the word lacks
        candidate_lacks = np.bitwise_count(mask & ~masks).astype(np.int64)
        most_common = np.minimum(m - candidate_lacks, lengths - word_lacks)
        kept = near[200.0 * most_common + 1e-6 >= cutoff * (m + lengths)]
        picked = np.sort(self._order[kept])  # the vocabulary's order, so ties come out as a full scan's
        choices = self._words.take(pa.array(picked)).to_pylist()
        found = process.extract(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)
        found.sort(key=lambda hit: (-hit[1], hit[2]))
        return [(w, score) for w, score, _ in found[:limit]]
