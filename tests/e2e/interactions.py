"""The interactions a reader makes, each timed from the action to the settled page (tests/e2e/settle.py).
Used by bench/browser_latency.py to measure them and by the browser tests to check what they show.

Each function takes (page, base URL, repetition number), prepares what it needs without timing it, and
returns the Timing of the action itself. Repetitions vary the value (another theme, another query) so no
answer comes from a cache the first repetition filled, unless that is the point ("k seen before").
"""

from __future__ import annotations

import json
import re

import settle

THEMES = ["LoRA and low-rank adapters", "Pruning and sparsification", "Quantization", "Knowledge distillation",
          "Mixture of experts", "Diffusion models", "Vision transformers"]  # fmt: skip
QUERIES = ["knowledge distillation", "vision transformer", "diffusion", "pruning", "quantized", "attention",
           "reinforcement learning"]  # fmt: skip
QUESTIONS = ["making a network smaller so it runs on a phone", "models that turn text into pictures",
             "teaching a small model to copy a big one", "finding a good architecture automatically",
             "using fewer bits for the weights"]  # fmt: skip
TYPOS = ["atention prunin", "knowlege distilation", "difusion", "quantizaton", "trasformer"]
SEEN_KS = 3
MAIN = '[data-testid="stMain"]'
# The app's links to its pages; Streamlit's own navigation, in the sidebar or at the top, in earlier versions
NAV_LINKS = '[data-testid="stPageLink"] a, [data-testid="stTopNavLink"], [data-testid="stSidebarNavLink"]'
HEADINGS = {"": "Explore papers", "topics": "Topics", "themes": "Themes & trends", "data": "Data"}
# The page's own content, drawn: what "settled" must include besides the run having finished.
CONTENT = {
    "": f"!!document.querySelector('{MAIN} [data-testid=\"stDataFrame\"]')",
    "topics": f"!!document.querySelector('{MAIN} .js-plotly-plot .main-svg')",
    "themes": f"document.querySelectorAll('{MAIN} .js-plotly-plot .main-svg').length >= 2",
    "data": f"document.querySelectorAll('{MAIN} [data-testid=\"stDataFrame\"]').length >= 3",
}


def has_text(text: str) -> str:
    """JavaScript that holds when the page's main part shows `text`: a `ready` for settle.timed."""
    return f"document.querySelector('{MAIN}').innerText.includes({json.dumps(text)})"


def _on(path: str) -> str:
    heading = (
        f"[...document.querySelectorAll('{MAIN} h1')].some(h => h.innerText.trim() === {json.dumps(HEADINGS[path])})"
    )
    return f"({heading}) && ({CONTENT[path]})"


def go(page, url: str, path: str = "", query: str = "") -> None:
    """Open a page (untimed) and wait until it is drawn."""
    page.goto(f"{url}/{path}" + (f"?{query}" if query else ""))
    settle.settle(page, ready=_on(path), timeout_ms=600_000)


def choose_file(page, path, timeout_ms: int = 120_000) -> None:
    """Hand the Data page's picker a file and wait until the upload is registered: the picker lists it and its
    change has rerun the page, as a person waits for the file to show. "Add" clicked before that has nothing to
    add."""
    picker = page.locator(f'{MAIN} [data-testid="stFileUploader"] input[type="file"]')
    chips = "[...document.querySelectorAll('[data-testid=\"stFileChipName\"]')]"
    listed = f"{chips}.some(e => e.innerText.includes({json.dumps(path.name)}))"
    settle.timed(page, lambda: picker.set_input_files(str(path)), ready=listed, timeout_ms=timeout_ms)


def open_app(page, url: str) -> settle.Timing:
    """A fresh server's first page with results, timed from the navigation's start."""
    page.goto(url)
    settle.settle(page, ready=_on(""), timeout_ms=900_000)  # a million papers load for a while
    at = page.evaluate("() => Math.max(window.__st.lastFinish, window.__st.lastChange)")
    return settle.Timing(at, at, page.evaluate("() => window.__st.finished"))


def pick_theme(page, url: str, i: int, path: str = "") -> settle.Timing:
    """A theme picked in the sidebar of the page at `path`: Explore's summary names it, the Topics map says how
    many papers match."""
    go(page, url, path)
    name = THEMES[i % len(THEMES)]
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
    page.keyboard.type(name)  # the list is virtual: only options in view exist, so narrow it first
    option = page.get_by_role("option", name=name)
    ready = has_text(f"about {name}") if path == "" else f"({_on(path)}) && ({_map_says('match the filters')})"
    timing = settle.timed(page, lambda: option.first.click(), ready=ready)
    page.keyboard.press("Escape")
    return timing


def _map_says(text: str) -> str:
    return f"[...document.querySelectorAll('{MAIN} .js-plotly-plot')].some(p => p.textContent.includes({json.dumps(text)}))"


def clear_filters(page, url: str, i: int) -> settle.Timing:
    go(page, url, query=f"theme=pruning&q={QUERIES[i % len(QUERIES)].replace(' ', '+')}")
    button = page.locator(MAIN).get_by_role("button", name="Clear all")
    return settle.timed(page, button.click, ready=has_text("all papers, no filters"))


def _searched(mode: str, queries: list[str], said: str):
    """A search in `mode` ("" is the exact phrase) for the repetition's query, settled when the summary says
    `said` "query"."""

    def run(page, url: str, i: int) -> settle.Timing:
        go(page, url, query=f"search={mode}" if mode else "")
        query = queries[i % len(queries)]
        box = page.get_by_label("Search titles and abstracts")
        box.fill(query)
        return settle.timed(page, lambda: box.press("Enter"), ready=has_text(f'{said} "{query}"'))

    return run


search = _searched("", QUERIES, "text containing")
fuzzy_search = _searched("fuzzy", TYPOS, "title words close to")
meaning_search = _searched("meaning", QUESTIONS, "close in meaning to")


def sort(page, url: str, i: int) -> settle.Timing:
    go(page, url)
    page.locator(MAIN).get_by_label("Sort by").click()
    choice = ["Newest first", "Title A–Z", "Oldest first", "Most pages"][i % 4]
    option = page.get_by_role("option", name=choice)
    return settle.timed(page, option.click)


def next_page(page, url: str, i: int) -> settle.Timing:
    """The pager's next page, from page 1 to 4 in turn: the rows counted below the table move on."""
    go(page, url, query=f"page={1 + i % 4}" if i % 4 else "")
    first = 1 + (1 + i % 4) * 100
    ready = f"/Rows {first:,}–/.test(document.querySelector('{MAIN}').innerText)"
    return settle.timed(page, page.locator('[data-testid="stPaginationNext"]').click, ready=ready)


def draw_lasso(page, fractions, release: bool = True) -> None:
    """Draw a lasso on the page's map through the points at `fractions` (x, y) of its plot area; the pick is
    made when the mouse is released."""
    box = page.locator(f"{MAIN} .js-plotly-plot .nsewdrag").first.bounding_box()
    at = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in fractions]
    page.mouse.move(*at[0])
    page.mouse.down()
    for x, y in at[1:]:
        page.mouse.move(x, y, steps=8)
    if release:
        page.mouse.up()


def lasso(page, url: str, i: int) -> settle.Timing:
    """A lasso around a quarter of the Topics map, a different quarter each time, timed from the release (the
    drawing is the person's own doing)."""
    go(page, url, "topics")
    x, y = (0.02, 0.5)[i % 2], (0.02, 0.5)[i // 2 % 2]
    draw_lasso(page, [(x, y), (x + 0.48, y), (x + 0.48, y + 0.48), (x, y + 0.48), (x, y + 0.02)], release=False)
    return settle.timed(page, page.mouse.up, ready=has_text("picked on the map"))


def open_detail(page, url: str, i: int) -> settle.Timing:
    go(page, url)
    grid = page.locator(f'{MAIN} [data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    row_y = box["y"] + 35 * (1.5 + i % 5)  # the header row, then row i
    ready = f"{has_text('Why these themes')} || {has_text('none of the taxonomy')}"
    return settle.timed(page, lambda: page.mouse.click(box["x"] + 18, row_y), ready=ready)


def switch_page(source: str, target: str):
    names = {"": "Explore", "topics": "Topics", "themes": "Themes & trends", "data": "Data"}

    def run(page, url: str, i: int) -> settle.Timing:
        go(page, url, source)
        link = page.locator(NAV_LINKS, has_text=names[target]).first
        return settle.timed(page, link.click, ready=_on(target))

    return run


def change_k(seen: bool):
    def run(page, url: str, i: int) -> settle.Timing:
        # "seen": the values the "new" run chose before, reached from another one of them. The automatic k is
        # skipped: choosing it is no change of k.
        go(page, url, "topics")
        ks = [k for k in range(10, 10 + i + SEEN_KS + 2) if k != _automatic_k(page)]
        k = ks[i % SEEN_KS] if seen else ks[i]
        if seen:
            go(page, url, "topics", query=f"k={ks[(i + 1) % SEEN_KS]}")
        box = page.get_by_label("Number of clusters (k)")
        box.fill(str(k))
        ready = has_text(f"k = {k} (set by you)")
        return settle.timed(page, lambda: box.press("Enter"), ready=ready, timeout_ms=900_000)  # a new k fits a model

    return run


def _automatic_k(page) -> int:
    """The k the build chose, as the Topics page states it (with no k set in its URL)."""
    text = page.locator(MAIN).inner_text()
    return int(re.search(r"k = (\d+) \(automatic\)", text).group(1))


SCRIPT = [
    ("pick a theme (sidebar)", pick_theme),
    ("Topics: pick a theme (sidebar)", lambda page, url, i: pick_theme(page, url, i, "topics")),
    ("clear the filters", clear_filters),
    ("search a phrase", search),
    ("typo-tolerant search", fuzzy_search),
    ("search by meaning", meaning_search),
    ("sort", sort),
    ("next page of results", next_page),
    ("open a paper's detail", open_detail),
    ("Topics: lasso on the map", lasso),
    ("Explore → Topics", switch_page("", "topics")),
    ("Topics → Themes & trends", switch_page("topics", "themes")),
    ("Themes & trends → Explore", switch_page("themes", "")),
    ("Explore → Data", switch_page("", "data")),
    ("change k (new)", change_k(seen=False)),
    ("change k (seen before)", change_k(seen=True)),
]
