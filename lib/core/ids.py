"""Paper identifiers: arXiv ids (recognised in any written form, validated and dated) and DOIs.

Owns the id grammars only; it never fetches anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Archives that issued old-style ids (archive/YYMMNNN, 1991-08 to 2007-03). stat and q-fin
# only ever used new-style ids, so "stat/0501001" is not a real id.
_OLD_ARCHIVES = (
    "acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn chem-ph cmp-lg "
    "comp-gas cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat hep-ph hep-th math math-ph "
    "mtrl-th nlin nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio quant-ph solv-int supr-con"
).split()
_ARCHIVE = "|".join(sorted(_OLD_ARCHIVES, key=len, reverse=True))

# The subject class in "math.AG/0601001" is a listing label, not part of the identifier:
# arXiv serves that paper as math/0601001, so it is dropped for identity.
_ID = (
    rf"(?P<new>(?P<nyymm>\d{{4}})\.(?P<nseq>\d{{4,5}}))"
    rf"|(?P<arch>{_ARCHIVE})(?:\.[a-z][a-z-]+)?/(?P<oyymm>\d{{4}})(?P<oseq>\d{{3}})"
)
_SINGLE = re.compile(
    r"\s*(?:arxiv\s*:\s*"
    r"|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/"
    r"|(?:https?://)?(?:dx\.)?(?:doi\.org/)?10\.48550/arxiv\.)?"
    rf"(?:{_ID})(?:v\d+)?(?:\.pdf)?/?\s*"
)

# In free text a bare "1506.02640" may be any decimal number, so a new-style id is only taken
# when arXiv context sits right before it: "arXiv:", "arXiv ", an arxiv.org path, an arXiv DOI
# ("arXiv.2502.12524") or an "abs/" path.
_NEW_IN_TEXT = re.compile(
    r"(?:arxiv(?:\.org/(?:abs|pdf|html)/|\s*:\s*|\s+|\.)|(?<![\w.-])abs/)"
    r"(\d{4}\.\d{4,5})(?:v\d+)?(?!\d)"
)
# Old-style ids carry their own context (a known archive name), so they are taken anywhere;
# the scan starts from the slash, which keeps it cheap on text without one.
_OLD_SLASH = re.compile(r"/(\d{7})(?:v\d+)?(?!\d)")
_OLD_BEFORE = re.compile(rf"(?<![\w-])({_ARCHIVE})(?:\.[a-z][a-z-]+)?$")


def normalize_arxiv_id(s: str) -> str | None:
    """Canonical id ("2502.12524", "hep-th/9901001") from an id, "arXiv:" form or URL; else None.

    The version suffix, any "arXiv:" prefix, URL, ".pdf" and the old-style subject class are
    dropped; ids that name an impossible month are rejected.
    """
    if not isinstance(s, str):
        return None
    m = _SINGLE.fullmatch(s.lower())
    if m is None:
        return None
    if m.group("new"):
        return m.group("new") if _valid_new(m.group("nyymm"), m.group("nseq")) else None
    yymm, seq = m.group("oyymm"), m.group("oseq")
    return f"{m.group('arch')}/{yymm}{seq}" if _valid_old(yymm, seq) else None


def arxiv_month(arxiv_id: str) -> str | None:
    """Month of first submission, "YYYY-MM", encoded in any form `normalize_arxiv_id` accepts."""
    canon = normalize_arxiv_id(arxiv_id)
    if canon is None:
        return None
    if "/" in canon:
        yymm = canon.split("/")[1][:4]
        return f"{_old_year(yymm)}-{yymm[2:]}"
    return f"20{canon[:2]}-{canon[2:4]}"


def arxiv_abs_url(arxiv_id: str) -> str:
    """Abstract page URL of an id given in any accepted form; ValueError if it is not an id."""
    canon = normalize_arxiv_id(arxiv_id)
    if canon is None:
        raise ValueError(f"not an arXiv id: {arxiv_id!r}")
    return f"https://arxiv.org/abs/{canon}"


def find_arxiv_ids(text: str) -> list[str]:
    """Canonical ids mentioned in free text, unique, in order of first appearance."""
    if not text:
        return []
    low = text.lower()
    found: list[tuple[int, str]] = []
    has_slash = "/" in low  # a one-character test is nearly free; it spares two scans
    if "arxiv" in low or (has_slash and "abs/" in low):
        for m in _NEW_IN_TEXT.finditer(low):
            yymm, seq = m.group(1).split(".")
            if _valid_new(yymm, seq):
                found.append((m.start(1), m.group(1)))
    for m in _OLD_SLASH.finditer(low) if has_slash else ():
        digits = m.group(1)
        before = _OLD_BEFORE.search(low, max(0, m.start() - 20), m.start())
        if before and _valid_old(digits[:4], digits[4:]):
            found.append((before.start(1), f"{before.group(1)}/{digits}"))
    found.sort()
    return list(dict.fromkeys(ident for _, ident in found))


def first_arxiv_id(texts: Iterable[object]) -> str | None:
    """The first arXiv id mentioned in any of `texts` (links, notes, identifiers), in their order; None when none
    is. Empty and missing values are passed over."""
    return next((i for text in texts if text for i in find_arxiv_ids(str(text))), None)


def _valid_new(yymm: str, seq: str) -> bool:
    # 4-digit sequence numbers ran 0704-1412, 5-digit ones from 1501 on.
    if not 1 <= int(yymm[2:]) <= 12 or int(seq) == 0:
        return False
    return "0704" <= yymm <= "1412" if len(seq) == 4 else yymm >= "1501"


def _valid_old(yymm: str, seq: str) -> bool:
    if not 1 <= int(yymm[2:]) <= 12 or int(seq) == 0:
        return False
    return (1991, 8) <= (_old_year(yymm), int(yymm[2:])) <= (2007, 3)


def _old_year(yymm: str) -> int:
    # Old-style ids began in 1991, so 91-99 are the 1990s and the rest the 2000s.
    yy = int(yymm[:2])
    return 1900 + yy if yy >= 91 else 2000 + yy


# --- DOIs -----------------------------------------------------------------------------------------

_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def bare_doi(text: str | None) -> str | None:
    """The DOI as written ("10.1234/AbC"), from a DOI, a "doi:" form or a doi.org URL; else None."""
    if not isinstance(text, str) or not text:
        return None
    doi = _DOI_PREFIX.sub("", text.strip())
    return doi if _DOI.fullmatch(doi) else None


def first_doi(text: str | None) -> str | None:
    """The first of several DOIs written in one field ("10.1/a 10.2/b", "10.1/a; 10.2/b"), normalised."""
    if not isinstance(text, str):
        return None
    return next((d for part in re.split(r"[\s;,]+", text) if (d := normalize_doi(part))), None)


def normalize_doi(text: str | None) -> str | None:
    """The DOI as an identity: bare and lower-cased, since DOIs ignore case; else None."""
    doi = bare_doi(text)
    return doi.lower() if doi else None
