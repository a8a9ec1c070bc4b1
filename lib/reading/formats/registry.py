"""Every input format, declared once: its name, what people call it, the file extensions that promise it,
and its reader. The build, the Data page, the file store and the docs all derive from INPUT_FORMATS, so a
new format is one reader module and one entry here. Which format a file is in is decided by its content
(lib.reading.formats.detect); the extension only breaks ties.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lib.core.records import ParseResult
from lib.reading.formats.atom import read_atom
from lib.reading.formats.bibtex import read_bibtex
from lib.reading.formats.listing import read_listing
from lib.reading.formats.medline import read_medline
from lib.reading.formats.refer import read_refer
from lib.reading.formats.ris import read_ris
from lib.reading.formats.tabular import read_delimited, read_json, read_jsonl, read_parquet
from lib.reading.formats.wos import read_wos


@dataclass(frozen=True)
class InputFormat:
    name: str
    label: str  # as a reader of the Data page knows it
    extensions: tuple[str, ...]  # lower case, without the dot; the first is the one files are stored under
    read: Callable[[str, str], ParseResult] | Callable[[bytes, str], ParseResult]  # (content, source name)
    binary: bool = False  # the reader takes the bytes (Parquet; XML declares its own encoding), not text


INPUT_FORMATS: tuple[InputFormat, ...] = (
    InputFormat("listing", "Hugging Face Papers page text", ("txt",), read_listing),
    InputFormat("csv", "CSV", ("csv",), lambda text, source: read_delimited(text, source, ",")),
    InputFormat("tsv", "TSV", ("tsv", "tab"), lambda text, source: read_delimited(text, source, "\t")),
    InputFormat("json", "JSON", ("json",), read_json),
    InputFormat("jsonl", "JSON lines", ("jsonl", "ndjson"), read_jsonl),
    InputFormat("parquet", "Parquet", ("parquet", "pq"), read_parquet, binary=True),
    InputFormat("bibtex", "BibTeX", ("bib", "bibtex"), read_bibtex),
    InputFormat("ris", "RIS", ("ris",), read_ris),
    InputFormat(
        "atom", "XML: arXiv Atom, EndNote, PubMed, MODS, Zotero RDF", ("xml", "atom", "rdf"), read_atom, binary=True
    ),
    InputFormat("wos", "Web of Science plain text", ("isi", "ciw"), read_wos),
    InputFormat("medline", "PubMed / MEDLINE", ("nbib", "medline"), read_medline),
    InputFormat("refer", "EndNote / Refer tagged", ("enw", "refer"), read_refer),
)
BY_NAME: dict[str, InputFormat] = {f.name: f for f in INPUT_FORMATS}
BY_EXTENSION: dict[str, InputFormat] = {ext: f for f in INPUT_FORMATS for ext in f.extensions}
# What a folder of inputs may hold, and what the Data page's file picker offers.
INPUT_SUFFIXES: tuple[str, ...] = tuple(f".{ext}" for ext in BY_EXTENSION)
