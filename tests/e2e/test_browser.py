"""Real-browser tests: Debian Chromium driven by Playwright against `streamlit run` on loopback. Every wait is on
Streamlit's own signals (tests/e2e/settle.py): a run finished, nothing stale, the expected content drawn."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
import settle
from interactions import MAIN, choose_file, go

pytestmark = pytest.mark.browser

PAGES = {"explore": "", "topics": "topics", "themes": "themes", "data": "data"}
READY = {  # what each page shows once it is fully drawn: (CSS selector, how many at least)
    "explore": ('[data-testid="stDataFrame"]', 1),
    "topics": (".js-plotly-plot", 1),
    "themes": (".js-plotly-plot", 2),
    "data": ('[data-testid="stDataFrame"]', 3),
}


def shown_count(page) -> int:
    text = page.get_by_text(re.compile(r"^Showing [\d,]+ of [\d,]+ papers")).first.inner_text()
    return int(re.search(r"Showing ([\d,]+)", text).group(1).replace(",", ""))


def assert_no_errors(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders_without_errors(page, server, shots, name):
    go(page, server, PAGES[name])
    assert_no_errors(page)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    selector, count = READY[name]
    assert page.locator(f"{MAIN} {selector}").count() >= count


def test_typing_a_theme_and_enter_picks_that_theme_and_the_download_holds_the_shown_rows(page, server, shots):
    go(page, server)
    total = shown_count(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
    page.keyboard.type("LoRA")
    settle.timed(page, lambda: page.keyboard.press("Enter"), ready="location.search.includes('theme=')")
    page.keyboard.press("Escape")
    assert re.search(r"[?&]theme=lora(&|$)", page.url) and page.url.count("theme=") == 1, page.url
    shown = shown_count(page)
    assert 0 < shown < total
    page.screenshot(path=str(shots / "explore-lora.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("^CSV")).click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == shown
    assert all("lora" in r["themes"].split("; ") for r in rows)


def test_a_copied_url_reproduces_the_view(browser, server):
    views = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        settle.install(page)
        go(page, server, query="theme=pruning&code=yes&q=network" if not views else views[0][1].split("?", 1)[1])
        views.append((shown_count(page), page.url))
        context.close()
    assert views[0][0] == views[1][0]
    assert "theme=pruning" in views[1][1] and "q=network" in views[1][1]


def test_trends_page_with_ten_themes(page, server, shots):
    go(page, server, "themes")
    tab = page.get_by_role("tab", name="Trends")
    settle.timed(page, tab.click, ready="location.search.includes('show=trends')")
    picker = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Themes to plot")
    added = ["Quantization", "Knowledge distillation", "Mixture of experts", "Vision transformers",
             "Large language models"]  # fmt: skip
    for name in added:
        picker.locator("input").click()
        page.keyboard.type(name)
        settle.timed(page, lambda: page.keyboard.press("Enter"), ready=f"document.body.innerText.includes({name!r})")
        page.keyboard.press("Escape")
    settle.settle(  # the rerun has replaced the old chart and drawn all ten lines
        page,
        ready="[...document.querySelectorAll('.js-plotly-plot')].filter(e => e.innerText.includes('Themes over time'))"
        ".some(e => e.querySelectorAll('.legend .traces').length === 10)",
    )
    trend = page.locator(".js-plotly-plot").filter(has_text="Themes over time").first
    assert trend.locator(".legend .traces").count() == 10
    ticks = [t.text_content() for t in trend.locator(".xtick text").all()]
    assert ticks == sorted(ticks) and len(ticks) >= 10 and ticks[0].isdigit()
    text = trend.text_content()
    assert "Publication year" in text and "Share of dated papers" in text
    assert_no_errors(page)
    trend.scroll_into_view_if_needed()
    trend.screenshot(path=str(shots / "trends-ten-themes.png"))
    page.screenshot(path=str(shots / "themes-full.png"), full_page=True)


def test_uploading_a_bad_file_shows_a_message_and_keeps_the_collection(page, server, shots):
    bomb = Path(__file__).resolve().parents[1] / "data" / "bad" / "bomb.xml"
    go(page, server, "data")
    summary = page.get_by_text(re.compile(r"^[\d,]+ papers from")).first.inner_text()
    choose_file(page, bomb)
    add = page.get_by_role("button", name=re.compile("Add to the collection"))
    settle.timed(page, add.click, ready="!!document.querySelector('[data-testid=\"stAlertContentError\"]')")
    message = page.locator('[data-testid="stAlertContentError"]').first.inner_text().splitlines()[-1]
    assert message == "bomb.xml: XML entity declarations are not allowed (possible entity-expansion attack)"
    assert page.get_by_text(re.compile(r"^[\d,]+ papers from")).first.inner_text() == summary
    assert page.get_by_text("Added sources: 0").count() == 1
    page.screenshot(path=str(shots / "data-bad-upload.png"), full_page=True)


def test_back_steps_through_filter_changes_and_pages_keep_the_filters(page, server):
    go(page, server)
    total = shown_count(page)
    box = page.get_by_label("Search titles and abstracts")
    for query in ("pruning", "quantization"):
        box.fill(query)
        settle.timed(page, lambda: box.press("Enter"), ready=f"location.search.includes('q={query}')")
    quantized = shown_count(page)
    link = page.locator('[data-testid="stPageLink"] a', has_text="Topics")
    settle.timed(page, link.click, ready="location.pathname.endsWith('/topics')")
    assert "q=quantization" in page.url  # the filters follow the reader to another page
    settle.timed(page, page.go_back, ready="!location.pathname.endsWith('/topics')")
    assert "q=quantization" in page.url and shown_count(page) == quantized
    settle.timed(page, page.go_back, ready="location.search.includes('q=pruning')")
    assert page.get_by_label("Search titles and abstracts").input_value() == "pruning"
    assert shown_count(page) != quantized
    settle.timed(page, page.go_back, ready="!location.search.includes('q=')")
    assert shown_count(page) == total
    settle.timed(page, page.go_forward, ready="location.search.includes('q=pruning')")
    assert page.get_by_label("Search titles and abstracts").input_value() == "pruning"


def test_the_pages_ask_nothing_of_any_server_but_the_apps_own(page, server):
    """A visitor's browser contacts the app and nothing else: no font, icon or script from a third party (which
    would tell it who reads what, and fail on a machine without the internet)."""
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:")) else elsewhere.append(r.url))
    for name in PAGES:
        go(page, server, PAGES[name])
    go(page, server, "", "q=pruning&search=meaning")
    assert elsewhere == []
    icon = page.evaluate("() => document.querySelector('link[rel~=icon]').href")  # the tab still has its icon
    assert icon.startswith("data:image/svg+xml") or page.request.get(icon).ok, icon[:80]
