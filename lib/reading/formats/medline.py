"""PubMed / MEDLINE exports (PubMed's "Save, format PubMed", a ".txt" file; ".nbib" from citation managers):
records separated by blank lines, each holding a "PMID- " line (usually its first), one field a line as a tag
of up to four letters padded to four, "- " and the value, long values continued on lines indented by six
spaces. Titles are TI (BTI for a book), authors FAU ("Last, First") or else AU ("Last AB"), the date DP ("2016
Jan 15", "2015 Nov-Dec", "2016 Spring") or else the electronic date DEP, the DOI an LID or AID ending in
"[doi]", the venue JT or TA.
"""

from __future__ import annotations

import re

from lib.core.ids import find_arxiv_ids
from lib.core.records import Issue, ParseResult
from lib.reading.formats.fields import build_record

_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) *- ?(.*)$")
_DOI = re.compile(r"^(\S+)\s*\[doi\]\s*$", re.IGNORECASE)
_USED = {"PMID", "TI", "BTI", "AB", "FAU", "AU", "DP", "DEP", "LID", "AID", "JT", "TA"}


def looks_like_medline(head: str) -> bool:
    """The first line is a MEDLINE field and some line is a PMID (which need not come first: "PMC - ...")."""
    first = next((line for line in head.splitlines() if line.strip()), "").lstrip("\ufeff")
    return _LINE.match(first) is not None and re.search(r"(?m)^PMID- ?\d", head) is not None


def read_medline(text: str, source: str) -> ParseResult:
    """Every record with a title becomes a Record whose line is its PMID line."""
    lines = text.splitlines()
    result = ParseResult(source=source, n_lines=len(lines))
    for start, tags in _records(lines, result):
        result.add(*_record(tags, source, start))
    return result.finish()


def _records(lines: list[str], result: ParseResult):
    """(first line number, {tag: [values]}) of each record, in the file's order: a blank line ends a record, and
    so does a second PMID."""
    start, tags, last = None, {}, None
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if not line.strip():
            if start is not None:
                yield start, tags
            start, tags, last = None, {}, None
            continue
        if line.startswith("      ") and last is not None:  # more of the field above
            tags[last][-1] = f"{tags[last][-1]} {line.strip()}"
            continue
        m = _LINE.match(line.lstrip("\ufeff"))
        if not m:
            result.issues.append(Issue(result.source, lineno, "not a PubMed field line; ignored", line[:120]))
            continue
        tag, value = m.group(1), m.group(2).strip()
        if tag == "PMID" and "PMID" in tags:
            yield start, tags
            start, tags = None, {}
        start = lineno if start is None else start
        tags.setdefault(tag, []).append(value)
        last = tag
    if start is not None:
        yield start, tags


def _record(tags: dict[str, list[str]], source: str, line: int):
    def first(*names: str) -> str | None:
        return next((tags[n][0] for n in names if tags.get(n)), None)

    pmid = first("PMID")
    dois = [m.group(1) for tag in ("LID", "AID") for v in tags.get(tag, ()) if (m := _DOI.match(v))]
    values: dict[str, object] = {
        "title": _unbracketed(first("TI", "BTI")),
        "abstract": first("AB"),
        "authors": tags.get("FAU") or tags.get("AU") or [],
        **_date(first("DP"), first("DEP")),
        "doi": dois[0] if dois else None,
        "venue": first("JT", "TA"),
        "url": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid and pmid.isdigit() else None,
        "extra": [(tag, "; ".join(v)) for tag, v in tags.items() if tag not in _USED or tag == "PMID"],
    }
    ids = [i for tag in ("AID", "LID") for v in tags.get(tag, ()) for i in find_arxiv_ids(v)]
    values["arxiv"] = ids[0] if ids else None
    record, issues = build_record(values, source, line)
    if record is None:
        issues = [Issue(source, line, f"PubMed record {pmid or ''} has no title (TI); skipped".replace("  ", " "))]
    return record, issues


def _unbracketed(title: str | None) -> str | None:
    """The title without the full stop MEDLINE ends every title with, nor the brackets around a translated one
    ("[Treatment of ...].")."""
    if not title:
        return title
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1]
    return title[1:-1] if title.startswith("[") and title.endswith("]") else title


def _date(dp: str | None, dep: str | None) -> dict[str, str | None]:
    """Year and month from DP ("2016 Jan 15", "2015 Nov-Dec": its first month, "2016 Spring": the year), else
    from DEP, the electronic date ("20151024")."""
    words = (dp or "").split()
    if words:
        return {"year": words[0], "month": re.split(r"[-/]", words[1])[0] if len(words) > 1 else None}
    if dep and re.fullmatch(r"\d{8}", dep):
        return {"date": f"{dep[:4]}-{dep[4:6]}"}
    return {"date": dep}
