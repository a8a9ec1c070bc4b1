"""RIS references as Records, via rispy. Records are split on their "TY" lines first, so each keeps its
starting line and a broken one cannot take its neighbours down with it.
"""

from __future__ import annotations

import re

import rispy

from lib.core.dates import finer_date
from lib.core.ids import first_arxiv_id
from lib.core.records import Issue, ParseResult, Record
from lib.reading.formats.fields import build_record

_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: |$)")
_HAS_YEAR = re.compile(r"\d{4}")
# rispy's names for the tags that name the venue, most specific first: T2 (secondary title: the journal or the
# proceedings), JO, JF, JA, J2 (the journal's name and abbreviations).
_VENUE_TAGS = ("secondary_title", "journal_name", "alternate_title3", "alternate_title2", "alternate_title1")
# rispy's names for the tags that feed Record fields; everything else is kept as extra.
_USED = {
    "title",
    "primary_title",
    "abstract",
    "notes_abstract",
    "authors",
    "first_authors",
    "year",
    "date",
    "publication_year",
    "doi",
    "urls",
    "end_of_reference",
    "unknown_tag",
}


def read_ris(text: str, source: str) -> ParseResult:
    """Every TY..ER record with a title becomes a Record whose line is its TY line."""
    lines = text.splitlines()
    result = ParseResult(source=source, n_lines=len(lines))
    for start, chunk, closed in _records(lines):
        if not closed:
            result.issues.append(Issue(source, start, "RIS record has no closing ER line (file cut short?)"))
        try:
            parsed = rispy.loads("\n".join(chunk + ["ER  - "]), skip_unknown_tags=False)
        except Exception as exc:  # rispy trips over some malformed continuation lines
            reason = f"RIS record could not be read ({type(exc).__name__}); skipped"
            result.issues.append(Issue(source, start, reason))
            continue
        for ref in parsed[:1]:
            result.add(*_ref_record(ref, source, start))
    return result.finish()


def _records(lines: list[str]):
    """(TY line number, lines up to but not including ER, whether an ER line closed it)."""
    start, chunk = None, []
    for lineno, line in enumerate(lines, start=1):
        m = _TAG.match(line)
        tag = m.group(1) if m else None
        if tag == "TY":
            if start is not None:
                yield start, chunk, False
            start, chunk = lineno, [line]
        elif tag == "ER":
            if start is not None:
                yield start, chunk, True
            start, chunk = None, []
        elif start is not None:
            chunk.append(line)
    if start is not None:
        yield start, chunk, False


def _ref_record(ref: dict, source: str, line: int) -> tuple[Record | None, list[Issue]]:
    notes = _as_list(ref.get("notes"))
    urls = _as_list(ref.get("urls"))
    venue = next((k for k in _VENUE_TAGS if ref.get(k)), None)
    values: dict[str, object] = {
        "title": ref.get("title") or ref.get("primary_title"),
        "abstract": ref.get("abstract") or ref.get("notes_abstract"),
        "authors": _as_list(ref.get("authors")) or _as_list(ref.get("first_authors")),
        **_date(ref),
        "url": urls[0] if urls else None,
        "doi": ref.get("doi"),
        "venue": ref[venue] if venue else None,
        "extra": [(k, v) for k, v in ref.items() if k not in _USED and k != venue]
        + [(f"tag {tag}", v) for tag, v in (ref.get("unknown_tag") or {}).items()],
    }
    # Citavi and Zotero put the arXiv abstract and PDF links in L1/L2 (rispy's file_attachments1/2).
    links = urls + notes + _as_list(ref.get("file_attachments1")) + _as_list(ref.get("file_attachments2"))
    values["arxiv"] = first_arxiv_id(links)
    record, issues = build_record(values, source, line)
    if record is None:
        issues = [Issue(source, line, "RIS record has no title (TI or T1); skipped")]
    return record, issues


def _date(ref: dict) -> dict[str, object]:
    """DA is the fuller date, but exporters also write a month alone there ("DA  - SEP"): then the year comes
    from PY (or Y1) and DA only adds the month. Otherwise the finest of DA, Y1 and PY that agrees with the year
    ("PY  - 2015" beside "Y1  - 2015/09/10")."""
    full, year = ref.get("date"), ref.get("year") or ref.get("publication_year")
    if isinstance(full, str) and not _HAS_YEAR.search(full) and year:
        return {"date": year, "month": full.strip().split("/")[0].split()[0] if full.strip() else None}
    found = finer_date(year, full, ref.get("publication_year"), ref.get("year"))
    if found:
        return {"date": found}
    return {"date": full or year}


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
