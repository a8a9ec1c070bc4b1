"""LaTeX in text fields, decoded to plain text: accents and escapes in titles, abstracts and names, and the
escapes BibTeX writers put into DOIs and URLs (DBLP's `\\_`). Shared by every reader that meets TeX.
"""

from __future__ import annotations

import re

from pylatexenc.latex2text import LatexNodes2Text

# Math stays as written ("$x^2$"): it is meaningful to readers and has no plain-text form.
_LATEX = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)
# What makes text worth the decoder: a command, math, a tie, a dash ligature, TeX quotes.
_NEEDS_DECODER = re.compile(r"[\\$~]|--|``|''")
_LINK_ESCAPE = re.compile(r"\\([_%&#~$])|\{\\textunderscore\}|\\textunderscore\s?")


def latex_to_text(value: str) -> str:
    """Accents and escapes decoded ("Caf{\\'e}" -> "Café", "1--2" -> "1–2", "a~b" -> "a b"), protective
    braces dropped, math kept."""
    if not _NEEDS_DECODER.search(value):
        return value.replace("{", "").replace("}", "")
    try:
        return _LATEX.latex_to_text(value)
    except Exception:  # pylatexenc can fail on pathological input; the braced text still reads well
        return value.replace("{", "").replace("}", "")


def untex_link(value: str) -> str:
    """A DOI or URL as it is meant: TeX escapes ("10.1007/978-3\\_4") undone and braces dropped."""
    if "\\" not in value and "{" not in value:
        return value
    return _LINK_ESCAPE.sub(lambda m: m.group(1) or "_", value).replace("{", "").replace("}", "")
