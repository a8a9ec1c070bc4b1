"""Readers for table-shaped inputs: CSV and TSV (with a header row, or without one when the columns' content
says what they hold), JSON (array or object holding one), JSON lines and Parquet.

Each maps rows through lib.formats.fields; a bad row becomes an Issue, never an exception. Cells are
data: a CSV cell starting with "=" is kept as text (escaping formulas is the exporter's job).
"""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lib.core.errors import IngestError
from lib.core.records import Issue, ParseResult
from lib.reading.formats.fields import (
    FIELD_ALIASES,
    Columns,
    build_record,
    header_key,
    match_columns,
    row_fields,
    unique_names,
)
from lib.reading.formats.headerless import SAMPLE_ROWS, columns_by_content
from lib.reading.formats.shapes import adapt, arxiv_keyed_items, is_arxiv_keyed

# What one input file may hold once decoded, whatever its format: a compressed or dictionary-encoded file could
# otherwise unpack into more than a build should hold (a 907-byte Parquet file can spell out 1.65 GiB).
MAX_RECORDS = 1_000_000
MAX_DECODED_BYTES = 400 * 1024 * 1024
PARQUET_BATCH = 256  # rows decoded at a time, so one batch cannot spell out much before it is counted
# Keys of a JSON object under which a list of papers is looked for first.
_CONTAINER_KEYS = ("papers", "records", "items", "entries", "data", "results")


def read_delimited(text: str, source: str, delimiter: str) -> ParseResult:
    """CSV (delimiter "," or, for a ";"-separated header, ";") or TSV ("\t") text, with a header row or, when
    its first row names no title column, with columns its content makes plain (lib.reading.formats.headerless)."""
    result = ParseResult(source=source, n_lines=text.count("\n") + (not text.endswith("\n")))
    rows = list(_csv_rows(text, delimiter, result))
    if not rows:
        raise IngestError(source, "empty file")
    names, body, columns, widths = _layout(rows, result)
    # One cell past the header at the end of a row (Scopus and Web of Science end their rows so) costs nothing:
    # the labelled cells are intact. Taken when it is empty or when most rows have it, so a row shifted by an
    # unquoted comma is still refused; its text is kept under its position and the file gets one note.
    trailing = sum(len(c) == len(names) + 1 for _, c in body) * 2 >= len(body)
    unlabelled = 0
    for line, cells in body:
        past = cells[len(names) :]
        if len(cells) < len(names) or len(past) > 1 or (past and past[0].strip() and not trailing):
            problem = "too many" if len(cells) > len(names) else "too few"
            reason = f"{problem} fields: {len(cells)}, {widths} {len(names)}; row skipped"
            result.issues.append(Issue(source, line, reason, delimiter.join(cells)[:120]))
            continue
        values = row_fields(dict(zip(names, cells)), columns)
        unlabelled += len(past)
        values["extra"] += [(f"column {len(cells)}", c) for c in past if c.strip()]
        result.add(*build_record(values, source, line))
    result.issues.sort(key=lambda i: i.line or 0)
    if unlabelled:
        note = f"{unlabelled} rows have a cell past the header's {len(names)} columns (unlabelled); kept"
        result.issues.append(Issue(source, None, note))
    return result.finish()


def _layout(rows: list[tuple[int, list[str]]], result: ParseResult) -> tuple[list[str], list, Columns, str]:
    """Column names, the data rows, which column feeds which field, and how the expected width is named in
    messages. The first row is the header unless it names no title column and the rows' content names them."""
    names = unique_names(rows[0][1])
    try:
        columns = match_columns(names, result.source, [dict(zip(names, cells)) for _, cells in rows[1:201]])
        return names, rows[1:], columns, "the header has"
    except IngestError:
        found = columns_by_content([cells for _, cells in rows[:SAMPLE_ROWS]])
        if found is None:
            raise
    names = [f"column {i}" for i in range(1, found.width + 1)]
    fields = {field: names[i] for field, i in found.fields.items()}
    result.issues.append(Issue(result.source, None, found.note()))
    columns = Columns(fields, tuple(n for n in names if n not in fields.values()))
    return names, rows, columns, "the first row has"


def _csv_rows(text: str, delimiter: str, result: ParseResult):
    """(start line, cells) of each non-blank row; unreadable rows are reported and skipped."""
    if delimiter == ",":
        first = next((ln for ln in io.StringIO(text) if ln.strip()), "")
        if "," not in first and ";" in first:
            delimiter = ";"
    # strict: a malformed quote fails its own row instead of silently swallowing the rows after it. Web of
    # Science's tab-delimited export quotes nothing, so a quote there is part of the text.
    first_cell = text.lstrip("\ufeff")[:3]
    quoting = csv.QUOTE_NONE if delimiter == "\t" and first_cell == "PT\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True, quoting=quoting)
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason, shown = f"{_csv_problem(exc)}; row skipped", _line_at(text, previous + 1)
            result.issues.append(Issue(result.source, previous + 1, reason, shown))
            previous = reader.line_num
            continue
        start, previous = previous + 1, reader.line_num
        if any(c.strip() for c in cells):
            yield start, cells


def _csv_problem(exc: csv.Error) -> str:
    message = str(exc)
    if "expected after" in message:
        return "stray quote inside a cell (a cell with quotes must be quoted as a whole)"
    if "unexpected end of data" in message:
        return "unclosed quote runs to the end of the file"
    if "field limit" in message:
        return f"cell longer than {csv.field_size_limit():,} characters"
    return f"unreadable row ({message})"


def _line_at(text: str, lineno: int) -> str:
    # Errors are rare, so finding the line by scanning from the start is cheap enough.
    start = 0
    for _ in range(lineno - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start : end if end >= 0 else len(text)].strip()[:120]


def read_json(text: str, source: str) -> ParseResult:
    """A JSON array of paper objects, an object holding one such array, or a single paper object."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        raise IngestError(source, reason, exc.lineno) from None
    except RecursionError:
        raise IngestError(source, "JSON nested too deeply") from None
    items = _json_items(doc, source)
    result = ParseResult(source=source, n_lines=text.count("\n") + 1)
    if not items:
        return result.finish()
    items = [adapt(item) if isinstance(item, dict) else item for item in items]
    objects = [item for item in items if isinstance(item, dict)]
    if not objects and items:
        raise IngestError(source, f"JSON list holds {_json_kind(items[0])}, not paper objects")
    columns = match_columns(unique_keys(objects), source, objects)
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            _add(result, item, columns, number, f"record {number}")
        else:
            reason = f"record {number}: {_json_kind(item)}, not a paper object; skipped"
            result.issues.append(Issue(source, None, reason))
    return result.finish()


def _json_items(doc: object, source: str) -> list:
    if isinstance(doc, list):
        return doc
    if not isinstance(doc, dict):
        raise IngestError(source, f"JSON holds {_json_kind(doc)}, not a list of papers")
    if is_arxiv_keyed(doc):
        return arxiv_keyed_items(doc)
    lists = [k for k, v in doc.items() if isinstance(v, list) and any(isinstance(x, dict) for x in v)]
    preferred = [k for k in lists if k.casefold() in _CONTAINER_KEYS]
    if len(lists) == 1 or preferred:
        return doc[(preferred or lists)[0]]
    if lists:
        shown = ", ".join(k[:40] for k in lists[:10])
        reason = f'JSON object holds several lists of objects ({shown}); none is called "papers"'
        raise IngestError(source, reason)
    if any(header_key(k) in FIELD_ALIASES["title"] for k in doc):
        return [doc]  # a single paper object
    keys = ", ".join(str(k)[:40] for k in list(doc)[:20]) or "none"
    raise IngestError(source, f"JSON object holds no list of papers (keys: {keys})")


def read_jsonl(text: str, source: str) -> ParseResult:
    """One JSON object per line; a bad line is reported with its line number and skipped."""
    result = ParseResult(source=source)
    rows: list[tuple[int, dict]] = []
    lines = text.splitlines()
    result.n_lines = len(lines)
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            reason = f"malformed JSON: {exc.msg} (column {exc.colno}); line skipped"
            result.issues.append(Issue(source, lineno, reason, line[:120]))
            continue
        except RecursionError:
            result.issues.append(Issue(source, lineno, "JSON nested too deeply; line skipped"))
            continue
        if isinstance(item, dict):
            rows.append((lineno, adapt(item)))
        else:
            reason = f"{_json_kind(item)}, not a paper object; line skipped"
            result.issues.append(Issue(source, lineno, reason, line[:120]))
    if not rows:
        first = result.issues[0] if result.issues else Issue(source, None, "no JSON objects")
        raise IngestError(source, f"no readable JSON lines ({first.reason})", first.line)
    columns = match_columns(unique_keys(item for _, item in rows), source, [item for _, item in rows])
    for lineno, item in rows:
        _add(result, item, columns, lineno)
    return result.finish()


def read_parquet(data: bytes, source: str) -> ParseResult:
    """A Parquet table; each row is a paper, numbered from 1 in place of a line.

    A file's own metadata can say anything, so its size is measured as it is decoded: a row group at a time, in
    small batches, with text kept dictionary-encoded until the batch's decoded size is counted (a value repeated
    a million times is held once until then). Past MAX_RECORDS rows or MAX_DECODED_BYTES the file is refused.
    """
    try:
        rows, names = _parquet_rows(data, source)
    except IngestError:
        raise
    except MemoryError:
        raise IngestError(source, "Parquet data unpacks to more than the memory an upload may use") from None
    except (pa.ArrowException, OSError, ValueError, TypeError, IndexError, KeyError) as exc:
        detail = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise IngestError(source, f"not a readable Parquet file ({detail[:200]})") from None
    result = ParseResult(source=source)  # Parquet strings are UTF-8 by definition
    columns = match_columns(names, source, rows)
    for number, row in enumerate(rows, start=1):
        _add(result, row, columns, number, f"row {number}")
    return result.finish()


def _parquet_rows(data: bytes, source: str) -> tuple[list[dict], list[str]]:
    probe = pq.ParquetFile(io.BytesIO(data))
    meta = probe.metadata
    check_records(meta.num_rows, source)
    for i in range(meta.num_row_groups):  # what the file says first: refused before anything is decoded
        check_decoded(meta.row_group(i).total_byte_size, source)
    text = [c.path for c in probe.schema if c.physical_type == "BYTE_ARRAY"]
    reader = pq.ParquetFile(io.BytesIO(data), read_dictionary=text)
    names = unique_names(reader.schema_arrow.names)
    rows: list[dict] = []
    decoded = 0
    for group in range(meta.num_row_groups):
        for batch in reader.iter_batches(batch_size=PARQUET_BATCH, row_groups=[group], use_threads=False):
            decoded += sum(decoded_size(column) for column in batch.columns)
            check_decoded(decoded, source)
            check_records(len(rows) + batch.num_rows, source)
            rows.extend(batch.rename_columns(names).to_pylist())
    return rows, names


def decoded_size(array: pa.Array) -> int:
    """Bytes `array` takes once every value is spelled out: a dictionary's values counted once per use, lists and
    structures through their children (as much as the values would take in any reader's records)."""
    if isinstance(array, pa.ChunkedArray):
        return sum(decoded_size(chunk) for chunk in array.chunks)
    kind = array.type
    if pa.types.is_dictionary(kind):
        lengths = pc.binary_length(array.dictionary) if _is_text(kind.value_type) else None
        if lengths is None:
            return array.nbytes
        per_value = lengths.fill_null(0).to_numpy(zero_copy_only=False)
        indices = array.indices.fill_null(0).to_numpy(zero_copy_only=False)
        return int(per_value[indices].sum()) + 4 * len(array) if len(per_value) else 4 * len(array)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return 8 * len(array) + decoded_size(array.flatten())
    if pa.types.is_struct(kind):
        return sum(decoded_size(array.field(i)) for i in range(kind.num_fields))
    if pa.types.is_map(kind):
        return 8 * len(array) + decoded_size(array.keys) + decoded_size(array.items)
    return array.nbytes


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_binary(kind) or pa.types.is_large_string(kind)


def check_records(n: int, source: str) -> None:
    """Refuse a file past MAX_RECORDS papers (every reader: see lib.reading.formats.read_bytes)."""
    if n > MAX_RECORDS:
        raise IngestError(source, f"more than {MAX_RECORDS:,} records; split the file")


def check_decoded(size: int, source: str) -> None:
    """Refuse a file whose decoded text passes MAX_DECODED_BYTES (every reader: see read_bytes)."""
    if size > MAX_DECODED_BYTES:
        shown, limit = f"{size / 2**20:,.0f} MB", f"{MAX_DECODED_BYTES // 2**20:,} MB"
        raise IngestError(source, f"its data unpacks to {shown} or more, over the {limit} limit")


def unique_keys(items) -> list[str]:
    """Keys of all objects, in order of first appearance."""
    keys: dict[str, None] = {}
    for item in items:
        keys.update(dict.fromkeys(str(k) for k in item))
    return list(keys)


def _add(result: ParseResult, row: dict, columns: Columns, line: int, where: str = "") -> None:
    result.add(*build_record(row_fields(row, columns), result.source, line, where))


def _json_kind(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return "a literal" if value is not None else "null"
    kinds = {str: "a string", int: "a number", float: "a number", list: "a list", dict: "an object"}
    return kinds.get(type(value), "a value")
