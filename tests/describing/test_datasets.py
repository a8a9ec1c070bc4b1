"""Dataset names found in paper text: the patterns, their canonical order, and the name table."""

from __future__ import annotations

import pytest

from lib.describing.datasets import DATASETS, find_datasets


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Experiments on CIFAR-10/100 show", ["CIFAR-10", "CIFAR-100"]),
        ("including CIFAR10/100, ImageNet-100", ["CIFAR-10", "CIFAR-100", "ImageNet"]),
        ("on CIFAR10 and CIFAR100", ["CIFAR-10", "CIFAR-100"]),
        ("accuracy on CIFAR-100 only", ["CIFAR-100"]),
        ("on CIFAR-10 itself", ["CIFAR-10"]),
        ("on Tiny-ImageNet", ["Tiny ImageNet"]),
        ("on TinyImageNet and Tiny ImageNet", ["Tiny ImageNet"]),
        ("CIFAR, Tiny-ImageNet, and ImageNet-1K", ["Tiny ImageNet", "ImageNet"]),
        ("few-shot on miniImageNet and mini-ImageNet", ["miniImageNet"]),
        ("pretrained on ImageNet-22K, then ImageNet-1k", ["ImageNet"]),
        ("the ILSVRC2012 validation set", ["ImageNet"]),
        ("Imagenet with Reassessed labels and Imagenet-V2", ["ImageNet"]),
        ("on MS-COCO, MSCOCO, MS COCO and MS~COCO", ["COCO"]),
        ("38.2% mAP on the COCOval split", ["COCO"]),
        ("COCO-Stuff and LVIS", ["COCO", "LVIS"]),
        ("a coconut and cocoa plantation", []),
        ("grounding on refCOCO", []),
        ("results on MNIST", ["MNIST"]),
        ("on Fashion-MNIST", ["Fashion-MNIST"]),
        ("MNIST and Fashion-MNIST benchmarks", ["MNIST", "Fashion-MNIST"]),
        ("such as FASHIONMNIST", ["Fashion-MNIST"]),
        ("handwritten EMNIST and MultiColorMNIST", []),
        ("RoBERTa on the GLUE benchmark", ["GLUE"]),
        ("we glue the two modules together", []),
        ("on GLUE and SuperGLUE tasks", ["GLUE", "SuperGLUE"]),
        ("QA (SQuAD) and SQuAD2.0", ["SQuAD"]),
        ("PASCAL VOC 2012 and Cityscapes", ["Pascal VOC", "Cityscapes"]),
        ("76.8 mAP on VOC 2007 and VOC~2007", ["Pascal VOC"]),
        ("NYUDv2, NYUv2, NYUD-v2 and NYU depth prediction", ["NYU Depth V2"]),
        ("researchers at NYU and CMU", []),
        ("3D ShapeNets: A Deep Representation", []),
        ("ModelNet40 and ShapeNet parts", ["ShapeNet", "ModelNet"]),
        ("driving data from nuScenes and KITTI", ["KITTI", "nuScenes"]),
        ("Kinetics-400 and UCF101", ["Kinetics", "UCF101"]),
        ("the chemical kinetics of the reaction", []),
        ("places in the dataset and Places365", ["Places365"]),
        ("Llama models on C4 data", ["C4"]),
        ("C4.5 decision trees", []),
        ("MMLU, GSM8K and HumanEval", ["MMLU", "GSM8K", "HumanEval"]),
        ("LAION-5B and DataComp-1B", ["LAION", "DataComp"]),
        ("the ADE20K val set and ADE-20k", ["ADE20K"]),
        ("the MTEB benchmark (also known as BEIR)", ["BEIR", "MTEB"]),
        ("", []),
    ],
)
def test_find_datasets(text, names):
    assert find_datasets(text) == names


def test_datasets_come_out_in_canonical_order_whatever_the_text_order():
    found = find_datasets("COCO, then SVHN, then ImageNet, then MNIST")
    assert found == ["MNIST", "SVHN", "ImageNet", "COCO"]
    assert found == sorted(found, key=DATASETS.index)


def test_dataset_names_are_unique_and_include_the_required_ones():
    assert len(DATASETS) == len(set(DATASETS))
    required = {
        "ImageNet", "CIFAR-10", "CIFAR-100", "MNIST", "Fashion-MNIST", "COCO", "Pascal VOC",
        "Cityscapes", "ADE20K", "KITTI", "nuScenes", "SVHN", "CelebA", "LibriSpeech", "GLUE",
        "SuperGLUE", "SQuAD", "WikiText", "Penn Treebank", "LAION", "Kinetics", "UCF101",
        "ShapeNet", "Places365", "Tiny ImageNet", "CUB-200", "Omniglot", "MMLU", "GSM8K",
        "HumanEval",
    }  # fmt: skip
    assert required <= set(DATASETS)
