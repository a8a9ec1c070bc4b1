"""BibTeX entries as Records, via bibtexparser. A broken entry becomes an Issue at its first line and the
entries around it are kept; LaTeX markup is decoded in titles, abstracts and names only.
"""

from __future__ import annotations

import re

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text

from lib.core.errors import IngestError
from lib.core.ids import find_arxiv_ids, normalize_arxiv_id
from lib.core.records import Issue, ParseResult, Record
from lib.reading.formats.fields import build_record

# Fields that feed Record fields; every other field is kept as extra.
_USED = {"title", "abstract", "author", "year", "month", "date", "url", "doi"}
# Where an entry names its venue, most specific first (biblatex says journaltitle, BibTeX journal).
_VENUE_FIELDS = ("venue", "booktitle", "journal", "journaltitle")
_EPRINT = {"eprint", "archiveprefix", "eprinttype"}
# Where Google Scholar and others put the arXiv id when there is no eprint field.
_ID_HIDING_FIELDS = ("journal", "note", "howpublished", "publisher")
# Math stays as written ("$x^2$"): it is meaningful to readers and has no plain-text form.
_LATEX = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


def read_bibtex(text: str, source: str) -> ParseResult:
    """Every entry with a title becomes a Record whose line is the entry's first line."""
    try:
        library = bibtexparser.parse_string(text)
    except Exception as exc:  # the parser raises its own internal errors on some inputs
        raise IngestError(source, f"BibTeX could not be read ({type(exc).__name__})") from None
    result = ParseResult(source=source, n_lines=text.count("\n") + (not text.endswith("\n")))
    entries: list[Entry] = list(library.entries)
    for block in library.failed_blocks:
        issue, usable = _failed_block(block, source)
        result.issues.append(issue)
        if usable is not None:
            entries.append(usable)
    for entry in sorted(entries, key=lambda e: e.start_line or 0):
        result.add(*_entry_record(entry, source))
    result.issues.sort(key=lambda i: i.line or 0)
    return result.finish()


def _failed_block(block: ParsingFailedBlock, source: str) -> tuple[Issue, Entry | None]:
    """The issue a failed block raises, and its entry when the fault leaves the entry readable."""
    line = (block.start_line or 0) + 1
    usable = block.ignore_error_block if isinstance(block.ignore_error_block, Entry) else None
    if isinstance(block, DuplicateFieldKeyBlock) and usable is not None:
        keys = ", ".join(sorted(block.duplicate_keys))
        return Issue(source, line, f"entry repeats fields ({keys}); the first of each is used"), usable
    if isinstance(block, DuplicateBlockKeyBlock):
        return Issue(source, line, f"entry key {block.key!r} is used twice; both entries kept"), usable
    if usable is not None:
        return Issue(source, line, f"entry partly read ({_first_line(str(block.error))})"), usable
    reason = getattr(block.error, "abort_reason", "") or str(block.error) or type(block.error).__name__
    reason = f"broken BibTeX entry, skipped: {_first_line(reason)}"
    return Issue(source, line, reason, _first_line(block.raw or "")), None


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip()[:120] if lines else ""


def _entry_record(entry: Entry, source: str) -> tuple[Record | None, list[Issue]]:
    fields: dict[str, str] = {}
    for f in entry.fields:  # field names are case-insensitive in BibTeX; the first occurrence wins
        fields.setdefault(f.key.casefold(), f.value if isinstance(f.value, str) else str(f.value))
    line = (entry.start_line or 0) + 1
    arxiv = _arxiv_eprint(fields)
    venue = next((k for k in _VENUE_FIELDS if fields.get(k)), None)
    used = (_USED | _EPRINT if arxiv else _USED) | {venue}  # a non-arXiv eprint (HAL, PubMed) stays as extra
    values: dict[str, object] = {
        "title": latex_to_text(fields.get("title", "")),
        "abstract": latex_to_text(fields.get("abstract", "")),
        "authors": tuple(latex_to_text(a) for a in split_bibtex_names(fields.get("author", ""))),
        "date": fields.get("date") or fields.get("year"),
        "month": fields.get("month"),
        "url": fields.get("url"),
        "doi": fields.get("doi"),
        "arxiv": arxiv,
        "venue": latex_to_text(fields[venue]) if venue else None,
        "extra": [("bibtex_key", entry.key), ("bibtex_type", entry.entry_type)]
        + [(k, latex_to_text(v)) for k, v in fields.items() if k not in used],
    }
    if not values["arxiv"]:
        hidden = [i for k in _ID_HIDING_FIELDS for i in find_arxiv_ids(fields.get(k, ""))]
        values["arxiv"] = hidden[0] if hidden else None
    record, issues = build_record(values, source, line)
    if record is None:
        issues = [Issue(source, line, f"entry {entry.key!r} has no title; skipped")]
    return record, issues


def _arxiv_eprint(fields: dict[str, str]) -> str | None:
    """The eprint when it is an arXiv one: declared so (BibTeX's archivePrefix, biblatex's eprinttype),
    or undeclared and shaped like an arXiv id."""
    eprint = fields.get("eprint")
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().casefold()
    if prefix == "arxiv" or (not prefix and eprint and normalize_arxiv_id(eprint)):
        return eprint
    return None


def split_bibtex_names(value: str) -> list[str]:
    """Names of a BibTeX name list: split on " and " outside braces ("{Barnes and Noble}" is one name)."""
    names, depth, start = [], 0, 0
    for m in re.finditer(r"[{}]|\s+and\s+", value, re.IGNORECASE):
        token = m.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and token.strip() == "and":
            names.append(value[start : m.start()])
            start = m.end()
    names.append(value[start:])
    return [n.strip() for n in names if n.strip()]


def latex_to_text(value: str) -> str:
    """Accents and escapes decoded ("Caf{\\'e}" -> "Café"), protective braces dropped, math kept."""
    if "\\" not in value and "$" not in value:
        return value.replace("{", "").replace("}", "")
    try:
        return _LATEX.latex_to_text(value)
    except Exception:  # pylatexenc can fail on pathological input; the braced text still reads well
        return value.replace("{", "").replace("}", "")
