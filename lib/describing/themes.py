"""Theme tagging: loads the editable taxonomy (data/themes.toml) and tells, per paper, which themes it is
about, which it only mentions, and the words that matched (found by lib.theme_match). Never reads the corpus
or imports streamlit."""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lib.core.errors import TaxonomyError
from lib.describing.theme_match import BOUNDED, Matcher, build_matcher, fold, literal_anchor

# Sentence scores: the title, or a sentence that states the paper's contribution ("we propose ..."), 3;
# another sentence on the paper's own work ("we use ...") 2, or 3 when it names a model the work is done with
# ("we guide a diffusion model"); any other sentence 1; an aside 0; one more for a sentence naming the theme
# twice. A sentence that goes on with the one before (an item of its enumeration, "Specifically, ...") scores
# at least as much as that one. From ABOUT_SCORE up a paper is about the theme, else it mentions it.
ABOUT_SCORE = 3
_ASIDE_WINDOW = 80  # characters before a hit that are searched for an aside cue
_LIST_TAIL = 4  # a hit at most this many words after the second of two commas is an item of a list
_ABBREVIATIONS = (" e.g", " i.e", " al", " vs", " etc", " fig", " Fig", " Eq", "(e.g", "(i.e")  # no sentence ends here
_FIELDS = {
    "id": str,
    "name": str,
    "group": str,
    "description": str,
    "patterns": list,
    "acronyms": list,
    "exclusions": list,
    "requires": list,
}
_ID = re.compile(r"[a-z][a-z0-9_]*\Z")


def _cues(*phrases: str) -> re.Pattern:
    """Whole-word phrases (regex syntax) to find in folded text, where every separator is \\x01."""
    return re.compile(("\x01(?:" + "|".join(p.replace(" ", "\x01") for p in phrases) + ")\x01").encode())


# A hit after one of these in its clause is compared or set aside ...
_CONTRAST = _cues(
    "unlike",
    "in contrast",
    "instead of",
    "rather than",
    "without",
    "compar(?:e|ed|ing|isons?)",
    "outperform[a-z]*",
    "surpass[a-z]*",
    "than",
    "beyond",
    "other",
    "existing",
    "previous",
    "prior",
    "conventional",
    "traditional",
    "alternatives?",
    "complementary",
    "compatible",
    "orthogonal",
    "baselines?",
    "inspired by",
    "motivated by",
    "drawing inspiration",
    "versus",
    "vs",
    "as (?!well)[a-z]+ as",
)
# ... as is one the rest of its clause sets up as a yardstick ("we include distillation as a baseline").
_YARDSTICK = _cues("as (?:[a-z]+ ){0,2}(?:baselines?|references?|comparisons?)")
# ... and one in an enumeration is one example among several, unless the sentence sets a survey's scope.
_EXAMPLE = _cues("such as", "e g", "for example", "for instance", "including", "like", "as well as")
# What a sentence says about the paper: its own work, a claim of contribution, a survey's scope.
_OWN = _cues(
    "we",
    "our",
    "here",
    "this (?:paper|work|study|survey|review|report|article|dissertation)",
    "the (?:proposed |resulting |overall )?(?:system|framework|pipeline)",  # the paper's own, named so
)
_CLAIM = _cues(
    "(?:propos|introduc|present|develop|devis|survey|review|contribut)[a-z]*",
    "buil[dt]",
    "named",
    "called",
    "dubbed",
    "termed",
    "design(?:s|ed|ing)?(?! (?:choices|space|spaces|principles))",
)
# The claim is the paper's when its verb follows the paper as subject ("we then propose", "we study X and propose"),
# not when something else does it ("... boosts scores, it also introduces a trade-off").
_OWN_CLAIM = re.compile(_OWN.pattern + rb"(?:[a-z0-9]+\x01){0,4}" + _CLAIM.pattern[1:])
_AND_CLAIM = re.compile(rb"\x01and\x01(?:[a-z]+\x01)?" + _CLAIM.pattern[1:])
_PASSIVE = _cues("(?:is|are) (?:[a-z]+ )?(?:proposed|introduced|presented|developed|designed)")  # needs no "we"
# A hit that is what the paper's own work uses: "we apply knowledge distillation", "our method leverages LoRA".
_METHOD = _cues(
    "(?:we|(?:our|the proposed|the) (?:[a-z]+ ){0,2}(?:method|approach|framework|model|system|pipeline))"
    " (?:[a-z]+ ){0,2}?"
    "(?:use|uses|employ|employs|leverage|leverages|adopt|adopts|apply|applies|utili[sz]e|utili[sz]es|exploit|exploits"
    "|combine|combines|integrate|integrates|rely on|relies on|build on|builds on|train with|trains with)"
)
# ... taking it as its object, a few words on at most ("we adopt LoRA", not "we use a dataset and a model with LoRA").
_METHOD_OBJECT = re.compile(_METHOD.pattern + rb"\x01*(?:[a-z0-9]+\x01+){0,3}\Z")
# A sentence that goes on with the one before: an item of its enumeration, or the details of its claim.
_GOES_ON = re.compile(r"\(?(?:[2-9]|ii|iii|iv|v|vi)\) |(?:more )?specifically|in particular|concretely|in detail", re.I)
# A model named by a hit: "a diffusion model", "diffusion-based models", "diffusion or autoregressive models".
_MODEL_AFTER = re.compile(
    rb"\x01(?:or\x01[a-z0-9]+\x01|based\x01(?:[a-z0-9]+\x01){0,2})?"
    rb"(?:models?|networks?|policy|policies|samplers?|priors?|detectors?|generators?|backbones?|transformers?)\x01"
)
_MODEL_WORDS = (b"model", b"models", b"network", b"networks")  # ends of a hit that is a model's name
# Sentences on experiments and results: a model named there is what the work was tried on, not built with.
_RESULTS = _cues(
    "experiment[a-z]*",
    "evaluat[a-z]*",
    "benchmark[a-z]*",
    "results?",
    "demonstrat[a-z]*",
    "appl(?:y|ies|ied|ying)",
    "outperform[a-z]*",
    "achiev[a-z]*",
)
_SCOPE = _cues(
    "(?:we|this (?:paper|survey|review|article))(?: [a-z]+){0,2}? (?:survey|review|cover|summari[sz]e)[a-z]*"
)


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    group: str
    patterns: tuple[str, ...]  # case-insensitive
    exclusions: tuple[str, ...]  # a pattern match inside an exclusion match does not count
    description: str = ""
    acronyms: tuple[str, ...] = ()  # case-sensitive patterns
    requires: tuple[str, ...] = ()  # case-insensitive: about the theme only when one of these is in the paper


@dataclass(frozen=True)
class Taxonomy:
    themes: tuple[Theme, ...]
    source: str

    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)

    def groups(self) -> tuple[str, ...]:
        """Group names in the order they first appear."""
        return tuple(dict.fromkeys(t.group for t in self.themes))

    def by_id(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)


@dataclass(frozen=True)
class ThemeTags:
    themes: tuple[str, ...]
    mentions: tuple[str, ...]
    evidence: dict[str, list[str]]


def load_taxonomy(path) -> Taxonomy:
    """Read and validate a taxonomy TOML file (the header of data/themes.toml describes the format)."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
        doc = tomllib.loads(raw)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TaxonomyError(f"{path}: cannot read taxonomy: {exc}") from exc
    lines = raw.splitlines()
    headers = [n for n, line in enumerate(lines) if line.strip().startswith("[[theme]]")]
    tables = doc.get("theme")
    if set(doc) != {"theme"} or not isinstance(tables, list) or not tables:
        raise TaxonomyError(f"{path}: expected [[theme]] tables and nothing else, found {sorted(doc) or 'nothing'}")
    themes: dict[str, Theme] = {}
    for i, table in enumerate(tables):

        def where(needle: str, i=i) -> str:
            """file:line in the i-th table: of the key `needle` if there is one, else of the first mention."""
            span = range(headers[i], headers[i + 1] if i + 1 < len(headers) else len(lines)) if i < len(headers) else ()
            key = re.compile(rf"\s*{re.escape(needle)}\s*=")
            found = [n for n in span if key.match(lines[n])] or [n for n in span if needle in lines[n]] or span[:1]
            return f"{path}:{found[0] + 1 if found else '?'}"

        theme = _theme(table, f"theme #{i + 1}" + (f" ({table.get('id')!r})" if "id" in table else ""), where)
        if theme.id in themes:
            raise TaxonomyError(f"{where('id')}: duplicate theme id {theme.id!r}")
        themes[theme.id] = theme
    return Taxonomy(tuple(themes.values()), str(path))


def _theme(table: dict, label: str, where) -> Theme:
    for key, value in table.items():
        if key not in _FIELDS:
            raise TaxonomyError(f"{where(key)}: {label}: unknown field {key!r}")
        strings = not isinstance(value, list) or all(isinstance(v, str) and v for v in value)
        if not isinstance(value, _FIELDS[key]) or not strings:
            kind = "a list of non-empty strings" if _FIELDS[key] is list else "a string"
            raise TaxonomyError(f"{where(key)}: {label}: {key!r} must be {kind}")
    for key in ("id", "name", "group"):
        if not str(table.get(key, "")).strip():
            raise TaxonomyError(f"{where(key if key in table else '[[theme]]')}: {label}: missing field {key!r}")
    if not _ID.match(table["id"]):
        raise TaxonomyError(f"{where('id')}: {label}: id must be lower-case letters, digits and '_'")
    if not table.get("patterns") and not table.get("acronyms"):
        raise TaxonomyError(f"{where('[[theme]]')}: {label}: no patterns or acronyms")
    for key, cased in (("patterns", False), ("acronyms", True), ("exclusions", False), ("requires", False)):
        for pattern in table.get(key, []):
            try:
                re.compile(pattern, 0 if cased else re.I)
                re.compile(BOUNDED.format(pattern))  # inline global flags, say, only fail once wrapped
            except re.error as exc:
                raise TaxonomyError(f"{where(pattern)}: {label}: pattern {pattern!r} does not compile: {exc}") from exc
            if (
                key != "requires" and literal_anchor(pattern) is None
            ):  # it would have to be searched in every paper in full, too slow
                raise TaxonomyError(
                    f"{where(pattern)}: {label}: pattern {pattern!r} should start with a word of 3"
                    " letters or more, or with \\w* and such a word"
                )
    return Theme(
        table["id"],
        table["name"],
        table["group"],
        tuple(table.get("patterns", [])),
        tuple(table.get("exclusions", [])),
        table.get("description", ""),
        tuple(table.get("acronyms", [])),
        tuple(table.get("requires", [])),
    )


@lru_cache(maxsize=8)
def _matcher(taxonomy: Taxonomy) -> Matcher:
    return build_matcher([(t.patterns, t.acronyms, t.exclusions) for t in taxonomy.themes])


@lru_cache(maxsize=8)
def _requirements(taxonomy: Taxonomy) -> list[re.Pattern | None]:
    """Per theme, one expression for its `requires` (searched only in papers that hit the theme), or None."""
    return [
        re.compile("|".join(BOUNDED.format(r) for r in t.requires), re.I) if t.requires else None
        for t in taxonomy.themes
    ]


def tag_themes(titles: Sequence[str], abstracts: Sequence[str], taxonomy: Taxonomy) -> list[ThemeTags]:
    """Themes each paper is about, themes it only mentions, and the matched words for both."""
    if len(titles) != len(abstracts):
        raise ValueError(f"{len(titles)} titles but {len(abstracts)} abstracts")
    matcher, requires = _matcher(taxonomy), _requirements(taxonomy)
    return [
        _tag(title or "", abstract or "", taxonomy, matcher, requires) for title, abstract in zip(titles, abstracts)
    ]


def _tag(title: str, abstract: str, taxonomy: Taxonomy, matcher: Matcher, requires) -> ThemeTags:
    text = f"{title}\n{abstract}"
    folded = fold(text)
    about, mentions, evidence, sentences = [], [], {}, None
    for n, (spans, excluded) in matcher.hits(text, folded).items():
        sentences = sentences or _Sentences(text, folded, len(title))
        # One sense per paper: where the title uses the theme's words in an excluded sense ("dataset pruning"),
        # the abstract's other uses of them ("the pruning rate") most likely mean the same.
        other_sense = bool(excluded) and excluded[0][0] < len(title)
        # A theme's own vocabulary may be borrowed ("distilling insights"); a paper on it uses words it cannot avoid.
        borrowed = requires[n] is not None and not requires[n].search(text)
        about_it = not other_sense and not borrowed and sentences.score(spans) >= ABOUT_SCORE
        (about if about_it else mentions).append(taxonomy.themes[n].id)
        words: dict[str, str] = {}  # as written, first form of each, in order
        for a, b in spans:
            words.setdefault(text[a:b].lower(), text[a:b])
        evidence[taxonomy.themes[n].id] = list(words.values())
    return ThemeTags(tuple(about), tuple(mentions), evidence)


class _Sentences:
    """The sentences of one paper and what each says, worked out once and shared by all its themes."""

    def __init__(self, text: str, folded: bytes, title_end: int):
        self.text, self.folded, self.kinds = text, folded, {}  # kinds: sentence -> score of a hit in it
        self.starts = [0, title_end + 1]
        at = text.find(". ", title_end)  # "?" and "!" hardly ever end a sentence of an abstract
        while at != -1:
            if not text.endswith(_ABBREVIATIONS, max(title_end, at - 4), at):
                self.starts.append(at + 2)
            at = text.find(". ", at + 2)
        head = text[:title_end].split(":", 1)[0].strip()  # "Name: what it does" titles name the system
        self.name = head.lower() if ":" in text[:title_end] and re.fullmatch(r"\S*[A-Z0-9]\S*", head) else None

    def score(self, spans: list[tuple[int, int]]) -> int:
        """Sum over sentences of each one's strongest hit (see ABOUT_SCORE), stopping as soon as the outcome is
        clear: the cues are costly to look up, and most themes are settled by their first sentence."""
        if spans[0][0] < self.starts[1] and not self._aside(0, spans[0][0]):
            return ABOUT_SCORE  # named in the title, the common case: nothing else to look up
        hits: dict[int, list[tuple[int, int]]] = {}
        for a, b in spans:
            hits.setdefault(bisect_right(self.starts, a) - 1, []).append((a, b))
        total, left = 0, sum(3 + (len(at) > 1) for at in hits.values())
        for i, at in sorted(hits.items()):  # the title, sentence 0, first
            if total >= ABOUT_SCORE or total + left < ABOUT_SCORE:
                break
            left -= 3 + (len(at) > 1)
            kept = [(a, b) for a, b in at if not self._aside(i, a) and not self._yardstick(i, b)]
            if kept:
                kind = self._kind(i)
                if kind == 2 and any(
                    self._method(i, a) or (self._model(a, b) and not self._results(i)) for a, b in kept
                ):
                    kind = 3
                total += kind + (len(kept) > 1)
        return total

    def _method(self, i: int, a: int) -> bool:
        """Whether the hit at `a` is the object of a method verb of the paper's own work, in the same clause."""
        start = max(self.starts[i], a - _ASIDE_WINDOW)
        window = self.text[start:a]
        start += max(window.rfind(","), window.rfind(";"), 0)
        return bool(_METHOD_OBJECT.search(self.folded, start, a + 1))

    def _results(self, i: int) -> bool:
        start, end = self._bounds(i)
        return bool(_RESULTS.search(self.folded, start, end + 1))

    def _model(self, a: int, b: int) -> bool:
        """Whether the hit names a model or network the paper's own work is done with ("a diffusion model")."""
        if self.folded.endswith(b"ed", a + 1, b + 1):
            return False  # "sparsified networks", "quantized models": the theme is what was done to the model
        return bool(_MODEL_AFTER.match(self.folded, b + 1)) or self.folded.endswith(_MODEL_WORDS, a + 1, b + 1)

    def _yardstick(self, i: int, b: int) -> bool:
        """Whether the clause goes on from the hit ending at `b` to make it a baseline or reference point."""
        end = min(self._bounds(i)[1], b + _ASIDE_WINDOW)
        clause = self.text[b:end]
        cut = min((k for k in (clause.find(","), clause.find(";")) if k >= 0), default=len(clause))
        return bool(_YARDSTICK.search(self.folded, b, b + cut + 2))

    def _aside(self, i: int, a: int) -> bool:
        if self.text[max(0, a - 4) : a].lower() == "non-":
            return True  # "non-diffusion architectures": named to be set apart
        start = max(self.starts[i], a - _ASIDE_WINDOW)
        window = self.text[start:a]
        if _CONTRAST.search(self.folded, start + max(window.rfind(","), window.rfind(";"), 0), a + 1):
            return True
        listed = window.count(",") >= 2 and len(window[window.rfind(",") + 1 :].split()) <= _LIST_TAIL
        if not listed and not _EXAMPLE.search(self.folded, start, a + 1):
            return False
        start, end = self._bounds(i)  # an enumeration in a survey's scope is its subject, not an example
        return i == 0 or not _SCOPE.search(self.folded, start, end + 1)

    def _kind(self, i: int) -> int:
        """Score of sentence i when a hit in it is no aside."""
        if i not in self.kinds:  # the title, sentence 0, counts as a claim
            start, end = self._bounds(i)
            named = self.name is not None and self.name in self.text[start:end].lower()
            own = i == 0 or named or _OWN.search(self.folded, start, end + 1)
            claim = (
                i == 0
                or (named and _CLAIM.search(self.folded, start, end + 1))
                or _OWN_CLAIM.search(self.folded, start, end + 1)
                or (own and _AND_CLAIM.search(self.folded, start, end + 1))
                or _PASSIVE.search(self.folded, start, end + 1)
                or _SCOPE.search(self.folded, start, end + 1)
            )
            self.kinds[i] = 3 if claim else 2 if own else 1
            if i > 1 and self.kinds[i] < 3 and _GOES_ON.match(self.text, start):
                self.kinds[i] = max(self.kinds[i], self._kind(i - 1))
        return self.kinds[i]

    def _bounds(self, i: int) -> tuple[int, int]:
        return self.starts[i], (self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text))
