"""What every XML reader of lib.reading.formats needs of an ElementTree element: its tag without the
namespace, its children by that name, and its text with the white space folded (values split over inline
markup, "<i>chest</i> radiographs", or styled runs are joined)."""

from __future__ import annotations

from xml.etree.ElementTree import Element


def local(tag: object) -> str:
    """ "{http://www.w3.org/2005/Atom}entry" -> "entry"; comments and processing instructions (whose tag is a
    function) -> ""."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(element: Element, name: str) -> list[Element]:
    return [c for c in element if local(c.tag) == name]


def child(element: Element | None, name: str) -> Element | None:
    return next((c for c in element if local(c.tag) == name), None) if element is not None else None


def text(element: Element | None) -> str | None:
    if element is None:
        return None
    folded = " ".join("".join(element.itertext()).split())
    return folded or None
