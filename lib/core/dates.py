"""Every date Paper Atlas reads or shows: listing-page dates ("Mar 18"), publication dates in the many ways
inputs write them, and their display. Dates are kept as text: "YYYY-MM" or "YYYY" for publication,
"MM-DD" or "YYYY-MM-DD" for listing dates. One month-name table serves all of it.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MONTHS = "january february march april may june july august september october november december".split()
_SHORT_NAMES = tuple(m[:3].title() for m in MONTHS)

_LISTING_DATE = re.compile(
    r"^(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(?P<day>\d{1,2})"
    r"(?:,?\s+(?P<year>(?:19|20)\d\d))?$",
    re.IGNORECASE,
)
_NAMED_DATE = re.compile(
    r"(?:\d{1,2}\s+)?(?P<mon>[a-z]{3,9})\.?\s+(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?(?P<y>\d{4})", re.IGNORECASE
)
# ISO dates and times, "2023/05", and RIS's "2023/05/17/" and "2023///".
_NUMERIC_DATE = re.compile(r"(?P<y>\d{4})(?:[-/.](?P<m>\d{0,2}))?(?:[-/.T ].*)?", re.DOTALL)
_FLOAT_YEAR = re.compile(r"\d{4}\.0+")
_YEAR_MONTH = re.compile(r"(\d{4})(?:-(0[1-9]|1[0-2]))?")


def month_number(word: str) -> int | None:
    """1-12 from "5", "05", "May", "sept." or "September"; else None."""
    word = word.strip().rstrip(".").casefold()
    if word.isdigit():
        return int(word) if 1 <= int(word) <= 12 else None
    if len(word) >= 3:
        for i, full in enumerate(MONTHS, start=1):
            if full.startswith(word) or (word == "sept" and i == 9):
                return i
    return None


def parse_listing_date(line: str) -> str | None:
    """A listing page's date line: 'Mar 18' -> '03-18'; 'Mar 18, 2025' -> '2025-03-18'; anything else None."""
    m = _LISTING_DATE.match(line)
    if not m:
        return None
    month, day = month_number(m["mon"][:3]), int(m["day"])
    if not 1 <= day <= 31:
        return None
    stem = f"{month:02d}-{day:02d}"
    return f"{m['year']}-{stem}" if m["year"] else stem


def listing_date_label(value: str) -> str:
    """'03-18' -> 'Mar 18'; '2025-03-18' -> 'Mar 18, 2025'; anything else is returned unchanged."""
    parts = value.split("-")
    try:
        if len(parts) == 2:
            return f"{_SHORT_NAMES[int(parts[0]) - 1]} {int(parts[1])}"
        if len(parts) == 3:
            return f"{_SHORT_NAMES[int(parts[1]) - 1]} {int(parts[2])}, {parts[0]}"
    except (ValueError, IndexError):
        pass
    return value


def normalize_date(text: str | None, month: str | None = None) -> str | None:
    """'2023-05-17T..' / 'May 2023' / '17 May 2023' -> '2023-05'; '2023' -> '2023' (or with `month`)."""
    if not text:
        return None
    text = text.strip()
    if _FLOAT_YEAR.fullmatch(text):  # spreadsheets and pandas write a year column with gaps as 2023.0
        text = text[:4]
    named = _NAMED_DATE.fullmatch(text)
    if named:
        year, mon = named["y"], month_number(named["mon"])
        if mon is None:
            return None
    else:
        numeric = _NUMERIC_DATE.fullmatch(text)
        if not numeric:
            return None
        year, mon = numeric["y"], None
        if numeric["m"]:
            mon = month_number(numeric["m"])
            if mon is None:
                return None
    if not "1000" <= year <= "2999":
        return None
    if mon is None and month:
        mon = month_number(month)
    return f"{year}-{mon:02d}" if mon else year


def finer_date(year: object, *dates: object) -> str | None:
    """The first of `dates` that names a month of `year`, as "YYYY-MM": a full date ("2015-09-10", "2015/09/10",
    "Sep 10, 2015") or a month alone read with the year ("Jun"). None when none does, so the caller keeps the
    year. Exports give a year in one field and the date in another (RIS PY and Y1, EndNote %D and %8)."""
    plain = str(year).strip()[:4] if year else ""
    for date in dates:
        text = str(date).strip() if date else ""
        if not text:
            continue
        for candidate in (text, text.replace("/", "-").strip("-"), f"{text.split()[0]} {plain}" if plain else ""):
            found = normalize_date(candidate) if candidate else None
            if found and len(found) > 4 and found.startswith(plain):
                return found
    return None


def year_month(published: str | None) -> tuple[str, str | None] | None:
    """(year, month) of a "YYYY-MM" publication date, (year, None) of a year alone; None otherwise."""
    m = _YEAR_MONTH.fullmatch(published or "")
    return (m[1], m[2]) if m else None


def month_key(published: str | None) -> int:
    """YYYYMM for sorting ("2023-05" -> 202305, "2023" -> 202300); 0 when undated."""
    ym = year_month(published)
    return int(ym[0]) * 100 + int(ym[1] or 0) if ym else 0


def month_keys(published) -> np.ndarray:
    """`month_key` of every value of a column (a pandas column, Arrow array or list), worked out in Arrow:
    a Python call per paper cost a second at a million papers."""
    values = pa.array(published, from_pandas=True) if not isinstance(published, pa.ChunkedArray) else published
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    values = pc.cast(values, pa.string()) if not pa.types.is_string(values.type) else values
    valid = pc.fill_null(pc.match_substring_regex(values, _YEAR_MONTH.pattern.join("^$")), False)
    clean = pc.if_else(valid, values, pa.scalar("0000"))
    year = pc.cast(pc.utf8_slice_codeunits(clean, 0, 4), pa.int64())
    month = pc.cast(pc.if_else(pc.greater(pc.utf8_length(clean), 4), pc.utf8_slice_codeunits(clean, 5, 7), "0"),
                    pa.int64())  # fmt: skip
    return (np.asarray(year) * 100 + np.asarray(month)).astype(np.int64)
