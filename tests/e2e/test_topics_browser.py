"""A cluster renamed on the Topics page in a real browser is called by its new name on Explore. Its own server
and data copy: the rename rebuilds the collection, which the shared server's other tests must not see."""

from __future__ import annotations

import re
import shutil

import pytest
import settle
from interactions import MAIN, go, has_text
from served import serve

pytestmark = pytest.mark.browser
NAME = "Compression on small devices"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory, data_copy):
    root = tmp_path_factory.mktemp("atlas-rename")
    shutil.copytree(data_copy / "raw", root / "raw")
    for name in ("themes.toml", "arxiv_ids.csv"):
        shutil.copy(data_copy / name, root / name)
    with open(root / "server.log", "w") as log, serve(root, log=log) as (url, _):
        yield url, root


def test_a_cluster_renamed_on_topics_is_called_so_on_explore(page, own_server, shots):
    url, root = own_server
    go(page, url, "topics")
    main = page.locator(MAIN)
    # In the page's order, the first card's title comes before any other, as does its "Shape" button.
    title = main.locator("strong", has_text=re.compile(r"^C\d+ · ")).first.inner_text()
    number = title.split(" · ")[0]
    main.get_by_role("button", name=re.compile("Shape")).first.click()
    popover = page.locator("[data-testid='stPopoverBody']")
    popover.get_by_label("Name").fill(NAME)
    settle.timed(page, popover.get_by_role("button", name="Rename").click, ready=has_text("is now called"))
    assert page.locator(MAIN).get_by_text(f"{number} · {NAME}").count() >= 1
    page.screenshot(path=str(shots / "topics-renamed.png"), full_page=True)
    assert NAME in (root / "topics.toml").read_text(encoding="utf-8")

    go(page, url)
    facet = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="Topic cluster")
    facet.click()
    page.keyboard.type("Compression")
    option = page.get_by_role("option", name=re.compile(re.escape(f"{number} · {NAME}")))
    assert option.count() == 1
    settle.timed(page, option.click, ready=has_text(NAME))
    page.keyboard.press("Escape")
    assert page.locator(MAIN).get_by_text(re.compile(re.escape(NAME))).count() >= 1
    page.screenshot(path=str(shots / "explore-renamed-topic.png"), full_page=True)
