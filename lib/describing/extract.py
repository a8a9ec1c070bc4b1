"""Fields read from a paper's own title and abstract: code link, arXiv id, datasets, paper type.

Pure text rules, no network and no models; dataset names are matched by lib.datasets. Every pattern
is written to be found by a fast literal scan or sits behind a cheap substring gate, so a million
papers take seconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from lib.core import schema
from lib.core.ids import find_arxiv_ids
from lib.describing.datasets import find_datasets

# ---------------------------------------------------------------- code links
# Hosts whose links are code or released artifacts wherever they appear.
_CODE_HOSTS = re.compile(
    r"(?:^|\.)(?:github\.com|gitlab\.com|bitbucket\.org|gitee\.com|codeberg\.org|git\.io"
    r"|github\.io|gitlab\.io|huggingface\.co|sites\.google\.com)$"
)
# Links to papers, never to the work's own code or page (huggingface.co/papers included).
_NOT_CODE = re.compile(
    r"^(?:[\w-]+\.)*(?:arxiv\.org|doi\.org|openreview\.net|aclanthology\.org)(?:/|$)"
    r"|^(?:www\.)?huggingface\.co/papers(?:/|$)"
)
# Any other host counts only when its sentence announces code or a project page there.
_RELEASE_CUE = re.compile(
    r"\b(?:codes?|implementations?|project|website|web ?page|home ?page|page|repo(?:sitory)?"
    r"|demo|library|package|toolkit|available|released?|open[- ]sourced?|models?|weights)\b",
    re.IGNORECASE,
)
# Where a link may start: a scheme, "www.", or a bare code host ("github.com/x/y").
_URL_ANCHOR = re.compile(r"https?://|www\.|github\.(?:com|io)|gitlab\.(?:com|io)|huggingface\.co/", re.IGNORECASE)
_URL_TAIL = re.compile(r"[^\s<>\"'`{}|\\^\[\]]*")
_URL_HEAD_STOP = " \t\n([{<\"'~:;,"
_TRAILING = ".,;:!?'\"*)]}>"


def find_code_url(text: str) -> str | None:
    """First link in the text to code or a project page, trailing punctuation removed.

    arXiv, DOI and other paper links are skipped; links on unknown hosts count only when
    their sentence talks about code, a project page, a release or availability.
    """
    if not text:
        return None
    low = text.lower()
    if "/" not in low and "www." not in low and "github." not in low:
        return None
    starts = [i for i in (low.find("://"), low.find("www."), low.find("github.")) if i >= 0]
    if not starts:
        return None
    # Start the (slower) anchor scan just before the first candidate, usually near the end.
    pos = max(0, min(starts) - len("https"))
    while (m := _URL_ANCHOR.search(text, pos)) is not None:
        start = m.start()
        if not m.group().lower().startswith(("http", "www.")):
            # A bare host may carry a subdomain ("velo-code.github.io"): walk back to its start.
            while start > 0 and text[start - 1] not in _URL_HEAD_STOP:
                start -= 1
        end = _URL_TAIL.match(text, m.end()).end()
        url = _clean_url(text[start:end])
        if _is_code_link(url, text[max(0, start - 120) : start]):
            return _absolute(url)
        pos = end
    return None


def _absolute(url: str) -> str:
    """A link a browser opens as written: a scheme-less one ("github.com/x/y") gets https://, which a page would
    otherwise take as relative to itself; the scheme in lower case ("HTTPS://")."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.lower()}://{rest}" if sep else f"https://{url}"


def _clean_url(raw: str) -> str:
    # Abstracts glue a link to the next one ("...Synthesis.https://github.com/...").
    glued = raw.lower().find("http", 1)
    url = (raw[:glued] if glued > 0 else raw).rstrip(_TRAILING)
    if raw[len(url) : len(url) + 1] == ")" and url.count("(") > url.count(")"):
        url += ")"  # the ")" closes one opened inside the link itself
    return url


def _is_code_link(url: str, before: str) -> bool:
    bare = url.split("://", 1)[-1].lower()
    host = bare.split("/", 1)[0]
    if "." not in host or _NOT_CODE.search(bare):
        return False
    if _CODE_HOSTS.search(host):
        return True
    return _RELEASE_CUE.search(before.rsplit(". ", 1)[-1]) is not None


# ---------------------------------------------------------------- paper type
_METHOD, _SURVEY, _BENCHMARK = schema.PAPER_TYPES
# Title rules, on the lower-cased title: (trigger words, pattern). A pattern runs only when
# one of its words occurs in the title, since a substring test is far cheaper than the regex.
_TITLE_RULES: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (kind, words, re.compile(pattern))
    for kind, words, pattern in (
        (_SURVEY, ("survey",), r"\bsurvey\b(?!\s+(?:data|responses?|sampling))"),
        (_SURVEY, ("overview", "tutorial", "primer"), r"\b(?:overview|tutorial|primer)\b"),
        (_SURVEY, ("review",), r"\b(?:a|an|the)\s+(?:[\w-]+\s+){0,3}(?<!code )(?<!peer )review\b"
                               r"|\breview\s+(?:of|on)\b|:\s*review\b|\breview\s*$"),
        (_SURVEY, ("advance", "trends", "progress", "developments"),
         r"^(?:recent\s+)?(?:advances|advancements|trends|progress|developments)\s+in\b"),
        (_BENCHMARK, ("bench",), r"\bbenchmark(?:s|ing)?\b|[a-z0-9]bench\b"),
        (_BENCHMARK, ("dataset", "corpus"),
         r"\b(?:an?|the)\s+(?:[\w+.-]+\s+){0,4}(?:dataset|corpus)\b|\blargest\s+(?:\w+\s+)?dataset"),
        (_BENCHMARK, ("stud", "analysis", "evaluation", "investigation", "comparison"),
         r"\b(?:empirical|comparative|systematic|large[- ]scale|evaluation)"
         r"\s+(?:study|analysis|evaluation|investigation|comparison)\b"),
        (_BENCHMARK, ("evaluat", "assess", "revisit"),
         r"^(?:evaluating|re-?evaluating|re-?assessing|revisiting)\b"
         r"|(?::|--)\s*(?:evaluating|re-?evaluating|re-?assessing|assessing)\b"),
        (_BENCHMARK, ("challenge",), r"\bresults\s+of\s+the\s+.{0,60}challenge\b"),
    )
)  # fmt: skip
# Abstract rules read what the paper says it does: "we <verb> <object>" or "this paper
# <verb>s <object>", on lower-cased text. Starting at the literal subject lets the engine jump
# between its occurrences. Between verb and object only articles, adjectives, names and
# appositions may stand, never a preposition or relative pronoun, so "we propose X, which
# does well on three benchmarks" is not a benchmark claim.
_FILLER = (
    r"(?:(?!(?:on|in|for|that|which|with|to|by|using|across|over|from|of|than|via)\b)"
    r"[\w+()'-]++(?:\.[\w+()'-]+)*+,?\s+|[-\u2013\u2014]\s+)"
)
# "dataset" must end its noun phrase: "a new dataset, termed X" is one; "a dataset
# distillation method" and "dataset interfaces" are not.
_PHRASE_END = (
    r"(?=\s*(?:\([^)]*\)\s*)?(?:[,.;:\u2013\u2014-]|$|(?:of|for|that|which|with|to|called|named"
    r"|termed|dubbed|consisting|comprising|comprised|containing|covering|featuring|including"
    r"|and|from|spanning|built|collected|designed|generated|created|constructed|sourced"
    r"|gathered|curated|annotated|derived|tailored|where|in|on|is|are)\b))"
)
_METHOD_NOUN = (
    r"(?:method|approach|framework|algorithm|model|architecture|technique|strategy|setup|loss"
    r"|network|module|mechanism|scheme|pipeline|paradigm|procedure|objective)s?\b"
)
_CLAIM = (
    r"\s*(?P<adv>(?:first|here|hereby|also|further|then|now|additionally)\s+)?(?:"
    r"(?P<dataset>(?:introduce|present|propose|release|construct|build|collect|curate|create"
    rf"|contribute|develop)s?\s+{_FILLER}{{0,6}}?(?:dataset|benchmark|corpus|testbed"
    rf"|test\s+suite)s?{_PHRASE_END})"
    r"|(?P<study>(?:conduct|perform|present|carry\s+out|provide|undertake)s?\s+(?:an?|the\s+first)"
    r"\s+(?:(?:empirical|experimental|comparative|systematic|large-scale|benchmarking|extensive"
    r"|comprehensive|thorough|careful|rigorous|detailed)\s+)+"
    r"(?:study|evaluation|comparison|investigation|benchmark)\b)"
    r"|(?P<survey>(?:present|provide|offer|give)s?\s+an?\s+(?:[\w-]+\s+){0,4}?"
    r"(?:survey|review|overview)\s+of\b))"
)
# The literal space matters: "we " is a far rarer literal than "we" ("were", "between").
_CLAIMS = (re.compile("we " + _CLAIM), re.compile("paper " + _CLAIM))
# A proposed method is looked for only when it matters: when a survey, dataset or study claim
# has to be weighed against it.
_METHOD_CLAIMS = (
    re.compile(
        r"we\s+(?:\w+\s+)?(?:propose|introduce|present|develop|design|devise)s?\s+"
        rf"{_FILLER}{{0,8}}?{_METHOD_NOUN}"
    ),
    re.compile(rf"proposed(?<=the proposed|our proposed)\s+(?:[\w-]+\s+){{0,3}}?{_METHOD_NOUN}"),
)
# "this survey", "our tutorial": each noun is looked for with a substring test first, the
# cheapest scan there is, and only then checked for the words before it.
_SURVEY_WORDS = (
    ("survey", re.compile(r"survey\b(?:(?<=this survey)|(?<=our survey)|(?<=literature survey))")),
    ("review", re.compile(r"review\b(?:(?<=this review)|(?<=systematic literature review))")),
    ("tutorial", re.compile(r"tutorial\b(?:(?<=this tutorial)|(?<=our tutorial))")),
)
_SECONDARY = re.compile(r"\b(?:additionally|moreover|furthermore|in addition|besides|also)\b")


def classify_paper_type(title: str, abstract: str) -> str:
    """'survey', 'benchmark' or 'method': what the paper mainly contributes, judged from its text.

    The title decides when it names the kind (": A Survey", "A Benchmark for"); the abstract
    decides only through what the paper says it does ("this survey", "we introduce X, a new
    dataset"), never through a passing "we review", and a proposed method outweighs a survey
    or an evaluation.
    """
    return _paper_type(title or "", (abstract or "").lower())


def _paper_type(title: str, low: str) -> str:
    title = title.lower()
    for kind, words, pattern in _TITLE_RULES:  # survey rules first: they win over benchmark
        if _has_any(title, words) and pattern.search(title):
            return kind
    claims = _first_claims(low)
    survey_said = "survey" in claims or any(noun in low and pattern.search(low) for noun, pattern in _SURVEY_WORDS)
    if not claims and not survey_said:
        return _METHOD
    found = [m.start() for p in _METHOD_CLAIMS if (m := p.search(low))]
    method_at = min(found) if found else None
    if method_at is None and survey_said:
        return _SURVEY
    # Dataset papers often offer a baseline model too: the claim made first is the point.
    dataset_at = claims.get("dataset")
    if dataset_at is not None and (method_at is None or dataset_at <= method_at):
        return _BENCHMARK
    if method_at is None and "study" in claims:
        return _BENCHMARK
    return _METHOD


def _has_any(text: str, words: Sequence[str]) -> bool:
    for word in words:  # noqa: SIM110 (a plain loop: any() over a generator costs more than the tests)
        if word in text:
            return True
    return False


def _first_claims(low: str) -> dict[str, int]:
    """Kind of claim -> position of its first main statement in the abstract."""
    first: dict[str, int] = {}
    for pattern in _CLAIMS:
        for m in pattern.finditer(low):
            kind, at = m.lastgroup, m.start()
            if kind in ("dataset", "study") and _is_side_remark(low, m):
                continue
            if at < first.get(kind, len(low)):
                first[kind] = at
    return first


def _is_side_remark(low: str, m: re.Match[str]) -> bool:
    # "Additionally, we contribute two datasets" is a side contribution, not the paper's point.
    if m.group("adv") and m.group("adv").split()[0] in ("also", "further", "additionally"):
        return True
    return _SECONDARY.search(low, low.rfind(". ", 0, m.start()) + 1, m.start()) is not None


# ---------------------------------------------------------------- the table
def extract_fields(titles: Sequence[str], abstracts: Sequence[str]) -> pd.DataFrame:
    """One row of facets per paper, in input order: code_url, arxiv_id, datasets, paper_type.

    Missing titles or abstracts (None, NaN) count as empty text.
    """
    if len(titles) != len(abstracts):
        raise ValueError(f"{len(titles)} titles but {len(abstracts)} abstracts")
    code, ids, datasets, types = [], [], [], []
    for title, abstract in zip(titles, abstracts, strict=True):
        title = title if isinstance(title, str) else ""
        abstract = abstract if isinstance(abstract, str) else ""
        text = f"{title}\n{abstract}"
        code.append(find_code_url(text))
        found = find_arxiv_ids(text)
        ids.append(found[0] if found else None)
        datasets.append(find_datasets(text))
        types.append(_paper_type(title, abstract.lower()))
    return pd.DataFrame(
        {
            schema.CODE_URL: pd.Series(code, dtype=object),
            schema.ARXIV_ID: pd.Series(ids, dtype=object),
            schema.DATASETS: pd.Series(datasets, dtype=object),
            schema.PAPER_TYPE: pd.Series(types, dtype=object),
        }
    )
