"""Pattern matching for theme tagging: where the patterns of each theme match a paper's text, found with one scan
for the literal words the patterns contain. Knows nothing of taxonomy files or of what a sentence says."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

BOUNDED = r"(?<![^\W_])(?:{})(?![^\W_])"  # letters and digits are word characters; "_" and "-" are not
# One byte per character: ASCII letters in lower case, digits kept, every other character \x01.
FOLD = bytes(c + 32 if 65 <= c <= 90 else c if chr(c).isalnum() and c < 128 else 1 for c in range(256))
_SEPARATORS = "".join(chr(c) for c in range(128) if FOLD[c] == 1)
_LINK_STARTS = (b"http", b"www\x01")  # found by the scan like literals; a link is no claim about the paper
_QUANTIFIER = re.compile(r"(?:[?*+]|\{(\d*)(,?)(\d*)\})[?+]?")
_UNBOUNDED = float("inf")


class Anchor(NamedTuple):
    """A literal every match of a pattern contains, folded and as written; how many characters a match can have
    before it (-1: any number of word characters); and whether it always starts a word."""

    folded: bytes
    written: str
    back: int
    starts_word: bool


class Hits(NamedTuple):
    """Where one theme's patterns match, and the matches of its exclusions that cut some of them out."""

    spans: list[tuple[int, int]]
    excluded: list[tuple[int, int]]


class _Item(NamedTuple):
    char: str | None  # a printable ASCII character matched literally, else None
    width: float | None  # most characters matched; None when not known
    separator: bool = False  # always matches a character that is neither letter nor digit
    word: bool = False  # a word character (\w), repeated or not


def fold(text: str) -> bytes:
    """The text in FOLD form with a separator put in front, so that every word, even the first, follows one;
    offsets in it are those of the text plus one."""
    return (" " + text).encode("ascii", "replace").translate(FOLD)


def literal_anchor(pattern: str) -> Anchor | None:
    """The best literal of three or more letters or digits that every match must contain, or None. Literals that
    start a word are preferred: one scan finds all of them. Reads the pattern with a small scan of the regex
    syntax that taxonomies use; anything it does not follow ends the search at that point."""
    branches = _branches(pattern, 0, len(pattern))
    items = _items(pattern, *branches[0]) if len(branches) == 1 else []
    runs, width, k = [], 0, 0
    while k < len(items):
        j = k
        while j < len(items) and items[j].char is not None:
            j += 1
        if j > k and width is not None:
            text = "".join(item.char for item in items[k:j])
            skip = len(text) - len(text.lstrip(_SEPARATORS))
            starts_word = skip > 0 or k == 0 or items[k - 1].separator
            runs.append(
                Anchor(
                    text[skip:].encode().translate(FOLD), text[skip:], -1 if width < 0 else width + skip, starts_word
                )
            )
            width, k = (None if width < 0 else width + j - k), j
            continue
        if width is not None:
            high = items[k].width
            if high is not None and high < _UNBOUNDED:
                width = None if width < 0 else width + int(high)
            else:  # only a leading \w* or \w+ still allows a search: from the start of the word
                width = -1 if items[k].word and high is not None and width == 0 else None
        k += 1
    scored = [(len(r.folded.replace(b"\x01", b"")), r) for r in runs]
    best = max(
        (s for s in scored if s[0] >= 3),
        key=lambda s: (s[1].starts_word and s[0] >= 4, s[0], s[1].starts_word),
        default=None,
    )
    return best[1] if best else None


def _items(p: str, i: int, end: int) -> list[_Item]:
    """The items of p[i:end], a branch without top-level "|", each with its quantifier applied."""
    out: list[_Item] = []
    while i < end:
        item, i, inline = _atom(p, i, end)
        m = _QUANTIFIER.match(p, i, end)
        if m and (m.group(0)[0] != "{" or m.group(1) or m.group(2)):
            i = m.end()
            lo, comma, hi = m.groups()
            most = {"?": 1, "*": _UNBOUNDED, "+": _UNBOUNDED}.get(m.group(0)[0]) or (
                int(hi) if hi else _UNBOUNDED if comma else int(lo)
            )
            width = None if item.width is None else item.width * most if most else 0
            item = _Item(None, width, False, item.word and most == _UNBOUNDED)
        elif inline is not None:
            out.extend(inline)
            continue
        out.append(item)
    return out


def _atom(p: str, i: int, end: int) -> tuple[_Item, int, list[_Item] | None]:
    """The item at p[i], the index after it, and for a plain (?:...) group, the items to read in its place."""
    c = p[i]
    if c == "\\":
        e = p[i + 1] if i + 1 < end else ""
        if e in ("b", "B", "A", "Z"):
            return _Item(None, 0), i + 2, None
        if e in ("w", "W", "s", "S", "d", "D"):
            return _Item(None, 1, e in ("W", "s"), e == "w"), i + 2, None
        if e and not e.isalnum():
            return _Item(e if " " <= e <= "~" else None, 1, True), i + 2, None
        return _Item(None, None), i + 2, None  # \1, \x41 and such: not followed
    if c == "[":
        return _class(p, i, end)
    if c == "(":
        return _group(p, i, end)
    if c in "^$":
        return _Item(None, 0), i + 1, None
    if c == ".":
        return _Item(None, 1), i + 1, None
    return _Item(c if " " <= c <= "~" else None, 1, not c.isalnum()), i + 1, None


def _class(p: str, i: int, end: int) -> tuple[_Item, int, None]:
    negated = p.startswith("^", i + 1)
    j, members = i + 1 + negated, []
    while j < end and (p[j] != "]" or j == i + 1 + negated):  # a "]" first in the class is a member
        size = 2 if p[j] == "\\" else 1
        members.append(p[j : j + size])
        j += size
    plain = not negated and "-" not in members[1:-1]  # no ranges
    separator = plain and all(m in ("\\s", "\\W") or not m[-1].isalnum() for m in members)
    single = (
        members[0][-1]
        if plain and len(members) == 1 and not (len(members[0]) == 2 and members[0][1].isalnum())
        else None
    )
    return _Item(single if single and " " <= single <= "~" else None, 1, separator, members == ["\\w"]), j + 1, None


def _group(p: str, i: int, end: int) -> tuple[_Item, int, list[_Item] | None]:
    close = _closing(p, i, end)
    head = re.match(r"\((?:\?(?:(:)|([=!]|<[=!]|#)|P<\w+>|>|[aiLmsux-]+:)?)?", p[i:close])
    if p.startswith("(?", i) and not head.group(0)[2:]:
        return _Item(None, None), close + 1, None  # conditionals, back-references, global flags: not followed
    if head.group(2):
        return _Item(None, 0), close + 1, None  # look-arounds and comments match no characters
    branches = _branches(p, i + len(head.group(0)), close)
    parts = [_items(p, a, b) for a, b in branches]
    widths = [None if any(x.width is None for x in part) else sum(x.width for x in part) for part in parts]
    width = None if None in widths else max(widths)
    if not head.group(1) or len(parts) == 1:  # a plain (?:...) group is read as if its brackets were not there
        return _Item(None, width), close + 1, parts[0] if head.group(1) else None
    common = 0  # and the literal start its branches share as if written before it: "(?:tokens|token)"
    while all(len(part) > common and part[common].char == parts[0][common].char is not None for part in parts):
        common += 1
    rest = _Item(None, None if width is None else max(w - common for w in widths))
    return _Item(None, width), close + 1, parts[0][:common] + [rest] if common else None


def _syntax(p: str, i: int, end: int):
    """(index, character, bracket depth after it) of each character of p[i:end] that is regex syntax:
    escaped characters and character classes are stepped over."""
    depth, j = 0, i
    while j < end:
        if p[j] == "\\":
            j += 2
            continue
        if p[j] == "[":
            j = _class(p, j, end)[1]
            continue
        depth += (p[j] == "(") - (p[j] == ")")
        yield j, p[j], depth
        j += 1


def _closing(p: str, i: int, end: int) -> int:
    """Index of the bracket closing the group opened at p[i]."""
    return next((j for j, c, depth in _syntax(p, i, end) if c == ")" and depth == 0), end)


def _branches(p: str, i: int, end: int) -> list[tuple[int, int]]:
    """Spans of the top-level "|" branches of p[i:end]."""
    cuts = [j for j, c, depth in _syntax(p, i, end) if c == "|" and depth == 0]
    return list(zip([i] + [j + 1 for j in cuts], cuts + [end]))


@dataclass(frozen=True)
class _Probe:
    theme: int
    rx: re.Pattern
    back: int  # how far before its literal a match may start; -1: anywhere earlier in the same word
    exclusion: bool


@dataclass(frozen=True)
class Matcher:
    """All patterns of a taxonomy, indexed by the literal text each of their matches must contain."""

    probes: tuple[_Probe, ...]
    scan: re.Pattern  # finds, in folded text, every word that starts with one of the `initial` literals
    initial: dict[bytes, tuple[int, ...]]  # folded literal -> probes (its own and those of its prefixes)
    inner: re.Pattern  # finds, in folded text, literals that may sit inside a word ("LeYOLO")
    cased: re.Pattern  # the same for case-sensitive literals, in the original text ("QLoRA")
    inner_ids: dict[bytes | str, tuple[int, ...]]

    def hits(self, text: str, folded: bytes) -> dict[int, Hits]:
        """Theme index -> spans of `text` its patterns match, in order, none inside another or inside a match of
        the theme's exclusions or a link; and the exclusion matches that cut some. `folded` is fold(text)."""
        candidates = [(i, m.start()) for m in self.scan.finditer(folded) for i in self.initial[m.group(1)]]
        candidates += [(i, m.start() - 1) for m in self.inner.finditer(folded) for i in self.inner_ids[m.group()]]
        candidates += [(i, m.start()) for m in self.cased.finditer(text) for i in self.inner_ids[m.group()]]
        hits: dict[int, set[tuple[int, int]]] = {}
        cut_at: dict[int, list[tuple[_Probe, int]]] = {}
        links = []  # (start, end) of links, such as "github.com/automl/..." naming a code repository
        probes = self.probes
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
        found = {}
        for n in sorted(hits):
            excluded = [c for probe, at in cut_at[n] if (c := _confirm(probe, text, at))] if n in cut_at else []
            cuts, spans, used, reach = links + excluded, [], set(), -1
            for a, b in sorted(hits[n], key=_widest_first) if len(hits[n]) > 1 else hits[n]:
                cut = next((c for c in cuts if c[0] <= a and b <= c[1]), None) if cuts else None
                if cut:
                    used.add(cut)
                elif b > reach:  # not inside an earlier hit
                    spans.append((a, b))
                    reach = b
            if spans:
                found[n] = Hits(spans, sorted(used.intersection(excluded)) if excluded else excluded)
        return found


def build_matcher(themes: Sequence[tuple[Sequence[str], Sequence[str], Sequence[str]]]) -> Matcher:
    """A matcher for (patterns, acronyms, exclusions) of each theme; every pattern must have a literal_anchor."""
    probes, initial, inner = [], {}, {}
    for n, (patterns, acronyms, exclusions) in enumerate(themes):
        kinds = [(p, False, False) for p in patterns] + [(p, True, False) for p in acronyms]
        for pattern, cased, exclusion in kinds + [(p, False, True) for p in exclusions]:
            folded, written, back, starts_word = literal_anchor(pattern)
            probes.append(_Probe(n, re.compile(BOUNDED.format(pattern), 0 if cased else re.I), back, exclusion))
            key = folded if starts_word or not cased else written  # so "exploration" is no candidate for LoRA
            (initial if starts_word else inner).setdefault(key, []).append(len(probes) - 1)
    for link in _LINK_STARTS:
        initial.setdefault(link, []).append(-1)
    # The scan reports only the longest literal found at a place, so that one stands for its prefixes too.
    at_place = {
        k: tuple(v + [i for p, more in initial.items() if p != k and k.startswith(p) for i in more])
        for k, v in initial.items()
    }
    folded_inner = sorted((k for k in inner if isinstance(k, bytes)), key=len, reverse=True)
    cased_inner = sorted((k for k in inner if isinstance(k, str)), key=len, reverse=True)
    return Matcher(
        tuple(probes),
        re.compile(b"\x01(?=(" + (_trie(sorted(initial)) or b"(?!)") + b"))"),
        at_place,
        re.compile(b"|".join(map(re.escape, folded_inner)) or b"(?!)"),
        re.compile("|".join(map(re.escape, cased_inner)) or "(?!)"),
        {k: tuple(v) for k, v in inner.items()},
    )


def _trie(words: list[bytes]) -> bytes:
    """A regex for any of `words`, factored on common prefixes so that each try stays short."""
    heads: dict[int, list[bytes]] = {}
    for w in filter(None, words):
        heads.setdefault(w[0], []).append(w[1:])
    alts = [re.escape(bytes([h])) + _trie(rest) for h, rest in sorted(heads.items())]
    body = b"" if not alts else alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")"
    return b"(?:" + body + b")?" if body and b"" in words else body


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
