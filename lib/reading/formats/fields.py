"""Turning one structured row (a mapping of column name to value) into a Record: header aliases, text,
dates, authors and identifiers. Shared by every structured format; knows nothing of files or syntax.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lib.core.dates import normalize_date
from lib.core.errors import IngestError
from lib.core.ids import arxiv_month, first_doi, normalize_arxiv_id, normalize_doi
from lib.core.records import Issue, Record, clean_line, strip_markup
from lib.reading.formats.authors import split_authors
from lib.reading.formats.tex import untex_link

# Header names are compared with case, spaces, underscores, hyphens and dots removed. Each field takes
# the first alias present, so the order is the preference when a table has several candidates.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    # IEEE Xplore writes "Document Title", Springer "Item Title", Web of Science "Article Title".
    "title": ("title", "papertitle", "articletitle", "documenttitle", "itemtitle", "displayname", "name"),
    # Zotero's CSV writes "Abstract Note"; CSL JSON and Crossref date a work by "issued" or "published-print".
    "abstract": ("abstract", "summary", "description", "abstractnote"),
    "date": (
        "date",
        "published",
        "publicationdate",
        "publishedat",
        "pubdate",
        "coverdate",
        "issued",
        "publishedprint",
        "publishedonline",
    ),
    "year": ("year", "publicationyear"),
    "month": ("month",),
    # rispy's names, as ASReview's CSV export writes RIS fields: "first_authors" (AU)
    "authors": ("authors", "author", "authornames", "authorlist", "authorships", "creators", "firstauthors"),
    "url": ("url", "link", "paperurl", "pdflink", "pdfurl", "articleurl", "htmlurl", "landingpageurl"),
    "arxiv": ("arxivid", "eprint", "arxiv", "arxivurl", "arxivpageurl", "arxivlink", "arxivabsurl"),
    "doi": ("doi", "itemdoi"),
    # Scopus writes "Source title", IEEE Xplore "Publication Title", Crossref-style JSON "container-title".
    "venue": (
        "venue",
        "journal",
        "journaltitle",
        "booktitle",
        "sourcetitle",
        "publicationtitle",
        "publishedin",
        "containertitle",
        "conference",
        "journalname",
        "journalref",
        "primarylocationsourcedisplayname",  # OpenAlex
    ),
}
# Web of Science's two-letter field tags, as its tab-delimited and CSV exports use them for headers; a header
# holding PT, AU and TI is one of those. AF (full names) beats AU (surnames and initials).
WOS_TAGS: dict[str, tuple[str, ...]] = {
    "title": ("TI",),
    "abstract": ("AB",),
    "year": ("PY",),
    "month": ("PD",),
    "authors": ("AF", "AU"),
    "doi": ("DI",),
    "venue": ("SO",),
    "url": ("UR",),
}
# Columns that hold an arXiv id when their values look like one: an "id" or "index" is otherwise anything.
_ID_COLUMNS = ("id", "index", "paperid", "entryid", "key")
_HEADER_NOISE = re.compile(r"[\s_\-.]+")
# How reference managers name a preprint's "journal": Google Scholar's "arXiv preprint arXiv:...", DBLP's CoRR.
_PREPRINT = re.compile(r"(?:arxiv\b|corr\b|arxiv preprint)", re.IGNORECASE)


def header_key(name: str) -> str:
    return _HEADER_NOISE.sub("", name.casefold())


@dataclass(frozen=True)
class Columns:
    """Which input column feeds each Record field; columns matching no field are kept as extra."""

    fields: Mapping[str, str]
    extra: tuple[str, ...]
    glued_authors: bool = False  # Springer's CSV runs its author names together ("Andy SmithTom Weber")


def match_columns(names: Sequence[str], source: str, rows: Sequence[Mapping[str, object]] = ()) -> Columns:
    """Assign columns to fields by their header names (a nested JSON key "details.arxiv_page_url" also by its
    last part), and an unnamed-for-it column to the arXiv id when `rows` show it holds arXiv ids. No title
    column is an IngestError."""
    fields = _wos_fields(names) or _fields_by_alias(names)
    if "arxiv" not in fields and rows:
        found = _arxiv_column([n for n in names if n not in fields.values()], rows)
        if found:
            fields["arxiv"] = found
    if "title" not in fields:
        shown = ", ".join(n[:40] for n in names[:20]) + (", ..." if len(names) > 20 else "")
        raise IngestError(source, f"no title column (found: {shown})")
    used = set(fields.values())
    glued = header_key(fields["title"]) == "itemtitle"
    return Columns(fields, tuple(n for n in names if n not in used), glued_authors=glued)


def _fields_by_alias(names: Sequence[str]) -> dict[str, str]:
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(header_key(name), name)
    for name in names:  # a nested key answers to its last part only when no column has that name itself
        by_key.setdefault(header_key(name.rsplit(".", 1)[-1]), name)
    fields: dict[str, str] = {}
    for field, aliases in FIELD_ALIASES.items():
        found = next((by_key[a] for a in aliases if a in by_key and by_key[a] not in fields.values()), None)
        if found is not None:
            fields[field] = found
    return fields


def _wos_fields(names: Sequence[str]) -> dict[str, str] | None:
    present = {n.strip(): n for n in names}
    if not {"PT", "AU", "TI"} <= present.keys():
        return None
    fields = {}
    for field, tags in WOS_TAGS.items():
        found = next((present[t] for t in tags if t in present), None)
        if found is not None:
            fields[field] = found
    return fields


def _arxiv_column(candidates: Sequence[str], rows: Sequence[Mapping[str, object]]) -> str | None:
    sample = rows[:200]
    for name in sorted(candidates, key=lambda n: header_key(n.rsplit(".", 1)[-1]) not in _ID_COLUMNS):
        values = [v for r in sample if (v := to_text(r.get(name)))]
        if values and sum(bool(normalize_arxiv_id(v)) for v in values) >= 0.8 * len(values):
            return name
    return None


def unique_names(names: Iterable[object]) -> list[str]:
    """Header names as non-empty, distinct strings, so no column is silently lost."""
    out: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(names, start=1):
        name = str(raw).strip() if raw is not None else ""
        name = name or f"column {i}"
        base, n = name, 2
        while name in seen:
            name, n = f"{base} ({n})", n + 1
        seen.add(name)
        out.append(name)
    return out


def to_text(value: object) -> str | None:
    """Display text of a cell: whitespace folded, NFC, trimmed; missing or NaN values are None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    elif isinstance(value, (dt.date, dt.datetime)):
        text = value.isoformat()
    elif isinstance(value, bytes):
        text = value.decode("utf-8", errors="replace")
    elif isinstance(value, (list, tuple)):
        parts = [to_text(v) for v in value]
        text = "; ".join(p for p in parts if p)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return clean_line(text) or None


def normalize_venue(value: object) -> str | None:
    """The venue as written, with every way of naming arXiv as a venue read as "arXiv"."""
    text = to_text(value)
    if not text:
        return None
    return "arXiv" if _PREPRINT.match(text) else text


def web_url(text: str | None) -> str | None:
    """The first web link of a URL field (some hold two, separated by white space or ";"), TeX escapes undone.
    Only web links are kept: the app renders urls as clickable links, where a "javascript:" one would run."""
    if not text:
        return None
    for part in re.split(r"[\s;]+", untex_link(text)):
        if part.lower().startswith(("https://", "http://")):
            return part
    return None


def build_record(
    fields: Mapping[str, object], source: str, line: int, where: str = ""
) -> tuple[Record | None, list[Issue]]:
    """A Record from already-extracted field values (see FIELD_ALIASES for the names; 'extra' holds
    (column, value) pairs), with an Issue for each value that could not be used."""
    issues: list[Issue] = []
    prefix = f"{where}: " if where else ""

    def note(reason: str, text: str = "") -> None:
        issues.append(Issue(source, line if not where else None, prefix + reason, text[:120]))

    title = _markup_free(fields.get("title"))
    if not title:
        note("empty title; skipped")
        return None, issues
    date_text = to_text(fields.get("date")) or to_text(fields.get("year"))
    published = normalize_date(date_text, _first_word(fields.get("month")))
    if date_text and not published:
        note("date not understood", date_text)
    raw_url = to_text(fields.get("url"))
    url = web_url(raw_url)
    if raw_url and not url:
        note("url ignored (not an http or https link)", raw_url)
    raw_doi = to_text(fields.get("doi"))
    doi = (normalize_doi(untex_link(raw_doi)) or first_doi(untex_link(raw_doi))) if raw_doi else None
    if raw_doi and not doi:
        note("DOI not understood", raw_doi)
    raw_arxiv = to_text(fields.get("arxiv"))
    arxiv_id = normalize_arxiv_id(untex_link(raw_arxiv)) if raw_arxiv else None
    if raw_arxiv and not arxiv_id:
        note("arXiv id not understood", raw_arxiv)
    # An arXiv abstract URL or arXiv DOI names the paper as surely as an id column does.
    arxiv_id = arxiv_id or (url and normalize_arxiv_id(url)) or (doi and normalize_arxiv_id(doi)) or None
    if not published and arxiv_id:
        published = arxiv_month(arxiv_id)
    extra = tuple((k, t) for k, v in fields.get("extra", ()) if (t := to_text(v)))
    record = Record(
        title=title,
        abstract=_markup_free(fields.get("abstract")) or "",
        source=source,
        line=line,
        authors=split_authors(fields.get("authors")),
        published=published,
        url=url,
        arxiv_id=arxiv_id,
        doi=doi,
        extra=extra,
        venue=normalize_venue(fields.get("venue")),
    )
    return record, issues


def _markup_free(value: object) -> str | None:
    text = to_text(value)
    return clean_line(strip_markup(text)) or None if text else None


def _first_word(value: object) -> str | None:
    # Web of Science's PD says "Aug 1 2019", "JUN" or "MAY 15": the month is its first word.
    text = to_text(value)
    return text.split()[0] if text else None


def row_fields(row: Mapping[str, object], columns: Columns) -> dict[str, object]:
    """Field values of one table row, ready for build_record."""
    values: dict[str, object] = {f: row.get(c) for f, c in columns.fields.items()}
    if columns.glued_authors:
        values["authors"] = split_authors(to_text(values.get("authors")) or "", glued=True)
    values["extra"] = [(c, row.get(c)) for c in columns.extra]
    return values
