"""Real-browser tests: Debian Chromium driven by Playwright against `streamlit run` on loopback."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PAGES = {"explore": "", "topics": "topics", "themes": "themes", "data": "data"}


TITLES = {"explore": "Explore papers", "topics": "Topics", "themes": "Themes & trends", "data": "Data"}
# What each page shows once it is fully drawn: (CSS selector, how many at least).
READY = {
    "explore": ('[data-testid="stDataFrame"]', 1),
    "topics": (".js-plotly-plot", 1),
    "themes": (".js-plotly-plot", 3),
    "data": ('[data-testid="stDataFrame"]', 3),
}


def wait_for_app(page, name: str = "explore") -> None:
    """Wait until the page's heading and its main content (tables or charts) are drawn."""
    page.get_by_role("heading", name=TITLES[name], exact=True).wait_for(timeout=120_000)
    selector, count = READY[name]
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll('[data-testid=\"stMain\"] ' + sel).length >= n",
        arg=[selector, count],
        timeout=60_000,
    )
    page.wait_for_timeout(1000)  # let charts finish their first layout


def shown_count(page) -> int:
    text = page.get_by_text(re.compile(r"^Showing [\d,]+ of [\d,]+ papers")).first.inner_text()
    return int(re.search(r"Showing ([\d,]+)", text).group(1).replace(",", ""))


def assert_no_errors(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders_without_errors(page, server, shots, name):
    page.goto(f"{server}/{PAGES[name]}")
    wait_for_app(page, name)
    assert_no_errors(page)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    selector, count = READY[name]
    assert page.locator(f'[data-testid="stMain"] {selector}').count() >= count


def test_pick_a_theme_and_download_exactly_the_shown_rows(page, server, shots):
    page.goto(server)
    wait_for_app(page)
    total = shown_count(page)
    themes = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first
    themes.click()
    page.keyboard.type("LoRA and low")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"theme=lora"))
    page.wait_for_function(
        f"() => !/^Showing {total} of/.test(document.querySelector('[data-testid=\"stMain\"]').innerText.split('\\n').find(l => l.startsWith('Showing')) || '')"
    )
    wait_for_app(page)
    shown = shown_count(page)
    assert 0 < shown < total
    page.screenshot(path=str(shots / "explore-lora.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("^CSV")).click()
    data = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert len(rows) == shown
    assert all("lora" in r["themes"].split("; ") for r in rows)


def test_a_copied_url_reproduces_the_view(browser, server):
    first = browser.new_context(viewport={"width": 1400, "height": 900})
    page = first.new_page()
    page.goto(f"{server}/?theme=pruning&code=yes&q=network")
    wait_for_app(page)
    count = shown_count(page)
    url = page.url
    first.close()
    second = browser.new_context(viewport={"width": 1400, "height": 900})
    again = second.new_page()
    again.goto(url)
    wait_for_app(again)
    assert shown_count(again) == count
    assert "theme=pruning" in again.url and "q=network" in again.url
    second.close()


def test_trends_page_with_ten_themes(page, server, shots):
    page.goto(f"{server}/themes")
    wait_for_app(page, "themes")
    picker = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Themes to plot")
    for name in [
        "Quantization",
        "Knowledge distillation",
        "Mixture of experts",
        "Vision transformers",
        "Large language models",
    ]:
        picker.locator("input").click()
        page.keyboard.type(name)
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        page.wait_for_timeout(700)
    trends = page.locator(".js-plotly-plot").filter(has_text="Themes over time")
    page.wait_for_function(  # the rerun has replaced the old chart and drawn all ten lines
        "() => [...document.querySelectorAll('.js-plotly-plot')].filter(e => e.innerText.includes('Themes over time'))"
        ".some(e => e.querySelectorAll('.legend .traces').length === 10)",
        timeout=60_000,
    )
    trend = trends.filter(has=page.locator(".legend .traces").nth(9)).first
    legend = trend.locator(".legend .traces")
    assert legend.count() == 10
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
    page.goto(f"{server}/data")
    wait_for_app(page, "data")
    summary = page.get_by_text(re.compile(r"^[\d,]+ papers from")).first.inner_text()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bomb))
    page.locator('[data-testid="stFileChipName"]').filter(has_text="bomb.xml").wait_for()
    page.wait_for_timeout(1500)  # the upload finishes and the widget reports it before the click
    page.get_by_role("button", name=re.compile("Add to the collection")).click()
    error = page.locator('[data-testid="stAlertContentError"]').first
    error.wait_for(timeout=60_000)
    message = error.inner_text().splitlines()[-1]  # after the icon's text
    assert message == "bomb.xml: XML entity declarations are not allowed (possible entity-expansion attack)"
    assert page.get_by_text(re.compile(r"^[\d,]+ papers from")).first.inner_text() == summary
    assert page.get_by_text("Added sources: 0").count() == 1
    page.screenshot(path=str(shots / "data-bad-upload.png"), full_page=True)
