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
from lib.core.ids import arxiv_month, normalize_arxiv_id, normalize_doi
from lib.core.records import Issue, Record, clean_line

# Header names are compared with case, spaces, underscores, hyphens and dots removed. Each field takes
# the first alias present, so the order is the preference when a table has several candidates.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "papertitle", "articletitle", "name"),
    "abstract": ("abstract", "summary", "description"),
    "date": ("date", "published", "publicationdate", "publishedat", "pubdate"),
    "year": ("year", "publicationyear"),
    "month": ("month",),
    "authors": ("authors", "author"),
    "url": ("url", "link"),
    "arxiv": ("arxivid", "eprint", "arxiv"),
    "doi": ("doi",),
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
    ),
}
_HEADER_NOISE = re.compile(r"[\s_\-.]+")
_AUTHOR_AND = re.compile(r"\s+and\s+")
# How reference managers name a preprint's "journal": Google Scholar's "arXiv preprint arXiv:...", DBLP's CoRR.
_PREPRINT = re.compile(r"(?:arxiv\b|corr\b|arxiv preprint)", re.IGNORECASE)


def header_key(name: str) -> str:
    return _HEADER_NOISE.sub("", name.casefold())


@dataclass(frozen=True)
class Columns:
    """Which input column feeds each Record field; columns matching no field are kept as extra."""

    fields: Mapping[str, str]
    extra: tuple[str, ...]


def match_columns(names: Sequence[str], source: str) -> Columns:
    """Assign columns to fields by their header names. No title column is an IngestError."""
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(header_key(name), name)
    fields: dict[str, str] = {}
    for field, aliases in FIELD_ALIASES.items():
        found = next((by_key[a] for a in aliases if a in by_key), None)
        if found is not None:
            fields[field] = found
    if "title" not in fields:
        shown = ", ".join(n[:40] for n in names[:20]) + (", ..." if len(names) > 20 else "")
        raise IngestError(source, f"no title column (found: {shown})")
    used = set(fields.values())
    return Columns(fields, tuple(n for n in names if n not in used))


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


def split_authors(value: object) -> tuple[str, ...]:
    """Author names from a list (of names or of objects with a "name") or from a string joined by ';'
    or ' and '."""
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, (list, tuple)):
        items = [v.get("name") if isinstance(v, dict) else v for v in value]
        names = [to_text(v) for v in items]
    else:
        text = to_text(value) or ""
        parts = text.split(";") if ";" in text else _AUTHOR_AND.split(text)
        names = [clean_line(p) for p in parts]
    return tuple(n for n in names if n)


def normalize_venue(value: object) -> str | None:
    """The venue as written, with every way of naming arXiv as a venue read as "arXiv"."""
    text = to_text(value)
    if not text:
        return None
    return "arXiv" if _PREPRINT.match(text) else text


def web_url(text: str | None) -> str | None:
    # Only web links are kept: the app renders urls as clickable links, where a "javascript:" one would run.
    if text and text.lower().startswith(("https://", "http://")) and " " not in text:
        return text
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

    title = to_text(fields.get("title"))
    if not title:
        note("empty title; skipped")
        return None, issues
    date_text = to_text(fields.get("date")) or to_text(fields.get("year"))
    published = normalize_date(date_text, to_text(fields.get("month")))
    if date_text and not published:
        note("date not understood", date_text)
    raw_url = to_text(fields.get("url"))
    url = web_url(raw_url)
    if raw_url and not url:
        note("url ignored (not an http or https link)", raw_url)
    raw_doi = to_text(fields.get("doi"))
    doi = normalize_doi(raw_doi)
    if raw_doi and not doi:
        note("DOI not understood", raw_doi)
    raw_arxiv = to_text(fields.get("arxiv"))
    arxiv_id = normalize_arxiv_id(raw_arxiv) if raw_arxiv else None
    if raw_arxiv and not arxiv_id:
        note("arXiv id not understood", raw_arxiv)
    # An arXiv abstract URL or arXiv DOI names the paper as surely as an id column does.
    arxiv_id = arxiv_id or (url and normalize_arxiv_id(url)) or (doi and normalize_arxiv_id(doi)) or None
    if not published and arxiv_id:
        published = arxiv_month(arxiv_id)
    extra = tuple((k, t) for k, v in fields.get("extra", ()) if (t := to_text(v)))
    record = Record(
        title=title,
        abstract=to_text(fields.get("abstract")) or "",
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


def row_fields(row: Mapping[str, object], columns: Columns) -> dict[str, object]:
    """Field values of one table row, ready for build_record."""
    values: dict[str, object] = {f: row.get(c) for f, c in columns.fields.items()}
    values["extra"] = [(c, row.get(c)) for c in columns.extra]
    return values
