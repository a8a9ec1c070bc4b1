"""Making user text (titles, abstracts) safe to show in Markdown, and marking search matches in it.

Owns escaping only: a title such as `$x$`, `*a*`, `[a](b)`, `<script>` or `:red[x]` must come out as
those characters, never as math, emphasis, a link, HTML or a coloured directive.
"""

from __future__ import annotations

import re

from lib.explore.search import highlight_spans

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all is the
# only rule that stays safe as the renderer grows new syntax (directives, math, emoji shortcodes).
_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_NEWLINES = re.compile(r"\s*\n\s*")


def escape_markdown(text: str) -> str:
    """`text` as literal Markdown: punctuation escaped, line breaks folded to spaces."""
    return _PUNCT.sub(r"\\\1", _NEWLINES.sub(" ", text or ""))


def highlight_markdown(
    text: str, terms: tuple[str, ...], *, phrase: bool = False, style: str = "yellow-background"
) -> str:
    """Escaped Markdown of `text` with the search `terms` in bold on a colour, so they stand out at a glance
    (`phrase`: the terms of an exact search, lit where the search finds them; see highlight_spans)."""
    out = []
    for piece, hit in highlight_spans(text or "", terms, phrase=phrase):
        safe = escape_markdown(piece)
        out.append(f"**:{style}[{safe}]**" if hit and safe.strip() else safe)
    return "".join(out)


def plural(n: int, noun: str) -> str:
    """'1 paper', '2 papers', '1,234 papers'."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
