"""Hugging Face Papers listing text, read with the listing grammar of lib.ingest, unchanged, except that
a line too long to belong to a listing page is cut short (and reported) so it cannot stall the parser.
"""

from __future__ import annotations

import re

from lib.ingest import Issue, ParseResult, parse_listing_text

# Fifty times the longest abstract seen; a longer line is a pasted blob, not part of a listing page.
MAX_LINE_CHARS = 100_000
KEPT_CHARS = 1_000
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the line breaks lib.ingest counts lines by


def read_listing(text: str, source: str) -> ParseResult:
    overlong: list[Issue] = []
    if len(text) > MAX_LINE_CHARS:
        lines = _LINE_BREAK.split(text)
        if max(map(len, lines)) > MAX_LINE_CHARS:
            for i, line in enumerate(lines):
                if len(line) > MAX_LINE_CHARS:
                    reason = f"line is {len(line):,} characters long; only the first {KEPT_CHARS:,} were read"
                    overlong.append(Issue(source, i + 1, reason))
                    lines[i] = line[:KEPT_CHARS]
            text = "\n".join(lines)
    result = parse_listing_text(text, source)
    result.issues[:0] = overlong
    return result
