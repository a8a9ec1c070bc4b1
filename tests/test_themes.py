"""Theme tagging: word boundaries, about versus mention, evidence, taxonomy validation, and quality on the
hand-labelled seed papers against the plain keyword baseline."""

from __future__ import annotations

import pytest

from lib.themes import Taxonomy, TaxonomyError, ThemeTags, load_taxonomy, tag_themes

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
    ],
)
def test_passing_mentions(taxonomy, abstract, theme):
    tags = tag("A Method for Something Else", abstract, taxonomy)
    assert theme in tags.mentions and theme not in tags.themes
    assert tags.evidence[theme]  # why it matched is kept for mentions too


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
        (GOOD + "\n[[theme]]\nid = \"beta\"\nname = \"Beta\"\ngroup = \"G\"\npatterns = ['(beta']\n",
         ":11: theme #2 ('beta'): pattern '(beta' does not compile"),
        (GOOD + "\n[[theme]]\nid = \"alpha\"\nname = \"Again\"\ngroup = \"G\"\npatterns = ['again']\n",
         ":8: duplicate theme id 'alpha'"),
        ('[[theme]]\nid = "alpha"\nname = "Alpha"\npatterns = [\'alpha\']\n',
         ":1: theme #1 ('alpha'): missing field 'group'"),
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
    from bench.theme_quality import evaluate, labelled_papers, macro_f1

    papers = labelled_papers()
    result = evaluate(papers, taxonomy)
    return papers, {name: macro_f1(per_theme) for name, per_theme in result.items()}, result


def test_labels_cover_every_theme(quality):
    papers, _, _ = quality
    assert len(papers) >= 100 and len({p["title"] for p in papers}) == len(papers)
    for theme in REQUIRED:
        assert sum(p[theme] == "1" for p in papers) >= 8, theme
        assert sum(p[theme] == "0" for p in papers) >= 100, theme


def test_tagger_beats_keyword_baseline(quality):
    _, macro, per_theme = quality
    # The honest bar on these labels; the rules were tuned on them, so held-out quality may be lower.
    assert macro["tagger"] >= 0.85, macro
    assert macro["tagger"] - macro["keyword"] >= 0.10, macro
    assert all(per_theme["tagger"][t][2] >= 0.75 for t in REQUIRED), per_theme["tagger"]
