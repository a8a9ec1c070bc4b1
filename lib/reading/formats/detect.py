"""Deciding which format a file is in from its first bytes, with the file name's extension as a tie-breaker.

Owns the sniffing rules only; it never parses beyond the head of the file.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import PurePath

from lib.core.errors import IngestError
from lib.core.records import bomless_utf16
from lib.reading.formats.fields import FIELD_ALIASES, header_key
from lib.reading.formats.headerless import SAMPLE_ROWS, columns_by_content
from lib.reading.formats.medline import looks_like_medline
from lib.reading.formats.refer import looks_like_refer
from lib.reading.formats.registry import BY_EXTENSION
from lib.reading.formats.wos import looks_like_wos

# Files people drop by mistake; named so the message says what the file seems to be.
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file"),
)
_HEAD_BYTES = 65536
_BIBTEX_ENTRY = re.compile(r"^[ \t]*@[ \t]*[a-zA-Z]+[ \t]*[{(]", re.MULTILINE)
_RIS_START = re.compile(r"^TY  - ", re.MULTILINE)
_TITLE_KEYS = frozenset(FIELD_ALIASES["title"])


def extension_format(name: str) -> str | None:
    """The format a file name's extension promises, or None (".txt" and no extension promise nothing)."""
    promised = BY_EXTENSION.get(PurePath(name).suffix.lower().lstrip("."))
    return promised.name if promised and promised.name != "listing" else None


def detect_format(data: bytes, name: str) -> str:
    """The name of one of INPUT_FORMATS for `data`. Content decides; the extension only settles content that could be
    either (a delimited line with no title column, an entry past the first line). Delimited rows without a header
    are a table when their columns read as ids, dates, titles and abstracts. Text matching no format is listing
    text. Images, archives, PDFs and HTML pages raise IngestError."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise IngestError(name, f"not a paper list: looks like {what}")
    if data.startswith(b"PAR1"):
        return "parquet"
    head = _head_text(data).lstrip()
    by_ext = extension_format(name)
    if head.startswith("<") and re.match(r"<!doctype\s+html|<html", head, re.IGNORECASE):
        raise IngestError(name, "not a paper list: looks like an HTML page (copy the page's text instead)")
    sniffed = _sniff_text(head, by_ext, data)
    if sniffed:
        return sniffed
    # A bare JSON value ("42", "null") is still JSON when the name says so: the reader names its shape.
    if by_ext in ("json", "jsonl") and len(data) <= _HEAD_BYTES and _is_json(head):
        return "json"
    tag = _tagged(head)
    if tag:  # read as page text, every tag line would become a "paper"
        raise IngestError(
            name,
            f'not a paper list that can be read: its lines start with field tags ("{tag}"), as a tagged export '
            "in a format not read here does; export the references as RIS, BibTeX, CSV, EndNote or PubMed instead",
        )
    return "listing"


# Field tags that open the lines of tagged exports: RIS-like "TI  - ", Copac's "TI- ", Biblioscape's "--AU--",
# Refer's "%A ", Inspec's "TI ~ ". "GPT-4" or "LLM-based" at the start of a title is no tag: a space or the
# line's end must follow the dash.
_TAG_LINE = re.compile(r"^(?:[A-Z][A-Z0-9]{1,3} {0,3}[-~](?: |$)|--[A-Z]{2}--|%[0-9A-Z@](?: |$))")


def _tagged(head: str) -> str | None:
    """The first field tag, when most of the first lines of `head` start with one."""
    lines = [line for line in head.splitlines() if line.strip()][:60]
    tags = [m.group(0).strip() for line in lines if (m := _TAG_LINE.match(line))]
    return tags[0] if len(tags) >= 5 and len(tags) >= 0.5 * len(lines) else None


def _head_text(data: bytes) -> str:
    # Only ASCII signatures are looked for, so undecodable bytes in the head can be dropped.
    head = data[:_HEAD_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) & ~1].decode("utf-16", errors="ignore")
    if utf16 := bomless_utf16(head[:512]):
        return head[: len(head) & ~1].decode(utf16, errors="ignore")
    return head.decode("utf-8", errors="ignore").removeprefix("\ufeff")


def _sniff_text(head: str, by_ext: str | None, data: bytes) -> str | None:
    if head.startswith("<"):
        return "atom"
    first = _first_line(head)
    if looks_like_wos(first):
        return "wos"
    if looks_like_medline(head):
        return "medline"
    if looks_like_refer(head):
        return "refer"
    if _BIBTEX_ENTRY.match(first) or (by_ext == "bibtex" and _BIBTEX_ENTRY.search(head)):
        return "bibtex"
    if first.startswith("TY  - ") or (by_ext == "ris" and _RIS_START.search(head)):
        return "ris"
    if head.startswith(("[", "{")):
        json_kind = _sniff_json(head, data, by_ext)
        if json_kind:
            return json_kind
    return _sniff_table(first, by_ext) or _sniff_headerless(head, data)


def _first_line(head: str) -> str:
    # BibTeX files often open with "%" comment lines before the first entry.
    for line in head.splitlines():
        if line.strip() and not line.lstrip().startswith("%"):
            return line
    return ""


def _sniff_json(head: str, data: bytes, by_ext: str | None) -> str | None:
    # "[" and "{" also open ordinary text ("[RE] Title"); a JSON document goes on with a value,
    # unless the name already says JSON and a malformed document deserves JSON's error message.
    named_json, after = by_ext in ("json", "jsonl"), head[1:].lstrip()[:1]
    if head.startswith("[") and (named_json or after in ("{", "[", '"', "]")):
        return "json"
    if head.startswith("{") and (named_json or after in ('"', "}")):
        one_line = "\n" not in head.rstrip() and len(data) <= _HEAD_BYTES
        return "jsonl" if _next_line_opens_object(head, data) or (one_line and by_ext == "jsonl") else "json"
    return None


def _next_line_opens_object(head: str, data: bytes) -> bool:
    # JSON lines: the first line is a whole object and the next opens another. A pretty-printed document
    # puts a key there, or an object that is an element of a list the first line opened.
    newline = head.find("\n")
    if newline >= 0 and not _is_json(head[:newline]):
        return False
    rest = head[newline + 1 :].lstrip() if newline >= 0 else ""
    if rest:
        return rest.startswith("{")
    newline = data.find(b"\n")  # the first line is longer than the head
    return newline >= 0 and data[newline + 1 : newline + 4097].lstrip().startswith(b"{")


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
        return True
    except (ValueError, RecursionError):
        return False


def _sniff_table(first: str, by_ext: str | None) -> str | None:
    if len(first) >= _HEAD_BYTES - 1:  # a line longer than the head is no header
        return None
    if "\t" in first and _has_title(first.split("\t")):
        return "tsv"
    for delimiter in (",", ";"):
        if delimiter in first and _has_title(next(csv.reader([first], delimiter=delimiter), [])):
            return "csv"
    if by_ext in ("csv", "tsv") and (any(d in first for d in ",;\t") or _has_title([first])):
        return "tsv" if "\t" in first or (by_ext == "tsv" and "," not in first) else "csv"
    return None


def _has_title(cells: list[str]) -> bool:
    # Web of Science's tab-delimited and CSV exports name their columns by tag: PT, AU, TI, ...
    return any(header_key(c) in _TITLE_KEYS for c in cells) or {"PT", "AU", "TI"} <= {c.strip() for c in cells}


def _sniff_headerless(head: str, data: bytes) -> str | None:
    """ "tsv" or "csv" for delimited rows without a header whose columns read as a paper table by content
    (lib.reading.formats.headerless), judged on the rows in the head; None for anything else."""
    lines = head.splitlines()
    if len(data) > _HEAD_BYTES:
        lines = lines[:-1]  # the head may end inside a row
    lines = [ln for ln in lines if ln.strip()][:SAMPLE_ROWS]
    first = lines[0] if lines else ""
    # The readers' own choice of delimiter: a tab makes TSV; CSV splits on ";" only without a ",".
    delimiter = "\t" if "\t" in first else "," if "," in first else ";" if ";" in first else None
    if delimiter is None:
        return None
    try:
        rows = list(csv.reader(lines, delimiter=delimiter))
    except csv.Error:
        return None
    if columns_by_content(rows) is None:
        return None
    return "tsv" if delimiter == "\t" else "csv"
