"""Theme tagging: loads the editable taxonomy (data/themes.toml) and tells, per paper, which themes it is
about, which it only mentions, and the words that matched. Never reads the corpus or imports streamlit.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from re import _constants as _sre_c, _parser as _sre_parse  # to find the literal text of each pattern
from typing import Sequence

# Sentence scores: the title, or a sentence that states the paper's contribution ("we propose ..."), 3;
# another sentence on the paper's own work ("we use ...") 2; any other sentence 1; an aside 0; one more for
# a sentence naming the theme twice. From ABOUT_SCORE up a paper is about the theme, else it mentions it.
ABOUT_SCORE = 3
_ASIDE_WINDOW = 80  # characters before a hit that are searched for an aside cue
_LIST_TAIL = 4  # a hit at most this many words after the second of two commas is an item of a list
_BOUNDED = r"(?<![^\W_])(?:{})(?![^\W_])"  # letters and digits are word characters; "_" and "-" are not
# One byte per character: ASCII letters in lower case, digits kept, every other character \x01.
_FOLD = bytes(c + 32 if 65 <= c <= 90 else c if chr(c).isalnum() and c < 128 else 1 for c in range(256))
_SEPARATORS = "".join(chr(c) for c in range(128) if _FOLD[c] == 1)
_ABBREVIATIONS = (" e.g", " i.e", " al", " vs", " etc", " fig", " Fig", " Eq", "(e.g", "(i.e")  # no sentence ends here
_LINK_STARTS = (b"http", b"www\x01")  # found by the scan like literals; a link is no claim about the paper
_FIELDS = {"id": str, "name": str, "group": str, "description": str, "patterns": list, "acronyms": list,
           "exclusions": list}
_ID = re.compile(r"[a-z][a-z0-9_]*\Z")


def _cues(*phrases: str) -> re.Pattern:
    """Whole-word phrases (regex syntax) to find in folded text, where every separator is \\x01."""
    return re.compile(("\x01(?:" + "|".join(p.replace(" ", "\x01") for p in phrases) + ")\x01").encode())


# A hit after one of these in its clause is compared or set aside ...
_CONTRAST = _cues(
    "unlike", "in contrast", "instead of", "rather than", "without", "compar(?:e|ed|ing|isons?)", "outperform[a-z]*",
    "surpass[a-z]*", "than", "beyond", "other", "existing", "previous", "prior", "conventional", "traditional",
    "alternatives?", "complementary", "compatible", "orthogonal", "baselines?", "inspired by", "motivated by",
    "versus", "vs",
)
# ... and one in an enumeration is one example among several, unless the sentence sets a survey's scope.
_EXAMPLE = _cues("such as", "e g", "for example", "for instance", "including", "like", "as well as")
# What a sentence says about the paper: its own work, a claim of contribution, a survey's scope.
_OWN = _cues("we", "our", "here", "this (?:paper|work|study|survey|review|report|article|dissertation)")
_CLAIM = _cues("(?:propos|introduc|present|develop|design|devis|survey|review)[a-z]*", "buil[dt]", "named", "called",
               "dubbed", "termed")
_PASSIVE = _cues("(?:is|are) (?:[a-z]+ )?(?:proposed|introduced|presented|developed|designed)")  # needs no "we"
_SCOPE = _cues("(?:we|this (?:paper|survey|review|article))(?: [a-z]+){0,2}? "
               "(?:survey|review|cover|summari[sz]e)[a-z]*")


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message names the file and, where known, the line."""


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    group: str
    patterns: tuple[str, ...]  # case-insensitive
    exclusions: tuple[str, ...]  # a pattern match inside an exclusion match does not count
    description: str = ""
    acronyms: tuple[str, ...] = ()  # case-sensitive patterns


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
    for key, cased in (("patterns", False), ("acronyms", True), ("exclusions", False)):
        for pattern in table.get(key, []):
            try:
                re.compile(pattern, 0 if cased else re.I)
                re.compile(_BOUNDED.format(pattern))  # inline global flags, say, only fail once wrapped
            except re.error as exc:
                raise TaxonomyError(f"{where(pattern)}: {label}: pattern {pattern!r} does not compile: {exc}") from exc
            if not _anchor(pattern, cased)[0]:  # it would have to be searched in every paper in full, too slow
                raise TaxonomyError(f"{where(pattern)}: {label}: pattern {pattern!r} should start with a word of 3"
                                    " letters or more, or with \\w* and such a word")
    return Theme(table["id"], table["name"], table["group"], tuple(table.get("patterns", [])),
                 tuple(table.get("exclusions", [])), table.get("description", ""), tuple(table.get("acronyms", [])))


@dataclass(frozen=True)
class _Probe:
    theme: int
    rx: re.Pattern
    back: int  # how far before its literal a match may start; -1: anywhere earlier in the same word
    exclusion: bool


@dataclass(frozen=True)
class _Matcher:
    """All patterns of a taxonomy, indexed by the literal text each of their matches must contain."""

    probes: tuple[_Probe, ...]
    scan: re.Pattern  # finds, in folded text, every word that starts with one of the `initial` literals
    initial: dict[bytes, tuple[int, ...]]  # folded literal -> probes (its own and those of its prefixes)
    inner: re.Pattern  # finds, in folded text, literals that may sit inside a word ("LeYOLO")
    cased: re.Pattern  # the same for case-sensitive literals, in the original text ("QLoRA")
    inner_ids: dict[bytes | str, tuple[int, ...]]


@lru_cache(maxsize=8)
def _matcher(taxonomy: Taxonomy) -> _Matcher:
    probes, initial, inner = [], {}, {}
    for n, theme in enumerate(taxonomy.themes):
        kinds = [(p, False, False) for p in theme.patterns] + [(p, True, False) for p in theme.acronyms]
        for pattern, cased, exclusion in kinds + [(p, False, True) for p in theme.exclusions]:
            folded, written, back, starts_word = _anchor(pattern, cased)
            probes.append(_Probe(n, re.compile(_BOUNDED.format(pattern), 0 if cased else re.I), back, exclusion))
            key = folded if starts_word or not cased else written  # so "exploration" is no candidate for LoRA
            (initial if starts_word else inner).setdefault(key, []).append(len(probes) - 1)
    for link in _LINK_STARTS:
        initial.setdefault(link, []).append(-1)
    # The scan reports only the longest literal found at a place, so that one stands for its prefixes too.
    at_place = {k: tuple(v + [i for p, more in initial.items() if p != k and k.startswith(p) for i in more])
                for k, v in initial.items()}
    folded_inner = sorted((k for k in inner if isinstance(k, bytes)), key=len, reverse=True)
    cased_inner = sorted((k for k in inner if isinstance(k, str)), key=len, reverse=True)
    return _Matcher(tuple(probes), re.compile(b"\x01(?=(" + (_trie(sorted(initial)) or b"(?!)") + b"))"), at_place,
                    re.compile(b"|".join(map(re.escape, folded_inner)) or b"(?!)"),
                    re.compile("|".join(map(re.escape, cased_inner)) or "(?!)"),
                    {k: tuple(v) for k, v in inner.items()})


def _anchor(pattern: str, cased: bool) -> tuple[bytes, str, int, bool]:
    """A literal every match contains (folded, and as written), the most characters a match can have before
    it (-1: any number of word characters), and whether it always starts a word; b"" if none has 3 letters.
    Literals that start a word are preferred: one scan finds all of them."""
    ops = _sre_parse.parse(pattern, 0 if cased else re.I).data
    runs, width, k = [], 0, 0
    while k < len(ops):
        j = k
        while j < len(ops) and ops[j][0] is _sre_c.LITERAL and 32 <= ops[j][1] < 127:
            j += 1
        if j > k and width is not None:
            text = "".join(chr(av) for _, av in ops[k:j])
            skip = len(text) - len(text.lstrip(_SEPARATORS))
            starts_word = skip > 0 or k == 0 or _separator(*ops[k - 1])
            back = -1 if width < 0 else width + skip
            runs.append((text[skip:].encode().translate(_FOLD), text[skip:], back, starts_word))
            width, k = (None if width < 0 else width + j - k), j
            continue
        if width is not None:
            try:
                high = _sre_parse.SubPattern(_sre_parse.State(), [ops[k]]).getwidth()[1]
            except (IndexError, KeyError, TypeError):  # a back-reference: its width is not known here
                high = _sre_c.MAXREPEAT
            body = list(ops[k][1][2]) if ops[k][0] is _sre_c.MAX_REPEAT else []
            word_run = body == [(_sre_c.IN, [(_sre_c.CATEGORY, _sre_c.CATEGORY_WORD)])]
            if high < _sre_c.MAXREPEAT:
                width = None if width < 0 else width + high
            else:  # only a leading \w* or \w+ still allows a search: from the start of the word
                width = -1 if word_run and width == 0 else None
        k += 1
    runs = [(len(r[0].replace(b"\x01", b"")), r) for r in runs]
    best = max((s for s in runs if s[0] >= 3), key=lambda s: (s[1][3] and s[0] >= 4, s[0], s[1][3]), default=None)
    return best[1] if best else (b"", "", 0, False)


def _separator(op, av) -> bool:
    """Whether the op always matches a character that is not a letter or digit."""
    if op is _sre_c.LITERAL:
        return not chr(av).isalnum()
    return op is _sre_c.IN and all((o is _sre_c.LITERAL and not chr(a).isalnum())
                                   or (o is _sre_c.CATEGORY and a in (_sre_c.CATEGORY_SPACE, _sre_c.CATEGORY_NOT_WORD))
                                   for o, a in av)


def _trie(words: list[bytes]) -> bytes:
    """A regex for any of `words`, factored on common prefixes so that each try stays short."""
    heads: dict[int, list[bytes]] = {}
    for w in filter(None, words):
        heads.setdefault(w[0], []).append(w[1:])
    alts = [re.escape(bytes([h])) + _trie(rest) for h, rest in sorted(heads.items())]
    body = b"" if not alts else alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")"
    return b"(?:" + body + b")?" if body and b"" in words else body


def tag_themes(titles: Sequence[str], abstracts: Sequence[str], taxonomy: Taxonomy) -> list[ThemeTags]:
    """Themes each paper is about, themes it only mentions, and the matched words for both."""
    if len(titles) != len(abstracts):
        raise ValueError(f"{len(titles)} titles but {len(abstracts)} abstracts")
    matcher = _matcher(taxonomy)
    return [_tag(title or "", abstract or "", taxonomy, matcher) for title, abstract in zip(titles, abstracts)]


def _tag(title: str, abstract: str, taxonomy: Taxonomy, matcher: _Matcher) -> ThemeTags:
    text = f"{title}\n{abstract}"
    # One byte per character, offsets shifted by one: a separator stands before every word, even the first.
    folded = (" " + text).encode("ascii", "replace").translate(_FOLD)
    candidates = [(i, m.start()) for m in matcher.scan.finditer(folded) for i in matcher.initial[m.group(1)]]
    candidates += [(i, m.start() - 1) for m in matcher.inner.finditer(folded) for i in matcher.inner_ids[m.group()]]
    candidates += [(i, m.start()) for m in matcher.cased.finditer(text) for i in matcher.inner_ids[m.group()]]
    hits: dict[int, set[tuple[int, int]]] = {}
    cut_at: dict[int, list[tuple[_Probe, int]]] = {}
    links = []  # (start, end) of links, such as "github.com/automl/..." naming a code repository
    probes = matcher.probes
    for i, at in candidates:
        if i < 0:
            ends = [e for e in (text.find(" ", at), text.find("\n", at)) if e >= 0]
            links.append((at, min(ends, default=len(text))))
            continue
        probe = probes[i]
        if probe.exclusion:
            cut_at.setdefault(probe.theme, []).append((probe, at))
        elif probe.back == 0:  # the common case, inlined: the match starts with the literal
            if m := probe.rx.match(text, at):
                hits.setdefault(probe.theme, set()).add(m.span())
        elif span := _confirm(probe, text, at):
            hits.setdefault(probe.theme, set()).add(span)
    about, mentions, evidence, sentences = [], [], {}, None
    for n in sorted(hits):
        cuts = links + [c for probe, at in cut_at[n] if (c := _confirm(probe, text, at))] if n in cut_at else links
        spans, reach = [], -1
        for a, b in sorted(hits[n], key=_widest_first) if len(hits[n]) > 1 else hits[n]:
            if b > reach and not (cuts and any(c <= a and b <= d for c, d in cuts)):  # not inside a hit or cut
                spans.append((a, b))
                reach = b
        if spans:
            sentences = sentences or _Sentences(text, folded, len(title))
            (about if sentences.score(spans) >= ABOUT_SCORE else mentions).append(taxonomy.themes[n].id)
            words: dict[str, str] = {}  # as written, first form of each, in order
            for a, b in spans:
                words.setdefault(text[a:b].lower(), text[a:b])
            evidence[taxonomy.themes[n].id] = list(words.values())
    return ThemeTags(tuple(about), tuple(mentions), evidence)


def _widest_first(span: tuple[int, int]) -> tuple[int, int]:
    return span[0], -span[1]


def _confirm(probe: _Probe, text: str, at: int) -> tuple[int, int] | None:
    """The span of the probe's match that covers its literal at `at`, if there is one."""
    if probe.back == 0:
        m = probe.rx.match(text, at)
        return m.span() if m else None
    start = at
    while probe.back < 0 and start and text[start - 1].isalnum():
        start -= 1
    for s in range(start if probe.back < 0 else max(0, at - probe.back), at + 1):
        if s and text[s - 1].isalnum():
            continue  # no match starts inside a word
        m = probe.rx.match(text, s)
        if m and m.end() > at:
            return m.span()
    return None


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
        hits: dict[int, list[int]] = {}
        for a, _ in spans:
            hits.setdefault(bisect_right(self.starts, a) - 1, []).append(a)
        total, left = 0, sum(3 + (len(at) > 1) for at in hits.values())
        for i, at in sorted(hits.items()):  # the title, sentence 0, first
            if total >= ABOUT_SCORE or total + left < ABOUT_SCORE:
                break
            left -= 3 + (len(at) > 1)
            kept = [a for a in at if not self._aside(i, a)]
            total += (self._kind(i) + (len(kept) > 1)) if kept else 0
        return total

    def _aside(self, i: int, a: int) -> bool:
        start = max(self.starts[i], a - _ASIDE_WINDOW)
        window = self.text[start:a]
        if _CONTRAST.search(self.folded, start + max(window.rfind(","), window.rfind(";"), 0), a + 1):
            return True
        listed = window.count(",") >= 2 and len(window[window.rfind(",") + 1:].split()) <= _LIST_TAIL
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
            claim = i == 0 or (own and _CLAIM.search(self.folded, start, end + 1)) \
                or _PASSIVE.search(self.folded, start, end + 1) or _SCOPE.search(self.folded, start, end + 1)
            self.kinds[i] = 3 if claim else 2 if own else 1
        return self.kinds[i]

    def _bounds(self, i: int) -> tuple[int, int]:
        return self.starts[i], (self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text))
