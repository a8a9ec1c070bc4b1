"""Downloads of a papers table (CSV, JSON, BibTeX, RIS, Markdown reading list, Parquet) holding exactly the
rows given, in their order. Owns each format's escaping; returns bytes and never touches the file system.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

import bibtexparser
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import rispy
from bibtexparser import BibtexFormat, Library
from bibtexparser.middlewares import (
    AddEnclosingMiddleware,
    BlockMiddleware,
    LatexEncodingMiddleware,
    MergeCoAuthors,
    MonthAbbreviationMiddleware,
)
from bibtexparser.model import Block, Entry, Field
from pylatexenc.latexencode import (
    RULE_DICT,
    UnicodeToLatexConversionRule,
    UnicodeToLatexEncoder,
    get_builtin_uni2latex_dict,
)

from lib.core import schema as S
from lib.core.dates import year_month
from lib.core.ids import arxiv_month, bare_doi
from lib.explore.export_markdown import to_markdown
from lib.explore.export_rows import EXPORT_COLUMNS, OPTIONAL_COLUMNS, records, web_link

LIST_SEPARATOR = "; "
# OWASP CSV injection: a spreadsheet runs a cell starting with these as a formula (tab and CR too,
# since some programs strip them before looking).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What a spreadsheet skips before looking at a cell's first character.
_INVISIBLE = " \u00a0\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@dataclass(frozen=True)
class ExportFormat:
    """One download choice: button label, file extension, MIME type and the writer. A writer that shows
    theme names (a reading list) takes them; the others write theme ids, which other tools can match."""

    label: str
    extension: str
    mime: str
    writer: Callable[..., bytes]
    shows_names: bool = False

    def write(self, papers: pd.DataFrame, theme_names: Mapping[str, str] | None = None) -> bytes:
        return self.writer(papers, theme_names=theme_names) if self.shows_names else self.writer(papers)


# ------------------------------------------------------------------------------------------ CSV


def to_csv(papers: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark, since Excel otherwise reads UTF-8 as the local code page.

    Lists are joined with "; ". Text cells that a spreadsheet would run as a formula get a leading "'".
    """
    return _csv(EXPORT_COLUMNS, ([row[c] for c in EXPORT_COLUMNS] for row in records(papers)))


def table_to_csv(table: pd.DataFrame) -> bytes:
    """Any table the app shows (merges, warnings), as CSV in the same way as the papers."""
    return _csv(list(table.columns), table.itertuples(index=False, name=None))


def _csv(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    text = LIST_SEPARATOR.join(value) if isinstance(value, list) else str(value)
    return "'" + text if _looks_like_formula(text) else text


def _looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could take the cell for a formula: also behind invisible characters and white space,
    and in the fullwidth forms ("＝", "＋") that spreadsheets read as their ASCII selves."""
    if text.startswith(FORMULA_START):
        return True
    shown = unicodedata.normalize("NFKC", text[:64]).lstrip(_INVISIBLE)
    return shown.startswith(FORMULA_START)


# ----------------------------------------------------------------------------------------- JSON


def to_json(papers: pd.DataFrame) -> bytes:
    """A JSON array of one object per paper, one per line; lists stay lists, missing values are null."""
    # Line per object rather than indent=: json's C encoder only runs without indent (10x faster).
    lines = [json.dumps(row, ensure_ascii=False, allow_nan=False) for row in records(papers)]
    return ("[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n").encode("utf-8")


# --------------------------------------------------------------------------------------- BibTeX


# LaTeX's special characters made literal in pylatexenc's own spelling; every other character, non-ASCII too,
# stays as written, since the file is UTF-8.
_LATEX_RULES = {ord(c): get_builtin_uni2latex_dict()[ord(c)] for c in "\\&%$#_~^"}
# pylatexenc writes \{ and \}, but BibTeX counts a brace after a backslash too, so a lone one ends the field early.
_LATEX_RULES |= {ord("{"): r"\ensuremath{\lbrace}", ord("}"): r"\ensuremath{\rbrace}"}  # pylatexenc reads these back
_LATEX_SPECIALS = re.compile("[" + re.escape("".join(map(chr, _LATEX_RULES))) + "]")
_LATEX_ENCODER = UnicodeToLatexEncoder(
    conversion_rules=[UnicodeToLatexConversionRule(RULE_DICT, _LATEX_RULES)],
    replacement_latex_protection="braces-after-macro",  # \textbackslash{} reads better than {\textbackslash}
    unknown_char_policy="keep",
    unknown_char_warning=False,
)
_LINK_FIELDS = ("url", "doi")
_BIB_UNSAFE = r"[{}\\\s]"  # in a url or doi field these would end the field or break the link
# BibTeX splits an author list on the word "and", and a name on its commas (at most two).
_NAME_SPLITTERS = re.compile(r"\band\b|(?:,[^,]*){3}", re.IGNORECASE)


class _LatexText(LatexEncodingMiddleware):
    """LaTeX-encodes every field but the links: a URL or DOI must stay a working link, not `\\_` and `\\%`."""

    def transform_entry(self, entry: Entry, library: Library) -> Block:
        fields = entry.fields
        entry.fields = [f for f in fields if f.key not in _LINK_FIELDS]
        for field in entry.fields:
            if isinstance(field.value, list):
                # The library encodes a string or one NameParts but passes a list of names through unencoded.
                field.value = [self._transform_python_value_string(n)[0] for n in field.value]
        block = super().transform_entry(entry, library)
        entry.fields = fields  # the text fields were encoded in place; this puts the links back among them
        return block

    def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
        # pylatexenc walks the whole text a character at a time (~1 µs each) and NFC-normalises it on the way;
        # handing it just the special characters is fast and leaves every other character as written.
        # An encoder error is raised here rather than kept as a note: the character would go out unescaped.
        return _LATEX_SPECIALS.sub(lambda m: _LATEX_ENCODER.unicode_to_latex(m.group()), python_string), ""


class _KeepTitleCase(BlockMiddleware):
    """Braces the title once more, inside its enclosing, so bibliography styles do not lower-case it."""

    def transform_entry(self, entry: Entry, library: Library) -> Block:
        title = entry.fields_dict["title"]
        title.value = "{" + title.value + "}"
        return entry


class _JoinNames(MergeCoAuthors):
    # MergeCoAuthors joins "Google and DeepMind" or "a, b, c, d" as they are: BibTeX reads two people or fails.
    def _transform_field_value(self, name: list[str]) -> str:
        return super()._transform_field_value(["{" + n + "}" if _NAME_SPLITTERS.search(n) else n for n in name])


# Every middleware may change the freshly built library in place, which spares write_string a deep copy.
# Months become BibTeX's macros (jan, feb ...), left unbraced so styles print them in their language.
_BIB_STACK = (
    MonthAbbreviationMiddleware(),
    _LatexText(encoder=_LATEX_ENCODER),
    _KeepTitleCase(),
    _JoinNames(),
    AddEnclosingMiddleware(reuse_previous_enclosing=False, enclose_integers=True, default_enclosing="{"),
)
_BIB_FORMAT = BibtexFormat()
_BIB_FORMAT.indent = "  "
_BIB_FORMAT.block_separator = "\n"  # each entry already ends in a line break: one blank line between entries


def to_bibtex(papers: pd.DataFrame) -> bytes:
    """One @misc entry per paper; keys are the first title word plus the year (else the id's tail)."""
    used: set[str] = set()
    next_suffix: dict[str, int] = {}
    rows = records(papers, optional=True)
    library = Library([_bib_entry(row, _unique_key(_base_key(row), used, next_suffix)) for row in rows])
    return bibtexparser.write_string(library, unparse_stack=_BIB_STACK, bibtex_format=_BIB_FORMAT).encode("utf-8")


def _bib_entry(row: dict, key: str) -> Entry:
    """The row's fields as plain text; the unparse stack does all escaping and enclosing."""
    fields = [Field("title", _one_line(row[S.TITLE] or ""))]
    if names := [n for n in map(_one_line, row[S.AUTHORS]) if n]:
        fields.append(Field("author", names))
    if row[S.ABSTRACT]:
        fields.append(Field("abstract", _one_line(row[S.ABSTRACT])))
    if link := web_link(row):
        fields.append(Field("url", _verbatim(link[1], _BIB_UNSAFE)))
    if doi := bare_doi(row[S.DOI]):
        fields.append(Field("doi", _verbatim(doi, _BIB_UNSAFE)))
    if row[S.ARXIV_ID]:
        fields += [Field("eprint", _one_line(row[S.ARXIV_ID])), Field("archivePrefix", "arXiv")]
    if published := year_month(row[S.PUBLISHED]):
        fields.append(Field("year", published[0]))
        if published[1]:
            fields.append(Field("month", published[1]))
    if row[S.THEMES]:
        fields.append(Field("note", "Themes: " + _one_line(LIST_SEPARATOR.join(row[S.THEMES]))))
    return Entry("misc", key, fields)


def _verbatim(text: str, unsafe: str) -> str:
    """`text` (a URL or DOI, kept unescaped so it stays a working link) with `unsafe` characters %-encoded."""
    return re.sub(unsafe, lambda m: quote(m.group()), text)


def _base_key(row: dict) -> str:
    ascii_title = unicodedata.normalize("NFKD", row[S.TITLE] or "").encode("ascii", "ignore").decode()
    words = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", ascii_title)]
    if len(words) > 1 and words[0] in ("a", "an", "the"):
        words = words[1:]
    month = (arxiv_month(row[S.ARXIV_ID]) if row[S.ARXIV_ID] else None) or row[S.PUBLISHED]
    year = year_month(month)
    tail = re.sub(r"[^A-Za-z0-9]", "", str(row[S.PAPER_ID] or ""))[-6:]
    return (words[0] if words else "paper") + (year[0] if year else tail)


def _unique_key(base: str, used: set[str], next_suffix: dict[str, int]) -> str:
    # Remembering each base's next suffix keeps thousands of "model2024" papers linear, not quadratic.
    # BibTeX compares keys ignoring case, so "nets2020" and "Nets2020" would be one key to it.
    key, n = base, next_suffix.get(base.casefold(), 0)
    while key.casefold() in used:
        key, n = base + _suffix(n), n + 1
    next_suffix[base.casefold()] = n
    used.add(key.casefold())
    return key


def _suffix(n: int) -> str:
    # a, b, ..., z, aa, ab, ... as in "smith2020a"
    letters = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(97 + r) + letters
    return letters


# ------------------------------------------------------------------------------------------ RIS


class _RisWriter(rispy.RisWriter):
    def set_header(self, count: int) -> str:
        return ""  # rispy numbers each reference ("1."); other readers expect a file to open with TY


def to_ris(papers: pd.DataFrame) -> bytes:
    """One RIS reference per paper, for Zotero, EndNote and Mendeley; every value is kept to one line."""
    refs = [_ris_fields(row) for row in records(papers, optional=True)]
    return rispy.dumps(refs, implementation=_RisWriter).encode("utf-8") if refs else b""


def _ris_fields(row: dict) -> dict:
    doi = bare_doi(row[S.DOI])
    # JOUR only for a DOI that is not arXiv's own (10.48550): a preprint is a generic work.
    ref = {
        "type_of_reference": "JOUR" if doi and not doi.startswith("10.48550/") else "GEN",
        "title": _one_line(row[S.TITLE] or ""),
    }
    if row[S.AUTHORS]:
        ref["authors"] = [_one_line(a) for a in row[S.AUTHORS]]
    if row[S.ABSTRACT]:
        ref["abstract"] = _one_line(row[S.ABSTRACT])
    if published := year_month(row[S.PUBLISHED]):
        ref["year"], ref["date"] = published[0], f"{published[0]}/{published[1] or ''}//"  # YYYY/MM/DD/other
    if link := web_link(row):
        ref["urls"] = [_verbatim(link[1], r"[;\s]")]  # readers split UR on ";"
    if doi:
        ref["doi"] = doi
    if row[S.THEMES]:
        ref["notes"] = ["Themes: " + _one_line(LIST_SEPARATOR.join(row[S.THEMES]))]
    ref["id"] = str(row[S.PAPER_ID])
    return ref


def _one_line(text: str) -> str:
    # A line break inside a value would start a new tag line, and "ER  -" there would end the reference.
    return " ".join(str(text).split())


# ---------------------------------------------------------------------------------------- Parquet

_ARROW_TYPES = {"list": pa.list_(pa.string()), "int": pa.int64(), "float": pa.float64()}  # others: strings


def to_parquet(papers: pd.DataFrame) -> bytes:
    """The export columns, plus authors and doi when the table has them, as Parquet with lists kept as lists."""
    names = EXPORT_COLUMNS + tuple(c for c in OPTIONAL_COLUMNS if c in papers.columns)
    rows = records(papers, optional=True)
    # Types come from the schema, not the values, so an empty or all-missing column keeps its type.
    table = pa.table({c: pa.array([r[c] for r in rows], _ARROW_TYPES.get(S.COLUMNS[c], pa.string())) for c in names})
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


LARGE_EXPORT = 50_000  # above this many papers, a download is offered as Parquet only, written a batch at a time


def to_parquet_rows(papers: pd.DataFrame, rows: np.ndarray, *, batch: int = LARGE_EXPORT) -> bytes:
    """What to_parquet writes of `papers.iloc[rows]`, written `batch` rows at a time from the table's Arrow columns
    (one row group each): no Python object per value and no copy of the whole selection, so a download of a
    million papers costs about its compressed size."""
    names = EXPORT_COLUMNS + tuple(c for c in OPTIONAL_COLUMNS if c in papers.columns)
    schema = pa.schema([(c, _ARROW_TYPES.get(S.COLUMNS[c], pa.string())) for c in names])
    columns = {c: _arrow_column(papers[c], schema.field(c).type) for c in names if c in papers.columns}
    out = io.BytesIO()
    with pq.ParquetWriter(out, schema) as writer:
        for start in range(0, len(rows), batch):
            taken = pa.array(np.asarray(rows[start : start + batch], dtype=np.int64))
            parts = {c: columns[c].take(taken) for c in names}
            writer.write_table(pa.table({c: _no_missing_lists(v) for c, v in parts.items()}, schema=schema))
        if not len(rows):
            writer.write_table(schema.empty_table())
    return out.getvalue()


def _arrow_column(column: pd.Series, kind: pa.DataType) -> pa.Array:
    values = pa.array(column, from_pandas=True)  # an Arrow-backed column is taken as it is, not copied
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return values if values.type == kind else values.cast(kind)


def _no_missing_lists(values: pa.Array) -> pa.Array:
    """A list column's missing values as empty lists, as to_parquet writes them."""
    if not pa.types.is_list(values.type) or not values.null_count:
        return values
    return pc.if_else(pc.is_null(values), pa.scalar([], values.type), values)


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "csv": ExportFormat("CSV", "csv", "text/csv", to_csv),
    "json": ExportFormat("JSON", "json", "application/json", to_json),
    "bibtex": ExportFormat("BibTeX", "bib", "application/x-bibtex", to_bibtex),
    "markdown": ExportFormat("Markdown", "md", "text/markdown", to_markdown, shows_names=True),
    "ris": ExportFormat("RIS", "ris", "application/x-research-info-systems", to_ris),
    "parquet": ExportFormat("Parquet", "parquet", "application/vnd.apache.parquet", to_parquet),
}
