"""Author lists as the many exports write them, split into one name each.

Lists of names or of objects ({"name"}, {"display_name"}, {"author": {...}}, {"given", "family"}, arXiv's
[last, first, suffix]), and strings: "A; B", "Last, First; Last, First", "A, B, C and D", Scopus's
"Phillips J.C., Braun R.", Python-list text "['A', 'B']", and Springer's names run together ("Andy SmithTom
Weber"). "Last, First" alone stays one name.
"""

from __future__ import annotations

import ast
import re

from lib.core.records import clean_line
from lib.reading.formats.tex import latex_to_text

# Web of Science's Zoological Record and BIOSIS append the address: "Stillman, Andrew N. (a.s@uconn.edu)".
_EMAIL = re.compile(r"\s*\([^()]*@[^()]*\)\s*$")
_AND = re.compile(r"\s+(?:and|&)\s+", re.IGNORECASE)
_LIST_TEXT = re.compile(r"^\[\s*['\"].*['\"]\s*\]$", re.DOTALL)
# Springer writes "Andy SmithTom Weber": a surname glued to the next given name at a lower-to-upper turn.
_GLUED = re.compile(r"(?<=[a-z\u00df-\u00ff])(?=[A-Z\u00c0-\u00de](?:[a-z\u00df-\u00ff]|\.))")
# Surnames that turn to upper case inside themselves: "McDonald", "MacKay", "LeCun", "DeWitt", "VanDyke".
_PARTICLES = frozenset("Mc Mac Le La De Di Da Du Del Des Van Von Fitz".split())


def split_authors(value: object, *, glued: bool = False) -> tuple[str, ...]:
    """Author names from a list or a string (see the module's docstring). `glued`: names run together without
    a separator, as Springer's CSV writes them."""
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, (list, tuple)):
        names = [_one_name(v) for v in value]
    elif isinstance(value, str):
        names = split_author_text(value, glued=glued)
    else:
        names = []
    names = [_EMAIL.sub("", latex_to_text(x) if "\\" in x else x) for x in names]
    return tuple(n for n in map(clean_line, names) if n)


def _one_name(item: object) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, (list, tuple)):  # arXiv's authors_parsed: [last, first, suffix]
        parts = [str(p).strip() for p in item if p]
        return " ".join([*parts[1:2], *parts[:1], *parts[2:]])
    if isinstance(item, dict):
        inner = item.get("author")
        if isinstance(inner, dict):
            return _one_name(inner)
        for key in ("name", "display_name", "full_name", "fullName", "raw_author_name", "literal"):
            if isinstance(item.get(key), str):
                return item[key]
        given, family = item.get("given") or item.get("first") or "", item.get("family") or item.get("last") or ""
        return f"{given} {family}".strip()
    return ""


def split_author_text(text: str, *, glued: bool = False) -> list[str]:
    text = clean_line(text)
    if not text:
        return []
    if _LIST_TEXT.match(text):
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            parsed = None
        if isinstance(parsed, (list, tuple)):
            return [str(p) for p in parsed]
    if ";" in text:
        return [p.strip() for p in text.split(";")]
    if glued:
        return _unglue(text)
    if _AND.search(text):
        parts = _AND.split(text)
        # BibTeX-style "Last, First and Last, First": every part one inverted name.
        if all(p.count(",") == 1 for p in parts):
            return parts
        return [q for p in parts for q in p.split(",")]
    if "," in text:
        return _split_commas([p.strip() for p in text.split(",")])
    return [text]


def _split_commas(parts: list[str]) -> list[str]:
    if len(parts) == 2 and len(parts[0].split()) == 1:
        return [f"{parts[0]}, {parts[1]}"]  # "Last, First": one name
    if all(len(p.split()) == 1 for p in parts) and len(parts) % 2 == 0:
        return [f"{parts[i]}, {parts[i + 1]}" for i in range(0, len(parts), 2)]  # "Last, First, Last, First"
    return parts


def _unglue(text: str) -> list[str]:
    """Springer's names run together: a name ends where a word turns from lower to upper case ("SmithTom",
    "BakhtinV. A."), at the word's first turn that does not follow a surname particle ("McDonaldTom",
    "LeCunYoshua"), and never in a name's first word, which is a given name ("DeHao Chen", "WenGuang Chen")."""
    words = text.split()
    names, current = [], []
    for i, word in enumerate(words):
        cut = _name_end(word) if current and i < len(words) - 1 else None  # the last word ends the last name
        if cut is None:
            current.append(word)
            continue
        current.append(word[:cut])
        names.append(" ".join(current))
        current = [word[cut:]]
    names.append(" ".join(current))
    return names


def _name_end(word: str) -> int | None:
    turns = [m.start() for m in _GLUED.finditer(word)]
    # A word inside the list with a particle's turn only ("Yun-Fei DuJuan Chen") still holds the end of a name.
    return next((t for t in turns if word[:t] not in _PARTICLES), turns[0] if turns else None)
