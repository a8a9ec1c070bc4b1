"""arXiv API Atom feeds as Records, read with defusedxml so entity tricks are refused before they expand; an
EndNote XML export (lib.reading.formats.endnote_xml), PubMed XML (lib.reading.formats.pubmed_xml), MODS
(lib.reading.formats.mods) or Zotero RDF (lib.reading.formats.zotero_rdf) is handed over once parsed.

Entries carry no usable line numbers here, so a Record's line is its entry's position (1, 2, ...).
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from lib.core.errors import IngestError
from lib.core.ids import normalize_arxiv_id
from lib.core.records import Issue, ParseResult, Record
from lib.reading.formats.endnote_xml import endnote_records, is_endnote
from lib.reading.formats.fields import build_record, web_url
from lib.reading.formats.mods import is_mods, mods_records
from lib.reading.formats.pubmed_xml import is_pubmed, pubmed_records
from lib.reading.formats.xml_parts import child as _child
from lib.reading.formats.xml_parts import local as _local
from lib.reading.formats.xml_parts import text as _text
from lib.reading.formats.zotero_rdf import is_zotero_rdf, zotero_records

ENTITY_MESSAGE = "XML entity declarations are not allowed (possible entity-expansion attack)"
# Children read into Record fields or of no use as text; the rest become extra.
_HANDLED = {
    "title", "summary", "published", "updated", "author", "id", "link", "doi", "category", "primary_category",
    "journal_ref",
}  # fmt: skip
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def read_atom(data: bytes, source: str) -> ParseResult:
    """Each <entry> of a <feed> with a title becomes a Record."""
    try:
        root = safe_xml.fromstring(data)
    except DefusedXmlException:
        raise IngestError(source, ENTITY_MESSAGE) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise IngestError(source, f"malformed XML: {exc}", line) from None
    except (ValueError, LookupError) as exc:  # e.g. an encoding the declaration names but Python lacks
        raise IngestError(source, f"XML could not be read ({exc})") from None
    declared = _DECLARED.match(data[:200])
    encoding = declared.group(1).decode().lower() if declared else "utf-8"
    result = ParseResult(source=source, n_lines=data.count(b"\n") + 1, encoding=encoding)
    if is_endnote(root):
        return endnote_records(root, result)
    if is_pubmed(root):
        return pubmed_records(root, result)
    if is_mods(root):
        return mods_records(root, result)
    if is_zotero_rdf(root):
        return zotero_records(root, result)
    if _local(root.tag) != "feed":
        raise IngestError(source, f"XML root is <{_local(root.tag)}>, not Atom, EndNote, PubMed, MODS or Zotero RDF")
    entries = [child for child in root if _local(child.tag) == "entry"]
    for number, entry in enumerate(entries, start=1):
        result.add(*_entry_record(entry, source, number))
    return result.finish()


def _entry_record(entry: Element, source: str, number: int) -> tuple[Record | None, list[Issue]]:
    children = list(entry)
    first = {}
    for child in children:
        first.setdefault(_local(child.tag), child)
    entry_id = _text(first.get("id"))
    values: dict[str, object] = {
        "title": _text(first.get("title")),
        "abstract": _text(first.get("summary")),
        "date": _text(first.get("published")) or _text(first.get("updated")),
        "authors": [_text(_child(a, "name")) for a in children if _local(a.tag) == "author"],
        "url": _link(children) or web_url(entry_id),
        "doi": _text(first.get("doi")) or _link(children, title="doi"),
        "arxiv": entry_id if normalize_arxiv_id(entry_id or "") else None,
        # arXiv's journal_ref says where the paper was published; a preprint without one is on arXiv itself.
        "venue": _text(first.get("journal_ref")) or ("arXiv" if normalize_arxiv_id(entry_id or "") else None),
        "extra": _extra(children),
    }
    return build_record(values, source, number, f"entry {number}")


def _extra(children: list[Element]) -> list[tuple[str, object]]:
    extra: list[tuple[str, object]] = []
    primary = next((c for c in children if _local(c.tag) == "primary_category"), None)
    if primary is not None and primary.get("term"):
        extra.append(("primary_category", primary.get("term")))
    terms = [c.get("term") for c in children if _local(c.tag) == "category" and c.get("term")]
    if terms:
        extra.append(("categories", terms))
    extra += [(_local(c.tag), _text(c)) for c in children if _local(c.tag) not in _HANDLED]
    return extra


def _link(children: list[Element], title: str | None = None) -> str | None:
    for c in children:
        if _local(c.tag) != "link" or not c.get("href"):
            continue
        wanted = c.get("title") == title if title else c.get("rel", "alternate") == "alternate"
        if wanted:
            return c.get("href")
    return None
