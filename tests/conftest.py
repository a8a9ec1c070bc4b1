"""Shared fixtures: the bundled seed pages, parsed and built once per test session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED_DIR = ROOT / "data" / "raw"
TAXONOMY = ROOT / "data" / "themes.toml"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def seed_files() -> list[Path]:
    return sorted(SEED_DIR.glob("*.txt"))


@pytest.fixture(scope="session")
def seed_parsed(seed_files):
    from lib.reading.formats import read_path

    return [read_path(p) for p in seed_files]


@pytest.fixture(scope="session")
def seed_records(seed_parsed):
    return [r for p in seed_parsed for r in p.records]


@pytest.fixture(scope="session")
def taxonomy():
    from lib.describing.themes import load_taxonomy

    return load_taxonomy(TAXONOMY)


@pytest.fixture(scope="session")
def seed_build(seed_files, taxonomy):
    from lib.build import build_papers

    return build_papers(seed_files, taxonomy)


@pytest.fixture(scope="session")
def seed_papers(seed_build):
    return seed_build.papers
