"""Theme tagging: word boundaries, about versus mention, evidence, taxonomy validation, the literal anchors of
patterns, and quality on hand-labelled seed papers (dev and held-out) against the plain keyword baseline."""

from __future__ import annotations

import pytest

from lib.describing.theme_match import FOLD, Anchor, literal_anchor
from lib.describing.themes import Taxonomy, TaxonomyError, ThemeTags, load_taxonomy, tag_themes

REQUIRED = ("yolo", "lora", "pruning", "quantization", "distillation", "nas", "moe", "diffusion")
FILLER = "Experiments on three benchmarks confirm the results. Code is released."


def tag(title: str, abstract: str, taxonomy: Taxonomy) -> ThemeTags:
    return tag_themes([title], [abstract], taxonomy)[0]


def hit(tags: ThemeTags, theme: str) -> bool:
    return theme in tags.themes or theme in tags.mentions


# ---------------------------------------------------------------- words and their boundaries


@pytest.mark.parametrize(
    "text, theme, words",
    [
        ("We fine-tune with LoRA adapters.", "lora", ["LoRA"]),
        ("QLoRA and LongLoRA extend it.", "lora", ["QLoRA", "LongLoRA"]),
        ("Low-rank adaptation of large models.", "lora", ["Low-rank adaptation"]),
        ("We train YOLOv8 and compare with YOLO9000.", "yolo", ["YOLOv8", "YOLO9000"]),
        ("LeYOLO and DAMO-YOLO detect objects.", "yolo", ["LeYOLO", "YOLO"]),
        ("The network is pruned and then prunes itself again.", "pruning", ["pruned", "prunes"]),
        ("Weights are quantised to 4-bit integers.", "quantization", ["quantised", "4-bit"]),
        ("A BitNet with INT8 activations.", "quantization", ["BitNet", "INT8"]),
        ("Knowledge distillation from a teacher model.", "distillation", ["distillation", "teacher model"]),
        ("Neural architecture search (NAS) and NASNet.", "nas", ["Neural architecture search", "NAS", "NASNet"]),
        ("A sparse mixture-of-experts (MoE) layer, as in DeepSpeed-MoE.", "moe", ["mixture-of-experts", "MoE"]),
        ("Latent diffusion models and DiT backbones.", "diffusion", ["diffusion", "DiT"]),
    ],
)
def test_words_that_match(taxonomy, text, theme, words):
    assert tag("A title", text, taxonomy).evidence[theme] == words


@pytest.mark.parametrize(
    "text, theme",
    [
        ("An exploration of EXPLORATION strategies in floral images.", "lora"),  # "lora" inside words
        ("The LoRa radio protocol for sensors.", "lora"),  # LoRa is not LoRA: case matters for acronyms
        ("The spring sprung; an improved roadmap.", "pruning"),
        ("Variational dequantization for flows.", "quantization"),
        ("We use vector quantization to learn a codebook.", "quantization"),  # an exclusion
        ("We study dataset distillation and distilled datasets.", "distillation"),  # an exclusion
        ("Stroke lesions on diffusion-weighted MRI.", "diffusion"),  # an exclusion
        ("Information diffusion on social graphs.", "diffusion"),  # an exclusion
        ("We train a gated quantized VAE tokenizer.", "quantization"),  # an exclusion: a VQ-style tokenizer
        ("A codec that adapts the quantization step per pixel.", "quantization"),  # an exclusion: data, not a model
        ("We compress the scene by saliency-aware Gaussian quantization.", "quantization"),  # an exclusion
        ("An INT80 register and the INT4x flag.", "quantization"),  # a match must end at a word's end
        ("Dynasties of moes and nascent ideas.", "moe"),
        ("Dynasties of moes and nascent ideas.", "nas"),
        ("Code: https://github.com/automl/nas-tools and www.yolo.org/lora", "nas"),  # links are no claims
        ("Code: https://github.com/automl/nas-tools and www.yolo.org/lora", "yolo"),
    ],
)
def test_words_that_do_not_match(taxonomy, text, theme):
    assert not hit(tag("A title", text, taxonomy), theme)


def test_dataset_distillation_has_its_own_theme(taxonomy):
    tags = tag("Dataset Distillation with Attention Matching", "We distill a large dataset. " + FILLER, taxonomy)
    assert "dataset_distillation" in tags.themes and not hit(tags, "distillation")


# ---------------------------------------------------------------- about versus mention


@pytest.mark.parametrize(
    "title, abstract, theme",
    [
        ("Channel Pruning for Deep Networks", FILLER, "pruning"),  # in the title
        ("A New Detector", "We propose a YOLO variant for drones. " + FILLER, "yolo"),  # stated contribution
        ("A New Detector", "Our quantized model runs fast. We study the 4-bit weights in depth.", "quantization"),
        ("Survey", "We survey techniques such as pruning, quantization and distillation. " + FILLER, "pruning"),
        ("A Study", "Diffusion models generate images. Diffusion models are slow. Diffusion helps.", "diffusion"),
        ("A Study", "Images matter. Here we guide a text-to-image diffusion model with a new loss.", "diffusion"),
        (
            "A Study",
            "Our contributions include: (1) a new loss. (2) Hybrid knowledge distillation from a teacher.",
            "distillation",
        ),
        ("A Study", "We propose a fast LVLM. Specifically, we prune half of the image tokens per stage.", "pruning"),
        ("ELITE: Encoding Concepts for Customized Text-to-Image Generation", FILLER, "diffusion"),
        # the technique in other words, in the title
        ("Low-Rank Weight Adaptation of Language Models", FILLER, "lora"),
        ("Parameter-Efficient Fine-Tuning with Low-Rank Updates", FILLER, "lora"),
        ("N2N Learning: Network to Network Compression via Policy Gradient", FILLER, "pruning"),
        ("Layer Skipping for Faster Decoding", FILLER, "pruning"),
        ("Evolutionary Search for Efficient Detectors", FILLER, "nas"),
        ("Consistency Models for One-Step Generation", FILLER, "diffusion"),
        ("Top-k Routing of Experts at Scale", FILLER, "moe"),
        ("Network Sparsity Helps Reinforcement Learning Scale", FILLER, "pruning"),
        # the method the paper's own work uses, worded in the abstract only
        ("A Compact Detector", "Images matter. We employ knowledge distillation from a large teacher.", "distillation"),
        ("A Compact Detector", "Images matter. Our framework leverages LoRA to adapt the backbone.", "lora"),
        ("A Compact Detector", "Images matter. We use evolutionary architecture search for the neck.", "nas"),
        # ... said of "the system", or in a sentence that also gives results, or as a "<theme>-based" component
        ("Horses in Stalls", "Stalls matter. The system leverages YOLOv11 and BoT-SORT for tracking.", "yolo"),
        ("Audio for Robots", "Robots hear. We apply LoRA fine-tuning to the encoders to reach 90% accuracy.", "lora"),
        ("World Planners", "Plans matter. We learn a world model and a diffusion-based action sampler.", "diffusion"),
        # a claim whose verb is coordinated with an earlier one of the paper's ("we study ... and then propose")
        (
            "A Study",
            "We first analyse what teachers know and then propose a loss for knowledge distillation.",
            "distillation",
        ),
    ],
)
def test_about(taxonomy, title, abstract, theme):
    assert theme in tag(title, abstract, taxonomy).themes


@pytest.mark.parametrize(
    "abstract, theme",
    [
        ("Unlike pruning methods, we learn a small network directly. " + FILLER, "pruning"),
        ("We propose a new optimizer that, compared to LoRA, trains all weights. " + FILLER, "lora"),
        ("We propose a new tokenizer; it works with methods such as LoRA and adapters. " + FILLER, "lora"),
        ("We propose a tracker (e.g., for YOLO detections). " + FILLER, "yolo"),
        ("Our compression beats pruning, distillation, and quantization baselines. " + FILLER, "quantization"),
        ("Deep networks have many uses, including diffusion models. " + FILLER, "diffusion"),
        ("A single neutral sentence about mixture of experts routing. " + FILLER, "moe"),
        ("We propose a new optimizer whose memory cost is as low as LoRA. " + FILLER, "lora"),
        ("We propose a merging rule. Extensive experiments on CLIP-ViT models confirm it. " + FILLER, "vit"),
        ("We propose a kernel. Our kernel speeds up sparsified networks on CPUs. " + FILLER, "pruning"),
        ("We propose a completion network with efficient non-diffusion architectures. " + FILLER, "diffusion"),
        # a method verb counts for what it takes as its object, not for a word further on in its clause
        ("We use the public corpus and a small model tuned with LoRA for our tests. " + FILLER, "lora"),
        # the rest of the clause makes it a yardstick
        (
            "We propose a tokenizer. We also report knowledge distillation from a teacher as a baseline. ",
            "distillation",
        ),
        ("We propose a small tagger and include LoRA and full fine-tuning as strong baselines. " + FILLER, "lora"),
        # a claim verb whose subject is not the paper ("... it also introduces") claims nothing for it
        (
            "Our analysis shows that while knowledge distillation from a teacher boosts scores, it also introduces"
            " a trade-off. " + FILLER,
            "distillation",
        ),
    ],
)
def test_passing_mentions(taxonomy, abstract, theme):
    tags = tag("A Method for Something Else", abstract, taxonomy)
    assert theme in tags.mentions and theme not in tags.themes
    assert tags.evidence[theme]  # why it matched is kept for mentions too


@pytest.mark.parametrize(
    "title, abstract, theme",
    [
        (
            "Distilling Insights from a Decade of User Studies",
            "We review 200 studies of how people read. " + FILLER,
            "distillation",
        ),
        (
            "Laughing Distillery: Extracting Compact Recurrences",
            "We distill convolutions into recurrences. " + FILLER,
            "distillation",
        ),
        (
            "Learning to Quantize Patterns",
            "A codebook of learned patterns exhibits structure. " + FILLER,
            "quantization",
        ),
        (  # a search space with no architecture, network or layer in the paper is no architecture search
            "Adaptive Motion Planning by Intent",
            "We propose a planner that prunes the search space of motions for a human operator. " + FILLER,
            "nas",
        ),
    ],
)
def test_borrowed_words_are_only_a_mention(taxonomy, title, abstract, theme):
    """A title with the theme's words, in a paper without the words the theme cannot do without (a teacher or
    student, bits or precision): the words were borrowed."""
    tags = tag(title, abstract, taxonomy)
    assert theme in tags.mentions and theme not in tags.themes


@pytest.mark.parametrize("kind", ["Cross-Modal", "Step", "Self", "Feature", "Consistency"])
def test_a_distillation_named_by_its_kind_is_no_borrowed_word(taxonomy, kind):
    abstract = "We make an audio model follow a video model closely. " + FILLER
    assert "distillation" in tag(f"Adaptive {kind} Distillation for Perception", abstract, taxonomy).themes


def test_borrowed_words_need_no_more_than_one_word_the_theme_cannot_avoid(taxonomy):
    abstract = "We propose a method. The student matches the teacher's logits. " + FILLER
    assert "distillation" in tag("Distilling Large Detectors", abstract, taxonomy).themes
    assert "quantization" in tag("Learning to Quantize Detectors", "We use 4-bit weights. " + FILLER, taxonomy).themes


def test_a_title_in_an_excluded_sense_sets_the_sense_of_the_abstract(taxonomy):
    abstract = "We prune away redundant samples. We propose a rule for the pruning rate. " + FILLER
    assert "pruning" in tag("Effective Dataset Pruning at Web Scale", abstract, taxonomy).mentions
    assert "pruning" in tag("Effective Pruning at Web Scale", abstract, taxonomy).themes


def test_output_shape(taxonomy):
    titles = ["YOLO-Pruner: Pruning YOLO Networks", "", "Plain"]
    abstracts = ["Unlike LoRA, we prune channels of YOLOv5. Pruning removes 50% of the channels.", "", ""]
    result = tag_themes(titles, abstracts, taxonomy)
    assert len(result) == 3 and result[1] == ThemeTags((), (), {})
    first, order = result[0], list(taxonomy.ids())
    assert first.themes == ("yolo", "pruning") and first.mentions == ("lora",)
    assert sorted(first.themes, key=order.index) == list(first.themes)
    assert set(first.evidence) == set(first.themes) | set(first.mentions)
    assert first.evidence["pruning"] == ["Pruner", "Pruning", "prune"]  # in text order, once each, as written
    with pytest.raises(ValueError):
        tag_themes(["a"], [], taxonomy)


def test_seed_corpus(taxonomy, seed_records):
    tags = tag_themes([r.title for r in seed_records], [r.abstract for r in seed_records], taxonomy)
    assert len(tags) == len(seed_records)
    assert all(not set(t.themes) & set(t.mentions) and set(t.evidence) == {*t.themes, *t.mentions} for t in tags)
    about = {theme: sum(theme in t.themes for t in tags) for theme in REQUIRED}
    assert all(about.values()), about  # every labelled theme is the subject of some seed paper


# ---------------------------------------------------------------- literal anchors of patterns


@pytest.mark.parametrize(
    "pattern, anchor",
    [
        ("prun\\w*", Anchor(b"prun", "prun", 0, True)),
        ("\\w*yolo\\w*", Anchor(b"yolo", "yolo", -1, False)),  # anywhere in a word, searched apart
        ("mixtures?[- ]of[- ]experts?", Anchor(b"mixture", "mixture", 0, True)),
        ("(?:1|2|4|1\\.58)[- ]bits?", Anchor(b"bit", "bit", 5, True)),  # up to 5 characters before it
        ("(?:structured|weight)[- ]sparsity", Anchor(b"sparsity", "sparsity", 11, True)),
        ("key-value (?:\\(kv\\) )?cache", Anchor(b"key\x01value\x01", "key-value ", 0, True)),
        ("NAS(?:Net\\w*)?", Anchor(b"nas", "NAS", 0, True)),
        # after an optional part a literal is not sure to start a word, so it is also searched inside words
        ("(?:large )?language models?", Anchor(b"language\x01model", "language model", 6, False)),
        ("a(?=bc)defg", Anchor(b"defg", "defg", 1, False)),  # look-arounds take no characters
        ("(?:tokens|token)", Anchor(b"token", "token", 0, True)),  # the start that all branches share
        ("[0-9]+x", None),
        ("ab|cd", None),
        ("(?:ab|cd)", None),
        ("\\w+ (?:of )?pruning", None),
        ("(a)\\1bcd", None),
    ],
)
def test_literal_anchor(pattern, anchor):
    assert literal_anchor(pattern) == anchor


def test_every_taxonomy_pattern_has_an_anchor_its_matches_contain(taxonomy, seed_records):
    for theme in taxonomy.themes:
        for pattern in theme.patterns + theme.acronyms + theme.exclusions:
            assert literal_anchor(pattern), pattern
    tags = tag_themes([r.title for r in seed_records], [r.abstract for r in seed_records], taxonomy)
    for t in tags:  # the scan finds hits by their anchors, so every word of evidence holds one
        for theme_id, words in t.evidence.items():
            anchors = {
                literal_anchor(p).folded for p in taxonomy.by_id(theme_id).patterns + taxonomy.by_id(theme_id).acronyms
            }
            assert all(any(a in w.lower().encode("ascii", "replace").translate(FOLD) for a in anchors) for w in words)


# ---------------------------------------------------------------- the taxonomy file


def test_taxonomy_contents(taxonomy):
    assert len(taxonomy.themes) >= 25 and set(REQUIRED) <= set(taxonomy.ids())
    assert len(taxonomy.ids()) == len(set(taxonomy.ids()))
    groups = taxonomy.groups()
    assert len(groups) >= 5 and groups[0] == taxonomy.themes[0].group
    assert {"Model families", "Compression and efficiency", "Training methods", "Tasks", "Domains"} <= set(groups)
    assert all(t.name and t.description and (t.patterns or t.acronyms) for t in taxonomy.themes)
    assert taxonomy.by_id("moe").name == "Mixture of experts"
    with pytest.raises(KeyError):
        taxonomy.by_id("no_such_theme")


GOOD = '[[theme]]\nid = "alpha"\nname = "Alpha"\ngroup = "G"\npatterns = [\'alpha\\w*\']\n'


@pytest.mark.parametrize(
    "text, message",
    [
        (
            GOOD + '\n[[theme]]\nid = "beta"\nname = "Beta"\ngroup = "G"\npatterns = [\'(beta\']\n',
            ":11: theme #2 ('beta'): pattern '(beta' does not compile",
        ),
        (
            GOOD + '\n[[theme]]\nid = "alpha"\nname = "Again"\ngroup = "G"\npatterns = [\'again\']\n',
            ":8: duplicate theme id 'alpha'",
        ),
        (
            '[[theme]]\nid = "alpha"\nname = "Alpha"\npatterns = [\'alpha\']\n',
            ":1: theme #1 ('alpha'): missing field 'group'",
        ),
        (GOOD + "pattern = ['typo']\n", ":6: theme #1 ('alpha'): unknown field 'pattern'"),
        (GOOD.replace("patterns = ['alpha\\w*']", "patterns = []"), ":1: theme #1 ('alpha'): no patterns or acronyms"),
        (GOOD.replace("alpha\\w*", "[0-9]+x"), ":5: theme #1 ('alpha'): pattern '[0-9]+x' should start with a word"),
        (GOOD.replace('id = "alpha"', 'id = "Alpha Theme"'), ":2: theme #1 ('Alpha Theme'): id must be"),
        (GOOD.replace('name = "Alpha"', "name = 3"), ":3: theme #1 ('alpha'): 'name' must be a string"),
        (GOOD + "exclusions = 'alpha'\n", ":6: theme #1 ('alpha'): 'exclusions' must be a list"),
        ("[[theme]\n", ": cannot read taxonomy: "),
        ("title = 'themes'\n", ": expected [[theme]] tables"),
    ],
)
def test_taxonomy_errors_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "themes.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaxonomyError) as error:
        load_taxonomy(path)
    assert str(error.value).startswith(str(path)) and message in str(error.value)


def test_small_valid_taxonomy(tmp_path):
    path = tmp_path / "themes.toml"
    path.write_text(GOOD + "acronyms = ['ALP']\nexclusions = ['alphabet']\n", encoding="utf-8")
    taxonomy = load_taxonomy(path)
    assert taxonomy.ids() == ("alpha",) and taxonomy.source == str(path)
    tags = tag("Alphas", "The alphabet, ALP and alp.", taxonomy)
    assert tags.themes == ("alpha",) and tags.evidence == {"alpha": ["Alphas", "ALP"]}
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "missing.toml")


# ---------------------------------------------------------------- quality on the hand labels


@pytest.fixture(scope="session")
def quality(taxonomy):
    from bench.theme_quality import HOLDOUT, confusion, labelled_papers, macro_f1, scores

    sets = {"dev": labelled_papers(), "held-out": labelled_papers(HOLDOUT)}
    counts = {name: confusion(papers, taxonomy) for name, papers in sets.items()}
    macro = {
        name: {m: macro_f1({t: scores(*c) for t, c in per.items()}) for m, per in by_method.items()}
        for name, by_method in counts.items()
    }
    return sets, macro, counts


def test_labels_cover_every_theme(quality, seed_records):
    sets, _, _ = quality
    dev, held_out = sets["dev"], sets["held-out"]
    assert len(dev) >= 100 and len({p["title"] for p in dev}) == len(dev)
    assert len(held_out) >= 500 and len({p["title"] for p in held_out}) == len(held_out)
    assert not {p["title"] for p in held_out} & {p["title"] for p in dev}  # no paper in both
    assert {p["title"] for p in dev + held_out} == {r.title for r in seed_records}  # every seed paper, once
    for theme in REQUIRED:
        assert sum(p[theme] == "1" for p in dev) >= 3 and sum(p[theme] == "0" for p in dev) >= 100, theme
        assert sum(p[theme] == "1" for p in held_out) >= 3, theme


def test_tagger_beats_keyword_baseline(quality):
    _, macro, counts = quality
    # Dev (the rules were tuned on it): 0.952 measured, a little margin for harmless rule edits.
    assert macro["dev"]["tagger"] >= 0.94, macro
    assert macro["dev"]["tagger"] - macro["dev"]["keyword"] >= 0.15, macro
    assert all(f1 >= 0.85 for f1 in (scores_f1(c) for c in counts["dev"]["tagger"].values())), counts["dev"]
    # Held-out (never tuned on): 0.842 measured against 0.691 for the keywords, with 8 false positives among
    # 505 papers. See tests/data/README.md for how the sets were made and what the held-out figures can say.
    assert macro["held-out"]["tagger"] >= 0.82, macro
    assert macro["held-out"]["tagger"] - macro["held-out"]["keyword"] >= 0.10, macro
    assert sum(fp for _, fp, _ in counts["held-out"]["tagger"].values()) <= 10, counts["held-out"]


def scores_f1(counts: tuple[int, int, int]) -> float:
    from bench.theme_quality import scores

    return scores(*counts)[2]
