"""Web of Science plain-text exports (also what Zoological Record, BIOSIS and Current Contents write, and
JabRef's ".isi"): an "FN"/"VR" header, then records from "PT" to "ER", one two-letter tag a field, long
values and lists (one author a line) continued on lines indented by three spaces, "EF" at the end.
"""

from __future__ import annotations

import re

from lib.core.ids import first_arxiv_id
from lib.core.records import Issue, ParseResult
from lib.reading.formats.fields import WOS_TAGS, build_record

_LINE = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
# Tags whose continuation lines are further items of a list, not more of the same text.
_LIST_TAGS = {"AU", "AF", "BA", "BF", "CA", "GP", "ED", "CR", "C1", "RI", "OI", "EM"}
_FILE_TAGS = {"FN", "VR", "EF"}
_USED = {t for tags in WOS_TAGS.values() for t in tags} | {"PT", "ER"}


def looks_like_wos(first_line: str) -> bool:
    return first_line.startswith(("FN ", "VR ")) or re.match(r"^PT [A-Z]\s*$", first_line) is not None


def read_wos(text: str, source: str) -> ParseResult:
    """Every PT..ER record with a title becomes a Record whose line is its PT line."""
    lines = text.splitlines()
    result = ParseResult(source=source, n_lines=len(lines))
    for start, tags, closed in _records(lines, result):
        if not closed:
            result.issues.append(Issue(source, start, "Web of Science record has no closing ER line (file cut short?)"))
        result.add(*_record(tags, source, start))
    return result.finish()


def _records(lines: list[str], result: ParseResult):
    """(PT line number, {tag: [values]}, whether an ER line closed it)."""
    start, tags, last = None, {}, None
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if not line.strip():
            continue
        if line.startswith("   ") and last is not None and start is not None:
            values = tags[last]
            if last in _LIST_TAGS:
                values.append(line.strip())
            else:
                values[-1] = f"{values[-1]} {line.strip()}"
            continue
        m = _LINE.match(line.lstrip("\ufeff"))
        if not m:
            result.issues.append(Issue(result.source, lineno, "not a Web of Science tag line; ignored", line[:120]))
            continue
        tag, value = m.group(1), (m.group(2) or "").strip()
        if tag == "PT":
            if start is not None:
                yield start, tags, False
            start, tags, last = lineno, {}, None
        if tag == "ER":
            if start is not None:
                yield start, tags, True
            start, tags, last = None, {}, None
        elif start is not None and tag not in _FILE_TAGS:
            tags.setdefault(tag, []).append(value)
            last = tag
    if start is not None:
        yield start, tags, False


def _record(tags: dict[str, list[str]], source: str, line: int):
    def first(*names: str) -> str | None:
        return next((tags[n][0] for n in names if tags.get(n)), None)

    authors = next((tags[t] for t in WOS_TAGS["authors"] if tags.get(t)), [])
    values: dict[str, object] = {
        "title": first("TI"),
        "abstract": first("AB"),
        "authors": authors,
        "year": first("PY"),
        "month": first("PD"),
        "doi": first("DI"),
        "venue": first("SO"),
        "url": first("UR"),
        "extra": [(tag, "; ".join(v)) for tag, v in tags.items() if tag not in _USED],
    }
    values["arxiv"] = first_arxiv_id(v for tag in ("AR", "UT", "DI", "UR", "NO", "AB") for v in tags.get(tag, ()))
    record, issues = build_record(values, source, line)
    if record is None:
        issues = [Issue(source, line, "Web of Science record has no title (TI); skipped")]
    return record, issues
