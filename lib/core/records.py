"""What every reader produces: one Record per paper entry of an input, an Issue for each line or value it
could not use, and the ParseResult holding both. Also how input bytes become text, which all text formats
share. Knows no format's grammar.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from lib.core.errors import IngestError

# How a listing page used each non-blank line. Each non-blank line gets exactly one kind.
TITLE = "title"
ABSTRACT = "abstract"
BOILERPLATE = "boilerplate"
DATE = "date"
UNRECOGNISED = "unrecognised"
LINE_KINDS = (TITLE, ABSTRACT, BOILERPLATE, DATE, UNRECOGNISED)


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
    venue: str | None = None  # the journal, proceedings or conference, as the input names it; "arXiv" for preprints


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

    def finish(self) -> ParseResult:
        """Note a result without papers, so a reader of the report sees why nothing was added."""
        if not self.records:
            self.issues.append(Issue(self.source, None, "no papers found"))
        return self

    def unrecognised(self) -> list[Issue]:
        return [i for i in self.issues if i.line and self.kinds.get(i.line) == UNRECOGNISED]


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Text and encoding name of `data`. UTF-8 (with or without BOM) and UTF-16 (with a BOM, or without one when
    every other byte of the start is NUL, as ASCII text in UTF-16 is) are taken as they are; other 8-bit text is
    read as cp1252. Binary content raises IngestError."""
    utf16 = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else bomless_utf16(data[:512])
    if utf16:
        try:
            return data.decode(utf16), "utf-16"
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
    # Control characters, not merely unprintable ones: cp1252's no-break space is text.
    if sum(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text) > len(text) // 100:
        raise IngestError(source, "binary content, not listing text")
    return text, "cp1252"


def bomless_utf16(head: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when the NUL bytes of `head` (at least 16 bytes) all sit at odd or all at even
    places, and fill nearly every such place: ASCII text in UTF-16 without a byte-order mark."""
    if len(head) < 16 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    for zeros, other, name in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) >= 0.9 * len(zeros) and other.count(0) == 0:
            return name
    return None


# Invisible characters that change how text around them reads: the bidirectional embeddings, overrides and
# isolates (a right-to-left override makes "gpj.exe" show as "exe.jpg"), zero-width space and a stray byte-order
# mark. Joiners (U+200C, U+200D) stay: Persian and Indic scripts and emoji need them.
_HIDDEN = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x200E, 0x200F, 0xFEFF])


def clean_line(raw: str) -> str:
    """Fold tabs and runs of white space, trim, drop invisible direction and width controls, and compose Unicode
    (NFC) so equal text compares equal."""
    return unicodedata.normalize("NFC", " ".join(raw.translate(_HIDDEN).split()))  # split() beats a regex


# Inline markup that OpenAlex, Crossref and publishers' exports leave in titles: italics, small caps, super- and
# subscripts, MathML. Only these names are taken for tags, so "a <b" or "<T>" in a title stay as written.
_MARKUP = re.compile(
    r"</?(?:i|b|em|strong|u|sup|sub|inf|scp|sc|span|tt|small|br|p|mml:[a-z]+|math)(?:\s[^<>]*)?/?>", re.IGNORECASE
)


def strip_markup(text: str) -> str:
    """Text without inline HTML/MathML tags and with HTML entities ("&amp;", "&#x0027;") decoded."""
    if "<" in text:
        text = _MARKUP.sub("", text)
    if "&" in text and ";" in text:
        text = html.unescape(text)
    return text
