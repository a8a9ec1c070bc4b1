"""PubMed / MEDLINE exports (PubMed's "Save, format PubMed", a ".txt" file; ".nbib" from citation managers):
records separated by blank lines, each holding a "PMID- " line (usually its first), one field a line as a tag
of up to four letters padded to four, "- " and the value, long values continued on lines indented by six
spaces. Titles are TI (BTI for a book), authors FAU ("Last, First") or else AU ("Last AB"), the date DP ("2016
Jan 15", "2015 Nov-Dec", "2016 Spring") or else the electronic date DEP, the DOI an LID or AID ending in
"[doi]", the venue JT or TA.
"""

from __future__ import annotations

import re

from lib.core.ids import first_arxiv_id
from lib.core.records import Issue, ParseResult
from lib.reading.formats.fields import build_record
from lib.reading.formats.tagged import Grammar, first, read_tagged

_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) *- ?(.*)$")
_GRAMMAR = Grammar(_LINE, "PMID", lambda line: line.startswith("      "), "a PubMed")  # continued six spaces in
_DOI = re.compile(r"^(\S+)\s*\[doi\]\s*$", re.IGNORECASE)
_USED = {"PMID", "TI", "BTI", "AB", "FAU", "AU", "DP", "DEP", "LID", "AID", "JT", "TA"}


def looks_like_medline(head: str) -> bool:
    """The first line is a MEDLINE field and some line is a PMID (which need not come first: "PMC - ...")."""
    first = next((line for line in head.splitlines() if line.strip()), "").lstrip("\ufeff")
    return _LINE.match(first) is not None and re.search(r"(?m)^PMID- ?\d", head) is not None


def read_medline(text: str, source: str) -> ParseResult:
    """Every record with a title becomes a Record whose line is its PMID line."""
    return read_tagged(text, source, _GRAMMAR, _record)


def _record(tags: dict[str, list[str]], source: str, line: int):
    pmid = first(tags, "PMID")
    dois = [m.group(1) for tag in ("LID", "AID") for v in tags.get(tag, ()) if (m := _DOI.match(v))]
    values: dict[str, object] = {
        "title": medline_title(first(tags, "TI", "BTI")),
        "abstract": first(tags, "AB"),
        "authors": tags.get("FAU") or tags.get("AU") or [],
        **_date(first(tags, "DP"), first(tags, "DEP")),
        "doi": dois[0] if dois else None,
        "venue": first(tags, "JT", "TA"),
        "url": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid and pmid.isdigit() else None,
        "extra": [(tag, "; ".join(v)) for tag, v in tags.items() if tag not in _USED or tag == "PMID"],
    }
    values["arxiv"] = first_arxiv_id(v for tag in ("AID", "LID") for v in tags.get(tag, ()))
    record, issues = build_record(values, source, line)
    if record is None:
        issues = [Issue(source, line, f"PubMed record {pmid or '(no PMID)'} has no title (TI); skipped")]
    return record, issues


def medline_title(title: str | None) -> str | None:
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
