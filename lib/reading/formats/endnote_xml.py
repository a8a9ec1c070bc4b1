"""EndNote XML exports (EndNote's "Export, XML", also written by Rayyan and Covidence): <xml><records> holding
one <record> a paper, every value wrapped in <style> runs. The title is titles/title, the venue
titles/secondary-title (or periodical/full-title), authors contributors/authors/author, the date dates/year
made finer by dates/pub-dates/date, the DOI electronic-resource-num, the link the first web address among
urls/related-urls. Parsed by lib.reading.formats.atom, which owns the safe XML reading and hands over the root.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from lib.core.dates import finer_date
from lib.core.ids import first_arxiv_id, normalize_doi
from lib.core.records import Issue, ParseResult, Record
from lib.reading.formats.fields import build_record, web_url
from lib.reading.formats.xml_parts import text as _text

_EXTRA = ("accession-num", "language", "isbn", "volume", "number", "pages")


def is_endnote(root: Element) -> bool:
    return root.tag == "xml" and root.find("records") is not None


def endnote_records(root: Element, result: ParseResult) -> ParseResult:
    """Each <record> with a title becomes a Record numbered by its position."""
    for number, record in enumerate(root.iter("record"), start=1):
        result.add(*_record(record, result.source, number))
    return result.finish()


def _record(record: Element, source: str, number: int) -> tuple[Record | None, list[Issue]]:
    urls = [u for u in (_text(e) for e in record.findall("urls/related-urls/url")) if u]
    year, date = _text(record.find("dates/year")), _text(record.find("dates/pub-dates/date"))  # "Jun" or a date
    doi = _text(record.find("electronic-resource-num"))
    ref_type = record.find("ref-type")
    values: dict[str, object] = {
        "title": _text(record.find("titles/title")),
        "abstract": _text(record.find("abstract")),
        "authors": [a for a in (_text(e) for e in record.findall("contributors/authors/author")) if a],
        "date": finer_date(year, date) or year or date,
        "doi": doi if doi and normalize_doi(doi) else None,
        "url": next((u for u in urls if web_url(u)), None),
        "venue": _text(record.find("titles/secondary-title")) or _text(record.find("periodical/full-title")),
        "extra": [
            *([("ref-type", ref_type.get("name"))] if ref_type is not None and ref_type.get("name") else []),
            *[(name, _text(record.find(name))) for name in _EXTRA if _text(record.find(name))],
            *([("keywords", "; ".join(k for k in map(_text, record.findall("keywords/keyword")) if k))]
              if record.find("keywords/keyword") is not None else []),
        ],
    }  # fmt: skip
    values["arxiv"] = first_arxiv_id([*urls, doi, _text(record.find("notes"))])
    made, issues = build_record(values, source, number, f"record {number}")
    if made is None:
        issues = [Issue(source, None, f"record {number}: EndNote record has no title; skipped")]
    return made, issues
