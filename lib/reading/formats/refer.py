"""EndNote and Refer tagged exports (".enw" from Google Scholar and EndNote, Zotero's "Refer/BibIX"): records
separated by blank lines, usually opening with "%0 <type>", one field a line as "%" and a one-character tag, a
space and the value; a line without a tag continues the field above (long abstracts). Titles are %T, authors
%A (one a line), the date %D (a year) made finer by %8, the venue %J or else %B, the DOI %R (or %@ when it
holds one rather than an ISBN or ISSN), the link %U, the abstract %X.
"""

from __future__ import annotations

import re

from lib.core.dates import finer_date
from lib.core.ids import first_arxiv_id, normalize_doi
from lib.core.records import Issue, ParseResult
from lib.reading.formats.fields import build_record
from lib.reading.formats.tagged import Grammar, first, read_tagged

_LINE = re.compile(r"^%([0-9A-Za-z@!#$&()*+,^~?\]\[<>=|-]) ?(.*)$")
_GRAMMAR = Grammar(_LINE, "0", lambda line: True, "an EndNote/Refer")  # a line with no tag continues the field above
_START = re.compile(r"^%[0-9A-Z@](?: |$)")
_FIELDS = {"title": "T", "abstract": "X", "venue": "J", "doi": "R", "url": "U"}
_USED = {"T", "A", "D", "8", "J", "B", "R", "U", "X"}


def looks_like_refer(head: str) -> bool:
    """The first line is a tag line, and some line names a title."""
    first = next((line for line in head.splitlines() if line.strip()), "")
    return _START.match(first.lstrip("\ufeff")) is not None and re.search(r"(?m)^%T \S", head) is not None


def read_refer(text: str, source: str) -> ParseResult:
    """Every record with a title becomes a Record whose line is its first line."""
    return read_tagged(text, source, _GRAMMAR, _record)


def _record(tags: dict[str, list[str]], source: str, line: int):
    values: dict[str, object] = {field: first(tags, tag) for field, tag in _FIELDS.items()}
    values["venue"] = values["venue"] or first(tags, "B")
    values["doi"] = values["doi"] or next((v for v in tags.get("@", ()) if normalize_doi(v)), None)  # or an ISSN
    values["authors"] = tags.get("A", [])
    year, date = first(tags, "D"), first(tags, "8")  # %D is the year, %8 the date
    values["date"] = finer_date(year, date) or year or date
    values["extra"] = [(f"%{tag}", "; ".join(v)) for tag, v in tags.items() if tag not in _USED]
    values["arxiv"] = first_arxiv_id(v for tag in ("U", "R", "X") for v in tags.get(tag, ()))
    record, issues = build_record(values, source, line)
    if record is None:
        issues = [Issue(source, line, "EndNote/Refer record has no title (%T); skipped")]
    return record, issues
