"""Well-known JSON shapes of paper lists, turned into flat objects whose keys lib.reading.formats.fields knows.

- the arXiv metadata snapshot (JSON lines with `id`, `authors`, `authors_parsed`, `versions`, `update_date`,
  `journal-ref`, `doi`): the id is the arXiv id, the first version's date the publication date;
- an object keyed by arXiv id ({"2401.00001": {"title": ...}, ...});
- nested objects (Hugging Face's daily papers {"paper": {"id", "title", ...}}, Semantic Scholar's
  `externalIds`, OpenAlex's `ids`): flattened to dotted keys ("paper.id", "externalIds.ArXiv");
- OpenAlex's `abstract_inverted_index`, rebuilt into the abstract's text;
- CSL JSON's and Crossref's dates ({"date-parts": [[2020, 5, 17]]}), as date text.
"""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime

from lib.core.dates import normalize_date
from lib.core.ids import normalize_arxiv_id
from lib.reading.formats.tex import latex_to_text

_MAX_NESTED_KEYS = 40  # a wider object is data (a histogram, a lookup table), not fields of one paper
_MAX_DEPTH = 3


def is_arxiv_keyed(doc: dict) -> bool:
    """An object whose keys are arXiv ids and whose values are objects: one paper per key."""
    keys = list(doc)[:50]
    return bool(keys) and all(isinstance(doc[k], dict) and normalize_arxiv_id(str(k)) for k in keys)


def arxiv_keyed_items(doc: dict) -> list[dict]:
    return [{**value, "arxiv_id": value.get("arxiv_id") or key} for key, value in doc.items()]


def adapt(item: dict) -> dict:
    """One paper object in a flat shape; a snapshot record also gets its dates and ids read."""
    if _is_snapshot(item):
        return _snapshot(item)
    return flatten(item)


def flatten(item: dict, prefix: str = "", depth: int = 0) -> dict:
    out: dict = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if key == "abstract_inverted_index" and isinstance(value, dict):
            out[f"{prefix}abstract"] = inverted_to_text(value)
        elif isinstance(value, dict) and ("date-parts" in value or "raw" in value):
            out[name] = date_parts(value)
        elif isinstance(value, dict) and depth < _MAX_DEPTH and 0 < len(value) <= _MAX_NESTED_KEYS:
            out.update(flatten(value, f"{name}.", depth + 1))
        else:
            out[name] = value
    return out


def date_parts(value: dict) -> str | None:
    """CSL JSON's and Crossref's date, {"date-parts": [[2020, 5, 17]]}, as "2020-05-17" (or its "raw" text)."""
    parts = value.get("date-parts")
    first = parts[0] if isinstance(parts, list) and parts and isinstance(parts[0], list) else []
    numbers = [int(p) for p in first[:3] if isinstance(p, int) or (isinstance(p, str) and p.isdigit())]
    if numbers:
        return "-".join([f"{numbers[0]:04d}", *(f"{n:02d}" for n in numbers[1:])])
    raw = value.get("raw") or value.get("literal")
    if not isinstance(raw, str):
        return None
    year = re.search(r"\b(1\d{3}|2\d{3})\b", raw)
    return raw if normalize_date(raw) or not year else year.group(1)  # "Spring 2019": the year


def inverted_to_text(index: dict) -> str:
    """OpenAlex stores an abstract as {word: [positions]}; the words back in their order."""
    at: dict[int, str] = {}
    for word, positions in index.items():
        for p in positions if isinstance(positions, list) else ():
            if isinstance(p, int):
                at[p] = str(word)
    return " ".join(at[p] for p in sorted(at))


def _is_snapshot(item: dict) -> bool:
    return isinstance(item.get("versions"), list) and "id" in item and ("authors_parsed" in item or "authors" in item)


def _snapshot(item: dict) -> dict:
    authors = item.get("authors_parsed") or item.get("authors")
    rest = {k: v for k, v in item.items() if k not in _SNAPSHOT_USED}
    return {
        "title": _tex(item.get("title")),
        "abstract": _tex(item.get("abstract")),
        "authors": authors,
        "arxiv_id": item.get("id"),
        "published": _first_version_date(item["versions"]) or item.get("update_date"),
        "doi": item.get("doi"),
        "journal-ref": item.get("journal-ref"),
        **rest,
    }


def _tex(value: object) -> object:
    return latex_to_text(value) if isinstance(value, str) else value


_SNAPSHOT_USED = {"title", "abstract", "authors", "authors_parsed", "id", "versions", "doi", "journal-ref"}


def _first_version_date(versions: list) -> str | None:
    # "Mon, 2 Apr 2007 19:18:42 GMT": an e-mail date, the form arXiv's OAI feed uses.
    created = [v.get("created") for v in versions if isinstance(v, dict) and v.get("created")]
    for text in created[:1]:
        try:
            return parsedate_to_datetime(text).date().isoformat()
        except (TypeError, ValueError, IndexError):
            return None
    return None
