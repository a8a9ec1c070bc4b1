"""A real `streamlit run` on a free loopback port (tests/e2e/served.py) and a headless Chromium driven by
Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import settle
from served import CHROMIUM, CHROMIUM_FLAGS, serve

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "screenshots"


def pytest_collection_modifyitems(items):
    # One worker runs every browser test, so they share one server instead of starting one per worker.
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def data_copy(tmp_path_factory) -> Path:
    """A private copy of the bundled data, so the browser tests never touch data/processed."""
    target = tmp_path_factory.mktemp("atlas-data")
    shutil.copytree(ROOT / "data" / "raw", target / "raw")
    shutil.copy(ROOT / "data" / "themes.toml", target / "themes.toml")
    shutil.copy(ROOT / "data" / "arxiv_ids.csv", target / "arxiv_ids.csv")
    return target


@pytest.fixture(scope="session")
def server(data_copy):
    with open(data_copy / "server.log", "w") as log, serve(data_copy, log=log) as (url, _):
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    settle.install(page)  # so tests wait on Streamlit's own signals (tests/e2e/settle.py), not on sleeps
    yield page
    context.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
