"""The Markdown reading list: a numbered list of the papers given, in their order, with a link, the themes by
name, the topic and the abstract's first sentence. Paper text shows as written: only the characters that
Markdown would act on are escaped, so the file also reads well as plain text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

import pandas as pd

from lib.core import schema as S
from lib.explore.export_rows import records, web_link

MAX_SENTENCE = 300
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
# What Markdown (CommonMark, GitHub's, with math) acts on inside a line: emphasis, code, links, HTML, entities,
# tables, strikethrough and math. Punctuation like ":" or "-" inside a line is left alone.
_ACTIVE = re.compile(r"([\\`*_\[\]<>|~$&])")


def text(value: str) -> str:
    """`value` on one line, with the characters Markdown would act on escaped."""
    return _ACTIVE.sub(r"\\\1", " ".join(str(value).split()))


def to_markdown(
    papers: pd.DataFrame, *, title: str = "Reading list", theme_names: Mapping[str, str] | None = None
) -> bytes:
    """A numbered reading list; every piece of paper text shows as written."""
    rows = records(papers)
    items = []
    for i, row in enumerate(rows, 1):
        marker = f"{i}. "
        # Sub-items must start at the item's content column, which moves right from item 10 on.
        indent = " " * len(marker)
        items.append(f"{marker}**{text(row[S.TITLE] or '')}**")
        items += [f"{indent}- {detail}" for detail in _markdown_details(row, theme_names or {})]
    head = [f"# {text(title)}", "", f"{len(rows):,} paper{'' if len(rows) == 1 else 's'}"]
    return ("\n".join(head + ([""] + items if items else [])) + "\n").encode("utf-8")


def _markdown_details(row: dict, theme_names: Mapping[str, str]) -> list[str]:
    details = []
    if link := web_link(row):
        details.append(f"[{text(link[0])}]({quote(link[1], safe=':/?#[]@!$&*+,;=%~')})")
    if row[S.THEMES]:
        details.append("Themes: " + text(", ".join(theme_names.get(t, t) for t in row[S.THEMES])))
    if row[S.CLUSTER_LABEL]:
        details.append("Topic: " + text(str(row[S.CLUSTER_LABEL])))
    if sentence := first_sentence(row[S.ABSTRACT] or ""):
        details.append(text(sentence))
    return details


def first_sentence(text: str) -> str:
    """The abstract's first sentence, cut at a word near MAX_SENTENCE characters when it runs on."""
    sentence = _SENTENCE_END.split(" ".join(text.split()), maxsplit=1)[0]
    if len(sentence) <= MAX_SENTENCE:
        return sentence
    return sentence[:MAX_SENTENCE].rsplit(" ", 1)[0] + " …"
