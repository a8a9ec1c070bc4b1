"""When records that look alike must still stay apart: the record-level rules of dedupe (title-level rules are
lib.core.titles'). A librarian merges two records when an identifier agrees, or when the titles match and
nothing contradicts them. Contradictions, for records joined by title:
- different first authors (by surname, accents and case folded, initials ignored);
- years more than MAX_YEAR_GAP apart;
- different volume numbers (a conference's proceedings come in several volumes under one title), unless the
  pages agree (a database that indexed one work twice, once under a wrong volume);
- a person's decision that they are not the same paper (the merge decisions file).
Records joined by a shared DOI or arXiv id must still have titles that name one work: a book's DOI on its
chapters, or a wrong DOI from a reference manager, is reported, not merged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from lib.core.records import Record
from lib.core.titles import same_title

MAX_YEAR_GAP = 2  # a preprint and its journal version are often a year or two apart
SHARED_ID_TITLE_SCORE = 60.0  # token-set similarity of two titles below which a shared id joins two works
_INITIALS = re.compile(r"^[a-z]\.?$|^(?:[a-z]\.-?){2,4}$")  # "j", "j.", "j.c.", "c.-p."; never "wu" or "sol"
# The kept columns and tags that hold a volume: Scopus, BibTeX, RIS (rispy), CSL "volume"; Web of Science and
# RIS "VL"; MEDLINE "VI"; EndNote "%V".
_VOLUME_KEYS = frozenset({"volume", "vl", "vi", "%v"})
# ... and pages: a range ("pages", MEDLINE "PG", EndNote "%P") or its two ends (Scopus, Web of Science, RIS).
_PAGES_KEYS = frozenset({"pages", "page", "pg", "%p", "pagination"})
_PAGE_ENDS = (("page start", "page end"), ("bp", "ep"), ("sp", "ep"), ("start_page", "end_page"))
_NUMBER = re.compile(r"\d+")


def record_key(record: Record) -> str:
    """How a record is named in the report and in merge decisions: "file:line"."""
    return f"{record.source}:{record.line}"


def first_surname(record: Record) -> str | None:
    """The first author's surname, folded: "Müller, Ana", "Ana Müller" and "Muller A." give "muller"."""
    if not record.authors:
        return None
    name = _fold(record.authors[0])
    if "," in name:
        surname = name.split(",", 1)[0]
    else:
        words = name.split() or [""]
        named = [w for w in words if not _INITIALS.match(w)] or words
        # Scopus and Web of Science put initials last ("Phillips J.C."): the surname comes first there.
        surname = named[0] if _INITIALS.match(words[-1]) else named[-1]
    return re.sub(r"[^a-z]", "", surname) or None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def year_of(record: Record) -> int | None:
    return int(record.published[:4]) if record.published and record.published[:4].isdigit() else None


def pages_of(record: Record) -> str | None:
    """The record's page range as "first-last" ("466-75": "466-475"), when a kept column or tag holds it."""
    fields = {key.strip().casefold(): str(value) for key, value in record.extra}
    text = next((fields[k] for k in _PAGES_KEYS if k in fields), None)
    if text is None:
        text = next((f"{fields[a]}-{fields[b]}" for a, b in _PAGE_ENDS if a in fields and b in fields), None)
    numbers = _NUMBER.findall(text or "")
    if len(numbers) < 2:
        return None
    first, last = numbers[0], numbers[1]
    return f"{first}-{first[: len(first) - len(last)] + last}"


def volume_of(record: Record) -> str | None:
    """The record's volume number ("6017 LNCS": "6017"), when a kept column or tag holds one."""
    for key, value in record.extra:
        if key.strip().casefold() in _VOLUME_KEYS and (m := _NUMBER.search(str(value))):
            return m.group(0).lstrip("0") or "0"
    return None


_NONE: frozenset = frozenset()


@dataclass(slots=True)
class Evidence:
    """What a set of records (one paper in the making) says about itself, to test a union against. Empty
    fields share one frozen empty set: a million single records must not cost a million sets each."""

    arxiv: frozenset[str] = _NONE
    doi: frozenset[str] = _NONE
    surnames: frozenset[str] = _NONE
    years: frozenset[int] = _NONE
    volumes: frozenset[str] = _NONE
    pages: frozenset[str] = _NONE
    apart: dict[int, str] | None = None  # decision number -> the record of it in this set

    @classmethod
    def of(cls, records: Iterable[Record], decisions: dict[str, list[int]]) -> Evidence:
        ev = cls()
        for r in records:
            ev.add(r, decisions)
        return ev

    def add(self, r: Record, decisions: dict[str, list[int]]) -> None:
        if r.arxiv_id:
            self.arxiv = self.arxiv | {r.arxiv_id}
        if r.doi:
            self.doi = self.doi | {r.doi}
        if surname := first_surname(r):
            self.surnames = self.surnames | {surname}
        if (year := year_of(r)) is not None:
            self.years = self.years | {year}
        if r.extra and (volume := volume_of(r)):  # pages only count beside a volume: read them only then
            self.volumes = self.volumes | {volume}
            if pages := pages_of(r):
                self.pages = self.pages | {pages}
        for d in decisions.get(record_key(r), ()):
            self.apart = self.apart or {}
            self.apart.setdefault(d, record_key(r))

    def merged(self, other: Evidence) -> Evidence:
        apart = {**(other.apart or {}), **(self.apart or {})} or None
        arxiv, doi = self.arxiv | other.arxiv, self.doi | other.doi
        surnames, years = self.surnames | other.surnames, self.years | other.years
        volumes, pages = self.volumes | other.volumes, self.pages | other.pages
        return Evidence(arxiv, doi, surnames, years, volumes, pages, apart)


def ids_conflict(a: Evidence, b: Evidence) -> bool:
    # Two different arXiv ids (or DOIs) are two papers, however alike their titles.
    return bool(a.arxiv and b.arxiv and not a.arxiv & b.arxiv) or bool(a.doi and b.doi and not a.doi & b.doi)


def decided_apart(a: Evidence, b: Evidence) -> bool:
    if not (a.apart and b.apart):
        return False
    return any(d in b.apart and b.apart[d] != r for d, r in a.apart.items())


def contradiction(a: Evidence, b: Evidence) -> str | None:
    """Why two sets joined only by their titles are not one paper, or None."""
    if a.arxiv & b.arxiv or a.doi & b.doi:
        return None
    if a.surnames and b.surnames and not _surnames_meet(a.surnames, b.surnames):
        return "different first authors"
    if a.years and b.years and min(abs(x - y) for x in a.years for y in b.years) > MAX_YEAR_GAP:
        return f"years more than {MAX_YEAR_GAP} apart"
    if a.volumes and b.volumes and not a.volumes & b.volumes and not a.pages & b.pages:
        return "different volumes"
    return None


def _surnames_meet(a: set[str], b: set[str]) -> bool:
    # "vanderberg" and "berg", or a particle dropped: one surname inside the other is the same person.
    return any(x == y or (min(len(x), len(y)) >= 4 and (x in y or y in x)) for x in a for y in b)


def titles_name_one_work(a: str, b: str) -> bool:
    """Whether two titles that share an identifier can be one work: the same title, or one a shortening or
    rewording of the other (arXiv versions retitle, exports cut subtitles)."""
    if same_title(a, b):
        return True
    return fuzz.token_set_ratio(a.casefold(), b.casefold()) >= SHARED_ID_TITLE_SCORE


def keeper_rank(r: Record) -> tuple:
    """Sort key of the record a merged paper keeps: one with an abstract, then one with an identifier, then the
    fullest, then the first."""
    filled = sum(bool(v) for v in (r.authors, r.published, r.url, r.arxiv_id, r.doi, r.venue))
    return (not r.abstract, not (r.doi or r.arxiv_id), -filled, r.source, r.line)


def record_summary(r: Record) -> dict:
    """What the merge workbench shows of one record of a merged paper."""
    return {
        "where": record_key(r),
        "title": r.title,
        "authors": list(r.authors[:3]),
        "published": r.published,
        "doi": r.doi,
        "arxiv_id": r.arxiv_id,
        "has_abstract": bool(r.abstract),
    }
