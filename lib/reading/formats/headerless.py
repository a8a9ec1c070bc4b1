"""Delimited tables without a header row, whose columns are told apart by what they hold: a scraper's
`id<TAB>score<TAB>title` dump, ogbn-arxiv's `paperid<TAB>title<TAB>abstract`, a spreadsheet saved without its
header row.

A column is an arXiv id, a DOI, a date, a web link, an abstract (prose) or an author list when most of its
values read as one, and the title is the column of distinct, short, worded text left over. A table is taken
as headerless only when all of this holds, so a listing page, a list of titles or a headed file never is:
- one row width (two columns or more) for nearly every row, the first row included;
- a title column, and besides it an id column, an abstract column, or a date and an author list;
- the first row fits: its id, date and abstract cells read as such (a header row's names do not).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lib.core.dates import normalize_date
from lib.core.ids import normalize_arxiv_id, normalize_doi
from lib.core.records import clean_line
from lib.reading.formats.authors import split_authors
from lib.reading.formats.listing import MAX_TITLE_CHARS, looks_like_abstract

SAMPLE_ROWS = 200
_SAME_WIDTH = 0.8  # of the rows share the first row's width
_KIND_SHARE = {"arxiv link": 0.8, "arxiv": 0.8, "doi": 0.8, "date": 0.8, "url": 0.8, "abstract": 0.6, "authors": 0.6}
_EVIDENCE = {"arxiv link": 2, "arxiv": 2, "doi": 2, "abstract": 2, "date": 1, "authors": 1}
_LABELS = {"arxiv": "arXiv id", "doi": "DOI", "url": "link"}
# An arXiv link ("http://arxiv.org/pdf/2101.00042v1") is kept as the link, and names the paper as an id does.
_ARXIV_LINK = "arxiv link"
_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
# Words written in lower case inside personal names; a column of titles has "of", "for", "with" instead.
_PARTICLES = frozenset("van von der den de del della di da dos das du la le bin ibn al y and et".split())
_INITIAL = re.compile(r"(?:[A-Z]\.?-?)+,?")


@dataclass(frozen=True)
class ContentColumns:
    """What each column of a headerless table holds: field name (as lib.reading.formats.fields names them)
    -> position, counted from 0, and the table's width."""

    fields: dict[str, int]
    width: int

    def note(self) -> str:
        """One line for the ParseResult: which column was taken as what, and which were kept as they are."""
        labels = {i: _LABELS.get(f, f) for f, i in self.fields.items()}
        taken = ", ".join(f"column {i + 1} {labels[i]}" for i in sorted(labels))
        kept = [str(i + 1) for i in range(self.width) if i not in labels]
        if not kept:
            return f"no header row; columns recognised by their content: {taken}"
        rest = f"column {kept[0]} kept as it is" if len(kept) == 1 else f"columns {', '.join(kept)} kept as they are"
        return f"no header row; columns recognised by their content: {taken}; {rest}"


def columns_by_content(rows: Sequence[Sequence[str]]) -> ContentColumns | None:
    """The columns of `rows` (the file's first rows, its first row included) recognised by content, or None
    when these rows are not a headerless paper table."""
    if not rows or len(rows[0]) < 2:
        return None
    width = len(rows[0])
    sample = [r for r in rows[:SAMPLE_ROWS] if len(r) == width]
    if len(sample) < _SAME_WIDTH * min(len(rows), SAMPLE_ROWS):
        return None
    columns = [[clean_line(r[i]) for r in sample] for i in range(width)]
    fields: dict[str, int] = {}
    for i, values in enumerate(columns):
        filled = [v for v in values if v]
        kind = _kind(filled) if len(filled) * 2 >= len(values) else None  # a few stray ids make no id column
        if kind and kind not in fields:
            fields[kind] = i
    title = _title_column(columns, set(fields.values()))
    if title is None or sum(_EVIDENCE.get(f, 0) for f in fields) < 2:
        return None
    first = [clean_line(c) for c in rows[0]]
    if not first[title] or any(first[i] and not _first_row_reads(f, first[i]) for f, i in fields.items()):
        return None
    if _ARXIV_LINK in fields:
        link = fields.pop(_ARXIV_LINK)
        fields = {"url": link, **{f: i for f, i in fields.items() if f != "url"}}
    return ContentColumns({"title": title, **fields}, width)


def _first_row_reads(kind: str, value: str) -> bool:
    # A header row names its columns in a word or two: "arxiv_id", "published", "Abstract", "Authors".
    if kind == "abstract":
        return len(value.split()) >= 5
    if kind == "authors":
        return True  # a single author is no list, and a header's "Authors" fails on the other columns
    return _READS[kind](value)


def _kind(values: list[str]) -> str | None:
    if not values:
        return None
    for kind, reads in _READS.items():
        enough = sum(map(reads, values)) >= _KIND_SHARE[kind] * len(values)
        if enough and (kind != "authors" or _names_only(values)):
            return kind
    return None


def _is_date(value: str) -> bool:
    # A year must be in it: a column of scores or counts ("7", "1500") is no date column.
    return len(value) <= 40 and bool(_YEAR.search(value)) and normalize_date(value) is not None


def _is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://")) and " " not in value


def _is_author_list(value: str) -> bool:
    return not any(c.isdigit() for c in value) and len(split_authors(value)) >= 2


_READS: dict[str, Callable[[str], bool]] = {
    _ARXIV_LINK: lambda v: _is_url(v) and normalize_arxiv_id(v) is not None,
    "arxiv": lambda v: normalize_arxiv_id(v) is not None,
    "doi": lambda v: normalize_doi(v) is not None,
    "date": _is_date,
    "url": _is_url,
    "abstract": looks_like_abstract,
    "authors": _is_author_list,
}


def _names_only(values: list[str]) -> bool:
    # "Graph Nets, Routing, and Search" splits like a list of names; a column of titles gives itself away by
    # its lower-case words, which names only have as particles ("van der Berg").
    words = [w for v in values for w in re.split(r"[\s,;]+", v) if w]
    named = sum(w[:1].isupper() or w in _PARTICLES or bool(_INITIAL.fullmatch(w)) for w in words)
    return bool(words) and named >= 0.95 * len(words)


def _title_column(columns: list[list[str]], taken: set[int]) -> int | None:
    """The column of distinct, worded text short enough for titles; the longest such when several are."""
    best, best_length = None, 0.0
    for i, values in enumerate(columns):
        filled = [v for v in values if v]
        if i in taken or len(filled) < 0.8 * len(values):
            continue
        worded = sum(len(v.split()) >= 2 and any(c.isalpha() for c in v) for v in filled)
        lengths = sorted(len(v) for v in filled)
        median = lengths[len(lengths) // 2]
        distinct = len(set(filled)) >= 0.9 * len(filled)
        if worded >= 0.6 * len(filled) and 10 <= median <= MAX_TITLE_CHARS and distinct and median > best_length:
            best, best_length = i, median
    return best
