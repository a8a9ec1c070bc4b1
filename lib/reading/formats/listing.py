"""Hugging Face Papers listing text: the grammar of a copied page (titles, abstracts, date lines, page
furniture), accounting for every input line. A line too long to belong to a listing page is cut short
(and reported) so it cannot stall the parser.
"""

from __future__ import annotations

import re

from lib.core.dates import parse_listing_date
from lib.core.records import (
    ABSTRACT,
    BOILERPLATE,
    DATE,
    TITLE,
    UNRECOGNISED,
    Issue,
    ParseResult,
    Record,
    clean_line,
)

# Page furniture of a Hugging Face Papers page, compared after whitespace folding and casefolding.
BOILERPLATE_LINES = (
    "new",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "subscribe",
    "byak and the research community",
)
# Furniture that a copy can glue to the first title, as in "SubscribeDeepZero: ...".
_GLUED_PREFIX = re.compile(r"^(Subscribe)(?=[A-Z0-9\"'(\[])")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]?\s+[A-Z(]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# A title is a short line; an abstract is prose. Seed titles run to 176 characters and abstracts start
# at 473, so these bounds leave a wide margin on both sides.
MAX_TITLE_CHARS = 300
MIN_ABSTRACT_CHARS = 200
# Fifty times the longest abstract seen; a longer line is a pasted blob, not part of a listing page.
MAX_LINE_CHARS = 100_000
KEPT_CHARS = 1_000


def read_listing(text: str, source: str) -> ParseResult:
    """Parse one page of listing text. Never raises on content: odd lines become issues."""
    overlong: list[Issue] = []
    if len(text) > MAX_LINE_CHARS:
        text, overlong = _cut_overlong_lines(text, source)
    result = parse_listing_text(text, source)
    result.issues[:0] = overlong
    return result


def _cut_overlong_lines(text: str, source: str) -> tuple[str, list[Issue]]:
    lines = _LINE_BREAK.split(text)
    if max(map(len, lines)) <= MAX_LINE_CHARS:
        return text, []
    overlong = []
    for i, line in enumerate(lines):
        if len(line) > MAX_LINE_CHARS:
            reason = f"line is {len(line):,} characters long; only the first {KEPT_CHARS:,} were read"
            overlong.append(Issue(source, i + 1, reason))
            lines[i] = line[:KEPT_CHARS]
    return "\n".join(lines), overlong


def is_boilerplate(line: str) -> bool:
    return line.casefold() in BOILERPLATE_LINES


def looks_like_abstract(line: str) -> bool:
    if len(line) > MAX_TITLE_CHARS:
        return True
    return len(line) >= MIN_ABSTRACT_CHARS and len(_SENTENCE_END.findall(line)) >= 1


def parse_listing_text(text: str, source: str) -> ParseResult:
    """The grammar itself: each title line is followed by its abstract line; date lines date what follows."""
    result = ParseResult(source=source)
    lines = _LINE_BREAK.split(text.removeprefix("\ufeff"))
    result.n_lines = len(lines) - (1 if lines and lines[-1] == "" else 0)
    date: str | None = None
    pending: tuple[int, str] | None = None  # (line, title) waiting for its abstract

    def close_pending(reason: str) -> None:
        nonlocal pending
        if pending is not None:
            lineno, title = pending
            result.records.append(Record(title, "", source, lineno, date))
            result.issues.append(Issue(source, lineno, reason, title))
            pending = None

    for lineno, raw in enumerate(lines, start=1):
        line = clean_line(raw)
        if not line:
            continue
        if is_boilerplate(line):
            result.kinds[lineno] = BOILERPLATE
            continue
        glued = _GLUED_PREFIX.match(line)
        if glued and not looks_like_abstract(line):
            line = line[glued.end() :]
        parsed_date = parse_listing_date(line)
        if parsed_date:
            close_pending("title with no abstract")
            result.kinds[lineno] = DATE
            date = parsed_date
            result.page_date = result.page_date or parsed_date
        elif not looks_like_abstract(line):
            close_pending("title with no abstract")
            pending = (lineno, line)
            result.kinds[lineno] = TITLE
        elif pending is not None:
            title_line, title = pending
            result.records.append(Record(title, line, source, title_line, date))
            result.kinds[lineno] = ABSTRACT
            pending = None
        else:
            result.kinds[lineno] = UNRECOGNISED
            result.issues.append(Issue(source, lineno, "long text with no title line before it", line[:120]))
    close_pending("title with no abstract (last line of the page)")
    if not result.records:
        result.issues.append(Issue(source, None, "no papers found" if result.kinds else "empty file"))
    return result
