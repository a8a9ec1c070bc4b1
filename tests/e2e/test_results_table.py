"""The results table in Chromium: one table kept across filter changes and pages, yet a tick never carries over
onto a different paper, and other rows start at the table's top."""

from __future__ import annotations

import re

import pytest
import settle
from interactions import MAIN, go, has_text

pytestmark = pytest.mark.browser

TABLE = f'{MAIN} .st-key-results [data-testid="stDataFrame"]'
TICKED = f"document.querySelectorAll('{MAIN} .st-key-results tr[aria-selected=\"true\"]').length"
SCROLLED = f"document.querySelector('{MAIN} .st-key-results .dvn-scroller').scrollTop"


def caption(page) -> str:
    return page.locator(MAIN).get_by_text(re.compile(r"^Download ")).first.inner_text()


def search(page, query: str) -> None:
    box = page.locator(MAIN).get_by_label("Search titles and abstracts")
    box.fill(query)
    settle.timed(page, lambda: box.press("Enter"), ready=f"document.body.innerText.includes('\"{query}\"')")


def test_a_ticked_row_is_unticked_when_the_filters_show_other_papers(page, server):
    go(page, server)
    box = page.locator(TABLE).bounding_box()
    settle.timed(page, lambda: page.mouse.click(box["x"] + 18, box["y"] + 35 * 2.5), ready=f"{TICKED} === 1")
    assert caption(page).startswith("Download 1 ticked papers")
    search(page, "distillation")
    assert page.evaluate(TICKED) == 0  # the row in that place is another paper now
    assert caption(page).startswith("Download all ")


def test_other_rows_start_at_the_top_of_the_table_and_a_tick_keeps_the_scroll(page, server):
    go(page, server)
    box = page.locator(TABLE).bounding_box()
    page.mouse.move(box["x"] + 400, box["y"] + 200)
    page.mouse.wheel(0, 700)
    page.wait_for_function(f"{SCROLLED} > 300")
    scrolled = page.evaluate(SCROLLED)
    settle.timed(page, lambda: page.mouse.click(box["x"] + 18, box["y"] + 35 * 3.5), ready=f"{TICKED} === 1")
    assert page.evaluate(SCROLLED) == scrolled  # the same rows: the reader's place is kept
    search(page, "transformer")
    page.wait_for_function(f"{SCROLLED} === 0", timeout=5_000)
    assert page.evaluate(TICKED) == 0


def test_the_pager_moves_to_the_next_rows_and_starts_over_with_other_filters(page, server):
    go(page, server)
    active = '[data-testid="stPaginationPageActive"]'
    settle.timed(page, page.locator('[data-testid="stPaginationNext"]').click, ready=has_text("Rows 101–200 of"))
    assert page.locator(active).inner_text() == "2"
    assert "page=2" in page.url
    search(page, "model")  # hundreds of papers: the pager stays, at its first page
    assert page.locator(active).inner_text() == "1"
    assert "Rows 1–100 of" in page.locator(MAIN).inner_text()
    assert "page=" not in page.url


@pytest.mark.parametrize("mode, query", [("", "attention"), ("meaning", "teaching a small model to copy a big one")])
def test_a_search_updates_the_table_in_place_not_drawn_anew(page, server, mode, query):
    """A table drawn anew costs the browser about 100 ms a click (bench/README.md): a new key, or an element put
    in before it (the line saying what a question was read as) did that."""
    go(page, server, query=f"search={mode}" if mode else "")
    page.evaluate(f"document.querySelector('{TABLE}').dataset.marked = 'yes'")
    search(page, query)
    assert page.evaluate(f"document.querySelector('{TABLE}').dataset.marked") == "yes"
    if mode == "meaning":
        assert "Read as:" in page.locator(MAIN).inner_text()


def test_opening_a_similar_paper_unticks_the_row_of_the_paper_it_replaces(page, server):
    go(page, server)
    box = page.locator(TABLE).bounding_box()
    settle.timed(page, lambda: page.mouse.click(box["x"] + 18, box["y"] + 35 * 1.5), ready=f"{TICKED} === 1")
    similar = page.locator(f'{MAIN} [class*="st-key-similar_"] button').first
    title = similar.inner_text().splitlines()[-1].strip()  # after its icon's name
    settle.timed(page, similar.click, ready=f"{TICKED} === 0")
    assert page.locator(f"{MAIN} h4").first.inner_text().strip() == title  # the detail speaks of that paper
    assert caption(page).startswith("Download all ")  # and the downloads of the shown rows, none ticked
