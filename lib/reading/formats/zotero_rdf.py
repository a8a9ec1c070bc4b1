"""Zotero RDF (Zotero's own "Zotero RDF" export): an <rdf:RDF> whose top-level nodes are the items (bib:Article,
bib:Book, bib:BookSection, rdf:Description with a z:itemType, ...) beside the journals, collections, notes and
attachments they point to. The title is dc:title, authors bib:authors' foaf:Person entries ("Surname, Given",
or foaf:name), the date dc:date (or dcterms:date), the abstract dcterms:abstract, the DOI a dc:identifier
"DOI 10...." (or "doi:10...."), the link a dc:identifier's dcterms:URI, the venue the title of the journal or
book the item isPartOf (inline, or the node its rdf:resource names). Parsed by lib.reading.formats.atom, which
owns the safe XML reading.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from lib.core.ids import first_arxiv_id
from lib.core.records import Issue, ParseResult, Record
from lib.reading.formats.fields import build_record, web_url
from lib.reading.formats.xml_parts import child as _child
from lib.reading.formats.xml_parts import local as _local
from lib.reading.formats.xml_parts import text as _text

_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
# Nodes that are not items: what items point to, and Zotero's collections, notes and attachments.
_NOT_ITEMS = {"Journal", "Series", "Periodical", "Collection", "Attachment", "Memo", "Person", "Organization",
              "Seq", "Bag", "Alt", "URI", "Document"}  # fmt: skip
_DOI = re.compile(r"^(?:doi[:\s]\s*)(10\.\S+)$", re.IGNORECASE)


def is_zotero_rdf(root: Element) -> bool:
    return root.tag == f"{_RDF}RDF"


def zotero_records(root: Element, result: ParseResult) -> ParseResult:
    """Each item node with a title becomes a Record numbered by its position among the items."""
    about = {node.get(f"{_RDF}about"): node for node in root if node.get(f"{_RDF}about")}
    items = [node for node in root if _is_item(node)]
    for number, item in enumerate(items, start=1):
        result.add(*_record(item, about, result.source, number))
    return result.finish()


def _is_item(node: Element) -> bool:
    kind = _local(node.tag)
    if kind == "Description":  # a generic node: an item when it says its type, and is no note or attachment
        item_type = _text(_child(node, "itemType"))
        return bool(item_type) and item_type not in ("note", "attachment")
    return kind not in _NOT_ITEMS and _child(node, "title") is not None


def _record(item: Element, about: dict, source: str, number: int) -> tuple[Record | None, list[Issue]]:
    identifiers = [c for c in item if _local(c.tag) == "identifier"]
    texts = [t for t in map(_text, identifiers) if t]
    uris = [_text(_child(u, "value")) for i in identifiers for u in i if _local(u.tag) == "URI"]
    dois = [m.group(1) for t in texts if (m := _DOI.match(t))]
    values: dict[str, object] = {
        "title": _text(_child(item, "title")),
        "abstract": _text(_child(item, "abstract")),
        "authors": _people(item),
        "date": _text(_child(item, "date")),
        "doi": dois[0] if dois else None,
        "url": next((u for u in uris if u and web_url(u)), None),
        "venue": _venue(item, about),
        "extra": [("itemType", t)] if (t := _text(_child(item, "itemType"))) else [],
    }
    values["arxiv"] = first_arxiv_id([*texts, *uris])
    made, issues = build_record(values, source, number, f"item {number}")
    if made is None:
        issues = [Issue(source, None, f"item {number}: Zotero item has no title; skipped")]
    return made, issues


def _people(item: Element) -> list[str]:
    authors = _child(item, "authors")
    if authors is None:
        return []
    names = []
    for person in authors.iter():
        if _local(person.tag) != "Person":
            continue
        surname, given = _text(_child(person, "surname")), _text(_child(person, "givenName"))
        name = f"{surname}, {given}" if surname and given else surname or _text(_child(person, "name"))
        if name:
            names.append(name)
    return names


def _venue(item: Element, about: dict) -> str | None:
    for part in (c for c in item if _local(c.tag) == "isPartOf"):
        container = next(iter(part), None)
        if container is None:
            container = about.get(part.get(f"{_RDF}resource"))
        title = _text(_child(container, "title")) if container is not None else None
        if title:
            return title
    return None
