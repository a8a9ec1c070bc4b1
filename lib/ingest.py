"""Parse Hugging Face Papers listing text into paper records, accounting for every input line.

Owns reading bytes into text and the listing grammar; knows nothing of paths beyond the one it is given,
and never deduplicates or tags.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# How every non-blank line was used. Each non-blank line gets exactly one kind.
TITLE = "title"
ABSTRACT = "abstract"
BOILERPLATE = "boilerplate"
DATE = "date"
UNRECOGNISED = "unrecognised"
LINE_KINDS = (TITLE, ABSTRACT, BOILERPLATE, DATE, UNRECOGNISED)

# Page furniture of a Hugging Face Papers page, compared after whitespace folding and casefolding.
BOILERPLATE_LINES = (
    "new",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "subscribe",
    "byak and the research community",
)
# Furniture that a copy can glue to the first title, as in "SubscribeDeepZero: ...".
_GLUED_PREFIX = re.compile(r"^(Subscribe)(?=[A-Z0-9\"'(\[])")

_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_DATE = re.compile(
    r"^(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(?P<day>\d{1,2})"
    r"(?:,?\s+(?P<year>(?:19|20)\d\d))?$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?][\"')\]]?\s+[A-Z(]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# A title is a short line; an abstract is prose. Seed titles run to 176 characters and abstracts start
# at 473, so these bounds leave a wide margin on both sides.
MAX_TITLE_CHARS = 300
MIN_ABSTRACT_CHARS = 200


class IngestError(ValueError):
    """Input that cannot be read at all. The message names the file and, where known, the line."""

    def __init__(self, source: str, message: str, line: int | None = None):
        self.source, self.line, self.reason = source, line, message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Record:
    """One paper entry as it appears in one input: a listing page, or a row of a structured file.

    Listing pages fill only the first five fields; structured formats fill what they carry.
    """

    title: str
    abstract: str
    source: str
    line: int  # line of the title (listing pages) or of the record (structured files); 0 when unknown
    listing_date: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None  # "YYYY-MM" or "YYYY"
    url: str | None = None
    arxiv_id: str | None = None  # normalised, no version
    doi: str | None = None  # lower-cased, no "https://doi.org/" prefix
    extra: tuple[tuple[str, str], ...] = ()  # columns the format has that the schema does not, kept as text


@dataclass(frozen=True)
class Issue:
    """A line or file the parser could not use fully, with where and why."""

    source: str
    line: int | None
    reason: str
    text: str = ""

    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass
class ParseResult:
    source: str
    records: list[Record] = field(default_factory=list)
    kinds: dict[int, str] = field(default_factory=dict)  # line number -> kind, non-blank lines only
    issues: list[Issue] = field(default_factory=list)
    n_lines: int = 0
    encoding: str = "utf-8"
    page_date: str | None = None

    def counts(self) -> dict[str, int]:
        """Number of non-blank lines of each kind."""
        tally = Counter(self.kinds.values())
        return {kind: tally.get(kind, 0) for kind in LINE_KINDS}

    def add(self, record: Record | None, issues: list[Issue]) -> None:
        """Take one record a reader produced (None when it was unusable) and the problems it met."""
        self.issues.extend(issues)
        if record is not None:
            self.records.append(record)

    def finish(self) -> "ParseResult":
        """Note a result without papers, so a reader of the report sees why nothing was added."""
        if not self.records:
            self.issues.append(Issue(self.source, None, "no papers found"))
        return self

    def unrecognised(self) -> list[Issue]:
        return [i for i in self.issues if i.line and self.kinds.get(i.line) == UNRECOGNISED]


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Text and encoding name of `data`. UTF-8 (with or without BOM) and UTF-16 with a BOM are taken
    as they are; other 8-bit text is read as cp1252. Binary content raises IngestError."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise IngestError(source, f"invalid UTF-16 text at byte {exc.start}") from None
    if b"\x00" in data[:65536]:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise IngestError(source, "binary content (NUL byte), not listing text", line)
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        line = data[:bad].count(b"\n") + 1
        raise IngestError(source, f"not UTF-8 text (byte {bad})", line) from None
    if sum(not (c.isprintable() or c in "\t\r\n") for c in text) > len(text) // 100:
        raise IngestError(source, "binary content, not listing text")
    return text, "cp1252"


def clean_line(raw: str) -> str:
    """Fold tabs and runs of white space, trim, and compose Unicode (NFC) so equal text compares equal."""
    return unicodedata.normalize("NFC", " ".join(raw.split()))  # split() folds white space faster than a regex


def is_boilerplate(line: str) -> bool:
    return line.casefold() in BOILERPLATE_LINES


def parse_date(line: str) -> str | None:
    """'Mar 18' -> '03-18'; 'Mar 18, 2025' -> '2025-03-18'; anything else -> None."""
    m = _DATE.match(line)
    if not m:
        return None
    month, day = _MONTHS[m["mon"].lower()[:3]], int(m["day"])
    if not 1 <= day <= 31:
        return None
    stem = f"{month:02d}-{day:02d}"
    return f"{m['year']}-{stem}" if m["year"] else stem


def looks_like_abstract(line: str) -> bool:
    if len(line) > MAX_TITLE_CHARS:
        return True
    return len(line) >= MIN_ABSTRACT_CHARS and len(_SENTENCE_END.findall(line)) >= 1


def parse_listing_text(text: str, source: str) -> ParseResult:
    """Parse one page of listing text. Never raises on content: odd lines become issues."""
    result = ParseResult(source=source)
    lines = _LINE_BREAK.split(text.removeprefix("\ufeff"))
    result.n_lines = len(lines) - (1 if lines and lines[-1] == "" else 0)
    date: str | None = None
    pending: tuple[int, str] | None = None  # (line, title) waiting for its abstract

    def close_pending(reason: str) -> None:
        nonlocal pending
        if pending is not None:
            lineno, title = pending
            result.records.append(Record(title, "", source, lineno, date))
            result.issues.append(Issue(source, lineno, reason, title))
            pending = None

    for lineno, raw in enumerate(lines, start=1):
        line = clean_line(raw)
        if not line:
            continue
        if is_boilerplate(line):
            result.kinds[lineno] = BOILERPLATE
            continue
        glued = _GLUED_PREFIX.match(line)
        if glued and not looks_like_abstract(line):
            line = line[glued.end():]
        parsed_date = parse_date(line)
        if parsed_date:
            close_pending("title with no abstract")
            result.kinds[lineno] = DATE
            date = parsed_date
            result.page_date = result.page_date or parsed_date
        elif not looks_like_abstract(line):
            close_pending("title with no abstract")
            pending = (lineno, line)
            result.kinds[lineno] = TITLE
        elif pending is not None:
            title_line, title = pending
            result.records.append(Record(title, line, source, title_line, date))
            result.kinds[lineno] = ABSTRACT
            pending = None
        else:
            result.kinds[lineno] = UNRECOGNISED
            result.issues.append(Issue(source, lineno, "long text with no title line before it", line[:120]))
    close_pending("title with no abstract (last line of the page)")
    if not result.records:
        result.issues.append(Issue(source, None, "no papers found" if result.kinds else "empty file"))
    return result


def parse_listing_file(path: str | Path, *, source: str | None = None) -> ParseResult:
    """Read and parse one listing file; `source` (default: the file name) labels records and issues."""
    path = Path(path)
    source = source or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(source, f"cannot read file ({exc.strerror or exc})") from None
    text, encoding = decode(data, source)
    result = parse_listing_text(text, source)
    result.encoding = encoding
    if encoding != "utf-8":
        result.issues.insert(0, Issue(source, None, f"read as {encoding}, not UTF-8"))
    return result
