"""BibTeX entries as Records, via bibtexparser. A broken entry becomes an Issue at its first line and the
entries around it are kept; LaTeX markup is decoded in titles, abstracts and names only.

Entries the parser recovers from an error (a repeated field, a repeated key, Mendeley's empty key `@article{,`,
or no key at all before the first field's line)
are cleaned like the others: enclosing braces and quotes dropped, and of a repeated field the value that is
valid for it wins (a year that is a year, a DOI that is a DOI, the longest title). An entry on a line that
starts with "%" is commented out and ignored. biblatex's `crossref` fills what a child entry lacks from its
parent (the parent's title becomes the child's booktitle).
"""

from __future__ import annotations

import re

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock

from lib.core.errors import IngestError
from lib.core.ids import first_arxiv_id, normalize_arxiv_id, normalize_doi
from lib.core.records import Issue, ParseResult, Record
from lib.reading.formats.fields import build_record, web_url
from lib.reading.formats.tex import latex_to_text

# Fields that feed Record fields; every other field is kept as extra.
_USED = {"title", "abstract", "author", "year", "month", "date", "url", "doi"}
# Where an entry names its venue, most specific first (biblatex says journaltitle, BibTeX journal).
_VENUE_FIELDS = ("venue", "booktitle", "journal", "journaltitle")
_EPRINT = {"eprint", "archiveprefix", "eprinttype"}
# Where Google Scholar and others put the arXiv id when there is no eprint field.
_ID_HIDING_FIELDS = ("journal", "note", "howpublished", "publisher")
# What a child entry does not inherit from its crossref parent.
_NOT_INHERITED = {"crossref", "xref", "ids", "key", "title", "entrysetkey", "related"}
_YEAR_VALUE = re.compile(r"\s*\d{4}\s*")


# An entry with no key nor comma, its first field on the next line ("@TechReport{\n  author = ..."): the comma
# that makes it Mendeley's keyless "@TechReport{," is put in, on the same line so line numbers hold.
_KEYLESS = re.compile(r"(@[A-Za-z]+[ \t]*\{)(?=[ \t]*\r?\n[ \t]*[A-Za-z][\w-]*[ \t]*=)")


def read_bibtex(text: str, source: str) -> ParseResult:
    """Every entry with a title becomes a Record whose line is the entry's first line."""
    text = _KEYLESS.sub(r"\1,", text)
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
    lines = text.splitlines()
    kept = []
    for entry in sorted(entries, key=lambda e: e.start_line or 0):
        start = entry.start_line or 0
        if start < len(lines) and lines[start].lstrip().startswith("%"):
            result.issues.append(Issue(source, start + 1, "entry commented out with %; ignored"))
        else:
            kept.append((entry, _fields(entry)))
    parents = {e.key.casefold(): f for e, f in kept if e.key}
    for entry, fields in kept:
        _inherit(fields, parents)
        result.add(*_entry_record(entry, fields, source))
    result.issues.sort(key=lambda i: i.line or 0)
    return result.finish()


def _fields(entry: Entry) -> dict[str, str]:
    """Field name (case folded) -> value, enclosing braces and quotes dropped; of a repeated field, the value
    valid for it."""
    seen: dict[str, list[str]] = {}
    for f in entry.fields:
        value = f.value if isinstance(f.value, str) else str(f.value)
        seen.setdefault(f.key.casefold(), []).append(_unwrap(value))
    return {key: _pick(key, values) for key, values in seen.items()}


def _unwrap(value: str) -> str:
    value = value.strip()
    while len(value) >= 2 and (
        (value[0] == "{" and value[-1] == "}" and _balanced(value[1:-1])) or (value[0] == value[-1] == '"')
    ):
        value = value[1:-1].strip()
    return value


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0


def _pick(key: str, values: list[str]) -> str:
    if len(values) == 1:
        return values[0]
    valid = {
        "year": lambda v: bool(_YEAR_VALUE.fullmatch(v)),
        "doi": lambda v: normalize_doi(v.replace("\\_", "_")) is not None,
        "url": lambda v: web_url(v) is not None,
    }.get(key)
    if valid:
        return next((v for v in values if valid(v)), values[0])
    return max(values, key=len)  # a truncated first title loses to the whole second one


def _inherit(fields: dict[str, str], parents: dict[str, dict[str, str]]) -> None:
    parent = parents.get(fields.get("crossref", "").strip().casefold())
    if not parent or parent is fields:
        return
    if parent.get("title"):
        fields.setdefault("booktitle", parent.get("booktitle") or parent["title"])
    for key, value in parent.items():
        if key not in _NOT_INHERITED:
            fields.setdefault(key, value)


def _failed_block(block: ParsingFailedBlock, source: str) -> tuple[Issue, Entry | None]:
    """The issue a failed block raises, and its entry when the fault leaves the entry readable."""
    line = (block.start_line or 0) + 1
    usable = block.ignore_error_block if isinstance(block.ignore_error_block, Entry) else None
    if isinstance(block, DuplicateFieldKeyBlock) and usable is not None:
        keys = ", ".join(sorted(block.duplicate_keys))
        reason = f"entry repeats fields ({keys}); the valid value of each is used"
        return Issue(source, line, reason), usable
    if isinstance(block, DuplicateBlockKeyBlock) and not block.key:
        return Issue(source, line, "entry has no citation key (as Mendeley writes @article{,); kept"), usable
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


def _entry_record(entry: Entry, fields: dict[str, str], source: str) -> tuple[Record | None, list[Issue]]:
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
        values["arxiv"] = first_arxiv_id(fields.get(k) for k in _ID_HIDING_FIELDS)
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
