"""The Topics map of a collection with more papers than it draws as points, in a real browser: every paper is
shaded beneath the points, a lasso picks every paper in its region (drawn or not), and a filter change redraws
the points over the same shading. Its own server on 1,500 synthetic papers."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import settle
from interactions import MAIN, draw_lasso, go, has_text
from served import serve

from lib.core import schema as S
from lib.explore import regions
from lib.explore.map_image import MAP_POINTS
from lib.reading import store

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
N = 1500
IMAGE = f"{MAIN} .js-plotly-plot .imagelayer image"


@pytest.fixture(scope="module")
def large_server(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "bench" / "make_corpus.py")
    make_corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_corpus)
    root = tmp_path_factory.mktemp("atlas-large")
    assert make_corpus.main([str(N), "--out", str(root / "raw")]) == 0
    shutil.copy(ROOT / "data" / "themes.toml", root / "themes.toml")
    with open(root / "server.log", "w") as log, serve(root, log=log) as (url, _):
        yield url, root


def test_a_lasso_on_a_shaded_map_picks_every_paper_in_it_and_a_filter_keeps_the_shading(page, large_server, shots):
    url, root = large_server
    go(page, url, "topics")
    main = page.locator(MAIN)
    title = main.locator(".js-plotly-plot .gtitle").first.text_content()
    assert f"all {N:,} papers shaded, {MAP_POINTS:,} of them drawn as points" in title
    shading = page.locator(IMAGE).first.get_attribute("href")
    assert shading.startswith("data:image/png;base64,")

    drawn = page.locator(f"{MAIN} .js-plotly-plot .scatterlayer .point").count()
    assert drawn == MAP_POINTS
    main.locator(".js-plotly-plot").first.hover()  # the toolbar shows on hover: no "Autoscale" to the points only
    assert main.locator('.modebar-btn[data-title="Reset axes"]').count() == 1
    assert main.locator('.modebar-btn[data-title="Autoscale"]').count() == 0
    settle.timed(
        page,
        lambda: draw_lasso(page, [(0.01, 0.01), (0.85, 0.01), (0.85, 0.99), (0.01, 0.99), (0.01, 0.05)]),
        ready=has_text("picked on the map"),
    )
    notice = main.get_by_text(re.compile("in the region picked on the map")).first.inner_text()
    picked = int(re.match(r"([\d,]+) papers", notice).group(1).replace(",", ""))
    polygons = [regions.parse(p) for p in parse_qs(urlparse(page.url).query)["region"]]
    papers = store.read_papers(store.data_dir(root).papers_path)
    inside = int(regions.inside(papers[S.X].to_numpy(), papers[S.Y].to_numpy(), polygons).sum())
    assert picked == inside > MAP_POINTS  # every paper in the region, not only the drawn ones
    page.screenshot(path=str(shots / "topics-shaded-lasso.png"), full_page=True)

    go(page, url, "topics", "theme=pruning")
    grey = page.locator(IMAGE).first.get_attribute("href")
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"] input').first.click()
    page.keyboard.type("Quantization")
    option = page.get_by_role("option", name="Quantization")
    either = int(papers[S.THEMES].map(lambda t: "pruning" in t or "quantization" in t).sum())
    says = f"{either:,} of {N:,} papers match the filters"
    settle.timed(page, lambda: option.first.click(), ready=f"document.querySelector('{MAIN} .js-plotly-plot')"
                 f".textContent.includes({says!r})")  # fmt: skip
    page.keyboard.press("Escape")
    assert page.locator(IMAGE).first.get_attribute("href") == grey != shading  # the same grey shading
    assert page.locator(f"{MAIN} .js-plotly-plot .scatterlayer .point").count() <= MAP_POINTS
