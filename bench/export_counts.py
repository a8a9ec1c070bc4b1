"""The independent counts of bench/real_exports.py: what each export file carries, read with plain regexes,
csv and json, never with the app's readers, so that a reader which drops or mangles a field shows up as a gap."""

from __future__ import annotations

import csv
import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

_ARXIV = re.compile(r"(?:arxiv[:./ ]*(?:org/(?:abs|pdf)/)?|abs/)(\d{4}\.\d{4,5})", re.IGNORECASE)
_YEAR = re.compile(r"(1[89]\d\d|20\d\d)")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
csv.field_size_limit(1 << 30)


@dataclass
class Raw:
    """One record as counted in the file: its title and the fields it carries."""

    title: str
    year: str | None = None
    n_authors: int = 0
    doi: str | None = None
    arxiv: str | None = None


# --- independent counts ---------------------------------------------------------------------------


def sniff(text: str, name: str) -> str:
    head = text.lstrip("\ufeff \n")[:4000]
    first = head.splitlines()[0] if head else ""
    if head.startswith(("FN ", "PT ")):
        return "wos-plain"
    if re.match(r"PMID- ?\d", head):
        return "medline"
    if re.match(r"(?:<\?xml[^>]*>\s*)?<xml>\s*<records>", head):
        return "endnote-xml"
    if re.search(r"<Pubmed(?:Book)?Article(?:Set)?>", head):
        return "pubmed-xml"
    if re.search(r"<modsCollection\b|<mods\b", head):
        return "mods"
    if re.search(r"<rdf:RDF\b", head) and "zotero.org/namespaces" in head:
        return "zotero-rdf"
    if re.search(r"^\s*@\w+\s*[{(]", head, re.MULTILINE):
        return "bibtex"
    if re.search(r"^TY  - ", head, re.MULTILINE):
        return "ris"
    if head.startswith("{") and "\n{" in head:
        return "jsonl"
    if head.startswith(("{", "[")):
        return "json"
    if first.startswith("PT\t") or first.startswith("PT,"):
        return "wos-tab" if "\t" in first else "wos-csv"
    if "\t" in first:
        return "tsv"
    return "csv;" if first.count(";") > first.count(",") else "csv"  # semicolons: a European spreadsheet, rispy


def _authors_in(value: str, springer: bool = False) -> int:
    value = value.strip()
    if not value or value.lower() in ("[no author name available]", "nan"):
        return 0
    if value.startswith("["):
        return len(re.findall(r"'[^']+'|\"[^\"]+\"", value))
    if ";" in value:
        return len([p for p in value.split(";") if p.strip()])
    if springer:
        # "SmithTom", "LiHaibo", "BakhtinV.", not "McDonald" or "LeCun" (nor, wrongly, "DeHao" as a given name)
        turns = len(re.findall(r"[a-z\u00df-\u00ff][A-Z\u00c0-\u00de]", value))
        return turns + 1 - len(re.findall(r"(?<![A-Za-z])(?:Mc|Mac|Le|De|Di|Du|La|Van|Von)[A-Z]", value))
    parts = [p for p in re.split(r",|\band\b", value) if p.strip()]
    # "Last, First" alone is one name; "Last F., Next G." is several.
    if len(parts) == 2 and not re.search(r"\.,|\band\b", value):
        return 1
    return len(parts)


def _arxiv(text: str) -> str | None:
    m = _ARXIV.search(text or "")
    return m.group(1) if m else None


def count_endnote_xml(text: str) -> list[Raw]:
    def field(record: str, path: str) -> str:
        m = re.search(rf"<{path}>(.*?)</{path}>", record, re.DOTALL)
        return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip() if m else ""

    raws = []
    for record in re.findall(r"<record>(.*?)</record>", text, re.DOTALL):
        titles = re.search(r"<titles>(.*?)</titles>", record, re.DOTALL)
        title = field(titles.group(1), "title") if titles else ""
        if not title:
            continue
        year = _YEAR.search(field(record, "year"))
        doi = _DOI.search(field(record, "electronic-resource-num"))
        n = len(re.findall(r"<author>", record.split("</authors>")[0])) if "<authors>" in record else 0
        raws.append(Raw(title, year.group(1) if year else None, n, doi.group(0) if doi else None, _arxiv(record)))
    return raws


def count_pubmed_xml(text: str) -> list[Raw]:
    def tag(part: str, name: str) -> str:
        m = re.search(rf"<{name}(?: [^>]*)?>(.*?)</{name}>", part, re.DOTALL)
        return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip() if m else ""

    raws = []
    for item in re.findall(
        r"<(?:PubmedArticle|PubmedBookArticle)>(.*?)</(?:PubmedArticle|PubmedBookArticle)>", text, re.DOTALL
    ):
        title = tag(item, "ArticleTitle")
        if not title:
            continue
        year = _YEAR.search(tag(item, "PubDate"))
        doi = re.search(r'IdType="doi">([^<]+)<|EIdType="doi"[^>]*>([^<]+)<', item)
        lists = re.findall(r"<AuthorList(?: [^>]*)?>(.*?)</AuthorList>", item, re.DOTALL)
        n = sum(
            len(re.findall(r"<Author[ >]", a))
            for a, kind in zip(lists, re.findall(r"<AuthorList([^>]*)>", item))
            if "editors" not in kind
        )
        raws.append(
            Raw(
                title, year.group(1) if year else None, n, (doi.group(1) or doi.group(2)) if doi else None, _arxiv(item)
            )
        )
    return raws


def _strip(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment)).strip()


def count_mods(text: str) -> list[Raw]:
    raws = []
    for record in re.findall(r"<mods\b[^>]*>(.*?)</mods>", text, re.DOTALL):
        own = re.sub(r"<relatedItem\b.*?</relatedItem>", "", record, flags=re.DOTALL)
        info = re.search(r"<titleInfo>(.*?)</titleInfo>", own, re.DOTALL)
        title = _strip(re.sub(r"</title>\s*<subTitle>", ": ", info.group(1))) if info else ""
        if not title:
            continue
        names = re.findall(r"<name\b[^>]*>(.*?)</name>", own, re.DOTALL)
        n = sum(1 for name in names if not re.search(r">(?:editor|edt|translator|trl)<", name))
        year = _YEAR.search(" ".join(re.findall(r"<dateIssued[^>]*>(.*?)</dateIssued>", record)))
        doi = re.search(r'<identifier type="doi">([^<]+)<', record)
        raws.append(
            Raw(
                title,
                year.group(1) if year else None,
                n,
                doi.group(1) if doi else None,
                _arxiv(record),
            )
        )
    return raws


def count_zotero_rdf(text: str) -> list[Raw]:
    raws = []
    for tag, body in re.findall(r"<(bib:\w+|rdf:Description)\b[^>]*>(.*?)</\1>", text, re.DOTALL):
        if tag in ("bib:Journal", "bib:Memo", "bib:Series") or re.search(r"<z:itemType>(?:attachment|note)<", body):
            continue
        title = re.search(r"<dc:title>(.*?)</dc:title>", body, re.DOTALL)
        if not title:
            continue
        year = _YEAR.search(" ".join(re.findall(r"<dc:date>(.*?)</dc:date>", body)))
        doi = _DOI.search(" ".join(re.findall(r"<dc:identifier>DOI ([^<]+)<", body)))
        n = len(re.findall(r"<foaf:Person>", body))
        raws.append(
            Raw(_strip(title.group(1)), year.group(1) if year else None, n, doi.group(0) if doi else None, _arxiv(body))
        )
    return raws


def count_bibtex(text: str) -> list[Raw]:
    out = []
    for m in re.finditer(r"^[ \t]*@(\w+)\s*[{(]", text, re.MULTILINE):
        if m.group(1).lower() in ("comment", "string", "preamble"):
            continue
        body = text[m.end() : _entry_end(text, m.end())]
        fields = {
            k.lower(): v
            for k, v in re.findall(r"([\w-]+)\s*=\s*(\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}|\"[^\"]*\"|\d+)", body)
        }
        strip = lambda v: re.sub(r"\s+", " ", v.strip('{}"').replace("{", "").replace("}", ""))  # noqa: E731
        title = strip(fields.get("title", ""))
        if not title:
            continue
        year = _YEAR.search(fields.get("year", "") or fields.get("date", ""))
        author = strip(fields.get("author", ""))
        doi = _DOI.search(strip(fields.get("doi", "")).replace("\\_", "_"))
        eprint = fields.get("eprint", "")
        arxiv = _arxiv("arxiv:" + strip(eprint)) if eprint else _arxiv(body)
        n = len([a for a in re.split(r"\s+and\s+", author) if a.strip()]) if author else 0
        out.append(Raw(title, year.group(1) if year else None, n, doi.group(0) if doi else None, arxiv))
    return out


def _entry_end(text: str, start: int) -> int:
    depth = 1
    for i in range(start, min(len(text), start + 200_000)):
        c = text[i]
        depth += (c == "{") - (c == "}")
        if depth == 0:
            return i
    return len(text)


def count_tagged(
    text: str, start: str, tag_re: str, title_tags, author_tags, year_tags, doi_tags, list_tags: bool = True
) -> list[Raw]:
    out, current, last = [], None, None
    for line in text.splitlines():
        m = re.match(tag_re, line)
        if m:
            last = m.group(1)
            if last == start:
                current = defaultdict(list)
                out.append(current)
            if current is not None:
                current[last].append(m.group(2).strip())
        elif current is not None and last and line.startswith("   ") and line.strip():
            if last in author_tags and list_tags:
                current[last].append(line.strip())
            elif current[last]:
                current[last][-1] += " " + line.strip()
    raws = []
    for rec in out:
        title = next((rec[t][0] for t in title_tags if rec.get(t)), "")
        if not title:
            continue
        years = [y for t in year_tags for v in rec.get(t, []) if (y := _YEAR.search(v))]
        n = max((len(rec[t]) for t in author_tags if rec.get(t)), default=0)
        doi = next((d.group(0) for t in doi_tags for v in rec.get(t, []) if (d := _DOI.search(v))), None)
        arxiv = next((a for vs in rec.values() for v in vs if (a := _arxiv(v))), None)
        raws.append(Raw(title, years[0].group(1) if years else None, n, doi, arxiv))
    return raws


_TABLE = {
    "title": ("title", "document title", "item title", "ti", "article title", "paper_title", "name"),
    "year": (
        "year",
        "publication year",
        "py",
        "published",
        "date",
        "publishedat",
        "publication_date",
        "issued.date-parts",
        "issued.raw",
    ),  # fmt: skip  (CSL JSON)
    "authors": ("authors", "author", "au", "author names", "author_names"),
    "doi": ("doi", "item doi", "di"),
}


def count_table(rows: list[dict], springer: bool = False) -> list[Raw]:
    out = []
    for row in rows:
        low = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
        pick = lambda f, low=low: next((str(low[k]) for k in _TABLE[f] if low.get(k) not in (None, "")), "")  # noqa: E731
        title = pick("title")
        if not title:
            continue
        year = _YEAR.search(pick("year"))
        doi = _DOI.search(pick("doi"))
        arxiv = _arxiv(" ".join(str(v) for v in row.values() if isinstance(v, str)))
        authors = low.get("authors_parsed")
        n = len(authors) if isinstance(authors, list) else _authors_in(pick("authors"), springer)
        listed = next((low[k] for k in ("authors", "authorships", "author") if isinstance(low.get(k), list)), None)
        if listed is not None:
            n = len(listed)
        out.append(Raw(title, year.group(1) if year else None, n, doi.group(0) if doi else None, arxiv))
    return out


_HEADER_WORDS = {name for names in _TABLE.values() for name in names} | {"abstract", "summary", "url", "link", "id"}
_CELL = {
    "arxiv": re.compile(r"(?:https?://arxiv\.org/(?:abs|pdf)/)?(\d{4}\.\d{4,5})(?:v\d+)?"),
    "doi": re.compile(r"(?:https?://doi\.org/)?(10\.\d{4,9}/\S+)"),
    "year": re.compile(r"(1[89]\d\d|20\d\d)(?:-\d\d(?:-\d\d)?)?"),
    "authors": re.compile(r"[A-Z][^\d;,]*(?:[;,] *[A-Z][^\d;,]*)+|[A-Z][a-z]+ (?:[A-Z]\.)+"),
}


def headerless_roles(rows: list[list[str]]) -> dict[str, int] | None:
    """Which column of a table without a header row holds what, by the share of cells fitting a plain regex;
    None when the first row is a header, or no title column shows beside an id, DOI, year or abstract column."""
    if not rows or {c.strip().lower() for c in rows[0]} & _HEADER_WORDS:
        return None
    width = len(rows[0])
    sample = [r for r in rows[:200] if len(r) == width]
    roles: dict[str, int] = {}
    for i in range(width):
        cells = [r[i].strip() for r in sample if r[i].strip()]
        for role, pattern in _CELL.items():
            if role not in roles and cells and sum(bool(pattern.fullmatch(c)) for c in cells) >= 0.6 * len(cells):
                roles[role] = i
                break
    texts = [
        (sum(len(r[i]) for r in sample) / len(sample), i)
        for i in range(width)
        if i not in roles.values() and all(" " in r[i] for r in sample)
    ]
    titles = [i for mean, i in sorted(texts) if mean < 250]
    prose = any(mean >= 250 for mean, _ in texts)  # an abstract column
    if not titles or not (prose or roles.keys() & {"arxiv", "doi", "year"}):
        return None
    return roles | {"title": titles[-1]}


def count_headerless(rows: list[list[str]], roles: dict[str, int]) -> list[Raw]:
    out = []
    for row in rows:
        if len(row) <= max(roles.values()):
            continue
        cell = lambda role, row=row: row[roles[role]].strip() if role in roles else ""  # noqa: E731
        year, doi, arxiv = (m and m.group(1) for m in (_CELL[r].fullmatch(cell(r)) for r in ("year", "doi", "arxiv")))
        out.append(Raw(cell("title"), year, _authors_in(cell("authors")), doi, arxiv))
    return out


def count_snapshot(items: list[dict]) -> list[Raw]:
    out = []
    for item in items:
        first = (item.get("versions") or [{}])[0].get("created", "")
        year = _YEAR.search(first) or _YEAR.search(item.get("update_date") or "")
        arxiv = item.get("id")
        doi = _DOI.search(item.get("doi") or "")
        out.append(
            Raw(
                item.get("title", ""),
                year.group(1) if year else None,
                len(item.get("authors_parsed") or []),
                doi.group(0) if doi else None,
                arxiv,
            )
        )
    return out


def count_file(path: Path) -> tuple[str, list[Raw]]:
    text = path.read_bytes().decode("utf-8", errors="replace").lstrip("\ufeff")
    fmt = sniff(text, path.name)
    if fmt == "bibtex":
        return fmt, count_bibtex(text)
    if fmt == "ris":
        return fmt, count_tagged(
            text, "TY", r"^([A-Z][A-Z0-9])  - ?(.*)$", ("TI", "T1"), ("AU", "A1"), ("PY", "Y1", "DA"), ("DO",)
        )
    if fmt == "wos-plain":
        return fmt, count_tagged(text, "PT", r"^([A-Z][A-Z0-9]) (.*)$", ("TI",), ("AF", "AU"), ("PY",), ("DI",))
    if fmt == "endnote-xml":
        return fmt, count_endnote_xml(text)
    if fmt == "pubmed-xml":
        return fmt, count_pubmed_xml(text)
    if fmt == "mods":
        return fmt, count_mods(text)
    if fmt == "zotero-rdf":
        return fmt, count_zotero_rdf(text)
    if fmt == "medline":  # one author a line, so a wrapped line (six spaces in) continues the one above
        tags = (("TI", "BTI"), ("FAU", "AU"), ("DP", "DEP"), ("LID", "AID"))
        return fmt, count_tagged(text, "PMID", r"^([A-Z][A-Z0-9]{1,3}) *- ?(.*)$", *tags, list_tags=False)
    if fmt in ("jsonl", "json"):
        items = [json.loads(ln) for ln in text.splitlines() if ln.strip()] if fmt == "jsonl" else json.loads(text)
        if isinstance(items, dict):
            lists = [v for v in items.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
            items = lists[0] if lists else [dict(v, id=k) for k, v in items.items() if isinstance(v, dict)]
        items = [_flat(i) for i in items if isinstance(i, dict)]
        if items and "versions" in items[0]:
            return "arxiv-snapshot", count_snapshot(items)
        return fmt, count_table(items)
    delimiter = "\t" if fmt in ("wos-tab", "tsv") else ";" if fmt == "csv;" else ","
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    plain = list(csv.reader(text.splitlines(), delimiter=delimiter, quoting=quoting))
    roles = headerless_roles(plain) if fmt in ("tsv", "csv", "csv;") else None
    if roles:
        return f"{fmt}-headerless", count_headerless(plain, roles)
    rows = list(csv.DictReader(text.splitlines(), delimiter=delimiter, quoting=quoting))
    springer = bool(rows) and "Item Title" in rows[0]
    return ("springer-csv" if springer else fmt), count_table(rows, springer)


def _flat(item: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in item.items():
        if isinstance(v, dict) and k != "versions":
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
        if prefix and f"{k}" not in out:
            out.setdefault(k, v)
    return out
