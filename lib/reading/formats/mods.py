"""MODS XML (the Library of Congress's Metadata Object Description Schema: Zotero's "MODS" export, library
catalogues): <modsCollection> holding <mods> records, or one <mods>. The title is titleInfo/title (with its
subTitle), authors the personal names whose role is author (or that name no role), "Family, Given", the date
originInfo/dateIssued (the host's, for an article; else dateCreated), the venue the host item's title
(relatedItem[@type="host"]), the DOI identifier[@type="doi"], the link location/url, the abstract <abstract>.
Parsed by lib.reading.formats.atom, which owns the safe XML reading.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from lib.core.ids import first_arxiv_id
from lib.core.records import Issue, ParseResult, Record
from lib.reading.formats.fields import build_record, web_url
from lib.reading.formats.xml_parts import children as _children
from lib.reading.formats.xml_parts import local as _local
from lib.reading.formats.xml_parts import text as _text


def is_mods(root: Element) -> bool:
    return _local(root.tag) in ("modsCollection", "mods")


def mods_records(root: Element, result: ParseResult) -> ParseResult:
    """Each <mods> record with a title becomes a Record numbered by its position."""
    records = [root] if _local(root.tag) == "mods" else _children(root, "mods")
    for number, record in enumerate(records, start=1):
        result.add(*_record(record, result.source, number))
    return result.finish()


def _record(mods: Element, source: str, number: int) -> tuple[Record | None, list[Issue]]:
    host = next((r for r in _children(mods, "relatedItem") if r.get("type") == "host"), None)
    identifiers = {(i.get("type") or "").casefold(): _text(i) for i in _children(mods, "identifier")}
    urls = [u for loc in _children(mods, "location") for u in map(_text, _children(loc, "url")) if u]
    dates = [d for kind in ("dateIssued", "dateCreated") for part in (mods, host) if part is not None
             for info in _children(part, "originInfo") for d in map(_text, _children(info, kind)) if d]  # fmt: skip
    values: dict[str, object] = {
        "title": _title(mods),
        "abstract": " ".join(t for t in map(_text, _children(mods, "abstract")) if t) or None,
        "authors": [n for n in map(_name, _children(mods, "name")) if n],
        "date": dates[0] if dates else None,
        "doi": identifiers.get("doi"),
        "url": next((u for u in urls + [identifiers.get("uri") or ""] if web_url(u)), None),
        "venue": _title(host) if host is not None else None,
        "extra": [(f"identifier {kind}", value) for kind, value in identifiers.items() if kind not in ("doi", "uri")],
    }
    values["arxiv"] = first_arxiv_id([*urls, *identifiers.values()])
    made, issues = build_record(values, source, number, f"record {number}")
    if made is None:
        issues = [Issue(source, None, f"record {number}: MODS record has no title; skipped")]
    return made, issues


def _title(part: Element) -> str | None:
    info = next((i for i in _children(part, "titleInfo") if not i.get("type")), None)
    info = info if info is not None else next(iter(_children(part, "titleInfo")), None)
    if info is None:
        return None
    title = " ".join(t for t in map(_text, _children(info, "title")) if t)
    sub = " ".join(t for t in map(_text, _children(info, "subTitle")) if t)
    return f"{title}: {sub}" if title and sub else title or None


def _name(name: Element) -> str | None:
    if name.get("type") not in (None, "personal"):
        return None
    roles = {(_text(t) or "").casefold() for role in _children(name, "role") for t in _children(role, "roleTerm")}
    if roles and not roles & {"author", "aut", "creator", "cre"}:
        return None  # an editor, a translator
    parts = {p.get("type"): _text(p) for p in _children(name, "namePart")}
    family, given = parts.get("family"), parts.get("given")
    if family:
        return f"{family}, {given}" if given else family
    return (parts.get(None) or "").rstrip(",;") or None  # "West, Matthew," as catalogues write it
