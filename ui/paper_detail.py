"""The open paper, below the results: its abstract with the search's matches marked, why each theme matched,
its topic, its datasets and the papers most like it."""

from __future__ import annotations

import streamlit as st

from lib.core import schema as S
from lib.explore.display import escape_markdown, highlight_markdown
from lib.explore.filters import search_hits
from lib.explore.tables import paper_detail
from ui import state
from ui.cache import Atlas


def detail(atlas: Atlas, paper_id: str | None) -> None:
    """The open paper: abstract with matches marked, why each theme matched, its cluster, similar papers."""
    if paper_id is None or paper_id not in atlas.index.position:
        st.info("Select a row in the table to read the paper here.", icon=":material/touch_app:")
        return
    row = atlas.papers.iloc[atlas.index.position[paper_id]]
    d = paper_detail(row, atlas.names)
    hits = search_hits(atlas.index, state.spec())
    terms, phrase = (hits.terms, hits.phrase) if hits is not None else ((), False)
    st.markdown(f"#### {highlight_markdown(d.title, terms, phrase=phrase)}")
    facts = [
        f"{S.PAPER_TYPE_NAMES.get(d.paper_type, d.paper_type)}",
        f"seen on {len({p.rsplit(':', 1)[0] for p in d.pages})} page(s)",
    ]
    if d.published:
        facts.append(f"published {d.published}")
    if d.listing_dates:
        facts.append("listed " + ", ".join(d.listing_dates))
    if d.authors:
        st.markdown(escape_markdown(", ".join(d.authors)))
    st.caption(escape_markdown(" · ".join(facts)))
    links = st.columns(4)
    if d.arxiv_url:
        links[0].link_button(
            f"arXiv {d.arxiv_id}",
            d.arxiv_url,
            icon=":material/open_in_new:",
            help=f"arXiv id {d.arxiv_note}" if d.arxiv_note else None,
        )
    if d.code_url:
        links[1].link_button("Code", d.code_url, icon=":material/code:")
    if d.doi:
        links[2].link_button("DOI", f"https://doi.org/{d.doi}", icon=":material/link:")
    if d.arxiv_note:
        st.caption(f"The arXiv id was {d.arxiv_note}.")
    st.markdown(highlight_markdown(d.abstract, terms, phrase=phrase) or "_No abstract on the listing page._")
    if d.abstract_variants:
        with st.expander(f"{len(d.abstract_variants)} other version(s) of the abstract"):
            for variant in d.abstract_variants:
                st.markdown(escape_markdown(variant))
    _why_themes(d)
    st.markdown(f"**Topic:** {escape_markdown(d.cluster_name)}")
    if d.datasets:
        st.markdown("**Datasets:** " + escape_markdown(", ".join(d.datasets)))
    _similar(atlas, d.similar_ids)


def _why_themes(d) -> None:
    if not d.themes and not d.mentions:
        st.markdown("**Themes:** none of the taxonomy's themes matched.")
        return
    lines = [
        f"- **{escape_markdown(name)}**: matched {escape_markdown(', '.join(words) or '—')}" for name, words in d.themes
    ]
    lines += [
        f"- {escape_markdown(name)} (mentioned only): {escape_markdown(', '.join(words) or '—')}"
        for name, words in d.mentions
    ]
    st.markdown("**Why these themes**\n\n" + "\n".join(lines))


def _similar(atlas: Atlas, similar_ids: list[str]) -> None:
    known = [pid for pid in similar_ids if pid in atlas.index.position]
    if not known:
        return
    st.markdown("**Similar papers**")
    for pid in known:
        title = atlas.papers[S.TITLE].iat[atlas.index.position[pid]]
        st.button(
            escape_markdown(title),
            key=f"similar_{pid}",
            on_click=state.open_from_elsewhere,
            args=(pid,),
            type="tertiary",
            icon=":material/article:",
        )
