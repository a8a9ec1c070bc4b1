"""Well-known datasets named in a paper's text: the table of names and patterns and the scan for them.

Pure text rules; every pattern is anchored on a rare capital so a million abstracts scan in seconds.
"""

from __future__ import annotations

import re

# (canonical name, pattern), in display order; several rows may share a name, and "CIFAR"
# splits by number. Capitals a pattern spells out must be written so (case-insensitive parts
# are marked (?i:...)), which keeps everyday words out: "glue", "places", "kinetics", "coco".
# Every pattern starts with plain text holding at least one capital; see _anchor.
DATASET_ROWS: tuple[tuple[str, str], ...] = (  # fmt: skip
    # image classification
    ("MNIST", r"M(?i:nist)(?![A-Za-z])"),
    ("Fashion-MNIST", r"F(?i:ashion)[-\s]?(?i:mnist)"),
    ("SVHN", r"SVHN"),
    ("CIFAR", r"C(?i:ifar)[-\s~]?(?:100|10)(?!\d)(?:\s*/\s*(?:C(?i:ifar)[-\s~]?|-)?(?:100|10)(?!\d))?"),
    ("STL-10", r"STL[-\s]?10(?!\d)"),
    ("Tiny ImageNet", r"TinyI(?i:magenet)"),
    ("Tiny ImageNet", r"Tiny-I(?i:magenet)"),
    ("Tiny ImageNet", r"Tiny I(?i:magenet)"),
    ("miniImageNet", r"miniI(?i:magenet)"),
    ("miniImageNet", r"mini-I(?i:magenet)"),
    ("miniImageNet", r"Mini[-\s]?I(?i:magenet)"),
    ("ImageNet", r"I(?i:magenet)"),
    ("ImageNet", r"ILSVRC"),
    ("Omniglot", r"Omniglot"),
    ("Places365", r"Places[-\s]?(?:365|205|2)(?!\d)"),
    ("CUB-200", r"CUB(?:[-\s]?200(?:[-\s]?2011)?)?(?![A-Za-z])"),
    ("CUB-200", r"Caltech[-\s]?UCSD\s+Birds"),
    ("Caltech-101", r"Caltech[-\s]?101(?!\d)"),
    ("Caltech-256", r"Caltech[-\s]?256(?!\d)"),
    ("Food-101", r"Food[-\s]?101(?!\d)"),
    ("Flowers-102", r"Flowers?[-\s]?102(?!\d)"),
    ("Flowers-102", r"Oxford[-\s]?(?:102[-\s]?)?Flowers"),
    ("Oxford-IIIT Pets", r"Oxford[-\s]?(?:IIIT[-\s]?)?Pets?(?![a-z])"),
    ("iNaturalist", r"iNaturalist"),
    ("DomainNet", r"DomainNet"),
    ("JFT", r"JFT(?:[-\s]?\d+[MB])?(?![A-Za-z])"),
    # detection, segmentation, driving, depth, 3D
    ("Pascal VOC", r"P(?i:ascal)[-\s~]?(?i:voc)"),
    ("Pascal VOC", r"PASCAL(?![-\s]?Context)(?![A-Za-z])"),
    ("Pascal VOC", r"VOC(?:[-\s~]?20(?:07|12))?(?![A-Za-z])"),
    ("COCO", r"COCO(?:val)?(?![a-z])"),
    ("COCO", r"M(?i:s)[-\s~]?C(?i:oco)(?![a-z])"),
    ("LVIS", r"LVIS"),
    ("Objects365", r"Objects[-\s]?365"),
    ("Open Images", r"Open[-\s]?Images"),
    ("Cityscapes", r"C(?i:ityscapes)"),
    ("ADE20K", r"ADE[-\s]?20[kK]"),
    ("CamVid", r"CamVid"),
    ("KITTI", r"KITTI"),
    ("nuScenes", r"nuScenes"),
    ("nuScenes", r"NuScenes"),
    ("Waymo Open", r"Waymo\s+Open"),
    ("NYU Depth V2", r"NYU(?:[-\s]?(?i:depth)(?:[-\s]?[vV]2)?|D(?:[-\s]?[vV]2)?|[-\s]?[vV]2)(?![A-Za-z])"),
    ("ScanNet", r"ScanNet"),
    ("ShapeNet", r"ShapeNet(?!s)"),
    ("ModelNet", r"ModelNet"),
    ("ScanObjectNN", r"ScanObjectNN"),
    # faces and generation, video, audio
    ("CelebA", r"CelebA(?:[-\s]?HQ)?(?![a-z])"),
    ("FFHQ", r"FFHQ"),
    ("LSUN", r"LSUN"),
    ("Kinetics", r"Kinetics(?:[-\s]?(?:400|600|700)|\s+(?:dataset|benchmark))"),
    ("UCF101", r"UCF[-\s]?101"),
    ("HMDB51", r"HMDB"),
    ("Something-Something", r"Something[-\s]Something"),
    ("LibriSpeech", r"LibriSpeech"),
    ("Common Voice", r"Common\s+Voice"),
    ("AudioSet", r"AudioSet"),
    ("VoxCeleb", r"VoxCeleb"),
    # text and language models
    ("Penn Treebank", r"Penn\s*Tree[-\s]?[bB]ank"),
    ("Penn Treebank", r"PTB(?![A-Za-z])"),
    ("WikiText", r"W(?i:iki)[-\s]?(?i:text)"),
    ("GLUE", r"GLUE(?![A-Za-z])"),
    ("SuperGLUE", r"SuperGLUE"),
    ("SQuAD", r"SQuAD"),
    ("IMDb", r"IMD[bB](?![A-Za-z])"),
    ("WMT", r"WMT(?![A-Za-z])"),
    ("C4", r"C4(?![\w+]|\.\d)"),
    ("Common Crawl", r"Common\s*Crawl"),
    ("MMLU", r"MMLU"),
    ("GSM8K", r"GSM[-\s]?8[kK]"),
    ("HumanEval", r"HumanEval"),
    ("MBPP", r"MBPP"),
    ("HellaSwag", r"HellaSwag"),
    ("TruthfulQA", r"TruthfulQA"),
    ("BIG-bench", r"BIG[-\s]?[bB]ench"),
    ("MT-Bench", r"MT[-\s]?Bench"),
    # vision and language, web scale, retrieval, molecules
    ("Visual Genome", r"Visual\s+Genome"),
    ("VQAv2", r"VQA[-\s]?v2"),
    ("Flickr30k", r"Flickr[-\s]?30[kK]"),
    ("Conceptual Captions", r"Conceptual\s+Captions"),
    ("Conceptual Captions", r"CC(?:3|12)M"),
    ("LAION", r"LAION"),
    ("DataComp", r"DataComp"),
    ("YFCC100M", r"YFCC"),
    ("MS MARCO", r"MS[-\s]?MARCO"),
    ("BEIR", r"BEIR"),
    ("MTEB", r"MTEB"),
    ("QM9", r"QM9"),
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
