"""Reading a paper list in any of the INPUT_FORMATS (lib.reading.formats.registry) into one ParseResult of
Records. Owns format choice and the size limit; never deduplicates, and lets no error out but IngestError.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePath

from lib.core.errors import IngestError
from lib.core.records import Issue, ParseResult, Record, decode
from lib.core.titles import normalize_title
from lib.reading.formats.detect import detect_format, extension_format
from lib.reading.formats.registry import BY_NAME, INPUT_FORMATS, INPUT_SUFFIXES, InputFormat
from lib.reading.formats.tabular import check_decoded, check_records

__all__ = ["INPUT_FORMATS", "INPUT_SUFFIXES", "MAX_BYTES", "InputFormat", "detect_format", "read_bytes", "read_path"]

MAX_BYTES = 50 * 1024 * 1024


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
        note = f"content is {BY_NAME[fmt].label}, not what the {suffix} extension says"
        result.issues.insert(0, Issue(source, None, note))
    return result


def read_path(path: str | Path, *, max_bytes: int = MAX_BYTES) -> ParseResult:
    """Read and parse one file; an oversized file is refused before its contents are read, and so is anything
    that is not a regular file (a FIFO would never end, a device never stop)."""
    path = Path(path)
    source = shown_name(path.name)
    if source != path.name:
        raise IngestError(source, "the file name is not UTF-8 text; rename the file")
    try:
        with open(path, "rb", opener=_no_wait) as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise IngestError(source, "not a regular file (a folder, pipe or device)")
            check_size(info.st_size, source, max_bytes)
            data = f.read(max_bytes + 1)  # a file that grew since stat still cannot overrun the limit
    except OSError as exc:
        raise IngestError(source, f"cannot read file ({exc.strerror or exc})") from None
    return read_bytes(data, source, max_bytes=max_bytes)


def _no_wait(path: str, flags: int) -> int:
    # Opening a FIFO for reading waits for a writer; O_NONBLOCK returns at once, and the check above refuses it.
    return os.open(path, flags | os.O_NONBLOCK)


def shown_name(name: str) -> str:
    """A file name as messages and reports can carry it: bytes that are not UTF-8 become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def check_size(size: int, source: str, max_bytes: int = MAX_BYTES) -> None:
    if size > max_bytes:
        limit = f"{_mb(max_bytes)} ({max_bytes:,} bytes)"
        raise IngestError(source, f"file too large: {_mb(size)} ({size:,} bytes); the limit is {limit}")


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f}".rstrip("0").rstrip(".") + " MB"


def _empty(source: str, encoding: str = "utf-8") -> ParseResult:
    # Nothing to read is not unreadable: a warning, so a build with an empty page still succeeds.
    return ParseResult(source=source, issues=[Issue(source, None, "empty file")], encoding=encoding)


def _parse(name: str, data: bytes, source: str) -> ParseResult:
    fmt = BY_NAME[name]
    if fmt.binary:
        return _capped(fmt.read(data, source), source)
    text, encoding = decode(data, source)
    if not text.strip():
        return _empty(source, encoding)
    result = fmt.read(text, source)
    result.encoding = encoding
    if encoding != "utf-8":
        result.issues.insert(0, Issue(source, None, f"read as {encoding}, not UTF-8"))
    return _capped(result, source)


def _capped(result: ParseResult, source: str) -> ParseResult:
    """Every reader's result within the caps on records and decoded text (the Parquet reader also checks as it
    decodes, since its input can be far smaller than what it spells out), and without titles that name nothing:
    "???" and "—" hold no letter or digit, so they would all be one paper."""
    check_records(len(result.records), source)
    check_decoded(sum(_text_size(r) for r in result.records), source)
    blank = [r for r in result.records if not normalize_title(r.title)]
    if blank:
        result.records = [r for r in result.records if normalize_title(r.title)]
        reason = "title has no letters or digits; skipped"
        result.issues += [Issue(source, r.line or None, reason, r.title[:120]) for r in blank]
    return result


def _text_size(record: Record) -> int:
    extra = sum(len(k) + len(v) for k, v in record.extra)
    return len(record.title) + len(record.abstract) + sum(len(a) for a in record.authors) + extra
