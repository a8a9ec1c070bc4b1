"""Reading a paper list in any supported format (listing text, CSV, TSV, JSON, JSON lines, Parquet,
BibTeX, RIS, arXiv Atom) into one ParseResult of Records. Owns format choice and the size limit;
never deduplicates, and lets no error out but IngestError.
"""

from __future__ import annotations

from pathlib import Path, PurePath

from lib.core.errors import IngestError
from lib.core.records import Issue, ParseResult, decode
from lib.reading.formats.atom import read_atom
from lib.reading.formats.bibtex import read_bibtex
from lib.reading.formats.detect import FORMAT_NAMES, FORMATS, detect_format, extension_format
from lib.reading.formats.listing import read_listing
from lib.reading.formats.ris import read_ris
from lib.reading.formats.tabular import read_delimited, read_json, read_jsonl, read_parquet

__all__ = ["FORMATS", "MAX_BYTES", "detect_format", "read_bytes", "read_path"]

MAX_BYTES = 50 * 1024 * 1024

_TEXT_READERS = {
    "listing": read_listing,
    "csv": lambda text, source: read_delimited(text, source, ","),
    "tsv": lambda text, source: read_delimited(text, source, "\t"),
    "json": read_json,
    "jsonl": read_jsonl,
    "bibtex": read_bibtex,
    "ris": read_ris,
}


def read_bytes(data: bytes, name: str, *, max_bytes: int = MAX_BYTES) -> ParseResult:
    """Parse the contents of the file called `name`; the name's extension is only a hint."""
    source = PurePath(name).name or name or "upload"
    check_size(len(data), source, max_bytes)
    data = bytes(data)  # no copy for bytes; bytearray and memoryview uploads become bytes once
    if not data.strip():
        return _empty(source)
    fmt = detect_format(data, source)
    result = _parse(fmt, data, source)
    promised = extension_format(source)
    if promised and promised != fmt:
        suffix = PurePath(source).suffix
        note = f"content is {FORMAT_NAMES[fmt]}, not what the {suffix} extension says"
        result.issues.insert(0, Issue(source, None, note))
    return result


def read_path(path: str | Path, *, max_bytes: int = MAX_BYTES) -> ParseResult:
    """Read and parse one file; an oversized file is refused before its contents are read."""
    path = Path(path)
    source = path.name
    try:
        check_size(path.stat().st_size, source, max_bytes)
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)  # a file that grew since stat still cannot overrun the limit
    except OSError as exc:
        raise IngestError(source, f"cannot read file ({exc.strerror or exc})") from None
    return read_bytes(data, source, max_bytes=max_bytes)


def check_size(size: int, source: str, max_bytes: int = MAX_BYTES) -> None:
    if size > max_bytes:
        limit = f"{_mb(max_bytes)} ({max_bytes:,} bytes)"
        raise IngestError(source, f"file too large: {_mb(size)} ({size:,} bytes); the limit is {limit}")


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f}".rstrip("0").rstrip(".") + " MB"


def _empty(source: str, encoding: str = "utf-8") -> ParseResult:
    # Nothing to read is not unreadable: a warning, so a build with an empty page still succeeds.
    return ParseResult(source=source, issues=[Issue(source, None, "empty file")], encoding=encoding)


def _parse(fmt: str, data: bytes, source: str) -> ParseResult:
    if fmt == "parquet":
        return read_parquet(data, source)
    if fmt == "atom":  # XML declares its own encoding, so the parser gets the bytes
        return read_atom(data, source)
    text, encoding = decode(data, source)
    if not text.strip():
        return _empty(source, encoding)
    result = _TEXT_READERS[fmt](text, source)
    result.encoding = encoding
    if encoding != "utf-8":
        result.issues.insert(0, Issue(source, None, f"read as {encoding}, not UTF-8"))
    return result
