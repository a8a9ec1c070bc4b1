"""Fields read from paper text: code links, paper type, the fields table, and the seeds."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core import schema
from lib.describing.datasets import DATASETS
from lib.describing.extract import classify_paper_type, extract_fields, find_code_url

# ---------------------------------------------------------------- code links


@pytest.mark.parametrize(
    ("text", "url"),
    [
        # Real seed sentences.
        ("Codes are available at https://github.com/OPTML-Group/DeepZero.", "https://github.com/OPTML-Group/DeepZero"),
        (
            "Our code is available at https://github.com/AngusDujw/Diversity-Driven-Synthesis."
            "https://github.com/AngusDujw/Diversity-Driven-Synthesis.",
            "https://github.com/AngusDujw/Diversity-Driven-Synthesis",
        ),
        (
            "We have open-sourced the ZeroQ frameworkhttps://github.com/amirgholami/ZeroQ.",
            "https://github.com/amirgholami/ZeroQ",
        ),
        ("available at the link: blue{https://github.com/RUCAIBox/FMLP-Rec}.", "https://github.com/RUCAIBox/FMLP-Rec"),
        (
            "accessed at https://github.com/SKDDJ/LoLDU{https://github.com/SKDDJ/LoLDU}",
            "https://github.com/SKDDJ/LoLDU",
        ),
        (
            "publicly available at~https://github.com/microsoft/Swin-Transformer.",
            "https://github.com/microsoft/Swin-Transformer",
        ),
        (
            "We release the dataset (https://github.com/ibm-aur-nlp/PubLayNet) to support",
            "https://github.com/ibm-aur-nlp/PubLayNet",
        ),
        ("Code for our experiments can be found at github.com/edwardjhu/TP4.", "https://github.com/edwardjhu/TP4"),
        ("a benchmark suite with baselines at velo-code.github.io.", "https://velo-code.github.io"),
        ("Code at HTTPS://github.com/a/b.", "https://github.com/a/b"),  # the scheme in capitals
        ("Code: Github.com/A/B", "https://Github.com/A/B"),  # a bare host in capitals
        ("Project page: https://dreambooth.github.io/", "https://dreambooth.github.io/"),
        ("see our project page at https://dave.ml/layoutlearning/", "https://dave.ml/layoutlearning/"),
        ("Our code is available at https://aka.ms/MInference.", "https://aka.ms/MInference"),
        (
            "Code and weights are available at www.verlab.dcc.ufmg.br/descriptors/xfeat_cvpr24.",
            "https://www.verlab.dcc.ufmg.br/descriptors/xfeat_cvpr24",
        ),
        (
            "We will open-source the model at: https://huggingface.co/nvidia/NV-Embed-v1.",
            "https://huggingface.co/nvidia/NV-Embed-v1",
        ),
        ("Code is available at: https://git.io/AdelaiDet", "https://git.io/AdelaiDet"),
        # Other hosts and shapes.
        ("Demo: https://sites.google.com/view/my-project, enjoy", "https://sites.google.com/view/my-project"),
        ("Mirror at https://gitlab.com/group/repo; see also", "https://gitlab.com/group/repo"),
        ("Code (https://bitbucket.org/team/tool) is public", "https://bitbucket.org/team/tool"),
        ("(our code: https://github.com/x/y)", "https://github.com/x/y"),
        ("see https://github.com/x/tool_(v2).", "https://github.com/x/tool_(v2)"),
        # A paper link first, the code link after it: the code link wins.
        (
            "See https://arxiv.org/abs/1704.02685 for details. Code: https://github.com/kundajelab/deeplift",
            "https://github.com/kundajelab/deeplift",
        ),
    ],
)
def test_find_code_url_positive(text, url):
    assert find_code_url(text) == url


@pytest.mark.parametrize(
    "text",
    [
        # Real seed sentences without a code link.
        "This paper describes an older version of DeepLIFT. See https://arxiv.org/abs/1704.02685 for the newer one.",
        "along with their open-source implementations on our GitHub repository.",
        "compared to Hugging Face FP16 inference",
        # Paper links are never code links.
        "Published as https://doi.org/10.1109/CVPR.2016.90.",
        "Reviews at https://openreview.net/forum?id=abc123.",
        "This paper is listed at https://huggingface.co/papers/2502.12524.",
        # A link on an unknown host, with nothing said about code or a project.
        "We crawl posts from https://www.reddit.com/r/MachineLearning and label them.",
        "",
        "No links here at all.",
    ],
)
def test_find_code_url_negative(text):
    assert find_code_url(text) is None


# ---------------------------------------------------------------- paper type


@pytest.mark.parametrize(
    ("title", "abstract", "kind"),
    [
        # Titles that name the kind.
        ("A Survey of Mamba", "Mamba is a model. We propose nothing.", "survey"),
        ("Skin disease diagnosis with deep learning: a review", "", "survey"),
        ("A Brief Review of Hypernetworks in Deep Learning", "", "survey"),
        ("Recent Advances in Zero-shot Recognition", "", "survey"),
        ("Inference Optimization: A Tutorial", "", "survey"),
        ("YOLOBench: Benchmarking Efficient Object Detectors on Embedded Systems", "", "benchmark"),
        ("ChessVision -- A Dataset for Logically Coherent Multi-label Classification", "", "benchmark"),
        ("An Empirical Study of Pre-Trained Model Reuse in the Hugging Face Registry", "", "benchmark"),
        ("Deep Encoder, Shallow Decoder: Reevaluating Non-autoregressive MT", "", "benchmark"),
        (
            "Remote Sensing Image Scene Classification: Benchmark and State of the Art",
            "This paper first provides a comprehensive review of the recent progress.",
            "benchmark",
        ),
        # Abstracts that say what the paper is.
        (
            "Compute-Efficient Deep Learning: Algorithmic Trends and Opportunities",
            "In this paper, we present a structured and comprehensive overview of the research in this field.",
            "survey",
        ),
        (
            "A Deep Look into Neural Ranking Models",
            "In contrast to existing reviews, in this survey, we take a deep look.",
            "survey",
        ),
        (
            "Objaverse: A Universe of Annotated 3D Objects",
            "Addressing this gap, we present Objaverse 1.0, a large dataset of objects with 800K+ 3D models.",
            "benchmark",
        ),
        (
            "Diffusion Deepfake",
            "Our paper introduces two extensive deepfake datasets generated by state-of-the-art diffusion models.",
            "benchmark",
        ),
        (
            "A Study of BFLOAT16 for Deep Learning Training",
            "This paper presents the first comprehensive empirical study demonstrating the efficacy of BFLOAT16.",
            "benchmark",
        ),
        # Negatives: a passing survey, a dataset as a side remark, benchmarks as test beds.
        (
            "Pruning with Lottery Masks",
            "We survey the literature on pruning before proposing LotMask, a method that prunes at init.",
            "method",
        ),
        ("Automating the Code Review Process with LLMs", "We fine-tune a model for code review.", "method"),
        ("Learning Faster", "We propose X, which achieves state-of-the-art results on three benchmarks.", "method"),
        ("Dataset Condensation with Contrastive Signals", "We propose a dataset condensation method.", "method"),
        (
            "Dataset Interfaces: Diagnosing Model Failures",
            "We introduce dataset interfaces: a framework that lets users scalably synthesize images.",
            "method",
        ),
        (
            "Better Detection",
            "We propose a detector. Additionally, we contribute two datasets, COCO-DE and VOC-DE.",
            "method",
        ),
        (
            "PyramidDrop: Accelerating Your Large Vision-Language Models",
            "We conduct an empirical study revealing redundancy. To this end, we propose PyramidDrop, "
            "a visual redundancy reduction strategy for LVLMs.",
            "method",
        ),
        (
            "Domain Adaptive Few-Shot Open-Set Learning",
            "We propose a novel approach called DA-FSOS. We present three benchmarks for DA-FSOS.",
            "method",
        ),
        ("Some Method", "", "method"),
        ("", "", "method"),
    ],
)
def test_classify_paper_type(title, abstract, kind):
    assert classify_paper_type(title, abstract) == kind


def test_paper_types_are_the_schema_ones():
    kinds = {classify_paper_type(t, "") for t in ("A Survey", "A Benchmark", "X")}
    assert kinds == set(schema.PAPER_TYPES)


# ---------------------------------------------------------------- the fields table


def test_extract_fields_one_row_per_paper_in_order():
    titles = ["DeepZero", "A Survey of Mamba", None]
    abstracts = [
        "On CIFAR-10. Codes are available at https://github.com/OPTML-Group/DeepZero. See arXiv:2310.02025.",
        "We survey Mamba.",
        float("nan"),
    ]
    out = extract_fields(titles, abstracts)
    assert list(out.columns) == [schema.CODE_URL, schema.ARXIV_ID, schema.DATASETS, schema.PAPER_TYPE]
    assert isinstance(out.index, pd.RangeIndex) and len(out) == 3
    assert out[schema.CODE_URL].tolist() == ["https://github.com/OPTML-Group/DeepZero", None, None]
    assert out[schema.ARXIV_ID].tolist() == ["2310.02025", None, None]
    assert out[schema.DATASETS].tolist() == [["CIFAR-10"], [], []]
    assert out[schema.PAPER_TYPE].tolist() == ["method", "survey", "method"]


def test_extract_fields_empty_and_mismatched():
    empty = extract_fields([], [])
    assert len(empty) == 0
    assert list(empty.columns) == [schema.CODE_URL, schema.ARXIV_ID, schema.DATASETS, schema.PAPER_TYPE]
    with pytest.raises(ValueError):
        extract_fields(["a", "b"], ["only one"])


_TOKENS = st.sampled_from(
    [
        "we propose ",
        "we introduce ",
        "a ",
        "new ",
        "dataset",
        ", ",
        ". ",
        "this survey ",
        "https://",
        "github.com/",
        "www.",
        "arXiv:",
        "2502.12524",
        "hep-th/",
        "9901001",
        "CIFAR-10/100",
        "ImageNet",
        "(",
        ")",
        "{",
        "}",
        "~",
        "-",
        " ",
        "\n",
        "é",
        "—",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TOKENS, max_size=60).map("".join), st.lists(_TOKENS, max_size=200).map("".join))
def test_extract_fields_holds_its_contract_on_arbitrary_text(title, abstract):
    row = extract_fields([title], [abstract]).iloc[0]
    assert row[schema.CODE_URL] is None or (isinstance(row[schema.CODE_URL], str) and row[schema.CODE_URL])
    assert row[schema.ARXIV_ID] is None or isinstance(row[schema.ARXIV_ID], str)
    assert all(name in DATASETS for name in row[schema.DATASETS])
    assert row[schema.PAPER_TYPE] in schema.PAPER_TYPES


# ---------------------------------------------------------------- the seeds


@pytest.fixture(scope="module")
def seed_facets(seed_records) -> pd.DataFrame:
    first = {}
    for r in seed_records:
        first.setdefault(r.title, r.abstract)
    out = extract_fields(list(first), list(first.values()))
    out.insert(0, "title", list(first))
    return out


def test_seed_counts(seed_facets):
    # A golden snapshot of the five seed pages: rule changes that move these must be deliberate.
    assert len(seed_facets) == 634
    assert seed_facets[schema.CODE_URL].notna().sum() == 167
    assert seed_facets[schema.ARXIV_ID].notna().sum() == 2
    assert (seed_facets[schema.DATASETS].str.len() > 0).sum() == 193
    kinds = seed_facets[schema.PAPER_TYPE].value_counts().to_dict()
    assert kinds == {"method": 564, "benchmark": 39, "survey": 31}
    top = Counter(d for names in seed_facets[schema.DATASETS] for d in names).most_common(5)
    assert top == [
        ("ImageNet", 111),
        ("CIFAR-10", 42),
        ("COCO", 35),
        ("CIFAR-100", 21),
        ("Pascal VOC", 16),
    ]


def test_no_seed_code_link_points_at_a_paper(seed_facets):
    urls = seed_facets[schema.CODE_URL].dropna()
    assert not urls.str.contains(r"arxiv\.org|doi\.org", regex=True).any()
    assert not urls.str.endswith((".", ",", ")", ";")).any()


@pytest.mark.parametrize(
    ("title_start", "code_url", "arxiv_id", "datasets", "kind"),
    [
        ("DeepZero: Scaling up", "https://github.com/OPTML-Group/DeepZero", None, ["CIFAR-10"], "method"),
        (
            "LAION-5B: An open large-scale dataset",
            "https://laion.ai/laion-5b-a-new-era-of-open-large-scale-multi-modal-datasets/",
            None,
            ["LAION"],
            "benchmark",
        ),
        ("A Survey of Mamba", None, None, [], "survey"),
        ("In-Context LoRA for Diffusion", "https://github.com/ali-vilab/In-Context-LoRA", "2410.15027", [], "method"),
        ("Not Just a Black Box", None, "1704.02685", [], "method"),
        (
            "Diversity-Driven Synthesis",
            "https://github.com/AngusDujw/Diversity-Driven-Synthesis",
            None,
            ["Tiny ImageNet", "ImageNet"],
            "method",
        ),
        (
            "CUDA: Convolution-based Unlearnable",
            None,
            None,
            ["CIFAR-10", "CIFAR-100", "Tiny ImageNet", "ImageNet"],
            "method",
        ),
        ("ZeroQ: A Novel Zero Shot", "https://github.com/amirgholami/ZeroQ", None, ["ImageNet", "COCO"], "method"),
        ("YOLO9000: Better, Faster", None, None, ["ImageNet", "Pascal VOC", "COCO"], "method"),
        ("VeLO: Training Versatile", "https://velo-code.github.io", None, [], "method"),
        ("Objaverse: A Universe", None, None, ["LVIS", "Conceptual Captions", "LAION"], "benchmark"),
        ("Compute-Efficient Deep Learning", None, None, [], "survey"),
    ],
)
def test_specific_seed_papers(seed_facets, title_start, code_url, arxiv_id, datasets, kind):
    rows = seed_facets[seed_facets["title"].str.startswith(title_start)]
    assert len(rows) == 1, title_start
    row = rows.iloc[0]
    got = (row[schema.CODE_URL], row[schema.ARXIV_ID], row[schema.DATASETS], row[schema.PAPER_TYPE])
    assert got == (code_url, arxiv_id, datasets, kind)
