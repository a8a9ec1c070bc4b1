"""Facets read from a paper's own title and abstract: code link, arXiv id, datasets, paper type.

Pure text rules, no network and no models. Every pattern is written to be found by a fast
literal scan or sits behind a cheap substring gate, so a million papers take seconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from lib import schema
from lib.arxiv import find_arxiv_ids

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
_URL_ANCHOR = re.compile(r"https?://|www\.|github\.(?:com|io)|gitlab\.(?:com|io)|huggingface\.co/")
_URL_TAIL = re.compile(r"[^\s<>\"'`{}|\\^\[\]]*")
_URL_HEAD_STOP = " \t\n([{<\"'~:;,"
_TRAILING = ".,;:!?'\"*)]}>"


def find_code_url(text: str) -> str | None:
    """First link in the text to code or a project page, trailing punctuation removed.

    arXiv, DOI and other paper links are skipped; links on unknown hosts count only when
    their sentence talks about code, a project page, a release or availability.
    """
    if not text or ("/" not in text and "www." not in text and "github." not in text):
        return None
    starts = [i for i in (text.find("://"), text.find("www."), text.find("github.")) if i >= 0]
    if not starts:
        return None
    # Start the (slower) anchor scan just before the first candidate, usually near the end.
    pos = max(0, min(starts) - len("https"))
    while (m := _URL_ANCHOR.search(text, pos)) is not None:
        start = m.start()
        if not m.group().startswith(("http", "www.")):
            # A bare host may carry a subdomain ("velo-code.github.io"): walk back to its start.
            while start > 0 and text[start - 1] not in _URL_HEAD_STOP:
                start -= 1
        end = _URL_TAIL.match(text, m.end()).end()
        url = _clean_url(text[start:end])
        if _is_code_link(url, text[max(0, start - 120) : start]):
            return url
        pos = end
    return None


def _clean_url(raw: str) -> str:
    # Abstracts glue a link to the next one ("...Synthesis.https://github.com/...").
    glued = raw.find("http", 1)
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


# ---------------------------------------------------------------- datasets
# (canonical name, pattern), in display order; several rows may share a name, and "CIFAR"
# splits by number. Capitals a pattern spells out must be written so (case-insensitive parts
# are marked (?i:...)), which keeps everyday words out: "glue", "places", "kinetics", "coco".
# Every pattern starts with plain text holding at least one capital; see _anchor.
DATASET_ROWS: tuple[tuple[str, str], ...] = (  # fmt: skip
    # image classification
    ("MNIST", r"M(?i:nist)(?![A-Za-z])"), ("Fashion-MNIST", r"F(?i:ashion)[-\s]?(?i:mnist)"),
    ("SVHN", r"SVHN"),
    ("CIFAR", r"C(?i:ifar)[-\s~]?(?:100|10)(?!\d)(?:\s*/\s*(?:C(?i:ifar)[-\s~]?|-)?(?:100|10)(?!\d))?"),
    ("STL-10", r"STL[-\s]?10(?!\d)"),
    ("Tiny ImageNet", r"TinyI(?i:magenet)"), ("Tiny ImageNet", r"Tiny-I(?i:magenet)"),
    ("Tiny ImageNet", r"Tiny I(?i:magenet)"),
    ("miniImageNet", r"miniI(?i:magenet)"), ("miniImageNet", r"mini-I(?i:magenet)"),
    ("miniImageNet", r"Mini[-\s]?I(?i:magenet)"),
    ("ImageNet", r"I(?i:magenet)"), ("ImageNet", r"ILSVRC"),
    ("Omniglot", r"Omniglot"), ("Places365", r"Places[-\s]?(?:365|205|2)(?!\d)"),
    ("CUB-200", r"CUB(?:[-\s]?200(?:[-\s]?2011)?)?(?![A-Za-z])"),
    ("CUB-200", r"Caltech[-\s]?UCSD\s+Birds"),
    ("Caltech-101", r"Caltech[-\s]?101(?!\d)"), ("Caltech-256", r"Caltech[-\s]?256(?!\d)"),
    ("Food-101", r"Food[-\s]?101(?!\d)"),
    ("Flowers-102", r"Flowers?[-\s]?102(?!\d)"), ("Flowers-102", r"Oxford[-\s]?(?:102[-\s]?)?Flowers"),
    ("Oxford-IIIT Pets", r"Oxford[-\s]?(?:IIIT[-\s]?)?Pets?(?![a-z])"),
    ("iNaturalist", r"iNaturalist"), ("DomainNet", r"DomainNet"),
    ("JFT", r"JFT(?:[-\s]?\d+[MB])?(?![A-Za-z])"),
    # detection, segmentation, driving, depth, 3D
    ("Pascal VOC", r"P(?i:ascal)[-\s~]?(?i:voc)"), ("Pascal VOC", r"PASCAL(?![-\s]?Context)(?![A-Za-z])"),
    ("Pascal VOC", r"VOC(?:[-\s~]?20(?:07|12))?(?![A-Za-z])"),
    ("COCO", r"COCO(?:val)?(?![a-z])"), ("COCO", r"M(?i:s)[-\s~]?C(?i:oco)(?![a-z])"),
    ("LVIS", r"LVIS"), ("Objects365", r"Objects[-\s]?365"), ("Open Images", r"Open[-\s]?Images"),
    ("Cityscapes", r"C(?i:ityscapes)"), ("ADE20K", r"ADE[-\s]?20[kK]"), ("CamVid", r"CamVid"),
    ("KITTI", r"KITTI"), ("nuScenes", r"nuScenes"), ("nuScenes", r"NuScenes"),
    ("Waymo Open", r"Waymo\s+Open"),
    ("NYU Depth V2", r"NYU(?:[-\s]?(?i:depth)(?:[-\s]?[vV]2)?|D(?:[-\s]?[vV]2)?|[-\s]?[vV]2)(?![A-Za-z])"),
    ("ScanNet", r"ScanNet"), ("ShapeNet", r"ShapeNet(?!s)"), ("ModelNet", r"ModelNet"),
    ("ScanObjectNN", r"ScanObjectNN"),
    # faces and generation, video, audio
    ("CelebA", r"CelebA(?:[-\s]?HQ)?(?![a-z])"), ("FFHQ", r"FFHQ"), ("LSUN", r"LSUN"),
    ("Kinetics", r"Kinetics(?:[-\s]?(?:400|600|700)|\s+(?:dataset|benchmark))"),
    ("UCF101", r"UCF[-\s]?101"), ("HMDB51", r"HMDB"), ("Something-Something", r"Something[-\s]Something"),
    ("LibriSpeech", r"LibriSpeech"), ("Common Voice", r"Common\s+Voice"),
    ("AudioSet", r"AudioSet"), ("VoxCeleb", r"VoxCeleb"),
    # text and language models
    ("Penn Treebank", r"Penn\s*Tree[-\s]?[bB]ank"), ("Penn Treebank", r"PTB(?![A-Za-z])"),
    ("WikiText", r"W(?i:iki)[-\s]?(?i:text)"), ("GLUE", r"GLUE(?![A-Za-z])"),
    ("SuperGLUE", r"SuperGLUE"), ("SQuAD", r"SQuAD"), ("IMDb", r"IMD[bB](?![A-Za-z])"),
    ("WMT", r"WMT(?![A-Za-z])"), ("C4", r"C4(?![\w+]|\.\d)"), ("Common Crawl", r"Common\s*Crawl"),
    ("MMLU", r"MMLU"), ("GSM8K", r"GSM[-\s]?8[kK]"), ("HumanEval", r"HumanEval"), ("MBPP", r"MBPP"),
    ("HellaSwag", r"HellaSwag"), ("TruthfulQA", r"TruthfulQA"),
    ("BIG-bench", r"BIG[-\s]?[bB]ench"), ("MT-Bench", r"MT[-\s]?Bench"),
    # vision and language, web scale, retrieval, molecules
    ("Visual Genome", r"Visual\s+Genome"), ("VQAv2", r"VQA[-\s]?v2"), ("Flickr30k", r"Flickr[-\s]?30[kK]"),
    ("Conceptual Captions", r"Conceptual\s+Captions"), ("Conceptual Captions", r"CC(?:3|12)M"),
    ("LAION", r"LAION"), ("DataComp", r"DataComp"), ("YFCC100M", r"YFCC"),
    ("MS MARCO", r"MS[-\s]?MARCO"), ("BEIR", r"BEIR"), ("MTEB", r"MTEB"), ("QM9", r"QM9"),
)
_CIFARS = ("CIFAR-10", "CIFAR-100")
DATASETS: tuple[str, ...] = tuple(
    dict.fromkeys(n for name, _ in DATASET_ROWS for n in (_CIFARS if name == "CIFAR" else (name,)))
)
_DATASET_RANK = {name: i for i, name in enumerate(DATASETS)}


# Capitals from rarest to commonest in abstracts: each name is anchored on its rarest capital,
# because the regex engine pays for every position holding an anchor ("The", "LLM", "DNN").
_ANCHOR_ORDER = "JXZQYKUHVGBEPRWFOCSMIDALNT"


def _anchor(pattern: str) -> tuple[str, str]:
    """A row's anchor capital, and the regex for what follows it. The literal text before the
    anchor becomes a lookbehind, as does the word-boundary test: a leading \\b would cost a
    test at every position of every abstract."""
    run = _literal_run(pattern)
    capitals = [k for k, ch in enumerate(run) if ch.isupper()]
    cut = min(capitals, key=lambda k: _ANCHOR_ORDER.index(run[k]))
    head, anchor, rest = pattern[:cut], pattern[cut], pattern[cut + 1 :]
    guard = f"(?<={re.escape(head + anchor)})" if head else ""
    return anchor, f"{guard}(?<!\\w{'.' * (len(head) + 1)}){rest}"


def _dataset_patterns() -> tuple[re.Pattern[str], dict[str, list[tuple[str, re.Pattern[str]]]]]:
    # One regex finds mentions; which row matched is settled afterwards by trying that
    # anchor's rows in order. Named groups would say it directly but slow every scan by a
    # third, and mentions are rare next to the text scanned.
    by_anchor: dict[str, list[tuple[str, str]]] = {}
    for name, pattern in DATASET_ROWS:
        anchor, body = _anchor(pattern)
        by_anchor.setdefault(anchor, []).append((name, body))
    scan = "|".join(f"{a}(?:{'|'.join(body for _, body in rows)})" for a, rows in by_anchor.items())
    rows = {a: [(name, re.compile(a + body)) for name, body in rs] for a, rs in by_anchor.items()}
    return re.compile(scan), rows


def _literal_run(pattern: str) -> str:
    """The plain characters a pattern starts with, up to its first regex syntax."""
    k = 0
    while k < len(pattern) and (pattern[k].isalnum() or pattern[k] in " -"):
        if k + 1 < len(pattern) and pattern[k + 1] in "?*+{":
            break
        k += 1
    return pattern[:k]


_DATASET_RE, _DATASET_ROWS_BY_ANCHOR = _dataset_patterns()
_CIFAR_NUM = re.compile(r"100|10")


def find_datasets(text: str) -> list[str]:
    """Canonical names of well-known datasets mentioned in the text, in `DATASETS` order."""
    m = _DATASET_RE.search(text) if text else None
    if m is None:  # most papers: skip building anything
        return []
    found: set[str] = set()
    while m is not None:
        start = m.start()
        name = next(n for n, rx in _DATASET_ROWS_BY_ANCHOR[text[start]] if rx.match(text, start))
        if name == "CIFAR":  # one mention may name both: "CIFAR-10/100"
            found.update(f"CIFAR-{n}" for n in _CIFAR_NUM.findall(m.group()))
        else:
            found.add(name)
        m = _DATASET_RE.search(text, m.end())
    return sorted(found, key=_DATASET_RANK.__getitem__)


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
    survey_said = "survey" in claims or any(
        noun in low and pattern.search(low) for noun, pattern in _SURVEY_WORDS
    )
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
    for word in words:  # a plain loop: any() over a generator costs more than the tests
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
def extract_facets(titles: Sequence[str], abstracts: Sequence[str]) -> pd.DataFrame:
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
