"""Names of topic clusters: distinctive words and two-word phrases ("object detection", "low-rank adaptation")
that most of a cluster's papers use and the other clusters do not, distinct across clusters. Works on texts
and cluster ids; knows nothing of files, tables or the app.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from lib.describing.topic_words import STOP_WORDS, TOKEN_PATTERN

# Words that name no subject: fine inside a phrase ("image segmentation"), never a label on their own, nor at
# either end of a phrase. Chosen by reading the labels of the seed and synthetic corpora.
GENERIC = frozenset(
    """
    system systems research input output information design designs image images feature features structure
    structures function functions analysis process processing level levels quality type types form forms
    domain domains space spaces value values scale scales step steps stage stages part parts end ability
    capability capabilities challenge challenges area areas case cases level context contexts evaluation
    evaluations benchmark benchmarks efficient efficiency parameters parameter computational computation
    compute memory architecture architectures layer layers complex complexity robust robustness general
    generalization target source inference optimization optimal design future directions comprehensive
    review survey progress development overview application paradigm understanding generation generate
    generated generating representation researcher better growing despite particular identify original
    example challenging reducing reduce reduced size practical evaluate evaluated sample machine natural
    aspect brief exploring explore designing automatically fixed cause answer human help helps consider
    considered means lack limited limitation require requires required aim aims goal goals remain remains
    crucial critical essential substantial notable demonstrating exhibit exhibits enhance enhanced enhancing
    furthermore moreover typically usually often new way level benefit benefits advantage advantages
    direction offer operation year opportunity define view good define term component
    """.split()
)
SEPARATOR = " · "
MIN_COVERAGE = 0.30  # every term of a name occurs in at least this share of its cluster's papers
PHRASE_SHARE = 0.5  # a phrase stands for its word when at least this share of the word's papers use the phrase
_TOKEN = re.compile(TOKEN_PATTERN)


@dataclass(frozen=True)
class Naming:
    """Per cluster id: its name, its top terms, and the share of its papers the name covers (for a name of
    terms, the least-used term's share; for a name of alternatives, the share using any of them)."""

    names: dict[int, str]
    top_terms: dict[int, list[str]]
    coverage: dict[int, float]


def fold(word: str) -> str:
    """One form for a word and its plural ("detectors" -> "detector"), so that a term's coverage counts both."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "as", "ics")):
        return word
    if word.endswith("ies") and len(word) > 5 and word not in ("series", "species"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def terms_of(text: str) -> list[str]:
    """The words of `text` that may name a topic, and its two-word phrases of such words, plurals folded."""
    raw = _TOKEN.findall(text.lower())
    tokens = [fold(t) for t in raw]
    inner = [t not in STOP_WORDS and f not in STOP_WORDS for t, f in zip(raw, tokens)]  # no stop word in a phrase
    ok = [good and f not in GENERIC for good, f in zip(inner, tokens)]  # nor alone may a generic word name
    words = [t for t, good in zip(tokens, ok) if good]
    phrases = [
        f"{a} {b}"
        for (a, b), fa, fb, ga, gb in zip(zip(tokens, tokens[1:]), inner, inner[1:], ok, ok[1:])
        if fa and fb and (ga or gb) and a != b
    ]
    return words + phrases


class _Table:
    """Which sampled papers of which cluster use which term, and each term's score per cluster."""

    def __init__(self, texts: Sequence[str], clusters: np.ndarray, sample: int, key: np.ndarray | None):
        self.ids = np.unique(clusters)
        rows, self.owner = _sample(clusters, self.ids, sample, key)
        vectorizer = CountVectorizer(analyzer=terms_of, binary=True, dtype=np.float32)
        try:
            self.docs = vectorizer.fit_transform([texts[i] for i in rows]).tocsr()
            self.vocabulary = vectorizer.get_feature_names_out().tolist()
        except ValueError:  # no text holds a word that could name anything
            self.docs, self.vocabulary = sp.csr_matrix((len(rows), 0), dtype=np.float32), []
        k = len(self.ids)
        sizes = np.bincount(self.owner, minlength=k).astype(np.float64)
        one_hot = sp.csr_matrix((np.ones(len(rows)), (self.owner, np.arange(len(rows)))), shape=(k, len(rows)))
        self.cover = np.asarray((one_hot @ self.docs).todense()) / np.maximum(sizes, 1)[:, None]
        background = np.asarray(self.docs.sum(axis=0)).ravel() / max(len(rows), 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(self.cover > background, self.cover * np.log(self.cover / background), 0.0)
        self.score = np.nan_to_num(score)
        self.index = {t: j for j, t in enumerate(self.vocabulary)}
        self.phrases_of = _phrases_of(self.vocabulary)

    def coverage(self, pos: int, terms: list[str], *, any_of: bool = False) -> float:
        """Share of cluster `pos`'s papers using every one of `terms` in turn (the least), or any of them."""
        columns = [self.index[t] for t in terms if t in self.index]
        if not terms or len(columns) < len(terms):
            return 0.0
        if not any_of:
            return float(self.cover[pos, columns].min())
        mine = self.docs[self.owner == pos][:, columns]
        return float(np.mean(np.asarray(mine.sum(axis=1)).ravel() > 0)) if mine.shape[0] else 0.0


def name_topics(
    texts: Sequence[str],
    clusters: np.ndarray,
    *,
    keep: Mapping[int, str] | None = None,
    n_name_terms: int = 3,
    n_terms: int = 10,
    sample: int = 300,
    random_state: int = 0,
    sample_key: np.ndarray | None = None,
) -> Naming:
    """Names for the clusters of `texts` (cluster id per text in `clusters`).

    Each cluster is read through at most `sample` of its papers: those with the smallest `sample_key` (by default a
    fixed-seed random key). A term's score in a
    cluster is its coverage there (the share of the cluster's papers using it) times the log of its lift
    (that coverage over its coverage in all the papers read); only terms with a lift above 1 count. A name is
    up to `n_name_terms` of the best terms that each cover at least MIN_COVERAGE of the cluster, used by no
    other cluster's name, and sharing no word with a term already in the name; a phrase replaces its word
    when at least PHRASE_SHARE of the word's papers use the phrase. A cluster with no such term (its papers
    share no subject word) is named by alternatives, "a / b / c": the best terms each used by a tenth of it,
    until MIN_COVERAGE of its papers use one of them. Names in `keep` (cluster id -> name) stay as they are
    while their coverage holds and no other name uses their terms; their terms are reserved first. The
    clusters whose best term is strongest are named first, so they get the terms two clusters would share.
    """
    key = sample_key if sample_key is not None else np.random.default_rng(random_state).random(len(texts))
    table = _Table(texts, clusters, sample, key)
    names: dict[int, str] = {}
    coverage: dict[int, float] = {}
    used: set[str] = set()
    for pos, c in enumerate(table.ids.tolist()):
        kept = (keep or {}).get(c)
        alternatives = bool(kept) and _ALTERNATIVES in kept
        terms = kept.split(_ALTERNATIVES if alternatives else SEPARATOR) if kept else []
        share = table.coverage(pos, terms, any_of=alternatives)
        if terms and share >= MIN_COVERAGE and not used & set(terms):
            names[c], coverage[c] = kept, share
            used.update(terms)
    waiting = [pos for pos, c in enumerate(table.ids.tolist()) if c not in names]
    for pos in sorted(waiting, key=lambda p: -table.score[p].max() if table.vocabulary else 0):
        c = int(table.ids[pos])
        terms = _pick(table, pos, used, n_name_terms, MIN_COVERAGE)
        names[c], coverage[c] = SEPARATOR.join(terms), table.coverage(pos, terms)
        if not terms:
            terms = _alternatives(table, pos, used, n_name_terms)
            names[c], coverage[c] = _ALTERNATIVES.join(terms), table.coverage(pos, terms, any_of=True)
        if not terms or coverage[c] < MIN_COVERAGE:
            names[c], coverage[c], terms = f"topic {c}", 0.0, []
        used.update(terms)
    top = {int(c): _top_terms(table.score[pos], table.vocabulary, n_terms) for pos, c in enumerate(table.ids)}
    return Naming(names, top, coverage)


_ALTERNATIVES = " / "


def _sample(clusters: np.ndarray, ids: np.ndarray, size: int, key: np.ndarray):
    """Row indices read per cluster (all of a small cluster, else the `size` members with the smallest `key`) and
    the cluster position of each. Keyed by something that stays with a paper (its text digest), a cluster that
    gains a few papers is read through nearly the same ones, so its name does not flicker with the sample."""
    rows, owner = [], []
    for pos, c in enumerate(ids):
        members = np.flatnonzero(clusters == c)
        if len(members) > size:
            members = np.sort(members[np.argsort(key[members], kind="stable")[:size]])
        rows.append(members)
        owner.append(np.full(len(members), pos))
    return np.concatenate(rows), np.concatenate(owner)


def _pick(table: _Table, pos: int, used: set[str], n: int, floor: float) -> list[str]:
    """The best terms for one name, each used by `floor` of the cluster: phrases in place of their words, no
    overlap with `used` or each other."""
    score_row, cover_row = table.score[pos], table.cover[pos]
    chosen: list[str] = []
    taken = {_stem(w) for t in used for w in re.split(r"[ -]", t)}
    for j in np.argsort(-score_row, kind="stable"):
        if len(chosen) == n or score_row[j] <= 0:
            break
        if cover_row[j] < floor:
            continue
        term = table.vocabulary[_phrase_for(j, score_row, cover_row, table.phrases_of.get(table.vocabulary[j], ()))]
        stems = {_stem(w) for w in re.split(r"[ -]", term)}
        if term in used or stems & taken:
            continue
        chosen.append(term)
        taken |= stems
    return chosen


def _alternatives(table: _Table, pos: int, used: set[str], n: int) -> list[str]:
    """The best terms each used by a tenth of the cluster, until MIN_COVERAGE of it uses one of them."""
    chosen: list[str] = []
    for term in _pick(table, pos, used, 3 * n, 0.1):
        chosen.append(term)
        if len(chosen) == n or table.coverage(pos, chosen, any_of=True) >= MIN_COVERAGE:
            break
    return chosen


def _phrase_for(j: int, score_row, cover_row, phrases) -> int:
    """Term `j`, or the best-scoring of `phrases` (those holding it) that enough of its papers use."""
    floor = max(MIN_COVERAGE, PHRASE_SHARE * cover_row[j])
    good = [p for p in phrases if cover_row[p] >= floor]
    return max(good, key=lambda p: score_row[p]) if good else j


def _phrases_of(vocabulary: list[str]) -> dict[str, list[int]]:
    """Word -> indices of the phrases holding it."""
    out: dict[str, list[int]] = {}
    for j, term in enumerate(vocabulary):
        if " " in term:
            for word in set(term.split()):
                out.setdefault(word, []).append(j)
    return out


def _top_terms(score_row, vocabulary, n: int) -> list[str]:
    out, stems = [], set()
    for j in np.argsort(-score_row, kind="stable"):
        if len(out) == n or score_row[j] <= 0:
            break
        key = " ".join(_stem(w) for w in vocabulary[j].split())
        if key not in stems:
            stems.add(key)
            out.append(vocabulary[j])
    return out


def label_clusters(
    counts,
    labels,
    vocabulary: Sequence[str],
    *,
    n_terms: int = 10,
    n_name_terms: int = 3,
    stop_words: frozenset[str] = STOP_WORDS,
    separator: str = SEPARATOR,
):
    """Per cluster a name of its `n_name_terms` most distinctive single words and its `n_terms` top words, from
    term counts (the Spark engine's labels, which never see the texts whole).

    Distinctiveness is class-based TF-IDF (c-TF-IDF, as in BERTopic): a term's share of the cluster's
    term mass times log(1 + A / f), with f its mass in the whole corpus and A the average mass per cluster.
    Each paper counts a term 1 + log(count) times, so one abstract repeating a name cannot label its
    cluster. Stop words and variants of a term already listed ("layer" after "layers") are skipped.
    """
    k = int(labels.max()) + 1 if len(labels) else 0
    if k == 0:
        return [], []
    damped = counts.astype(np.float64)
    damped.data = 1 + np.log(np.maximum(damped.data, 1))
    one_hot = sp.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(k, len(labels)))
    T = np.asarray((one_hot @ damped).todense())
    return name_clusters(T, vocabulary, n_terms, n_name_terms, stop_words, separator)


def name_clusters(T, vocabulary, n_terms=10, n_name_terms=3, stop_words=STOP_WORDS, separator=SEPARATOR):
    """`label_clusters` from the damped term mass per cluster, T (k, vocabulary), however it was summed."""
    k = len(T)
    with np.errstate(divide="ignore", invalid="ignore"):
        W = T / T.sum(axis=1, keepdims=True) * np.log1p(T.sum() / k / T.sum(axis=0))
    W = np.nan_to_num(W, nan=0.0)
    W[:, [t in stop_words or t in ENGLISH_STOP_WORDS for t in vocabulary]] = 0
    names, top = [], []
    for c in range(k):
        terms, stems = [], set()
        for j in np.argsort(-W[c], kind="stable"):
            if W[c, j] <= 0 or len(terms) == n_terms:
                break
            if _stem(vocabulary[j]) not in stems:
                stems.add(_stem(vocabulary[j]))
                terms.append(vocabulary[j])
        top.append(terms)
        names.append(separator.join(terms[:n_name_terms]) or f"topic {c + 1}")
    return names, top


def _stem(term: str) -> str:
    for suffix in (
        "ations",
        "ation",
        "ions",
        "ion",
        "ings",
        "ing",
        "ors",
        "or",
        "ers",
        "er",
        "ies",
        "es",
        "ed",
        "s",
        "e",
    ):
        if term.endswith(suffix) and len(term) - len(suffix) >= 3:
            return term[: -len(suffix)]
    return term
