"""PubMed XML (PubMed's "Save, format XML", and what NCBI's E-utilities return): <PubmedArticleSet> holding
<PubmedArticle> and <PubmedBookArticle> elements. The title is Article/ArticleTitle (BookDocument/ArticleTitle or
its Book/BookTitle for a book), the abstract every AbstractText joined (each after its Label), authors
LastName, ForeName (or CollectiveName), the date the journal issue's PubDate (Year, Month, or a MedlineDate such
as "1998 Dec-1999 Jan") or else the electronic ArticleDate, the DOI an ELocationID or ArticleId of type "doi",
the venue the journal's Title. Parsed by lib.reading.formats.atom, which owns the safe XML reading.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from lib.core.ids import first_arxiv_id
from lib.core.records import Issue, ParseResult, Record
from lib.reading.formats.fields import build_record
from lib.reading.formats.medline import medline_title
from lib.reading.formats.xml_parts import text as _text

ROOTS = {"PubmedArticleSet", "PubmedArticle", "PubmedBookArticleSet", "PubmedBookArticle"}
_ITEMS = {"PubmedArticle", "PubmedBookArticle"}


def is_pubmed(root: Element) -> bool:
    return root.tag in ROOTS


def pubmed_records(root: Element, result: ParseResult) -> ParseResult:
    """Each article or book article with a title becomes a Record numbered by its position."""
    items = [root] if root.tag in _ITEMS else [e for e in root.iter() if e.tag in _ITEMS]
    for number, item in enumerate(items, start=1):
        result.add(*_record(item, result.source, number))
    return result.finish()


def _record(item: Element, source: str, number: int) -> tuple[Record | None, list[Issue]]:
    doc = item.find("MedlineCitation") if item.tag == "PubmedArticle" else item.find("BookDocument")
    doc = doc if doc is not None else item
    article = doc.find("Article") if doc.find("Article") is not None else doc
    pmid = _text(doc.find("PMID"))
    ids = {e.get("IdType"): _text(e) for e in item.iter("ArticleId")}
    located = {e.get("EIdType"): _text(e) for e in article.iter("ELocationID")}
    values: dict[str, object] = {
        "title": medline_title(_text(article.find("ArticleTitle")) or _text(doc.find("Book/BookTitle"))),
        "abstract": _abstract(
            next((a for a in (article.find("Abstract"), doc.find("Abstract")) if a is not None), None)
        ),
        "authors": [
            name
            for listed in article.iter("AuthorList")
            if listed.get("Type") != "editors"  # a book's editors are listed apart
            for a in listed.findall("Author")
            if (name := _author(a))
        ],
        **_date(article, doc),
        "doi": located.get("doi") or ids.get("doi"),
        "venue": _text(article.find("Journal/Title")),
        "url": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid and pmid.isdigit() else None,
        "extra": [("PMID", pmid)] if pmid else [],
    }
    values["arxiv"] = first_arxiv_id(ids.values())
    made, issues = build_record(values, source, number, f"article {number}")
    if made is None:
        issues = [Issue(source, None, f"article {number}: PubMed article {pmid or '(no PMID)'} has no title; skipped")]
    return made, issues


def _abstract(abstract: Element | None) -> str | None:
    if abstract is None:
        return None
    parts = [(e.get("Label"), _text(e)) for e in abstract.findall("AbstractText")]
    return " ".join(f"{label}: {text}" if label else text for label, text in parts if text) or None


def _author(author: Element) -> str | None:
    last, fore = _text(author.find("LastName")), _text(author.find("ForeName")) or _text(author.find("Initials"))
    if last:
        return f"{last}, {fore}" if fore else last
    return _text(author.find("CollectiveName"))


def _date(article: Element, doc: Element) -> dict[str, str | None]:
    """Year and month of the issue's PubDate, its MedlineDate ("1998 Dec-1999 Jan": the first), the book's
    PubDate, or else the electronic ArticleDate."""
    for date in (article.find("Journal/JournalIssue/PubDate"), doc.find("Book/PubDate"), article.find("ArticleDate")):
        if date is None:
            continue
        year, month = _text(date.find("Year")), _text(date.find("Month"))
        medline = _text(date.find("MedlineDate"))
        if not year and medline:
            words = medline.split()
            year, month = words[0][:4], (words[1].split("-")[0] if len(words) > 1 else None)
        if year:
            return {"year": year, "month": month}
    return {"year": None}
